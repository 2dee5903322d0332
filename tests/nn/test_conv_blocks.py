"""The convolutional blocks of D2L 5.7-5.12 against NumPy implementations of the book's formulas.

Every parameter (batch-norm running statistics included) is randomized, the block runs in inference mode
and the output is compared with a float64 NumPy forward pass written here from the book's definitions.
"""
import re

import numpy as np
import pytest

mx = pytest.importorskip("mxnet")

from gluonx.nn.conv_blocks import apply_preset, smallest_input_size  # noqa: E402
from gluonx.nn.dense_block import DenseBlock, TransitionBlock  # noqa: E402
from gluonx.nn.inception import Inception  # noqa: E402
from gluonx.nn.nin_block import NiNBlock  # noqa: E402
from gluonx.nn.residual import BottleneckResidual, Residual  # noqa: E402
from gluonx.nn.vgg_block import VGGBlock  # noqa: E402

BN_EPS = 1e-5  # gluon's BatchNorm default


# ---- NumPy reference (float64) -------------------------------------------------------------------------

def conv2d(x, conv, stride=1, pad=0):
    weight = conv.weight.data().asnumpy().astype("float64")
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = np.lib.stride_tricks.sliding_window_view(x, weight.shape[2:], axis=(2, 3))
    out = np.einsum("nchwij,ocij->nohw", windows[:, :, ::stride, ::stride], weight)
    if conv.bias is not None:
        out = out + conv.bias.data().asnumpy()[None, :, None, None]
    return out


def normalize(x, bn):
    gamma, beta, mean, var = (getattr(bn, name).data().asnumpy()[None, :, None, None]
                              for name in ("gamma", "beta", "running_mean", "running_var"))
    return (x - mean) / np.sqrt(var + BN_EPS) * gamma + beta


def relu(x):
    return np.maximum(x, 0)


def pool(x, size, stride, pad=0, reduce=np.max):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    return reduce(windows, axis=(4, 5))


def randomize(block, seed=0):
    """Initialize, then give every parameter (running statistics too) random values."""
    block.initialize()
    rng = np.random.RandomState(seed)
    for name, param in block.collect_params().items():
        if name.endswith(("gamma", "running_var")):
            param.set_data(rng.uniform(0.5, 1.5, size=param.shape))
        else:
            param.set_data(rng.uniform(-0.5, 0.5, size=param.shape))
    return block


def run(block, x):
    return block(mx.nd.array(x)).asnumpy()


def assert_matches(got, want):
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def sample(shape, seed=1):
    return np.random.RandomState(seed).uniform(-1, 1, size=shape).astype("float32")


# ---- blocks vs reference -------------------------------------------------------------------------------

@pytest.mark.parametrize("batch_norm", [False, True])
def test_vgg_block_is_convolutions_then_max_pool(batch_norm):
    block = randomize(VGGBlock(num_convs=2, channels=5, batch_norm=batch_norm, in_channels=3))
    x = sample((2, 3, 8, 8))
    convs = [layer for layer in block._children.values() if isinstance(layer, mx.gluon.nn.Conv2D)]
    norms = [layer for layer in block._children.values() if isinstance(layer, mx.gluon.nn.BatchNorm)]
    want = x.astype("float64")
    for index, conv in enumerate(convs):
        want = conv2d(want, conv, pad=1)
        if norms:
            want = normalize(want, norms[index])
        want = relu(want)
    want = pool(want, 2, 2)
    got = run(block, x)
    assert got.shape == (2, 5, 4, 4)
    assert_matches(got, want)


def test_nin_block_is_spatial_then_two_pointwise_convolutions():
    block = randomize(NiNBlock(channels=4, kernel_size=5, strides=2, padding=1, in_channels=3))
    x = sample((2, 3, 11, 11))
    first, second, third = list(block._children.values())
    want = relu(conv2d(relu(conv2d(relu(conv2d(x.astype("float64"), first, 2, 1)), second)), third))
    got = run(block, x)
    assert got.shape == (2, 4, 5, 5)
    assert_matches(got, want)


def test_inception_concatenates_four_paths():
    block = randomize(Inception(3, (2, 4), (2, 5), 6, in_channels=4))
    x = sample((2, 4, 6, 6)).astype("float64")
    path1 = relu(conv2d(x, block.path1))
    path2 = relu(conv2d(relu(conv2d(x, block.path2[0])), block.path2[1], pad=1))
    path3 = relu(conv2d(relu(conv2d(x, block.path3[0])), block.path3[1], pad=2))
    path4 = relu(conv2d(pool(x, 3, 1, pad=1), block.path4[1]))
    got = run(block, x.astype("float32"))
    assert block.out_channels == 3 + 4 + 5 + 6 == got.shape[1]
    assert_matches(got, np.concatenate([path1, path2, path3, path4], axis=1))


def shortcut_reference(block, x, strides):
    if block.shortcut is None:
        return x
    return normalize(conv2d(x, block.shortcut[0], strides), block.shortcut[1])


def residual_reference(block, x, strides):
    body = block.body
    y = relu(normalize(conv2d(x, body[0], strides, 1), body[1]))
    y = normalize(conv2d(y, body[3], 1, 1), body[4])
    return relu(y + shortcut_reference(block, x, strides))


@pytest.mark.parametrize("channels, strides, projection, in_channels", [
    (4, 1, False, 4),   # identity shortcut
    (6, 2, True, 4),    # 1x1 projection: fewer pixels, more channels
    (4, 1, True, 4),    # projection that keeps the shape
])
def test_residual_is_relu_of_body_plus_shortcut(channels, strides, projection, in_channels):
    block = randomize(Residual(channels, strides, use_projection=projection, in_channels=in_channels))
    x = sample((2, in_channels, 6, 6)).astype("float64")
    got = run(block, x.astype("float32"))
    assert got.shape == (2, channels, 6 // strides, 6 // strides)
    assert_matches(got, residual_reference(block, x, strides))


def test_residual_with_zero_body_is_the_identity_path():
    """A residual block only learns a correction: with zero convolutions it passes relu(x) through."""
    block = Residual(4, in_channels=4)
    block.initialize(mx.init.Zero())
    x = sample((1, 4, 5, 5))
    assert_matches(run(block, x), relu(x))


@pytest.mark.parametrize("strides, projection, in_channels", [(1, False, 8), (2, True, 4)])
def test_bottleneck_residual_is_reduce_transform_expand(strides, projection, in_channels):
    block = randomize(BottleneckResidual(8, strides, use_projection=projection, in_channels=in_channels))
    x = sample((2, in_channels, 6, 6)).astype("float64")
    body = block.body
    y = relu(normalize(conv2d(x, body[0]), body[1]))
    y = relu(normalize(conv2d(y, body[3], strides, 1), body[4]))
    y = normalize(conv2d(y, body[6]), body[7])
    got = run(block, x.astype("float32"))
    assert body[0].weight.shape[0] == 2, "default bottleneck is channels // 4"
    assert_matches(got, relu(y + shortcut_reference(block, x, strides)))


@pytest.mark.parametrize("bottleneck_width", [0, 2])
def test_dense_block_concatenates_each_layer_output(bottleneck_width):
    block = randomize(DenseBlock(num_layers=3, growth_rate=2, bottleneck_width=bottleneck_width, in_channels=3))
    x = sample((2, 3, 5, 5)).astype("float64")
    want = x
    for index in range(3):
        layer = block.layers[index]
        y = relu(normalize(want, layer[0]))
        if bottleneck_width:
            y = relu(normalize(conv2d(y, layer[2]), layer[3]))
        y = conv2d(y, layer[len(layer) - 1], pad=1)
        want = np.concatenate([want, y], axis=1)
    got = run(block, x.astype("float32"))
    assert block.out_channels == 3 + 3 * 2 == got.shape[1]
    np.testing.assert_array_equal(got[:, :3], x.astype("float32"))  # the input is carried through
    assert_matches(got, want)


def test_transition_block_is_norm_relu_pointwise_conv_average_pool():
    block = randomize(TransitionBlock(channels=3, in_channels=6))
    x = sample((2, 6, 6, 6)).astype("float64")
    want = pool(conv2d(relu(normalize(x, block[0])), block[2]), 2, 2, reduce=np.mean)
    got = run(block, x.astype("float32"))
    assert got.shape == (2, 3, 3, 3)
    assert_matches(got, want)


# ---- errors --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("factory, kwargs, message", [
    (VGGBlock, {"num_convs": 0, "channels": 4}, "VGGBlock: num_convs must be an integer >= 1, got 0"),
    (VGGBlock, {"num_convs": 1, "channels": 2.5}, "VGGBlock: channels"),
    (NiNBlock, {"channels": 4, "kernel_size": 3, "padding": -1}, "NiNBlock: padding must be an integer >= 0"),
    (Inception, {"c1": 4, "c2": (4,), "c3": (2, 4), "c4": 4}, "Inception: c2 must have 2 items"),
    (Inception, {"c1": 4, "c2": 8, "c3": (2, 4), "c4": 4}, "Inception: c2 must be a sequence"),
    (Residual, {"channels": 4, "strides": 2}, "Residual: strides=2 changes the height and width"),
    (Residual, {"channels": 4, "in_channels": 3}, "Residual: in_channels=3 differs from channels=4"),
    (BottleneckResidual, {"channels": 8, "bottleneck_channels": 0}, "bottleneck_channels must be an integer"),
    (DenseBlock, {"num_layers": 2, "growth_rate": 4, "dropout": 1.0},
     "DenseBlock: dropout must be a number in [0, 1)"),
    (TransitionBlock, {"channels": True}, "TransitionBlock: channels must be an integer"),
])
def test_bad_arguments_name_the_block_and_the_expected_value(factory, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        factory(**kwargs)


@pytest.mark.parametrize("hybridize", [False, True])
@pytest.mark.parametrize("shape, message", [
    ((2, 3, 8), "expected a 4-D input"),
    ((0, 4, 8, 8), "got an empty batch"),
    ((2, 3, 8, 8), "expected input .* with 4 channels, got shape \\(2, 3, 8, 8\\)"),
    ((2, 4, 1, 8), "height and width must be at least 2"),
])
def test_bad_input_shapes_raise_before_mxnet(shape, message, hybridize):
    block = VGGBlock(1, 4, in_channels=4)
    block.initialize()
    if hybridize:
        block.hybridize(static_alloc=True, static_shape=True)
        block(mx.nd.ones((1, 4, 8, 8)))
    with pytest.raises(ValueError, match="VGGBlock: " + message):
        block(mx.nd.array(np.ones(shape, dtype="float32")))


def test_identity_residual_checks_channels_even_when_inferred():
    block = Residual(4)
    block.initialize()
    with pytest.raises(ValueError, match="Residual: expected input .* with 4 channels"):
        block(mx.nd.ones((1, 3, 5, 5)))


# ---- helpers -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("windows", [
    [(5, 1, 0), (2, 2, 0), (5, 1, 0), (2, 2, 0)],
    [(11, 4, 2), (3, 2, 0), (5, 1, 2), (3, 2, 0)],
    [(7, 2, 3), (3, 2, 1), (2, 2, 0), (2, 2, 0)],
    [(3, 1, 1)],
])
def test_smallest_input_size_is_the_smallest_size_mxnet_accepts(windows):
    data = mx.sym.var("data")
    out = data
    for kernel, stride, pad in windows:
        out = mx.sym.Pooling(out, kernel=(kernel, kernel), stride=(stride, stride), pad=(pad, pad))

    def accepts(size):
        try:
            _, shapes, _ = out.infer_shape(data=(1, 1, size, size))
        except mx.base.MXNetError:
            return False
        return min(shapes[0][2:]) >= 1

    smallest = smallest_input_size(windows)
    assert accepts(smallest)
    assert smallest == 1 or not accepts(smallest - 1)


def test_apply_preset_lets_explicit_arguments_win():
    presets = {"small": {"input_shape": (3, 32, 32), "num_classes": 10, "stem": "small"}}
    assert apply_preset("net", presets, "small", {"num_classes": 100}) == {
        "in_channels": 3, "num_classes": 100, "stem": "small"}
    assert apply_preset("net", presets, None, {"num_classes": 5}) == {"num_classes": 5}
    with pytest.raises(ValueError, match="net: unknown preset 'big'; expected one of \\['small'\\]"):
        apply_preset("net", presets, "big", {})
