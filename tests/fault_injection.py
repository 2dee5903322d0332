"""A fork server for the kill tests: import MXNet once, then run each job in a forked child that may be
SIGKILLed at a fault point (``GLUONX_FAULT_POINT``, see :mod:`gluonx.utils.atomic`).

Starting a fresh interpreter per kill would cost the MXNet import every time; a forked child is a real
process that dies by a real SIGKILL, with no ``finally`` block or ``atexit`` handler run.
"""
import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import textwrap

_SERVER = textwrap.dedent('''
    import json, os, sys, traceback
    namespace = {"__name__": "fault_jobs"}
    exec(compile(sys.argv[1], "fault_jobs", "exec"), namespace)
    print("ready", flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            code = 0
            try:
                os.environ.update(job["env"])
                namespace[job["function"]](*job["args"])
            except BaseException:
                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                          "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None}), flush=True)
''')


class ForkServer:
    """Run functions defined in ``source`` in forked children of one long-lived interpreter.

    Parameters
    ----------
    source : str
        Python source defining the job functions (its imports run once, in the server).
    """

    def __init__(self, source, cwd=None):
        env = dict(os.environ)
        env.pop("GLUONX_FAULT_POINT", None)
        self.process = subprocess.Popen([sys.executable, "-c", _SERVER, source], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, cwd=cwd, env=env)
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            self.close()
            raise RuntimeError("the fork server did not start: {!r}".format(line))

    def run(self, function, *args, env=None, log):
        """Run ``function(*args)`` in a forked child; returns ``{"signal": ..., "exit": ...}`` and the log."""
        job = {"function": function, "args": list(args), "env": dict(env or {}), "log": str(log)}
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        result = json.loads(self.process.stdout.readline())
        with open(str(log), encoding="utf-8", errors="replace") as handle:
            result["log"] = handle.read()
        return result

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def file_size_limit(limit):
    """Writes beyond ``limit`` bytes fail as on a full disk (EFBIG; SIGXFSZ ignored), for this process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)


@contextlib.contextmanager
def umask(mask):
    """Run the block with the process umask set to ``mask``, then restore it."""
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)
