"""gluoncv's FCN, PSPNet and DeepLabV3 as gluonx entries: the exported symbol and ONNX model follow the input's
height and width (gluoncv's own graph is fixed to its crop size), and match the block at three sizes."""
import contextlib
import io

import mxnet as mx
import numpy as np
import pytest

import gluonx
from gluonx.testing import check_export, check_onnx
from gluonx_segmentation.models.gluoncv_zoo import FAMILIES, GluonCVSegmenter
from gluonx_segmentation.onnx.adaptive_pooling import output_bins

NAMES = {"fcn": "gluoncv_fcn", "psp": "gluoncv_psp", "deeplab": "gluoncv_deeplab"}
# three sizes, none of them the registered 32x40 example nor gluoncv's 480x480 crop, one not a multiple of 8
SIZES = [(1, 3, 24, 48), (2, 3, 56, 32), (1, 3, 37, 53)]


def build(name, backbone="resnet18", seed=0):
    mx.random.seed(seed)
    net = gluonx.get_model(name, num_classes=3, backbone=backbone)
    net.initialize()
    return net


def test_every_family_is_registered():
    assert sorted(NAMES) == sorted(FAMILIES)
    for name in NAMES.values():
        info = gluonx.registry("models").get_info(name)
        assert info.task == "segmentation" and info.onnx
        assert dict(info.inputs[0].dynamic_axes) == {2: "height", 3: "width"}


def test_gluoncv_bakes_its_crop_size_into_the_graph():
    """The problem the wrapper solves: gluoncv's FCN exported as it is outputs crop_size x crop_size."""
    from gluoncv.model_zoo.fcn import FCN
    net = FCN(3, backbone="resnet18", aux=False, pretrained_base=False, crop_size=48)
    net.head = type(net.head)(512, 3)
    net.initialize(force_reinit=True)
    net.hybridize()
    assert net(mx.nd.zeros((1, 3, 24, 40)))[0].shape == (1, 3, 48, 48)


@pytest.mark.parametrize("family", sorted(NAMES))
def test_exported_symbol_and_onnx_follow_the_input_size_and_match_the_block(family):
    net = build(NAMES[family])
    assert isinstance(net, GluonCVSegmenter)
    rng = np.random.RandomState(1)
    inputs = [[rng.uniform(0, 1, shape).astype(np.float32)] for shape in SIZES]
    expected = [net(mx.nd.array(x[0])).asnumpy() for x in inputs]
    assert [e.shape for e in expected] == [(s[0], 3) + s[2:] for s in SIZES]
    check_export(net, inputs[0], inputs[1:], rtol=1e-3, atol=1e-3)
    outputs = check_onnx(net, inputs[0], inputs[1:], dynamic_axes=[[0, 2, 3]], rtol=1e-3, atol=1e-3)
    for got, want in zip(outputs, expected):
        assert got[0].shape == want.shape
        np.testing.assert_allclose(got[0], want, rtol=1e-3, atol=1e-3)


def _adaptive_pool_reference(x, bins):
    """MXNet's bins (floor(i H / b) to ceil((i + 1) H / b)) written out with NumPy."""
    n, c, h, w = x.shape
    out = np.zeros((n, c, bins, bins), x.dtype)
    for i in range(bins):
        for j in range(bins):
            rows = slice(i * h // bins, -(-(i + 1) * h // bins))
            cols = slice(j * w // bins, -(-(j + 1) * w // bins))
            out[:, :, i, j] = x[:, :, rows, cols].mean(axis=(2, 3))
    return out


class _Pool(mx.gluon.HybridBlock):
    def __init__(self, bins, **kwargs):
        super().__init__(**kwargs)
        self.bins = bins

    def hybrid_forward(self, F, x):
        return F.contrib.AdaptiveAvgPooling2D(x, output_size=self.bins)


@pytest.mark.parametrize("bins", [2, 3, 6])
def test_adaptive_pooling_converter_at_dynamic_sizes(bins):
    rng = np.random.RandomState(bins)
    shapes = [(1, 2, 7, 9), (2, 2, 4, 13), (1, 2, 2, 3), (1, 2, 12, 12)]
    inputs = [[rng.standard_normal(s).astype(np.float32)] for s in shapes]
    for (x,) in inputs:
        want = _adaptive_pool_reference(x, bins)
        np.testing.assert_allclose(_Pool(bins)(mx.nd.array(x)).asnumpy(), want, rtol=1e-5, atol=1e-6)
    outputs = check_onnx(_Pool(bins), inputs[0], inputs[1:], dynamic_axes=[[0, 2, 3]], rtol=1e-5, atol=1e-6)
    for (x,), got in zip(inputs, outputs):
        np.testing.assert_allclose(got[0], _adaptive_pool_reference(x, bins), rtol=1e-5, atol=1e-6)


def test_output_bins_reads_mxnet_attributes():
    assert output_bins({}) == (1, 1)
    assert output_bins({"output_size": "6"}) == (6, 6)
    assert output_bins({"output_size": "(2, 3)"}) == (2, 3)


def test_psp_prints_nothing_and_bad_arguments_are_named():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        gluonx.get_model("gluoncv_psp", num_classes=2, backbone="resnet18")
    assert out.getvalue() == ""
    with pytest.raises(ValueError, match="gluoncv_fcn.*backbone"):
        gluonx.get_model("gluoncv_fcn", backbone="vgg16")
    with pytest.raises(ValueError, match="gluoncv_deeplab.*num_classes"):
        gluonx.get_model("gluoncv_deeplab", num_classes=0)
