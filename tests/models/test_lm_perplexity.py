"""Quality bar: a GRU language model trained for a few seconds on real English text (CPython's help topics,
``pydoc_data.topics``) reaches a held-out perplexity far below the exact unigram and bigram baselines.

Measured here (character level, 500 Adam steps of 32 x 32 characters, seeds 0-3): GRU 4.98-5.45, unigram
27.58 (the held-out text's own character frequencies, the best any unigram model can do: 25.85), bigram
12.21; GRU / unigram 0.18-0.20. The bars (GRU < 0.35 x unigram floor, GRU < 0.75 x bigram) leave a margin
of about 1.7x.
"""
import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon

from gluonx.data.text_corpus import (CharacterVocabulary, batchify, bptt_batches, python_docs_text,
                                     read_text_corpus)
from gluonx.models.rnn_lm import gru_lm

HELD_OUT_CHARS = 20000
TRAIN_STEPS, BATCH, STEPS = 500, 32, 32


def _corpus():
    text = python_docs_text()
    cut = int(len(text) * 0.9)
    train, held_out = text[:cut], text[cut:cut + HELD_OUT_CHARS]
    vocab = CharacterVocabulary(train)
    return vocab, vocab.encode(train), vocab.encode(held_out)


def _train_gru(vocab_size, train_ids, seed=0):
    mx.random.seed(seed)
    rng = np.random.RandomState(seed)
    model = gru_lm(vocab_size=vocab_size, embed_size=32, hidden_size=128, num_layers=1)
    model.initialize(mx.init.Xavier())
    model.hybridize(static_alloc=True, static_shape=True)
    trainer = gluon.Trainer(model.collect_params(), "adam", {"learning_rate": 0.01, "clip_gradient": 1.0})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    stream = batchify(train_ids, BATCH)
    zeros = model.begin_state(BATCH)
    for _ in range(TRAIN_STEPS):
        start = rng.randint(0, len(stream) - STEPS - 1)
        inputs = mx.nd.array(stream[start:start + STEPS], dtype="int32")
        targets = mx.nd.array(stream[start + 1:start + STEPS + 1])
        with autograd.record():
            loss = loss_fn(model(inputs, *zeros)[0], targets).mean()
        loss.backward()
        trainer.step(1)
    return model


def _held_out_log_likelihoods(model, held_out_ids, streams=10, window=100):
    """Log-probability of every predicted held-out character, the state carried across windows."""
    stream = batchify(held_out_ids, streams)
    states = model.begin_state(streams)
    log_probs, inputs, targets = [], [], []
    for x, y in bptt_batches(stream, window):
        out = model(mx.nd.array(x, dtype="int32"), *states)
        states = list(out[1:])
        scores = mx.nd.log_softmax(out[0], axis=-1).asnumpy()
        log_probs.append(np.take_along_axis(scores, y[..., None].astype(np.int64), axis=-1)[..., 0].ravel())
        inputs.append(x.ravel())
        targets.append(y.ravel())
    return np.concatenate(log_probs), np.concatenate(inputs), np.concatenate(targets)


def _perplexity(log_probs):
    return float(np.exp(-np.mean(log_probs)))


def test_gru_language_model_beats_unigram_and_bigram_baselines():
    vocab, train_ids, held_out_ids = _corpus()
    log_probs, previous, targets = _held_out_log_likelihoods(_train_gru(len(vocab), train_ids), held_out_ids)
    assert len(targets) > 0.99 * HELD_OUT_CHARS - 10

    # Exact baselines on the very same predicted characters, estimated on the training text (add-one).
    counts = np.bincount(train_ids, minlength=len(vocab)) + 1.0
    unigram = _perplexity(np.log(counts / counts.sum())[targets])
    pairs = np.ones((len(vocab), len(vocab)))
    np.add.at(pairs, (train_ids[:-1], train_ids[1:]), 1)
    bigram = _perplexity(np.log(pairs / pairs.sum(axis=1, keepdims=True))[previous, targets])
    # The held-out text's own character frequencies: no unigram model can do better.
    seen = np.bincount(targets, minlength=len(vocab))
    frequencies = seen[seen > 0] / seen.sum()
    unigram_floor = float(np.exp(-(frequencies * np.log(frequencies)).sum()))
    gru = _perplexity(log_probs)
    print("held-out perplexity over {} characters: GRU {:.2f}, unigram {:.2f} (floor {:.2f}), bigram {:.2f}, "
          "GRU/unigram {:.3f}".format(len(targets), gru, unigram, unigram_floor, bigram, gru / unigram))

    assert unigram_floor <= unigram
    assert gru < 0.35 * unigram_floor, (gru, unigram_floor)
    assert gru < 0.75 * bigram, (gru, bigram)


# ---------------------------------------------------------------------------------------------------------
# The corpus helpers the test relies on

def test_character_vocabulary_round_trip_and_unknowns():
    vocab = CharacterVocabulary("abracadabra")
    assert vocab.index_to_char[1] == "a" and len(vocab) == 6  # unknown + a, b, r, c, d
    ids = vocab.encode("abrazo")
    assert ids.dtype == np.int32 and ids[-1] == vocab.unknown_id == ids[-2]
    assert vocab.decode(vocab.encode("cabra")) == "cabra"
    with pytest.raises(ValueError, match="CharacterVocabulary: expected a non-empty text"):
        CharacterVocabulary("")


def test_batchify_cuts_consecutive_streams_and_bptt_shifts_targets():
    ids = np.arange(23)
    stream = batchify(ids, 4)
    assert stream.shape == (5, 4)
    np.testing.assert_array_equal(stream[:, 1], np.arange(5, 10))  # column j = j-th contiguous piece
    windows = list(bptt_batches(stream, 3))
    assert [x.shape for x, _ in windows] == [(3, 4), (1, 4)]
    for x, y in windows:
        np.testing.assert_array_equal(y, x + 1)
    with pytest.raises(ValueError, match="batchify: 3 ids are too few for 4 streams"):
        batchify(np.arange(3), 4)


def test_python_docs_corpus_is_real_english_text():
    text = python_docs_text()
    assert len(text) > 100000
    assert text.count(" the ") > 1000


def test_read_text_corpus_rejects_malformed_files(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("héllo wörld", encoding="utf-8")
    assert read_text_corpus(str(good)) == "héllo wörld"
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"abc\xff\xfedef")
    with pytest.raises(ValueError, match=r"bad.txt is not valid utf-8 text \(byte 3 of 8"):
        read_text_corpus(str(bad))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b" \n")
    with pytest.raises(ValueError, match="empty.txt holds no text"):
        read_text_corpus(str(empty))
