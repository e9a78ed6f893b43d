# The shapes text-to-image model that ships inside mmdd ('mmdd::shapes-t2i')
# with the settings it was trained for (their one source:
# mmdd.shapes.fidelity.shapes_generation_config reads them here): 64x64
# images of the shapes world's classes (SynthShapesDataset). A config of
# your own inherits it by path and names the rest (docs/plugin_usage.md):
#   _base_ = [..., '<mmdd configs>/_base_/generation/shapes_t2i.py']
#   train_dataloader = dict(dataset=dict(
#       _base_.synth_dataset, cache_dir=..., prompts_file=..., pipeline=...))
synth_dataset = dict(
    _delete_=True, type='SynthShapesDataset', model='mmdd::shapes-t2i',
    torch_dtype='fp32',
    generation=dict(num_inference_steps=25, guidance_scale=4.0,
                    negative_prompt='', cross_attention_factor=2,
                    self_attention_factor=1, tau=1))
