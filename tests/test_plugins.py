"""The plugin host: every hook, tolerant and strict loading, environment switches, duplicates."""
import os

import pytest

import gluonx
from gluonx import hookimpl, hookspecs
from gluonx._plugins import ON_DEMAND_HOOKS, SLOTS, PluginError, PluginWarning

from plugin_fixtures import FakeEntryPoint


def registering_plugin(hook, argname, names, **metadata):
    """A plugin object implementing one registration hook that registers ``names``."""
    def add(view):
        for name in names:
            if hook == "register_commands":
                view.add_command(name, "json:loads", help="test command")
            else:
                view.register(name, "json:loads", **metadata)

    # pluggy passes arguments by the implementation's parameter names
    if argname == "cli":
        def implementation(cli):
            add(cli)
    else:
        def implementation(registry):
            add(registry)
    implementation.__name__ = hook
    return type("Plugin", (), {hook: staticmethod(hookimpl(implementation))})()


def hookspec_names():
    return sorted(name for name in dir(hookspecs) if name.startswith("register_"))


def test_every_hookspec_fills_a_registry_or_runs_on_demand_and_vice_versa():
    assert sorted([slot.hook for slot in SLOTS.values()] + list(ON_DEMAND_HOOKS)) == hookspec_names()


@pytest.mark.parametrize("kind", sorted(SLOTS))
def test_each_hook_registers_entries_owned_by_the_plugin(make_host, kind):
    slot = SLOTS[kind]
    host = make_host()
    plugin = registering_plugin(slot.hook, slot.argname, ["alpha_" + kind, "beta_" + kind])
    info = host.register(plugin, name="myplugin", version="1.2")
    assert info.status == "loaded", info.error
    assert info.hooks == (slot.hook,)
    registry = host.registry(kind)
    assert registry.list("*_" + kind) == ["alpha_" + kind, "beta_" + kind]
    assert registry.get_info("alpha_" + kind).plugin == "myplugin"
    assert isinstance(registry.get_info("alpha_" + kind), slot.info_cls)
    assert {p.name: p.entries[kind] for p in host.plugins()}["myplugin"] == 2


@pytest.mark.parametrize("hook", hookspec_names())
def test_every_hookspec_is_documented(hook):
    doc = getattr(hookspecs, hook).__doc__
    assert doc and "Parameters" in doc, "hook {} needs a numpydoc docstring".format(hook)
    with open(os.path.join(os.path.dirname(__file__), "..", "docs", "hooks.md")) as handle:
        assert "`{}(".format(hook) in handle.read(), "docs/hooks.md has no section for " + hook


def test_core_registers_through_the_same_hooks(make_host):
    host = make_host()
    core = {p.name: p for p in host.plugins()}["core"]
    assert core.source == "builtin" and core.status == "loaded"
    assert "register_commands" in core.hooks
    assert {"plugins", "models", "list", "info"} <= set(host.registry("commands").list(plugin="core"))


def test_plugin_failing_at_import_is_skipped_and_listed(make_host):
    def broken():
        raise RuntimeError("boom at import")
    host = make_host([FakeEntryPoint("broken", "broken_pkg.plugin", broken)])
    with pytest.warns(PluginWarning, match="skipped plugin 'broken'.*boom at import"):
        plugins = {p.name: p for p in host.plugins()}
    assert plugins["broken"].status == "failed"
    assert "RuntimeError: boom at import" in plugins["broken"].error
    assert "Traceback" in plugins["broken"].traceback
    assert plugins["core"].status == "loaded"


def test_strict_mode_raises_naming_the_plugin(make_host):
    def broken():
        raise ImportError("No module named 'missing_dependency'")
    host = make_host([FakeEntryPoint("broken", "broken_pkg.plugin", broken)], GLUONX_STRICT_PLUGINS="1")
    with pytest.raises(PluginError, match="Error importing plugin 'broken'.*missing_dependency"):
        host.registry("models").list()


def test_plugin_failing_in_a_hook_leaves_nothing_behind(make_host):
    class HalfBroken:
        @hookimpl
        def register_models(self, registry):
            registry.register("half_model", "json:loads")

        @hookimpl
        def register_blocks(self, registry):
            raise ValueError("bad block table")
    host = make_host([FakeEntryPoint("half", "half", lambda: HalfBroken())])
    with pytest.warns(PluginWarning, match="bad block table"):
        assert "half_model" not in host.registry("models")
    assert {p.name: p.status for p in host.plugins()}["half"] == "failed"


def test_same_name_from_two_plugins_fails_the_second_naming_both(make_host):
    first = registering_plugin("register_models", "registry", ["shared_name", "first_only"])
    second = registering_plugin("register_models", "registry", ["second_only", "shared_name"])
    host = make_host([FakeEntryPoint("aaa", "aaa", lambda: first), FakeEntryPoint("bbb", "bbb", lambda: second)])
    with pytest.warns(PluginWarning, match="'shared_name' is registered by two plugins: 'aaa' and 'bbb'"):
        names = host.registry("models").list()
    assert "shared_name" in names and "first_only" in names and "second_only" not in names
    strict = make_host([FakeEntryPoint("aaa", "aaa", lambda: first), FakeEntryPoint("bbb", "bbb", lambda: second)],
                       GLUONX_STRICT_PLUGINS="1")
    with pytest.raises(PluginError, match="'aaa' and 'bbb'"):
        strict.registry("models").list()


def test_unknown_hook_is_reported(make_host):
    class Typo:
        @hookimpl
        def register_modles(self, registry):
            pass
    host = make_host([FakeEntryPoint("typo", "typo", lambda: Typo())])
    with pytest.warns(PluginWarning, match="unknown hook.*register_modles"):
        status = {p.name: p for p in host.plugins()}["typo"]
    assert status.status == "failed"


def test_hook_may_accept_fewer_arguments_than_specified(make_host):
    calls = []

    class NoArgs:
        @hookimpl
        def register_models(self):
            calls.append("called")
    host = make_host([FakeEntryPoint("noargs", "noargs", lambda: NoArgs())])
    assert {p.name: p.status for p in host.plugins()}["noargs"] == "loaded"
    assert calls == ["called"]


def _three_plugins():
    return [FakeEntryPoint(name, name, lambda n=name: registering_plugin("register_models", "registry", [n + "_m"]))
            for name in ("one", "two", "three")]


def test_env_plugins_selects(make_host):
    host = make_host(_three_plugins(), GLUONX_PLUGINS="two, three")
    assert host.registry("models").list("*_m") == ["three_m", "two_m"]
    assert {p.name: p.status for p in host.plugins()}["one"] == "skipped"


def test_env_disabled_plugins(make_host):
    host = make_host(_three_plugins(), GLUONX_DISABLED_PLUGINS="one,core")
    assert host.registry("models").list("*_m") == ["three_m", "two_m"]
    statuses = {p.name: p.status for p in host.plugins()}
    assert statuses["one"] == "disabled" and statuses["core"] == "disabled"
    assert "plugins" not in host.registry("commands")


def test_env_disable_autoload_keeps_core_and_named_plugins(make_host):
    host = make_host(_three_plugins(), GLUONX_DISABLE_PLUGIN_AUTOLOAD="1")
    assert host.registry("models").list("*_m") == []
    assert "plugins" in host.registry("commands")
    named = make_host(_three_plugins(), GLUONX_DISABLE_PLUGIN_AUTOLOAD="1", GLUONX_PLUGINS="one")
    assert named.registry("models").list("*_m") == ["one_m"]


def test_env_plugins_warns_about_unknown_names(make_host):
    host = make_host(_three_plugins(), GLUONX_PLUGINS="one,nope")
    with pytest.warns(PluginWarning, match="'nope'"):
        host.registry("models").list()


def test_loading_is_lazy_and_happens_once(make_host):
    loads = []

    def loader():
        loads.append(1)
        return registering_plugin("register_models", "registry", ["lazy_m"])
    host = make_host([FakeEntryPoint("lazy", "lazy", loader)])
    assert loads == []
    host.registry("models").list()
    host.registry("blocks").list()
    assert loads == [1]


def test_public_api_reads_the_process_host(make_host, monkeypatch):
    from gluonx import _plugins
    host = make_host([FakeEntryPoint("api", "api", lambda: registering_plugin(
        "register_models", "registry", ["api_model"], task="demo", book_section="X 1"))])
    monkeypatch.setattr(_plugins, "_HOST", host)
    assert gluonx.list_models(task="demo") == ["api_model"]
    assert gluonx.get_model_info("api_model").book_section == "X 1"
    assert gluonx.get_model("api_model", s="[3]") == [3]
    with pytest.raises(KeyError, match="closest: api_model"):
        gluonx.get_model("api_modl")
    assert [p.name for p in gluonx.list_plugins()] == ["core", "api"]


def test_registering_a_plugin_twice_fails(make_host):
    host = make_host()
    host.register(registering_plugin("register_models", "registry", ["x"]), name="dup")
    with pytest.warns(PluginWarning, match="already loaded"):
        host.register(registering_plugin("register_models", "registry", ["y"]), name="dup")
    assert "y" not in host.registry("models")


def test_threads_reading_at_first_load_all_see_complete_registries(make_host):
    """Every thread that reads a registry while another thread is loading plugins waits for the load."""
    import threading
    import time

    def slow_loader():
        time.sleep(0.3)  # keeps the first thread inside load() while the others arrive
        return registering_plugin("register_models", "registry", ["slow_m"])
    host = make_host([FakeEntryPoint("fast", "fast", lambda: registering_plugin(
        "register_models", "registry", ["fast_m"])), FakeEntryPoint("slow", "slow", slow_loader)])
    threads, seen, start = [], [], threading.Barrier(8)

    def reader(index):
        start.wait()
        time.sleep(0.01 * index)  # the first thread starts loading, the others read during the load
        seen.append(sorted(host.registry("models").list("*_m")))
    for index in range(8):
        threads.append(threading.Thread(target=reader, args=(index,)))
        threads[-1].start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(seen) == 8
    assert seen == [["fast_m", "slow_m"]] * 8
    assert {p.name: p.status for p in host.plugins()} == {"core": "loaded", "fast": "loaded", "slow": "loaded"}


def test_duplicate_plugin_name_keeps_the_loaded_record_and_lists_the_duplicate(make_host):
    first = registering_plugin("register_models", "registry", ["first_m"])
    second = registering_plugin("register_models", "registry", ["second_m"])
    host = make_host([FakeEntryPoint("twin", "pkg_a.plugin", lambda: first),
                      FakeEntryPoint("twin", "pkg_b.plugin", lambda: second)])
    with pytest.warns(PluginWarning, match="two installed distributions provide plugin 'twin'"):
        records = [p for p in host.plugins() if p.name == "twin"]
    assert [(p.module, p.status) for p in records] == [("pkg_a.plugin", "loaded"), ("pkg_b.plugin", "failed")]
    assert records[0].entries["models"] == 1 and records[1].entries["models"] == 0
    assert "first_m" in host.registry("models") and "second_m" not in host.registry("models")


def test_registering_a_loaded_name_again_keeps_the_first_record(make_host):
    host = make_host()
    kept = host.register(registering_plugin("register_models", "registry", ["x_m"]), name="dup")
    with pytest.warns(PluginWarning, match="already loaded"):
        refused = host.register(registering_plugin("register_models", "registry", ["y_m"]), name="dup")
    assert kept.status == "loaded" and refused.status == "failed" and refused is not kept
    records = [p for p in host.plugins() if p.name == "dup"]
    assert [p.status for p in records] == ["loaded", "failed"]
    assert records[0].entries["models"] == 1 and "x_m" in host.registry("models")


def test_strict_failure_is_raised_again_on_every_read_not_reloaded(make_host):
    def broken():
        raise ImportError("No module named 'missing_dependency'")
    host = make_host([FakeEntryPoint("broken", "broken_pkg.plugin", broken)], GLUONX_STRICT_PLUGINS="1")
    for _ in range(2):  # a second read must not load the core again on top of the first attempt
        with pytest.raises(PluginError, match="plugin 'broken'.*missing_dependency"):
            host.registry("models").list()


def test_disabled_core_keeps_other_plugins_and_says_why_a_core_name_is_missing(make_host):
    from gluonx._plugins import CoreDisabledError
    host = make_host(_three_plugins(), GLUONX_DISABLED_PLUGINS="core")
    assert host.registry("models").list() == ["one_m", "three_m", "two_m"]
    with pytest.raises(KeyError, match="unknown model 'lenet'.*core plugin.*disabled by GLUONX_DISABLED_PLUGINS"):
        host.registry("models").get_info("lenet")
    with pytest.raises(CoreDisabledError, match="the command line needs the core plugin"):
        host.require_core("the command line")
    make_host(_three_plugins()).require_core("the command line")  # enabled core: no error
