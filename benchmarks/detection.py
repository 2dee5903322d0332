"""Detection box-operation benchmarks, run by hand: ``python benchmarks/detection.py [--repeats N] [--json PATH]``.

Each gluonx operator (a hybridized block, ``static_alloc=True, static_shape=True``; IoU, anchors, decoding and
detection run MXNet's fused op by default and are also timed with ``portable=True``, the form without it) is
timed against MXNet's native operator where one exists and against the book's code (D2L 9.3-9.4) in two forms: as
the MXNet edition writes it with ``mxnet.np`` (``tests/detection/detection_book_mxnp.py``) and ported to plain
NumPy (the tests' reference, ``tests/detection/detection_book.py``), at about 1,000 and 10,000 boxes. Every call
ends with ``mx.nd.waitall()``; a call shorter than 5 ms is repeated in a loop timed as one sample (as timeit
does). Contenders are interleaved in a new random order each round so that load from other processes hits them
alike; the table shows medians of process-CPU and wall time per call and the ratios ``other / gluonx`` (above 1:
gluonx is faster). The book's NMS-based functions are slow at 10k boxes: the NumPy
port's run at most ``--slow-repeats`` times there, the ``mxnet.np`` ones (minutes per call) not at all. Workloads:

- floor: a hybridized block with one element-wise operator on the N boxes (the least any MXNet block costs per
  call), beside the book's ``box_corner_to_center``;
- conversions, encode, decode (fused ``box_decode`` and portable): N boxes; IoU: N boxes x 64 boxes;
- anchors: a feature map with 5 anchors per pixel (14x14 = 980, 45x45 = 10,125 anchors);
- targets: the anchors of that map against 8 ground-truth boxes, batch 4;
- NMS (class-agnostic; the book's ``nms``) and MultiBoxDetection-style decoding + NMS: N clustered boxes;
- top-k: the 100 best of N rows, batch 4 (native: ``mx.nd.topk`` indices only, without gathering the rows).
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

import mxnet as mx
import numpy as np
from mxnet.gluon import HybridBlock

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "detection"))
import detection_book as book  # noqa: E402
import detection_book_mxnp as mxnp_book  # noqa: E402
from gluonx_detection import ops  # noqa: E402

SIZES = {"1k": 980, "10k": 10125}
GRIDS = {"1k": (14, 14), "10k": (45, 45)}
ANCHOR_SIZES, ANCHOR_RATIOS = (0.75, 0.5, 0.25), (1, 2, 0.5)


def random_boxes(rng, n, min_size=0.02):
    corner = rng.uniform(0, 1 - min_size, size=(n, 2))
    size = np.maximum(rng.uniform(min_size, 1.0, size=(n, 2)) * (1 - corner), min_size / 2)
    return np.concatenate([corner, corner + size], axis=1).astype(np.float32)


class _OneOperator(HybridBlock):
    """The per-call floor: a hybridized block running one element-wise operator."""

    def hybrid_forward(self, F, boxes):
        return boxes * 0.5


def block(b):
    b.initialize()
    b.hybridize(static_alloc=True, static_shape=True)
    return b


def _done(out):
    mx.nd.waitall()
    return out


def workloads(scale):
    """``{op: {contender: callable}}`` for one problem size."""
    rng = np.random.RandomState(0)
    n = SIZES[scale]
    boxes, others = random_boxes(rng, n), random_boxes(rng, 64)
    nd_boxes, nd_others = mx.nd.array(boxes), mx.nd.array(others)
    centre = book.box_corner_to_center(boxes)
    nd_centre = mx.nd.array(centre)
    offsets = rng.normal(0, 0.5, size=(n, 4)).astype(np.float32)
    nd_offsets = mx.nd.array(offsets)
    height, width = GRIDS[scale]
    feature = mx.nd.zeros((1, 8, height, width))
    anchors = book.multibox_prior(height, width, ANCHOR_SIZES, ANCHOR_RATIOS).astype(np.float32)
    nd_anchors = mx.nd.array(anchors)
    labels = np.concatenate([rng.randint(0, 3, size=(4, 8, 1)),
                             np.stack([random_boxes(rng, 8, 0.15) for _ in range(4)])], axis=2).astype(np.float32)
    nd_labels = mx.nd.array(labels)
    num_anchors = anchors.shape[1]
    clustered = np.clip(random_boxes(rng, n, 0.05) * 0.3 + rng.uniform(0, 0.7, size=(n, 2)).repeat(2, 1), 0, 1)
    scores = rng.uniform(0.01, 1, size=n).astype(np.float32)
    detections = np.concatenate([np.zeros((n, 1)), scores[:, None], clustered], axis=1).astype(np.float32)
    nd_detections = mx.nd.array(detections[None])
    logits = rng.normal(0, 3, size=(1, 4, num_anchors))
    probs = (np.exp(logits) / np.exp(logits).sum(1, keepdims=True)).astype(np.float32)
    anchor_offsets = rng.normal(0, 0.5, size=(1, num_anchors * 4)).astype(np.float32)
    nd_probs, nd_anchor_offsets = mx.nd.array(probs), mx.nd.array(anchor_offsets)
    rows = np.stack([detections] * 4)
    nd_rows = mx.nd.array(rows)

    def as_np(array):
        return mx.np.array(array, dtype=array.dtype)

    np_boxes, np_others, np_centre, np_offsets = as_np(boxes), as_np(others), as_np(centre), as_np(offsets)
    np_feature, np_anchors, np_labels = mx.np.zeros((1, 8, height, width)), as_np(anchors), as_np(labels)
    # Every contender gets its inputs ready-made: no slicing or broadcasting inside a timed call.
    encode_anchors = np.ascontiguousarray(np.broadcast_to(others[:1], (n, 4)))
    nd_encode_anchors, np_encode_anchors = mx.nd.array(encode_anchors), as_np(encode_anchors)
    batch_boxes, batch_encode_anchors = nd_boxes.expand_dims(0), nd_encode_anchors.expand_dims(0)
    batch_offsets, row_scores = nd_offsets.expand_dims(0), nd_rows[:, :, 1].copy()
    class_predictions = mx.nd.zeros((4, 4, num_anchors))
    np_clustered, np_scores = as_np(clustered), as_np(scores)
    np_probs, np_anchor_offsets = as_np(probs), as_np(anchor_offsets)

    to_centre, to_corner = block(ops.BoxCornerToCenter()), block(ops.BoxCenterToCorner())
    iou, portable_iou = block(ops.BoxIoU()), block(ops.BoxIoU(portable=True))
    generator = block(ops.AnchorGenerator(sizes=ANCHOR_SIZES, ratios=ANCHOR_RATIOS))
    portable_generator = block(ops.AnchorGenerator(sizes=ANCHOR_SIZES, ratios=ANCHOR_RATIOS, portable=True))
    targets = block(ops.AnchorTargets())
    encoder, decoder = block(ops.BoxEncoder()), block(ops.BoxDecoder())
    portable_decoder = block(ops.BoxDecoder(portable=True))
    nms = block(ops.BoxNMS(iou_threshold=0.5, class_aware=False))
    detector = block(ops.MultiBoxDetector(class_aware=False))
    portable_detector = block(ops.MultiBoxDetector(class_aware=False, portable=True))
    topk = block(ops.TopKDetections(100))
    samples, matches = mx.nd.ones((1, n)), mx.nd.arange(n).reshape((1, n))
    means, stds = mx.nd.zeros(4), mx.nd.array([0.1, 0.1, 0.2, 0.2])
    floor = block(_OneOperator())
    return {
        "floor: 1-operator block": {"gluonx": lambda: _done(floor(nd_boxes)),
                                    "book": lambda: book.box_corner_to_center(boxes),
                                    "book_mxnp": lambda: _done(mxnp_book.box_corner_to_center(np_boxes))},
        "corner_to_center": {"gluonx": lambda: _done(to_centre(nd_boxes)),
                             "book": lambda: book.box_corner_to_center(boxes),
                             "book_mxnp": lambda: _done(mxnp_book.box_corner_to_center(np_boxes))},
        "center_to_corner": {"gluonx": lambda: _done(to_corner(nd_centre)),
                             "book": lambda: book.box_center_to_corner(centre),
                             "book_mxnp": lambda: _done(mxnp_book.box_center_to_corner(np_centre))},
        "box_iou (N x 64)": {"gluonx": lambda: _done(iou(nd_boxes, nd_others)),
                             "native": lambda: _done(mx.nd.contrib.box_iou(nd_boxes, nd_others)),
                             "book": lambda: book.box_iou(boxes, others),
                             "book_mxnp": lambda: _done(mxnp_book.box_iou(np_boxes, np_others))},
        "box_iou portable (N x 64)": {"gluonx": lambda: _done(portable_iou(nd_boxes, nd_others)),
                                      "native": lambda: _done(mx.nd.contrib.box_iou(nd_boxes, nd_others)),
                                      "book": lambda: book.box_iou(boxes, others),
                                      "book_mxnp": lambda: _done(mxnp_book.box_iou(np_boxes, np_others))},
        "anchors portable": {"gluonx": lambda: _done(portable_generator(feature)),
                             "native": lambda: _done(mx.nd.contrib.MultiBoxPrior(feature, sizes=ANCHOR_SIZES,
                                                                                 ratios=ANCHOR_RATIOS)),
                             "book": lambda: book.multibox_prior(height, width, ANCHOR_SIZES, ANCHOR_RATIOS),
                             "book_mxnp": lambda: _done(mxnp_book.multibox_prior(np_feature, ANCHOR_SIZES,
                                                                                 ANCHOR_RATIOS))},
        "anchors": {"gluonx": lambda: _done(generator(feature)),
                    "native": lambda: _done(mx.nd.contrib.MultiBoxPrior(feature, sizes=ANCHOR_SIZES,
                                                                        ratios=ANCHOR_RATIOS)),
                    "book": lambda: book.multibox_prior(height, width, ANCHOR_SIZES, ANCHOR_RATIOS),
                    "book_mxnp": lambda: _done(mxnp_book.multibox_prior(np_feature, ANCHOR_SIZES, ANCHOR_RATIOS))},
        "targets (8 gt, batch 4)": {
            "gluonx": lambda: _done(targets(nd_anchors, nd_labels)),
            "native": lambda: _done(mx.nd.contrib.MultiBoxTarget(nd_anchors, nd_labels, class_predictions)),
            "book": lambda: book.multibox_target(anchors, labels),
            "book_mxnp": lambda: _done(mxnp_book.multibox_target(np_anchors, np_labels))},
        "encode": {"gluonx": lambda: _done(encoder(nd_encode_anchors, nd_boxes)),
                   "native": lambda: _done(mx.nd.contrib.box_encode(samples, matches, batch_encode_anchors, batch_boxes,
                                                                    means, stds)),
                   "book": lambda: book.offset_boxes(encode_anchors, boxes),
                   "book_mxnp": lambda: _done(mxnp_book.offset_boxes(np_encode_anchors, np_boxes))},
        "decode": {"gluonx": lambda: _done(decoder(batch_boxes, batch_offsets)),
                   "native": lambda: _done(mx.nd.contrib.box_decode(batch_offsets, batch_boxes, 0.1, 0.1, 0.2,
                                                                    0.2, format="corner")),
                   "book": lambda: book.offset_inverse(boxes, offsets),
                   "book_mxnp": lambda: _done(mxnp_book.offset_inverse(np_boxes, np_offsets))},
        "decode portable": {"gluonx": lambda: _done(portable_decoder(batch_boxes, batch_offsets)),
                            "native": lambda: _done(mx.nd.contrib.box_decode(batch_offsets, batch_boxes, 0.1,
                                                                             0.1, 0.2, 0.2, format="corner")),
                            "book": lambda: book.offset_inverse(boxes, offsets),
                            "book_mxnp": lambda: _done(mxnp_book.offset_inverse(np_boxes, np_offsets))},
        "nms (class-agnostic)": {
            "gluonx": lambda: _done(nms(nd_detections)),
            "native": lambda: _done(mx.nd.contrib.box_nms(nd_detections, overlap_thresh=0.5, coord_start=2,
                                                          score_index=1, id_index=0, force_suppress=True)),
            "book": lambda: book.nms(clustered, scores, 0.5),
            "book_mxnp": lambda: _done(mxnp_book.nms(np_clustered, np_scores, 0.5))},
        "decode + nms (detection)": {
            "gluonx": lambda: _done(detector(nd_probs, nd_anchor_offsets, nd_anchors)),
            "native": lambda: _done(mx.nd.contrib.MultiBoxDetection(nd_probs, nd_anchor_offsets, nd_anchors,
                                                                    force_suppress=True, clip=False)),
            "book": lambda: book.multibox_detection(probs, anchor_offsets, anchors),
            "book_mxnp": lambda: _done(mxnp_book.multibox_detection(np_probs, np_anchor_offsets, np_anchors))},
        "decode + nms portable": {
            "gluonx": lambda: _done(portable_detector(nd_probs, nd_anchor_offsets, nd_anchors)),
            "native": lambda: _done(mx.nd.contrib.MultiBoxDetection(nd_probs, nd_anchor_offsets, nd_anchors,
                                                                    force_suppress=True, clip=False)),
            "book": lambda: book.multibox_detection(probs, anchor_offsets, anchors),
            "book_mxnp": lambda: _done(mxnp_book.multibox_detection(np_probs, np_anchor_offsets, np_anchors))},
        "top-100 (batch 4)": {
            "gluonx": lambda: _done(topk(nd_rows)),
            "native": lambda: _done(mx.nd.topk(row_scores, k=100, ret_typ="indices")),
            "book": lambda: rows[np.arange(4)[:, None], np.argsort(-rows[:, :, 1], axis=1)[:, :100]]},
    }


CONTENDERS = ("gluonx", "native", "book", "book_mxnp")
#: The book's functions built on its Python NMS loop take seconds per call at 10k boxes (the NumPy port) ...
SLOW = {"nms (class-agnostic) @ 10k": ("book",), "decode + nms (detection) @ 10k": ("book",),
        "decode + nms portable @ 10k": ("book",)}
#: ... and minutes with mxnet.np, whose loop runs about 43 MXNet operators per kept box (27,000 operators for
#: the 630 boxes kept of 1k; several seconds per call at 1k already): not run at 10k.
SKIP = {"nms (class-agnostic) @ 10k": ("book_mxnp",), "decode + nms (detection) @ 10k": ("book_mxnp",),
        "decode + nms portable @ 10k": ("book_mxnp",)}


def measure(contenders, repeats, slow=(), slow_repeats=3, target=5e-3):
    """Medians per call; calls shorter than ``target`` seconds are repeated in a loop timed as one sample, so that
    the timers' own cost (microseconds) and the first, cache-cold call of a sample do not dominate fast calls."""
    inner = {}
    for name, fn in contenders.items():  # warm-up (graph building, first allocation), then one timed call
        fn()
        start = time.perf_counter()
        fn()
        inner[name] = max(1, min(1000, int(target / max(time.perf_counter() - start, 1e-7))))
    wall = {name: [] for name in contenders}
    cpu = {name: [] for name in contenders}
    for round_index in range(repeats):
        order = [name for name in contenders if name not in slow or round_index < slow_repeats]
        random.shuffle(order)
        for name in order:
            fn, count = contenders[name], inner[name]
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(count):
                fn()
            wall[name].append((time.perf_counter() - start_wall) / count)
            cpu[name].append((time.process_time() - start_cpu) / count)
    return {name: {"wall": statistics.median(wall[name]), "cpu": statistics.median(cpu[name]),
                   "calls": len(wall[name]) * inner[name], "calls_per_sample": inner[name]} for name in contenders}


def _ms(result, name, key="cpu"):
    return "{:.3f}".format(result[name][key] * 1e3) if name in result else "—"


def _ratio(result, other, key):
    return "{:.2f}x".format(result[other][key] / result["gluonx"][key]) if other in result else "—"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed calls per contender (median reported)")
    parser.add_argument("--slow-repeats", type=int, default=3,
                        help="timed calls of the book's NMS-based functions at 10k boxes (seconds each)")
    parser.add_argument("--ops", help="comma-separated substrings: only the workloads whose name contains one")
    parser.add_argument("--scales", default=",".join(SIZES), help="comma-separated subset of " + ",".join(SIZES))
    parser.add_argument("--json", help="write every median to this file")
    args = parser.parse_args(argv)
    random.seed(0)
    wanted = [w.strip() for w in args.ops.split(",")] if args.ops else None
    results = {}
    for scale in args.scales.split(","):
        for op, contenders in workloads(scale).items():
            if wanted and not any(w in op for w in wanted):
                continue
            key = "{} @ {}".format(op, scale)
            contenders = {name: fn for name, fn in contenders.items() if name not in SKIP.get(key, ())}
            results[key] = measure(contenders, args.repeats, SLOW.get(key, ()), args.slow_repeats)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip()
    print("commit {}, OMP_NUM_THREADS={}, {} repeats ({} for the book's NMS at 10k), medians; book = NumPy port, "
          "book mx.np = the MXNet edition's code\n".format(commit, os.environ.get("OMP_NUM_THREADS"), args.repeats,
                                                           min(args.repeats, args.slow_repeats)))
    print("| op @ boxes | gluonx CPU ms | native CPU ms | book CPU ms | book mx.np CPU ms | native/gluonx CPU "
          "| book/gluonx CPU | book mx.np/gluonx CPU | native/gluonx wall | book/gluonx wall "
          "| book mx.np/gluonx wall |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key, result in results.items():
        print("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
            key, *[_ms(result, name) for name in CONTENDERS],
            *[_ratio(result, name, "cpu") for name in CONTENDERS[1:]],
            *[_ratio(result, name, "wall") for name in CONTENDERS[1:]]))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"commit": commit, "repeats": args.repeats, "slow_repeats": args.slow_repeats,
                       "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "results": results}, handle, indent=1)


if __name__ == "__main__":
    main()
