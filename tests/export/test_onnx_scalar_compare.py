"""The core's ONNX converters of ``x >= s``, ``x <= s`` and ``x != s`` (``mx.onnx`` has none): onnxruntime
matches NumPy's comparison and MXNet, NaN included, at several batch sizes of one exported file."""
import numpy as np
import pytest

mx = pytest.importorskip("mxnet")
pytest.importorskip("onnxruntime")

from gluonx.deploy.onnx_scalar_compare import CONVERTERS  # noqa: E402
from gluonx.testing import check_onnx  # noqa: E402

CASES = [("_greater_equal_scalar", lambda x: x >= 0.5, np.greater_equal),
         ("_lesser_equal_scalar", lambda x: x <= 0.5, np.less_equal),
         ("_not_equal_scalar", lambda x: x != 0.5, np.not_equal)]


def test_every_converter_has_a_case():
    assert sorted(op for op, _, _ in CASES) == sorted(CONVERTERS)


class Compare(mx.gluon.HybridBlock):
    def __init__(self, compare, **kwargs):
        super().__init__(**kwargs)
        self._compare = compare

    def hybrid_forward(self, F, x):
        return self._compare(x)


@pytest.mark.parametrize("op, compare, reference", CASES, ids=[c[0] for c in CASES])
def test_onnxruntime_matches_numpy_and_mxnet(op, compare, reference):
    net = Compare(compare)
    net.initialize()
    x = np.array([[0.5, 0.25, 0.75, np.nan, -1.0, 0.5000001]], "float32")
    batch = np.tile(x, (3, 1))
    assert op in mx.sym.Group([compare(mx.sym.var("x"))]).tojson()
    got = check_onnx(net, [x], [[batch]], batch_axes=[0])
    np.testing.assert_array_equal(got[0][0], reference(x, np.float32(0.5)).astype("float32"))
    np.testing.assert_array_equal(got[1][0], reference(batch, np.float32(0.5)).astype("float32"))
