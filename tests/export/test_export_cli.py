"""`gluonx export` and `gluonx predict`, run in-process through gluonx.cli.main."""
import json
import os
import re

import mxnet as mx
import numpy as np
import pytest

from gluonx.cli import main
from gluonx.deploy import Predictor, read_manifest
from gluonx.deploy.cli import parse_shape


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def lenet_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli") / "lenet"
    code = main(["export", "lenet", "--out", str(folder), "--onnx", "--input-shape", "3,1,28,28",
                 "--class-names", ",".join("digit{}".format(i) for i in range(10)), "--mean", "0.5", "--std", "0.25"])
    assert code == 0
    return str(folder)


def test_export_writes_a_checked_manifest(lenet_folder):
    manifest, _ = read_manifest(lenet_folder)
    assert sorted(manifest.files) == ["onnx", "params", "symbol"]
    assert manifest.inputs[0]["shape"] == [3, 1, 28, 28] and manifest.inputs[0]["dynamic_axes"] == [0]
    assert manifest.data["model"]["name"] == "lenet" and manifest.task == "classification"
    assert manifest.data["model"]["spec"] == {"name": "lenet", "plugin": "core", "kwargs": {"preset": "fashion_mnist"}}
    assert manifest.data["model"]["weights"].startswith("random")
    assert manifest.preprocessing == {"layout": "NCHW", "scale": 1 / 255, "mean": [0.5], "std": [0.25]}
    assert set(manifest.data["checks"]) == {"symbol_reload", "onnx_parity"}


def test_predict_prints_top_classes_of_an_npy_sample(lenet_folder, tmp_path, capsys):
    sample = np.random.RandomState(0).uniform(0, 1, (1, 28, 28)).astype("float32")  # no batch axis
    np.save(str(tmp_path / "sample.npy"), sample)
    code, out, _ = run(capsys, "predict", lenet_folder, tmp_path / "sample.npy", "--top-k", "3")
    assert code == 0
    expected = Predictor(lenet_folder).classify(sample[None], k=3)[0]
    rows = [line.split() for line in out.splitlines()[2:]]
    assert [(int(r[2]), r[3]) for r in rows] == [(i, name) for i, name, _ in expected]
    np.testing.assert_allclose([float(r[4]) for r in rows], [p for _, _, p in expected], atol=1e-4)


def test_predict_json_raw_and_image(lenet_folder, tmp_path, capsys):
    from PIL import Image
    pixels = np.random.RandomState(1).randint(0, 256, (28, 28)).astype("uint8")
    Image.fromarray(pixels).save(str(tmp_path / "digit.png"))
    code, out, _ = run(capsys, "predict", lenet_folder, tmp_path / "digit.png", "--json", "--backend", "onnxruntime",
                       "--save", tmp_path / "out.npz")
    assert code == 0
    payload = json.loads(out)
    expected = Predictor(lenet_folder).predict(((pixels / 255.0 - 0.5) / 0.25).astype("float32")[None, None])
    np.testing.assert_allclose(payload["outputs"][0]["values"], expected, rtol=1e-4, atol=1e-5)
    assert payload["top_k"][0][0]["name"].startswith("digit")
    with np.load(str(tmp_path / "out.npz")) as saved:
        np.testing.assert_allclose(saved["arr_0"], expected, rtol=1e-4, atol=1e-5)
    code, out, _ = run(capsys, "predict", lenet_folder, tmp_path / "digit.png", "--raw")
    # the output's name carries Gluon's global block counter (lenet0, lenet1, ...), so match its shape
    assert code == 0 and re.match(r"output 0 'lenet\d+_dense2_fwd': shape \(1, 10\) float32", out)


def test_export_static_batch_and_json(tmp_path, capsys):
    code, out, _ = run(capsys, "export", "mlp", "--out", tmp_path / "mlp", "--input-shape", "2x16",
                       "--kwargs", '{"num_classes": 3}', "--static-batch", "--json")
    assert code == 0
    manifest = json.loads(out)
    assert manifest["inputs"][0]["shape"] == [2, 16] and not manifest["dynamic_batch"]
    assert manifest["outputs"][0]["shape"] == [2, 3] and manifest["preprocessing"] is None
    assert "onnx" not in manifest["files"]


def test_export_loads_trained_parameters(lenet_folder, tmp_path, capsys):
    code, _, _ = run(capsys, "export", "lenet", "--out", tmp_path / "again", "--params",
                     os.path.join(lenet_folder, "model-0000.params"), "--input-shape", "2,1,28,28")
    assert code == 0
    x = np.random.RandomState(2).uniform(size=(2, 1, 28, 28)).astype("float32")
    np.testing.assert_allclose(Predictor(str(tmp_path / "again"))(x), Predictor(lenet_folder)(x), rtol=1e-6)
    # a trainer checkpoint stores params.nd by structural name
    import gluonx
    net = gluonx.get_model("lenet", **gluonx.get_model_info("lenet").kwargs)
    gluonx.deploy.load_parameters(net, lenet_folder)
    mx.nd.save(str(tmp_path / "params.nd"), {k: p.data() for k, p in net._collect_params_with_prefix().items()})
    code, _, _ = run(capsys, "export", "lenet", "--out", tmp_path / "from_nd", "--params", tmp_path / "params.nd")
    assert code == 0
    np.testing.assert_allclose(Predictor(str(tmp_path / "from_nd"))(x), Predictor(lenet_folder)(x), rtol=1e-6)


def test_errors_exit_2_with_a_message(lenet_folder, tmp_path, capsys):
    checkpoint = tmp_path / "ckpt"
    checkpoint.mkdir()
    (checkpoint / "checkpoint.json").write_text("{}")
    code, _, err = run(capsys, "export", checkpoint, "--out", tmp_path / "x")
    assert code == 2 and "is not a gluonx checkpoint (format marker None" in err
    (checkpoint / "checkpoint.json").unlink()
    (checkpoint / "latest.json").write_text('{"checkpoint": "ckpt-e0001-b00000010"}')
    code, _, err = run(capsys, "export", checkpoint, "--out", tmp_path / "x")
    assert code == 2 and "no gluonx checkpoint in" in err and "ckpt-e0001-b00000010" in err
    code, _, err = run(capsys, "export", tmp_path, "--out", tmp_path / "x")
    assert code == 2 and "not a gluonx checkpoint" in err
    code, _, err = run(capsys, "export", "lenett", "--out", tmp_path / "x")
    assert code == 2 and "closest: lenet" in err
    code, _, err = run(capsys, "export", "lenet", "--out", tmp_path / "x", "--input-shape", "1,a")
    assert code == 2 and "invalid shape '1,a'" in err
    code, _, err = run(capsys, "export", "lenet", "--out", tmp_path / "x", "--input-shape", "1,1,28,28",
                       "--input-shape", "1,3")
    assert code == 2 and "the model takes 1 inputs, 2 --input-shape given" in err
    np.save(str(tmp_path / "wrong.npy"), np.ones((2, 3, 28, 28), "float32"))
    code, _, err = run(capsys, "predict", lenet_folder, tmp_path / "wrong.npy")
    assert code == 2 and "expects shape (N, 1, 28, 28)" in err and "axis 1 is 3, expected 1" in err
    code, _, err = run(capsys, "predict", tmp_path, tmp_path / "wrong.npy")
    assert code == 2 and "not a gluonx export folder" in err
    code, _, err = run(capsys, "predict", lenet_folder, tmp_path / "input.txt")
    assert code == 2 and "expected .npy, .npz or an image" in err


def test_parse_shape():
    assert parse_shape("1,3,224,224") == parse_shape("1x3x224x224") == parse_shape("(1, 3, 224, 224)")
    with pytest.raises(ValueError, match="positive integers"):
        parse_shape("0,3")


def test_export_from_a_training_run(tmp_path, capsys):
    """A `gluonx train --out` folder exports its best checkpoint's weights, rebuilt from the recorded spec."""
    import gluonx
    from gluonx.cli import main
    assert main(["train", "lenet", "--model-arg", "activation=relu", "--epochs", "1", "--batch-size", "64",
                 "--no-progress", "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    code, _, err = run(capsys, "export", tmp_path / "run", "--out", tmp_path / "exported", "--onnx")
    assert code == 0, err
    net = gluonx.get_model("lenet", num_classes=10, activation="relu")
    best = gluonx.deploy.sources.checkpoint_folder(str(tmp_path / "run"))
    gluonx.train.checkpoint.load_parameters(best, net)
    x = np.random.RandomState(3).uniform(size=(3, 1, 28, 28)).astype("float32")
    expected = net(mx.nd.array(x)).asnumpy()
    np.testing.assert_allclose(Predictor(str(tmp_path / "exported"))(x), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(Predictor(str(tmp_path / "exported"), backend="onnxruntime")(x), expected,
                               rtol=1e-4, atol=1e-5)
    code, _, err = run(capsys, "export", tmp_path / "run", "--out", tmp_path / "x2", "--params", best + "/params.nd")
    assert code == 2 and "--params cannot be combined with a checkpoint" in err
