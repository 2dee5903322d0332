"""The embedded digits dataset against scikit-learn and SciPy."""
import numpy as np
import pytest
from scipy import ndimage
from sklearn.datasets import load_digits

from gluonx.data.digits import Digits, digits_split
from gluonx.data.sampler import EpochBatchSampler


def test_split_is_fixed_stratified_and_disjoint():
    train, test = digits_split()
    assert len(train) + len(test) == 1797 and not set(train) & set(test)
    labels = load_digits().target
    for digit in range(10):
        share = np.mean(labels[test] == digit) / np.mean(labels == digit)
        assert share == pytest.approx(1.0, abs=0.05)
    np.testing.assert_array_equal(digits_split()[1], test)


def test_original_size_equals_scikit_learn():
    digits = load_digits()
    train, _ = digits_split()
    dataset = Digits(train=True, image_size=8)
    np.testing.assert_array_equal(dataset.data[:, 0], np.round(digits.images[train] / 16 * 255).astype(np.uint8))
    np.testing.assert_array_equal(dataset.label, digits.target[train])


def test_upsampling_is_bilinear():
    digits = load_digits()
    _, test = digits_split()
    dataset = Digits(train=False, image_size=28)
    grid = np.linspace(0, 7, 28)
    rows, cols = np.meshgrid(grid, grid, indexing="ij")
    for k in (0, 17):
        reference = ndimage.map_coordinates(digits.images[test[k]] / 16.0, [rows, cols], order=1)
        np.testing.assert_allclose(dataset.data[k, 0], np.round(reference * 255), atol=1)


def test_bad_size_is_explained():
    with pytest.raises(ValueError, match="at least 8"):
        Digits(image_size=4)


def test_sampler_order_depends_only_on_seed_and_epoch():
    sampler = EpochBatchSampler(10, 4, seed=3)
    assert len(sampler) == 3
    first = [b.tolist() for b in sampler.batches(epoch=1)]
    assert sorted(sum(first, [])) == list(range(10))
    assert [b.tolist() for b in EpochBatchSampler(10, 4, seed=3).batches(epoch=1, start=1)] == first[1:]
    assert first != [b.tolist() for b in sampler.batches(epoch=2)]
    assert len(EpochBatchSampler(10, 4, last_batch="discard")) == 2
    assert [b.tolist() for b in EpochBatchSampler(5, 2, shuffle=False).batches(0)] == [[0, 1], [2, 3], [4]]
    with pytest.raises(ValueError, match="last_batch"):
        EpochBatchSampler(5, 2, last_batch="rollover")
