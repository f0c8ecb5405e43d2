"""Closed-form gradients of the per-sample losses of :mod:`lossguide.losses`.

``gradients.<name>(y_true, y_pred, **options)`` returns
:math:`\\partial L_i / \\partial \\hat y` -- the derivative of each sample's loss
with respect to the predictions (with respect to the logits when
``from_logits=True``) -- as a float64 array of ``y_pred``'s shape. It is the
array TensorFlow's ``GradientTape`` returns for the matching ``keras.losses``
function summed over samples, computed by formula rather than by autodiff or
finite differences.

What "the gradient" means where the mathematics leaves a choice:

* **The 1/d factor.** Element-wise losses are averaged over the last axis
  (``d`` entries), so each entry of the gradient carries ``1/d``; the
  cross-entropies over classes, KL divergence and categorical hinge are sums
  and do not.
* **Keras's clipping.** On the probability path Keras clips probabilities to
  ``[1e-7, 1 - 1e-7]``; the loss is constant beyond the clip, so the gradient
  there is **zero**, exactly as autodiff returns it (TensorFlow lets the
  gradient through *at* the bounds themselves). The logits path has no
  clipping and its gradients are exact and finite for logits of any size.
* **Kinks.** Where a loss is not differentiable the value is the subgradient
  TensorFlow's autodiff returns: ``0`` for MAE and MAPE at ``y_pred = y_true``
  (TensorFlow's ``sign(0) = 0``); the active piece ``-y/d`` for hinge at the
  margin ``y * y_pred = 1`` (``maximum(x, 0)`` passes the gradient when
  ``x >= 0``); for categorical hinge the active piece at the margin, with the
  gradient of the max shared equally between tied entries. Huber and squared
  hinge are differentiable everywhere.

Inputs are validated as the losses validate them (same checks, same messages)
and never modified.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from . import losses as _losses
from ._validation import (
    check_bool,
    check_greater_than,
    check_hinge_labels,
    check_one_hot,
    check_pos_weight,
    check_probabilities,
    check_rows_sum_to_one,
    check_scalar,
    check_sparse_pair,
)
from ._validation import check_pair as _pair
from .losses import (
    _binary_inputs,
    _categorical_focal_parts,
    _categorical_inputs,
    _class_balance,
    _focal_parts,
    _gaussian_inputs,
    _generalized_inputs,
    _pinball_inputs,
    _softmax_and_complement,
)

__all__ = [
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
    "chain_through_softmax",
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
    "softmax_jacobian",
    "sparse_categorical_crossentropy",
    "squared_hinge",
    "weighted_binary_crossentropy",
]

EPSILON = _losses.EPSILON


def _reshape_like(gradient: np.ndarray, y_pred) -> np.ndarray:
    """Return the gradient in ``y_pred``'s own shape (undoing Keras's rank alignment)."""
    return np.asarray(gradient, dtype=np.float64).reshape(np.shape(y_pred))


def _inside_clip(p: np.ndarray, low: float, high: float) -> np.ndarray:
    # TensorFlow's clip is minimum then maximum; both pass the gradient on ties,
    # so the gradient survives at the bounds and vanishes strictly outside.
    return (p >= low) & (p <= high)


def _softmax_minus_labels(logits: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """``softmax(z) * sum(y) - y``, the gradient of softmax cross-entropy, computed exactly.

    ``p_k - y_k`` is written ``(1 - y_k) p_k - y_k (1 - p_k)`` with
    ``1 - p_k = sum_{j != k} p_j`` summed from prefix and suffix sums, never as
    ``1 - p_k``: a probability that rounds to 1 still gives its tiny negative
    gradient (-3.1e-17 for logits (0, -38)), where ``p - 1`` gives exactly 0.
    For labels summing to one the last term vanishes and the result is ``p - y``.
    """
    # Max-shifted softmax and, for each class, the sum of the other classes'
    # probabilities (no cancellation).
    p, others = _softmax_and_complement(logits)
    p_minus_y = (1.0 - truth) * p - truth * others
    return p_minus_y + p * (truth.sum(axis=-1, keepdims=True) - 1.0)


# --------------------------------------------------------------------------- regression


def mean_squared_error(y_true, y_pred) -> np.ndarray:
    """Gradient of :func:`lossguide.losses.mean_squared_error` with respect to ``y_pred``.

    .. math:: \\frac{\\partial L}{\\partial \\hat y_j} = \\frac{2}{d}(\\hat y_j - y_j)

    Examples
    --------
    >>> mean_squared_error([[1.0, 0.0]], [[0.5, 0.5]])
    array([[-0.5,  0.5]])
    """
    truth, prediction = _pair(y_true, y_pred)
    return _reshape_like(2.0 * (prediction - truth) / prediction.shape[-1], y_pred)


def mean_absolute_error(y_true, y_pred) -> np.ndarray:
    """Gradient of :func:`lossguide.losses.mean_absolute_error`.

    At ``y_pred == y_true`` the subgradient is 0 (TensorFlow's ``sign(0)``).

    .. math:: \\frac{\\partial L}{\\partial \\hat y_j} = \\frac{1}{d}\\operatorname{sign}(\\hat y_j - y_j)

    Examples
    --------
    >>> mean_absolute_error([[1.0, 0.0]], [[2.0, 0.0]])
    array([[0.5, 0. ]])
    """
    truth, prediction = _pair(y_true, y_pred)
    return _reshape_like(np.sign(prediction - truth) / prediction.shape[-1], y_pred)


def mean_absolute_percentage_error(y_true, y_pred) -> np.ndarray:
    """Gradient of :func:`lossguide.losses.mean_absolute_percentage_error`.

    The denominator is floored at ``EPSILON`` as in the loss; the subgradient at
    ``y_pred == y_true`` is 0.

    .. math:: \\frac{\\partial L}{\\partial \\hat y_j} =
              \\frac{100}{d}\\,\\frac{\\operatorname{sign}(\\hat y_j - y_j)}{\\max(|y_j|, \\epsilon)}

    Examples
    --------
    >>> mean_absolute_percentage_error([[100.0, 200.0]], [[110.0, 150.0]])
    array([[ 0.5 , -0.25]])
    """
    truth, prediction = _pair(y_true, y_pred)
    scale = 100.0 / (np.maximum(np.abs(truth), EPSILON) * prediction.shape[-1])
    return _reshape_like(np.sign(prediction - truth) * scale, y_pred)


def mean_squared_logarithmic_error(y_true, y_pred) -> np.ndarray:
    """Gradient of :func:`lossguide.losses.mean_squared_logarithmic_error`.

    Predictions below ``EPSILON`` are floored by the loss, which is flat there:
    their gradient is 0 (TensorFlow's ``maximum`` passes the gradient on ties).

    .. math:: \\frac{\\partial L}{\\partial \\hat y_j} = \\frac{2}{d}\\,
              \\frac{\\log(1 + \\hat y_j) - \\log(1 + y_j)}{1 + \\hat y_j}
              \\quad (\\hat y_j \\ge \\epsilon)

    Examples
    --------
    >>> mean_squared_logarithmic_error([[0.0]], [[np.e - 1]]).round(6)
    array([[0.735759]])
    """
    truth, prediction = _pair(y_true, y_pred)
    check_greater_than(truth, "y_true", -1.0, reason="log(1 + y_true) is undefined")
    check_greater_than(prediction, "y_pred", -1.0, reason="log(1 + y_pred) is undefined")
    floored = np.maximum(prediction, EPSILON)
    # log1p: full precision for small values, where 1 + x would round first.
    difference = np.log1p(floored) - np.log1p(np.maximum(truth, EPSILON))
    gradient = 2.0 * difference / (1.0 + floored) / prediction.shape[-1]
    return _reshape_like(np.where(prediction >= EPSILON, gradient, 0.0), y_pred)


def huber(y_true, y_pred, *, delta=1.0) -> np.ndarray:
    """Gradient of :func:`lossguide.losses.huber`: the error clipped to ``[-delta, delta]``.

    .. math:: \\frac{\\partial L}{\\partial \\hat y_j} =
              \\frac{1}{d}\\operatorname{clip}(\\hat y_j - y_j, -\\delta, \\delta)

    Examples
    --------
    >>> huber([[0.0, 0.0]], [[0.5, 3.0]])
    array([[0.25, 0.5 ]])
    """
    delta = check_scalar(delta, "delta", low=0.0, low_inclusive=False)
    truth, prediction = _pair(y_true, y_pred)
    error = prediction - truth
    return _reshape_like(np.clip(error, -delta, delta) / prediction.shape[-1], y_pred)


def log_cosh(y_true, y_pred) -> np.ndarray:
    """Gradient of :func:`lossguide.losses.log_cosh`: ``tanh`` of the error.

    .. math:: \\frac{\\partial L}{\\partial \\hat y_j} = \\frac{1}{d}\\tanh(\\hat y_j - y_j)

    Examples
    --------
    >>> log_cosh([[0.0, 0.0]], [[0.0, 1000.0]])
    array([[0. , 0.5]])
    """
    truth, prediction = _pair(y_true, y_pred)
    # tanh saturates at ±1 instead of overflowing like sinh / cosh would.
    return _reshape_like(np.tanh(prediction - truth) / prediction.shape[-1], y_pred)


def poisson(y_true, y_pred) -> np.ndarray:
    """Gradient of :func:`lossguide.losses.poisson` (with Keras's ``+ EPSILON`` in the log).

    .. math:: \\frac{\\partial L}{\\partial \\hat y_j} =
              \\frac{1}{d}\\Bigl(1 - \\frac{y_j}{\\hat y_j + \\epsilon}\\Bigr)

    Examples
    --------
    >>> poisson([[2.0, 0.0]], [[1.0, 3.0]]).round(6)
    array([[-0.5,  0.5]])
    """
    truth, prediction = _pair(y_true, y_pred)
    check_greater_than(prediction, "y_pred", 0.0, inclusive=True, reason="a Poisson rate")
    check_greater_than(truth, "y_true", 0.0, inclusive=True, reason="a count")
    return _reshape_like((1.0 - truth / (prediction + EPSILON)) / prediction.shape[-1], y_pred)


def pinball(y_true, y_pred, *, quantile=0.5) -> np.ndarray:
    """Subgradient of :func:`lossguide.losses.pinball` with respect to ``y_pred``.

    :math:`-\\tau/d` below the target, :math:`(1 - \\tau)/d` above it. At a
    tie (:math:`\\hat y = y`) it is :math:`(1 - \\tau)/d`, what TensorFlow's
    autodiff returns for :func:`lossguide.keras_losses.pinball`.

    .. math:: \\frac{\\partial L}{\\partial \\hat y_j} =
              \\frac{\\mathbb{1}[\\hat y_j \\ge y_j] - \\tau}{d}

    Examples
    --------
    >>> pinball([[1.0, 1.0]], [[0.0, 2.0]], quantile=0.9)
    array([[-0.45,  0.05]])
    """
    quantile, truth, prediction = _pinball_inputs(y_true, y_pred, quantile)
    gradient = np.where(prediction >= truth, 1.0 - quantile, -quantile)
    return _reshape_like(gradient / prediction.shape[-1], y_pred)


def gaussian_nll(y_true, y_pred, *, full=False) -> np.ndarray:
    """Gradient of :func:`lossguide.losses.gaussian_nll` with respect to the means and log-variances.

    With the error :math:`e = y - \\mu` and the log-variance :math:`v`, for each
    of the ``d`` targets (the result has ``y_pred``'s layout: means, then
    log-variances)

    .. math:: \\frac{\\partial L}{\\partial \\mu_j} = -\\frac{e_j\\, e^{-v_j}}{d},
              \\qquad
              \\frac{\\partial L}{\\partial v_j} = \\frac{1 - e_j^2 e^{-v_j}}{2d}

    The mean's gradient is the squared error's, divided by the variance: the
    network can lower the pull of a hard sample by raising its variance. The
    log-variance's gradient is 0 where the squared standardized error is 1.
    ``full`` adds a constant and does not change the gradient.

    Examples
    --------
    >>> gaussian_nll([[1.0]], [[0.0, 0.0]])
    array([[-1.,  0.]])
    """
    _, _, error, inverse_sd, standardized = _gaussian_inputs(y_true, y_pred, full)
    targets = error.shape[-1]
    with np.errstate(over="ignore", invalid="ignore"):
        # -(y - mu) e^(-v) = -standardized e^(-v/2); 0 for an exact fit, even where e^(-v/2) is inf.
        d_mean = np.where(error == 0.0, 0.0, -standardized * inverse_sd)
        d_log_variance = 0.5 * (1.0 - np.square(standardized))
    gradient = np.concatenate([d_mean, d_log_variance], axis=-1) / targets
    return _reshape_like(gradient, y_pred)


# ------------------------------------------------------------------------------ hinges


def hinge(y_true, y_pred) -> np.ndarray:
    """Subgradient of :func:`lossguide.losses.hinge`.

    ``-y/d`` while the margin ``y * y_pred <= 1`` (including the kink, as
    TensorFlow returns it), 0 beyond. {0, 1} labels are converted to {-1, 1}.

    .. math:: \\frac{\\partial L}{\\partial \\hat y_j} =
              -\\frac{y_j}{d}\\,\\mathbb{1}[y_j \\hat y_j \\le 1]

    Examples
    --------
    >>> hinge([[1, -1, 1]], [[0.3, -2.0, 1.0]])
    array([[-0.33333333,  0.        , -0.33333333]])
    """
    truth, prediction = _pair(y_true, y_pred)
    signs = check_hinge_labels(truth)
    active = 1.0 - signs * prediction >= 0.0
    return _reshape_like(np.where(active, -signs, 0.0) / prediction.shape[-1], y_pred)


def squared_hinge(y_true, y_pred) -> np.ndarray:
    """Gradient of :func:`lossguide.losses.squared_hinge` (differentiable everywhere).

    .. math:: \\frac{\\partial L}{\\partial \\hat y_j} =
              -\\frac{2 y_j}{d}\\max(0, 1 - y_j \\hat y_j)

    Examples
    --------
    >>> squared_hinge([[1, -1]], [[0.3, -2.0]])
    array([[-0.7,  0. ]])
    """
    truth, prediction = _pair(y_true, y_pred)
    signs = check_hinge_labels(truth)
    margin = np.maximum(1.0 - signs * prediction, 0.0)
    return _reshape_like(-2.0 * signs * margin / prediction.shape[-1], y_pred)


def categorical_hinge(y_true, y_pred) -> np.ndarray:
    """Subgradient of :func:`lossguide.losses.categorical_hinge`.

    While the loss is active (``neg - pos + 1 >= 0``) the gradient is
    :math:`(1 - y_k) m_k - y_k`, where :math:`m` shares 1 equally between the
    entries attaining :math:`\\max_j (1 - y_j)\\hat y_j` (TensorFlow's rule for
    ties); 0 elsewhere.

    .. math:: \\frac{\\partial L}{\\partial \\hat y_k} =
              \\mathbb{1}[\\text{neg} - \\text{pos} + 1 \\ge 0]\\,\\bigl((1 - y_k)\\,m_k - y_k\\bigr)

    Examples
    --------
    >>> categorical_hinge([[0, 1, 0]], [[0.5, 1.2, 0.9]])
    array([[ 0., -1.,  1.]])
    """
    truth, prediction = _pair(y_true, y_pred)
    check_probabilities(truth, "y_true")
    check_one_hot(truth, "y_true")
    scaled = (1.0 - truth) * prediction
    negative = scaled.max(axis=-1, keepdims=True)
    positive = np.sum(truth * prediction, axis=-1, keepdims=True)
    attains = (scaled == negative).astype(np.float64)
    share = attains / attains.sum(axis=-1, keepdims=True)
    active = negative - positive + 1.0 >= 0.0
    return _reshape_like(np.where(active, (1.0 - truth) * share - truth, 0.0), y_pred)


# ----------------------------------------------------------------------- cross-entropies


def _bce_probability_gradient(truth: np.ndarray, probability: np.ndarray) -> np.ndarray:
    """d BCE / dp on Keras's probability path: 0 where the clip is active."""
    inside = _inside_clip(probability, EPSILON, 1.0 - EPSILON)
    clipped = np.clip(probability, EPSILON, 1.0 - EPSILON)
    return np.where(inside, (clipped - truth) / (clipped * (1.0 - clipped)), 0.0)


def binary_crossentropy(y_true, y_pred, *, from_logits=False, label_smoothing=0.0) -> np.ndarray:
    """Gradient of :func:`lossguide.losses.binary_crossentropy`.

    With ``from_logits=True`` the gradient with respect to the logit is
    :math:`(\\sigma(z) - \\tilde y)/d`: finite for any logit (``-1/d`` at
    ``y = 1, z = -1000``). With probabilities it is
    :math:`(p - \\tilde y) / (p(1 - p)\\,d)` inside Keras's clip range
    ``[1e-7, 1 - 1e-7]`` and 0 outside it. :math:`\\tilde y` is the smoothed label.

    .. math:: \\frac{\\partial L}{\\partial z_j} = \\frac{\\sigma(z_j) - \\tilde y_j}{d},
              \\qquad
              \\frac{\\partial L}{\\partial p_j} = \\frac{p_j - \\tilde y_j}{p_j(1 - p_j)\\,d}

    Examples
    --------
    >>> binary_crossentropy([[1.0]], [[-1000.0]], from_logits=True)
    array([[-1.]])
    >>> binary_crossentropy([[1.0, 0.0]], [[0.5, 0.0]])
    array([[-1.,  0.]])
    """
    from_logits = check_bool(from_logits, "from_logits")
    truth, prediction = _binary_inputs(y_true, y_pred, label_smoothing)
    if from_logits:
        # σ(z) - y as (1 - y) σ(z) - y σ(-z): for y = 1 this is -σ(-z), exact even
        # where σ(z) rounds to 1 and σ(z) - 1 would be 0.
        gradient = (1.0 - truth) * expit(prediction) - truth * expit(-prediction)
    else:
        check_probabilities(prediction, "y_pred")
        gradient = _bce_probability_gradient(truth, prediction)
    return _reshape_like(gradient / prediction.shape[-1], y_pred)


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
    """Gradient of :func:`lossguide.losses.binary_focal_crossentropy`.

    With :math:`u = 1 - p_t = \\tilde y(1 - p) + (1 - \\tilde y)p`, the loss is
    :math:`w\\,u^\\gamma\\,\\mathrm{BCE}` and

    .. math:: \\frac{\\partial L}{\\partial z} = \\frac{w}{d}\\Bigl(u^\\gamma(p - \\tilde y)
              + \\gamma(1 - 2\\tilde y)\\,u^{\\gamma}\\,\\frac{p(1 - p)}{u}\\,\\mathrm{BCE}\\Bigr)

    On the logits path this is exact (no clipping, like the loss) and finite for
    any logit: :math:`p(1-p)/u` lies in [0, 1] and is evaluated by its limit
    :math:`p_t` where :math:`u` underflows to 0. On the probability path the
    cross-entropy's gradient is zeroed where Keras's clip is active, as autodiff
    does, while the focal factor keeps its gradient. There, for
    :math:`0 < \\gamma < 1` and a prediction exactly equal to a hard label
    (:math:`u = 0`), the derivative of :math:`u^\\gamma` is infinite; the
    result is ``±inf``, as in TensorFlow.

    Examples
    --------
    >>> binary_focal_crossentropy([[1.0]], [[-1000.0]], gamma=1.0, from_logits=True)
    array([[-1.]])
    >>> g = binary_focal_crossentropy([[1.0]], [[0.0]], gamma=0.0, from_logits=True)
    >>> g, binary_crossentropy([[1.0]], [[0.0]], from_logits=True)
    (array([[-0.5]]), array([[-0.5]]))
    """
    from_logits = check_bool(from_logits, "from_logits")
    apply_class_balancing = check_bool(apply_class_balancing, "apply_class_balancing")
    gamma = check_scalar(gamma, "gamma", low=0.0)
    alpha = check_scalar(alpha, "alpha", low=0.0, high=1.0)
    truth, prediction = _binary_inputs(y_true, y_pred, label_smoothing)
    # The loss's own pieces (same clipping, same log_expit): p, 1 - p, BCE, u = 1 - p_t.
    probability, complement, cross_entropy, u = _focal_parts(truth, prediction, from_logits)
    focal = np.power(u, gamma)
    slope = 1.0 - 2.0 * truth  # du/dp
    if from_logits:
        # p(1 - p)/u <= max(p, 1 - p) <= 1; where u underflows (hard label, huge
        # logit) use its limit p_t, so no 0/0 appears.
        safe_u = np.where(u > 0.0, u, 1.0)
        ratio = np.where(u > 0.0, probability * complement / safe_u, 1.0 - u)
        gradient = focal * (probability - truth) + gamma * slope * focal * ratio * cross_entropy
    else:
        if gamma == 0.0:
            focal_slope = np.zeros_like(u)  # u**0 is the constant 1
        else:
            with np.errstate(divide="ignore"):
                # 0 ** (gamma - 1) is 0, 1 or inf for gamma >1, =1, <1: the true one-sided slope.
                focal_slope = gamma * np.power(u, gamma - 1.0)
        with np.errstate(invalid="ignore"):
            # inf * 0 (a label of exactly 0.5, or no cross-entropy) is 0, not NaN.
            focal_term = np.where(
                slope * cross_entropy == 0.0, 0.0, focal_slope * slope * cross_entropy
            )
        gradient = focal * _bce_probability_gradient(truth, prediction) + focal_term
    if apply_class_balancing:
        gradient = _class_balance(truth, alpha) * gradient
    return _reshape_like(gradient / prediction.shape[-1], y_pred)


def weighted_binary_crossentropy(y_true, logits, *, pos_weight) -> np.ndarray:
    """Gradient of :func:`lossguide.losses.weighted_binary_crossentropy` w.r.t. the logits.

    .. math:: \\frac{\\partial L}{\\partial z_j} =
              \\frac{(1 - y_j)\\,\\sigma(z_j) - w\\,y_j\\,\\sigma(-z_j)}{d}

    Examples
    --------
    >>> weighted_binary_crossentropy([[1.0, 0.0]], [[0.0, 0.0]], pos_weight=3.0)
    array([[-0.75,  0.25]])
    """
    truth, scores = _binary_inputs(y_true, logits, 0.0, pred_name="logits")
    weight = check_pos_weight(pos_weight, scores)
    # σ(±z) via expit saturates at 0 and 1 instead of overflowing exp.
    gradient = (1.0 - truth) * expit(scores) - weight * truth * expit(-scores)
    return _reshape_like(gradient / scores.shape[-1], logits)


def categorical_crossentropy(
    y_true, y_pred, *, from_logits=False, label_smoothing=0.0
) -> np.ndarray:
    """Gradient of :func:`lossguide.losses.categorical_crossentropy`.

    From logits: :math:`\\operatorname{softmax}(z)\\sum_k \\tilde y_k - \\tilde y`,
    i.e. :math:`p - \\tilde y` for labels summing to one. (TensorFlow's fused
    kernel returns :math:`p - \\tilde y` even when they do not; the formula here
    is the derivative of the loss.) The softmax is max-shifted, and for a label
    of 1 the entry :math:`p_k - 1` is computed as :math:`-\\sum_{j \\ne k} p_j`, so
    it stays exact where :math:`p_k` rounds to 1.

    From probabilities Keras first renormalises, :math:`q = p / s` with
    :math:`s = \\sum_j p_j`, then clips :math:`q`. With
    :math:`g_j = -\\tilde y_j / q_j` where the clip is inactive (0 where it is),
    the chain rule through the normalisation gives

    .. math:: \\frac{\\partial L}{\\partial p_k} = \\frac{1}{s}\\Bigl(g_k - \\sum_j g_j q_j\\Bigr)

    so for an already-normalised row the gradient is :math:`-\\tilde y_k/p_k + 1`,
    not the textbook :math:`-\\tilde y_k/p_k`: the extra constant is orthogonal
    to the simplex and does not change a softmax's gradient.

    Examples
    --------
    >>> categorical_crossentropy([[0, 1, 0]], [[0.0, 0.0, 0.0]], from_logits=True).round(4)
    array([[ 0.3333, -0.6667,  0.3333]])
    >>> categorical_crossentropy([[0, 1]], [[0.5, 0.5]])
    array([[ 1., -1.]])
    """
    truth, prediction, totals = _categorical_inputs(
        y_true, y_pred, from_logits, label_smoothing, "categorical_crossentropy"
    )
    if totals is None:
        return _reshape_like(_softmax_minus_labels(prediction, truth), y_pred)
    normalised = prediction / totals
    inside = _inside_clip(normalised, EPSILON, 1.0 - EPSILON)
    clipped = np.clip(normalised, EPSILON, 1.0 - EPSILON)
    outer = np.where(inside, -truth / clipped, 0.0)
    projected = outer - np.sum(outer * normalised, axis=-1, keepdims=True)
    return _reshape_like(projected / totals, y_pred)


def categorical_focal_crossentropy(
    y_true, y_pred, *, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0
) -> np.ndarray:
    """Gradient of :func:`lossguide.losses.categorical_focal_crossentropy`.

    From logits, with :math:`u_k = 1 - p_k` and
    :math:`m_k = \\alpha_k \\tilde y_k u_k^\\gamma (\\gamma r_k - 1)`,
    :math:`r_k = p_k \\log p_k / u_k \\in [-1, 0]`:

    .. math:: \\frac{\\partial L}{\\partial z_j} = m_j - p_j \\sum_k m_k

    (with :math:`\\gamma = 0`, :math:`\\alpha = 1`: cross-entropy's
    :math:`p - \\tilde y`). It is exact and finite for logits of any size:
    :math:`u` is a sum of the other probabilities, and :math:`r` takes its limit
    :math:`-1` where :math:`u` underflows to 0.

    From probabilities, Keras renormalises (:math:`q = p/s`) and clips
    :math:`q`; with :math:`g_k = \\partial L/\\partial q_k` where the clip is
    inactive (0 where it is), the gradient is
    :math:`(g_k - \\sum_j g_j q_j)/s`, as for :func:`categorical_crossentropy`.
    The clip keeps :math:`u \\ge 10^{-7}`, so :math:`u^{\\gamma - 1}` is finite
    for every :math:`\\gamma \\ge 0`.

    Examples
    --------
    >>> categorical_focal_crossentropy([[0, 1]], [[0.0, 0.0]], alpha=1.0, gamma=0.0,
    ...                                from_logits=True)
    array([[ 0.5, -0.5]])
    """
    alpha, gamma, truth, prediction, q, log_q, u, normalised = _categorical_focal_parts(
        y_true, y_pred, alpha, gamma, from_logits, label_smoothing
    )
    focal = np.power(u, gamma)
    if normalised is None:
        with np.errstate(invalid="ignore", divide="ignore"):
            # p log p / u lies in [-1, 0]; its limit is -1 where u underflows (p = 1).
            ratio = np.where(u > 0.0, q * log_q / np.where(u > 0.0, u, 1.0), -1.0)
        m = alpha * truth * focal * (gamma * ratio - 1.0)
        total = m.sum(axis=-1, keepdims=True)
        # m_j - p_j sum(m) as m_j u_j - p_j (sum(m) - m_j): exact for one-hot labels,
        # where p_j - 1 would round to 0 for a confident right answer.
        return _reshape_like(m * u - q * (total - m), y_pred)
    inside = _inside_clip(normalised, EPSILON, 1.0 - EPSILON)
    # dL/dq_k = alpha_k y_k (gamma u^(gamma - 1) log q - u^gamma / q), 0 where clipped.
    focal_slope = np.zeros_like(u) if gamma == 0.0 else gamma * np.power(u, gamma - 1.0)
    outer = np.where(inside, alpha * truth * (focal_slope * log_q - focal / q), 0.0)
    totals = prediction.sum(axis=-1, keepdims=True)
    projected = outer - np.sum(outer * normalised, axis=-1, keepdims=True)
    return _reshape_like(projected / totals, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred, *, from_logits=False) -> np.ndarray:
    """Gradient of :func:`lossguide.losses.sparse_categorical_crossentropy`.

    From logits: :math:`\\operatorname{softmax}(z) - \\operatorname{onehot}(y)`.
    From probabilities Keras clips to ``[1e-7, 1 - 1e-7]`` and renormalises by
    the clipped row's sum :math:`S`, so inside the clip range

    .. math:: \\frac{\\partial L}{\\partial p_k} = \\frac{1}{S} - \\frac{[k = y]}{p_k}

    and 0 for entries outside it.

    Examples
    --------
    >>> sparse_categorical_crossentropy([1], [[0.0, 0.0]], from_logits=True)
    array([[ 0.5, -0.5]])
    >>> sparse_categorical_crossentropy([1], [[0.5, 0.5]])
    array([[ 1., -1.]])
    >>> sparse_categorical_crossentropy(0, [0.0, 0.0], from_logits=True)
    array([-0.5,  0.5])
    """
    from_logits = check_bool(from_logits, "from_logits")
    indices, prediction = check_sparse_pair(y_true, y_pred, "sparse_categorical_crossentropy")
    one_hot = np.eye(prediction.shape[-1])[indices]
    if from_logits:
        return _reshape_like(_softmax_minus_labels(prediction, one_hot), y_pred)
    check_probabilities(prediction, "y_pred")
    check_rows_sum_to_one(prediction, "y_pred")
    inside = _inside_clip(prediction, EPSILON, 1.0 - EPSILON)
    clipped = np.clip(prediction, EPSILON, 1.0 - EPSILON)
    gradient = 1.0 / clipped.sum(axis=-1, keepdims=True) - one_hot / clipped
    return _reshape_like(np.where(inside, gradient, 0.0), y_pred)


def categorical_generalized_cross_entropy(y_true, y_pred, *, q) -> np.ndarray:
    """Gradient of :func:`lossguide.losses.categorical_generalized_cross_entropy`.

    Only the labelled class's probability enters the loss:

    .. math:: \\frac{\\partial L}{\\partial p_k} = -[k = y]\\, p_y^{\\,q - 1}

    Through a softmax this becomes :math:`p_y^{\\,q}(p - \\operatorname{onehot}(y))`,
    cross-entropy's gradient weighted by :math:`p_y^{\\,q}` (see
    :func:`chain_through_softmax`). At :math:`p_y = 0` the derivative is
    :math:`-\\infty` (``q < 1``); the result is ``-inf`` there, the other classes 0.

    Examples
    --------
    >>> categorical_generalized_cross_entropy([1], [[0.75, 0.25]], q=0.5)
    array([[ 0., -2.]])
    """
    q, labels, prediction, chosen = _generalized_inputs(y_true, y_pred, q)
    with np.errstate(divide="ignore"):
        # p^(q - 1) = exp((q - 1) log p): +inf at p = 0, never 0 * inf.
        slope = -np.exp((q - 1.0) * np.log(chosen))
    one_hot = np.eye(prediction.shape[-1], dtype=bool)[labels]
    return _reshape_like(np.where(one_hot, slope[..., np.newaxis], 0.0), y_pred)


def kl_divergence(y_true, y_pred) -> np.ndarray:
    """Gradient of :func:`lossguide.losses.kl_divergence` with respect to ``y_pred``.

    Both arguments are clipped to ``[1e-7, 1]`` as in Keras, so a zero label
    contributes :math:`-10^{-7}/q_k` (not 0), and predictions below ``1e-7``
    have gradient 0.

    .. math:: \\frac{\\partial L}{\\partial q_k} = -\\frac{\\max(y_k, \\epsilon)}{q_k}
              \\quad (q_k \\ge \\epsilon)

    Examples
    --------
    >>> kl_divergence([[0.5, 0.5]], [[0.25, 0.75]]).round(4)
    array([[-2.    , -0.6667]])
    """
    truth, prediction = _pair(y_true, y_pred)
    check_probabilities(truth, "y_true")
    check_probabilities(prediction, "y_pred")
    check_rows_sum_to_one(truth, "y_true")
    check_rows_sum_to_one(prediction, "y_pred")
    truth = np.clip(truth, EPSILON, 1.0)
    inside = _inside_clip(prediction, EPSILON, 1.0)
    clipped = np.clip(prediction, EPSILON, 1.0)
    return _reshape_like(np.where(inside, -truth / clipped, 0.0), y_pred)


def softmax_jacobian(probabilities) -> np.ndarray:
    """The Jacobian of the softmax, row by row, from its outputs.

    .. math:: J_{ij} = \\frac{\\partial p_i}{\\partial z_j} = p_i(\\delta_{ij} - p_j)

    The chain rule through a softmax is then ``np.einsum("...ij,...i->...j", J,
    dL_dp)`` (``J`` is symmetric), e.g. to see what a second softmax does to a
    gradient (the pitfalls chapter).

    Parameters
    ----------
    probabilities : array_like, shape (..., K)
        Softmax outputs (rows that sum to one).

    Returns
    -------
    numpy.ndarray
        Shape ``(..., K, K)``.

    Examples
    --------
    >>> softmax_jacobian([[0.5, 0.5]])
    array([[[ 0.25, -0.25],
            [-0.25,  0.25]]])
    """
    from ._validation import as_float_array

    p = as_float_array(probabilities, "probabilities")
    check_probabilities(p, "probabilities")
    check_rows_sum_to_one(p, "probabilities")
    return p[..., :, None] * (np.eye(p.shape[-1]) - p[..., None, :])


def chain_through_softmax(gradient, probabilities) -> np.ndarray:
    """The chain rule through a softmax: a gradient in the probabilities, taken to the logits.

    .. math:: \\nabla_z L = J(p)^\\top \\nabla_p L = J(p)\\,\\nabla_p L

    (:math:`J` is symmetric, see :func:`softmax_jacobian`.)

    What an optimiser sees when a loss of the probabilities sits on a softmax layer
    (e.g. the pull of a loss on the true class's logit).

    Examples
    --------
    >>> chain_through_softmax([[-2.0, 0.0]], [[0.5, 0.5]])
    array([[-0.5,  0.5]])
    """
    from ._validation import as_float_array

    jacobian = softmax_jacobian(probabilities)
    g = as_float_array(gradient, "gradient")
    if g.shape != jacobian.shape[:-1]:
        raise ValueError(
            f"gradient must have the shape of probabilities, got {g.shape} and {jacobian.shape[:-1]}"
        )
    return np.einsum("...ij,...i->...j", jacobian, g)


# --------------------------------------------------------------------------- resolution


def get(identifier):
    """The gradient function for a loss name, Keras alias, class name or loss function.

    Names are resolved by :func:`lossguide.registry.get` (same aliases, same
    errors as :func:`lossguide.losses.get`), then mapped to the gradient of the
    same loss. A loss function of :mod:`lossguide.losses` gives its gradient;
    any other callable is returned unchanged, as in Keras.

    .. math:: \\text{name} \\mapsto \\partial L / \\partial \\hat y

    Examples
    --------
    >>> get("mse").__name__
    'mean_squared_error'
    >>> get(_losses.hinge) is hinge
    True
    """
    from . import registry

    if isinstance(identifier, str):
        return registry.get(identifier).gradient
    if callable(identifier):
        for spec in registry.SPECS.values():
            if spec.loss is identifier:
                return spec.gradient
        return identifier
    return registry.get(identifier)  # raises its TypeError
