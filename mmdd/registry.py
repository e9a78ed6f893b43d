"""mmdd's registries: children of mmseg's (every mmseg module stays reachable).

mmengine imports ``f'{scope}.registry'`` when the default scope is ``mmdd``,
hence this exact module path. A name missing here is looked up in mmseg's
registry (then mmengine's); ``mmseg.X`` names mmseg's explicitly.
"""
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import Registry
from mmseg.registry import DATA_SAMPLERS as MMSEG_DATA_SAMPLERS
from mmseg.registry import DATASETS as MMSEG_DATASETS
from mmseg.registry import EVALUATOR as MMSEG_EVALUATOR
from mmseg.registry import HOOKS as MMSEG_HOOKS
from mmseg.registry import INFERENCERS as MMSEG_INFERENCERS
from mmseg.registry import LOG_PROCESSORS as MMSEG_LOG_PROCESSORS
from mmseg.registry import LOOPS as MMSEG_LOOPS
from mmseg.registry import METRICS as MMSEG_METRICS
from mmseg.registry import MODELS as MMSEG_MODELS
from mmseg.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMSEG_OPTIM_WRAPPER_CONSTRUCTORS
from mmseg.registry import OPTIM_WRAPPERS as MMSEG_OPTIM_WRAPPERS
from mmseg.registry import OPTIMIZERS as MMSEG_OPTIMIZERS
from mmseg.registry import PARAM_SCHEDULERS as MMSEG_PARAM_SCHEDULERS
from mmseg.registry import RUNNER_CONSTRUCTORS as MMSEG_RUNNER_CONSTRUCTORS
from mmseg.registry import RUNNERS as MMSEG_RUNNERS
from mmseg.registry import TASK_UTILS as MMSEG_TASK_UTILS
from mmseg.registry import TRANSFORMS as MMSEG_TRANSFORMS
from mmseg.registry import VISBACKENDS as MMSEG_VISBACKENDS
from mmseg.registry import VISUALIZERS as MMSEG_VISUALIZERS
from mmseg.registry import WEIGHT_INITIALIZERS as MMSEG_WEIGHT_INITIALIZERS

from mmdd.compat.prepare import prepare_openmmlab

# Every path that builds an mmdd module passes here (tools, custom_imports,
# default_scope='mmdd'), so the version check and patches always apply.
prepare_openmmlab()

RUNNERS = Registry('runner', parent=MMSEG_RUNNERS)
RUNNER_CONSTRUCTORS = Registry('runner constructor',
                               parent=MMSEG_RUNNER_CONSTRUCTORS)
LOOPS = Registry('loop', parent=MMSEG_LOOPS)
HOOKS = Registry('hook', parent=MMSEG_HOOKS, locations=['mmdd.engine'])
# mmdd.testing.toy_dataset: the demo toy config's ToyShapesDataset.
DATASETS = Registry('dataset', parent=MMSEG_DATASETS,
                    locations=['mmdd.datasets', 'mmdd.testing.toy_dataset'])
DATA_SAMPLERS = Registry('data sampler', parent=MMSEG_DATA_SAMPLERS)
TRANSFORMS = Registry('transform', parent=MMSEG_TRANSFORMS,
                      locations=['mmdd.datasets'])
MODELS = Registry('model', parent=MMSEG_MODELS, locations=['mmdd.models'])
# A direct child of mmengine's root (mmseg adds no wrappers): the Runner looks
# wrappers up in the root registry, which finds only its direct children.
MODEL_WRAPPERS = Registry('model_wrapper', parent=MMENGINE_MODEL_WRAPPERS,
                          locations=['mmdd.engine'])
WEIGHT_INITIALIZERS = Registry('weight initializer',
                               parent=MMSEG_WEIGHT_INITIALIZERS)
OPTIMIZERS = Registry('optimizer', parent=MMSEG_OPTIMIZERS)
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=MMSEG_OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = Registry('optimizer wrapper constructor',
                                      parent=MMSEG_OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = Registry('parameter scheduler',
                            parent=MMSEG_PARAM_SCHEDULERS)
METRICS = Registry('metric', parent=MMSEG_METRICS)
EVALUATOR = Registry('evaluator', parent=MMSEG_EVALUATOR)
TASK_UTILS = Registry('task util', parent=MMSEG_TASK_UTILS)
VISUALIZERS = Registry('visualizer', parent=MMSEG_VISUALIZERS)
VISBACKENDS = Registry('vis_backend', parent=MMSEG_VISBACKENDS)
LOG_PROCESSORS = Registry('log_processor', parent=MMSEG_LOG_PROCESSORS)
INFERENCERS = Registry('inferencer', parent=MMSEG_INFERENCERS)
