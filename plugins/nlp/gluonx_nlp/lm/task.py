"""The ``sampled-language-model`` task: sentence-level word LMs trained with a cheap output layer (DL 12.4.3)
and, after training, their mixture with a Kneser-Ney n-gram model (DL 12.4.4).

A batch is a set of sentences as batch-major ``(inputs, targets)`` (``<bos>`` + words -> words + ``<eos>``,
targets -1 on padding) plus the ``num_samples`` candidate words of the importance-sampled softmax, drawn from
the unigram^0.75 proposal of the training targets with a seed derived from ``(seed, epoch, batch)`` (a resumed
epoch sees the same batches and candidates). Training minimises the net's ``training_loss`` per target word
(the sampled softmax with the log-Q correction for :class:`~gluonx_nlp.lm.neural.SampledSoftmaxLM`, the exact
short-list loss for :class:`~gluonx_nlp.lm.neural.ShortlistLM`); evaluation scores every word with the full
softmax, so ``val_perplexity`` is the exact perplexity.
"""
import numpy as np
from mxnet import autograd

from gluonx.tasks.base import Task
from gluonx.train.metrics import Mean
from gluonx.train.step import StepOutput, TrainStep
from gluonx.utils.seed import derived_seed

from .kneser_ney import KneserNeyLM
from .neural import (BOS, EOS, fit_interpolation_weight, kneser_ney_word_probabilities, neural_word_probabilities,
                     pad_sentences, perplexity, target_counts)
from .sampled_softmax import unigram_proposal

__all__ = ["SampledLanguageModelTask", "SentenceSource", "SampledSoftmaxStep", "TokenPerplexity"]

#: sentences sorted by length within a pool of this many batches, to limit padding
_POOL = 20


class TokenPerplexity(Mean):
    """``exp`` of the mean of per-token negative log-likelihoods (the step's outputs)."""

    name = "perplexity"

    def value(self, total, count):
        return float(np.exp(total / count)) if count else float("nan")


def _word_corpus(data):
    if not hasattr(data, "vocab") or not len(data) or not isinstance(data[0], (list, tuple)):
        raise TypeError("the sampled-language-model task trains on sentences of words with a 'vocab' attribute "
                        "(e.g. the dataset 'python_docs_words'), got {}".format(type(data).__name__))
    return data


class SentenceSource:
    """Batches of whole sentences (see the module); ``proposal`` None gives no candidates (evaluation)."""

    def __init__(self, data, batch_size, shuffle=True, seed=0, proposal=None, num_samples=0):
        vocab = data.vocab
        self.ids = [vocab[list(sentence)] for sentence in data]
        self.bos, self.eos = vocab[BOS], vocab[EOS]
        self.batch_size, self.shuffle, self.seed = int(batch_size), shuffle, seed
        self.proposal, self.num_samples = proposal, int(num_samples)
        self._length = -(-len(self.ids) // self.batch_size)

    def __len__(self):
        return self._length

    def _order(self, epoch):
        if not self.shuffle:  # by length: the perplexity does not depend on the order, the padding does
            order = np.argsort([len(ids) for ids in self.ids], kind="stable")
            return [order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        rng = np.random.RandomState(derived_seed(self.seed, epoch, stream=5))
        order, batches, pool = rng.permutation(len(self.ids)), [], self.batch_size * _POOL
        for start in range(0, len(order), pool):
            chunk = sorted(order[start:start + pool], key=lambda i: len(self.ids[i]))
            batches.extend(np.asarray(chunk[i:i + self.batch_size]) for i in range(0, len(chunk), self.batch_size))
        return [batches[i] for i in rng.permutation(len(batches))]

    def batches(self, epoch, start=0):
        order = self._order(epoch)
        for index in range(start, self._length):
            inputs, targets = pad_sentences([self.ids[i] for i in order[index]], self.bos, self.eos)
            if self.proposal is None:
                yield inputs, targets
                continue
            rng = np.random.RandomState(derived_seed(self.seed, epoch * 1000003 + index, stream=6))
            candidates = rng.choice(len(self.proposal), size=self.num_samples, p=self.proposal).astype(np.int32)
            yield inputs, targets, candidates, np.log(self.proposal[candidates]).astype(np.float32)


class SampledSoftmaxStep(TrainStep):
    """Per-target-word losses: ``net.training_loss`` in training, the full softmax's ``net.token_nll`` in
    evaluation; the update divides by the number of target words."""

    def train_step(self, trainer, batch):
        net = trainer.net
        # the candidates are shared by the whole batch: every device gets all of them
        shards = trainer.split(batch, batch_axis=[0, 0, None, None]) if len(batch) == 4 else trainer.split(batch)
        with autograd.record():
            losses = [net.training_loss(*shard) for shard in shards]
        autograd.backward(losses)
        trainer.update(num_samples=sum(loss.shape[0] for loss in losses))
        return StepOutput(None, None, losses)

    def eval_step(self, trainer, batch):
        shards = trainer.split(tuple(batch[:2]))
        losses = [trainer.net.token_nll(inputs, targets) for inputs, targets in shards]
        return StepOutput(losses, losses, losses)


class SampledLanguageModelTask(Task):
    """Word LM on sentences with the importance-sampled softmax or a short list (DL 12.4.3), and the
    held-out perplexity of its mixture with a Kneser-Ney model (DL 12.4.4) after training.

    Parameters
    ----------
    num_samples : int
        Candidates per batch of the importance-sampled softmax (shared by the batch).
    power : float
        Proposal ``Q(w) ~ count(w) ** power`` over the training targets.
    mixture : bool
        Measure the n-gram + neural mixture in :meth:`final_scalars`.
    ngram_order, discount : int, float
        The Kneser-Ney model of the mixture, fitted on the sentences the net trained on.

    Notes
    -----
    :meth:`final_scalars` splits the test sentences alternately: the even-indexed ones fit the mixture weight
    ``lambda`` of ``lambda P_KN + (1 - lambda) P_neural`` by EM, the odd-indexed ones give
    ``ngram_perplexity``, ``neural_perplexity`` and ``mixture_perplexity`` (``gluonx train`` reports them as
    ``test_*``). Words outside the vocabulary are ``<unk>`` for both models.
    """

    name = "sampled-language-model"
    monitor = "val_perplexity"
    higher_is_better = False
    primary_metric = "perplexity"

    def __init__(self, num_samples=200, power=0.75, mixture=True, ngram_order=3, discount=0.75):
        if int(num_samples) < 1:
            raise ValueError("num_samples must be a positive integer, got {!r}".format(num_samples))
        self.num_samples, self.power, self.mixture = int(num_samples), float(power), bool(mixture)
        self.ngram_order, self.discount = int(ngram_order), float(discount)
        self._train_data = None

    def create_metrics(self):
        return [TokenPerplexity()]

    def create_step(self, loss):
        return SampledSoftmaxStep()

    def make_source(self, data, batch_size, shuffle=True, last_batch="keep", seed=0, batch_axis=0, num_shards=1,
                    shard=0):
        if num_shards != 1:
            raise ValueError("sentence LM batches are not sharded across workers: train on one machine")
        if isinstance(data, SentenceSource):
            return data
        data = _word_corpus(data)
        if not shuffle:
            return SentenceSource(data, batch_size, shuffle=False)
        self._train_data = data  # the mixture's n-gram model is fitted on the same sentences
        source = SentenceSource(data, batch_size, shuffle=True, seed=seed, num_samples=self.num_samples)
        source.proposal = unigram_proposal(target_counts(source.ids, len(data.vocab), source.eos), self.power)
        return source

    def final_scalars(self, net, data, ctx=None):
        """The n-gram + neural mixture on the test sentences (see the class); ``{}`` without training data."""
        if not self.mixture or self._train_data is None or len(data) < 2:
            return {}
        vocab = _word_corpus(data).vocab
        unknown = vocab.unknown_token

        def known(sentences):
            return [[w if w in vocab else unknown for w in s] for s in sentences]

        ngram = KneserNeyLM(self.ngram_order, self.discount).fit(known(self._train_data))
        held_out = known(data)
        valid, test = held_out[0::2], held_out[1::2]
        weight = fit_interpolation_weight(kneser_ney_word_probabilities(ngram, valid),
                                          neural_word_probabilities(net, vocab, valid, ctx))
        ngram_test = kneser_ney_word_probabilities(ngram, test)
        neural_test = neural_word_probabilities(net, vocab, test, ctx)
        mixed = [weight * a + (1 - weight) * b for a, b in zip(ngram_test, neural_test)]
        return {"mixture_weight": weight, "ngram_perplexity": perplexity(ngram_test),
                "neural_perplexity": perplexity(neural_test), "mixture_perplexity": perplexity(mixed)}

    def result_lines(self, scalars, prefix="val_", label="test"):
        lines = super().result_lines(scalars, prefix, label)
        names = ("mixture_weight", "ngram_perplexity", "neural_perplexity", "mixture_perplexity")
        if all(prefix + name in scalars for name in names):
            lines.append("{} mixture (odd-indexed test sentences; lambda {:.3f} fitted on the even ones): "
                         "Kneser-Ney {:.2f}, neural {:.2f}, mixture {:.2f}".format(
                             label, *[scalars[prefix + name] for name in names]))
        return lines

    def decode(self, outputs):
        """``{"next_word": ids (N, T) of the most likely next word}`` from (N, T, V) log-probabilities."""
        log_probs = outputs[0] if isinstance(outputs, (tuple, list)) else outputs
        log_probs = log_probs.asnumpy() if hasattr(log_probs, "asnumpy") else np.asarray(log_probs)
        return {"next_word": log_probs.argmax(axis=-1).tolist()}
