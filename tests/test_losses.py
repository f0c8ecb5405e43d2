"""Tests of lossguide.losses: agreement with Keras and independent references,
known values, extreme inputs, and every error message.

Reference library versions: Keras 3.15.1 on TensorFlow 2.21 (CPU), scikit-learn
1.9, SciPy 1.17; Keras is called with float64 NumPy arrays so that it computes
in float64.
"""

import re
import warnings

import numpy as np
import pytest
import scipy.special
import scipy.stats
from numpy.testing import assert_allclose, assert_array_equal

from conftest import cases, make_case

from lossguide import losses, registry
from lossguide._validation import ProbabilityWarning

RTOL = 1e-10


def to_numpy(tensor):
    return np.asarray(tensor, dtype=np.float64)


def softmax(z):
    return np.exp(z - scipy.special.logsumexp(z, axis=-1, keepdims=True))


def one_hot(labels, n_classes):
    return np.eye(n_classes)[labels]


# Inputs inside the range where Keras does not clip: probabilities in [0.01, 0.99],
# logits small enough that Keras's sigmoid-then-clip (focal loss) is exact.
rng = np.random.default_rng(20261122)
N, D, K = 7, 3, 4
LABELS = rng.integers(0, K, size=N)
# Two input sets of the scikit-learn comparisons below.
REGRESSION_INPUTS = (rng.normal(size=(N, D)), rng.normal(size=(N, D)))
POSITIVE_INPUTS = (rng.uniform(0.01, 5, size=(N, D)), rng.uniform(0.01, 5, size=(N, D)))
NONZERO_INPUTS = (rng.uniform(0.5, 3, size=(N, D)) * rng.choice([-1, 1], size=(N, D)),
                  rng.normal(size=(N, D)))
SIMPLEX_INPUTS = (rng.dirichlet(np.full(K, 2.0), size=N), rng.dirichlet(np.full(K, 2.0), size=N))
COUNT_INPUTS = (rng.poisson(2.0, size=(N, D)).astype(float), rng.uniform(0.1, 5, (N, D)))
SPARSE_LOGIT_INPUTS = (LABELS[:, None], 4 * rng.normal(size=(N, K)))


# ------------------------------------------------------------------ agreement with Keras

# Losses without a keras.losses function (tf.nn's or lossguide.keras_losses's twin) are
# compared in test_registry.py, test_keras_losses.py and below.
KERAS_CASES = cases(exclude=tuple(spec.name for spec in registry.SPECS.values() if spec.keras is None))


@pytest.mark.parametrize("name, options", KERAS_CASES)
@pytest.mark.parametrize("index", [0, 1])
def test_agrees_with_keras(keras, name, options, index):
    # Inputs from the record's kinds, inside the range where Keras does not clip
    # (probabilities in [0.02, 0.98]; logits of scale 2, where Keras's
    # sigmoid-then-clip for focal loss is still exact).
    generator = np.random.default_rng([20261122, index])
    y_true, y_pred, options = make_case(name, generator, shape=(N, K), options=options)
    ours = losses.get(name)(y_true, y_pred, **options)
    theirs = to_numpy(getattr(keras.losses, name)(y_true, y_pred, **options))
    if name == "log_cosh":
        # Keras 3.15 builds log 2 as ops.log(2.0) in float32 and then casts it, so
        # its float64 log-cosh is offset by log(2) - float32(log 2) ≈ -1.9e-9.
        theirs = theirs + float(np.float32(np.log(np.float32(2.0)))) - np.log(2.0)
    assert ours.dtype == np.float64
    assert ours.shape == theirs.shape
    assert_allclose(ours, theirs, rtol=RTOL, atol=0)


@pytest.mark.parametrize("name", ["binary_crossentropy", "binary_focal_crossentropy"])
@pytest.mark.parametrize("from_logits", [False, True])
def test_soft_binary_labels_agree_with_keras(keras, name, from_logits):
    y_true = rng.uniform(0, 1, size=(N, D))
    y_pred = 4 * rng.normal(size=(N, D)) if from_logits else rng.uniform(0.01, 0.99, size=(N, D))
    options = {"from_logits": from_logits, "label_smoothing": 0.15}
    assert_allclose(losses.get(name)(y_true, y_pred, **options),
                    to_numpy(getattr(keras.losses, name)(y_true, y_pred, **options)), rtol=RTOL)


def test_focal_defaults_and_docstring_example_agree_with_keras(keras):
    y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
    y_pred = np.array([[0.6, 0.4], [0.4, 0.6]])
    for options in ({}, {"gamma": 0.0}, {"apply_class_balancing": True, "alpha": 0.6}):
        ours = losses.binary_focal_crossentropy(y_true, y_pred, **options)
        theirs = to_numpy(keras.losses.binary_focal_crossentropy(y_true, y_pred, **options))
        assert_allclose(ours, theirs, rtol=RTOL)


def test_probability_paths_agree_with_keras_where_keras_clips(keras):
    # Exact 0 and 1 probabilities and unnormalised rows: Keras clips and renormalises.
    y_true = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    y_pred = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.2, 0.3, 0.0]])
    ours = losses.binary_crossentropy(y_true, y_pred)
    assert_allclose(ours, to_numpy(keras.losses.binary_crossentropy(y_true, y_pred)), rtol=1e-9)
    with pytest.warns(ProbabilityWarning):
        ours = losses.kl_divergence(y_true, y_pred)
    assert_allclose(ours, to_numpy(keras.losses.kl_divergence(y_true, y_pred)), rtol=1e-9)
    with pytest.warns(ProbabilityWarning):
        ours = losses.categorical_crossentropy(y_true, y_pred)
    theirs = to_numpy(keras.losses.categorical_crossentropy(y_true, y_pred))
    assert_allclose(ours, theirs, rtol=1e-9)
    with pytest.warns(ProbabilityWarning):
        ours = losses.sparse_categorical_crossentropy([0, 1, 2], y_pred)
    theirs = to_numpy(keras.losses.sparse_categorical_crossentropy(np.array([0, 1, 2]), y_pred))
    assert_allclose(ours, theirs, rtol=1e-9)


def test_mape_and_msle_at_zero_agree_with_keras(keras):
    y_true = np.array([[0.0, 1.0], [2.0, 0.0]])
    y_pred = np.array([[0.5, 0.0], [-0.5, 0.0]])
    for name in ("mean_absolute_percentage_error", "mean_squared_logarithmic_error"):
        ours = losses.get(name)(y_true, y_pred)
        assert_allclose(ours, to_numpy(getattr(keras.losses, name)(y_true, y_pred)), rtol=RTOL)


def test_weighted_bce_agrees_with_tensorflow(keras):
    import tensorflow as tf

    y_true = rng.choice([0.0, 1.0], size=(N, D))
    logits = 5 * rng.normal(size=(N, D))
    for pos_weight in (0.5, 3.0, np.array([1.0, 2.0, 0.25])):
        ours = losses.weighted_binary_crossentropy(y_true, logits, pos_weight=pos_weight)
        elementwise = tf.nn.weighted_cross_entropy_with_logits(
            labels=y_true, logits=logits, pos_weight=tf.constant(pos_weight, tf.float64)
        )
        assert_allclose(ours, to_numpy(elementwise).mean(axis=-1), rtol=RTOL)


@pytest.mark.parametrize(
    "name", ["mean_squared_error", "huber", "hinge", "poisson", "binary_crossentropy"]
)
@pytest.mark.parametrize("flip", [False, True])
def test_column_vs_flat_shapes_match_keras_loss_classes(keras, name, flip):
    # The Keras loss classes (what compile uses) align (n,) with (n, 1); so do we.
    y_true = rng.choice([0.0, 1.0], size=5)
    y_pred = rng.uniform(0.05, 0.95, size=(5, 1))
    if flip:
        y_true, y_pred = y_true[:, None], y_pred[:, 0]
    loss_class = keras.losses.get(name).__name__  # function; use the class below
    classes = {
        "mean_squared_error": keras.losses.MeanSquaredError,
        "huber": keras.losses.Huber,
        "hinge": keras.losses.Hinge,
        "poisson": keras.losses.Poisson,
        "binary_crossentropy": keras.losses.BinaryCrossentropy,
    }
    assert loss_class == name
    # Loss classes compute in their own dtype (floatx, float32 unless set).
    theirs = to_numpy(classes[name](reduction=None, dtype="float64")(y_true, y_pred))
    ours = losses.get(name)(y_true, y_pred)
    assert ours.shape == theirs.shape == (5,)
    assert_allclose(ours, theirs, rtol=RTOL)


# ------------------------------------------------------- independent implementations


def test_regression_losses_agree_with_sklearn():
    from sklearn import metrics

    y_true, y_pred = REGRESSION_INPUTS
    # sklearn reduces over samples; transposing makes it reduce over our last axis.
    assert_allclose(
        losses.mean_squared_error(y_true, y_pred),
        metrics.mean_squared_error(y_true.T, y_pred.T, multioutput="raw_values"),
        rtol=1e-12,
    )
    assert_allclose(
        losses.mean_absolute_error(y_true, y_pred),
        metrics.mean_absolute_error(y_true.T, y_pred.T, multioutput="raw_values"),
        rtol=1e-12,
    )
    y_true, y_pred = POSITIVE_INPUTS
    assert_allclose(
        losses.mean_squared_logarithmic_error(y_true, y_pred),
        metrics.mean_squared_log_error(y_true.T, y_pred.T, multioutput="raw_values"),
        rtol=1e-12,
    )
    y_true, y_pred = NONZERO_INPUTS
    assert_allclose(
        losses.mean_absolute_percentage_error(y_true, y_pred) / 100,  # sklearn: a fraction
        metrics.mean_absolute_percentage_error(y_true.T, y_pred.T, multioutput="raw_values"),
        rtol=1e-12,
    )


def test_classification_losses_agree_with_sklearn():
    from sklearn import metrics

    y = rng.integers(0, 2, size=50)
    p = rng.uniform(0.01, 0.99, size=50)
    assert_allclose(
        losses.binary_crossentropy(y[:, None], p[:, None]).mean(), metrics.log_loss(y, p),
        rtol=1e-12,
    )
    z = rng.normal(size=(50, K))
    labels = np.arange(50) % K
    assert_allclose(
        losses.categorical_crossentropy(one_hot(labels, K), softmax(z)).mean(),
        metrics.log_loss(labels, softmax(z)),
        rtol=1e-12,
    )
    signs = 2.0 * y - 1.0
    decision = rng.normal(size=50)
    assert_allclose(
        losses.hinge(signs[:, None], decision[:, None]).mean(),
        metrics.hinge_loss(signs, decision),
        rtol=1e-12,
    )
    # sklearn's multi-class hinge is Crammer-Singer: max(0, 1 + max_other - true).
    # Keras's max((1 - y) ŷ) also sees the true class as a 0, so the two agree only
    # when some other score is >= 0; shifting all scores keeps Crammer-Singer unchanged.
    shifted = z - z.min() + 1.0
    assert_allclose(
        losses.categorical_hinge(one_hot(labels, K), shifted).mean(),
        metrics.hinge_loss(labels, shifted),
        rtol=1e-12,
    )


def test_categorical_hinge_counts_the_true_class_as_a_zero_score_like_keras():
    # All other scores negative: Crammer-Singer gives max(0, 1 - 1 + (-2)) = 0;
    # Keras (and we) use max(-2, -3, 0) = 0 for the best other score, giving 0 too;
    # with a true score of 0.5 they differ: Keras 0.5, Crammer-Singer 0.
    assert_allclose(losses.categorical_hinge([[0, 1, 0]], [[-2.0, 0.5, -3.0]]), [0.5])


def test_kl_divergence_agrees_with_scipy_rel_entr():
    y_true, y_pred = SIMPLEX_INPUTS
    expected = scipy.special.rel_entr(y_true, y_pred).sum(axis=-1)
    assert_allclose(losses.kl_divergence(y_true, y_pred), expected, rtol=1e-12)
    # kl_div adds -y + ŷ per term, which sums to zero for distributions.
    assert_allclose(
        losses.kl_divergence(y_true, y_pred),
        scipy.special.kl_div(y_true, y_pred).sum(axis=-1),
        rtol=1e-9,
    )


def test_poisson_is_the_negative_log_likelihood_up_to_a_constant():
    y_true, y_pred = COUNT_INPUTS
    negative_log_likelihood = -scipy.stats.poisson.logpmf(y_true, y_pred)
    constant = scipy.special.gammaln(y_true + 1)  # log y!, independent of the prediction
    expected = (negative_log_likelihood - constant).mean(axis=-1)
    # Keras's log(ŷ + 1e-7) shifts each term by about y · 1e-7 / ŷ.
    assert_allclose(losses.poisson(y_true, y_pred), expected, rtol=0, atol=1e-6)


def test_huber_agrees_with_scipy():
    error = np.linspace(-3, 3, 13)
    for delta in (0.5, 1.0, 2.0):
        assert_allclose(
            losses.huber(np.zeros((1, 13)), error[None], delta=delta),
            [scipy.special.huber(delta, error).mean()],
            rtol=1e-14,
        )


def test_log_cosh_keeps_full_precision_for_small_and_large_errors():
    import mpmath

    mpmath.mp.dps = 50
    errors = np.array([1e-12, 1e-6, 1e-3, 0.5, 0.999, 1.0, 3.0, 40.0, 800.0, -5e5])
    expected = [float(mpmath.log(mpmath.cosh(mpmath.mpf(e)))) for e in errors]
    ours = losses.log_cosh(np.zeros((10, 1)), errors[:, None])
    assert_allclose(ours, expected, rtol=1e-14)


def test_sparse_crossentropy_agrees_with_scipy_log_softmax():
    labels, logits = SPARSE_LOGIT_INPUTS
    expected = -np.take_along_axis(scipy.special.log_softmax(logits, axis=-1), labels, -1)[:, 0]
    ours = losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    assert_allclose(ours, expected, rtol=1e-12)


# --------------------------------------------------------------------- known values


def test_mse_of_the_tutorial_vector():  # seed 000
    y_true = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    y_pred = [0.033, 0.45, 0.01, 0.9, 0, 0, 0.5, 0.4, 0.3, 0.95]
    result = losses.mean_squared_error(y_true, y_pred)
    assert result.shape == ()
    assert_allclose(result, 0.1616189, rtol=1e-12)


def test_mse_of_the_tutorial_two_by_two():  # seed 000
    per_sample = losses.mean_squared_error([[1, 0], [0, 1]], [[0.95, 0.03], [0.3, 0.8]])
    assert_allclose(per_sample, [0.0017, 0.065], rtol=1e-12)
    assert_allclose(per_sample.mean(), 0.03335, rtol=1e-12)


def test_sparse_crossentropy_of_the_tutorial_logits():  # seed 001, TF's float32 digits
    result = losses.sparse_categorical_crossentropy(
        [2, 1], [[2, 0.5, 6], [0.1, 0, 3]], from_logits=True
    )
    assert_allclose(result, [0.02215516, 3.0996735], rtol=2e-7)


def test_binary_crossentropy_closed_forms():
    assert_allclose(losses.binary_crossentropy([[1.0]], [[0.5]]), [np.log(2)], rtol=1e-15)
    assert_allclose(
        losses.binary_crossentropy([[1.0]], [[0.0]], from_logits=True), [np.log(2)], rtol=1e-15
    )
    # Smoothing 0.2 turns label 1 into 0.9: the loss at p = 0.9 is the entropy H(0.9).
    expected = -(0.9 * np.log(0.9) + 0.1 * np.log(0.1))
    assert_allclose(
        losses.binary_crossentropy([[1.0]], [[0.9]], label_smoothing=0.2), [expected], rtol=1e-14
    )


def test_categorical_crossentropy_smoothing_closed_form():
    # K = 4, s = 0.4: targets become [0.1, 0.7, 0.1, 0.1]; uniform prediction → log 4.
    result = losses.categorical_crossentropy([[0, 1, 0, 0]], [[0.25] * 4], label_smoothing=0.4)
    assert_allclose(result, [np.log(4)], rtol=1e-14)


def test_focal_closed_form():
    # y = 1, p = 0.8, γ = 2, α = 0.25 balanced: 0.25 · 0.2² · (-log 0.8).
    result = losses.binary_focal_crossentropy([[1.0]], [[0.8]], apply_class_balancing=True)
    assert_allclose(result, [0.25 * 0.04 * -np.log(0.8)], rtol=1e-14)


def test_weighted_bce_closed_form():
    result = losses.weighted_binary_crossentropy([[1.0, 0.0]], [[0.0, 0.0]], pos_weight=3.0)
    assert_allclose(result, [(3 * np.log(2) + np.log(2)) / 2], rtol=1e-15)


def test_hinge_converts_binary_labels_like_keras():
    scores = np.array([[0.3, -2.0, 0.5]])
    assert_array_equal(losses.hinge([[1, 0, 1]], scores), losses.hinge([[1, -1, 1]], scores))
    assert_allclose(losses.hinge([[1, 0, 1]], scores), [(0.7 + 0 + 0.5) / 3], rtol=1e-15)


# ------------------------------------------------------------------------ extreme inputs


def test_binary_crossentropy_huge_logits_are_exact():
    y = np.array([[1.0, 1.0, 0.0, 0.0]])
    z = np.array([[-1000.0, 1e4, 1e4, -1e4]])
    per_element = [
        losses.binary_crossentropy(y[:, [j]], z[:, [j]], from_logits=True)[0] for j in range(4)
    ]
    assert per_element == [1000.0, 0.0, 1e4, 0.0]


def test_float32_logits_of_80():
    y = np.array([[1.0], [0.0], [1.0]], dtype=np.float32)
    z = np.array([[-80.0], [80.0], [80.0]], dtype=np.float32)
    result = losses.binary_crossentropy(y, z, from_logits=True)
    assert_allclose(result, [80.0, 80.0, np.exp(-80.0)], rtol=1e-14)
    focal = losses.binary_focal_crossentropy(y, z, from_logits=True, gamma=2.0)
    # (1 - p_t) = σ(80) ≈ 1 for the wrong answers, so focal ≈ BCE there.
    assert np.all(np.isfinite(focal))
    assert_allclose(focal[:2], [80.0, 80.0], rtol=1e-14)
    scores = np.array([[80.0, -80.0, 0.0]], dtype=np.float32)
    assert_allclose(
        losses.categorical_crossentropy([[0, 1, 0]], scores, from_logits=True),
        [160.0],
        rtol=1e-14,
    )


def test_categorical_crossentropy_huge_logits():
    logits = np.array([[1e4, 0.0, -1e4]] * 3)
    targets = np.eye(3)
    result = losses.categorical_crossentropy(targets, logits, from_logits=True)
    assert_allclose(result, [0.0, 1e4, 2e4], rtol=1e-15, atol=1e-300)
    sparse = losses.sparse_categorical_crossentropy([0, 1, 2], logits, from_logits=True)
    assert_array_equal(sparse, result)


def test_focal_and_weighted_bce_with_huge_logits_are_finite():
    y = np.array([[1.0, 0.0, 1.0, 0.0]])
    z = np.array([[-1e4, 1e4, 1e4, -1e4]])
    focal = losses.binary_focal_crossentropy(y, z, from_logits=True, gamma=2.0)
    assert_allclose(focal, [(1e4 + 1e4 + 0 + 0) / 4], rtol=1e-15)
    weighted = losses.weighted_binary_crossentropy(y, z, pos_weight=2.0)
    assert_allclose(weighted, [(2e4 + 1e4) / 4], rtol=1e-15)


def test_exact_zero_and_one_probabilities_are_clipped_not_infinite():
    minus_log_eps = -np.log(1e-7)
    assert_allclose(minus_log_eps, 16.118095650958319, rtol=1e-15)
    result = losses.binary_crossentropy([[1.0], [0.0], [1.0], [0.0]], [[0.0], [1.0], [1.0], [0.0]])
    assert_allclose(result, [minus_log_eps, minus_log_eps, -np.log1p(-1e-7), -np.log1p(-1e-7)])
    cce = losses.categorical_crossentropy([[1, 0], [0, 1]], [[0.0, 1.0], [0.0, 1.0]])
    # Keras takes log(1 - 1e-7) of the rounded clip bound; so do we.
    assert_allclose(cce, [minus_log_eps, -np.log(1.0 - 1e-7)], rtol=1e-14)
    kl = losses.kl_divergence([[1.0, 0.0]], [[0.0, 1.0]])
    assert np.all(np.isfinite(kl)) and kl[0] > 16


def test_large_regression_errors_stay_finite():
    assert_allclose(losses.log_cosh([[0.0]], [[1e300]]), [1e300 - np.log(2)], rtol=1e-15)
    assert_allclose(losses.huber([[0.0]], [[1e300]]), [1e300 - 0.5], rtol=1e-15)


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: losses.mean_squared_error([[0.0, 1.0]], [[0.5, np.nan]]), ValueError,
         "y_pred contains NaN at index (0, 1)"),
        (lambda: losses.mean_squared_error([[0.0, np.inf]], [[0.5, 1.0]]), ValueError,
         "y_true contains inf at index (0, 1)"),
        (lambda: losses.huber([[-np.inf]], [[0.5]]), ValueError,
         "y_true contains -inf at index (0, 0)"),
        (lambda: losses.mean_absolute_error(np.zeros((0, 3)), np.zeros((0, 3))), ValueError,
         "y_true is empty (shape (0, 3))"),
        (lambda: losses.mean_absolute_error([1.0], np.zeros((0, 3))), ValueError,
         "y_pred is empty (shape (0, 3))"),
        (lambda: losses.mean_squared_error(["a", "b"], [0.0, 1.0]), TypeError,
         "y_true must be numeric, got list with dtype <U1"),
        (lambda: losses.mean_squared_error("abc", [0.0]), TypeError,
         "y_true must be numeric, got str 'abc'"),
        (lambda: losses.mean_squared_error([1.0], [1j]), TypeError,
         "y_pred must be real, got complex dtype complex128"),
        (lambda: losses.mean_squared_error([[1.0], [1.0, 2.0]], [1.0]), ValueError,
         "y_true must be a rectangular array"),
        (lambda: losses.mean_squared_error(1.0, 2.0), ValueError,
         "y_true must have at least one dimension (losses reduce over the last axis), "
         "got the scalar 1.0"),
        (lambda: losses.mean_squared_error(np.zeros((3, 2)), np.zeros((3, 3))), ValueError,
         "y_true and y_pred must have the same shape, got y_true (3, 2) and y_pred (3, 3)"),
        (lambda: losses.hinge(np.zeros(4), np.zeros((4, 2))), ValueError,
         "y_true and y_pred must have the same shape, got y_true (4,) and y_pred (4, 2)"),
        (lambda: losses.binary_crossentropy([[1.0]], [[1.3]]), ValueError,
         "y_pred contains values greater than 1: 1.3"),
        (lambda: losses.binary_crossentropy([[1.0]], [[-0.2]]), ValueError,
         "y_pred contains values less than 0: -0.2"),
        (lambda: losses.binary_crossentropy([[2.0]], [[0.5]], from_logits=True), ValueError,
         "y_true contains values greater than 1: 2"),
        (lambda: losses.kl_divergence([[0.5, 0.5]], [[1.5, -0.5]]), ValueError,
         "y_pred contains values greater than 1: 1.5"),
        (lambda: losses.categorical_crossentropy([[1, 0]], [[0.0, 0.0]]), ValueError,
         "y_pred row (0,) sums to 0, so it cannot be normalised"),
        (lambda: losses.categorical_crossentropy([[1]], [[1.0]]), ValueError,
         "categorical_crossentropy needs at least 2 classes on the last axis, got y_pred of "
         "shape (1, 1); for a single sigmoid output use binary_crossentropy"),
        (lambda: losses.sparse_categorical_crossentropy([0, 3], np.full((2, 3), 1 / 3)),
         ValueError,
         "y_true holds class indices for 3 classes, so each must be in [0, 3); "
         "got 3 at index (1,)"),
        (lambda: losses.sparse_categorical_crossentropy([0, -1], np.full((2, 3), 1 / 3)),
         ValueError,
         "y_true holds class indices for 3 classes, so each must be in [0, 3); "
         "got -1 at index (1,)"),
        (lambda: losses.sparse_categorical_crossentropy([0.5, 1], np.full((2, 3), 1 / 3)),
         ValueError, "y_true must hold whole-number class indices, got 0.5 at index (0,)"),
        (lambda: losses.sparse_categorical_crossentropy([0, 1, 2], np.full((2, 3), 1 / 3)),
         ValueError,
         "y_true must have the shape of y_pred without its last (class) axis, optionally "
         "followed by 1: got y_true (3,) and y_pred (2, 3)"),
        (lambda: losses.hinge([[1, 2]], [[0.0, 0.0]]), ValueError,
         "y_true must hold hinge labels in {-1, 1} or {0, 1}, got 2 at index (0, 1)"),
        (lambda: losses.squared_hinge([[1, -1, 0]], [[0.0, 0.0, 0.0]]), ValueError,
         "y_true mixes the label conventions {-1, 1} and {0, 1}: it contains both -1 "
         "(at index (0, 1)) and 0 (at index (0, 2))"),
        (lambda: losses.categorical_hinge([[-1, 1]], [[0.0, 0.0]]), ValueError,
         "y_true contains values less than 0: -1"),
        (lambda: losses.mean_squared_logarithmic_error([[0.0, -1.0]], [[1.0, 1.0]]), ValueError,
         "y_true must be > -1 (log(1 + y_true) is undefined), got -1 at index (0, 1)"),
        (lambda: losses.mean_squared_logarithmic_error([[0.0]], [[-3.0]]), ValueError,
         "y_pred must be > -1 (log(1 + y_pred) is undefined), got -3 at index (0, 0)"),
        (lambda: losses.poisson([[1.0, 2.0]], [[1.0, -0.5]]), ValueError,
         "y_pred must be >= 0 (a Poisson rate), got -0.5 at index (0, 1)"),
        (lambda: losses.poisson([[-1.0]], [[1.0]]), ValueError,
         "y_true must be >= 0 (a count), got -1 at index (0, 0)"),
        (lambda: losses.huber([[0.0]], [[1.0]], delta=0.0), ValueError,
         "delta must be > 0.0, got 0.0"),
        (lambda: losses.huber([[0.0]], [[1.0]], delta="1"), TypeError,
         "delta must be a real number, got str '1'"),
        (lambda: losses.binary_crossentropy([[1.0]], [[0.5]], label_smoothing=1.5), ValueError,
         "label_smoothing must be <= 1.0, got 1.5"),
        (lambda: losses.categorical_crossentropy([[1, 0]], [[0.5, 0.5]], label_smoothing=-0.1),
         ValueError, "label_smoothing must be >= 0.0, got -0.1"),
        (lambda: losses.binary_focal_crossentropy([[1.0]], [[0.5]], gamma=-1), ValueError,
         "gamma must be >= 0.0, got -1.0"),
        (lambda: losses.binary_focal_crossentropy([[1.0]], [[0.5]], alpha=1.2), ValueError,
         "alpha must be <= 1.0, got 1.2"),
        (lambda: losses.binary_focal_crossentropy([[1.0]], [[0.5]], gamma=float("nan")),
         ValueError, "gamma must be finite, got nan"),
        (lambda: losses.binary_crossentropy([[1.0]], [[0.5]], from_logits="yes"), TypeError,
         "from_logits must be True or False, got str 'yes'"),
        (lambda: losses.binary_focal_crossentropy([[1.0]], [[0.5]], apply_class_balancing=1),
         TypeError, "apply_class_balancing must be True or False, got int 1"),
        (lambda: losses.weighted_binary_crossentropy([[1.0]], [[0.5]], pos_weight=-1.0),
         ValueError, "pos_weight must be >= 0.0, got -1.0"),
        (lambda: losses.weighted_binary_crossentropy(np.ones((2, 3)), np.ones((2, 3)),
                                                     pos_weight=np.ones(2)),
         ValueError, "pos_weight of shape (2,) does not broadcast to logits of shape (2, 3)"),
        (lambda: losses.weighted_binary_crossentropy(np.ones(3), np.ones(3),
                                                     pos_weight=np.ones((2, 3))),
         ValueError, "pos_weight of shape (2, 3) would enlarge logits of shape (3,)"),
        (lambda: losses.weighted_binary_crossentropy([[1.0]], np.zeros((1, 2)), pos_weight=1.0),
         ValueError,
         "y_true and logits must have the same shape, got y_true (1, 1) and logits (1, 2)"),
    ],
)
def test_error_messages(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_rows_that_do_not_sum_to_one_only_warn():
    with pytest.warns(
        ProbabilityWarning,
        match=re.escape("rows of y_pred should sum to 1 along the last axis; row (1,) sums to 0.7"),
    ):
        result = losses.categorical_crossentropy([[1, 0], [0, 1]], [[0.5, 0.5], [0.3, 0.4]])
    assert np.all(np.isfinite(result))
    with pytest.warns(ProbabilityWarning, match=re.escape("rows of y_true should sum to 1")):
        losses.kl_divergence([[0.5, 0.1]], [[0.5, 0.5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # float32 softmax rows are off by ~1e-7: no warning.
        probabilities = softmax(rng.normal(size=(20, 10))).astype(np.float32)
        losses.categorical_crossentropy(np.eye(10)[np.arange(20) % 10], probabilities)


# ------------------------------------------------------------------------------- get()


def test_get_resolves_names_aliases_and_class_names():
    for name in losses.NAMES:
        assert losses.get(name) is getattr(losses, name)
    pairs = {
        "mse": "mean_squared_error", "MSE": "mean_squared_error", "mae": "mean_absolute_error",
        "msle": "mean_squared_logarithmic_error", "mape": "mean_absolute_percentage_error",
        "kld": "kl_divergence", "kl_divergence": "kl_divergence", "bce": "binary_crossentropy",
        "MeanSquaredError": "mean_squared_error", "KLDivergence": "kl_divergence",
        "weighted_binary_crossentropy": "weighted_binary_crossentropy",
    }
    for alias, name in pairs.items():
        assert losses.get(alias) is getattr(losses, name)
    assert losses.get(losses.huber) is losses.huber


def test_get_aliases_are_keras_aliases(keras):
    for alias in ("mse", "mae", "msle", "mape", "kld", "bce", "MeanSquaredError", "Hinge"):
        keras_loss = keras.losses.get(alias)
        keras_name = getattr(keras_loss, "__name__", None) or keras_loss.fn.__name__
        assert losses.get(alias).__name__ == keras_name


@pytest.mark.parametrize(
    "old, new", [("kullback_leibler_divergence", "kl_divergence"), ("huber_loss", "huber"),
                 ("logcosh", "log_cosh")]
)
def test_get_names_the_replacement_of_removed_keras_names(keras, old, new):
    with pytest.raises(ValueError, match=re.escape(f"'{old}' was removed in Keras 3")
                       + ".*" + re.escape(f"use '{new}'")):
        losses.get(old)
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        keras.losses.get(old)  # the claim in our message, checked


def test_get_unknown_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"unknown loss identifier 'crossentropy'; valid names: "
                       r"mean_squared_error, .*weighted_binary_crossentropy, .*kl_divergence; "
                       r"aliases: .*MeanSquaredError.*mse"):
        losses.get("crossentropy")
    with pytest.raises(ValueError, match="'dice' is a Keras loss that lossguide does not implement"):
        losses.get("dice")
    with pytest.raises(TypeError, match=re.escape("identifier must be a loss name or a callable, "
                                                  "got int 3")):
        losses.get(3)


def test_module_api():
    assert set(losses.__all__) >= set(losses.NAMES) | {"get", "NAMES", "weighted_binary_crossentropy"}
    assert all(hasattr(losses, name) for name in losses.__all__)
    # NAMES: the losses of the table that have a keras.losses twin of the same name.
    from lossguide import registry

    twins = [spec.name for spec in registry.SPECS.values() if spec.keras]
    assert losses.NAMES == tuple(twins) and len(set(twins)) == len(twins)
    assert "weighted_binary_crossentropy" not in losses.NAMES


# ------------------------------------------- max-shifted log-softmax, huge delta


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tied_huge_logits_give_log_k(dtype):
    # z - logsumexp(z) rounds logsumexp(1e30, 1e30) = 1e30 + log 2 to 1e30 and gives 0;
    # log_softmax shifts by the maximum first and keeps the log 2.
    tied = np.array([[1e30, 1e30]], dtype=dtype)
    assert_allclose(
        losses.categorical_crossentropy([[1.0, 0.0]], tied, from_logits=True), [np.log(2.0)],
        rtol=1e-15,
    )
    three = np.array([[1e17, 1e17, 1e17]], dtype=dtype)
    assert_allclose(
        losses.sparse_categorical_crossentropy([0], three, from_logits=True), [np.log(3.0)],
        rtol=1e-15,
    )


def test_huber_with_a_huge_delta_is_half_the_squared_error():
    # 0.5 * delta**2 overflowed (OverflowError) for delta >= 1.4e154; the loss never needs it.
    assert_allclose(losses.huber([[0.0, 0.0]], [[3.0, -1.0]], delta=1e300), [2.5], rtol=1e-15)
    # Beyond delta the loss is delta |e| - delta^2 / 2; here 1e150 - 0.5e100.
    assert_allclose(losses.huber([[0.0]], [[1e100]], delta=1e50), [1e150 - 0.5e100], rtol=1e-15)


def test_categorical_hinge_warns_on_rows_that_are_not_one_hot():
    with pytest.warns(ProbabilityWarning, match=r"rows of y_true should be one-hot; row \(1,\)"):
        losses.categorical_hinge([[0.0, 1.0], [0.3, 0.7]], [[0.2, 0.9], [0.5, 0.5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses.categorical_hinge([[0.0, 1.0], [1.0, 0.0]], [[0.2, 0.9], [0.5, 0.5]])


def test_probability_warning_is_public():
    assert losses.ProbabilityWarning is ProbabilityWarning


# ------------------------------------------------------------------ pinball (quantile) loss


def test_pinball_agrees_with_sklearn_mean_pinball_loss():
    from sklearn import metrics

    y_true, y_pred = REGRESSION_INPUTS
    for quantile in (0.05, 0.5, 0.9):
        # sklearn reduces over samples; transposing makes it reduce over our last axis.
        assert_allclose(
            losses.pinball(y_true, y_pred, quantile=quantile),
            metrics.mean_pinball_loss(y_true.T, y_pred.T, alpha=quantile, multioutput="raw_values"),
            rtol=1e-12,
        )


def test_pinball_at_one_half_is_half_the_mae():
    y_true, y_pred = REGRESSION_INPUTS
    assert_allclose(losses.pinball(y_true, y_pred), 0.5 * losses.mean_absolute_error(y_true, y_pred),
                    rtol=1e-15)


def test_pinball_closed_form():
    # Under-prediction by 2 costs 2 tau, over-prediction by 2 costs 2 (1 - tau).
    assert_allclose(losses.pinball([[3.0, 3.0]], [[1.0, 5.0]], quantile=0.9), [(1.8 + 0.2) / 2],
                    rtol=1e-15)
    assert_array_equal(losses.pinball([[3.0]], [[3.0]], quantile=0.3), [0.0])


@pytest.mark.parametrize("quantile", [0.1, 0.5, 0.9])
def test_the_best_constant_under_pinball_is_the_quantile(quantile):
    # The minimiser of the mean pinball loss over constant predictions is the
    # tau-quantile of the sample (here 1001 values, so the quantile is a data point).
    targets = np.random.default_rng(3).lognormal(size=1001)
    candidates = np.sort(targets)
    means = [losses.pinball(targets[:, None], np.full((1001, 1), c), quantile=quantile).mean()
             for c in candidates]
    best = candidates[int(np.argmin(means))]
    assert best == np.quantile(targets, quantile, method="inverted_cdf")


def test_pinball_of_huge_errors_is_finite():
    assert_allclose(losses.pinball([[0.0, 0.0]], [[1e300, -1e300]], quantile=0.25),
                    [(0.75e300 + 0.25e300) / 2], rtol=1e-15)


# -------------------------------------------------- categorical focal cross-entropy


def test_categorical_focal_agrees_with_keras_docstring_example(keras):
    # The example in Keras 3.15.1's docstring: array([2.63401289e-04, 6.75912094e-01]).
    y_true = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    y_pred = np.array([[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]])
    ours = losses.categorical_focal_crossentropy(y_true, y_pred)
    assert_allclose(ours, [2.63401289e-04, 6.75912094e-01], rtol=1e-8)
    assert_allclose(ours, to_numpy(keras.losses.categorical_focal_crossentropy(y_true, y_pred)),
                    rtol=RTOL)


@pytest.mark.parametrize("from_logits", [False, True])
def test_categorical_focal_per_class_alpha_agrees_with_keras(keras, from_logits):
    y_true = one_hot(LABELS, K)
    y_pred = 2 * rng.normal(size=(N, K)) if from_logits else rng.dirichlet(np.full(K, 2.0), size=N)
    alpha = np.array([0.1, 0.5, 2.0, 1.3])  # e.g. inverse class frequencies: may exceed 1
    options = {"alpha": alpha, "gamma": 1.5, "from_logits": from_logits, "label_smoothing": 0.1}
    ours = losses.categorical_focal_crossentropy(y_true, y_pred, **options)
    assert_allclose(ours, to_numpy(keras.losses.categorical_focal_crossentropy(y_true, y_pred, **options)),
                    rtol=RTOL)
    # Keras turns a Python list of weights into a float32 tensor: its loss is that of
    # the weights rounded to float32 (a relative change of up to 6e-8 here).
    as_list = {**options, "alpha": alpha.tolist()}
    theirs = to_numpy(keras.losses.categorical_focal_crossentropy(y_true, y_pred, **as_list))
    rounded = losses.categorical_focal_crossentropy(
        y_true, y_pred, **{**options, "alpha": alpha.astype(np.float32).astype(np.float64)})
    assert_allclose(theirs, rounded, rtol=RTOL)
    assert not np.allclose(theirs, ours, rtol=1e-9, atol=0)
    assert_array_equal(losses.categorical_focal_crossentropy(y_true, y_pred, **as_list), ours)


def test_categorical_focal_unnormalised_and_clipped_rows_agree_with_keras(keras):
    # Keras divides each row by its sum, then clips to [1e-7, 1 - 1e-7].
    y_true = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    y_pred = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.2, 0.3, 0.0]])
    with pytest.warns(ProbabilityWarning):
        ours = losses.categorical_focal_crossentropy(y_true, y_pred, gamma=0.5)
    assert_allclose(ours, to_numpy(keras.losses.categorical_focal_crossentropy(y_true, y_pred, gamma=0.5)),
                    rtol=1e-9)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_categorical_focal_with_gamma_zero_and_alpha_one_is_cross_entropy(from_logits, smoothing):
    y_true = one_hot(LABELS, K)
    y_pred = 3 * rng.normal(size=(N, K)) if from_logits else rng.dirichlet(np.full(K, 2.0), size=N)
    options = {"from_logits": from_logits, "label_smoothing": smoothing}
    # rtol 1e-12: from logits the focal loss takes log p = log1p(-(1 - p)) where p > 1/2,
    # more accurate than log_softmax's log(1 + small) when p is close to 1.
    assert_allclose(
        losses.categorical_focal_crossentropy(y_true, y_pred, gamma=0.0, alpha=1.0, **options),
        losses.categorical_crossentropy(y_true, y_pred, **options),
        rtol=1e-12,
    )
    # alpha scales the loss (always: Keras has no apply_class_balancing here).
    assert_allclose(
        losses.categorical_focal_crossentropy(y_true, y_pred, gamma=0.0, **options),
        0.25 * losses.categorical_crossentropy(y_true, y_pred, **options),
        rtol=1e-12,
    )


def test_categorical_focal_closed_form():
    # p_true = 0.8, gamma = 2, alpha = 0.25: 0.25 * 0.2^2 * -log 0.8.
    result = losses.categorical_focal_crossentropy([[0.0, 1.0]], [[0.2, 0.8]])
    assert_allclose(result, [0.25 * 0.04 * -np.log(0.8)], rtol=1e-14)


def test_categorical_focal_huge_logits_are_exact():
    logits = np.array([[1e4, 0.0, -1e4]] * 3)
    result = losses.categorical_focal_crossentropy(np.eye(3), logits, alpha=1.0, from_logits=True)
    # Right with certainty: 0; wrong: (1 - p)^2 = 1 times the exact -log p.
    assert_allclose(result, [0.0, 1e4, 2e4], rtol=1e-15, atol=1e-300)
    # Keras's softmax-then-clip caps every term at -log(1e-7) = 16.1 instead.
    float32 = losses.categorical_focal_crossentropy(
        np.eye(3), logits.astype(np.float32), from_logits=True)
    assert np.isfinite(float32).all()


def test_categorical_focal_tiny_complement_survives():
    # p = 1 / (1 + e^-38) rounds to 1.0; 1 - p would be 0, the sum of the others is e^-38.
    tiny = np.exp(-38.0) / (1.0 + np.exp(-38.0))
    result = losses.categorical_focal_crossentropy([[1.0, 0.0]], [[0.0, -38.0]], alpha=1.0,
                                                   gamma=1.0, from_logits=True)
    assert_allclose(result, [tiny * -np.log1p(-tiny)], rtol=1e-14)
    assert result[0] > 0


# ----------------------------------------------- generalized cross-entropy (GCE)


def test_generalized_cross_entropy_agrees_with_keras(keras):
    labels = LABELS
    probabilities = rng.dirichlet(np.full(K, 2.0), size=N)
    for q in (0.05, 0.5, 0.7, 0.95):
        ours = losses.categorical_generalized_cross_entropy(labels, probabilities, q=q)
        theirs = keras.losses.categorical_generalized_cross_entropy(labels, probabilities, q)
        assert_allclose(ours, to_numpy(theirs), rtol=RTOL)
    # Whole-number float labels, which Keras casts to integers.
    assert_allclose(
        losses.categorical_generalized_cross_entropy(labels.astype(float), probabilities, q=0.7),
        to_numpy(keras.losses.categorical_generalized_cross_entropy(labels.astype(float),
                                                                    probabilities, 0.7)),
        rtol=RTOL,
    )


def test_generalized_cross_entropy_column_labels_unlike_keras(keras):
    # Keras's docstring allows labels of shape (n, 1), but its one_hot makes them
    # (n, 1, K), which broadcasts against (n, K): an (n, n) grid, and its class
    # averages that grid into a wrong loss, silently. Ours equals the (n,) labels.
    probabilities = rng.dirichlet(np.full(K, 2.0), size=N)
    ours = losses.categorical_generalized_cross_entropy(LABELS[:, None], probabilities, q=0.7)
    assert_array_equal(ours, losses.categorical_generalized_cross_entropy(LABELS, probabilities, q=0.7))
    grid = to_numpy(keras.losses.categorical_generalized_cross_entropy(LABELS[:, None], probabilities, 0.7))
    assert grid.shape == (N, N)
    # grid[i, j] scores prediction j against label i; only its diagonal is the loss.
    assert_allclose(np.diag(grid), ours, rtol=RTOL)
    loss_class = keras.losses.CategoricalGeneralizedCrossEntropy(q=0.7, dtype="float64")
    assert abs(float(loss_class(LABELS[:, None], probabilities)) - ours.mean()) > 1e-3


def test_generalized_cross_entropy_keras_class_default_is_one_half(keras):
    # The class defaults to q = 0.5 and reduces by the mean over the batch.
    probabilities = rng.dirichlet(np.full(K, 2.0), size=N)
    theirs = keras.losses.CategoricalGeneralizedCrossEntropy(dtype="float64")(LABELS, probabilities)
    ours = losses.categorical_generalized_cross_entropy(LABELS, probabilities, q=0.5).mean()
    assert_allclose(ours, float(theirs), rtol=RTOL)


def test_generalized_cross_entropy_limits():
    probabilities = rng.dirichlet(np.full(K, 2.0), size=N)
    chosen = probabilities[np.arange(N), LABELS]
    # q -> 0: cross-entropy -log p_y (the difference is about q log(p)^2 / 2).
    assert_allclose(losses.categorical_generalized_cross_entropy(LABELS, probabilities, q=1e-9),
                    -np.log(chosen), rtol=1e-7)
    assert_allclose(losses.categorical_generalized_cross_entropy(LABELS, probabilities, q=1e-9),
                    losses.sparse_categorical_crossentropy(LABELS, probabilities), rtol=1e-7)
    # q -> 1: 1 - p_y, which is K/2 times MAE on the one-hot labels.
    near_one = losses.categorical_generalized_cross_entropy(LABELS, probabilities, q=1 - 1e-9)
    assert_allclose(near_one, 1 - chosen, rtol=1e-7)
    assert_allclose(near_one, K / 2 * losses.mean_absolute_error(one_hot(LABELS, K), probabilities),
                    rtol=1e-7)


def test_generalized_cross_entropy_small_q_keeps_its_digits():
    # 1 - p**q cancels for small q; -expm1(q log p) / q does not.
    q, p = 1e-12, 0.5
    expected = -np.expm1(q * np.log(p)) / q  # = log 2 (1 - q log(2) / 2 + ...)
    assert_allclose(expected, np.log(2.0) * (1 - q * np.log(2.0) / 2), rtol=1e-15)
    result = losses.categorical_generalized_cross_entropy([0], [[p, 1 - p]], q=q)
    assert_allclose(result, [expected], rtol=1e-15)
    naive = (1 - p**q) / q
    assert abs(naive - expected) / expected > 1e-6  # what Keras's formula loses here


def test_generalized_cross_entropy_extremes_are_finite():
    # p_y = 0 costs 1/q (bounded: the robustness to noisy labels); p_y = 1 costs 0.
    result = losses.categorical_generalized_cross_entropy([0, 1], [[0.0, 1.0], [0.0, 1.0]], q=0.25)
    assert_array_equal(result, [4.0, 0.0])


# ------------------------------------------------- Gaussian negative log-likelihood


GAUSSIAN_TRUE = rng.normal(size=(N, D))
GAUSSIAN_PRED = np.concatenate([rng.normal(size=(N, D)), rng.uniform(-3, 3, size=(N, D))], axis=-1)


def test_gaussian_nll_full_is_the_negative_log_density():
    mean, log_variance = GAUSSIAN_PRED[:, :D], GAUSSIAN_PRED[:, D:]
    expected = -scipy.stats.norm.logpdf(GAUSSIAN_TRUE, loc=mean, scale=np.exp(log_variance / 2))
    assert_allclose(losses.gaussian_nll(GAUSSIAN_TRUE, GAUSSIAN_PRED, full=True),
                    expected.mean(axis=-1), rtol=1e-13)
    assert_allclose(losses.gaussian_nll(GAUSSIAN_TRUE, GAUSSIAN_PRED, full=False),
                    expected.mean(axis=-1) - 0.5 * np.log(2 * np.pi), rtol=1e-13)


def _torch_gaussian_nll(target, mean, var, full=False, eps=1e-6):
    """PyTorch's torch.nn.GaussianNLLLoss(reduction="none"), written out from its documentation.

    loss = 0.5 * (log(max(var, eps)) + (input - target)^2 / max(var, eps)) [+ 0.5 log(2 pi)],
    var clamped at eps (1e-6 by default); no torch is installed here.
    """
    var = np.maximum(var, eps)
    loss = 0.5 * (np.log(var) + (mean - target) ** 2 / var)
    return loss + 0.5 * np.log(2 * np.pi) if full else loss


@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_is_pytorchs_formula_with_a_log_variance(full):
    mean, log_variance = GAUSSIAN_PRED[:, :D], GAUSSIAN_PRED[:, D:]
    expected = _torch_gaussian_nll(GAUSSIAN_TRUE, mean, np.exp(log_variance), full=full)
    assert_allclose(losses.gaussian_nll(GAUSSIAN_TRUE, GAUSSIAN_PRED, full=full),
                    expected.mean(axis=-1), rtol=1e-13)


def test_gaussian_nll_one_target_accepts_flat_targets():
    y_pred = GAUSSIAN_PRED[:, [0, D]]
    assert_array_equal(losses.gaussian_nll(GAUSSIAN_TRUE[:, 0], y_pred),
                       losses.gaussian_nll(GAUSSIAN_TRUE[:, :1], y_pred))
    assert losses.gaussian_nll([1.0], [0.0, 0.0]).shape == ()


def test_gaussian_nll_at_unit_variance_is_half_the_squared_error():
    y_pred = np.concatenate([GAUSSIAN_PRED[:, :D], np.zeros((N, D))], axis=-1)
    assert_allclose(losses.gaussian_nll(GAUSSIAN_TRUE, y_pred),
                    0.5 * losses.mean_squared_error(GAUSSIAN_TRUE, GAUSSIAN_PRED[:, :D]), rtol=1e-14)


def test_gaussian_nll_large_log_variances_are_stable():
    import mpmath

    mpmath.mp.dps = 50
    errors = np.array([1.0, 1e-200, 0.0, 3.0, 1.0])
    log_variances = np.array([800.0, -800.0, -1500.0, -700.0, 1e5])
    y_pred = np.stack([np.zeros(5), log_variances], axis=-1)
    expected = [float(mpmath.mpf(v) / 2 + mpmath.mpf(e) ** 2 * mpmath.exp(-mpmath.mpf(v)) / 2)
                for e, v in zip(errors, log_variances)]
    result = losses.gaussian_nll(errors[:, None], y_pred)
    assert np.isfinite(result).all()
    assert_allclose(result, expected, rtol=1e-13)
    # The true value e^700 * 9 / 2 exceeds float64 only beyond v = -709: inf, never NaN.
    assert losses.gaussian_nll([[1.0]], [[0.0, -1000.0]])[0] == np.inf


def test_gaussian_nll_has_no_minimum_at_a_perfect_mean():
    values = [losses.gaussian_nll([[2.0]], [[2.0, v]])[0] for v in (0.0, -10.0, -100.0)]
    assert values == [0.0, -5.0, -50.0]
    assert registry.get("gaussian_nll").at_perfect == "unbounded"


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: losses.gaussian_nll([[1.0]], [[0.0, 0.0, 0.0]]),
         "y_pred must hold the d means and then the d log-variances on its last axis "
         "(2 d columns for d targets), got y_pred of shape (1, 3), whose last axis (3) is odd"),
        (lambda: losses.gaussian_nll(np.zeros((4, 3)), np.zeros((4, 4))),
         "y_true must have shape (4, 2) for y_pred of shape (4, 4) (2 means and 2 "
         "log-variances), got y_true (4, 3)"),
        (lambda: losses.gaussian_nll(np.zeros(4), np.zeros((4, 4))),
         "y_true must have shape (4, 2) for y_pred of shape (4, 4) (2 means and 2 "
         "log-variances), got y_true (4,)"),
        (lambda: losses.gaussian_nll([[1.0]], [[0.0, np.nan]]), "y_pred contains NaN at index (0, 1)"),
        (lambda: losses.pinball([[1.0]], [[0.0]], quantile=0.0), "quantile must be > 0.0, got 0.0"),
        (lambda: losses.pinball([[1.0]], [[0.0]], quantile=1.5), "quantile must be < 1.0, got 1.5"),
        (lambda: losses.pinball([[1.0]], [[0.0, 1.0]]),
         "y_true and y_pred must have the same shape, got y_true (1, 1) and y_pred (1, 2)"),
        (lambda: losses.categorical_generalized_cross_entropy([0], [[0.5, 0.5]], q=1.0),
         "q must be < 1.0, got 1.0"),
        (lambda: losses.categorical_generalized_cross_entropy([0], [[0.5, 0.5]], q=-0.5),
         "q must be > 0.0, got -0.5"),
        (lambda: losses.categorical_generalized_cross_entropy([2], [[0.5, 0.5]], q=0.5),
         "y_true holds class indices for 2 classes, so each must be in [0, 2); got 2 at index (0,)"),
        (lambda: losses.categorical_generalized_cross_entropy([1.7], [[0.5, 0.5]], q=0.5),
         "y_true must hold whole-number class indices, got 1.7 at index (0,)"),
        (lambda: losses.categorical_generalized_cross_entropy([0], [[1.2, -0.2]], q=0.5),
         "y_pred contains values greater than 1: 1.2"),
        (lambda: losses.categorical_focal_crossentropy([[1.0, 0.0]], [[0.5, 0.5]], alpha=-1.0),
         "alpha must be >= 0.0, got -1.0"),
        (lambda: losses.categorical_focal_crossentropy([[1.0, 0.0]], [[0.5, 0.5]], alpha=[1.0, 2.0, 3.0]),
         "alpha must be a scalar or hold one weight per class (2 for y_pred of shape (1, 2)), "
         "got alpha of shape (3,)"),
        (lambda: losses.categorical_focal_crossentropy([[1.0, 0.0]], [[0.5, 0.5]], gamma=-2.0),
         "gamma must be >= 0.0, got -2.0"),
        (lambda: losses.categorical_focal_crossentropy([[1.0]], [[1.0]]),
         "categorical_focal_crossentropy needs at least 2 classes on the last axis"),
    ],
)
def test_new_loss_error_messages(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_new_loss_type_errors():
    with pytest.raises(TypeError, match=re.escape("full must be True or False, got int 1")):
        losses.gaussian_nll([[1.0]], [[0.0, 0.0]], full=1)
    with pytest.raises(TypeError, match=re.escape("quantile must be a real number, got str '0.5'")):
        losses.pinball([[1.0]], [[0.0]], quantile="0.5")
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'q'"):
        losses.categorical_generalized_cross_entropy([0], [[0.5, 0.5]])


def test_beta_nll_is_the_nll_weighted_by_sigma_to_the_2_beta():
    y_pred = np.array([[0.0, np.log(4.0)], [1.0, 0.0]])
    # by hand: 4^0.5 * (log 4 + 1/4) / 2, and 1 * (0 + 0) / 2
    assert_allclose(losses.beta_nll([1.0, 1.0], y_pred, beta=0.5),
                    [2.0 * 0.5 * (np.log(4.0) + 0.25), 0.0], rtol=1e-14)
    assert_allclose(losses.beta_nll(GAUSSIAN_TRUE, GAUSSIAN_PRED, beta=0.0),
                    losses.gaussian_nll(GAUSSIAN_TRUE, GAUSSIAN_PRED), rtol=1e-14)
    weight = np.exp(GAUSSIAN_PRED[..., GAUSSIAN_TRUE.shape[-1]:])
    per_target_nll = 0.5 * (np.log(weight) + (GAUSSIAN_TRUE - GAUSSIAN_PRED[..., :GAUSSIAN_TRUE.shape[-1]]) ** 2 / weight)
    assert_allclose(losses.beta_nll(GAUSSIAN_TRUE, GAUSSIAN_PRED, beta=1.0),
                    np.mean(weight * per_target_nll, axis=-1), rtol=1e-12)
