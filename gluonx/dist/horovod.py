"""Horovod (``horovod.mxnet``, ring allreduce over Gloo or MPI) behind the trainer's ``kvstore="horovod"``.

Every process trains one device; ``hvd.DistributedTrainer`` sums the gradients of all processes and divides
by the global batch, rank 0's initial parameters are broadcast before the first batch, and metric totals
are summed at every log read. Horovod is not on PyPI as a wheel with MXNet support: ``make horovod`` builds
it from source (see docs/distributed.md).

References
----------
D2L 11.5-11.7 (data parallelism, allreduce vs parameter servers).
"""
import os

import mxnet as mx
import numpy as np

from .backend import HOROVOD_INSTALL_HINT, DistributedBackend


def import_horovod():
    """``horovod.mxnet``, or an ImportError that says how to build it."""
    try:
        import horovod.mxnet as hvd
    except ImportError as err:
        raise ImportError("kvstore='horovod' needs horovod.mxnet ({}). {}".format(err, HOROVOD_INSTALL_HINT)) from None
    return hvd


class HorovodBackend(DistributedBackend):
    """A Horovod process (started by ``gluonx launch --backend horovod`` / ``horovodrun``; alone it is
    a world of one)."""

    kvstore = "horovod"

    def __init__(self):
        if os.environ.get("DMLC_ROLE"):
            raise RuntimeError("kvstore='horovod' in a process started for MXNet's parameter server (DMLC_ROLE={}): "
                               "launch with `gluonx launch --backend horovod`, or use kvstore='dist_sync'".format(
                                   os.environ["DMLC_ROLE"]))
        self.hvd = import_horovod()
        self.hvd.init()
        self.rank = self.hvd.rank()
        self.num_workers = self.hvd.size()

    def check(self, trainer):
        super().check(trainer)
        if len(trainer.ctx) > 1:
            raise ValueError("kvstore='horovod' trains one device per process, got {}: start one process per "
                             "device (gluonx launch -n DEVICES --backend horovod) and give each ctx='gpu:LOCAL_RANK'"
                             .format(trainer.ctx))

    def make_trainer(self, params, optimizer):
        return self.with_heartbeat(self.hvd.DistributedTrainer(params, optimizer))

    def update_batch_size(self, local_batch):
        return local_batch  # DistributedTrainer already divides by the number of processes

    def gradient_divisor(self, trainer, local_batch):
        # CPU and older NCCL builds sum the gradients (and average through rescale_grad); others average them
        averaged = not getattr(trainer.gluon_trainer, "_average_in_framework", True)
        return local_batch if averaged else local_batch * self.num_workers

    def broadcast_parameters(self, trainer):
        # structural names are the same in every process (Parameter.name depends on name-scope counters)
        self.hvd.broadcast_parameters(trainer.net._collect_params_with_prefix(), root_rank=0, prefix="gluonx.param.")

    def allreduce_sum(self, values):
        values = np.asarray(values, dtype=np.float64).ravel()
        summed = self.hvd.allreduce(mx.nd.array(values, dtype="float64"), op=self.hvd.Sum,
                                    name="gluonx.sum.{}".format(values.size))
        return summed.asnumpy()

    def barrier(self):
        """Wait until every process reaches this point."""
        self.allreduce_sum(np.zeros(1))
