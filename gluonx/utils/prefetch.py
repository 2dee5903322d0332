"""Overlap data loading and host-to-device copies with compute."""
import queue
import threading

_END = object()


class Prefetcher:
    """Iterate over ``iterable`` in a background thread, keeping up to ``depth`` batches ready.

    Each batch is passed through ``transform`` (for example a split across devices with
    ``as_in_context``, which only issues asynchronous copies) in the background thread, so decoding,
    batching and copying of batch ``k+1`` overlap with the compute of batch ``k``. Exceptions raised while
    loading are re-raised in the consuming thread.

    Parameters
    ----------
    iterable : iterable
        A DataLoader or any iterable of batches.
    transform : callable, optional
        Applied to each batch in the background thread.
    depth : int
        Batches kept ready (2 hides one batch of latency).

    Examples
    --------
    >>> from gluonx.utils.prefetch import Prefetcher
    >>> list(Prefetcher(range(3), transform=lambda b: b * 10))
    [0, 10, 20]
    """

    def __init__(self, iterable, transform=None, depth=2):
        if depth < 1:
            raise ValueError("Prefetcher depth must be at least 1, got {}".format(depth))
        self.iterable = iterable
        self.transform = transform
        self.depth = depth

    def __len__(self):
        return len(self.iterable)

    def __iter__(self):
        ready = queue.Queue(maxsize=self.depth)
        stop = threading.Event()

        def produce():
            try:
                for batch in self.iterable:
                    if stop.is_set():
                        return
                    ready.put(self.transform(batch) if self.transform is not None else batch)
                ready.put(_END)
            except BaseException as err:  # re-raised in the consumer
                ready.put(_Failure(err))

        worker = threading.Thread(target=produce, name="gluonx-prefetch", daemon=True)
        worker.start()
        try:
            while True:
                item = ready.get()
                if item is _END:
                    return
                if isinstance(item, _Failure):
                    raise item.error
                yield item
        finally:
            stop.set()
            while worker.is_alive():  # unblock a producer waiting on a full queue
                try:
                    ready.get_nowait()
                except queue.Empty:
                    worker.join(timeout=0.05)


class _Failure:
    def __init__(self, error):
        self.error = error
