from mmdd.prompts import class_names as cn

VOC = cn.VOC_CLASSES
COCO = cn.COCO_CLASSES


def test_class_lists_and_palettes():
    import imgviz
    assert len(VOC) == 21 and len(COCO) == 81
    assert VOC[0] == COCO[0] == 'background'
    assert {'dining table', 'potted plant', 'tv monitor'} <= set(VOC)
    assert cn.VOC_MMSEG_CLASSES[11] == 'diningtable'
    assert [list(c) for c in cn.VOC_PALETTE] == \
        imgviz.label_colormap()[:21].tolist()
    assert len(set(cn.COCO_PALETTE)) == 81
    assert cn.COCO_PALETTE[:21] == cn.VOC_PALETTE
    assert len(cn.COCO_CATEGORY_TO_LABEL) == 80
    assert COCO[cn.COCO_CATEGORY_TO_LABEL[90]] == 'toothbrush'
    assert COCO[cn.COCO_CATEGORY_TO_LABEL[67]] == 'dining table'
