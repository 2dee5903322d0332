"""ONNX converter of MXNet's ``_contrib_box_nms`` that reproduces the operator, per class or across classes.

MXNet's own converter ignores ``id_index`` / ``force_suppress=False`` (it suppresses across classes) and
``background_id``, applies ``topk`` after suppression instead of before, and refuses ``in_format !=
out_format``. This one follows the operator (``src/operator/contrib/bounding_box-inl.h``, MXNet 1.9.1), as
measured against it in ``tests/detection/test_detection_onnx.py``:

1. a row is a candidate when its score is greater than ``valid_thresh`` and, with ``id_index >= 0``, its
   class id is not ``background_id`` (compared as floats);
2. ``topk`` (when > 0) keeps the ``topk`` best-scoring candidates before suppression (``topk=0`` returns
   the input unchanged);
3. greedy suppression by descending score: a row is dropped when its IoU with a kept row is greater than
   ``overlap_thresh`` -- only rows of the same class (ids truncated to integers) when ``id_index >= 0`` and
   ``force_suppress`` is false, every row otherwise. Boxes with a negative width or height have area 0 and
   never overlap;
4. output of the input's shape: kept rows (every column) first by descending score, then rows of -1; with
   ``out_format != in_format`` the coordinates of each kept row whose first coordinate is >= 0 are
   converted.

Suppression per class runs in one ONNX ``NonMaxSuppression`` with a class axis: the class ids of the
candidates are numbered with ``Unique``, and each box scores only in its own class's row (every other row
holds a score below the threshold). The scores given to it are the candidates' ranks (``K - position``), so
it visits them in MXNet's order even when scores are equal. No coordinate is shifted, so IoUs are computed
exactly as MXNet does. Batch and number of boxes stay dynamic.
"""
import numpy as np

from .graph_builder import FLOAT_LOWEST, GraphBuilder

__all__ = ["convert_box_nms", "box_nms_attributes"]

_BOOL_TRUE = ("true", "1")


def box_nms_attributes(attrs):
    """The ``_contrib_box_nms`` attributes of a symbol node as Python values (MXNet's defaults)."""
    formats = ("corner", "center")
    parsed = dict(
        overlap_thresh=float(attrs.get("overlap_thresh", 0.5)),
        valid_thresh=float(attrs.get("valid_thresh", 0)),
        topk=int(attrs.get("topk", -1)),
        coord_start=int(attrs.get("coord_start", 2)),
        score_index=int(attrs.get("score_index", 1)),
        id_index=int(attrs.get("id_index", -1)),
        background_id=int(attrs.get("background_id", -1)),
        force_suppress=str(attrs.get("force_suppress", "False")).lower() in _BOOL_TRUE,
        in_format=attrs.get("in_format", "corner"),
        out_format=attrs.get("out_format", "corner"),
    )
    for key in ("in_format", "out_format"):
        if parsed[key] not in formats:
            raise ValueError("box_nms: {} must be 'corner' or 'center', got {!r}".format(key, parsed[key]))
    return parsed


def _corners(g, coords, box_format):
    """Corner coordinates ``(x1, y1, x2, y2)`` of ``coords`` ``(B, K, 4)`` in ``box_format``."""
    if box_format == "corner":
        return coords
    center = g.columns(coords, 0, 2)
    half = g.op("Div", [g.columns(coords, 2, 4), g.const(np.float32(2), "float32")])
    return g.op("Concat", [g.op("Sub", [center, half]), g.op("Add", [center, half])], axis=2)


def _centers(g, coords):
    """``(cx, cy, w, h)`` of corner ``coords`` ``(B, K, 4)``, computed as MXNet's ``corner_to_center``."""
    low, high = g.columns(coords, 0, 2), g.columns(coords, 2, 4)
    center = g.op("Div", [g.op("Add", [low, high]), g.const(np.float32(2), "float32")])
    return g.op("Concat", [center, g.op("Sub", [high, low])], axis=2)


def _nms_boxes(g, candidates, coord_start, in_format):
    """Float32 corner boxes for ``NonMaxSuppression``; an inverted side is collapsed to zero length.

    MXNet gives a box with a negative width or height area 0 and no intersection; onnxruntime would swap
    its corners instead. With the far corner raised to the near one, the box has area 0 there too.
    """
    coords = g.op("Cast", [g.columns(candidates, coord_start, coord_start + 4)], to=1)
    corners = _corners(g, coords, in_format)
    low = g.columns(corners, 0, 2)
    high = g.op("Max", [low, g.columns(corners, 2, 4)])
    return g.op("Concat", [low, high], axis=2)


def _class_scores(g, candidates, scores, id_index, per_class):
    """``(B, C, K)`` scores for ``NonMaxSuppression``: one row per class id present (0 outside the box's own
    class), or one row."""
    if not per_class:
        return g.op("Reshape", [scores, g.const([0, 1, -1])])
    ids = g.op("Cast", [g.column(candidates, id_index)], to=7)                 # truncated, as MXNet's int cast
    unique = g.op("Unique", [g.op("Reshape", [ids, g.const([-1])])], outputs=4, sorted=1)
    number = g.op("Reshape", [unique[2], g.op("Shape", [ids])])                # (B, K): index of the class id
    classes = g.op("Range", [g.const(np.int64(0)), g.op("Reshape", [g.op("Shape", [unique[0]]), g.const([])]),
                             g.const(np.int64(1))])
    own = g.op("Equal", [g.op("Reshape", [number, g.const([0, 0, 1])]), classes])        # (B, K, C)
    per_row = g.op("Where", [own, g.op("Reshape", [scores, g.const([0, 0, 1])]), g.const(np.float32(0), "float32")])
    return g.op("Transpose", [per_row], perm=[0, 2, 1])


def convert_box_nms(node, **kwargs):
    """``mx.onnx`` converter of ``_contrib_box_nms`` (see the module docstring for the semantics)."""
    from mxnet.onnx.mx2onnx._op_translations._op_translations_opset12 import get_input_dtypes, get_inputs
    from onnx import helper
    name, (data,), attrs = get_inputs(node, kwargs)
    dtype = np.dtype(get_input_dtypes(node, kwargs)[0])
    a = box_nms_attributes(attrs)
    g = GraphBuilder(name, kwargs["initializer"])
    if a["topk"] == 0:  # MXNet returns the input as it is
        g.op("Identity", [data], output=name + "0")
        return g.nodes
    cs, si, ii = a["coord_start"], a["score_index"], a["id_index"]

    shape = g.op("Shape", [data])
    rows = g.op("Reshape", [data, g.op("Concat", [g.const([-1]), g.op("Slice", [shape, g.const([-2]),
                                                                                   g.const([2 ** 62])])], axis=0)])
    count = g.op("Slice", [shape, g.const([-2]), g.const([-1])])                # N, shape (1,)

    # 1. candidates: score > valid_thresh, not background; others score lowest
    scores = g.op("Cast", [g.column(rows, si)], to=1)
    valid = g.op("Greater", [scores, g.const(np.float32(a["valid_thresh"]), "float32")])
    if ii >= 0:
        background = g.op("Equal", [g.op("Cast", [g.column(rows, ii)], to=1),
                                    g.const(np.float32(a["background_id"]), "float32")])
        valid = g.op("And", [valid, g.op("Not", [background])])
    scores = g.op("Where", [valid, scores, g.const(np.float32(FLOAT_LOWEST), "float32")])

    # 2. the topk best candidates (all rows when topk < 0), by descending score
    k = count if a["topk"] < 0 else g.op("Min", [count, g.const([a["topk"]])])
    top_scores, order = g.op("TopK", [scores, k], outputs=2, axis=1, largest=1, sorted=1)
    candidates = g.gather_rows(rows, order)                                     # (B, K, W)

    # 3. greedy suppression in candidate order (equal scores stay in MXNet's order: onnxruntime's TopK, like
    #    MXNet's stable sort, keeps them by index), per class or across classes
    per_class = ii >= 0 and not a["force_suppress"]
    boxes = _nms_boxes(g, candidates, cs, a["in_format"])
    position = g.op("Cast", [g.op("Range", [g.const(np.int64(0)), g.op("Reshape", [k, g.const([])]),
                                            g.const(np.int64(1))])], to=1)            # (K,)
    is_candidate = g.op("Greater", [top_scores, g.const(np.float32(a["valid_thresh"]), "float32")])
    rank = g.op("Where", [is_candidate, g.op("Sub", [g.op("Cast", [k], to=1), position]),
                          g.const(np.float32(0), "float32")])                          # K, K-1, ..., or 0
    class_scores = _class_scores(g, candidates, rank, ii, per_class)
    selected = g.op("NonMaxSuppression", [boxes, class_scores, k, g.const([a["overlap_thresh"]], "float32"),
                                          g.const([0.5], "float32")], center_point_box=0)
    batch_and_row = g.op("Gather", [selected, g.const([0, 2])], axis=1)          # (M, 2)
    zeros = g.op("ConstantOfShape", [g.op("Shape", [top_scores])],
                 value=helper.make_tensor("zero", 1, [1], [0.0]))
    ones = g.op("ConstantOfShape", [g.op("Slice", [g.op("Shape", [selected]), g.const([0]), g.const([1])])],
                value=helper.make_tensor("one", 1, [1], [1.0]))
    kept = g.op("ScatterND", [zeros, batch_and_row, ones])                      # (B, K): 1 where kept

    # 4. kept rows first, still by descending score; the rest -1, padded back to N rows
    dropped = g.op("Sub", [g.const(np.float32(1), "float32"), kept])
    key = g.op("Add", [position, g.op("Mul", [dropped, g.op("Cast", [k], to=1)])])
    sorted_key, placement = g.op("TopK", [key, k], outputs=2, axis=1, largest=0, sorted=1)
    placed = g.gather_rows(candidates, placement)
    keep_row = g.op("Reshape", [g.op("Less", [sorted_key, g.op("Cast", [k], to=1)]), g.const([0, 0, 1])])
    minus_one = g.const(np.array(-1, dtype=dtype), dtype.name)
    result = g.op("Where", [keep_row, placed, minus_one])
    if a["in_format"] != a["out_format"]:
        result = _convert_format(g, result, cs, a["out_format"], dtype)
    pad_rows = g.op("Sub", [count, k])
    pads = g.op("Concat", [g.const([0, 0, 0, 0]), pad_rows, g.const([0])], axis=0)
    padded = g.op("Pad", [result, pads, minus_one], mode="constant")
    g.op("Reshape", [padded, shape], output=name + "0")  # the symbol lists it as output 0
    return g.nodes


def _convert_format(g, rows, coord_start, out_format, dtype):
    """Rows with their coordinates converted to ``out_format``, where the first coordinate is >= 0."""
    from onnx import helper
    coords = g.columns(rows, coord_start, coord_start + 4)
    as_float = g.op("Cast", [coords], to=1)
    converted = _centers(g, as_float) if out_format == "center" else _corners(g, as_float, "center")
    converted = g.op("Cast", [converted], to=helper.np_dtype_to_tensor_dtype(dtype))
    first = g.columns(coords, 0, 1)
    skip = g.op("Less", [first, g.const(np.array(0, dtype=dtype), dtype.name)])
    coords = g.op("Where", [skip, coords, converted])
    pieces = [g.columns(rows, 0, coord_start), coords, g.columns(rows, coord_start + 4, 2 ** 62)]
    return g.op("Concat", pieces, axis=2)
