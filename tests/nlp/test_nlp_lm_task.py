"""DL 12.4.3-12.4.4 through the registry: the sampled-language-model task's batches, its exact evaluation
perplexity (against a per-sentence NumPy computation without padding), the short list's training loss, and
`gluonx train` reporting the Kneser-Ney + neural mixture's held-out perplexity."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import gluonx
from gluonx_nlp.data.embedded import PythonDocsSentences
from gluonx_nlp.lm.task import SampledLanguageModelTask, SentenceSource

mx = pytest.importorskip("mxnet")


@pytest.fixture(scope="module")
def corpus():
    train = PythonDocsSentences(max_sentences=400, train=True)
    test = PythonDocsSentences(max_sentences=400, train=False)
    return train, test


def test_the_splits_share_a_training_vocabulary_and_partition_the_sentences(corpus):
    train, test = corpus
    everything = PythonDocsSentences(max_sentences=400)
    assert train.sentences + test.sentences == everything.sentences and len(test) == 40
    counts = {}
    for sentence in train.sentences:
        for word in sentence:
            counts[word] = counts.get(word, 0) + 1
    assert test.vocab.idx_to_token == train.vocab.idx_to_token
    assert set(train.vocab.idx_to_token[4:]) == {w for w, c in counts.items() if c >= 2}
    assert train.vocab_size == len(train.vocab)


def test_training_batches_cover_every_sentence_once_with_reproducible_candidates(corpus):
    train, _ = corpus
    task = SampledLanguageModelTask(num_samples=50)
    source = task.make_source(train, 16, shuffle=True, seed=3)
    batches = list(source.batches(1))
    assert len(batches) == len(source) == -(-len(train) // 16)
    eos, bos = train.vocab["<eos>"], train.vocab["<bos>"]
    seen = []
    for inputs, targets, candidates, log_q in batches:
        assert inputs.shape == targets.shape and candidates.shape == log_q.shape == (50,)
        np.testing.assert_allclose(np.exp(log_q), source.proposal[candidates], rtol=1e-5)
        for row in range(len(inputs)):
            length = int((targets[row] >= 0).sum())
            assert inputs[row, 0] == bos and targets[row, length - 1] == eos
            np.testing.assert_array_equal(inputs[row, 1:length], targets[row, :length - 1])
            seen.append(tuple(targets[row, :length - 1]))
    assert sorted(seen) == sorted(tuple(train.vocab[s]) for s in train.sentences)
    # a resumed epoch sees the same batches and candidates; another epoch other ones
    resumed = list(source.batches(1, start=2))
    for a, b in zip(batches[2:], resumed):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)
    assert not np.array_equal(next(iter(source.batches(2)))[2], batches[0][2])
    # the proposal is unigram^0.75 of the training targets (every word and one <eos> per sentence)
    counts = np.ones(len(train.vocab))
    for sentence in train.sentences:
        for index in train.vocab[sentence] + [eos]:
            counts[index] += 1
    counts[counts > 1] -= 1
    np.testing.assert_allclose(source.proposal, counts ** 0.75 / (counts ** 0.75).sum(), rtol=1e-10)


def _numpy_perplexity(net, vocab, sentences):
    """Each sentence alone (no padding): exp of the mean -log P over every word and the end of sentence."""
    nll = []
    for sentence in sentences:
        ids = vocab[list(sentence)]
        log_probs = net(mx.nd.array([[vocab["<bos>"]] + ids], dtype="int32")).asnumpy()[0].astype(np.float64)
        nll.extend(-log_probs[np.arange(len(ids) + 1), ids + [vocab["<eos>"]]])
    return float(np.exp(np.mean(nll)))


@pytest.mark.parametrize("model", ["sampled_softmax_lm", "shortlist_lm"])
def test_training_lowers_the_exact_perplexity_and_the_mixture_beats_both_parts(corpus, model):
    train, test = corpus
    extra = {"shortlist_size": 200} if model == "shortlist_lm" else {}
    net = gluonx.get_model(model, vocab_size=train.vocab_size, embed_size=16, hidden_size=32, **extra)
    task = SampledLanguageModelTask(num_samples=100)
    trainer = gluonx.Trainer(net, optimizer="adam", optimizer_params={"learning_rate": 0.01}, task=task, seed=0)
    before = trainer.evaluate(test, batch_size=16)["val_perplexity"]
    assert before == pytest.approx(_numpy_perplexity(net, train.vocab, test.sentences), rel=1e-4)
    trainer.fit(train, epochs=2, batch_size=16)
    after = trainer.evaluate(test, batch_size=16)
    # padding and batching leave the exact perplexity unchanged; it equals exp(mean per-word loss)
    assert after["val_perplexity"] == pytest.approx(_numpy_perplexity(net, train.vocab, test.sentences), rel=1e-4)
    assert after["val_perplexity"] == pytest.approx(np.exp(after["val_loss"]), rel=1e-6)
    assert after["val_perplexity"] < before / 3, (before, after)
    scalars = task.final_scalars(net, test)
    assert 0 < scalars["mixture_weight"] < 1
    assert scalars["mixture_perplexity"] <= min(scalars["ngram_perplexity"], scalars["neural_perplexity"]), scalars


def test_the_short_list_training_loss_is_the_exact_loss(corpus):
    train, _ = corpus
    net = gluonx.get_model("shortlist_lm", vocab_size=train.vocab_size, embed_size=8, hidden_size=12,
                           shortlist_size=50)
    net.initialize(mx.init.Xavier())
    source = SentenceSource(train, 8, shuffle=False)
    inputs, targets = next(iter(source.batches(0)))
    assert (targets >= 50).any() and ((targets >= 0) & (targets < 50)).any()   # both kinds of targets
    loss = net.training_loss(mx.nd.array(inputs, dtype="int32"), mx.nd.array(targets, dtype="int32")).asnumpy()
    log_probs = net(mx.nd.array(inputs, dtype="int32")).asnumpy()
    rows, columns = np.nonzero(targets >= 0)
    np.testing.assert_allclose(loss, -log_probs[rows, columns, targets[rows, columns]], rtol=1e-5, atol=1e-6)


def test_the_sampled_training_loss_tends_to_the_exact_loss_with_many_candidates(corpus):
    train, _ = corpus
    net = gluonx.get_model("sampled_softmax_lm", vocab_size=train.vocab_size, embed_size=8, hidden_size=12)
    net.initialize(mx.init.Xavier(magnitude=3))
    inputs, targets = next(iter(SentenceSource(train, 8, shuffle=False).batches(0)))
    tokens, labels = mx.nd.array(inputs, dtype="int32"), mx.nd.array(targets, dtype="int32")
    exact = net.token_nll(tokens, labels).asnumpy()
    proposal = np.full(train.vocab_size, 1.0 / train.vocab_size)
    rng = np.random.RandomState(0)
    gaps = []
    for samples in (5, 50000):
        candidates = rng.randint(0, train.vocab_size, samples)
        loss = net.training_loss(tokens, labels, mx.nd.array(candidates),
                                 mx.nd.array(np.log(proposal[candidates]))).asnumpy()
        gaps.append(np.abs(loss - exact).mean())
    assert gaps[1] < 0.02 and gaps[0] > 5 * gaps[1], gaps


def test_gluonx_train_reports_the_mixture_perplexity(tmp_path):
    out = tmp_path / "run"
    env = dict(os.environ, OMP_NUM_THREADS="1", GLUONX_STRICT_PLUGINS="1", MPLBACKEND="Agg")
    run = subprocess.run([sys.executable, "-m", "gluonx", "train", "sampled_softmax_lm", "--dataset",
                          "python_docs_words", "--dataset-arg", "max_sentences=600", "--epochs", "1",
                          "--model-arg", "embed_size=32", "--model-arg", "hidden_size=48", "--no-progress",
                          "--out", str(out)], capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "recipe sampled_softmax_lm-python_docs_words" in run.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["task"] == "sampled-language-model" and summary["primary_metric"] == "test_perplexity"
    assert summary["test_perplexity"] == pytest.approx(np.exp(summary["test_loss"]), rel=1e-6)
    assert "test perplexity: {:.4f}".format(summary["test_perplexity"]) in run.stdout
    assert summary["test_mixture_perplexity"] <= min(summary["test_ngram_perplexity"],
                                                     summary["test_neural_perplexity"]), summary
    assert "mixture {:.2f}".format(summary["test_mixture_perplexity"]) in run.stdout
