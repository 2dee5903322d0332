"""The base of every task: the pieces a :class:`gluonx.Trainer` needs for a kind of model."""
import numpy as np

from ..train.sources import make_source as _default_source
from ..train.step import TrainStep

__all__ = ["Task"]


def _as_numpy(outputs):
    """The first output of a model as a NumPy array (models may return ``(logits, *states)``)."""
    if isinstance(outputs, (tuple, list)):
        outputs = outputs[0]
    return outputs.asnumpy() if hasattr(outputs, "asnumpy") else np.asarray(outputs)


class Task:
    """What a kind of model is trained for. Subclass it for a new topic and override what differs.

    ``gluonx.Trainer(net, task=task)`` takes the loss, metrics and step from the task unless they are given;
    ``fit``/``evaluate`` cut data into batches with :meth:`make_source`.

    Attributes
    ----------
    name : str
        Registry name.
    monitor : str
        Scalar watched by keep-best checkpoints and early stopping.
    higher_is_better : bool
        Direction of ``monitor``.
    primary_metric : str
        The validation scalar (without ``val_``) that ``gluonx train`` reports as the result.
    """

    name = "task"
    monitor = "val_loss"
    higher_is_better = False
    primary_metric = "loss"

    def create_loss(self):
        """A Gluon loss (a HybridBlock), or None when the step computes its own."""
        return None

    def create_metrics(self):
        """A list of :class:`gluonx.train.metrics.DeviceMetric` (fresh instances)."""
        return []

    def create_step(self, loss):
        """The :class:`~gluonx.train.step.TrainStep` (default: ``loss(net(x), y)``)."""
        return TrainStep()

    def make_source(self, data, batch_size, shuffle=True, last_batch="keep", seed=0, batch_axis=0, num_shards=1,
                    shard=0):
        """How ``data`` becomes batches (default: a dataset in a resumable shuffled order, or an iterable of
        batches as given); returns an object with ``batches(epoch, start)`` and ``__len__``."""
        return _default_source(data, batch_size, shuffle, last_batch, seed, batch_axis, num_shards, shard)

    def optimizer_groups(self, optimizer, optimizer_params):
        """Several optimizers for ``gluonx train`` (a GAN's discriminator and generator): a dict
        ``{name: OptimizerGroup}`` built from the run's optimizer name and parameters, or None (default: one
        optimizer over every parameter)."""
        return None

    def event_handlers(self, out):
        """Event handlers ``gluonx train`` adds for this task, writing under the run folder ``out`` (a
        generator's sample grids). Default: none."""
        return []

    def final_scalars(self, net, data, ctx=None):
        """Scalars measured once after training on the test ``data`` (``gluonx train`` adds them to
        ``summary.json`` as ``test_<name>`` and prints them): for metrics too costly for every epoch, such
        as a detector's mean average precision. Default: none."""
        return {}

    def save_artifacts(self, net, dataset, directory):
        """Files a trained net of this task leaves in ``gluonx train``'s ``--out`` folder besides the
        checkpoints (an embedding task writes its word vectors), written atomically into ``directory``;
        returns their paths. Default: none."""
        return []

    def result_lines(self, scalars, prefix="val_", label="test"):
        """Lines ``gluonx train`` prints at the end, e.g. ``["test accuracy: 0.9778"]`` from
        ``{"val_accuracy": 0.9778, ...}`` (the primary metric first, then the loss)."""
        lines = []
        for name in dict.fromkeys([self.primary_metric, "loss"]):
            if prefix + name in scalars:
                lines.append("{} {}: {:.4f}".format(label, name.replace("_", " "), scalars[prefix + name]))
        return lines

    def decode(self, outputs):
        """A JSON-able dict describing a model's outputs for one batch (``gluonx predict`` prints it)."""
        return {"outputs": _as_numpy(outputs).tolist()}

    def inference_block(self, net):
        """The block ``gluonx export`` exports for ``net``, a model of this task (trained or not).

        Default: the net's own ``inference_block()`` when its class defines one, else the net itself. A task
        whose nets return raw training outputs overrides this to wrap them in what a deployment needs (the
        detection task adds box decoding, per-class NMS and top-k to a multibox net). The returned block
        shares ``net``'s parameters, so trained weights are exported as they are.
        """
        # the class's method only: a child block stored as an attribute of that name is not a recipe
        own = getattr(type(net), "inference_block", None)
        return own(net) if callable(own) else net

    def export_options(self, block):
        """Defaults for exporting ``block`` (what :meth:`inference_block` returned): a dict with any of
        ``output_names`` (list of str), ``postprocessing`` (``{"outputs": {NAME: {"kind": ...}}}``, see
        :mod:`gluonx.deploy.postprocessing`) and ``preprocessing`` (keys of the image preprocessing such as
        ``resize`` and ``pad_value``). ``gluonx export`` passes them to :func:`gluonx.export`; the command's
        own flags take precedence key by key. An ``inputs`` key (a list of :class:`gluonx.InputSpec`)
        replaces the model's registered example inputs when the deployed block takes other inputs than
        the net (a VAE's decoder or a GAN's generator takes noise).

        Default: the block's own ``export_options()`` when its class defines one, else ``{}``.
        """
        own = getattr(type(block), "export_options", None)
        return dict(own(block)) if callable(own) else {}

    def input_shapes(self, dataset):
        """The shapes of the inputs a net of this task receives for one sample of ``dataset`` (batch axis
        included, of size 1), or None when the task cannot tell (default).

        ``gluonx train`` records them in its run file, so ``gluonx export RUN`` exports the net at the size it
        was trained on rather than at the registered example size.
        """
        return None

    def __repr__(self):
        return "{}(name={!r})".format(type(self).__name__, self.name)
