"""MXNet's OpenMP thread count: read it, and set it while that still has an effect.

MXNet's CPU engine sizes its OpenMP pool when ``mxnet`` is imported (by default about half the logical
cores, one thread on this 2-core machine); ``OMP_NUM_THREADS`` changes it only if it is set **before**
``import mxnet``. ``gluonx train --threads N`` sets it before importing MXNet. Measured effects are in
``docs/benchmarks.md`` (more threads help large convolutions and GEMMs, and can slow small models).
"""
import os
import sys
import warnings


def default_omp_threads():
    """The thread count MXNet picks when ``OMP_NUM_THREADS`` is unset: half the logical cores, at least 1."""
    return max(1, (os.cpu_count() or 2) // 2)


def omp_threads():
    """The OpenMP thread count MXNet uses (or will use) in this process."""
    value = os.environ.get("OMP_NUM_THREADS", "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return default_omp_threads()


def set_omp_threads(count):
    """Set MXNet's OpenMP thread count; returns True if it takes effect.

    Parameters
    ----------
    count : int
        Threads, at least 1.

    Returns
    -------
    bool
        False (with a warning) when MXNet is already imported: the setting then changes nothing.
    """
    count = int(count)
    if count < 1:
        raise ValueError("thread count must be at least 1, got {}".format(count))
    if "mxnet" in sys.modules:
        if omp_threads() != count:
            warnings.warn("OMP_NUM_THREADS={} has no effect: MXNet is already imported with {} thread(s). "
                          "Set it before `import mxnet` (e.g. `gluonx train --threads {}`)".format(
                              count, omp_threads(), count), RuntimeWarning, stacklevel=2)
        return omp_threads() == count
    os.environ["OMP_NUM_THREADS"] = str(count)
    return True
