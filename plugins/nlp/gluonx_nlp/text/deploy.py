"""What an export of a text model records so that ``gluonx predict`` takes sentences: the tokenizer's spec and
the vocabulary, as JSON in the manifest (:mod:`gluonx.deploy.text_preprocessing`)."""

__all__ = ["text_preprocessing"]


def text_preprocessing(vocab, tokenizer, pad_token="<pad>", bos_token=None, eos_token=None, max_length=None):
    """The ``preprocessing`` argument of :func:`gluonx.export` for a model fed ``vocab`` ids of ``tokenizer``'s
    tokens.

    Parameters
    ----------
    vocab : Vocabulary
        Index order = the model's token ids; its unknown token maps words it lacks.
    tokenizer : WordTokenizer or CharTokenizer
        Anything with ``spec()``.
    pad_token, bos_token, eos_token : str or None
        Padding (required) and the tokens added around each sentence (none by default).
    max_length : int, optional
        Truncate longer sentences.

    Returns
    -------
    dict
        ``{"kind": "text", "tokenizer": ..., "vocabulary": [...], ...}``.

    Examples
    --------
    >>> gluonx.export(net, "exports/sentiment", inputs, class_names=["negative", "positive"],
    ...               preprocessing=text_preprocessing(vocab, WordTokenizer(lower=True)))   # doctest: +SKIP
    """
    return {"kind": "text", "tokenizer": tokenizer.spec(), "vocabulary": list(vocab.idx_to_token),
            "unknown_token": vocab.unknown_token, "pad_token": pad_token, "bos_token": bos_token,
            "eos_token": eos_token, "max_length": max_length}
