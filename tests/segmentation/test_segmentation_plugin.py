"""The segmentation plugin's registrations: found through its entry point, lazy, and every factory resolves."""
import os
import subprocess
import sys

import pytest

import gluonx
from gluonx._registry import import_object

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
    env = dict(os.environ)
    env.pop("GLUONX_STRICT_PLUGINS", None)
    code = ("import sys, gluonx\n"
            "gluonx.list_models(); gluonx.list_blocks(); gluonx.list_metrics(); gluonx.list_datasets()\n"
            "import gluonx_segmentation\n"
            "print(sorted(m for m in sys.modules if m.startswith(('mxnet', 'gluonx_segmentation'))))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['gluonx_segmentation', 'gluonx_segmentation.plugin']"


def test_metrics_build_through_the_registry():
    assert gluonx.get_metric("miou").name == "miou"
    assert gluonx.get_metric("pixel_accuracy").name == "pixel_accuracy"
