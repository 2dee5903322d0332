"""Exports shared by the export tests (each export costs about a second)."""
import mxnet as mx
import numpy as np
import pytest

import gluonx

from export_helpers import make_dense_bn


@pytest.fixture(scope="session")
def dense_bn_export(tmp_path_factory):
    """A DenseBN exported to symbol + ONNX with class names: (block, folder, ExportResult)."""
    net = make_dense_bn()
    folder = str(tmp_path_factory.mktemp("dense_bn"))
    x = np.random.RandomState(1).uniform(-1, 1, (4, 6)).astype("float32")
    result = gluonx.export(net, folder, [x], class_names=list("abcde"))
    return net, folder, result


@pytest.fixture(scope="session")
def lenet_export(tmp_path_factory):
    """The registered LeNet exported to symbol + ONNX with image preprocessing: (block, folder, result)."""
    folder = str(tmp_path_factory.mktemp("lenet"))
    mx.random.seed(0)
    net = gluonx.get_model("lenet", **gluonx.get_model_info("lenet").kwargs)
    net.initialize(mx.init.Xavier())
    x = np.random.RandomState(2).uniform(0, 1, (2, 1, 28, 28)).astype("float32")
    result = gluonx.export(net, folder, [x], formats=("symbol", "onnx"),
                           preprocessing={"layout": "NCHW", "scale": 1 / 255, "mean": [0.25], "std": [0.5]},
                           class_names=[str(i) for i in range(10)], model={"name": "lenet", "task": "classification"})
    return net, folder, result
