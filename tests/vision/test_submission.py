"""``gluonx predict EXPORT DIR --csv`` (D2L 9.12-9.13) end to end: train on an image folder, export the run,
write the submission, and compare it with the Predictor's own outputs and with the pictures' true classes."""
import csv
import os
import sys

import numpy as np
import pytest

from gluonx.cli import main

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from folders import write_colour_folder  # noqa: E402


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("kaggle")
    truth = write_colour_folder(str(root / "data"), per_class=24, test_count=12)
    assert main(["train", "lenet", "--dataset", "image_folder", "--dataset-arg", "root=" + str(root / "data"),
                 "--dataset-arg", "image_size=[16, 20]", "--dataset-arg", "valid_fraction=0.25",
                 "--model-arg", "activation=relu", "--epochs", "6", "--lr", "0.004", "--batch-size", "16",
                 "--no-progress", "--out", str(root / "run")]) == 0
    assert main(["export", str(root / "run"), "--out", str(root / "export")]) == 0
    return root, truth


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_submission_matches_the_predictor(exported, capsys):
    from gluonx import Predictor
    root, truth = exported
    test_folder = root / "data" / "test"
    out = root / "submission.csv"
    assert main(["predict", str(root / "export"), str(test_folder), "--csv", str(out)]) == 0
    assert "wrote 12 row(s)" in capsys.readouterr().out
    rows = read_rows(out)
    assert rows[0] == ["id", "label"]
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, 13)]  # numeric ids in numeric order: 10 after 9
    predictor = Predictor(str(root / "export"))
    assert predictor.class_names == ["blue", "green", "red"]
    assert predictor.inputs[0]["shape"][2:] == [16, 20]  # exported at the size trained on
    for picture_id, label in rows[1:]:
        path = [str(test_folder / n) for n in os.listdir(test_folder) if os.path.splitext(n)[0] == picture_id][0]
        (index, name, _), = [row[0] for row in predictor.classify(predictor.preprocess_image(path), k=1)]
        assert label == name
    accuracy = np.mean([label == truth[picture_id] for picture_id, label in rows[1:]])
    assert accuracy >= 0.9


def test_files_and_errors(exported, capsys, tmp_path):
    root, _ = exported
    test_folder = root / "data" / "test"
    out = tmp_path / "some.csv"
    assert main(["predict", str(root / "export"), str(test_folder / "3.jpg"), str(test_folder / "12.png"),
                 "--csv", str(out)]) == 0
    assert [r[0] for r in read_rows(out)[1:]] == ["3", "12"]
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "3.png").write_bytes((test_folder / "4.png").read_bytes())
    for inputs, message in (([str(test_folder), str(tmp_path / "other")], "have the same id '3'"),
                            ([str(tmp_path / "notes.txt")], "neither a folder nor a picture"),
                            ([str(tmp_path)], "no picture in this folder")):
        (tmp_path / "notes.txt").write_text("x")
        capsys.readouterr()
        assert main(["predict", str(root / "export")] + inputs + ["--csv", str(tmp_path / "bad.csv")]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1, err
        assert not (tmp_path / "bad.csv").exists()
