"""The reference-pattern probe: same UNet output, the maps it should keep."""
import torch

from bench.overhead.attention_store_probe import (map_shapes, predicted_bytes,
                                                  store_all_attention)


def test_probe_keeps_every_map_and_leaves_the_output(tiny_unet):
    unet = tiny_unet
    torch.manual_seed(0)
    sample = torch.randn(4, 4, 32, 32)
    text = torch.randn(4, 77, unet.config.cross_attention_dim)
    with torch.no_grad():
        expected = unet(sample, 10, encoder_hidden_states=text).sample
        with store_all_attention(unet) as store:
            for _ in range(3):  # three denoising steps
                out = unet(sample, 10, encoder_hidden_states=text).sample
    assert torch.allclose(out, expected, atol=1e-5)
    assert store.steps == 3 and not store.step
    shapes = map_shapes(unet, (32, 32))
    assert len(store.total) == len(shapes) == len(unet.attn_processors)
    assert sorted(tuple(t.shape) for t in store.total.values()) == sorted(
        (4 * heads, queries, keys) for heads, queries, keys in shapes)
    # A running sum of 3 identical steps.
    name = next(iter(store.total))
    assert torch.allclose(store.total[name].sum(-1),
                          torch.full(store.total[name].shape[:2], 3.0))
    # The arithmetic prediction: the step store plus the running sum.
    assert predicted_bytes(unet, (32, 32), 4, 4) == 2 * store.kept_bytes()
    # Processors are restored.
    assert all(
        type(p).__name__ != 'ExplicitStoringAttnProcessor'
        for p in unet.attn_processors.values())


def test_probe_keeps_only_maps_up_to_max_size(tiny_unet):
    unet = tiny_unet
    text = torch.randn(2, 77, unet.config.cross_attention_dim)
    with torch.no_grad(), store_all_attention(unet, max_size=8) as store:
        unet(torch.randn(2, 4, 32, 32), 10, encoder_hidden_states=text)
    assert store.total and all(t.shape[1] <= 64 for t in store.total.values())
    assert predicted_bytes(unet, (32, 32), 2, 4, max_size=8) == \
        2 * store.kept_bytes()
