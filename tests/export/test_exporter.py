"""gluonx.export: files, manifest, checks, nested I/O, static batches, atomic replacement, clear errors."""
import hashlib
import json
import os

import mxnet as mx
import numpy as np
import pytest
from mxnet.gluon import nn

import gluonx
from gluonx.deploy import ExportError, Predictor, read_manifest
from gluonx.testing import run_isolated

from export_helpers import DenseBN, dense_bn_reference, make_dense_bn


def test_gluonx_export_is_the_function_and_import_stays_light():
    import subprocess
    import sys
    code = ("import sys, gluonx; assert 'mxnet' not in sys.modules; f = gluonx.export; "
            "import gluonx.deploy.predictor; assert gluonx.export is f and callable(f), gluonx.export; "
            "assert gluonx.Predictor.__name__ == 'Predictor'; print('ok')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_files_manifest_and_hashes(dense_bn_export):
    net, folder, result = dense_bn_export
    assert sorted(os.listdir(folder)) == ["manifest.json", "model-0000.params", "model-symbol.json", "model.onnx"]
    manifest = json.load(open(os.path.join(folder, "manifest.json")))
    for kind, record in manifest["files"].items():
        data = open(os.path.join(folder, record["path"]), "rb").read()
        assert record["sha256"] == hashlib.sha256(data).hexdigest() and record["bytes"] == len(data), kind
    assert manifest["versions"]["mxnet"] == mx.__version__ and manifest["versions"]["gluonx"] == gluonx.__version__
    assert manifest["inputs"] == [{"name": "data", "shape": [4, 6], "dtype": "float32", "batch_axis": 0,
                                   "dynamic_axes": [0]}]
    assert [(o["shape"], o["batch_axis"]) for o in manifest["outputs"]] == [([4, 5], 0)]
    assert manifest["dynamic_batch"] and manifest["onnx"]["dynamic_batch"]
    assert manifest["class_names"] == list("abcde")
    # the parameter table maps structural names to the names inside the exported files
    stored = {k[4:] for k in mx.nd.load(os.path.join(folder, "model-0000.params"))}
    assert {v["name"] for v in manifest["parameters"].values()} == stored
    assert manifest["parameters"]["norm.running_var"]["name"] == net.norm.running_var.name
    assert set(manifest["checks"]) == {"symbol_reload", "onnx_parity"}
    assert manifest["checks"]["symbol_reload"]["batch_sizes"] == [4, 5]


@pytest.mark.parametrize("backend", ["mxnet", "onnxruntime"])
def test_exported_model_matches_the_numpy_formula_at_any_batch(dense_bn_export, backend):
    net, folder, _ = dense_bn_export
    predictor = Predictor(folder, backend=backend)
    for batch in (1, 7):
        x = np.random.RandomState(batch).uniform(-1, 1, (batch, 6)).astype("float32")
        np.testing.assert_allclose(predictor(x), dense_bn_reference(net, x), rtol=1e-5, atol=1e-5)


def test_onnx_graph_lists_only_real_inputs(dense_bn_export):
    import onnx
    _, folder, result = dense_bn_export
    graph = onnx.load(os.path.join(folder, "model.onnx")).graph
    assert [v.name for v in graph.input] == ["data"]  # weights are initializers, not inputs
    batch_dim, feature_dim = graph.input[0].type.tensor_type.shape.dim
    assert not batch_dim.HasField("dim_value") and feature_dim.dim_value == 6  # only the batch axis is free
    assert result.manifest.data["onnx"]["output_names"] == [o.name for o in graph.output]


def test_exported_symbol_runs_where_gluonx_cannot_be_imported(dense_bn_export, tmp_path):
    net, folder, _ = dense_bn_export
    x = np.random.RandomState(3).uniform(-1, 1, (3, 6)).astype("float32")
    np.save(str(tmp_path / "x.npy"), x)
    script = '''
import json, os, sys
import numpy as np, mxnet as mx
folder, out = sys.argv[1], sys.argv[2]
manifest = json.load(open(os.path.join(folder, "manifest.json")))
names = [spec["name"] for spec in manifest["inputs"]]
net = mx.gluon.SymbolBlock.imports(os.path.join(folder, manifest["files"]["symbol"]["path"]), names,
                                   os.path.join(folder, manifest["files"]["params"]["path"]))
np.save(out, net(mx.nd.array(np.load(os.path.join(out + ".in.npy")))).asnumpy())
assert not any(m == "gluonx" or m.startswith(("gluonx.", "gluonx_")) for m in sys.modules)
'''
    os.rename(str(tmp_path / "x.npy"), str(tmp_path / "y.npy.in.npy"))
    run_isolated(script, [folder, str(tmp_path / "y.npy")], cwd=str(tmp_path))
    np.testing.assert_allclose(np.load(str(tmp_path / "y.npy")), dense_bn_reference(net, x), rtol=1e-5, atol=1e-5)


class Nested(nn.HybridBlock):
    """Takes ``(x, [h, c])`` and returns ``(y, [relu(c), 2y])``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.dense = nn.Dense(3)

    def hybrid_forward(self, F, x, pair):
        h, c = pair
        y = self.dense(x) + h
        return y, [F.relu(c), y * 2]


def test_nested_inputs_and_outputs_keep_their_structure(tmp_path):
    net = Nested()
    net.initialize(mx.init.Xavier())
    rng = np.random.RandomState(0)
    x, h, c = (rng.uniform(-1, 1, s).astype("float32") for s in ((2, 4), (2, 3), (2, 5)))
    result = gluonx.export(net, str(tmp_path), [x, [h, c]])
    assert result.manifest.input_format == [0, [0, 0]] and result.manifest.output_format == [0, [0, 0]]
    assert result.manifest.input_names == ["data0", "data1", "data2"]
    w, b = net.dense.weight.data().asnumpy(), net.dense.bias.data().asnumpy()
    for backend in ("mxnet", "onnxruntime"):
        x3, h3, c3 = (rng.uniform(-1, 1, s).astype("float32") for s in ((3, 4), (3, 3), (3, 5)))
        y, (relu_c, twice) = Predictor(str(tmp_path), backend=backend)(x3, [h3, c3])
        np.testing.assert_allclose(y, x3 @ w.T + b + h3, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(relu_c, np.maximum(c3, 0))
        np.testing.assert_allclose(twice, 2 * y, rtol=1e-6)


class FixedBatch(nn.HybridBlock):
    """Bakes the batch size into the graph. MXNet 1.9.1 runs it at other sizes anyway: (4, -1) silently
    gives wrong shapes, (4, 6) corrupts the heap, so export must find out without running it."""

    def __init__(self, shape, **kwargs):
        super().__init__(**kwargs)
        self.shape = shape

    def hybrid_forward(self, F, x):
        return F.reshape(x, shape=self.shape) * 2


@pytest.mark.parametrize("shape", [(4, -1), (4, 6)])
def test_a_baked_batch_size_is_recorded_as_static_with_the_reason(tmp_path, shape):
    result = gluonx.export(FixedBatch(shape), str(tmp_path), [np.ones((4, 3, 2), "float32")])
    data = result.manifest.data
    assert not data["dynamic_batch"] and "fixes the batch size" in data["static_batch_reason"]
    assert "into (4, {})".format(7 if shape == (4, -1) else 6) in data["static_batch_reason"]
    assert data["inputs"][0]["dynamic_axes"] == [] and not data["onnx"]["dynamic_batch"]
    x = np.random.RandomState(0).uniform(size=(4, 3, 2)).astype("float32")
    for backend in ("mxnet", "onnxruntime"):
        np.testing.assert_allclose(Predictor(str(tmp_path), backend=backend)(x), 2 * x.reshape(4, -1), rtol=1e-6)


def test_failed_export_leaves_the_previous_export_intact(dense_bn_export, tmp_path):
    net = make_dense_bn()
    x = np.ones((2, 6), "float32")
    gluonx.export(net, str(tmp_path), [x], formats=("symbol",))
    before = {name: open(os.path.join(str(tmp_path), name), "rb").read() for name in os.listdir(str(tmp_path))}
    with pytest.raises(ValueError, match="3 class names for a model with 5 outputs"):
        gluonx.export(net, str(tmp_path), [x], formats=("symbol",), class_names=["a", "b", "c"])
    after = {name: open(os.path.join(str(tmp_path), name), "rb").read() for name in os.listdir(str(tmp_path))}
    assert after == before  # no staging folder left, nothing replaced
    Predictor(str(tmp_path))(x)


def test_reexport_replaces_files_and_drops_stale_ones(tmp_path):
    net = make_dense_bn()
    x = np.ones((2, 6), "float32")
    gluonx.export(net, str(tmp_path), [x], formats=("symbol", "onnx"))
    net.dense.bias.set_data(net.dense.bias.data() + 1)
    result = gluonx.export(net, str(tmp_path), [x], formats=("symbol",))
    assert sorted(os.listdir(str(tmp_path))) == ["manifest.json", "model-0000.params", "model-symbol.json"]
    np.testing.assert_allclose(Predictor(str(tmp_path))(x), dense_bn_reference(net, x), rtol=1e-5, atol=1e-5)
    assert read_manifest(str(tmp_path))[0].files == result.manifest.files


def test_onnx_only_export_keeps_no_symbol_files(tmp_path):
    net = make_dense_bn()
    gluonx.export(net, str(tmp_path), [np.ones((2, 6), "float32")], formats="onnx")
    assert sorted(os.listdir(str(tmp_path))) == ["manifest.json", "model.onnx"]
    with pytest.raises(ValueError, match="has no 'symbol' file"):
        Predictor(str(tmp_path), backend="mxnet")


def test_isolated_verification_records_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative export path, as `gluonx export RUN --out RUN/export` gives
    result = gluonx.export(make_dense_bn(), os.path.join("run", "export"), [np.ones((2, 6), "float32")],
                           formats=("symbol",), verify="isolated")
    assert result.manifest.data["checks"]["symbol_reload"]["process"] == "isolated"


class Eye(nn.HybridBlock):
    def hybrid_forward(self, F, x):
        return F.broadcast_add(x, F.eye(3))


def test_clear_errors(tmp_path):
    with pytest.raises(ExportError, match="DenseBN: parameters .* are not initialized"):
        gluonx.export(DenseBN(), str(tmp_path / "a"), [np.ones((2, 6), "float32")])
    with pytest.raises(TypeError, match="expected a HybridBlock, got Block"):
        gluonx.export(nn.Block(), str(tmp_path / "b"), [np.ones((2, 6), "float32")])
    with pytest.raises(ValueError, match="formats must be a non-empty subset"):
        gluonx.export(make_dense_bn(), str(tmp_path / "c"), [np.ones((2, 6))], formats=("tflite",))
    with pytest.raises(ValueError, match="inputs disagree on the batch size"):
        gluonx.export(Nested(), str(tmp_path / "d"), [np.ones((2, 4)), [np.ones((3, 3)), np.ones((2, 5))]])
    with pytest.raises(ExportError, match="No conversion function registered for op type _eye"):
        gluonx.export(Eye(), str(tmp_path / "e"), [np.ones((3, 3), "float32")])
    assert not os.path.exists(str(tmp_path / "e" / "manifest.json"))
    with pytest.raises(ValueError, match="layout must be 'NCHW' or 'NHWC'"):
        gluonx.export(make_dense_bn(), str(tmp_path / "f"), [np.ones((2, 6))], preprocessing={"layout": "HW"})
