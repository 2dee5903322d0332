"""Make docs/vision_style_transfer.png and measure what random and trained features give (D2L 9.11).

No pretrained weights can be downloaded here, so the "trained" backbone is the book's narrow VGG-11
(``width_divisor=4``) trained for a few epochs, with ``gluonx.Trainer``, to tell eight kinds of generated
RGB textures apart (stripes in four orientations, checkers, dots, rings, smooth blobs; random colours,
periods and phases). The content and style images are the two photographs that ship with scikit-learn
(``load_sample_images``: a Chinese temple and a flower), so anyone can rerun this::

    OMP_NUM_THREADS=2 python tools/style_transfer_figure.py --out docs/vision_style_transfer.png \
        --weights-out /tmp/texture_vgg11.params

Each backbone runs with the book's weights (content 1, style 1000, total variation 10) and with weights
rescaled to its feature magnitudes (content 1000, total variation 1, and the style weight that makes the
content image's own style loss worth ``STYLE_TERM`` at the start). It prints a Markdown table: each result's
own content/style losses, and every result judged in one common feature space (the trained network's) so
that random and trained features can be compared.
"""
import argparse
import json
import time

import numpy as np

#: Rescaled weights: the style weight makes the content image's own style loss worth this much at the start.
STYLE_TERM = 20.0

TEXTURES = ("horizontal stripes", "vertical stripes", "diagonal /", "diagonal \\", "checkers", "dots", "rings",
            "blobs")


def texture_dataset(count, size=32, seed=0):
    """``count`` RGB textures ``(N, 3, size, size)`` float32 in [0, 1] and their class ids (:data:`TEXTURES`)."""
    rng = np.random.RandomState(seed)
    yy, xx = np.mgrid[:size, :size].astype("float32")
    images = np.empty((count, 3, size, size), "float32")
    labels = rng.randint(0, len(TEXTURES), count)
    for i, label in enumerate(labels):
        period, phase = rng.uniform(3, 10), rng.uniform(0, 2 * np.pi)
        w = 2 * np.pi / period
        if label == 0:
            pattern = np.sin(w * yy + phase)
        elif label == 1:
            pattern = np.sin(w * xx + phase)
        elif label == 2:
            pattern = np.sin(w * (xx + yy) / np.sqrt(2) + phase)
        elif label == 3:
            pattern = np.sin(w * (xx - yy) / np.sqrt(2) + phase)
        elif label == 4:
            pattern = np.sin(w * xx + phase) * np.sin(w * yy + phase)
        elif label == 5:
            pattern = (np.cos(w * xx + phase) * np.cos(w * yy + phase) > 0.6) * 2.0 - 1
        elif label == 6:
            cy, cx = rng.uniform(0, size, 2)
            pattern = np.sin(w * np.hypot(yy - cy, xx - cx) + phase)
        else:
            low = rng.randn(4, 4)
            from PIL import Image
            pattern = np.asarray(Image.fromarray(low.astype("float32")).resize((size, size), Image.BICUBIC))
            pattern = pattern / (np.abs(pattern).max() + 1e-6)
        mix = (pattern + 1) / 2
        a, b = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
        image = a[:, None, None] * mix + b[:, None, None] * (1 - mix) + rng.normal(0, 0.05, (3, size, size))
        images[i] = np.clip(image, 0, 1)
    return images, labels.astype("float32")


def train_texture_backbone(path, epochs, seed):
    """Train the narrow VGG-11 on the textures with gluonx.Trainer; save its parameters to ``path``."""
    import mxnet as mx
    import gluonx
    from gluonx.apps.style_transfer import RGB_MEAN, RGB_STD
    from gluonx.data.arrays import ArrayDataset
    x, y = texture_dataset(4000, seed=seed)
    vx, vy = texture_dataset(800, seed=seed + 1)
    normalize = lambda a: ((a - RGB_MEAN[:, None, None]) / RGB_STD[:, None, None]).astype("float32")  # noqa: E731
    net = gluonx.get_model("vgg11", width_divisor=4, in_channels=3, hidden_units=256, num_classes=len(TEXTURES))
    trainer = gluonx.Trainer(net, mx.gluon.loss.SoftmaxCrossEntropyLoss(), "adam", {"learning_rate": 1e-3},
                             seed=seed)
    start = time.time()
    epochs_done = trainer.fit(ArrayDataset(normalize(x), y), epochs=epochs, batch_size=64,
                              val_data=ArrayDataset(normalize(vx), vy))
    net.save_parameters(path)
    return {"val_accuracy": epochs_done[-1]["val_accuracy"], "seconds": time.time() - start, "epochs": epochs}


def judge(extractor_net, images, content, style):
    """Unweighted content and style losses of each image in ``extractor_net``'s feature space."""
    import mxnet as mx
    from gluonx.apps.style_transfer import StyleTransferStep, preprocess, resize_image
    from gluonx.losses import gram_matrix
    from gluonx.models.feature_extractor import FeatureExtractor, default_style_layers
    height, width = content.shape[:2]
    cx, sx = preprocess(content), preprocess(resize_image(style, height, width))
    style_layers, content_layers = default_style_layers(extractor_net, cx.shape)
    extractor = FeatureExtractor(extractor_net, style_layers + content_layers)
    n = len(style_layers)
    step = StyleTransferStep(extractor, n, extractor(cx)[n:], [gram_matrix(mx.nd, y) for y in extractor(sx)[:n]],
                             1, 1, 1)
    out = {}
    for name, image in images.items():
        c, s, _ = step.losses(preprocess(image))
        out[name] = (float(c.asscalar()), float(s.asscalar()))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/vision_style_transfer.png")
    parser.add_argument("--weights-out", default="/tmp/texture_vgg11.params")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reuse-weights", action="store_true", help="skip training: use --weights-out as it is")
    args = parser.parse_args()

    from sklearn.datasets import load_sample_images
    from gluonx.apps.style_transfer import resize_image, build_backbone, stylize, working_size
    from gluonx.utils.figures import save_figure
    china, flower = load_sample_images().images
    height, width = working_size(china.shape[0], china.shape[1], args.size)
    content, style = resize_image(china, height, width), resize_image(flower, height, width)

    training = (train_texture_backbone(args.weights_out, args.epochs, args.seed) if not args.reuse_weights
                else {"reused": args.weights_out})
    print("texture VGG-11/4:", json.dumps(training))
    narrow = {"width_divisor": 4, "hidden_units": 256, "num_classes": len(TEXTURES)}
    runs = {}
    for backbone_name, weights in (("random", None), ("trained", args.weights_out)):
        # the style weight that makes the content image's own style term worth STYLE_TERM
        probe = stylize(content, style, backbone="vgg11", backbone_args=narrow, weights=weights, size=args.size,
                        steps=1, seed=args.seed)
        rescaled_style = STYLE_TERM / probe.final["content_image_style"]
        for setting, loss_weights in (("book weights", (1.0, 1e3, 10.0)),
                                      ("rescaled", (1000.0, rescaled_style, 1.0))):
            name = "{} features, {}".format(backbone_name, setting)
            start = time.time()
            result = stylize(content, style, backbone="vgg11", backbone_args=narrow, weights=weights,
                             size=args.size, steps=args.steps, seed=args.seed, content_weight=loss_weights[0],
                             style_weight=loss_weights[1], tv_weight=loss_weights[2])
            runs[name] = (result, time.time() - start, loss_weights)
            print(name, "weights", loss_weights, json.dumps(result.final), "{:.0f} s".format(time.time() - start))

    judge_net = build_backbone("vgg11", narrow, args.weights_out, seed=args.seed)
    images = {"content image": content}
    images.update({name: result.image for name, (result, _, _) in runs.items()})
    judged = judge(judge_net, images, content, style)
    style_mean = style.reshape(-1, 3).mean(axis=0)
    print("\n| result | weights (content, style, tv) | own content loss | own style loss / content image's | "
          "judged content loss | judged style loss / content image's | mean-colour distance to the style | time |")
    print("|---|---|---|---|---|---|---|---|")
    for name, image in images.items():
        colour = np.abs(image.reshape(-1, 3).mean(axis=0) - style_mean).mean()
        c, s = judged[name]
        if name in runs:
            result, seconds, loss_weights = runs[name]
            own = "{:g}, {:.3g}, {:g} | {:.3g} | {:.3g}".format(*loss_weights, result.final["content"],
                                                               result.final["style_ratio"])
            took = "{:.0f} s".format(seconds)
        else:
            own, took = "- | - | 1", "-"
        print("| {} | {} | {:.3g} | {:.3g} | {:.1f} | {} |".format(name, own, c, s / judged["content image"][1],
                                                                    colour, took))

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(2, 3, figsize=(13.5, 6.4))
    axes = [axes[0, 0], axes[1, 0], axes[0, 1], axes[0, 2], axes[1, 1], axes[1, 2]]
    panels = [("content", content), ("style", style)] + [
        (name, result.image) for name, (result, _, _) in runs.items()]
    for axis, (title, image) in zip(axes, panels):
        axis.imshow(image)
        axis.set_title(title, fontsize=10)
        axis.axis("off")
    figure.tight_layout()
    save_figure(figure, args.out, dpi=90)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
