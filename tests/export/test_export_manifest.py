"""The manifest refuses incomplete, tampered, foreign, newer and path-escaping exports with clear errors."""
import json
import os
import shutil

import pytest

from gluonx.deploy import ManifestError, Predictor, read_manifest


@pytest.fixture
def export_copy(dense_bn_export, tmp_path):
    folder = str(tmp_path / "copy")
    shutil.copytree(dense_bn_export[1], folder)
    return folder


def edit_manifest(folder, change):
    path = os.path.join(folder, "manifest.json")
    data = json.load(open(path))
    change(data)
    json.dump(data, open(path, "w"))


def test_reads_a_folder_or_its_manifest(export_copy):
    manifest, folder = read_manifest(export_copy)
    assert folder == export_copy and manifest.input_names == ["data"]
    assert read_manifest(os.path.join(export_copy, "manifest.json"))[0].data == manifest.data
    manifest.verify(folder)


def test_a_folder_without_manifest_is_not_an_export(tmp_path):
    with pytest.raises(ManifestError, match="has no manifest.json: not a gluonx export folder"):
        Predictor(str(tmp_path))
    with pytest.raises(ManifestError, match="does not exist"):
        read_manifest(str(tmp_path / "absent.json"))


@pytest.mark.parametrize("backend,name", [("mxnet", "model-0000.params"), ("onnxruntime", "model.onnx")])
def test_modified_or_truncated_files_are_refused(export_copy, backend, name):
    path = os.path.join(export_copy, name)
    data = bytearray(open(path, "rb").read())
    data[-1] ^= 1
    open(path, "wb").write(bytes(data))
    with pytest.raises(ManifestError, match="{} does not match its sha256".format(name)):
        Predictor(export_copy, backend=backend)
    open(path, "wb").write(bytes(data[:100]))
    with pytest.raises(ManifestError, match="{} has 100 bytes, the manifest says".format(name)):
        Predictor(export_copy, backend=backend)
    os.unlink(path)
    with pytest.raises(ManifestError, match="is missing: the export is incomplete"):
        Predictor(export_copy, backend=backend)


def test_broken_foreign_and_newer_manifests(export_copy):
    path = os.path.join(export_copy, "manifest.json")
    text = open(path).read()
    open(path, "w").write(text[: len(text) // 2])
    with pytest.raises(ManifestError, match="is not valid JSON"):
        read_manifest(export_copy)
    open(path, "w").write(json.dumps({"format": "something-else"}))
    with pytest.raises(ManifestError, match="not a gluonx export manifest"):
        read_manifest(export_copy)
    open(path, "w").write(text)
    edit_manifest(export_copy, lambda d: d.update(format_version=99))
    with pytest.raises(ManifestError, match="written by a newer gluonx"):
        read_manifest(export_copy)


def test_file_paths_cannot_leave_the_export_folder(export_copy):
    edit_manifest(export_copy, lambda d: d["files"]["params"].update(path="../elsewhere.params"))
    with pytest.raises(ManifestError, match="invalid path '../elsewhere.params'"):
        read_manifest(export_copy)


def test_missing_fields_are_named(export_copy):
    edit_manifest(export_copy, lambda d: d.pop("outputs"))
    with pytest.raises(ManifestError, match="missing field\\(s\\) outputs"):
        read_manifest(export_copy)
