"""bench.labels.label_beyond: candidates, their passes, the greedy choice."""
from types import SimpleNamespace

from bench.labels.beyond_search import (POSTHOC, BeyondRow, choose, describe,
                                        pass_name, posthoc, recordings)


def test_recording_candidates_and_their_passes():
    rec = recordings(dict(cross_attention_factor=2, self_attention_factor=1))
    assert rec['cross_fine'] == dict(cross_attention_factor=1)
    assert 'cross_fine' not in recordings(
        dict(cross_attention_factor=1, self_attention_factor=1))
    assert pass_name(rec, dict(refined_weight=0.5)) == 'record_mean'
    assert pass_name(rec, dict(step_weighting='linear',
                               refined_weight=0.5)) == 'steps_linear'
    both = dict(step_weighting='linear', layer_weighting='sharpness')
    assert pass_name(rec, both) is None  # no pass records both
    assert 'blocks_first_half' not in rec  # a UNet's
    dit = recordings(
        dict(cross_attention_factor=2, self_attention_factor=2), dit_layers=6)
    assert dit['blocks_first_half'] == dict(dit_blocks=[0, 1, 2])
    assert pass_name(dit, dict(dit_blocks=[0, 1, 2],
                               tau=1)) == 'blocks_first_half'


def test_best_row_writes_its_changes_over_the_papers_settings():
    row = BeyondRow('best', dict(guided_filter_radius=4))
    assert row.generation(dict(tau=1, guided_filter_radius=0)) == dict(
        tau=1, guided_filter_radius=4)
    assert row.label_key == 'best' and row.training == 'ignore'
    assert row.step == describe(row.changes) == 'guided_filter_radius=4'
    assert BeyondRow('paper').step == "the config's labels"


class FakePass:
    """Label mIoU as a known function of the settings."""

    def __init__(self, offset=0.0):
        self.offset = offset

    def score(self, changes):
        miou = 0.5 + self.offset
        miou += 0.1 * (changes.get('guided_filter_radius', 0) == 4)
        miou += 0.01 * (changes.get('guided_filter_eps') == 0.01)
        miou -= 0.2 * (changes.get('normalisation') == 'max')
        miou += 0.02 * (changes.get('refined_weight') == 0.75)
        miou += 0.05 * (changes.get('label_source') == 'concept')
        return SimpleNamespace(miou=miou)


def test_greedy_choice_keeps_only_what_raises_validation():
    rec = dict(record_mean={}, steps_linear=dict(step_weighting='linear'),
               layers_sharpness=dict(layer_weighting='sharpness'))
    passes = dict(record_mean=FakePass(), steps_linear=FakePass(0.03),
                  layers_sharpness=FakePass(-0.01))
    scores, best, miou = choose(passes, rec, POSTHOC)
    assert best == dict(guided_filter_radius=4, guided_filter_eps=0.01,
                        step_weighting='linear', refined_weight=0.75)
    assert abs(miou - (0.5 + 0.1 + 0.01 + 0.03 + 0.02)) < 1e-9
    n_posthoc = sum(len(options) for options in POSTHOC.values())
    assert len(scores) == 1 + 2 + n_posthoc
    assert scores['normalisation=max'].miou < scores['paper'].miou


def test_a_transformer_also_tries_concept_attention():
    assert 'label_source' not in posthoc('mmdd::shapes-t2i')
    candidates = posthoc('mmdd::shapes-dit')
    assert candidates['label_source'] == [dict(label_source='concept')]
    assert candidates['tau'] == [dict(tau=1), dict(tau=2)]
    assert {
        k: v
        for k, v in candidates.items() if k not in ('label_source', 'tau')
    } == POSTHOC  # the UNets' candidates, unchanged
    rec = dict(record_mean={})
    scores, best, miou = choose(dict(record_mean=FakePass()), rec, candidates)
    assert best == dict(guided_filter_radius=4, guided_filter_eps=0.01,
                        label_source='concept', refined_weight=0.75)
    assert scores['label_source=concept'].miou > scores['paper'].miou
