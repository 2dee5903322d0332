"""The transposed convolution with bilinear initialization (D2L 9.10.2) against the book's formula and OpenCV."""
import mxnet as mx
import numpy as np
import pytest

from gluonx_segmentation.nn.upsampling import BilinearInit, BilinearUpsampling, bilinear_kernel


def book_bilinear_kernel(in_channels, out_channels, kernel_size):
    """D2L 9.10.2's ``bilinear_kernel``, written out element by element."""
    factor = (kernel_size + 1) // 2
    center = factor - 1 if kernel_size % 2 == 1 else factor - 0.5
    weight = np.zeros((in_channels, out_channels, kernel_size, kernel_size), dtype="float32")
    for c in range(min(in_channels, out_channels)):
        for i in range(kernel_size):
            for j in range(kernel_size):
                weight[c, c, i, j] = (1 - abs(i - center) / factor) * (1 - abs(j - center) / factor)
    return weight


@pytest.mark.parametrize("shape", [(3, 3, 4), (2, 2, 64), (3, 3, 5), (4, 2, 16), (1, 3, 1)])
def test_kernel_is_the_books_formula(shape):
    np.testing.assert_array_equal(bilinear_kernel(*shape), book_bilinear_kernel(*shape))


def test_kernel_values_of_the_books_4x4_example():
    taps = np.array([0.25, 0.75, 0.75, 0.25], dtype="float32")
    np.testing.assert_array_equal(bilinear_kernel(1, 1, 4)[0, 0], np.outer(taps, taps))


@pytest.mark.parametrize("factor, size", [(2, (9, 13)), (4, (6, 5)), (8, (5, 7))])
def test_upsampling_is_bilinear_interpolation_inside_the_image(factor, size):
    cv2 = pytest.importorskip("cv2")
    rng = np.random.RandomState(factor)
    image = rng.uniform(0, 1, (3,) + size).astype("float32")
    block = BilinearUpsampling(3, factor=factor)
    block.initialize()
    out = block(mx.nd.array(image[None]))[0].asnumpy()
    assert out.shape == (3, size[0] * factor, size[1] * factor)
    reference = np.stack([cv2.resize(channel, (size[1] * factor, size[0] * factor), interpolation=cv2.INTER_LINEAR)
                          for channel in image])
    # the transposed convolution pads with zeros, OpenCV replicates the border: compare away from it
    inner = slice(factor, -factor)
    np.testing.assert_allclose(out[:, inner, inner], reference[:, inner, inner], rtol=1e-5, atol=1e-5)
    # at the border it interpolates towards zero: the first output row of factor 2 is 0.75 x the first input row
    if factor == 2:
        np.testing.assert_allclose(out[:, 0, inner], 0.75 * reference[:, 0, inner], rtol=1e-5, atol=1e-5)


def test_initializer_fills_the_kernel_and_survives_a_global_initializer():
    block = BilinearUpsampling(2, factor=4)
    block.initialize(mx.init.Xavier(), force_reinit=True)
    np.testing.assert_array_equal(block.conv.weight.data().asnumpy(), bilinear_kernel(2, 2, 8))
    weight = mx.nd.zeros((3, 3, 6, 6))
    BilinearInit()(mx.init.InitDesc("up_weight"), weight)
    np.testing.assert_array_equal(weight.asnumpy(), bilinear_kernel(3, 3, 6))


@pytest.mark.parametrize("kwargs, message", [({"channels": 3, "factor": 3}, "factor must be an even integer"),
                                             ({"channels": 0, "factor": 2}, "channels must be a positive")])
def test_bad_arguments_name_what_is_expected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BilinearUpsampling(**kwargs)
