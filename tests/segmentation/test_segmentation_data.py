"""Segmentation loaders on files the tests write in the real formats (Pascal VOC palette PNGs with 255 borders,
an image/mask folder), their errors, and the embedded ``segmentation_shapes`` scenes."""
import os

import numpy as np
import pytest

import gluonx
from gluonx_segmentation.data.errors import SegmentationDataError
from gluonx_segmentation.data.folder import FolderSegmentation
from gluonx_segmentation.data.palette import colorize, voc_palette
from gluonx_segmentation.data.shapes import ShapesSegmentation
from gluonx_segmentation.data.voc import VOCSegmentation

Image = pytest.importorskip("PIL.Image")

#: First colours of the VOC devkit's colour map (background, aeroplane, bicycle, bird, boat), and 255's.
DEVKIT_COLOURS = {0: (0, 0, 0), 1: (128, 0, 0), 2: (0, 128, 0), 3: (128, 128, 0), 4: (0, 0, 128),
                  15: (192, 128, 128), 255: (224, 224, 192)}


def voc_mask(rng, height, width, num_classes=21):
    """Class ids with one object per image and a 255 border around it, as in VOC's SegmentationClass."""
    mask = np.zeros((height, width), dtype=np.uint8)
    top, left = rng.randint(1, height // 2), rng.randint(1, width // 2)
    bottom, right = top + rng.randint(3, height // 2), left + rng.randint(3, width // 2)
    mask[top - 1:bottom + 1, left - 1:right + 1] = 255
    mask[top:bottom, left:right] = rng.randint(1, num_classes)
    return mask


def save_palette_png(path, mask):
    image = Image.fromarray(mask, mode="P")
    image.putpalette(voc_palette().ravel().tolist())
    image.save(path)


def write_voc(root, splits=(("train", 3), ("val", 2)), size=(24, 32)):
    rng = np.random.RandomState(0)
    written = {}
    for folder in ("JPEGImages", "SegmentationClass", os.path.join("ImageSets", "Segmentation")):
        os.makedirs(os.path.join(root, folder))
    for split, count in splits:
        ids = ["2007_{:06d}".format(len(written) + i) for i in range(count)]
        for image_id in ids:
            image = rng.randint(0, 256, size + (3,)).astype(np.uint8)
            mask = voc_mask(rng, *size)
            Image.fromarray(image).save(os.path.join(root, "JPEGImages", image_id + ".jpg"), quality=95)
            save_palette_png(os.path.join(root, "SegmentationClass", image_id + ".png"), mask)
            written[image_id] = mask
        with open(os.path.join(root, "ImageSets", "Segmentation", split + ".txt"), "w") as handle:
            handle.write("\n".join(ids) + "\n")
    return written


def test_palette_is_the_voc_devkits():
    palette = voc_palette()
    for index, colour in DEVKIT_COLOURS.items():
        assert tuple(palette[index]) == colour
    assert len({tuple(c) for c in palette}) == 256


def test_voc_split_reads_jpegs_and_palette_masks(tmp_path):
    written = write_voc(str(tmp_path))
    train, val = VOCSegmentation(str(tmp_path)), VOCSegmentation(str(tmp_path), train=False)
    assert (len(train), len(val)) == (3, 2) and train.ids[0] == "2007_000000" and len(train.classes) == 21
    for data in (train, val):
        for index, image_id in enumerate(data.ids):
            image, mask = data[index]
            reference = np.asarray(Image.open(os.path.join(str(tmp_path), "JPEGImages", image_id + ".jpg")))
            np.testing.assert_array_equal(image, reference)
            np.testing.assert_array_equal(mask, written[image_id])
            assert image.dtype == np.uint8 and mask.dtype == np.uint8 and 255 in mask
    assert len(gluonx.get_dataset("voc_segmentation", root=str(tmp_path), train=False)) == 2


def rewrite_mask(root, image_id, array, mode=None, fmt="PNG"):
    path = os.path.join(root, "SegmentationClass", image_id + ".png")
    Image.fromarray(array, mode=mode).save(path, format=fmt)
    return path


@pytest.mark.parametrize("case, message", [
    ("size", "mask is 31x24 but its image is 32x24"),
    ("unknown", r"unknown class values \[30\]"),
    ("jpeg", "a mask must be a PNG file"),
    ("rgb", "must be a palette \\(P\\) or grayscale \\(L\\) PNG"),
])
def test_malformed_voc_masks_get_one_clear_error_naming_the_file(tmp_path, case, message):
    root = str(tmp_path)
    written = write_voc(root)
    image_id = sorted(written)[1]
    mask = written[image_id].copy()
    if case == "size":
        path = rewrite_mask(root, image_id, mask[:, :-1], mode="L")
    elif case == "unknown":
        mask[0, 0] = 30
        path = rewrite_mask(root, image_id, mask, mode="L")
    elif case == "jpeg":
        path = rewrite_mask(root, image_id, np.stack([mask] * 3, -1), fmt="JPEG")
    else:
        path = rewrite_mask(root, image_id, np.stack([mask] * 3, -1), mode="RGB")
    data = VOCSegmentation(root)
    with pytest.raises(SegmentationDataError) as err:
        data[1]
    text = str(err.value)
    assert text.startswith(path + ": ") and "\n" not in text
    assert __import__("re").search(message, text), text


def test_missing_voc_files_name_the_path(tmp_path):
    root = str(tmp_path)
    written = write_voc(root)
    os.remove(os.path.join(root, "SegmentationClass", sorted(written)[0] + ".png"))
    with pytest.raises(FileNotFoundError, match="SegmentationClass/2007_000000.png: mask listed in"):
        VOCSegmentation(root)
    with pytest.raises(FileNotFoundError, match="ImageSets/Segmentation/test.txt: split list not found"):
        VOCSegmentation(root, split="test")


def write_folder(root, split, count, num_classes=3, classes=True, size=(20, 28)):
    rng = np.random.RandomState(len(split))
    os.makedirs(os.path.join(root, split, "images"))
    os.makedirs(os.path.join(root, split, "masks"))
    if classes:
        with open(os.path.join(root, "classes.txt"), "w") as handle:
            handle.write("\n".join("class{}".format(i) for i in range(num_classes)) + "\n")
    masks = {}
    for i in range(count):
        name = "scene{}".format(i)
        image = rng.randint(0, 256, size + (3,)).astype(np.uint8)
        Image.fromarray(image).save(os.path.join(root, split, "images", name + ".png"))
        mask = voc_mask(rng, *size, num_classes=num_classes)
        Image.fromarray(mask, mode="L").save(os.path.join(root, split, "masks", name + ".png"))
        masks[name] = (image, mask)
    return masks


def test_folder_format_reads_images_and_grayscale_masks(tmp_path):
    root = str(tmp_path)
    written = write_folder(root, "train", 3)
    write_folder(root, "val", 2, classes=False)
    data = FolderSegmentation(root)
    assert data.classes == ("class0", "class1", "class2") and len(data) == 3
    for index, name in enumerate(data.names):
        image, mask = data[index]
        np.testing.assert_array_equal(image, written[name][0])  # PNG images are lossless
        np.testing.assert_array_equal(mask, written[name][1])
    assert len(gluonx.get_dataset("folder_segmentation", root=root, train=False)) == 2


def test_folder_infers_the_class_count_from_the_masks(tmp_path):
    written = write_folder(str(tmp_path), "train", 4, num_classes=6, classes=False)
    largest = max(int(m[m != 255].max()) for _, m in written.values())
    assert FolderSegmentation(str(tmp_path)).num_classes == largest + 1


def test_folder_errors_name_the_file(tmp_path):
    root = str(tmp_path)
    write_folder(root, "train", 2)
    os.remove(os.path.join(root, "train", "masks", "scene1.png"))
    with pytest.raises(SegmentationDataError, match=r"scene1.png: no mask scene1.png in .*masks"):
        FolderSegmentation(root)
    with pytest.raises(FileNotFoundError, match="val/images: folder not found"):
        FolderSegmentation(root, train=False)


def test_shapes_are_deterministic_and_the_splits_differ():
    first, again = ShapesSegmentation(train=False, num_images=6), ShapesSegmentation(train=False, num_images=6)
    other_seed, train = ShapesSegmentation(train=False, num_images=6, seed=1), ShapesSegmentation(num_images=6)
    for index in range(6):
        image, mask = first[index]
        assert image.shape == (64, 64, 3) and mask.shape == (64, 64) and image.dtype == mask.dtype == np.uint8
        np.testing.assert_array_equal(image, again[index][0])
        np.testing.assert_array_equal(mask, again[index][1])
    assert any(not np.array_equal(first[i][1], other_seed[i][1]) for i in range(6))
    assert any(not np.array_equal(first[i][1], train[i][1]) for i in range(6))


def test_shapes_have_every_class_and_non_convex_stars():
    data = gluonx.get_dataset("segmentation_shapes", train=True, num_images=40)
    masks = np.stack([data[i][1] for i in range(len(data))])
    counts = np.bincount(masks.ravel(), minlength=256)
    assert set(np.flatnonzero(counts)) == {0, 1, 2, 3} and counts[1:4].min() > 0.02 * masks.size
    # a star fills clearly less than its bounding polygon (convex hull) would
    scipy_spatial = pytest.importorskip("scipy.spatial")
    fills = []
    for mask in masks:
        if (mask == 3).sum() > 80 and len(np.unique(mask)) == 2:
            points = np.argwhere(mask == 3)
            fills.append((mask == 3).sum() / scipy_spatial.ConvexHull(points).volume)
    assert fills and max(fills) < 0.85, fills


def test_colorize_draws_voc_colours_and_overlays():
    mask = np.array([[0, 1], [15, 255]])
    np.testing.assert_array_equal(colorize(mask)[1, 0], DEVKIT_COLOURS[15])
    image = np.full((2, 2, 3), 100, dtype=np.uint8)
    overlay = colorize(mask, image, alpha=0.5)
    np.testing.assert_array_equal(overlay[0, 0], [100, 100, 100])
    np.testing.assert_array_equal(overlay[0, 1], [114, 50, 50])


def test_an_undecodable_voc_image_names_the_file(tmp_path):
    from gluonx.data.images import DataFileError
    root = str(tmp_path)
    written = write_voc(root)
    path = os.path.join(root, "JPEGImages", sorted(written)[0] + ".jpg")
    with open(path, "wb") as handle:
        handle.write(b"not a jpeg")
    with pytest.raises(DataFileError, match="^" + path + ": cannot decode the image"):
        VOCSegmentation(root)[0]
