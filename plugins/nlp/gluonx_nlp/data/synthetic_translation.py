"""A deterministic generated parallel corpus for machine translation (D2L 10.12, DL 12.4.5): an English-like
subject-verb-object source and an invented subject-object-verb target with gender/number agreement, case
particles and inflection, so that a translator must reorder, agree and inflect, on sentences of 3 to 17 words.

Source grammar (English word order)::

    S   -> NP [PP] V_intr [ADV] .  |  NP [PP] V_tr NP [ADV] .
    NP  -> DET [ADJ] N               DET: the (definite), a / some (indefinite singular / plural)
    PP  -> PREP NP                   e.g. "the cat near a house"
    V   -> present (sees / see by the subject's number), past (saw), or negated (does not see / did not see)

Target (verb last, modifiers first)::

    S   -> [NP PREP'] NP ga [NP wo] [ADV'] [ne] V' .
    NP  -> DET' N' [ADJ']            article, noun and adjective agree in gender (m/f) and number

Target nouns have a gender of their own; the article (``lo la los las`` / ``un una unos unas``) and the
adjective ending (``-o -a -os -as``) agree with it and with the number; the verb ending shows tense and the
subject's number (``-e -en`` present, ``-i -in`` past). A prepositional phrase becomes a postposition that
precedes its noun phrase, the adverb moves before the verb.
"""
import numpy as np

from ..text.vocab import Vocabulary

__all__ = ["SyntheticTranslation", "generate_pairs", "translation_vocabulary"]

# English singular, English plural, target stem, target gender
NOUNS = [("cat", "cats", "gat", "m"), ("dog", "dogs", "can", "m"), ("bird", "birds", "avi", "f"),
         ("house", "houses", "cas", "f"), ("tree", "trees", "arbol", "m"), ("book", "books", "libr", "m"),
         ("table", "tables", "mes", "f"), ("flower", "flowers", "flor", "f"), ("child", "children", "nin", "m"),
         ("woman", "women", "donn", "f"), ("man", "men", "uom", "m"), ("river", "rivers", "fium", "m"),
         ("city", "cities", "citt", "f"), ("horse", "horses", "cavall", "m"), ("moon", "moons", "lun", "f"),
         ("letter", "letters", "letter", "f")]
ADJECTIVES = [("big", "grand"), ("small", "piccol"), ("red", "ross"), ("old", "vecchi"), ("new", "nuov"),
              ("happy", "felic"), ("black", "ner"), ("white", "bianc"), ("quiet", "calm"), ("tall", "alt")]
# present 3rd singular, present plural, past, target stem
TRANSITIVE = [("sees", "see", "saw", "vid"), ("likes", "like", "liked", "am"), ("finds", "find", "found", "trov"),
              ("follows", "follow", "followed", "segu"), ("hears", "hear", "heard", "sent"),
              ("paints", "paint", "painted", "dipins"), ("carries", "carry", "carried", "port"),
              ("watches", "watch", "watched", "guard")]
INTRANSITIVE = [("sleeps", "sleep", "slept", "dorm"), ("runs", "run", "ran", "corr"),
                ("sings", "sing", "sang", "cant"), ("waits", "wait", "waited", "aspett"),
                ("laughs", "laugh", "laughed", "rid")]
ADVERBS = [("quickly", "rapid"), ("slowly", "lent"), ("today", "oggi"), ("again", "ancor"), ("here", "qui")]
PREPOSITIONS = [("near", "pres"), ("behind", "dietr"), ("under", "sott"), ("with", "kon")]

_ARTICLES = {("def", "m", False): "lo", ("def", "f", False): "la", ("def", "m", True): "los",
             ("def", "f", True): "las", ("indef", "m", False): "un", ("indef", "f", False): "una",
             ("indef", "m", True): "unos", ("indef", "f", True): "unas"}
_ENDINGS = {("m", False): "o", ("f", False): "a", ("m", True): "os", ("f", True): "as"}
SUBJECT_PARTICLE, OBJECT_PARTICLE, NEGATION = "ga", "wo", "ne"


def _noun_phrase(rng):
    """One noun phrase as (source words, target words, plural)."""
    noun = NOUNS[rng.randint(len(NOUNS))]
    plural = bool(rng.rand() < 0.4)
    definite = bool(rng.rand() < 0.6)
    if definite:
        source = ["the"]
    else:
        source = ["some" if plural else "a"]
    gender = noun[3]
    target = [_ARTICLES["def" if definite else "indef", gender, plural], noun[2] + _ENDINGS[gender, plural]]
    if rng.rand() < 0.5:
        adjective = ADJECTIVES[rng.randint(len(ADJECTIVES))]
        source.append(adjective[0])
        target.append(adjective[1] + _ENDINGS[gender, plural])
    source.append(noun[1] if plural else noun[0])
    return source, target, plural


def _sentence(rng):
    subject_src, subject_tgt, plural = _noun_phrase(rng)
    modifier_src, modifier_tgt = [], []
    if rng.rand() < 0.3:
        preposition = PREPOSITIONS[rng.randint(len(PREPOSITIONS))]
        np_src, np_tgt, _ = _noun_phrase(rng)
        modifier_src, modifier_tgt = [preposition[0]] + np_src, np_tgt + [preposition[1]]
    transitive = bool(rng.rand() < 0.65)
    verbs = TRANSITIVE if transitive else INTRANSITIVE
    verb = verbs[rng.randint(len(verbs))]
    tense = rng.randint(3)  # 0 present, 1 past, 2 negated
    past = bool(tense == 1 or (tense == 2 and rng.rand() < 0.5))
    if tense == 2:
        verb_src = ["did" if past else ("do" if plural else "does"), "not", verb[1]]
    else:
        verb_src = [verb[2] if past else (verb[1] if plural else verb[0])]
    verb_tgt = ([NEGATION] if tense == 2 else []) + [verb[3] + ("i" if past else "e") + ("n" if plural else "")]
    object_src, object_tgt = [], []
    if transitive:
        object_src, object_tgt, _ = _noun_phrase(rng)
        object_tgt = object_tgt + [OBJECT_PARTICLE]
    adverb_src, adverb_tgt = [], []
    if rng.rand() < 0.3:
        adverb = ADVERBS[rng.randint(len(ADVERBS))]
        adverb_src, adverb_tgt = [adverb[0]], [adverb[1]]
    source = subject_src + modifier_src + verb_src + object_src + adverb_src + ["."]
    target = modifier_tgt + subject_tgt + [SUBJECT_PARTICLE] + object_tgt + adverb_tgt + verb_tgt + ["."]
    return source, target


def generate_pairs(count, seed=0):
    """``count`` distinct (source words, target words) pairs drawn with ``numpy.random.RandomState(seed)``."""
    rng = np.random.RandomState(seed)
    seen, pairs = set(), []
    while len(pairs) < count:
        source, target = _sentence(rng)
        key = " ".join(source)
        if key not in seen:
            seen.add(key)
            pairs.append((source, target))
    return pairs


def translation_vocabulary():
    """One vocabulary for both languages: every word form the grammar can produce (so the training and test
    splits share it), after ``<unk> <pad> <bos> <eos>``, in sorted order."""
    words = {".", "the", "a", "some", "does", "do", "did", "not", SUBJECT_PARTICLE, OBJECT_PARTICLE, NEGATION}
    words.update(_ARTICLES.values())
    for singular, plural, stem, gender in NOUNS:
        words.update([singular, plural, stem + _ENDINGS[gender, False], stem + _ENDINGS[gender, True]])
    for english, stem in ADJECTIVES:
        words.add(english)
        words.update(stem + ending for ending in _ENDINGS.values())
    for present, plural, past, stem in TRANSITIVE + INTRANSITIVE:
        words.update([present, plural, past] + [stem + t + n for t in "ie" for n in ("", "n")])
    for english, target in ADVERBS + PREPOSITIONS:
        words.update([english, target])
    return Vocabulary({word: 1 for word in sorted(words)})


class SyntheticTranslation:
    """The generated English-like to SOV translation corpus as token-id pairs (D2L 10.12, DL 12.4.5).

    ``num_train + num_test`` distinct sentences are drawn from one seeded generator; the first ``num_train``
    are the training split, the rest the test split (no test source sentence occurs in training).

    Parameters
    ----------
    train : bool
        Training split (True) or test split.
    num_train, num_test : int
        Split sizes.
    seed : int
        Seed of the generator (the same seed gives the same corpus on every machine).

    Attributes
    ----------
    vocab : Vocabulary
        Shared by source and target (``<unk>=0, <pad>=1, <bos>=2, <eos>=3``).
    vocab_size : int
    pairs : list of (list of str, list of str)
        The split's sentences as words.

    Samples are ``(source ids, target ids)`` lists without ``<bos>``/``<eos>``.

    Examples
    --------
    >>> data = SyntheticTranslation(train=True, num_train=5, num_test=1)
    >>> data.pairs[0]                                                   # doctest: +SKIP
    (['the', 'dog', 'did', 'not', 'find', 'the', 'red', 'letter', '.'],
     ['lo', 'cano', 'ga', 'la', 'lettera', 'rossa', 'wo', 'ne', 'trovi', '.'])
    """

    def __init__(self, train=True, num_train=8000, num_test=500, seed=0):
        for name, value in (("num_train", num_train), ("num_test", num_test)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError("synthetic_translation: {} must be a positive integer, got {!r}".format(name, value))
        pairs = generate_pairs(int(num_train) + int(num_test), seed=seed)
        self.pairs = pairs[:num_train] if train else pairs[num_train:]
        self.vocab = translation_vocabulary()
        self.vocab_size = len(self.vocab)
        self._ids = [(self.vocab[s], self.vocab[t]) for s, t in self.pairs]

    def __len__(self):
        return len(self._ids)

    def __getitem__(self, idx):
        return self._ids[idx]
