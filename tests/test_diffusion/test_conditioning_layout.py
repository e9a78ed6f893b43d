"""The text conditioning package: one base, one module per text-encoder
family, no import circle, and the old module paths still serve every
public name."""
import ast
import importlib
from pathlib import Path

import pytest

from tests.utils import REPO_ROOT

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


def module_imports(root: Path, package: str) -> dict:
    """``{module: modules of package it imports}``, every import statement
    counted (function-level and TYPE_CHECKING ones too)."""
    modules = {}
    for path in (root / package.replace('.', '/')).rglob('*.py'):
        parts = list(path.relative_to(root).with_suffix('').parts)
        is_package = parts[-1] == '__init__'
        modules['.'.join(parts[:-1] if is_package else parts)] = (path,
                                                                  is_package)
    graph = {}
    for name, (path, is_package) in modules.items():
        here = name.split('.') if is_package else name.split('.')[:-1]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ''
                if node.level:
                    up = here[:len(here) - node.level + 1]
                    base = '.'.join(up + ([base] if base else []))
                targets.add(base)
                targets.update(f'{base}.{a.name}' for a in node.names)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict) -> list:
    """The strongly connected groups of more than one module."""
    found, order, low, stack = [], {}, {}, []

    def visit(node):
        order[node] = low[node] = len(order)
        stack.append(node)
        for other in graph[node]:
            if other not in order:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], order[other])
        if low[node] == order[node]:
            group = []
            while not group or group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in order:
            visit(node)
    return found


def test_no_module_circle_in_mmdd():
    """Before: conditioning <-> dit_conditioning (and, elsewhere, engine's
    compiled_ops <-> op_probe)."""
    graph = module_imports(REPO_ROOT, 'mmdd')
    assert graph['mmdd.diffusion.architectures'] >= {
        'mmdd.diffusion.conditioning.clip', 'mmdd.diffusion.conditioning.sd3',
        'mmdd.diffusion.conditioning.flux'
    }
    assert cycles(graph) == []


def test_the_circle_finder_finds_the_old_one():
    graph = {'a': {'b'}, 'b': {'a', 'c'}, 'c': set()}
    assert cycles(graph) == [['a', 'b']]


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
