"""The core's box-aware augmentation on the plugin's embedded scenes, and the plugin's re-exported file errors."""
import numpy as np

from gluonx.data.images import DataFileError, read_image
from gluonx.data.transforms import (AugmentedDataset, detection_augmentation, detection_to_sample, sample_rng,
                                    sample_to_detection)
from gluonx_detection.data import DigitsDetection
from gluonx_detection.data import errors


def test_plugin_reexports_the_core_file_errors():
    assert errors.DetectionDataError is DataFileError and errors.read_image is read_image


def test_augmented_scenes_keep_valid_boxes_of_known_classes():
    scenes = DigitsDetection(train=True, num_images=16, image_size=64)
    data = AugmentedDataset(scenes, detection_augmentation(64), seed=1, to_sample=detection_to_sample,
                            from_sample=sample_to_detection)
    changed = 0
    for index in range(len(data)):
        image, label = data[index]
        original = scenes[index][1]
        assert image.shape == (64, 64, 3) and image.dtype == np.uint8
        assert label.shape[1] == 6 and len(label) <= len(original)
        assert np.all(label[:, 1:5] >= 0) and np.all(label[:, 1:5] <= 64)
        assert np.all(label[:, 3] > label[:, 1]) and np.all(label[:, 4] > label[:, 2])
        assert set(label[:, 0]) <= set(original[:, 0])
        changed += not np.array_equal(label, original)
    assert changed >= 8
    image, label = sample_to_detection(detection_augmentation(64)(detection_to_sample(*scenes[0]), sample_rng(1, 0, 0)))
    np.testing.assert_array_equal(image, data[0][0])
