"""Distributed training on existing engines: MXNet's parameter server and Horovod.

``gluonx launch -n 2 -- python train.py`` starts the job (:func:`launch`); in ``train.py`` a
:class:`gluonx.Trainer` with ``kvstore="dist_sync"`` (or ``"dist_device_sync"``, ``"dist_async"``,
``"horovod"``) shards the data per worker, aggregates gradients through the engine, and writes checkpoints
and logs on rank 0 only. The launcher never hangs: a worker that raises ends the job at once, a worker
without progress is found (:func:`heartbeat`), nothing outlives the launcher. See docs/distributed.md and
docs/reliability.md.

References
----------
D2L 11.5-11.7 (multiple devices, parameter servers).
"""
from .backend import DIST_KVSTORES, PS_KVSTORES, DistributedBackend, create_backend
from .hosts import Host, parse_hosts, read_hosts
from .launcher import BACKENDS, free_ports, horovod_roles, launch, ps_roles
from .supervisor import Role, Supervisor
from .worker import heartbeat, report_failure

__all__ = ["launch", "ps_roles", "horovod_roles", "free_ports", "BACKENDS", "Role", "Supervisor", "Host",
           "parse_hosts", "read_hosts", "DIST_KVSTORES", "PS_KVSTORES", "DistributedBackend", "create_backend",
           "heartbeat", "report_failure"]
