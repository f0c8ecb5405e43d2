"""Per-sample NumPy twins of the Keras 3 loss functions, computed stably in float64.

Each function takes ``(y_true, y_pred, *, options)`` with the name, options and
semantics of the ``keras.losses`` function of the same name, and returns the
per-sample losses as a float64 array: the element-wise loss reduced over the
last axis (mean, or sum for the cross-entropies, KL divergence and categorical
hinge, exactly as Keras does). Callers reduce further, e.g. ``.mean()``.

Where Keras deviates from the exact mathematics, these functions follow Keras so
values agree, and say so:

* on the probability path (``from_logits=False``) probabilities are clipped to
  ``[EPSILON, 1 - EPSILON]`` with ``EPSILON = 1e-7`` (``keras.backend.epsilon()``),
  so a cross-entropy term is at most ``-log(1e-7) ≈ 16.118``, never inf;
* hinge losses convert {0, 1} labels to {-1, 1}; MSLE clips at ``EPSILON``
  before ``log1p``; MAPE divides by ``max(|y_true|, EPSILON)``;
* generalized cross-entropy, as Keras's, uses ``y_pred`` unclipped (it is
  bounded by ``1/q`` anyway).

Three losses have no ``keras.losses`` function: ``weighted_binary_crossentropy``
(TensorFlow's ``tf.nn.weighted_cross_entropy_with_logits``), ``pinball`` and
``gaussian_nll``; :mod:`lossguide.keras_losses` holds their ``keras.ops``
versions for training.

On the logits path (``from_logits=True``) nothing is clipped: the losses use
``scipy.special.log_expit`` and ``logsumexp`` and stay finite and exact for
logits of any size.

Shapes follow the Keras loss classes (which ``model.compile`` uses): when one
argument has shape ``(n,)`` and the other ``(n, 1)``, the first gains a trailing
axis (see ``lossguide._validation.align_ranks``). Any other shape mismatch
is a ``ValueError``; the functional Keras forms of ``hinge``, ``poisson`` and
``kl_divergence`` would instead broadcast ``(n,)`` against ``(n, 1)`` into an
``(n, n)`` grid, silently.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import expit, log_expit, log_softmax, softmax

from ._validation import (
    ProbabilityWarning,
    as_float_array,
    check_bool,
    check_greater_than,
    check_hinge_labels,
    check_one_hot,
    check_pos_weight,
    check_probabilities,
    check_rows_nonzero,
    check_rows_sum_to_one,
    check_scalar,
    check_sparse_pair,
)
from ._validation import check_classes as _check_classes
from ._validation import check_pair as _pair

__all__ = [
    "EPSILON",
    "NAMES",  # noqa: F822 (module __getattr__)
    "ProbabilityWarning",
    "beta_nll",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
    "gaussian_nll",
    "get",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "pinball",
    "poisson",
    "sparse_categorical_crossentropy",
    "squared_hinge",
    "weighted_binary_crossentropy",
]

#: Keras's fuzz factor, ``keras.backend.epsilon()``: the clipping bound for probabilities.
EPSILON = 1e-7

_LOG_2 = math.log(2.0)
_HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)


def _per_sample_mean(values: np.ndarray) -> np.ndarray:
    return np.asarray(values.mean(axis=-1), dtype=np.float64)


def _per_sample_sum(values: np.ndarray) -> np.ndarray:
    return np.asarray(values.sum(axis=-1), dtype=np.float64)


# --------------------------------------------------------------------------- regression


def mean_squared_error(y_true, y_pred) -> np.ndarray:
    """Mean squared error per sample (Keras: ``keras.losses.mean_squared_error``).

    .. math:: L = \\frac{1}{d} \\sum_{j=1}^{d} (y_j - \\hat y_j)^2

    Parameters
    ----------
    y_true, y_pred : array_like, same shape ``(..., d)``
        ``(n,)`` against ``(n, 1)`` is aligned as in Keras.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(...)``.

    Examples
    --------
    >>> mean_squared_error([[1, 0], [0, 1]], [[0.95, 0.03], [0.3, 0.8]])
    array([0.0017, 0.065 ])
    """
    truth, prediction = _pair(y_true, y_pred)
    return _per_sample_mean(np.square(truth - prediction))


def mean_absolute_error(y_true, y_pred) -> np.ndarray:
    """Mean absolute error per sample (Keras: ``keras.losses.mean_absolute_error``).

    .. math:: L = \\frac{1}{d} \\sum_{j=1}^{d} |y_j - \\hat y_j|

    Examples
    --------
    >>> mean_absolute_error([[1.0, 2.0], [0.0, 0.0]], [[1.5, 2.0], [1.0, -1.0]])
    array([0.25, 1.  ])
    """
    truth, prediction = _pair(y_true, y_pred)
    return _per_sample_mean(np.abs(truth - prediction))


def mean_absolute_percentage_error(y_true, y_pred) -> np.ndarray:
    """Mean absolute percentage error per sample, in percent.

    Keras twin: ``keras.losses.mean_absolute_percentage_error``. As in Keras the
    denominator is floored at ``EPSILON``, so ``y_true = 0`` gives a huge but
    finite value rather than inf.

    .. math:: L = \\frac{100}{d} \\sum_{j=1}^{d}
              \\frac{|y_j - \\hat y_j|}{\\max(|y_j|, \\epsilon)}

    Examples
    --------
    >>> mean_absolute_percentage_error([[100.0, 200.0]], [[110.0, 150.0]])
    array([17.5])
    """
    truth, prediction = _pair(y_true, y_pred)
    # Keras's floor on the denominator keeps y_true = 0 finite (but huge).
    relative = np.abs(truth - prediction) / np.maximum(np.abs(truth), EPSILON)
    return _per_sample_mean(100.0 * relative)


def mean_squared_logarithmic_error(y_true, y_pred) -> np.ndarray:
    """Mean squared logarithmic error per sample.

    Keras twin: ``keras.losses.mean_squared_logarithmic_error``. As in Keras,
    both arguments are first floored at ``EPSILON`` (so values in (-1, 0] count
    as 1e-7). Values ``<= -1`` are rejected: :math:`\\log(1 + x)` does not exist
    there, and Keras's silent floor would hide the mistake.

    .. math:: L = \\frac{1}{d} \\sum_{j=1}^{d}
              \\bigl(\\log(1 + \\max(\\hat y_j, \\epsilon)) - \\log(1 + \\max(y_j, \\epsilon))\\bigr)^2

    Examples
    --------
    >>> mean_squared_logarithmic_error([[0.0, 1.0]], [[0.0, 1.0]])
    array([0.])
    >>> mean_squared_logarithmic_error([[3.0]], [[-1.0]])
    Traceback (most recent call last):
    ...
    ValueError: y_pred must be > -1 (log(1 + y_pred) is undefined), got -1 at index (0, 0)
    """
    truth, prediction = _pair(y_true, y_pred)
    check_greater_than(truth, "y_true", -1.0, reason="log(1 + y_true) is undefined")
    check_greater_than(prediction, "y_pred", -1.0, reason="log(1 + y_pred) is undefined")
    # log1p keeps full precision for small values, where log(1 + x) rounds 1 + x first.
    log_prediction = np.log1p(np.maximum(prediction, EPSILON))
    log_truth = np.log1p(np.maximum(truth, EPSILON))
    return _per_sample_mean(np.square(log_prediction - log_truth))


def huber(y_true, y_pred, *, delta=1.0) -> np.ndarray:
    """Huber loss per sample (Keras: ``keras.losses.huber``).

    Quadratic for errors up to ``delta``, linear beyond, with matching slope.

    .. math:: \\ell(e) = \\begin{cases} \\tfrac12 e^2 & |e| \\le \\delta \\\\
              \\delta |e| - \\tfrac12 \\delta^2 & |e| > \\delta \\end{cases},
              \\qquad L = \\frac{1}{d} \\sum_j \\ell(\\hat y_j - y_j)

    Parameters
    ----------
    delta : float, > 0
        Where the loss turns from quadratic to linear.

    Examples
    --------
    >>> huber([[0.0, 0.0]], [[0.5, 3.0]])
    array([1.3125])
    """
    delta = check_scalar(delta, "delta", low=0.0, low_inclusive=False)
    truth, prediction = _pair(y_true, y_pred)
    absolute = np.abs(prediction - truth)
    # Branch-free (as optax): min(|e|, delta) is the quadratic part, the rest is
    # linear; neither a huge error nor a huge delta (>= 1.4e154) is ever squared.
    quadratic = np.minimum(absolute, delta)
    linear = absolute - quadratic
    return _per_sample_mean(0.5 * np.square(quadratic) + delta * linear)


def _log_cosh(x: np.ndarray) -> np.ndarray:
    result = np.empty_like(x)
    small = np.abs(x) < 1.0
    # log cosh x = log1p(cosh x - 1) = log1p(2 sinh²(x/2)): no cancellation near 0,
    # where logaddexp(x, -x) - log 2 subtracts two nearly equal numbers.
    result[small] = np.log1p(2.0 * np.square(np.sinh(0.5 * x[small])))
    large = x[~small]
    # logaddexp(x, -x) = log(e^x + e^-x) without overflowing e^|x|.
    result[~small] = np.logaddexp(large, -large) - _LOG_2
    return result


def log_cosh(y_true, y_pred) -> np.ndarray:
    """Mean log-cosh of the prediction error per sample (Keras: ``keras.losses.log_cosh``).

    About :math:`e^2/2` for small errors and :math:`|e| - \\log 2` for large ones.
    Computed as ``logaddexp(e, -e) - log 2`` (finite for any finite error), and
    as ``log1p(2 sinh²(e/2))`` for ``|e| < 1`` to keep full relative precision.

    .. math:: L = \\frac{1}{d} \\sum_{j=1}^{d} \\log\\cosh(\\hat y_j - y_j)

    Examples
    --------
    >>> log_cosh([[0.0, 0.0]], [[1e-4, 1000.0]])
    array([499.65342641])
    """
    truth, prediction = _pair(y_true, y_pred)
    return _per_sample_mean(_log_cosh(prediction - truth))


def poisson(y_true, y_pred) -> np.ndarray:
    """Poisson negative log-likelihood per sample, up to a term in ``y_true`` only.

    Keras twin: ``keras.losses.poisson``, including its ``+ EPSILON`` inside the
    log so that a zero rate is finite. ``y_pred`` is a rate and ``y_true`` a count,
    so both must be ``>= 0``. The loss can be negative and is not zero at a
    perfect prediction (its minimum over ``y_pred`` is at ``y_pred = y_true``).

    .. math:: L = \\frac{1}{d} \\sum_{j=1}^{d} \\bigl(\\hat y_j - y_j \\log(\\hat y_j + \\epsilon)\\bigr)

    Examples
    --------
    >>> poisson([[0.0, 2.0]], [[0.0, 1.0]])
    array([0.5])
    """
    truth, prediction = _pair(y_true, y_pred)
    check_greater_than(prediction, "y_pred", 0.0, inclusive=True, reason="a Poisson rate")
    check_greater_than(truth, "y_true", 0.0, inclusive=True, reason="a count")
    return _per_sample_mean(prediction - truth * np.log(prediction + EPSILON))


def _pinball_inputs(y_true, y_pred, quantile):
    """The entry of the pinball loss and its gradient: (quantile, y_true, y_pred)."""
    quantile = check_scalar(quantile, "quantile", low=0.0, high=1.0,
                            low_inclusive=False, high_inclusive=False)
    truth, prediction = _pair(y_true, y_pred)
    return quantile, truth, prediction


def pinball(y_true, y_pred, *, quantile=0.5) -> np.ndarray:
    """Pinball (quantile) loss per sample: its minimiser is the ``quantile`` of the target.

    No Keras twin: Keras 3.15 ships no quantile loss. The same loss as a Keras
    operation, for training, is :func:`lossguide.keras_losses.pinball`; averaged
    over samples it is scikit-learn's ``mean_pinball_loss(..., alpha=quantile)``.

    With the error :math:`e = y - \\hat y`, an under-prediction (:math:`e > 0`)
    costs :math:`\\tau` per unit and an over-prediction :math:`1 - \\tau`: with
    :math:`\\tau = 0.9` missing low is nine times dearer than missing high, so the
    best constant prediction is the 0.9-quantile of the targets.
    :math:`\\tau = 0.5` gives half the mean absolute error.

    .. math:: L = \\frac{1}{d} \\sum_{j=1}^{d} \\max\\bigl(\\tau e_j,\\ (\\tau - 1) e_j\\bigr),
              \\qquad e_j = y_j - \\hat y_j

    Parameters
    ----------
    y_true, y_pred : array_like, same shape ``(..., d)``
        ``(n,)`` against ``(n, 1)`` is aligned as in Keras.
    quantile : float in (0, 1)
        The quantile :math:`\\tau` the prediction should estimate.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(...)``.

    Examples
    --------
    >>> pinball([[1.0, 1.0]], [[0.0, 2.0]], quantile=0.9)
    array([0.5])
    >>> pinball([[1.0]], [[0.0]], quantile=1.0)
    Traceback (most recent call last):
    ...
    ValueError: quantile must be < 1.0, got 1.0
    """
    quantile, truth, prediction = _pinball_inputs(y_true, y_pred, quantile)
    error = truth - prediction
    # One branch-free expression: of tau * e and (tau - 1) * e, the one that is >= 0.
    return _per_sample_mean(np.maximum(quantile * error, (quantile - 1.0) * error))


def _gaussian_inputs(y_true, y_pred, full):
    """Entry of the Gaussian NLL and its gradient.

    Returns ``(full, log_variance, error, inverse_sd, standardized)`` with
    ``error = y - mu``, ``inverse_sd = exp(-v / 2)`` and ``standardized = error * inverse_sd``.
    """
    full = check_bool(full, "full")
    truth = as_float_array(y_true, "y_true")
    prediction = as_float_array(y_pred, "y_pred")
    columns = prediction.shape[-1]
    if columns % 2:
        raise ValueError(
            "y_pred must hold the d means and then the d log-variances on its last axis "
            f"(2 d columns for d targets), got y_pred of shape {prediction.shape}, "
            f"whose last axis ({columns}) is odd"
        )
    targets = columns // 2
    if truth.ndim == prediction.ndim - 1 and targets == 1:
        # (n,) targets with (n, 2) predictions: one target per sample.
        truth = truth[..., np.newaxis]
    expected = prediction.shape[:-1] + (targets,)
    if truth.shape != expected:
        raise ValueError(
            f"y_true must have shape {expected} for y_pred of shape {prediction.shape} "
            f"({targets} means and {targets} log-variances), got y_true {truth.shape}"
        )
    mean, log_variance = prediction[..., :targets], prediction[..., targets:]
    error = truth - mean
    with np.errstate(over="ignore", invalid="ignore"):
        # 1/sigma as exp(-v / 2), never 1 / exp(v) (which divides by 0 below
        # v = -745): finite down to v = -1419.
        inverse_sd = np.exp(-0.5 * log_variance)
        # (y - mu)/sigma; an exact fit stays 0 even where 1/sigma overflows (0 * inf).
        standardized = np.where(error == 0.0, 0.0, error * inverse_sd)
    return full, log_variance, error, inverse_sd, standardized


def gaussian_nll(y_true, y_pred, *, full=False) -> np.ndarray:
    """Gaussian negative log-likelihood per sample, with a predicted (log-)variance.

    No Keras twin: Keras 3.15 has no such loss (PyTorch has ``GaussianNLLLoss``).
    Its ``keras.ops`` version for training is :func:`lossguide.keras_losses.gaussian_nll`.

    ``y_pred`` holds, on its last axis, the ``d`` means :math:`\\mu` and then the
    ``d`` log-variances :math:`v = \\log \\sigma^2` (``2 d`` linear output units for
    ``d`` targets); ``y_true`` has ``d`` columns (``(n,)`` is accepted when
    ``d = 1``). The log-variance is unconstrained, so the network needs no
    positive activation. Without ``full`` the constant :math:`\\tfrac12\\log 2\\pi`
    is left out, as in PyTorch; the loss can then be negative (a small variance
    with a good fit), and it has no minimum: at :math:`\\mu = y` it falls without
    bound as :math:`v \\to -\\infty`.

    .. math:: L = \\frac{1}{d} \\sum_{j=1}^{d} \\frac12\\Bigl(v_j +
              \\frac{(y_j - \\mu_j)^2}{e^{v_j}}\\Bigr)
              \\;\\Bigl(+\\ \\frac12 \\log 2\\pi \\text{ if full}\\Bigr)

    The squared standardized error is computed as
    :math:`\\bigl((y - \\mu)\\, e^{-v/2}\\bigr)^2`: no variance is formed or divided
    by, so large :math:`|v|` neither overflows nor divides by zero (the loss is
    inf only where its true value exceeds the float64 range).

    Parameters
    ----------
    y_true : array_like, shape ``(..., d)``
    y_pred : array_like, shape ``(..., 2 d)``
        Means, then log-variances.
    full : bool, default False
        Add :math:`\\tfrac12 \\log 2\\pi`: the exact negative log-density.

    Examples
    --------
    >>> gaussian_nll([[1.0]], [[0.0, 0.0]])
    array([0.5])
    >>> gaussian_nll([[0.0, 0.0]], [[0.0, 0.0, -800.0, 800.0]])
    array([0.])
    >>> gaussian_nll([[1.0]], [[0.0, 0.0, 0.0]])
    Traceback (most recent call last):
    ...
    ValueError: y_pred must hold the d means and then the d log-variances on its last axis (2 d columns for d targets), got y_pred of shape (1, 3), whose last axis (3) is odd
    """
    full, log_variance, _, _, standardized = _gaussian_inputs(y_true, y_pred, full)
    with np.errstate(over="ignore"):
        value = 0.5 * (log_variance + np.square(standardized))
    if full:
        value = value + _HALF_LOG_TWO_PI
    return _per_sample_mean(value)


def beta_nll(y_true, y_pred, *, beta=0.5) -> np.ndarray:
    """β-NLL per sample: the Gaussian NLL of each target weighted by :math:`\\sigma^{2\\beta}`.

    The value of the training objective of Seitzer et al. (2022); its
    ``keras.ops`` version :func:`lossguide.keras_losses.beta_nll` holds the
    weight under a stop-gradient, so the gradient a network sees is the
    Gaussian NLL's times the weight (:func:`lossguide.gradients.gaussian_nll`
    times :math:`e^{\\beta v}`), not the gradient of this value. Not in
    :func:`get` or :mod:`lossguide.registry` for that reason. ``y_pred`` is laid
    out as for :func:`gaussian_nll`.

    .. math:: L = \\frac{1}{d} \\sum_{j=1}^{d} e^{\\beta v_j}\\,
              \\frac12\\Bigl(v_j + \\frac{(y_j - \\mu_j)^2}{e^{v_j}}\\Bigr)

    Parameters
    ----------
    y_true : array_like, shape ``(..., d)``
    y_pred : array_like, shape ``(..., 2 d)``
        Means, then log-variances.
    beta : float in [0, 1], default 0.5
        0 is the Gaussian NLL; 1 gives the means MSE's gradient up to a factor ½.

    Examples
    --------
    >>> beta_nll([[1.0]], [[0.0, 0.0]])
    array([0.5])
    """
    beta = check_scalar(beta, "beta", low=0.0, high=1.0)
    _, log_variance, _, _, standardized = _gaussian_inputs(y_true, y_pred, False)
    with np.errstate(over="ignore", invalid="ignore"):
        value = np.exp(beta * log_variance) * 0.5 * (log_variance + np.square(standardized))
    return _per_sample_mean(value)


# ------------------------------------------------------------------------------ hinges


def hinge(y_true, y_pred) -> np.ndarray:
    """Hinge loss per sample (Keras: ``keras.losses.hinge``).

    Labels are {-1, 1}; {0, 1} labels are converted to {-1, 1} as in Keras. A
    mixture of both conventions (e.g. -1 and 0) is a ``ValueError``.

    .. math:: L = \\frac{1}{d} \\sum_{j=1}^{d} \\max(0,\\ 1 - y_j \\hat y_j)

    Examples
    --------
    >>> hinge([[1, -1]], [[0.3, -2.0]])
    array([0.35])
    >>> hinge([[1, 0]], [[0.3, -2.0]])
    array([0.35])
    """
    truth, prediction = _pair(y_true, y_pred)
    signs = check_hinge_labels(truth)
    return _per_sample_mean(np.maximum(1.0 - signs * prediction, 0.0))


def squared_hinge(y_true, y_pred) -> np.ndarray:
    """Squared hinge loss per sample (Keras: ``keras.losses.squared_hinge``).

    Labels as in :func:`hinge`.

    .. math:: L = \\frac{1}{d} \\sum_{j=1}^{d} \\max(0,\\ 1 - y_j \\hat y_j)^2

    Examples
    --------
    >>> squared_hinge([[1, -1]], [[0.3, -2.0]])
    array([0.245])
    """
    truth, prediction = _pair(y_true, y_pred)
    signs = check_hinge_labels(truth)
    return _per_sample_mean(np.square(np.maximum(1.0 - signs * prediction, 0.0)))


def categorical_hinge(y_true, y_pred) -> np.ndarray:
    """Categorical (multi-class) hinge loss per sample (Keras: ``keras.losses.categorical_hinge``).

    The score of the true class must beat the best other score by a margin of 1.
    ``y_true`` is one-hot (values in [0, 1]); Keras would also accept {-1, 1}
    labels, but its formula then computes a different quantity, so they are
    rejected here. Rows that are not one-hot (soft labels) give a
    :class:`ProbabilityWarning`: ``sum(y * y_pred)`` is then not "the true
    class's score".

    .. math:: L = \\max\\Bigl(0,\\ 1 + \\max_j (1 - y_j)\\hat y_j - \\sum_j y_j \\hat y_j\\Bigr)

    Examples
    --------
    >>> categorical_hinge([[0, 1, 0]], [[0.5, 1.2, 0.9]])
    array([0.7])
    """
    truth, prediction = _pair(y_true, y_pred)
    check_probabilities(truth, "y_true")
    check_one_hot(truth, "y_true")
    positive = np.sum(truth * prediction, axis=-1)
    negative = np.max((1.0 - truth) * prediction, axis=-1)
    return np.asarray(np.maximum(negative - positive + 1.0, 0.0), dtype=np.float64)


# ----------------------------------------------------------------------- cross-entropies


def _smooth_binary(truth: np.ndarray, smoothing: float) -> np.ndarray:
    """Labels squeezed towards 0.5: 1 becomes 1 - s/2, 0 becomes s/2."""
    return truth * (1.0 - smoothing) + 0.5 * smoothing if smoothing else truth


def _smooth_categorical(truth: np.ndarray, smoothing: float) -> np.ndarray:
    """Labels mixed with the uniform distribution over the K classes."""
    return truth * (1.0 - smoothing) + smoothing / truth.shape[-1] if smoothing else truth


def _binary_inputs(y_true, y_pred, label_smoothing, pred_name="y_pred"):
    """The entry of every binary cross-entropy and its gradient: (smoothed labels, y_pred)."""
    smoothing = check_scalar(label_smoothing, "label_smoothing", low=0.0, high=1.0)
    truth, prediction = _pair(y_true, y_pred, pred_name=pred_name)
    check_probabilities(truth, "y_true")
    return _smooth_binary(truth, smoothing), prediction


def _focal_parts(truth, prediction, from_logits):
    """``(p, 1 - p, BCE, u = 1 - p_t)`` of the focal loss, shared with its gradient.

    Validates ``prediction`` on the probability path.
    """
    cross_entropy = _binary_crossentropy_elementwise(truth, prediction, from_logits)
    if from_logits:
        probability = expit(prediction)
        # 1 - σ(z) = σ(-z): no cancellation when σ(z) is close to 1.
        complement = expit(-prediction)
    else:
        probability = prediction
        complement = 1.0 - prediction
    one_minus_p_t = truth * complement + (1.0 - truth) * probability
    return probability, complement, cross_entropy, one_minus_p_t


def _class_balance(truth, alpha):
    """Focal loss's class weights: alpha for positives, 1 - alpha for negatives."""
    return truth * alpha + (1.0 - truth) * (1.0 - alpha)


def _categorical_inputs(y_true, y_pred, from_logits, label_smoothing, loss_name):
    """Entry of categorical cross-entropy and its gradient.

    Returns smoothed labels, the prediction and, on the probability path, the
    row sums (after checking the rows).
    """
    from_logits = check_bool(from_logits, "from_logits")
    smoothing = check_scalar(label_smoothing, "label_smoothing", low=0.0, high=1.0)
    truth, prediction = _pair(y_true, y_pred)
    _check_classes(prediction, loss_name)
    check_probabilities(truth, "y_true")
    check_rows_sum_to_one(truth, "y_true")
    totals = None
    if not from_logits:
        check_probabilities(prediction, "y_pred")
        totals = check_rows_nonzero(prediction, "y_pred")
        check_rows_sum_to_one(prediction, "y_pred")
    return _smooth_categorical(truth, smoothing), prediction, totals


def _binary_crossentropy_elementwise(truth, prediction, from_logits):
    """Element-wise BCE; ``truth`` already smoothed. Validates ``prediction``."""
    if from_logits:
        # log σ(z) = log_expit(z) and log(1 - σ(z)) = log_expit(-z): exact for any z,
        # where log(sigmoid(z)) would round σ(z) to 0 or 1 and return -inf.
        return -(truth * log_expit(prediction) + (1.0 - truth) * log_expit(-prediction))
    check_probabilities(prediction, "y_pred")
    # Keras's clip: a certain wrong answer costs -log(1e-7) ≈ 16.1, not inf.
    clipped = np.clip(prediction, EPSILON, 1.0 - EPSILON)
    # log1p(-p) is log(1 - p) without rounding 1 - p first.
    return -(truth * np.log(clipped) + (1.0 - truth) * np.log1p(-clipped))


def binary_crossentropy(y_true, y_pred, *, from_logits=False, label_smoothing=0.0) -> np.ndarray:
    """Binary cross-entropy per sample (Keras: ``keras.losses.binary_crossentropy``).

    With ``from_logits=False``, ``y_pred`` holds probabilities, clipped to
    ``[EPSILON, 1 - EPSILON]`` (``EPSILON = 1e-7``, as Keras): ``y_pred = 0``
    with ``y_true = 1`` gives ``-log(1e-7) ≈ 16.118``, not inf. With
    ``from_logits=True``, ``y_pred`` holds logits :math:`z` and the loss is exact
    for any finite :math:`z` (``y_true = 1, z = -1000`` gives exactly 1000).

    .. math:: \\begin{aligned}
              \\tilde y &= y (1 - s) + \\tfrac{s}{2},\\\\
              L &= -\\frac{1}{d} \\sum_{j=1}^{d}
              \\bigl(\\tilde y_j \\log p_j + (1 - \\tilde y_j) \\log(1 - p_j)\\bigr),\\\\
              p &= \\sigma(z) \\text{ if from\\_logits}
              \\end{aligned}

    Parameters
    ----------
    y_true : array_like
        Labels in [0, 1] (bool and integer arrays accepted).
    y_pred : array_like
        Probabilities in [0, 1], or logits if ``from_logits``.
    from_logits : bool
    label_smoothing : float in [0, 1]
        Squeezes labels towards 0.5 by ``s``: 1 becomes ``1 - s/2``, 0 becomes ``s/2``.

    Examples
    --------
    >>> binary_crossentropy([[1.0], [1.0]], [[0.0], [1.0]]).round(3)
    array([16.118,  0.   ])
    >>> binary_crossentropy([[1.0]], [[-1000.0]], from_logits=True)
    array([1000.])
    """
    from_logits = check_bool(from_logits, "from_logits")
    truth, prediction = _binary_inputs(y_true, y_pred, label_smoothing)
    return _per_sample_mean(_binary_crossentropy_elementwise(truth, prediction, from_logits))


def binary_focal_crossentropy(
    y_true,
    y_pred,
    *,
    gamma=2.0,
    alpha=0.25,
    apply_class_balancing=False,
    from_logits=False,
    label_smoothing=0.0,
) -> np.ndarray:
    """Binary focal cross-entropy per sample (Keras: ``keras.losses.binary_focal_crossentropy``).

    Binary cross-entropy scaled by :math:`(1 - p_t)^\\gamma`, which shrinks the
    loss of examples already classified well (Lin et al., 2017). With
    ``apply_class_balancing``, positives are weighted by ``alpha`` and negatives
    by ``1 - alpha``. ``gamma = 0`` without balancing is
    :func:`binary_crossentropy`.

    On the probability path the cross-entropy term is clipped as in
    :func:`binary_crossentropy` and the focal factor uses the unclipped
    probability, as Keras does. On the logits path nothing is clipped (Keras
    applies a sigmoid and then clips, so the two agree only for ``|z| < ~16``).

    .. math:: \\begin{aligned}
              1 - p_t &= \\tilde y (1 - p) + (1 - \\tilde y) p,\\\\
              L &= \\frac{1}{d} \\sum_{j=1}^{d} w_j (1 - p_{t,j})^{\\gamma}\\,
              \\mathrm{BCE}(\\tilde y_j, p_j),\\\\
              w &= \\alpha \\tilde y + (1 - \\alpha)(1 - \\tilde y) \\text{ or } 1
              \\end{aligned}

    Examples
    --------
    >>> binary_focal_crossentropy([[0, 1]], [[0.6, 0.4]]).round(4)
    array([0.3299])
    >>> binary_focal_crossentropy([[1.0]], [[-1000.0]], gamma=1.0, from_logits=True)
    array([1000.])
    """
    from_logits = check_bool(from_logits, "from_logits")
    apply_class_balancing = check_bool(apply_class_balancing, "apply_class_balancing")
    gamma = check_scalar(gamma, "gamma", low=0.0)
    alpha = check_scalar(alpha, "alpha", low=0.0, high=1.0)
    truth, prediction = _binary_inputs(y_true, y_pred, label_smoothing)
    _, _, cross_entropy, one_minus_p_t = _focal_parts(truth, prediction, from_logits)
    focal = np.power(one_minus_p_t, gamma) * cross_entropy
    if apply_class_balancing:
        focal = _class_balance(truth, alpha) * focal
    return _per_sample_mean(focal)


def weighted_binary_crossentropy(y_true, logits, *, pos_weight) -> np.ndarray:
    """Binary cross-entropy from logits with positives weighted by ``pos_weight``.

    Twin of ``tf.nn.weighted_cross_entropy_with_logits`` (element-wise), averaged
    over the last axis like the Keras losses. ``pos_weight > 1`` raises recall
    (missed positives cost more), ``< 1`` raises precision. It may be a scalar
    or an array broadcastable to ``logits`` (e.g. one weight per class).

    .. math:: L = -\\frac{1}{d} \\sum_{j=1}^{d}
              \\bigl(w\\, y_j \\log \\sigma(z_j) + (1 - y_j) \\log(1 - \\sigma(z_j))\\bigr)

    Examples
    --------
    >>> weighted_binary_crossentropy([[1.0, 0.0]], [[0.0, 0.0]], pos_weight=3.0).round(6)
    array([1.386294])
    """
    truth, scores = _binary_inputs(y_true, logits, 0.0, pred_name="logits")
    weight = check_pos_weight(pos_weight, scores)
    # log_expit(±z) are log σ(z) and log(1 - σ(z)) without overflow or log(0).
    elementwise = -(weight * truth * log_expit(scores) + (1.0 - truth) * log_expit(-scores))
    return _per_sample_mean(elementwise)


def categorical_crossentropy(
    y_true, y_pred, *, from_logits=False, label_smoothing=0.0
) -> np.ndarray:
    """Categorical cross-entropy per sample (Keras: ``keras.losses.categorical_crossentropy``).

    ``y_true`` is one-hot (or a distribution) over the last axis. With
    ``from_logits=False`` each row of ``y_pred`` is first divided by its sum and
    then clipped to ``[EPSILON, 1 - EPSILON]``, as in Keras; rows that do not sum
    to 1 give a :class:`~lossguide._validation.ProbabilityWarning`. With
    ``from_logits=True`` the log-softmax is computed with ``logsumexp`` and is
    exact for logits of any size.

    .. math:: \\tilde y = y (1 - s) + \\frac{s}{K},\\qquad
              L = -\\sum_{k=1}^{K} \\tilde y_k \\log q_k,\\qquad
              q = \\operatorname{softmax}(z) \\text{ or } \\frac{p}{\\sum_k p_k}

    Examples
    --------
    >>> categorical_crossentropy([[0, 1, 0], [0, 0, 1]],
    ...                          [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]).round(4)
    array([0.0513, 2.3026])
    >>> categorical_crossentropy([[0, 0, 1]], [[1e4, 0.0, -1e4]], from_logits=True)
    array([20000.])
    """
    truth, prediction, totals = _categorical_inputs(
        y_true, y_pred, from_logits, label_smoothing, "categorical_crossentropy"
    )
    if totals is None:
        # log_softmax subtracts max(z) first, then logsumexp of the shifted row:
        # exp never overflows, no probability is rounded to 0 before the log, and
        # tied huge logits (1e30, 1e30) give log 2, where z - logsumexp(z) gives 0.
        log_q = log_softmax(prediction, axis=-1)
    else:
        # Keras renormalises the rows, then clips: each term is at most -log(1e-7).
        log_q = np.log(np.clip(prediction / totals, EPSILON, 1.0 - EPSILON))
    return _per_sample_sum(-(truth * log_q))


def _softmax_and_complement(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``softmax(z)`` and ``1 - softmax(z)``, the latter without cancellation.

    ``1 - p_k`` is the sum of the *other* classes' probabilities, taken from
    prefix and suffix sums: a probability that rounds to 1 keeps its tiny
    complement (e^-38 / (1 + e^-38) for logits (0, -38)), where ``1 - p`` gives 0.
    """
    # softmax subtracts the row maximum before exp: no overflow, and tied huge
    # logits give 1/K each (the shifted logits are all 0).
    p = softmax(logits, axis=-1)
    zero = np.zeros_like(p[..., :1])
    before = np.concatenate([zero, np.cumsum(p, axis=-1)[..., :-1]], axis=-1)
    after = np.concatenate([np.cumsum(p[..., ::-1], axis=-1)[..., -2::-1], zero], axis=-1)
    return p, before + after


def _class_weights(alpha, prediction: np.ndarray, name: str = "alpha"):
    """A weight >= 0 for every class: a scalar, or one value per class of ``prediction``."""
    if np.ndim(alpha) == 0:
        value = alpha.item() if isinstance(alpha, np.ndarray) else alpha
        return check_scalar(value, name, low=0.0)
    weights = as_float_array(alpha, name)
    check_greater_than(weights, name, 0.0, inclusive=True)
    if weights.shape != prediction.shape[-1:]:
        raise ValueError(
            f"{name} must be a scalar or hold one weight per class ({prediction.shape[-1]} "
            f"for y_pred of shape {prediction.shape}), got {name} of shape {weights.shape}"
        )
    return weights


def _categorical_focal_parts(y_true, y_pred, alpha, gamma, from_logits, label_smoothing):
    """Entry of categorical focal cross-entropy and its gradient, and the shared pieces.

    Returns ``(alpha, gamma, truth, prediction, q, log_q, u, normalised)``: the
    smoothed labels, the class probabilities ``q`` and ``log q``, ``u = 1 - q``
    and, on the probability path, the renormalised rows before Keras's clip
    (``None`` on the logits path).
    """
    truth, prediction, totals = _categorical_inputs(
        y_true, y_pred, from_logits, label_smoothing, "categorical_focal_crossentropy"
    )
    gamma = check_scalar(gamma, "gamma", low=0.0)
    alpha = _class_weights(alpha, prediction)
    if totals is None:
        q, u = _softmax_and_complement(prediction)
        # log_softmax is exact for logits of any size; where q is close to 1,
        # log1p(-u) keeps the tiny log that log_softmax rounds to 0.
        log_q = np.where(u < 0.5, np.log1p(-np.minimum(u, 0.5)), log_softmax(prediction, axis=-1))
        return alpha, gamma, truth, prediction, q, log_q, u, None
    # As Keras: renormalise the rows, clip to [1e-7, 1 - 1e-7], and take the focal
    # factor of the clipped probability (u >= 1e-7, so u ** (gamma - 1) stays finite).
    normalised = prediction / totals
    q = np.clip(normalised, EPSILON, 1.0 - EPSILON)
    return alpha, gamma, truth, prediction, q, np.log(q), 1.0 - q, normalised


def categorical_focal_crossentropy(
    y_true, y_pred, *, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0
) -> np.ndarray:
    """Categorical focal cross-entropy per sample (Keras: ``keras.losses.categorical_focal_crossentropy``).

    Each class's cross-entropy term is scaled by :math:`(1 - q_k)^\\gamma`, so
    well-classified examples count less (Lin et al., 2017), and by ``alpha``.
    Unlike :func:`binary_focal_crossentropy`, Keras applies ``alpha`` **always**
    (there is no ``apply_class_balancing``): the default ``alpha = 0.25`` scales
    the whole loss, and its gradient, by 1/4. ``alpha`` may hold one weight per
    class (e.g. inverse class frequencies); Keras turns a Python *list* of
    weights into a float32 tensor, so pass a float64 NumPy array to Keras for
    float64 weights. With ``gamma = 0`` and ``alpha = 1`` the loss is
    :func:`categorical_crossentropy`.

    On the probability path each row is divided by its sum and clipped to
    ``[EPSILON, 1 - EPSILON]``, and the focal factor uses the clipped
    probability, as in Keras. On the logits path Keras applies a softmax and
    then the same clip; here nothing is clipped (``log_softmax``, and
    :math:`1 - q_k` as the sum of the other probabilities), so the two agree
    while every probability is above ``1e-7`` and the loss stays exact for
    logits of any size. Keras's ``axis`` argument is not offered (the last axis).

    .. math:: \\begin{aligned}
              \\tilde y &= y (1 - s) + \\frac{s}{K},\\\\
              L &= -\\sum_{k=1}^{K} \\alpha_k\\, (1 - q_k)^{\\gamma}\\, \\tilde y_k \\log q_k,\\\\
              q &= \\operatorname{softmax}(z) \\text{ or } \\frac{p}{\\sum_k p_k}
              \\end{aligned}

    Parameters
    ----------
    y_true : array_like, shape ``(..., K)``
        One-hot rows (or distributions).
    y_pred : array_like, shape ``(..., K)``
        Probabilities, or logits if ``from_logits``.
    alpha : float >= 0 or array_like of K floats >= 0
    gamma : float >= 0
    from_logits : bool
    label_smoothing : float in [0, 1]

    Examples
    --------
    >>> categorical_focal_crossentropy([[0, 1, 0], [0, 0, 1]],
    ...                                [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]]).round(6)
    array([2.63e-04, 6.75912e-01])
    >>> categorical_focal_crossentropy([[0, 0, 1]], [[1e4, 0.0, -1e4]], alpha=1.0,
    ...                                from_logits=True)
    array([20000.])
    """
    alpha, gamma, truth, _, _, log_q, u, _ = _categorical_focal_parts(
        y_true, y_pred, alpha, gamma, from_logits, label_smoothing
    )
    return _per_sample_sum(alpha * np.power(u, gamma) * -(truth * log_q))


def sparse_categorical_crossentropy(y_true, y_pred, *, from_logits=False) -> np.ndarray:
    """Categorical cross-entropy with integer labels (Keras: ``keras.losses.sparse_categorical_crossentropy``).

    ``y_true`` holds class indices with the shape of ``y_pred`` without its last
    axis, or with a trailing axis of length 1 (``(n,)`` or ``(n, 1)`` for
    ``y_pred`` of shape ``(n, K)``; a scalar for ``(K,)``). Whole-number floats
    are accepted. Equals
    :func:`categorical_crossentropy` of the one-hot labels.

    On the probability path Keras clips ``y_pred`` to ``[EPSILON, 1 - EPSILON]``
    and renormalises by the sum of the clipped row; so does this function.

    .. math:: L = -\\log q_{y} = \\operatorname{logsumexp}(z) - z_{y}

    Examples
    --------
    >>> sparse_categorical_crossentropy([2, 1], [[2, 0.5, 6], [0.1, 0, 3]],
    ...                                 from_logits=True).round(6)
    array([0.022155, 3.099674])
    """
    from_logits = check_bool(from_logits, "from_logits")
    labels, prediction = check_sparse_pair(y_true, y_pred, "sparse_categorical_crossentropy")
    indices = labels[..., np.newaxis]
    if from_logits:
        # log_softmax shifts by the row maximum before exp: logits of 1e4 do not
        # overflow, and tied logits of 1e17 give log 3, not 0.
        log_q = log_softmax(prediction, axis=-1)
        return np.asarray(-np.take_along_axis(log_q, indices, axis=-1)[..., 0], dtype=np.float64)
    check_probabilities(prediction, "y_pred")
    check_rows_sum_to_one(prediction, "y_pred")
    # Keras clips, takes the log and applies a softmax cross-entropy to it, which
    # renormalises by the clipped row's sum: -log p_y + log Σ p.
    clipped = np.clip(prediction, EPSILON, 1.0 - EPSILON)
    chosen = np.take_along_axis(clipped, indices, axis=-1)[..., 0]
    return np.asarray(np.log(clipped.sum(axis=-1)) - np.log(chosen), dtype=np.float64)


def _generalized_inputs(y_true, y_pred, q):
    """Entry of generalized cross-entropy and its gradient: (q, labels, y_pred, p_y)."""
    q = check_scalar(q, "q", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    labels, prediction = check_sparse_pair(
        y_true, y_pred, "categorical_generalized_cross_entropy"
    )
    check_probabilities(prediction, "y_pred")
    check_rows_sum_to_one(prediction, "y_pred")
    chosen = np.take_along_axis(prediction, labels[..., np.newaxis], axis=-1)[..., 0]
    return q, labels, prediction, chosen


def categorical_generalized_cross_entropy(y_true, y_pred, *, q) -> np.ndarray:
    """Generalized cross-entropy per sample (Keras: ``keras.losses.categorical_generalized_cross_entropy``).

    Zhang & Sabuncu's (2018) loss for noisy labels: :math:`(1 - p_y^q)/q` of the
    probability the model gives the labelled class. As :math:`q \\to 0` it tends
    to cross-entropy :math:`-\\log p_y`; at :math:`q = 1` it is
    :math:`1 - p_y`, which is :math:`K/2` times MAE on one-hot labels.
    ``q`` is required, as in Keras's function (its class defaults to 0.5).

    As in Keras, ``y_true`` holds integer class indices (shape ``(n,)`` or
    ``(n, 1)`` for ``y_pred`` of shape ``(n, K)``) and ``y_pred`` is used as it
    is: no clipping (:math:`p_y = 0` gives :math:`1/q`, finite) and no
    renormalisation (rows that do not sum to one give a
    :class:`ProbabilityWarning`). Keras casts labels to integers, so 1.7 counts as
    class 1, and turns labels outside ``[0, K)`` into an all-zero row (loss
    :math:`1/q`); here both are a ``ValueError``.

    .. math:: L = \\frac{1 - p_y^{\\,q}}{q}, \\qquad 0 < q < 1

    Parameters
    ----------
    y_true : array_like of int
        Class indices.
    y_pred : array_like, shape ``(..., K)``
        Probabilities (a softmax output).
    q : float in (0, 1)

    Examples
    --------
    >>> categorical_generalized_cross_entropy([0, 1], [[0.75, 0.25], [0.36, 0.64]], q=0.5)
    array([0.26794919, 0.4       ])
    >>> categorical_generalized_cross_entropy([0], [[0.0, 1.0]], q=0.5)
    array([2.])
    """
    q, _, _, chosen = _generalized_inputs(y_true, y_pred, q)
    with np.errstate(divide="ignore"):
        log_chosen = np.log(chosen)  # -inf for p_y = 0, which exp maps back to 0
    # (1 - p^q)/q as -expm1(q log p)/q: no cancellation in 1 - p^q when q log p is
    # small (q near 0 or p near 1), where 1 - p**q loses the digits that matter.
    return np.asarray(-np.expm1(q * log_chosen) / q, dtype=np.float64)


def kl_divergence(y_true, y_pred) -> np.ndarray:
    """Kullback-Leibler divergence per sample (Keras: ``keras.losses.kl_divergence``).

    As in Keras both arguments are clipped to ``[EPSILON, 1]`` first, so zeros in
    ``y_true`` contribute about ``1e-7 log(1e-7 / q)`` instead of exactly 0, and
    zeros in ``y_pred`` cost at most ``-log(1e-7)`` per unit of mass. Values
    outside [0, 1] are rejected (Keras would clip them silently); rows that do not
    sum to one give a :class:`~lossguide._validation.ProbabilityWarning`.

    .. math:: D_{KL}(y \\,\\|\\, \\hat y) = \\sum_{k=1}^{K} y_k \\log\\frac{y_k}{\\hat y_k}

    Examples
    --------
    >>> kl_divergence([[0.5, 0.5]], [[0.9, 0.1]]).round(6)
    array([0.510826])
    """
    truth, prediction = _pair(y_true, y_pred)
    check_probabilities(truth, "y_true")
    check_probabilities(prediction, "y_pred")
    check_rows_sum_to_one(truth, "y_true")
    check_rows_sum_to_one(prediction, "y_pred")
    truth = np.clip(truth, EPSILON, 1.0)
    prediction = np.clip(prediction, EPSILON, 1.0)
    # log y - log ŷ instead of log(y / ŷ): the quotient of two tiny values can underflow.
    return _per_sample_sum(truth * (np.log(truth) - np.log(prediction)))


# --------------------------------------------------------------------------- resolution


def __getattr__(name):
    # NAMES is read from the loss table, which itself imports this module.
    if name == "NAMES":
        from .registry import SPECS

        return tuple(spec.name for spec in SPECS.values() if spec.keras)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get(identifier):
    """Resolve a loss name, a Keras alias or class name, or a callable to a loss function.

    Accepts the names in :data:`NAMES`, the losses without a Keras function
    (``"weighted_binary_crossentropy"``, ``"pinball"``, ``"gaussian_nll"``), the
    aliases Keras 3 accepts (``"mse"``, ``"mae"``, ``"mape"``, ``"msle"``,
    ``"kld"``, ``"bce"`` and upper-case forms) and Keras class names such as
    ``"MeanSquaredError"``. A callable is returned unchanged, as in Keras.

    Raises
    ------
    ValueError
        For an unknown name, listing the valid ones; for a name Keras 3 removed
        (``"logcosh"``, ``"huber_loss"``, ``"kullback_leibler_divergence"``),
        naming its replacement.
    TypeError
        If ``identifier`` is neither a string nor callable.

    Notes
    -----
    No formula: this only maps names, :math:`\\text{name} \\mapsto L`.

    Examples
    --------
    >>> get("mse").__name__
    'mean_squared_error'
    >>> get("logcosh")
    Traceback (most recent call last):
    ...
    ValueError: 'logcosh' was removed in Keras 3 (it raises "Could not interpret loss identifier"); use 'log_cosh'
    """
    if callable(identifier):
        return identifier
    from . import registry

    return registry.get(identifier).loss
