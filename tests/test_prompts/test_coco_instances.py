import json

import pytest

from mmdd.prompts.coco_instances import load_coco_instances


def _write(tmp_path, **data):
    path = tmp_path / 'instances.json'
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def instances(tmp_path):
    return _write(
        tmp_path, images=[{
            'id': 9,
            'file_name': 'x/000000000009.jpg'
        }, {
            'id': 2,
            'file_name': '000000000002.jpg'
        }], annotations=[{
            'id': 1,
            'image_id': 9,
            'category_id': 63
        }, {
            'id': 2,
            'image_id': 9,
            'category_id': 18
        }, {
            'id': 3,
            'image_id': 9,
            'category_id': 18
        }], categories=[{
            'id': 18,
            'name': 'dog'
        }, {
            'id': 63,
            'name': 'couch'
        }])


def test_annotations_by_image_and_classes_in_coco_order(instances):
    coco = load_coco_instances(instances)
    assert [image['id'] for image in coco.images] == [9, 2]  # file order
    assert [a['id'] for a in coco.annotations[9]] == [1, 2, 3]
    assert coco.annotations[2] == []
    assert coco.labels(9) == [17, 58]
    assert coco.classes_by_stem() == {
        '000000000002': [],
        '000000000009': ['dog', 'couch']
    }


@pytest.mark.parametrize('change,message', [
    (dict(categories=[{
        'id': 18,
        'name': 'wolf'
    }]), r"category 18 'wolf' is not COCO 2017's \(dog\)"),
    (dict(categories=[{
        'id': 12,
        'name': 'street sign'
    }]), r"category 12 'street sign' .*\(no such id\)"),
    (dict(annotations=[{
        'id': 1,
        'image_id': 5,
        'category_id': 18
    }]), r'annotations\[0\] refers to image 5'),
    (dict(annotations=[{
        'id': 1,
        'image_id': 9,
        'category_id': 12
    }]), r'annotations\[0\] has category 12'),
    (dict(images=None), r"missing \['images'\]; expected COCO's "
     'instances'),
])
def test_bad_files_say_what_is_wrong(instances, change, message):
    data = json.loads(instances.read_text())
    data.update(change)
    if data['images'] is None:
        del data['images']
    instances.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=message):
        load_coco_instances(instances)
