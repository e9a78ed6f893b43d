"""Which classes a caption mentions: stems, plurals, synonyms, phrases.

Only the prompt tools need this (to report how often captions already name
their classes); it imports nltk, so :mod:`mmdd.prompts` does not import it.
No downloaded nltk corpus is needed: a regexp tokenizer and the Snowball
stemmer need no data, unlike ``word_tokenize`` (``punkt``) or WordNet.
"""
from functools import lru_cache
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize import RegexpTokenizer

from .class_names import BACKGROUND
from .synonyms import COCO_SYNONYMS, NON_CLASS_PHRASES, VOC_SYNONYMS

# Used when no synonym table is given: keyed by class name, so a VOC list
# picks the VOC entries and a COCO list the COCO ones.
DEFAULT_SYNONYMS: Dict[str, Tuple[str, ...]] = {
    **COCO_SYNONYMS,
    **VOC_SYNONYMS
}
_TOKENIZER = RegexpTokenizer(r"[a-z0-9]+(?:'[a-z]+)?")
_STEMMER = SnowballStemmer('english')
# Plurals the stemmer does not bring back to their singular's stem.
_IRREGULAR = {
    'men': 'man',
    'women': 'woman',
    'children': 'child',
    'mice': 'mouse',
    'knives': 'knife',
    'leaves': 'leaf',
    'geese': 'goose',
    'oxen': 'ox',
    'calves': 'calf',
    'wolves': 'wolf',
    'shelves': 'shelf',
    'feet': 'foot',
    'teeth': 'tooth',
    'buses': 'bus',
    'busses': 'bus',
    'wives': 'wife',
    'loaves': 'loaf',
    'scarves': 'scarf',
    'halves': 'half',
    'policemen': 'policeman',
    'gentlemen': 'gentleman',
    'firemen': 'fireman',
    'cacti': 'cactus',
    'tvs': 'tv'
}


@lru_cache(maxsize=65536)
def normalize_word(word: str) -> str:
    """The key a word is matched by: its stem, plurals folded in.

    ``dogs``/``dog``, ``buses``/``bus`` and ``men``/``man`` share a key.
    Words of 5+ letters ending in -ing/-ed keep their full form: they are
    verbs far more often than class nouns (``training`` is not a train,
    ``planted`` not a plant), while ``potted``/``dining`` still match
    themselves.
    """
    word = word.lower()
    if word.endswith("'s"):
        word = word[:-2]
    word = _IRREGULAR.get(word.strip("'"), word.strip("'"))
    base = word[:-1] if word.endswith(('ings', 'eds')) else word
    if len(base) >= 5 and base.endswith(('ing', 'ed')):
        return base
    return _STEMMER.stem(word)


def _phrase_key(phrase: str) -> Tuple[str, ...]:
    return tuple(
        normalize_word(t) for t in _TOKENIZER.tokenize(phrase.lower()))


class ClassMatcher:
    """Finds the classes a caption mentions; build once, call many times.

    A class matches by its own name or any of its synonyms, as a phrase of
    normalised words. At each word the longest phrase wins and consumes its
    words, so ``hot dog`` is never a dog and ``teddy bear`` never a bear.
    """

    def __init__(self, class_names: Sequence[str],
                 synonyms: Optional[Mapping[str, Sequence[str]]] = None,
                 non_class_phrases: Sequence[str] = NON_CLASS_PHRASES):
        self.class_names = [c for c in class_names if c != BACKGROUND]
        synonyms = DEFAULT_SYNONYMS if synonyms is None else synonyms
        table: Dict[Tuple[str, ...], Optional[str]] = {
            _phrase_key(p): None
            for p in non_class_phrases
        }
        # A class's own name beats another class's synonym for it.
        owners = {_phrase_key(name): name for name in self.class_names}
        for name in self.class_names:
            for phrase in synonyms.get(name, ()):
                key = _phrase_key(phrase)
                owner = owners.setdefault(key, name)
                if owner != name and _phrase_key(owner) != key:
                    raise ValueError(
                        f'synonym {phrase!r} is claimed by classes {owner!r} '
                        f'and {name!r}; keep it for one of them')
        table.update(owners)
        table.pop((), None)
        self._table = table
        self._max_len = max(map(len, table), default=1)

    def __call__(self, caption: str) -> List[str]:
        """Mentioned classes, unique, in class-list order."""
        words = [
            normalize_word(t) for t in _TOKENIZER.tokenize(caption.lower())
        ]
        found, i = set(), 0
        while i < len(words):
            for length in range(min(self._max_len, len(words) - i), 0, -1):
                key = tuple(words[i:i + length])
                if key in self._table:
                    if self._table[key] is not None:
                        found.add(self._table[key])
                    i += length
                    break
            else:
                i += 1
        return [name for name in self.class_names if name in found]
