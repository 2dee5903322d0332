"""Checkpoints that always resume: a kill at every commit step, corrupt or incomplete checkpoints,
leftovers of killed runs, permissions under the umask, and a full disk."""
import json
import os
import re
import signal
import stat

import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon

from fault_injection import ForkServer, file_size_limit, umask
from gluonx.data.arrays import ArrayDataset
from gluonx.train import CheckpointError, CheckpointHandler, Trainer, load_checkpoint, save_checkpoint
from gluonx.train.checkpoint import (CheckpointFallbackWarning, list_checkpoints, load_parameters, read_checkpoint,
                                     resolve_checkpoint)
from gluonx.utils.atomic import TEMPORARY_NAME, DiskFullError

from trainer_helpers import random_batch, small_net

HERE = os.path.dirname(os.path.abspath(__file__))

#: Every fault point of a checkpoint save, prune and replacement; test_every_step_is_killed checks that a
#: run reaches exactly these.
STEPS = ["checkpoint:params-written", "checkpoint:staged", "checkpoint:renamed", "checkpoint:pointer-written",
         "checkpoint:best-written", "checkpoint:prune-renamed", "checkpoint:moved-aside"]

JOBS = '''
import sys
import mxnet as mx
import numpy as np
sys.path.insert(0, {here!r})
from trainer_helpers import random_batch, small_net
from gluonx.data.arrays import ArrayDataset
from gluonx.train import CheckpointHandler, Trainer


def train(out, resume):
    x, y = random_batch(48, seed=1)
    trainer = Trainer(small_net(), mx.gluon.loss.SoftmaxCrossEntropyLoss(), "adam", {{"learning_rate": 0.01}},
                      seed=7)
    handlers = [CheckpointHandler(out + "/ckpt", every_n_batches=2, keep_last=2, monitor="loss", mode="min")]
    trainer.fit(ArrayDataset(x, y), epochs=2, batch_size=8, log_interval=2, event_handlers=handlers,
                resume=out + "/ckpt" if resume else None)
    np.savez(out + "/params.npz", **trainer.parameters())
'''.format(here=HERE)

#: A folder that a killed run of an older gluonx could leave: named like a checkpoint, not one. Saving that
#: checkpoint again must replace it (the "moved-aside" step).
CORRUPT = "ckpt-e0001-b00000008"


def _prepare(out):
    os.makedirs(os.path.join(out, "ckpt", CORRUPT))
    with open(os.path.join(out, "ckpt", CORRUPT, "checkpoint.json"), "w") as handle:
        handle.write('{"format": "gluonx-checkpoint", "vers')


@pytest.fixture(scope="module")
def server():
    server = ForkServer(JOBS)
    yield server
    server.close()


@pytest.fixture(scope="module")
def reference(server, tmp_path_factory):
    """An uninterrupted run: its final parameters and the fault points it passed, in order."""
    out = str(tmp_path_factory.mktemp("reference"))
    _prepare(out)
    trace = os.path.join(out, "trace.txt")
    result = server.run("train", out, False, env={"GLUONX_FAULT_TRACE": trace}, log=os.path.join(out, "log"))
    assert result["exit"] == 0, result["log"]
    with open(trace) as handle:
        steps = handle.read().split()
    with np.load(os.path.join(out, "params.npz")) as data:
        params = {k: data[k] for k in data.files}
    return params, steps


def _load(path):
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def test_every_step_is_killed(reference):
    """The kill test below covers every fault point a run passes (a new step must be added to STEPS)."""
    _, steps = reference
    assert STEPS and set(steps) == set(STEPS)


@pytest.mark.parametrize("step", STEPS)
def test_kill_at_each_step_then_resume(server, reference, tmp_path, step):
    params, steps = reference
    out = str(tmp_path)
    _prepare(out)
    occurrence = min(2, steps.count(step))  # the 2nd save, when there is one: an older checkpoint exists
    victim = server.run("train", out, False, env={"GLUONX_FAULT_POINT": "{}@{}".format(step, occurrence)},
                        log=os.path.join(out, "victim.log"))
    assert victim["signal"] == signal.SIGKILL, victim["log"]
    assert not os.path.exists(os.path.join(out, "params.npz"))
    resumed = server.run("train", out, True, log=os.path.join(out, "resume.log"))
    assert resumed["exit"] == 0, resumed["log"]
    got = _load(os.path.join(out, "params.npz"))
    assert sorted(got) == sorted(params)
    for key in params:  # the resumed run ends exactly where the uninterrupted one does
        np.testing.assert_array_equal(got[key], params[key], err_msg=key)
    root = os.path.join(out, "ckpt")
    assert not [n for n in os.listdir(root) if TEMPORARY_NAME.match(n)]
    found = list_checkpoints(root)
    assert CORRUPT not in [os.path.basename(p) for p in found] or read_checkpoint(os.path.join(root, CORRUPT))
    with open(os.path.join(root, "latest.json")) as handle:
        assert os.path.join(root, json.load(handle)["checkpoint"]) == found[-1]
    for path in found:
        read_checkpoint(path)  # every checkpoint left verifies


# -- in-process checks -----------------------------------------------------------------------------------
def _trainer(seed=7):
    return Trainer(small_net(), gluon.loss.SoftmaxCrossEntropyLoss(), "sgd", {"learning_rate": 0.1}, seed=seed)


@pytest.fixture
def trained(tmp_path):
    """A folder with three checkpoints (batches 2, 4, 6)."""
    x, y = random_batch(24, seed=1)
    trainer = _trainer()
    root = str(tmp_path / "ckpt")
    trainer.fit(ArrayDataset(x, y), epochs=1, batch_size=4, log_interval=2,
                event_handlers=[CheckpointHandler(root, every_n_batches=2, keep_last=5)])
    return root


def _flip_byte(path, offset=-3):
    with open(path, "r+b") as handle:
        handle.seek(offset, os.SEEK_END)
        byte = handle.read(1)
        handle.seek(offset, os.SEEK_END)
        handle.write(bytes([byte[0] ^ 0xFF]))


def test_pointer_behind_resumes_newest(trained):
    """A kill between renaming a checkpoint into place and updating latest.json: the newest is used."""
    found = list_checkpoints(trained)
    with open(os.path.join(trained, "latest.json"), "w") as handle:
        json.dump({"checkpoint": os.path.basename(found[0])}, handle)
    assert resolve_checkpoint(trained) == found[-1]
    trainer = _trainer()
    assert load_checkpoint(trained, trainer) == found[-1]
    assert trainer.state.batch == 6


def test_corrupt_newest_falls_back_and_says_so(trained):
    found = list_checkpoints(trained)
    _flip_byte(os.path.join(found[-1], "params.nd"))
    trainer = _trainer()
    with pytest.warns(CheckpointFallbackWarning, match=re.escape(os.path.join(found[-1], "")[:-1]) + ".*params.nd"):
        assert load_checkpoint(trained, trainer) == found[-2]
    assert trainer.state.batch == 4
    # a checkpoint named explicitly is never swapped for another one
    with pytest.raises(CheckpointError, match="params.nd does not match its sha256"):
        load_checkpoint(found[-1], _trainer())


def test_no_good_checkpoint_names_every_file(trained):
    for path in list_checkpoints(trained):
        os.unlink(os.path.join(path, "rng.nd"))
    with pytest.raises(CheckpointError, match="no complete checkpoint.*rng.nd is missing"):
        load_checkpoint(trained, _trainer())


def _drop_array(folder, key):
    """Rewrite params.nd without ``key`` and give checkpoint.json the new file's hash (hash still valid)."""
    from gluonx.train.checkpoint import _sha256
    params = mx.nd.load(os.path.join(folder, "params.nd"))
    del params[key]
    mx.nd.save(os.path.join(folder, "params.nd"), params)
    with open(os.path.join(folder, "checkpoint.json")) as handle:
        record = json.load(handle)
    record["files"]["params.nd"] = _sha256(os.path.join(folder, "params.nd"))
    with open(os.path.join(folder, "checkpoint.json"), "w") as handle:
        json.dump(record, handle)


def test_params_file_lacking_an_array_is_refused(trained):
    folder = list_checkpoints(trained)[-1]
    key = sorted(small_net()._collect_params_with_prefix())[0]
    _drop_array(folder, key)
    read_checkpoint(folder)  # the hashes are valid: only comparing with the model finds it
    with pytest.raises(CheckpointError, match=r"params.nd does not match the model's parameters: it lacks '{}'"
                       .format(re.escape(key))):
        load_checkpoint(folder, _trainer())
    with pytest.raises(CheckpointError, match=re.escape(key)):
        load_parameters(folder, small_net())  # the export path loads parameters the same way


def test_params_file_with_another_dtype_is_refused(trained):
    from gluonx.train.checkpoint import _sha256
    folder = list_checkpoints(trained)[-1]
    params = mx.nd.load(os.path.join(folder, "params.nd"))
    key = sorted(params)[-1]
    params[key] = params[key].astype("float16")
    mx.nd.save(os.path.join(folder, "params.nd"), params)
    with open(os.path.join(folder, "checkpoint.json")) as handle:
        record = json.load(handle)
    record["files"]["params.nd"] = _sha256(os.path.join(folder, "params.nd"))
    with open(os.path.join(folder, "checkpoint.json"), "w") as handle:
        json.dump(record, handle)
    with pytest.raises(CheckpointError, match=r"has '{}' with shape .* float16, the model expects .* float32"
                       .format(re.escape(key))):
        load_checkpoint(folder, _trainer())


def test_leftovers_of_killed_runs_are_removed(tmp_path):
    root = tmp_path / "ckpt"
    os.makedirs(str(root / ".ckpt-e0000-b00000002.k3j4_x9a.tmp"))
    (root / ".ckpt-e0000-b00000002.k3j4_x9a.tmp" / "params.nd").write_bytes(b"half")
    (root / ".latest.json.ab12cd34.tmp").write_text("{")
    (root / "notes.tmp").write_text("mine")  # not a name gluonx gives its temporaries
    (root / "README").write_text("mine")
    x, y = random_batch(8, seed=1)
    _trainer().fit(ArrayDataset(x, y), epochs=1, batch_size=4, event_handlers=[CheckpointHandler(str(root))])
    names = sorted(os.listdir(str(root)))
    assert names == ["README", "ckpt-e0000-b00000002", "latest.json", "notes.tmp"]


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_files_and_folders_follow_the_umask(tmp_path, mask):
    trainer = _trainer()
    x, y = random_batch(8, seed=1)
    with umask(mask):
        trainer.fit(ArrayDataset(x, y), epochs=1, batch_size=4, event_handlers=[
            CheckpointHandler(str(tmp_path / "ckpt"), monitor="loss", mode="min")])
    root = tmp_path / "ckpt"
    folder = list_checkpoints(str(root))[-1]
    want_file, want_dir = 0o666 & ~mask, 0o777 & ~mask
    assert stat.S_IMODE(os.stat(folder).st_mode) == want_dir
    for name in ("latest.json", "best.json"):
        assert stat.S_IMODE(os.stat(str(root / name)).st_mode) == want_file, name
    for name in os.listdir(folder):
        assert stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode) == want_file, name


def test_full_disk_names_the_file(tmp_path):
    trainer = _trainer()
    x, y = random_batch(8, seed=1)
    trainer.fit(ArrayDataset(x, y), epochs=1, batch_size=4)
    root = str(tmp_path / "ckpt")
    os.makedirs(root)
    with file_size_limit(1024), pytest.raises(DiskFullError) as info:
        save_checkpoint(trainer, root)  # MXNet's own writer fails on params.nd (about 7 kB)
    assert re.fullmatch(r"no space left on device writing .*/params\.nd", str(info.value)), str(info.value)
    assert os.listdir(root) == []  # nothing half-written left behind
    with file_size_limit(10), pytest.raises(DiskFullError, match=r"writing .*latest\.json$"):
        from gluonx.utils.atomic import write_json
        write_json(os.path.join(root, "latest.json"), {"checkpoint": "x" * 100})
