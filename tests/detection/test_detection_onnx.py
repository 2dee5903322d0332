"""ONNX export of detectors: the plugin's converters of ``_contrib_box_nms`` and ``_contrib_MultiBoxDetection``
against the MXNet operators themselves (the reference), and a TinySSD detector exported end to end.

Every case exports ONE ONNX file with a dynamic batch (and number of boxes) and runs it in onnxruntime at
several batch sizes; MXNet's rows and onnxruntime's rows must be the same rows in the same places (kept rows
first by descending score, then -1), coordinates within 1e-4. Inputs hold clusters of many overlapping boxes
of several classes with distinct scores, so suppression, per class or across classes, decides most rows;
one detector test gives many rows bit-identical scores on purpose (ties must not reorder the top-k).
"""
import numpy as np
import pytest

mx = pytest.importorskip("mxnet")
onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

import gluonx  # noqa: E402
from gluonx.testing import check_onnx, run_isolated  # noqa: E402
from gluonx_detection.models import MultiBoxInference, TinySSD  # noqa: E402
from gluonx_detection.onnx import CONVERTERS  # noqa: E402

ATOL = 1e-4


def clustered_detections(rng, batch, boxes, classes, width=6, layout=(0, 1, 2), box_format="corner"):
    """``(batch, boxes, width)`` rows: boxes jittered around a few centres (heavy overlap), random class ids,
    distinct scores; ``layout`` = (id column, score column, first coordinate column)."""
    id_col, score_col, coord = layout
    rows = rng.uniform(0, 1, (batch, boxes, width))
    centres = rng.uniform(0.2, 0.8, (batch, 4, 2))
    pick = centres[np.arange(batch)[:, None], rng.randint(0, 4, (batch, boxes))]
    size = rng.uniform(0.15, 0.35, (batch, boxes, 2))
    middle = pick + rng.normal(0, 0.04, (batch, boxes, 2))
    if box_format == "corner":
        rows[..., coord:coord + 4] = np.concatenate([middle - size / 2, middle + size / 2], -1)
    else:
        rows[..., coord:coord + 4] = np.concatenate([middle, size], -1)
    rows[..., id_col] = rng.randint(0, classes, (batch, boxes))
    rows[..., score_col] = (rng.permutation(batch * boxes).reshape(batch, boxes) + 1) / (batch * boxes + 1.0)
    return rows.astype("float32")


class BoxNMSOp(mx.gluon.HybridBlock):
    """``F.contrib.box_nms`` with the given attributes, as gluoncv's SSD and YOLOv3 call it."""

    def __init__(self, **attrs):
        super().__init__()
        self._attrs = attrs

    def hybrid_forward(self, F, x):
        return F.contrib.box_nms(x, **self._attrs)


class MultiBoxDetectionOp(mx.gluon.HybridBlock):
    """``F.contrib.MultiBoxDetection`` with the given attributes."""

    def __init__(self, **attrs):
        super().__init__()
        self._attrs = attrs

    def hybrid_forward(self, F, class_probs, offsets, anchors):
        return F.contrib.MultiBoxDetection(class_probs, offsets, anchors, **self._attrs)


def kept(rows, id_col=0):
    """Number of kept rows per image (rows that are not all -1)."""
    return (rows != -1).any(-1).sum(-1)


GLUONCV = dict(id_index=0, score_index=1, coord_start=2, force_suppress=False, valid_thresh=0.01)
#: (id, attributes, layout, width, box format of the inputs)
BOX_NMS_CASES = [
    ("per-class", dict(GLUONCV, overlap_thresh=0.45), (0, 1, 2), 6, "corner"),
    ("per-class-topk", dict(GLUONCV, overlap_thresh=0.5, topk=25), (0, 1, 2), 6, "corner"),
    ("per-class-valid-thresh", dict(GLUONCV, overlap_thresh=0.3, valid_thresh=0.6), (0, 1, 2), 6, "corner"),
    ("across-classes", dict(GLUONCV, overlap_thresh=0.45, force_suppress=True), (0, 1, 2), 6, "corner"),
    ("no-class-column", dict(overlap_thresh=0.5, id_index=-1, topk=40), (0, 1, 2), 6, "corner"),
    ("background", dict(GLUONCV, overlap_thresh=0.5, background_id=1), (0, 1, 2), 6, "corner"),
    ("other-layout-extra-columns", dict(overlap_thresh=0.4, score_index=0, id_index=6, coord_start=1,
                                        valid_thresh=0.2), (6, 0, 1), 8, "corner"),
    ("center-to-corner", dict(GLUONCV, overlap_thresh=0.45, in_format="center", out_format="corner"),
     (0, 1, 2), 6, "center"),
    ("corner-to-center", dict(GLUONCV, overlap_thresh=0.45, out_format="center"), (0, 1, 2), 6, "corner"),
    ("center-to-center", dict(GLUONCV, overlap_thresh=0.45, in_format="center", out_format="center"),
     (0, 1, 2), 6, "center"),
]


def test_the_plugin_registers_both_converters():
    assert set(CONVERTERS) == {"_contrib_box_nms", "_contrib_MultiBoxDetection"}
    assert len(BOX_NMS_CASES) >= 10


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("case", BOX_NMS_CASES, ids=[c[0] for c in BOX_NMS_CASES])
def test_box_nms_onnx_equals_mxnet_at_every_batch_size(case, seed):
    name, attrs, layout, width, box_format = case
    rng = np.random.RandomState(seed)
    data = [clustered_detections(rng, b, n, 4, width, layout, box_format) for b, n in [(2, 60), (1, 60),
                                                                                       (5, 60), (3, 97)]]
    net = BoxNMSOp(**attrs)
    got = check_onnx(net, [data[0]], [[d] for d in data[1:]], dynamic_axes=[[0, 1]], rtol=0, atol=ATOL)
    for x, (rows,) in zip(data, got):
        expected = net(mx.nd.array(x)).asnumpy()
        assert rows.shape == x.shape
        # same set of kept rows, and suppression really decided: some rows kept, many dropped
        np.testing.assert_array_equal(kept(rows), kept(expected))
        assert (kept(expected) > 0).all() and (kept(expected) < x.shape[1] * 0.8).all(), kept(expected)


def test_per_class_and_across_classes_really_differ_on_the_test_data():
    """The per-class cases would pass with a converter that ignores classes unless the data tell them apart."""
    x = clustered_detections(np.random.RandomState(0), 2, 60, 4)
    aware = BoxNMSOp(**GLUONCV)(mx.nd.array(x)).asnumpy()
    agnostic = BoxNMSOp(**dict(GLUONCV, force_suppress=True))(mx.nd.array(x)).asnumpy()
    assert (kept(aware) > kept(agnostic) + 5).all()
    assert len(np.unique(aware[0, :kept(aware)[0], 0])) >= 3


def test_box_nms_inverted_boxes_and_ranks():
    """Boxes with a negative width never overlap in MXNet (onnxruntime would swap their corners), and any
    rank >= 2 works (leading axes are batch axes)."""
    rng = np.random.RandomState(3)
    x = clustered_detections(rng, 6, 30, 3)
    flip = rng.uniform(size=(6, 30)) < 0.3
    x[flip, 2], x[flip, 4] = x[flip, 4].copy(), x[flip, 2].copy()
    net = BoxNMSOp(**GLUONCV)
    check_onnx(net, [x.reshape(2, 3, 30, 6)], [[x[:4].reshape(4, 1, 30, 6)]], dynamic_axes=[[0, 1]], rtol=0,
               atol=ATOL)
    check_onnx(net, [x[0]], [[x[1, :20]]], dynamic_axes=[[0]], rtol=0, atol=ATOL)


def test_box_nms_empty_result_and_topk_zero():
    x = clustered_detections(np.random.RandomState(4), 2, 20, 3)
    x[..., 1] *= 0.01                                           # every score below valid_thresh = 0.5
    nothing = check_onnx(BoxNMSOp(**dict(GLUONCV, valid_thresh=0.5)), [x], [[x[:1]]], dynamic_axes=[[0, 1]],
                         rtol=0, atol=ATOL)
    assert all((rows == -1).all() for (rows,) in nothing)
    same = check_onnx(BoxNMSOp(**dict(GLUONCV, topk=0)), [x], [[x[:1]]], dynamic_axes=[[0, 1]], rtol=0,
                      atol=ATOL)
    np.testing.assert_array_equal(same[0][0], x)                # topk=0: MXNet returns the input


def test_equal_scores_keep_mxnets_order():
    """MXNet sorts with a stable sort (equal scores stay in index order); so do the converters."""
    x = np.zeros((2, 30, 6), "float32")
    x[..., 0] = np.arange(30) % 3
    x[..., 1] = 0.5
    x[..., 2:4] = np.arange(30)[:, None] * 0.01
    x[..., 4:6] = x[..., 2:4] + 0.3
    for attrs in (GLUONCV, dict(GLUONCV, topk=7), dict(GLUONCV, force_suppress=True)):
        check_onnx(BoxNMSOp(**attrs), [x], [[x[:1]]], dynamic_axes=[[0, 1]], rtol=0, atol=ATOL)
    probs = np.full((2, 4, 30), 0.25, "float32")
    offsets = np.zeros((2, 120), "float32")
    check_onnx(MultiBoxDetectionOp(nms_threshold=0.5), [probs, offsets, x[:1, :, 2:6]], [[probs[:1], offsets[:1],
               x[:1, :, 2:6]]], batch_axes=[0, 0, None], rtol=0, atol=ATOL)


def multibox_inputs(rng, batch, anchors, classes):
    """Class probabilities ``(B, C+1, A)`` (softmax, distinct), offsets ``(B, A*4)``, clustered anchors."""
    logits = rng.normal(0, 1.5, (batch, classes + 1, anchors))
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    corners = clustered_detections(rng, 1, anchors, 1)[..., 2:6]
    offsets = rng.normal(0, 0.3, (batch, anchors * 4))
    return [probs.astype("float32"), offsets.astype("float32"), corners]


MULTIBOX_CASES = [
    ("per-class", dict(nms_threshold=0.45, threshold=0.05)),
    ("across-classes", dict(nms_threshold=0.45, force_suppress=True)),
    ("nms-topk", dict(nms_threshold=0.5, nms_topk=30)),
    ("no-clip-high-threshold", dict(nms_threshold=0.3, threshold=0.4, clip=False)),
    ("variances", dict(nms_threshold=0.5, variances=(0.2, 0.2, 0.1, 0.1))),
    ("no-suppression", dict(nms_threshold=0.0)),
]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("case", MULTIBOX_CASES, ids=[c[0] for c in MULTIBOX_CASES])
def test_multibox_detection_onnx_equals_mxnet_at_every_batch_size(case, seed):
    _, attrs = case
    rng = np.random.RandomState(seed)
    net = MultiBoxDetectionOp(**attrs)
    sets = [multibox_inputs(rng, b, 80, 3) for b in (2, 1, 6)]
    anchors = sets[0][2]
    sets = [[p, o, anchors] for p, o, _ in sets]
    got = check_onnx(net, sets[0], sets[1:], batch_axes=[0, 0, None], rtol=0, atol=ATOL)
    for inputs, (rows,) in zip(sets, got):
        expected = net(*[mx.nd.array(v) for v in inputs]).asnumpy()
        detections = (expected[..., 1] >= 0).sum(-1)
        marked = ((expected[..., 0] < 0) & (expected[..., 1] >= 0)).sum(-1)
        assert (detections > 10).all()
        if attrs["nms_threshold"] > 0:
            assert (marked > 5).all(), marked                    # suppression decided many rows
        np.testing.assert_array_equal(rows[..., 0], expected[..., 0])


@pytest.mark.parametrize("portable", [False, True], ids=["fused", "portable"])
def test_tiny_ssd_detector_exports_with_dynamic_batch_and_matches_mxnet(tmp_path, portable):
    """The user path: ``gluonx.export`` of a TinySSD wrapped in decoding + per-class NMS + top-k (MXNet's
    fused MultiBoxDetection, or the portable decoder + box_nms), one ONNX file,
    ``Predictor(backend="onnxruntime")`` at batch 1 and 4."""
    mx.random.seed(0)
    net = TinySSD(num_classes=4)
    net.initialize(mx.init.Xavier())
    detector = MultiBoxInference(net, iou_threshold=0.45, score_threshold=0.05, topk=40, portable=portable)
    images = np.random.RandomState(0).uniform(0, 1, (4, 3, 64, 64)).astype("float32")
    result = gluonx.export(detector, str(tmp_path / "det"), [images[:2]], output_names=["boxes", "scores",
                                                                                        "class_ids"])
    assert result.manifest.data["onnx"]["dynamic_batch"]
    predictor = gluonx.Predictor(str(tmp_path / "det"), backend="onnxruntime")
    for batch in (images[:1], images):
        boxes, scores, ids = (a.asnumpy() for a in detector(mx.nd.array(batch)))
        got = predictor.predict(batch, named=True)
        np.testing.assert_array_equal(got["class_ids"], ids)
        np.testing.assert_allclose(got["scores"], scores, rtol=0, atol=ATOL)
        np.testing.assert_allclose(got["boxes"], boxes, rtol=0, atol=ATOL)
        assert (ids >= 0).sum(-1).min() >= 10 and len(np.unique(ids[ids >= 0])) >= 3


def test_exported_detector_uses_standard_onnx_ops_and_runs_without_gluonx(tmp_path):
    """The file needs onnxruntime only: every node is a standard ONNX operator (default domain, known at
    opset 13), and it runs in a process where gluonx and its plugins cannot be imported."""
    mx.random.seed(1)
    net = TinySSD(num_classes=3)
    net.initialize(mx.init.Xavier())
    detector = MultiBoxInference(net, topk=20)
    images = np.random.RandomState(1).uniform(0, 1, (3, 3, 64, 64)).astype("float32")
    gluonx.export(detector, str(tmp_path / "det"), [images[:2]], formats=("symbol", "onnx"))
    model = onnx.load(str(tmp_path / "det" / "model.onnx"))
    ops = {(node.domain, node.op_type) for node in model.graph.node}
    assert {"NonMaxSuppression", "TopK"} <= {op for _, op in ops}
    for domain, op in ops:
        assert domain in ("", "ai.onnx") and onnx.defs.has(op), op
    np.save(str(tmp_path / "images.npy"), images)
    run_isolated('''
        import sys
        import numpy as np
        import onnxruntime
        session = onnxruntime.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
        images = np.load(sys.argv[2])
        outputs = session.run(None, {session.get_inputs()[0].name: images})
        np.savez(sys.argv[3], *outputs)
    ''', [str(tmp_path / "det" / "model.onnx"), str(tmp_path / "images.npy"), str(tmp_path / "out.npz")],
        cwd=str(tmp_path))
    expected = [a.asnumpy() for a in detector(mx.nd.array(images))]
    with np.load(str(tmp_path / "out.npz")) as out:
        got = [out["arr_%d" % k] for k in range(len(out.files))]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=0, atol=ATOL)


def test_converters_are_installed_through_the_hook():
    """The core's conversion entry point runs the hook, which puts the plugin's converters into
    ``mx.onnx``'s registry at gluonx's opset (replacing MXNet's own ``box_nms`` converter there)."""
    from mxnet.onnx.mx2onnx._export_onnx import MXNetGraph

    from gluonx.deploy.onnx_convert import OPSET, install_plugin_converters
    from gluonx_detection.onnx.box_nms import convert_box_nms
    from gluonx_detection.onnx.multibox_detection import convert_multibox_detection
    install_plugin_converters(OPSET)
    table = MXNetGraph.registry_[OPSET]
    assert table["_contrib_box_nms"] is convert_box_nms
    assert table["_contrib_MultiBoxDetection"] is convert_multibox_detection


def test_converters_refuse_an_opset_they_cannot_target():
    from gluonx_detection.onnx import register_converters
    with pytest.raises(ValueError, match="need opset 13 or newer, got 12"):
        register_converters(12)


class FixedHeads(mx.gluon.HybridBlock):
    """A stand-in for a trained multibox net: ``x (B, A, C + 1 + 4)`` holds the class logits and the offsets
    of every anchor; the anchors are a constant ``(1, A, 4)``."""

    def __init__(self, anchors, classes):
        super().__init__()
        self._classes = classes
        self.anchors = self.params.get_constant("anchors", mx.nd.array(anchors))

    def hybrid_forward(self, F, x, anchors):
        class_preds = F.slice_axis(x, axis=-1, begin=0, end=self._classes + 1)
        box_preds = F.reshape(F.slice_axis(x, axis=-1, begin=self._classes + 1, end=None), (0, -1))
        return anchors, class_preds, box_preds


@pytest.mark.parametrize("portable", [False, True], ids=["fused", "portable"])
def test_detector_top_k_with_suppressed_rows_and_equal_scores_matches_mxnet(portable):
    """A trained detector's pattern: few kept rows (most suppressed inside clusters of overlapping anchors,
    so the top-k reaches past them) and equal scores (logits from a few levels). MXNet's ``topk`` orders
    equal keys arbitrarily: the fused detector's suppressed rows kept their boxes and all scored -1, so
    MXNet and onnxruntime placed different boxes in those rows (differences up to 2)."""
    rng = np.random.RandomState(7)
    anchors, classes = clustered_detections(rng, 1, 300, 1)[..., 2:6], 3
    x = np.zeros((3, 300, classes + 5), "float32")
    # each anchor takes one of a few logit rows: equal scores are equal bit for bit in both runtimes
    x[..., :classes + 1] = rng.normal(0, 3, (6, classes + 1))[rng.randint(0, 6, (3, 300))]
    x[..., classes + 1:] = rng.normal(0, 0.1, (3, 300, 4))
    detector = MultiBoxInference(FixedHeads(anchors, classes), topk=120, portable=portable)
    detector.initialize()
    got = check_onnx(detector, [x[:2]], [[x[2:]]], batch_axes=[0], rtol=0, atol=ATOL)
    for inputs, (boxes, scores, ids) in zip([x[:2], x[2:]], got):
        kept = (ids >= 0).sum(-1)
        assert (kept > 10).all() and (kept < 100).all(), kept               # the top-k reaches the -1 rows
        top = scores[:, :kept.min()]
        assert (top[:, 1:] == top[:, :-1]).sum() > 3                         # equal scores among kept rows
        assert (np.diff(scores, axis=-1) <= 0).all()                         # best first
        assert (boxes[ids < 0] == -1).all() and (scores[ids < 0] == -1).all()


@pytest.mark.parametrize("iou", [0, -0.1, 1.5])
def test_detector_refuses_an_iou_threshold_outside_0_1(iou):
    """Outside (0, 1] MXNet's fused operator neither sorts nor suppresses, so the top-k's order would break."""
    with pytest.raises(ValueError, match=r"iou_threshold must be in \(0, 1\]"):
        MultiBoxInference(TinySSD(num_classes=1), iou_threshold=iou)
