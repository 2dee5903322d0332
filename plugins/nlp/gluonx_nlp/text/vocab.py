"""A vocabulary with reserved tokens and a minimum frequency (D2L 10.7.1 ``Vocab``).

Index order, the same as gluonnlp 0.10's ``Vocab`` for the same counter: the unknown token first, then the
reserved tokens in the order given, then the counted tokens by decreasing frequency, ties broken by the
token's string order. Tokens below ``min_freq`` (and beyond ``max_size``) map to the unknown token.
"""
import collections

from gluonx._validate import check_non_negative, check_positive

__all__ = ["Vocabulary", "count_tokens"]

DEFAULT_RESERVED = ("<pad>", "<bos>", "<eos>")


def count_tokens(sequences):
    """``collections.Counter`` of the tokens of an iterable of token lists (or of one token list)."""
    counter = collections.Counter()
    for item in sequences:
        if isinstance(item, str):
            counter[item] += 1
        else:
            counter.update(item)
    return counter


class Vocabulary:
    """Token <-> index mapping.

    Parameters
    ----------
    counter : collections.Counter or iterable of token lists, optional
        Token frequencies (a Counter), or token sequences to count.
    min_freq : int
        Tokens seen fewer times are left out (they map to ``unknown_token``).
    max_size : int, optional
        Keep at most this many counted tokens (reserved tokens not included), the most frequent.
    unknown_token : str
        Index 0; every unknown token maps to it.
    reserved_tokens : sequence of str
        Indices 1, 2, ...: by default ``<pad>``, ``<bos>``, ``<eos>``.
    """

    def __init__(self, counter=None, min_freq=1, max_size=None, unknown_token="<unk>",
                 reserved_tokens=DEFAULT_RESERVED):
        check_positive("min_freq", min_freq)
        if max_size is not None:
            check_non_negative("max_size", max_size)
        reserved_tokens = tuple(reserved_tokens or ())
        specials = (unknown_token,) + reserved_tokens
        if len(set(specials)) != len(specials):
            raise ValueError("unknown_token and reserved_tokens must be distinct, got {}".format(list(specials)))
        if counter is None:
            counter = collections.Counter()
        elif not isinstance(counter, collections.Counter):
            counter = count_tokens(counter)
        self.unknown_token = unknown_token
        self.reserved_tokens = reserved_tokens
        self.min_freq = int(min_freq)
        self.idx_to_token = list(specials)
        # Frequency descending, ties by token: the order gluonnlp uses (a stable sort of the sorted items).
        ranked = sorted(counter.items(), key=lambda kv: kv[0])
        ranked.sort(key=lambda kv: kv[1], reverse=True)
        special_set = set(specials)
        kept = 0
        for token, freq in ranked:
            if freq < self.min_freq or (max_size is not None and kept == int(max_size)):
                break
            if token in special_set:
                continue
            self.idx_to_token.append(token)
            kept += 1
        self.token_to_idx = {token: i for i, token in enumerate(self.idx_to_token)}
        self.token_freqs = {token: counter[token] for token in self.idx_to_token[len(specials):]}

    @property
    def unknown_index(self):
        return 0

    def index_of(self, token):
        """Index of one reserved token (e.g. ``vocab.index_of('<pad>')``); KeyError if it is not in the vocab."""
        if token not in self.token_to_idx:
            raise KeyError("{!r} is not in the vocabulary".format(token))
        return self.token_to_idx[token]

    def __len__(self):
        return len(self.idx_to_token)

    def __contains__(self, token):
        return token in self.token_to_idx

    def __getitem__(self, tokens):
        """Index of a token, or list of indices of a list of tokens (unknown tokens -> 0)."""
        if isinstance(tokens, (list, tuple)):
            return [self.token_to_idx.get(t, 0) for t in tokens]
        return self.token_to_idx.get(tokens, 0)

    def to_tokens(self, indices):
        """Token of an index, or the tokens of a list of indices."""
        if isinstance(indices, (list, tuple)) or hasattr(indices, "tolist"):
            indices = indices.tolist() if hasattr(indices, "tolist") else indices
            if isinstance(indices, list):
                return [self._token(i) for i in indices]
        return self._token(indices)

    def _token(self, index):
        index = int(index)
        if not 0 <= index < len(self.idx_to_token):
            raise IndexError("token index {} out of range [0, {})".format(index, len(self.idx_to_token)))
        return self.idx_to_token[index]

    def __repr__(self):
        return "Vocabulary(size={}, unknown={!r}, reserved={})".format(
            len(self), self.unknown_token, list(self.reserved_tokens))
