"""Fine-tuning helpers (D2L 9.2): weights loading with clear errors, output-layer replacement for every
classic classifier, a frozen backbone that stays bit-for-bit, and the backbone's learning-rate multiplier."""
import pickle

import mxnet as mx
import numpy as np
import pytest

import gluonx
from gluonx.data.arrays import ArrayDataset
from gluonx.models.finetune import (WeightsError, backbone_parameters, freeze_backbone, head_parameters,
                                    load_backbone, output_layer, replace_output, set_backbone_lr_mult)

#: Every core classifier; the registered conformance arguments keep them small.
CLASSIFIERS = sorted(gluonx.list_models(task="classification", plugin="core"))


def build(name, **kwargs):
    info = gluonx.get_model_info(name)
    net = gluonx.get_model(name, **dict(info.kwargs, **kwargs))
    x = mx.nd.array(np.random.RandomState(0).uniform(size=info.inputs[0].shape))
    return net, x


def test_every_core_classifier_is_covered():
    assert {"softmax_regression", "mlp", "lenet", "lenet_bn", "alexnet", "vgg11", "nin", "googlenet", "resnet18",
            "densenet121"} <= set(CLASSIFIERS)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_replace_output_keeps_the_backbone_and_changes_the_classes(name):
    mx.nd.waitall()
    mx.random.seed(0)
    net, x = build(name, num_classes=7)
    net.initialize(mx.init.Xavier())
    net(x)
    backbone = {k: p.data().asnumpy().copy() for k, p in backbone_parameters(net).items()}
    head = head_parameters(net)
    features = net.features(x).asnumpy() if hasattr(net, "features") else None
    replace_output(net, 3)
    assert net(x).shape == (x.shape[0], 3)
    assert head_parameters(net) == head  # the same structural names: checkpoints and exports name it as before
    after = backbone_parameters(net)
    assert set(after) == set(backbone)
    for key, value in backbone.items():
        got = after[key].data().asnumpy()
        assert np.array_equal(got, value), (key, float(np.abs(got - value).max()), int((got != value).sum()), got.size)
    if features is not None:
        np.testing.assert_array_equal(net.features(x).asnumpy(), features)
    assert net.gluonx_spec["kwargs"]["num_classes"] == 3
    net.hybridize()
    assert net(x).asnumpy().shape == (x.shape[0], 3)
    # Let the engine finish before the net is freed: once, with the previous case's hybridized forward still
    # queued, a later case read a changed backbone weight (only when tests/data ran first in the process).
    mx.nd.waitall()


def test_output_layer_is_named_by_the_class():
    net = gluonx.get_model("lenet")
    assert output_layer(net) == ("output", net.output)
    with pytest.raises(ValueError, match="no output layer to replace"):
        output_layer(mx.gluon.nn.Dense(3))


def test_get_model_loads_weights_from_every_source(tmp_path):
    mx.random.seed(1)
    net, x = build("lenet_bn", num_classes=5)
    net.initialize(mx.init.Xavier())
    net(x)
    expected = net(x).asnumpy()
    net.save_parameters(str(tmp_path / "lenet.params"))
    sources = [str(tmp_path / "lenet.params")]
    gluonx.export(net, str(tmp_path / "export"), example_inputs=[x], formats=("symbol",))
    sources.append(str(tmp_path / "export"))  # export naming: arg:/aux: full names of another name scope
    trainer = gluonx.Trainer(net, optimizer="sgd", optimizer_params={"learning_rate": 0.0},
                             task="classification", hybridize=False)
    from gluonx.train import CheckpointHandler
    data = ArrayDataset(x.asnumpy().astype(np.float32), np.zeros(len(x), np.int32))
    trainer.fit(data, epochs=1, batch_size=len(x), event_handlers=[CheckpointHandler(str(tmp_path / "ckpt"))])
    expected_after = net(x).asnumpy()  # the moving statistics moved during the epoch (lr 0 keeps the weights)
    sources.append(str(tmp_path / "ckpt"))
    for source in sources:
        loaded = gluonx.get_model("lenet_bn", num_classes=5, weights=source,
                                  **gluonx.get_model_info("lenet_bn").kwargs)
        assert "weights" not in loaded.gluonx_spec["kwargs"]
        want = expected_after if source.endswith("ckpt") else expected
        np.testing.assert_allclose(loaded(x).asnumpy(), want, rtol=1e-5, atol=1e-6, err_msg=source)


def test_wrong_weights_get_one_clear_line(tmp_path):
    net, x = build("lenet", num_classes=10)
    net.initialize()
    net(x)
    path = str(tmp_path / "ten.params")
    net.save_parameters(path)
    kwargs = gluonx.get_model_info("lenet").kwargs
    shape_message = r"^lenet: parameter 'output.bias' expects shape \(5,\), .*ten.params has \(10,\) .*--finetune"
    with pytest.raises(WeightsError, match=shape_message):
        gluonx.get_model("lenet", num_classes=5, weights=path, **kwargs)
    with pytest.raises(WeightsError, match=r"^mlp: .*ten.params holds arrays this model does not have: 'features"):
        gluonx.get_model("mlp", weights=path)
    with pytest.raises(WeightsError, match=r"^resnet18: .*ten.params lacks \d+ of its \d+ parameters: 'features"):
        gluonx.get_model("resnet18", weights=path)
    pickled = tmp_path / "weights.params"
    pickled.write_bytes(pickle.dumps({"output.weight": np.zeros((10, 84))}))
    with pytest.raises(WeightsError, match="not an MXNet NDArray file"):
        gluonx.get_model("lenet", weights=str(pickled), **kwargs)
    with pytest.raises(FileNotFoundError, match="not found"):
        gluonx.get_model("lenet", weights=str(tmp_path / "missing.params"))
    assert issubclass(WeightsError, ValueError)  # the command line's exit status 2
    # fine-tuning loads the backbone whatever the source's number of classes
    five = gluonx.get_model("lenet", num_classes=5, **kwargs)
    load_backbone(five, path)
    assert five.output.weight._data is None  # the new output layer is left to the initializer
    for key, param in backbone_parameters(five).items():
        assert np.array_equal(param.data().asnumpy(), net._collect_params_with_prefix()[key].data().asnumpy())


def _digits(n=64, classes=10, seed=0):
    rng = np.random.RandomState(seed)
    return ArrayDataset(rng.uniform(size=(n, 1, 28, 28)).astype(np.float32),
                        rng.randint(0, classes, size=n).astype(np.int32))


def test_frozen_backbone_stays_bit_for_bit_including_batch_norm_statistics(tmp_path):
    mx.random.seed(2)
    source, x = build("lenet_bn", num_classes=10)
    source.initialize(mx.init.Xavier())
    source(x)
    path = str(tmp_path / "source.params")
    source.save_parameters(path)
    net = gluonx.get_model("lenet_bn", num_classes=4, **gluonx.get_model_info("lenet_bn").kwargs)
    load_backbone(net, path)
    frozen = freeze_backbone(net)
    assert frozen and not set(frozen) & set(head_parameters(net))
    before = {k: p.data().asnumpy().copy() for k, p in net._collect_params_with_prefix().items()
              if k not in head_parameters(net)}
    assert any("running_mean" in k for k in before)
    trainer = gluonx.Trainer(net, optimizer="adam", optimizer_params={"learning_rate": 0.01},
                             task="classification", seed=0)
    head_before = net.output.weight.data().asnumpy().copy()
    trainer.fit(_digits(classes=4), epochs=2, batch_size=16)
    for key, value in before.items():
        assert np.array_equal(net._collect_params_with_prefix()[key].data().asnumpy(), value), key
    assert not np.array_equal(net.output.weight.data().asnumpy(), head_before)


def test_backbone_lr_mult_scales_its_updates_against_the_head():
    mx.random.seed(3)
    net, x = build("lenet", num_classes=4)
    net.initialize(mx.init.Xavier())
    net(x)
    set_backbone_lr_mult(net, 0.1)
    params = net._collect_params_with_prefix()
    before = {k: p.data().asnumpy().copy() for k, p in params.items()}
    trainer = gluonx.Trainer(net, optimizer="sgd", optimizer_params={"learning_rate": 0.5},
                             task="classification", seed=0, hybridize=False)
    data = _digits(n=32, classes=4)
    trainer.fit(data, epochs=1, batch_size=32)  # one update; plain SGD: delta = -lr * lr_mult * grad / batch
    head = set(head_parameters(net))
    for key, param in params.items():
        grad = param.grad().asnumpy().ravel().astype(np.float64)
        delta = (param.data().asnumpy() - before[key]).ravel().astype(np.float64)
        step = -(delta @ grad) / (grad @ grad)  # least squares: delta = -step * grad
        want = 0.5 / 32 * (1.0 if key in head else 0.1)
        assert step == pytest.approx(want, rel=1e-3), key
        np.testing.assert_allclose(delta, -want * grad, rtol=1e-3, atol=1e-7)
    with pytest.raises(ValueError, match="must be positive"):
        set_backbone_lr_mult(net, 0.0)
