"""The ``gluonx`` command line (in-process through ``main`` and as real processes)."""
import json
import os
import subprocess
import sys

import pytest

import gluonx
from gluonx.cli import format_table, main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == "gluonx " + gluonx.__version__


def test_plugins_table(capsys):
    code, out, _ = run(capsys, "plugins")
    assert code == 0
    header = out.splitlines()[0].split()
    assert header == ["plugin", "version", "status", "module", "hooks", "entries"]
    rows = {line.split()[0]: line for line in out.splitlines()[2:] if line.strip()}
    assert "loaded" in rows["core"] and "commands=" in rows["core"]
    assert "models={}".format(len(gluonx.list_models(plugin="core"))) in rows["core"]


def test_plugins_table_lists_a_discovered_plugin(tmp_path, run_gluonx):
    from plugin_fixtures import write_distribution
    write_distribution(tmp_path, "gluonx-fake", "fake", "gluonx_fake_plugin", '''
import gluonx

@gluonx.hookimpl
def register_models(registry):
    registry.register("fake_model", "json:loads")
''', version="2.5")
    result = run_gluonx("plugins", path=[tmp_path])
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[2:] if line.strip()}
    assert rows["fake"][1:4] == ["2.5", "loaded", "gluonx_fake_plugin"] and rows["fake"][-1] == "models=1"


def test_models_table_matches_registry(capsys):
    code, out, _ = run(capsys, "models")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()[2:] if line.strip() and not line[0].isdigit()]
    assert names == gluonx.list_models()
    code, out, _ = run(capsys, "models", "lenet*", "--json")
    records = json.loads(out)
    assert [r["name"] for r in records] == ["lenet", "lenet_bn"] and records[0]["plugin"] == "core"


def test_list_other_registries(capsys):
    code, out, _ = run(capsys, "list", "blocks", "residual*", "--plugin", "core")
    assert code == 0 and "residual_bottleneck" in out and "2 blocks" in out
    code, out, _ = run(capsys, "list", "blocks", "maxout")
    assert code == 0 and "1 block" in out


def test_info_shows_book_section_and_inputs(capsys):
    code, out, _ = run(capsys, "info", "lenet")
    assert code == 0
    assert out.startswith("model lenet")
    assert "book_section: D2L 5.5" in out and "input (2, 1, 28, 28) float32  (batch axis 0)" in out


def test_info_unknown_name_suggests(capsys):
    code, _, err = run(capsys, "info", "rsnet18", "--kind", "models")
    assert code == 2 and "closest: resnet18 (model)" in err and len(err.splitlines()) == 1
    code, _, err = run(capsys, "info", "nothing_like_it")
    assert code == 2 and "no registry has an entry called 'nothing_like_it'" in err


def test_info_typo_without_kind_suggests_from_every_registry(capsys):
    code, _, err = run(capsys, "info", "lenett")
    assert code == 2 and len(err.splitlines()) == 1
    assert "no registry has an entry called 'lenett'; closest: lenet (model)" in err
    code, _, err = run(capsys, "info", "maxot")
    assert code == 2 and "closest: maxout (block)" in err


def test_info_bad_kind_is_one_line_naming_the_valid_kinds(capsys):
    code, _, err = run(capsys, "info", "lenet", "--kind", "bogus")
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith("gluonx info: error: unknown kind 'bogus'; --kind takes one of: models, blocks")
    assert "commands" not in err


def test_no_command_prints_help(capsys):
    code, out, _ = run(capsys)
    assert code == 2 and "plugins" in out and "models" in out


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["list", "not_a_registry"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_console_script_and_module_entry():
    script = os.path.join(os.path.dirname(sys.executable), "gluonx")
    assert os.path.exists(script), "the console script is installed with the package"
    for command in ([script, "--version"], [sys.executable, "-m", "gluonx", "--version"]):
        proc = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and proc.stdout.strip() == "gluonx " + gluonx.__version__


def test_format_table_aligns_columns():
    text = format_table([("a", 1), ("long-name", None)], ("name", "n"))
    lines = text.splitlines()
    assert lines[0] == "name       n" and lines[1] == "---------  -" and lines[3] == "long-name"


def test_disabled_core_is_refused_in_one_line_naming_the_switch(run_gluonx):
    result = run_gluonx("models", GLUONX_DISABLED_PLUGINS="core")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == (
        "gluonx: error: the gluonx command line needs the core plugin, which GLUONX_DISABLED_PLUGINS "
        "disables: remove 'core' from GLUONX_DISABLED_PLUGINS (without it, the Python API serves only other "
        "plugins' entries)")


def test_traceback_flag_shows_the_trace_and_leaves_worker_arguments_alone(monkeypatch, capsys):
    import gluonx.cli as cli
    seen = {}

    def fake_parse(self, argv):
        seen["argv"] = list(argv)
        raise ValueError("bad value")

    monkeypatch.setattr("argparse.ArgumentParser.parse_args", fake_parse)
    assert cli.main(["launch", "-n", "2", "--", "python", "w.py", "--traceback"]) == 2
    assert seen["argv"][-1] == "--traceback"  # the worker's own flag is passed on
    assert capsys.readouterr().err.strip() == "gluonx: error: bad value"
    with pytest.raises(ValueError, match="bad value"):
        cli.main(["--traceback", "launch", "-n", "2", "--", "python", "w.py"])
    assert "--traceback" not in seen["argv"]


def test_argument_errors_are_one_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "lenet", "--epochs", "0", "--out", "unused"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("gluonx train: error: argument --epochs")
