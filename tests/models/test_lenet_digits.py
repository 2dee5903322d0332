"""The promise of ``make demo`` (README, "Set-up"), checked in CI: LeNet trained by ``gluonx train`` — that is,
through ``gluonx.Trainer`` and the registered ``digits`` dataset — reaches at least 97 % test accuracy.

The command is read from the Makefile's ``demo`` target, so the test runs exactly what the demo runs (only
the output folder moves to a temporary directory and the progress bar is turned off). Takes about 20 s of
CPU time.
"""
import json
import os
import shlex

import pytest

pytest.importorskip("mxnet")
pytest.importorskip("sklearn.datasets")

from gluonx.cli import main  # noqa: E402

MAKEFILE = os.path.join(os.path.dirname(__file__), "..", "..", "Makefile")


def demo_train_arguments(makefile=MAKEFILE):
    """The arguments of the ``$(BIN)/gluonx train`` command in the Makefile's ``demo`` recipe."""
    with open(makefile) as handle:
        text = handle.read().replace("\\\n", " ")
    recipe = text.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    for line in recipe.splitlines():
        words = shlex.split(line.strip())
        if words[:2] == ["$(BIN)/gluonx", "train"]:
            return words[1:]
    raise AssertionError("the Makefile's demo target runs no '$(BIN)/gluonx train' command")


def test_demo_command_is_the_documented_one():
    argv = demo_train_arguments()
    assert argv[:2] == ["train", "lenet"]
    def value(flag):
        assert flag in argv, "make demo's gluonx train has no {}".format(flag)
        return argv[argv.index(flag) + 1]
    assert value("--dataset") == "digits" and value("--min-accuracy") == "0.97"


def test_make_demo_training_reaches_97_percent_on_digits(tmp_path, capsys):
    argv = [str(tmp_path / "demo") if word == "$(DEMO_OUT)" else word for word in demo_train_arguments()]
    code = main(argv + ["--no-progress"])
    out, err = capsys.readouterr()
    with open(tmp_path / "demo" / "summary.json") as handle:
        summary = json.load(handle)
    assert summary["dataset"] == "digits" and summary["epochs"] >= 1
    assert summary["test_accuracy"] >= 0.97, (summary, out, err)
    assert code == 0, err
