"""The segmentation plugin's registrations: found through its entry point, lazy, and every factory resolves."""
import subprocess
import sys

import pytest

import gluonx
from gluonx._registry import import_object
from plugin_fixtures import modules_after_listing

KINDS = ("models", "blocks", "metrics", "datasets", "tasks")
ENTRIES = [info for kind in KINDS for info in gluonx.registry(kind).infos(plugin="segmentation")]


def test_the_plugin_registers_its_entries():
    names = {info.name for info in ENTRIES}
    assert {"fcn_resnet18", "bilinear_upsampling", "miou", "pixel_accuracy", "segmentation_shapes",
            "voc_segmentation", "folder_segmentation", "segmentation"} <= names


@pytest.mark.parametrize("info", ENTRIES, ids=lambda info: "{}:{}".format(info.kind, info.name))
def test_every_factory_resolves_and_names_its_book_section(info):
    assert info.book_section.startswith("D2L 9.")
    assert info.kind == "task" or info.task == "segmentation"
    assert callable(import_object(info.factory))


def test_gluonx_plugins_lists_it_and_listing_imports_neither_mxnet_nor_the_plugin_code():
    listing = subprocess.run([sys.executable, "-m", "gluonx", "plugins"], capture_output=True, text=True,
                             timeout=120)
    assert listing.returncode == 0, listing.stderr
    assert any(line.split()[:1] == ["segmentation"] for line in listing.stdout.splitlines()), listing.stdout
    assert modules_after_listing("gluonx_segmentation") == "['gluonx_segmentation', 'gluonx_segmentation.plugin']"


def test_metrics_build_through_the_registry():
    assert gluonx.get_metric("miou").name == "miou"
    assert gluonx.get_metric("pixel_accuracy").name == "pixel_accuracy"
