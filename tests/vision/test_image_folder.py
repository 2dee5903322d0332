"""The image-folder dataset (D2L 9.12-9.13's Kaggle layout): listing, stratified split, pixels, errors."""
import os
import sys

import numpy as np
import pytest
from PIL import Image

import gluonx
from gluonx.data.image_folder import ImageFolder, stratified_split, unlabelled_images
from gluonx.data.images import DataFileError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from folders import COLOURS, write_colour_folder, write_digit_folder  # noqa: E402


def test_registered_and_split_stratified_and_deterministic(tmp_path):
    counts = write_digit_folder(str(tmp_path), [3, 5, 8], per_class=20)
    counts[5] = 7
    for extra in range(7, 20):  # an uneven class
        os.remove(str(tmp_path / "train" / "5" / "{:04d}.png".format(extra)))
    train = gluonx.get_dataset("image_folder", root=str(tmp_path), valid_fraction=0.25, image_size=28, channels=1)
    valid = gluonx.get_dataset("image_folder", root=str(tmp_path), train=False, valid_fraction=0.25, image_size=28,
                               channels=1)
    assert train.classes == valid.classes == ("3", "5", "8")
    assert train.data.shape[1:] == (1, 28, 28) and train.data.dtype == np.uint8
    assert len(train) + len(valid) == sum(counts.values())
    assert not set(train.paths) & set(valid.paths)
    for label, digit in enumerate((3, 5, 8)):
        expected = int(round(counts[digit] * 0.25))
        assert (valid.label == label).sum() == expected
        # the label is the folder the picture came from
        assert all(os.path.basename(os.path.dirname(p)) == str(digit)
                   for p, y in zip(valid.paths + train.paths, np.r_[valid.label, train.label]) if y == label)
    again = ImageFolder(str(tmp_path), train=False, valid_fraction=0.25, image_size=28, channels=1)
    assert again.paths == valid.paths
    other = ImageFolder(str(tmp_path), train=False, valid_fraction=0.25, image_size=28, channels=1, split_seed=1)
    assert other.paths != valid.paths


def test_split_against_a_plain_reference():
    labels = np.repeat([0, 1, 2], [10, 3, 1])
    train, valid = stratified_split(labels, 0.3, seed=4)
    rng = np.random.RandomState(4)
    expected = []
    for label, cut in ((0, 3), (1, 1), (2, 0)):  # round(3.0), round(0.9), a single sample stays in training
        expected.extend(rng.permutation(np.flatnonzero(labels == label))[:cut])
    assert valid.tolist() == sorted(expected)
    assert sorted(train.tolist() + valid.tolist()) == list(range(len(labels)))


def test_pixels_read_back_and_resized_as_the_predictor_resizes(tmp_path):
    truth = write_colour_folder(str(tmp_path), per_class=4, test_count=3)
    data = ImageFolder(str(tmp_path), valid_fraction=0.0, image_size=(12, 14))
    assert data.classes == tuple(sorted(COLOURS)) and data.data.shape == (12, 3, 12, 14)
    from gluonx.deploy.preprocessing import _resize, load_image
    for image, path in zip(data.data, data.paths):
        reference = _resize(load_image(path, 3), 12, 14)  # what gluonx.Predictor feeds a deployed model
        assert np.array_equal(image.transpose(1, 2, 0), reference)
    # a picture already at the size is read exactly
    exact = np.random.RandomState(0).randint(0, 256, size=(12, 14, 3)).astype(np.uint8)
    Image.fromarray(exact).save(str(tmp_path / "train" / "red" / "exact.png"))
    data = ImageFolder(str(tmp_path), valid_fraction=0.0, image_size=(12, 14))
    assert np.array_equal(data.data[data.paths.index(str(tmp_path / "train" / "red" / "exact.png"))],
                          exact.transpose(2, 0, 1))
    assert [os.path.basename(p) for p in unlabelled_images(str(tmp_path))] == sorted(
        "{}{}".format(i, ".jpg" if int(i) % 2 else ".png") for i in truth)


def test_errors_name_what_is_wrong(tmp_path):
    with pytest.raises(FileNotFoundError, match="image folder not found"):
        ImageFolder(str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="no train/ folder"):
        ImageFolder(str(tmp_path))
    (tmp_path / "train" / "cat").mkdir(parents=True)
    with pytest.raises(DataFileError, match="class folder without pictures"):
        ImageFolder(str(tmp_path))
    (tmp_path / "train" / "cat" / "1.png").write_bytes(b"not a png at all")
    with pytest.raises(DataFileError, match=r"1\.png: cannot decode the image"):
        ImageFolder(str(tmp_path))
    for bad, match in (({"valid_fraction": 1.0}, "valid_fraction"), ({"image_size": 0}, "image_size"),
                       ({"channels": 2}, "channels"), ({"split_seed": -1}, "split_seed")):
        with pytest.raises(ValueError, match=match):
            ImageFolder(str(tmp_path), **bad)
