"""Truncated BPTT through gluonx.Trainer: LanguageModelTask on the registered GRU language model, the
sequential partitioning it trains on, state carried and detached between batches, and exact resume."""
import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon

import gluonx
from gluonx.data.text_corpus import CharacterVocabulary, batchify, bptt_batches, python_docs_text
from gluonx.tasks import LanguageModelTask, SequentialSource
from gluonx.train import CheckpointHandler, Trainer
from gluonx.train.checkpoint import list_checkpoints, read_checkpoint

HELD_OUT_CHARS = 20000


def _corpus():
    text = python_docs_text()
    cut = int(len(text) * 0.9)
    vocab = CharacterVocabulary(text[:cut])
    return vocab, vocab.encode(text[:cut]), vocab.encode(text[cut:cut + HELD_OUT_CHARS])


def _hand_perplexity(model, ids, streams=10, window=100):
    """Held-out perplexity the way tests/models/test_lm_perplexity.py measures it: NumPy log-softmax of
    every predicted character, the state carried across windows of 100."""
    stream = batchify(ids, streams)
    states = model.begin_state(streams)
    log_probs = []
    for x, y in bptt_batches(stream, window):
        out = model(mx.nd.array(x, dtype="int32"), *states)
        states = list(out[1:])
        logits = out[0].asnumpy().astype(np.float64)
        logits -= logits.max(axis=-1, keepdims=True)
        scores = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
        log_probs.append(np.take_along_axis(scores, y[..., None].astype(np.int64), axis=-1).ravel())
    return float(np.exp(-np.mean(np.concatenate(log_probs))))


def test_gru_lm_trains_through_the_trainer_to_the_hand_loops_perplexity():
    vocab, train_ids, held_out_ids = _corpus()
    mx.random.seed(0)
    net = gluonx.get_model("gru_lm", vocab_size=len(vocab), embed_size=32, hidden_size=128, num_layers=1)
    trainer = gluonx.Trainer(net, optimizer="adam", optimizer_params={"learning_rate": 0.01, "clip_gradient": 1.0},
                             task=LanguageModelTask(num_steps=32), seed=0)
    epochs = trainer.fit(train_ids, epochs=1, batch_size=32)  # 408 windows of 32 x 32 characters
    assert trainer.state.step == 408 and epochs[0]["perplexity"] == pytest.approx(np.exp(epochs[0]["loss"]), rel=0.02)
    result = trainer.evaluate(held_out_ids, batch_size=10)
    hand = _hand_perplexity(net, held_out_ids)
    # the task's evaluation (windows of 32, state carried, perplexity on the device) is the hand measurement
    assert result["val_perplexity"] == pytest.approx(hand, rel=1e-4)
    # tests/models/test_lm_perplexity.py's hand loop reaches 4.98-5.45 (500 Adam steps, seeds 0-3)
    assert result["val_perplexity"] < 5.2 * 1.1, result


def _tiny_lm(seed=0):
    mx.random.seed(seed)
    net = gluonx.get_model("gru_lm", vocab_size=7, embed_size=4, hidden_size=5, num_layers=1)
    net.initialize(mx.init.Xavier())
    return net


def test_state_is_carried_and_detached_between_batches_like_a_hand_loop():
    ids = np.random.RandomState(0).randint(0, 7, size=400).astype(np.int32)
    task = LanguageModelTask(num_steps=6, random_offset=False)
    trainer = Trainer(_tiny_lm(), optimizer="sgd", optimizer_params={"learning_rate": 0.5}, task=task,
                      hybridize=False, ctx="cpu:0,cpu:1")
    source = task.make_source(ids, 4)
    windows = list(source.batches(0))[:3]
    trainer.batch_step.epoch_begin(trainer)
    for x, y in windows:
        trainer.train_batch(x, y)

    reference = _tiny_lm()
    gluon_trainer = gluon.Trainer(reference.collect_params(), "sgd", {"learning_rate": 0.5})
    states = reference.begin_state(4)
    for x, y in windows:
        with autograd.record():
            out = reference(mx.nd.array(x, dtype="int32"), *states)
            # each stream's mean negative log-likelihood per token (D2L 8.4.4), summed over the streams
            nll = -mx.nd.pick(mx.nd.log_softmax(out[0], axis=-1), mx.nd.array(y), axis=-1)
            loss = nll.mean(axis=0)
        loss.backward()
        gluon_trainer.step(4)
        states = [s.detach() for s in out[1:]]
    mine, theirs = trainer.parameters(), {k: v.data().asnumpy() for k, v in
                                          reference._collect_params_with_prefix().items()}
    for key in theirs:
        np.testing.assert_allclose(mine[key], theirs[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_sequential_source_continues_streams_and_resumes_mid_epoch():
    ids = np.arange(1000, dtype=np.int32)
    source = SequentialSource(ids, batch_size=4, num_steps=10, seed=3)
    for epoch in range(3):
        windows = list(source.batches(epoch))
        assert len(windows) == len(source) == 24  # the same count whatever the epoch's offset
        offset = source.offset(epoch)
        assert 0 <= offset < 10 and windows[0][0][0, 0] == offset
        for (x, y), (next_x, _) in zip(windows, windows[1:]):
            assert x.shape == (10, 4) and x.dtype == np.int32
            np.testing.assert_array_equal(y, x + 1)          # targets: the next token
            np.testing.assert_array_equal(next_x[0], x[-1] + 1)  # each column continues its stream
        resumed = list(source.batches(epoch, start=17))
        for (a, b), (c, d) in zip(windows[17:], resumed):
            np.testing.assert_array_equal(a, c)
            np.testing.assert_array_equal(b, d)
    assert len({source.offset(e) for e in range(20)}) > 3
    evaluation = LanguageModelTask(num_steps=10).make_source(ids, 4, shuffle=False)
    windows = list(evaluation.batches(0))
    assert windows[0][0][0, 0] == 0 and windows[-1][0].shape == (9, 4)  # every token, a short last window
    assert sum(len(x) for x, _ in windows) == 249
    with pytest.raises(ValueError, match="1-D array of integer token ids"):
        SequentialSource(np.zeros((3, 3), dtype=np.int32), 2, 2)


def test_resume_mid_epoch_restores_the_carried_state(tmp_path):
    ids = np.random.RandomState(1).randint(0, 7, size=1200).astype(np.int32)

    def make():
        return Trainer(_tiny_lm(), optimizer="adam", optimizer_params={"learning_rate": 0.05},
                       task=LanguageModelTask(num_steps=8), seed=5)
    straight = make()
    straight.fit(ids, epochs=2, batch_size=6, event_handlers=[CheckpointHandler(str(tmp_path), every_n_batches=10,
                                                                                keep_last=20)])
    middle = [p for p in list_checkpoints(str(tmp_path)) if p.endswith("b00000030")]
    assert middle, list_checkpoints(str(tmp_path))
    record, _, optimizer_arrays, _ = read_checkpoint(middle[0])
    assert record["step_state"] == ["0/0"] and "step/0/0" in optimizer_arrays
    resumed = make()
    resumed.fit(ids, epochs=2, batch_size=6, resume=middle[0],
                event_handlers=[CheckpointHandler(str(tmp_path / "again"), every_n_batches=10)])
    for key, value in straight.parameters().items():
        np.testing.assert_array_equal(resumed.parameters()[key], value, err_msg=key)
    assert [h["loss"] for h in resumed.state.history] == [h["loss"] for h in straight.state.history]
