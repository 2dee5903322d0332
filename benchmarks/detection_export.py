"""Fused vs portable decoding + NMS of a TinySSD detector, in MXNet and in onnxruntime, run by hand:
``python benchmarks/detection_export.py [--repeats N] [--side 128] [--json PATH]``.

The detector is the registered ``tiny_ssd_detector`` (TinySSD + softmax + decoding + class-aware NMS + top-k
100, random Xavier weights, 3 classes) at ``side x side`` pixels, built twice: with MXNet's fused
``contrib.MultiBoxDetection`` (the default) and with ``portable=True`` (decoding written with ``F.*`` and
``contrib.box_nms``). Both are exported with ``gluonx.export`` (dynamic batch; the ONNX files use the
detection plugin's converters) and timed at batch 1 and 8: the hybridized block in MXNet and the ONNX file
in onnxruntime (CPU, one intra-op thread, as MXNet gets ``OMP_NUM_THREADS=1``). Contenders are interleaved
in a new random order each round; the table shows the median wall time per call and ``portable / fused``.
"""
import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import mxnet as mx  # noqa: E402
import numpy as np  # noqa: E402

import gluonx  # noqa: E402


def build(portable, side):
    mx.random.seed(0)
    net = gluonx.get_block("tiny_ssd_detector", num_classes=3, topk=100, portable=portable)
    net.initialize(mx.init.Xavier())
    net(mx.nd.zeros((1, 3, side, side)))
    net.hybridize(static_alloc=True, static_shape=True)
    return net


def contenders(side, folder):
    import onnxruntime
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    out = {}
    for form in ("fused", "portable"):
        net = build(form == "portable", side)
        path = os.path.join(folder, form)
        # random pictures: on a blank one an untrained net gives every anchor the same score, and the order
        # of equal scores in MXNet's topk (the final top-k) is unspecified
        example = np.random.RandomState(1).uniform(0, 1, (2, 3, side, side)).astype("float32")
        gluonx.export(net, path, [example])
        session = onnxruntime.InferenceSession(os.path.join(path, "model.onnx"), options,
                                               providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name

        def run_mxnet(x, net=net):
            outputs = net(mx.nd.array(x))
            mx.nd.waitall()
            return outputs

        def run_onnx(x, session=session, name=name):
            return session.run(None, {name: x})
        out["mxnet " + form] = run_mxnet
        out["onnxruntime " + form] = run_onnx
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--side", type=int, default=128)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    rng = np.random.RandomState(0)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        runs = contenders(args.side, folder)
        for batch in (1, 8):
            x = rng.uniform(0, 1, (batch, 3, args.side, args.side)).astype("float32")
            times = {name: [] for name in runs}
            for name, run in runs.items():
                run(x)                                     # warm-up (graph building, first allocation)
            for _ in range(args.repeats):
                order = list(runs)
                random.shuffle(order)
                for name in order:
                    start = time.perf_counter()
                    runs[name](x)
                    times[name].append(time.perf_counter() - start)
            results[batch] = {name: statistics.median(t) * 1000 for name, t in times.items()}
    print("| batch | " + " | ".join("{} (ms)".format(n) for n in runs) + " | MXNet portable / fused | "
          "onnxruntime portable / fused |")
    print("|---" * (len(runs) + 3) + "|")
    for batch, row in results.items():
        print("| {} | {} | {:.2f} | {:.2f} |".format(
            batch, " | ".join("{:.2f}".format(row[n]) for n in runs),
            row["mxnet portable"] / row["mxnet fused"], row["onnxruntime portable"] / row["onnxruntime fused"]))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"side": args.side, "repeats": args.repeats, "median_ms": results}, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
