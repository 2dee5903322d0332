"""The ``translation`` task: teacher forcing with a masked softmax cross-entropy (D2L 10.12.2-10.12.3), batches
of ``(src, src_valid_len, tgt_in, tgt_valid_len, tgt_out)``, and beam-search BLEU / exact match measured once
after training (D2L 10.12.4).
"""
import contextlib

import numpy as np
from mxnet import autograd, gluon, nd

from gluonx.data.sampler import EpochBatchSampler
from gluonx.tasks.base import Task
from gluonx.train.metrics import DeviceMetric
from gluonx.train.step import StepOutput, TrainStep

from ..text.batching import pad_sequences

__all__ = ["MaskedSoftmaxCELoss", "TokenAccuracy", "TranslationBatches", "TranslationStep", "TranslationTask",
           "make_batch", "PAD_ID", "BOS_ID", "EOS_ID"]

#: Reserved ids of :class:`gluonx_nlp.text.Vocabulary` with its default reserved tokens.
PAD_ID, BOS_ID, EOS_ID = 1, 2, 3


def make_batch(pairs, pad_id=PAD_ID, bos_id=BOS_ID, eos_id=EOS_ID):
    """``(src, src_valid_len, tgt_in, tgt_valid_len, tgt_out)`` NumPy arrays from ``(source ids, target ids)``
    pairs: ``tgt_in`` is ``<bos> y``, ``tgt_out`` is ``y <eos>`` (teacher forcing, D2L 10.12.3)."""
    sources = [list(s) for s, _ in pairs]
    if any(not s for s in sources):
        raise ValueError("translation: every source sentence needs at least one token")
    src, src_len = pad_sequences(sources, pad_id)
    tgt_in, tgt_len = pad_sequences([[bos_id] + list(t) for _, t in pairs], pad_id)
    tgt_out, _ = pad_sequences([list(t) + [eos_id] for _, t in pairs], pad_id)
    return (src.astype(np.int32), src_len.astype(np.float32), tgt_in.astype(np.int32), tgt_len.astype(np.float32),
            tgt_out.astype(np.float32))


class TranslationBatches:
    """Padded translation batches of a dataset of ``(source ids, target ids)``, in a shuffled order that
    depends only on ``(seed, epoch)`` (so a checkpoint resumes on the same batches)."""

    def __init__(self, dataset, batch_size, shuffle=True, last_batch="keep", seed=0, num_shards=1, shard=0):
        if batch_size is None:
            raise ValueError("translation: batch_size is required")
        self.dataset = dataset
        self.sampler = EpochBatchSampler(len(dataset), batch_size, shuffle, last_batch, seed, num_shards, shard)

    def __len__(self):
        return len(self.sampler)

    def batches(self, epoch, start=0):
        for indices in self.sampler.batches(epoch, start):
            yield make_batch([self.dataset[int(i)] for i in indices])


class MaskedSoftmaxCELoss(gluon.loss.Loss):
    """Softmax cross-entropy over the first ``valid_len`` steps of each sequence, averaged over them
    (D2L 10.12.2 masks the padding so it contributes neither loss nor gradient).

    ``loss(logits (batch, T, V), labels (batch, T), valid_len (batch,))`` -> ``(batch,)``.
    """

    def __init__(self, **kwargs):
        super().__init__(weight=None, batch_axis=0, **kwargs)

    def hybrid_forward(self, F, logits, labels, valid_len):
        nll = -F.pick(F.log_softmax(logits, axis=-1), labels, axis=-1)
        masked = F.SequenceMask(nll, sequence_length=valid_len, use_sequence_length=True, axis=1)
        return F.broadcast_div(F.sum(masked, axis=1), valid_len)


class TokenAccuracy(DeviceMetric):
    """Share of a sentence's target tokens (``<eos>`` included, padding excluded) predicted right under teacher
    forcing, averaged over sentences (computed on the device: no read of the lengths)."""

    name = "token_accuracy"

    def batch_sum(self, label, output):
        tgt_out, valid_len = label
        correct = (output.argmax(axis=-1) == tgt_out).swapaxes(0, 1)
        masked = nd.SequenceMask(correct, sequence_length=valid_len, use_sequence_length=True, axis=0)
        return (masked.sum(axis=0) / valid_len).sum(), int(valid_len.shape[0])


class TranslationStep(TrainStep):
    """``loss(net(src, src_valid_len, tgt_in), tgt_out, tgt_valid_len)`` on every device."""

    def __init__(self):
        super().__init__(num_inputs=3)

    def _run(self, trainer, batch, train):
        shards = trainer.split(batch)
        with autograd.record(train_mode=True) if train else contextlib.nullcontext():
            outputs = [trainer.net(src, src_len, tgt_in) for src, src_len, tgt_in, _, _ in shards]
            losses = [trainer.loss(out, tgt_out, tgt_len) for out, (_, _, _, tgt_len, tgt_out) in zip(outputs, shards)]
        if train:
            autograd.backward(losses)
            trainer.update()
        return StepOutput([(s[4], s[3]) for s in shards], outputs, losses)

    def train_step(self, trainer, batch):
        return self._run(trainer, batch, True)

    def eval_step(self, trainer, batch):
        return self._run(trainer, batch, False)


class TranslationTask(Task):
    """Sequence-to-sequence translation (D2L 10.12): teacher forcing, masked cross-entropy, beam-search BLEU.

    Nets are called ``net(src, src_valid_len, tgt_in)`` and return logits ``(batch, T, V)``; they provide
    ``encoder()`` and ``decoder_step()`` blocks for decoding (:class:`~gluonx_nlp.seq2seq.RNNSeq2Seq`,
    :class:`~gluonx_nlp.seq2seq.TransformerSeq2Seq`). Datasets hold ``(source ids, target ids)`` pairs with the
    reserved ids ``<pad>=1, <bos>=2, <eos>=3`` of :class:`gluonx_nlp.text.Vocabulary`.

    Parameters
    ----------
    beam_size, alpha : int, float
        Beam search of :meth:`final_scalars` (GNMT length penalty ``((5 + t) / 6) ** alpha``).
    max_length : int
        Longest decoded target.
    batch_size : int
        Sentences decoded together by :meth:`final_scalars`.
    """

    name = "translation"
    monitor = "val_loss"
    higher_is_better = False
    primary_metric = "bleu"

    def __init__(self, beam_size=4, alpha=1.0, max_length=40, batch_size=128):
        self.beam_size, self.alpha, self.max_length, self.batch_size = beam_size, alpha, max_length, batch_size

    def create_loss(self):
        return MaskedSoftmaxCELoss()

    def create_metrics(self):
        return [TokenAccuracy()]

    def create_step(self, loss):
        return TranslationStep()

    def make_source(self, data, batch_size, shuffle=True, last_batch="keep", seed=0, batch_axis=0, num_shards=1,
                    shard=0):
        if hasattr(data, "batches"):
            return data
        return TranslationBatches(data, batch_size, shuffle, last_batch, seed, num_shards, shard)

    def net_inputs(self, batch):
        """The net's inputs in a batch: ``(src, src_valid_len, tgt_in)``."""
        return batch[:3]

    def decoder(self, net, beam_size=None):
        """A :class:`~gluonx_nlp.seq2seq.BeamSearchDecoder` over ``net`` (hybridized encoder and step)."""
        from .beam_search import BeamSearchDecoder
        encoder, step = net.encoder(), net.decoder_step()
        encoder.hybridize(static_alloc=True)
        step.hybridize(static_alloc=True)
        return BeamSearchDecoder(encoder, step, net.vocab_size, BOS_ID, EOS_ID,
                                 beam_size=beam_size or self.beam_size, alpha=self.alpha, max_length=self.max_length)

    def translate(self, net, sources, ctx=None, beam_size=None):
        """Best beam-search hypothesis (token ids) for each source id list."""
        import mxnet as mx
        ctx = ctx or mx.cpu()
        decoder = self.decoder(net, beam_size)
        out = []
        for begin in range(0, len(sources), self.batch_size):
            chunk = sources[begin:begin + self.batch_size]
            src, src_len = pad_sequences([list(s) for s in chunk], PAD_ID)
            out.extend(decoder.translate(mx.nd.array(src, ctx=ctx, dtype="int32"), mx.nd.array(src_len, ctx=ctx)))
        return out

    def final_scalars(self, net, data, ctx=None):
        """Corpus BLEU (as sacrebleu, D2L 10.12.4) and the share of exactly right translations, by beam
        search on every test pair."""
        from ..metrics.bleu import corpus_bleu
        pairs = [data[i] for i in range(len(data))]
        hypotheses = self.translate(net, [s for s, _ in pairs], ctx)
        references = [list(t) for _, t in pairs]
        exact = float(np.mean([h == r for h, r in zip(hypotheses, references)])) if pairs else float("nan")
        vocab = getattr(data, "vocab", None)
        words = vocab.to_tokens if vocab is not None else (lambda ids: [str(i) for i in ids])
        bleu = corpus_bleu([words(h) for h in hypotheses], [[words(r)] for r in references])
        return {"bleu": bleu, "exact_match": exact}

    def result_lines(self, scalars, prefix="val_", label="test"):
        lines = []
        for name, text in (("bleu", "BLEU"), ("exact_match", "exact match"), ("token_accuracy", "token accuracy"),
                           ("loss", "loss")):
            if prefix + name in scalars:
                lines.append("{} {}: {:.4f}".format(label, text, scalars[prefix + name]))
        return lines

    def decode(self, outputs):
        logits = outputs[0] if isinstance(outputs, (tuple, list)) else outputs
        return {"next_token": logits.asnumpy().argmax(axis=-1).tolist()}
