"""Name the compiled mmcv ops a config's model would call, before it runs.

Under mmcv-lite (``tools/install.sh``'s default without a GPU) ``mmcv.ops``
imports, but a compiled op fails when it is called: in the first forward
pass, after any generation. :func:`compiled_op_users` finds them from the
config instead: every ``type`` in ``cfg.model`` is resolved through the
registry, and a class needs compiled ops when it is itself an op of such an
``mmcv.ops`` module, or when the module defining it (or a base class)
imports one. ``mmcv.ops`` modules that are pure PyTorch (``point_sample``,
``CrissCrossAttention``) pass. Ops reached as attributes of ``mmcv.ops``
are found on the built model (:mod:`mmdd.engine.op_probe`);
:mod:`mmdd.engine.compiled_op_check` asks both.
"""
import inspect
import sys
from typing import Dict, Iterator, List, Optional, Tuple


def ops_compiled() -> bool:
    """Whether mmcv's compiled extension is installed (not mmdd's
    stand-in for it)."""
    try:
        import mmcv._ext as ext
    except ImportError:
        return False
    return not getattr(ext, 'IS_MMDD_STUB', False)


def ops_module_compiled(name: str, seen: Dict[str, bool]) -> bool:
    """Whether the ``mmcv.ops`` module ``name`` calls the compiled extension,
    itself (its ``ext_module``) or through another ``mmcv.ops`` module."""
    if name in seen:
        return seen[name]
    seen[name] = False  # import cycles
    module = sys.modules.get(name)
    if module is None:
        return False
    compiled = hasattr(module, 'ext_module') or any(
        ops_module_compiled(owner, seen)
        for owner in _ops_owners(vars(module).values()) if owner != name)
    seen[name] = compiled
    return compiled


def _ops_object(value) -> Tuple[str, str]:
    """``(module, name)`` of a class or function, or of the class behind a
    bound method (mmcv exports ``sigmoid_focal_loss =
    SigmoidFocalLossFunction.apply``); ``('', '')`` for anything else."""
    if inspect.ismethod(value) and inspect.isclass(value.__self__):
        value = value.__self__
    if inspect.isclass(value) or inspect.isfunction(value):
        return getattr(value, '__module__', '') or '', value.__name__
    return '', ''


def _ops_owners(values) -> Iterator[str]:
    for value in values:
        owner, _ = _ops_object(value)
        if owner.startswith('mmcv.ops.'):
            yield owner


def compiled_ops_of(cls: type) -> List[str]:
    """The compiled ``mmcv.ops`` classes and functions ``cls`` is or uses
    (through the modules defining it and its bases)."""
    seen: Dict[str, bool] = {}
    found = set()
    for klass in inspect.getmro(cls):
        module = sys.modules.get(klass.__module__)
        if module is None:
            continue
        if klass.__module__.startswith('mmcv.ops.'):
            if ops_module_compiled(klass.__module__, seen):
                found.add(f'mmcv.ops.{klass.__name__}')
            continue
        for value in vars(module).values():
            owner, name = _ops_object(value)
            if owner.startswith('mmcv.ops.') and ops_module_compiled(
                    owner, seen):
                found.add(f'mmcv.ops.{name}')
    return sorted(found)


def _typed_nodes(node, where: str) -> Iterator[Tuple[str, object]]:
    if isinstance(node, dict):
        if 'type' in node:
            yield where, node['type']
        for key, value in node.items():
            yield from _typed_nodes(value, f'{where}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _typed_nodes(value, f'{where}[{i}]')


def compiled_op_users(cfg) -> List[Tuple[str, str, List[str]]]:
    """``(config key, type, compiled ops)`` for every part of ``cfg.model``
    whose class uses compiled mmcv ops, resolved in the config's scope."""
    from mmengine.registry import DefaultScope

    from mmdd.registry import MODELS
    users = []
    scope = cfg.get('default_scope', 'mmdd')
    with DefaultScope.overwrite_default_scope(scope):
        for where, type_ in _typed_nodes(cfg.get('model') or {}, 'model'):
            cls = _resolve(MODELS, type_)
            ops = compiled_ops_of(cls) if cls is not None else []
            if ops:
                users.append(
                    (where, cls.__name__ if type_ is cls else type_, ops))
    return users


def _resolve(registry, type_) -> Optional[type]:
    """The class a config's ``type`` names; None for what the model
    registry does not know (a weight initialiser's or a sampler's type)."""
    if inspect.isclass(type_):
        return type_
    if not isinstance(type_, str):
        return None
    try:
        found = registry.get(type_)
    except (KeyError, ImportError):  # a scope prefix of a missing package
        return None
    return found if inspect.isclass(found) else None
