"""gluonx's ResNet-18/34, VGG-11, AlexNet and DenseNet-121 against ``mx.gluon.model_zoo.vision`` (and
gluoncv's ResNet-18 v1b): the same weights give the same outputs.

Every parameter of the gluonx model (batch-norm running statistics included) is randomized and copied
into the reference in registration order, with the shapes checked pair by pair; the outputs must then
agree in inference mode, and, for the networks without dropout, in training mode together with the
gradient with respect to the input.
"""
import numpy as np
import pytest

mx = pytest.importorskip("mxnet")
from mxnet import autograd  # noqa: E402
from mxnet.gluon.model_zoo import vision  # noqa: E402

from gluonx.models import alexnet, densenet, resnet, vgg  # noqa: E402


def gluoncv_resnet18_v1b(classes):
    resnetv1b = pytest.importorskip("gluoncv.model_zoo.resnetv1b")
    return resnetv1b.resnet18_v1b(classes=classes)


#: name: (gluonx model, reference model, input shape, compare in training mode too)
CASES = {
    "resnet18_v1": (lambda: resnet.resnet18(), lambda: vision.resnet18_v1(classes=10), (2, 3, 32, 32), True),
    "resnet34_v1": (lambda: resnet.resnet34(), lambda: vision.resnet34_v1(classes=10), (2, 3, 32, 32), True),
    "gluoncv_resnet18_v1b": (lambda: resnet.resnet18(), lambda: gluoncv_resnet18_v1b(10), (2, 3, 32, 32), True),
    "vgg11": (lambda: vgg.vgg11(), lambda: vision.vgg11(classes=10), (1, 3, 32, 32), False),
    "vgg11_bn": (lambda: vgg.vgg11(batch_norm=True), lambda: vision.vgg11_bn(classes=10), (1, 3, 32, 32),
                 False),
    "alexnet": (lambda: alexnet.alexnet(variant="model_zoo"), lambda: vision.alexnet(classes=10),
                (1, 3, 63, 63), False),
    # model zoo ends DenseNet with a 7x7 average pool, so only 224x224 inputs give it a 1x1 map.
    "densenet121": (densenet.densenet121, lambda: vision.densenet121(classes=10), (1, 3, 224, 224), False),
}


def materialize(net, x):
    """Allocate every parameter by running ``x`` through ``net``; zeros, since the values are set next
    (and the model zoo's own normal and Xavier initializers take seconds on VGG's 120M weights)."""
    for param in net.collect_params().values():
        param.initialize(init=mx.init.Zero())
    net(x)


def randomize(net, seed=0):
    """Random values for every parameter, batch-norm running statistics included."""
    mx.random.seed(seed)
    for name, param in net.collect_params().items():
        positive = name.endswith(("gamma", "running_var"))
        low, high = (0.5, 1.5) if positive else (-0.1, 0.1)
        param.set_data(mx.nd.random.uniform(low, high, shape=param.shape))


def copy_parameters(source, target):
    source_params = list(source.collect_params().values())
    target_params = list(target.collect_params().values())
    assert len(source_params) == len(target_params), "parameter counts differ: {} vs {}".format(
        len(source_params), len(target_params))
    for mine, theirs in zip(source_params, target_params):
        assert mine.shape == theirs.shape, "{} {} vs {} {}".format(
            mine.name, mine.shape, theirs.name, theirs.shape)
        theirs.set_data(mine.data().copy())


def forward_backward(net, x):
    x = x.copy()
    x.attach_grad()
    with autograd.record(train_mode=True):
        out = net(x)
    out.backward(mx.nd.ones_like(out))
    return out.asnumpy(), x.grad.asnumpy()


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_weights_give_the_same_outputs(name):
    make_ours, make_reference, shape, training = CASES[name]
    x = mx.nd.array(np.random.RandomState(1).uniform(-1, 1, size=shape))
    ours, reference = make_ours(), make_reference()
    materialize(ours, x)
    materialize(reference, x)
    randomize(ours)
    copy_parameters(ours, reference)

    want = reference(x).asnumpy()
    got = ours(x).asnumpy()
    assert got.shape == (shape[0], 10)
    assert np.abs(want).max() > 1e-3, "degenerate test: the reference output is all zero"
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
    if training:
        (got, got_grad), (want, want_grad) = forward_backward(ours, x), forward_backward(reference, x)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
        np.testing.assert_allclose(got_grad, want_grad, rtol=1e-3, atol=1e-4 * np.abs(want_grad).max())
