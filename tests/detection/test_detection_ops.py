"""Box operations against the book's NumPy code, MXNet's contrib ops and gluoncv's coders, plus properties."""
import mxnet as mx
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import detection_book as book
from gluonx_detection import ops

RNG = np.random.RandomState(0)


def random_boxes(rng, n, low=0.0, high=1.0, min_size=0.02):
    """``(n, 4)`` valid corner boxes inside [low, high]."""
    corner = rng.uniform(low, high - min_size, size=(n, 2))
    size = rng.uniform(min_size, 1.0, size=(n, 2)) * (high - corner)
    size = np.maximum(size, min_size * 0.5)
    return np.concatenate([corner, corner + size], axis=1).astype(np.float32)


def run(block, *arrays, hybridize=False):
    block.initialize()
    if hybridize:
        block.hybridize(static_alloc=True, static_shape=True)
    out = block(*[mx.nd.array(a) for a in arrays])
    return [o.asnumpy() for o in out] if isinstance(out, (list, tuple)) else out.asnumpy()


@pytest.mark.parametrize("hybridize", [False, True])
def test_conversions_equal_the_book_and_invert_each_other(hybridize):
    boxes = random_boxes(RNG, 40)
    centre = run(ops.BoxCornerToCenter(), boxes, hybridize=hybridize)
    np.testing.assert_allclose(centre, book.box_corner_to_center(boxes), rtol=1e-6, atol=1e-7)
    corner = run(ops.BoxCenterToCorner(), centre, hybridize=hybridize)
    np.testing.assert_allclose(corner, book.box_center_to_corner(centre), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(corner, boxes, atol=1e-6)


@pytest.mark.parametrize("portable", [False, True])
@pytest.mark.parametrize("hybridize", [False, True])
def test_iou_equals_the_book_and_contrib_box_iou(hybridize, portable):
    a, b = random_boxes(RNG, 30), random_boxes(RNG, 17)
    got = run(ops.BoxIoU(portable=portable), a, b, hybridize=hybridize)
    np.testing.assert_allclose(got, book.box_iou(a, b), rtol=1e-5, atol=1e-6)
    native = mx.nd.contrib.box_iou(mx.nd.array(a), mx.nd.array(b), format="corner").asnumpy()
    np.testing.assert_allclose(got, native, rtol=1e-5, atol=1e-6)


def test_batched_iou_is_the_pairwise_iou_of_each_image():
    a = np.stack([random_boxes(RNG, 9) for _ in range(3)])
    b = np.stack([random_boxes(RNG, 4) for _ in range(3)])
    got = run(ops.BoxIoU(batched=True), a, b, hybridize=True)
    assert got.shape == (3, 9, 4)
    for i in range(3):
        np.testing.assert_allclose(got[i], book.box_iou(a[i], b[i]), rtol=1e-5, atol=1e-6)


box_arrays = hnp.arrays(np.float32, st.tuples(st.integers(1, 12), st.just(4)),
                        elements=st.floats(0, 1, width=32))


def _sorted_corners(boxes):
    return np.concatenate([np.minimum(boxes[:, :2], boxes[:, 2:]), np.maximum(boxes[:, :2], boxes[:, 2:])], 1)


@settings(max_examples=40, deadline=None)
@given(box_arrays, box_arrays)
def test_iou_is_symmetric_and_in_unit_interval(a, b):
    a, b = _sorted_corners(a), _sorted_corners(b)
    ab = ops.box_iou(mx.nd, mx.nd.array(a), mx.nd.array(b)).asnumpy()
    ba = ops.box_iou(mx.nd, mx.nd.array(b), mx.nd.array(a)).asnumpy()
    assert np.all(np.isfinite(ab))
    assert np.all((ab >= 0) & (ab <= 1 + 1e-6))
    np.testing.assert_allclose(ab, ba.T, atol=1e-6)
    non_empty = np.prod(a[:, 2:] - a[:, :2], axis=1) > 1e-6
    self_iou = ops.box_iou(mx.nd, mx.nd.array(a), mx.nd.array(a)).asnumpy()
    np.testing.assert_allclose(np.diag(self_iou)[non_empty], 1.0, atol=1e-5)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(1, 8), st.integers(1, 8), st.integers(0, 10 ** 6))
def test_batched_iou_is_symmetric_bounded_and_ordered_like_its_inputs(batch, n, m, seed):
    rng = np.random.RandomState(seed)
    a = _sorted_corners(rng.uniform(0, 1, size=(batch * n, 4)).astype(np.float32)).reshape(batch, n, 4)
    b = _sorted_corners(rng.uniform(0, 1, size=(batch * m, 4)).astype(np.float32)).reshape(batch, m, 4)
    ab = run(ops.BoxIoU(batched=True), a, b, hybridize=True)
    ba = run(ops.BoxIoU(batched=True), b, a)
    assert np.all((ab >= 0) & (ab <= 1 + 1e-6))
    np.testing.assert_allclose(ab, ba.transpose(0, 2, 1), atol=1e-6)
    order = rng.permutation(n)
    np.testing.assert_allclose(run(ops.BoxIoU(batched=True), a[:, order], b), ab[:, order], atol=1e-6)


ANCHOR_CASES = [((4, 4), (0.75, 0.5, 0.25), (1, 2, 0.5)), ((5, 7), (0.3,), (1,)),
                ((3, 8), (0.2, 0.272), (1, 2, 0.5, 3)), ((1, 1), (0.9, 0.6), (0.5,))]


@pytest.mark.parametrize("hw,sizes,ratios", ANCHOR_CASES)
@pytest.mark.parametrize("hybridize,portable", [(False, True), (True, True), (True, False)])
def test_anchors_equal_the_book_and_multibox_prior(hw, sizes, ratios, hybridize, portable):
    data = np.zeros((2, 3) + hw, np.float32)
    got = run(ops.AnchorGenerator(sizes=sizes, ratios=ratios, portable=portable), data, hybridize=hybridize)
    np.testing.assert_allclose(got, book.multibox_prior(hw[0], hw[1], sizes, ratios), atol=1e-6)
    native = mx.nd.contrib.MultiBoxPrior(mx.nd.array(data), sizes=sizes, ratios=ratios).asnumpy()
    np.testing.assert_allclose(got, native, atol=1e-6)


@pytest.mark.parametrize("portable", [False, True])
def test_anchors_follow_the_feature_map_size_inside_one_hybridized_graph(portable):
    generator = ops.AnchorGenerator(sizes=(0.5, 0.25), ratios=(1, 2), portable=portable)
    generator.initialize()
    generator.hybridize()
    for hw in [(2, 3), (6, 4)]:
        got = generator(mx.nd.zeros((1, 1) + hw)).asnumpy()
        np.testing.assert_allclose(got, book.multibox_prior(hw[0], hw[1], (0.5, 0.25), (1, 2)), atol=1e-6)


@pytest.mark.filterwarnings("ignore:Cannot decide type")     # SymbolBlock.imports of a float32 graph
@pytest.mark.parametrize("portable", [False, True])
def test_stored_anchors_follow_size_dtype_and_hybridization(portable, tmp_path):
    generator = ops.AnchorGenerator(sizes=(0.5, 0.25), ratios=(1, 2), portable=portable)
    generator.initialize()
    expected = {hw: book.multibox_prior(hw[0], hw[1], (0.5, 0.25), (1, 2)) for hw in [(2, 3), (6, 4)]}
    for hw in [(2, 3), (6, 4), (2, 3), (6, 4)]:     # alternating sizes: each comes back from the store
        np.testing.assert_allclose(generator(mx.nd.zeros((2, 5) + hw)).asnumpy(), expected[hw], atol=1e-6)
    # Hybridizing after imperative calls still builds the graph that export() writes.
    generator.hybridize()
    np.testing.assert_allclose(generator(mx.nd.zeros((1, 1, 2, 3))).asnumpy(), expected[(2, 3)], atol=1e-6)
    generator.export(str(tmp_path / "anchors"))
    loaded = mx.gluon.SymbolBlock.imports(str(tmp_path / "anchors-symbol.json"), ["data"],
                                          str(tmp_path / "anchors-0000.params"))
    np.testing.assert_allclose(loaded(mx.nd.zeros((1, 1, 6, 4))).asnumpy(), expected[(6, 4)], atol=1e-6)
    if not portable:
        return                                      # MultiBoxPrior computes in float32 only
    generator.cast("float16")                       # a new dtype must not come back from the float32 store
    half = generator(mx.nd.zeros((1, 1, 2, 3), dtype="float16"))
    assert half.dtype == np.float16
    np.testing.assert_allclose(half.asnumpy(), expected[(2, 3)], atol=2e-3)


def test_anchor_steps_offsets_and_clip_equal_multibox_prior():
    data = mx.nd.zeros((1, 2, 5, 6))
    kw = dict(sizes=(0.6, 0.3), ratios=(1, 3), steps=(0.2, 0.15), offsets=(0.25, 0.75), clip=True)
    got = run(ops.AnchorGenerator(portable=True, **kw), data.asnumpy(), hybridize=True)
    native = mx.nd.contrib.MultiBoxPrior(data, **kw).asnumpy()
    np.testing.assert_allclose(got, native, atol=1e-6)


@pytest.mark.parametrize("bad", [dict(sizes=()), dict(ratios=(1, -2)), dict(sizes=(0, 0.5))])
def test_anchor_arguments_are_checked(bad):
    with pytest.raises(ValueError, match="anchor"):
        ops.AnchorGenerator(**bad)


def _anchor_and_labels(rng, batch=2, objects=3, hw=(6, 6)):
    anchors = book.multibox_prior(hw[0], hw[1], (0.4, 0.2), (1, 2, 0.5)).astype(np.float32)
    labels = np.concatenate([rng.randint(0, 3, size=(batch, objects, 1)),
                             np.stack([random_boxes(rng, objects, min_size=0.15) for _ in range(batch)])], axis=2)
    return anchors, labels.astype(np.float32)


@pytest.mark.parametrize("seed", range(4))
def test_assignment_equals_the_books_greedy_matching(seed):
    rng = np.random.RandomState(seed)
    anchors, labels = _anchor_and_labels(rng, objects=4)
    batch_anchors = np.repeat(anchors, 2, axis=0)
    valid = np.ones(labels.shape[:2], np.float32)
    got = run(ops.AnchorAssigner(), batch_anchors, labels[:, :, 1:], valid, hybridize=True)
    for i in range(2):
        expected = book.assign_anchor_to_bbox(labels[i, :, 1:], anchors[0])
        np.testing.assert_array_equal(got[i], expected)
    assert set(np.unique(got[got >= 0])) == set(range(4)), "every box gets at least one anchor"


@pytest.mark.parametrize("portable", [False, True])
def test_padding_rows_are_never_assigned(portable):
    rng = np.random.RandomState(7)
    anchors, labels = _anchor_and_labels(rng, objects=3)
    # One fully -1 row and one with only its class negative: both are padding.
    padded = np.concatenate([labels, -np.ones((2, 1, 5), np.float32),
                             np.array([[[-1, 0.1, 0.1, 0.5, 0.5]]] * 2, np.float32)], axis=1)
    plain = run(ops.AnchorTargets(portable=portable), anchors, labels)
    with_padding = run(ops.AnchorTargets(portable=portable), anchors, padded, hybridize=True)
    for a, b in zip(plain, with_padding):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("hybridize,portable", [(False, True), (True, True), (True, False)])
def test_targets_equal_the_book(seed, hybridize, portable):
    anchors, labels = _anchor_and_labels(np.random.RandomState(seed))
    offsets, mask, classes = run(ops.AnchorTargets(portable=portable), anchors, labels, hybridize=hybridize)
    ref_offsets, ref_mask, ref_classes = book.multibox_target(anchors, labels)
    np.testing.assert_array_equal(classes, ref_classes)
    np.testing.assert_array_equal(mask, ref_mask)
    np.testing.assert_allclose(offsets, ref_offsets, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("seed", range(3))
def test_targets_equal_multibox_target_with_padded_labels(seed):
    rng = np.random.RandomState(seed)
    anchors, labels = _anchor_and_labels(rng, batch=3, objects=4)
    labels[1, 2:] = -1
    labels[2, 1:] = -1
    num_anchors = anchors.shape[1]
    native = mx.nd.contrib.MultiBoxTarget(mx.nd.array(anchors), mx.nd.array(labels),
                                          mx.nd.zeros((3, 4, num_anchors)), overlap_threshold=0.5)
    got = run(ops.AnchorTargets(portable=True), anchors, labels, hybridize=True)
    # MultiBoxTarget returns (offsets, mask, classes) with the same layout as the book.
    np.testing.assert_array_equal(got[2], native[2].asnumpy())
    np.testing.assert_array_equal(got[1], native[1].asnumpy())
    np.testing.assert_allclose(got[0], native[0].asnumpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("hybridize", [False, True])
def test_encoding_equals_the_book_and_gluoncv(hybridize):
    from gluoncv.nn.coder import NormalizedBoxCenterEncoder
    anchors, boxes = random_boxes(RNG, 25), random_boxes(RNG, 25)
    got = run(ops.BoxEncoder(), anchors, boxes, hybridize=hybridize)
    np.testing.assert_allclose(got, book.offset_boxes(anchors, boxes), rtol=1e-4, atol=1e-4)
    encoder = NormalizedBoxCenterEncoder(stds=(0.1, 0.1, 0.2, 0.2))
    samples, matches = mx.nd.ones((1, 25)), mx.nd.arange(25).reshape((1, 25))
    targets, _ = encoder(samples, matches, mx.nd.array(anchors[None]), mx.nd.array(boxes[None]))
    np.testing.assert_allclose(got, targets[0].asnumpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("portable", [False, True])
@pytest.mark.parametrize("minimal_opset", [False, True])
def test_decoding_equals_the_book_and_gluoncv(minimal_opset, portable):
    from gluoncv.nn.coder import NormalizedBoxCenterDecoder
    anchors = random_boxes(RNG, 25)
    offsets = RNG.normal(0, 1, size=(25, 4)).astype(np.float32)
    got = run(ops.BoxDecoder(portable=portable), anchors, offsets, hybridize=True)
    np.testing.assert_allclose(got, book.offset_inverse(anchors, offsets), rtol=1e-5, atol=1e-6)
    decoder = NormalizedBoxCenterDecoder(convert_anchor=True, minimal_opset=minimal_opset)
    native = decoder(mx.nd.array(offsets[None]), mx.nd.array(anchors[None]))[0].asnumpy()
    np.testing.assert_allclose(got, native, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("portable", [False, True])
def test_decoder_clip_and_centre_format(portable):
    anchors = random_boxes(RNG, 6)
    offsets = np.full((6, 4), 50.0, np.float32)
    clipped = run(ops.BoxDecoder(clip=np.log(4.0), portable=portable), anchors, offsets)
    widths = clipped[:, 2] - clipped[:, 0]
    np.testing.assert_allclose(widths, 4 * (anchors[:, 2] - anchors[:, 0]), rtol=1e-5)
    # A bound <= 0 (which MXNet's box_decode would ignore) still bounds the sizes: exp(0) = the anchor's size.
    unit = run(ops.BoxDecoder(clip=0.0, portable=portable), anchors, offsets)
    np.testing.assert_allclose(unit[:, 2] - unit[:, 0], anchors[:, 2] - anchors[:, 0], rtol=1e-5)
    centre = book.box_corner_to_center(anchors)
    offsets = RNG.normal(size=(6, 4)).astype(np.float32)
    got = run(ops.BoxDecoder(box_format="center", portable=portable), centre, offsets, hybridize=True)
    np.testing.assert_allclose(book.box_center_to_corner(got), book.offset_inverse(anchors, offsets), atol=1e-5)
    np.testing.assert_allclose(got, book.box_corner_to_center(book.offset_inverse(anchors, offsets)), atol=1e-5)


@pytest.mark.parametrize("anchor_shape", [(3, 8, 4), (1, 8, 4), (8, 4)])
@pytest.mark.parametrize("portable", [False, True])
def test_coders_broadcast_shared_and_per_image_anchors(anchor_shape, portable):
    anchors = random_boxes(RNG, int(np.prod(anchor_shape[:-1]))).reshape(anchor_shape)
    offsets = RNG.normal(0, 1, size=(3, 8, 4)).astype(np.float32)
    boxes = np.stack([random_boxes(RNG, 8) for _ in range(3)])
    decoded = run(ops.BoxDecoder(portable=portable), anchors, offsets, hybridize=True)
    encoded = run(ops.BoxEncoder(), anchors, boxes, hybridize=True)
    per_image = np.broadcast_to(anchors, (3, 8, 4))
    for i in range(3):
        np.testing.assert_allclose(decoded[i], book.offset_inverse(per_image[i], offsets[i]), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(encoded[i], book.offset_boxes(per_image[i], boxes[i]), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("box_format", ["corner", "center"])
def test_encoder_block_equals_the_encoding_function(box_format):
    anchors, boxes = random_boxes(RNG, 30), random_boxes(RNG, 30)
    boxes[:3, 2] = boxes[:3, 0]                # empty boxes: log(eps), finite, as the book
    expected = ops.encode_boxes(mx.nd, mx.nd.array(anchors), mx.nd.array(boxes)).asnumpy()
    if box_format == "center":
        anchors, boxes = book.box_corner_to_center(anchors), book.box_corner_to_center(boxes)
    got = run(ops.BoxEncoder(box_format=box_format), anchors, boxes, hybridize=True)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("bad", [dict(variances=(0.1, 0.1, 0.2)), dict(variances=(0.1, 0.1, 0.2, 0)),
                                 dict(box_format="xywh")])
def test_coder_arguments_are_checked(bad):
    with pytest.raises(ValueError, match="variances|box_format"):
        ops.BoxEncoder(**bad)


def _valid_pair(anchors, data):
    anchors = _sorted_corners(anchors)
    anchors[:, 2:] = np.maximum(anchors[:, 2:], anchors[:, :2] + 0.01)
    boxes = _sorted_corners(data.draw(hnp.arrays(np.float32, anchors.shape, elements=st.floats(0, 1, width=32))))
    boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 0.01)
    return anchors, boxes


@settings(max_examples=30, deadline=None)
@given(box_arrays, st.data(), st.sampled_from(["corner", "center"]), st.booleans())
def test_encoder_then_decoder_blocks_are_the_identity(anchors, data, box_format, portable):
    anchors, boxes = _valid_pair(anchors, data)
    if box_format == "center":
        anchors, boxes = book.box_corner_to_center(anchors), book.box_corner_to_center(boxes)
    offsets = run(ops.BoxEncoder(eps=0.0, box_format=box_format), anchors, boxes)
    decoded = run(ops.BoxDecoder(box_format=box_format, portable=portable), anchors, offsets)
    np.testing.assert_allclose(decoded, boxes, atol=2e-5)


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float32, st.tuples(st.integers(1, 3), st.integers(1, 9), st.just(4)),
                  elements=st.floats(-2, 2, width=32)))
def test_conversion_blocks_invert_each_other_at_any_rank(boxes):
    centre = run(ops.BoxCornerToCenter(), boxes, hybridize=True)
    np.testing.assert_allclose(centre, ops.box_corner_to_center(mx.nd, mx.nd.array(boxes)).asnumpy(), atol=1e-6)
    np.testing.assert_allclose(run(ops.BoxCenterToCorner(), centre), boxes, atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(box_arrays, st.data())
def test_encode_then_decode_is_the_identity(anchors, data):
    anchors = _sorted_corners(anchors)
    anchors[:, 2:] = np.maximum(anchors[:, 2:], anchors[:, :2] + 0.01)
    boxes = _sorted_corners(data.draw(hnp.arrays(np.float32, anchors.shape, elements=st.floats(0, 1, width=32))))
    boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 0.01)
    offsets = ops.encode_boxes(mx.nd, mx.nd.array(anchors), mx.nd.array(boxes), eps=0.0)
    decoded = ops.decode_boxes(mx.nd, mx.nd.array(anchors), offsets).asnumpy()
    np.testing.assert_allclose(decoded, boxes, atol=2e-5)


def _detections(rng, n, classes=3):
    boxes = random_boxes(rng, n, min_size=0.1)
    # Clustered boxes, so that suppression has work to do.
    boxes = np.clip(boxes * 0.5 + rng.uniform(0, 0.25, size=(n, 1)), 0, 1)
    scores = rng.permutation(n).astype(np.float32) / n + 0.01
    ids = rng.randint(0, classes, size=n).astype(np.float32)
    return np.concatenate([ids[:, None], scores[:, None], boxes], axis=1).astype(np.float32)


def _kept(rows):
    rows = rows[rows[:, 0] >= 0]
    return {tuple(np.round(r, 5)) for r in rows}


@pytest.mark.parametrize("seed", range(3))
def test_class_agnostic_nms_equals_the_books_nms(seed):
    dets = _detections(np.random.RandomState(seed), 60)
    got = run(ops.BoxNMS(iou_threshold=0.5, class_aware=False), dets[None], hybridize=True)[0]
    keep = book.nms(dets[:, 2:], dets[:, 1], 0.5)
    assert _kept(got) == _kept(dets[keep])
    kept_rows = got[got[:, 0] >= 0]
    assert np.all(np.diff(kept_rows[:, 1]) <= 0), "kept rows come best first"


@pytest.mark.parametrize("seed", range(3))
def test_class_aware_nms_is_the_books_nms_per_class(seed):
    dets = _detections(np.random.RandomState(seed), 60)
    got = run(ops.BoxNMS(iou_threshold=0.45, class_aware=True), dets[None])[0]
    expected = []
    for c in range(3):
        rows = dets[dets[:, 0] == c]
        expected.append(rows[book.nms(rows[:, 2:], rows[:, 1], 0.45)])
    assert _kept(got) == _kept(np.concatenate(expected))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10 ** 6), st.floats(0.1, 0.9), st.booleans())
def test_nms_output_is_below_threshold_and_independent_of_input_order(seed, threshold, class_aware):
    rng = np.random.RandomState(seed)
    dets = _detections(rng, 30)
    block = ops.BoxNMS(iou_threshold=threshold, class_aware=class_aware)
    got = run(block, dets[None])[0]
    kept = got[got[:, 0] >= 0]
    iou = book.box_iou(kept[:, 2:], kept[:, 2:])
    same = (kept[:, None, 0] == kept[None, :, 0]) | (not class_aware)
    off_diagonal = ~np.eye(len(kept), dtype=bool)
    assert np.all(iou[same & off_diagonal] <= threshold + 1e-6)
    shuffled = run(ops.BoxNMS(iou_threshold=threshold, class_aware=class_aware), dets[rng.permutation(30)][None])[0]
    assert _kept(shuffled) == _kept(got)


def _detector_inputs(rng, batch=2, classes=3):
    anchors = book.multibox_prior(6, 6, (0.4, 0.2), (1, 2, 0.5)).astype(np.float32)
    logits = rng.normal(0, 3, size=(batch, classes + 1, anchors.shape[1]))
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    offsets = rng.normal(0, 0.5, size=(batch, anchors.shape[1] * 4))
    return probs.astype(np.float32), offsets.astype(np.float32), anchors


@pytest.mark.parametrize("seed", range(3))
def test_detector_equals_multibox_detection(seed):
    probs, offsets, anchors = _detector_inputs(np.random.RandomState(seed))
    got = run(ops.MultiBoxDetector(clip=True, portable=True), probs, offsets, anchors, hybridize=True)
    native = mx.nd.contrib.MultiBoxDetection(mx.nd.array(probs), mx.nd.array(offsets), mx.nd.array(anchors),
                                             clip=True, threshold=0.01, nms_threshold=0.5).asnumpy()
    for i in range(len(probs)):
        assert _kept(got[i]) == _kept(native[i])


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("portable", [False, True])
def test_class_agnostic_detector_equals_the_books_multibox_detection(seed, portable):
    probs, offsets, anchors = _detector_inputs(np.random.RandomState(seed))
    got = run(ops.MultiBoxDetector(class_aware=False, portable=portable), probs, offsets, anchors, hybridize=True)
    expected = book.multibox_detection(probs, offsets, anchors)
    for i in range(len(probs)):
        assert _kept(got[i]) == _kept(expected[i])


@pytest.mark.parametrize("k", [1, 5, 12])
def test_top_k_keeps_the_best_rows(k):
    dets = np.stack([_detections(RNG, 12) for _ in range(3)])
    got = run(ops.TopKDetections(k), dets, hybridize=True)
    for i in range(3):
        order = np.argsort(-dets[i, :, 1], kind="stable")[:k]
        np.testing.assert_array_equal(got[i], dets[i, order])


def test_top_k_rejects_k_below_one():
    with pytest.raises(ValueError, match="k >= 1"):
        ops.TopKDetections(0)


def test_ops_equal_the_books_mxnet_np_code():
    """The book's own code (``mxnet.np``, detection_book_mxnp.py) is the benchmark's second reference."""
    import detection_book_mxnp as mxnp_book
    rng = np.random.RandomState(3)

    def as_np(array):
        return mx.np.array(array, dtype=array.dtype)

    boxes, others = random_boxes(rng, 40), random_boxes(rng, 9)
    np.testing.assert_allclose(run(ops.BoxCornerToCenter(), boxes),
                               mxnp_book.box_corner_to_center(as_np(boxes)).asnumpy(), atol=1e-6)
    np.testing.assert_allclose(run(ops.BoxIoU(), boxes, others), mxnp_book.box_iou(as_np(boxes), as_np(others))
                               .asnumpy(), rtol=1e-5, atol=1e-6)
    anchors = run(ops.AnchorGenerator(sizes=(0.4, 0.2), ratios=(1, 2, 0.5)), np.zeros((1, 3, 6, 5), np.float32))
    np.testing.assert_allclose(anchors, mxnp_book.multibox_prior(mx.np.zeros((1, 3, 6, 5)), (0.4, 0.2),
                                                                 (1, 2, 0.5)).asnumpy(), atol=1e-6)
    offsets = rng.normal(0, 1, size=(40, 4)).astype(np.float32)
    np.testing.assert_allclose(run(ops.BoxDecoder(), boxes, offsets),
                               mxnp_book.offset_inverse(as_np(boxes), as_np(offsets)).asnumpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(run(ops.BoxEncoder(), others[:1], boxes),
                               mxnp_book.offset_boxes(as_np(np.repeat(others[:1], 40, 0)), as_np(boxes)).asnumpy(),
                               rtol=1e-4, atol=1e-4)
    anchors, labels = _anchor_and_labels(rng)
    got = run(ops.AnchorTargets(), anchors, labels)
    for value, reference in zip(got, mxnp_book.multibox_target(as_np(anchors), as_np(labels))):
        np.testing.assert_allclose(value, reference.asnumpy(), rtol=1e-4, atol=1e-4)
    dets = _detections(rng, 50)
    kept = run(ops.BoxNMS(iou_threshold=0.5, class_aware=False), dets[None])[0]
    keep = mxnp_book.nms(as_np(dets[:, 2:]), as_np(dets[:, 1]), 0.5).asnumpy()
    assert _kept(kept) == _kept(dets[keep])
    probs, offsets, anchors = _detector_inputs(rng)
    got = run(ops.MultiBoxDetector(class_aware=False), probs, offsets, anchors)
    expected = mxnp_book.multibox_detection(as_np(probs), as_np(offsets), as_np(anchors)).asnumpy()
    for i in range(len(probs)):
        assert _kept(got[i]) == _kept(expected[i])


def test_one_fused_decoder_follows_changing_anchor_layouts_and_parent_graphs():
    decoder = ops.BoxDecoder()
    decoder.initialize()
    decoder.hybridize(static_alloc=True, static_shape=True)
    offsets = RNG.normal(0, 1, size=(3, 8, 4)).astype(np.float32)
    layouts = [random_boxes(RNG, 8)[None], random_boxes(RNG, 24).reshape(3, 8, 4), random_boxes(RNG, 8)]
    for anchors in layouts + layouts[:1]:       # box_decode's own layout, per-image, rank 2, and back
        got = decoder(mx.nd.array(anchors), mx.nd.array(offsets)).asnumpy()
        per_image = np.broadcast_to(anchors, offsets.shape)
        for i in range(3):
            np.testing.assert_allclose(got[i], book.offset_inverse(per_image[i], offsets[i]), rtol=1e-5, atol=1e-6)

    class Parent(mx.gluon.HybridBlock):        # inside a parent's graph the decoder cannot see the layout
        def __init__(self):
            super().__init__()
            self.decoder = ops.BoxDecoder()

        def hybrid_forward(self, F, anchors, offsets):
            return self.decoder(anchors, offsets)

    parent = Parent()
    parent.initialize()
    parent.hybridize()
    anchors = layouts[1]
    got = parent(mx.nd.array(anchors), mx.nd.array(offsets)).asnumpy()
    for i in range(3):
        np.testing.assert_allclose(got[i], book.offset_inverse(anchors[i], offsets[i]), rtol=1e-5, atol=1e-6)
