"""The launcher never hangs, with real MXNet workers (parameter server and Horovod on localhost).

- A worker whose Python code raises (a raw ``dist_sync`` / ``horovod.mxnet`` script, or an error inside
  ``gluonx.Trainer``) would print its traceback and then wait forever for its peers at exit; the job must end
  within 30 s of the raise, naming ``worker 1`` and its error, with the traceback, and leave no process.
- A launcher killed with SIGKILL takes its scheduler, server, workers and a worker's grandchild in its own
  session (``setsid``) along within seconds.
"""
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from dist_helpers import HERE, leftover_processes

FAULT_WORKER = os.path.join(HERE, "fault_worker.py")
#: The launcher's own --timeout: far above the 30 s the job may take after a worker raised.
JOB_TIMEOUT = 90
MAX_SECONDS_AFTER_RAISE = 30

CASES = [("ps", "raw-ps", "RuntimeError"), ("ps", "trainer-ps", "ValueError"),
         ("horovod", "raw-horovod", "RuntimeError"), ("horovod", "trainer-horovod", "ValueError")]


def _environment(marker):
    return dict(os.environ, GLUONX_TEST_MARKER=marker, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")


def _kill_leftovers(marker):
    for pid in leftover_processes(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_the_cases_are_not_empty():
    assert len(CASES) == 4 and {backend for backend, _, _ in CASES} == {"ps", "horovod"}


@pytest.mark.parametrize("backend,mode,error", CASES, ids=[mode for _, mode, _ in CASES])
def test_a_worker_that_raises_ends_the_job_within_seconds_naming_it(tmp_path, backend, mode, error):
    if backend == "horovod":
        pytest.importorskip("horovod.mxnet", reason="Horovod with MXNet support is not installed: run `make horovod`")
    marker = uuid.uuid4().hex
    command = [sys.executable, "-m", "gluonx", "launch", "-n", "2", "--backend", backend, "--timeout", str(JOB_TIMEOUT),
               "--grace", "2", "--", sys.executable, FAULT_WORKER, mode, str(tmp_path)]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=JOB_TIMEOUT + 30,
                              env=_environment(marker))
        ended = time.time()
    finally:
        _kill_leftovers(marker)
    output = proc.stdout + proc.stderr
    assert (tmp_path / "raised").exists(), output
    assert proc.returncode == 1, output  # not 124: the launcher saw the failure, not its timeout
    assert ended - float((tmp_path / "raised").read_text()) < MAX_SECONDS_AFTER_RAISE, output
    assert "gluonx launch: worker 1 failed ({}: worker 1 raised on purpose)".format(error) in output, output
    assert "[worker 1] Traceback (most recent call last):" in output  # the worker's own traceback, prefixed
    assert "gluonx launch: traceback of worker 1:" in proc.stderr  # and repeated in the launcher's summary
    assert leftover_processes(marker) == []


def test_a_sigkilled_launcher_takes_every_process_of_its_job_along(tmp_path):
    marker = uuid.uuid4().hex
    command = [sys.executable, "-m", "gluonx", "launch", "-n", "2", "--timeout", "120", "--grace", "2", "--",
               sys.executable, FAULT_WORKER, "grandchild", str(tmp_path)]
    launcher = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=_environment(marker))
    try:
        deadline = time.monotonic() + 90
        pid_files = [tmp_path / "pids-0", tmp_path / "pids-1"]
        while not all(p.exists() and p.read_text() for p in pid_files) and time.monotonic() < deadline:
            assert launcher.poll() is None, "the launcher ended before its workers were ready"
            time.sleep(0.2)
        assert all(p.exists() for p in pid_files), "the workers did not start"
        grandchildren = [int(p.read_text().split()[1]) for p in pid_files]
        job = set(leftover_processes(marker)) - {launcher.pid}
        # scheduler, server, 2 workers, 2 grandchildren in their own sessions (and the launcher's watchdog)
        assert len(job) >= 6 and set(grandchildren) <= job
        for pid in grandchildren:
            assert os.getsid(pid) == pid  # really in a session of its own
        launcher.kill()
        launcher.wait(timeout=10)
        deadline = time.monotonic() + 10
        while leftover_processes(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert leftover_processes(marker) == []
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
        _kill_leftovers(marker)
