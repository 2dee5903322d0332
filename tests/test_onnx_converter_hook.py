"""The ``register_onnx_converters(opset)`` hook: run once per opset for every loaded plugin, right before the
first ONNX conversion; late plugins join at registration; a failing hook is reported like a failing plugin."""
import pytest

from gluonx import hookimpl
from gluonx._plugins import PluginError, PluginWarning

from plugin_fixtures import FakeEntryPoint


def converter_plugin(calls, fail=False):
    """A plugin object whose hook records the opsets it is called with (and raises when ``fail``)."""
    class Plugin:
        @staticmethod
        @hookimpl
        def register_onnx_converters(opset):
            calls.append(opset)
            if fail:
                raise RuntimeError("converter module broken")
    return Plugin()


def test_hook_runs_once_per_opset_for_every_loaded_plugin(make_host):
    first, second = [], []
    host = make_host([FakeEntryPoint("alpha", "alpha.plugin", lambda: converter_plugin(first)),
                      FakeEntryPoint("beta", "beta.plugin", lambda: converter_plugin(second))])
    host.load()
    assert first == [] and second == []          # loading plugins does not import converters
    host.register_onnx_converters(13)
    host.register_onnx_converters(13)
    assert first == [13] and second == [13]
    host.register_onnx_converters(12)
    assert first == [13, 12] and second == [13, 12]
    hooks = {p.name: p.hooks for p in host.plugins()}
    assert hooks["alpha"] == ("register_onnx_converters",)


def test_plugin_registered_after_a_conversion_is_called_at_once(make_host):
    late = []
    host = make_host()
    host.register_onnx_converters(13)
    host.register(converter_plugin(late), name="late")
    assert late == [13]


def test_failing_hook_raises_in_strict_mode_and_warns_otherwise(make_host):
    calls = []
    strict = make_host([FakeEntryPoint("bad", "bad.plugin", lambda: converter_plugin(calls, fail=True))],
                       GLUONX_STRICT_PLUGINS="1")
    with pytest.raises(PluginError, match="plugin 'bad' failed to register its ONNX converters.*broken"):
        strict.register_onnx_converters(13)
    tolerant = make_host([FakeEntryPoint("bad", "bad.plugin", lambda: converter_plugin(calls, fail=True))])
    with pytest.warns(PluginWarning, match="'bad' failed to register its ONNX converters.*own converters"):
        tolerant.register_onnx_converters(13)
    assert calls == [13, 13]


def test_export_onnx_installs_the_plugins_converters_before_converting(monkeypatch, tmp_path):
    mx = pytest.importorskip("mxnet")
    pytest.importorskip("onnx")
    import numpy as np

    import gluonx._plugins as plugins
    from gluonx.deploy import onnx_convert
    from gluonx.deploy.graph_io import export_block

    seen = []
    host = plugins.PluginHost(environ={}, entry_points=lambda: [])
    host.register(converter_plugin(seen), name="recorder")
    monkeypatch.setattr(plugins, "_HOST", host)
    net = mx.gluon.nn.Dense(2)
    net.initialize()
    x = np.ones((1, 3), "float32")
    symbol_file, params_file = export_block(net, [mx.nd.array(x)], str(tmp_path / "model"))
    onnx_convert.export_onnx(symbol_file, params_file, [x], str(tmp_path / "model.onnx"))
    onnx_convert.export_onnx(symbol_file, params_file, [x], str(tmp_path / "model.onnx"))
    assert seen == [onnx_convert.OPSET]
