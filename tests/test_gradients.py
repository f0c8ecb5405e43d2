"""Tests of lossguide.gradients: finite differences, TensorFlow autodiff, extremes, kinks, errors."""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from conftest import cases, make_case

from lossguide import gradients, keras_losses, losses, registry
from lossguide._validation import ProbabilityWarning

RNG_SEED = 20261122
SHAPE = (4, 3)


def _binary_logits(rng):
    return rng.integers(0, 2, size=SHAPE).astype(float), rng.normal(scale=3.0, size=SHAPE)


def _away_from_kinks(name, y_true, y_pred):
    """Move hinge scores off the kink 1 - y * score = 0, where the derivative jumps."""
    if registry.get(name).y_true == "signs":
        y_pred = np.where(np.abs(1.0 - y_true * y_pred) < 0.05, y_pred + 0.3, y_pred)
    return y_true, y_pred


def _sampler(name, options):
    def sample(rng):
        y_true, y_pred, _ = make_case(name, rng, shape=SHAPE, options=options)
        return _away_from_kinks(name, y_true, y_pred)

    return sample


# (id, name, options, sampler) for every record and option set of the loss table.
CASES = [
    (param.id, param.values[0], dict(param.values[1]), _sampler(*param.values))
    for param in cases()
]


def _sample(sampler, index=0):
    return sampler(np.random.default_rng([RNG_SEED, index]))


def _central_differences(loss, y_true, y_pred, step=1e-6):
    """d(sum of per-sample losses)/d y_pred, one coordinate at a time."""
    result = np.zeros_like(y_pred)
    for position in np.ndindex(y_pred.shape):
        up, down = y_pred.copy(), y_pred.copy()
        up[position] += step
        down[position] -= step
        result[position] = (loss(y_true, up).sum() - loss(y_true, down).sum()) / (2 * step)
    return result


# ------------------------------------------------------------------ (1) finite differences


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("index", [0, 1, 2])
def test_matches_central_differences(case, index):
    _, name, options, sampler = case
    y_true, y_pred = _sample(sampler, index)

    def loss(t, p):
        return losses.get(name)(t, p, **options)

    expected = _central_differences(loss, y_true, y_pred)
    got = gradients.get(name)(y_true, y_pred, **options)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


def test_weighted_bce_matches_central_differences():
    y_true, logits = _sample(_binary_logits)
    for weight in (0.3, 3.0, np.array([1.0, 2.0, 5.0])):

        def loss(t, z, weight=weight):
            return losses.weighted_binary_crossentropy(t, z, pos_weight=weight)

        expected = _central_differences(loss, y_true, logits)
        got = gradients.weighted_binary_crossentropy(y_true, logits, pos_weight=weight)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


# ------------------------------------------------------------------ (2) TensorFlow autodiff


@pytest.fixture(scope="module")
def tf_keras(keras):
    import tensorflow as tf

    return tf, keras


def _tape_gradient(tf_keras, function, y_true, y_pred, dtype="float64"):
    """Gradient of the summed Keras loss with respect to y_pred, by autodiff."""
    tf, _ = tf_keras
    prediction = tf.constant(y_pred, dtype=dtype)
    truth = tf.constant(y_true, dtype=dtype)
    with tf.GradientTape() as tape:
        tape.watch(prediction)
        total = tf.reduce_sum(function(truth, prediction))
    return tape.gradient(total, prediction).numpy()


def _keras_function(tf_keras, name, options):
    tf, keras = tf_keras
    if name == "weighted_binary_crossentropy":  # tf.nn's, averaged like the losses
        return lambda t, z: tf.reduce_mean(
            tf.nn.weighted_cross_entropy_with_logits(t, z, pos_weight=options["pos_weight"]),
            axis=-1)
    if registry.get(name).keras is None:  # no Keras function: its keras.ops version
        function = keras_losses.get(name)
    else:
        function = getattr(keras.losses, name)
    return lambda t, p: function(t, p, **options)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_tensorflow_autodiff(tf_keras, case):
    _, name, options, sampler = case
    y_true, y_pred = _sample(sampler, 3)
    expected = _tape_gradient(tf_keras, _keras_function(tf_keras, name, options), y_true, y_pred)
    got = gradients.get(name)(y_true, y_pred, **options)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_weighted_bce_matches_tensorflow(tf_keras):
    tf, _ = tf_keras
    y_true, logits = _sample(_binary_logits, 4)

    def function(t, z):
        return tf.reduce_mean(tf.nn.weighted_cross_entropy_with_logits(t, z, pos_weight=2.5), axis=-1)

    expected = _tape_gradient(tf_keras, function, y_true, logits)
    got = gradients.weighted_binary_crossentropy(y_true, logits, pos_weight=2.5)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "name, options, y_true, y_pred",
    [
        # clipped probabilities: zero gradient, as autodiff through Keras's clip
        ("binary_crossentropy", {}, [[1.0, 0.0, 1.0]], [[0.0, 1.0, 1e-9]]),
        ("binary_focal_crossentropy", {}, [[1.0, 0.0, 1.0]], [[1e-9, 0.5, 1.0 - 1e-9]]),
        ("categorical_crossentropy", {}, [[0.0, 1.0, 0.0]], [[0.0, 0.3, 0.7]]),
        ("sparse_categorical_crossentropy", {}, [1.0], [[0.0, 0.3, 0.7]]),
        ("kl_divergence", {}, [[0.0, 0.5, 0.5]], [[0.0, 0.4, 0.6]]),
        ("mean_squared_logarithmic_error", {}, [[1.0, 2.0]], [[0.0, -0.5]]),
        ("poisson", {}, [[0.0, 3.0]], [[0.0, 1e-3]]),
    ],
)
def test_clipped_regions_match_tensorflow(tf_keras, name, options, y_true, y_pred):
    expected = _tape_gradient(tf_keras, _keras_function(tf_keras, name, options), y_true, y_pred)
    got = gradients.get(name)(y_true, y_pred, **options)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_categorical_logits_gradient_is_p_minus_y():
    logits = np.array([[2.0, 0.5, 6.0], [0.1, 0.0, 3.0]])
    labels = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    softmax = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(
        gradients.categorical_crossentropy(labels, logits, from_logits=True), softmax - labels, atol=1e-15
    )
    np.testing.assert_allclose(
        gradients.sparse_categorical_crossentropy([2, 1], logits, from_logits=True), softmax - labels, atol=1e-15
    )


def test_categorical_probability_path_adds_the_row_sum():
    # Keras renormalises the row first: -y/p + sum(y), not the textbook -y/p.
    probabilities = np.array([[0.2, 0.3, 0.5]])
    labels = np.array([[0.0, 1.0, 0.0]])
    np.testing.assert_allclose(
        gradients.categorical_crossentropy(labels, probabilities), -labels / probabilities + 1.0
    )


# ------------------------------------------------------------------ (3) extreme inputs


@pytest.mark.parametrize("name", ["binary_crossentropy", "binary_focal_crossentropy",
                                  "categorical_crossentropy", "sparse_categorical_crossentropy"])
@pytest.mark.parametrize("dtype, size", [(np.float64, 1e4), (np.float32, 80.0)])
def test_extreme_logits_give_finite_gradients(name, dtype, size):
    logits = np.array([[size, -size, 0.0], [-size, size, 1.0]], dtype=dtype)
    if name == "sparse_categorical_crossentropy":
        y_true = np.array([1.0, 0.0])
    else:
        y_true = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    got = gradients.get(name)(y_true, logits, from_logits=True)
    assert got.dtype == np.float64 and got.shape == logits.shape
    assert np.isfinite(got).all()
    if name.startswith("binary"):
        # a wrong answer by a huge margin: |gradient| = 1/d; a right one: 0
        sign = np.sign(logits) * np.where(y_true == 1, -1, 1)
        expected = np.where(sign > 0, 1.0, 0.0) * np.sign(logits) / logits.shape[-1]
        mask = logits != 0
        mask &= logits != 1
        np.testing.assert_allclose(got[mask], expected[mask], atol=1e-12)
    else:
        # the wrong class gets +1, the right one -1, the rest 0
        np.testing.assert_allclose(got.sum(axis=-1), 0.0, atol=1e-12)
        np.testing.assert_allclose(got[0], [1.0, -1.0, 0.0], atol=1e-12)


def test_bce_from_logits_at_minus_1000_is_minus_one():
    assert gradients.binary_crossentropy([[1.0]], [[-1000.0]], from_logits=True)[0, 0] == -1.0
    assert gradients.binary_crossentropy([[0.0]], [[1000.0]], from_logits=True)[0, 0] == 1.0


def test_focal_extreme_logits_are_exact():
    # d/dz [-(1 - sigma)^gamma log sigma] -> -1 as z -> -inf and -> 0 as z -> +inf
    for gamma in (0.0, 0.5, 2.0):
        got = gradients.binary_focal_crossentropy(
            [[1.0, 1.0]], [[-1e4, 1e4]], gamma=gamma, from_logits=True
        )
        np.testing.assert_allclose(got, [[-0.5, 0.0]], atol=1e-300)


def test_extreme_logits_match_tensorflow_in_float32(tf_keras):
    logits = np.array([[80.0, -80.0, 0.5]], dtype=np.float32)
    labels = np.array([[0.0, 1.0, 0.0]])
    keras_bce = _keras_function(tf_keras, "binary_crossentropy", {"from_logits": True})
    expected = _tape_gradient(tf_keras, keras_bce, labels, logits, dtype="float32")
    got = gradients.binary_crossentropy(labels, logits, from_logits=True)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    keras_cce = _keras_function(tf_keras, "categorical_crossentropy", {"from_logits": True})
    expected = _tape_gradient(tf_keras, keras_cce, labels, logits, dtype="float32")
    got = gradients.categorical_crossentropy(labels, logits, from_logits=True)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


# ------------------------------------------------------------------ (4) kinks


@pytest.mark.parametrize(
    "name, y_true, y_pred, expected",
    [
        ("mean_absolute_error", [[1.0, 2.0]], [[1.0, 3.0]], [[0.0, 0.5]]),
        ("mean_absolute_percentage_error", [[2.0, 4.0]], [[2.0, 3.0]], [[0.0, -12.5]]),
        ("hinge", [[1.0, -1.0, 1.0]], [[1.0, -1.0, 2.0]], [[-1 / 3, 1 / 3, 0.0]]),
        ("hinge", [[1.0, 0.0]], [[1.0, -1.0]], [[-0.5, 0.5]]),
        ("squared_hinge", [[1.0, -1.0]], [[1.0, -1.0]], [[0.0, 0.0]]),
        ("huber", [[0.0, 0.0]], [[1.0, -1.0]], [[0.5, -0.5]]),
        # active at the margin: neg - pos + 1 = 0.5 - 1.5 + 1 = 0
        ("categorical_hinge", [[0.0, 1.0, 0.0]], [[0.5, 1.5, 0.2]], [[1.0, -1.0, 0.0]]),
        # tied maxima share the gradient of the max
        ("categorical_hinge", [[0.0, 1.0, 0.0]], [[0.5, 0.7, 0.5]], [[0.5, -1.0, 0.5]]),
        # the max is the true class's 0 entry: no gradient to the others
        ("categorical_hinge", [[0.0, 1.0, 0.0]], [[-0.5, 0.7, -0.2]], [[0.0, -1.0, 0.0]]),
    ],
)
def test_subgradients_at_kinks_match_tensorflow(tf_keras, name, y_true, y_pred, expected):
    got = gradients.get(name)(y_true, y_pred)
    np.testing.assert_allclose(got, expected, atol=1e-15)
    autodiff = _tape_gradient(tf_keras, _keras_function(tf_keras, name, {}), y_true, y_pred)
    np.testing.assert_allclose(got, autodiff, atol=1e-15)


# ------------------------------------------------------------------ (5) bad input


BAD_INPUTS = [
    ("mean_squared_error", {}, [[1.0, 2.0]], [[1.0, 2.0, 3.0]], ValueError,
     "y_true and y_pred must have the same shape, got y_true (1, 2) and y_pred (1, 3)"),
    ("mean_squared_error", {}, [[1.0, float("nan")]], [[1.0, 2.0]], ValueError, "y_true contains NaN at index (0, 1)"),
    ("mean_absolute_error", {}, [["a"]], [[1.0]], TypeError, "y_true must be numeric"),
    ("huber", {"delta": -1.0}, [[1.0]], [[1.0]], ValueError, "delta must be > 0.0, got -1.0"),
    ("mean_squared_logarithmic_error", {}, [[3.0]], [[-1.0]], ValueError, "y_pred must be > -1"),
    ("poisson", {}, [[1.0]], [[-0.5]], ValueError, "y_pred must be >= 0 (a Poisson rate), got -0.5"),
    ("binary_crossentropy", {}, [[1.0]], [[1.3]], ValueError, "y_pred contains values greater than 1: 1.3"),
    ("binary_crossentropy", {"from_logits": "yes"}, [[1.0]], [[0.3]], TypeError, "from_logits must be True or False"),
    ("binary_crossentropy", {"label_smoothing": 2.0}, [[1.0]], [[0.3]], ValueError, "label_smoothing must be <= 1.0"),
    ("binary_focal_crossentropy", {"gamma": -1.0}, [[1.0]], [[0.3]], ValueError, "gamma must be >= 0.0, got -1.0"),
    ("hinge", {}, [[-1.0, 0.0]], [[0.3, 0.3]], ValueError, "mixes the label conventions"),
    ("categorical_crossentropy", {}, [[1.0]], [[1.0]], ValueError, "needs at least 2 classes"),
    ("categorical_crossentropy", {}, [[1.0, 0.0]], [[0.0, 0.0]], ValueError, "y_pred row (0,) sums to 0"),
    ("sparse_categorical_crossentropy", {}, [3.0], [[0.5, 0.5]], ValueError,
     "y_true holds class indices for 2 classes, so each must be in [0, 2); got 3"),
    ("sparse_categorical_crossentropy", {}, [0.5], [[0.5, 0.5]], ValueError, "whole-number class indices"),
    ("kl_divergence", {}, [[0.5, 0.5]], [[-0.1, 1.1]], ValueError, "y_pred contains values greater than 1"),
    ("categorical_hinge", {}, [[0.0, 2.0]], [[0.5, 0.5]], ValueError, "y_true contains values greater than 1: 2"),
    ("pinball", {"quantile": 1.0}, [[1.0]], [[1.0]], ValueError, "quantile must be < 1.0, got 1.0"),
    ("pinball", {}, [[1.0]], [[1.0, 2.0]], ValueError, "y_true and y_pred must have the same shape"),
    ("gaussian_nll", {}, [[1.0]], [[1.0, 2.0, 3.0]], ValueError, "got y_pred of shape (1, 3), whose last axis (3) is odd"),
    ("gaussian_nll", {}, [[1.0, 2.0]], [[1.0, 2.0]], ValueError, "y_true must have shape (1, 1) for y_pred of shape (1, 2)"),
    ("gaussian_nll", {"full": "no"}, [[1.0]], [[1.0, 2.0]], TypeError, "full must be True or False"),
    ("categorical_focal_crossentropy", {"alpha": [1.0, 2.0, 3.0]}, [[1.0, 0.0]], [[0.5, 0.5]], ValueError,
     "alpha must be a scalar or hold one weight per class"),
    ("categorical_focal_crossentropy", {"gamma": -1.0}, [[1.0, 0.0]], [[0.5, 0.5]], ValueError, "gamma must be >= 0.0"),
    ("categorical_focal_crossentropy", {}, [[1.0, 0.0]], [[0.0, 0.0]], ValueError, "y_pred row (0,) sums to 0"),
    ("categorical_generalized_cross_entropy", {"q": 0.0}, [0], [[0.5, 0.5]], ValueError, "q must be > 0.0, got 0.0"),
    ("categorical_generalized_cross_entropy", {"q": 0.5}, [2], [[0.5, 0.5]], ValueError,
     "y_true holds class indices for 2 classes, so each must be in [0, 2); got 2"),
    ("categorical_generalized_cross_entropy", {"q": 0.5}, [0], [[1.5, -0.5]], ValueError,
     "y_pred contains values greater than 1: 1.5"),
]


@pytest.mark.parametrize("name, options, y_true, y_pred, error, message", BAD_INPUTS)
# A row summing to 0 also warns that rows should sum to 1 before it raises; the error is
# what this test is about.
@pytest.mark.filterwarnings("ignore:rows of y_pred should sum to 1")
def test_bad_input_is_rejected_like_the_loss(name, options, y_true, y_pred, error, message):
    with pytest.raises(error, match=re.escape(message)):
        gradients.get(name)(y_true, y_pred, **options)
    with pytest.raises(error, match=re.escape(message)):
        losses.get(name)(y_true, y_pred, **options)


def test_weighted_bce_bad_weight():
    with pytest.raises(ValueError, match=re.escape("pos_weight must be >= 0.0, got -2.0")):
        gradients.weighted_binary_crossentropy([[1.0]], [[0.0]], pos_weight=-2.0)
    with pytest.raises(ValueError, match=re.escape("pos_weight of shape (2,) does not broadcast")):
        gradients.weighted_binary_crossentropy([[1.0, 0.0, 1.0]], [[0.0, 0.0, 0.0]], pos_weight=np.ones(2))


def test_get_mirrors_losses_get():
    assert gradients.get("mse") is gradients.mean_squared_error
    assert gradients.get("BinaryCrossentropy") is gradients.binary_crossentropy
    assert gradients.get("weighted_binary_crossentropy") is gradients.weighted_binary_crossentropy
    assert gradients.get(losses.kl_divergence) is gradients.kl_divergence
    with pytest.raises(ValueError, match="use 'log_cosh'"):
        gradients.get("logcosh")
    with pytest.raises(TypeError, match="identifier must be a loss name or a callable"):
        gradients.get(3)
    assert set(losses.NAMES) <= set(gradients.__all__)


# ------------------------------------------------------------------ (6) shapes and inputs


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_shape_dtype_and_inputs_unmodified(case):
    _, name, options, sampler = case
    y_true, y_pred = _sample(sampler, 5)
    y_true_copy, y_pred_copy = y_true.copy(), y_pred.copy()
    got = gradients.get(name)(y_true, y_pred.astype(np.float32), **options)
    got64 = gradients.get(name)(y_true, y_pred, **options)
    assert got.shape == y_pred.shape and got.dtype == np.float64
    assert got64.shape == y_pred.shape and got64.dtype == np.float64
    np.testing.assert_array_equal(y_true, y_true_copy)
    np.testing.assert_array_equal(y_pred, y_pred_copy)


def test_rank_one_targets_keep_y_pred_shape():
    # (n,) against (n, 1) is aligned as in Keras; the gradient keeps y_pred's shape.
    got = gradients.mean_squared_error([1.0, 2.0], [[1.5], [1.0]])
    np.testing.assert_allclose(got, [[1.0], [-2.0]])
    got = gradients.mean_squared_error([[1.0], [2.0]], [1.5, 1.0])
    assert got.shape == (2,)
    np.testing.assert_allclose(got, [1.0, -2.0])


def test_softmax_gradient_of_tied_huge_logits_sums_to_zero():
    # exp(z - logsumexp(z)) gave 1 for each tied logit of 1e30 (the log 2 is lost),
    # so the "gradient" summed to 1; the max-shifted softmax gives 1/2 each.
    gradient = gradients.categorical_crossentropy(
        [[1.0, 0.0]], np.array([[1e30, 1e30]], dtype=np.float32), from_logits=True
    )
    assert_allclose(gradient, [[-0.5, 0.5]], rtol=1e-15)
    sparse = gradients.sparse_categorical_crossentropy([0], [[1e17, 1e17, 1e17]], from_logits=True)
    assert_allclose(sparse, [[-2 / 3, 1 / 3, 1 / 3]], rtol=1e-15)


@pytest.mark.parametrize("name", ["categorical_crossentropy", "sparse_categorical_crossentropy"])
def test_softmax_gradient_keeps_the_tiny_value_where_p_rounds_to_one(name):
    # p = 1 / (1 + e^-38) rounds to 1.0 in float64, so p - 1 would be exactly 0;
    # the gradient is -e^-38 / (1 + e^-38) = -3.14e-17 (and +3.14e-17 for the other class).
    labels = [[1.0, 0.0]] if name == "categorical_crossentropy" else [0]
    gradient = gradients.get(name)(labels, [[0.0, -38.0]], from_logits=True)
    tiny = np.exp(-38.0) / (1.0 + np.exp(-38.0))
    assert_allclose(gradient, [[-tiny, tiny]], rtol=1e-15)
    assert gradient.sum() == 0.0


def test_binary_logit_gradient_keeps_the_tiny_value_where_sigma_rounds_to_one():
    tiny = np.exp(-40.0) / (1.0 + np.exp(-40.0))
    assert_allclose(gradients.binary_crossentropy([[1.0]], [[40.0]], from_logits=True), [[-tiny]],
                    rtol=1e-15)
    assert_allclose(
        gradients.weighted_binary_crossentropy([[1.0]], [[40.0]], pos_weight=1.0), [[-tiny]],
        rtol=1e-15,
    )


def test_huber_gradient_with_a_huge_delta():
    assert_allclose(gradients.huber([[0.0, 0.0]], [[3.0, -1.0]], delta=1e300), [[1.5, -0.5]])


def test_softmax_jacobian_matches_central_differences():
    from scipy.special import softmax

    z = np.array([[0.3, -1.2, 2.0], [0.0, 0.0, 0.0]])
    step = 1e-6
    expected = np.empty((2, 3, 3))
    for j in range(3):
        up, down = z.copy(), z.copy()
        up[:, j] += step
        down[:, j] -= step
        expected[:, :, j] = (softmax(up, axis=-1) - softmax(down, axis=-1)) / (2 * step)
    got = gradients.softmax_jacobian(softmax(z, axis=-1))
    np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-10)
    with pytest.raises(ValueError, match="probabilities contains values greater than 1"):
        gradients.softmax_jacobian([[1.5, -0.5]])


def test_chain_through_softmax_gives_the_logit_gradient_of_cross_entropy():
    from scipy.special import softmax

    z = np.array([[0.3, -1.2, 2.0], [1.0, 0.0, -1.0]])
    labels = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    p = softmax(z, axis=-1)
    through = gradients.chain_through_softmax(gradients.categorical_crossentropy(labels, p), p)
    np.testing.assert_allclose(through, p - labels, atol=1e-15)
    with pytest.raises(ValueError, match="gradient must have the shape of probabilities"):
        gradients.chain_through_softmax([[1.0, 2.0]], p)


# ------------------------------------------------------------------ (7) the losses of issues 13-17


def test_pinball_subgradient_at_a_tie_matches_tensorflow(tf_keras):
    # At y_pred = y_true TensorFlow's maximum passes the gradient to its first argument,
    # (tau - 1) e, so d/dy_pred = 1 - tau; lossguide returns the same subgradient.
    y_true, y_pred = [[1.0, 2.0, 0.0]], [[1.0, 1.0, 0.5]]
    for quantile in (0.1, 0.9):
        function = _keras_function(tf_keras, "pinball", {"quantile": quantile})
        expected = _tape_gradient(tf_keras, function, y_true, y_pred)
        got = gradients.pinball(y_true, y_pred, quantile=quantile)
        assert_allclose(got, [[1 - quantile, -quantile, 1 - quantile]] / np.float64(3), atol=1e-15)
        assert_allclose(got, expected, atol=1e-15)


def test_gaussian_nll_gradient_is_finite_for_large_log_variances():
    y_pred = np.array([[0.0, 800.0], [0.0, -800.0], [1.0, -1500.0], [1.0, 1e5]])
    y_true = np.array([[1.0], [1e-200], [1.0], [0.0]])
    got = gradients.gaussian_nll(y_true, y_pred)
    assert np.isfinite(got).all()
    # d/dmu = -(y - mu) e^-v, d/dv = (1 - (y - mu)^2 e^-v) / 2
    assert_allclose(got[0], [-np.exp(-800.0), 0.5], rtol=1e-15)
    # -1e-200 e^800 = -exp(800 - 200 log 10), finite though e^800 itself overflows.
    assert_allclose(got[1], [-np.exp(800.0 - 200 * np.log(10.0)), 0.5], rtol=1e-12)
    assert_array_equal(got[2], [0.0, 0.5])  # an exact fit at a vanishing variance: no 0 * inf
    assert_allclose(got[3], [1.0 * np.exp(-1e5), 0.5], rtol=1e-15)


def test_gaussian_nll_variance_gradient_vanishes_at_the_right_variance():
    # d/dv = 0 where (y - mu)^2 = sigma^2: the NLL's best variance is the squared error.
    got = gradients.gaussian_nll([[3.0, 0.0]], [[1.0, 0.5, np.log(4.0), np.log(0.25)]])
    assert_allclose(got[0, 2:], [0.0, 0.0], atol=1e-15)
    assert_allclose(got[0, :2], [-2.0 / 4.0 / 2, 0.5 / 0.25 / 2], rtol=1e-15)


@pytest.mark.parametrize("dtype, size", [(np.float64, 1e4), (np.float32, 80.0)])
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
def test_categorical_focal_extreme_logits_give_finite_gradients(dtype, size, gamma):
    logits = np.array([[size, -size, 0.0], [-size, size, 1.0]], dtype=dtype)
    y_true = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
    got = gradients.categorical_focal_crossentropy(y_true, logits, alpha=1.0, gamma=gamma,
                                                   from_logits=True)
    assert got.dtype == np.float64 and np.isfinite(got).all()
    # Confidently wrong: (1 - p_y)^gamma = 1 and r = 0, so the pull is cross-entropy's p - y.
    assert_allclose(got[0], [1.0, -1.0, 0.0], atol=1e-12)
    # Confidently right: no pull at all.
    assert_allclose(got[1], [0.0, 0.0, 0.0], atol=1e-12)


@pytest.mark.parametrize("from_logits", [False, True])
def test_categorical_focal_with_gamma_zero_has_cross_entropys_gradient(from_logits):
    rng = np.random.default_rng(11)
    y_true = np.eye(4)[rng.integers(0, 4, size=6)] * 0.9 + 0.025  # smoothed rows summing to 1
    y_pred = 3 * rng.normal(size=(6, 4)) if from_logits else rng.dirichlet(np.full(4, 2.0), size=6)
    options = {"from_logits": from_logits}
    assert_allclose(
        gradients.categorical_focal_crossentropy(y_true, y_pred, alpha=0.5, gamma=0.0, **options),
        0.5 * gradients.categorical_crossentropy(y_true, y_pred, **options),
        rtol=1e-12, atol=1e-15,
    )


@pytest.mark.parametrize("from_logits", [False, True])
def test_categorical_focal_per_class_alpha_matches_tensorflow(tf_keras, from_logits):
    rng = np.random.default_rng(12)
    y_true = np.eye(3)[rng.integers(0, 3, size=5)]
    y_pred = 2 * rng.normal(size=(5, 3)) if from_logits else rng.dirichlet(np.full(3, 2.0), size=5)
    options = {"alpha": np.array([0.2, 1.0, 3.0]), "gamma": 1.5, "from_logits": from_logits,
               "label_smoothing": 0.1}
    expected = _tape_gradient(tf_keras, _keras_function(tf_keras, "categorical_focal_crossentropy", options),
                              y_true, y_pred)
    got = gradients.categorical_focal_crossentropy(y_true, y_pred, **options)
    assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_categorical_focal_clipped_probabilities_match_tensorflow(tf_keras):
    # Exact 0 and 1 (clipped: no gradient through the cross-entropy term) and a row
    # that Keras renormalises.
    y_true = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    y_pred = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.2, 0.3, 0.1]])
    for options in ({}, {"gamma": 0.5, "label_smoothing": 0.2}):
        expected = _tape_gradient(tf_keras, _keras_function(tf_keras, "categorical_focal_crossentropy", options),
                                  y_true, y_pred)
        with pytest.warns(ProbabilityWarning):
            got = gradients.categorical_focal_crossentropy(y_true, y_pred, **options)
        assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_generalized_cross_entropy_gradient_through_softmax_is_weighted_cross_entropy():
    from scipy.special import softmax

    rng = np.random.default_rng(13)
    labels, logits = rng.integers(0, 4, size=6), 2 * rng.normal(size=(6, 4))
    p = softmax(logits, axis=-1)
    for q in (0.2, 0.7):
        through = gradients.chain_through_softmax(
            gradients.categorical_generalized_cross_entropy(labels, p, q=q), p)
        chosen = p[np.arange(6), labels][:, None]
        assert_allclose(through, chosen**q * (p - np.eye(4)[labels]), rtol=1e-12, atol=1e-15)


def test_generalized_cross_entropy_gradient_at_zero_probability():
    # p_y = 0: the loss is 1/q (finite) but its slope -p_y^(q - 1) is -inf; the
    # other classes do not enter the loss (TensorFlow's autodiff gives NaN there).
    got = gradients.categorical_generalized_cross_entropy([0, 1], [[0.0, 1.0], [0.0, 1.0]], q=0.5)
    assert_array_equal(got, [[-np.inf, 0.0], [0.0, -1.0]])
    assert np.isfinite(losses.categorical_generalized_cross_entropy([0], [[0.0, 1.0]], q=0.5)).all()


def test_generalized_cross_entropy_column_labels_keep_y_pred_shape():
    got = gradients.categorical_generalized_cross_entropy([[1], [0]], [[0.75, 0.25], [0.5, 0.5]], q=0.5)
    assert_allclose(got, [[0.0, -2.0], [-np.sqrt(2.0), 0.0]], rtol=1e-15)
