"""The pictures of docs/generative.md, from trained runs of the directed-model recipes.

    python tools/generative_pictures.py --vae runs/vae --dcgan runs/dcgan --gan runs/gan --out docs

writes ``generative_vae.png`` (test digits, their reconstructions, samples), ``generative_dcgan_samples.png``
(64 samples) and ``generative_eight_gaussians.png`` (data and GAN samples with the 3-sigma circles).
"""
import argparse
import json
import os

import numpy as np


def load_run(run):
    import gluonx
    from gluonx.deploy import load_parameters
    settings = json.load(open(os.path.join(run, "run.json")))
    net = gluonx.get_model(settings["model"], **settings["settings"]["model_args"])
    net.initialize()
    folder = os.path.join(run, "checkpoints")
    newest = sorted(n for n in os.listdir(folder) if n.startswith("ckpt-"))[-1]
    load_parameters(net, os.path.join(folder, newest, "params.nd"))
    return net, settings


def vae_picture(run, path):
    import mxnet as mx
    import gluonx
    from gluonx.deploy.image_grid import save_image_grid
    net, settings = load_run(run)
    test = gluonx.get_dataset(settings["dataset"], train=False)
    images = np.asarray(test.data[:16], dtype=np.float32)
    images = (images / (255.0 if images.max() > 1 else 1.0) >= 0.5).astype(np.float32)
    mx.random.seed(0)
    with mx.autograd.predict_mode():
        reconstructions = net(mx.nd.array(images))[0].asnumpy()
        samples = net.sample(16).asnumpy()
    rows = np.concatenate([images, reconstructions, samples]).reshape((48,) + images.shape[1:])
    save_image_grid(path, rows, columns=16, scale=3)


def dcgan_picture(run, path):
    import mxnet as mx
    from gluonx.deploy.image_grid import save_image_grid
    net, _ = load_run(run)
    mx.random.seed(0)
    with mx.autograd.predict_mode():
        save_image_grid(path, net.sample(64).asnumpy(), scale=2)


def gan_picture(run, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mxnet as mx
    from gluonx.utils.atomic import atomic_write
    from gluonx_generative.directed_data import EightGaussians
    from gluonx_generative.mode_coverage import mode_coverage
    net, _ = load_run(run)
    data = EightGaussians(train=False, num_samples=2000)
    mx.random.seed(1)
    samples = net.sample(2000).asnumpy()
    coverage = mode_coverage(samples, data.centers, data.std)
    figure, axis = plt.subplots(figsize=(5, 5))
    axis.scatter(data.data[:, 0], data.data[:, 1], s=2, alpha=0.4, label="data")
    axis.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.4, label="GAN samples")
    for center in data.centers:
        axis.add_patch(plt.Circle(center, 3 * data.std, fill=False, color="k", lw=0.8))
    axis.set_title("{} of 8 modes covered, {:.0%} of the samples within 3 sigma".format(
        coverage.modes_covered, coverage.on_mode_fraction))
    axis.set_aspect("equal")
    axis.legend(loc="upper right", markerscale=4)
    with atomic_write(path, "wb") as handle:
        figure.savefig(handle, format="png", dpi=90)
    return coverage


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vae")
    parser.add_argument("--dcgan")
    parser.add_argument("--gan")
    parser.add_argument("--out", default="docs")
    args = parser.parse_args()
    if args.vae:
        vae_picture(args.vae, os.path.join(args.out, "generative_vae.png"))
    if args.dcgan:
        dcgan_picture(args.dcgan, os.path.join(args.out, "generative_dcgan_samples.png"))
    if args.gan:
        print(gan_picture(args.gan, os.path.join(args.out, "generative_eight_gaussians.png")))


if __name__ == "__main__":
    main()
