import json
import warnings

import pytest

from mmdd.prompts import (COCO_CLASSES, VOC_CLASSES, IgnoredPromptKeyWarning,
                          PromptRecord, read_prompts, write_prompts)

VOC = VOC_CLASSES


def _records():
    return [
        PromptRecord('a', 'a dog on a couch', ['dog', 'sofa']),
        PromptRecord('b', 'un café', ['person'])
    ]


def test_write_read_prompts_roundtrip_atomic(tmp_path):
    path = write_prompts(_records(), tmp_path / 'sub' / 'p.jsonl')
    assert [p.name for p in path.parent.iterdir()] == ['p.jsonl']
    lines = path.read_text(encoding='utf-8').splitlines()
    assert json.loads(lines[0]) == {
        'id': 'a',
        'caption': 'a dog on a couch',
        'classes': ['dog', 'sofa']
    }
    assert 'café' in lines[1]
    assert read_prompts(path, VOC) == _records()
    assert [r.class_ids(VOC) for r in _records()] == [[12, 18], [15]]
    with pytest.raises(ValueError, match=r"'a': unknown .*\['sofa'\]"):
        _records()[0].class_ids(COCO_CLASSES)
    # A failing write leaves the old file and no temp file behind.
    bad = _records() + [PromptRecord('a', 'dup', [])]
    with pytest.raises(ValueError, match="record 2 .*'a'.*duplicate id"):
        write_prompts(bad, path)
    assert read_prompts(path) == _records()
    assert [p.name for p in path.parent.iterdir()] == ['p.jsonl']


@pytest.mark.parametrize('line,message', [
    ('{not json', r'p\.jsonl:2: not valid JSON'),
    ('["a"]', r'p\.jsonl:2: expected a JSON object'),
    ('{"id": "c", "caption": "x"}', r'p\.jsonl:2: missing key\(s\) classes'),
    ('{"id": "c", "caption": "x", "classes": "dog"}',
     r'p\.jsonl:2: "classes" must be a list'),
    ('{"id": "", "caption": "x", "classes": []}',
     r'p\.jsonl:2: "id" must be a non-empty string'),
    ('{"id": "a", "caption": "x", "classes": []}',
     r"p\.jsonl:2: duplicate id 'a' \(first at .*p\.jsonl:1\)"),
    ('{"id": "c", "caption": "x", "classes": ["couch"]}',
     r"p\.jsonl:2: unknown class\(es\) \['couch'\]"),
])
def test_read_prompts_rejects_bad_lines(tmp_path, line, message):
    path = tmp_path / 'p.jsonl'
    path.write_text(json.dumps(vars(_records()[0])) + '\n' + line + '\n')
    with pytest.raises(ValueError, match=message):
        read_prompts(path, VOC)


def test_read_prompts_missing_file_says_how_to_build(tmp_path):
    with pytest.raises(FileNotFoundError, match='build_voc_prompts'):
        read_prompts(tmp_path / 'none.jsonl')


def test_old_files_with_a_prompt_key_warn_once(tmp_path):
    # mmdd 0.1 stored the generation text; it is rebuilt from caption and
    # classes now, so the key is dropped with one warning for the file.
    path = tmp_path / 'old.jsonl'
    path.write_text(
        ''.join(
            json.dumps(dict(vars(r), prompt=f'{r.caption}; stale text')) + '\n'
            for r in _records()), encoding='utf-8')
    with pytest.warns(IgnoredPromptKeyWarning,
                      match=r"old\.jsonl.*'prompt'") as caught:
        assert read_prompts(path, VOC) == _records()
    assert len(caught) == 1
    with pytest.warns(IgnoredPromptKeyWarning):
        write_prompts(read_prompts(path), path)  # rewriting drops the key
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert read_prompts(path) == _records()
    assert 'prompt' not in path.read_text(encoding='utf-8')
