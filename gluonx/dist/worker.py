"""What runs inside each worker of a ``gluonx launch`` job: its failure report and its heartbeat.

A worker of a synchronous job that raises an exception prints its traceback and then, at interpreter exit,
waits for its peers (ps-lite's finalize barrier in ``KVStore.__del__``, Horovod's shutdown) while they wait
for its gradients: nobody ever exits. So the launcher puts ``gluonx/dist/_boot`` first on ``PYTHONPATH``;
its ``sitecustomize`` loads this module in every Python process the job starts and calls :func:`install`.
In the worker's first Python process (the one that is ``worker N``) it

- wraps ``sys.excepthook``: an uncaught exception writes a failure report (role, rank, error, traceback)
  into the job's folder before the traceback is printed, and the launcher stops the job at once, naming
  the worker;
- registers, before anything else can, an ``atexit`` function, which therefore runs after every other one
  and before the module teardown where the peers are awaited: after an uncaught exception it ends the
  process with ``os._exit`` (status 1, 130 for ``KeyboardInterrupt``).

:func:`heartbeat` tells the launcher that a worker makes progress (``gluonx.Trainer`` calls it at every
optimizer step; a raw script may call it too): see ``--inactivity-timeout``.

Only the standard library is used: this module runs before the worker imports anything.
"""
import atexit
import json
import os
import sys
import time
import traceback

#: Set by the launcher in every process of a job.
JOB_ENV = "GLUONX_LAUNCH_JOB"  # a marker unique to the job, found in /proc/PID/environ by the cleanup
DIR_ENV = "GLUONX_LAUNCH_DIR"  # the job's folder of failure reports and heartbeats (on the launching machine)
ROLE_ENV = "GLUONX_LAUNCH_ROLE"
INDEX_ENV = "GLUONX_LAUNCH_INDEX"
#: Set by :func:`install` in the worker it watches, so that the worker's own Python subprocesses are not.
WATCHED_ENV = "GLUONX_LAUNCH_WATCHED"
#: Seconds between two heartbeat writes (more frequent calls cost one clock read).
HEARTBEAT_INTERVAL = 1.0
FAILURE_PREFIX = "failure-"
HEARTBEAT_PREFIX = "heartbeat-"

_state = {"pid": None, "code": None, "last_beat": float("-inf")}


def worker_label(environ=None):
    """``'worker N'`` for a worker of a launched job (N: the launch index, or Horovod's rank), else None."""
    env = os.environ if environ is None else environ
    if env.get(ROLE_ENV) != "worker":
        return None
    index = env.get(INDEX_ENV) or env.get("HOROVOD_RANK", "")
    return "worker " + index if index.isdigit() else None


def file_name(prefix, label):
    """The job folder's file ``prefix`` + label, e.g. ``failure-worker-1.json``."""
    return prefix + label.replace(" ", "-") + (".json" if prefix == FAILURE_PREFIX else "")


def heartbeat():
    """Tell ``gluonx launch`` that this worker makes progress; a no-op outside a launched job.

    Writes at most once every :data:`HEARTBEAT_INTERVAL` seconds (the mtime of a file in the job's folder).

    Returns
    -------
    bool
        True inside a job whose launcher can read the heartbeat.
    """
    directory, label = os.environ.get(DIR_ENV), worker_label()
    if not directory or label is None:
        return False
    now = time.monotonic()
    if now - _state["last_beat"] < HEARTBEAT_INTERVAL:
        return True
    _state["last_beat"] = now
    path = os.path.join(directory, file_name(HEARTBEAT_PREFIX, label))
    try:
        with open(path, "a"):
            pass
        os.utime(path, None)
    except OSError:  # the job folder is on the launching machine: not visible from an ssh host
        return False
    return True


def report_failure(error, label=None):
    """Write the failure report of ``error`` (an exception with its traceback) for the launcher.

    The launcher stops the job as soon as it reads it. ``install`` calls it for uncaught exceptions; a
    program that catches its own error and will not exit promptly can call it directly.

    Returns
    -------
    bool
        True if a report was written.
    """
    directory, label = os.environ.get(DIR_ENV), label or worker_label()
    if not directory or label is None:
        return False
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    summary = "".join(traceback.format_exception_only(type(error), error)).strip().splitlines()
    report = {"label": label, "pid": os.getpid(), "time": time.time(), "error": summary[-1] if summary else
              type(error).__name__, "traceback": "".join(lines),
              "code": 130 if isinstance(error, KeyboardInterrupt) else 1}
    path = os.path.join(directory, file_name(FAILURE_PREFIX, label))
    temporary = os.path.join(directory, ".{}.{}.tmp".format(os.path.basename(path), os.getpid()))
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(report, handle)
        os.replace(temporary, path)  # the launcher never reads half a report
    except OSError:
        return False
    return True


def read_failures(directory):
    """The failure reports in a job's folder, earliest first (a list of dicts)."""
    reports = []
    try:
        names = [n for n in os.listdir(directory) if n.startswith(FAILURE_PREFIX) and n.endswith(".json")]
    except OSError:
        return reports
    for name in names:
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as handle:
                reports.append(json.load(handle))
        except (OSError, ValueError):
            continue
    return sorted(reports, key=lambda report: report.get("time", 0.0))


def _exit_after_failure():
    if _state["code"] is None or os.getpid() != _state["pid"]:
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed stream must not keep the process alive
            pass
    os._exit(_state["code"])


def install():
    """Watch this process if it is a worker of a launched job and no Python process above it is watched.

    Returns
    -------
    bool
        True if this process is now watched.
    """
    label = worker_label()
    if label is None or os.environ.get(WATCHED_ENV):
        return False
    os.environ[WATCHED_ENV] = str(os.getpid())
    _state["pid"] = os.getpid()
    previous = sys.excepthook

    def excepthook(kind, value, tb):
        # forked children (DataLoader workers) inherit the hook but are not the worker
        if os.getpid() == _state["pid"] and _state["code"] is None and value is not None:
            _state["code"] = 130 if issubclass(kind, KeyboardInterrupt) else 1
            if value.__traceback__ is None:
                value.__traceback__ = tb
            report_failure(value, label)
        previous(kind, value, tb)

    sys.excepthook = excepthook
    atexit.register(_exit_after_failure)  # the first registered runs last
    return True
