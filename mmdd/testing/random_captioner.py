"""A random-weight BLIP captioner built from configs, offline.

For tests and for trying ``tools/prompts/caption_images.py`` without a
download: ``save_random_captioner(folder)`` writes a folder that
``Captioner.from_pretrained(folder)`` (and ``--model folder``) loads like
``Salesforce/blip-image-captioning-large``. Its captions are random words.
The tokenizer is BERT WordPiece (as BLIP's) over a small written vocabulary.
"""
from pathlib import Path
from typing import Union

WORDS = tuple(
    'a an the of on in with and at near two three photo picture man woman '
    'person people dog cat horse sheep cow bird boat car bus train bike '
    'plane bottle chair table sofa plant tv grass street room water sky '
    'field sitting standing red blue green white black small large'.split())
SPECIAL = ('[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '[DEC]')


def write_vocab(path: Union[str, Path]) -> Path:
    """A WordPiece vocabulary: the special tokens, then :data:`WORDS`."""
    path = Path(path)
    path.write_text('\n'.join(SPECIAL + WORDS) + '\n', encoding='utf-8')
    return path


def save_random_captioner(folder: Union[str, Path], image_size: int = 32,
                          seed: int = 0) -> Path:
    """Save a tiny random BLIP (model + processor) to ``folder``."""
    import torch
    from transformers import (BertTokenizer, BlipConfig,
                              BlipForConditionalGeneration,
                              BlipImageProcessorPil, BlipProcessor)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = BertTokenizer(
        str(write_vocab(folder / 'vocab.txt')), bos_token='[DEC]')
    ids = {token: i for i, token in enumerate(SPECIAL)}
    width = 32
    config = BlipConfig(
        vision_config=dict(hidden_size=width, intermediate_size=37,
                           num_hidden_layers=2, num_attention_heads=4,
                           image_size=image_size, patch_size=8,
                           projection_dim=width),
        text_config=dict(
            vocab_size=len(SPECIAL) + len(WORDS), hidden_size=width,
            encoder_hidden_size=width, intermediate_size=37,
            num_hidden_layers=2, num_attention_heads=4, projection_dim=width,
            max_position_embeddings=64, bos_token_id=ids['[DEC]'],
            pad_token_id=ids['[PAD]'], sep_token_id=ids['[SEP]'],
            eos_token_id=ids['[SEP]']), projection_dim=width,
        image_text_hidden_size=width)
    torch.manual_seed(seed)
    model = BlipForConditionalGeneration(config)
    with torch.no_grad():  # BLIP's small init makes every image alike
        for name, param in model.named_parameters():
            if param.dim() > 1:
                param.normal_(std=0.3)
    model.save_pretrained(folder)
    processor = BlipProcessor(
        BlipImageProcessorPil(size=dict(height=image_size, width=image_size)),
        tokenizer)
    processor.save_pretrained(folder)
    return folder
