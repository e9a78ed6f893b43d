"""``register_all_modules``: mmseg's modules and mmdd's, in one call."""
import datetime
import warnings


def prepare_openmmlab() -> None:
    """Check the OpenMMLab versions and apply mmdd's compatibility patches
    (mmengine checkpoints under torch >= 2.6, CPU distributed init, no
    pkg_resources deprecation warning from ``mmseg::`` configs).

    Idempotent; :mod:`mmdd.registry` calls it, so every path that builds an
    mmdd module (tools, ``custom_imports``, ``default_scope='mmdd'``) has
    them.
    """
    from .dist_compat import allow_cpu_distributed_init
    from .torch_compat import allow_mmengine_checkpoint_globals
    from .version_check import check_mm_versions
    from .warning_filters import hide_pkg_resources_deprecation
    hide_pkg_resources_deprecation()
    check_mm_versions()
    allow_mmengine_checkpoint_globals()
    allow_cpu_distributed_init()


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every module that registers something, mmseg's and mmdd's.

    A child registry falls back to what is already registered in its parent
    but never imports the parent's ``locations``, so mmseg's modules are
    imported here explicitly. Importing :mod:`mmdd.registry` also runs
    :func:`prepare_openmmlab`.

    Args:
        init_default_scope: set the global default scope to ``mmdd``.
    """
    # Imported here, not at module level: mmdd.utils must import without
    # mmengine.
    import mmseg.datasets  # noqa: F401
    import mmseg.engine  # noqa: F401
    import mmseg.evaluation  # noqa: F401
    import mmseg.models  # noqa: F401
    import mmseg.structures  # noqa: F401
    import mmseg.visualization  # noqa: F401
    from mmengine import DefaultScope

    import mmdd.datasets  # noqa: F401
    import mmdd.engine  # noqa: F401
    import mmdd.models  # noqa: F401
    import mmdd.registry  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created('mmdd'):
        DefaultScope.get_instance('mmdd', scope_name='mmdd')
    elif current.scope_name != 'mmdd':
        warnings.warn(f'The default scope was "{current.scope_name}"; '
                      'register_all_modules sets it to "mmdd". Pass '
                      'init_default_scope=False to keep it.')
        DefaultScope.get_instance(f'mmdd-{datetime.datetime.now()}',
                                  scope_name='mmdd')
