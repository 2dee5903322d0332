"""A trained detector deployed end to end through the commands users run: ``gluonx train`` (tiny run),
``gluonx export RUN --onnx`` (decoding + per-class NMS inside the symbol and the ONNX graph, dynamic batch,
reloaded without gluonx; onnxruntime finds the same boxes as MXNet),
``gluonx predict EXPORT picture`` (JSON detections with class names in the picture's pixels, annotated PNG),
each checked against the detector run by hand: MXNet's fused ``contrib.MultiBoxDetection`` on a letterbox
computed in the test, boxes mapped back with the test's own arithmetic."""
import glob
import json
import os

import numpy as np
import pytest

mx = pytest.importorskip("mxnet")
Image = pytest.importorskip("PIL.Image")

import gluonx  # noqa: E402
from gluonx.cli import main  # noqa: E402
from gluonx.deploy import Predictor, read_manifest  # noqa: E402
from gluonx.deploy.postprocessing import detections  # noqa: E402
from gluonx.tasks import Task  # noqa: E402
from gluonx.train.checkpoint import load_parameters  # noqa: E402
from gluonx_detection.data.digits_scenes import DigitsDetection  # noqa: E402

CLASSES = ["0", "1", "4"]      # detection_digits' classes (digits 0, 1 and 4)
TRAINED_SIZE = 128             # detection_digits' scenes are 128 x 128


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A tiny ``gluonx train`` run: one epoch on the first 32 scenes of each split."""
    out = tmp_path_factory.mktemp("deploy") / "run"
    code = main(["train", "tiny_ssd", "--dataset", "detection_digits", "--epochs", "1", "--limit", "32",
                 "--batch-size", "16", "--threads", "1", "--no-progress", "--out", str(out)])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def exported(trained_run):
    folder = trained_run.parent / "export"
    assert main(["export", str(trained_run), "--out", str(folder), "--onnx", "--verify-isolated"]) == 0
    return folder


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    """A 150 x 200 scene (not the trained square, so the letterbox pads) saved as PNG."""
    image, label = DigitsDetection(train=False, num_images=2, image_size=200, max_objects=6, seed=3)[1]
    path = tmp_path_factory.mktemp("pictures") / "scene.png"
    Image.fromarray(image[25:175]).save(str(path))
    return path


def _reference_detections(run_folder, picture_path, min_score):
    """The trained net on the letterboxed picture, decoded and suppressed per class by MXNet's fused op,
    boxes mapped back to the picture by hand."""
    net = gluonx.get_model("tiny_ssd", num_classes=len(CLASSES))
    checkpoint = sorted(glob.glob(os.path.join(str(run_folder), "checkpoints", "ckpt-*")))[-1]
    load_parameters(checkpoint, net)
    pixels = np.asarray(Image.open(str(picture_path)).convert("RGB"))
    height, width = pixels.shape[:2]
    ratio = min(TRAINED_SIZE / height, TRAINED_SIZE / width)
    new_h, new_w = int(round(height * ratio)), int(round(width * ratio))
    top, left = (TRAINED_SIZE - new_h) // 2, (TRAINED_SIZE - new_w) // 2
    canvas = np.zeros((TRAINED_SIZE, TRAINED_SIZE, 3), np.float32)
    canvas[top:top + new_h, left:left + new_w] = np.asarray(
        Image.fromarray(pixels).resize((new_w, new_h), Image.BILINEAR), np.float32)
    x = mx.nd.array((canvas / 255).transpose(2, 0, 1)[None])
    anchors, class_preds, box_preds = net(x)
    probs = mx.nd.softmax(class_preds, axis=-1).transpose((0, 2, 1))
    rows = mx.nd.contrib.MultiBoxDetection(probs, box_preds, anchors, clip=True, threshold=0.01,
                                           nms_threshold=0.5, force_suppress=False).asnumpy()[0]
    rows = rows[rows[:, 0] >= 0]
    rows = rows[np.argsort(-rows[:, 1], kind="stable")][:gluonx.get_task("detection").export_topk]
    found = []
    for class_id, score, x0, y0, x1, y1 in rows:
        if score < min_score:
            continue
        box = np.array([x0, y0, x1, y1], np.float64) * TRAINED_SIZE
        box[[0, 2]] = np.clip((box[[0, 2]] - left) / (new_w / width), 0, width)
        box[[1, 3]] = np.clip((box[[1, 3]] - top) / (new_h / height), 0, height)
        if box[2] <= box[0] or box[3] <= box[1]:
            continue  # found in the letterbox's padding: nothing of the picture
        found.append((int(class_id), float(score), box))
    return found


def test_a_training_run_records_what_export_needs(trained_run):
    run_record = json.loads((trained_run / "run.json").read_text())
    assert run_record["class_names"] == CLASSES
    assert run_record["input_shapes"] == [[1, 3, TRAINED_SIZE, TRAINED_SIZE]]
    assert run_record["settings"]["limit"] == 32
    # --limit 32 at batch 16: two steps in the epoch (the full split would take 63)
    assert [os.path.basename(p) for p in glob.glob(str(trained_run / "checkpoints" / "ckpt-*"))] == [
        "ckpt-e0000-b00000002"]


def test_export_of_a_run_holds_decoding_nms_and_names(exported):
    manifest, _ = read_manifest(str(exported))
    assert manifest.output_names == ["boxes", "scores", "class_ids"]
    assert [o["shape"] for o in manifest.outputs] == [[2, 100, 4], [2, 100], [2, 100]]
    assert manifest.inputs[0]["shape"] == [2, 3, TRAINED_SIZE, TRAINED_SIZE]   # the trained size, not 64
    assert manifest.data["dynamic_batch"] and manifest.inputs[0]["dynamic_axes"] == [0]
    assert manifest.class_names == CLASSES
    assert manifest.preprocessing["resize"] == "letterbox" and manifest.preprocessing["scale"] == 1 / 255
    kinds = {name: entry["kind"] for name, entry in manifest.postprocessing["outputs"].items()}
    assert kinds == {"boxes": "boxes", "scores": "scores", "class_ids": "class_ids"}
    assert manifest.postprocessing["outputs"]["boxes"]["normalized"] is True
    check = manifest.data["checks"]["symbol_reload"]
    assert check["process"] == "isolated" and check["batch_sizes"] == [2, 3]
    ops = {node["op"] for node in json.loads((exported / "model-symbol.json").read_text())["nodes"]}
    assert "_contrib_box_nms" in ops and "topk" in ops                   # NMS is inside the graph


def test_the_exported_batch_is_dynamic(exported, picture):
    predictor = Predictor(str(exported))
    one = predictor.preprocess_image(str(picture))
    rng = np.random.RandomState(0)
    batch = np.concatenate([one, rng.uniform(0, 1, (4,) + one.shape[1:]).astype("float32")])
    together = predictor.predict(batch, named=True)
    for index in range(len(batch)):
        alone = predictor.predict(batch[index:index + 1], named=True)
        for name in ("boxes", "scores", "class_ids"):
            np.testing.assert_allclose(together[name][index], alone[name][0], rtol=1e-5, atol=1e-6)


def test_the_onnx_export_keeps_nms_per_class_and_a_dynamic_batch(exported):
    onnx = pytest.importorskip("onnx")
    manifest, _ = read_manifest(str(exported))
    assert manifest.data["onnx"]["dynamic_axes"] == [[0]] and manifest.data["onnx"]["dynamic_batch"]
    assert manifest.data["checks"]["onnx_parity"]["batch_sizes"] == [2, 3]
    graph = onnx.load(str(exported / "model.onnx")).graph
    assert "NonMaxSuppression" in {node.op_type for node in graph.node}
    assert [output.name for output in graph.output] == ["boxes", "scores", "class_ids"]


@pytest.mark.parametrize("batch", [1, 8])
def test_onnxruntime_finds_the_same_boxes_as_mxnet(exported, batch):
    """Crowded scenes (up to 8 objects of 3 classes) and a barely trained net, whose boxes overlap heavily:
    per-class NMS has a lot to suppress, and a converter that suppressed across classes would differ."""
    pytest.importorskip("onnxruntime")
    scenes = DigitsDetection(train=False, num_images=batch, image_size=TRAINED_SIZE, max_objects=8, seed=7)
    images = np.stack([scenes[i][0] for i in range(batch)]).transpose(0, 3, 1, 2).astype("float32") / 255
    by_mxnet = Predictor(str(exported), backend="mxnet").predict(images, named=True)
    by_ort = Predictor(str(exported), backend="onnxruntime").predict(images, named=True)
    assert by_ort["boxes"].shape == (batch, 100, 4)
    classes_seen = set()
    for index in range(batch):
        rows = {}
        for name, found in (("mxnet", by_mxnet), ("onnxruntime", by_ort)):
            keep = found["class_ids"][index] >= 0
            table = np.concatenate([found["class_ids"][index][keep, None], found["scores"][index][keep, None],
                                    found["boxes"][index][keep]], axis=1)
            rows[name] = table[np.lexsort(table.T[::-1])]            # the same set, whatever the order of ties
        assert len(rows["mxnet"]) > 10                               # plenty of kept boxes to compare
        assert rows["mxnet"].shape == rows["onnxruntime"].shape
        np.testing.assert_array_equal(rows["mxnet"][:, 0], rows["onnxruntime"][:, 0])
        np.testing.assert_allclose(rows["mxnet"][:, 1:], rows["onnxruntime"][:, 1:], rtol=0, atol=1e-4)
        classes_seen |= set(rows["mxnet"][:, 0].astype(int))
        # suppression was per class: same-class survivors overlap by at most the NMS threshold
        for class_id in set(rows["mxnet"][:, 0]):
            boxes = rows["mxnet"][rows["mxnet"][:, 0] == class_id, 2:]
            assert _max_pairwise_iou(boxes) <= 0.5 + 1e-6
    assert len(classes_seen) >= 2


def _max_pairwise_iou(boxes):
    lt = np.maximum(boxes[:, None, :2], boxes[None, :, :2])
    rb = np.minimum(boxes[:, None, 2:], boxes[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=-1)
    area = np.prod(boxes[:, 2:] - boxes[:, :2], axis=-1)
    iou = inter / np.maximum(area[:, None] + area[None, :] - inter, 1e-12)
    np.fill_diagonal(iou, 0)
    return iou.max(initial=0.0)


def test_predict_with_onnxruntime_prints_the_same_json(exported, picture, capsys):
    pytest.importorskip("onnxruntime")
    payloads = {}
    for backend in ("mxnet", "onnxruntime"):
        code, out, _ = run(capsys, "predict", exported, picture, "--json", "--min-score", "0.05", "--backend", backend)
        assert code == 0
        payloads[backend] = json.loads(out)["detections"][0]
    assert payloads["mxnet"]
    key = lambda row: (row["class_id"], row["box"])  # noqa: E731
    for a, b in zip(sorted(payloads["mxnet"], key=key), sorted(payloads["onnxruntime"], key=key)):
        assert (a["class_id"], a["class"]) == (b["class_id"], b["class"])
        assert abs(a["score"] - b["score"]) < 1e-4
        np.testing.assert_allclose(a["box"], b["box"], atol=1e-3)   # picture pixels (1e-4 of the input x 200/128)
    assert len(payloads["mxnet"]) == len(payloads["onnxruntime"])


def test_info_on_the_export_shows_dynamic_axes_and_classes(exported, capsys):
    code, out, _ = run(capsys, "info", exported)
    assert code == 0
    assert "input  data float32: mxnet (N, 3, 128, 128), onnxruntime (N, 3, 128, 128)" in out
    assert "output boxes float32 (N, 100, 4)" in out and "output class_ids float32 (N, 100)" in out
    assert "classes: 0, 1, 4" in out and "model: tiny_ssd (task detection)" in out
    code, out, _ = run(capsys, "info", exported, "--json")
    assert code == 0 and json.loads(out)["class_names"] == CLASSES


def test_predict_json_matches_the_detector_run_by_hand(trained_run, exported, picture, capsys):
    min_score = 0.05
    code, out, err = run(capsys, "predict", exported, picture, "--json", "--min-score", min_score)
    assert code == 0, err
    payload = json.loads(out)
    assert payload["class_names"] == CLASSES
    assert payload["image"]["original_size"] == [150, 200] and payload["image"]["resize"] == "letterbox"
    assert "original picture's pixels" in payload["box_coordinates"]
    (found,) = payload["detections"]
    expected = _reference_detections(trained_run, picture, min_score)
    assert expected, "the reference finds no detection at all: the comparison would be empty"
    key = lambda row: (row[0], round(row[1], 4), tuple(np.round(row[2], 1)))  # noqa: E731
    got = sorted(((d["class_id"], d["score"], np.array(d["box"])) for d in found), key=key)
    want = sorted(expected, key=key)
    assert [(c, round(s, 4)) for c, s, _ in got] == [(c, round(s, 4)) for c, s, _ in want]
    for (_, _, box), (_, _, ref) in zip(got, want):
        np.testing.assert_allclose(box, ref, atol=2e-3)     # pixels of a 200-wide picture, float32 math
    for row in found:
        assert row["class"] == CLASSES[row["class_id"]] and row["score"] >= min_score
        assert 0 <= row["box"][0] <= row["box"][2] <= 200 and 0 <= row["box"][1] <= row["box"][3] <= 150


def test_predict_prints_a_table_of_named_detections(exported, picture, capsys):
    code, out, _ = run(capsys, "predict", exported, picture, "--min-score", "0.05")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split() == ["image", "class", "id", "score", "box"]
    rows = [line.split(None, 4) for line in lines[2:-1]]
    assert rows and all(CLASSES[int(r[2])] == r[1] for r in rows)
    assert lines[-1].startswith("{} detection(s) scoring at least 0.05".format(len(rows)))


def test_save_png_draws_boxes_where_the_detections_are(exported, picture, tmp_path, capsys):
    original = np.asarray(Image.open(str(picture)).convert("RGB"))
    code, out, _ = run(capsys, "predict", exported, picture, "--json", "--min-score", "0.05",
                       "--save-png", tmp_path / "drawn.png")
    assert code == 0
    drawn = np.asarray(Image.open(str(tmp_path / "drawn.png")).convert("RGB"))
    assert drawn.shape == original.shape
    changed = np.any(drawn != original, axis=-1)
    (found,) = json.loads(out)["detections"]
    assert found and changed.any()
    assert all(row["box"][2] > row["box"][0] and row["box"][3] > row["box"][1] for row in found)
    tall = [row for row in found if row["box"][3] - row["box"][1] >= 8]
    assert tall
    for row in tall:
        x0, y0, x1, y1 = (int(round(v)) for v in row["box"])
        left_edge = changed[y0 + 2:y1 - 2, min(x0, original.shape[1] - 1)]
        assert left_edge.mean() > 0.5, row        # the outline runs down the box's left side
    # nothing scores above 1: nothing drawn, the picture comes back unchanged
    assert run(capsys, "predict", exported, picture, "--min-score", "1.01", "--save-png", tmp_path / "none.png")[0] == 0
    np.testing.assert_array_equal(np.asarray(Image.open(str(tmp_path / "none.png")).convert("RGB")), original)


@pytest.mark.parametrize("case", ["not_an_image", "unknown_suffix", "top_k_on_a_detector", "wrong_size_array",
                                  "missing_file"])
def test_bad_input_is_one_line_and_exit_2(exported, tmp_path, capsys, case):
    text = tmp_path / "notes.png"
    text.write_text("this is not a picture")
    (tmp_path / "notes.txt").write_text("plain text")
    np.save(str(tmp_path / "small.npy"), np.zeros((1, 3, 64, 64), "float32"))
    np.save(str(tmp_path / "right.npy"), np.zeros((3, TRAINED_SIZE, TRAINED_SIZE), "float32"))
    argv, message = {
        "not_an_image": ([text], "cannot read image"),
        "unknown_suffix": ([tmp_path / "notes.txt"], "expected .npy, .npz or an image"),
        "top_k_on_a_detector": ([tmp_path / "right.npy", "--top-k", "3"], "--top-k applies to classifiers"),
        "wrong_size_array": ([tmp_path / "small.npy"], "expects shape (N, 3, 128, 128)"),
        "missing_file": ([tmp_path / "absent.png"], "does not exist"),
    }[case]
    code, out, err = run(capsys, "predict", exported, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("gluonx predict: error:") and message in err, err


def test_export_refuses_output_names_of_the_wrong_count(trained_run, tmp_path, capsys):
    code, _, err = run(capsys, "export", trained_run, "--out", tmp_path / "e", "--output-names", "a,b")
    assert code == 2 and "the model has 3 outputs (boxes,scores,class_ids), got 2" in err
    assert not (tmp_path / "e").exists()


def test_raw_outputs_export_the_net_as_trained(trained_run, tmp_path, capsys):
    code, _, err = run(capsys, "export", trained_run, "--out", tmp_path / "raw", "--raw-outputs")
    assert code == 0, err
    manifest, _ = read_manifest(str(tmp_path / "raw"))
    assert len(manifest.outputs) == 3 and manifest.outputs[0]["shape"][-1] == 4   # anchors
    assert manifest.outputs[1]["shape"][-1] == len(CLASSES) + 1 and manifest.postprocessing is None


def test_detections_lists_rows_best_first_with_names():
    outputs = {"b": np.array([[[0, 0, 1, 1], [2, 2, 3, 3], [4, 4, 5, 5], [6, 6, 7, 7]]], np.float32),
               "s": np.array([[0.2, 0.9, -1, 0.6]], np.float32), "c": np.array([[1, 0, -1, 5]], np.float32)}
    post = {"outputs": {"b": {"kind": "boxes"}, "s": {"kind": "scores"}, "c": {"kind": "class_ids"}}}
    (rows,) = detections(outputs, post, ["cat", "dog"], min_score=0.3)
    assert [(r["class_id"], r["class"], r["score"]) for r in rows] == [(0, "cat", pytest.approx(0.9)),
                                                                       (5, None, pytest.approx(0.6))]
    assert rows[0]["box"] == [2, 2, 3, 3]
    assert detections({"s": outputs["s"]}, {"outputs": {"s": {"kind": "scores"}}}) is None


class _Deploys(mx.gluon.HybridBlock):
    def hybrid_forward(self, F, x):
        return x

    def inference_block(self):
        return "deployed"

    def export_options(self):
        return {"output_names": ["y"]}


def test_task_hooks_default_to_what_the_net_defines():
    task, plain = Task(), mx.gluon.nn.Dense(2)
    assert task.inference_block(plain) is plain and task.export_options(plain) == {}
    assert task.inference_block(_Deploys()) == "deployed" and task.export_options(_Deploys()) == {"output_names": ["y"]}
    holder = mx.gluon.nn.HybridSequential()
    holder.inference_block = mx.gluon.nn.Dense(1)          # a child block of that name is not a hook
    assert task.inference_block(holder) is holder
    assert task.input_shapes([]) is None
