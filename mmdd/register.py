"""``register_all_modules``: mmseg's modules and mmdd's, in one call.

Above every mmdd package that registers something (it imports them all);
``from mmdd.utils import register_all_modules`` still finds it.
"""
import datetime
import warnings


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every module that registers something, mmseg's and mmdd's.

    A child registry falls back to what is already registered in its parent
    but never imports the parent's ``locations``, so mmseg's modules are
    imported here explicitly. Importing :mod:`mmdd.registry` also runs
    :func:`mmdd.compat.prepare_openmmlab`.

    Args:
        init_default_scope: set the global default scope to ``mmdd``.
    """
    # Imported at the call, so that importing this module loads nothing.
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
