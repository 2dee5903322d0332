"""Trajectories computed by the real optimizers on the books' test functions, and their plots."""
import numpy as np
import pytest

from gluonx_optim import viz
from gluonx_optim.second_order import Newton


def test_sgd_trajectory_is_gradient_descent_in_closed_form():
    # D2L 7.2.3: on x1^2 + 2 x2^2, gradient descent multiplies x1 by (1 - 2 lr) and x2 by (1 - 4 lr) per step.
    lr, steps = 0.1, 15
    path = viz.trajectory("gluonx_sgd", "quadratic", steps=steps, learning_rate=lr)
    t = np.arange(steps + 1)
    expected = np.stack([-5.0 * (1 - 2 * lr) ** t, -2.0 * (1 - 4 * lr) ** t], axis=1)
    np.testing.assert_allclose(path, expected, rtol=1e-6)


def test_momentum_damps_the_ill_conditioned_direction_better_than_sgd():
    # D2L 7.4.1: with a rate that makes plain GD oscillate in x2, momentum still converges in x1 faster.
    sgd = viz.trajectory("gluonx_sgd", "ill_conditioned", steps=40, learning_rate=0.4)
    momentum = viz.trajectory("gluonx_momentum", "ill_conditioned", steps=40, learning_rate=0.4, momentum=0.5)
    assert abs(momentum[-1, 0]) < abs(sgd[-1, 0])


def test_newton_solves_a_quadratic_in_one_step():
    path = viz.closure_trajectory(Newton, "quadratic", steps=3, solver="full")
    np.testing.assert_allclose(path[1], [0.0, 0.0], atol=1e-6)


def test_plot_writes_a_png(tmp_path):
    paths = {name: viz.trajectory("gluonx_" + name, "rosenbrock", steps=30, learning_rate=1e-3)
             for name in ("sgd", "momentum")}
    viz.plot_trajectories("rosenbrock", paths, str(tmp_path / "rosenbrock.png"))
    assert (tmp_path / "rosenbrock.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_function_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown test function 'himmelblau'; known:"):
        viz.trajectory("gluonx_sgd", "himmelblau")
