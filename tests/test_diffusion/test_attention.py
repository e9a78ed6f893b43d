import pytest
import torch
from diffusers import UNet2DConditionModel
from diffusers.models.attention_processor import Attention, AttnProcessor2_0

from mmdd.diffusion.labelling.attention_store import AttentionStore
from mmdd.diffusion.recording import CROSS, SELF, AttentionLayer
from mmdd.diffusion.unet.layers import attention_layers, select_layers
from mmdd.diffusion.unet.processors import (RecordingAttnProcessor,
                                            record_attention)
from mmdd.testing.random_pipeline import SIZES


def explicit_probs(attn, query_states, key_states):
    """Head-averaged probabilities by diffusers' non-fused path."""
    query = attn.head_to_batch_dim(attn.to_q(query_states))
    key = attn.head_to_batch_dim(attn.to_k(key_states))
    probs = attn.get_attention_scores(query, key)
    return probs.view(query_states.shape[0], attn.heads,
                      *probs.shape[1:]).mean(dim=1)


def seen_positions(unet, latent):
    """Positions each attention layer really attends over, by forward hooks."""
    seen = {}
    hooks = [
        module.register_forward_hook(
            lambda mod, args, out, name=name: seen.setdefault(
                f'{name}.processor', args[0].shape[1]))
        for name, module in unet.named_modules()
        if isinstance(module, Attention)
    ]
    with torch.no_grad():
        unet(
            torch.randn(1, 4, *latent), 1,
            torch.randn(1, 77, unet.config.cross_attention_dim))
    for hook in hooks:
        hook.remove()
    return seen


SDXL_LIKE = dict(
    transformer_layers_per_block=(1, 2, 2), use_linear_projection=True)


@pytest.mark.parametrize('size, latent, extra',
                         [('tiny', (32, 32), {}), ('tiny', (12, 20), {}),
                          ('small', (20, 28), {}),
                          ('tiny', (32, 32), SDXL_LIKE)])
def test_layer_sizes_match_the_unet(size, latent, extra):
    """Sizes from layer names agree with what each layer really sees."""
    torch.manual_seed(0)
    unet = UNet2DConditionModel(in_channels=4, out_channels=4, **{
        **SIZES[size]['unet'],
        **extra
    })
    layers = attention_layers(unet, latent)
    assert {layer.name for layer in layers} == set(unet.attn_processors)
    seen = seen_positions(unet, latent)
    for layer in layers:
        assert seen[layer.name] == layer.size[0] * layer.size[1], layer
        assert layer.kind == (
            CROSS if layer.name.endswith('attn2.processor') else SELF)


def test_tiny_unet_layout(tiny_pipeline):
    layers = attention_layers(tiny_pipeline.unet, (32, 32))
    sizes = {
        layer.name.split('.attentions')[0] + '.' + layer.kind: layer.size
        for layer in layers
    }
    assert sizes == {
        'down_blocks.1.self': (16, 16),
        'down_blocks.1.cross': (16, 16),
        'down_blocks.2.self': (8, 8),
        'down_blocks.2.cross': (8, 8),
        'mid_block.self': (8, 8),
        'mid_block.cross': (8, 8),
        'up_blocks.0.self': (8, 8),
        'up_blocks.0.cross': (8, 8),
        'up_blocks.1.self': (16, 16),
        'up_blocks.1.cross': (16, 16),
    }
    chosen = select_layers(tiny_pipeline.unet, (32, 32), CROSS, 4)
    assert {layer.size for layer in chosen} == {(8, 8)}
    assert all(layer.name.endswith('attn2.processor') for layer in chosen)


def test_select_layers_errors_list_the_sizes(tiny_pipeline):
    unet = tiny_pipeline.unet
    with pytest.raises(ValueError, match='power of 2, got 3'):
        select_layers(unet, (32, 32), SELF, 3)
    for factor in (1, 8):
        with pytest.raises(ValueError) as error:
            select_layers(unet, (32, 32), CROSS, factor)
        assert '16x16 (factor 2), 8x8 (factor 4)' in str(error.value)


def make_attention(cross_dim=None):
    torch.manual_seed(0)
    return Attention(query_dim=32, cross_attention_dim=cross_dim, heads=4,
                     dim_head=8)


def test_self_recording_output_and_probabilities():
    attn = make_attention()
    hidden = torch.randn(4, 16, 32)  # [uncond x2, cond x2], 4x4 positions
    layer = AttentionLayer('layer', SELF, 0, (4, 4))
    store = AttentionStore([layer])
    out = RecordingAttnProcessor(store, layer, batch_size=2)(attn, hidden)
    assert torch.equal(out, AttnProcessor2_0()(attn, hidden))
    expected = explicit_probs(attn, hidden[2:], hidden[2:])
    # Bit for bit diffusers' explicit path (baddbmm with the scale, softmax).
    assert torch.equal(store.average(SELF), expected)
    assert store.average(SELF).sum(-1).allclose(torch.ones(2, 16))


def cross_case():
    """A cross-attention layer over 4x4 positions, guided batch of 2
    ([uncond x2, cond x2]): attn, hidden, text, class prompts, store."""
    attn = make_attention(cross_dim=24)
    layer = AttentionLayer('layer', CROSS, 0, (4, 4))
    return (attn, torch.randn(4, 16, 32), torch.randn(4, 77, 24),
            torch.randn(2, 77, 24), layer, AttentionStore([layer]))


def test_cross_recording_scores_the_class_prompt_only():
    attn, hidden, text, classes, layer, store = cross_case()
    out = RecordingAttnProcessor(store, layer, 2,
                                 classes)(attn, hidden,
                                          encoder_hidden_states=text)
    # The image path sees the text; the class prompt is never fed back.
    assert torch.equal(out, AttnProcessor2_0()(attn, hidden, text))
    expected = explicit_probs(attn, hidden[2:], classes)
    assert store.average(CROSS).shape == (2, 16, 77)
    assert torch.equal(store.average(CROSS), expected)


def test_several_texts_are_scored_each_with_its_own_softmax():
    attn, hidden, text, classes, layer, store = cross_case()
    out = RecordingAttnProcessor(store, layer, 2, (classes, text[2:]))(
        attn, hidden, encoder_hidden_states=text)
    assert torch.equal(out, AttnProcessor2_0()(attn, hidden, text))
    recorded = store.average(CROSS)
    assert recorded.shape == (2, 16, 154)
    # The class prompts' columns are as when recorded alone, and the text's
    # columns are the layer's own (real) cross-attention probabilities.
    assert torch.allclose(recorded[..., :77],
                          explicit_probs(attn, hidden[2:], classes), atol=1e-6)
    assert torch.allclose(recorded[..., 77:],
                          explicit_probs(attn, hidden[2:], text[2:]),
                          atol=1e-6)
    assert recorded.sum(-1).allclose(torch.full((2, 16), 2.0))


def test_without_guidance_the_whole_batch_is_conditional():
    attn = make_attention()
    hidden = torch.randn(2, 16, 32)
    layer = AttentionLayer('layer', SELF, 0, (4, 4))
    store = AttentionStore([layer])
    RecordingAttnProcessor(store, layer, batch_size=2)(attn, hidden)
    assert torch.allclose(
        store.average(SELF), explicit_probs(attn, hidden, hidden), atol=1e-6)
    with pytest.raises(RuntimeError, match='neither'):
        RecordingAttnProcessor(store, layer,
                               batch_size=2)(attn, torch.randn(3, 16, 32))
    with pytest.raises(RuntimeError, match='expected 4x4'):
        RecordingAttnProcessor(store, layer,
                               batch_size=2)(attn, torch.randn(2, 9, 32))


def test_store_averages_layers_and_steps_in_one_running_sum():
    a = AttentionLayer('a', SELF, 1, (1, 2))
    b = AttentionLayer('b', SELF, 1, (1, 2))
    store = AttentionStore([a, b])
    for step in range(3):  # step maps: 0, 1, 2 (a) and 10, 11, 12 (b)
        store.add(a, torch.full((1, 2, 2), float(step)))
        store.add(b, torch.full((1, 2, 2), 10.0 + step))
        assert list(store.sums) == [SELF]  # one tensor, no per-step list
    assert torch.equal(store.average(SELF), torch.full((1, 2, 2), 6.0))
    store.add(a, torch.zeros(1, 2, 2))
    with pytest.raises(RuntimeError, match='unequal'):
        store.average(SELF)


def test_only_recording_layers_are_swapped_and_all_restored(tiny_pipeline):
    unet = tiny_pipeline.unet
    before = unet.attn_processors
    layers = (
        select_layers(unet, (32, 32), CROSS, 4) +
        select_layers(unet, (32, 32), SELF, 2))
    latent = torch.randn(2, 4, 32, 32)
    states = torch.randn(2, 77, 32)
    with torch.no_grad():
        plain = unet(latent, 10, states).sample
        with record_attention(unet, layers, 1, states[:1]) as store:
            during = unet.attn_processors
            recorded = unet(latent, 10, states).sample
            unet(latent, 20, states)
    assert torch.equal(recorded, plain)  # recording never changes the output
    assert set(store.calls.values()) == {2}
    for name, processor in during.items():
        if name in {layer.name for layer in layers}:
            assert isinstance(processor, RecordingAttnProcessor)
        else:
            assert processor is before[name]
    assert unet.attn_processors == before


def test_processors_restored_after_an_exception(tiny_pipeline):
    unet = tiny_pipeline.unet
    before = unet.attn_processors
    layers = select_layers(unet, (32, 32), SELF, 2)
    with pytest.raises(KeyboardInterrupt):
        with record_attention(unet, layers, 1):
            raise KeyboardInterrupt
    assert unet.attn_processors == before
    assert all(type(p) is AttnProcessor2_0 for p in before.values())


def test_cross_layers_need_class_embeddings():
    layer = AttentionLayer('layer', CROSS, 0, (4, 4))
    with pytest.raises(ValueError, match='class_embeds'):
        RecordingAttnProcessor(AttentionStore([layer]), layer, 1)


def test_upcast_attention_keeps_fp16_logits_finite():
    """SD 2.1 sets upcast_attention: its fp16 logits overflow otherwise."""
    torch.manual_seed(0)
    attn = Attention(query_dim=32, heads=4, dim_head=8, upcast_attention=True)
    attn.half()
    hidden = (torch.randn(1, 16, 32) * 300).half()  # logits beyond 65504
    layer = AttentionLayer('layer', SELF, 0, (4, 4))
    for upcast in (False, True):
        attn.upcast_attention = upcast
        store = AttentionStore([layer])
        RecordingAttnProcessor(store, layer, 1)(attn, hidden)
        assert store.average(SELF).isfinite().all() == upcast
    expected = explicit_probs(attn, hidden, hidden).float()
    assert torch.allclose(store.average(SELF), expected, atol=1e-3)


def test_upstream_processor_unchanged_since_last_compared():
    import hashlib
    import inspect

    import diffusers

    from mmdd.diffusion.unet.processors import UPSTREAM_PROCESSOR_SHA256
    source = inspect.getsource(AttnProcessor2_0.__call__)
    assert hashlib.sha256(source.encode()).hexdigest() == \
        UPSTREAM_PROCESSOR_SHA256, (
            f'diffusers {diffusers.__version__} changed '
            'AttnProcessor2_0.__call__: compare it with '
            'RecordingAttnProcessor.__call__, port what matters, then '
            'update UPSTREAM_PROCESSOR_SHA256')
