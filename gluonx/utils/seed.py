"""Seeding and RNG state capture for exact resume (Python, NumPy and MXNet).

MXNet has no API to read its generator state, so gluonx makes MXNet's stream a pure function of
``(seed, step)``: :func:`reseed_mxnet` is called at well-defined points (epoch starts, checkpoints, resume),
and a resumed run reseeds at the same step as the uninterrupted one.
"""
import random

import numpy as np


def seed_everything(seed):
    """Seed Python's ``random``, NumPy's global generator and MXNet's generators on every device."""
    import mxnet as mx
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    mx.random.seed(seed % (2 ** 31))


def derived_seed(seed, step, stream=0):
    """A seed for MXNet's stream at ``step``, a fixed function of ``(seed, step, stream)``."""
    return int((seed * 1000003 + step * 7919 + stream * 104729 + 17) % (2 ** 31 - 1))


def reseed_mxnet(seed, step, stream=0):
    """Reseed MXNet so that its stream from here depends only on ``(seed, step, stream)``.

    ``stream`` separates processes that must not share random numbers (distributed workers use their rank,
    so their dropout masks differ).
    """
    import mxnet as mx
    mx.random.seed(derived_seed(seed, step, stream))


def capture_rng_state():
    """Python and NumPy generator states as plain JSON-able data and one NumPy array (no pickle).

    Returns
    -------
    dict, dict of numpy.ndarray
        ``(meta, arrays)``: JSON-able description and arrays to store as NDArrays.
    """
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    meta = {"python": {"version": version, "gauss": gauss},
            "numpy": {"name": name, "pos": int(pos), "has_gauss": int(has_gauss), "cached_gaussian": cached}}
    arrays = {"python_state": np.asarray(internal, dtype=np.int64), "numpy_keys": np.asarray(keys, dtype=np.int64)}
    return meta, arrays


def restore_rng_state(meta, arrays):
    """Inverse of :func:`capture_rng_state`."""
    python = meta["python"]
    internal = tuple(int(v) for v in np.asarray(arrays["python_state"]).tolist())
    random.setstate((python["version"], internal, python["gauss"]))
    state = meta["numpy"]
    np.random.set_state((state["name"], np.asarray(arrays["numpy_keys"]).astype(np.uint32), state["pos"],
                         state["has_gauss"], state["cached_gaussian"]))
