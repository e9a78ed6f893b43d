# mmdd's runtime: like mmseg's, but types resolve in mmdd's scope first
# (mmseg's types stay reachable through the parent registries), a fixed
# training seed (generation has its own, in the dataset), and a test-time
# augmentation model for `tools/test.py --tta` (the datasets' bases give
# the tta_pipeline).
default_scope = 'mmdd'
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends,
                  name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
tta_model = dict(type='SegTTAModel')
# mmengine's DDP wrapper that also runs CPU (gloo) jobs; identical on GPUs.
# (Scoped name: the Runner looks the type up in mmengine's root registry.)
model_wrapper_cfg = dict(type='mmdd.MMDistributedDataParallelAnyDevice',
                         broadcast_buffers=False, find_unused_parameters=False)
