"""Real jobs on localhost: `gluonx launch` with MXNet's parameter server (2 workers + 1 server).

2 workers with batch B reach the parameters of 1 process with batch 2B on the same data order, log the
same (global) metrics, write checkpoints on rank 0 and resume from them; a worker with less data does not
hang the job; a killed worker makes the launcher fail fast, naming it, and leaves no process behind.
"""
import os

from dist_helpers import LAUNCH_TIMEOUT, assert_matches_one_process, launch, leftover_processes, load_ranks


def test_two_workers_match_one_process_and_resume(tmp_path):
    code, output, _, marker = launch(tmp_path, "train", "dist_sync", epochs=2)
    assert code == 0, output
    records = load_ranks(tmp_path)
    assert [r["rank"] for r in records] == [0, 1]
    assert [r["launch_index"] for r in records] == ["0", "1"]  # the output prefix is the kvstore rank
    assert "[worker 0] rank 0 done after 12 batches" in output and "[worker 1] rank 1 done" in output
    assert_matches_one_process(records, epochs=2)
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["ckpt-e0000-b00000006", "ckpt-e0001-b00000012", "latest.json"]
    # resume in distributed mode (with the device-aggregating kvstore): every worker loads rank 0's checkpoint
    code, output, _, _ = launch(tmp_path, "train", "dist_device_sync", epochs=3, resume=True)
    assert code == 0, output
    records = load_ranks(tmp_path)
    assert [r["batches"] for r in records] == [6, 6]
    assert_matches_one_process(records, epochs=3)
    assert leftover_processes(marker) == []


def test_a_worker_with_less_data_does_not_hang_the_job(tmp_path):
    code, output, elapsed, _ = launch(tmp_path, "short", "dist_sync", epochs=2)
    assert code == 0, output
    assert [r["batches"] for r in load_ranks(tmp_path)] == [8, 8]  # 2 epochs of the shorter 4 batches


def test_a_killed_worker_fails_the_launch_fast_and_names_it(tmp_path):
    code, output, elapsed, marker = launch(tmp_path, "die", "dist_sync", epochs=2)
    assert code == 128 + 9, output
    assert "gluonx launch: worker 1 failed (killed by SIGKILL); stopping the other processes" in output
    assert elapsed < LAUNCH_TIMEOUT  # not the timeout: the failure was seen
    assert leftover_processes(marker) == []
