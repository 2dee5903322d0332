"""Prefetcher, OpenMP threads, seeding and atomic writes."""
import os
import random
import subprocess
import sys

import numpy as np
import pytest

from gluonx.utils.atomic import atomic_directory, atomic_write, write_json
from gluonx.utils.prefetch import Prefetcher
from gluonx.utils.seed import capture_rng_state, restore_rng_state
from gluonx.utils.threads import default_omp_threads, omp_threads, set_omp_threads


def test_prefetcher_preserves_order_and_reraises():
    assert list(Prefetcher(range(10), transform=lambda b: b * 2, depth=3)) == list(range(0, 20, 2))

    def broken():
        yield 1
        raise RuntimeError("loader failed")
    with pytest.raises(RuntimeError, match="loader failed"):
        list(Prefetcher(broken()))
    iterator = iter(Prefetcher(range(100), depth=1))
    assert next(iterator) == 0
    iterator.close()  # stopping early does not hang
    with pytest.raises(ValueError, match="depth"):
        Prefetcher([], depth=0)


def test_threads_setting_takes_effect_only_before_mxnet_import():
    code = ("from gluonx.utils.threads import set_omp_threads, omp_threads\n"
            "assert set_omp_threads(2) is True\n"
            "import mxnet, os\n"
            "print(os.environ['OMP_NUM_THREADS'], omp_threads())")
    env = dict(os.environ)
    env.pop("OMP_NUM_THREADS", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["2", "2"]
    import mxnet  # noqa: F401  (already imported by the test session)
    if omp_threads() != 3:
        with pytest.warns(RuntimeWarning, match="no effect"):
            assert set_omp_threads(3) is False
    with pytest.raises(ValueError, match="at least 1"):
        set_omp_threads(0)
    assert default_omp_threads() == max(1, os.cpu_count() // 2)


def test_rng_state_roundtrip():
    random.seed(5)
    np.random.seed(5)
    meta, arrays = capture_rng_state()
    expected = (random.random(), np.random.uniform(size=3))
    random.seed(99)
    np.random.seed(99)
    restore_rng_state(meta, arrays)
    assert random.random() == expected[0]
    np.testing.assert_array_equal(np.random.uniform(size=3), expected[1])


def test_atomic_write_keeps_old_content_on_failure(tmp_path):
    target = tmp_path / "file.json"
    write_json(str(target), {"a": 1})
    with pytest.raises(RuntimeError):
        with atomic_write(str(target), "w") as handle:
            handle.write("half")
            raise RuntimeError("crash while writing")
    assert target.read_text().strip().startswith("{") and os.listdir(tmp_path) == ["file.json"]
    with pytest.raises(ValueError, match="mode"):
        with atomic_write(str(target), "a"):
            pass


def test_atomic_directory(tmp_path):
    final = tmp_path / "out"
    with atomic_directory(str(final)) as tmp:
        open(os.path.join(tmp, "x"), "w").write("1")
        assert not final.exists()
    assert (final / "x").read_text() == "1"
    with pytest.raises(FileExistsError):
        with atomic_directory(str(final)):
            pass
    with pytest.raises(KeyError):
        with atomic_directory(str(tmp_path / "other")):
            raise KeyError("boom")
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_save_figure_writes_atomically(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gluonx.utils.figures import save_figure
    figure, axis = plt.subplots()
    axis.plot([0, 1], [1, 0])
    target = tmp_path / "plot.png"
    save_figure(figure, str(target))
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    broken, _ = plt.subplots()
    with pytest.raises(ValueError):
        save_figure(broken, str(tmp_path / "plot.notaformat"))
    assert sorted(os.listdir(tmp_path)) == ["plot.png"]
