"""Real jobs on localhost with Horovod (`gluonx launch --backend horovod`, horovodrun --gloo, 2 processes).

Skipped with a reason where Horovod is not built (`make horovod` builds it; `make test` does first).
"""
import pytest

from dist_helpers import LAUNCH_TIMEOUT, assert_matches_one_process, launch, leftover_processes, load_ranks

pytest.importorskip("horovod.mxnet", reason="Horovod with MXNet support is not installed: run `make horovod`")


def test_two_horovod_workers_match_one_process(tmp_path):
    code, output, _, marker = launch(tmp_path, "train", "horovod", epochs=2, backend="horovod")
    assert code == 0, output
    records = load_ranks(tmp_path)
    assert [r["rank"] for r in records] == [0, 1]
    assert "[worker 0] rank 0 done after 12 batches" in output and "[worker 1] rank 1 done" in output
    assert_matches_one_process(records, epochs=2)
    assert sorted(p.name for p in (tmp_path / "ckpt").iterdir()) == [
        "ckpt-e0000-b00000006", "ckpt-e0001-b00000012", "latest.json"]
    assert leftover_processes(marker) == []


def test_a_killed_horovod_worker_fails_the_launch_and_is_named(tmp_path):
    code, output, elapsed, marker = launch(tmp_path, "die", "horovod", epochs=2, backend="horovod")
    assert code != 0, output
    assert "gluonx launch: horovodrun failed" in output and "worker 1 exited with status 137" in output
    assert elapsed < LAUNCH_TIMEOUT
    assert leftover_processes(marker) == []
