"""Metrics that accumulate on the device and are read once per log interval.

``mx.metric.Accuracy.update`` calls ``asnumpy`` on every batch, which stalls MXNet's asynchronous engine.
These metrics keep running sums as NDArrays on each device; only :meth:`DeviceMetric.get` reads them (one
named sync point). Sample counts are known on the host, so they cost nothing.
"""
import math

import mxnet as mx

from ..utils.sync import sync_point


class DeviceMetric:
    """Base class: per-device running sums, read by :meth:`get`.

    Subclasses implement :meth:`batch_sum` returning an NDArray scalar (the sum over the batch) and the
    number of items it covers.
    """

    name = "metric"
    higher_is_better = True

    def __init__(self, name=None):
        if name is not None:
            self.name = name
        self.reset()

    def reset(self):
        """Forget the accumulated values."""
        self._sums = {}
        self._count = 0

    def batch_sum(self, label, output):
        """Return ``(sum over the batch as a 1-element NDArray, number of items)``."""
        raise NotImplementedError

    def update(self, labels, outputs):
        """Accumulate one batch given per-device lists (or single arrays) of labels and outputs."""
        if isinstance(labels, mx.nd.NDArray):
            labels, outputs = [labels], [outputs]
        for label, output in zip(labels, outputs):
            value, count = self.batch_sum(label, output)
            key = value.context
            self._sums[key] = value if key not in self._sums else self._sums[key] + value
            self._count += count

    def totals(self):
        """``(sum, count)`` accumulated since the last reset; blocks (a named sync point, ``"metric"``)."""
        with sync_point("metric"):
            total = sum(float(value.asscalar()) for value in self._sums.values())
        return total, self._count

    def value(self, total, count):
        """The metric's value from accumulated ``(total, count)``: the mean (subclasses may transform it)."""
        return total / count if count else float("nan")

    def get(self):
        """``(name, value)``; blocks on the engine (a named sync point, ``"metric"``)."""
        total, count = self.totals()
        return self.name, self.value(total, count)


class Accuracy(DeviceMetric):
    """Top-1 classification accuracy from logits or probabilities of shape ``(N, C)``."""

    name = "accuracy"

    def batch_sum(self, label, output):
        predicted = mx.nd.argmax(output, axis=-1)
        label = label.astype(predicted.dtype, copy=False)
        if label.shape != predicted.shape:
            label = label.reshape(predicted.shape)
        # a float32 count is exact up to 2**24 samples per batch; the window sums are exact float64 reads
        return (predicted == label).sum(), predicted.size


class TopKAccuracy(DeviceMetric):
    """Top-k accuracy: the label is among the ``k`` highest scores."""

    def __init__(self, top_k=5, name=None):
        if top_k < 1:
            raise ValueError("top_k must be at least 1, got {}".format(top_k))
        self.top_k = top_k
        super().__init__(name or "top_{}_accuracy".format(top_k))

    def batch_sum(self, label, output):
        top = mx.nd.topk(output, axis=-1, k=self.top_k, ret_typ="indices").astype("float32")
        hits = mx.nd.broadcast_equal(top, label.astype("float32").reshape((-1, 1))).sum()
        return hits.astype("float64"), label.size


class Mean(DeviceMetric):
    """Mean of per-sample values (losses): the output is the value, the label is ignored."""

    name = "loss"
    higher_is_better = False

    def batch_sum(self, label, output):
        return output.sum().astype("float64"), output.size


class MeanSquaredError(DeviceMetric):
    """Mean of ``(output - label)**2`` over every element (regression, D2L 3.1)."""

    name = "mse"
    higher_is_better = False

    def batch_sum(self, label, output):
        error = output - label.astype(output.dtype).reshape(output.shape)
        return (error * error).sum().astype("float64"), output.size


class MeanAbsoluteError(DeviceMetric):
    """Mean of ``|output - label|`` over every element (regression)."""

    name = "mae"
    higher_is_better = False

    def batch_sum(self, label, output):
        error = output - label.astype(output.dtype).reshape(output.shape)
        return mx.nd.abs(error).sum().astype("float64"), output.size


class Perplexity(DeviceMetric):
    """Perplexity ``exp(mean negative log-likelihood per token)`` of next-token logits (D2L 8.4.4).

    ``output``: logits ``(..., V)``; ``label``: token ids of the leading shape. The sum of negative
    log-likelihoods and the token count accumulate on the device; the exponential is taken when read, so the
    value over a window or an epoch is the perplexity of all its tokens together.
    """

    name = "perplexity"
    higher_is_better = False

    def batch_sum(self, label, output):
        log_probs = mx.nd.log_softmax(output, axis=-1)
        picked = mx.nd.pick(log_probs, label.astype(output.dtype), axis=-1)
        return (-picked.sum()).astype("float64"), label.size

    def value(self, total, count):
        return math.exp(total / count) if count else float("nan")


def create_metric(metric):
    """A :class:`DeviceMetric` from an instance or a registered name (``"accuracy"``, ``"top_5_accuracy"``)."""
    if isinstance(metric, DeviceMetric):
        return metric
    if isinstance(metric, str):
        import gluonx
        return gluonx.get_metric(metric)
    raise TypeError("a metric must be a gluonx DeviceMetric or a registered metric name, got {!r}"
                    .format(metric))
