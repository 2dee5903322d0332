"""Tasks of models trained on their own per-sample objective: ``autoencoder`` (DL 14) and ``density``
(negative log-likelihood of exact density models: NADE, MADE, DL 20.10.10).

The model has a method ``objective(x, training=True)`` returning one loss per sample; the step minimizes it.
Batches may be ``(images, labels)`` (labels ignored) or the images alone; ``uint8`` images are scaled to
``[0, 1]`` and every sample is flattened, so ``gluonx train autoencoder --dataset digits`` works on the
28x28 digits (784 inputs). The density task binarizes the inputs at 0.5.
"""
from mxnet import autograd

from gluonx.tasks.base import Task
from gluonx.train.step import StepOutput, TrainStep

__all__ = ["ObjectiveStep", "AutoencoderTask", "DensityTask", "as_inputs"]


def as_inputs(shard, binarize=False):
    """The flattened float inputs of a batch (``uint8`` pixels scaled to ``[0, 1]``; thresholded at 0.5 when
    ``binarize``)."""
    x = shard[0] if isinstance(shard, (tuple, list)) else shard
    if x.dtype == "uint8":
        x = x.astype("float32") / 255.0
    elif x.dtype != "float32":
        x = x.astype("float32")
    x = x.reshape((0, -1))
    return (x >= 0.5).astype("float32") if binarize else x


class ObjectiveStep(TrainStep):
    """One gradient step on the model's own per-sample ``objective(x)``.

    Parameters
    ----------
    binarize : bool
        Threshold the inputs at 0.5 (binary density models).
    """

    def __init__(self, binarize=False):
        super().__init__(num_inputs=1)
        self.binarize = bool(binarize)

    def _objective_of(self, net):
        if not callable(getattr(net, "objective", None)):
            raise TypeError("this task trains models with an objective(x) method (gluonx_generative's "
                            "autoencoders, NADE, MADE), got {}".format(type(net).__name__))
        return net.objective

    def train_step(self, trainer, batch):
        objective = self._objective_of(trainer.net)
        inputs = [as_inputs(shard, self.binarize) for shard in trainer.split(batch)]
        with autograd.record():
            losses = [objective(x) for x in inputs]
        autograd.backward(losses)
        trainer.update()
        return StepOutput(None, None, losses)

    def eval_step(self, trainer, batch):
        objective = self._objective_of(trainer.net)
        return StepOutput(None, None, [objective(as_inputs(shard, self.binarize), training=False)
                                       for shard in trainer.split(batch)])


class AutoencoderTask(Task):
    """Autoencoders trained on their reconstruction loss plus regularizer; the reported ``loss`` is the
    validation objective on clean inputs (DL 14)."""

    name = "autoencoder"

    def create_step(self, loss):
        return ObjectiveStep()

    def input_shapes(self, dataset):
        sample = dataset[0]
        sample = sample[0] if isinstance(sample, (tuple, list)) else sample
        return [(1,) + tuple(sample.shape)]

    def result_lines(self, scalars, prefix="val_", label="test"):
        if prefix + "loss" not in scalars:
            return []
        return ["{} loss (reconstruction + penalty per sample): {:.4f}".format(label, scalars[prefix + "loss"])]


class DensityTask(Task):
    """Exact density models (NADE, MADE) trained by maximum likelihood on binarized inputs; the reported
    ``loss`` is the validation negative log-likelihood in nats per sample (DL 20.10.10)."""

    name = "density"

    def create_step(self, loss):
        return ObjectiveStep(binarize=True)

    def result_lines(self, scalars, prefix="val_", label="test"):
        if prefix + "loss" not in scalars:
            return []
        return ["{} log-likelihood: {:.4f} nats per sample".format(label, -scalars[prefix + "loss"])]
