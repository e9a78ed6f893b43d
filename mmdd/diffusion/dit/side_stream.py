"""Extra text tokens carried one way through a DiT's joint blocks.

A UNet's cross-attention keys are a fixed projection of the text, so the
paper's class prompt can be scored by projecting it alone. In a joint
(MM-DiT) block the text stream changes from block to block, so a class
prompt, or ConceptAttention's concept tokens, must travel with it: at each
joint block the side tokens go through the *text stream's own* modulation,
projections, QK-norm, output projection and MLP (ConceptAttention, eq. 4-9),
and attend to themselves and the image tokens. Nothing attends to them, so
the image is unchanged.

Groups of side tokens (the class prompt, the concepts) do not see each
other: each group attends to [its own tokens; the image]. A group's mask
(batch, tokens) marks the real tokens of each sample: a batch pads its
groups to the longest sample, and padding is never attended to, so a
sample's maps do not depend on the batch it is in.

The AdaLN vector: the class prompt is modulated as the text is, by the
prompt's conditioning vector (time, guidance and pooled CLIP). The
``zero_pooled`` groups (the concepts, by default) are modulated by the time
(and guidance) embedding with a zero pooled vector, as the authors' FLUX
code modulates its concepts (helblazer811/ConceptAttention,
``flux/dit.py``): the concept stream then carries nothing of the caption.
``GenerationConfig.concept_modulation='prompt'`` modulates the concepts by
the prompt's vector instead (as the authors' SD3 code does). One other
difference from the authors is deliberate: a concept's token is the mean
of its name's text-encoder states (mmdd.diffusion.dit_reader), where the
authors keep the first piece, so that "skyscraper" does not read as "sky".
"""
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F


class SideStream:
    """Side-token states of the conditional samples, advanced block by
    block. ``tokens``: group -> (batch, tokens, joint_attention_dim) text
    encoder states (before the transformer's ``context_embedder``);
    ``masks``: group -> (batch, tokens) bool, True for real tokens;
    ``zero_pooled``: the groups modulated with a zero pooled vector."""

    def __init__(self, tokens: Dict[str, torch.Tensor],
                 masks: Optional[Dict[str, torch.Tensor]] = None,
                 zero_pooled: Sequence[str] = ()):
        self.tokens = tokens
        self.zero_pooled = frozenset(zero_pooled) & set(tokens)
        self.masks = {
            group: (masks or {}).get(group, torch.ones(t.shape[:2],
                                                       dtype=bool))
            for group, t in tokens.items()
        }
        self.states: Dict[str, torch.Tensor] = {}
        self.temb: Dict[str, torch.Tensor] = {}
        self._key_masks: Dict[str, torch.Tensor] = {}

    def start(self, context_embedder: torch.nn.Module, temb: torch.Tensor,
              zero_pooled_temb: Optional[torch.Tensor] = None) -> None:
        """A new transformer call: embed the tokens as the text is (and
        move the masks to the device once, not at every block).
        ``temb``: the prompt's conditioning vector; ``zero_pooled_temb``:
        the one with a zero pooled vector (needed by the ``zero_pooled``
        groups)."""
        if self.zero_pooled and zero_pooled_temb is None:
            raise RuntimeError(
                f'side groups {sorted(self.zero_pooled)} are modulated with '
                'a zero pooled vector, but none was computed')
        weight = next(context_embedder.parameters())
        self.states = {
            group: context_embedder(tokens.to(weight.device, weight.dtype))
            for group, tokens in self.tokens.items()
        }
        self.masks = {
            group: mask.to(weight.device)
            for group, mask in self.masks.items()
        }
        self.temb = {
            group: zero_pooled_temb if group in self.zero_pooled else temb
            for group in self.tokens
        }
        self._key_masks: Dict[str, torch.Tensor] = {}

    def step(self, block: torch.nn.Module, attn: torch.nn.Module,
             image_key: torch.Tensor,
             image_value: torch.Tensor) -> Dict[str, tuple]:
        """One joint block: each group's keys and attention output
        (batch, heads, tokens, head_dim) before the output projection;
        the states move on to the block's output."""
        results = {}
        for group, states in self.states.items():
            normed, gates = _modulate(block, states, self.temb[group])
            query, key, value = (
                _heads(proj(normed), image_key.shape[-1])
                for proj in (attn.add_q_proj, attn.add_k_proj,
                             attn.add_v_proj))
            if attn.norm_added_q is not None:
                query = attn.norm_added_q(query)
            if attn.norm_added_k is not None:
                key = attn.norm_added_k(key)
            output = F.scaled_dot_product_attention(
                query, torch.cat([key, image_key], dim=2),
                torch.cat([value, image_value], dim=2),
                attn_mask=self.key_mask(group, image_key))
            results[group] = (key, output)
            if gates is not None:
                self.states[group] = _advance(block, attn, states, output,
                                              gates)
        return results

    def key_mask(self, group: str, image_key: torch.Tensor) -> torch.Tensor:
        """(batch, 1, 1, tokens + image tokens): which keys count."""
        if group not in self._key_masks:
            mask = self.masks[group]
            image = mask.new_ones(mask.shape[0], image_key.shape[2])
            self._key_masks[group] = torch.cat([mask, image], dim=1)[:, None,
                                                                     None]
        return self._key_masks[group]


def zero_pooled_conditioning(time_text_embed: torch.nn.Module, args: tuple,
                             kwargs: dict) -> torch.Tensor:
    """``time_text_embed`` run again on the inputs it was called with, its
    pooled text vector (the last argument, ``pooled_projection``) zeroed:
    time (+ guidance) + the embedding of a zero pooled vector."""
    if 'pooled_projection' in kwargs:
        pooled = kwargs['pooled_projection']
        kwargs = dict(kwargs, pooled_projection=torch.zeros_like(pooled))
    else:
        args = (*args[:-1], torch.zeros_like(args[-1]))
    return time_text_embed.forward(*args, **kwargs)  # not its hooks again


def _heads(tensor: torch.Tensor, head_dim: int) -> torch.Tensor:
    """(batch, tokens, heads * dim) -> (batch, heads, tokens, dim)."""
    return tensor.unflatten(-1, (-1, head_dim)).transpose(1, 2)


def _modulate(block: torch.nn.Module, states: torch.Tensor,
              temb: torch.Tensor) -> tuple:
    """The text stream's AdaLN of ``block``; gates None where the block
    drops its text output (SD3's last block, ``context_pre_only``)."""
    if getattr(block, 'context_pre_only', False):
        return block.norm1_context(states, temb), None
    normed, *gates = block.norm1_context(states, emb=temb)
    return normed, gates


def _advance(block: torch.nn.Module, attn: torch.nn.Module,
             states: torch.Tensor, output: torch.Tensor,
             gates: list) -> torch.Tensor:
    """Residual attention and MLP updates, as the block's text stream."""
    gate_msa, shift_mlp, scale_mlp, gate_mlp = gates
    output = output.transpose(1, 2).flatten(2).to(states.dtype)
    states = states + gate_msa.unsqueeze(1) * attn.to_add_out(output)
    normed = block.norm2_context(states)
    normed = normed * (1 + scale_mlp[:, None]) + shift_mlp[:, None]
    states = states + gate_mlp.unsqueeze(1) * block.ff_context(normed)
    if states.dtype == torch.float16:  # as FLUX's blocks
        states = states.clip(-65504, 65504)
    return states
