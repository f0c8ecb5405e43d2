"""Tests of lossguide.keras_losses: the keras.ops losses equal their NumPy twins, and train.

Keras 3.15.1 on TensorFlow 2.21, float64 (as after ``lg.setup()``). Their
gradients are compared with lossguide.gradients in tests/test_gradients.py
(TensorFlow autodiff of these functions).
"""

import functools
import re
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lossguide import keras_losses, losses, registry

RTOL = 1e-12


@pytest.fixture
def float64(keras):
    """Keras's default dtype float64 for the test, as lg.setup() sets it for a chapter."""
    # Keras caches its global dtype policy the first time a layer asks for it, so a
    # model built earlier at float32 would pin the policy: set both, restore both.
    before, policy = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    yield keras
    keras.config.set_floatx(before)
    keras.config.set_dtype_policy(policy)


def _inputs(name, rng, n=8):
    if name == "pinball":
        return rng.normal(size=(n, 3)), rng.normal(size=(n, 3))
    if name == "gaussian_nll":
        return rng.normal(size=(n, 2)), np.concatenate(
            [rng.normal(size=(n, 2)), rng.uniform(-4, 4, size=(n, 2))], axis=-1)
    if name == "weighted_binary_crossentropy":
        return rng.integers(0, 2, size=(n, 3)).astype(float), 4 * rng.normal(size=(n, 3))
    assert name == "categorical_generalized_cross_entropy"
    return rng.integers(0, 4, size=n), rng.dirichlet(np.full(4, 2.0), size=n)


OPTIONS = [
    ("pinball", {}), ("pinball", {"quantile": 0.1}), ("pinball", {"quantile": 0.95}),
    ("gaussian_nll", {}), ("gaussian_nll", {"full": True}),
    ("weighted_binary_crossentropy", {"pos_weight": 3.0}),
    ("weighted_binary_crossentropy", {"pos_weight": np.array([0.5, 1.0, 8.0])}),
    ("categorical_generalized_cross_entropy", {"q": 0.7}),
    ("categorical_generalized_cross_entropy", {"q": 0.05}),
]


def test_names_are_the_losses_keras_get_cannot_resolve(keras):
    # level_absolute_error is a metric (the ordinal recommendation's), not a loss
    assert set(keras_losses.NAMES) == set(keras_losses.__all__) - {
        "NAMES", "bind", "get", "level_absolute_error"}
    for name in keras_losses.NAMES:
        # beta_nll is a training objective (a stop-gradient weight): no registry entry
        assert name in registry.NAMES or name == "beta_nll"
        with pytest.raises(ValueError, match="Could not interpret loss identifier"):
            keras.losses.get(name)
    # Every other loss of the table is one keras.losses.get resolves.
    for name in set(registry.NAMES) - set(keras_losses.NAMES):
        assert keras.losses.get(name) is getattr(keras.losses, name)


@pytest.mark.parametrize("name, options", OPTIONS, ids=[f"{n}-{o}" for n, o in OPTIONS])
def test_equals_the_numpy_twin(float64, name, options):
    y_true, y_pred = _inputs(name, np.random.default_rng(1))
    ours = np.asarray(keras_losses.get(name)(y_true, y_pred, **options))
    assert ours.dtype == np.float64 and ours.shape == (len(y_pred),)
    assert_allclose(ours, losses.get(name)(y_true, y_pred, **options), rtol=RTOL, atol=1e-15)


def test_generalized_cross_entropy_is_keras_own_function(keras):
    y_true, y_pred = _inputs("categorical_generalized_cross_entropy", np.random.default_rng(2))
    assert_allclose(
        np.asarray(keras_losses.categorical_generalized_cross_entropy(y_true, y_pred, q=0.7)),
        np.asarray(keras.losses.categorical_generalized_cross_entropy(y_true, y_pred, 0.7)),
        rtol=0, atol=0,
    )
    # (n, 1) labels are squeezed: the same losses, not Keras's (n, n) grid.
    column = np.asarray(keras_losses.categorical_generalized_cross_entropy(y_true[:, None], y_pred, q=0.7))
    assert column.shape == (8,)
    assert_allclose(column, losses.categorical_generalized_cross_entropy(y_true, y_pred, q=0.7), rtol=RTOL)
    assert np.asarray(keras.losses.categorical_generalized_cross_entropy(y_true[:, None], y_pred, 0.7)).shape \
        == (8, 8)


def test_extreme_inputs_equal_the_numpy_twin(float64):
    # Log-variances of +-700 and logits of +-1e4: finite, and equal to the twins.
    y_true = np.array([[1.0], [1e-3], [0.0]])
    y_pred = np.array([[0.0, 700.0], [0.0, -700.0], [0.0, -300.0]])
    ours = np.asarray(keras_losses.gaussian_nll(y_true, y_pred))
    assert np.isfinite(ours).all()
    assert_allclose(ours, losses.gaussian_nll(y_true, y_pred), rtol=RTOL)
    labels, logits = np.array([[1.0, 0.0, 1.0, 0.0]]), np.array([[-1e4, 1e4, 1e4, -1e4]])
    ours = np.asarray(keras_losses.weighted_binary_crossentropy(labels, logits, pos_weight=2.0))
    assert_allclose(ours, [(2e4 + 1e4) / 4], rtol=RTOL)
    assert_allclose(ours, losses.weighted_binary_crossentropy(labels, logits, pos_weight=2.0), rtol=RTOL)


def test_gaussian_nll_shapes(float64):
    rng = np.random.default_rng(3)
    y, pairs = rng.normal(size=5), rng.normal(size=(5, 2))
    assert_allclose(np.asarray(keras_losses.gaussian_nll(y, pairs)),
                    np.asarray(keras_losses.gaussian_nll(y[:, None], pairs)), rtol=0)
    with pytest.raises(ValueError, match=re.escape(
            "y_pred must hold the d means and then the d log-variances on its last axis "
            "(2 d columns), got y_pred of shape (5, 3)")):
        keras_losses.gaussian_nll(rng.normal(size=(5, 2)), rng.normal(size=(5, 3)))
    with pytest.raises(ValueError, match=re.escape(
            "y_true must have 2 columns for y_pred of shape (5, 4) (2 means and 2 "
            "log-variances), got y_true of shape (5, 3)")):
        keras_losses.gaussian_nll(rng.normal(size=(5, 3)), rng.normal(size=(5, 4)))


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: keras_losses.pinball([[1.0]], [[0.0]], quantile=1.0), ValueError,
         "quantile must be < 1.0, got 1.0"),
        (lambda: keras_losses.categorical_generalized_cross_entropy([0], [[0.5, 0.5]], q=0.0),
         ValueError, "q must be > 0.0, got 0.0"),
        (lambda: keras_losses.weighted_binary_crossentropy([[1.0]], [[0.0]], pos_weight=-1.0),
         ValueError, "pos_weight must be >= 0.0, got -1.0"),
        (lambda: keras_losses.gaussian_nll([[1.0]], [[0.0, 0.0]], full="yes"), TypeError,
         "full must be True or False, got str 'yes'"),
        (lambda: keras_losses.get("mse"), ValueError,
         ("'mse' is not one of lossguide.keras_losses.NAMES (pinball, gaussian_nll, "
          "weighted_binary_crossentropy, categorical_generalized_cross_entropy, beta_nll); resolve "
          "Keras's own losses with keras.losses.get")),
        (lambda: keras_losses.get(3), TypeError, "name must be a loss name (a str), got int 3"),
        (lambda: keras_losses.bind(None), TypeError, "name must be a loss name (a str), got NoneType None"),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_bind_resolves_by_the_engine_rule(float64):
    keras = float64
    pinball = keras_losses.bind("pinball", quantile=0.9)
    assert pinball.__name__ == "pinball"
    y_true, y_pred = _inputs("pinball", np.random.default_rng(4))
    assert_allclose(np.asarray(pinball(y_true, y_pred)), losses.pinball(y_true, y_pred, quantile=0.9),
                    rtol=RTOL)
    # Keras's own names go through keras.losses.get.
    huber = keras_losses.bind("huber", delta=0.5)
    assert_allclose(np.asarray(huber(y_true, y_pred)), np.asarray(keras.losses.huber(y_true, y_pred, delta=0.5)),
                    rtol=0)


def test_importing_it_does_not_import_keras():
    code = "import sys, lossguide.keras_losses; print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


# ------------------------------------------------------------------ training with them


def _problem(name, rng, n=64):
    x = rng.normal(size=(n, 3))
    signal = x @ np.array([1.0, -0.5, 0.25])
    if name == "pinball":
        return x, (signal + rng.normal(size=n))[:, None], 1, "linear"
    if name == "gaussian_nll":
        return x, (signal + rng.normal(size=n) * np.exp(x[:, 0] / 2))[:, None], 2, "linear"
    if name == "weighted_binary_crossentropy":
        return x, (signal + rng.normal(size=n) > 1.0).astype(float)[:, None], 1, "linear"
    return x, np.digitize(signal, [-0.5, 0.5]), 3, "softmax"


TRAINING = [
    ("pinball", {"quantile": 0.9}),
    ("gaussian_nll", {}),
    ("weighted_binary_crossentropy", {"pos_weight": 4.0}),
    ("categorical_generalized_cross_entropy", {"q": 0.7}),
]


@pytest.mark.parametrize("name, options", TRAINING, ids=[n for n, _ in TRAINING])
@pytest.mark.parametrize("wrap", ["bind", "partial"])
def test_trains_in_keras_fit(float64, name, options, wrap):
    keras = float64
    keras.utils.set_random_seed(0)
    x, y, units, activation = _problem(name, np.random.default_rng(5))
    if wrap == "bind":
        loss = keras_losses.bind(name, **options)
    else:
        loss = functools.partial(keras_losses.get(name), **options)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(units, activation=activation)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss=loss)
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
    # What Keras reports is the mean of the NumPy twin on the model's predictions.
    predictions = model.predict(x, verbose=0)
    assert predictions.dtype == np.float64
    expected = losses.get(name)(y, predictions, **options).mean()
    assert_allclose(model.evaluate(x, y, verbose=0), expected, rtol=1e-10)


def test_level_absolute_error_matches_its_numpy_twin():
    from lossguide import metrics

    rng = np.random.default_rng(0)
    levels = rng.integers(0, 5, size=50)
    y = (levels[:, None] > np.arange(4)).astype(float)
    p = rng.random((50, 4))
    got = np.asarray(keras_losses.level_absolute_error(y, p))
    np.testing.assert_array_equal(got, metrics.level_absolute_error(y, p))
    np.testing.assert_array_equal(got[:3], np.abs((p[:3] > 0.5).sum(axis=1) - levels[:3]))



# ------------------------------------------------------------------ beta_nll (Seitzer et al. 2022)


def test_beta_nll_by_hand(float64):
    # y = 1, mu = 0: v = 0 gives weight 1 and NLL 1/2; v = log 4 gives weight 4^beta and
    # NLL (log 4 + 1/4) / 2; two targets are averaged.
    y_pred = np.array([[0.0, 0.0], [0.0, np.log(4.0)]])
    expected = np.array([0.5, 2.0 * 0.5 * (np.log(4.0) + 0.25)])
    ours = np.asarray(keras_losses.beta_nll(np.ones(2), y_pred, beta=0.5))
    assert_allclose(ours, expected, rtol=1e-14)
    assert_allclose(losses.beta_nll(np.ones(2), y_pred, beta=0.5), expected, rtol=1e-14)
    two = np.array([[0.0, 0.0, 0.0, np.log(4.0)]])
    assert_allclose(np.asarray(keras_losses.beta_nll(np.ones((1, 2)), two, beta=0.5)),
                    [expected.mean()], rtol=1e-14)
    rng = np.random.default_rng(3)
    y_true, y_pred = _inputs("gaussian_nll", rng)
    for beta in (0.0, 0.5, 1.0):
        assert_allclose(np.asarray(keras_losses.beta_nll(y_true, y_pred, beta=beta)),
                        losses.beta_nll(y_true, y_pred, beta=beta), rtol=RTOL)
    assert_allclose(losses.beta_nll(y_true, y_pred, beta=0.0), losses.gaussian_nll(y_true, y_pred),
                    rtol=RTOL)


@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0])
def test_beta_nll_gradient_is_the_weighted_nll_gradient(float64, beta):
    import tensorflow as tf

    from lossguide import gradients

    rng = np.random.default_rng(4)
    y_true, y_pred = _inputs("gaussian_nll", rng)
    prediction = tf.Variable(y_pred)
    with tf.GradientTape() as tape:
        value = tf.reduce_sum(keras_losses.beta_nll(y_true, prediction, beta=beta))
    autodiff = tape.gradient(value, prediction).numpy()
    weight = np.exp(beta * y_pred[:, 2:])
    expected = gradients.gaussian_nll(y_true, y_pred) * np.concatenate([weight, weight], axis=-1)
    assert_allclose(autodiff, expected, rtol=1e-12)
    if beta == 1.0:
        # the means' gradient is MSE's up to a factor 1/2: -(y - mu) / d
        assert_allclose(autodiff[:, :2], -(y_true - y_pred[:, :2]) / 2, rtol=1e-12)


def test_beta_nll_trains_in_the_engine(float64):
    from lossguide import experiments

    experiment = experiments.Experiment(
        name="heteroscedastic/beta_nll", problem="heteroscedastic", targets="real",
        network=experiments.Network(8, "tanh", "he_uniform", 2, "linear"), loss="beta_nll",
        optimizer=experiments.SGD(0.003, momentum=0.9), epochs=2, batch_size=32,
        metric="mse", loss_options={"beta": 0.5})
    result = experiments.run(experiment, seeds=[0, 1])
    assert result.predict(result.data.x_test).shape[-1] == 2
    assert np.isfinite(result.final.test_loss).all()


def test_beta_nll_rejects_beta_outside_0_1():
    with pytest.raises(ValueError, match=re.escape("beta must be <= 1.0, got 2.0")):
        keras_losses.beta_nll([[1.0]], [[0.0, 0.0]], beta=2.0)
    with pytest.raises(ValueError, match=re.escape("beta must be >= 0.0, got -1.0")):
        losses.beta_nll([[1.0]], [[0.0, 0.0]], beta=-1.0)


def test_keras_binary_focal_gradient_is_nan_at_gamma_zero_once_p_t_rounds_to_one(float64):
    # The imbalance chapter shows this Keras 3.15.1 trap: binary_focal_crossentropy computes
    # ops.power(1 - p_t, gamma), whose gradient at gamma = 0 is 0 * x**-1 = NaN once p_t
    # rounds to 1 (a logit of 40 in float64); gamma = 2 stays finite. If Keras fixes it,
    # this test fails and the chapter's sentence must change with it.
    import tensorflow as tf

    keras = float64
    y = tf.constant([[1.0]], dtype="float64")
    for gamma, finite in ((0.0, False), (2.0, True)):
        z = tf.Variable([[40.0]], dtype="float64")
        with tf.GradientTape() as tape:
            loss = keras.losses.binary_focal_crossentropy(y, z, gamma=gamma, from_logits=True)
        gradient = tape.gradient(loss, z).numpy()
        assert np.isfinite(gradient).all() == finite, (gamma, gradient)
    # a logit of 10 is still finite at gamma = 0
    z = tf.Variable([[10.0]], dtype="float64")
    with tf.GradientTape() as tape:
        loss = keras.losses.binary_focal_crossentropy(y, z, gamma=0.0, from_logits=True)
    assert np.isfinite(tape.gradient(loss, z).numpy()).all()
