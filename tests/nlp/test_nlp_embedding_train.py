"""Training word embeddings through gluonx.Trainer (D2L 10.3-10.5): sparse (row_sparse) gradients with lazy
updates touch only the rows of the batch, training lowers the held-out loss, and `gluonx train` with the
recipes writes the vectors."""
import os
import subprocess
import sys

import mxnet as mx
import numpy as np
import pytest

import gluonx
from gluonx_nlp.embedding.corpus import PythonDocsWordIds
from gluonx_nlp.embedding.huffman import HuffmanTree
from gluonx_nlp.embedding.similarity import WordEmbedding
from gluonx_nlp.embedding.tasks import GloVeTask, Word2VecTask

MODELS = ["skipgram_ns", "cbow_ns", "skipgram_hs", "cbow_hs", "fasttext_skipgram", "glove"]


@pytest.fixture(scope="module")
def docs():
    return PythonDocsWordIds(max_sentences=1200)


def _model(name, corpus, sparse_grad=True):
    extra = {}
    if name.endswith("_hs"):
        extra["token_counts"] = corpus.token_counts
    if name.startswith("fasttext"):
        extra.update(idx_to_token=corpus.idx_to_token, num_buckets=500)
    return gluonx.get_model(name, vocab_size=corpus.vocab_size, embed_size=16, sparse_grad=sparse_grad, **extra)


def _touched_rows(name, net, batch):
    """The rows of each table a batch looks up, from the batch alone (independent of MXNet's gradients)."""
    ids = {k: v.astype(np.int64) for k, v in batch.items() if k in ("center", "contexts", "negatives", "rows", "cols")}
    if name == "glove":
        return {"embedding": ids["rows"], "bias": ids["rows"], "context": ids["cols"], "context_bias": ids["cols"]}
    if name.endswith("_hs"):
        words = ids["contexts"] if name == "skipgram_hs" else ids["center"]
        output = net.tree.nodes[words]
    elif name == "cbow_ns":
        k = ids["negatives"].shape[1] // ids["contexts"].shape[1]
        output = np.concatenate([ids["center"][:, None], ids["negatives"][:, :k]], axis=1)
    else:
        output = np.concatenate([ids["contexts"], ids["negatives"]], axis=1)
    inputs = ids["center"] if name.startswith("skipgram") else ids["contexts"]
    if name.startswith("fasttext"):
        inputs = net.subword_ids.data().asnumpy().astype(np.int64)[ids["center"]]
    return {"embedding": inputs, "output": output}


def _tables(net):
    return {child: getattr(net, child).weight.data().asnumpy().copy()
            for child in ("embedding", "output", "context", "bias", "context_bias") if hasattr(net, child)}


@pytest.mark.parametrize("name", MODELS)
def test_lazy_sparse_step_changes_only_the_rows_of_the_batch(name, docs):
    task = GloVeTask(window=2) if name == "glove" else Word2VecTask(window=2, negatives=2)
    runs = {}
    for sparse in (True, False):
        mx.random.seed(0)
        net = _model(name, docs, sparse_grad=sparse)
        trainer = gluonx.Trainer(net, optimizer="adam", optimizer_params={"learning_rate": 0.05}, task=task,
                                 seed=0)
        batches = trainer.make_source(docs, batch_size=8).batches(0)
        trainer.train_batch(next(batches))  # Adam's moments of these rows become nonzero
        second = next(batches)
        before = _tables(net)
        trainer.train_batch(second)
        grads = {p.name: p.grad().stype for p in net.collect_params().values() if p.grad_req != "null"}
        runs[sparse] = (before, _tables(net), grads, net, second)
    before, after, grads, net, batch = runs[True]
    assert set(grads.values()) == {"row_sparse"}, grads
    for table, rows in _touched_rows(name, net, batch).items():
        changed = np.flatnonzero((after[table] != before[table]).any(axis=1))
        assert len(changed) > 0, table
        assert set(changed) <= set(np.unique(rows)), (table, sorted(set(changed) - set(np.unique(rows)))[:5])
    # dense gradients with the same optimizer also move rows the second batch never saw (Adam's momentum):
    # what the lazy update avoids
    before, after, grads, net, batch = runs[False]
    assert set(grads.values()) == {"default"}
    rows = np.unique(_touched_rows(name, net, batch)["embedding"])
    changed = np.flatnonzero((after["embedding"] != before["embedding"]).any(axis=1))
    assert set(changed) - set(rows)


# Hierarchical softmax starts near the unigram entropy already (the Huffman tree encodes the counts), so its
# context gain on 1,000 sentences is smaller: 6.07 -> 5.89 nats measured
@pytest.mark.parametrize("name,ratio", [("skipgram_ns", 0.9), ("cbow_hs", 0.98)])
def test_training_through_the_trainer_lowers_the_held_out_loss(name, ratio, docs):
    held_out = PythonDocsWordIds(train=False, max_sentences=1200)
    net = _model(name, docs)
    trainer = gluonx.Trainer(net, optimizer="adam", optimizer_params={"learning_rate": 0.01},
                             task=Word2VecTask(), seed=0)
    start = trainer.evaluate(held_out, batch_size=512)["val_loss"]
    epochs = trainer.fit(docs, epochs=3, batch_size=256, val_data=held_out)
    assert epochs[-1]["val_loss"] < ratio * start, (start, epochs[-1])
    assert epochs[-1]["loss"] < epochs[0]["loss"]


def _gluonx(*args, cwd):
    env = dict(os.environ, GLUONX_STRICT_PLUGINS="1", OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "gluonx"] + list(args), capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600)


@pytest.mark.parametrize("name", ["skipgram_hs", "fasttext_skipgram"])
def test_gluonx_train_recipe_writes_the_embedding(name, tmp_path):
    out = tmp_path / "run"
    done = _gluonx("train", name, "--dataset", "python_docs_word_ids", "--epochs", "1", "--dataset-arg",
                   "max_sentences=300", "--no-progress", "--out", str(out), cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "recipe {}-python_docs_word_ids".format(name) in done.stdout
    assert "wrote {}".format(out / "embedding.vec") in done.stdout
    corpus = PythonDocsWordIds(max_sentences=300)
    embedding = WordEmbedding.from_file(str(out / "embedding.vec"))
    assert embedding.words == corpus.idx_to_token[1:]  # every vocabulary word but <unk>
    assert embedding.vectors.shape[1] == 100
    latest = sorted(p for p in (out / "checkpoints").iterdir() if p.name.startswith("ckpt-"))[-1]
    params = mx.nd.load(str(latest / "params.nd"))
    if name == "skipgram_hs":  # the Huffman tree of the corpus counts reached the model
        np.testing.assert_array_equal(params["path_nodes"].asnumpy(), HuffmanTree(corpus.token_counts).nodes)
        np.testing.assert_allclose(embedding.vectors, params["embedding.weight"].asnumpy()[1:], rtol=1e-5,
                                   atol=1e-6)
    else:  # a word's vector is the sum of its rows in the subword table
        table = params["embedding.weight"].asnumpy()
        ids = params["subword_ids"].asnumpy().astype(int)
        mask = params["subword_mask"].asnumpy()
        np.testing.assert_allclose(embedding.vectors, (table[ids] * mask[:, :, None]).sum(1)[1:], rtol=1e-4,
                                   atol=1e-6)


def test_gradient_norm_of_sparse_tables_sums_their_stored_rows(docs):
    """The trainer's gradient norm (NaN guard, clipping) reads row_sparse gradients without densifying them;
    it must equal the norm of the dense gradient."""
    net = _model("skipgram_ns", docs)
    trainer = gluonx.Trainer(net, optimizer="sgd", optimizer_params={"learning_rate": 0.0},
                             task=Word2VecTask(window=2, negatives=2), seed=0)
    trainer.nan_policy = "stop"  # what gluonx train's NaNGuard sets: the norm is computed every step
    batch = next(iter(trainer.make_source(docs, batch_size=8).batches(0)))
    trainer.train_batch(batch)
    grads = [p.grad() for p in net.collect_params().values() if p.grad_req != "null"]
    assert {g.stype for g in grads} == {"row_sparse"}
    dense = np.sqrt(sum((g.tostype("default").asnumpy().astype(np.float64) ** 2).sum() for g in grads)) / 8
    assert dense > 0
    assert trainer._groups[0].grad_norm.asscalar() == pytest.approx(dense, rel=1e-5)
