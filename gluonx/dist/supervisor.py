"""Run the processes of one distributed job, prefix their output, and stop them all when one fails.

The launcher's promises (see docs/reliability.md, "Launcher: no hangs"):

- **A failed worker ends the job.** The job fails (non-zero exit, a message naming the role and rank) as soon
  as any process exits with an error or a signal, or a worker reports an uncaught exception (see
  :mod:`gluonx.dist.worker`: such a worker would otherwise wait forever for its peers at exit). The
  launcher prints the worker's error and traceback, stops every other process and exits with status 1.
- **Nothing outlives the job.** Every process gets its own process group and the job's marker in its
  environment; stopping means SIGTERM to every group and every marked process, then SIGKILL after
  ``grace`` seconds. Ctrl-C, SIGTERM and SIGHUP stop the job the same way, and on Linux a launcher killed
  with SIGKILL takes every process along (see :mod:`gluonx.dist.cleanup`).
- **A job that makes no progress is found.** ``inactivity_timeout`` stops the job when a worker has
  printed nothing and sent no heartbeat (:func:`gluonx.dist.heartbeat`, called by ``gluonx.Trainer`` at
  every optimizer step) for that many seconds; ``timeout`` bounds the whole job.
"""
import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

from .._validate import check_non_negative
from . import cleanup, worker

EXIT_TIMEOUT = 124
EXIT_INTERRUPTED = 130
#: Seconds between two looks at the workers' heartbeat files.
HEARTBEAT_POLL = 0.5
#: Errors that are the consequence of another worker's failure (Horovod raises this on every rank when
#: one rank dies): such a report names the root cause only if nothing else fails within CONSEQUENCE_SETTLE s.
CONSEQUENCES = ("Horovod has been shut down",)
CONSEQUENCE_SETTLE = 5.0
#: The boot folder that every process of a job gets first on its PYTHONPATH (see gluonx.dist.worker).
BOOT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_boot")


def with_boot_path(pythonpath):
    """``PYTHONPATH`` with the launcher's boot folder first."""
    return os.pathsep.join([BOOT_DIR] + [p for p in (pythonpath or "").split(os.pathsep) if p and p != BOOT_DIR])


@dataclasses.dataclass
class Role:
    """One process of a job.

    Attributes
    ----------
    name : str
        ``"scheduler"``, ``"server"``, ``"worker"`` or ``"horovodrun"``.
    index : int or None
        Rank among the processes of its kind.
    argv : list of str
    env : dict
        The full environment of the process.
    required : bool
        The job is done when every required role has exited with status 0.
    relabel : callable, optional
        ``line -> (label, text)`` for output that names its own source (``horovodrun``'s ``[1]<stdout>:``).
    """

    name: str
    index: object
    argv: list
    env: dict
    required: bool = True
    relabel: object = None
    process: object = None

    @property
    def label(self):
        return self.name if self.index is None else "{} {}".format(self.name, self.index)


def describe_exit(code):
    """``'exit status 3'`` or ``'killed by SIGKILL'`` for a ``Popen.returncode``."""
    if code is not None and code < 0:
        try:
            return "killed by {}".format(signal.Signals(-code).name)
        except ValueError:
            return "killed by signal {}".format(-code)
    return "exit status {}".format(code)


def optional_seconds(name, value):
    """``value`` as seconds, None for no limit (None or 0); raises ValueError for a negative or non-finite one."""
    if value is None:
        return None
    return check_non_negative(name, value) or None


def is_consequence(report):
    """True for a failure report whose error only follows from another worker's failure."""
    return any(text in report.get("error", "") for text in CONSEQUENCES)


def _shell_code(code):
    return 128 - code if code < 0 else code


class _Stop(Exception):
    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


class Supervisor:
    """Start ``roles``, copy their output to ``out`` as ``[role rank] line``, and wait for the job.

    Parameters
    ----------
    roles : list of Role
    out : text stream, optional
        Where the children's output goes (default ``sys.stdout``); the launcher's own messages go to
        ``err`` (default ``sys.stderr``).
    timeout : float, optional
        Stop everything and fail (exit 124) after this many seconds; None or 0: no limit.
    grace : float
        Seconds between SIGTERM and SIGKILL when stopping, and allowed to the helper roles (servers,
        scheduler) to exit by themselves once every worker is done.
    inactivity_timeout : float, optional
        Stop everything and fail (exit 124) when a watched worker has printed no line and sent no heartbeat
        for this many seconds; None or 0: never.
    watched : list of str, optional
        Labels of the workers whose progress is watched (default: the required roles called ``worker``;
        the Horovod launcher names its ranks ``worker 0`` ... since they share one ``horovodrun`` role).
    """

    def __init__(self, roles, out=None, err=None, timeout=None, grace=5.0, inactivity_timeout=None, watched=None):
        self.roles = list(roles)
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.timeout = optional_seconds("timeout", timeout)
        self.grace = check_non_negative("grace", grace)
        self.inactivity_timeout = optional_seconds("inactivity_timeout", inactivity_timeout)
        if watched is None:
            watched = [role.label for role in self.roles if role.required and role.name == "worker"]
        self.watched = list(watched)
        self.marker = uuid.uuid4().hex
        self.job_dir = None
        self._activity = {}
        self._heartbeats = {}
        self._next_heartbeat_poll = 0.0
        self._watchdog = None
        self._consequence_seen = None
        self._lock = threading.Lock()
        self._threads = []

    # -- output -----------------------------------------------------------------------------------------
    def _write(self, stream, text):
        with self._lock:
            try:
                stream.write(text)
                stream.flush()
            except (OSError, ValueError):  # a closed reader (| head): keep draining so children never block
                pass

    def message(self, text):
        """Print a launcher message (to ``err``)."""
        self._write(self.err, "gluonx launch: {}\n".format(text))

    def _pump(self, role):
        for raw in iter(role.process.stdout.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            label, text = role.relabel(line) if role.relabel else (role.label, line)
            if label in self._activity:
                self._activity[label] = time.monotonic()
            self._write(self.out, "[{}] {}\n".format(label, text) if label else text + "\n")
        role.process.stdout.close()

    # -- processes --------------------------------------------------------------------------------------
    def _job_env(self, role):
        env = dict(role.env)
        env.pop(worker.WATCHED_ENV, None)  # a launcher started inside a watched worker watches its own workers
        env.setdefault(worker.ROLE_ENV, role.name)  # the launcher's roles have them; hand-made ones may not
        env.setdefault(worker.INDEX_ENV, "" if role.index is None else str(role.index))
        env[worker.JOB_ENV] = self.marker
        env[worker.DIR_ENV] = self.job_dir
        env["PYTHONPATH"] = with_boot_path(env.get("PYTHONPATH"))
        return env

    def _start_watchdog(self):
        env = {key: value for key, value in os.environ.items() if key != worker.JOB_ENV}
        try:
            self._watchdog = subprocess.Popen(cleanup.watchdog_command(self.marker), stdin=subprocess.PIPE,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                              start_new_session=True)
        except OSError as err:  # the job still runs; only the cleanup after a SIGKILLed launcher is lost
            self.message("no watchdog ({}): a launcher killed with SIGKILL may leave processes".format(err))

    def _stop_watchdog(self):
        if self._watchdog is None:
            return
        try:
            self._watchdog.stdin.close()  # it kills what is left of the job (nothing, normally) and exits
            self._watchdog.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self._watchdog.kill()
        self._watchdog = None

    def start(self):
        """Start every role in its own process group (the ``Popen`` objects land in ``role.process``).

        The processes are started before any output thread, so that no other thread runs while the
        launcher forks (``preexec_fn`` sets the parent-death signal in the child).
        """
        self.job_dir = tempfile.mkdtemp(prefix="gluonx-launch-")
        self._start_watchdog()
        for role in self.roles:
            try:
                role.process = subprocess.Popen(role.argv, env=self._job_env(role), stdin=subprocess.DEVNULL,
                                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                                start_new_session=True, preexec_fn=cleanup.die_with_parent())
            except OSError as err:
                self.stop()
                raise RuntimeError("cannot start {} ({}): {}".format(role.label, role.argv[0], err)) from None
        now = time.monotonic()
        self._activity = {label: now for label in self.watched}
        for role in self.roles:
            thread = threading.Thread(target=self._pump, args=(role,), name="gluonx-launch-" + role.label,
                                      daemon=True)
            thread.start()
            self._threads.append(thread)

    def _signal_all(self, signum):
        for role in self.roles:
            if role.process is None:
                continue
            try:
                os.killpg(role.process.pid, signum)  # the group outlives its leader: reach the grandchildren
            except (ProcessLookupError, PermissionError):
                pass
        # and the processes that left the groups (setsid), found by the job's marker
        cleanup.signal_job(self.marker, signum)

    def stop(self):
        """SIGTERM every process of the job, SIGKILL after ``grace`` seconds, and reap the processes."""
        started = [role for role in self.roles if role.process is not None]
        self._signal_all(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        while time.monotonic() < deadline and (any(role.process.poll() is None for role in started)
                                               or cleanup.job_processes(self.marker)):
            time.sleep(0.05)
        self._signal_all(signal.SIGKILL)
        cleanup.kill_job(self.marker)
        for role in started:
            try:
                role.process.wait(timeout=max(self.grace, 1.0))
            except subprocess.TimeoutExpired:  # pragma: no cover - a process that ignores SIGKILL
                self.message("{} (pid {}) did not stop".format(role.label, role.process.pid))

    def _join_output(self):
        for thread in self._threads:
            thread.join(timeout=1.0)

    def _finish(self):
        self._join_output()
        self._stop_watchdog()
        if self.job_dir is not None:
            shutil.rmtree(self.job_dir, ignore_errors=True)
            self.job_dir = None

    def _failure(self, skip=()):
        for role in self.roles:
            code = role.process.poll()
            if code not in (None, 0) and role.label not in skip:
                return role, code
        return None, None

    def _reports(self):
        """``(cause, consequences)``: the first failure report that names a root cause (None if none), and
        the labels of the workers whose reported error only follows from another's failure."""
        reports = worker.read_failures(self.job_dir)
        causes = [report for report in reports if not is_consequence(report)]
        consequences = [report for report in reports if is_consequence(report)]
        if consequences and not causes:
            if self._consequence_seen is None:
                self._consequence_seen = time.monotonic()
            if time.monotonic() - self._consequence_seen > CONSEQUENCE_SETTLE:
                causes = consequences[:1]  # nothing else failed: it is the cause after all
        return (causes[0] if causes else None), {report["label"] for report in consequences}

    def _fail_with_report(self, report):
        self.message("{} failed ({}); stopping the other processes".format(report["label"], report["error"]))
        self.stop()
        self._join_output()  # the worker's own traceback lines first, then the summary
        self.message("traceback of {}:\n{}".format(report["label"], report["traceback"].rstrip("\n")))
        return int(report.get("code", 1))

    def _stalled(self):
        """The watched label that made no progress for ``inactivity_timeout`` seconds, or None."""
        now = time.monotonic()
        if now >= self._next_heartbeat_poll:
            self._next_heartbeat_poll = now + HEARTBEAT_POLL
            for label in self.watched:
                try:
                    stamp = os.stat(os.path.join(self.job_dir, worker.file_name(worker.HEARTBEAT_PREFIX,
                                                                                label))).st_mtime_ns
                except OSError:
                    continue
                if self._heartbeats.get(label) != stamp:  # a new beat (clock-independent)
                    self._heartbeats[label] = stamp
                    self._activity[label] = now
        for label in self.watched:
            if now - self._activity[label] > self.inactivity_timeout:
                return label
        return None

    def wait(self):
        """Wait for the job; returns the exit code for the launcher (0 when every required role succeeded)."""
        started = time.monotonic()
        required = [role for role in self.roles if role.required]
        while True:
            report, consequences = self._reports()
            if report is not None:
                return self._fail_with_report(report)
            failed, code = self._failure(skip=consequences)
            if failed is not None:
                report, consequences = self._reports()  # it may have exited between the two looks
                if report is not None:
                    return self._fail_with_report(report)
                besides = getattr(failed.relabel, "failure_besides", None)
                detail = besides(consequences) if besides else None
                self.message("{} failed ({}){}; stopping the other processes".format(
                    failed.label, describe_exit(code), ": " + detail if detail else ""))
                self.stop()
                self._join_output()
                return _shell_code(code)
            if all(role.process.poll() == 0 for role in required):
                break
            if self.timeout is not None and time.monotonic() - started > self.timeout:
                self.message("timed out after {:g} s; stopping every process".format(self.timeout))
                self.stop()
                self._join_output()
                return EXIT_TIMEOUT
            stalled = self._stalled() if self.inactivity_timeout is not None else None
            if stalled is not None:
                self.message("{} made no progress for {:g} s (no output line, no heartbeat); stopping every "
                             "process (--inactivity-timeout 0 turns this check off)".format(
                                 stalled, self.inactivity_timeout))
                self.stop()
                self._join_output()
                return EXIT_TIMEOUT
            time.sleep(0.05)
        # the workers are done: servers and the scheduler leave by themselves once all workers finalized
        deadline = time.monotonic() + self.grace
        while time.monotonic() < deadline and any(role.process.poll() is None for role in self.roles):
            time.sleep(0.05)
        lingering = [role.label for role in self.roles if role.process.poll() is None]
        if lingering:
            self.message("stopping {} after the workers finished".format(", ".join(lingering)))
        self.stop()
        self._join_output()
        failed, code = self._failure()
        if failed is not None and failed.label not in lingering:
            self.message("{} failed after the workers finished ({})".format(failed.label, describe_exit(code)))
            return _shell_code(code)
        return 0

    def run(self):
        """Start, wait, and stop everything on any exit path (Ctrl-C, SIGTERM and SIGHUP included)."""
        handlers = {}
        if threading.current_thread() is threading.main_thread():
            def raise_stop(signum, frame):
                raise _Stop(signum)
            for signum in (signal.SIGTERM, signal.SIGHUP):
                handlers[signum] = signal.signal(signum, raise_stop)
        try:
            self.start()
            return self.wait()
        except (KeyboardInterrupt, _Stop) as stop:
            signum = getattr(stop, "signum", signal.SIGINT)
            self.message("interrupted ({}); stopping every process".format(signal.Signals(signum).name))
            self.stop()
            self._join_output()
            return EXIT_INTERRUPTED if signum == signal.SIGINT else 128 + signum
        finally:
            for signum, previous in handlers.items():
                signal.signal(signum, previous)
            if any(role.process is not None and role.process.poll() is None for role in self.roles):
                self.stop()
            self._finish()
