"""The real CLIP BPE tokenizer, built offline.

Written from the ``bpe_simple_vocab_16e6.txt.gz`` that mmsegmentation's
wheel ships (located without importing mmseg), so no hub download is needed.
The shipped shapes model uses a vocabulary cut to its world's words
(``words=``); the random pipelines of :mod:`mmdd.testing` use the full one.
"""
import gzip
import importlib.util
import json
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

from transformers import CLIPTokenizer

BPE_FILE = 'bpe_simple_vocab_16e6.txt.gz'
CLIP_VOCAB_SIZE = 49408
CLIP_BOS, CLIP_EOS = '<|startoftext|>', '<|endoftext|>'


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
    printable = (
        list(range(ord('!'),
                   ord('~') + 1)) + list(range(ord('¡'),
                                               ord('¬') + 1)) +
        list(range(ord('®'),
                   ord('ÿ') + 1)))
    codes, extra = list(printable), 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return [chr(code) for code in codes]


def _bpe(word: str, ranks: Dict[Tuple[str, str],
                                int]) -> List[Tuple[str, str]]:
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
            json.dumps({
                token: i
                for i, token in enumerate(vocab)
            }))
        (root / 'merges.txt').write_text('#version: 0.2\n' +
                                         '\n'.join(merges) + '\n')
        (root / 'tokenizer_config.json').write_text(
            json.dumps(
                dict(tokenizer_class='CLIPTokenizer',
                     model_max_length=model_max_length, bos_token=CLIP_BOS,
                     eos_token=CLIP_EOS, unk_token=CLIP_EOS,
                     pad_token=CLIP_EOS)))
        return CLIPTokenizer.from_pretrained(folder)
