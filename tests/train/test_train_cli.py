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


# -- bad input: one line, exit 2, nothing half-made ----------------------------------------------------------
def strict_json(path):
    """Parse JSON as the standard defines it (Python's json would accept a bare NaN)."""
    def refuse(name):
        raise ValueError("not JSON: " + name)
    return json.loads(path.read_text(), parse_constant=refuse)


def run_cli(argv):
    """``main(argv)``'s exit status, also when argparse rejects a value (it exits, as the console script does)."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code


def assert_one_line_error(err, expected):
    assert "Traceback" not in err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("gluonx train: error: ") and expected in last, err


@pytest.mark.parametrize("flags, expected", [
    (["--epochs", "0"], "argument --epochs: expected a value that is positive, got 0"),
    (["--batch-size", "-5"], "argument --batch-size: expected a value that is positive, got -5"),
    (["--model-arg", "dropout"], "argument --model-arg: expected KEY=VALUE, got 'dropout'"),
    (["--lr", "nan"], "argument --lr: expected a value that is a finite number, got nan"),
    (["--wd", "nan"], "argument --wd: expected a value that is a finite number, got nan"),
    (["--lr", "-0.1"], "argument --lr: expected a value that is zero or more, got -0.1"),
    (["--wd", "inf"], "argument --wd: expected a value that is a finite number, got inf"),
    (["--clip-global-norm", "0"], "argument --clip-global-norm: expected a value that is positive"),
    (["--threads", "0"], "argument --threads: expected a value that is positive, got 0"),
    (["--grad-accumulation", "0"], "argument --grad-accumulation: expected a value that is positive, got 0"),
    (["--keep-last", "0"], "argument --keep-last: expected a value that is positive, got 0"),
    (["--threads", "many"], "argument --threads: expected an integer, got 'many'"),
    (["--min-accuracy", "nan"], "argument --min-accuracy: expected a value that is a finite number"),
    (["--optimizer", "nosuch"], "unknown optimizer 'nosuch'"),
    (["--optimizer-param", "momentum=NaN"], "--optimizer-param momentum must be a finite number, got nan"),
    (["--model-arg", "nosuch=1"], "nosuch"),
    (["--recipe", "gru_lm-python_docs"], "--recipe gru_lm-python_docs is for gru_lm on python_docs, not lenet"),
    (["--recipe", "lenet-digit"], "unknown recipe 'lenet-digit'; closest: lenet-digits"),
    (["--dataset", "mnist"], "give --data-root"),
    (["--resume"], "--resume: no checkpoint in"),
])
def test_bad_values_give_one_line_exit_2_and_leave_no_folder(tmp_path, capsys, flags, expected):
    out = tmp_path / "run"
    code = run_cli(["train", "lenet", "--no-progress", "--out", str(out)] + flags)
    assert code == 2
    assert_one_line_error(capsys.readouterr().err, expected)
    assert not out.exists(), sorted(os.listdir(out))


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("not a folder")
    assert main(["train", "lenet", "--out", str(target)]) == 2
    assert_one_line_error(capsys.readouterr().err, "--out {} is a file; expected a folder".format(target))
    assert target.read_text() == "not a folder"
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "checkpoints").write_text("x")
    assert main(["train", "lenet", "--out", str(tmp_path / "run")]) == 2
    assert_one_line_error(capsys.readouterr().err, "is a file, where checkpoints go")


def test_min_accuracy_needs_a_task_measured_by_accuracy(tmp_path, capsys):
    assert main(["train", "gru_lm", "--dataset", "python_docs", "--min-accuracy", "0.5",
                 "--out", str(tmp_path / "run")]) == 2
    assert_one_line_error(capsys.readouterr().err, "--min-accuracy applies to tasks measured by accuracy")
    assert not (tmp_path / "run").exists()


def test_untrainable_task_is_refused(tmp_path, capsys):
    assert main(["train", "birnn_encoder", "--out", str(tmp_path / "run")]) == 2
    assert_one_line_error(capsys.readouterr().err, "task 'sequence-encoder' is not trained on its own")
    assert not (tmp_path / "run").exists()


def test_diverged_run_exits_1_with_valid_summary(tmp_path, capsys):
    code = main(["train", "lenet", "--optimizer", "sgd", "--lr", "1e10", "--epochs", "2", "--no-progress",
                 "--out", str(tmp_path / "run")])
    assert code == 1
    err = capsys.readouterr().err
    assert_one_line_error(err, "the loss became NaN or infinite in epoch 0")
    summary = strict_json(tmp_path / "run" / "summary.json")
    assert summary["status"] == "diverged" and summary["test_loss"] is None


def test_resume_keeps_the_saved_settings_and_refuses_conflicting_flags(tmp_path, capsys):
    run = tmp_path / "run"
    assert train(tmp_path, "--epochs", "2") == 0  # --batch-size 64 overrides the recipe's 32
    capsys.readouterr()
    for flags, expected in [(["--lr", "0.1"], "--resume: --lr 0.1 differs from the saved run's --lr 0.004"),
                            (["--batch-size", "16"], "--batch-size 16 differs from the saved run's --batch-size 64"),
                            (["--model-arg", "activation=tanh"], "--model-arg activation=\"tanh\" differs"),
                            (["--epochs", "1"], "--resume: --epochs 1 is fewer than the 2 epoch(s) already done")]:
        code = main(["train", "lenet", "--no-progress", "--resume", "--out", str(run)] + flags)
        assert code == 2, flags
        assert_one_line_error(capsys.readouterr().err, expected)
    # the flags the first run gave again are no conflict; more epochs extend the run, and it says so
    assert train(tmp_path, "--epochs", "3", "--resume") == 0
    out = capsys.readouterr().out
    assert "resuming with the settings saved in" in out and "--epochs 3 replaces the saved run's 2" in out
    history = json.loads((run / "history.json").read_text())
    assert [row["epoch"] for row in history["epochs"]] == [0, 1, 2]
    saved = json.loads((run / "run.json").read_text())["settings"]
    assert (saved["batch_size"], saved["epochs"], saved["lr"]) == (64, 3, 0.004)
    # no flag at all: the saved settings, not the recipe's batch size
    assert main(["train", "lenet", "--no-progress", "--resume", "--epochs", "3", "--out", str(run)]) == 0
    assert json.loads((run / "run.json").read_text())["settings"]["batch_size"] == 64
