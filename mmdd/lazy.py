"""Package attributes imported on first use (PEP 562 ``__getattr__``), so
that importing a package costs only what its caller uses."""
import importlib
from typing import Any, Callable, Dict, List, Sequence, Tuple


def lazy_exports(
    package: str,
    exports: Dict[str,
                  Sequence[str]]) -> Tuple[Callable[[str], Any], List[str]]:
    """``(__getattr__, __all__)`` for ``package`` whose submodule ``m``
    provides the names ``exports[m]``::

        __getattr__, __all__ = lazy_exports(__name__, {'labels': ('f', )})

    A module name is relative to ``package``: ``'.register'`` (one more dot)
    names a sibling of the package, for names kept at an old path.
    """
    module_of = {
        name: module
        for module, names in exports.items()
        for name in names
    }

    def __getattr__(name: str) -> Any:
        if name not in module_of:
            raise AttributeError(
                f'module {package!r} has no attribute {name!r}')
        module = importlib.import_module(f'.{module_of[name]}', package)
        return getattr(module, name)

    return __getattr__, sorted(module_of)
