"""textCNN (Kim 2014) for sentiment classification (D2L 10.8), masked by valid lengths.

The book's model: two embeddings of the tokens concatenated (one trained, one kept constant, both loaded with
GloVe vectors), 1-D convolutions of several widths with ReLU, max-over-time pooling of each channel, dropout and
a linear layer. Here padding does not change the logits:

- the embeddings of padded steps are set to zero (``SequenceMask``), so a window that reaches past the end sees
  zeros, whatever the pad tokens are;
- ``max(kernel_sizes) - 1`` zero steps are appended, so a review shorter than a kernel still has one window
  (the book's model fails on such a review);
- a kernel of width ``k`` keeps the windows starting at ``0 .. max(valid_length - k, 0)`` only: later windows
  exist only because of padding. The others are set to 0 before the max, which changes nothing because ReLU
  outputs are >= 0.

For a review at least as long as the widest kernel, with no padding, the logits are the book's.
"""
from mxnet.gluon import nn

from gluonx._validate import check_positive

__all__ = ["TextCNN", "text_cnn"]


class WindowConvolution(nn.HybridBlock):
    """``nn.Conv1D`` with ReLU, without its ``layout='NCW'`` attribute: ``mx.onnx``'s Convolution converter
    refuses any layout but NCHW / NCDHW, while the operator without a layout is the same 1-D convolution (a
    (1, width) ``Conv2D`` would convert too, but fails in MKL-DNN's backward pass when shapes change)."""

    def __init__(self, channels, width, in_channels, **kwargs):
        super().__init__(**kwargs)
        self._channels, self._width = channels, width
        with self.name_scope():
            self.weight = self.params.get("weight", shape=(channels, in_channels, width))
            self.bias = self.params.get("bias", shape=(channels,), init="zeros")

    def hybrid_forward(self, F, x, weight, bias):
        return F.relu(F.Convolution(x, weight, bias, kernel=(self._width,), num_filter=self._channels))


class TextCNN(nn.HybridBlock):
    """Two embeddings, parallel 1-D convolutions, max-over-time pooling masked by valid lengths, a linear layer.

    Parameters
    ----------
    vocab_size : int
        Number of token ids.
    num_classes : int
        Output classes.
    embed_size : int
        Dimension of each embedding (100 in the book).
    kernel_sizes : sequence of int
        Convolution widths (3, 4, 5 in the book).
    num_channels : sequence of int
        Output channels per width (100 each in the book).
    dropout : float
        Dropout before the linear layer (0.5 in the book).
    constant_embedding : bool
        Add the book's second, constant embedding (``grad_req='null'``: pretrained vectors stay as loaded).

    Inputs: ``tokens`` (N, T) integer ids and ``valid_length`` (N,) with ``1 <= valid_length <= T``.
    Output: logits (N, num_classes).

    References
    ----------
    D2L 10.8 (sentiment analysis with convolutional networks); Kim, "Convolutional neural networks for sentence
    classification", EMNLP 2014.
    """

    def __init__(self, vocab_size, num_classes=2, embed_size=100, kernel_sizes=(3, 4, 5), num_channels=(100, 100, 100),
                 dropout=0.5, constant_embedding=True, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        for label, value in (("vocab_size", vocab_size), ("num_classes", num_classes), ("embed_size", embed_size)):
            check_positive("{} {}".format(name, label), value)
        kernel_sizes, num_channels = [int(k) for k in kernel_sizes], [int(c) for c in num_channels]
        if not kernel_sizes or len(kernel_sizes) != len(num_channels) or min(kernel_sizes + num_channels) < 1:
            raise ValueError("{}: kernel_sizes and num_channels must be equally long lists of positive integers, "
                             "got {} and {}".format(name, kernel_sizes, num_channels))
        if not 0 <= dropout < 1:
            raise ValueError("{}: dropout must be in [0, 1), got {!r}".format(name, dropout))
        self._kernel_sizes = kernel_sizes
        self._has_constant = bool(constant_embedding)
        with self.name_scope():
            self.embedding = nn.Embedding(vocab_size, embed_size)
            if self._has_constant:
                self.constant_embedding = nn.Embedding(vocab_size, embed_size)
                self.constant_embedding.weight.grad_req = "null"
            self.convs = nn.HybridSequential(prefix="conv_")
            for width, channels in zip(kernel_sizes, num_channels):
                self.convs.add(WindowConvolution(channels, width, embed_size * (2 if self._has_constant else 1)))
            self.dropout = nn.Dropout(dropout)
            self.decoder = nn.Dense(num_classes, in_units=sum(num_channels))

    def hybrid_forward(self, F, tokens, valid_length):
        lengths = F.cast(valid_length, "float32")
        embedded = self.embedding(tokens)
        if self._has_constant:
            embedded = F.concat(embedded, self.constant_embedding(tokens), dim=2)
        embedded = F.SequenceMask(embedded, lengths, use_sequence_length=True, axis=1, value=0)  # (N, T, C)
        extra = max(self._kernel_sizes) - 1
        if extra:
            step = F.zeros_like(F.slice_axis(embedded, axis=1, begin=0, end=1))
            embedded = F.concat(embedded, F.broadcast_axis(step, axis=1, size=extra), dim=1)
        embedded = F.transpose(embedded, axes=(0, 2, 1))  # (N, C, T), channels first
        pooled = []
        for width, conv in zip(self._kernel_sizes, self.convs):
            windows = F.clip(lengths - (width - 1), 1, 1e9)  # windows that start inside the review
            features = F.swapaxes(conv(embedded), 1, 2)  # (N, windows, channels)
            features = F.SequenceMask(features, windows, use_sequence_length=True, axis=1, value=0)
            pooled.append(F.max(features, axis=1))
        return self.decoder(self.dropout(F.concat(*pooled, dim=1)))

    def embeddings(self):
        """The embedding layers that pretrained vectors go into (:func:`load_pretrained_vectors`)."""
        return [self.embedding] + ([self.constant_embedding] if self._has_constant else [])


def text_cnn(vocab_size, num_classes=2, **kwargs):
    """Build a :class:`TextCNN` (uninitialized); keyword arguments are passed on.

    References
    ----------
    D2L 10.8.
    """
    return TextCNN(vocab_size, num_classes=num_classes, **kwargs)
