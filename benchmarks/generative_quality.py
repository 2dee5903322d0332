"""RBM test log-likelihood on binarized ``digits`` via AIS, against the independent-Bernoulli baseline.

Run by hand: ``python benchmarks/generative_quality.py [--epochs 30] [--hidden 64] [--json PATH]``.

``load_digits`` binarized at 8 (1797 x 64), the first 1,500 images for training and the other 297 for the test;
a Bernoulli RBM trained by persistent CD-1 through ``gluonx.Trainer`` (SGD); log Z by AIS from the training
data's base-rate model (DL 18.7.1), run twice with different seeds and schedules to show its spread; the test
log-likelihood is ``mean(-F(v)) - log Z`` in nats per image. The baseline is the factorial model with the
training marginals (Laplace-smoothed), whose log-likelihood is exact.
"""
import argparse
import time

import mxnet as mx
import numpy as np
from sklearn.datasets import load_digits

import gluonx
from gluonx.data.arrays import ArrayDataset
from gluonx.utils.atomic import write_json
from gluonx_generative import exact
from gluonx_generative.ais import ais_log_partition, base_rate_bias
from gluonx_generative.rbm import BernoulliRBM
from gluonx_generative.training import ContrastiveDivergenceStep


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    digits = load_digits()
    data = (digits.data >= 8).astype(np.float32)
    train, test = data[:1500], data[1500:]
    p = (train.sum(0) + 1.0) / (len(train) + 2.0)
    baseline = float((test @ np.log(p) + (1 - test) @ np.log1p(-p)).mean())

    mx.random.seed(0)
    rbm = BernoulliRBM(64, args.hidden)
    trainer = gluonx.Trainer(rbm, step=ContrastiveDivergenceStep(k=1, persistent=True), optimizer="sgd",
                             optimizer_params={"learning_rate": args.lr}, initializer=mx.init.Normal(0.01), seed=0)
    start = time.perf_counter()
    trainer.fit(ArrayDataset(train, digits.target[:1500].astype(np.float32)), epochs=args.epochs, batch_size=20)
    seconds = time.perf_counter() - start
    arrays = exact.rbm_arrays(rbm)
    runs = {}
    for betas, seed in ((1000, 0), (10000, 1)):
        runs[betas] = ais_log_partition(*arrays, base_bias=base_rate_bias(train), num_betas=betas, num_chains=100,
                                        seed=seed).log_z
    test_ll = {betas: float((-exact.free_energy(test, *arrays)).mean() - log_z) for betas, log_z in runs.items()}
    train_ll = float((-exact.free_energy(train, *arrays)).mean() - runs[10000])
    print("| model | test log-likelihood (nats/image) |")
    print("|---|---|")
    print("| independent Bernoulli pixels (exact) | {:.2f} |".format(baseline))
    for betas, value in test_ll.items():
        print("| RBM, {} hidden, PCD-1 {} epochs; AIS {} betas x 100 chains | {:.2f} |".format(
            args.hidden, args.epochs, betas, value))
    print("training log-likelihood (AIS 10000 betas): {:.2f}; training took {:.1f} s".format(train_ll, seconds))
    if args.json:
        write_json(args.json, {"baseline": baseline, "test_ll": test_ll, "train_ll": train_ll,
                               "log_z": runs, "train_seconds": seconds, "args": vars(args)})


if __name__ == "__main__":
    main()
