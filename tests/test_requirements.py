"""``import gluonx`` explains how to get a working MXNet."""
import pytest

from gluonx import _requirements


def test_numpy_124_is_explained():
    with pytest.raises(ImportError, match="numpy 1.24.0 but MXNet 1.9.1 cannot run on numpy >= 1.24.*np.bool"):
        _requirements.check_numpy("1.24.0")
    with pytest.raises(ImportError, match="numpy>=1.17,<1.24"):
        _requirements.check_numpy("2.1.3")
    _requirements.check_numpy("1.23.5")


def test_import_without_mxnet_names_the_extra(run_gluonx):
    # sys.modules[name] = None makes every import of that module fail, as if it were not installed
    code = "import sys; sys.modules['mxnet'] = None\nimport gluonx"
    proc = run_gluonx(code=code)
    assert proc.returncode != 0
    assert "gluonx needs MXNet 1.9.1" in proc.stderr and "pip install 'gluonx[cpu]'" in proc.stderr
    assert "gluonx[cu117]" in proc.stderr


def test_import_with_new_numpy_names_the_reason(tmp_path, run_gluonx):
    # a numpy-1.24.0 distribution record ahead on sys.path is what importlib.metadata reports
    info = tmp_path / "numpy-1.24.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: numpy\nVersion: 1.24.0\n")
    proc = run_gluonx(path=[tmp_path], code="import gluonx")
    assert proc.returncode != 0
    assert "MXNet 1.9.1 cannot run on numpy >= 1.24" in proc.stderr


def test_import_gluonx_does_not_import_mxnet(run_gluonx):
    proc = run_gluonx(code="import sys, gluonx; gluonx.list_models(); gluonx.list_plugins(); "
                           "print('mxnet' in sys.modules)")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
