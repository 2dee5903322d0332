"""Find and stop every process of a job, even after the launcher was killed with SIGKILL (Linux).

Three things make sure no process of a job outlives it:

- every process the launcher starts carries the job's marker ``GLUONX_LAUNCH_JOB=<uuid>`` in its
  environment, which its children inherit, including those in a session of their own (``setsid``) that
  process-group signals miss: :func:`job_processes` finds them all in ``/proc/PID/environ``;
- the launcher's direct children get ``PR_SET_PDEATHSIG`` (:func:`die_with_parent`): the kernel kills them
  when the launcher dies, however it dies;
- a watchdog (this file run as a script, in a session of its own, without the marker) holds the read end of
  a pipe whose write end only the launcher has. The pipe closes when the launcher ends for any reason; the
  watchdog then kills every process that carries the marker and exits.

A process that replaces its whole environment at ``exec`` (``env -i``) drops the marker and escapes the sweep.
Only the standard library is used: the watchdog starts with ``python -I -S``.
"""
import os
import signal
import sys
import time

JOB_ENV = "GLUONX_LAUNCH_JOB"
#: linux/prctl.h
PR_SET_PDEATHSIG = 1

_prctl = None


def job_processes(marker, exclude=()):
    """PIDs of the processes whose environment holds ``GLUONX_LAUNCH_JOB=marker`` (empty off Linux)."""
    needle = "{}={}".format(JOB_ENV, marker).encode()
    skip = {os.getpid(), *exclude}
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit() or int(entry) in skip:
            continue
        try:
            with open("/proc/{}/environ".format(entry), "rb") as handle:
                if needle in handle.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:  # gone, or another user's
            continue
    return found


def signal_job(marker, signum, exclude=()):
    """Send ``signum`` to every process of the job; returns their PIDs."""
    pids = job_processes(marker, exclude)
    for pid in pids:
        try:
            os.kill(pid, signum)
        except (ProcessLookupError, PermissionError):
            pass
    return pids


def kill_job(marker, exclude=(), timeout=5.0):
    """SIGKILL every process of the job, again and again until none is left (a process may fork while it
    is being killed) or ``timeout`` seconds passed; returns True if none is left."""
    deadline = time.monotonic() + timeout
    while True:
        if not signal_job(marker, signal.SIGKILL, exclude):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def _load_prctl():
    global _prctl
    if _prctl is None and sys.platform.startswith("linux"):
        import ctypes
        try:
            _prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            _prctl = False
    return _prctl or None


def die_with_parent(signum=signal.SIGKILL):
    """A ``preexec_fn`` for ``subprocess.Popen``: the child gets ``signum`` when the launcher dies.

    ``prctl`` is looked up here, in the parent, so that the child only makes the system call.
    """
    prctl = _load_prctl()
    parent = os.getpid()
    if prctl is None:
        return None

    def preexec():
        prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0)
        if os.getppid() != parent:  # the launcher died before the call: nobody would kill this child
            os.kill(os.getpid(), signum)
    return preexec


def watchdog_command(marker, python=None):
    """The command of the watchdog of job ``marker`` (give it a pipe as stdin)."""
    return [python or sys.executable, "-I", "-S", os.path.abspath(__file__), marker]


def _watch(marker):
    # block until the launcher closes the pipe (normally, or by dying)
    while True:
        try:
            if not os.read(0, 4096):
                break
        except InterruptedError:
            continue
        except OSError:
            break
    kill_job(marker)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C meant for the launcher must not stop the cleanup
    _watch(sys.argv[1])
