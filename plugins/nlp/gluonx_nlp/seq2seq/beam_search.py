"""Greedy and beam search decoding with batched beams (D2L 10.10) and the GNMT length penalty.

One :class:`BeamSearchStep` (a HybridBlock, exportable) turns the decoder step's log-probabilities for the
``batch * beam`` hypotheses into the next beam state: the length-penalized candidate scores, the top-``K``
candidates of each sentence among the ``K * V`` extensions and the ``K`` finished hypotheses, the parent beam
of each, the chosen token (``-1`` for a finished hypothesis carried over) and the alive mask. The Python loop of
:class:`BeamSearchDecoder` (the core's :class:`gluonx.deploy.translator.BeamSearchLoop`) only calls the decoder step and this block, gathers the recurrent states by the
parents, and stops when no hypothesis is alive (early stop at ``<eos>``).

The computation is the one of gluonnlp 0.10's ``BeamSearchSampler`` with ``BeamSearchScorer(alpha, K)``
(tests check equal tokens and scores on the same decoder). What differs is the loop: the encoder's memory is
repeated once for the beams and never gathered again (a hypothesis keeps its sentence, so its memory never
changes), and the hypotheses are assembled once at the end from the recorded parents instead of gathering the
whole history every step.
"""
import numbers

from mxnet.gluon import nn

from gluonx._validate import check_non_negative
from gluonx.deploy.translator import LARGE_NEGATIVE, BeamSearchLoop

__all__ = ["BeamSearchStep", "BeamSearchDecoder", "LARGE_NEGATIVE", "length_penalty"]

def length_penalty(length, alpha=1.0, k=5.0):
    """GNMT's length penalty ``((k + length) / (k + 1)) ** alpha`` (``k = 5``: ``((5 + |Y|) / 6) ** alpha``)."""
    return (k + length) ** alpha / (k + 1) ** alpha


class BeamSearchStep(nn.HybridBlock):
    """Next beam state from one decoder step (D2L 10.10.3; Wu et al. 2016, length penalty).

    Scores are length-normalized log-probabilities: a hypothesis of ``t`` tokens scores
    ``log P(y_1..y_t) / lp(t)`` with ``lp(t) = ((k + t) / (k + 1)) ** alpha``.

    Parameters
    ----------
    beam_size : int
    vocab_size : int
    eos_id : int
    alpha, k : float
        Length penalty exponent and offset.

    Inputs:
        - **log_probs** ``(batch * beam, vocab)``: the decoder step's log-probabilities;
        - **scores** ``(batch, beam)``: current normalized scores;
        - **alive** ``(batch, beam)`` float, 1 for a hypothesis still growing;
        - **step** ``(1,)`` float, the step number starting at 1.

    Outputs: new scores ``(batch, beam)``, parents ``(batch * beam,)`` (row of the hypothesis extended, in
    ``[0, batch * beam)``), tokens ``(batch, beam)`` int32 (``-1``: a finished hypothesis kept as it is), new
    alive mask ``(batch, beam)``.
    """

    def __init__(self, beam_size, vocab_size, eos_id, alpha=1.0, k=5.0, **kwargs):
        super().__init__(**kwargs)
        for label, value in (("beam_size", beam_size), ("vocab_size", vocab_size)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError("BeamSearchStep: {} must be a positive integer, got {!r}".format(label, value))
        if isinstance(eos_id, bool) or not isinstance(eos_id, numbers.Integral) or not 0 <= eos_id < vocab_size:
            raise ValueError("BeamSearchStep: eos_id must be a token id in [0, {}), got {!r}".format(vocab_size, eos_id))
        for label, value in (("alpha", alpha), ("k", k)):
            check_non_negative("BeamSearchStep: " + label, value)
        self._beam, self._vocab, self._eos = int(beam_size), int(vocab_size), int(eos_id)
        self._alpha, self._k = float(alpha), float(k)

    def hybrid_forward(self, F, log_probs, scores, alive, step):
        beam, vocab = self._beam, self._vocab
        # the length penalty of the previous and of this step, in gluonnlp's operation order (equal floats)
        prev_lp = (self._k + step - 1) ** self._alpha / (self._k + 1) ** self._alpha
        prev_lp = prev_lp * (step != 1) + (step == 1)
        lp = (self._k + step) ** self._alpha / (self._k + 1) ** self._alpha
        candidates = F.broadcast_add(F.reshape(log_probs, shape=(-1, beam, vocab)),
                                     F.expand_dims(F.broadcast_mul(scores, prev_lp), axis=-1))
        candidates = F.broadcast_div(candidates, lp)
        alive_b = F.expand_dims(alive, axis=2)
        candidates = F.broadcast_mul(alive_b, candidates) + F.broadcast_mul(
            1 - alive_b, F.ones_like(candidates) * LARGE_NEGATIVE)
        finished = F.where(alive, F.ones_like(scores) * LARGE_NEGATIVE, scores)
        candidates = F.concat(F.reshape(candidates, shape=(0, -1)), finished, dim=1)
        new_scores, indices = F.topk(candidates, axis=1, k=beam, ret_typ="both")
        carried = indices >= beam * vocab
        words = indices - F.floor(indices / vocab) * vocab
        beams = F.where(carried, indices - beam * vocab, F.floor(indices / vocab))
        shift = F.expand_dims(F.contrib.arange_like(scores, axis=0) * beam, axis=1)
        parents = F.reshape(F.broadcast_add(beams, shift), shape=(-1,))
        words = F.where(carried, -F.ones_like(words), words)
        new_alive = F.reshape(F.take(F.reshape(alive, shape=(-1,)), parents), shape=(-1, beam)) * (words != self._eos)
        return new_scores, parents, F.cast(words, dtype="int32"), new_alive


class BeamSearchDecoder(BeamSearchLoop):
    """Beam search (or greedy search, ``beam_size=1``) over a seq2seq model's encoder and decoder step.

    Parameters
    ----------
    encoder : callable
        ``encoder(src, src_valid_len)`` -> ``[memory, *states]`` (a model's ``encoder()`` block).
    decoder_step : callable
        ``decoder_step(token, memory, src_valid_len, *states)`` -> ``[log_probs (n, V), *states]``; every state
        has the hypotheses on axis 0.
    vocab_size, bos_id, eos_id : int
    beam_size : int
    alpha, k : float
        Length penalty ``((k + t) / (k + 1)) ** alpha`` (GNMT: ``k = 5``; ``alpha = 0`` turns it off).
    max_length : int
        Steps at most; a hypothesis still alive then is closed with ``<eos>``.

    ``decoder(src, src_valid_len)`` returns ``(samples, scores, valid_length)`` as NumPy arrays, as gluonnlp's
    ``BeamSearchSampler``: ``samples (batch, beam, L)`` int32 starting with ``<bos>``, ``-1`` after a
    hypothesis ended, ``scores (batch, beam)`` in decreasing order, ``valid_length (batch, beam)`` (``<bos>``
    and ``<eos>`` included). The loop is the core's :class:`gluonx.deploy.translator.BeamSearchLoop`, which also
    runs exported translators.
    """

    def __init__(self, encoder, decoder_step, vocab_size, bos_id, eos_id, beam_size=4, alpha=1.0, k=5.0,
                 max_length=50, hybridize=True):
        if isinstance(max_length, bool) or not isinstance(max_length, numbers.Integral) or max_length < 1:
            raise ValueError("BeamSearchDecoder: max_length must be a positive integer, got {!r}".format(max_length))
        updater = BeamSearchStep(beam_size, vocab_size, eos_id, alpha=alpha, k=k)
        if hybridize:
            updater.hybridize(static_alloc=True)
        super().__init__(encoder, decoder_step, updater, bos_id, eos_id, beam_size, max_length)

    def translate(self, src, src_valid_len):
        """The best hypothesis of each sentence as a list of token ids, without ``<bos>`` and ``<eos>``."""
        return self.best(src, src_valid_len)
