import pytest

from mmdd.prompts import COCO_CLASSES as COCO
from mmdd.prompts import VOC_CLASSES as VOC
from mmdd.prompts.class_match import ClassMatcher, normalize_word
from mmdd.prompts.synonyms import COCO_SYNONYMS, VOC_SYNONYMS


@pytest.mark.parametrize('classes,table', [(VOC, VOC_SYNONYMS),
                                           (COCO, COCO_SYNONYMS)])
def test_synonym_tables_fit_their_class_list(classes, table):
    assert set(table) <= set(classes)
    ClassMatcher(classes, table)  # raises on a synonym owned twice


def test_normalize_word_folds_plurals_not_verbs():
    for plural, singular in [('dogs', 'dog'), ('buses', 'bus'), ('men', 'man'),
                             ('knives', 'knife'), ('ponies', 'pony'),
                             ('benches', 'bench'), ("cat's", 'cat'),
                             ('Sofas', 'sofa'), ('TVs', 'tv')]:
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
    assert ClassMatcher(VOC)(caption) == expected


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
    assert ClassMatcher(classes,
                        {'cat': ['kitty']})('a kitty and a hound') == ['cat']
    assert ClassMatcher(classes, {'dog': ['big cat']})('a big cat') == \
        ['dog']
    with pytest.raises(ValueError, match="'pets'.*'cat'.*'dog'"):
        ClassMatcher(classes, {'cat': ['pet'], 'dog': ['pets']})
    # A class's own name beats another class's synonym.
    assert ClassMatcher(classes, {'dog': ['cat']})('a cat') == ['cat']
