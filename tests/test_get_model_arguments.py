"""``gluonx.get_model`` refuses arguments its factory does not take, in one line that names the fix."""
import pytest

mx = pytest.importorskip("mxnet")

import gluonx  # noqa: E402
from gluonx import hookimpl  # noqa: E402
from gluonx._signature import accepted_arguments  # noqa: E402


@pytest.mark.parametrize("name, typo, meant", [
    ("resnet18", "num_clases", "num_classes"), ("lenet", "activaton", "activation"),
    ("mlp", "hidden_unit", "hidden_units"), ("gru_lm", "embed_sise", "embed_size")])
def test_misspelt_argument_names_the_closest_and_every_accepted_one(name, typo, meant):
    with pytest.raises(TypeError) as caught:
        gluonx.get_model(name, **{typo: 3})
    message = str(caught.value)
    assert "\n" not in message and "HybridBlock" not in message
    assert "unknown argument '{}' (did you mean '{}'?)".format(typo, meant) in message
    assert "accepted: " in message and meant in message.split("accepted: ")[1]


def test_pretrained_true_says_no_weights_ship_and_how_to_load_a_params_file():
    with pytest.raises(TypeError, match=r"no pretrained weights ship with gluonx.*net\.load_parameters\(path\)"):
        gluonx.get_model("resnet18", pretrained=True)


def test_pretrained_false_asks_for_what_gluonx_does_and_is_accepted():
    net = gluonx.get_model("lenet", pretrained=False)
    assert type(net).__name__ == "LeNet"


def test_ctx_says_how_to_place_the_model_on_a_device():
    with pytest.raises(TypeError, match=r"'ctx' is not an argument.*net\.initialize\(ctx=\.\.\.\)"):
        gluonx.get_model("lenet", ctx=mx.cpu())


def test_every_registered_model_and_block_accepts_its_registered_arguments():
    """The check must never refuse what the registry itself passes (conformance kwargs)."""
    checked = 0
    for kind in ("models", "blocks", "losses"):
        for info in gluonx.registry(kind).infos():
            accepted = accepted_arguments(info.resolve())
            assert accepted is None or set(info.kwargs) <= set(accepted), (info.name, accepted)
            checked += 1
    assert checked > 20


@pytest.mark.parametrize("name", ["lenet", "resnet18", "alexnet", "vgg11", "densenet_d2l", "rnn_lm", "mlp"])
def test_accepted_arguments_follow_kwargs_to_the_class_and_mxnet_block(name):
    accepted = accepted_arguments(gluonx.get_model_info(name).resolve())
    assert {"prefix", "params"} <= set(accepted)  # where MXNet's HybridBlock ends the chain
    assert ("vocab_size" if name.endswith("lm") else "num_classes") in accepted


def test_a_factory_with_open_kwargs_has_its_type_error_translated(make_host, monkeypatch):
    from gluonx import _plugins

    def opaque(**kwargs):  # forwards **kwargs without saying where: only the TypeError tells
        return mx.gluon.nn.Dense(2, **kwargs)

    class Plugin:
        @hookimpl
        def register_models(self, registry):
            registry.register("opaque_dense", opaque)
    host = make_host()
    host.register(Plugin(), name="opaque")
    monkeypatch.setattr(_plugins, "_HOST", host)
    assert accepted_arguments(opaque) is None
    with pytest.raises(TypeError, match=r"model 'opaque_dense': unknown argument 'unitz'"):
        gluonx.get_model("opaque_dense", unitz=3)
