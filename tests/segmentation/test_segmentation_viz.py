"""The segmentation pictures of the docs: one row per kind (image, truth, prediction / augmented epochs), one
column per sample."""
import numpy as np
import pytest

import gluonx
from gluonx_segmentation.viz import save_augmented, save_predictions

Image = pytest.importorskip("PIL.Image")
pytest.importorskip("matplotlib")


def _dataset():
    return gluonx.get_dataset("segmentation_shapes", train=False, num_images=6, image_size=32)


def test_prediction_grid_has_a_row_per_kind_and_a_column_per_sample(tmp_path):
    net = gluonx.get_model("fcn_resnet18", num_classes=4, stem="small", channels=(8, 8, 8, 8), stem_channels=8)
    net.initialize()
    with_net = save_predictions(_dataset(), str(tmp_path / "p.png"), net, indices=range(4))
    without = save_predictions(_dataset(), str(tmp_path / "q.png"), indices=range(4))
    # figsize (1.5 * columns, 1.6 * rows) inches at 110 dpi
    assert Image.open(with_net).size == (660, 528) and Image.open(without).size == (660, 352)
    assert np.asarray(Image.open(with_net)).std() > 0


def test_augmented_grid_has_the_scenes_and_one_row_per_epoch(tmp_path):
    path = save_augmented(_dataset(), str(tmp_path / "a.png"), indices=range(3), epochs=2)
    assert Image.open(path).size == (495, 528)
    with pytest.raises(ValueError, match="at least one index"):
        save_predictions(_dataset(), str(tmp_path / "x.png"), indices=[])
