"""The tasks of embedding training: word2vec-style models (skip-gram, CBOW, fastText; D2L 10.1-10.4) and
GloVe (D2L 10.5), each with the step that turns a batch into the model's inputs and its per-sample loss.

Both take a word-id corpus (:class:`~gluonx_nlp.embedding.corpus.WordIdCorpus`, e.g. the registered
``python_docs_word_ids``) and cut it into batches themselves; after ``gluonx train`` they write the trained
vectors to ``OUT/embedding.vec`` (fastText text format, readable by ``WordEmbedding.from_file``).
"""
import os

from mxnet import autograd

from gluonx.tasks.base import Task
from gluonx.train.step import StepOutput, TrainStep

from .batches import Word2VecSource
from .glove import GloVeSource
from .similarity import WordEmbedding

__all__ = ["EmbeddingStep", "Word2VecTask", "GloVeTask"]


class EmbeddingStep(TrainStep):
    """``net.batch_loss(net(*net.batch_inputs(batch)), batch)`` on each device's part of a dict batch: the
    per-sample losses of any model of this module."""

    def train_step(self, trainer, batch):
        net = trainer.net
        shards = trainer.split(batch)
        with autograd.record():
            losses = [net.batch_loss(net(*net.batch_inputs(s)), s) for s in shards]
        autograd.backward(losses)
        trainer.update()
        return StepOutput(None, None, losses)

    def eval_step(self, trainer, batch):
        net = trainer.net
        shards = trainer.split(batch)
        return StepOutput(None, None, [net.batch_loss(net(*net.batch_inputs(s)), s) for s in shards])


def _word_id_corpus(data, kind):
    if not (hasattr(data, "sentences") and hasattr(data, "token_counts") and hasattr(data, "vocab_size")):
        raise TypeError("the {} task trains on a word-id corpus (gluonx_nlp.embedding.WordIdCorpus, e.g. the "
                        "dataset 'python_docs_word_ids'), got {}".format(kind, type(data).__name__))
    return data


class _EmbeddingTask(Task):
    monitor, higher_is_better, primary_metric = "val_loss", False, "loss"

    def create_step(self, loss):
        return EmbeddingStep()

    def save_artifacts(self, net, dataset, directory):
        """Write the trained word vectors to ``directory/embedding.vec``; returns the paths written."""
        embedding = WordEmbedding(dataset.vocab.idx_to_token, net.embedding_matrix(),
                                  skip=(dataset.vocab.unknown_token,))
        return [embedding.save(os.path.join(directory, "embedding.vec"))]


class Word2VecTask(_EmbeddingTask):
    """Skip-gram / CBOW / fastText training with negative sampling or hierarchical softmax (D2L 10.1-10.4).

    Parameters
    ----------
    window : int
        Maximum context window (each center draws its window from 1..window, D2L 10.3.3).
    negatives : int
        Noise words per context (D2L 10.3.4 uses 5); ignored by hierarchical-softmax models.
    sample : float
        Subsampling threshold (word2vec's and gensim's default 1e-3; D2L 10.3.2 uses 1e-4 on the 900,000
        words of PTB, which on a 50,000-word corpus would drop most occurrences of any word seen 6 times or
        more; 0 keeps every word).
    """

    name = "word2vec"

    def __init__(self, window=5, negatives=5, sample=1e-3):
        self.window, self.negatives, self.sample = int(window), int(negatives), float(sample)

    def make_source(self, data, batch_size, shuffle=True, last_batch="keep", seed=0, batch_axis=0, num_shards=1,
                    shard=0):
        if num_shards != 1:
            raise ValueError("word2vec batches are not sharded across workers: train on one machine")
        return Word2VecSource(_word_id_corpus(data, self.name), batch_size, self.window, self.negatives,
                              self.sample, shuffle=shuffle, seed=seed, last_batch=last_batch)


class GloVeTask(_EmbeddingTask):
    """GloVe: weighted least squares on log co-occurrence counts (D2L 10.5).

    Parameters
    ----------
    window : int
        Co-occurrence window; a pair at distance d counts 1/d.
    x_max, alpha : float
        The weighting function ``min(1, (x / x_max)^alpha)``.
    """

    name = "glove"

    def __init__(self, window=5, x_max=100.0, alpha=0.75):
        self.window, self.x_max, self.alpha = int(window), float(x_max), float(alpha)

    def make_source(self, data, batch_size, shuffle=True, last_batch="keep", seed=0, batch_axis=0, num_shards=1,
                    shard=0):
        if num_shards != 1:
            raise ValueError("GloVe batches are not sharded across workers: train on one machine")
        return GloVeSource(_word_id_corpus(data, self.name), batch_size, self.window, self.x_max, self.alpha,
                           shuffle=shuffle, seed=seed, last_batch=last_batch)
