import numpy as np
import pytest

from mmdd.shapes.world import (SHAPES_CLASSES, SHAPES_PALETTE, SYNONYMS,
                               oracle_label, plural, render_scene, vocabulary)


def test_a_scene_is_the_same_for_the_same_seed():
    a, b = render_scene(7), render_scene(7)
    assert np.array_equal(a.image, b.image)
    assert np.array_equal(a.label, b.label)
    assert a.caption == b.caption
    assert not np.array_equal(a.image, render_scene(8).image)


@pytest.mark.parametrize('seed', range(0, 400, 7))
def test_labels_caption_and_oracle_agree(seed):
    scene = render_scene(seed)
    assert scene.image.shape == (64, 64, 3) and scene.image.dtype == np.uint8
    assert scene.label.shape == (64, 64)
    present = set(np.unique(scene.label).tolist()) - {0}
    assert present == set(scene.class_ids)
    # Every class present is named in the caption (by a synonym).
    words = scene.caption.replace(',', ' ').split()
    for class_id in scene.class_ids:
        names = SYNONYMS[SHAPES_CLASSES[class_id]]
        assert any(w in words for n in names
                   for w in (n, plural(n))), (scene.caption,
                                              SHAPES_CLASSES[class_id])
    # Flat colours: the colour oracle recovers the exact label map.
    assert np.array_equal(oracle_label(scene.image), scene.label)


def test_objects_are_painted_in_their_class_colour():
    scene = render_scene(3)
    for class_id in scene.class_ids:
        colours = scene.image[scene.label == class_id].astype(int)
        assert np.abs(colours - SHAPES_PALETTE[class_id]).max() <= 20


def test_every_caption_word_is_in_the_vocabulary():
    vocab = set(vocabulary())
    for seed in range(300):
        caption = render_scene(seed).caption.replace(',', ' , ')
        assert set(caption.split()) <= vocab, caption


def test_oracle_leaves_grey_and_unknown_colours_as_background():
    image = np.zeros((2, 3, 3), np.uint8)
    image[0] = [(128, 128, 128), (220, 30, 30), (30, 70, 225)]
    image[1] = [(0, 255, 255), (235, 200, 20), (150, 140, 130)]
    assert oracle_label(image).tolist() == [[0, 1, 2], [0, 4, 0]]


def test_four_objects_of_one_class_are_named_in_parts():
    # Seed 582 draws four triangles; NUMBER_WORDS stops at three, which
    # raised IndexError before.
    scene = render_scene(582, max_objects=4)
    assert [o.class_id for o in scene.objects] == [3, 3, 3, 3]
    assert scene.class_ids == [3]
    words = scene.caption.replace(',', ' , ').split()
    assert {'triangle', 'triangles'} <= set(words), scene.caption


def test_up_to_four_objects_keep_captions_in_the_vocabulary():
    vocab = set(vocabulary())
    for seed in range(600):
        scene = render_scene(seed, max_objects=4)
        assert 1 <= len(scene.objects) <= 4
        assert set(scene.caption.replace(',', ' , ').split()) <= vocab
        present = set(np.unique(scene.label).tolist()) - {0}
        assert present == set(scene.class_ids)
