"""``gluonx train``: the main job, on embedded data and on real-format files."""
import json
import os

import pytest

from gluonx.cli import main

import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
from idx_files import write_mnist_folder  # noqa: E402


def train(tmp_path, *extra, out="run"):
    return main(["train", "lenet", "--model-arg", "activation=relu", "--batch-size", "64", "--no-progress",
                 "--out", str(tmp_path / out)] + list(extra))


def test_train_resume_and_refuse_to_overwrite(tmp_path, capsys):
    assert train(tmp_path, "--epochs", "1") == 0
    out = capsys.readouterr().out
    assert "training lenet on digits (1347 train / 450 test samples)" in out
    assert "test accuracy: " in out and "samples/s" in out
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["epochs"] == 1 and 0 <= summary["test_accuracy"] <= 1
    assert {"history.csv", "history.json", "learning_curve.png", "checkpoints"} <= set(os.listdir(tmp_path / "run"))
    capsys.readouterr()
    assert train(tmp_path, "--epochs", "2") == 2
    err = capsys.readouterr().err
    assert "pass --resume" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert train(tmp_path, "--epochs", "2", "--resume") == 0
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    assert [row["epoch"] for row in history["epochs"]] == [0, 1]
    assert train(tmp_path, "--epochs", "1", "--resume", out="empty") == 2
    assert "no checkpoint" in capsys.readouterr().err
    with pytest.raises(FileNotFoundError, match="no checkpoint"):  # --traceback shows the real exception
        train(tmp_path, "--epochs", "1", "--resume", "--traceback", out="empty")


def test_min_accuracy_fails_the_run(tmp_path, capsys):
    assert train(tmp_path, "--epochs", "1", "--lr", "0", "--min-accuracy", "0.99") == 1
    assert "below --min-accuracy" in capsys.readouterr().err


def test_train_on_fashion_mnist_files(tmp_path, capsys):
    write_mnist_folder(tmp_path, n_train=40, n_test=10)
    code = main(["train", "lenet", "--dataset", "fashion_mnist", "--data-root", str(tmp_path), "--epochs", "1",
                 "--batch-size", "16", "--no-progress", "--out", str(tmp_path / "fm"), "--ctx", "cpu:0,cpu:1"])
    assert code == 0
    assert "(40 train / 10 test samples) on cpu(0),cpu(1)" in capsys.readouterr().out


def test_file_dataset_needs_a_root(tmp_path, capsys):
    assert main(["train", "lenet", "--dataset", "mnist", "--out", str(tmp_path / "x"), "--no-progress"]) == 2
    assert "give --data-root" in capsys.readouterr().err
