"""Helpers of the distributed tests: run dist_worker.py under `gluonx launch` and compare with one process."""
import json
import os
import subprocess
import sys
import time
import uuid

import numpy as np
import pytest

import dist_worker

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "dist_worker.py")
LAUNCH_TIMEOUT = 120


def launch(out, mode, kvstore, epochs=2, backend="ps", resume=False):
    """Run dist_worker.py under `gluonx launch`; returns (exit code, output, seconds, marker)."""
    marker = uuid.uuid4().hex
    command = [sys.executable, "-m", "gluonx", "launch", "-n", "2", "--backend", backend, "--timeout",
               str(LAUNCH_TIMEOUT), "--grace", "2", "--", sys.executable, WORKER, mode, str(out), kvstore, str(epochs)]
    env = dict(os.environ, GLUONX_TEST_MARKER=marker, OMP_NUM_THREADS="1")
    started = time.monotonic()
    proc = subprocess.run(command + (["--resume"] if resume else []), capture_output=True, text=True,
                          timeout=LAUNCH_TIMEOUT + 30, env=env)
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started, marker


def leftover_processes(marker):
    """Processes whose environment carries ``marker`` (children of a finished launcher must be gone)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/{}/environ".format(pid), "rb") as handle:
                if marker.encode() in handle.read():
                    found.append(int(pid))
        except OSError:
            continue
    return found


def reference(epochs):
    """One process, batch 2B, the same seed and data order."""
    from gluonx.data.arrays import ArrayDataset
    trainer = dist_worker.make_trainer("device")
    trainer.fit(ArrayDataset(*dist_worker.make_data()), epochs=epochs, batch_size=2 * dist_worker.LOCAL_BATCH,
                log_interval=3)
    return trainer


def load_ranks(out):
    return [json.load(open(os.path.join(str(out), "rank{}.json".format(r)))) for r in (0, 1)]


def assert_matches_one_process(records, epochs):
    single = reference(epochs)
    expected = single.parameters()
    for record in records:
        assert record["num_workers"] == 2
        for key, value in expected.items():
            np.testing.assert_allclose(np.asarray(record["params"][key]), value, rtol=1e-5, atol=1e-6, err_msg=key)
        for mine, theirs in zip(record["epochs"], single.state.epochs):  # metrics are global, not per worker
            assert mine["loss"] == pytest.approx(theirs["loss"], rel=1e-5)
            assert mine["accuracy"] == pytest.approx(theirs["accuracy"])
        assert [row["batch"] for row in record["history"]] == [row["batch"] for row in single.state.history]
        norms = [row["grad_norm"] for row in single.state.history]
        assert [row["grad_norm"] for row in record["history"]] == pytest.approx(norms, rel=1e-4)
    assert min(norms) < dist_worker.CLIP_NORM < max(norms)  # clipping was active in some steps
