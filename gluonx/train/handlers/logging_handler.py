"""Plain-text logging of the scalars read at each log interval."""
import logging

from .base import EventHandler

LOGGER = logging.getLogger("gluonx.train")


def format_scalars(scalars):
    """``key=value`` pairs, floats with 4 significant digits."""
    parts = []
    for key, value in scalars.items():
        if key == "end_of_epoch":
            continue
        parts.append("{}={:.4g}".format(key, value) if isinstance(value, float) else "{}={}".format(key, value))
    return " ".join(parts)


class LoggingHandler(EventHandler):
    """Log each read of the metrics (and each epoch's validation) with :mod:`logging` or a callable.

    Parameters
    ----------
    printer : callable, optional
        Receives the formatted line (default: ``logging.getLogger("gluonx.train").info``).
    """

    priority = 100

    def __init__(self, printer=None):
        self.printer = printer or LOGGER.info

    def log(self, trainer, scalars):
        if not scalars.get("end_of_epoch"):
            self.printer("[epoch {}] {}".format(scalars["epoch"], format_scalars(scalars)))

    def epoch_end(self, trainer, scalars):
        self.printer("[epoch {} done] {}".format(scalars["epoch"], format_scalars(scalars)))
