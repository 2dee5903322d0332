"""TinySSD (D2L 9.7) against the book's forward written here with MXNet's own operators, and its inference
wrapper against ``contrib.MultiBoxDetection`` on the same raw outputs."""
import numpy as np
import pytest

mx = pytest.importorskip("mxnet")

import gluonx  # noqa: E402
from gluonx_detection.models import MultiBoxInference, TinySSD  # noqa: E402
from gluonx_detection.models.tiny_ssd import TINY_SSD_RATIOS, TINY_SSD_SIZES  # noqa: E402


def book_forward(net, x):
    """The book's ``TinySSD.forward`` (D2L 9.7.2): ``blk_forward`` per scale with ``MultiBoxPrior``,
    ``flatten_pred``/``concat_preds``, run on the net's own layers."""
    anchors, cls_preds, bbox_preds = [], [], []
    for i in range(5):
        x = net.stages[i](x)
        anchors.append(mx.nd.contrib.MultiBoxPrior(x, sizes=TINY_SSD_SIZES[i], ratios=TINY_SSD_RATIOS[i]))
        cls_preds.append(net.class_predictors[i](x).transpose((0, 2, 3, 1)).flatten())
        bbox_preds.append(net.box_predictors[i](x).transpose((0, 2, 3, 1)).flatten())
    return (mx.nd.concat(*anchors, dim=1),
            mx.nd.concat(*cls_preds, dim=1).reshape((0, -1, net.num_classes + 1)),
            mx.nd.concat(*bbox_preds, dim=1))


@pytest.mark.parametrize("side", [64, 128, 256])
def test_tiny_ssd_equals_the_books_forward(side):
    mx.random.seed(0)
    net = gluonx.get_model("tiny_ssd", num_classes=3)
    net.initialize(mx.init.Xavier())
    x = mx.nd.random.uniform(shape=(2, 3, side, side))
    expected = book_forward(net, x)
    net.hybridize()
    got = net(x)
    # anchors per scale: (side/8)^2, (side/16)^2, (side/32)^2, (side/64)^2 and 1 pixel, 4 anchors each (D2L 9.7.2)
    maps = [side // 8, side // 16, side // 32, side // 64, 1]
    anchors = 4 * sum(m * m for m in maps)
    assert got[0].shape == (1, anchors, 4)
    assert got[1].shape == (2, anchors, 4) and got[2].shape == (2, anchors * 4)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g.asnumpy(), e.asnumpy(), rtol=1e-5, atol=1e-6)


def test_tiny_ssd_rejects_bad_arguments():
    with pytest.raises(ValueError, match="num_classes"):
        TinySSD(num_classes=0)
    with pytest.raises(ValueError, match="5 scales"):
        TinySSD(sizes=TINY_SSD_SIZES[:4])


@pytest.mark.parametrize("portable", [False, True])
def test_inference_wrapper_equals_multibox_detection(portable):
    mx.random.seed(1)
    net = TinySSD(num_classes=2)
    net.initialize(mx.init.Xavier())
    detector = MultiBoxInference(net, iou_threshold=0.45, score_threshold=0.2, topk=30, portable=portable)
    detector.hybridize()
    x = mx.nd.random.uniform(shape=(3, 3, 64, 64))
    boxes, scores, ids = [a.asnumpy() for a in detector(x)]
    anchors, cls_preds, bbox_preds = net(x)
    probs = mx.nd.softmax(cls_preds, axis=-1).transpose((0, 2, 1))
    reference = mx.nd.contrib.MultiBoxDetection(probs, bbox_preds, anchors, clip=True, threshold=0.2,
                                                nms_threshold=0.45).asnumpy()
    assert boxes.shape == (3, 30, 4) and scores.shape == ids.shape == (3, 30)
    for image in range(3):
        kept = reference[image][reference[image][:, 0] >= 0]
        kept = kept[np.argsort(-kept[:, 1], kind="stable")][:30]
        valid = ids[image] >= 0
        assert valid.sum() == len(kept) > 0
        order = np.lexsort((kept[:, 2], -kept[:, 1]))
        mine = np.lexsort((boxes[image][valid][:, 0], -scores[image][valid]))
        np.testing.assert_allclose(scores[image][valid][mine], kept[order, 1], rtol=1e-5)
        np.testing.assert_array_equal(ids[image][valid][mine], kept[order, 0])
        np.testing.assert_allclose(boxes[image][valid][mine], kept[order, 2:], atol=1e-5)
