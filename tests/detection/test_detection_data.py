"""Detection loaders on small files written in the real formats, malformed files, and the embedded set."""
import io
import json
import os

import mxnet as mx
import numpy as np
import pytest
from PIL import Image

import gluonx
from gluonx_detection.data.coco import COCODetection
from gluonx_detection.data.digits_scenes import DigitsDetection
from gluonx_detection.data.errors import DetectionDataError
from gluonx_detection.data.recordio import ListDetection, RecordIODetection
from gluonx_detection.data.voc import VOCDetection

def _image(height, width, seed=0):
    return np.random.RandomState(seed).randint(0, 256, size=(height, width, 3)).astype(np.uint8)


def _png_bytes(image):
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


# ---------------------------------------------------------------- Pascal VOC
VOC_XML = """<annotation>
  <folder>VOC2007</folder><filename>{id}.jpg</filename>
  <size><width>{w}</width><height>{h}</height><depth>3</depth></size>
  {objects}
</annotation>"""
VOC_OBJECT = """<object><name>{name}</name><pose>Left</pose><truncated>0</truncated><difficult>{difficult}</difficult>
    <bndbox><xmin>{box[0]}</xmin><ymin>{box[1]}</ymin><xmax>{box[2]}</xmax><ymax>{box[3]}</ymax></bndbox></object>"""


def write_voc(root, items, split="trainval", image_format="JPEG"):
    """``items``: (id, image, [(name, (xmin, ymin, xmax, ymax) 1-based, difficult), ...])."""
    for sub in ("Annotations", "JPEGImages", os.path.join("ImageSets", "Main")):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    for image_id, image, objects in items:
        if image is not None:
            Image.fromarray(image).save(os.path.join(root, "JPEGImages", image_id + ".jpg"), format=image_format)
        xml = VOC_XML.format(id=image_id, w=image.shape[1] if image is not None else 64,
                             h=image.shape[0] if image is not None else 48,
                             objects="".join(VOC_OBJECT.format(name=n, box=b, difficult=d) for n, b, d in objects))
        with open(os.path.join(root, "Annotations", image_id + ".xml"), "w") as handle:
            handle.write(xml)
    with open(os.path.join(root, "ImageSets", "Main", split + ".txt"), "w") as handle:
        handle.write("".join(i + "\n" for i, _, _ in items))
    return str(root)


def test_voc_folder_reads_images_boxes_classes_and_difficult(tmp_path):
    images = [_image(48, 64, 1), _image(30, 40, 2)]
    root = write_voc(tmp_path, [("000001", images[0], [("dog", (5, 6, 30, 40), 0), ("person", (1, 1, 64, 48), 1)]),
                                ("000002", images[1], [("cat", (10, 10, 20, 25), 0)])], image_format="PNG")
    data = VOCDetection(root, split="trainval")
    assert len(data) == 2
    image, label = data[0]
    np.testing.assert_array_equal(image, images[0])
    classes = VOCDetection(root).classes
    np.testing.assert_array_equal(label, [[classes.index("dog"), 4, 5, 29, 39, 0],
                                          [classes.index("person"), 0, 0, 63, 47, 1]])
    assert VOCDetection(root, skip_difficult=True).label(0).shape == (1, 6)
    custom = VOCDetection(root, classes=("cat", "dog", "person"))
    assert custom[1][1][0, 0] == 0 and custom.label(0)[0, 0] == 1


def test_voc_is_reachable_through_the_dataset_registry(tmp_path):
    root = write_voc(tmp_path, [("a", _image(20, 20), [("cat", (2, 2, 10, 10), 0)])])
    data = gluonx.get_dataset("voc_detection", root=root, split="trainval")
    assert data.label(0)[0, 1:5].tolist() == [1, 1, 9, 9]


@pytest.mark.parametrize("problem,match", [
    ("bad_xml", r"a\.xml: bad XML"),
    ("outside", r"a\.xml: object 0 \(cat\) box .* outside the 20x20 image"),
    ("unknown_class", r"a\.xml: object 0 has unknown class 'unicorn'"),
    ("missing_image", r"a\.jpg: image of .*a\.xml not found"),
    ("missing_annotation", r"a\.xml: annotation not found"),
    ("wrong_size", r"a\.jpg: image is 20x20 but .*a\.xml says 30x20"),
])
def test_malformed_voc_files_name_the_file(tmp_path, problem, match):
    name, box = ("unicorn" if problem == "unknown_class" else "cat"), ((2, 2, 25, 10) if problem == "outside"
                                                                      else (2, 2, 10, 10))
    root = write_voc(tmp_path, [("a", _image(20, 20), [(name, box, 0)])])
    xml = os.path.join(root, "Annotations", "a.xml")
    if problem == "bad_xml":
        with open(xml, "a") as handle:
            handle.write("<unclosed>")
    elif problem == "missing_image":
        os.remove(os.path.join(root, "JPEGImages", "a.jpg"))
    elif problem == "missing_annotation":
        os.remove(xml)
    elif problem == "wrong_size":
        with open(xml) as handle:
            text = handle.read().replace("<width>20</width>", "<width>30</width>")
        with open(xml, "w") as handle:
            handle.write(text)
    with pytest.raises((DetectionDataError, FileNotFoundError), match=match) as info:
        data = VOCDetection(root)
        data[0]
    assert "\n" not in str(info.value)


def test_missing_voc_split_names_the_list(tmp_path):
    root = write_voc(tmp_path, [("a", _image(20, 20), [("cat", (2, 2, 10, 10), 0)])])
    with pytest.raises(FileNotFoundError, match=r"ImageSets/Main/test\.txt: image list not found"):
        VOCDetection(root, split="test")


# ---------------------------------------------------------------- COCO JSON
def write_coco(tmp_path, annotations=None, images=None):
    image_dir = tmp_path / "images"
    image_dir.mkdir(exist_ok=True)
    pictures = {1: _image(40, 50, 1), 2: _image(30, 30, 2), 3: _image(20, 20, 3)}
    for image_id, picture in pictures.items():
        Image.fromarray(picture).save(str(image_dir / "{}.png".format(image_id)))
    data = {
        "images": images or [{"id": i, "file_name": "{}.png".format(i), "width": p.shape[1], "height": p.shape[0]}
                             for i, p in pictures.items()],
        "annotations": annotations if annotations is not None else [
            {"id": 1, "image_id": 1, "category_id": 18, "bbox": [5, 6, 20, 10], "area": 200, "iscrowd": 0},
            {"id": 2, "image_id": 1, "category_id": 3, "bbox": [0, 0, 50, 40], "area": 2000, "iscrowd": 1},
            {"id": 3, "image_id": 2, "category_id": 3, "bbox": [1.5, 2.5, 10, 12], "area": 120, "iscrowd": 0}],
        "categories": [{"id": 3, "name": "car"}, {"id": 18, "name": "dog"}],
    }
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(data))
    return str(path), str(image_dir), pictures


def test_coco_file_reads_images_boxes_and_maps_categories(tmp_path):
    path, image_dir, pictures = write_coco(tmp_path)
    data = COCODetection(path, image_dir)
    assert data.classes == ("car", "dog") and data.category_ids == (3, 18)
    assert len(data) == 3 and data.image_ids == [1, 2, 3]
    image, label = data[0]
    np.testing.assert_array_equal(image, pictures[1])
    np.testing.assert_allclose(label, [[1, 5, 6, 25, 16, 0], [0, 0, 0, 50, 40, 1]])
    np.testing.assert_allclose(data.label(1), [[0, 1.5, 2.5, 11.5, 14.5, 0]])
    assert data.label(2).shape == (0, 6)
    assert len(COCODetection(path, image_dir, skip_empty=True)) == 2
    assert COCODetection(path, image_dir, skip_crowd=True).label(0).shape == (1, 6)


@pytest.mark.parametrize("annotations,match", [
    ([{"id": 7, "image_id": 1, "category_id": 3, "bbox": [40, 0, 20, 10]}], r"annotation 7 .* outside the 50x40"),
    ([{"id": 8, "image_id": 9, "category_id": 3, "bbox": [0, 0, 2, 2]}], r"annotation 8 names unknown image_id 9"),
    ([{"id": 9, "image_id": 1, "category_id": 4, "bbox": [0, 0, 2, 2]}], r"annotation 9 names unknown category_id"),
    ([{"id": 10, "image_id": 1, "category_id": 3, "bbox": [0, 0, 2]}], r"annotation 10 bbox must be \[x, y, w, h\]"),
])
def test_malformed_coco_annotations_name_the_file(tmp_path, annotations, match):
    path, image_dir, _ = write_coco(tmp_path, annotations=annotations)
    with pytest.raises(DetectionDataError, match=r"instances\.json: " + match):
        COCODetection(path, image_dir)


def test_bad_coco_json_and_missing_image_name_the_file(tmp_path):
    path, image_dir, _ = write_coco(tmp_path)
    os.remove(os.path.join(image_dir, "2.png"))
    with pytest.raises(FileNotFoundError, match=r"2\.png: image 2 of .*instances\.json not found"):
        COCODetection(path, image_dir)
    (tmp_path / "broken.json").write_text("{\"images\": [")
    with pytest.raises(DetectionDataError, match=r"broken\.json: bad JSON"):
        COCODetection(str(tmp_path / "broken.json"), image_dir)
    (tmp_path / "other.json").write_text("{\"images\": []}")
    with pytest.raises(DetectionDataError, match=r"other\.json: not a COCO instances file \(missing annotations"):
        COCODetection(str(tmp_path / "other.json"), image_dir)


# ---------------------------------------------------------------- RecordIO .rec / .lst
def _flat_label(objects, header=2, width=5, extra=()):
    values = [header, width] + list(extra)
    for obj in objects:
        values.extend(list(obj) + [0] * (width - 5))
    return np.array(values, dtype=np.float32)


def write_rec(tmp_path, records):
    rec, idx = str(tmp_path / "data.rec"), str(tmp_path / "data.idx")
    writer = mx.recordio.MXIndexedRecordIO(idx, rec, "w")
    for key, (image, label) in enumerate(records):
        payload = _png_bytes(image) if image is not None else b"not an image"
        writer.write_idx(key, mx.recordio.pack(mx.recordio.IRHeader(0, label, key, 0), payload))
    writer.close()
    return rec


def test_rec_file_reads_images_and_pixel_boxes(tmp_path):
    images = [_image(32, 64, 1), _image(16, 16, 2)]
    # The book's banana labels: header [A=2, B=5], one object (class, normalized corners); the second record
    # has a longer header (A=4) and wider objects (B=6), as im2rec allows.
    records = [(images[0], _flat_label([(0, 0.25, 0.5, 0.75, 1.0)])),
               (images[1], _flat_label([(1, 0, 0, 0.5, 0.5), (2, 0.5, 0.25, 1, 1)], header=4, width=6,
                                       extra=(16, 16)))]
    data = RecordIODetection(write_rec(tmp_path, records))
    assert len(data) == 2
    image, label = data[0]
    np.testing.assert_array_equal(image, images[0])
    np.testing.assert_allclose(label, [[0, 16, 16, 48, 32, 0]])
    np.testing.assert_allclose(data[1][1], [[1, 0, 0, 8, 8, 0], [2, 8, 4, 16, 16, 0]])
    assert gluonx.get_dataset("recordio_detection", rec_path=str(tmp_path / "data.rec"))[0][1].shape == (1, 6)


@pytest.mark.parametrize("label,image,match", [
    (_flat_label([(0, 0.5, 0.5, 1.2, 0.9)]), True, r"record 0 object 0 box .* outside \[0, 1\]"),
    (np.array([2, 5, 0, 0.1, 0.1, 0.2], np.float32), True, r"record 0 label of length 6 does not fit"),
    (_flat_label([(0, 0.1, 0.1, 0.2, 0.2)]), False, r"record 0 holds no decodable image"),
])
def test_malformed_records_name_the_file(tmp_path, label, image, match):
    rec = write_rec(tmp_path, [(_image(8, 8) if image else None, label)])
    with pytest.raises(DetectionDataError, match=r"data\.rec: " + match):
        RecordIODetection(rec)[0]


def test_missing_index_names_the_file(tmp_path):
    rec = write_rec(tmp_path, [(_image(8, 8), _flat_label([(0, 0.1, 0.1, 0.2, 0.2)]))])
    os.remove(str(tmp_path / "data.idx"))
    with pytest.raises(FileNotFoundError, match=r"data\.idx: record index not found"):
        RecordIODetection(rec)


def write_lst(tmp_path, lines):
    image_dir = tmp_path / "imgs"
    image_dir.mkdir(exist_ok=True)
    Image.fromarray(_image(20, 40)).save(str(image_dir / "a.png"))
    path = tmp_path / "data.lst"
    path.write_text("".join(lines))
    return str(path), str(image_dir)


def test_lst_file_reads_like_im2rec_writes_it(tmp_path):
    path, image_dir = write_lst(tmp_path, ["0\t2\t5\t1\t0.25\t0.5\t0.75\t1.0\ta.png\n", "\n",
                                           "1\t2\t5\ta.png\n"])
    data = ListDetection(path, image_dir)
    assert len(data) == 2
    image, label = data[0]
    assert image.shape == (20, 40, 3)
    np.testing.assert_allclose(label, [[1, 10, 10, 30, 20, 0]])
    assert data[1][1].shape == (0, 6)


@pytest.mark.parametrize("line,match", [
    ("0\t2\t5\t1\t0.25\t0.5\t0.75\ta.png\n", r"line 1 label of length 6 does not fit"),
    ("0\t2\t5\t1\tx\t0.5\t0.75\t1\ta.png\n", r"line 1 has a non-numeric label value"),
    ("0\ta.png\n", r"line 1 needs 'index<TAB>A<TAB>B"),
    ("0\t2\t5\t1\t0.1\t0.1\t0.2\t0.2\tmissing.png\n", r"missing\.png: image of .*data\.lst line 1 not found"),
])
def test_malformed_lst_lines_name_the_file(tmp_path, line, match):
    path, image_dir = write_lst(tmp_path, [line])
    with pytest.raises((DetectionDataError, FileNotFoundError), match=match):
        ListDetection(path, image_dir)


# ---------------------------------------------------------------- the embedded set
def test_embedded_scenes_are_deterministic_varied_and_well_formed():
    data = DigitsDetection(train=True, num_images=40)
    again = DigitsDetection(train=True, num_images=40)
    other_seed = DigitsDetection(train=True, num_images=40, seed=1)
    test_split = DigitsDetection(train=False, num_images=40)
    counts, classes = [], []
    for i in range(40):
        image, label = data[i]
        np.testing.assert_array_equal(image, again[i][0])
        np.testing.assert_array_equal(label, again[i][1])
        assert image.shape == (128, 128, 3) and image.dtype == np.uint8
        assert label.dtype == np.float32 and label.shape[1] == 6
        assert np.all(label[:, 1:3] >= 0) and np.all(label[:, 3:5] <= 128)
        assert np.all(label[:, 3] > label[:, 1]) and np.all(label[:, 4] > label[:, 2])
        counts.append(len(label))
        classes.extend(label[:, 0].astype(int))
    assert min(counts) >= 1 and max(counts) == 4 and np.mean(counts) > 2
    assert set(classes) == {0, 1, 2}
    assert not np.array_equal(data[0][0], other_seed[0][0])
    assert not np.array_equal(data[0][0], test_split[0][0])
    assert len({data[i][0].mean().round(1) for i in range(40)}) > 20, "backgrounds vary"


def test_embedded_boxes_hold_the_ink():
    data = DigitsDetection(train=False, num_images=10)
    for i in range(10):
        image, label = data[i]
        for row in label:
            x0, y0, x1, y1 = row[1:5].astype(int)
            patch = image[y0:y1, x0:x1].astype(float)
            # Ink contrasts with the background: a box holds far more spread than its background ring.
            assert patch.std() > 20


def test_embedded_set_is_registered_and_its_arguments_checked():
    info = gluonx.get_dataset_info("detection_digits")
    assert info.embedded and info.num_classes == 3 and info.task == "detection"
    data = gluonx.get_dataset("detection_digits", train=False, num_images=3)
    assert len(data) == 3 and data.classes == ("0", "1", "4")
    with pytest.raises(IndexError, match="out of range"):
        data[3]
    for bad in [dict(digits=(1, 1)), dict(digits=(12,)), dict(image_size=8), dict(max_objects=0)]:
        with pytest.raises(ValueError, match="digits|image_size|max_objects"):
            DigitsDetection(**bad)


def test_sample_picture_is_written(tmp_path):
    from gluonx_detection.viz import save_samples
    path = save_samples(DigitsDetection(train=False, num_images=4), str(tmp_path / "samples.png"), indices=range(4),
                        columns=2)
    with Image.open(path) as picture:
        assert picture.format == "PNG" and picture.size[0] > 200
