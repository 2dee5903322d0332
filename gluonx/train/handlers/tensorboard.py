"""TensorBoard scalars through tensorboardX (the ``tensorboard`` extra)."""
from .base import EventHandler


class TensorBoardHandler(EventHandler):
    """Write every numeric scalar of each log read (``train/*``) and epoch (``epoch/*``) to ``logdir``."""

    priority = 150

    def __init__(self, logdir):
        try:
            from tensorboardX import SummaryWriter
        except ImportError as err:
            raise ImportError("TensorBoardHandler needs tensorboardX: pip install 'gluonx[tensorboard]'") from err
        self.writer = SummaryWriter(logdir)

    def _write(self, prefix, scalars, step):
        for key, value in scalars.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and key not in ("epoch", "batch",
                                                                                                "step"):
                self.writer.add_scalar("{}/{}".format(prefix, key), value, step)

    def log(self, trainer, scalars):
        if not scalars.get("end_of_epoch"):
            self._write("train", scalars, scalars["batch"])

    def epoch_end(self, trainer, scalars):
        self._write("epoch", scalars, scalars["epoch"])
        self.writer.flush()

    def train_end(self, trainer):
        self.writer.close()
