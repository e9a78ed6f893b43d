import json

import pytest

from mmdd.prompts import append_class_prompt, clean_caption, read_captions


def test_read_captions_formats(tmp_path):
    (tmp_path / 'list.json').write_text(
        json.dumps([{
            'id': 1,
            'caption': 'a dog'
        }, {
            'image': 'JPEGImages/2007_000032.jpg',
            'caption': ' a  plane '
        }, {
            'image_id': 'x',
            'captions': ['one', 'two']
        }]))
    assert read_captions(tmp_path / 'list.json') == {
        '1': ['a dog'],
        '2007_000032': ['a plane'],
        'x': ['one', 'two']
    }
    (tmp_path / 'dict.json').write_text(
        json.dumps({
            'a.jpg': 'cap a',
            'b': ['cap b1', 'cap b2']
        }))
    assert read_captions(tmp_path / 'dict.json') == {
        'a': ['cap a'],
        'b': ['cap b1', 'cap b2']
    }
    (tmp_path / 'coco.json').write_text(
        json.dumps({
            'images': [{
                'id': 9,
                'file_name': '000000000009.jpg'
            }],
            'annotations': [{
                'image_id': 9,
                'id': 1,
                'caption': 'food'
            }, {
                'image_id': 9,
                'id': 2,
                'caption': 'a meal'
            }]
        }))
    assert read_captions(tmp_path / 'coco.json') == {
        '000000000009': ['food', 'a meal']
    }
    (tmp_path / 'c.jsonl').write_text(
        '{"id": "a", "caption": "x"}\n\n{"id": "a", "caption": "y"}\n')
    assert read_captions(tmp_path / 'c.jsonl') == {'a': ['x', 'y']}
    (tmp_path / 'c.txt').write_text(
        '# blip\n2007_000032\ta plane; on grass\n2007_000039.jpg a tv\n')
    assert read_captions(tmp_path / 'c.txt') == {
        '2007_000032': ['a plane; on grass'],
        '2007_000039': ['a tv']
    }


@pytest.mark.parametrize('name,text,message', [
    ('bad.txt', 'a one\nlonely\n', r'bad\.txt:2: expected "<id><TAB>'),
    ('bad.jsonl', '{"id": "a", "caption": "x"}\n{oops\n',
     r'bad\.jsonl:2: not valid JSON'),
    ('bad.jsonl', '{"id": "a", "text": "x"}\n', r'bad\.jsonl:1: needs an'),
    ('bad.json', '[{"id": "a", "caption": ""}]', r'bad\.json: \[0\]: .*'
     'non-empty'),
    ('bad.csv', 'a,b', r"unknown captions format '\.csv'"),
])
def test_read_captions_rejects_bad_input(tmp_path, name, text, message):
    (tmp_path / name).write_text(text)
    with pytest.raises(ValueError, match=message):
        read_captions(tmp_path / name)


@pytest.mark.parametrize('caption,cleaned', [
    (' a  dog;\nsleeping ', 'a dog, sleeping'),
    ('a dog; ', 'a dog'),
    ('a cat,', 'a cat'),
    (' ; ', ''),
])
def test_clean_caption_leaves_no_separator(caption, cleaned):
    assert clean_caption(caption) == cleaned


def test_append_class_prompt_has_one_separator():
    assert append_class_prompt('a dog;  on a couch; ', ['dog', 'sofa']) == \
        'a dog, on a couch; dog sofa'
    assert append_class_prompt(' a room ', []) == 'a room'
