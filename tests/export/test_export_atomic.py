"""Exports that are never half-replaced and never replace what is not theirs: a kill at every publishing
step, foreign folders, crafted manifests, leftovers of killed runs, umask permissions, a full disk, and the
bad input of `gluonx export` / `gluonx predict` / the Predictor."""
import hashlib
import json
import os
import re
import shutil
import signal
import stat

import numpy as np
import pytest

import gluonx
from fault_injection import ForkServer, file_size_limit, umask
from gluonx.cli import main
from gluonx.deploy import InputMismatchError, ManifestError, Predictor, read_manifest
from gluonx.deploy.errors import ExportError
from gluonx.utils.atomic import DiskFullError

from export_helpers import make_dense_bn

HERE = os.path.dirname(os.path.abspath(__file__))
USUAL = ["manifest.json", "model-0000.params", "model-symbol.json"]

#: The fault points of replacing an export of symbol + params, in order (test_publishing_steps checks that a
#: real export passes exactly these, so a new step cannot go untested).
REPLACE_STEPS = ["export:staged", "export:moved", "export:moved", "export:committed", "export:removed-old",
                 "export:removed-old", "export:linked", "export:linked", "export:normalized", "export:cleaned"]
FIRST_STEPS = [step for step in REPLACE_STEPS if step != "export:removed-old"]


def _cases(steps):
    """(step, n): the n-th time the export reaches ``step``."""
    return [(step, steps[:index + 1].count(step)) for index, step in enumerate(steps)]


JOBS = '''
import sys
import mxnet as mx
import numpy as np
sys.path.insert(0, {here!r})
from export_helpers import make_dense_bn
import gluonx


def export(seed, out):
    mx.random.seed(seed)
    net = make_dense_bn(seed=seed)
    x = np.random.RandomState(0).uniform(-1, 1, (4, 6)).astype("float32")
    gluonx.export(net, out, [x], formats=("symbol",))
'''.format(here=HERE)

X = np.random.RandomState(5).uniform(-1, 1, (3, 6)).astype("float32")


@pytest.fixture(scope="module")
def server():
    server = ForkServer(JOBS)
    yield server
    server.close()


@pytest.fixture(scope="module")
def references(server, tmp_path_factory):
    """The old (seed 1) and new (seed 2) exports, their outputs, and the steps of replacing one by the other."""
    root = tmp_path_factory.mktemp("references")
    folders = {}
    for seed in (1, 2):
        folders[seed] = str(root / "seed{}".format(seed))
        result = server.run("export", seed, folders[seed], log=str(root / "log"))
        assert result["exit"] == 0, result["log"]
    outputs = {seed: Predictor(folder).predict(X) for seed, folder in folders.items()}
    assert not np.allclose(outputs[1], outputs[2])
    traces = {}
    for name, start in (("replace", folders[1]), ("first", None)):
        folder = str(root / name)
        if start:
            shutil.copytree(start, folder)
        trace = str(root / (name + ".trace"))
        result = server.run("export", 2, folder, env={"GLUONX_FAULT_TRACE": trace}, log=str(root / "log"))
        assert result["exit"] == 0, result["log"]
        with open(trace) as handle:
            traces[name] = handle.read().split()
    return folders, outputs, traces


def test_publishing_steps(references):
    _, _, traces = references
    assert traces == {"replace": REPLACE_STEPS, "first": FIRST_STEPS}


def _complete_export(folder):
    """The outputs of the export in ``folder``, checked against its manifest (raises if incomplete)."""
    predictor = Predictor(folder)  # verify=True: every file matches its sha256
    return predictor.predict(X)


@pytest.mark.parametrize("step,nth", _cases(REPLACE_STEPS))
def test_kill_while_replacing_leaves_old_or_new(server, references, tmp_path, step, nth):
    folders, outputs, _ = references
    folder = str(tmp_path / "export")
    shutil.copytree(folders[1], folder)
    victim = server.run("export", 2, folder, env={"GLUONX_FAULT_POINT": "{}@{}".format(step, nth)},
                        log=str(tmp_path / "victim.log"))
    assert victim["signal"] == signal.SIGKILL, victim["log"]
    got = _complete_export(folder)
    before_commit = REPLACE_STEPS.index(step) + nth - 1 < REPLACE_STEPS.index("export:committed")
    np.testing.assert_array_equal(got, outputs[1] if before_commit else outputs[2])
    # the next export cleans up and publishes
    result = server.run("export", 2, folder, log=str(tmp_path / "again.log"))
    assert result["exit"] == 0, result["log"]
    assert sorted(os.listdir(folder)) == USUAL
    np.testing.assert_array_equal(_complete_export(folder), outputs[2])


@pytest.mark.parametrize("step,nth", _cases(FIRST_STEPS))
def test_kill_during_first_export_then_export_again(server, references, tmp_path, step, nth):
    _, outputs, _ = references
    folder = str(tmp_path / "export")
    victim = server.run("export", 2, folder, env={"GLUONX_FAULT_POINT": "{}@{}".format(step, nth)},
                        log=str(tmp_path / "victim.log"))
    assert victim["signal"] == signal.SIGKILL, victim["log"]
    if FIRST_STEPS.index(step) + nth - 1 < FIRST_STEPS.index("export:committed"):
        with pytest.raises(ManifestError, match="has no manifest.json"):
            read_manifest(folder)  # nothing was published: no half export
    else:
        np.testing.assert_array_equal(_complete_export(folder), outputs[2])
    result = server.run("export", 2, folder, log=str(tmp_path / "again.log"))  # not refused as foreign
    assert result["exit"] == 0, result["log"]
    assert sorted(os.listdir(folder)) == USUAL


# -- never replace what is not ours ----------------------------------------------------------------------
def _export(folder, seed=2, **kwargs):
    net = make_dense_bn(seed=seed)
    return gluonx.export(net, str(folder), [np.ones((4, 6), "float32")], formats=("symbol",), **kwargs)


def _sha(path):
    return hashlib.sha256(open(str(path), "rb").read()).hexdigest()


def test_foreign_folder_is_refused_unless_forced(tmp_path, capsys):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"name": "my web app"}')
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"is not empty and holds no gluonx export .*--force"):
        _export(folder)
    assert sorted(os.listdir(str(folder))) == ["manifest.json", "notes.txt"]
    assert (folder / "manifest.json").read_text() == '{"name": "my web app"}'
    code = main(["export", "mlp", "--out", str(folder)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--force" in err, err
    code = main(["export", "mlp", "--out", str(folder), "--force"])
    assert code == 0
    assert (folder / "notes.txt").read_text() == "mine"
    Predictor(str(folder))


def test_failed_export_leaves_no_new_folder(tmp_path):
    folder = tmp_path / "new"
    net = make_dense_bn()
    with pytest.raises(ExportError, match="Shape inconsistent"):
        gluonx.export(net, str(folder), [np.ones((4, 7), "float32")], formats=("symbol",))  # wrong width
    assert not folder.exists()


def test_crafted_manifest_deletes_nothing_outside_its_export(tmp_path):
    outside = tmp_path / "victim.txt"
    outside.write_text("keep me")
    folder = tmp_path / "export"
    _export(folder, seed=1)
    inside = folder / "notes.txt"
    inside.write_text("keep me too")
    manifest = json.loads((folder / "manifest.json").read_text())
    # a valid manifest naming a file of the user, with its right hash: not a name gluonx gives its files
    manifest["files"]["extra"] = {"path": "notes.txt", "sha256": _sha(inside), "bytes": inside.stat().st_size}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    _export(folder, seed=2)
    assert inside.read_text() == "keep me too"
    # paths leaving the folder make the manifest invalid: the folder is then not ours, even when forced
    for crafted in ("../victim.txt", str(outside)):
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["files"]["params"]["path"] = crafted
        (folder / "manifest.json").write_text(json.dumps(manifest))
        with pytest.raises(FileExistsError, match="not a valid gluonx manifest"):
            _export(folder, seed=1)
        _export(folder, seed=1, force=True)
        assert outside.read_text() == "keep me"


def test_modified_old_file_is_kept(tmp_path):
    """A file of the old export that no longer matches its hash is not gluonx's to delete."""
    import mxnet as mx
    folder = tmp_path / "export"
    _export(folder, seed=1)
    with open(str(folder / "model-0000.params"), "ab") as handle:
        handle.write(b"edited")
    net = make_dense_bn(seed=2)
    result = gluonx.export(net, str(folder), [np.ones((4, 6), "float32")], formats=("symbol",))
    assert (folder / "model-0000.params").read_bytes().endswith(b"edited")
    assert re.fullmatch(r"model-[0-9a-f]{12}-0000\.params", result.manifest.files["params"]["path"])
    np.testing.assert_allclose(Predictor(str(folder)).predict(X), net(mx.nd.array(X)).asnumpy(), rtol=1e-5, atol=1e-6)


def test_leftovers_of_killed_exports_are_removed(tmp_path):
    folder = tmp_path / "export"
    _export(folder, seed=1)
    (folder / ".staging-ab12_x9z").mkdir()
    (folder / ".staging-ab12_x9z" / "model-0000.params").write_bytes(b"half")
    (folder / ".manifest.json.k2j4l5m6.tmp").write_text("{")
    (folder / "model-0123456789ab-symbol.json").write_text("{}")
    (folder / "notes.tmp").write_text("mine")
    _export(folder, seed=2)
    assert sorted(os.listdir(str(folder))) == sorted(USUAL + ["notes.tmp"])


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_export_follows_the_umask(tmp_path, mask):
    folder = tmp_path / "export"
    with umask(mask):
        _export(folder, seed=1)
        _export(folder, seed=2)  # replacing goes through links and a second manifest write
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~mask
    for name in USUAL:
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o666 & ~mask, name


def test_full_disk_names_the_file_and_keeps_the_old_export(tmp_path):
    import mxnet as mx
    folder = tmp_path / "export"
    _export(folder, seed=1)
    before = Predictor(str(folder)).predict(X)
    mx.random.seed(0)
    net = mx.gluon.nn.Dense(512, in_units=6)  # 14 kB of parameters, a 1 kB symbol
    net.initialize()
    with file_size_limit(8192), pytest.raises(DiskFullError) as info:
        gluonx.export(net, str(folder), [np.ones((2, 6), "float32")], formats=("symbol",))
    assert re.fullmatch(r"no space left on device writing .*model-0000\.params", str(info.value)), str(info.value)
    assert sorted(os.listdir(str(folder))) == USUAL
    np.testing.assert_array_equal(Predictor(str(folder)).predict(X), before)


# -- bad input -------------------------------------------------------------------------------------------
EXPORT = ["export", "mlp", "--out", "{tmp}/x"]
PREDICT = ["predict", "{tmp}/x", "a.npy"]


@pytest.mark.parametrize("argv,expected", [
    (EXPORT + ["--scale", "nan"], "argument --scale: expected a value that is a finite number, got nan"),
    (EXPORT + ["--scale", "-1"], "argument --scale: expected a value that is positive"),
    (EXPORT + ["--mean", "0.5,inf"], "argument --mean: expected a value that is a finite number"),
    (EXPORT + ["--std", "0"], "argument --std: expected a value that is positive"),
    (PREDICT + ["--top-k", "0"], "argument --top-k: expected a value that is positive, got 0"),
    (PREDICT + ["--batch-size", "-5"], "argument --batch-size: expected a value that is positive"),
])
def test_meaningless_numbers_are_refused_in_one_line(tmp_path, capsys, argv, expected):
    with pytest.raises(SystemExit) as info:
        main([a.format(tmp=tmp_path) for a in argv])
    err = capsys.readouterr().err
    assert info.value.code == 2 and len(err.strip().splitlines()) == 1 and expected in err, err
    assert not (tmp_path / "x").exists()


@pytest.fixture(scope="module")
def float_export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("float") / "export"
    _export(folder, seed=1)
    return str(folder)


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "uint8"])
def test_predictor_refuses_another_kind(float_export, dtype):
    predictor = Predictor(float_export)
    with pytest.raises(InputMismatchError, match=r"input 'data' expects shape \(N, 6\) .*dtype float32; got dtype "
                       "{} \\(\\w+\\), which does not convert to float32 \\(float\\) within its kind".format(dtype)):
        predictor.predict(np.ones((2, 6), dtype=dtype))


def test_predictor_converts_within_the_kind(float_export):
    predictor = Predictor(float_export)
    x64 = X.astype("float64")
    np.testing.assert_array_equal(predictor.predict(x64), predictor.predict(X))


def test_corrupted_params_byte_names_the_file(float_export, tmp_path, capsys):
    import mxnet as mx
    good = os.path.join(float_export, "model-0000.params")
    data = bytearray(open(good, "rb").read())
    offset = data.index(sorted(mx.nd.load(good))[-1].encode())  # a byte of an array's name: not UTF-8 then
    data[offset] = 0x92
    bad = tmp_path / "bad.params"
    bad.write_bytes(bytes(data))
    code = main(["export", "mlp", "--out", str(tmp_path / "out"), "--params", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and err == "gluonx export: error: cannot read parameter file {}: it is corrupted, truncated " \
        "or not an MXNet NDArray file\n".format(bad), err
    assert not (tmp_path / "out").exists()


def test_export_from_a_checkpoint_folder_takes_best_json(tmp_path, capsys):
    """docs/export.md: a folder of checkpoints exports the one best.json names (else the newest that
    verifies), rebuilt from the recorded gluonx.get_model spec."""
    import mxnet as mx
    from gluonx.data.arrays import ArrayDataset
    from gluonx.train import CheckpointHandler, Trainer
    from gluonx.train.checkpoint import list_checkpoints, load_parameters
    net = gluonx.get_model("mlp", num_classes=5)
    net.initialize(mx.init.Xavier())
    rng = np.random.RandomState(0)
    data = ArrayDataset(rng.uniform(size=(16, 1, 28, 28)).astype("float32"), rng.randint(0, 5, 16).astype("int32"))
    root = tmp_path / "ckpt"
    Trainer(net, mx.gluon.loss.SoftmaxCrossEntropyLoss(), "sgd", {"learning_rate": 0.5}, seed=1).fit(
        data, epochs=3, batch_size=4, event_handlers=[CheckpointHandler(str(root), keep_last=5)])
    found = list_checkpoints(str(root))
    assert len(found) == 3
    x = rng.uniform(size=(2, 1, 28, 28)).astype("float32")

    def outputs_of(folder):
        block = gluonx.get_model("mlp", num_classes=5)
        load_parameters(folder, block)
        return block(mx.nd.array(x)).asnumpy()
    for named, expected in ((None, found[-1]), (found[0], found[0])):
        if named:
            (root / "best.json").write_text(json.dumps({"checkpoint": os.path.basename(named)}))
        out = tmp_path / "export-{}".format(os.path.basename(expected))
        assert main(["export", str(root), "--out", str(out)]) == 0, capsys.readouterr().err
        np.testing.assert_allclose(Predictor(str(out)).predict(x), outputs_of(expected), rtol=1e-5, atol=1e-6)
    assert not np.allclose(outputs_of(found[0]), outputs_of(found[-1]))


def test_corrupted_params_byte_names_the_file_without_hash_verification(float_export, tmp_path):
    """``Predictor(verify=False)`` skips the manifest's hashes; a corrupted file is still named."""
    import shutil
    import mxnet as mx
    folder = tmp_path / "copy"
    shutil.copytree(float_export, folder)
    params = os.path.join(str(folder), "model-0000.params")
    data = bytearray(open(params, "rb").read())
    data[data.index(sorted(mx.nd.load(params))[-1].encode())] = 0x92
    with open(params, "wb") as handle:
        handle.write(bytes(data))
    with pytest.raises(ValueError, match="cannot read parameter file .*model-0000.params: it is corrupted"):
        Predictor(str(folder), verify=False)
