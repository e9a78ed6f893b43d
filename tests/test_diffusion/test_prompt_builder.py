import ast
import json
import sys
from pathlib import Path

import pytest

from mmdd.diffusion import class_names as cn
from mmdd.diffusion.class_synonyms import COCO_SYNONYMS, VOC_SYNONYMS
from mmdd.diffusion.prompt_builder import (ClassMatcher, PromptRecord,
                                           build_prompt, caption_records,
                                           find_mentioned_classes,
                                           format_summary, iter_progress,
                                           normalize_word,
                                           read_captions, read_prompts,
                                           template_prompt, template_prompts,
                                           write_prompts)

VOC = cn.VOC_CLASSES
COCO = cn.COCO_CLASSES


# ------------------------------------------------------------ class lists
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
    assert cn.get_classes('VOC') is VOC and cn.get_palette('coco') is \
        cn.COCO_PALETTE
    with pytest.raises(KeyError, match="'ade'.*coco"):
        cn.get_classes('ade')


@pytest.mark.parametrize('classes,table', [(VOC, VOC_SYNONYMS),
                                           (COCO, COCO_SYNONYMS)])
def test_synonym_tables_fit_their_class_list(classes, table):
    assert set(table) <= set(classes)
    ClassMatcher(classes, table)  # raises on a synonym owned twice


def test_modules_import_no_torch_or_mmseg():
    folder = Path(cn.__file__).parent
    for name in ('prompt_builder.py', 'class_names.py', 'class_synonyms.py'):
        tree = ast.parse((folder / name).read_text())
        roots = {(n.module or '').split('.')[0] for n in ast.walk(tree)
                 if isinstance(n, ast.ImportFrom) and not n.level}
        roots |= {a.name.split('.')[0] for n in ast.walk(tree)
                  if isinstance(n, ast.Import) for a in n.names}
        assert not roots & {'torch', 'mmseg', 'mmcv', 'mmengine'}, name


# ---------------------------------------------------------- class mentions
def test_normalize_word_folds_plurals_not_verbs():
    for plural, singular in [('dogs', 'dog'), ('buses', 'bus'),
                             ('men', 'man'), ('knives', 'knife'),
                             ('ponies', 'pony'), ('benches', 'bench'),
                             ("cat's", 'cat'), ('Sofas', 'sofa'),
                             ('TVs', 'tv')]:
        assert normalize_word(plural) == normalize_word(singular), plural
    assert normalize_word('training') != normalize_word('train')
    assert normalize_word('planted') != normalize_word('plant')


@pytest.mark.parametrize('caption,expected', [
    ('a woman and a little girl sitting on a couch', ['person', 'sofa']),
    ('Two buses and three dogs.', ['bus', 'dog']),
    ('people waiting for trains', ['person', 'train']),
    ('a man training his puppy', ['dog', 'person']),
    ('jets and motorcycles', ['aeroplane', 'motorbike']),
    ('a dining table, potted plants and a TV monitor',
     ['dining table', 'potted plant', 'tv monitor']),
    ('a television on the table', ['dining table', 'tv monitor']),
    ('a hot dog on a plate', []),
    ('a teddy bear on a sofa', ['sofa']),
    ('men riding dirt bikes past bikes', ['bicycle', 'motorbike', 'person']),
    ('a dog, another dog and more dogs', ['dog']),
    ('', []),
])
def test_find_mentioned_voc_classes(caption, expected):
    assert find_mentioned_classes(caption, VOC) == expected


def test_find_mentioned_coco_classes_use_coco_names():
    match = ClassMatcher(COCO)
    assert match('a hot dog and a dog near a couch') == \
        ['dog', 'hot dog', 'couch']
    assert match('a teddy bear and a polar bear') == ['bear', 'teddy bear']
    assert match('a cellphone next to wine glasses and a laptop') == \
        ['wine glass', 'laptop', 'cell phone']
    assert match('an airplane over buses') == ['airplane', 'bus']


def test_custom_synonyms_and_conflicts():
    classes = ['background', 'cat', 'dog']
    assert find_mentioned_classes('a kitty and a hound', classes,
                                  {'cat': ['kitty']}) == ['cat']
    assert find_mentioned_classes('a big cat', classes,
                                  {'dog': ['big cat']}) == ['dog']
    with pytest.raises(ValueError, match="'pets'.*'cat'.*'dog'"):
        ClassMatcher(classes, {'cat': ['pet'], 'dog': ['pets']})
    # A class's own name beats another class's synonym.
    assert find_mentioned_classes('a cat', classes,
                                  {'dog': ['cat']}) == ['cat']


# ---------------------------------------------------------------- prompts
def test_build_prompt_unique_class_order():
    prompt = build_prompt('a woman and a girl on a couch',
                          ['sofa', 'person', 'background', 'person'], VOC)
    assert prompt == 'a woman and a girl on a couch; person sofa'
    assert build_prompt(' a  dog;\nsleeping ', ['dog']) == \
        'a dog, sleeping; dog'
    assert build_prompt('an empty room', []) == 'an empty room'
    with pytest.raises(ValueError, match="'sofas'"):
        build_prompt('a couch', ['sofas'], VOC)
    with pytest.raises(ValueError, match='caption is empty'):
        build_prompt(' ; ', ['dog'])


def test_template_prompt_articles_and_lists():
    assert template_prompt(['dog']) == 'a photo of a dog'
    assert template_prompt(['aeroplane', 'dog']) == \
        'a photo of an aeroplane and a dog'
    assert template_prompt(['cat', 'dog', 'sofa']) == \
        'a photo of a cat, a dog and a sofa'
    with pytest.raises(ValueError, match='at least one'):
        template_prompt(['background'])


def test_template_prompts_deterministic_and_balanced():
    records = template_prompts(VOC, 40, seed=3)
    assert records == template_prompts(VOC, 40, seed=3)
    assert records != template_prompts(VOC, 40, seed=4)
    assert [r.id for r in records[:2]] == ['template_000000',
                                           'template_000001']
    leads = [r.classes[0] for r in records]
    assert all(leads.count(c) == 2 for c in VOC[1:])
    assert records[0].prompt == \
        f'a photo of {"an" if leads[0][0] in "aeiou" else "a"} ' \
        f'{leads[0]}; {leads[0]}'
    multi = template_prompts(VOC, 50, seed=0, max_classes=3)
    sizes = {len(r.classes) for r in multi}
    assert sizes == {1, 2, 3}
    for r in multi:
        assert r.classes == [c for c in VOC if c in r.classes]
        assert r.prompt == f'{r.caption}; {" ".join(r.classes)}'


def test_caption_records_ids_and_template_fallback():
    recs = caption_records('img', ['a dog; a cat', 'two cats', 'x'],
                           ['dog', 'cat'], VOC, captions_per_image=2)
    assert [(r.id, r.caption, r.classes, r.prompt) for r in recs] == [
        ('img', 'a dog, a cat', ['cat', 'dog'], 'a dog, a cat; cat dog'),
        ('img_1', 'two cats', ['cat', 'dog'], 'two cats; cat dog')]
    [rec] = caption_records('img', [], ['tv monitor'], VOC)
    assert rec.prompt == 'a photo of a tv monitor; tv monitor'


def test_format_summary_counts_mentions():
    records = [PromptRecord('a', 'two dogs', ['dog', 'sofa'], 'p'),
               PromptRecord('b', 'a cat', ['dog'], 'p'),
               PromptRecord('t', 'a photo of a dog', ['dog'], 'p')]
    text = format_summary(records, VOC, template_ids=['t'])
    assert 'records: 3 (captions: 2, templates: 1)' in text
    dog = next(line for line in text.splitlines() if line.startswith('dog'))
    assert dog.split() == ['dog', '3', '2', '1', '50%']
    sofa = next(line for line in text.splitlines()
                if line.startswith('sofa'))
    assert sofa.split() == ['sofa', '1', '1', '0', '0%']


# --------------------------------------------------------------- captions
def test_read_captions_formats(tmp_path):
    (tmp_path / 'list.json').write_text(json.dumps([
        {'id': 1, 'caption': 'a dog'},
        {'image': 'JPEGImages/2007_000032.jpg', 'caption': ' a  plane '},
        {'image_id': 'x', 'captions': ['one', 'two']}]))
    assert read_captions(tmp_path / 'list.json') == {
        '1': ['a dog'], '2007_000032': ['a plane'], 'x': ['one', 'two']}
    (tmp_path / 'dict.json').write_text(json.dumps(
        {'a.jpg': 'cap a', 'b': ['cap b1', 'cap b2']}))
    assert read_captions(tmp_path / 'dict.json') == {
        'a': ['cap a'], 'b': ['cap b1', 'cap b2']}
    (tmp_path / 'coco.json').write_text(json.dumps({
        'images': [{'id': 9, 'file_name': '000000000009.jpg'}],
        'annotations': [{'image_id': 9, 'id': 1, 'caption': 'food'},
                        {'image_id': 9, 'id': 2, 'caption': 'a meal'}]}))
    assert read_captions(tmp_path / 'coco.json') == {
        '000000000009': ['food', 'a meal']}
    (tmp_path / 'c.jsonl').write_text(
        '{"id": "a", "caption": "x"}\n\n{"id": "a", "caption": "y"}\n')
    assert read_captions(tmp_path / 'c.jsonl') == {'a': ['x', 'y']}
    (tmp_path / 'c.txt').write_text(
        '# blip\n2007_000032\ta plane; on grass\n2007_000039.jpg a tv\n')
    assert read_captions(tmp_path / 'c.txt') == {
        '2007_000032': ['a plane; on grass'], '2007_000039': ['a tv']}


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


# ------------------------------------------------------------ prompt file
def _records():
    return [PromptRecord('a', 'a dog on a couch', ['dog', 'sofa'],
                         'a dog on a couch; dog sofa'),
            PromptRecord('b', 'un café', ['person'], 'un café; person')]


def test_write_read_prompts_roundtrip_atomic(tmp_path):
    path = write_prompts(_records(), tmp_path / 'sub' / 'p.jsonl')
    assert [p.name for p in path.parent.iterdir()] == ['p.jsonl']
    lines = path.read_text(encoding='utf-8').splitlines()
    assert json.loads(lines[0]) == {
        'id': 'a', 'caption': 'a dog on a couch', 'classes': ['dog', 'sofa'],
        'prompt': 'a dog on a couch; dog sofa'}
    assert 'café' in lines[1]
    assert read_prompts(path, VOC) == _records()
    assert [r.class_ids(VOC) for r in _records()] == [[12, 18], [15]]
    with pytest.raises(ValueError, match=r"'a': unknown .*\['sofa'\]"):
        _records()[0].class_ids(cn.COCO_CLASSES)
    # A failing write leaves the old file and no temp file behind.
    bad = _records() + [PromptRecord('a', 'dup', [], 'dup')]
    with pytest.raises(ValueError, match="record 2 .*'a'.*duplicate id"):
        write_prompts(bad, path)
    assert read_prompts(path) == _records()
    assert [p.name for p in path.parent.iterdir()] == ['p.jsonl']


@pytest.mark.parametrize('line,message', [
    ('{not json', r'p\.jsonl:2: not valid JSON'),
    ('["a"]', r'p\.jsonl:2: expected a JSON object'),
    ('{"id": "c", "caption": "x", "classes": []}',
     r'p\.jsonl:2: missing key\(s\) prompt'),
    ('{"id": "c", "caption": "x", "classes": "dog", "prompt": "x"}',
     r'p\.jsonl:2: "classes" must be a list'),
    ('{"id": "", "caption": "x", "classes": [], "prompt": "x"}',
     r'p\.jsonl:2: "id" must be a non-empty string'),
    ('{"id": "a", "caption": "x", "classes": [], "prompt": "x"}',
     r"p\.jsonl:2: duplicate id 'a' \(first at .*p\.jsonl:1\)"),
    ('{"id": "c", "caption": "x", "classes": ["couch"], "prompt": "x"}',
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


def test_iter_progress_without_tqdm(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, 'tqdm', None)  # import now fails
    assert list(iter_progress(iter(range(5)), total=5, desc='maps')) == \
        list(range(5))
    assert capsys.readouterr().err.endswith('maps 5/5\n')
