"""``gluonx launch``: start a distributed job on this machine or on ssh hosts, as ``torchrun`` does.

Parameter server (``backend="ps"``): one scheduler, ``num_servers`` servers and ``num_workers`` workers,
each with the ``DMLC_*`` environment of ps-lite. Servers and the scheduler run ``python -c "import
mxnet"`` (importing MXNet with ``DMLC_ROLE=server`` runs the server loop and exits when the job ends);
workers run the user's command, whose trainer uses ``kvstore="dist_sync"`` (or ``dist_device_sync``,
``dist_async``). Ports are taken free; every process listens on 127.0.0.1 unless a hosts file is given.

Horovod (``backend="horovod"``): ``horovodrun --gloo -np N`` on localhost (loopback) or on the hosts of
the file; the trainer uses ``kvstore="horovod"``.

Output lines are prefixed with the role and rank (``[worker 1] ...``). When any process fails (an exit
status, a signal, or an uncaught exception in a worker that would otherwise wait for its peers forever),
every other is stopped and the launcher exits non-zero naming it; a worker without progress for
``inactivity_timeout`` seconds stops the job too; a launcher killed with SIGKILL takes every process of
the job along (see :mod:`gluonx.dist.supervisor`, docs/reliability.md).

References
----------
D2L 11.7 (parameter servers).
"""
import importlib.util
import os
import re
import socket
import sys

from .backend import HOROVOD_INSTALL_HINT
from .hosts import place_workers, read_hosts, ssh_command
from .supervisor import Role, Supervisor, with_boot_path
from .worker import INDEX_ENV, ROLE_ENV

BACKENDS = ("ps", "horovod")
LOOPBACK = "127.0.0.1"
#: Seconds without an output line or a heartbeat from a worker after which the job is stopped (0: never).
#: As long as the collective timeout of other frameworks (30 min), so that a quiet epoch of a raw script is
#: not mistaken for a hang; gluonx.Trainer sends a heartbeat at every optimizer step.
DEFAULT_INACTIVITY_TIMEOUT = 1800.0


def free_ports(count, host=LOOPBACK):
    """``count`` distinct TCP ports free on ``host`` right now, ascending."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((host, 0))
            sockets.append(sock)
        return sorted(sock.getsockname()[1] for sock in sockets)
    finally:
        for sock in sockets:
            sock.close()


def _child_env(base, extra):
    env = dict(os.environ if base is None else base)
    env.setdefault("PYTHONUNBUFFERED", "1")  # lines reach the prefixer as they are printed
    env.update({key: str(value) for key, value in extra.items()})
    return env


def ps_roles(command, num_workers, num_servers=1, hosts=None, scheduler_host=None, env=None, python=None):
    """The :class:`Role` list of a parameter-server job.

    Parameters
    ----------
    command : list of str
        The worker command, e.g. ``["python", "train.py"]``.
    num_workers, num_servers : int
    hosts : list of Host, optional
        Run servers and workers over ssh on these hosts (workers fill the slots in order, servers go
        round-robin); the scheduler runs here, reachable at ``scheduler_host``.
    scheduler_host : str, optional
        Address of this machine as the hosts see it (default: this machine's host name).
    env : dict, optional
        Base environment (default ``os.environ``).
    python : str, optional
        Python of the servers and the scheduler (default: this one).
    """
    if num_workers < 1 or num_servers < 1:
        raise ValueError("a parameter-server job needs at least 1 worker and 1 server, got {} and {}".format(
            num_workers, num_servers))
    python = python or sys.executable
    helper = [python, "-c", "import mxnet"]
    scheduler_host = scheduler_host or (socket.gethostname() if hosts else LOOPBACK)
    # ps-lite ranks nodes of one host by port: ascending ports make worker i rank i
    scheduler_port, *ports = free_ports(1 + num_servers + num_workers, "" if hosts else LOOPBACK)
    common = {"DMLC_PS_ROOT_URI": scheduler_host, "DMLC_PS_ROOT_PORT": scheduler_port,
              "DMLC_NUM_SERVER": num_servers, "DMLC_NUM_WORKER": num_workers}
    worker_hosts = place_workers(hosts, num_workers) if hosts else [None] * num_workers
    server_hosts = [hosts[i % len(hosts)].name for i in range(num_servers)] if hosts else [None] * num_servers

    def role(name, index, argv, host, port, required):
        extra = dict(common, DMLC_ROLE=name, DMLC_NODE_HOST=host or LOOPBACK)
        extra.update({ROLE_ENV: name, INDEX_ENV: "" if index is None else index})
        if name != "worker":
            extra["OMP_NUM_THREADS"] = 1  # servers only add arrays
        if host is None:
            extra["PORT"] = port
            return Role(name, index, list(argv), _child_env(env, extra), required)
        # on other machines ps-lite picks its own ports (and ranks may differ from launch indices); the
        # worker's failure hook comes with the same gluonx installed at the same path there
        remote_env = dict(extra, PYTHONUNBUFFERED=1, PYTHONPATH=with_boot_path(os.environ.get("PYTHONPATH")))
        return Role(name, index, ssh_command(host, argv, remote_env), _child_env(env, {}), required)

    roles = [role("scheduler", None, helper, None, scheduler_port, False)]
    roles[0].env["DMLC_NODE_HOST"] = scheduler_host  # the address every node connects to
    server_ports, worker_ports = ports[:num_servers], ports[num_servers:]
    roles += [role("server", i, helper, server_hosts[i], server_ports[i], False) for i in range(num_servers)]
    roles += [role("worker", i, command, worker_hosts[i], worker_ports[i], True) for i in range(num_workers)]
    return roles


class HorovodOutput:
    """Turn ``horovodrun``'s ``[1]<stdout>:text`` into ``("worker 1", "text")`` and remember the failures it
    reports (``Process 1 exit with status code 137.``), in order."""

    _LINE = re.compile(r"^\[(\d+)\]<(?:stdout|stderr)>:(.*)$")
    _FAILED = re.compile(r"^Process (\d+) exit with status code (-?\d+)\.")

    def __init__(self):
        self.exits = []  # (label, status) of every failed rank, as horovodrun reports them

    @property
    def failure(self):
        """The first failure horovodrun reported, as text (None if none)."""
        return self.failure_besides(())

    def failure_besides(self, labels):
        """The first failure of a rank not in ``labels`` (ranks whose error was only a consequence), else the
        first failure, as text (None if none)."""
        exits = [e for e in self.exits if e[0] not in labels] or self.exits
        return "{} exited with status {}".format(*exits[0]) if exits else None

    def __call__(self, line):
        match = self._LINE.match(line)
        if match:
            return "worker " + match.group(1), match.group(2)
        failed = self._FAILED.match(line)
        if failed and int(failed.group(2)) != 0:
            self.exits.append(("worker " + failed.group(1), int(failed.group(2))))
        return "horovodrun", line


def horovod_roles(command, num_workers, hosts_file=None, env=None, python=None):
    """The single :class:`Role` of a Horovod job: ``horovodrun --gloo`` (ssh to the hosts of ``hosts_file``)."""
    if num_workers < 1:
        raise ValueError("a Horovod job needs at least 1 worker, got {}".format(num_workers))
    if importlib.util.find_spec("horovod") is None or importlib.util.find_spec("horovod.runner") is None:
        raise RuntimeError("--backend horovod needs Horovod. " + HOROVOD_INSTALL_HINT)
    python = python or sys.executable
    argv = [python, "-c", "from horovod.runner.launch import run_commandline; run_commandline()",
            "--gloo", "-np", str(num_workers)]
    if hosts_file:
        argv += ["--hostfile", hosts_file]
    else:
        argv += ["-H", "localhost:{}".format(num_workers), "--network-interfaces", "lo"]
    extra = {ROLE_ENV: "worker"}
    return [Role("horovodrun", None, argv + list(command), _child_env(env, extra), True, HorovodOutput())]


def launch(command, num_workers, num_servers=1, backend="ps", hosts_file=None, scheduler_host=None,
           timeout=None, grace=5.0, env=None, out=None, err=None, inactivity_timeout=DEFAULT_INACTIVITY_TIMEOUT):
    """Run ``command`` as a distributed job and return the launcher's exit code.

    Parameters
    ----------
    command : list of str
        The training command of each worker, e.g. ``[sys.executable, "train.py", "--epochs", "3"]``.
    num_workers : int
    num_servers : int
        Parameter servers (``backend="ps"``).
    backend : {'ps', 'horovod'}
    hosts_file : str, optional
        ``HOST [slots=N]`` lines: run over ssh on these machines (see :mod:`gluonx.dist.hosts`).
    scheduler_host : str, optional
        This machine's address as the hosts see it (``ps`` with a hosts file).
    timeout : float, optional
        Stop everything and return 124 after this many seconds (None or 0: no limit).
    grace : float
        Seconds between SIGTERM and SIGKILL when stopping (>= 0).
    env : dict, optional
        Base environment of the processes (default ``os.environ``).
    out, err : text streams, optional
        Where the prefixed output and the launcher's messages go.
    inactivity_timeout : float, optional
        Stop everything and return 124 when a worker has printed no line and sent no heartbeat
        (:func:`gluonx.dist.heartbeat`) for this many seconds (None or 0: never). Default
        :data:`DEFAULT_INACTIVITY_TIMEOUT`.

    Returns
    -------
    int
        0 on success; 1 when a worker raised an exception; the failed process's status (128 + signal when
        killed); 124 on timeout or inactivity; 130 on Ctrl-C.

    Raises
    ------
    ValueError
        A negative or non-finite ``timeout``, ``grace`` or ``inactivity_timeout``, a bad hosts file.

    Examples
    --------
    >>> from gluonx.dist import launch
    >>> launch(["python", "train.py"], num_workers=2)             # doctest: +SKIP
    """
    command = list(command)
    if not command:
        raise ValueError("no command to launch: give it after '--', e.g. gluonx launch -n 2 -- python train.py")
    if backend not in BACKENDS:
        raise ValueError("backend must be one of {}, got {!r}".format(BACKENDS, backend))
    if backend == "ps":
        hosts = read_hosts(hosts_file) if hosts_file else None
        roles = ps_roles(command, num_workers, num_servers, hosts, scheduler_host, env)
    else:
        if hosts_file:
            read_hosts(hosts_file)  # same format as horovodrun's --hostfile: check it before starting
        roles = horovod_roles(command, num_workers, hosts_file, env)
    supervisor = Supervisor(roles, out=out, err=err, timeout=timeout, grace=grace,
                            inactivity_timeout=inactivity_timeout,
                            watched=["worker {}".format(rank) for rank in range(num_workers)])
    return supervisor.run()
