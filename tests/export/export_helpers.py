"""Small blocks with NumPy references shared by the export tests."""
import mxnet as mx
import numpy as np
from mxnet.gluon import nn


class DenseBN(nn.HybridBlock):
    """Dense -> BatchNorm (inference) -> tanh: weights and auxiliary states, so both ``arg:`` and ``aux:``
    parameters go through export."""

    def __init__(self, units=5, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.dense = nn.Dense(units)
            self.norm = nn.BatchNorm()

    def hybrid_forward(self, F, x):
        return F.tanh(self.norm(self.dense(x)))


def make_dense_bn(in_units=6, units=5, seed=0):
    """An initialized DenseBN with random (non-trivial) batch-norm statistics."""
    rng = np.random.RandomState(seed)
    net = DenseBN(units)
    net.initialize(mx.init.Xavier())
    net(mx.nd.zeros((1, in_units)))
    net.norm.running_mean.set_data(mx.nd.array(rng.uniform(-0.5, 0.5, units)))
    net.norm.running_var.set_data(mx.nd.array(rng.uniform(0.5, 2.0, units)))
    net.norm.gamma.set_data(mx.nd.array(rng.uniform(0.5, 1.5, units)))
    net.norm.beta.set_data(mx.nd.array(rng.uniform(-0.5, 0.5, units)))
    return net


def dense_bn_reference(net, x):
    """The block's formula in NumPy: tanh(gamma * (x W^T + b - mean) / sqrt(var + eps) + beta)."""
    p = {name: param.data().asnumpy().astype(np.float64)
         for name, param in net._collect_params_with_prefix().items()}
    y = np.asarray(x, dtype=np.float64) @ p["dense.weight"].T + p["dense.bias"]
    y = (y - p["norm.running_mean"]) / np.sqrt(p["norm.running_var"] + 1e-5) * p["norm.gamma"] + p["norm.beta"]
    return np.tanh(y)
