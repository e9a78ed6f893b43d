# Dataset Diffusion in miniature: the same segmenter as the upper bound
# (deeplabv3_r18-d8_1xb8-600it_shapes-real-64x64.py), trained only on
# images and attention labels that mmdd generates from the shipped shapes
# text-to-image model, then evaluated on the real test split.
#   python tools/shapes/make_dataset.py data/shapes --prompts 400
#   python tools/train.py configs/shapes/dd_deeplabv3_r18-d8_1xb8-600it_shapes-synth-64x64.py
_base_ = ['./deeplabv3_r18-d8_1xb8-600it_shapes-real-64x64.py']
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='SynthDataset',
        cache_dir='data/shapes/synth',
        prompts_file='data/shapes/prompts.jsonl',
        model='mmdd::shapes-t2i',  # shipped inside the mmdd package
        num_samples=400,
        seed=1111,
        batch_size=16,
        torch_dtype='fp32',
        # mmdd.shapes.fidelity.shapes_generation_config, the model's settings
        generation=dict(
            num_inference_steps=25,
            guidance_scale=4.0,
            negative_prompt='',
            cross_attention_factor=2,
            self_attention_factor=1,
            tau=1),
        metainfo={{_base_.metainfo}},
        pipeline={{_base_.train_pipeline}}))
model = dict(
    decode_head=dict(
        loss_decode=dict(
            _delete_=True, type='mmdd.UncertaintyCrossEntropyLoss',
            loss_weight=1.0)),
    auxiliary_head=dict(
        loss_decode=dict(
            _delete_=True, type='mmdd.UncertaintyCrossEntropyLoss',
            loss_weight=0.4)))
