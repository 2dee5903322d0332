"""docs/export_support.md is generated from the registries and stays in sync with their claims."""
import importlib.util
import os

import pytest

import gluonx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def tool():
    path = os.path.join(ROOT, "tools", "export_support.py")
    spec = importlib.util.spec_from_file_location("export_support_tool", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_page_is_in_sync_with_the_registries(tool):
    with open(os.path.join(ROOT, "docs", "export_support.md"), encoding="utf-8") as handle:
        current = handle.read()
    assert current == tool.generate(), ("docs/export_support.md is out of date with the registries: run "
                                        "python tools/export_support.py")


def test_rows_state_exactly_what_each_record_claims(tool):
    infos = gluonx.registry("models").infos()
    rows = tool.support_rows(infos)
    assert [row["name"] for row in rows] == gluonx.list_models()
    for info, row in zip(infos, rows):
        assert (row["symbol export"] == "pass") is info.export
        assert (row["fresh-process reload"] == "pass") is info.export  # check_export does both
        assert (row["ONNX parity"] == "pass") is (info.export and info.onnx)
        assert (row["dynamic batch"] == "yes") is info.dynamic_batch


def test_every_unsupported_check_gives_its_reason(tool):
    missing = [row["name"] for row in tool.support_rows(gluonx.registry("models").infos())
               if tool.NO_REASON in row["reason when not"]]
    assert not missing, ("these models claim no ONNX/export/dynamic batch without saying why in their "
                         "description (name the op that has no converter): {}".format(missing))


def test_reasons_come_from_the_description(tool):
    info = gluonx.ModelInfo(name="fake", factory="m:f", description="A model; no ONNX: op _eye has no converter",
                            onnx=False)
    row = tool.support_rows([info])[0]
    assert row["ONNX parity"] == "no" and row["reason when not"] == "no ONNX: op _eye has no converter"
    assert "| fake |" in tool.render([row]) and "1 models: symbol export 1" in tool.render([row])
