"""The house's rules, read from the source (issue 35): no import circle
between mmdd's packages (function-level imports counted), and no file over
350 lines in mmdd/, tools/ or bench/. Module circles:
tests/test_diffusion/test_conditioning_layout.py."""
from tests.utils import REPO_ROOT, import_cycles, module_imports

MAX_LINES = 350


def package_of(module: str) -> str:
    return '.'.join(module.split('.')[:2])


def test_no_circle_between_packages():
    graph = {}
    for module, targets in module_imports(REPO_ROOT, 'mmdd').items():
        graph.setdefault(package_of(module), set()).update(
            package_of(t) for t in targets
            if package_of(t) != package_of(module))
    assert graph['mmdd.diffusion'] >= {'mmdd.lazy', 'mmdd.utils'}
    assert import_cycles(graph) == []


def test_no_file_over_350_lines():
    long = {}
    for folder in ('mmdd', 'tools', 'bench'):
        for path in (REPO_ROOT / folder).rglob('*.py'):
            lines = len(path.read_text().splitlines())
            if lines > MAX_LINES:
                long[str(path.relative_to(REPO_ROOT))] = lines
    assert long == {}
