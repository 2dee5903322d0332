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
    assert "gluonx_template.plugin" in rows["template"] and "models=1" in rows["template"]


def test_models_table_matches_registry(capsys):
    code, out, _ = run(capsys, "models")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()[2:] if line.strip() and not line[0].isdigit()]
    assert names == gluonx.list_models()
    code, out, _ = run(capsys, "models", "template*", "--json")
    records = json.loads(out)
    assert [r["name"] for r in records] == ["template_mlp"] and records[0]["plugin"] == "template"


def test_list_other_registries(capsys):
    code, out, _ = run(capsys, "list", "blocks", "--plugin", "template")
    assert code == 0 and "template_scaled_tanh" in out and "1 block" in out


def test_info_shows_book_section_and_inputs(capsys):
    code, out, _ = run(capsys, "info", "template_mlp")
    assert code == 0
    assert out.startswith("model template_mlp")
    assert "book_section: D2L 3.8" in out and "features (4, 16) float32  (batch axis 0)" in out


def test_info_unknown_name_suggests(capsys):
    code, _, err = run(capsys, "info", "template_mlpp", "--kind", "models")
    assert code == 2 and "closest: template_mlp" in err
    code, _, err = run(capsys, "info", "nothing_like_it")
    assert code == 2 and "no registry has an entry called 'nothing_like_it'" in err


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
