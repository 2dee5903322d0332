"""Text preprocessing recorded in an export manifest: sentences become token ids and valid lengths.

A text model's manifest carries, in ``preprocessing``, everything a deployment needs to turn a sentence into
the model's inputs, as JSON (never a pickle)::

    {"kind": "text",
     "tokenizer": {"type": "word", "lower": true, "split_punctuation": false},
     "vocabulary": ["<unk>", "<pad>", "<bos>", "<eos>", "the", ...],
     "unknown_token": "<unk>", "pad_token": "<pad>",
     "bos_token": null, "eos_token": null, "max_length": null}

The first input is the ``(N, T)`` integer token ids, padded with the pad token's id; a second input, if the
model has one, is the ``(N,)`` valid lengths. A token outside the vocabulary becomes the unknown token's id;
``bos_token``/``eos_token`` (when set) are added around every sentence; ``max_length`` truncates.

Tokenizers (one implementation, shared with the NLP plugin's ``WordTokenizer`` and ``CharTokenizer``):

- ``word``: whitespace split (D2L 10.7.1), or with ``split_punctuation`` words and single punctuation marks
  (D2L 10.12.1); ``lower`` lower-cases first; non-breaking spaces count as spaces;
- ``char``: characters of the line (``keep_spaces``: spaces are tokens too, D2L 6.3), ``lower`` optional.
"""
import re

import numpy as np

__all__ = ["TEXT_KIND", "TOKENIZER_TYPES", "tokenize", "validate_text_preprocessing", "prepare_text",
           "is_text_preprocessing"]

TEXT_KIND = "text"
#: Tokenizer type -> its options and their defaults.
TOKENIZER_TYPES = {"word": {"lower": False, "split_punctuation": False},
                   "char": {"lower": False, "keep_spaces": True}}
_KEYS = ("kind", "tokenizer", "vocabulary", "unknown_token", "pad_token", "bos_token", "eos_token", "max_length")

# Words (letters, digits, apostrophes inside words) or one punctuation mark each.
_WORDS_AND_PUNCTUATION = re.compile(r"\w+(?:'\w+)*|[^\w\s]", re.UNICODE)
# Non-breaking spaces (the Tatoeba pairs of D2L 10.12.1 have them) count as spaces.
_NON_BREAKING = str.maketrans({"\u202f": " ", "\xa0": " "})


def is_text_preprocessing(preprocessing):
    """True for a ``{"kind": "text", ...}`` preprocessing record."""
    return isinstance(preprocessing, dict) and preprocessing.get("kind") == TEXT_KIND


def _tokenizer_spec(spec):
    if not isinstance(spec, dict) or spec.get("type") not in TOKENIZER_TYPES:
        raise ValueError("text preprocessing: tokenizer must be a dict with type one of {}, got {!r}".format(
            sorted(TOKENIZER_TYPES), spec))
    options = TOKENIZER_TYPES[spec["type"]]
    unknown = set(spec) - set(options) - {"type"}
    if unknown:
        raise ValueError("text preprocessing: tokenizer {!r} takes {}, got unknown {}".format(
            spec["type"], sorted(options), sorted(unknown)))
    out = {"type": spec["type"]}
    out.update({key: bool(spec.get(key, default)) for key, default in options.items()})
    return out


def tokenize(line, spec):
    """Tokens of one ``line`` (a str) by the tokenizer ``spec`` (``{"type": "word", "lower": True}``...)."""
    if not isinstance(line, str):
        raise TypeError("expected a str to tokenize, got {}".format(type(line).__name__))
    spec = _tokenizer_spec(spec)
    if spec["type"] == "char":
        line = line.rstrip("\r\n")
        if spec["lower"]:
            line = line.lower()
        return [c for c in line if spec["keep_spaces"] or not c.isspace()]
    line = line.translate(_NON_BREAKING)
    if spec["lower"]:
        line = line.lower()
    if spec["split_punctuation"]:
        return _WORDS_AND_PUNCTUATION.findall(line)
    return line.split()


def validate_text_preprocessing(preprocessing, input_shapes):
    """Check and normalize a text preprocessing record for a model whose inputs have ``input_shapes``.

    Raises
    ------
    ValueError
        For unknown keys or tokenizer options, a vocabulary that is not a list of distinct strings, special
        tokens missing from it, a first input that is not ``(N, T)``, or more than two inputs.
    """
    unknown = set(preprocessing) - set(_KEYS)
    if unknown:
        raise ValueError("text preprocessing: unknown keys {}; expected some of {}".format(sorted(unknown),
                                                                                           list(_KEYS)))
    out = {"kind": TEXT_KIND, "tokenizer": _tokenizer_spec(preprocessing.get("tokenizer"))}
    vocabulary = preprocessing.get("vocabulary")
    if (not isinstance(vocabulary, (list, tuple)) or not vocabulary
            or not all(isinstance(t, str) for t in vocabulary)):
        raise ValueError("text preprocessing: vocabulary must be a non-empty list of token strings (index order)")
    if len(set(vocabulary)) != len(vocabulary):
        raise ValueError("text preprocessing: the vocabulary repeats tokens")
    out["vocabulary"] = list(vocabulary)
    for key in ("unknown_token", "pad_token", "bos_token", "eos_token"):
        token = preprocessing.get(key)
        if token is None and key in ("unknown_token", "pad_token"):
            raise ValueError("text preprocessing: {} is required".format(key))
        if token is not None and token not in out["vocabulary"]:
            raise ValueError("text preprocessing: {} {!r} is not in the vocabulary".format(key, token))
        out[key] = token
    max_length = preprocessing.get("max_length")
    if max_length is not None and (isinstance(max_length, bool) or int(max_length) != max_length or max_length < 1):
        raise ValueError("text preprocessing: max_length must be a positive integer, got {!r}".format(max_length))
    out["max_length"] = None if max_length is None else int(max_length)
    if not input_shapes or len(input_shapes[0]) != 2 or len(input_shapes) > 2:
        raise ValueError("text preprocessing needs token ids (N, T) as the first input and optionally valid "
                         "lengths (N,) as the second, got inputs of shapes {}".format([tuple(s) for s in input_shapes]))
    return out


def prepare_text(texts, preprocessing):
    """Token ids ``(N, T)`` int32 (padded) and valid lengths ``(N,)`` int32 of ``texts`` (a str or a list of
    str), as the manifest's text ``preprocessing`` says.

    Raises
    ------
    ValueError
        When a sentence has no token.
    """
    if isinstance(texts, str):
        texts = [texts]
    index = {token: i for i, token in enumerate(preprocessing["vocabulary"])}
    unknown = index[preprocessing["unknown_token"]]
    sequences = []
    for number, text in enumerate(texts):
        tokens = tokenize(text, preprocessing["tokenizer"])
        if preprocessing.get("bos_token"):
            tokens = [preprocessing["bos_token"]] + tokens
        if preprocessing.get("eos_token"):
            tokens = tokens + [preprocessing["eos_token"]]
        if preprocessing.get("max_length"):
            tokens = tokens[:preprocessing["max_length"]]
        if not tokens:
            raise ValueError("sentence {} ({!r}) has no token after tokenization".format(number, text))
        sequences.append([index.get(t, unknown) for t in tokens])
    if not sequences:
        raise ValueError("no sentence given")
    width = max(len(s) for s in sequences)
    ids = np.full((len(sequences), width), index[preprocessing["pad_token"]], dtype=np.int32)
    for row, sequence in enumerate(sequences):
        ids[row, :len(sequence)] = sequence
    return ids, np.asarray([len(s) for s in sequences], dtype=np.int32)
