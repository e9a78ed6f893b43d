"""The start-up check for compiled mmcv ops under mmcv-lite: what the
config's classes import (:mod:`.compiled_ops`) and what the model built on
meta reaches (:mod:`.op_probe`), each op named once."""
from typing import List, Optional

from mmdd.compat.mmcv_ops_stub import FULL_MMCV_HINT
from .compiled_ops import compiled_op_users, ops_compiled
from .op_probe import findings_by_user, probe_compiled_ops

LITE = 'this environment has mmcv-lite (no compiled ops)'


def compiled_op_problems(cfg, compiled: Optional[bool] = None) -> List[str]:
    """One line per part of the model that needs compiled mmcv ops, when
    they are missing (``compiled`` defaults to :func:`ops_compiled`)."""
    if compiled is None:
        compiled = ops_compiled()
    if compiled:
        return []
    problems = [
        f'{where} ({type_}) uses compiled mmcv ops ({", ".join(ops)}), and '
        f'{LITE}: {FULL_MMCV_HINT}.'
        for where, type_, ops in compiled_op_users(cfg)
    ]
    named = ' '.join(problems)
    for user, ops in findings_by_user(probe_compiled_ops(cfg)).items():
        ops = [
            op for op in ops if f'{op})' not in named and f'{op},' not in named
        ]
        if ops:
            problems.append(f'{user} uses {", ".join(ops)} (found on the '
                            f'built model), and {LITE}: {FULL_MMCV_HINT}.')
    return problems
