"""gluonx.Predictor: validation with clear errors, batching, both backends, images, top-k, no plugin code."""
import subprocess
import sys

import mxnet as mx
import numpy as np
import pytest
from mxnet.gluon import nn

import gluonx
from gluonx.deploy import InputMismatchError, Predictor, top_k

from export_helpers import dense_bn_reference


@pytest.fixture(scope="module")
def predictor(dense_bn_export):
    return Predictor(dense_bn_export[1])


@pytest.mark.parametrize("value,message", [
    (np.ones((2, 6, 1)), r"expects shape \(N, 6\) .* got rank 3 with shape \(2, 6, 1\)"),
    (np.ones(6), r"got rank 1 with shape \(6,\) \(add the batch axis: x\[None\]\)"),
    (np.ones((2, 7)), r"got shape \(2, 7\) \(axis 1 is 7, expected 6\)"),
    (np.ones((0, 6)), r"got an empty batch, shape \(0, 6\)"),
    (np.array([[np.nan] * 6]), "got NaN or infinite values"),
    (np.array([["a"] * 6]), "got an array of dtype <U1"),
])
def test_bad_inputs_name_expected_and_received(predictor, value, message):
    with pytest.raises(InputMismatchError, match=r"Predictor\(DenseBN\): input 'data' expects shape \(N, 6\)"):
        predictor(value)
    with pytest.raises(InputMismatchError, match=message):
        predictor(value)


def test_wrong_number_of_inputs(predictor):
    with pytest.raises(InputMismatchError, match=r"expects 1 input array\(s\) \(data\) nested as \[0\], got 2"):
        predictor(np.ones((2, 6)), np.ones((2, 6)))


def test_large_inputs_run_in_batches(dense_bn_export):
    net, folder, _ = dense_bn_export
    small = Predictor(folder, batch_size=2)
    calls = []
    run = small._run
    small._run = lambda arrays: calls.append(arrays[0].shape[0]) or run(arrays)
    x = np.random.RandomState(5).uniform(-1, 1, (5, 6))  # float64 in, cast to the model's float32
    np.testing.assert_allclose(small(x), dense_bn_reference(net, x), rtol=1e-5, atol=1e-5)
    assert calls == [2, 2, 1]
    assert small(mx.nd.array(x)).shape == (5, 5)  # NDArrays are accepted too


def test_classify_gives_softmax_top_k_with_class_names(dense_bn_export, predictor):
    net, _, _ = dense_bn_export
    x = np.random.RandomState(6).uniform(-1, 1, (3, 6)).astype("float32")
    logits = dense_bn_reference(net, x)
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    ranked = predictor.classify(x, k=2)
    for row, probs in zip(ranked, probabilities):
        best = np.argsort(-probs)[:2]
        assert [i for i, _, _ in row] == list(best)
        assert [name for _, name, _ in row] == [list("abcde")[i] for i in best]
        np.testing.assert_allclose([p for _, _, p in row], probs[best], rtol=1e-5)
    with pytest.raises(ValueError, match="N x C scores"):
        top_k(np.ones(3))


class TokenSum(nn.HybridBlock):
    """Embedding of int32 token ids, summed over time: an integer input."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.embedding = nn.Embedding(11, 4)

    def hybrid_forward(self, F, tokens):
        return self.embedding(tokens).sum(axis=1)


def test_integer_inputs_take_integers_only(tmp_path):
    net = TokenSum()
    net.initialize(mx.init.Uniform())
    tokens = np.random.RandomState(0).randint(0, 11, (2, 5)).astype("int32")
    gluonx.export(net, str(tmp_path), [tokens], formats=("symbol",))
    predictor = Predictor(str(tmp_path))
    weight = net.embedding.weight.data().asnumpy()
    more = np.random.RandomState(1).randint(0, 11, (3, 5))  # int64 converts to int32 without changing kind
    np.testing.assert_allclose(predictor(more), weight[more].sum(axis=1), rtol=1e-6)
    with pytest.raises(InputMismatchError, match="expects shape .* and dtype int32; got dtype float64"):
        predictor(more.astype("float64"))


def test_onnxruntime_backend_and_contexts(dense_bn_export):
    net, folder, _ = dense_bn_export
    x = np.random.RandomState(7).uniform(-1, 1, (9, 6)).astype("float32")
    runtime = Predictor(folder, backend="onnxruntime", batch_size=4, threads=1)
    np.testing.assert_allclose(runtime(x), dense_bn_reference(net, x), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="backend must be one of"):
        Predictor(folder, backend="tensorrt")
    with pytest.raises(ValueError, match="ctx must be 'cpu', 'gpu', 'gpu\\(N\\)'"):
        Predictor(folder, ctx="tpu")
    import onnxruntime
    if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
        with pytest.raises(ValueError, match="needs onnxruntime's CUDAExecutionProvider"):
            Predictor(folder, backend="onnxruntime", ctx="gpu(0)")


def test_images_are_preprocessed_as_the_manifest_says(lenet_export, dense_bn_export, tmp_path):
    from PIL import Image
    net, folder, _ = lenet_export
    pixels = np.random.RandomState(8).randint(0, 256, (28, 28)).astype("uint8")
    Image.fromarray(pixels).save(str(tmp_path / "digit.png"))
    expected_input = ((pixels / 255.0 - 0.25) / 0.5).astype("float32")[None, None]
    for backend in ("mxnet", "onnxruntime"):
        predictor = Predictor(folder, backend=backend)
        np.testing.assert_allclose(predictor.preprocess_image(str(tmp_path / "digit.png")), expected_input,
                                   rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(predictor.predict_image(str(tmp_path / "digit.png")),
                                   net(mx.nd.array(expected_input)).asnumpy(), rtol=1e-4, atol=1e-5)
    Image.fromarray(np.stack([pixels] * 3, axis=2)).resize((56, 40)).save(str(tmp_path / "big.jpg"))
    assert predictor.preprocess_image(str(tmp_path / "big.jpg")).shape == (1, 1, 28, 28)
    with pytest.raises(ValueError, match="records no image preprocessing"):
        Predictor(dense_bn_export[1]).preprocess_image(pixels)


def test_predictor_needs_no_plugin_or_model_code(dense_bn_export, tmp_path):
    folder = dense_bn_export[1]
    code = """
import sys, numpy as np
from gluonx.deploy import Predictor
out = Predictor(sys.argv[1])(np.ones((2, 6), "float32"))
from gluonx._plugins import get_host
assert out.shape == (2, 5)
assert not get_host()._loaded, "the predictor loaded plugins"
assert not [m for m in sys.modules if m.startswith(("gluonx_", "gluonx.models", "gluonx.nn"))]
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", code, folder], capture_output=True, text=True, timeout=120,
                          cwd=str(tmp_path))
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]
