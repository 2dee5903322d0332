"""Small pieces shared by the directed generative models (VAE, GAN, GMMN): argument checks and batch handling."""
import numbers

from gluonx._validate import check_positive

__all__ = ["positive_count", "batch_data"]


def positive_count(name, value):
    """``value`` if it is an integer >= 1, else a one-line ``ValueError`` (shared wording of gluonx)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError("{} must be an integer >= 1, got {!r}".format(name, value))
    return int(check_positive(name, value))


def batch_data(shard):
    """The data of one device's batch: ``(data, label)`` batches of labelled datasets give their data (the
    generative models ignore labels), a lone array is the data."""
    return shard[0] if isinstance(shard, (tuple, list)) else shard
