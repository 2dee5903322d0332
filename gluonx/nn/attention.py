"""Attention pooling: additive and scaled dot-product scores, masking by valid lengths, multi-head."""
import numbers

from mxnet import nd
from mxnet.gluon import nn

__all__ = ["masked_softmax", "DotProductAttention", "AdditiveAttention", "MultiHeadAttention"]

#: Score given to masked keys: exp(-1e6 - max) underflows to exactly 0 in float32 and float64.
MASKED_SCORE = -1e6


def masked_softmax(F, scores, valid_lens=None, rank=3):
    """Softmax over the last axis of ``scores`` where only the first ``valid_lens[b]`` keys count.

    Parameters
    ----------
    F : module
        ``mx.nd`` or ``mx.sym``.
    scores : NDArray or Symbol
        ``(batch, ..., num_keys)`` with ``rank`` axes (3 or 4).
    valid_lens : NDArray or Symbol, optional
        ``(batch,)``, integer or float: key ``k`` of example ``b`` is kept when ``k < valid_lens[b]``.
        Masked keys get the score ``-1e6``, hence a weight of exactly 0 (a row with no valid key gets
        uniform weights). ``None``: plain softmax.
    rank : int
        Number of axes of ``scores``.

    Returns
    -------
    NDArray or Symbol
        Attention weights of the shape of ``scores``, each row summing to 1.

    References
    ----------
    Dive into Deep Learning, section 10.12.2 (masked attention in the encoder-decoder), D2L 10.12.2.
    """
    if valid_lens is None:
        return F.softmax(scores, axis=-1)
    # SequenceMask masks along axis 1 per batch entry, so bring the key axis there and back.
    keys_second = F.swapaxes(scores, 1, rank - 1)
    masked = F.SequenceMask(keys_second, sequence_length=valid_lens, use_sequence_length=True,
                            value=MASKED_SCORE, axis=1)
    return F.softmax(F.swapaxes(masked, 1, rank - 1), axis=-1)


def _check_inputs(block, queries, keys, values, valid_lens):
    """Clear errors for the shapes that MXNet would reject deep inside an operator."""
    name = type(block).__name__
    for label, array in (("queries", queries), ("keys", keys), ("values", values)):
        if array.ndim != 3:
            raise ValueError("{} expects {} of shape (batch, steps, features), got shape {}".format(
                name, label, array.shape))
    batch, num_keys = keys.shape[:2]
    if queries.shape[0] != batch or values.shape[:2] != (batch, num_keys):
        raise ValueError("{} expects queries (batch, queries, d), keys (batch, keys, d) and values "
                         "(batch, keys, dv) with the same batch and number of keys, got shapes {}, {}, {}"
                         .format(name, queries.shape, keys.shape, values.shape))
    if block._queries_match_keys and queries.shape[2] != keys.shape[2]:
        raise ValueError("{} expects queries and keys of the same feature size, got shapes {} and {}"
                         .format(name, queries.shape, keys.shape))
    for label, size, array in (("queries", block._query_size, queries), ("keys", block._key_size, keys)):
        if size and array.shape[2] != size:
            raise ValueError("{} expects {} with {} features, got shape {}".format(name, label, size, array.shape))
    if valid_lens is not None and tuple(valid_lens.shape) != (batch,):
        raise ValueError("{} expects valid_lens of shape ({},) (one length per example), got shape {}"
                         .format(name, batch, valid_lens.shape))


def _check_dropout(name, dropout):
    if not isinstance(dropout, numbers.Real) or not 0 <= dropout < 1:
        raise ValueError("{}: dropout must be a number in [0, 1), got {!r}".format(name, dropout))


def _check_units(name, label, value):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError("{}: {} must be an integer >= 1, got {!r}".format(name, label, value))


class _AttentionBase(nn.HybridBlock):
    """Shared pooling: weights from scores (masked softmax), dropout on the weights, weighted values."""

    _queries_match_keys = False
    _query_size = 0
    _key_size = 0

    def __init__(self, dropout=0.0, return_weights=False, **kwargs):
        super().__init__(**kwargs)
        _check_dropout(type(self).__name__, dropout)
        self._return_weights = bool(return_weights)
        with self.name_scope():
            self.dropout = nn.Dropout(dropout) if dropout else None

    def forward(self, queries, keys, values, valid_lens=None):
        if isinstance(queries, nd.NDArray):
            _check_inputs(self, queries, keys, values, valid_lens)
        if valid_lens is None:
            return super().forward(queries, keys, values)
        return super().forward(queries, keys, values, valid_lens)

    def _pool(self, F, scores, values, valid_lens, rank=3):
        weights = masked_softmax(F, scores, valid_lens, rank)
        dropped = self.dropout(weights) if self.dropout is not None else weights
        return F.batch_dot(dropped, values), weights

    def _result(self, output, weights):
        return (output, weights) if self._return_weights else output


class DotProductAttention(_AttentionBase):
    """Scaled dot-product attention: ``softmax(Q K^T / sqrt(d)) V`` with masking by valid lengths.

    Parameters
    ----------
    dropout : float
        Dropout rate on the attention weights (training only).
    return_weights : bool
        Also return the attention weights ``(batch, num_queries, num_keys)`` (before dropout).

    Inputs:
        - **queries**: ``(batch, num_queries, d)``
        - **keys**: ``(batch, num_keys, d)``
        - **values**: ``(batch, num_keys, dv)``
        - **valid_lens** (optional): ``(batch,)`` integer or float; keys at positions ``>= valid_lens[b]``
          get weight exactly 0.

    Output: ``(batch, num_queries, dv)`` (and the weights if ``return_weights``).

    Examples
    --------
    >>> import mxnet as mx
    >>> attention = DotProductAttention()
    >>> q, k, v = mx.nd.ones((2, 1, 4)), mx.nd.ones((2, 5, 4)), mx.nd.ones((2, 5, 3))
    >>> attention(q, k, v, mx.nd.array([2, 5])).shape
    (2, 1, 3)

    References
    ----------
    Dive into Deep Learning, sections 10.11.1 (attention scores) and 10.11.3 (Transformer), D2L 10.11.
    """

    _queries_match_keys = True

    def hybrid_forward(self, F, queries, keys, values, valid_lens=None):
        scores = F.batch_dot(F.contrib.div_sqrt_dim(queries), keys, transpose_b=True)
        return self._result(*self._pool(F, scores, values, valid_lens))


class AdditiveAttention(_AttentionBase):
    """Additive (Bahdanau) attention: score ``a(q, k) = w_v^T tanh(W_q q + W_k k)``, masked softmax, pooling.

    Queries and keys may have different sizes.

    Parameters
    ----------
    units : int
        Hidden size ``h`` of the scoring MLP (``W_q``: ``h x dq``, ``W_k``: ``h x dk``, ``w_v``: ``h``).
    dropout : float
        Dropout rate on the attention weights (training only).
    return_weights : bool
        Also return the attention weights ``(batch, num_queries, num_keys)`` (before dropout).
    query_units, key_units : int
        Query and key sizes; ``0`` infers them from the first input.

    Inputs and output: as :class:`DotProductAttention` (``queries`` may have any feature size ``dq``).

    Examples
    --------
    >>> import mxnet as mx
    >>> attention = AdditiveAttention(units=8); attention.initialize()
    >>> q, k, v = mx.nd.ones((2, 1, 20)), mx.nd.ones((2, 10, 2)), mx.nd.ones((2, 10, 4))
    >>> attention(q, k, v, mx.nd.array([2, 6])).shape
    (2, 1, 4)

    References
    ----------
    Dive into Deep Learning, section 10.11.1 (computing the context variable, MLP score), D2L 10.11.1;
    Bahdanau, Cho & Bengio (2015).
    """

    def __init__(self, units, dropout=0.0, return_weights=False, query_units=0, key_units=0, **kwargs):
        super().__init__(dropout=dropout, return_weights=return_weights, **kwargs)
        _check_units(type(self).__name__, "units", units)
        self._units = units
        self._query_size = query_units
        self._key_size = key_units
        with self.name_scope():
            self.query_projection = nn.Dense(units, use_bias=False, flatten=False, in_units=query_units)
            self.key_projection = nn.Dense(units, use_bias=False, flatten=False, in_units=key_units)
            self.score = nn.Dense(1, use_bias=False, flatten=False, in_units=units)

    def hybrid_forward(self, F, queries, keys, values, valid_lens=None):
        # (batch, queries, 1, h) + (batch, 1, keys, h): every query-key pair.
        features = F.broadcast_add(F.expand_dims(self.query_projection(queries), axis=2),
                                   F.expand_dims(self.key_projection(keys), axis=1))
        scores = F.reshape(self.score(F.tanh(features)), shape=(0, 0, -1))
        return self._result(*self._pool(F, scores, values, valid_lens))


class MultiHeadAttention(_AttentionBase):
    """Multi-head scaled dot-product attention.

    Queries, keys and values are projected to ``units`` features, split into ``num_heads`` heads of
    ``units / num_heads`` features, attended per head (with the same valid lengths), concatenated and
    projected by ``W_o``. The heads are a reshape and a transpose, so the block hybridizes and exports.

    Parameters
    ----------
    units : int
        Model size; must be divisible by ``num_heads``.
    num_heads : int
        Number of heads.
    dropout : float
        Dropout rate on the attention weights (training only).
    use_bias : bool
        Whether the four projections have biases.
    return_weights : bool
        Also return the attention weights ``(batch, num_heads, num_queries, num_keys)``.
    in_units : int
        Feature size of queries, keys and values when known (``0``: inferred from the first input).

    Attributes
    ----------
    query_projection, key_projection, value_projection, output_projection : nn.Dense
        ``W_q``, ``W_k``, ``W_v`` and ``W_o``; head ``i`` uses rows ``i*dh:(i+1)*dh`` of the first three.

    Inputs: as :class:`DotProductAttention`. Output: ``(batch, num_queries, units)``.

    Examples
    --------
    >>> import mxnet as mx
    >>> attention = MultiHeadAttention(units=8, num_heads=2); attention.initialize()
    >>> x = mx.nd.ones((2, 4, 8))
    >>> attention(x, x, x, mx.nd.array([3, 2])).shape
    (2, 4, 8)

    References
    ----------
    Dive into Deep Learning, section 10.11.3 (developments: the Transformer's multi-head attention),
    D2L 10.11.3; Vaswani et al. (2017).
    """

    def __init__(self, units, num_heads, dropout=0.0, use_bias=False, return_weights=False, in_units=0,
                 **kwargs):
        super().__init__(dropout=dropout, return_weights=return_weights, **kwargs)
        name = type(self).__name__
        _check_units(name, "units", units)
        _check_units(name, "num_heads", num_heads)
        if units % num_heads:
            raise ValueError("{}: units ({}) must be divisible by num_heads ({})".format(name, units, num_heads))
        self._units = units
        self._num_heads = num_heads
        self._query_size = self._key_size = in_units
        with self.name_scope():
            self.query_projection = nn.Dense(units, use_bias=use_bias, flatten=False, in_units=in_units)
            self.key_projection = nn.Dense(units, use_bias=use_bias, flatten=False, in_units=in_units)
            self.value_projection = nn.Dense(units, use_bias=use_bias, flatten=False, in_units=in_units)
            self.output_projection = nn.Dense(units, use_bias=use_bias, flatten=False, in_units=units)

    def _split_heads(self, F, x):
        """``(batch, steps, units)`` to ``(batch, heads, steps, units / heads)``."""
        return F.transpose(F.reshape(x, shape=(0, 0, self._num_heads, -1)), axes=(0, 2, 1, 3))

    def hybrid_forward(self, F, queries, keys, values, valid_lens=None):
        queries = self._split_heads(F, self.query_projection(queries))
        keys = self._split_heads(F, self.key_projection(keys))
        values = self._split_heads(F, self.value_projection(values))
        scores = F.batch_dot(F.contrib.div_sqrt_dim(queries), keys, transpose_b=True)
        heads, weights = self._pool(F, scores, values, valid_lens, rank=4)
        merged = F.reshape(F.transpose(heads, axes=(0, 2, 1, 3)), shape=(0, 0, -1))
        return self._result(self.output_projection(merged), weights)

    def __repr__(self):
        return "{}(units={}, num_heads={})".format(type(self).__name__, self._units, self._num_heads)
