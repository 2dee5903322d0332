"""Image folders written by the tests themselves: real digits (scikit-learn's, as the `digits` dataset has
them at 28x28) and generated colour pictures, in the Kaggle layout root/train/<class>/*."""
import os

import numpy as np
from PIL import Image


def digit_images(classes, per_class=None, train=True):
    """``{digit: [28x28 uint8 arrays]}`` of the `digits` dataset's split, at most ``per_class`` each."""
    from gluonx.data.digits import Digits
    data = Digits(train=train)
    out = {}
    for digit in classes:
        images = [data.data[i, 0] for i in np.flatnonzero(data.label == digit)]
        out[digit] = images[:per_class] if per_class else images
    return out


def write_digit_folder(root, classes, per_class=None, train=True):
    """root/train/<digit>/<n>.png (grey PNG); returns the number of pictures per class."""
    counts = {}
    for digit, images in digit_images(classes, per_class, train).items():
        folder = os.path.join(root, "train", str(digit))
        os.makedirs(folder, exist_ok=True)
        for n, image in enumerate(images):
            Image.fromarray(image, mode="L").save(os.path.join(folder, "{:04d}.png".format(n)))
        counts[digit] = len(images)
    return counts


COLOURS = {"red": (200, 40, 40), "green": (40, 180, 60), "blue": (40, 60, 200)}


def colour_picture(name, rng, size):
    """A picture of class ``name``: noise around the class colour with a darker square somewhere."""
    h, w = size
    base = np.array(COLOURS[name], dtype=np.float64)
    pixels = base + rng.normal(0, 25, size=(h, w, 3))
    y, x = rng.randint(0, h // 2), rng.randint(0, w // 2)
    pixels[y:y + h // 3, x:x + w // 3] *= 0.5
    return np.clip(np.round(pixels), 0, 255).astype(np.uint8)


def write_colour_folder(root, per_class=20, test_count=12, seed=0):
    """root/train/<colour>/ with PNG and JPEG pictures of several sizes, and root/test/<id>.png|jpg
    (unlabelled); returns ``{test id: true colour}``."""
    rng = np.random.RandomState(seed)
    for name in COLOURS:
        folder = os.path.join(root, "train", name)
        os.makedirs(folder, exist_ok=True)
        for n in range(per_class):
            size = (16 + 4 * (n % 3), 20 + 2 * (n % 4))
            suffix = ".jpg" if n % 2 else ".png"
            Image.fromarray(colour_picture(name, rng, size)).save(os.path.join(folder, "{}{}".format(n, suffix)))
    os.makedirs(os.path.join(root, "test"))
    truth = {}
    names = sorted(COLOURS)
    for index in range(1, test_count + 1):
        name = names[index % len(names)]
        suffix = ".jpg" if index % 2 else ".png"
        Image.fromarray(colour_picture(name, rng, (18 + index % 5, 22))).save(
            os.path.join(root, "test", "{}{}".format(index, suffix)))
        truth[str(index)] = name
    return truth
