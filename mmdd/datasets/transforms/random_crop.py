"""mmseg's RandomCrop, with ``cat_max_ratio`` counted on the label only."""
from mmseg.datasets.transforms import RandomCrop as MMSegRandomCrop

from mmdd.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomCrop(MMSegRandomCrop):
    """mmseg's ``RandomCrop`` that also handles an H x W x 2 ``gt_seg_map``
    (label + confidence, from ``LoadConfidenceMap``).

    mmseg picks crops with ``cat_max_ratio`` by counting ``np.unique`` over
    the whole map, which would count confidence values as classes and accept
    crops of a single class. This one counts channel 0; on 2-D maps it is
    mmseg's. It shares mmseg's name, so that pipelines copied from mmseg
    (VOC: ``cat_max_ratio=0.75``) are right in configs of scope ``mmdd``;
    configs of another scope write ``type='mmdd.RandomCrop'``.
    """

    def crop_bbox(self, results: dict) -> tuple:
        seg_map = results['gt_seg_map']
        if seg_map.ndim == 3:
            results = {**results, 'gt_seg_map': seg_map[..., 0]}
        # mmseg's crop_bbox carries @cache_randomness; calling it keeps that.
        return super().crop_bbox(results)
