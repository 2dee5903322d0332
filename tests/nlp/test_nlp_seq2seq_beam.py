"""Beam search (D2L 10.10): equal to gluonnlp 0.10's BeamSearchSampler on the same decoder step, greedy search
equal to a hand-written argmax loop, and the step block exportable."""
import json
import os
import subprocess
import sys

import mxnet as mx
import numpy as np
import pytest

from gluonx_nlp.seq2seq.beam_search import BeamSearchDecoder, BeamSearchStep
from gluonx_nlp.seq2seq.zoo import seq2seq_gru, seq2seq_lstm, transformer_seq2seq

VOCAB, BOS, EOS = 12, 2, 3
MODELS = {
    "seq2seq_gru": lambda: seq2seq_gru(VOCAB, embed_size=8, hidden_size=16),
    "seq2seq_lstm": lambda: seq2seq_lstm(VOCAB, embed_size=8, hidden_size=16),
    "transformer_seq2seq": lambda: transformer_seq2seq(VOCAB, units=8, hidden_size=16, num_heads=2, num_layers=1,
                                                       dropout=0.0),
}


def _model(name, seed=0, sharpen=4.0):
    """A seeded model whose output layer is scaled up, so that hypotheses end at <eos> at various lengths."""
    mx.random.seed(seed)
    net = MODELS[name]()
    net.initialize(mx.init.Xavier())
    net(mx.nd.ones((1, 2), dtype="int32"), mx.nd.array([2]), mx.nd.ones((1, 2), dtype="int32"))
    output = net.target.output if hasattr(net, "target") else net.output
    output.weight.set_data(output.weight.data() * sharpen)
    return net


def _sources(seed=0, batch=5):
    rng = np.random.RandomState(seed)
    lengths = rng.randint(2, 8, size=batch)
    src = np.ones((batch, lengths.max()), dtype=np.int32)
    for row, length in enumerate(lengths):
        src[row, :length] = rng.randint(4, VOCAB, size=length)
    return src, lengths.astype(np.float32)


# gluonnlp runs in a child process: importing it into a process that has trained with MXNet has crashed that
# process with a segmentation fault at interpreter exit (see tests/nlp/test_nlp_text.py). One child decodes every
# case (imports dominate its time).
_GLUONNLP_BEAM = """
import json, sys
import mxnet as mx
import gluonnlp
sys.path.insert(0, {test_dir!r})
from test_nlp_seq2seq_beam import MODELS
results = []
for args in json.load(sys.stdin):
    net = MODELS[args["model"]]()
    net.load_parameters(args["params"])
    encoder, step = net.encoder(), net.decoder_step()
    encoder.hybridize(); step.hybridize()
    src, valid = mx.nd.array(args["src"], dtype="int32"), mx.nd.array(args["valid"])
    memory, *states = encoder(src, valid)

    def decoder(token, states):
        log_probs, *new = step(token, states[0], states[1], *states[2:])
        return log_probs, [states[0], states[1]] + new

    sampler = gluonnlp.model.BeamSearchSampler(
        args["beam"], decoder, args["eos"], scorer=gluonnlp.model.BeamSearchScorer(alpha=args["alpha"], K=args["k"]),
        max_length=args["max_length"])
    samples, scores, lengths = sampler(mx.nd.full((src.shape[0],), args["bos"], dtype="int32"),
                                       [memory, valid] + states)
    results.append({{"samples": samples.asnumpy().tolist(), "scores": scores.asnumpy().tolist(),
                    "lengths": lengths.asnumpy().tolist()}})
print(json.dumps(results))
"""

# (model, beam size, alpha, K, max length): early stops, a beam of 1, and hypotheses cut at max_length
CASES = [("seq2seq_gru", 4, 1.0, 5.0, 20), ("seq2seq_lstm", 3, 0.6, 5.0, 20),
         ("transformer_seq2seq", 5, 0.0, 5.0, 12), ("seq2seq_gru", 1, 1.0, 5.0, 6)]


@pytest.fixture(scope="module")
def beam_cases(tmp_path_factory):
    """Per case: our decoder's (samples, scores, lengths) and gluonnlp's on the same saved model."""
    folder = tmp_path_factory.mktemp("beam")
    ours, requests = [], []
    for index, (model, beam, alpha, k, max_length) in enumerate(CASES):
        net = _model(model, seed=index)
        params = str(folder / "net{}.params".format(index))
        net.save_parameters(params)
        src, valid = _sources(seed=index)
        encoder, step = net.encoder(), net.decoder_step()
        encoder.hybridize()
        step.hybridize()
        decoder = BeamSearchDecoder(encoder, step, VOCAB, BOS, EOS, beam_size=beam, alpha=alpha, k=k,
                                    max_length=max_length)
        ours.append(decoder(mx.nd.array(src, dtype="int32"), mx.nd.array(valid)))
        requests.append({"params": params, "model": model, "src": src.tolist(), "valid": valid.tolist(),
                         "beam": beam, "alpha": alpha, "k": k, "max_length": max_length, "bos": BOS, "eos": EOS})
    code = _GLUONNLP_BEAM.format(test_dir=os.path.dirname(os.path.abspath(__file__)))
    child = subprocess.run([sys.executable, "-c", code], input=json.dumps(requests), capture_output=True, text=True,
                           timeout=600)
    assert child.returncode == 0, child.stderr[-3000:]
    theirs = [(np.array(r["samples"]), np.array(r["scores"], dtype=np.float32), np.array(r["lengths"]))
              for r in json.loads(child.stdout.strip().splitlines()[-1])]
    assert len(theirs) == len(ours) == len(CASES) > 0
    return ours, theirs


@pytest.mark.parametrize("case", range(len(CASES)), ids=["{}-beam{}-alpha{}".format(*c[:3]) for c in CASES])
def test_beam_search_equals_gluonnlp_sampler(beam_cases, case):
    ours, theirs = beam_cases[0][case], beam_cases[1][case]
    assert ours[0].shape == theirs[0].shape
    np.testing.assert_array_equal(ours[0], theirs[0])      # tokens (with -1 after a hypothesis ended)
    np.testing.assert_array_equal(ours[2], theirs[2])      # valid lengths
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6, atol=1e-6)
    assert (ours[0] == EOS).any(), "no hypothesis ended: the case checks nothing about early stopping"


def test_cases_cover_cut_hypotheses(beam_cases):
    # with max_length 6 some hypotheses never produce <eos> and are closed by the sampler
    samples, _, lengths = beam_cases[0][-1]
    assert samples.shape[2] == CASES[-1][4] + 2 and (lengths == samples.shape[2]).any()


def test_greedy_search_is_the_argmax_loop():
    net = _model("seq2seq_gru", seed=1)
    src, valid = _sources(seed=1)
    decoder = BeamSearchDecoder(net.encoder(), net.decoder_step(), VOCAB, BOS, EOS, beam_size=1, alpha=0.0,
                                max_length=15)
    ours = decoder.translate(mx.nd.array(src, dtype="int32"), mx.nd.array(valid))
    # the hand-written loop: teacher-force the model's own argmax, one sentence at a time (D2L 10.12.4's predict)
    for row in range(len(src)):
        length = int(valid[row])
        tokens = [BOS]
        for _ in range(15):
            logits = net(mx.nd.array(src[row:row + 1, :length], dtype="int32"), mx.nd.array([length]),
                         mx.nd.array([tokens], dtype="int32"))
            nxt = int(logits[0, -1].argmax().asscalar())
            if nxt == EOS:
                break
            tokens.append(nxt)
        assert ours[row] == tokens[1:], row


def test_length_penalty_changes_the_ranking_as_gnmt():
    # two finished hypotheses: log-prob -2.0 with 2 tokens, -2.6 with 6 tokens; alpha 0 keeps the short one
    # first, a strong alpha prefers the long one ((5 + 6) / 6) ** alpha > ...
    step = BeamSearchStep(beam_size=2, vocab_size=4, eos_id=3, alpha=1.0)
    scores = mx.nd.array([[-2.0 / ((5 + 2) / 6.0), -2.6 / ((5 + 6) / 6.0)]])
    new_scores, parents, words, alive = step(mx.nd.zeros((2, 4)), scores, mx.nd.zeros((1, 2)), mx.nd.array([7]))
    np.testing.assert_allclose(new_scores.asnumpy(), [[-2.6 / (11 / 6.0), -2.0 / (7 / 6.0)]], rtol=1e-6)
    assert parents.asnumpy().tolist() == [1, 0] and words.asnumpy().tolist() == [[-1, -1]]


def test_beam_step_exports_and_checks_arguments(tmp_path):
    from gluonx.testing.export import check_export
    step = BeamSearchStep(beam_size=3, vocab_size=7, eos_id=3, alpha=0.6)
    step.initialize()
    rng = np.random.RandomState(0)
    inputs = [np.log(rng.dirichlet(np.ones(7), size=6)).astype(np.float32), rng.randn(2, 3).astype(np.float32),
              np.array([[1, 1, 0], [1, 0, 1]], np.float32), np.array([3], np.float32)]
    check_export(step, inputs, [], rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="eos_id"):
        BeamSearchStep(beam_size=2, vocab_size=4, eos_id=4)
    with pytest.raises(ValueError, match="beam_size"):
        BeamSearchStep(beam_size=0, vocab_size=4, eos_id=1)
