"""SD3's and FLUX's attention processors, plus a look for the recorder.

Each ``__call__`` is diffusers' own (0.42.1) with calls to a
:class:`~mmdd.diffusion.dit.recorder.DiTRecorder` added; the output path
(the fused SDPA / ``dispatch_attention_fn`` call) is untouched, so the image
is bit-identical. As for the UNet processor, two tests keep them honest:
outputs equal the upstream processors', and the sha256 of the upstream
source must match the installed diffusers (a diffusers upgrade that changes
a function fails until someone has compared the two and updated the hash).
"""
from contextlib import contextmanager
from typing import Iterator, Optional

import torch
import torch.nn.functional as F
from diffusers.models.attention_dispatch import dispatch_attention_fn
from diffusers.models.embeddings import apply_rotary_emb
from diffusers.models.transformers.transformer_flux import _get_qkv_projections

from .layers import dit_blocks, joint_index
from .recorder import DiTRecorder
from .side_stream import zero_pooled_conditioning

# sha256 of ``inspect.getsource(P.__call__)`` in diffusers 0.42.1.
UPSTREAM_SHA256 = {
    'JointAttnProcessor2_0':
    '392b6bf56c8505d1abc491adae261ecdfe9ed83966571fc9fa3bc838173975d3',
    'FluxAttnProcessor':
    'd5b36134887ebe450b6c15f200bf33f781ba8258201d25caceb16bb9bc07d2c9',
}


class _Recording:
    """A processor bound to one block and the generation's recorder.

    ``latent_packing``: latent pixels per token side beyond the patch size
    (FLUX packs 2x2 latent pixels into a token before its patching).
    """
    latent_packing = 1

    def __init__(self, recorder: DiTRecorder, block_name: str,
                 block: torch.nn.Module, original: object):
        self.recorder, self.block_name, self.block = (recorder, block_name,
                                                      block)
        # Keep the attention backend the model was set to (FLUX).
        self._attention_backend = getattr(original, '_attention_backend', None)
        self._parallel_config = getattr(original, '_parallel_config', None)


class SD3RecordingProcessor(_Recording):
    """``JointAttnProcessor2_0`` (image tokens first, then text)."""

    def __call__(self, attn, hidden_states: torch.Tensor,
                 encoder_hidden_states: Optional[torch.Tensor] = None,
                 attention_mask: Optional[torch.Tensor] = None, *args,
                 **kwargs):
        if encoder_hidden_states is None:
            raise RuntimeError(f'{self.block_name}: recording processors go '
                               'on joint attention only (not attn2)')
        residual = hidden_states
        batch_size = hidden_states.shape[0]
        query = attn.to_q(hidden_states)
        key = attn.to_k(hidden_states)
        value = attn.to_v(hidden_states)
        head_dim = key.shape[-1] // attn.heads
        query, key, value = (
            t.view(batch_size, -1, attn.heads, head_dim).transpose(1, 2)
            for t in (query, key, value))
        if attn.norm_q is not None:
            query = attn.norm_q(query)
        if attn.norm_k is not None:
            key = attn.norm_k(key)
        text_q, text_k, text_v = (
            proj(encoder_hidden_states).view(batch_size, -1, attn.heads,
                                             head_dim).transpose(1, 2)
            for proj in (attn.add_q_proj, attn.add_k_proj, attn.add_v_proj))
        if attn.norm_added_q is not None:
            text_q = attn.norm_added_q(text_q)
        if attn.norm_added_k is not None:
            text_k = attn.norm_added_k(text_k)
        self.recorder.joint(self.block_name, self.block, attn, query, key,
                            value, text_k)
        query = torch.cat([query, text_q], dim=2)
        key = torch.cat([key, text_k], dim=2)
        value = torch.cat([value, text_v], dim=2)

        hidden_states = F.scaled_dot_product_attention(query, key, value,
                                                       dropout_p=0.0,
                                                       is_causal=False)
        hidden_states = hidden_states.transpose(1, 2).reshape(
            batch_size, -1, attn.heads * head_dim)
        hidden_states = hidden_states.to(query.dtype)
        hidden_states, encoder_hidden_states = (
            hidden_states[:, :residual.shape[1]],
            hidden_states[:, residual.shape[1]:])
        self.recorder.after(self.block_name, hidden_states)
        if not attn.context_pre_only:
            encoder_hidden_states = attn.to_add_out(encoder_hidden_states)
        hidden_states = attn.to_out[0](hidden_states)
        hidden_states = attn.to_out[1](hidden_states)
        return hidden_states, encoder_hidden_states


class FluxRecordingProcessor(_Recording):
    """``FluxAttnProcessor`` (text tokens first; RoPE on the whole
    sequence). A single-stream block sees [text; image] with no
    ``encoder_hidden_states``: the text length comes from the double
    blocks of the same forward pass."""
    latent_packing = 2

    def __call__(self, attn, hidden_states: torch.Tensor,
                 encoder_hidden_states: Optional[torch.Tensor] = None,
                 attention_mask: Optional[torch.Tensor] = None,
                 image_rotary_emb: Optional[torch.Tensor] = None):
        query, key, value, encoder_query, encoder_key, encoder_value = (
            _get_qkv_projections(attn, hidden_states, encoder_hidden_states))
        query = query.unflatten(-1, (-1, attn.head_dim))
        key = key.unflatten(-1, (-1, attn.head_dim))
        value = value.unflatten(-1, (-1, attn.head_dim))
        query = attn.norm_q(query)
        key = attn.norm_k(key)
        if attn.added_kv_proj_dim is not None:
            encoder_query = encoder_query.unflatten(-1, (-1, attn.head_dim))
            encoder_key = encoder_key.unflatten(-1, (-1, attn.head_dim))
            encoder_value = encoder_value.unflatten(-1, (-1, attn.head_dim))
            encoder_query = attn.norm_added_q(encoder_query)
            encoder_key = attn.norm_added_k(encoder_key)
            query = torch.cat([encoder_query, query], dim=1)
            key = torch.cat([encoder_key, key], dim=1)
            value = torch.cat([encoder_value, value], dim=1)
        if image_rotary_emb is not None:
            query = apply_rotary_emb(query, image_rotary_emb, sequence_dim=1)
            key = apply_rotary_emb(key, image_rotary_emb, sequence_dim=1)
        self._look(attn, query, key, value, encoder_hidden_states)

        hidden_states = dispatch_attention_fn(
            query, key, value, attn_mask=attention_mask,
            backend=self._attention_backend,
            parallel_config=self._parallel_config)
        hidden_states = hidden_states.flatten(2, 3)
        hidden_states = hidden_states.to(query.dtype)
        if encoder_hidden_states is not None:
            encoder_hidden_states, hidden_states = (
                hidden_states.split_with_sizes([
                    encoder_hidden_states.shape[1],
                    hidden_states.shape[1] - encoder_hidden_states.shape[1]
                ], dim=1))
            self.recorder.after(self.block_name, hidden_states)
            hidden_states = attn.to_out[0](hidden_states.contiguous())
            hidden_states = attn.to_out[1](hidden_states)
            encoder_hidden_states = attn.to_add_out(
                encoder_hidden_states.contiguous())
            return hidden_states, encoder_hidden_states
        return hidden_states

    def _look(self, attn, query: torch.Tensor, key: torch.Tensor,
              value: torch.Tensor,
              encoder_hidden_states: Optional[torch.Tensor]) -> None:
        """Hand the (B, H, S, d) views to the recorder."""
        recorder = self.recorder
        if not recorder.active:
            return
        if encoder_hidden_states is not None:
            recorder.text_length = encoder_hidden_states.shape[1]
        text = recorder.text_length
        if text is None:
            raise RuntimeError(
                f'{self.block_name}: a single-stream block ran before any '
                'double-stream block of the same call; the text length is '
                'unknown')
        q, k, v = (t.transpose(1, 2) for t in (query, key, value))
        if encoder_hidden_states is not None:
            recorder.joint(self.block_name, self.block, attn, q[:, :, text:],
                           k[:, :, text:], v[:, :, text:], k[:, :, :text])
        else:
            recorder.image_self(self.block_name, q[:, :, text:], k[:, :,
                                                                   text:])


@contextmanager
def record_dit_attention(transformer: torch.nn.Module, recorder: DiTRecorder,
                         processor: type) -> Iterator[DiTRecorder]:
    """Install recording processors and hooks; restore all on exit.

    Processors go on the blocks the recorder reads and, when it carries a
    side stream, on every joint block before them (the side tokens must
    pass through each). Pass ``recorder.end_step`` as the pipeline's
    ``callback_on_step_end``: without it every transformer call is read.
    Three hooks: the transformer's forward (is this call read?), its
    ``time_text_embed`` (the conditioning vector the side stream is
    modulated with, and the zero-pooled one for the groups that need it)
    and its ``context_embedder`` (the side tokens are embedded as the text
    is). The original processors come back in a ``finally``, also when the
    pipeline raises. ``processor``: the recording processor class of the
    architecture (its row in :mod:`mmdd.diffusion.architectures`).
    """
    original = transformer.attn_processors
    processors = dict(original)
    modules = dict(transformer.named_modules())
    for block in dit_blocks(transformer):
        read = (
            block.name in recorder.cross_blocks
            or block.name in recorder.self_blocks)
        side = block.joint and joint_index(
            block.name) < recorder.side_blocks_until
        if read or side:
            processors[block.processor] = processor(recorder, block.name,
                                                    modules[block.name],
                                                    original[block.processor])
    state = {}

    def gate(module, args, kwargs):
        hidden = kwargs.get('hidden_states', args[0] if args else None)
        recorder.begin_call(hidden.shape[0])

    def keep_temb(module, args, kwargs, output):
        state['temb'] = output
        side = recorder.side
        wanted = recorder.active and side is not None and side.zero_pooled
        state['zero_pooled'] = (
            zero_pooled_conditioning(module, args, kwargs) if wanted else None)

    def embed_side(module, args, output):
        if (recorder.active and recorder.side is not None
                and not state.get('embedding')):
            state['embedding'] = True  # the side tokens re-enter this hook
            zero_pooled = state['zero_pooled']
            if zero_pooled is not None:
                zero_pooled = recorder.conditional(zero_pooled)
            try:
                recorder.side.start(module,
                                    recorder.conditional(state['temb']),
                                    zero_pooled)
            finally:
                state['embedding'] = False

    hooks = [
        transformer.register_forward_pre_hook(gate, with_kwargs=True),
        transformer.time_text_embed.register_forward_hook(
            keep_temb, with_kwargs=True),
        transformer.context_embedder.register_forward_hook(embed_side)
    ]
    transformer.set_attn_processor(processors)  # pops from its argument
    try:
        yield recorder
    finally:
        transformer.set_attn_processor(dict(original))
        for hook in hooks:
            hook.remove()
