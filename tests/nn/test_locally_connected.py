"""LocallyConnected2D (DL 9.5): the book's unshared-convolution sum in NumPy, and nn.Conv2D when shared."""
import mxnet as mx
import numpy as np
import pytest

from gluonx.nn import LocallyConnected2D


def unshared_convolution_reference(x, kernel, bias, strides, padding, dilation):
    """Z[b, o, i, j] = sum_{c,m,n} V[b, c, i*s + m*d, j*s + n*d] K[i, j, o, c, m, n] + bias[i, j, o].

    ``kernel`` has shape (out_h, out_w, channels, in_channels, kh, kw); ``V`` is zero-padded.
    """
    out_h, out_w, channels, _, kh, kw = kernel.shape
    (sh, sw), (ph, pw), (dh, dw) = strides, padding, dilation
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((len(x), channels, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            patch = padded[:, :, i * sh:i * sh + (kh - 1) * dh + 1:dh, j * sw:j * sw + (kw - 1) * dw + 1:dw]
            out[:, :, i, j] = np.einsum("bcmn,ocmn->bo", patch, kernel[i, j]) + bias[i, j]
    return out


def _layer(**kwargs):
    mx.random.seed(0)
    layer = LocallyConnected2D(**kwargs)
    layer.initialize(mx.init.Uniform(1.0))
    layer.bias.set_data(mx.nd.random.uniform(-1, 1, shape=layer.bias.shape))
    return layer


CONFIGS = [
    dict(channels=3, kernel_size=3, in_channels=2, input_size=(5, 6)),
    dict(channels=2, kernel_size=(2, 3), in_channels=3, input_size=(7, 6), strides=(2, 1), padding=(1, 2)),
    dict(channels=4, kernel_size=2, in_channels=1, input_size=7, strides=2, padding=1, dilation=2),
]


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("hybridize", [False, True])
def test_matches_the_unshared_convolution_sum(config, hybridize):
    layer = _layer(**config)
    size = layer._input_size
    x = np.random.RandomState(1).uniform(-1, 1, size=(2, config["in_channels"]) + size).astype("float32")
    if hybridize:
        layer.hybridize(static_alloc=True, static_shape=True)
    got = layer(mx.nd.array(x)).asnumpy()
    out_h, out_w = layer.output_size
    # Documented layout: row (i * out_w + j) * channels + o, columns in Conv2D's (C, kh, kw) order.
    kernel = layer.weight.data().asnumpy().reshape(out_h, out_w, config["channels"], config["in_channels"],
                                                   *layer._kernel)
    bias = layer.bias.data().asnumpy().reshape(out_h, out_w, config["channels"])
    want = unshared_convolution_reference(x, kernel, bias, layer._strides, layer._padding, layer._dilation)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_with_the_same_filters_everywhere_it_is_a_convolution():
    config = dict(channels=3, kernel_size=3, in_channels=2, strides=2, padding=1, dilation=1)
    conv = mx.gluon.nn.Conv2D(**config)
    conv.initialize(mx.init.Uniform(1.0))
    x = mx.nd.random.uniform(-1, 1, shape=(2, 2, 9, 8))
    want = conv(x).asnumpy()
    layer = LocallyConnected2D(input_size=(9, 8), **config)
    layer.initialize()
    locations = layer.output_size[0] * layer.output_size[1]
    shared = conv.weight.data().reshape((3, -1)).asnumpy()
    layer.weight.set_data(mx.nd.array(np.tile(shared, (locations, 1))))
    layer.bias.set_data(mx.nd.array(np.tile(conv.bias.data().asnumpy(), locations)))
    np.testing.assert_allclose(layer(x).asnumpy(), want, rtol=1e-5, atol=1e-5)


def test_parameter_shapes_and_default_initializer_scale():
    layer = LocallyConnected2D(8, 3, in_channels=4, input_size=(10, 10))
    layer.initialize()
    assert layer.output_size == (8, 8)
    assert layer.weight.shape == (8 * 8 * 8, 4 * 3 * 3) and layer.bias.shape == (8 * 8 * 8,)
    # LeCun uniform: variance 1 / fan_in with fan_in = in_channels * kh * kw.
    assert abs(layer.weight.data().asnumpy().var() * 36 - 1) < 0.1


@pytest.mark.parametrize("kwargs, match", [
    (dict(channels=0), "channels must be an integer >= 1"),
    (dict(kernel_size=(3, 3, 3)), "kernel_size must be an integer >= 1 or a pair"),
    (dict(padding=-1), "padding must be an integer >= 0"),
    (dict(kernel_size=7), r"a \(7, 7\) kernel \(dilation \(1, 1\)\) does not fit an input of size \(5, 5\)"),
])
def test_bad_arguments_name_the_block(kwargs, match):
    arguments = dict(channels=2, kernel_size=3, in_channels=1, input_size=5)
    arguments.update(kwargs)
    with pytest.raises(ValueError, match="LocallyConnected2D: " + match):
        LocallyConnected2D(**arguments)


@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 1, 5, 5), (2, 3, 6, 5)])
def test_bad_input_shape_is_reported_with_expected_and_received(shape):
    layer = LocallyConnected2D(2, 3, in_channels=3, input_size=5)
    layer.initialize()
    layer.hybridize()
    message = r"LocallyConnected2D expects input of shape \(batch, 3, 5, 5\), got shape " + \
        str(shape).replace("(", r"\(").replace(")", r"\)")
    with pytest.raises(ValueError, match=message):
        layer(mx.nd.ones(shape))
