"""The version check and patches that every mmdd registration runs."""


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
