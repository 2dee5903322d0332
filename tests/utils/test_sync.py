"""The sync guard, named sync points and the engine-aware timer."""
import threading

import mxnet as mx
import pytest

from gluonx.utils.sync import BlockingCallError, SyncGuard, sync_point, wait_all
from gluonx.utils.timer import Timer


def test_counts_each_blocking_call_once():
    x = mx.nd.ones((2, 2))
    with SyncGuard() as guard:
        y = x * 3
        y.asnumpy()
        y.sum().asscalar()  # asscalar calls asnumpy: one call
        bool(y.sum() > 0)  # bool() of a one-element NDArray reads it through asscalar
        y.wait_to_read()
        mx.nd.waitall()
        mx.nd.array([1.0, 2.0])  # copying NumPy data in waits for the queued work too
    assert guard.calls == {"NDArray.asnumpy": 1, "NDArray.asscalar": 2, "NDArray.wait_to_read": 1,
                           "mx.nd.waitall": 1, "NDArray._sync_copyfrom": 1}
    assert guard.blocking_calls == 6


def test_forbid_raises_at_the_call_and_named_points_are_allowed():
    x = mx.nd.ones((3,))
    with pytest.raises(BlockingCallError, match="NDArray.asnumpy blocks"):
        with SyncGuard(forbid=True):
            (x + 1).asnumpy()
    with SyncGuard(forbid=True) as guard:
        with sync_point("log"):
            (x + 1).asnumpy()
        wait_all("end")
    assert guard.blocking_calls == 0 and guard.named == {"log": 1, "end": 1}


def test_patches_are_removed_and_other_threads_are_not_counted():
    original = mx.nd.NDArray.asnumpy
    x = mx.nd.ones((2,))
    with SyncGuard() as outer:
        thread = threading.Thread(target=lambda: x.asnumpy())
        thread.start()
        thread.join()
        with SyncGuard() as inner:
            x.asnumpy()
    assert outer.blocking_calls == 1 and inner.blocking_calls == 1
    assert mx.nd.NDArray.asnumpy is original


def test_timer_waits_for_the_engine():
    a = mx.nd.ones((600, 600))
    with SyncGuard() as guard:
        with Timer() as timer:
            for _ in range(10):
                a = mx.nd.dot(a, a) / 600
    assert guard.named["timer"] == 2 and guard.blocking_calls == 0
    # the work was done inside the timed region: nothing is pending afterwards
    with Timer() as after:
        pass
    assert timer.elapsed > after.elapsed
