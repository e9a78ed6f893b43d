"""Record UNet attention during denoising, without changing the image.

Only the layers that are read are swapped, for the duration of a ``with``
block, to :class:`RecordingAttnProcessor`: it computes the layer's output
exactly as diffusers' fused ``AttnProcessor2_0`` (SDPA) does and, on the side,
the explicit probabilities of the conditional half of classifier-free
guidance, averaged over heads at once and added to a running sum on the
device. Every other layer keeps its processor. The layers are chosen in
:mod:`.layers`:

- self-attention: the queries against the layer's own keys (N x N);
- cross-attention: the queries against the keys of the *class prompt*
  (class-prompt cross-attention); the image itself is conditioned on the
  generation text as usual and the class prompt is never fed back.
"""
from contextlib import contextmanager
from typing import Iterator, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from diffusers.models.attention_processor import Attention

from ..labelling.attention_store import AttentionStore
from ..recording import CROSS, AttentionLayer

ClassEmbeds = Union[torch.Tensor, Sequence[torch.Tensor]]

# sha256 of ``inspect.getsource(AttnProcessor2_0.__call__)`` in diffusers
# 0.42.1, the version RecordingAttnProcessor.__call__ was last compared with.
UPSTREAM_PROCESSOR_SHA256 = (
    'bf23ea5ae40404272695b752532af4cef782d7626168f17e9f0d6652a941dd67')


class RecordingAttnProcessor:
    """``AttnProcessor2_0`` plus recording of the conditional half.

    The output path is the fused SDPA one, so the image is unchanged; the
    probabilities are computed on the side, as diffusers' explicit path
    computes them (:func:`head_mean_probabilities`, softmax in float32).

    Kept in step with ``diffusers.models.attention_processor.
    AttnProcessor2_0.__call__`` (diffusers 0.42.1), in the spirit of
    diffusers' "Copied from" comments: ``__call__`` is that function with
    the ``scale`` deprecation and attention masks left out (SD's UNet passes
    none; a mask raises) and ``self._record`` added before the SDPA call.
    Two tests keep it honest: the outputs must equal ``AttnProcessor2_0``'s
    exactly (tests/test_diffusion/test_attention.py), and
    :data:`UPSTREAM_PROCESSOR_SHA256` must match the installed diffusers'
    source, so a diffusers upgrade that changes the function fails until
    someone has compared the two (``python -c "import inspect; from
    diffusers.models.attention_processor import AttnProcessor2_0 as P;
    print(inspect.getsource(P.__call__))"``) and updated the hash.
    """

    def __init__(self, store: AttentionStore, layer: AttentionLayer,
                 batch_size: int, class_embeds: Optional[ClassEmbeds] = None):
        if layer.kind == CROSS and class_embeds is None:
            raise ValueError('cross-attention recording needs class_embeds')
        self.store = store
        self.layer = layer
        self.batch_size = batch_size
        self.class_embeds = ([class_embeds] if isinstance(
            class_embeds, torch.Tensor) else list(class_embeds or []))
        self._class_keys: Optional[List[torch.Tensor]] = None

    def _conditional(self, tensor: torch.Tensor) -> torch.Tensor:
        # diffusers' SD pipelines batch [unconditional, conditional].
        total = tensor.shape[0]
        if total not in (self.batch_size, 2 * self.batch_size):
            raise RuntimeError(
                f'{self.layer.name}: batch {total} is neither the '
                f'{self.batch_size} samples nor twice that (guidance)')
        return tensor[total - self.batch_size:]

    def _record(self, attn: Attention, query: torch.Tensor,
                key: torch.Tensor) -> None:
        height, width = self.layer.size
        if query.shape[2] != height * width:
            raise RuntimeError(
                f'{self.layer.name} attends over {query.shape[2]} positions, '
                f'expected {height}x{width}: UNet layout not understood')
        query = self._conditional(query)
        if self.layer.kind == CROSS:
            keys = self._keys_of_class_prompt(attn, query.dtype)
        else:
            keys = [self._conditional(key)]
        # One softmax per text: each text's tokens share their attention.
        probs = torch.cat(
            [head_mean_probabilities(attn, query, key) for key in keys],
            dim=-1)
        self.store.add(self.layer, probs)

    def _keys_of_class_prompt(self, attn: Attention,
                              dtype: torch.dtype) -> List[torch.Tensor]:
        """The layer's keys of the class prompts (one tensor per text),
        made once: neither the weights nor the prompts change between
        denoising steps (SDXL runs dozens of cross-attention layers at the
        recorded size)."""
        if self._class_keys is None or self._class_keys[0].dtype != dtype:
            self._class_keys = []
            for embeds in self.class_embeds:
                embeds = embeds.to(dtype)
                if attn.norm_cross:
                    embeds = attn.norm_encoder_hidden_states(embeds)
                key = _heads(attn.to_k(embeds), attn.heads)
                if attn.norm_k is not None:
                    key = attn.norm_k(key)
                # Contiguous: every call views it as (batch x heads) keys.
                self._class_keys.append(key.contiguous())
        return self._class_keys

    def __call__(self, attn: Attention, hidden_states: torch.Tensor,
                 encoder_hidden_states: Optional[torch.Tensor] = None,
                 attention_mask: Optional[torch.Tensor] = None,
                 temb: Optional[torch.Tensor] = None, *args,
                 **kwargs) -> torch.Tensor:
        if attention_mask is not None:
            raise NotImplementedError(
                f'{self.layer.name}: recording with an attention mask')
        residual = hidden_states
        if attn.spatial_norm is not None:
            hidden_states = attn.spatial_norm(hidden_states, temb)
        input_ndim = hidden_states.ndim
        if input_ndim == 4:
            batch_size, channel, height, width = hidden_states.shape
            hidden_states = hidden_states.view(batch_size, channel,
                                               height * width).transpose(1, 2)
        batch_size = hidden_states.shape[0]
        if attn.group_norm is not None:
            hidden_states = attn.group_norm(hidden_states.transpose(
                1, 2)).transpose(1, 2)

        query = attn.to_q(hidden_states)
        if encoder_hidden_states is None:
            encoder_hidden_states = hidden_states
        elif attn.norm_cross:
            encoder_hidden_states = attn.norm_encoder_hidden_states(
                encoder_hidden_states)
        key = attn.to_k(encoder_hidden_states)
        value = attn.to_v(encoder_hidden_states)
        query, key, value = (
            _heads(t, attn.heads) for t in (query, key, value))
        if attn.norm_q is not None:
            query = attn.norm_q(query)
        if attn.norm_k is not None:
            key = attn.norm_k(key)

        self._record(attn, query, key)

        hidden_states = F.scaled_dot_product_attention(query, key, value,
                                                       dropout_p=0.0,
                                                       is_causal=False)
        hidden_states = hidden_states.transpose(1, 2).reshape(
            batch_size, -1, attn.heads * value.shape[-1]).to(query.dtype)
        hidden_states = attn.to_out[1](attn.to_out[0](hidden_states))
        if input_ndim == 4:
            hidden_states = hidden_states.transpose(-1, -2).reshape(
                batch_size, channel, height, width)
        if attn.residual_connection:
            hidden_states = hidden_states + residual
        return hidden_states / attn.rescale_output_factor


def head_mean_probabilities(attn: Attention, query: torch.Tensor,
                            key: torch.Tensor) -> torch.Tensor:
    """softmax(query key^T x scale), float32, averaged over heads:
    (batch, heads, queries, dim) x (batch, heads, keys, dim) -> (batch,
    queries, keys).

    The scores are made as diffusers' explicit path
    (``Attention.get_attention_scores``) makes them: one ``baddbmm`` with
    the scale folded in, rather than scaling the queries first (an extra
    pass over them, for SDXL in dozens of layers per step).
    """
    batch, heads, queries, dim = query.shape
    if attn.upcast_attention:  # e.g. SD 2.1: fp16 logits overflow
        query, key = query.float(), key.float()
    key = key.expand(batch, -1, -1, -1)  # one set of keys for every sample
    scores = torch.baddbmm(
        query.new_empty(1, 1, 1),  # ignored (beta=0), broadcast
        query.reshape(batch * heads, queries, dim),
        key.reshape(batch * heads, -1, dim).transpose(1, 2),
        beta=0,
        alpha=attn.scale)
    probs = scores.softmax(dim=-1, dtype=torch.float32)
    return probs.view(batch, heads, queries, -1).mean(dim=1)


def _heads(tensor: torch.Tensor, heads: int) -> torch.Tensor:
    """(batch, tokens, heads * dim) -> (batch, heads, tokens, dim)."""
    batch, tokens, inner = tensor.shape
    return tensor.view(batch, tokens, heads, inner // heads).transpose(1, 2)


@contextmanager
def record_attention(unet: torch.nn.Module, layers: Sequence[AttentionLayer],
                     batch_size: int,
                     class_embeds: Optional[ClassEmbeds] = None,
                     step_weighting: str = 'mean',
                     layer_weighting: str = 'mean',
                     processor: type = None) -> Iterator[AttentionStore]:
    """Install recording processors on ``layers``; restore all on exit.

    ``class_embeds`` (batch, tokens, dim): the encoded class prompts whose
    keys the cross-attention layers score. A sequence of such tensors
    (e.g. the class prompts and the generation text, for ablations) is
    scored text by text, each with its own softmax, and recorded side by
    side along the token axis. The original processors come
    back in a ``finally``, also when the pipeline raises. The weightings:
    see :mod:`~mmdd.diffusion.labelling.attention_store`. ``processor``:
    the recording processor class (default :class:`RecordingAttnProcessor`).
    """
    processor = processor or RecordingAttnProcessor
    store = AttentionStore(layers, step_weighting, layer_weighting)
    original = unet.attn_processors
    processors = dict(original)
    for layer in layers:
        processors[layer.name] = processor(
            store, layer, batch_size,
            class_embeds if layer.kind == CROSS else None)
    unet.set_attn_processor(processors)  # pops from the dict it is given
    try:
        yield store
    finally:
        unet.set_attn_processor(dict(original))
