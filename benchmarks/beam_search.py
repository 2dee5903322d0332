"""Beam search speed: gluonx_nlp's ``BeamSearchDecoder`` against gluonnlp 0.10's ``BeamSearchSampler`` on the same
decoder step, in one process.

``python benchmarks/beam_search.py [--run runs/s2s] [--sentences 500] [--batch-size 64] [--beam 4] [--repeats 5]``
decodes the test split of ``synthetic_translation`` with both samplers (the model of a ``gluonx train`` run's
newest checkpoint with ``--run``, else a seeded untrained ``seq2seq_gru``), alternating them for ``--repeats``
rounds. It prints the medians of wall seconds and CPU seconds per round, generated tokens per second (every
beam's tokens after ``<bos>``), the ratios gluonx / gluonnlp in tokens per wall second and per CPU second, and
whether the two returned the same tokens and scores.

Both use the same hybridized encoder and decoder-step blocks and the same scorer (``alpha``, ``K = 5``). gluonnlp's
sampler gathers every state, the encoder's memory included, by the parent beams each step and the whole sample
history too; ours gathers only the recurrent states and assembles the hypotheses once at the end.
No training happens in this process, so importing gluonnlp here is safe.
"""
import argparse
import json
import os
import time

import mxnet as mx
import numpy as np

import gluonx
from gluonx_nlp.data.synthetic_translation import SyntheticTranslation
from gluonx_nlp.seq2seq.beam_search import BeamSearchDecoder
from gluonx_nlp.seq2seq.task import BOS_ID, EOS_ID, PAD_ID
from gluonx_nlp.text.batching import pad_sequences


def load_model(run):
    if run is None:
        mx.random.seed(0)
        data = SyntheticTranslation(False)
        net = gluonx.get_model("seq2seq_gru", vocab_size=data.vocab_size, attention="dot")
        net.initialize(mx.init.Xavier())
        return net, "untrained seq2seq_gru (seed 0)"
    from gluonx.train.checkpoint import list_checkpoints, load_parameters
    with open(os.path.join(run, "run.json")) as f:
        record = json.load(f)
    data = SyntheticTranslation(False, **record["settings"].get("dataset_args", {}))
    net = gluonx.get_model(record["model"], vocab_size=data.vocab_size, **record["settings"]["model_args"])
    net.initialize()
    checkpoint = list_checkpoints(os.path.join(run, "checkpoints"))[-1]
    load_parameters(checkpoint, net)
    return net, "{} trained ({})".format(record["model"], checkpoint)


def batches(sentences, batch_size):
    data = SyntheticTranslation(False)
    sources = [s for s, _ in (data[i] for i in range(min(sentences, len(data))))]
    out = []
    for begin in range(0, len(sources), batch_size):
        src, length = pad_sequences(sources[begin:begin + batch_size], PAD_ID)
        out.append((mx.nd.array(src, dtype="int32"), mx.nd.array(length)))
    return out


def gluonnlp_sampler(encoder, step, beam, alpha, max_length):
    import gluonnlp

    def decoder(token, states):
        log_probs, *new = step(token, states[0], states[1], *states[2:])
        return log_probs, [states[0], states[1]] + new

    sampler = gluonnlp.model.BeamSearchSampler(beam, decoder, EOS_ID,
                                               scorer=gluonnlp.model.BeamSearchScorer(alpha=alpha, K=5.0),
                                               max_length=max_length)

    def run(src, length):
        memory, *states = encoder(src, length)
        samples, scores, valid = sampler(mx.nd.full((src.shape[0],), BOS_ID, dtype="int32"),
                                         [memory, length] + states)
        return samples.asnumpy(), scores.asnumpy(), valid.asnumpy()
    return run


def timed(run, data):
    mx.nd.waitall()
    wall, cpu = time.perf_counter(), time.process_time()
    results = [run(src, length) for src, length in data]
    return time.perf_counter() - wall, time.process_time() - cpu, results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=None, help="a gluonx train output folder (default: untrained model)")
    parser.add_argument("--sentences", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--max-length", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    net, what = load_model(args.run)
    encoder, step = net.encoder(), net.decoder_step()
    encoder.hybridize(static_alloc=True)
    step.hybridize(static_alloc=True)
    ours = BeamSearchDecoder(encoder, step, net.vocab_size, BOS_ID, EOS_ID, beam_size=args.beam, alpha=args.alpha,
                             max_length=args.max_length)
    theirs = gluonnlp_sampler(encoder, step, args.beam, args.alpha, args.max_length)
    data = batches(args.sentences, args.batch_size)
    timed(ours, data[:1]), timed(theirs, data[:1])  # warm-up: graph construction
    rows = {"gluonx": [], "gluonnlp": []}
    outputs = {}
    for _ in range(args.repeats):
        for name, run in (("gluonx", ours), ("gluonnlp", theirs)):
            wall, cpu, results = timed(run, data)
            rows[name].append((wall, cpu))
            outputs[name] = results
    same_tokens = all(np.array_equal(a[0], b[0]) and np.array_equal(a[2], b[2])
                      for a, b in zip(outputs["gluonx"], outputs["gluonnlp"]))
    max_score_diff = max(float(np.abs(a[1] - b[1]).max()) for a, b in zip(outputs["gluonx"], outputs["gluonnlp"]))
    tokens = int(sum((r[2] - 1).sum() for r in outputs["gluonx"]))
    print("model: {}; {} sentences in batches of {}, beam {}, alpha {}, {} repeats; {} tokens per round".format(
        what, args.sentences, args.batch_size, args.beam, args.alpha, args.repeats, tokens))
    medians = {}
    for name in rows:
        wall = float(np.median([w for w, _ in rows[name]]))
        cpu = float(np.median([c for _, c in rows[name]]))
        medians[name] = (wall, cpu)
        print("{:9s} wall {:.3f} s  cpu {:.3f} s  tokens/s {:.0f}  tokens/cpu-s {:.0f}".format(
            name, wall, cpu, tokens / wall, tokens / cpu))
    ratios_wall = [g[0] / x[0] for x, g in zip(rows["gluonx"], rows["gluonnlp"])]
    ratios_cpu = [g[1] / x[1] for x, g in zip(rows["gluonx"], rows["gluonnlp"])]
    print("ratio gluonx / gluonnlp tokens per wall second: median {:.2f} [{:.2f}-{:.2f}]; per CPU second: median "
          "{:.2f} [{:.2f}-{:.2f}]".format(np.median(ratios_wall), min(ratios_wall), max(ratios_wall),
                                          np.median(ratios_cpu), min(ratios_cpu), max(ratios_cpu)))
    print("same tokens and lengths: {}; largest score difference: {:.2e}".format(same_tokens, max_score_diff))


if __name__ == "__main__":
    main()
