"""Quality bar: the book's LeNet (sigmoid, max pooling) learns scikit-learn's embedded 8x8 digits.

The digits are upscaled 3x (nearest neighbour) to 24x24 and framed to LeNet's 28x28 input. Training shifts
each batch by up to 2 pixels inside a 32x32 frame, which LeNet's pooling tolerates and which keeps the
small training set (1,347 images) from being memorized; the test images are centred. Split and seeds are
fixed. Takes about 20 s on 2 cores.
"""
import numpy as np
import pytest

mx = pytest.importorskip("mxnet")
datasets = pytest.importorskip("sklearn.datasets")
model_selection = pytest.importorskip("sklearn.model_selection")

import gluonx  # noqa: E402
from mxnet import autograd, gluon  # noqa: E402

SEED = 0
EPOCHS = 25
BATCH_SIZE = 32
MAX_SHIFT = 2


def load_digit_images():
    """Standardized digits as 24x24 images, split 75/25 with stratification."""
    digits = datasets.load_digits()
    images = digits.images.astype("float32") / 16.0
    images = (images - images.mean()) / images.std()
    images = np.kron(images, np.ones((3, 3), dtype="float32"))
    return model_selection.train_test_split(images, digits.target.astype("float32"), test_size=0.25,
                                            random_state=SEED, stratify=digits.target)


def frame(images, border):
    """Pad with the background value, adding the channel axis."""
    background = images.min()
    return np.pad(images, ((0, 0), (border, border), (border, border)), constant_values=background)[:, None]


def test_lenet_reaches_97_percent_on_digits():
    train_images, test_images, train_labels, test_labels = load_digit_images()
    train_frames = frame(train_images, 2 + MAX_SHIFT)   # 32x32: room for random 28x28 crops
    test_frames = frame(test_images, 2)                  # 28x28, centred
    rng = np.random.RandomState(SEED)
    mx.random.seed(SEED)

    net = gluonx.get_model("lenet", preset="fashion_mnist")
    net.initialize(mx.init.Xavier())
    net.hybridize(static_alloc=True, static_shape=True)
    steps = len(train_frames) // BATCH_SIZE
    schedule = mx.lr_scheduler.CosineScheduler(max_update=EPOCHS * steps, base_lr=0.005, final_lr=5e-5)
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 0.005, "lr_scheduler": schedule})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()

    order = np.arange(len(train_frames))
    crop = 28
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for step in range(steps):
            batch = order[step * BATCH_SIZE:(step + 1) * BATCH_SIZE]
            top, left = rng.randint(0, 2 * MAX_SHIFT + 1, size=2)
            images = mx.nd.array(train_frames[batch, :, top:top + crop, left:left + crop])
            labels = mx.nd.array(train_labels[batch])
            with autograd.record():
                loss = loss_fn(net(images), labels)
            loss.backward()
            trainer.step(BATCH_SIZE)

    predictions = net(mx.nd.array(test_frames)).argmax(axis=1).asnumpy()
    accuracy = float((predictions == test_labels).mean())
    assert accuracy >= 0.97, "LeNet test accuracy {:.4f} < 0.97 on load_digits".format(accuracy)
