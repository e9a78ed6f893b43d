"""Hide a warning mmdd's configs cause but no user can act on.

mmdd's configs inherit mmseg's (``mmseg::_base_/...``). mmengine resolves
that prefix with ``mmengine.utils.is_installed``, which imports
``pkg_resources`` and then reloads it, so setuptools >= 80 prints its
deprecation warning twice on every start of a tool. Only that message is
filtered; every other warning, pkg_resources' included, is left alone.
"""
import warnings

PKG_RESOURCES_DEPRECATION = r'pkg_resources is deprecated as an API'


def hide_pkg_resources_deprecation() -> None:
    """Ignore setuptools' ``pkg_resources`` deprecation (idempotent: the
    filter is added once)."""
    warnings.filterwarnings('ignore', message=PKG_RESOURCES_DEPRECATION,
                            category=UserWarning)
