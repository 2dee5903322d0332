"""Small nets and data shared by the trainer tests."""
import mxnet as mx
import numpy as np
from mxnet.gluon import nn


def small_net(seed=0, dropout=0.0):
    """A deterministic little conv net (1x8x8 inputs, 10 classes), initialized the same for every seed."""
    mx.random.seed(seed)
    net = nn.HybridSequential()
    net.add(nn.Conv2D(4, 3, activation="relu"), nn.Flatten(), nn.Dense(16, activation="relu"))
    if dropout:
        net.add(nn.Dropout(dropout))
    net.add(nn.Dense(10))
    net.initialize(mx.init.Xavier())
    net(mx.nd.zeros((1, 1, 8, 8)))
    return net


def random_batch(n, seed=0):
    rng = np.random.RandomState(seed)
    return rng.uniform(size=(n, 1, 8, 8)).astype(np.float32), rng.randint(0, 10, size=n).astype(np.int32)


def param_arrays(net):
    mx.nd.waitall()
    return {k: v.data().asnumpy() for k, v in net._collect_params_with_prefix().items()}
