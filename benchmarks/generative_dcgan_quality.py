"""DCGAN samples judged by a classifier (DL 20.10.4): class coverage and mean confidence.

Usage (after `gluonx train dcgan --dataset digits --out runs/dcgan` and
`gluonx train lenet --dataset digits --out runs/lenet`)::

    OMP_NUM_THREADS=1 python benchmarks/generative_dcgan_quality.py runs/dcgan runs/lenet [--samples 1000]

Draws the samples from the DCGAN's newest checkpoint, classifies them with the LeNet's best checkpoint and
prints how many of the 10 classes receive samples classified with probability >= 0.9, the samples per class
and the mean top probability; the same for the digits' own test images as the reference.
"""
import argparse
import json
import os

import numpy as np


def newest_checkpoint(run, best=False):
    folder = os.path.join(run, "checkpoints")
    if best and os.path.isfile(os.path.join(folder, "best.json")):
        return os.path.join(folder, json.load(open(os.path.join(folder, "best.json")))["checkpoint"])
    return os.path.join(folder, sorted(n for n in os.listdir(folder) if n.startswith("ckpt-"))[-1])


def load_run(run, best=False):
    import gluonx
    from gluonx.deploy import load_parameters
    settings = json.load(open(os.path.join(run, "run.json")))
    kwargs = dict(settings["settings"]["model_args"])
    if settings["model"] == "lenet":
        kwargs.setdefault("num_classes", 10)
    net = gluonx.get_model(settings["model"], **kwargs)
    net.initialize()
    load_parameters(net, os.path.join(newest_checkpoint(run, best), "params.nd"))
    return net


def judge(dcgan_run, lenet_run, samples=1000, seed=0, min_confidence=0.9):
    """``(coverage of the samples, coverage of the real test digits)`` as ``ClassCoverage`` tuples."""
    import mxnet as mx
    from gluonx.data.digits import Digits
    from gluonx_generative.mode_coverage import class_coverage
    gan, classifier = load_run(dcgan_run), load_run(lenet_run, best=True)
    mx.random.seed(seed)
    with mx.autograd.predict_mode():
        images = gan.sample(samples)
        fake = mx.nd.softmax(classifier(images)).asnumpy()
        real = mx.nd.softmax(classifier(mx.nd.array(Digits(train=False).data / 255.0))).asnumpy()
    return class_coverage(fake, min_confidence), class_coverage(real, min_confidence)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dcgan_run")
    parser.add_argument("lenet_run")
    parser.add_argument("--samples", type=int, default=1000)
    args = parser.parse_args()
    fake, real = judge(args.dcgan_run, args.lenet_run, args.samples)
    for label, result in (("DCGAN samples", fake), ("real test digits", real)):
        print("{}: {} of 10 classes covered (p >= 0.9), {:.1%} of the images confidently classified, mean top "
              "probability {:.3f}, per class {}".format(label, result.classes_covered, result.confident_fraction,
                                                         result.mean_confidence, result.counts.tolist()))


if __name__ == "__main__":
    main()
