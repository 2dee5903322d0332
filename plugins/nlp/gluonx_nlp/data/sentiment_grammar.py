"""A generated labelled text set for sentiment classification (D2L 10.7-10.8) whose labels depend on negation
and word order, so that a bag of words cannot reach what a sequence model reaches.

Every review is one to three clauses ``<subject> <verb> [<negation>] [<intensifier>] <adjective>`` joined by
connectives. A clause's polarity is its adjective's polarity, flipped by a negation (``not``, ``never``,
``hardly``). The review's label is the polarity of the clause that carries the verdict:

- ``A but B``, ``A , yet B``, ``although A , B``: the clause after the contrast (B), whose polarity is the opposite
  of A's (the grammar only generates consistent contrasts);
- ``A and B``: both clauses agree;
- one clause: its own polarity.

Two reviews with the same words in another order (``the plot was not good but the cast was bad`` / ``the plot
was good but the cast was not bad``) get different labels, and ``not`` flips whatever adjective follows it
(an exclusive-or of two words that a linear model over word counts cannot represent). Filler words (``i think``,
``honestly``, ``overall``) vary the length from 3 to about 30 tokens.

The set is deterministic: ``seed`` draws the training reviews, ``seed + 1`` the test reviews; reviews of the test
split that also occur in the training split are redrawn, so the held-out accuracy measures generalisation.
"""
import numpy as np

from gluonx._validate import check_positive

from ..text.tokenizers import WordTokenizer
from ..text.vocab import Vocabulary

__all__ = ["SentimentGrammar", "CLASSES"]

CLASSES = ("negative", "positive")

_SUBJECTS = ("the movie", "the film", "the plot", "the acting", "the story", "the cast", "the music",
             "the ending", "the script", "the director", "this picture", "the dialogue", "the pacing",
             "the camera work", "the lead actor", "the soundtrack")
_VERBS = ("was", "is", "felt", "seemed", "looked", "turned out")
_POSITIVE = ("good", "great", "excellent", "wonderful", "superb", "brilliant", "enjoyable", "moving", "clever",
             "charming", "fresh", "gripping")
_NEGATIVE = ("bad", "awful", "terrible", "boring", "dull", "poor", "weak", "silly", "tedious", "predictable",
             "clumsy", "flat")
_NEGATIONS = ("not", "never", "hardly")
_INTENSIFIERS = ("very", "really", "quite", "truly", "rather")
_OPENERS = ("i think", "honestly ,", "overall ,", "to be fair ,", "in my opinion ,", "frankly ,")
_CONTRASTS = ("but", ", yet")


def _every_word():
    phrases = _SUBJECTS + _VERBS + _POSITIVE + _NEGATIVE + _NEGATIONS + _INTENSIFIERS + _OPENERS + _CONTRASTS
    words = {w for phrase in phrases for w in phrase.split()}
    return sorted(words | {"and", "although"})


class SentimentGrammar:
    """Generated movie-review sentences with a negation- and order-dependent sentiment label.

    Parameters
    ----------
    train : bool
        The training split (drawn with ``seed``) or the test split (``seed + 1``, reviews of the training split
        redrawn).
    num_samples : int, optional
        Reviews in the split (default 4,000 for training, 1,000 for test).
    seed : int
        Seed of the training split.

    Attributes
    ----------
    texts : list of str
        The reviews (lower case, tokens separated by single spaces).
    labels : numpy.ndarray
        ``(N,)`` int32, 0 = negative, 1 = positive.
    vocab : Vocabulary
        Every word the grammar can produce (the same for both splits) after ``<unk>``, ``<pad>``, ``<bos>``,
        ``<eos>``.
    classes : tuple of str
        ``("negative", "positive")``.

    Samples are ``(token ids (T,) int32, label)`` with a length per review (``lengths``); the
    ``text-classification`` task pads them into batches with valid lengths.

    References
    ----------
    D2L 10.7-10.8 (sentiment analysis with RNNs and CNNs, on IMDb reviews, which need a download).
    """

    tokenizer = WordTokenizer(lower=True)

    def __init__(self, train=True, num_samples=None, seed=0):
        if num_samples is None:
            num_samples = 4000 if train else 1000
        check_positive("num_samples", num_samples)
        self.train = bool(train)
        self.classes = CLASSES
        self.vocab = Vocabulary([_every_word()])
        exclude = set()
        if not train:
            exclude = set(_draw(np.random.RandomState(seed), 4000, set())[0])
        rng = np.random.RandomState(seed if train else seed + 1)
        self.texts, labels = _draw(rng, int(num_samples), exclude)
        self.labels = np.asarray(labels, dtype=np.int32)
        self._ids = [np.asarray(self.vocab[self.tokenizer(t)], dtype=np.int32) for t in self.texts]
        self.lengths = np.asarray([len(ids) for ids in self._ids], dtype=np.int64)

    @property
    def vocab_size(self):
        return len(self.vocab)

    @property
    def pad_index(self):
        return self.vocab.index_of("<pad>")

    def export_preprocessing(self):
        """The tokenizer and vocabulary an export records (``gluonx train`` saves them in its run file, so
        ``gluonx export RUN`` gives an export that ``gluonx predict`` feeds sentences)."""
        from ..text.deploy import text_preprocessing
        return text_preprocessing(self.vocab, self.tokenizer)

    def __len__(self):
        return len(self.texts)

    def __getitem__(self, idx):
        return self._ids[idx], int(self.labels[idx])


def _clause(rng, polarity):
    """Words of one clause whose polarity is ``polarity`` (+1 / -1)."""
    negated = rng.rand() < 0.5
    adjective_polarity = -polarity if negated else polarity
    words = [_SUBJECTS[rng.randint(len(_SUBJECTS))], _VERBS[rng.randint(len(_VERBS))]]
    if negated:
        words.append(_NEGATIONS[rng.randint(len(_NEGATIONS))])
    if rng.rand() < 0.3:
        words.append(_INTENSIFIERS[rng.randint(len(_INTENSIFIERS))])
    adjectives = _POSITIVE if adjective_polarity > 0 else _NEGATIVE
    words.append(adjectives[rng.randint(len(adjectives))])
    return " ".join(words)


def _review(rng):
    label = 1 if rng.rand() < 0.5 else -1
    form = rng.randint(5)
    if form == 0:
        text = _clause(rng, label)
    elif form == 1:
        text = "{} and {}".format(_clause(rng, label), _clause(rng, label))
    elif form == 2:
        text = "{} {} {}".format(_clause(rng, -label), _CONTRASTS[rng.randint(len(_CONTRASTS))], _clause(rng, label))
    elif form == 3:
        text = "although {} , {}".format(_clause(rng, -label), _clause(rng, label))
    else:  # three clauses: the verdict comes after the contrast
        text = "{} and {} but {}".format(_clause(rng, -label), _clause(rng, -label), _clause(rng, label))
    if rng.rand() < 0.3:
        text = _OPENERS[rng.randint(len(_OPENERS))] + " " + text
    return text, int(label > 0)


def _draw(rng, count, exclude):
    texts, labels, seen = [], [], set()
    while len(texts) < count:
        text, label = _review(rng)
        if text in exclude or text in seen:
            continue
        seen.add(text)
        texts.append(text)
        labels.append(label)
    return texts, labels
