import pytest

from mmdd.prompts import (VOC_CLASSES, build_prompt, caption_records,
                          image_records, template_prompt, template_prompts)

VOC = VOC_CLASSES


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
    assert [r.id
            for r in records[:2]] == ['template_000000', 'template_000001']
    leads = [r.classes[0] for r in records]
    assert all(leads.count(c) == 2 for c in VOC[1:])
    assert records[0].caption == \
        f'a photo of {"an" if leads[0][0] in "aeiou" else "a"} {leads[0]}'
    multi = template_prompts(VOC, 50, seed=0, max_classes=3)
    sizes = {len(r.classes) for r in multi}
    assert sizes == {1, 2, 3}
    for r in multi:
        assert r.classes == [c for c in VOC if c in r.classes]
        assert r.caption == template_prompt(r.classes)


def test_caption_records_ids_and_template_fallback():
    recs = caption_records('img', ['a dog; a cat', 'two cats', 'x'],
                           ['dog', 'cat'], VOC, captions_per_image=2)
    assert [(r.id, r.caption, r.classes)
            for r in recs] == [('img', 'a dog, a cat', ['cat', 'dog']),
                               ('img_1', 'two cats', ['cat', 'dog'])]
    assert [build_prompt(r.caption, r.classes)
            for r in recs] == ['a dog, a cat; cat dog', 'two cats; cat dog']
    [rec] = caption_records('img', [], ['tv monitor'], VOC)
    assert (rec.caption, rec.classes) == ('a photo of a tv monitor',
                                          ['tv monitor'])
    with pytest.raises(ValueError, match="image 'img': caption ' ; '"):
        caption_records('img', [' ; '], ['dog'], VOC)


def test_image_records_sorts_images_into_captioned_template_and_empty():
    records, templates, empty = image_records([('a', ['dog']), ('b', []),
                                               ('c', ['cat', 'sofa'])], {
                                                   'a': ['a dog', 'a puppy'],
                                                   'x': ['unused']
                                               }, VOC, captions_per_image=2)
    assert [(r.id, r.caption)
            for r in records] == [('a', 'a dog'), ('a_1', 'a puppy'),
                                  ('c', 'a photo of a cat and a sofa')]
    assert (templates, empty) == (['c'], ['b'])
    with pytest.raises(ValueError, match='captions-per-image must be >= 1'):
        image_records([], {}, VOC, captions_per_image=0)
