"""The book's FCN (D2L 9.10): output of the input's height and width at any size, in the block, the exported
symbol (reloaded in a fresh process without gluonx) and ONNX with dynamic height and width."""
import mxnet as mx
import numpy as np
import pytest

import gluonx
from gluonx.testing import check_export, check_onnx, conformance_entries
from gluonx_segmentation.models.fcn import FCN, fcn_resnet18

SMALL = dict(num_classes=4, channels=(8, 8, 16, 16), stem_channels=8)


@pytest.mark.parametrize("stem, stride", [("standard", 32), ("small", 8)])
@pytest.mark.parametrize("size", [(32, 32), (33, 47), (5, 70), (1, 1)])
def test_output_follows_the_input_size(stem, stride, size):
    net = fcn_resnet18(stem=stem, **SMALL)
    net.initialize()
    assert net.stride == stride
    assert net(mx.nd.zeros((2, 3) + size)).shape == (2, 4) + size
    net.hybridize()
    assert net(mx.nd.zeros((1, 3) + size)).shape == (1, 4) + size


def test_the_layers_are_resnet18s_features_then_the_books_head():
    net = fcn_resnet18(num_classes=21)
    net.initialize()
    net(mx.nd.zeros((1, 3, 64, 64)))
    convs = [b for b in net.features.collect_params().values() if b.name.endswith("conv0_weight")
             or "conv" in b.name and b.name.endswith("weight")]
    assert len([p for p in convs if p.shape[-1] == 3]) == 16  # ResNet-18: 8 basic blocks of two 3x3 convolutions
    assert net.score.weight.shape == (21, 512, 1, 1)
    assert net.upsample.conv.weight.shape == (21, 21, 64, 64)  # kernel 64, stride 32, padding 16
    assert net.upsample.conv._kwargs["stride"] == (32, 32) and net.upsample.conv._kwargs["pad"] == (16, 16)


def trained_block():
    """A small FCN after a few Adam steps on the embedded scenes (64x64), so the batch-norm statistics and
    the upsampling kernel are no longer their initial values."""
    net = fcn_resnet18(stem="small", **SMALL)
    trainer = gluonx.Trainer(net, optimizer="adam", optimizer_params={"learning_rate": 0.01},
                             task=gluonx.get_task("segmentation"), seed=0)
    trainer.fit(gluonx.get_dataset("segmentation_shapes", train=True, num_images=16), epochs=1, batch_size=8)
    return net


# three sizes, none of them the 64x64 training size, one of them not a multiple of the stride
SIZES = [(2, 3, 45, 61), (1, 3, 96, 80), (3, 3, 33, 130)]


def test_exported_symbol_and_onnx_follow_the_input_size_and_match_the_block():
    net = trained_block()
    rng = np.random.RandomState(0)
    inputs = [[rng.uniform(0, 1, shape).astype(np.float32)] for shape in SIZES]
    expected = [net(mx.nd.array(x[0])).asnumpy() for x in inputs]
    assert [e.shape[2:] for e in expected] == [s[2:] for s in SIZES]
    check_export(net, inputs[0], inputs[1:], rtol=1e-4, atol=1e-4)
    outputs = check_onnx(net, inputs[0], inputs[1:], dynamic_axes=[[0, 2, 3]], rtol=1e-4, atol=1e-4)
    for got, want in zip(outputs, expected):
        assert got[0].shape == want.shape
        np.testing.assert_allclose(got[0], want, rtol=1e-4, atol=1e-4)


def test_entries_claim_onnx_and_dynamic_height_and_width():
    """tests/conformance runs the kit (hybridize, export, ONNX at half and double the example H and W) on
    every registered entry; the plugin's entries must ask for all of it."""
    entries = conformance_entries(plugin="segmentation")
    assert {info.name for info in entries} == {"fcn_resnet18", "bilinear_upsampling", "gluoncv_fcn", "gluoncv_psp",
                                               "gluoncv_deeplab"}
    for info in entries:
        assert info.onnx and info.export and info.dynamic_batch
        assert dict(info.inputs[0].dynamic_axes) == {2: "height", 3: "width"}


def test_bad_arguments_name_the_block():
    with pytest.raises(ValueError, match="FCN.*stem"):
        FCN(stem="tiny")
    with pytest.raises(ValueError, match="FCN.*num_classes"):
        FCN(num_classes=0)
