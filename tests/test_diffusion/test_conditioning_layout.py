"""The text conditioning package: one base, one module per text-encoder
family, no import circle, and the old module paths still serve every
public name."""
import importlib

import pytest

from tests.utils import REPO_ROOT, import_cycles, module_imports

OLD_NAMES = {
    'mmdd.diffusion.conditioning':
    ('PromptTruncatedWarning', 'SDTextConditioning', 'SDXLTextConditioning',
     'SamplePrompt', 'TextEmbeddings', 'TokenIds', 'build_sample_prompt',
     'text_conditioning'),
    'mmdd.diffusion.dit_conditioning':
    ('DEFAULT_T5_LENGTH', 'DiTTextConditioning', 'FluxTextConditioning',
     'PromptTruncatedWarning', 'SD3TextConditioning', 'SamplePrompt',
     'TextEmbeddings', 'TokenIds', 'build_sample_prompt'),
}


def test_no_module_circle_in_mmdd():
    """Before: conditioning <-> dit_conditioning (and, elsewhere, engine's
    compiled_ops <-> op_probe)."""
    graph = module_imports(REPO_ROOT, 'mmdd')
    assert graph['mmdd.diffusion.architectures'] >= {
        'mmdd.diffusion.conditioning.clip', 'mmdd.diffusion.conditioning.sd3',
        'mmdd.diffusion.conditioning.flux'
    }
    assert import_cycles(graph) == []


def test_the_circle_finder_finds_the_old_one():
    graph = {'a': {'b'}, 'b': {'a', 'c'}, 'c': set()}
    assert import_cycles(graph) == [['a', 'b']]


@pytest.mark.parametrize('module', sorted(OLD_NAMES))
def test_old_paths_serve_every_public_name(module):
    from mmdd.diffusion.conditioning import clip, flux, sd3, t5
    old = importlib.import_module(module)
    for name in OLD_NAMES[module]:
        value = getattr(old, name)
        owners = [m for m in (clip, flux, sd3, t5) if hasattr(m, name)]
        for owner in owners:  # the very objects the family modules hold
            assert getattr(owner, name) is value, (module, name)


def test_each_family_has_its_module():
    from mmdd.diffusion.architectures import ARCHITECTURES
    modules = [row.conditioning.__module__ for row in ARCHITECTURES]
    assert modules == [
        'mmdd.diffusion.conditioning.clip', 'mmdd.diffusion.conditioning.clip',
        'mmdd.diffusion.conditioning.sd3', 'mmdd.diffusion.conditioning.flux'
    ]
