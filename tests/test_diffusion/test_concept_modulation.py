"""ConceptAttention's concept tokens: which vector modulates them.

The authors' FLUX code modulates the concepts by time + guidance + a zero
pooled vector (``concept_modulation='zero_pooled'``, the default); mmdd
used the prompt's own vector, pooled CLIP included (``'prompt'``). Each is
checked against a from-scratch computation of its rule on tiny random
pipelines: the timestep embedding, the MLPs and the block's AdaLN written
out here, only the weights taken from the model.
"""
import math

import pytest
import torch
import torch.nn.functional as F
from diffusers import FluxTransformer2DModel

from mmdd.diffusion import (GenerationConfig, LabelledImageGenerator,
                            SampleRequest)
from mmdd.testing import build_random_dit_pipeline

CLASSES = ['background', 'cat']
CONCEPTS = 2  # 'cat', then the background concept


def _pipeline(size: str):
    """A tiny random pipeline; 'flux-tiny-guided' is flux-tiny with a
    guidance embedding (as FLUX.1-dev)."""
    pipeline = build_random_dit_pipeline(size.replace('-guided', ''))
    if size.endswith('-guided'):
        torch.manual_seed(1)
        config = dict(pipeline.transformer.config, guidance_embeds=True)
        pipeline.transformer = FluxTransformer2DModel.from_config(config)
        pipeline.transformer.eval()
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def _sinusoid(t: torch.Tensor, dim: int = 256) -> torch.Tensor:
    """diffusers' ``Timesteps(256, flip_sin_to_cos=True, shift=0)``."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half) / half)
    angles = t.float()[:, None] * freqs[None]
    return torch.cat([angles.cos(), angles.sin()], dim=-1)


def _mlp(module, x: torch.Tensor) -> torch.Tensor:
    return module.linear_2(F.silu(module.linear_1(x)))


def _conditioning(transformer, call: dict, zero_pooled: bool):
    """The conditional samples' AdaLN vector of one transformer call."""
    flux = hasattr(transformer, 'single_transformer_blocks')
    embed = transformer.time_text_embed
    scale = 1000 if flux else 1  # FLUX scales its inputs inside forward
    pooled = call['pooled_projections'][-1:]
    if zero_pooled:
        pooled = torch.zeros_like(pooled)
    temb = _mlp(embed.timestep_embedder,
                _sinusoid(call['timestep'][-1:] * scale))
    if call.get('guidance') is not None:
        temb = temb + _mlp(embed.guidance_embedder,
                           _sinusoid(call['guidance'][-1:] * scale))
    return temb + _mlp(embed.text_embedder, pooled)


def _adaln(norm, states: torch.Tensor, temb: torch.Tensor) -> list:
    """AdaLayerNormZero (normed states and four gates), or the last SD3
    block's AdaLayerNormContinuous (normed states only)."""
    emb = norm.linear(F.silu(temb))
    normed = F.layer_norm(states, states.shape[-1:], eps=1e-6)
    if emb.shape[-1] == 2 * states.shape[-1]:  # continuous: scale, shift
        scale, shift = emb.chunk(2, dim=-1)
        return [normed * (1 + scale[:, None]) + shift[:, None]]
    shift, scale, gate, shift_mlp, scale_mlp, gate_mlp = emb.chunk(6, dim=-1)
    return [
        normed * (1 + scale[:, None]) + shift[:, None], gate, shift_mlp,
        scale_mlp, gate_mlp
    ]


def _concept_modulations(pipeline, **config):
    """Generate one concept-labelled sample; return each transformer
    call's inputs and every AdaLN call on the concept tokens (block,
    states, output)."""
    transformer, calls, concept_norms = pipeline.transformer, [], []

    def keep_call(module, args, kwargs):
        calls.append(kwargs)

    def keep_norm(block):

        def hook(module, args, kwargs, output):
            states = args[0]
            if states.shape[1] == CONCEPTS:  # not the prompt's own stream
                output = list(output) if isinstance(output,
                                                    tuple) else [output]
                concept_norms.append((block, len(calls) - 1, states, output))

        return hook

    hooks = [
        transformer.register_forward_pre_hook(keep_call, with_kwargs=True)
    ] + [
        block.norm1_context.register_forward_hook(
            keep_norm(block), with_kwargs=True)
        for block in transformer.transformer_blocks
    ]
    config = dict(num_inference_steps=2, height=64, width=64,
                  max_sequence_length=32, guidance_scale=4.0,
                  label_source='concept', append_class_prompt=False, **config)
    generator = LabelledImageGenerator(pipeline, CLASSES,
                                       GenerationConfig(**config))
    token = generator.text.sample_prompts('cat', ['cat'], False)
    columns, = generator.text.columns(token, 'class').values()
    flux = hasattr(transformer, 'single_transformer_blocks')
    # One piece per encoder: T5 (FLUX), or CLIP and T5 (SD3).
    assert len(columns) == (1 if flux else 2), 'a single-token concept'
    try:
        generator.generate([SampleRequest('a cat on a mat', [1], 7)])
    finally:
        for hook in hooks:
            hook.remove()
    assert concept_norms, 'no AdaLN call on the concept tokens'
    return transformer, calls, concept_norms


@pytest.mark.parametrize('size', ['flux-tiny', 'flux-tiny-guided', 'sd3-tiny'])
@pytest.mark.parametrize('modulation', [None, 'zero_pooled', 'prompt'])
def test_concepts_are_modulated_by_the_chosen_vector(size, modulation):
    """None: the default, the authors' zero pooled vector."""
    config = {} if modulation is None else dict(concept_modulation=modulation)
    transformer, calls, norms = _concept_modulations(_pipeline(size), **config)
    zero_pooled = modulation != 'prompt'
    steps = {call for _, call, _, _ in norms}
    assert len(steps) == 2, 'one read transformer call per step'
    for block, call, states, output in norms:
        temb = _conditioning(transformer, calls[call], zero_pooled)
        expected = _adaln(block.norm1_context, states, temb)
        assert len(output) == len(expected)
        for ours, theirs in zip(output, expected):
            torch.testing.assert_close(ours, theirs, atol=1e-6, rtol=1e-5)


def test_the_two_modulations_differ():
    """The zero pooled vector is not the prompt's: the rules are told
    apart by the check above."""
    pipeline = _pipeline('flux-tiny')
    transformer, calls, _ = _concept_modulations(pipeline)
    zero = _conditioning(transformer, calls[0], True)
    prompt = _conditioning(transformer, calls[0], False)
    assert (zero - prompt).abs().max() > 1e-3


def test_a_bad_modulation_is_refused_naming_the_choices():
    with pytest.raises(
            ValueError, match=r"concept_modulation must be one of "
            r"\('zero_pooled', 'prompt'\), got 'authors'"):
        GenerationConfig(concept_modulation='authors')


def test_concept_caches_record_the_modulation():
    """Concept labels changed with the default: a concept cache made
    before the setting existed no longer matches, and says why."""
    concept = GenerationConfig(label_source='concept').content_settings()
    assert concept['concept_modulation'] == 'zero_pooled'
    assert 'concept_modulation' not in GenerationConfig().content_settings()
    assert GenerationConfig(concept_modulation='prompt').content_settings(
    )['concept_modulation'] == 'prompt'
