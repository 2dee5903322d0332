"""A wall-clock timer that waits for MXNet's engine, so asynchronous work is really counted."""
import time

from .sync import wait_all


class Timer:
    """Measure the wall time of a block of MXNet work.

    The engine is drained (``mx.nd.waitall``) before the clock is read at the start and at the end, so the
    time covers the work issued inside the block rather than the time Python took to issue it. Both waits
    are named sync points (``"timer"``).

    Examples
    --------
    >>> import mxnet as mx
    >>> from gluonx.utils.timer import Timer
    >>> with Timer() as timer:
    ...     _ = mx.nd.dot(mx.nd.ones((256, 256)), mx.nd.ones((256, 256)))
    >>> timer.elapsed > 0
    True
    """

    def __init__(self):
        self.start = None
        self.elapsed = None

    def __enter__(self):
        wait_all("timer")
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        wait_all("timer")
        self.elapsed = time.perf_counter() - self.start
        return False
