"""Random-weight Stable Diffusion pipelines built from configs, offline.

Used by the tests, the demo and the benchmarks: no hub download is needed.
The tokenizer is the real CLIP BPE tokenizer (so multi-token class names
split exactly as with a real checkpoint), written from the
``bpe_simple_vocab_16e6.txt.gz`` that mmsegmentation's wheel ships; it is
located without importing mmseg.

Sizes:

- ``tiny``: 3-level UNet (32, 64, 64), 64x64 images; runs in seconds on a CPU.
- ``small``: SD 1.x topology (4 levels, 3 with attention), narrow, 256x256.
- ``sd15``: the full Stable Diffusion 1.5 architecture, 512x512 (860M-param
  UNet; for GPU benchmarks).
"""
import gzip
import importlib.util
import json
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from diffusers import (AutoencoderKL, DDIMScheduler, StableDiffusionPipeline,
                       UNet2DConditionModel)
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

BPE_FILE = 'bpe_simple_vocab_16e6.txt.gz'
CLIP_VOCAB_SIZE = 49408
CLIP_BOS, CLIP_EOS = '<|startoftext|>', '<|endoftext|>'

_SD_DOWN = ('CrossAttnDownBlock2D', 'CrossAttnDownBlock2D',
            'CrossAttnDownBlock2D', 'DownBlock2D')
_SD_UP = ('UpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D',
          'CrossAttnUpBlock2D')

SIZES: Dict[str, dict] = {
    'tiny': dict(
        unet=dict(
            block_out_channels=(32, 64, 64), layers_per_block=1,
            sample_size=32, attention_head_dim=2, cross_attention_dim=32,
            down_block_types=('DownBlock2D', 'CrossAttnDownBlock2D',
                              'CrossAttnDownBlock2D'),
            up_block_types=('CrossAttnUpBlock2D', 'CrossAttnUpBlock2D',
                            'UpBlock2D')),
        vae=dict(block_out_channels=(32, 64), layers_per_block=1),
        text=dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                  num_attention_heads=4, projection_dim=32)),
    'small': dict(
        unet=dict(
            block_out_channels=(64, 128, 256, 256), layers_per_block=2,
            sample_size=32, attention_head_dim=8, cross_attention_dim=256,
            down_block_types=_SD_DOWN, up_block_types=_SD_UP),
        vae=dict(block_out_channels=(32, 64, 64, 64), layers_per_block=1),
        text=dict(hidden_size=256, intermediate_size=1024,
                  num_hidden_layers=4, num_attention_heads=4,
                  projection_dim=256)),
    'sd15': dict(
        unet=dict(
            block_out_channels=(320, 640, 1280, 1280), layers_per_block=2,
            sample_size=64, attention_head_dim=8, cross_attention_dim=768,
            down_block_types=_SD_DOWN, up_block_types=_SD_UP),
        vae=dict(block_out_channels=(128, 256, 512, 512), layers_per_block=2),
        text=dict(hidden_size=768, intermediate_size=3072,
                  num_hidden_layers=12, num_attention_heads=12,
                  projection_dim=768, hidden_act='quick_gelu')),
}


def find_clip_bpe() -> Path:
    """Path of CLIP's BPE merges file shipped inside mmsegmentation's wheel."""
    spec = importlib.util.find_spec('mmseg')  # locates, never imports
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / 'utils' / BPE_FILE
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f'{BPE_FILE} not found: install mmsegmentation (its wheel ships it '
        'under mmseg/utils/) or pass bpe_path= to clip_tokenizer().')


def _bpe_merges(bpe_path: Path) -> List[str]:
    # The gz holds a header line, then merges; CLIP uses the first
    # 49152 - 256 - 2 of them (vocab = 2 x 256 byte tokens + merges + 2).
    lines = gzip.open(bpe_path, 'rt', encoding='utf-8').read().split('\n')
    return lines[1:CLIP_VOCAB_SIZE - 256 - 256 - 2 + 1]


def _byte_tokens() -> List[str]:
    """GPT-2/CLIP's reversible byte -> printable unicode table, in order."""
    printable = (list(range(ord('!'), ord('~') + 1)) +
                 list(range(ord('¡'), ord('¬') + 1)) +
                 list(range(ord('®'), ord('ÿ') + 1)))
    codes, extra = list(printable), 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return [chr(code) for code in codes]


def _bpe(word: str,
         ranks: Dict[Tuple[str, str], int]) -> List[Tuple[str, str]]:
    """The merges CLIP's BPE applies to one word, in order."""
    parts = list(word[:-1]) + [word[-1] + '</w>']
    applied = []
    while len(parts) > 1:
        pairs = [(ranks.get(pair, len(ranks)), i)
                 for i, pair in enumerate(zip(parts, parts[1:]))]
        rank, i = min(pairs)
        if rank == len(ranks):
            break
        applied.append((parts[i], parts[i + 1]))
        parts[i:i + 2] = [parts[i] + parts[i + 1]]
    return applied


def _merges_for(words: Sequence[str], merges: List[str]) -> List[str]:
    """The subset of ``merges`` (original order) that ``words`` use.

    BPE always applies the lowest-ranked merge present, and every merge the
    full table applies to these words is kept, so they tokenize exactly as
    with the full table; any other text falls back to shorter pieces.
    """
    ranks = {tuple(m.split()): i for i, m in enumerate(merges)}
    used = set()
    for word in words:
        used.update(_bpe(word.lower(), ranks))
    return [m for m in merges if tuple(m.split()) in used]


def clip_tokenizer(bpe_path: Optional[Union[str, Path]] = None,
                   words: Optional[Sequence[str]] = None,
                   model_max_length: int = 77) -> CLIPTokenizer:
    """The real CLIP tokenizer (49408 tokens, 77 max), built offline.

    ``words``: keep only the merges these words need (a vocabulary of a few
    hundred tokens for a small world; the words tokenize as with full CLIP).
    transformers 5 ignores ``vocab_file``/``merges_file`` keywords, so the
    files are written to a folder and loaded with ``from_pretrained``.
    """
    merges = _bpe_merges(Path(bpe_path) if bpe_path else find_clip_bpe())
    if words is not None:
        merges = _merges_for(words, merges)
    byte_tokens = _byte_tokens()
    vocab = byte_tokens + [token + '</w>' for token in byte_tokens]
    vocab += [merge.replace(' ', '') for merge in merges]
    vocab += [CLIP_BOS, CLIP_EOS]
    if words is None:
        assert len(vocab) == CLIP_VOCAB_SIZE, len(vocab)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / 'vocab.json').write_text(
            json.dumps({token: i for i, token in enumerate(vocab)}))
        (root / 'merges.txt').write_text(
            '#version: 0.2\n' + '\n'.join(merges) + '\n')
        (root / 'tokenizer_config.json').write_text(json.dumps(dict(
            tokenizer_class='CLIPTokenizer',
            model_max_length=model_max_length, bos_token=CLIP_BOS,
            eos_token=CLIP_EOS, unk_token=CLIP_EOS, pad_token=CLIP_EOS)))
        return CLIPTokenizer.from_pretrained(folder)


def build_random_pipeline(size: str = 'tiny', seed: int = 0,
                          bpe_path: Optional[Union[str, Path]] = None
                          ) -> StableDiffusionPipeline:
    """A Stable Diffusion pipeline with random weights from a size preset."""
    if size not in SIZES:
        raise ValueError(f'unknown size {size!r}; choose one of {list(SIZES)}')
    preset = SIZES[size]
    torch.manual_seed(seed)
    unet = UNet2DConditionModel(in_channels=4, out_channels=4,
                                **preset['unet'])
    levels = len(preset['vae']['block_out_channels'])
    vae = AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=4,
        down_block_types=('DownEncoderBlock2D', ) * levels,
        up_block_types=('UpDecoderBlock2D', ) * levels,
        sample_size=preset['unet']['sample_size'] * 2**(levels - 1),
        **preset['vae'])
    text_encoder = CLIPTextModel(CLIPTextConfig(
        vocab_size=CLIP_VOCAB_SIZE, max_position_embeddings=77,
        bos_token_id=CLIP_VOCAB_SIZE - 2, eos_token_id=CLIP_VOCAB_SIZE - 1,
        pad_token_id=CLIP_VOCAB_SIZE - 1, **preset['text']))
    scheduler = DDIMScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule='scaled_linear',
        clip_sample=False, set_alpha_to_one=False, steps_offset=1)
    return StableDiffusionPipeline(
        vae=vae, text_encoder=text_encoder, tokenizer=clip_tokenizer(bpe_path),
        unet=unet, scheduler=scheduler, safety_checker=None,
        feature_extractor=None, requires_safety_checker=False)


def save_random_pipeline(folder: Union[str, Path], size: str = 'tiny',
                         seed: int = 0) -> Path:
    """Write a random-weight pipeline folder for ``from_pretrained``."""
    folder = Path(folder)
    build_random_pipeline(size, seed).save_pretrained(folder)
    return folder
