"""Find the compiled mmcv ops a built model really reaches.

Reading imports (:mod:`mmdd.engine.compiled_ops`) misses an op reached as
an attribute of ``mmcv.ops`` (``from mmcv import ops;
ops.DeformConv2dPack(...)``, ``getattr(ops, layer_type)``). Here the model
is built on the meta device (no memory, no weight initialisation) and, with
mmdd's ``mmcv._ext`` stand-in recording what is called, fed one meta batch
in eval mode: an op made in ``__init__`` is found among the built modules,
an op called in ``forward`` when it is called. Meta tensors carry shapes
only, so both cost milliseconds. Anything else that fails (code that reads
tensor values, an op without a meta kernel) leaves the probe silent: the
runner meets that error itself, before generation for a failing build.
"""
import sys
import traceback
import warnings
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Tuple

from .compiled_ops import ops_module_compiled

Finding = Tuple[str, str, str]  # (module path, op, user)


class CompiledOpCalled(Exception):
    """Raised by the recording stand-in: ``args[0]`` is the ext function."""


@contextmanager
def recording_ext() -> Iterator[None]:
    """Make every function of mmdd's ``mmcv._ext`` stand-in raise
    :class:`CompiledOpCalled` (the stand-in answers through its module
    ``__getattr__``, called at each lookup)."""
    ext = sys.modules.get('mmcv._ext')
    if ext is None or not getattr(ext, 'IS_MMDD_STUB', False):
        yield
        return
    original = ext.__dict__.get('__getattr__')

    def recorder(name: str):
        if name.startswith('__') or original is None:
            raise AttributeError(name)

        def called(*args, **kwargs):
            raise CompiledOpCalled(name)

        return called

    ext.__getattr__ = recorder
    try:
        yield
    finally:
        ext.__getattr__ = original


def _describe(module, path: str) -> str:
    cls = type(module)
    return f'model{"." + path if path else ""} ({cls.__name__}, ' \
        f'module {cls.__module__})'


def built_op_findings(model) -> List[Finding]:
    """``(path, op, user)`` for each compiled mmcv op module in ``model``;
    the user is the closest enclosing module that is not mmcv's."""
    modules = dict(model.named_modules())
    found, seen = [], {}
    for path, module in modules.items():
        owner = type(module).__module__
        if owner.startswith('mmcv.ops.') and ops_module_compiled(owner, seen):
            parent = path
            while parent and type(
                    modules[parent]).__module__.startswith('mmcv.'):
                parent = parent.rpartition('.')[0]
            found.append((path, f'mmcv.ops.{type(module).__name__}',
                          _describe(modules[parent], parent)))
    return found


def forward_op_finding(model, inputs) -> Optional[Finding]:
    """The first compiled op ``model``'s tensor-mode forward calls, with
    the innermost non-mmcv module whose method calls it (read from the
    traceback: segmentors call ``head.forward`` directly, past any hook);
    None when it calls none (or fails for another reason)."""
    import torch
    names = {id(m): path for path, m in model.named_modules()}
    try:
        with recording_ext(), torch.no_grad():
            model(inputs, None, mode='tensor')
    except CompiledOpCalled as called:
        callers = [
            frame.f_locals.get('self')
            for frame, _ in traceback.walk_tb(called.__traceback__)
        ]
        modules = [m for m in callers if id(m) in names]
        users = [
            m for m in modules if not type(m).__module__.startswith('mmcv.')
        ]
        user = users[-1] if users else model
        return (names[id(modules[-1])] if modules else '',
                f"compiled op '{called.args[0]}'",
                _describe(user, names.get(id(user), '')))
    except Exception:  # inconclusive: not an op of ours
        return None
    return None


def _input_size(cfg) -> Tuple[int, int]:
    size = (cfg.model.get('data_preprocessor') or {}).get('size') or \
        cfg.get('crop_size') or (512, 512)
    return tuple(size)


def probe_compiled_ops(cfg) -> List[Finding]:
    """Build ``cfg.model`` on the meta device and list the compiled ops it
    makes or calls; [] when it cannot be built or run there."""
    import torch
    from mmengine.registry import DefaultScope

    from mmdd.registry import MODELS
    scope = cfg.get('default_scope', 'mmdd')
    with warnings.catch_warnings(), DefaultScope.overwrite_default_scope(
            scope), torch.device('meta'):
        warnings.simplefilter('ignore')  # the runner's build warns once
        try:
            model = MODELS.build(cfg.model)
        except Exception:  # the runner reports it, before generation
            return []
        model.eval()
        found = built_op_findings(model)
        inputs = torch.empty(1, 3, *_input_size(cfg))
        called = forward_op_finding(model, inputs)
    paths = {path for path, _, _ in found}
    if called is not None and called[0] not in paths:
        found.append(called)
    return found


def findings_by_user(found: List[Finding]) -> Dict[str, List[str]]:
    by_user: Dict[str, List[str]] = {}
    for path, op, user in found:
        ops = by_user.setdefault(user, [])
        if op not in ops:
            ops.append(op)
    return by_user
