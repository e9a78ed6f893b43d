# DeepLabV3 (ASPP) on a ResNet-18-V1c-D8, built from mmseg's R50 model.
# Small enough to train on a CPU; BN rather than SyncBN, so it also runs in
# CPU multi-process (gloo) jobs.
_base_ = ['mmseg::_base_/models/deeplabv3_r50-d8.py']
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    pretrained=None, backbone=dict(depth=18, norm_cfg=norm_cfg),
    decode_head=dict(in_channels=512, channels=128, dilations=(1, 6, 12, 18),
                     norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=256, channels=64, norm_cfg=norm_cfg))
