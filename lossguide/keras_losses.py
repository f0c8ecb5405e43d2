"""Keras versions (``keras.ops``) of the lossguide losses that ``keras.losses.get`` cannot resolve.

:mod:`lossguide.losses` computes every loss in NumPy, to read and test it; a
model needs the loss as Keras operations that the backend can differentiate.
Keras 3.15 ships most of them. This module holds the others, each a plain
function ``(y_true, y_pred, **options)`` returning the per-sample loss (the
last axis reduced) with the semantics of its NumPy twin:

``pinball``
    the quantile loss (Keras has none);
``gaussian_nll``
    Gaussian negative log-likelihood with a predicted log-variance (Keras has none);
``beta_nll``
    the Gaussian NLL weighted per target by a stop-gradient of
    :math:`\\sigma^{2\\beta}` (β-NLL, Seitzer et al. 2022), a training objective
    whose gradient is not the gradient of its value (so it has no entry in
    :mod:`lossguide.registry` and no :mod:`lossguide.gradients` function);
``weighted_binary_crossentropy``
    binary cross-entropy from logits with ``pos_weight`` (TensorFlow has
    ``tf.nn.weighted_cross_entropy_with_logits``, Keras no loss function);
``categorical_generalized_cross_entropy``
    Keras 3.15 *defines* ``keras.losses.categorical_generalized_cross_entropy``
    but does not register it: ``keras.losses.get`` raises "Could not interpret
    loss identifier" for it and for its class name. :func:`get` returns Keras's
    own function behind a check of ``q`` and a squeeze of ``(n, 1)`` labels,
    which Keras's function silently broadcasts into an ``(n, n)`` grid.

A loss name is resolved for training with exactly this rule (the engine's)::

    loss = keras_losses.get(name) if name in keras_losses.NAMES else keras.losses.get(name)

and options are bound with ``functools.partial(loss, quantile=0.9)`` or with
:func:`bind`, which also gives the function a name Keras can print.

Importing this module does not import Keras or TensorFlow (every function
imports ``keras.ops`` when called), so :func:`lossguide.setup` still runs first.
Computations follow the dtype of ``y_pred``: float64 after ``lg.setup()``.
No constant is built in float32 (``math.log`` is a Python float, which the
backend casts to ``y_pred``'s dtype).

.. math:: \\text{name} \\mapsto (y, \\hat y) \\mapsto L(y, \\hat y) \\in \\mathbb{R}^{n}

Examples
--------
>>> import numpy as np
>>> from lossguide import keras_losses
>>> loss = keras_losses.bind("pinball", quantile=0.9)
>>> loss.__name__, np.asarray(loss(np.array([[1.0, 1.0]]), np.array([[0.0, 2.0]])))
('pinball', array([0.5]))
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import as_float_array, check_bool, check_greater_than, check_scalar

__all__ = [
    "NAMES",
    "beta_nll",
    "bind",
    "categorical_generalized_cross_entropy",
    "gaussian_nll",
    "get",
    "level_absolute_error",
    "pinball",
    "weighted_binary_crossentropy",
]

_HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)


def pinball(y_true, y_pred, *, quantile=0.5):
    """Pinball (quantile) loss per sample, as Keras operations (twin: :func:`lossguide.losses.pinball`).

    .. math:: L = \\frac{1}{d} \\sum_{j=1}^{d} \\max\\bigl((\\tau - 1) e_j,\\ \\tau e_j\\bigr),
              \\qquad e = y - \\hat y

    The two arguments of the maximum are in this order so that at a tie
    (:math:`e = 0`) TensorFlow's gradient is :math:`(1 - \\tau)/d`, the
    subgradient :func:`lossguide.gradients.pinball` returns.

    Examples
    --------
    >>> import numpy as np
    >>> np.asarray(pinball(np.array([[1.0, 1.0]]), np.array([[0.0, 2.0]]), quantile=0.9))
    array([0.5])
    """
    from keras import ops

    quantile = check_scalar(quantile, "quantile", low=0.0, high=1.0,
                            low_inclusive=False, high_inclusive=False)
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    error = y_true - y_pred
    return ops.mean(ops.maximum((quantile - 1.0) * error, quantile * error), axis=-1)


def _log_variances_and_standardized(y_true, y_pred):
    """The log-variances ``v`` and ``(y - mu) * exp(-v / 2)`` of a means-then-log-variances ``y_pred``.

    The checks and the layout shared by :func:`gaussian_nll` and :func:`beta_nll`.
    """
    from keras import ops

    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    columns = y_pred.shape[-1]
    if columns is None or columns % 2:
        raise ValueError(
            "y_pred must hold the d means and then the d log-variances on its last axis "
            f"(2 d columns), got y_pred of shape {tuple(y_pred.shape)}"
        )
    targets = columns // 2
    if len(y_true.shape) == len(y_pred.shape) - 1 and targets == 1:
        # (n,) targets with (n, 2) outputs: Keras's rank rule does not apply (the last
        # axis is 2, not 1), and (n,) - (n, 1) would broadcast into an (n, n) grid.
        y_true = ops.expand_dims(y_true, axis=-1)
    if y_true.shape[-1] is not None and y_true.shape[-1] != targets:
        raise ValueError(
            f"y_true must have {targets} columns for y_pred of shape {tuple(y_pred.shape)} "
            f"({targets} means and {targets} log-variances), got y_true of shape "
            f"{tuple(y_true.shape)}"
        )
    mean, log_variance = y_pred[..., :targets], y_pred[..., targets:]
    # (y - mu) / sigma as (y - mu) * exp(-v / 2): finite for any v > -1419, where
    # 1 / exp(v) divides by 0 below v = -745 and exp(-v) overflows below v = -709.
    return log_variance, (y_true - mean) * ops.exp(-0.5 * log_variance)


def gaussian_nll(y_true, y_pred, *, full=False):
    """Gaussian negative log-likelihood per sample, as Keras operations (twin: :func:`lossguide.losses.gaussian_nll`).

    ``y_pred`` holds the ``d`` means and then the ``d`` log-variances
    :math:`v = \\log \\sigma^2` on its last axis (``2 d`` units, linear
    activation); ``y_true`` has ``d`` columns (``(n,)`` is accepted for ``d = 1``).

    .. math:: L = \\frac{1}{d} \\sum_{j=1}^{d} \\tfrac12\\Bigl(v_j + \\bigl((y_j - \\mu_j)\\,
              e^{-v_j/2}\\bigr)^2\\Bigr) \\;\\bigl(+\\ \\tfrac12 \\log 2\\pi \\text{ if full}\\bigr)

    :math:`e^{-v/2}` multiplies the error, so the variance is never formed as
    ``exp(v)`` and divided by: no overflow or division by zero for large
    :math:`|v|`.

    Raises
    ------
    ValueError
        If ``y_pred``'s last axis is odd or unknown, or ``y_true`` does not have
        ``d`` columns.

    Examples
    --------
    >>> import numpy as np
    >>> np.asarray(gaussian_nll(np.array([[1.0]]), np.array([[0.0, 0.0]])))
    array([0.5])
    """
    from keras import ops

    full = check_bool(full, "full")
    log_variance, standardized = _log_variances_and_standardized(y_true, y_pred)
    value = 0.5 * (log_variance + ops.square(standardized))
    if full:
        value = value + _HALF_LOG_TWO_PI
    return ops.mean(value, axis=-1)


def beta_nll(y_true, y_pred, *, beta=0.5):
    """β-NLL per sample: the Gaussian NLL weighted by a stop-gradient of σ^(2β) (twin: :func:`lossguide.losses.beta_nll`).

    ``y_pred`` is laid out as for :func:`gaussian_nll` (the ``d`` means, then the
    ``d`` log-variances :math:`v`). Each target's NLL is multiplied by
    :math:`\\operatorname{sg}(e^{\\beta v_j})`, with :math:`\\operatorname{sg}` a
    stop-gradient (``keras.ops.stop_gradient``), as proposed by Seitzer et al.
    (2022, "On the pitfalls of heteroscedastic uncertainty estimation with
    probabilistic neural networks"):

    .. math:: L = \\frac{1}{d} \\sum_{j=1}^{d} \\operatorname{sg}\\bigl(e^{\\beta v_j}\\bigr)\\,
              \\tfrac12\\Bigl(v_j + \\bigl((y_j - \\mu_j)\\, e^{-v_j/2}\\bigr)^2\\Bigr)

    The gradient is the Gaussian NLL's times the weight: for the mean
    :math:`-(y_j - \\mu_j)\\, e^{(\\beta - 1) v_j} / d`, so β = 0 is the Gaussian
    NLL and β = 1 gives the mean MSE's gradient up to a factor ½. The value is
    not a log-likelihood; compare models by :func:`gaussian_nll`.

    Raises
    ------
    ValueError
        If ``beta`` is outside [0, 1], or the shapes are those
        :func:`gaussian_nll` rejects.

    Examples
    --------
    >>> import numpy as np
    >>> np.asarray(beta_nll(np.array([[1.0]]), np.array([[0.0, 0.0]]), beta=0.5))
    array([0.5])
    """
    from keras import ops

    beta = check_scalar(beta, "beta", low=0.0, high=1.0)
    log_variance, standardized = _log_variances_and_standardized(y_true, y_pred)
    nll = 0.5 * (log_variance + ops.square(standardized))
    weight = ops.stop_gradient(ops.exp(beta * log_variance))
    return ops.mean(weight * nll, axis=-1)


def _pos_weight(pos_weight, dtype):
    from keras import ops

    if np.ndim(pos_weight) == 0:
        value = pos_weight.item() if isinstance(pos_weight, np.ndarray) else pos_weight
        return check_scalar(value, "pos_weight", low=0.0)
    weight = as_float_array(pos_weight, "pos_weight")
    check_greater_than(weight, "pos_weight", 0.0, inclusive=True)
    return ops.convert_to_tensor(weight, dtype=dtype)


def weighted_binary_crossentropy(y_true, y_pred, *, pos_weight):
    """Binary cross-entropy from logits with positives weighted, as Keras operations.

    Twin: :func:`lossguide.losses.weighted_binary_crossentropy` (and
    ``tf.nn.weighted_cross_entropy_with_logits`` averaged over the last axis).
    ``y_pred`` holds **logits**: use a linear output unit.

    .. math:: L = -\\frac{1}{d} \\sum_{j=1}^{d}
              \\bigl(w\\, y_j \\log \\sigma(z_j) + (1 - y_j) \\log \\sigma(-z_j)\\bigr)

    Examples
    --------
    >>> import numpy as np
    >>> values = weighted_binary_crossentropy(np.array([[1.0, 0.0]]), np.array([[0.0, 0.0]]),
    ...                                       pos_weight=3.0)
    >>> np.asarray(values).round(6)
    array([1.386294])
    """
    from keras import ops

    logits = ops.convert_to_tensor(y_pred)
    weight = _pos_weight(pos_weight, logits.dtype)
    y_true = ops.cast(y_true, logits.dtype)
    # log_sigmoid(z) = log σ(z) and log_sigmoid(-z) = log(1 - σ(z)), finite for any logit.
    values = -(weight * y_true * ops.log_sigmoid(logits)
               + (1.0 - y_true) * ops.log_sigmoid(-logits))
    return ops.mean(values, axis=-1)


def categorical_generalized_cross_entropy(y_true, y_pred, *, q):
    """Keras 3.15's own ``keras.losses.categorical_generalized_cross_entropy``, made safe.

    Integer labels, probabilities ``y_pred`` (a softmax output); twin:
    :func:`lossguide.losses.categorical_generalized_cross_entropy`. Two changes
    before calling Keras's function:

    * ``q`` outside (0, 1) raises (Keras's function does not check it; its class does);
    * labels of shape ``(n, 1)`` are squeezed to ``(n,)``. Keras's function
      one-hot encodes them to ``(n, 1, K)``, which broadcasts against the
      ``(n, K)`` predictions into an ``(n, n)`` grid of losses: a wrong value,
      silently, from ``keras.losses.CategoricalGeneralizedCrossEntropy`` too
      (and ``model.evaluate`` with ``(n, 1)`` labels fails with "Cannot take the
      length of shape with unknown rank").

    .. math:: L = \\frac{1 - p_y^{\\,q}}{q}

    Examples
    --------
    >>> import numpy as np
    >>> values = categorical_generalized_cross_entropy(np.array([0, 1]),
    ...                                                np.array([[0.75, 0.25], [0.36, 0.64]]), q=0.5)
    >>> np.asarray(values).round(6)
    array([0.267949, 0.4     ])
    """
    import keras
    from keras import ops

    q = check_scalar(q, "q", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
    return keras.losses.categorical_generalized_cross_entropy(y_true, y_pred, q)


#: The loss names this module resolves (every other name: ``keras.losses.get``).
def level_absolute_error(y_true, y_pred, *, threshold=0.5):
    """Absolute error of the predicted ordinal level, per sample, as Keras operations.

    A metric, not a loss (it has no useful gradient), for ``K - 1`` cumulative
    outputs ``p_k`` answering "is the level above k?" and 0/1 targets
    ``[y > k]``: the predicted level counts the outputs above ``threshold``,
    the true level the 1s of the target row (twin:
    :func:`lossguide.metrics.level_absolute_error`).

    .. math:: L = \\Bigl|\\sum_k [p_k > t] - \\sum_k y_k\\Bigr|

    For compile: ``keras.metrics.MeanMetricWrapper(level_absolute_error, name="level_mae")``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])       # levels 2 and 0
    >>> p = np.array([[0.9, 0.2, 0.1], [0.7, 0.6, 0.4]])       # predicted 1 and 2
    >>> np.asarray(level_absolute_error(y, p)).tolist()
    [1.0, 2.0]
    """
    from keras import ops

    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    predicted = ops.sum(ops.cast(ops.greater(y_pred, threshold), y_pred.dtype), axis=-1)
    true = ops.sum(ops.cast(ops.greater(y_true, 0.5), y_pred.dtype), axis=-1)
    return ops.abs(predicted - true)


NAMES = (
    "pinball",
    "gaussian_nll",
    "weighted_binary_crossentropy",
    "categorical_generalized_cross_entropy",
    "beta_nll",
)

_FUNCTIONS = {
    "pinball": pinball,
    "gaussian_nll": gaussian_nll,
    "weighted_binary_crossentropy": weighted_binary_crossentropy,
    "categorical_generalized_cross_entropy": categorical_generalized_cross_entropy,
    "beta_nll": beta_nll,
}


def get(name):
    """The Keras-operations loss function for a name in :data:`NAMES`.

    .. math:: \\text{name} \\mapsto L

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        For a name not in :data:`NAMES` (Keras's own losses come from
        ``keras.losses.get``).

    Examples
    --------
    >>> get("gaussian_nll").__name__
    'gaussian_nll'
    >>> get("mse")
    Traceback (most recent call last):
    ...
    ValueError: 'mse' is not one of lossguide.keras_losses.NAMES (pinball, gaussian_nll, weighted_binary_crossentropy, categorical_generalized_cross_entropy, beta_nll); resolve Keras's own losses with keras.losses.get
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a loss name (a str), got {type(name).__name__} {name!r}")
    if name not in _FUNCTIONS:
        raise ValueError(
            f"{name!r} is not one of lossguide.keras_losses.NAMES ({', '.join(NAMES)}); "
            "resolve Keras's own losses with keras.losses.get"
        )
    return _FUNCTIONS[name]


def bind(name, **options):
    """A Keras loss function for ``name`` with ``options`` fixed, named ``name``.

    ``name`` is resolved by the rule of this module (:func:`get` for
    :data:`NAMES`, ``keras.losses.get`` otherwise). The result can be passed
    to ``model.compile(loss=...)``; Keras then reports it under ``name``
    (a ``functools.partial`` would be reported as "partial"). It is a closure,
    so a model saved with it needs ``custom_objects`` to load.

    .. math:: L_{\\text{options}}(y, \\hat y) = L(y, \\hat y; \\text{options})

    Examples
    --------
    >>> bind("gaussian_nll", full=True).__name__
    'gaussian_nll'
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a loss name (a str), got {type(name).__name__} {name!r}")
    if name in _FUNCTIONS:
        function = _FUNCTIONS[name]
    else:
        import keras

        function = keras.losses.get(name)

    def loss(y_true, y_pred):
        return function(y_true, y_pred, **options)

    loss.__name__ = loss.__qualname__ = name
    loss.__doc__ = f"{name} with {options!r} (lossguide.keras_losses.bind)"
    return loss
