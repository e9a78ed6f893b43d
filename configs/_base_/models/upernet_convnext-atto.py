# UPerNet on mmpretrain's ConvNeXt-atto (3.4M backbone parameters), built
# from mmseg's UPerNet-ConvNeXt: `type='mmpretrain.ConvNeXt'` and mmseg's
# `custom_imports=dict(imports='mmpretrain.models')` find the backbone in
# mmpretrain's registry. Small enough to train from scratch on a CPU: no
# pretrained weights, BN rather than SyncBN (CPU multi-process jobs too), a
# light head, pooling scales for 2x2 top features (64x64 inputs).
_base_ = ['mmseg::_base_/models/upernet_convnext.py']
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    backbone=dict(arch='atto', drop_path_rate=0.1, init_cfg=None),
    decode_head=dict(in_channels=[40, 80, 160, 320], channels=64,
                     pool_scales=(1, 2), norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=160, channels=32, norm_cfg=norm_cfg))
