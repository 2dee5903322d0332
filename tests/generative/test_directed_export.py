"""The path a user runs: `gluonx train vae|dcgan` (sample grids written during training), `gluonx export RUN`
(the decoder / generator, noise as its input) and `gluonx predict EXPORT --samples N --save-png` on the symbol
and in onnxruntime, compared with the trained block in this process on the same noise."""
import json
import os

import mxnet as mx
import numpy as np
import pytest
from PIL import Image

import gluonx
from gluonx.cli import main
from gluonx.deploy import load_parameters
from gluonx.deploy.image_grid import draw_noise, image_grid

pytest.importorskip("onnxruntime")


def _latest_checkpoint(run):
    folder = os.path.join(run, "checkpoints")
    return os.path.join(folder, sorted(n for n in os.listdir(folder) if n.startswith("ckpt-"))[-1])


@pytest.mark.parametrize("model, dataset, extra, latent", [
    ("vae", "binarized_digits", [], 8),
    ("dcgan", "digits", ["--model-arg", "width=8", "--batch-size", "32"], 32),
])
def test_train_export_and_sample_a_generator(tmp_path, capsys, model, dataset, extra, latent):
    run, exported = str(tmp_path / "run"), str(tmp_path / "export")
    assert main(["train", model, "--dataset", dataset, "--epochs", "1", "--limit", "96", "--out", run,
                 "--no-progress"] + extra) == 0
    printed = capsys.readouterr().out
    grid = Image.open(os.path.join(run, "samples", "epoch_1.png"))
    assert grid.format == "PNG" and min(grid.size) > 24
    if model == "vae":
        assert "test importance-weighted log-likelihood (500 samples): -" in printed
    else:
        assert "test loss g:" in printed
    assert main(["export", run, "--out", exported, "--onnx"]) == 0
    manifest = json.load(open(os.path.join(exported, "manifest.json")))
    assert manifest["inputs"][0]["shape"] == [2, latent] and manifest["inputs"][0]["label"] == "noise"
    assert manifest["postprocessing"]["outputs"]["images"]["kind"] == "image"

    # the trained generator in this process, fed the noise `--samples 16 --seed 3` draws
    net = gluonx.get_model(model, **json.load(open(os.path.join(run, "run.json")))["settings"]["model_args"])
    net.initialize()
    load_parameters(net, os.path.join(_latest_checkpoint(run), "params.nd"))
    generator = net.decoder if model == "vae" else net.generator
    expected = generator(mx.nd.array(draw_noise((2, latent), 16, seed=3))).asnumpy()
    assert expected.shape == ((16, 1, 8, 8) if model == "vae" else (16, 1, 28, 28))
    for backend in ("mxnet", "onnxruntime"):
        png = str(tmp_path / "grid-{}.png".format(backend))
        capsys.readouterr()
        assert main(["predict", exported, "--samples", "16", "--seed", "3", "--save-png", png, "--json",
                     "--backend", backend]) == 0
        payload = json.loads(capsys.readouterr().out)
        got = np.array(payload["outputs"][0]["values"], dtype=np.float32)
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
        picture = np.asarray(Image.open(png))
        np.testing.assert_array_equal(picture[::2, ::2], image_grid(got))   # the grid, each pixel 2x2


def test_predict_samples_refuses_what_it_cannot_do(tmp_path, capsys):
    exported = str(tmp_path / "mlp")
    assert main(["export", "mlp_gan", "--out", exported]) == 0
    capsys.readouterr()
    assert main(["predict", exported, "--samples", "4"]) == 2
    assert "--samples needs a generator export" in capsys.readouterr().err
    assert main(["predict", exported]) == 2
    assert "give one input per model input" in capsys.readouterr().err


def test_image_grid_tiles_images_in_order():
    images = np.zeros((5, 1, 2, 3))
    images[1] = 1.0
    grid = image_grid(images, columns=3, padding=1)
    assert grid.shape == (2 * 3 + 1, 3 * 4 + 1) and grid.dtype == np.uint8
    assert (grid[1:3, 5:8] == 255).all() and (grid[1:3, 1:4] == 0).all()
    assert (grid[0] == 255).all()                         # padding is white
    assert (grid[4:6, 9:12] == 255).all()                 # the sixth cell is empty (white)
