"""Translator export: encoder, decoder step and beam step as symbol + ONNX with dynamic batch and lengths, reloaded
without gluonx, and `gluonx predict FOLDER "sentence"` returning the beam of the model it was exported from."""
import json
import subprocess
import sys

import mxnet as mx
import numpy as np
import pytest

from gluonx_nlp.data.synthetic_translation import translation_vocabulary
from gluonx_nlp.seq2seq.beam_search import BeamSearchDecoder
from gluonx_nlp.seq2seq.export import export_translator
from gluonx_nlp.seq2seq.zoo import seq2seq_gru, transformer_seq2seq

SENTENCES = ["The cat sees a red dog.", "some old women slept here ."]


def _model(factory, vocab_size):
    mx.random.seed(0)
    net = factory(vocab_size)
    net.initialize(mx.init.Xavier())
    net(mx.nd.ones((1, 2), dtype="int32"), mx.nd.array([2]), mx.nd.ones((1, 2), dtype="int32"))
    output = net.target.output if hasattr(net, "target") else net.output
    output.weight.set_data(output.weight.data() * 4)   # peaked outputs: hypotheses end at various lengths
    return net


@pytest.fixture(scope="module", params=["gru", "transformer"])
def exported(request, tmp_path_factory):
    vocab = translation_vocabulary()
    factory = {"gru": lambda v: seq2seq_gru(v, embed_size=16, hidden_size=24),
               "transformer": lambda v: transformer_seq2seq(v, units=16, hidden_size=32, num_heads=2, num_layers=1,
                                                            dropout=0.0)}[request.param]
    net = _model(factory, len(vocab))
    folder = tmp_path_factory.mktemp("translator_" + request.param)
    results = export_translator(net, str(folder), vocab, beam_size=3, alpha=0.6, max_length=12)
    return net, vocab, folder, results


def test_parts_export_dynamic_and_match_onnx(exported):
    _, _, folder, results = exported
    for part in ("encoder", "decoder_step"):
        manifest = json.loads((folder / part / "manifest.json").read_text())
        assert manifest["dynamic_batch"] and not manifest["static_axis_reasons"], part
        assert manifest["checks"]["onnx_parity"]["runtime"] == "onnxruntime"
        assert manifest["checks"]["onnx_parity"]["max_abs_diff"] < 1e-4
        # the probes ran at another batch size and another source length
        shapes = manifest["checks"]["onnx_parity"]["input_shapes"]
        assert len({tuple(s[0]) for s in shapes}) > 1 and len({tuple(s[1]) for s in shapes}) > 1
    assert (folder / "beam_step" / "model-symbol.json").exists() and (folder / "translator.json").exists()


_RELOAD = """
import json, sys
sys.modules["gluonx"] = None          # deployment needs MXNet only
sys.modules["gluonx_nlp"] = None
import mxnet as mx, numpy as np
folder, inputs = sys.argv[1], json.loads(sys.stdin.read())
manifest = json.load(open(folder + "/decoder_step/manifest.json"))
names = [spec["name"] for spec in manifest["inputs"]]
block = mx.gluon.SymbolBlock.imports(folder + "/decoder_step/" + manifest["files"]["symbol"]["path"], names,
                                     folder + "/decoder_step/" + manifest["files"]["params"]["path"])
arrays = [mx.nd.array(np.array(a, dtype=d), dtype=d) for a, d in inputs]
print(json.dumps(block(*arrays)[0].asnumpy().tolist()))
"""


def test_decoder_step_reloads_without_gluonx(exported):
    net, _, folder, _ = exported
    memory, *states = net.encoder()(mx.nd.array([[5, 6, 7, 8, 9]], dtype="int32"), mx.nd.array([4]))
    args = [mx.nd.array([2], dtype="int32"), memory, mx.nd.array([4], dtype="int32")] + states
    expected = net.decoder_step()(*args)[0].asnumpy()
    payload = [[a.asnumpy().tolist(), str(a.dtype.__name__ if hasattr(a.dtype, "__name__") else a.dtype)]
               for a in args]
    child = subprocess.run([sys.executable, "-c", _RELOAD, str(folder)], input=json.dumps(payload),
                           capture_output=True, text=True, timeout=300)
    assert child.returncode == 0, child.stderr[-2000:]
    np.testing.assert_allclose(np.array(json.loads(child.stdout.strip().splitlines()[-1])), expected,
                               rtol=1e-5, atol=1e-5)


def test_gluonx_predict_returns_the_models_beam(exported, capsys):
    from gluonx.cli import main
    net, vocab, folder, _ = exported
    assert main(["predict", str(folder)] + SENTENCES + ["--json"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["translations"]
    decoder = BeamSearchDecoder(net.encoder(), net.decoder_step(), len(vocab), 2, 3, beam_size=3, alpha=0.6,
                                max_length=12)
    from gluonx_nlp.text import WordTokenizer
    tokenizer = WordTokenizer(lower=True, split_punctuation=True)
    for sentence, result in zip(SENTENCES, printed):
        ids = vocab[tokenizer(sentence)]
        samples, scores, lengths = decoder(mx.nd.array([ids], dtype="int32"), mx.nd.array([len(ids)]))
        expected = [" ".join(vocab.to_tokens([t for t in samples[0, k, 1:lengths[0, k]] if t != 3]))
                    for k in range(3)]
        assert [h["text"] for h in result["hypotheses"]] == expected
        np.testing.assert_allclose([h["score"] for h in result["hypotheses"]], scores[0], rtol=1e-5, atol=1e-6)
    # one clear line for a sentence without words
    assert main(["predict", str(folder), "  "]) == 2
    assert "has no word" in capsys.readouterr().err
