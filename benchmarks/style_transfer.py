"""Style transfer (D2L 9.11) steps per second: the book's loop vs ``gluonx.apps.style_transfer.stylize``, with the
feature extractor imperative and hybridized; run by hand.

``OMP_NUM_THREADS=1 python benchmarks/style_transfer.py [--size 128] [--steps 20] [--repeats 3]`` synthesizes
the scikit-learn temple in the style of the flower with the narrow VGG-11 (``width_divisor=4``, random
features) and times the steps only (set-up excluded, the first 2 steps are warm-up): wall-clock steps/s and
steps per CPU-second of this process, medians over interleaved repeats, and each variant's ratio to the
book's loop. The book's loop is D2L 9.11.7's ``train`` (``autograd.record()``, ``gluon.Trainer`` Adam,
``trainer.step(1)``, the same losses and layers), reading the loss every step as stylize does.
"""
import argparse
import json
import time

import numpy as np

WARMUP = 2


class StepClock:
    """Wall and CPU time at the end of every step (the per-step loss read has already synchronized)."""

    def __init__(self):
        self.wall, self.cpu = [], []

    def tick(self):
        self.wall.append(time.perf_counter())
        self.cpu.append(time.process_time())

    def rates(self):
        steps = len(self.wall) - 1 - WARMUP
        return (steps / (self.wall[-1] - self.wall[WARMUP]), steps / (self.cpu[-1] - self.cpu[WARMUP]))


def gluonx_run(content, style, steps, hybridize, size):
    from gluonx.apps.style_transfer import stylize
    from gluonx.train import EventHandler
    clock = StepClock()

    class Tick(EventHandler):
        priority = 300  # after the trainer's own per-step log read

        def log(self, trainer, scalars):
            if not scalars.get("end_of_epoch"):
                clock.tick()

    result = stylize(content, style, backbone="vgg11", backbone_args={"width_divisor": 4}, size=size, steps=steps,
                     hybridize=hybridize, event_handlers=[Tick()])
    return clock.rates(), float(result.history[-1]["loss"])


def book_run(content, style, steps, size):
    """D2L 9.11.7's training loop on the same extractor, layers and losses."""
    import mxnet as mx
    from mxnet import autograd, gluon
    from gluonx.apps.style_transfer import (DEFAULTS, SynthesizedImage, StyleTransferStep, build_backbone,
                                            freeze_extractor, preprocess, resize_image, working_size)
    from gluonx.losses import gram_matrix
    from gluonx.models.feature_extractor import FeatureExtractor, default_style_layers
    height, width = working_size(content.shape[0], content.shape[1], size)
    cx, sx = preprocess(resize_image(content, height, width)), preprocess(resize_image(style, height, width))
    net = build_backbone("vgg11", {"width_divisor": 4}, seed=0)
    style_layers, content_layers = default_style_layers(net, cx.shape)
    extractor = freeze_extractor(FeatureExtractor(net, style_layers + content_layers))
    n = len(style_layers)
    losses = StyleTransferStep(extractor, n, [y.detach() for y in extractor(cx)[n:]],
                               [gram_matrix(mx.nd, y).detach() for y in extractor(sx)[:n]]).losses
    image = SynthesizedImage(cx.shape)
    image.initialize(mx.init.Constant(cx))
    trainer = gluon.Trainer(image.collect_params(), "adam", {"learning_rate": DEFAULTS["lr"]})
    clock = StepClock()
    for _ in range(steps):
        with autograd.record():
            content_l, style_l, tv_l = losses(image())
            total = content_l + style_l + tv_l
        total.backward()
        trainer.step(1)
        last = float(total.asscalar())
        clock.tick()
    return clock.rates(), last


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write every measurement to this file")
    args = parser.parse_args()
    from sklearn.datasets import load_sample_images
    content, style = load_sample_images().images
    variants = {"book loop (imperative)": lambda: book_run(content, style, args.steps, args.size),
                "gluonx, imperative extractor": lambda: gluonx_run(content, style, args.steps, False, args.size),
                "gluonx, hybridized extractor": lambda: gluonx_run(content, style, args.steps, True, args.size)}
    runs = {name: [] for name in variants}
    for _ in range(args.repeats):  # interleaved, so every variant sees the same machine load
        for name, run in variants.items():
            runs[name].append(run())
    base_wall = np.median([r[0][0] for r in runs["book loop (imperative)"]])
    base_cpu = np.median([r[0][1] for r in runs["book loop (imperative)"]])
    print("| variant | steps/s (wall) | steps per CPU-second | wall vs book | CPU vs book | last loss |")
    print("|---|---|---|---|---|---|")
    for name, results in runs.items():
        wall = np.median([r[0][0] for r in results])
        cpu = np.median([r[0][1] for r in results])
        print("| {} | {:.2f} | {:.2f} | {:.2f}x | {:.2f}x | {:.4g} |".format(name, wall, cpu, wall / base_wall,
                                                                        cpu / base_cpu, results[-1][1]))
    if args.json:
        from gluonx.utils.atomic import write_json
        write_json(args.json, {"args": vars(args), "runs": {k: [list(r[0]) + [r[1]] for r in v]
                                                            for k, v in runs.items()}})


if __name__ == "__main__":
    main()
