"""The generated parallel corpus, the encoder-decoders' masking, the masked loss and the translation task
(D2L 10.9-10.12, DL 12.4.5)."""
import json

import mxnet as mx
import numpy as np
import pytest

import gluonx
from gluonx_nlp.data import synthetic_translation as corpus
from gluonx_nlp.data.synthetic_translation import SyntheticTranslation, generate_pairs
from gluonx_nlp.seq2seq.task import MaskedSoftmaxCELoss, make_batch
from gluonx_nlp.seq2seq.zoo import seq2seq_gru, seq2seq_lstm, transformer_seq2seq

_PLURAL_NOUNS = {plural for _, plural, _, _ in corpus.NOUNS}
_SINGULAR_NOUNS = {singular: (stem, gender) for singular, _, stem, gender in corpus.NOUNS}
_GENDER_OF_FORM = {}
for _singular, _plural, _stem, _gender in corpus.NOUNS:
    _GENDER_OF_FORM[_stem + ("o" if _gender == "m" else "a")] = (_gender, False)
    _GENDER_OF_FORM[_stem + ("os" if _gender == "m" else "as")] = (_gender, True)
_ARTICLE = {"lo": ("m", False), "la": ("f", False), "los": ("m", True), "las": ("f", True), "un": ("m", False),
            "una": ("f", False), "unos": ("m", True), "unas": ("f", True)}


def test_corpus_is_deterministic_split_and_varied():
    train, test = SyntheticTranslation(True, 600, 100), SyntheticTranslation(False, 600, 100)
    assert [p for p in SyntheticTranslation(True, 600, 100).pairs] == train.pairs
    assert len(train) == 600 and len(test) == 100
    assert not {" ".join(s) for s, _ in train.pairs} & {" ".join(s) for s, _ in test.pairs}
    lengths = [len(s) for s, _ in train.pairs]
    assert min(lengths) <= 4 and max(lengths) >= 13          # variable length
    assert generate_pairs(50, seed=1) != generate_pairs(50, seed=1 + 1)
    src, tgt = train[0]
    assert train.vocab.to_tokens(src) == train.pairs[0][0] and train.vocab.to_tokens(tgt) == train.pairs[0][1]
    assert train.vocab.unknown_index not in {i for s, t in train for i in s + t}   # one vocabulary covers both
    with pytest.raises(ValueError, match="num_train"):
        SyntheticTranslation(True, num_train=0)


def test_corpus_has_the_announced_structure():
    """Checked on the words, independently of the generator: verb-final target, subject particle, article /
    noun agreement, the verb's number agreeing with the English subject, reordering of the object."""
    reordered = 0
    for source, target in generate_pairs(400, seed=3):
        assert target[-1] == "." and corpus.SUBJECT_PARTICLE in target
        verb = target[-2]
        subject_noun = next(w for w in source if w in _PLURAL_NOUNS or w in _SINGULAR_NOUNS)
        assert verb.endswith("n") == (subject_noun in _PLURAL_NOUNS), (source, target)
        for article, noun in zip(target, target[1:]):
            if article in _ARTICLE:
                assert _GENDER_OF_FORM[noun] == _ARTICLE[article], (article, noun, target)
        if corpus.OBJECT_PARTICLE in target:
            # English verb before its object, target verb after it: a long-range reordering
            reordered += 1
            assert target.index(corpus.OBJECT_PARTICLE) < len(target) - 2
    assert reordered > 150


def test_registered_dataset_model_task_and_recipe():
    data = gluonx.get_dataset("synthetic_translation", train=False, num_train=50, num_test=20)
    assert len(data) == 20 and data.vocab_size == len(data.vocab)
    assert gluonx.get_model_info("seq2seq_gru").task == "translation"
    assert gluonx.get_task("translation").primary_metric == "bleu"
    assert gluonx.find_recipe("seq2seq_gru", "synthetic_translation") is not None


def test_make_batch_teacher_forcing_layout():
    src, src_len, tgt_in, tgt_len, tgt_out = make_batch([([5, 6, 7], [8, 9]), ([5], [8, 9, 10, 11])])
    assert src.tolist() == [[5, 6, 7], [5, 1, 1]] and src_len.tolist() == [3, 1]
    assert tgt_in.tolist() == [[2, 8, 9, 1, 1], [2, 8, 9, 10, 11]]
    assert tgt_out.tolist() == [[8, 9, 3, 1, 1], [8, 9, 10, 11, 3]] and tgt_len.tolist() == [3, 5]


def test_masked_loss_equals_numpy():
    rng = np.random.RandomState(0)
    logits, labels = rng.randn(3, 5, 7).astype(np.float32), rng.randint(0, 7, (3, 5))
    valid = np.array([5, 2, 1], np.float32)
    ours = MaskedSoftmaxCELoss()(mx.nd.array(logits), mx.nd.array(labels), mx.nd.array(valid)).asnumpy()
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    nll = -np.take_along_axis(log_p, labels[..., None], -1)[..., 0]
    expected = [nll[b, :int(v)].mean() for b, v in enumerate(valid)]
    np.testing.assert_allclose(ours, expected, rtol=1e-5)


@pytest.mark.parametrize("factory", [
    lambda: seq2seq_gru(15, embed_size=6, hidden_size=8),
    lambda: seq2seq_lstm(15, embed_size=6, hidden_size=8, attention="additive"),
    lambda: transformer_seq2seq(15, units=8, hidden_size=16, num_heads=2, num_layers=2, dropout=0.0)],
    ids=["gru-additive", "lstm-additive", "transformer"])
def test_padding_and_future_tokens_are_masked(factory):
    mx.random.seed(0)
    net = factory()
    net.initialize(mx.init.Xavier())
    net.hybridize()
    rng = np.random.RandomState(0)
    src = rng.randint(4, 15, (2, 7)).astype(np.int32)
    tgt = rng.randint(4, 15, (2, 6)).astype(np.int32)
    valid = mx.nd.array([4, 7])
    base = net(mx.nd.array(src, dtype="int32"), valid, mx.nd.array(tgt, dtype="int32")).asnumpy()
    noisy = src.copy()
    noisy[0, 4:] = rng.randint(4, 15, 3)                       # change only sentence 0's padding
    out = net(mx.nd.array(noisy, dtype="int32"), valid, mx.nd.array(tgt, dtype="int32")).asnumpy()
    np.testing.assert_allclose(out, base, rtol=1e-5, atol=1e-6)
    future = tgt.copy()
    future[:, 3:] = rng.randint(4, 15, (2, 3))                 # change target tokens from position 3 on
    out = net(mx.nd.array(src, dtype="int32"), valid, mx.nd.array(future, dtype="int32")).asnumpy()
    np.testing.assert_allclose(out[:, :3], base[:, :3], rtol=1e-5, atol=1e-6)
    assert np.abs(out[:, 3:] - base[:, 3:]).max() > 1e-4      # ...and they do matter where allowed


def test_gluonx_train_learns_to_translate(tmp_path):
    """The recipe's model and task through `gluonx train`, shortened for CI (the full recipe: docs/nlp.md)."""
    from gluonx.cli import main
    out = tmp_path / "run"
    code = main(["train", "seq2seq_gru", "--dataset", "synthetic_translation", "--dataset-arg", "num_train=3000",
                 "--dataset-arg", "num_test=200", "--epochs", "3", "--batch-size", "32", "--lr", "0.01",
                 "--out", str(out), "--no-progress"])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    # this shortened run measured BLEU 1.0 and exact match 1.0 (16 s of CPU); the full recipe 1.0 / 1.0
    assert summary["test_bleu"] >= 0.90, summary
    assert summary["test_exact_match"] >= 0.80, summary
