"""Autoencoder recipes and NADE/MADE on digits, run by hand.

``python benchmarks/generative_energy.py --out /tmp/gen-energy [--epochs N] [--json PATH] [--pictures]``

1. Memory: for every ``autoencoder`` recipe, ``gluonx train MODEL --dataset digits --recipe NAME`` in a fresh
   process, then batch-1 inference (the run's checkpoint loaded into a new model, hybridized, 20 calls on one
   test digit) in another; each figure is the peak RSS (``ru_maxrss``) of that process alone.
2. Quality of the density models (DL 20.10.10): NADE and MADE trained by ``gluonx.Trainer`` (task ``density``)
   on ``load_digits`` binarized at 8 (first 1,500 images train, the other 297 test, as
   ``benchmarks/generative_quality.py``), test log-likelihood against independent Bernoulli pixels.
3. ``--pictures``: ``docs/generative_ae_reconstructions.png`` (test digits and each recipe run's reconstruction)
   and ``docs/generative_nade_samples.png`` (exact ancestral samples of the trained NADE), and
   ``docs/generative_ais_trace.png``: AIS estimates of log Z (DL 18.7.1) of a random 12x10 RBM against the number
   of inverse temperatures, 5 seeds each, with the exact value by enumeration.
"""
import argparse
import json
import os
import time

import numpy as np
from recipe_memory import measure_recipe


def load_run(run):
    """The trained model of a ``gluonx train`` run folder and its test set."""
    import gluonx
    from gluonx.deploy import load_parameters
    with open(os.path.join(run, "summary.json"), encoding="utf-8") as handle:
        summary = json.load(handle)
    with open(os.path.join(run, "checkpoints", "latest.json"), encoding="utf-8") as handle:
        pointer = json.load(handle)
    folder = os.path.join(run, "checkpoints", pointer.get("name") or pointer.get("checkpoint"))
    net = gluonx.get_model(summary["model"], **summary["settings"]["model_args"])
    load_parameters(net, os.path.join(folder, "params.nd"))
    return net, gluonx.get_dataset(summary["dataset"], train=False)


def infer(run, calls):
    """Batch-1 inference of the run's checkpoint (the child process of the measurement)."""
    import mxnet as mx
    net, test = load_run(run)
    net.hybridize(static_alloc=True, static_shape=True)
    x = mx.nd.array(test[0][0][None].astype("float32") / 255.0)
    for _ in range(calls):
        out = net(x)
        mx.nd.waitall()
    return out


def density_quality(epochs=20):
    """Test log-likelihood (nats per image) of NADE and MADE on binarized digits, and the baseline."""
    import mxnet as mx
    import numpy as np
    from sklearn.datasets import load_digits
    import gluonx
    from gluonx.data.arrays import ArrayDataset
    binary = (load_digits().data >= 8).astype(np.float32)
    train, test = binary[:1500], binary[1500:]
    marginals = (train.sum(axis=0) + 1) / (len(train) + 2)
    rows = [("independent Bernoulli pixels (exact)",
             float((test * np.log(marginals) + (1 - test) * np.log(1 - marginals)).sum(axis=1).mean()), 0.0)]
    models = {}
    for name, kwargs in (("nade", {"n_hidden": 64}), ("made", {"hidden_sizes": [256]})):
        net = gluonx.get_model(name, n_inputs=64, **kwargs)
        trainer = gluonx.Trainer(net, task="density", optimizer="adam", optimizer_params={"learning_rate": 0.005},
                                 initializer=mx.init.Xavier(), seed=0)
        started = time.perf_counter()
        trainer.fit(ArrayDataset(train, np.zeros(len(train), np.float32)), epochs=epochs, batch_size=50)
        rows.append(("{} ({}), Adam 0.005, {} epochs of batch 50".format(name.upper(), kwargs, epochs),
                     float(net(mx.nd.array(test)).asnumpy().mean()), time.perf_counter() - started))
        models[name] = net
    return rows, models


def pictures(runs, nade):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mxnet as mx
    import numpy as np
    count = 8
    grid = []
    names = []
    for run in runs:
        net, test = load_run(run)
        x = np.stack([test[i][0] for i in range(count)]).astype(np.float32) / 255.0
        if not grid:
            grid.append(x.reshape(count, 28, 28))
            names.append("test digits")
        grid.append(net(mx.nd.array(x)).asnumpy().reshape(count, 28, 28))
        names.append(os.path.basename(run).replace("-digits", ""))
    figure, axes = plt.subplots(len(grid), count, figsize=(count * 0.9, len(grid) * 1.0))
    for row, (images, name) in enumerate(zip(grid, names)):
        for col in range(count):
            axes[row, col].imshow(np.clip(images[col], 0, 1), cmap="gray", vmin=0, vmax=1)
            axes[row, col].axis("off")
        axes[row, 0].set_title(name, fontsize=7, loc="left")
    figure.tight_layout()
    figure.savefig(os.path.join(_DOCS, "generative_ae_reconstructions.png"), dpi=80)
    samples = nade.sample(32, seed=0).reshape(32, 8, 8)
    figure, axes = plt.subplots(4, 8, figsize=(6, 3))
    for index, axis in enumerate(axes.ravel()):
        axis.imshow(samples[index], cmap="gray")
        axis.axis("off")
    figure.tight_layout()
    figure.savefig(os.path.join(_DOCS, "generative_nade_samples.png"), dpi=80)


def ais_picture():
    """AIS estimates of a random RBM's log Z against the schedule length, and the exact value."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from gluonx_generative import exact
    from gluonx_generative.ais import ais_log_partition
    rng = np.random.RandomState(0)
    arrays = (rng.randn(10, 12), rng.randn(10), rng.randn(12))
    truth = exact.log_partition(*arrays)
    schedule = [2, 10, 30, 100, 300, 1000]
    estimates = np.array([[ais_log_partition(*arrays, num_betas=k, num_chains=100, seed=seed).log_z
                           for seed in range(5)] for k in schedule])
    figure, axis = plt.subplots(figsize=(5, 3))
    for seed in range(5):
        axis.plot(schedule, estimates[:, seed], "o-", alpha=0.6, color="C0", label="AIS, 100 chains" if seed == 0
                  else None)
    axis.axhline(truth, color="k", linestyle="--", label="exact log Z (enumeration)")
    axis.set_xscale("log")
    axis.set_xlabel("inverse temperatures")
    axis.set_ylabel("log Z")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(os.path.join(_DOCS, "generative_ais_trace.png"), dpi=80)
    return truth, estimates


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, help="train the recipes this many epochs instead of theirs")
    parser.add_argument("--density-epochs", type=int, default=20)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--out", required=True, help="folder for the training runs")
    parser.add_argument("--json")
    parser.add_argument("--pictures", action="store_true")
    parser.add_argument("--infer", help=argparse.SUPPRESS)
    parser.add_argument("--ais-picture-only", action="store_true", help="only draw docs/generative_ais_trace.png")
    args = parser.parse_args()
    if args.ais_picture_only:
        truth, estimates = ais_picture()
        print("exact log Z {:.3f}; AIS medians by schedule: {}".format(truth, np.round(np.median(estimates, 1), 3)
                                                                       .tolist()))
        return
    if args.infer:
        infer(args.infer, args.calls)
        return
    import gluonx
    recipes = [info for info in gluonx.registry("recipes").infos("*")
               if gluonx.get_model_info(info.model).task == "autoencoder"]
    rows, runs = [], []
    for info in recipes:
        run, row = measure_recipe(info, args.out, args.epochs, __file__, args.calls)
        with open(os.path.join(run, "summary.json"), encoding="utf-8") as handle:
            test_loss = json.load(handle)["test_loss"]
        rows.append(dict(row, test_loss=round(test_loss, 2)))
        runs.append(run)
    print("| recipe | epochs | test loss | training wall s | training peak RSS (MiB) | batch-1 inference peak RSS "
          "(MiB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print("| {recipe} | {epochs} | {test_loss} | {train_seconds} | {train_peak_mib} | {infer_batch1_peak_mib} |"
              .format(**row))
    density, models = density_quality(args.density_epochs)
    print("| model | test log-likelihood (nats/image) | training s |")
    print("|---|---:|---:|")
    for name, value, seconds in density:
        print("| {} | {:.2f} | {:.0f} |".format(name, value, seconds))
    if args.pictures:
        pictures(runs, models["nade"])
        ais_picture()
    report = {"load_average": os.getloadavg()[0], "recipes": rows,
              "density": [{"model": n, "test_log_likelihood": v, "seconds": s} for n, v, s in density]}
    if args.json:
        from gluonx.utils.atomic import write_json
        write_json(args.json, report)


if __name__ == "__main__":
    main()
