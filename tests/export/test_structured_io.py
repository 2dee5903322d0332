"""Structured export I/O: token + valid-length inputs with dynamic batch and sequence axes, named outputs,
opset 13 with named nodes, the RNN language models through ONNX, and the manifest's versions."""
import json
import os
import shutil

import mxnet as mx
import numpy as np
import pytest
from mxnet.gluon import nn

import gluonx
from gluonx import InputSpec
from gluonx.deploy import InputMismatchError, ManifestError, Predictor

VOCAB, EMBED, CLASSES = 11, 4, 3


class Tagger(nn.HybridBlock):
    """Token ids (N, T) + valid lengths (N,) -> per-token logits (N, T, C) and mean-pooled logits (N, C)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.embedding = nn.Embedding(VOCAB, EMBED)
            self.output = nn.Dense(CLASSES, flatten=False, in_units=EMBED)

    def hybrid_forward(self, F, tokens, valid_length):
        x = F.SequenceMask(self.embedding(tokens), sequence_length=valid_length, use_sequence_length=True, axis=1)
        pooled = F.broadcast_div(F.sum(x, axis=1), F.expand_dims(F.cast(valid_length, "float32"), axis=1))
        return self.output(x), self.output(pooled)  # one layer called twice: two symbol nodes share a name


def tagger_reference(net, tokens, valid_length):
    """The tagger in NumPy, from its parameters."""
    table = net.embedding.weight.data().asnumpy()
    weight, bias = net.output.weight.data().asnumpy(), net.output.bias.data().asnumpy()
    x = table[tokens]
    keep = np.arange(tokens.shape[1])[None, :] < valid_length[:, None]
    x = x * keep[:, :, None]
    pooled = x.sum(axis=1) / valid_length[:, None]
    return x @ weight.T + bias, pooled @ weight.T + bias


SPECS = [InputSpec((2, 5), dtype="int32", vocab_size=VOCAB, dynamic_axes={1: "time"}, name="tokens"),
         InputSpec((2,), dtype="int32", low=1, length_of=(0, 1), name="valid_length")]


@pytest.fixture(scope="module")
def tagger_export(tmp_path_factory):
    mx.random.seed(3)
    net = Tagger()
    net.initialize(mx.init.Xavier())
    folder = str(tmp_path_factory.mktemp("tagger"))
    result = gluonx.export(net, folder, SPECS, output_names=["token_logits", "logits"])
    return net, folder, result


def test_two_inputs_export_with_dynamic_batch_and_time(tagger_export):
    _, folder, result = tagger_export
    tokens, lengths = result.manifest.inputs
    assert tokens["dynamic_axes"] == [0, 1] and tokens["axis_names"] == {"0": "batch", "1": "time"}
    assert tokens["vocab_size"] == VOCAB and tokens["label"] == "tokens"
    assert lengths["dynamic_axes"] == [0] and lengths["length_of"] == [0, 1]
    assert result.manifest.data["onnx"]["dynamic_axes"] == [[0, 1], [0]]
    assert result.manifest.data["format_version"] == 2
    assert [o["name"] for o in result.manifest.outputs] == ["token_logits", "logits"]


@pytest.mark.parametrize("backend", ["mxnet", "onnxruntime"])
def test_predictor_matches_the_block_at_three_lengths(tagger_export, backend):
    net, folder, _ = tagger_export
    predictor = Predictor(folder, backend=backend)
    rng = np.random.RandomState(0)
    for batch, steps in ((4, 3), (1, 7), (5, 12)):
        tokens = rng.randint(0, VOCAB, (batch, steps)).astype("int32")
        lengths = rng.randint(1, steps + 1, (batch,)).astype("int32")
        want_tokens, want_pooled = tagger_reference(net, tokens, lengths)
        got = predictor.predict({"tokens": tokens, "valid_length": lengths}, named=True)
        assert list(got) == ["token_logits", "logits"]
        np.testing.assert_allclose(got["token_logits"], want_tokens, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got["logits"], want_pooled, rtol=1e-5, atol=1e-6)
        block_out = net(mx.nd.array(tokens, dtype="int32"), mx.nd.array(lengths, dtype="int32"))
        nested = predictor.predict(tokens, lengths)
        for have, want in zip(nested, block_out):
            np.testing.assert_allclose(have, want.asnumpy(), rtol=1e-5, atol=1e-6)


def test_predictor_refuses_tokens_outside_the_vocabulary_and_bad_lengths(tagger_export):
    _, folder, _ = tagger_export
    predictor = Predictor(folder)
    tokens = np.zeros((2, 4), "int32")
    with pytest.raises(InputMismatchError, match=r"outside the vocabulary \[0, 11\)"):
        predictor(np.full((2, 4), VOCAB, "int32"), np.ones(2, "int32"))
    with pytest.raises(InputMismatchError, match="lengths in"):
        predictor(tokens, np.array([1, 5], "int32"))
    with pytest.raises(InputMismatchError, match="unknown input name"):
        predictor({"tokens": tokens, "valid_length": np.ones(2, "int32"), "mask": tokens})
    with pytest.raises(InputMismatchError, match="'data1'.*missing"):
        predictor({"tokens": tokens})
    with pytest.raises(InputMismatchError, match="batch size"):
        predictor(tokens, np.ones(3, "int32"))


def test_onnx_file_has_opset_13_unique_node_names_and_block_output_names(tagger_export):
    import onnx
    _, folder, _ = tagger_export
    model = onnx.load(os.path.join(folder, "model.onnx"))
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 13)]
    names = [node.name for node in model.graph.node]
    assert all(names) and len(set(names)) == len(names)
    assert [o.name for o in model.graph.output] == ["token_logits", "logits"]


def test_pinned_opset_restores_onnx_even_after_an_error():
    import onnx.checker
    import onnx.defs
    from gluonx.deploy.onnx_convert import pinned_opset
    newest, imports = onnx.defs.onnx_opset_version(), dict(onnx.checker.DEFAULT_CONTEXT.opset_imports)
    with pytest.raises(RuntimeError):
        with pinned_opset(13):
            assert onnx.defs.onnx_opset_version() == 13
            assert onnx.checker.DEFAULT_CONTEXT.opset_imports == {"": 13}
            raise RuntimeError("boom")
    assert onnx.defs.onnx_opset_version() == newest
    assert dict(onnx.checker.DEFAULT_CONTEXT.opset_imports) == imports


def test_name_nodes_makes_every_name_unique():
    from onnx import helper
    from gluonx.deploy.onnx_convert import name_nodes
    nodes = [helper.make_node("Relu", ["x"], ["a"], name=""), helper.make_node("Relu", ["a"], ["b"], name="n"),
             helper.make_node("Relu", ["b"], ["c"], name="n"), helper.make_node("Relu", ["c"], ["relu_0"])]
    graph = helper.make_graph(nodes, "g", [], [])
    names = [node.name for node in name_nodes(helper.make_model(graph)).graph.node]
    assert names[1] == "n" and all(names) and len(set(names)) == 4


def _lm(name):
    info = gluonx.get_model_info(name)
    mx.random.seed(0)
    net = gluonx.get_model(name, **info.kwargs)
    net.initialize(mx.init.Xavier())
    return info, net


def test_an_lstm_language_model_exports_with_dynamic_time_and_named_outputs(tmp_path):
    """The converter lists the LSTM's outputs as (state, cell, logits) under other names: mapped back."""
    info, net = _lm("lstm_lm")
    result = gluonx.export(net, str(tmp_path), list(info.inputs), output_names=["logits", "h", "c"])
    assert result.manifest.data["onnx"]["outputs_matched"] == "by name"
    assert result.manifest.data["onnx"]["dynamic_axes"][0] == [0, 1]
    rng = np.random.RandomState(1)
    for backend in ("mxnet", "onnxruntime"):
        predictor = Predictor(str(tmp_path), backend=backend)
        for steps, batch in ((3, 2), (9, 4), (1, 1)):
            tokens = rng.randint(0, 17, (steps, batch)).astype("int32")
            states = [rng.uniform(-1, 1, (2, batch, 6)).astype("float32") for _ in range(2)]
            want = [o.asnumpy() for o in net(mx.nd.array(tokens, dtype="int32"), *map(mx.nd.array, states))]
            got = predictor.predict(tokens, *states, named=True)
            for name, expected in zip(("logits", "h", "c"), want):
                np.testing.assert_allclose(got[name], expected, rtol=1e-4, atol=1e-5, err_msg=backend + name)


def test_without_the_pinned_opset_layer_norm_does_not_convert(tmp_path):
    """Why the opset is pinned: at the installed onnx's newest opset LayerNorm's graph is invalid (``ReduceMean``
    with an ``axes`` attribute). The RNN op, the other reason once, converts at any opset through gluonx's own
    converter (``gluonx/deploy/onnx_rnn.py``)."""
    import onnx.defs
    import onnxruntime
    from gluonx.testing import export_block
    if onnx.defs.onnx_opset_version() <= 13:
        pytest.skip("the installed onnx's newest opset is 13 or older")
    net = mx.gluon.nn.LayerNorm(in_channels=4)
    net.initialize()
    inputs = [mx.nd.random.uniform(shape=(2, 3, 4))]
    symbol_file, params_file = export_block(net, inputs, str(tmp_path / "norm"))
    with pytest.raises(Exception):
        mx.onnx.export_model(symbol_file, params_file, in_shapes=[x.shape for x in inputs],
                             in_types=[np.float32], onnx_file_path=str(tmp_path / "norm.onnx"))
        onnxruntime.InferenceSession(str(tmp_path / "norm.onnx"), providers=["CPUExecutionProvider"])


def test_a_version_1_manifest_still_loads_and_a_newer_one_is_refused(tagger_export, dense_bn_export, tmp_path):
    net, folder, _ = dense_bn_export
    old = str(tmp_path / "old")
    shutil.copytree(folder, old)
    path = os.path.join(old, "manifest.json")
    data = json.load(open(path))
    # what version 1 wrote: no postprocessing, no axis reasons, no ONNX dynamic axes, converter output names
    data["format_version"] = 1
    for key in ("postprocessing", "static_axis_reasons"):
        data.pop(key, None)
    data["onnx"].pop("dynamic_axes")
    json.dump(data, open(path, "w"))
    x = np.random.RandomState(0).uniform(-1, 1, (7, 6)).astype("float32")
    for backend in ("mxnet", "onnxruntime"):
        np.testing.assert_allclose(Predictor(old, backend=backend)(x), Predictor(folder, backend=backend)(x),
                                   rtol=1e-6)
    data["format_version"] = 3
    json.dump(data, open(path, "w"))
    with pytest.raises(ManifestError, match="newer gluonx"):
        Predictor(old)


def test_cli_exports_a_language_model_with_dynamic_time_and_predicts_another_length(tmp_path, capsys):
    from gluonx.cli import main
    folder = tmp_path / "lm"
    assert main(["export", "gru_lm", "--out", str(folder), "--onnx", "--output-names", "logits,state"]) == 0
    capsys.readouterr()
    manifest = json.load(open(str(folder / "manifest.json")))
    assert manifest["onnx"]["dynamic_axes"] == [[0, 1], [1]]
    rng = np.random.RandomState(4)
    tokens, state = rng.randint(0, 17, (8, 3)).astype("int32"), rng.uniform(-1, 1, (2, 3, 6)).astype("float32")
    np.save(str(tmp_path / "tokens.npy"), tokens)
    np.save(str(tmp_path / "state.npy"), state)
    assert main(["predict", str(folder), str(tmp_path / "tokens.npy"), str(tmp_path / "state.npy"), "--json",
                 "--backend", "onnxruntime"]) == 0
    payload = {o["name"]: np.array(o["values"]) for o in json.loads(capsys.readouterr().out)["outputs"]}
    want = Predictor(str(folder)).predict(tokens, state, named=True)   # the symbol, in MXNet
    assert payload["logits"].shape == (8, 3, 17)
    for name in ("logits", "state"):
        np.testing.assert_allclose(payload[name], want[name], rtol=1e-4, atol=1e-5)


def test_output_names_are_checked(tagger_export, tmp_path):
    net, _, _ = tagger_export
    for names, message in ((["a"], "2 distinct"), (["a", "a"], "2 distinct"), (["data0", "b"], "input names")):
        with pytest.raises(ValueError, match=message):
            gluonx.export(net, str(tmp_path / "x"), SPECS, formats=("symbol",), output_names=names)
