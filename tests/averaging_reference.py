"""NumPy references of parameter averages (DL 8.7.3), shared by the averaging and optimizer conformance tests."""
import numpy as np


def reference_average(method, iterates, decay=0.9, start=0, every=1):
    """The books' averages over the iterates w_1..w_T (w_0 for EMA's start and SWA's first snapshot).

    ``iterates`` is ``[w_0, w_1, ..., w_T]``: the weight before the first update, then after each update.
    """
    T = len(iterates) - 1
    if method == "polyak":   # DL 8.7.3: mean of the iterates after `start`
        return np.mean(iterates[max(start, 0) + 1:] if T > start else iterates[-1:], axis=0)
    if method == "ema":      # a_t = decay a_{t-1} + (1 - decay) w_t, a_start = w_start
        average = iterates[min(start, T)]
        for t in range(start + 1, T + 1):
            average = decay * average + (1 - decay) * iterates[t]
        return average
    if method == "swa":      # mean of the snapshots w_start, w_start+every, ...
        return np.mean(iterates[start:T + 1:every], axis=0)
    raise AssertionError(method)
