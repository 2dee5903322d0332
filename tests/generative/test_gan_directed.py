"""GANs (DL 20.10.4): the mode-count metric on hand-made samples, alternating updates that touch only their
own optimizer's parameters, and a GAN trained through gluonx.Trainer covering all 8 modes of the 2-D mixture."""
import mxnet as mx
import numpy as np
import pytest

import gluonx
from gluonx_generative.directed_data import EightGaussians, circle_centers
from gluonx_generative.directed_tasks import GANTask
from gluonx_generative.mode_coverage import mode_coverage


def test_mode_coverage_counts_samples_within_three_sigma_of_their_nearest_centre():
    centers = circle_centers(8, 2.0)
    rng = np.random.RandomState(0)
    # 100 samples at each of modes 0-4 (within 1 sigma), 50 far from every centre
    on_mode = np.concatenate([c + 0.05 * rng.uniform(-0.7, 0.7, (100, 2)) for c in centers[:5]])
    far = rng.uniform(-0.3, 0.3, (50, 2))                    # near the origin, 2 away from every mode
    coverage = mode_coverage(np.concatenate([on_mode, far]), centers, std=0.05)
    assert coverage.modes_covered == 5
    np.testing.assert_array_equal(coverage.counts, [100] * 5 + [0] * 3)
    assert coverage.on_mode_fraction == pytest.approx(500 / 550)
    # a sample at 3.1 sigma does not count, one at 2.9 does
    edge = mode_coverage(centers[:1] + [[0.155, 0], [0.145, 0]], centers, std=0.05, min_fraction=0.1)
    np.testing.assert_array_equal(edge.counts, [1, 0, 0, 0, 0, 0, 0, 0])
    # a mode with too few samples is not covered (min_fraction of all samples)
    sparse = mode_coverage(np.concatenate([on_mode, centers[5:6]]), centers, std=0.05)
    assert sparse.counts[5] == 1 and sparse.modes_covered == 5
    with pytest.raises(ValueError, match="samples"):
        mode_coverage(np.zeros((3, 3)), centers, std=0.05)


def test_eight_gaussians_has_the_stated_modes_and_spread():
    data = EightGaussians(num_samples=4000)
    offsets = data.data - data.centers[data.label]
    assert offsets.std() == pytest.approx(0.05, rel=0.05)
    assert mode_coverage(data.data, data.centers, data.std).modes_covered == 8
    assert not np.array_equal(data.data[:10], EightGaussians(train=False, num_samples=4000).data[:10])


def _gan_trainer(net, lr=0.001):
    task = GANTask()
    groups = task.optimizer_groups("adam", {"learning_rate": lr, "beta1": 0.5})
    return gluonx.Trainer(net, task=task, optimizer=groups, seed=0)


def _snapshot(block):
    return {name: p.data().asnumpy().copy() for name, p in block.collect_params().items()
            if p.grad_req != "null"}


def test_each_update_changes_only_its_own_nets_parameters():
    net = gluonx.get_model("mlp_gan", data_dim=2, latent_dim=2, hidden=(8,))
    trainer = _gan_trainer(net)
    assert list(trainer.optimizers) == ["discriminator", "generator"]
    groups = {name: {p.name for p in group.params} for name, group in zip(trainer.optimizers, trainer._groups)}
    assert groups["discriminator"] == set(net.discriminator.collect_params())
    assert groups["generator"] == set(net.generator.collect_params())
    changed = []
    update = trainer.update

    def watched_update(num_samples=None, optimizer=None):
        before_g, before_d = _snapshot(net.generator), _snapshot(net.discriminator)
        update(num_samples, optimizer)
        after_g, after_d = _snapshot(net.generator), _snapshot(net.discriminator)
        changed.append((optimizer, any(not np.array_equal(before_g[k], after_g[k]) for k in before_g),
                        any(not np.array_equal(before_d[k], after_d[k]) for k in before_d)))

    trainer.update = watched_update
    trainer.fit(EightGaussians(num_samples=128), epochs=1, batch_size=64)
    # per batch: the discriminator's update moves only the discriminator, then the generator's only the generator
    assert changed == [("discriminator", False, True), ("generator", True, False)] * 2


def test_a_gan_trained_through_the_trainer_covers_all_eight_modes():
    net = gluonx.get_model("mlp_gan", data_dim=2, latent_dim=2, hidden=(128, 128))
    trainer = _gan_trainer(net, lr=0.002)
    data = EightGaussians(num_samples=8192)
    mx.random.seed(1)
    untrained = mode_coverage(net.sample(2000).asnumpy(), data.centers, data.std)
    epochs = trainer.fit(data, epochs=EPOCHS, batch_size=128)
    assert {"loss_d", "loss_g", "lr_discriminator", "lr_generator"} <= set(epochs[-1])
    mx.random.seed(1)
    coverage = mode_coverage(net.sample(2000).asnumpy(), data.centers, data.std)
    assert untrained.modes_covered == 0
    assert coverage.modes_covered == 8, coverage
    assert coverage.on_mode_fraction > ON_MODE, coverage


#: the recipe's settings (seed 0): 8 modes from 704 updates on, 78 % of the samples on a mode after 960
EPOCHS, ON_MODE = 15, 0.5
