"""Explicit, named sync points and a guard that counts (or forbids) hidden ones.

MXNet's engine is asynchronous: Python returns before the work is done, and only a few calls block until it
is: copying NumPy data into an NDArray (``mx.nd.array(numpy)``, ``x[:] = numpy``: ``NDArray._sync_copyfrom``),
``NDArray.asnumpy``, ``NDArray.asscalar`` (and ``bool()`` of a one-element NDArray, which calls it),
``NDArray.wait_to_read`` and ``mx.nd.waitall``. A training loop that calls one of them every batch stalls the
pipeline. :class:`SyncGuard` counts those calls in a region, and with ``forbid=True`` raises at the first
one, so a loop can be *proven* free of hidden syncs. Deliberate sync points are wrapped in
:func:`sync_point`, which names them and is allowed inside a guard.

Examples
--------
>>> import mxnet as mx
>>> from gluonx.utils.sync import SyncGuard, sync_point
>>> x = mx.nd.ones((2, 2))
>>> with SyncGuard(forbid=True) as guard:
...     y = (x * 2).sum()                 # asynchronous: fine
...     with sync_point("log"):
...         value = y.asscalar()          # named, allowed
>>> guard.blocking_calls, guard.named
(0, {'log': 1})
"""
import collections
import contextlib
import functools
import threading

import mxnet as mx

#: (owner, attribute) of every blocking call the guard watches.
BLOCKING_CALLS = (
    (mx.nd.NDArray, "_sync_copyfrom"),  # mx.nd.array(numpy) and x[:] = numpy wait for queued work
    (mx.nd.NDArray, "asnumpy"),
    (mx.nd.NDArray, "asscalar"),
    (mx.nd.NDArray, "wait_to_read"),
    (mx.nd, "waitall"),
)


class BlockingCallError(RuntimeError):
    """Raised by a ``SyncGuard(forbid=True)`` when a blocking call happens outside a named sync point."""


class _State(threading.local):
    def __init__(self):
        self.guards = []
        self.depth = 0          # >0 while inside a watched call (asscalar calls asnumpy: count once)
        self.named = []         # stack of active sync_point names


_STATE = _State()
_PATCH_LOCK = threading.Lock()
_PATCH_COUNT = 0
_ORIGINALS = {}


def _watch(owner, attr):
    original = getattr(owner, attr)

    @functools.wraps(original)
    def watched(*args, **kwargs):
        state = _STATE
        if state.guards and state.depth == 0:
            name = "{}.{}".format("NDArray" if owner is mx.nd.NDArray else "mx.nd", attr)
            if state.named:
                for guard in state.guards:
                    guard.named[state.named[-1]] += 1
            else:
                for guard in state.guards:
                    guard._record(name)
        state.depth += 1
        try:
            return original(*args, **kwargs)
        finally:
            state.depth -= 1
    return original, watched


def _install():
    global _PATCH_COUNT
    with _PATCH_LOCK:
        if _PATCH_COUNT == 0:
            for owner, attr in BLOCKING_CALLS:
                original, watched = _watch(owner, attr)
                _ORIGINALS[(owner, attr)] = original
                setattr(owner, attr, watched)
        _PATCH_COUNT += 1


def _uninstall():
    global _PATCH_COUNT
    with _PATCH_LOCK:
        _PATCH_COUNT -= 1
        if _PATCH_COUNT == 0:
            for (owner, attr), original in _ORIGINALS.items():
                setattr(owner, attr, original)
            _ORIGINALS.clear()


class SyncGuard:
    """Count the blocking MXNet calls made by this thread inside a ``with`` block.

    Parameters
    ----------
    forbid : bool
        Raise :class:`BlockingCallError` at the first blocking call outside a :func:`sync_point`.

    Attributes
    ----------
    calls : collections.Counter
        Blocking calls outside named sync points, by name (``"NDArray.asnumpy"``...).
    named : collections.Counter
        Calls inside each named sync point.
    """

    def __init__(self, forbid=False):
        self.forbid = forbid
        self.calls = collections.Counter()
        self.named = collections.Counter()

    @property
    def blocking_calls(self):
        """Number of blocking calls outside named sync points."""
        return sum(self.calls.values())

    def _record(self, name):
        self.calls[name] += 1
        if self.forbid:
            raise BlockingCallError("{} blocks on the MXNet engine inside a SyncGuard(forbid=True) region; "
                                    "wrap deliberate reads in gluonx.utils.sync_point(name)".format(name))

    def __enter__(self):
        _install()
        _STATE.guards.append(self)
        return self

    def __exit__(self, *exc):
        _STATE.guards.remove(self)
        _uninstall()
        return False

    def __repr__(self):
        return "SyncGuard(blocking_calls={}, named={})".format(dict(self.calls), dict(self.named))


@contextlib.contextmanager
def sync_point(name):
    """Mark a deliberate sync: blocking calls inside are counted under ``name`` and allowed by guards."""
    _STATE.named.append(name)
    try:
        yield
    finally:
        _STATE.named.pop()


def wait_all(name="wait_all"):
    """Block until the engine has finished all pending work: a named sync point around ``mx.nd.waitall``."""
    with sync_point(name):
        mx.nd.waitall()
