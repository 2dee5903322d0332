"""Beam-search decoding loop and the runtime of an exported translator (D2L 10.10, 10.12).

A translator export is a folder with three gluonx exports and a ``translator.json``::

    FOLDER/encoder/        (src, src_valid_len) -> (memory, *states)
    FOLDER/decoder_step/   (token, memory, src_valid_len, *states) -> (log_probs, *states)
    FOLDER/beam_step/      (log_probs, scores, alive, step) -> (scores, parents, tokens, alive)
    FOLDER/translator.json vocabulary, reserved ids, tokenizer, beam settings

:class:`BeamSearchLoop` drives any such triple (the NLP plugin's blocks in training code, the exported graphs
here), so :class:`Translator` needs neither the model's code nor the plugin: only MXNet.
"""
import json
import os
import re
import warnings

import numpy as np

__all__ = ["BeamSearchLoop", "Translator", "is_translator", "TRANSLATOR_FILE"]

TRANSLATOR_FILE = "translator.json"
_PARTS = ("encoder", "decoder_step", "beam_step")
#: Score of the beams that start empty (gluonnlp's ``LARGE_NEGATIVE_FLOAT``).
LARGE_NEGATIVE = -99999999.0


class BeamSearchLoop:
    """Batched beam search from an encoder, a decoder step and a beam-update step (callables on NDArrays).

    ``loop(src, src_valid_len)`` returns ``(samples (batch, beam, L) int32, scores (batch, beam),
    valid_length (batch, beam))`` as NumPy arrays, in the layout of gluonnlp 0.10's ``BeamSearchSampler``:
    hypotheses start with ``<bos>``, a finished hypothesis is followed by ``-1``, lengths count ``<bos>`` and
    ``<eos>``, and a hypothesis still alive after ``max_length`` steps is closed with ``<eos>``.

    The encoder's memory is repeated once per beam and never gathered (a hypothesis keeps its sentence); only
    the recurrent states follow the parents, and hypotheses are assembled from the recorded parents at the end.
    The loop stops as soon as every hypothesis has ended (early stop).
    """

    def __init__(self, encoder, decoder_step, updater, bos_id, eos_id, beam_size, max_length):
        self.encoder, self.decoder_step, self.updater = encoder, decoder_step, updater
        self.bos_id, self.eos_id = int(bos_id), int(eos_id)
        self.beam_size, self.max_length = int(beam_size), int(max_length)

    def __call__(self, src, src_valid_len):
        from mxnet import nd
        beam, ctx, batch = self.beam_size, src.context, src.shape[0]
        memory, *states = self.encoder(src, src_valid_len)
        memory = nd.repeat(memory, beam, axis=0)
        valid = nd.repeat(src_valid_len, beam, axis=0)
        states = [nd.repeat(s, beam, axis=0) for s in states]
        scores = nd.zeros((batch, beam), ctx=ctx)
        if beam > 1:
            scores[:, 1:] = LARGE_NEGATIVE
        alive = nd.ones((batch, beam), ctx=ctx)
        token = nd.full((batch * beam,), self.bos_id, ctx=ctx, dtype="int32")
        words, parents = [], []
        for i in range(self.max_length):
            log_probs, *new_states = self.decoder_step(token, memory, valid, *states)
            scores, parent, word, alive = self.updater(log_probs, scores, alive, nd.array([i + 1], ctx=ctx))
            states = [nd.take(s, parent) for s in new_states]
            token = nd.relu(word).reshape((-1,)).astype("int32")
            words.append(word)
            parents.append(parent)
            if alive.sum().asscalar() == 0:
                break
        return self._assemble(words, parents, scores.asnumpy(), alive.asnumpy(), batch)

    def _assemble(self, words, parents, scores, alive, batch):
        beam, steps = self.beam_size, len(words)
        words = np.stack([w.asnumpy().reshape(-1) for w in words]).astype(np.int32)      # (steps, batch * beam)
        parents = np.stack([p.asnumpy().reshape(-1) for p in parents]).astype(np.int64)
        samples = np.empty((batch * beam, steps + 1), dtype=np.int32)
        row = np.arange(batch * beam)
        for t in range(steps - 1, -1, -1):  # follow every final hypothesis back to <bos>
            samples[:, t + 1] = words[t, row]
            row = parents[t, row]
        samples[:, 0] = self.bos_id
        samples = samples.reshape(batch, beam, steps + 1)
        valid_length = 1 + (samples[:, :, 1:] >= 0).sum(axis=2)
        if alive.any() and steps == self.max_length:  # never ended: close with <eos>
            final = np.where(alive > 0, self.eos_id, -1).astype(np.int32)
            samples = np.concatenate([samples, final[:, :, None]], axis=2)
            valid_length = valid_length + (alive > 0)
        return samples, scores, valid_length.astype(np.int32)

    def best(self, src, src_valid_len):
        """The best hypothesis of each sentence as token ids, without ``<bos>`` and ``<eos>``."""
        samples, _, valid_length = self(src, src_valid_len)
        return [self._strip(samples[b, 0], valid_length[b, 0]) for b in range(len(samples))]

    def _strip(self, tokens, length):
        ids = [int(t) for t in tokens[1:length]]
        return ids[:-1] if ids and ids[-1] == self.eos_id else ids


def is_translator(folder):
    """Whether ``folder`` holds a translator export (``translator.json``)."""
    return os.path.isfile(os.path.join(folder, TRANSLATOR_FILE))


def _tokenize(text, spec):
    if spec.get("lower", True):
        text = text.lower()
    text = text.replace("\u202f", " ").replace("\xa0", " ")
    if spec.get("split_punctuation", True):
        return re.findall(r"[\w']+|[^\w\s]", text)
    return text.split()


def _symbol_block(folder, ctx):
    import mxnet as mx
    with open(os.path.join(folder, "manifest.json")) as f:
        manifest = json.load(f)
    files = manifest["files"]
    names = [spec["name"] for spec in manifest["inputs"]]
    with warnings.catch_warnings():  # MXNet warns that it cannot infer the int32 token inputs' type
        warnings.simplefilter("ignore")
        block = mx.gluon.SymbolBlock.imports(os.path.join(folder, files["symbol"]["path"]), names,
                                             os.path.join(folder, files["params"]["path"]), ctx=ctx)
    block.hybridize(static_alloc=True)
    return block


class Translator:
    """An exported translator: ``Translator(folder)("a sentence .")`` -> the beam's hypotheses as text.

    Loads the three MXNet symbol graphs of the folder (no model code needed), tokenizes the sentence as the
    manifest says (lower case, words and single punctuation marks), maps words to ids with the folder's
    vocabulary (unknown words to ``<unk>``) and runs :class:`BeamSearchLoop`.
    """

    def __init__(self, folder, ctx=None):
        import mxnet as mx
        with open(os.path.join(folder, TRANSLATOR_FILE)) as f:
            self.spec = json.load(f)
        if self.spec.get("format") != "gluonx-translator":
            raise ValueError("{}: not a gluonx translator export (format {!r})".format(
                os.path.join(folder, TRANSLATOR_FILE), self.spec.get("format")))
        self.ctx = ctx or mx.cpu()
        self.vocabulary = self.spec["vocabulary"]
        self._index = {token: i for i, token in enumerate(self.vocabulary)}
        parts = [_symbol_block(os.path.join(folder, part), self.ctx) for part in _PARTS]
        self.loop = BeamSearchLoop(*parts, bos_id=self.spec["bos_id"], eos_id=self.spec["eos_id"],
                                   beam_size=self.spec["beam_size"], max_length=self.spec["max_length"])

    def encode(self, sentence):
        tokens = _tokenize(sentence, self.spec.get("tokenizer", {}))
        if not tokens:
            raise ValueError("translator: the sentence {!r} has no word".format(sentence))
        return [self._index.get(t, self.spec["unknown_id"]) for t in tokens]

    def __call__(self, sentences):
        """``[{"source": ..., "hypotheses": [{"text": ..., "score": ...}, ...]}, ...]`` (best first)."""
        import mxnet as mx
        if isinstance(sentences, str):
            sentences = [sentences]
        ids = [self.encode(s) for s in sentences]
        width = max(len(i) for i in ids)
        src = np.full((len(ids), width), self.spec["pad_id"], dtype=np.int32)
        for row, sentence in enumerate(ids):
            src[row, :len(sentence)] = sentence
        lengths = np.array([len(i) for i in ids], dtype=np.float32)
        samples, scores, valid = self.loop(mx.nd.array(src, ctx=self.ctx, dtype="int32"),
                                           mx.nd.array(lengths, ctx=self.ctx))
        out = []
        for b, sentence in enumerate(sentences):
            hypotheses = [{"text": " ".join(self.vocabulary[t] for t in self.loop._strip(samples[b, k], valid[b, k])),
                           "score": float(scores[b, k])} for k in range(samples.shape[1])]
            out.append({"source": sentence, "hypotheses": hypotheses})
        return out
