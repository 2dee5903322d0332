"""Real entry-point discovery, in subprocesses: the installed template plugin and on-disk fake plugins."""
import json

import gluonx
from plugin_fixtures import write_distribution

GOOD = '''
import gluonx

@gluonx.hookimpl
def register_models(registry):
    registry.register("fake_model", "json:loads", task="demo", description="fake", book_section="-")
'''
BROKEN = '''
raise ImportError("No module named 'a_dependency_that_is_missing'")
'''
CLASHING = '''
import gluonx

@gluonx.hookimpl
def register_models(registry):
    registry.register("fake_model", "json:loads")
'''
NEEDS_EXTRA = '''
import gluonx

@gluonx.hookimpl
def register_models(registry):
    registry.register("needs_extra", "gluonx_absent_dependency.models:build", extra="detection",
                      requires=("gluonx_absent_dependency",), task="detection")
'''


def test_template_plugin_is_installed_discovered_and_listed():
    plugins = {p.name: p for p in gluonx.list_plugins()}
    template = plugins["template"]
    assert template.status == "loaded", template.error
    assert template.source == "entry point" and template.version == "0.1.0"
    assert template.module == "gluonx_template.plugin"
    assert template.entries["models"] == 1 and template.entries["blocks"] == 1
    assert gluonx.get_model_info("template_mlp").plugin == "template"


def test_broken_plugin_is_listed_as_failed(tmp_path, run_gluonx):
    write_distribution(tmp_path, "gluonx-broken", "broken", "gluonx_broken_plugin", BROKEN)
    proc = run_gluonx("plugins", path=[tmp_path])
    assert proc.returncode == 0, proc.stderr
    assert "broken" in proc.stdout and "failed" in proc.stdout
    assert "a_dependency_that_is_missing" in proc.stdout
    assert "skipped plugin 'broken'" in proc.stderr  # the warning
    listing = json.loads(run_gluonx("plugins", "--json", path=[tmp_path]).stdout)
    broken = {p["name"]: p for p in listing}["broken"]
    assert broken["status"] == "failed" and "ImportError" in broken["error"]
    assert {p["name"]: p for p in listing}["template"]["status"] == "loaded"


def test_broken_plugin_raises_in_strict_mode(tmp_path, run_gluonx):
    write_distribution(tmp_path, "gluonx-broken", "broken", "gluonx_broken_plugin", BROKEN)
    proc = run_gluonx("models", path=[tmp_path], GLUONX_STRICT_PLUGINS="1")
    assert proc.returncode != 0
    assert "Error importing plugin 'broken'" in proc.stderr
    assert "a_dependency_that_is_missing" in proc.stderr


def test_disabled_broken_plugin_is_not_imported(tmp_path, run_gluonx):
    write_distribution(tmp_path, "gluonx-broken", "broken", "gluonx_broken_plugin", BROKEN)
    proc = run_gluonx("plugins", path=[tmp_path], GLUONX_STRICT_PLUGINS="1", GLUONX_DISABLED_PLUGINS="broken")
    assert proc.returncode == 0, proc.stderr
    assert "disabled" in proc.stdout


def test_discovered_plugin_entries_and_duplicates(tmp_path, run_gluonx):
    write_distribution(tmp_path, "gluonx-good", "good", "gluonx_good_plugin", GOOD)
    proc = run_gluonx("models", "fake*", path=[tmp_path])
    assert "fake_model" in proc.stdout and "good" in proc.stdout
    write_distribution(tmp_path, "gluonx-zclash", "zclash", "gluonx_zclash_plugin", CLASHING)
    proc = run_gluonx("models", path=[tmp_path], GLUONX_STRICT_PLUGINS="1")
    assert proc.returncode != 0
    assert "'fake_model' is registered by two plugins: 'good' and 'zclash'" in proc.stderr


def test_missing_extra_lists_and_names_the_extra(tmp_path, run_gluonx):
    write_distribution(tmp_path, "gluonx-extra", "extra", "gluonx_extra_plugin", NEEDS_EXTRA)
    listing = run_gluonx("models", "needs*", path=[tmp_path])
    row = [line for line in listing.stdout.splitlines() if line.startswith("needs_extra")][0]
    assert row.split()[3:5] == ["detection", "no"]
    info = run_gluonx("info", "needs_extra", path=[tmp_path])
    assert "pip install 'gluonx[detection]'" in info.stdout
    build = run_gluonx(path=[tmp_path], code="import gluonx; gluonx.get_model('needs_extra')")
    assert build.returncode != 0
    assert "MissingExtraError" in build.stderr and "pip install 'gluonx[detection]'" in build.stderr
