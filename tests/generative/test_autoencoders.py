"""Autoencoders (DL 14) against independent references: NumPy finite differences for the contractive
penalty, NumPy formulas for the losses and penalties, scikit-learn's Lasso for the sparse codes of PSD and
scikit-learn's PCA for a linear autoencoder; and the ``autoencoder`` task through gluonx.Trainer and the CLI."""
import json
import subprocess
import sys

import mxnet as mx
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import Lasso

import gluonx
from gluonx.data.arrays import ArrayDataset
from gluonx_generative.autoencoders import (ContractiveAutoencoder, DenoisingAutoencoder,
                                            PredictiveSparseDecomposition, SparseAutoencoder, reconstruction_loss)


def _clean_reconstruction_loss(ae, x):
    return reconstruction_loss(mx.nd, ae.decoder(ae.encoder(x)), x, ae.output).asnumpy()


def _unlabelled(x):
    return ArrayDataset(x, np.zeros(len(x), np.float32))


def _dense_arrays(dense):
    return dense.weight.data().asnumpy().astype(np.float64), dense.bias.data().asnumpy().astype(np.float64)


def _numpy_encoder(x, weight, bias, activation):
    pre = x @ weight.T + bias
    return 1.0 / (1.0 + np.exp(-pre)) if activation == "sigmoid" else np.tanh(pre)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_contractive_penalty_equals_the_finite_difference_jacobian(activation):
    mx.random.seed(0)
    cae = ContractiveAutoencoder(7, 4, activation=activation, weight=0.5)
    cae.initialize(mx.init.Normal(0.8))
    x = np.random.RandomState(1).rand(5, 7)
    weight, bias = _dense_arrays(cae.encoder)
    eps = 1e-5
    expected = []
    for row in x:
        jacobian = np.stack([(_numpy_encoder(row + eps * e, weight, bias, activation)
                              - _numpy_encoder(row - eps * e, weight, bias, activation)) / (2 * eps)
                             for e in np.eye(7)], axis=1)                          # (hidden, inputs)
        expected.append((jacobian ** 2).sum())
    got = cae.jacobian_penalty(mx.nd.array(x)).asnumpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4)
    # and the objective adds weight * penalty to the cross-entropy
    plain = _clean_reconstruction_loss(cae, mx.nd.array(x))
    np.testing.assert_allclose(cae.objective(mx.nd.array(x)).asnumpy(), plain + 0.5 * np.asarray(expected),
                               rtol=1e-4)


def test_reconstruction_loss_and_sparsity_penalties_match_numpy():
    mx.random.seed(0)
    x = np.random.RandomState(2).rand(6, 9)
    kl = SparseAutoencoder(9, 4, penalty="kl", weight=0.3, sparsity=0.1)
    kl.initialize(mx.init.Normal(0.5))
    l1 = SparseAutoencoder(9, 4, penalty="l1", weight=0.2, activation="tanh", output="linear")
    l1.initialize(mx.init.Normal(0.5))
    # cross-entropy of the sigmoid decoder
    code = _numpy_encoder(x, *_dense_arrays(kl.encoder), "sigmoid")
    w2, b2 = _dense_arrays(kl.decoder)
    y = 1 / (1 + np.exp(-(code @ w2.T + b2)))
    cross_entropy = -(x * np.log(y) + (1 - x) * np.log(1 - y)).sum(axis=1)
    rho_hat = code.mean(axis=0)
    kl_term = (0.1 * np.log(0.1 / rho_hat) + 0.9 * np.log(0.9 / (1 - rho_hat))).sum()
    np.testing.assert_allclose(kl.objective(mx.nd.array(x)).asnumpy(), cross_entropy + 0.3 * kl_term, rtol=1e-4)
    np.testing.assert_allclose(kl(mx.nd.array(x)).asnumpy(), y, rtol=1e-4)
    # squared error of the linear decoder + L1 of the tanh code
    code = _numpy_encoder(x, *_dense_arrays(l1.encoder), "tanh")
    w2, b2 = _dense_arrays(l1.decoder)
    expected = 0.5 * ((code @ w2.T + b2 - x) ** 2).sum(axis=1) + 0.2 * np.abs(code).sum(axis=1)
    np.testing.assert_allclose(l1.objective(mx.nd.array(x)).asnumpy(), expected, rtol=1e-4)


def test_denoising_corruption_masks_the_stated_fraction_and_evaluation_is_clean():
    mx.random.seed(3)
    dae = DenoisingAutoencoder(50, 8, corruption="mask", noise=0.3)
    dae.initialize()
    x = mx.nd.ones((400, 50))
    kept = dae.corrupt(x).asnumpy().mean()
    assert abs(kept - 0.7) < 0.01, kept
    clean = dae.objective(x, training=False).asnumpy()
    np.testing.assert_allclose(clean, _clean_reconstruction_loss(dae, x), rtol=1e-6)
    assert not np.allclose(dae.objective(x).asnumpy(), clean)   # training sees the corrupted input
    with pytest.raises(ValueError, match="noise must be in"):
        DenoisingAutoencoder(5, 2, noise=1.5)


def test_psd_code_inference_solves_the_lasso_when_gamma_is_zero():
    mx.random.seed(0)
    psd = PredictiveSparseDecomposition(10, 6, weight=0.4, gamma=0.0, inference_steps=600)
    psd.initialize(mx.init.Normal(0.5))
    x = np.random.RandomState(4).rand(3, 10).astype(np.float32)
    codes = psd.infer_code(mx.nd.array(x)).asnumpy()
    dictionary, bias = _dense_arrays(psd.decoder)
    for row, code in zip(x, codes):
        # min |x - b - D h|^2 + lam |h|_1  ==  Lasso's (1 / (2 n)) |y - X w|^2 + alpha |w|_1 with alpha = lam / (2 n)
        lasso = Lasso(alpha=0.4 / (2 * len(row)), fit_intercept=False, tol=1e-10, max_iter=100000)
        lasso.fit(dictionary, row - bias)
        np.testing.assert_allclose(code, lasso.coef_, atol=5e-3)
    assert (np.abs(codes) < 1e-8).any(), "an L1 penalty this strong zeroes some units"


def test_psd_inference_lowers_the_objective_below_the_encoders_prediction():
    mx.random.seed(0)
    psd = PredictiveSparseDecomposition(10, 6, weight=0.1, gamma=0.5, inference_steps=50)
    psd.initialize(mx.init.Normal(0.3))
    x = mx.nd.array(np.random.RandomState(5).rand(8, 10))
    prediction = psd.encoder(x)
    inferred = psd.infer_code(x)
    assert (psd.code_objective(x, inferred, prediction).asnumpy()
            < psd.code_objective(x, prediction, prediction).asnumpy()).all()


def test_a_linear_autoencoder_reaches_the_pca_reconstruction_error():
    """DL 14.1: a linear undercomplete autoencoder with the squared error learns the principal subspace."""
    x = load_digits().data.astype(np.float32) / 16.0
    x -= x.mean(axis=0)
    k = 8
    pca = PCA(k).fit(x)
    pca_error = 0.5 * ((pca.inverse_transform(pca.transform(x)) - x) ** 2).sum(axis=1).mean()
    ae = gluonx.get_model("autoencoder", n_inputs=64, n_hidden=k, activation="linear", output="linear")
    trainer = gluonx.Trainer(ae, task="autoencoder", optimizer="adam", optimizer_params={"learning_rate": 0.01},
                             initializer=mx.init.Xavier(), seed=0)
    trainer.fit(_unlabelled(x), epochs=60, batch_size=256)
    error = ae.objective(mx.nd.array(x), training=False).asnumpy().mean()
    assert error < 1.05 * pca_error, (error, pca_error)
    assert error > 0.99 * pca_error  # PCA is the optimum: no linear code of size k does better


@pytest.mark.parametrize("name", ["sparse_autoencoder", "denoising_autoencoder", "contractive_autoencoder",
                                  "predictive_sparse_decomposition"])
def test_every_autoencoder_trains_through_the_task(name):
    x = (load_digits().data[:600] / 16.0).astype(np.float32)
    ae = gluonx.get_model(name, n_inputs=64, n_hidden=16)
    trainer = gluonx.Trainer(ae, task="autoencoder", optimizer="adam", optimizer_params={"learning_rate": 0.01},
                             initializer=mx.init.Xavier(), seed=0)
    before = trainer.evaluate(_unlabelled(x), batch_size=200)["val_loss"]
    trainer.fit(_unlabelled(x), epochs=8, batch_size=50)
    after = trainer.evaluate(_unlabelled(x), batch_size=200)["val_loss"]
    assert after < 0.8 * before, (before, after)


def test_gluonx_train_runs_an_autoencoder_recipe_on_digits(tmp_path):
    out = tmp_path / "ae"
    result = subprocess.run(
        [sys.executable, "-m", "gluonx", "train", "denoising_autoencoder", "--dataset", "digits", "--limit", "128",
         "--epochs", "1", "--no-progress", "--out", str(out)], capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "recipe denoising_autoencoder-digits (DL 14.2.2, plugin generative); overridden by --epochs" \
        in result.stdout
    assert "test loss (reconstruction + penalty per sample)" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["task"] == "autoencoder" and np.isfinite(summary["test_loss"])
