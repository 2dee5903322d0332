"""Checks that MXNet can run before anything imports it.

MXNet 1.9.1 is the last MXNet release; it is not an install requirement of gluonx because the CPU and the
CUDA builds are different distributions (``mxnet``, ``mxnet-cu112``, ``mxnet-cu117``). This module tells the
user which extra to install, and why a too new NumPy breaks MXNet, without importing MXNet itself, so that
``import gluonx`` stays cheap and the command line can still set ``OMP_NUM_THREADS`` before MXNet starts.
"""
import importlib.util
import re

#: The first NumPy release that MXNet 1.9.1 cannot import (it uses the removed alias ``np.bool``).
NUMPY_LIMIT = (1, 24)

INSTALL_HINT = ("pip install 'gluonx[cpu]' (or 'gluonx[cu112]' / 'gluonx[cu117]' for a CUDA build of "
                "MXNet 1.9.1)")


def _version_tuple(text):
    return tuple(int(part) for part in re.findall(r"\d+", text)[:2])


def numpy_version():
    """Return the installed NumPy version string without importing NumPy, or None if it is absent."""
    try:
        from importlib.metadata import version, PackageNotFoundError
    except ImportError:  # pragma: no cover - Python 3.7
        return None
    try:
        return version("numpy")
    except PackageNotFoundError:
        return None


def check_numpy(found=None):
    """Raise ImportError if the NumPy in use cannot run MXNet 1.9.1.

    Parameters
    ----------
    found : str, optional
        The NumPy version to judge; by default the installed one.
    """
    found = found if found is not None else numpy_version()
    if found is None:
        return
    if _version_tuple(found) >= NUMPY_LIMIT:
        raise ImportError(
            "gluonx found numpy {} but MXNet 1.9.1 cannot run on numpy >= 1.24: MXNet uses the alias "
            "`np.bool`, which numpy 1.24 removed, and fails at import. Install a compatible numpy: "
            "pip install 'numpy>=1.17,<1.24'".format(found))


def mxnet_installed():
    """Return True if some MXNet distribution provides the ``mxnet`` module."""
    try:
        return importlib.util.find_spec("mxnet") is not None
    except (ImportError, ValueError):
        return False


def check_mxnet():
    """Raise ImportError naming the extra to install when MXNet is missing or cannot run."""
    check_numpy()
    if not mxnet_installed():
        raise ImportError("gluonx needs MXNet 1.9.1, which is not installed. Install it with " + INSTALL_HINT)
