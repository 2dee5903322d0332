"""Async-aware utilities: named sync points and a guard against hidden ones, an engine-aware timer, a
prefetcher, OpenMP thread settings, seeding, and atomic writes.

Submodules import MXNet where they need it; import them directly::

    from gluonx.utils.sync import SyncGuard, sync_point
    from gluonx.utils.timer import Timer
"""
