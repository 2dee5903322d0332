"""The detection plugin's registrations: found through its entry point, lazy, and every factory resolves."""
import pytest

import gluonx
from gluonx._registry import import_object
from plugin_fixtures import modules_after_listing

KINDS = ("blocks", "metrics", "datasets")


ENTRIES = [info for kind in KINDS for info in gluonx.registry(kind).infos(plugin="detection")]


def test_the_plugin_registers_blocks_metrics_and_datasets():
    names = {info.name for info in ENTRIES}
    assert {"box_iou", "anchor_generator", "anchor_targets", "box_nms", "top_k_detections"} <= names
    assert {"voc07_map", "voc_map", "coco_map"} <= names
    assert {"detection_digits", "voc_detection", "coco_detection", "recordio_detection"} <= names


@pytest.mark.parametrize("info", ENTRIES, ids=lambda info: "{}:{}".format(info.kind, info.name))
def test_every_factory_resolves_and_names_its_book_section(info):
    assert info.task == "detection" and info.book_section.startswith("D2L 9.")
    assert callable(import_object(info.factory))


def test_listing_imports_neither_mxnet_nor_the_plugin_code():
    assert modules_after_listing("gluonx_detection") == "['gluonx_detection', 'gluonx_detection.plugin']"


def test_metrics_build_through_the_registry():
    metric = gluonx.get_metric("voc07_map")
    metric.update([[[0, 0, 9, 9]]], [[0]], [[0.9]], [[[0, 0, 9, 9]]], [[0]])
    assert metric.get()[0] == "voc07_map" and metric.get()[1] == pytest.approx(1.0)
