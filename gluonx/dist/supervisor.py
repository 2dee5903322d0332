"""Run the processes of one distributed job, prefix their output, and stop them all when one fails.

Every process gets its own process group, so stopping a role stops whatever it started too; the
launcher forwards Ctrl-C (and SIGTERM/SIGHUP) by stopping every group, first with SIGTERM and, after a
grace period, SIGKILL. The job fails (non-zero exit, a message naming the role) as soon as any process
exits with an error or a signal; a worker killed in ``dist_sync`` would otherwise leave the others
waiting forever for its gradients.
"""
import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time

EXIT_TIMEOUT = 124
EXIT_INTERRUPTED = 130


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
        Stop everything and fail after this many seconds.
    grace : float
        Seconds between SIGTERM and SIGKILL when stopping, and allowed to the helper roles (servers,
        scheduler) to exit by themselves once every worker is done.
    """

    def __init__(self, roles, out=None, err=None, timeout=None, grace=5.0):
        self.roles = list(roles)
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.timeout = timeout
        self.grace = float(grace)
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
            self._write(self.out, "[{}] {}\n".format(label, text) if label else text + "\n")
        role.process.stdout.close()

    # -- processes --------------------------------------------------------------------------------------
    def start(self):
        """Start every role in its own process group (the ``Popen`` objects land in ``role.process``)."""
        for role in self.roles:
            try:
                role.process = subprocess.Popen(role.argv, env=role.env, stdin=subprocess.DEVNULL,
                                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                                start_new_session=True)
            except OSError as err:
                self.stop()
                raise RuntimeError("cannot start {} ({}): {}".format(role.label, role.argv[0], err)) from None
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

    def stop(self):
        """SIGTERM every process group, SIGKILL after ``grace`` seconds, and reap the processes."""
        started = [role for role in self.roles if role.process is not None]
        self._signal_all(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        while time.monotonic() < deadline and any(role.process.poll() is None for role in started):
            time.sleep(0.05)
        self._signal_all(signal.SIGKILL)
        for role in started:
            try:
                role.process.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:  # pragma: no cover - a process that ignores SIGKILL
                self.message("{} (pid {}) did not stop".format(role.label, role.process.pid))

    def _join_output(self):
        for thread in self._threads:
            thread.join(timeout=1.0)

    def _failure(self):
        for role in self.roles:
            code = role.process.poll()
            if code not in (None, 0):
                return role, code
        return None, None

    def wait(self):
        """Wait for the job; returns the exit code for the launcher (0 when every required role succeeded)."""
        started = time.monotonic()
        required = [role for role in self.roles if role.required]
        while True:
            failed, code = self._failure()
            if failed is not None:
                detail = getattr(failed.relabel, "failure", None)
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
