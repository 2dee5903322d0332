"""gluoncv's SSD, YOLOv3, Faster R-CNN and CenterNet as gluonx models (gluonx_detection.models.gluoncv_zoo).

Checked here: they build and run with no network and an empty MXNET_HOME; their outputs are gluoncv's own
(the same network built by calling gluoncv directly, with the same weights); the detections obey what the
decoders promise (NumPy IoU for per-class NMS); the initialization quirks are absorbed (Xavier on SSD, BatchNorm
statistics); and the ONNX export of `gluonx.export` gives onnxruntime detections equal to MXNet's (same set of
boxes, coordinates within 1e-4) on scenes of several overlapping digits, at several batch sizes.
The conformance kit (tests/conformance) runs the registered entries' generic checks.
"""
import json
import os
import subprocess
import sys
import textwrap
from collections import OrderedDict

import numpy as np
import pytest

mx = pytest.importorskip("mxnet")
pytest.importorskip("gluoncv")

import gluonx  # noqa: E402
from gluonx_detection.models import gluoncv_zoo  # noqa: E402

MODELS = ("gluoncv_ssd", "gluoncv_yolo3", "gluoncv_faster_rcnn", "gluoncv_center_net")
CLASSES = ["zero", "one", "four"]
NMS_THRESH = {"gluoncv_ssd": 0.45, "gluoncv_yolo3": 0.45, "gluoncv_faster_rcnn": 0.3}


def _iou(a, b):
    """Pairwise IoU of corner boxes, as MXNet's box_nms computes it (an inverted box has area 0)."""
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=2)
    area_a = np.prod(np.clip(a[:, 2:] - a[:, :2], 0, None), axis=1)
    area_b = np.prod(np.clip(b[:, 2:] - b[:, :2], 0, None), axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0)


def _scenes(batch, size=128, seed=3):
    """``batch`` digit scenes (several digits of three classes each), as NCHW float32 in [0, 1]."""
    from gluonx_detection.data.digits_scenes import DigitsDetection
    data = DigitsDetection(train=False, num_images=batch, image_size=size, max_objects=6, seed=seed)
    images = np.stack([data[i][0] for i in range(batch)]).astype("float32") / 255
    return images.transpose(0, 3, 1, 2).copy()


def _build(name, **overrides):
    info = gluonx.get_model_info(name)
    mx.random.seed(0)
    net = info.create(**dict(info.kwargs, **overrides))
    net.initialize(mx.init.Xavier())
    return net


# ---------------------------------------------------------------------------------------------- offline build

_OFFLINE_SCRIPT = textwrap.dedent('''
    import json, socket, sys
    attempts = []
    def refuse(*args, **kwargs):
        attempts.append(repr(args)[:80])
        raise OSError("network disabled by the test")
    socket.socket.connect = refuse
    socket.create_connection = refuse
    import mxnet as mx
    import gluonx
    shapes = {}
    for name in sys.argv[1:]:
        info = gluonx.get_model_info(name)
        net = gluonx.get_model(name, **info.kwargs)
        net.initialize(mx.init.Xavier())
        out = net(mx.nd.random.uniform(shape=(1, 3, 64, 64)))
        shapes[name] = [list(o.shape) for o in out]
    print(json.dumps({"shapes": shapes, "attempts": attempts}))
''')


def test_builds_and_runs_without_network_or_model_store(tmp_path):
    home = tmp_path / "home"
    mxnet_home = tmp_path / "mxnet_home"
    home.mkdir()
    mxnet_home.mkdir()
    env = dict(os.environ, HOME=str(home), MXNET_HOME=str(mxnet_home), OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", _OFFLINE_SCRIPT] + list(MODELS), env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["attempts"] == []
    assert sorted(report["shapes"]) == sorted(MODELS)
    for shapes in report["shapes"].values():
        boxes, scores, ids = shapes
        assert boxes[:2] == scores == ids and boxes[2] == 4
    written = [os.path.join(root, f) for folder in (home, mxnet_home) for root, _, files in os.walk(folder)
               for f in files]
    assert written == [], "gluoncv wrote (or fetched) files: {}".format(written)


# -------------------------------------------------------------------------- same outputs as gluoncv directly

def _gluoncv_ssd():
    from gluoncv.model_zoo.ssd.presets import ssd_300_mobilenet0_25_custom
    net = ssd_300_mobilenet0_25_custom(classes=CLASSES, pretrained_base=False)
    net.set_nms(nms_thresh=0.45, nms_topk=400, post_nms=100)
    return net


def _gluoncv_yolo3():
    from gluoncv.model_zoo.yolo.yolo3 import yolo3_mobilenet0_25_custom
    net = yolo3_mobilenet0_25_custom(classes=CLASSES, pretrained_base=False)
    net.set_nms(nms_thresh=0.45, nms_topk=400, post_nms=100)
    return net


def _gluoncv_faster_rcnn():
    from mxnet.gluon import nn
    from gluoncv.model_zoo.rcnn.faster_rcnn.faster_rcnn import FasterRCNN
    from gluoncv.model_zoo.resnetv1b import resnet18_v1b
    base = resnet18_v1b(pretrained=False, dilated=False, use_global_stats=True)
    features, top = nn.HybridSequential(), nn.HybridSequential()
    for layer in ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3"):
        features.add(getattr(base, layer))
    top.add(base.layer4)
    return FasterRCNN(features, top, CLASSES, nms_thresh=0.3, nms_topk=8, post_nms=100, roi_mode="align",
                      roi_size=(14, 14), strides=16, rpn_channel=256, scales=(2, 4, 8, 16, 32),
                      rpn_test_post_nms=16, rpn_min_size=16, max_num_gt=100)


def _gluoncv_center_net():
    from gluoncv.model_zoo.center_net.center_net import CenterNet
    from gluoncv.model_zoo.center_net.deconv_resnet import resnet18_v1b_deconv
    heads = OrderedDict([("heatmap", {"num_output": 3, "bias": -2.19}), ("wh", {"num_output": 2}),
                         ("reg", {"num_output": 2})])
    return CenterNet(resnet18_v1b_deconv(pretrained=False), heads, CLASSES, head_conv_channel=64, topk=20)


DIRECT = {"gluoncv_ssd": _gluoncv_ssd, "gluoncv_yolo3": _gluoncv_yolo3, "gluoncv_faster_rcnn": _gluoncv_faster_rcnn,
          "gluoncv_center_net": _gluoncv_center_net}


@pytest.mark.parametrize("name", MODELS)
def test_outputs_are_gluoncvs_own_with_the_same_weights(name, tmp_path):
    net = _build(name, classes=CLASSES)
    batch = 1 if name == "gluoncv_faster_rcnn" else 2
    x = mx.nd.array(_scenes(batch, size=64))
    boxes, scores, ids = [o.asnumpy() for o in net(x)]

    weights = str(tmp_path / "weights.params")
    net.net.save_parameters(weights)
    direct = DIRECT[name]()
    direct.load_parameters(weights)
    want_ids, want_scores, want_boxes = [o.asnumpy() for o in direct(x)]
    k = want_ids.shape[1]
    assert boxes.shape == (batch, k, 4) and scores.shape == (batch, k) and ids.shape == (batch, k)
    np.testing.assert_array_equal(ids, want_ids.reshape(batch, k))
    np.testing.assert_allclose(scores, want_scores.reshape(batch, k), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(boxes, want_boxes, rtol=1e-5, atol=1e-4)
    assert net.classes == CLASSES


@pytest.mark.parametrize("name", MODELS)
def test_detections_are_sorted_valid_and_suppressed_per_class(name):
    net = _build(name)
    batch = 1 if name == "gluoncv_faster_rcnn" else 2
    boxes, scores, ids = [o.asnumpy() for o in net(mx.nd.array(_scenes(batch, size=64)))]
    assert np.isfinite(boxes).all() and np.isfinite(scores).all()
    # Faster R-CNN returns one block of rows per class (its NMS runs on each class separately)
    blocks = 3 if name == "gluoncv_faster_rcnn" else 1
    for b in range(batch):
        assert (ids[b] >= 0).sum() >= 5, "the random detector should fire on the scenes"
        for rows in np.split(np.arange(ids.shape[1]), blocks):
            valid = ids[b][rows] >= 0
            # kept rows come first (gluoncv pads with -1), by descending score
            assert valid[:valid.sum()].all()
            kept = scores[b][rows][valid]
            assert (np.diff(kept) <= 0).all()
            assert set(np.unique(ids[b][rows][valid])) <= {0.0, 1.0, 2.0}
            assert ((kept > 0) & (kept <= 1)).all()
        if name not in NMS_THRESH:
            continue
        valid = ids[b] >= 0
        iou = _iou(boxes[b][valid], boxes[b][valid])
        same = ids[b][valid][:, None] == ids[b][valid][None, :]
        off_diagonal = ~np.eye(valid.sum(), dtype=bool)
        assert (iou[same & off_diagonal] <= NMS_THRESH[name] + 1e-6).all()


def test_class_arguments_are_checked():
    assert gluoncv_zoo.class_names(num_classes=2) == ["class0", "class1"]
    assert gluoncv_zoo.class_names(["a", "b"], num_classes=5) == ["a", "b"]
    with pytest.raises(ValueError, match="^num_classes must be positive, got 0$"):
        gluonx.get_model("gluoncv_ssd", num_classes=0)
    with pytest.raises(ValueError, match="^classes must name at least one class, got an empty list$"):
        gluonx.get_model("gluoncv_center_net", classes=[])


# ----------------------------------------------------------------------------------- initialization quirks

def test_plain_xavier_fails_on_gluoncv_ssd_but_not_on_the_entry():
    """gluoncv's SSD expander (built from a symbol) gives its BatchNorm parameters no initializer, so a
    plain Xavier initialization fails on their 1-D shapes; the entry initializes them per role."""
    raw = _gluoncv_ssd()
    raw.initialize(mx.init.Xavier())
    with pytest.raises(ValueError, match="Xavier initializer cannot be applied to vector"):
        raw(mx.nd.zeros((1, 3, 64, 64)))
    net = _build("gluoncv_ssd")
    net(mx.nd.zeros((1, 3, 64, 64)))
    params = net.collect_params()
    for name, param in params.items():
        if name.endswith(("running_var", "gamma")):
            assert (param.data().asnumpy() > 0).all(), name


@pytest.mark.parametrize("name", ["gluoncv_yolo3", "gluoncv_center_net", "gluoncv_faster_rcnn"])
def test_batchnorm_is_calibrated_on_the_calibration_images(name):
    """After initialization, every BatchNorm normalizes the calibration images: per channel, its output has
    mean beta (0) and variance gamma^2 (1) unless the channel's variance was floored (then below 1), measured
    on the outputs (not on the stored statistics)."""
    net = _build(name, calibration_size=64)
    layers = []
    gluoncv_zoo._collect_batchnorms(net.net, layers)
    assert len(layers) >= 20
    outputs = []
    handles = [layer.register_forward_hook(lambda block, inputs, out: outputs.append(out.asnumpy()))
               for layer in layers]
    net.net(mx.nd.array(gluoncv_zoo.calibration_images(net.calibration_shape)))
    for handle in handles:
        handle.detach()
    assert len(outputs) == len(layers)
    close = []
    for out in outputs:
        per_channel = out.transpose(1, 0, 2, 3).reshape(out.shape[1], -1)
        assert np.abs(per_channel.mean(axis=1)).max() < 1e-3
        variance = per_channel.var(axis=1)
        # a floored variance (nearly constant channel) only scales down: BatchNorm never amplifies here
        assert variance.max() < 1.01
        close.append(np.abs(variance - 1) < 1e-2)
    assert np.concatenate(close).mean() > 0.85


# ----------------------------------------------------------------------------------- ONNX: same detections

def _match_detections(mx_out, ort_out, what, atol=1e-4):
    """Same set of kept boxes per image (class, score, coordinates within ``atol`` pixel), whatever their
    order."""
    boxes, scores, ids = mx_out
    got_boxes, got_scores, got_ids = ort_out
    for b in range(ids.shape[0]):
        want = np.concatenate([ids[b][:, None], scores[b][:, None], boxes[b]], axis=1)[ids[b] >= 0]
        have = np.concatenate([got_ids[b][:, None], got_scores[b][:, None], got_boxes[b]], axis=1)[got_ids[b] >= 0]
        assert len(want) == len(have), "{}: image {}: MXNet keeps {} boxes, onnxruntime {}".format(
            what, b, len(want), len(have))
        order_want = np.lexsort(np.round(want[:, ::-1], 3).T)
        order_have = np.lexsort(np.round(have[:, ::-1], 3).T)
        np.testing.assert_array_equal(have[order_have, 0], want[order_want, 0], err_msg=what)
        np.testing.assert_allclose(have[order_have, 1], want[order_want, 1], atol=1e-5, err_msg=what)
        np.testing.assert_allclose(have[order_have, 2:], want[order_want, 2:], rtol=0, atol=atol, err_msg=what)


#: name, batch sizes (the first exported), image size, minimum kept boxes per image
ONNX_CASES = [("gluoncv_ssd", (2, 1, 3), 128, 20), ("gluoncv_yolo3", (2, 1, 3), 128, 20),
              ("gluoncv_faster_rcnn", (1,), 128, 8), ("gluoncv_center_net", (2, 1), 128, 20)]


@pytest.mark.parametrize("name,batches,size,min_kept", ONNX_CASES, ids=[case[0] for case in ONNX_CASES])
def test_onnx_detections_match_mxnet_on_crowded_scenes(name, batches, size, min_kept, tmp_path):
    pytest.importorskip("onnxruntime")
    info = gluonx.get_model_info(name)
    net = _build(name, **({"calibration_size": size} if "calibration_size" in info.kwargs else {}))
    images = _scenes(max(batches) + 2, size=size)
    result = gluonx.export(net, str(tmp_path / "export"), [images[:batches[0]]], formats=("symbol", "onnx"),
                           dynamic_batch=len(batches) > 1, output_names=["boxes", "scores", "ids"],
                           rtol=info.rtol, atol=info.atol)
    assert result.manifest.data["onnx"]["dynamic_batch"] is (len(batches) > 1)
    predictor = gluonx.Predictor(str(tmp_path / "export"), backend="onnxruntime")
    start = 0
    for batch in batches:
        x = images[start:start + batch]
        start += 1
        mx_out = [o.asnumpy() for o in net(mx.nd.array(x))]
        ort_out = predictor.predict(x)
        _match_detections(mx_out, ort_out, "{} batch {}".format(name, batch), max(info.atol, 1e-4))
        if name in NMS_THRESH:
            boxes, _, ids = mx_out
            for b in range(batch):
                valid = ids[b] >= 0
                assert valid.sum() >= min_kept and len(np.unique(ids[b][valid])) == 3
                # boxes of different classes overlapping beyond the threshold are kept: suppression across
                # classes (MXNet's own box_nms converter) would have removed them
                iou = _iou(boxes[b][valid], boxes[b][valid])
                other = ids[b][valid][:, None] != ids[b][valid][None, :]
                assert (iou[other] > NMS_THRESH[name]).sum() >= 4


class _YOLONMS(mx.gluon.HybridBlock):
    """The suppression of gluoncv's YOLOv3 (``yolo3.py``: the same ``box_nms`` call and ``post_nms`` slice)
    on the candidate rows ``(B, N, 6)`` the network produces before it: the converter alone, on over a thousand rows."""

    def hybrid_forward(self, F, rows):
        result = F.contrib.box_nms(rows, overlap_thresh=0.45, valid_thresh=0.01, topk=400, id_index=0,
                                   score_index=1, coord_start=2, force_suppress=False)
        result = result.slice_axis(axis=1, begin=0, end=100)
        return (result.slice_axis(axis=-1, begin=2, end=None), result.slice_axis(axis=-1, begin=1, end=2),
                result.slice_axis(axis=-1, begin=0, end=1))


def test_onnx_suppression_of_yolo3_matches_mxnet_on_its_candidates(tmp_path):
    pytest.importorskip("onnxruntime")
    net = _build("gluoncv_yolo3")
    net.net.set_nms(nms_thresh=-1)                      # gluoncv's switch: return every candidate row
    ids, scores, boxes = [o.asnumpy() for o in net.net(mx.nd.array(_scenes(5, size=128)))]
    rows = np.concatenate([ids, scores, boxes], axis=-1)
    assert rows.shape[1] > 1000
    block = _YOLONMS()
    gluonx.export(block, str(tmp_path / "export"), [rows[:2]], formats=("symbol", "onnx"),
                  output_names=["boxes", "scores", "ids"])
    predictor = gluonx.Predictor(str(tmp_path / "export"), backend="onnxruntime")
    for start, batch in ((0, 2), (2, 1), (2, 3)):
        x = rows[start:start + batch]
        mx_out = [o.asnumpy().reshape(o.shape[:2] + (-1,)).squeeze(-1) if o.shape[-1] == 1 else o.asnumpy()
                  for o in block(mx.nd.array(x))]
        ort_out = [o.squeeze(-1) if o.shape[-1] == 1 else o for o in predictor.predict(x)]
        _match_detections(mx_out, ort_out, "yolo3 NMS batch {}".format(batch))
        kept_boxes, _, kept_ids = mx_out
        for b in range(batch):
            valid = kept_ids[b] >= 0
            assert valid.sum() == 100 and len(np.unique(kept_ids[b][valid])) == 3
            iou = _iou(kept_boxes[b][valid], kept_boxes[b][valid])
            other = kept_ids[b][valid][:, None] != kept_ids[b][valid][None, :]
            assert (iou[other] > 0.45).sum() >= 4
