"""ONNX converter of MXNet's fused ``_contrib_MultiBoxDetection`` (decode + best class + NMS), which
``mx.onnx`` cannot convert, reproducing the CPU operator of MXNet 1.9.1 (``multibox_detection.cc``), as
measured against it in ``tests/detection/test_detection_onnx.py``:

1. per anchor, the best foreground class (rows 1.. of ``cls_prob``; the first one on ties) and its
   probability; the anchor is a detection when that probability is >= ``threshold`` (and > -1, the
   operator's starting value). ``background_id`` is ignored by the CPU operator: row 0 is the background;
2. offsets decoded against the anchors with ``variances`` (``clip`` clips to [0, 1]);
3. detections sorted by descending score (stable). With ``0 < nms_topk`` < number of detections, only the
   first ``nms_topk`` rows are sorted; the operator leaves the rows after them as they were before sorting
   (detections in anchor order, some repeated) and marks them all (class id -1) -- reproduced;
4. greedy suppression in row order: a row is marked (class id -1, score and box kept) when its IoU with an
   unmarked earlier row of the same class (any class with ``force_suppress``) is >= ``nms_threshold``.
   With ``nms_threshold`` outside (0, 1] nothing is sorted or suppressed;
5. output ``(B, A, 6)`` rows ``(class_id, score, xmin, ymin, xmax, ymax)``, then -1 rows.

The processing order of step 4 is given to ``NonMaxSuppression`` as scores decreasing with the row
position, and "IoU >= t" becomes "IoU > the float just below t", so the suppression is MXNet's exactly.
"""
import numpy as np

from .graph_builder import GraphBuilder

__all__ = ["convert_multibox_detection", "multibox_detection_attributes"]


def multibox_detection_attributes(attrs):
    """The ``_contrib_MultiBoxDetection`` attributes of a symbol node as Python values (MXNet's defaults)."""
    variances = attrs.get("variances", "(0.1, 0.1, 0.2, 0.2)")
    variances = [float(v) for v in str(variances).strip("()[] ").split(",") if v.strip()]
    if len(variances) != 4:
        raise ValueError("MultiBoxDetection: variances must have 4 values, got {}".format(variances))
    return dict(clip=str(attrs.get("clip", "True")).lower() in ("true", "1"),
                threshold=float(attrs.get("threshold", 0.01)),
                nms_threshold=float(attrs.get("nms_threshold", 0.5)),
                force_suppress=str(attrs.get("force_suppress", "False")).lower() in ("true", "1"),
                nms_topk=int(attrs.get("nms_topk", -1)), variances=variances)


def _decode(g, offsets, anchors, variances, clip):
    """Corner boxes ``(B, A, 4)`` from ``offsets`` ``(B, A*4)`` and anchors ``(1, A, 4)``, with MXNet's
    order of operations (``TransformLocations``)."""
    half_const = g.const(np.float32(2), "float32")
    low, high = g.columns(anchors, 0, 2), g.columns(anchors, 2, 4)
    size = g.op("Sub", [high, low])
    center = g.op("Div", [g.op("Add", [low, high]), half_const])
    scaled = g.op("Mul", [g.op("Reshape", [offsets, g.const([0, -1, 4])]), g.const(variances, "float32")])
    box_center = g.op("Add", [g.op("Mul", [g.columns(scaled, 0, 2), size]), center])
    box_half = g.op("Div", [g.op("Mul", [g.op("Exp", [g.columns(scaled, 2, 4)]), size]), half_const])
    boxes = g.op("Concat", [g.op("Sub", [box_center, box_half]), g.op("Add", [box_center, box_half])], axis=2)
    if clip:
        boxes = g.op("Clip", [boxes, g.const(np.float32(0), "float32"), g.const(np.float32(1), "float32")])
    return boxes


def convert_multibox_detection(node, **kwargs):
    """``mx.onnx`` converter of ``_contrib_MultiBoxDetection`` (see the module docstring)."""
    from mxnet.onnx.mx2onnx._op_translations._op_translations_opset12 import get_input_dtypes, get_inputs
    from onnx import helper
    name, (cls_prob, loc_pred, anchor), attrs = get_inputs(node, kwargs)
    dtype = np.dtype(get_input_dtypes(node, kwargs)[0])
    a = multibox_detection_attributes(attrs)
    g = GraphBuilder(name, kwargs["initializer"])
    cls_prob, loc_pred, anchor = (g.op("Cast", [x], to=1) for x in (cls_prob, loc_pred, anchor))
    minus_one = g.const(np.float32(-1), "float32")

    # 1. best foreground class per anchor
    foreground = g.op("Slice", [cls_prob, g.const([1]), g.const([2 ** 62]), g.const([1])])   # (B, C-1, A)
    score = g.op("ReduceMax", [foreground], axes=[1], keepdims=0)                          # (B, A)
    class_id = g.op("Cast", [g.op("ArgMax", [foreground], axis=1, keepdims=0)], to=1)
    valid = g.op("And", [g.op("Not", [g.op("Less", [score, g.const(np.float32(a["threshold"]), "float32")])]),
                         g.op("Greater", [score, minus_one])])
    boxes = _decode(g, loc_pred, anchor, a["variances"], a["clip"])
    rows = g.op("Concat", [g.op("Reshape", [class_id, g.const([0, 0, 1])]),
                           g.op("Reshape", [score, g.const([0, 0, 1])]), boxes], axis=2)   # (B, A, 6)

    # 2. row order: detections in anchor order (compacted), or sorted by score for the first nms_topk rows
    count = g.op("Slice", [g.op("Shape", [score]), g.const([1]), g.const([2])])           # A, shape (1,)
    position = g.op("Cast", [g.op("Range", [g.const(np.int64(0)), g.op("Reshape", [count, g.const([])]),
                                            g.const(np.int64(1))])], to=1)             # (A,)
    valid_f = g.op("Cast", [valid], to=1)
    count_f = g.op("Cast", [count], to=1)
    invalid_rank = g.op("Mul", [g.op("Sub", [g.const(np.float32(1), "float32"), valid_f]), count_f])
    _, compacted = g.op("TopK", [g.op("Add", [position, invalid_rank]), count], outputs=2, axis=1, largest=0,
                        sorted=1)
    suppress = 0 < a["nms_threshold"] <= 1
    if suppress:
        lowest = g.const(np.float32(np.finfo(np.float32).min), "float32")
        _, by_score = g.op("TopK", [g.op("Where", [valid, score, lowest]), count], outputs=2, axis=1, largest=1,
                           sorted=1)   # onnxruntime's TopK breaks ties by index: a stable sort
        order = by_score
        if a["nms_topk"] > 0:
            head = g.op("Less", [position, g.const(np.float32(a["nms_topk"]), "float32")])       # (A,)
            order = g.op("Where", [head, by_score, compacted])
    else:
        order = compacted
    placed = g.gather_rows(rows, order)                                                   # (B, A, 6)
    number_valid = g.op("ReduceSum", [valid_f, g.const([1])], keepdims=1)                  # (B, 1)
    filled = g.op("Less", [position, number_valid])                                       # (B, A)

    # 3. greedy suppression in row order, per class unless force_suppress
    marked = None
    if suppress:
        corners = g.columns(placed, 2, 6)
        low = g.columns(corners, 0, 2)
        nms_boxes = g.op("Concat", [low, g.op("Max", [low, g.columns(corners, 2, 4)])], axis=2)
        candidate = filled if a["nms_topk"] <= 0 else g.op("And", [filled, head])
        rank = g.op("Where", [candidate, g.op("Sub", [count_f, position]), g.const(np.float32(0), "float32")])
        if a["force_suppress"]:
            nms_scores = g.op("Reshape", [rank, g.const([0, 1, -1])])
        else:
            classes = g.op("Cast", [g.op("Range", [
                g.const(np.int64(0)),
                g.op("Reshape", [g.op("Sub", [g.op("Slice", [g.op("Shape", [cls_prob]), g.const([1]), g.const([2])]),
                                              g.const([1])]), g.const([])]),
                g.const(np.int64(1))])], to=1)                                             # (C-1,)
            own = g.op("Equal", [g.op("Reshape", [g.column(placed, 0), g.const([0, 0, 1])]), classes])
            nms_scores = g.op("Transpose", [g.op("Where", [own, g.op("Reshape", [rank, g.const([0, 0, 1])]),
                                                           g.const(np.float32(0), "float32")])], perm=[0, 2, 1])
        iou = np.nextafter(np.float32(a["nms_threshold"]), np.float32(-np.inf))           # ">= t" as "> iou"
        selected = g.op("NonMaxSuppression", [nms_boxes, nms_scores, count, g.const([iou], "float32"),
                                              g.const([0.5], "float32")], center_point_box=0)
        zeros = g.op("ConstantOfShape", [g.op("Shape", [filled])], value=helper.make_tensor("zero", 1, [1], [0.0]))
        ones = g.op("ConstantOfShape", [g.op("Slice", [g.op("Shape", [selected]), g.const([0]), g.const([1])])],
                    value=helper.make_tensor("one", 1, [1], [1.0]))
        kept = g.op("ScatterND", [zeros, g.op("Gather", [selected, g.const([0, 2])], axis=1), ones])
        marked = g.op("Not", [g.op("Cast", [kept], to=9)])                                # tail rows too

    # 4. marked rows lose their class id, rows past the detections are -1
    ids = g.column(placed, 0)
    if marked is not None:
        ids = g.op("Where", [marked, minus_one, ids])
    placed = g.op("Concat", [g.op("Reshape", [ids, g.const([0, 0, 1])]), g.columns(placed, 1, 6)], axis=2)
    result = g.op("Where", [g.op("Reshape", [filled, g.const([0, 0, 1])]), placed, minus_one])
    g.op("Cast", [result], output=name, to=helper.np_dtype_to_tensor_dtype(dtype))
    return g.nodes
