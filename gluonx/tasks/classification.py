"""Classification: softmax cross-entropy and accuracy (D2L 3.4-3.7)."""
import numpy as np
from mxnet import gluon

from ..train.metrics import Accuracy
from .base import Task, _as_numpy

__all__ = ["ClassificationTask"]


class ClassificationTask(Task):
    """Classify each sample into one of ``C`` classes: the net outputs logits (N, C), labels are ids (N,).

    Parameters
    ----------
    top_k : int
        Classes listed per sample by :meth:`decode`.

    References
    ----------
    D2L 3.4 (softmax regression), 3.6-3.7 (cross-entropy, accuracy); DL 6.2.2.3.
    """

    name = "classification"
    monitor = "val_accuracy"
    higher_is_better = True
    primary_metric = "accuracy"

    def __init__(self, top_k=5):
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise ValueError("top_k must be a positive integer, got {!r}".format(top_k))
        self.top_k = top_k

    def create_loss(self):
        return gluon.loss.SoftmaxCrossEntropyLoss()

    def create_metrics(self):
        return [Accuracy()]

    def input_shapes(self, dataset):
        """``[(1, C, H, W)]`` when the samples are images (3-D arrays), so ``gluonx export RUN`` exports at
        the size trained on (an image folder resized to ``image_size``); else None."""
        if not len(dataset):
            return None
        sample = dataset[0][0]
        shape = tuple(int(d) for d in getattr(sample, "shape", ()))
        return [(1,) + shape] if len(shape) == 3 else None

    def decode(self, outputs):
        """``{"top_k": [[class ids, best first], ...], "probabilities": [[their softmax], ...]}``."""
        logits = _as_numpy(outputs).astype(np.float64)
        logits = logits.reshape(logits.shape[0], -1)
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=1, keepdims=True)
        k = min(self.top_k, logits.shape[1])
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
        return {"top_k": order.tolist(),
                "probabilities": np.take_along_axis(probabilities, order, axis=1).round(6).tolist()}
