"""SSD on the core's ResNet-18 layout (D2L 9.7 + 5.11): its backbone is the core's ResNet feature layers, its
multiscale outputs are the book's ``TinySSD.forward`` composition, and it trains through ``gluonx.Trainer``
with the registered ``detection`` task on the embedded digit scenes."""
import numpy as np
import pytest

mx = pytest.importorskip("mxnet")

import gluonx  # noqa: E402
from gluonx.models.resnet import ResNet  # noqa: E402
from gluonx_detection.data.digits_scenes import DigitsDetection  # noqa: E402
from gluonx_detection.models import MultiBoxInference  # noqa: E402
from gluonx_detection.models.ssd import ResNetSSD  # noqa: E402
from gluonx_detection.models.tiny_ssd import TINY_SSD_RATIOS, TINY_SSD_SIZES  # noqa: E402


def _suffix(name):
    # "resnetssd0_resnet0_stage1_..." and "resnet3_stage1_..." name the same layer after their resnet prefix
    return name.split("_", 2)[-1] if name.startswith("resnetssd") else name.split("_", 1)[-1]


def test_backbone_is_the_core_resnets_feature_layers():
    mx.random.seed(0)
    net = ResNetSSD(num_classes=2, channels=(8, 16, 32, 64), stem_channels=8)
    net.initialize(mx.init.Xavier())
    core = ResNet(layers=(2, 2, 2, 2), channels=(8, 16, 32, 64), stem="standard", stem_channels=8, num_classes=1)
    core.initialize()
    x = mx.nd.random.uniform(shape=(2, 3, 64, 64))
    net(x)
    core(x)
    mine = {_suffix(name): p for name, p in net.collect_params().items() if name.startswith(net.prefix + "resnet")}
    theirs = {_suffix(name): p for name, p in core.features.collect_params().items()}
    assert set(mine) == set(theirs) and len(mine) > 50
    for name, param in theirs.items():
        param.set_data(mine[name].data())
    # stem + stages 1-4 of the core net (its children 0..7) give the stride-32 map
    expected = x
    for layer in list(core.features._children.values())[:8]:
        expected = layer(expected)
    got = net.stages[2](net.stages[1](net.stages[0](x)))
    assert got.shape == (2, 64, 2, 2)
    np.testing.assert_allclose(got.asnumpy(), expected.asnumpy(), rtol=1e-5, atol=1e-6)


def book_forward(net, x):
    """The book's multiscale forward (D2L 9.7.2: ``blk_forward`` per scale with ``MultiBoxPrior``,
    ``flatten_pred`` and ``concat_preds``) run on the net's own layers."""
    anchors, cls_preds, bbox_preds = [], [], []
    for i in range(5):
        x = net.stages[i](x)
        anchors.append(mx.nd.contrib.MultiBoxPrior(x, sizes=TINY_SSD_SIZES[i], ratios=TINY_SSD_RATIOS[i]))
        cls_preds.append(net.class_predictors[i](x).transpose((0, 2, 3, 1)).flatten())
        bbox_preds.append(net.box_predictors[i](x).transpose((0, 2, 3, 1)).flatten())
    return (mx.nd.concat(*anchors, dim=1),
            mx.nd.concat(*cls_preds, dim=1).reshape((0, -1, net.num_classes + 1)),
            mx.nd.concat(*bbox_preds, dim=1))


@pytest.mark.parametrize("side", [64, 128])
def test_outputs_equal_the_books_multiscale_forward(side):
    mx.random.seed(1)
    net = gluonx.get_model("ssd_resnet18", num_classes=3)
    net.initialize(mx.init.Xavier())
    x = mx.nd.random.uniform(shape=(2, 3, side, side))
    expected = book_forward(net, x)
    net.hybridize()
    got = net(x)
    # scales at strides 8, 16, 32, 64 and the global pool, 4 anchors per pixel
    anchors = 4 * (sum((side // stride) ** 2 for stride in (8, 16, 32, 64)) + 1)
    assert got[0].shape == (1, anchors, 4) and got[1].shape == (2, anchors, 4) and got[2].shape == (2, anchors * 4)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g.asnumpy(), e.asnumpy(), rtol=1e-5, atol=1e-5)


def test_inference_wrapper_decodes_it_like_multibox_detection():
    mx.random.seed(2)
    net = ResNetSSD(num_classes=2)
    net.initialize(mx.init.Xavier())
    boxes, scores, ids = MultiBoxInference(net, score_threshold=0.3, topk=10)(mx.nd.random.uniform(
        shape=(1, 3, 64, 64)))
    assert boxes.shape == (1, 10, 4) and scores.shape == ids.shape == (1, 10)
    kept = ids.asnumpy()[0] >= 0
    assert kept.any() and (scores.asnumpy()[0][kept] >= 0.3).all() and set(ids.asnumpy()[0][kept]) <= {0, 1}


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="num_classes"):
        ResNetSSD(num_classes=0)
    with pytest.raises(ValueError, match="4 stages"):
        ResNetSSD(channels=(8, 16, 32))
    with pytest.raises(ValueError, match="5 scales"):
        ResNetSSD(sizes=TINY_SSD_SIZES[:3])


def _positive_share(trainer, data):
    """Class error of a detector that says "background" everywhere: the share of positive anchors."""
    positive = total = 0
    for batch in trainer.make_source(data, 32, shuffle=False).batches(0):
        for class_labels, _, _ in trainer.batch_step.eval_step(trainer, batch).labels:
            positive += float((class_labels > 0).sum().asscalar())
            total += class_labels.size
    return positive / total


def test_ssd_resnet18_learns_detection_digits_through_the_trainer():
    # calibrated (2-core CPU, about 12 s): 96 scenes of 64x64, 4 epochs of batch 16, Adam 0.005
    assert gluonx.get_model_info("ssd_resnet18").task == "detection"
    train = DigitsDetection(train=True, num_images=96, image_size=64)
    test = DigitsDetection(train=False, num_images=64, image_size=64)
    net = gluonx.get_model("ssd_resnet18", num_classes=3)
    trainer = gluonx.Trainer(net, optimizer="adam", optimizer_params={"learning_rate": 0.005, "wd": 5e-4},
                             task="detection", seed=0)
    before = trainer.evaluate(test, batch_size=32)
    share = _positive_share(trainer, test)
    epochs = trainer.fit(train, epochs=4, batch_size=16)
    after = trainer.evaluate(test, batch_size=32)
    assert epochs[-1]["loss"] < 0.6 * epochs[0]["loss"]
    assert epochs[-1]["box_mae"] < 0.8 * epochs[0]["box_mae"]
    # untrained, it errs on most anchors; trained, it does as well as "all background" (within 3 %)
    assert before["val_class_error"] > 0.3
    assert after["val_class_error"] < 1.03 * share < 0.1
    assert after["val_loss"] < 0.75 * before["val_loss"]    # measured: 0.59x
