"""Real entry-point discovery: the installed first-party plugin and, in subprocesses, on-disk fake plugins."""
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


def test_installed_first_party_plugin_is_discovered_and_listed():
    """gluonx's own ``optim`` plugin is found through the installed distribution's entry point, exactly as a
    third-party plugin would be (setup.cfg declares it in the ``gluonx`` group)."""
    plugins = {p.name: p for p in gluonx.list_plugins()}
    optim = plugins["optim"]
    assert optim.status == "loaded", optim.error
    assert optim.source == "entry point" and optim.version == gluonx.__version__
    assert optim.module == "gluonx_optim.plugin"
    assert optim.entries["optimizers"] == len(gluonx.list_optimizers(plugin="optim")) > 0
    assert optim.entries["models"] == 0


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
    assert {p["name"]: p for p in listing}["optim"]["status"] == "loaded"  # the others still load


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
