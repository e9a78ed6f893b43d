"""SDXL: conditioned as diffusers' pipeline, read on SD's image grid.

The tiny random SDXL (``tiny_sdxl_dir``) has SDXL's layout at 128 px: VAE
factor 8, no attention at the first UNet level, two text encoders. Batch
invariance and processor restoring are tested for SD and SDXL alike in
``test_generator.py``.
"""
import json

import numpy as np
import pytest
import torch
from diffusers import (StableDiffusionPipeline, StableDiffusionXLPipeline,
                       UNet2DConditionModel)
from diffusers.models.attention_processor import AttnProcessor2_0

from mmdd.diffusion import (GenerationConfig, LabelledImageGenerator,
                            SampleRequest, load_pipeline)
from mmdd.diffusion.models.loading import pipeline_class
from mmdd.prompts import VOC_CLASSES
from mmdd.testing import SDXL_SIZES, build_random_sdxl_pipeline

DOG, SOFA, PLANT, TV = 12, 18, 16, 20
REQUESTS = [
    # '!' is a special token of SDXL's tokenizer_2 (its pad): the two
    # encoders get different ids for this caption.
    SampleRequest('a dog sleeping on a couch!!', [DOG, SOFA], 1111),
    SampleRequest('a potted plant beside a television', [PLANT, TV], 1112),
    SampleRequest('a dog on a sofa by a plant', [DOG, SOFA, PLANT], 1113),
]


@pytest.fixture(scope='module')
def sdxl(tiny_sdxl_dir):
    return load_pipeline(str(tiny_sdxl_dir))


def generator(pipeline, **config):
    config = {'num_inference_steps': 2, **config}
    return LabelledImageGenerator(pipeline, VOC_CLASSES,
                                  GenerationConfig(**config))


def test_pipeline_class_comes_from_model_index(tiny_sdxl_dir,
                                               tiny_pipeline_dir, tmp_path):
    assert pipeline_class(str(tiny_sdxl_dir)) is StableDiffusionXLPipeline
    assert pipeline_class(str(tiny_pipeline_dir)) is StableDiffusionPipeline
    assert isinstance(
        load_pipeline(str(tiny_sdxl_dir)), StableDiffusionXLPipeline)
    (tmp_path / 'model_index.json').write_text(
        json.dumps({'_class_name': 'StableDiffusionUpscalePipeline'}))
    with pytest.raises(ValueError,
                       match='is a StableDiffusionUpscalePipeline; .*FLUX'):
        load_pipeline(str(tmp_path))


def test_text_is_encoded_as_encode_prompt_does(sdxl):
    """Ids -> embeddings by SDXL's rule, checked against diffusers' own
    encode_prompt (both encoders, pads, pooled output of encoder 2)."""
    gen = generator(sdxl)
    text = 'a dog sleeping on a couch!!; dog sofa'
    negative = gen.config.negative_prompt
    ours = [
        gen.text.encode([[tokenizer(t).input_ids]
                         for tokenizer in gen.text.tokenizers])
        for t in (text, negative, 'dog sofa')
    ]
    with torch.no_grad():
        states, negative_states, pooled, negative_pooled = \
            sdxl.encode_prompt(text, negative_prompt=negative)
        class_states, _, class_pooled, _ = sdxl.encode_prompt(
            'dog sofa', do_classifier_free_guidance=False)
    assert states.shape[-1] == sdxl.unet.config.cross_attention_dim
    for mine, (expected_states,
               expected_pooled) in zip(ours,
                                       [(states, pooled),
                                        (negative_states, negative_pooled),
                                        (class_states, class_pooled)]):
        assert torch.equal(mine.states, expected_states)
        assert torch.equal(mine.pooled, expected_pooled)


def test_class_names_must_split_alike_in_both_tokenizers(sdxl):
    gen = LabelledImageGenerator(sdxl, ['background', 'yay!'],
                                 GenerationConfig(num_inference_steps=1))
    with pytest.raises(ValueError, match="'yay!' splits differently"):
        gen.generate([SampleRequest('a sign', [1], 0)])


def test_recording_leaves_the_image_identical(sdxl):
    gen = generator(sdxl)
    samples = gen.generate(REQUESTS)
    plain = sdxl(
        prompt=[s.prompt for s in samples],
        negative_prompt=[gen.config.negative_prompt] * len(samples),
        num_inference_steps=2, guidance_scale=gen.config.guidance_scale,
        generator=[torch.Generator().manual_seed(s.seed)
                   for s in samples], output_type='np').images
    plain = (plain * 255).round().astype(np.uint8)
    for sample, image in zip(samples, plain):
        assert sample.image.shape == (128, 128, 3)
        assert np.array_equal(sample.image, image)
        assert not sample.nsfw_flagged
        assert set(np.unique(sample.label)) <= {
            0, 255, *REQUESTS[0].class_ids, *REQUESTS[1].class_ids
        }
    assert all(
        type(p) is AttnProcessor2_0
        for p in sdxl.unet.attn_processors.values())


def test_layers_sit_on_the_image_relative_grid(sdxl):
    """Self-attention at image / 16, cross-attention at image / 32."""
    for side in (128, 256):
        gen = generator(sdxl, height=side, width=side)
        assert gen.self_size == (side // 16, side // 16)
        assert gen.cross_size == (side // 32, side // 32)
    blocks = {(layer.kind, layer.name.split('.attentions')[0])
              for layer in gen.reader.layers}
    assert blocks == {('self', 'down_blocks.1'), ('self', 'up_blocks.1'),
                      ('cross', 'down_blocks.2'), ('cross', 'mid_block'),
                      ('cross', 'up_blocks.0')}
    # SDXL has no attention at the first level (image / 8).
    with pytest.raises(ValueError) as error:
        generator(sdxl, self_attention_factor=1)
    assert ('no self-attention layer at latent 16x16 / 1, 1/8 of the image '
            'side') in str(error.value)
    assert '8x8 (factor 2, 1/16 of the image side), 4x4 (factor 4, 1/32' \
        in str(error.value)


def test_size_conditioning_follows_the_image(sdxl):
    """add_time_ids as the pipeline makes them: (h, w, 0, 0, h, w)."""
    seen = []
    hook = sdxl.unet.register_forward_pre_hook(
        lambda module, args, kwargs: seen.append(kwargs['added_cond_kwargs'][
            'time_ids'].clone()), with_kwargs=True)
    try:
        sample, = generator(sdxl, height=96, width=160,
                            num_inference_steps=1).generate(REQUESTS[:1])
    finally:
        hook.remove()
    assert sample.image.shape == (96, 160, 3)
    assert sample.label.shape == (96, 160)
    assert seen[0].tolist() == [[96., 160., 0., 0., 96., 160.]] * 2


class PlantedKeys(torch.nn.Module):
    """to_k stand-in: each class-prompt token's key is its class's
    direction (zero for the other tokens); other texts get zero keys."""

    def __init__(self, batch, positions, directions):
        super().__init__()
        self.batch, self.positions, self.directions = (batch, positions,
                                                       directions)

    def forward(self, states):
        keys = states.new_zeros(*states.shape[:2], self.directions.shape[1])
        if states.shape[0] == self.batch:  # the class prompts
            for i, sample in enumerate(self.positions):
                for positions, direction in sample:
                    keys[i, positions] = self.directions[direction]
        return keys


@pytest.mark.slow
def test_planted_attention_gives_the_expected_labels(tiny_sdxl_dir):
    """Queries planted per region and keys per class token in the real
    cross-attention layers: the labels show the regions, class by class.

    Sample 0: dog = left half, sofa = bottom-right quarter. Sample 1:
    potted plant (2 tokens) = right half, tv monitor (2 tokens) = top-left
    quarter. The rest is background. tau=0 reads the cross maps alone.
    A pipeline of its own: its cross-attention layers are rewired.
    """
    sdxl = load_pipeline(str(tiny_sdxl_dir))
    side, grid = 256, 8  # cross-attention at 256 / 32
    gen = generator(sdxl, height=side, width=side, tau=0,
                    num_inference_steps=1)
    requests = [
        SampleRequest('x', [DOG, SOFA], 1),
        SampleRequest('y', [PLANT, TV], 2)
    ]
    rows, cols = torch.meshgrid(
        torch.arange(grid), torch.arange(grid), indexing='ij')
    half = grid // 2
    regions = [[cols < half, (rows >= half) & (cols >= half)],
               [cols >= half, (rows < half) & (cols < half)]]
    names = [['dog', 'sofa'], ['potted plant', 'tv monitor']]
    tokenizer = sdxl.tokenizer_2  # positions from the second tokenizer
    positions = []
    for sample_names in names:
        ids = tokenizer(' '.join(sample_names)).input_ids
        first = tokenizer(sample_names[0], add_special_tokens=False).input_ids
        split = 1 + len(first)
        positions.append([(list(range(1, split)), 0),
                          (list(range(split,
                                      len(ids) - 1)), 1)])
    for layer in gen.reader.layers:
        if layer.kind != 'cross':
            continue
        attn = sdxl.unet.get_submodule(layer.name[:-len('.processor')])
        channels, heads = attn.to_q.in_features, attn.heads
        head_dim = channels // heads
        directions = torch.zeros(2, channels)
        for head in range(heads):  # class k: k-th half of every head
            start = head * head_dim
            directions[0, start:start + head_dim // 2] = 6.0
            directions[1, start + head_dim // 2:start + head_dim] = 6.0
        planted = torch.zeros(2, grid * grid, channels)
        for i, sample_regions in enumerate(regions):
            for k, region in enumerate(sample_regions):
                planted[i, region.flatten()] = directions[k]
        attn.to_q = torch.nn.Identity()
        attn.to_k = PlantedKeys(2, positions, directions)
        attn.register_forward_pre_hook(lambda module, args, planted=planted: (
            planted.repeat(args[0].shape[0] // 2, 1, 1), *args[1:]))
    samples = gen.generate(requests)
    for sample, sample_regions, request in zip(samples, regions, requests):
        background = ~(sample_regions[0] | sample_regions[1])
        for region, class_id in zip([*sample_regions, background],
                                    [*request.class_ids, 0]):
            assert (sample.label[interior(region, side)] == class_id).all()


def interior(region: torch.Tensor, side: int) -> np.ndarray:
    """Image pixels of the grid cells whose 3x3 neighbourhood is all in
    ``region`` (away from the bicubic blur at region edges)."""
    inner = torch.nn.functional.max_pool2d((~region).float()[None, None], 3, 1,
                                           1)[0, 0] == 0
    assert inner.any()
    pixel = side // region.shape[0]
    return np.kron(inner.numpy(), np.ones((pixel, pixel))) > 0


@pytest.mark.slow
@pytest.mark.filterwarnings('ignore:`upcast_vae` is deprecated')
@pytest.mark.parametrize('force_upcast', [True, False])
def test_fp16_vae_decodes_as_diffusers_does(tiny_sdxl_dir, force_upcast):
    """SDXL's VAE overflows in fp16: diffusers decodes in fp32 when the
    VAE config says force_upcast, and so does the generator."""
    pipeline = load_pipeline(str(tiny_sdxl_dir), 'fp16')
    pipeline.vae.register_to_config(force_upcast=force_upcast)
    decoded = []
    pipeline.vae.post_quant_conv.register_forward_pre_hook(
        lambda module, args: decoded.append(args[0].dtype))
    sample, = generator(pipeline, num_inference_steps=1).generate(REQUESTS[:1])
    assert decoded == [torch.float32 if force_upcast else torch.float16]
    assert pipeline.vae.dtype == torch.float16  # cast back afterwards
    assert sample.image.shape == (128, 128, 3)


def test_random_sdxl_tokenizers_behave_as_sdxls(sdxl):
    """Built or reloaded: tokenizer_2 pads with '!' and splits every '!'
    off as the special token 0; tokenizer pads with EOS, '!!' is one token."""
    for pipeline in (build_random_sdxl_pipeline(), sdxl):
        assert pipeline.tokenizer_2('a!!').input_ids == [
            49406, 320, 0, 0, 49407
        ]
        assert pipeline.tokenizer('a!!').input_ids == [49406, 320, 748, 49407]
        assert pipeline.tokenizer_2.pad_token_id == 0
        assert pipeline.tokenizer.pad_token_id == 49407


def test_full_size_preset_is_sdxl_base():
    """The 'sdxl' preset's UNet has SDXL base 1.0's 2.57B parameters and
    its attention levels (built on the meta device: no memory)."""
    with torch.device('meta'):
        unet = UNet2DConditionModel(in_channels=4, out_channels=4,
                                    **SDXL_SIZES['sdxl']['unet'])
    params = sum(p.numel() for p in unet.parameters())
    assert abs(params - 2_567_463_684) < 1e6
    assert unet.config.cross_attention_dim == 2048
    assert unet.add_embedding.linear_1.in_features == 2816
