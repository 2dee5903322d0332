"""MXNet's parameter server (ps-lite, compiled into every mxnet wheel) behind the trainer's dist kvstores.

============================  ==========================================  ================================
kvstore                       gradients                                   optimizer
============================  ==========================================  ================================
``dist_sync``                 summed over all workers by the servers      on every worker, identically
``dist_device_sync``          the same, summed over local devices first   on every worker, identically
``dist_async``                pushed; servers apply each push at once     on the servers
============================  ==========================================  ================================

With the synchronous stores the servers hold no optimizer (``update_on_kvstore=False``): they add the
gradients of all workers, every worker pulls the sum and applies the same update, so clipping, the NaN
guard and exact checkpoints work as on one machine. ``dist_async`` needs ``update_on_kvstore=True`` in
MXNet 1.9 (asynchronous servers cannot run without an updater), so gradients are never seen whole on a
worker.

The processes get their roles from the ``DMLC_*`` environment that ``gluonx launch`` sets.

References
----------
D2L 11.7 (parameter servers); DL 12.1.3 (asynchronous stochastic gradient descent).
"""
import os

import mxnet as mx
import numpy as np
from mxnet import gluon

from .backend import DistributedBackend

REQUIRED_ENV = ("DMLC_ROLE", "DMLC_PS_ROOT_URI", "DMLC_PS_ROOT_PORT", "DMLC_NUM_SERVER", "DMLC_NUM_WORKER")
#: Keys of the small vectors that workers sum (metric totals, data lengths): far above any parameter index.
_REDUCE_KEY_BASE = 1 << 30


class ParameterServerBackend(DistributedBackend):
    """A worker of MXNet's parameter server.

    Parameters
    ----------
    kvstore : {'dist_sync', 'dist_device_sync', 'dist_async'}

    Raises
    ------
    RuntimeError
        The process was not started by ``gluonx launch`` (or another ps-lite launcher) as a worker.
    """

    def __init__(self, kvstore):
        missing = [name for name in REQUIRED_ENV if not os.environ.get(name)]
        if missing:
            raise RuntimeError("kvstore {!r} needs the parameter-server environment ({} unset): start the script "
                               "with `gluonx launch -n WORKERS -- python script.py`".format(
                                   kvstore, ", ".join(missing)))
        if os.environ["DMLC_ROLE"] != "worker":
            raise RuntimeError("kvstore {!r}: this process has DMLC_ROLE={!r}; only workers train".format(
                kvstore, os.environ["DMLC_ROLE"]))
        self.kvstore = kvstore
        self.store = mx.kv.create(kvstore)  # joins the scheduler; returns when every node has joined
        self.rank = self.store.rank
        self.num_workers = self.store.num_workers
        self.updates_on_servers = "async" in kvstore
        self.can_reduce = not self.updates_on_servers
        self._reduce_keys = set()

    def make_trainer(self, params, optimizer):
        return self.with_heartbeat(gluon.Trainer(params, optimizer, kvstore=self.store,
                                                 update_on_kvstore=self.updates_on_servers))

    def broadcast_parameters(self, trainer):
        gluon_trainer = trainer.gluon_trainer
        if self.updates_on_servers:
            # gluon initializes the servers at the first step, once the batch size (rescale_grad) is known:
            # the optimizer is sent to the servers then, with rank 0's weights
            return
        if not gluon_trainer._kv_initialized:
            gluon_trainer._init_kvstore()
        if gluon_trainer._params_to_init:
            gluon_trainer._init_params()  # rank 0 initializes the keys, every worker pulls its values

    def allreduce_sum(self, values):
        if not self.can_reduce:
            raise RuntimeError("kvstore {!r} cannot sum values across workers".format(self.kvstore))
        values = np.asarray(values, dtype=np.float64).ravel()
        key = _REDUCE_KEY_BASE + values.size
        if key not in self._reduce_keys:
            self.store.init(key, mx.nd.zeros(values.shape, dtype="float64"))
            self._reduce_keys.add(key)
        out = mx.nd.zeros(values.shape, dtype="float64")
        # servers without an optimizer store the sum of all workers' pushes, which every worker pulls
        self.store.pushpull(key, mx.nd.array(values, dtype="float64"), out=out)
        return out.asnumpy()

    def barrier(self):
        """Wait until every worker reaches this point."""
        self.store._barrier()
