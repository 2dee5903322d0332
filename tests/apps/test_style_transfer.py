"""Neural style transfer (D2L 9.11) through gluonx.Trainer and ``gluonx style-transfer``, on tiny images."""
import mxnet as mx
import numpy as np
import pytest
from PIL import Image

from gluonx.apps.style_transfer import (RGB_MEAN, RGB_STD, StyleTransferStep, postprocess, preprocess, stylize,
                                        working_size)
from gluonx.cli import main
from gluonx.train import EventHandler

#: A VGG-11 16x narrower than the book's: a step takes milliseconds on 24x32 images.
TINY = {"backbone": "vgg11", "backbone_args": {"width_divisor": 16, "hidden_units": 8}}


def images(seed=0):
    rng = np.random.RandomState(seed)
    yy, xx = np.mgrid[:24, :32]
    content = np.stack([xx * 8, yy * 10, 255 - xx * 8], axis=-1).astype("uint8")  # smooth gradients
    style = rng.randint(0, 256, (20, 20, 3)).astype("uint8")  # noise: a very different style
    return content, style


class ImageRange(EventHandler):
    """Records the synthesized image's per-channel minimum and maximum after every step (test only)."""

    def __init__(self):
        self.lows, self.highs = [], []

    def batch_end(self, trainer):
        data = trainer.net.weight.data().asnumpy()
        self.lows.append(data.min(axis=(0, 2, 3)))
        self.highs.append(data.max(axis=(0, 2, 3)))


def test_preprocess_and_postprocess_are_inverse():
    content, _ = images()
    x = preprocess(content)
    assert x.shape == (1, 3, 24, 32)
    np.testing.assert_allclose(x.asnumpy()[0, :, 3, 5], (content[3, 5] / 255.0 - RGB_MEAN) / RGB_STD, rtol=1e-6)
    np.testing.assert_array_equal(postprocess(x), content)


def test_working_size_keeps_the_aspect_and_never_enlarges():
    assert working_size(24, 32, 256) == (24, 32)
    assert working_size(24, 32, 16) == (12, 16)
    assert working_size(300, 450, 225) == (150, 225)


def test_steps_decrease_the_total_loss_and_the_style_loss():
    content, style = images()
    result = stylize(content, style, steps=30, seed=0, **TINY)
    losses = [row["loss"] for row in result.history]
    assert len(losses) == 30
    assert losses[-1] < 0.5 * losses[0]
    assert result.history[-1]["style"] < result.history[0]["style"]
    # it started from the content image, whose own style loss is the reference
    assert result.final["style"] < result.final["content_image_style"]
    assert result.final["style_ratio"] == pytest.approx(result.final["style"] / result.final["content_image_style"])


def test_one_step_lowers_the_loss_it_computes():
    """The step, run directly on a trainer, against the same losses evaluated before and after."""
    import gluonx
    from gluonx.apps.style_transfer import SynthesizedImage
    from gluonx.losses import gram_matrix
    from gluonx.models.feature_extractor import FeatureExtractor
    content, style = images()
    mx.random.seed(0)
    net = gluonx.get_model("vgg11", width_divisor=16, hidden_units=8, in_channels=3)
    net.initialize(mx.init.Xavier())
    extractor = FeatureExtractor(net, [0, 3, 6])
    cx, sx = preprocess(content), preprocess(style[:24, :20].repeat(2, axis=1)[:, :32])
    step = StyleTransferStep(extractor, 2, [extractor(cx)[2]], [gram_matrix(mx.nd, y) for y in extractor(sx)[:2]])
    image = SynthesizedImage(cx.shape)
    image.initialize(mx.init.Constant(cx))
    trainer = gluonx.Trainer(image, optimizer="sgd", optimizer_params={"learning_rate": 0.01}, step=step,
                             hybridize=False)
    before = sum(v.asscalar() for v in step.losses(image()))
    trainer.train_batch(mx.nd.zeros((1,)))
    after = sum(v.asscalar() for v in step.losses(image()))
    assert after < before


def test_image_stays_in_the_valid_range_after_clipping():
    content, style = images()
    record = ImageRange()
    result = stylize(content, style, steps=8, lr=5.0, seed=0, event_handlers=[record], **TINY)
    low, high = (0 - RGB_MEAN) / RGB_STD, (1 - RGB_MEAN) / RGB_STD
    assert len(record.lows) == 8
    for lows, highs in zip(record.lows, record.highs):
        assert np.all(lows >= low - 1e-6) and np.all(highs <= high + 1e-6)
    # a learning rate this large pushes pixels to the bounds: the clipping did something
    assert np.isclose(np.min(record.lows), low.min(), atol=1e-5) or np.any(np.isclose(record.highs[-1], high))
    assert result.image.dtype == np.uint8


def test_same_seed_same_image_other_seed_other_image():
    content, style = images()
    a = stylize(content, style, steps=4, seed=3, **TINY).image
    b = stylize(content, style, steps=4, seed=3, **TINY).image
    c = stylize(content, style, steps=4, seed=4, **TINY).image
    np.testing.assert_array_equal(a, b)
    assert np.any(a != c)  # random features differ with the seed


@pytest.mark.parametrize("bad, message", [
    ({"steps": 0}, "steps must be positive"),
    ({"style_weight": -1}, "style_weight must be zero or more"),
    ({"content": np.zeros((8, 8), "uint8")}, "content image: expected an (H, W, 3) uint8"),
])
def test_bad_arguments_are_one_line(bad, message):
    content, style = images()
    kwargs = dict(TINY, content=content, style=style, steps=1)
    kwargs.update(bad)
    with pytest.raises(ValueError) as err:
        stylize(**kwargs)
    assert message in str(err.value) and "\n" not in str(err.value)


# -- the command line ---------------------------------------------------------------------------------------
@pytest.fixture
def files(tmp_path):
    content, style = images()
    Image.fromarray(content).save(tmp_path / "content.png")
    Image.fromarray(style).save(tmp_path / "style.jpg")
    (tmp_path / "broken.png").write_bytes(b"not an image")
    return tmp_path


TINY_ARGS = ["--model-arg", "width_divisor=16", "--model-arg", "hidden_units=8", "--steps", "3", "--quiet"]


def test_cli_end_to_end_writes_a_png_of_the_contents_size(files, run_gluonx):
    """The console entry point in a fresh process, as a user runs it."""
    out = files / "result.png"
    done = run_gluonx("style-transfer", str(files / "content.png"), str(files / "style.jpg"), "--out", str(out),
                      "--summary", str(files / "summary.json"), *TINY_ARGS)
    assert done.returncode == 0, done.stderr
    with Image.open(out) as image:
        assert image.format == "PNG" and image.size == (32, 24) and image.mode == "RGB"
    assert "wrote" in done.stdout and "style" in done.stdout
    import json
    summary = json.loads((files / "summary.json").read_text())
    assert len(summary["history"]) == 3 and summary["final"]["style_ratio"] > 0
    assert sorted(p.name for p in files.iterdir()) == ["broken.png", "content.png", "result.png", "style.jpg",
                                                       "summary.json"]  # no temporary left behind


def test_cli_writes_the_requested_size(files):
    out = files / "small.png"
    assert main(["style-transfer", str(files / "content.png"), str(files / "style.jpg"), "--out", str(out),
                 "--size", "16", *TINY_ARGS]) == 0
    with Image.open(out) as image:
        assert image.size == (16, 12)


def test_cli_is_deterministic_under_seed(files):
    outputs = []
    for name, seed in (("a.png", "5"), ("b.png", "5"), ("c.png", "6")):
        assert main(["style-transfer", str(files / "content.png"), str(files / "style.jpg"),
                     "--out", str(files / name), "--seed", seed, *TINY_ARGS]) == 0
        outputs.append((files / name).read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0] != outputs[2]


@pytest.mark.parametrize("args, message", [
    (["content.png", "missing.png"], "missing.png: image not found"),
    (["content.png", "broken.png"], "broken.png: cannot decode the image"),
    (["content.png", "style.jpg", "--steps", "0"], "argument --steps: expected a value that is positive"),
    (["content.png", "style.jpg", "--size", "-3"], "argument --size"),
    (["content.png", "style.jpg", "--tv-weight", "nan"], "argument --tv-weight"),
    (["content.png", "style.jpg", "--out", "result.jpg"], "--out must name a .png file"),
    (["content.png", "style.jpg", "--out", "nowhere/result.png"], "does not exist"),
    (["content.png", "style.jpg", "--backbone", "vgg111"], "unknown model 'vgg111'"),
    (["content.png", "style.jpg", "--weights", "content.png"], "not an MXNet parameter file"),
    (["content.png", "style.jpg", "--weights", "absent.params"], "absent.params: weights file not found"),
    (["content.png", "style.jpg", "--style-layers", "0,,3"], "argument --style-layers"),
    (["content.png", "style.jpg", "--content-layers", "99"], "feature layer 99 is not one of"),
    (["content.png", "style.jpg", "--content-layers", "features.6"], "dropout"),
    (["content.png", "style.jpg", "--size", "8", "--content-layers", "features.4.0"], "too small for feature layer"),
])
def test_cli_bad_input_is_one_line_and_exit_2(files, capsys, args, message):
    def where(arg):
        return str(files / arg) if arg.endswith((".png", ".jpg", ".params")) else arg
    argv = ["style-transfer"] + [where(a) for a in args]
    if "--out" not in args:
        argv += ["--out", str(files / "result.png")]
    try:
        code = main(argv + TINY_ARGS)
    except SystemExit as err:  # argparse's own errors exit from the parser
        code = err.code
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gluonx style-transfer: error:") and message in lines[0], lines
    assert not (files / "result.png").exists()
