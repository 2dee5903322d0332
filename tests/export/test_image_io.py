"""Pictures of any size: letterbox / keep-aspect / no resize, boxes and masks mapped back to the picture,
`gluonx predict` on raw images with --json and --save-png."""
import json

import mxnet as mx
import numpy as np
import pytest
from mxnet.gluon import nn

import gluonx
from gluonx.cli import main
from gluonx.deploy import Predictor
from gluonx.deploy.postprocessing import to_original
from gluonx.deploy.preprocessing import prepare_image

Image = pytest.importorskip("PIL.Image")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def letterbox_reference(pixels, height, width, mean, std):
    """Letterbox written out with PIL: scale by min(H/h, W/w), centre, pad with 0, normalize."""
    h, w = pixels.shape[:2]
    ratio = min(height / h, width / w)
    new_h, new_w = int(round(h * ratio)), int(round(w * ratio))
    resized = np.asarray(Image.fromarray(pixels).resize((new_w, new_h), Image.BILINEAR), dtype=np.float32)
    canvas = np.zeros((height, width), np.float32)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    canvas[top:top + new_h, left:left + new_w] = resized
    return ((canvas / 255.0 - mean) / std)[None, None].astype("float32")


@pytest.fixture(scope="module")
def letterbox_lenet(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli") / "lenet"
    code = main(["export", "lenet", "--out", str(folder), "--onnx", "--resize", "letterbox", "--mean", "0.5",
                 "--std", "0.25", "--class-names", ",".join("d{}".format(i) for i in range(10))])
    assert code == 0
    return str(folder)


@pytest.mark.parametrize("size", [(50, 20), (13, 90), (28, 28), (300, 301)])
def test_gluonx_predict_takes_raw_pictures_of_any_size(letterbox_lenet, tmp_path, capsys, size):
    pixels = np.random.RandomState(sum(size)).randint(0, 256, size).astype("uint8")
    path = tmp_path / "picture.png"
    Image.fromarray(pixels).save(str(path))
    code, out, err = run(capsys, "predict", letterbox_lenet, path, "--json", "--backend", "onnxruntime",
                         "--save-png", tmp_path / "annotated.png")
    assert code == 0, err
    payload = json.loads(out)
    want = Predictor(letterbox_lenet).predict(letterbox_reference(pixels, 28, 28, 0.5, 0.25))
    np.testing.assert_allclose(payload["outputs"][0]["values"], want, rtol=1e-4, atol=1e-5)
    assert payload["image"]["original_size"] == list(size) and payload["image"]["resize"] == "letterbox"
    assert payload["top_k"][0][0]["name"].startswith("d")
    with Image.open(str(tmp_path / "annotated.png")) as annotated:
        assert annotated.size == (size[1], size[0]) and annotated.mode == "RGB"


def test_save_png_needs_a_picture(letterbox_lenet, tmp_path, capsys):
    np.save(str(tmp_path / "x.npy"), np.zeros((1, 1, 28, 28), "float32"))
    code, _, err = run(capsys, "predict", letterbox_lenet, tmp_path / "x.npy", "--save-png", tmp_path / "a.png")
    assert code == 2 and "--save-png needs one picture" in err
    assert not (tmp_path / "a.png").exists()


def test_resize_that_needs_dynamic_height_and_width_is_refused_for_a_fixed_input(tmp_path, capsys):
    code, _, err = run(capsys, "export", "lenet", "--out", tmp_path / "x", "--resize", "keep-aspect")
    assert code != 0 and "fixed height and width" in err


class Segmenter(nn.HybridBlock):
    """Fully convolutional: any H x W in, 2 class scores per pixel out, at the input's size."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.conv = nn.Conv2D(2, 3, padding=1, in_channels=3)

    def hybrid_forward(self, F, x):
        return self.conv(x)


@pytest.fixture(scope="module")
def segmenter_export(tmp_path_factory):
    mx.random.seed(1)
    net = Segmenter()
    net.initialize(mx.init.Xavier())
    folder = str(tmp_path_factory.mktemp("segmenter"))
    spec = gluonx.InputSpec((1, 3, 16, 16), dynamic_axes={2: "height", 3: "width"}, name="image")
    result = gluonx.export(net, folder, [spec], output_names=["mask"],
                           preprocessing={"layout": "NCHW", "scale": 1 / 255, "resize": "none"},
                           postprocessing={"outputs": {"mask": {"kind": "mask"}}})
    return net, folder, result


@pytest.mark.parametrize("backend", ["mxnet", "onnxruntime"])
def test_dynamic_height_and_width_take_the_picture_at_its_own_size(segmenter_export, backend):
    net, folder, result = segmenter_export
    assert result.manifest.inputs[0]["axis_names"] == {"0": "batch", "2": "height", "3": "width"}
    assert result.manifest.data["onnx"]["dynamic_axes"] == [[0, 2, 3]]
    predictor = Predictor(folder, backend=backend)
    for size in ((20, 30), (33, 17)):
        pixels = np.random.RandomState(size[0]).randint(0, 256, size + (3,)).astype("uint8")
        got = predictor.predict_image(pixels, named=True)
        want = net(mx.nd.array(pixels.transpose(2, 0, 1)[None] / 255.0)).asnumpy()
        assert got["mask"].shape == (1, 2) + size
        np.testing.assert_allclose(got["mask"], want, rtol=1e-4, atol=1e-5)


class BoxHead(nn.HybridBlock):
    """A stand-in detector: Dense layers whose bias is the answer (one box, its score and class id)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.box = nn.Dense(4, in_units=32 * 32)
            self.score = nn.Dense(1, in_units=32 * 32)
            self.class_id = nn.Dense(1, in_units=32 * 32)

    def hybrid_forward(self, F, x):
        return self.box(x).reshape((0, 1, 4)), self.score(x), self.class_id(x)


def test_a_detector_export_draws_boxes_in_the_pictures_pixels(tmp_path, capsys):
    net = BoxHead()
    net.initialize(mx.init.Zero())
    net.box.bias.set_data(mx.nd.array([8, 4, 20, 24]))
    net.score.bias.set_data(mx.nd.array([0.9]))
    net.class_id.bias.set_data(mx.nd.array([1]))
    folder = str(tmp_path / "detector")
    gluonx.export(net, folder, [np.zeros((1, 1, 32, 32), "float32")], output_names=["boxes", "scores", "ids"],
                  preprocessing={"layout": "NCHW", "scale": 1 / 255, "resize": "letterbox"},
                  postprocessing={"outputs": {"boxes": {"kind": "boxes"}, "scores": {"kind": "scores"},
                                              "ids": {"kind": "class_ids"}}})
    Image.fromarray(np.full((64, 128), 40, np.uint8)).save(str(tmp_path / "p.png"))
    code, out, err = run(capsys, "predict", folder, tmp_path / "p.png", "--json", "--save-png", tmp_path / "a.png")
    assert code == 0, err
    outputs = {o["name"]: o["values"] for o in json.loads(out)["outputs"]}
    # letterbox: scale 0.25, 8 rows of padding on top -> x (8, 20) / 0.25, y (4 - 8, 24 - 8) / 0.25 clipped
    np.testing.assert_allclose(outputs["boxes"], [[[32, 0, 80, 64]]])
    drawn = np.asarray(Image.open(str(tmp_path / "a.png")))
    assert tuple(drawn[32, 32]) == (60, 180, 75)      # the left edge, in class 1's colour
    assert tuple(drawn[32, 60]) == (40, 40, 40)       # inside the box: the picture


def test_letterboxed_boxes_and_masks_come_back_in_the_pictures_pixels():
    # picture 64 x 128 into a 32 x 32 letterbox: scale 0.25, resized 16 x 32, 8 rows of padding on top
    spec = {"shape": [1, 1, 32, 32], "dtype": "float32"}
    pixels = np.full((64, 128), 200, np.uint8)
    batch, transform = prepare_image(pixels, spec, {"layout": "NCHW", "resize": "letterbox", "scale": 1.0})
    assert transform["scale"] == [0.25, 0.25] and transform["offset"] == [8.0, 0.0]
    assert np.all(batch[0, 0, :8] == 0) and np.all(batch[0, 0, 8:24] == 200) and np.all(batch[0, 0, 24:] == 0)
    post = {"outputs": {"boxes": {"kind": "boxes", "format": "corner", "normalized": False},
                        "rel": {"kind": "boxes", "format": "center", "normalized": True},
                        "mask": {"kind": "mask"}}}
    mask = np.zeros((1, 32, 32), np.int64)
    mask[0, 8:24] = 1  # exactly the picture's area
    out = to_original({"boxes": np.array([[[8, 4, 20, 24]]], np.float32),
                       "rel": np.array([[[0.5, 0.5, 0.5, 0.25]]], np.float32), "mask": mask}, post, transform)
    # x: (8 - 0) / 0.25 = 32, (20 - 0) / 0.25 = 80; y: (4 - 8) / 0.25 = -16 -> 0, (24 - 8) / 0.25 = 64
    np.testing.assert_allclose(out["boxes"], [[[32, 0, 80, 64]]])
    # centre (16, 16) size (16, 8) of 32 x 32 -> corners (8, 12)-(24, 20) -> (32, 16)-(96, 48)
    np.testing.assert_allclose(out["rel"], [[[32, 16, 96, 48]]])
    assert out["mask"].shape == (1, 64, 128) and np.all(out["mask"] == 1)


def test_keep_aspect_and_channel_order():
    spec = {"shape": [1, 10, 10, 3], "dtype": "float32"}
    pixels = np.zeros((40, 20, 3), np.uint8)
    pixels[..., 0] = 255
    batch, transform = prepare_image(pixels, spec, {"layout": "NHWC", "resize": "keep-aspect",
                                                    "channel_order": "BGR"})
    assert batch.shape == (1, 10, 5, 3) and transform["scale"] == [0.25, 0.25]
    assert np.all(batch[..., 2] == 255) and np.all(batch[..., 0] == 0)
