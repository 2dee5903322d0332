"""Export a trained translator: the encoder, the decoder step and the beam-update step as three gluonx exports
(MXNet symbol + ONNX, dynamic batch and sequence length, valid-length inputs) and a ``translator.json`` with the
vocabulary, the tokenizer and the beam settings. ``gluonx predict FOLDER "a sentence ."`` runs it
(:class:`gluonx.deploy.translator.Translator`, which needs only MXNet).
"""
import os

import mxnet as mx

import gluonx
from gluonx import InputSpec
from gluonx.deploy.translator import TRANSLATOR_FILE
from gluonx.utils.atomic import write_json

from .beam_search import BeamSearchStep
from .task import BOS_ID, EOS_ID, PAD_ID

__all__ = ["export_translator"]


def export_translator(net, path, vocabulary, beam_size=4, alpha=1.0, max_length=40, formats=("symbol", "onnx"),
                      tokenizer=None, verify=True):
    """Write ``path/{encoder,decoder_step,beam_step}`` and ``path/translator.json``.

    Parameters
    ----------
    net : RNNSeq2Seq or TransformerSeq2Seq
        An initialized (trained) model.
    path : str
        Output folder (created; the three sub-exports are each published atomically).
    vocabulary : gluonx_nlp.text.Vocabulary or list of str
        The shared source/target vocabulary (``<unk>=0, <pad>=1, <bos>=2, <eos>=3``).
    beam_size, alpha, max_length : int, float, int
        Beam settings recorded for ``gluonx predict``; ``beam_size`` is baked into the beam step.
    tokenizer : dict, optional
        ``{"lower": True, "split_punctuation": True}`` (the default): how a sentence becomes words.

    Returns
    -------
    dict
        The three :class:`gluonx.deploy.ExportResult` under ``encoder``, ``decoder_step``, ``beam_step``.
    """
    tokens = list(getattr(vocabulary, "idx_to_token", vocabulary))
    if len(tokens) != net.vocab_size:
        raise ValueError("export_translator: the vocabulary has {} tokens, the model {}".format(
            len(tokens), net.vocab_size))
    os.makedirs(path, exist_ok=True)
    vocab_size = net.vocab_size
    encoder, step = net.encoder(), net.decoder_step()
    src = InputSpec((2, 6), dtype="int32", vocab_size=vocab_size, dynamic_axes={1: "source_time"}, name="src")
    valid = InputSpec((2,), dtype="int32", low=1, length_of=(0, 1), name="src_valid_len")
    results = {"encoder": gluonx.export(encoder, os.path.join(path, "encoder"), [src, valid], formats=formats,
                                        verify=verify, output_names=None)}
    memory, *states = encoder(mx.nd.ones((2, 6), dtype="int32"), mx.nd.array([6, 3]))
    step_inputs = [InputSpec((2,), dtype="int32", vocab_size=vocab_size, name="token"),
                   InputSpec(tuple(memory.shape), low=-1, high=1, dynamic_axes={1: "source_time"}, name="memory"),
                   InputSpec((2,), dtype="int32", low=1, high=6, name="src_valid_len")]
    prefix_state = type(net).__name__ == "TransformerSeq2Seq"
    for index, state in enumerate(states):
        if prefix_state:  # the tokens decoded so far: ids, with a dynamic length
            step_inputs.append(InputSpec(tuple(state.shape), dtype="float32", low=0, high=vocab_size,
                                         dynamic_axes={1: "target_time"}, name="prefix"))
        else:
            step_inputs.append(InputSpec(tuple(state.shape), low=-1, high=1, name="state{}".format(index)))
    results["decoder_step"] = gluonx.export(step, os.path.join(path, "decoder_step"), step_inputs, formats=formats,
                                            verify=verify)
    beam = BeamSearchStep(beam_size, vocab_size, EOS_ID, alpha=alpha)
    beam.initialize()
    # log_probs has batch * beam rows and scores batch rows: no single batch axis for the exporter to probe,
    # so the beam step is exported at batch 2; its symbol graph reshapes with -1 and runs at any batch
    # (the translator's tests decode one sentence), its ONNX graph keeps the example shapes.
    beam_inputs = [InputSpec((2 * beam_size, vocab_size), low=-5, high=0, batch_axis=None, name="log_probs"),
                   InputSpec((2, beam_size), low=-3, high=0, batch_axis=None, name="scores"),
                   InputSpec((2, beam_size), low=1, high=1.0001, batch_axis=None, name="alive"),
                   InputSpec((1,), low=1, high=2, batch_axis=None, name="step")]
    results["beam_step"] = gluonx.export(beam, os.path.join(path, "beam_step"), beam_inputs, formats=formats,
                                         verify=verify, dynamic_batch=False)
    write_json(os.path.join(path, TRANSLATOR_FILE), {
        "format": "gluonx-translator", "model": type(net).__name__, "vocabulary": tokens,
        "unknown_id": 0, "pad_id": PAD_ID, "bos_id": BOS_ID, "eos_id": EOS_ID,
        "tokenizer": dict(tokenizer or {"lower": True, "split_punctuation": True}),
        "beam_size": int(beam_size), "alpha": float(alpha), "k": 5.0, "max_length": int(max_length),
        "num_states": len(states)})
    return results
