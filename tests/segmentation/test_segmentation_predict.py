"""A trained segmenter deployed end to end through the commands users run: ``gluonx train fcn_resnet18`` (tiny
run), ``gluonx export RUN --onnx``, ``gluonx predict EXPORT picture.png --save-png out.png`` on a picture whose
size is not the training size: the mask comes back at the picture's size, as a palette PNG of class ids and a
colour overlay, and ``--json`` counts the pixels of each class by name. The reference is the trained block run
by hand on a letterbox computed here, its scores cropped to the picture's area and resized with PIL, argmax
per pixel with NumPy."""
import glob
import json
import os

import numpy as np
import pytest

mx = pytest.importorskip("mxnet")
Image = pytest.importorskip("PIL.Image")

import gluonx  # noqa: E402
from gluonx.cli import main  # noqa: E402
from gluonx.deploy import read_manifest  # noqa: E402
from gluonx.train.checkpoint import load_parameters  # noqa: E402

CLASSES = ["background", "ellipse", "triangle", "star"]
TRAINED = 64                   # segmentation_shapes' scenes are 64 x 64
PICTURE = (90, 150)            # height, width of the picture fed to predict


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("segdeploy") / "run"
    code = main(["train", "fcn_resnet18", "--dataset", "segmentation_shapes", "--epochs", "1", "--limit", "32",
                 "--batch-size", "16", "--threads", "1", "--no-progress", "--out", str(out)])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def exported(trained_run):
    folder = trained_run.parent / "export"
    assert main(["export", str(trained_run), "--out", str(folder), "--onnx"]) == 0
    return folder


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    """A held-out scene stretched to 90 x 150 (not square, so the letterbox pads top and bottom)."""
    image, _ = gluonx.get_dataset("segmentation_shapes", train=False, num_images=3)[2]
    path = tmp_path_factory.mktemp("pictures") / "scene.png"
    Image.fromarray(image).resize(PICTURE[::-1], Image.BILINEAR).save(str(path))
    return path


def reference_mask(run_folder, picture_path):
    recipe = gluonx.get_recipe_info("fcn_resnet18-segmentation_shapes")
    net = gluonx.get_model("fcn_resnet18", num_classes=len(CLASSES), **recipe.model_args)
    checkpoint = sorted(glob.glob(os.path.join(str(run_folder), "checkpoints", "ckpt-*")))[-1]
    load_parameters(checkpoint, net)
    pixels = np.asarray(Image.open(str(picture_path)).convert("RGB"))
    height, width = pixels.shape[:2]
    ratio = min(TRAINED / height, TRAINED / width)
    new_h, new_w = int(round(height * ratio)), int(round(width * ratio))
    top, left = (TRAINED - new_h) // 2, (TRAINED - new_w) // 2
    canvas = np.zeros((TRAINED, TRAINED, 3), np.float32)
    canvas[top:top + new_h, left:left + new_w] = np.asarray(
        Image.fromarray(pixels).resize((new_w, new_h), Image.BILINEAR), np.float32)
    scores = net(mx.nd.array((canvas / 255).transpose(2, 0, 1)[None])).asnumpy()[0]
    assert scores.shape == (len(CLASSES), TRAINED, TRAINED)
    area = scores[:, top:top + new_h, left:left + new_w]
    resized = np.stack([np.asarray(Image.fromarray(plane, mode="F").resize((width, height), Image.BILINEAR))
                        for plane in area])
    return resized.argmax(axis=0)


def test_the_export_records_a_mask_output_and_the_training_size(exported):
    manifest, _ = read_manifest(str(exported))
    assert manifest.postprocessing == {"outputs": {"scores": {"kind": "mask"}}}
    assert manifest.preprocessing["resize"] == "letterbox"
    assert manifest.inputs[0]["shape"][2:] == [TRAINED, TRAINED]
    assert manifest.class_names == CLASSES


@pytest.mark.parametrize("backend", ["mxnet", "onnxruntime"])
def test_predict_writes_the_mask_at_the_pictures_size(trained_run, exported, picture, tmp_path, capsys, backend):
    want = reference_mask(trained_run, picture)
    overlay = tmp_path / "out.png"
    code = main(["predict", str(exported), str(picture), "--backend", backend, "--save-png", str(overlay),
                 "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    payload = json.loads(out)
    mask_file = tmp_path / "out_mask.png"
    assert payload["mask_png"] == str(mask_file) and payload["overlay_png"] == str(overlay)
    with Image.open(str(mask_file)) as image:
        assert image.mode == "P" and image.size == PICTURE[::-1]
        got = np.asarray(image)
    with Image.open(str(overlay)) as image:
        assert image.mode == "RGB" and image.size == PICTURE[::-1]
    assert len(np.unique(want)) > 1, "the reference mask is one class: the test would not see a misplacement"
    if backend == "mxnet":
        np.testing.assert_array_equal(got, want)
    else:  # float differences may flip a pixel whose two best scores tie to ~1e-6
        assert (got == want).mean() > 0.999
    [picture_summary] = payload["segmentation"]
    assert picture_summary["size"] == list(PICTURE)
    counts = np.bincount(got.ravel(), minlength=len(CLASSES))
    assert [(row["class_id"], row["class"], row["pixels"]) for row in picture_summary["classes"]] == [
        (i, name, int(counts[i])) for i, name in enumerate(CLASSES)]
    assert "values" not in payload["outputs"][0]


def test_predict_prints_the_pixels_per_class(exported, picture, capsys):
    assert main(["predict", str(exported), str(picture)]) == 0
    out = capsys.readouterr().out
    assert "mask 90x150 (the original picture's size)" in out
    for name in CLASSES:
        assert name in out


def test_pixel_counts_list_every_class_and_unnamed_ids():
    from gluonx.deploy.postprocessing import mask_pixel_counts
    ids = np.array([[0, 0, 2], [2, 2, 5]])
    rows = mask_pixel_counts(ids, ["a", "b", "c"], num_classes=3)
    assert [(r["class_id"], r["class"], r["pixels"]) for r in rows] == [(0, "a", 2), (1, "b", 0), (2, "c", 3),
                                                                         (5, None, 1)]
    assert sum(r["fraction"] for r in rows) == pytest.approx(1.0)


def test_palette_png_keeps_ids_and_refuses_other_arrays(tmp_path):
    from gluonx.utils.palette import save_palette_png, voc_palette
    ids = np.arange(12, dtype=np.uint8).reshape(3, 4)
    path = save_palette_png(str(tmp_path / "m.png"), ids)
    with Image.open(path) as image:
        assert image.mode == "P"
        np.testing.assert_array_equal(np.asarray(image), ids)
        assert np.array_equal(np.asarray(image.getpalette()[:36]).reshape(12, 3), voc_palette(12))
    with pytest.raises(ValueError, match="class ids 0..255"):
        save_palette_png(str(tmp_path / "bad.png"), np.full((2, 2), 300))
