"""What counts as a correct prediction, decided in one place: NumPy scorers and Keras metrics.

A classifier's outputs become classes by one of four rules.  Which one applies is
fixed by how the targets are encoded and whether the output is a probability or
a logit (:func:`decision_rule`):

=============  ====================  ===============================  ======================
rule           targets               output                           predicted class
=============  ====================  ===============================  ======================
``threshold``  {0, 1}                sigmoid probability :math:`p`    1 if :math:`p > 0.5`
``logit``      {0, 1}                logit :math:`z` (linear output)  1 if :math:`z > 0`
``sign``       {-1, 1}               tanh or any margin :math:`v`     1 if :math:`v > 0`, else -1
``argmax``     integers or one-hot   C scores (softmax or logits)     index of the largest
=============  ====================  ===============================  ======================

``threshold`` and ``logit`` are the same rule on two scales
(:math:`\\sigma(z) > 0.5 \\iff z > 0`); using the wrong one is a classic bug
(Keras's ``'accuracy'`` on a logit output thresholds the logit at 0.5, i.e.
:math:`p > 0.62`).  Comparisons are strict, as in Keras, so an output of exactly
0.5 (or 0) counts as the negative class; ``argmax`` ties go to the lowest index.

NumPy scorers
    :func:`predict_classes` applies a rule; :func:`accuracy` scores by rule;
    :func:`binary_accuracy`, :func:`categorical_accuracy`,
    :func:`sparse_categorical_accuracy`, :func:`mean_squared_error`,
    :func:`mean_absolute_error` and :func:`mean_squared_logarithmic_error` are
    twins of the Keras metrics of those names.  Like :mod:`lossguide.losses`
    they return one value per sample (the mean over the last axis where Keras
    scores element-wise); the caller reduces, e.g. ``.mean()``.
Keras metrics
    :func:`sign_accuracy` and :func:`logit_accuracy` for ``model.compile(metrics=...)``,
    and :func:`keras_accuracy`, the Keras function for a rule, which the
    multi-seed engine also evaluates in its TensorFlow graph.  TensorFlow and
    Keras are imported only when one of them is called.
Calibration: do the probabilities mean what they say?
    :func:`reliability_curve` (accuracy against confidence in equal-width bins
    :math:`(\\tfrac{b-1}{B}, \\tfrac{b}{B}]`), :func:`expected_calibration_error`
    (Guo et al. 2017, ``guo2017calibration`` in ``references.bib``),
    :func:`brier_score` and :func:`negative_log_likelihood` (the two strictly
    proper scoring rules the book trains with), and temperature scaling:
    :func:`fit_temperature` (on a validation split) and :func:`temperature_scale`.
    They take rows of class probabilities ``(n, K)``, or a binary problem as one
    column :math:`p = P(y = 1)`, whose predicted class is 1 when :math:`p \\ge 0.5`
    (the scikit-learn convention; it differs from ``threshold`` only at exactly 0.5).
Imbalance and multi-label scorers
    Checked wrappers of scikit-learn (nothing re-implemented):
    :func:`average_precision`, :func:`roc_auc`, :func:`f1_at_threshold`,
    :func:`recall_at_threshold`, :func:`best_threshold` (choose it on validation
    data), :func:`binary_report` (all of them for several models at once, the
    threshold chosen on validation rows), :func:`balanced_accuracy`, :func:`per_class_recall`,
    :func:`subset_accuracy` (whose notes show why element-wise accuracy is
    inflated for rare labels).  A score equal to a threshold is positive
    (``s >= t``), as in scikit-learn's curves.  scikit-learn, SciPy's optimiser
    and pandas are imported when a function needs them.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import warnings

import numpy as np
from scipy.special import expit, log_expit, log_softmax, softmax

from . import losses
from ._validation import as_float_array, check_pair, check_scalar, check_sparse_labels

__all__ = [
    "RULES",
    "ReliabilityCurve",
    "TemperatureFit",
    "accuracy",
    "average_precision",
    "balanced_accuracy",
    "best_threshold",
    "binary_accuracy",
    "binary_report",
    "brier_score",
    "categorical_accuracy",
    "decision_rule",
    "expected_calibration_error",
    "f1_at_threshold",
    "fit_temperature",
    "keras_accuracy",
    "logit_accuracy",
    "mean_absolute_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "negative_log_likelihood",
    "per_class_recall",
    "predict_classes",
    "recall_at_threshold",
    "reliability_curve",
    "roc_auc",
    "rounded_accuracy",
    "sign_accuracy",
    "sparse_categorical_accuracy",
    "subset_accuracy",
    "level_absolute_error",
    "temperature_scale",
]

#: The decision rules, see the module docstring.
RULES = ("threshold", "logit", "sign", "argmax")

# The target encodings of lossguide.datasets that are classes, and the rule for each.
_CLASS_TARGETS = ("01", "pm1", "int", "onehot")
_REGRESSION_TARGETS = ("real", "positive")

# Regression scorers are the losses themselves: one formula, one clipping constant.
mean_squared_error = losses.mean_squared_error
mean_absolute_error = losses.mean_absolute_error


def _check_rule(rule):
    if not isinstance(rule, str) or rule not in RULES:
        raise ValueError(f"rule must be one of {list(RULES)}, got {rule!r}")


def _index(position, shape):
    return tuple(int(i) for i in np.unravel_index(position, shape))


def _check_labels(truth, allowed, rule):
    good = np.isin(truth, allowed)
    if not good.all():
        position = int(np.argmin(good.ravel()))
        labels = "{" + ", ".join(str(int(v)) for v in allowed) + "}"
        raise ValueError(
            f"y_true must hold labels in {labels} for rule {rule!r}, got "
            f"{truth.ravel()[position]:.6g} at index {_index(position, truth.shape)}"
        )


def _check_columns(prediction, what):
    if prediction.ndim < 1 or prediction.shape[-1] < 2:
        raise ValueError(
            f"{what} needs at least 2 classes (columns) on the last axis of y_pred, got shape "
            f"{prediction.shape}; for one output column use rule 'threshold', 'logit' or 'sign'"
        )


def decision_rule(targets: str, *, from_logits: bool = False) -> str:
    """The decision rule for a target encoding of :mod:`lossguide.datasets`.

    .. math::

        \\begin{aligned}
        \\texttt{01} &\\mapsto \\text{threshold } (p > 0.5) \\text{ or logit } (z > 0),\\\\
        \\texttt{pm1} &\\mapsto \\text{sign},\\\\
        \\texttt{int}, \\texttt{onehot} &\\mapsto \\text{argmax}
        \\end{aligned}

    Parameters
    ----------
    targets : {"01", "pm1", "int", "onehot"}
        The encoding (``Split.targets``).
    from_logits : bool, default False
        Whether a {0, 1} model outputs logits (a linear last layer, trained with
        ``from_logits=True``) rather than sigmoid probabilities.

    Returns
    -------
    str
        One of :data:`RULES`.

    Raises
    ------
    ValueError
        For a regression encoding (``"real"``, ``"positive"``: no classes) or an
        unknown one.

    Examples
    --------
    >>> decision_rule("01"), decision_rule("01", from_logits=True), decision_rule("pm1")
    ('threshold', 'logit', 'sign')
    >>> decision_rule("onehot")
    'argmax'
    """
    if not isinstance(from_logits, bool):
        raise TypeError(f"from_logits must be True or False, got {type(from_logits).__name__}: "
                        f"{from_logits!r}")
    if targets in _REGRESSION_TARGETS:
        raise ValueError(f"targets {targets!r} are a regression target: there are no classes "
                         "to decide between")
    if not isinstance(targets, str) or targets not in _CLASS_TARGETS:
        raise ValueError(f"targets must be one of {list(_CLASS_TARGETS)}, got {targets!r}")
    if targets == "01":
        return "logit" if from_logits else "threshold"
    return "sign" if targets == "pm1" else "argmax"


def predict_classes(y_pred, rule: str) -> np.ndarray:
    """Predicted classes from model outputs, in the targets' own encoding.

    .. math::

        \\begin{aligned}
        &\\text{threshold: } [p > 0.5] \\qquad &&\\text{logit: } [z > 0]\\\\
        &\\text{sign: } 2[v > 0] - 1 \\qquad &&\\text{argmax: } \\arg\\max_c \\hat y_c
        \\end{aligned}

    Parameters
    ----------
    y_pred : array_like
        Outputs, shape ``(..., outputs)``.  The binary rules work element-wise
        and drop a last axis of length 1; ``argmax`` reduces the last axis,
        which must have at least two columns.
    rule : {"threshold", "logit", "sign", "argmax"}

    Returns
    -------
    numpy.ndarray
        int64: {0, 1} for ``threshold`` and ``logit``, {-1, 1} for ``sign``,
        class indices for ``argmax``.  Shape ``(...)``.

    Raises
    ------
    ValueError
        For an unknown rule, NaN or inf outputs, ``threshold`` outputs outside
        [0, 1] (logits need ``rule="logit"``) or ``argmax`` on one column.

    Examples
    --------
    >>> predict_classes([[0.2], [0.7]], "threshold")
    array([0, 1])
    >>> predict_classes([[-0.3], [0.1]], "sign")
    array([-1,  1])
    >>> predict_classes([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]], "argmax")
    array([1, 0])
    >>> predict_classes([[2.5]], "threshold")
    Traceback (most recent call last):
    ...
    ValueError: y_pred must be probabilities in [0, 1] for rule 'threshold', got 2.5 at index (0, 0); for logits use rule='logit'
    """
    _check_rule(rule)
    prediction = as_float_array(y_pred, "y_pred")
    if rule == "argmax":
        _check_columns(prediction, "rule 'argmax'")
        return prediction.argmax(axis=-1)
    if rule == "threshold":
        outside = (prediction < 0) | (prediction > 1)
        if outside.any():
            position = int(np.argmax(outside.ravel()))
            raise ValueError(
                f"y_pred must be probabilities in [0, 1] for rule 'threshold', got "
                f"{prediction.ravel()[position]:.6g} at index {_index(position, prediction.shape)}; "
                "for logits use rule='logit'"
            )
    if prediction.ndim > 1 and prediction.shape[-1] == 1:
        prediction = prediction[..., 0]
    if rule == "threshold":
        return (prediction > 0.5).astype(np.int64)
    if rule == "logit":
        return (prediction > 0).astype(np.int64)
    return np.where(prediction > 0, 1, -1).astype(np.int64)


def accuracy(y_true, y_pred, *, rule: str) -> np.ndarray:
    """Per-sample accuracy by a decision rule: 1 where the predicted class is the true one.

    .. math::

        \\begin{aligned}
        a_i &= \\frac{1}{d}\\sum_{j=1}^{d} [c(\\hat y_{ij}) = y_{ij}]
        \\quad\\text{(binary rules)},\\\\
        a_i &= [\\arg\\max_c \\hat y_{ic} = y_i] \\quad\\text{(argmax)}
        \\end{aligned}

    with :math:`c` the rule of :func:`predict_classes`.  Unlike
    ``keras.metrics.accuracy`` (exact equality of values), the outputs are first
    turned into classes.

    Parameters
    ----------
    y_true : array_like
        Labels in the rule's encoding: {0, 1} for ``threshold`` / ``logit``,
        {-1, 1} for ``sign``; for ``argmax`` integer labels ``(n,)`` or one-hot
        rows of the same shape as ``y_pred``.
    y_pred : array_like
        Outputs, ``(n, outputs)``; ``(n,)`` labels against ``(n, 1)`` outputs are
        aligned as in Keras.
    rule : {"threshold", "logit", "sign", "argmax"}

    Returns
    -------
    numpy.ndarray
        float64 zeros and ones (means over the last axis for several binary
        outputs), one per sample; ``.mean()`` is the accuracy.

    Raises
    ------
    ValueError
        For labels outside the rule's encoding (e.g. {-1, 1} labels with
        ``threshold``, the trap behind Keras 3's hinge accuracies), mismatched
        shapes, NaN or inf.

    Examples
    --------
    >>> accuracy([1, 0, 1], [[0.8], [0.4], [0.3]], rule="threshold")
    array([1., 1., 0.])
    >>> accuracy([1, -1], [[0.2], [-0.9]], rule="sign").mean()
    np.float64(1.0)
    >>> accuracy([2, 0], [[0.1, 0.2, 0.7], [0.3, 0.6, 0.1]], rule="argmax")
    array([1., 0.])
    """
    _check_rule(rule)
    if rule == "argmax":
        truth = as_float_array(y_true, "y_true")
        prediction = as_float_array(y_pred, "y_pred")
        if truth.shape == prediction.shape:
            return categorical_accuracy(truth, prediction)
        return sparse_categorical_accuracy(truth, prediction)
    truth, prediction = check_pair(y_true, y_pred)
    _check_labels(truth, (-1.0, 1.0) if rule == "sign" else (0.0, 1.0), rule)
    predicted = predict_classes(prediction, rule)
    if predicted.ndim < prediction.ndim:  # the rule dropped a last axis of length 1
        predicted = predicted[..., np.newaxis]
    return np.asarray(np.mean(predicted == truth, axis=-1), dtype=np.float64)


def binary_accuracy(y_true, y_pred, *, threshold: float = 0.5) -> np.ndarray:
    """Keras's binary accuracy per sample: ``y_pred > threshold`` compared with ``y_true``.

    .. math:: a_i = \\frac{1}{d}\\sum_{j=1}^{d} \\big[[\\hat y_{ij} > t] = y_{ij}\\big]

    Computed as ``keras.metrics.binary_accuracy`` computes it, element-wise,
    then averaged over the last axis (Keras 3's function returns the element-wise
    hits, which ``BinaryAccuracy`` averages over everything: the same mean when
    rows have equal width).  The labels are *not* checked, on purpose: with
    {-1, 1} labels every -1 counts as wrong, exactly as in Keras, which is the
    trap the book measures.  For a decision by the right rule use :func:`accuracy`.

    Parameters
    ----------
    y_true, y_pred : array_like, same shape ``(..., d)``
        ``(n,)`` against ``(n, 1)`` is aligned as in Keras.
    threshold : float, default 0.5
        0.5 for probabilities; 0 for logits (see :func:`logit_accuracy`).

    Returns
    -------
    numpy.ndarray
        float64, shape ``(...)``.

    Examples
    --------
    >>> binary_accuracy([1, 1, 0, 0], [[0.98], [1.0], [0.0], [0.6]])
    array([1., 1., 1., 0.])
    >>> binary_accuracy([[-1.0], [1.0]], [[-0.9], [0.9]])   # the {-1, 1} trap
    array([0., 1.])
    """
    threshold = check_scalar(threshold, "threshold")
    truth, prediction = check_pair(y_true, y_pred)
    hits = (prediction > threshold).astype(np.float64) == truth
    return np.asarray(np.mean(hits, axis=-1), dtype=np.float64)


def rounded_accuracy(y_true, y_pred) -> np.ndarray:
    """Standalone Keras (<= 2.3)'s ``binary_accuracy``: the *rounded* output must equal the label.

    .. math:: a_i = \\frac{1}{d}\\sum_{j=1}^{d} \\big[\\operatorname{round}(\\hat y_{ij}) = y_{ij}\\big]

    ``K.round`` rounds half to even, as ``numpy.round`` does. With {-1, 1}
    labels and a tanh output, rounding sends outputs in (-1.5, -0.5) to -1, so
    correct negative predictions can count (which Keras 3's threshold at 0.5
    never does) — but outputs with ``|y_pred| < 0.5`` round to 0 and match no
    label. This is why old tutorials' hinge accuracies looked sane but low.

    Examples
    --------
    >>> rounded_accuracy([[-1.0], [1.0], [-1.0]], [[-0.9], [0.7], [-0.2]])
    array([1., 1., 0.])
    """
    truth, prediction = check_pair(y_true, y_pred)
    return np.asarray(np.mean(np.round(prediction) == truth, axis=-1), dtype=np.float64)


def categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """Keras's categorical accuracy per sample: argmax of the output equals argmax of the one-hot target.

    .. math:: a_i = [\\arg\\max_c \\hat y_{ic} = \\arg\\max_c y_{ic}]

    Parameters
    ----------
    y_true : array_like, shape ``(n, C)``
        One-hot rows (any rows: as in Keras, only their argmax is used).
    y_pred : array_like, shape ``(n, C)``, C >= 2
        Probabilities or logits: the argmax is the same.

    Returns
    -------
    numpy.ndarray
        float64 zeros and ones, shape ``(n,)``.

    Examples
    --------
    >>> categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    array([0., 1.])
    """
    truth, prediction = check_pair(y_true, y_pred)
    _check_columns(prediction, "categorical_accuracy")
    return (truth.argmax(axis=-1) == prediction.argmax(axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """Keras's sparse categorical accuracy per sample: argmax of the output equals the integer label.

    .. math:: a_i = [\\arg\\max_c \\hat y_{ic} = y_i]

    Parameters
    ----------
    y_true : array_like, shape ``(n,)`` or ``(n, 1)``
        Class indices in ``[0, C)`` (whole-number floats are accepted, as in Keras).
    y_pred : array_like, shape ``(n, C)``, C >= 2

    Returns
    -------
    numpy.ndarray
        float64 zeros and ones, shape ``(n,)``.

    Raises
    ------
    ValueError
        If a label is not a whole number in ``[0, C)`` (Keras would count it as
        wrong without a word) or the shapes do not fit.

    Examples
    --------
    >>> sparse_categorical_accuracy([2, 1], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    array([0., 1.])
    """
    truth = as_float_array(y_true, "y_true")
    prediction = as_float_array(y_pred, "y_pred")
    _check_columns(prediction, "sparse_categorical_accuracy")
    if truth.ndim == prediction.ndim and truth.shape[-1] == 1:
        truth = truth[..., 0]
    if truth.shape != prediction.shape[:-1]:
        raise ValueError(
            f"y_true must hold one class index per row of y_pred, shape {prediction.shape[:-1]}, "
            f"got y_true {truth.shape} and y_pred {prediction.shape}"
        )
    labels = check_sparse_labels(truth, prediction.shape[-1])
    return (prediction.argmax(axis=-1) == labels).astype(np.float64)


def mean_squared_logarithmic_error(y_true, y_pred) -> np.ndarray:
    """Keras's MSLE metric per sample: :func:`lossguide.losses.mean_squared_logarithmic_error` on floored predictions.

    .. math:: \\begin{aligned}
              m_i &= \\frac{1}{d}\\sum_{j=1}^{d}
              \\bigl(\\log(1 + \\max(\\hat y_{ij}, \\epsilon)) - \\log(1 + \\max(y_{ij}, \\epsilon))\\bigr)^2,\\\\
              \\epsilon &= \\texttt{losses.EPSILON}
              \\end{aligned}

    The same clipping as the loss, with one difference: the loss rejects
    ``y_pred <= -1`` (training on it is a mistake), while a metric must score
    any model, so here such predictions are floored at ``EPSILON`` first, as
    Keras does.  Flooring twice changes nothing, so every other value is the
    loss's own.

    Examples
    --------
    >>> mean_squared_logarithmic_error([[0.0]], [[-3.0]])   # floored, as in Keras
    array([0.])
    >>> mean_squared_logarithmic_error([[0.0], [1.0]], [[np.e - 1], [1.0]]).round(6)
    array([1., 0.])
    """
    prediction = as_float_array(y_pred, "y_pred")
    return losses.mean_squared_logarithmic_error(y_true, np.maximum(prediction, losses.EPSILON))


# --------------------------------------------------------------------------- Keras metrics


def sign_accuracy(y_true, y_pred):
    """Keras metric for {-1, 1} targets: fraction of samples whose sign is right.

    .. math::

        \\text{acc} = \\frac{1}{n}\\sum_i [\\operatorname{sign}^*(\\hat y_i) = y_i],
        \\qquad \\operatorname{sign}^*(v) = 1 \\text{ if } v > 0 \\text{ else } -1

    Use it instead of ``'accuracy'`` with hinge losses:
    ``model.compile(loss="hinge", metrics=[lg.metrics.sign_accuracy])``.  Keras 3
    resolves ``'accuracy'`` to ``binary_accuracy`` (threshold 0.5 against
    {0, 1}), which counts every correct -1 as an error.  Written with
    ``keras.ops``, so it takes and returns backend tensors (NumPy arrays are
    converted); the NumPy twin is ``accuracy(y_true, y_pred, rule="sign")``.

    Examples
    --------
    >>> import numpy as np
    >>> float(np.mean(sign_accuracy(np.array([[-1.0], [1.0]]), np.array([[-0.9], [0.2]]))))
    1.0
    """
    from keras import ops

    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    if len(y_true.shape) == len(y_pred.shape) - 1:
        y_true = ops.expand_dims(y_true, -1)
    predicted = ops.where(ops.greater(y_pred, 0), 1.0, -1.0)
    return ops.mean(ops.cast(ops.equal(predicted, y_true), y_pred.dtype), axis=-1)


def logit_accuracy(y_true, y_pred):
    """Keras metric for {0, 1} targets and a logit output: correct when ``(z > 0) == y``.

    .. math:: \\text{acc} = \\frac{1}{n}\\sum_i [[z_i > 0] = y_i]
              = \\frac{1}{n}\\sum_i [[\\sigma(z_i) > 0.5] = y_i]

    ``keras.metrics.binary_accuracy`` with ``threshold=0``, averaged per sample:
    the same numbers as ``keras.metrics.BinaryAccuracy(threshold=0)``.  Use it
    for a linear last layer trained with ``from_logits=True``; ``'accuracy'``
    there thresholds the logit at 0.5, i.e. :math:`p > \\sigma(0.5) = 0.62`.
    The NumPy twin is ``accuracy(y_true, y_pred, rule="logit")``.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(np.mean(logit_accuracy(np.array([1.0, 1.0, 0.0]), np.array([[0.3], [0.3], [0.3]])))), 4)
    0.6667
    """
    import keras
    from keras import ops

    return ops.mean(keras.metrics.binary_accuracy(y_true, y_pred, threshold=0.0), axis=-1)


def _binary_accuracy_per_sample(y_true, y_pred):
    import keras
    from keras import ops

    return ops.mean(keras.metrics.binary_accuracy(y_true, y_pred), axis=-1)


# Keras names its history entries after the function.
_binary_accuracy_per_sample.__name__ = "binary_accuracy"


def keras_accuracy(rule: str, *, sparse: bool = False):
    """The Keras metric function that scores by ``rule``: for ``compile`` and the engine's graph.

    .. math:: a_i = [c(\\hat y_i) = y_i], \\quad c \\text{ the rule of } :func:`predict_classes`

    ``threshold``: ``keras.metrics.binary_accuracy`` (threshold 0.5),
    ``logit``: :func:`logit_accuracy`, ``sign``: :func:`sign_accuracy`,
    ``argmax``: ``keras.metrics.categorical_accuracy`` or, with ``sparse=True``,
    ``sparse_categorical_accuracy``.  Each returns one value per sample (the
    binary ones average over output columns), so the mean over a batch is the
    batch's accuracy.  Called inside a ``tf.function`` they are TensorFlow ops,
    which is how the multi-seed engine counts the same hits as ``fit``.

    Parameters
    ----------
    rule : {"threshold", "logit", "sign", "argmax"}
    sparse : bool, default False
        For ``argmax``: integer labels rather than one-hot rows.

    Returns
    -------
    callable
        ``metric(y_true, y_pred)`` on backend tensors.

    Examples
    --------
    >>> keras_accuracy("sign") is sign_accuracy, keras_accuracy("argmax", sparse=True).__name__
    (True, 'sparse_categorical_accuracy')
    """
    _check_rule(rule)
    if not isinstance(sparse, bool):
        raise TypeError(f"sparse must be True or False, got {type(sparse).__name__}: {sparse!r}")
    if sparse and rule != "argmax":
        raise ValueError(f"sparse=True applies to rule 'argmax' only, got rule {rule!r}")
    if rule == "sign":
        return sign_accuracy
    if rule == "logit":
        return logit_accuracy
    if rule == "threshold":
        return _binary_accuracy_per_sample
    import keras

    return keras.metrics.sparse_categorical_accuracy if sparse else keras.metrics.categorical_accuracy


# --------------------------------------------------------------------------- calibration
#
# Guo, Pleiss, Sun & Weinberger (2017), "On Calibration of Modern Neural Networks"
# (guo2017calibration in references.bib): reliability diagrams, ECE, temperature scaling.

# Rows of class probabilities may be off by float32 rounding (~1e-7 for a softmax), not more.
_ROW_SUM_TOLERANCE = 1e-5
_VIEWS = ("top_class", "positive")


def _check_n_bins(n_bins) -> int:
    if isinstance(n_bins, (bool, np.bool_)) or not isinstance(n_bins, numbers.Integral):
        raise TypeError(f"n_bins must be an integer >= 1, got {type(n_bins).__name__} {n_bins!r}")
    if n_bins < 1:
        raise ValueError(f"n_bins must be an integer >= 1, got {int(n_bins)}")
    return int(n_bins)


def _check_in_unit_interval(values: np.ndarray, name: str) -> None:
    outside = (values < 0) | (values > 1)
    if outside.any():
        position = int(np.argmax(outside.ravel()))
        raise ValueError(
            f"{name} must hold probabilities in [0, 1], got {values.ravel()[position]:.6g} at "
            f"index {_index(position, values.shape)}"
        )


def _check_zero_one(truth: np.ndarray, context: str) -> None:
    good = (truth == 0) | (truth == 1)
    if not good.all():
        position = int(np.argmin(good.ravel()))
        raise ValueError(
            f"y_true must hold labels in {{0, 1}} {context}, got {truth.ravel()[position]:.6g} at "
            f"index {_index(position, truth.shape)}"
        )


def _labels_for(y_true, scores: np.ndarray, binary: bool, pred_name: str, pred_shape) -> np.ndarray:
    """Integer labels ``(n,)`` for ``scores`` (``(n,)`` binary, or ``(n, K)``), checked."""
    truth = as_float_array(y_true, "y_true")
    n = scores.shape[0]
    if binary:
        if truth.ndim == 2 and truth.shape[1] == 1:
            truth = truth[:, 0]
        if truth.shape != (n,):
            raise ValueError(
                f"y_true must hold one {{0, 1}} label per row of {pred_name}: got y_true "
                f"{np.shape(y_true)} and {pred_name} {tuple(pred_shape)}"
            )
        _check_zero_one(truth, f"for one {pred_name} column")
        return truth.astype(np.int64)
    n_classes = scores.shape[1]
    if truth.shape == scores.shape:
        good = ((truth == 0) | (truth == 1)).all(axis=1) & (truth.sum(axis=1) == 1)
        if not good.all():
            row = int(np.argmin(good))
            raise ValueError(
                f"y_true of shape {truth.shape} must be one-hot rows (one 1, zeros elsewhere); "
                f"row {row} is {truth[row].tolist()}"
            )
        return truth.argmax(axis=1)
    if truth.ndim == 2 and truth.shape[1] == 1:
        truth = truth[:, 0]
    if truth.shape != (n,):
        raise ValueError(
            f"y_true must be integer labels of shape ({n},) or one-hot rows of the shape of "
            f"{pred_name}: got y_true {np.shape(y_true)} and {pred_name} {scores.shape}"
        )
    return check_sparse_labels(truth, n_classes)


def _probability_inputs(y_true, y_prob):
    """``(labels, probabilities, binary)``: one column becomes ``(n,)``, rows are checked."""
    prob = as_float_array(y_prob, "y_prob")
    given = prob.shape
    if prob.ndim > 2:
        raise ValueError(f"y_prob must have shape (n,), (n, 1) or (n, K), got {prob.shape}")
    _check_in_unit_interval(prob, "y_prob")
    binary = prob.ndim == 1 or prob.shape[1] == 1
    if binary:
        prob = prob.reshape(-1)
    else:
        sums = prob.sum(axis=1)
        bad = np.abs(sums - 1.0) > _ROW_SUM_TOLERANCE
        if bad.any():
            row = int(np.argmax(bad))
            raise ValueError(
                f"rows of y_prob must sum to 1 (one probability per class), within "
                f"{_ROW_SUM_TOLERANCE:g}; row {row} sums to {sums[row]:.6g}. Multi-label "
                "outputs (independent sigmoids) are scored one label column at a time"
            )
    return _labels_for(y_true, prob, binary, "y_prob", given), prob, binary


def _top_class(labels, prob, binary):
    """Confidence of the predicted class and whether it is right, per sample."""
    if binary:
        # One column p = P(class 1): predict 1 when p >= 0.5, with confidence max(p, 1 - p).
        predicted = (prob >= 0.5).astype(np.int64)
        confidence = np.maximum(prob, 1.0 - prob)
    else:
        predicted = prob.argmax(axis=1)  # ties go to the lowest index, as everywhere here
        confidence = prob.max(axis=1)
    return confidence, (predicted == labels).astype(np.float64)


def _freeze(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


@dataclasses.dataclass(frozen=True, eq=False)
class ReliabilityCurve:
    """Per-bin confidence, accuracy and count of a reliability curve (read-only arrays).

    Bin :math:`b` is the interval :math:`(\\ell_b, h_b]` = ``(edges[b], edges[b + 1]]``
    (the first bin also holds a value of exactly 0).  Empty bins have
    ``count == 0`` and NaN ``confidence`` and ``accuracy``: there is nothing to
    average, and NaN keeps them out of a plot; ``ece`` skips them.

    Attributes
    ----------
    edges : numpy.ndarray, shape ``(n_bins + 1,)``
        ``0, 1/B, ..., 1``.
    confidence : numpy.ndarray, shape ``(n_bins,)``
        Mean confidence in the bin (``view="top_class"``: the probability of the
        predicted class; ``view="positive"``: the mean predicted probability of
        class 1, scikit-learn's ``prob_pred``).
    accuracy : numpy.ndarray, shape ``(n_bins,)``
        Fraction correct in the bin (``view="positive"``: the fraction of
        positives, scikit-learn's ``prob_true``).
    count : numpy.ndarray of int64, shape ``(n_bins,)``
        Samples in the bin.
    view : {"top_class", "positive"}

    Examples
    --------
    >>> curve = reliability_curve([0, 1, 1], [[0.9, 0.1], [0.3, 0.7], [0.6, 0.4]], n_bins=2)
    >>> curve.to_frame()
       low  high  count  confidence  accuracy
    0  0.0   0.5      0         NaN       NaN
    1  0.5   1.0      3    0.733333  0.666667
    >>> round(curve.ece, 4), curve.n
    (0.0667, 3)
    """

    edges: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    count: np.ndarray
    view: str

    @property
    def n(self) -> int:
        """The number of samples, :math:`\\sum_b n_b`."""
        return int(self.count.sum())

    @property
    def ece(self) -> float:
        """:math:`\\sum_{b:\\,n_b > 0} \\frac{n_b}{n}\\,|\\mathrm{acc}_b - \\mathrm{conf}_b|` over the bins."""
        filled = self.count > 0
        share = self.count[filled] / self.count.sum()
        return float(np.sum(share * np.abs(self.accuracy[filled] - self.confidence[filled])))

    def to_frame(self):
        """The curve as a pandas DataFrame: ``low, high, count, confidence, accuracy``, one row per bin."""
        import pandas as pd

        return pd.DataFrame({
            "low": self.edges[:-1], "high": self.edges[1:], "count": self.count,
            "confidence": self.confidence, "accuracy": self.accuracy,
        })


def reliability_curve(y_true, y_prob, *, n_bins: int = 15, view: str = "top_class") -> ReliabilityCurve:
    """Accuracy against confidence in equal-width bins: the data of a reliability diagram.

    .. math::

        \\begin{aligned}
        B_b &= \\{i : c_i \\in (\\tfrac{b-1}{B}, \\tfrac{b}{B}]\\},\\\\
        \\mathrm{conf}_b &= \\frac{1}{|B_b|}\\sum_{i \\in B_b} c_i,\\\\
        \\mathrm{acc}_b &= \\frac{1}{|B_b|}\\sum_{i \\in B_b} [\\hat y_i = y_i]
        \\end{aligned}

    with :math:`c_i = \\max_k p_{ik}` the top-class confidence and
    :math:`\\hat y_i = \\arg\\max_k p_{ik}` (Guo et al. 2017, ``guo2017calibration``).
    A perfectly calibrated model has :math:`\\mathrm{acc}_b = \\mathrm{conf}_b`.

    Parameters
    ----------
    y_true : array_like
        Integer labels ``(n,)`` (or ``(n, 1)``), or one-hot rows ``(n, K)``; for one
        probability column, labels in {0, 1}.
    y_prob : array_like
        Rows of class probabilities ``(n, K)``, each summing to 1 (within 1e-5);
        or a binary problem as one column ``(n, 1)`` / a vector ``(n,)`` of
        :math:`p_i = P(y_i = 1)`, whose predicted class is 1 when
        :math:`p_i \\ge 0.5` and whose confidence is :math:`\\max(p_i, 1 - p_i)`.
    n_bins : int, default 15
        :math:`B`, the number of equal-width bins on [0, 1] (Guo et al. use 15).
    view : {"top_class", "positive"}, default "top_class"
        ``"positive"`` (one probability column only) is scikit-learn's
        ``calibration_curve``: :math:`c_i = p_i` itself and "accuracy" the
        fraction of positives, :math:`\\frac{1}{|B_b|}\\sum_{i \\in B_b} y_i`.

    Returns
    -------
    ReliabilityCurve
        ``edges``, ``confidence``, ``accuracy``, ``count`` (NaN and 0 for empty bins), ``ece``.

    Raises
    ------
    ValueError
        For probabilities outside [0, 1], rows not summing to 1, labels that do
        not fit ``y_prob``, shapes that do not match (both are named), NaN or
        inf, empty arrays, ``n_bins < 1`` or an unknown view.

    Examples
    --------
    >>> curve = reliability_curve([0, 1, 1, 0], [0.1, 0.8, 0.6, 0.7], n_bins=2)
    >>> curve.count.tolist(), curve.confidence.round(3).tolist(), curve.accuracy.tolist()
    ([0, 4], [nan, 0.75], [nan, 0.75])
    >>> reliability_curve([0, 1, 1, 0], [0.1, 0.8, 0.6, 0.7], n_bins=2, view="positive").accuracy.tolist()
    [0.0, 0.6666666666666666]
    """
    n_bins = _check_n_bins(n_bins)
    if not isinstance(view, str) or view not in _VIEWS:
        raise ValueError(f"view must be one of {list(_VIEWS)}, got {view!r}")
    labels, prob, binary = _probability_inputs(y_true, y_prob)
    if view == "positive":
        if not binary:
            raise ValueError(
                f"view='positive' needs one probability column (n,) or (n, 1), got y_prob of shape "
                f"{prob.shape}; pass the positive class's column, e.g. y_prob[:, 1]"
            )
        confidence, hit = prob, labels.astype(np.float64)
    else:
        confidence, hit = _top_class(labels, prob, binary)
    # k / B is correctly rounded, so a value equal to an edge (0.4 for B = 5) falls in the
    # bin it closes, (lo, hi]; linspace's 0.6000000000000001 for 3/5 would not promise that.
    edges = np.arange(n_bins + 1) / n_bins
    # side="left" on the inner edges puts c == edge in the lower bin: (lo, hi], and 0 in bin 0.
    index = np.searchsorted(edges[1:-1], confidence, side="left")
    count = np.bincount(index, minlength=n_bins)
    filled = count > 0
    mean_confidence = np.full(n_bins, np.nan)
    mean_hit = np.full(n_bins, np.nan)
    confidence_sum = np.bincount(index, weights=confidence, minlength=n_bins)
    hit_sum = np.bincount(index, weights=hit, minlength=n_bins)
    mean_confidence[filled] = confidence_sum[filled] / count[filled]
    mean_hit[filled] = hit_sum[filled] / count[filled]
    return ReliabilityCurve(
        edges=_freeze(edges), confidence=_freeze(mean_confidence), accuracy=_freeze(mean_hit),
        count=_freeze(count.astype(np.int64)), view=view,
    )


def expected_calibration_error(y_true, y_prob, *, n_bins: int = 15) -> float:
    """Expected calibration error: the gap between accuracy and confidence, weighted by bin size.

    .. math::

        \\mathrm{ECE} = \\sum_{b=1}^{B} \\frac{|B_b|}{n}\\,
        \\bigl|\\mathrm{acc}(B_b) - \\mathrm{conf}(B_b)\\bigr|

    over equal-width bins :math:`(\\tfrac{b-1}{B}, \\tfrac{b}{B}]` of the top-class
    confidence :math:`\\max_k p_{ik}` (Guo et al. 2017, ``guo2017calibration``;
    the bins are those of :func:`reliability_curve`, empty bins contribute 0).
    0 for a calibrated model; at most 1.  ECE depends on ``n_bins`` and is
    biased upwards on small samples: compare models at the same ``n_bins`` and ``n``.

    Parameters
    ----------
    y_true : array_like
        Integer labels ``(n,)``, or one-hot rows ``(n, K)``; {0, 1} labels for one column.
    y_prob : array_like
        Probability rows ``(n, K)`` summing to 1, or one column / vector
        :math:`p = P(y = 1)` of a binary problem: the predicted class is then 1
        when :math:`p \\ge 0.5`, the confidence :math:`\\max(p, 1 - p)`.
    n_bins : int, default 15

    Returns
    -------
    float

    Raises
    ------
    ValueError
        As :func:`reliability_curve`.

    Examples
    --------
    Two samples at confidence 0.9, one right: accuracy 0.5 in that bin.

    >>> expected_calibration_error([0, 1], [[0.9, 0.1], [0.9, 0.1]], n_bins=10)
    0.4

    One probability column: confidences 0.8, 0.7 (both right, bin (0.6, 0.8]) and
    0.6 (wrong, bin (0.4, 0.6]), so ECE = (2/3)(1 - 0.75) + (1/3)(0.6 - 0) = 0.3667.

    >>> round(expected_calibration_error([1, 0, 1], [0.8, 0.3, 0.4], n_bins=5), 4)
    0.3667
    """
    return reliability_curve(y_true, y_prob, n_bins=n_bins).ece


def brier_score(y_true, y_prob) -> float:
    """The Brier score: the mean squared distance between the probabilities and the one-hot truth.

    .. math::

        \\begin{aligned}
        \\mathrm{BS} &= \\frac{1}{n}\\sum_{i=1}^{n}\\sum_{k=1}^{K}(p_{ik} - y_{ik})^2
        \\quad (K \\text{ columns}),\\\\
        \\mathrm{BS} &= \\frac{1}{n}\\sum_{i=1}^{n}(p_i - y_i)^2
        \\quad (\\text{one column } p_i = P(y_i = 1))
        \\end{aligned}

    A strictly proper scoring rule (Brier 1950, ``brier1950``): its expectation is smallest
    when :math:`p` is the true distribution.  The factor of 2: for a binary
    problem given as two columns :math:`(1 - p, p)` the sum has two equal terms,
    so it is twice the one-column value.  scikit-learn's ``brier_score_loss``
    reports the one-column value for binary problems (it halves two columns,
    ``scale_by_half="auto"``) and the sum for :math:`K \\ge 3`; here the
    number of columns given decides.  Keras's ``mean_squared_error`` on one-hot
    rows is :math:`\\mathrm{BS}/K` per sample (it averages over the K columns).

    Parameters
    ----------
    y_true : array_like
        Integer labels ``(n,)`` or one-hot rows ``(n, K)``; {0, 1} labels for one column.
    y_prob : array_like
        Probability rows ``(n, K)`` summing to 1, or one column / vector.

    Returns
    -------
    float
        In [0, 2] for K columns, [0, 1] for one.

    Examples
    --------
    >>> brier_score([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3])   # scikit-learn's example: 0.0375
    0.0375
    >>> round(brier_score([0, 1, 1, 0], [[0.9, 0.1], [0.1, 0.9], [0.2, 0.8], [0.7, 0.3]]), 4)
    0.075
    """
    labels, prob, binary = _probability_inputs(y_true, y_prob)
    if binary:
        return float(np.mean((prob - labels) ** 2))
    one_hot = np.eye(prob.shape[1])[labels]
    return float(np.mean(np.sum((prob - one_hot) ** 2, axis=1)))


def negative_log_likelihood(y_true, y_prob) -> float:
    """Mean negative log-likelihood of the true classes: cross-entropy without any clipping.

    .. math::

        \\mathrm{NLL} = -\\frac{1}{n}\\sum_{i=1}^{n} \\log p_{i, y_i}
        \\qquad \\text{(one column: } p_{i,1} = p_i,\\ p_{i,0} = 1 - p_i)

    Unlike Keras's cross-entropies (probabilities clipped to
    :math:`[10^{-7}, 1 - 10^{-7}]`) and scikit-learn's ``log_loss`` (clipped at
    machine epsilon), nothing is clipped: a true class given probability 0
    makes the NLL infinite, which is what the model's likelihood is.  That case
    returns ``inf`` with a ``RuntimeWarning`` naming the first such sample.

    Parameters
    ----------
    y_true : array_like
        Integer labels ``(n,)`` or one-hot rows ``(n, K)``; {0, 1} labels for one column.
    y_prob : array_like
        Probability rows ``(n, K)`` summing to 1, or one column / vector.

    Returns
    -------
    float

    Examples
    --------
    >>> round(negative_log_likelihood([2, 0], [[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]), 6)
    0.524911
    >>> round(negative_log_likelihood([1, 0], [0.9, 0.2]), 6)   # -(log 0.9 + log 0.8) / 2
    0.164252
    """
    labels, prob, binary = _probability_inputs(y_true, y_prob)
    with np.errstate(divide="ignore"):  # log 0 = -inf is the answer, reported below
        if binary:
            # log1p(-p) keeps the digits of log(1 - p) for small p.
            log_likelihood = np.where(labels == 1, np.log(prob), np.log1p(-prob))
        else:
            log_likelihood = np.log(prob[np.arange(prob.shape[0]), labels])
    if np.isneginf(log_likelihood).any():
        sample = int(np.argmax(np.isneginf(log_likelihood)))
        warnings.warn(
            f"y_prob gives the true class of sample {sample} (label {int(labels[sample])}) "
            "probability 0, so its log-likelihood is -inf and the mean NLL is inf; nothing is "
            "clipped here (Keras clips at 1e-7, scikit-learn's log_loss at machine epsilon)",
            RuntimeWarning,
            stacklevel=2,
        )
        return float("inf")
    return float(0.0 - np.mean(log_likelihood))  # 0.0 - : a perfect fit is 0.0, not -0.0


def _logit_inputs(logits, y_true):
    scores = as_float_array(logits, "logits")
    given = scores.shape
    if scores.ndim > 2:
        raise ValueError(f"logits must have shape (n,), (n, 1) or (n, K), got {scores.shape}")
    binary = scores.ndim == 1 or scores.shape[1] == 1
    if binary:
        scores = scores.reshape(-1)
    return scores, _labels_for(y_true, scores, binary, "logits", given), binary


def _check_temperature(temperature) -> float:
    return check_scalar(temperature, "temperature", low=0.0, low_inclusive=False)


def temperature_scale(logits, temperature: float) -> np.ndarray:
    """Probabilities from logits divided by a temperature: ``softmax(z / T)``, or ``sigmoid(z / T)`` for one column.

    .. math:: p_{ik} = \\frac{e^{z_{ik}/T}}{\\sum_j e^{z_{ij}/T}}, \\qquad
              p_i = \\sigma(z_i / T) \\text{ (one column)}

    :math:`T > 1` softens the probabilities, :math:`T < 1` sharpens them; the
    argmax (and the sign of a binary logit), hence the accuracy, never changes.

    Parameters
    ----------
    logits : array_like, shape ``(n, K)``, ``(n, 1)`` or ``(n,)``
    temperature : float, > 0

    Returns
    -------
    numpy.ndarray
        The shape of ``logits``.

    Examples
    --------
    >>> temperature_scale([[2.0, 0.0]], 2.0).round(4)
    array([[0.7311, 0.2689]])
    >>> temperature_scale([[0.0], [4.0]], 2.0).round(4)
    array([[0.5   ],
           [0.8808]])
    """
    temperature = _check_temperature(temperature)
    scores = as_float_array(logits, "logits")
    if scores.ndim > 2:
        raise ValueError(f"logits must have shape (n,), (n, 1) or (n, K), got {scores.shape}")
    if scores.ndim == 1 or scores.shape[1] == 1:
        return expit(scores / temperature)
    return softmax(scores / temperature, axis=1)  # subtracts the row maximum: no overflow


def _temperature_nll(scores, labels, binary, temperature) -> float:
    scaled = scores / temperature
    if binary:
        # -log sigma(s z) with s = +-1: log_expit never forms exp(-z) for large |z|.
        log_likelihood = log_expit(np.where(labels == 1, scaled, -scaled))
    else:
        # log_softmax subtracts the row maximum: no overflow, no log(0) for confident rows.
        log_likelihood = log_softmax(scaled, axis=1)[np.arange(scaled.shape[0]), labels]
    return float(0.0 - np.mean(log_likelihood))  # 0.0 - : a perfect fit is 0.0, not -0.0


@dataclasses.dataclass(frozen=True)
class TemperatureFit:
    """The result of :func:`fit_temperature`; ``float(fit)`` is the temperature.

    Attributes
    ----------
    temperature : float
        The fitted :math:`T`.
    nll_before : float
        Mean NLL at :math:`T = 1` on the fitting data.
    nll_after : float
        Mean NLL at the fitted :math:`T` (never larger than ``nll_before`` when 1 is within the bounds).
    bounds : tuple of float
        The search interval.
    at_bound : bool
        Whether :math:`T` ended at an end of ``bounds`` (then a warning was issued).

    Examples
    --------
    Two of three right at margin 2: :math:`\\sigma(2 / T) = 2/3`, :math:`T = 2 / \\log 2`.

    >>> fit = fit_temperature([[2.0, 0.0], [0.0, 2.0], [2.0, 0.0]], [0, 1, 1])
    >>> round(float(fit), 3), fit.probabilities([[2.0, 0.0]]).round(3)
    (2.885, array([[0.667, 0.333]]))
    """

    temperature: float
    nll_before: float
    nll_after: float
    bounds: tuple
    at_bound: bool

    def __float__(self) -> float:
        return self.temperature

    def probabilities(self, logits) -> np.ndarray:
        """``temperature_scale(logits, self.temperature)``: apply the fit to new (test) logits."""
        return temperature_scale(logits, self.temperature)


def fit_temperature(logits, y_true, *, bounds=(0.05, 20.0)) -> TemperatureFit:
    """Temperature scaling: the one :math:`T > 0` that minimises the NLL of ``softmax(logits / T)``.

    .. math::

        \\begin{aligned}
        \\hat T &= \\arg\\min_{T \\in [T_{lo}, T_{hi}]}
        -\\frac{1}{n}\\sum_{i=1}^{n} \\log \\operatorname{softmax}(z_i / T)_{y_i}\\\\
        &\\qquad \\text{(one column: } -\\log \\sigma(\\pm z_i / T))
        \\end{aligned}

    Guo et al. (2017, ``guo2017calibration``) fit :math:`T` on a validation
    split and apply it to the test logits: dividing by :math:`T` keeps every
    argmax, so accuracy is unchanged while over-confidence (:math:`\\hat T > 1`)
    or under-confidence (:math:`\\hat T < 1`) is corrected.  Fit it on the
    data you pass — a validation split, never the test set you report.

    The NLL is convex in :math:`1/T`, so a bounded scalar search over
    :math:`\\log T` (``scipy.optimize.minimize_scalar``, method "bounded")
    finds the minimum; the terms are computed with ``log_softmax`` /
    ``log_expit``, so huge logits do not overflow.  When every sample is
    classified correctly the NLL keeps falling as :math:`T \\to 0`: the fit then
    stops at the lower bound, with a ``UserWarning`` (likewise at the upper
    bound for logits unrelated to the labels).

    Parameters
    ----------
    logits : array_like, shape ``(n, K)``, or ``(n, 1)`` / ``(n,)`` for a binary sigmoid output
        The scores *before* the softmax (a model with a linear last layer).
    y_true : array_like
        Integer labels ``(n,)`` or one-hot rows ``(n, K)``; {0, 1} labels for one column.
    bounds : (float, float), default (0.05, 20.0)
        :math:`0 < T_{lo} < T_{hi}`.

    Returns
    -------
    TemperatureFit
        ``temperature``, ``nll_before`` (at T = 1), ``nll_after``, ``bounds``,
        ``at_bound``; ``fit.probabilities(test_logits)`` applies it.

    Examples
    --------
    Three of four samples right, all at logit margin 4: the best probability for
    the predicted class is 3/4, i.e. :math:`\\sigma(4 / T) = 3/4`, :math:`T = 4 / \\log 3`.

    >>> fit = fit_temperature([[4.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 0.0]], [0, 1, 1, 0])
    >>> round(fit.temperature, 4), round(4 / math.log(3), 4), fit.nll_after < fit.nll_before
    (3.641, 3.641, True)
    """
    if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
        raise TypeError(f"bounds must be a pair (low, high), got {bounds!r}")
    low = check_scalar(bounds[0], "bounds[0]", low=0.0, low_inclusive=False)
    high = check_scalar(bounds[1], "bounds[1]")
    if not high > low:
        raise ValueError(f"bounds must satisfy 0 < low < high, got {tuple(bounds)!r}")
    scores, labels, binary = _logit_inputs(logits, y_true)

    from scipy.optimize import minimize_scalar

    def objective(log_temperature):
        return _temperature_nll(scores, labels, binary, math.exp(log_temperature))

    # Search over log T: the scale of T is multiplicative (T = 0.5 and 2 are equally far from 1).
    found = minimize_scalar(objective, bounds=(math.log(low), math.log(high)), method="bounded",
                            options={"xatol": 1e-9})
    candidates = [(float(found.fun), math.exp(float(found.x)))]
    # The bounded search never evaluates the ends themselves; a monotone NLL is best there.
    candidates += [(_temperature_nll(scores, labels, binary, t), t) for t in (low, high)]
    nll_after, temperature = min(candidates)
    at_low = bool(np.isclose(temperature, low, rtol=1e-6))
    at_bound = at_low or bool(np.isclose(temperature, high, rtol=1e-6))
    if at_bound:
        why = ("the logits may separate the data perfectly (every sample right), where the NLL "
               "falls without limit as T -> 0" if at_low else
               "the logits may carry almost no information about the labels, where the NLL "
               "keeps falling as T grows towards uniform probabilities")
        warnings.warn(
            f"the NLL is smallest at the {'lower' if at_low else 'upper'} end of "
            f"bounds={tuple(bounds)!r} (T = {temperature:.6g}): {why}; widen bounds or check "
            "the data",
            UserWarning,
            stacklevel=2,
        )
    return TemperatureFit(
        temperature=float(temperature),
        nll_before=_temperature_nll(scores, labels, binary, 1.0),
        nll_after=float(nll_after),
        bounds=(low, high),
        at_bound=at_bound,
    )


# --------------------------------------------------------------------------- imbalance and multi-label
#
# Thin, checked wrappers of scikit-learn: its metrics are the reference, so none is re-implemented.
# Scores are thresholded as scikit-learn's curves do it (positive when y_score >= t), so the
# thresholds of precision_recall_curve / roc_curve reproduce their points exactly.

_LABEL_AVERAGES = (None, "micro", "macro", "weighted", "samples")


def _check_average(average, allowed, function):
    if average not in allowed:
        raise ValueError(f"average must be one of {list(allowed)} for {function}, got {average!r}")


def _binary_or_multilabel(y_true, y_score, function, *, multiclass=False):
    """``(truth, score, kind)``: binary ``(n,)`` or multi-label ``(n, L)`` arrays, {0, 1} truth.

    With ``multiclass=True`` integer labels ``(n,)`` against ``(n, K)`` scores are
    turned into one-hot rows: each class is then scored one-vs-rest.
    """
    truth = as_float_array(y_true, "y_true")
    score = as_float_array(y_score, "y_score")
    if score.ndim > 2 or truth.ndim > 2:
        raise ValueError(f"{function} takes arrays of shape (n,), (n, 1) or (n, L), got y_true "
                         f"{truth.shape} and y_score {score.shape}")
    if score.ndim == 2 and score.shape[1] == 1:
        score = score[:, 0]
    if truth.ndim == 2 and truth.shape[1] == 1 and score.ndim == 1:
        truth = truth[:, 0]
    if multiclass and score.ndim == 2 and truth.shape == score.shape[:1]:
        labels = check_sparse_labels(truth, score.shape[1])
        truth = np.eye(score.shape[1])[labels]
    if truth.shape != score.shape:
        raise ValueError(
            f"y_true and y_score must have the same shape, (n,) for a binary problem or (n, L) "
            f"for L labels, got y_true {np.shape(y_true)} and y_score {np.shape(y_score)}"
        )
    _check_zero_one(truth, f"for {function} (a binary or multi-label indicator target)")
    return truth, score, ("binary" if score.ndim == 1 else "multilabel")


def _require_both_classes(truth, kind, average, function, *, negatives):
    """Raise where a quantity is undefined: no positives (or, for ROC, no negatives) to rank."""
    if kind == "binary" or average == "micro":
        groups = [("y_true", truth.ravel())]
    elif average == "samples":
        groups = [(f"row {i} of y_true", truth[i]) for i in range(truth.shape[0])]
    else:
        groups = [(f"label column {j} of y_true", truth[:, j]) for j in range(truth.shape[1])]
    for where, values in groups:
        if not values.any():
            raise ValueError(f"{function} is undefined without positives: {where} has no 1")
        if negatives and values.all():
            raise ValueError(f"{function} is undefined without negatives: {where} has no 0")


def average_precision(y_true, y_score, *, average="macro") -> float | np.ndarray:
    """Average precision (the area under the precision-recall curve), by scikit-learn.

    .. math:: \\mathrm{AP} = \\sum_k (R_k - R_{k-1})\\, P_k

    over the thresholds :math:`k` (``sklearn.metrics.average_precision_score``,
    no interpolation).  A model that ranks at random scores the positive rate
    :math:`\\pi`, not 0.5: with 2 % positives, AP = 0.02 is chance.

    Parameters
    ----------
    y_true : array_like
        {0, 1} labels ``(n,)``; a multi-label indicator ``(n, L)``; or, with
        ``(n, K)`` scores, integer class labels ``(n,)`` (scored one-vs-rest).
    y_score : array_like
        Probabilities or any scores (logits work: only the order matters), same shape.
    average : {"macro", "micro", "weighted", "samples", None}, default "macro"
        How labels are combined (scikit-learn's meaning); ignored for one label.
        ``None`` returns one AP per label.

    Returns
    -------
    float, or numpy.ndarray ``(L,)`` for ``average=None``

    Raises
    ------
    ValueError
        For labels outside {0, 1}, shapes that differ, NaN, or a label with no positives.

    Examples
    --------
    >>> average_precision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])   # scikit-learn's example
    0.8333333333333333
    """
    _check_average(average, _LABEL_AVERAGES, "average_precision")
    truth, score, kind = _binary_or_multilabel(y_true, y_score, "average_precision", multiclass=True)
    _require_both_classes(truth, kind, average, "average_precision", negatives=False)
    from sklearn.metrics import average_precision_score

    value = average_precision_score(truth, score, average=average)
    return np.asarray(value, dtype=np.float64) if np.ndim(value) else float(value)


def roc_auc(y_true, y_score, *, average="macro") -> float | np.ndarray:
    """Area under the ROC curve, by scikit-learn: the chance that a positive outranks a negative.

    .. math:: \\mathrm{AUC} = P(s^+ > s^-) + \\tfrac12 P(s^+ = s^-)

    (``sklearn.metrics.roc_auc_score``). 0.5 is chance whatever the class
    balance, which is why it can look good on rare positives while average
    precision (:func:`average_precision`) does not.

    Parameters
    ----------
    y_true, y_score, average
        As in :func:`average_precision`; integer labels with ``(n, K)`` scores
        give the one-vs-rest AUC per class (``average="macro"`` is
        scikit-learn's ``multi_class="ovr"``).

    Returns
    -------
    float, or numpy.ndarray ``(L,)`` for ``average=None``

    Raises
    ------
    ValueError
        As :func:`average_precision`, and for a label without negatives.

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    _check_average(average, _LABEL_AVERAGES, "roc_auc")
    truth, score, kind = _binary_or_multilabel(y_true, y_score, "roc_auc", multiclass=True)
    _require_both_classes(truth, kind, average, "roc_auc", negatives=True)
    from sklearn.metrics import roc_auc_score

    value = roc_auc_score(truth, score, average=average)
    return np.asarray(value, dtype=np.float64) if np.ndim(value) else float(value)


def _check_threshold(threshold, score):
    if np.ndim(threshold) == 0:
        value = threshold.item() if isinstance(threshold, np.ndarray) else threshold
        return check_scalar(value, "threshold")
    thresholds = as_float_array(threshold, "threshold")
    if score.ndim != 2 or thresholds.shape != (score.shape[1],):
        raise ValueError(
            f"threshold must be one number, or one per label column (shape ({score.shape[-1]},)) "
            f"for multi-label y_score {score.shape}; got shape {thresholds.shape}"
        )
    return thresholds


def _thresholded(y_true, y_score, threshold, average, function):
    truth, score, kind = _binary_or_multilabel(y_true, y_score, function)
    threshold = _check_threshold(threshold, score)
    allowed = ("binary",) if kind == "binary" else _LABEL_AVERAGES
    if average not in allowed:
        expected = "'binary'" if kind == "binary" else f"one of {list(allowed)}"
        raise ValueError(
            f"average must be {expected} for {kind} y_true of shape {truth.shape}, got {average!r}"
        )
    predicted = (score >= threshold).astype(np.int64)  # scikit-learn's curves: positive at s >= t
    return truth.astype(np.int64), predicted, (average if kind == "multilabel" else "binary")


def f1_at_threshold(y_true, y_score, threshold, *, average="binary") -> float | np.ndarray:
    """F1 of the decisions ``y_score >= threshold``, by scikit-learn.

    .. math:: F_1 = \\frac{2\\,\\mathrm{TP}}{2\\,\\mathrm{TP} + \\mathrm{FP} + \\mathrm{FN}},
              \\qquad \\hat y_i = [s_i \\ge t]

    (``sklearn.metrics.f1_score`` with ``zero_division=0``: no true and no
    predicted positives score 0, without a warning).  A score equal to the
    threshold is positive, as in scikit-learn's precision-recall and ROC
    curves, so a threshold from :func:`best_threshold` reproduces its F1; the
    Keras-twin accuracies above decide ``p > 0.5`` strictly, which differs only
    for a score exactly at the threshold.

    Parameters
    ----------
    y_true : array_like
        {0, 1} labels ``(n,)`` or a multi-label indicator ``(n, L)``.
    y_score : array_like
        Probabilities (or logits, with a threshold on the logit scale), same shape.
    threshold : float, or array_like ``(L,)`` (one per label)
        Choose it on a validation split (:func:`best_threshold`), not on the test set.
    average : str or None, default "binary"
        ``"binary"`` for one label; ``"macro"``, ``"micro"``, ``"weighted"``,
        ``"samples"`` or ``None`` (one F1 per label) for multi-label.

    Returns
    -------
    float, or numpy.ndarray ``(L,)`` for ``average=None``

    Examples
    --------
    >>> f1_at_threshold([0, 0, 1, 1, 1], [0.2, 0.6, 0.55, 0.9, 0.3], 0.5)   # TP 2, FP 1, FN 1
    0.6666666666666666
    """
    truth, predicted, average = _thresholded(y_true, y_score, threshold, average, "f1_at_threshold")
    from sklearn.metrics import f1_score

    value = f1_score(truth, predicted, average=average, zero_division=0.0)
    return np.asarray(value, dtype=np.float64) if np.ndim(value) else float(value)


def recall_at_threshold(y_true, y_score, threshold, *, average="binary") -> float | np.ndarray:
    """Recall (true-positive rate) of the decisions ``y_score >= threshold``, by scikit-learn.

    .. math:: R = \\frac{\\mathrm{TP}}{\\mathrm{TP} + \\mathrm{FN}}, \\qquad \\hat y_i = [s_i \\ge t]

    (``sklearn.metrics.recall_score``, ``zero_division=0`` for a label without
    positives).  Arguments as :func:`f1_at_threshold`.

    Examples
    --------
    >>> recall_at_threshold([0, 0, 1, 1, 1], [0.2, 0.6, 0.55, 0.9, 0.3], 0.5)
    0.6666666666666666
    >>> recall_at_threshold([[1, 0], [1, 1]], [[0.9, 0.2], [0.4, 0.7]], [0.5, 0.5], average=None)
    array([0.5, 1. ])
    """
    truth, predicted, average = _thresholded(y_true, y_score, threshold, average,
                                             "recall_at_threshold")
    from sklearn.metrics import recall_score

    value = recall_score(truth, predicted, average=average, zero_division=0.0)
    return np.asarray(value, dtype=np.float64) if np.ndim(value) else float(value)


_THRESHOLD_METRICS = ("f1", "balanced_accuracy")


def _best_binary_threshold(truth, score, metric, midpoint=False):
    if not truth.any() or truth.all():
        raise ValueError(f"best_threshold needs both classes in y_true, got only {int(truth[0])}s")
    if metric == "f1":
        from sklearn.metrics import precision_recall_curve

        precision, recall, thresholds = precision_recall_curve(truth, score)
        precision, recall = precision[:-1], recall[:-1]  # the last point (P=1, R=0) has no threshold
        total = precision + recall
        values = np.divide(2 * precision * recall, total, out=np.zeros_like(total), where=total > 0)
    else:
        from sklearn.metrics import roc_curve

        false_positive, true_positive, thresholds = roc_curve(truth, score, drop_intermediate=False)
        keep = np.isfinite(thresholds)  # the first point, t = inf, predicts nothing positive
        # balanced accuracy = (TPR + TNR) / 2 = (1 + TPR - FPR) / 2, Youden's J shifted.
        values = (1.0 + true_positive[keep] - false_positive[keep]) / 2.0
        thresholds = thresholds[keep]
    best = np.flatnonzero(values == values.max())
    threshold = float(thresholds[best].min())  # ties: the lowest threshold, the most recall
    if midpoint:
        lower = score[score < threshold]
        if not lower.size:
            # No lower score: the float just below, so s > cut keeps every row s >= threshold.
            return float(np.nextafter(threshold, -np.inf))
        below = lower.max()
        with np.errstate(over="ignore"):  # inf near the float64 maximum: replaced below
            cut = (below + threshold) / 2
        if not below < cut < threshold:
            # (a + b) / 2 overflows near the float64 maximum; a + (b - a) / 2 does not.
            cut = below + (threshold - below) / 2
        if not below < cut < threshold:
            # Adjacent floats: no number lies between; s > below is still s >= threshold.
            cut = below
        return float(cut)
    return threshold


def best_threshold(y_true, y_score, *, metric="f1", midpoint=False) -> float | np.ndarray:
    """The threshold on ``y_score`` that maximises F1 (or balanced accuracy) on the data given.

    .. math:: \\hat t = \\arg\\max_{t \\in \\{s_i\\}} F_1\\bigl([s \\ge t]\\bigr)

    Only observed scores are candidates (scikit-learn's ``precision_recall_curve``
    / ``roc_curve`` thresholds); ties go to the lowest threshold.  Choose the
    threshold **on a validation split** and report the test set's
    :func:`f1_at_threshold` at it: the maximum on the data it was chosen on is
    optimistic.  With rare positives the best threshold is usually far from 0.5.

    Parameters
    ----------
    y_true : array_like
        {0, 1} labels ``(n,)`` or a multi-label indicator ``(n, L)`` (one threshold per label).
    y_score : array_like
        Same shape; probabilities or logits.
    metric : {"f1", "balanced_accuracy"}, default "f1"
        Balanced accuracy :math:`(\\mathrm{TPR} + \\mathrm{TNR})/2` is Youden's
        :math:`J` shifted.
    midpoint : bool, default False
        Return the cut halfway between the best threshold :math:`s_{(j)}` and the
        next lower observed score, :math:`(s_{(j-1)} + s_{(j)})/2`: a cut that
        does not sit on an observed score, so ``s > t`` (Keras's rule) and
        ``s >= t`` split the rows given alike.  When no score is lower, the float
        just below the best threshold; when the two scores are adjacent floats,
        the lower one (no number lies between: then only ``s > t`` gives the
        best split).

    Returns
    -------
    float, or numpy.ndarray ``(L,)`` for multi-label targets

    Raises
    ------
    ValueError
        If a label has only one class in ``y_true``, for an unknown metric, or as
        :func:`f1_at_threshold`.

    Examples
    --------
    >>> best_threshold([0, 0, 1, 1, 1], [0.2, 0.6, 0.55, 0.9, 0.3])
    0.3
    >>> best_threshold([0, 0, 1, 1, 1], [0.2, 0.6, 0.55, 0.9, 0.3], metric="balanced_accuracy")
    0.3
    >>> best_threshold([0, 0, 1, 1, 1], [0.2, 0.6, 0.55, 0.9, 0.3], midpoint=True)
    0.25
    """
    if not isinstance(metric, str) or metric not in _THRESHOLD_METRICS:
        raise ValueError(f"metric must be one of {list(_THRESHOLD_METRICS)}, got {metric!r}")
    if not isinstance(midpoint, bool):
        raise TypeError(f"midpoint must be True or False, got {midpoint!r}")
    truth, score, kind = _binary_or_multilabel(y_true, y_score, "best_threshold")
    if kind == "binary":
        return _best_binary_threshold(truth, score, metric, midpoint)
    thresholds = []
    for j in range(truth.shape[1]):
        try:
            thresholds.append(_best_binary_threshold(truth[:, j], score[:, j], metric, midpoint))
        except ValueError as error:
            raise ValueError(f"label column {j}: {error}") from None
    return np.array(thresholds)


def _score_stack(scores, n_rows, name):
    """Scores as ``(K, n)``: one scorer ``(n,)`` / ``(n, 1)``, or K of them ``(K, n)`` / ``(K, n, 1)``."""
    array = as_float_array(scores, name)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    elif array.ndim == 2 and array.shape == (n_rows, 1):
        array = array[:, 0]
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != n_rows:
        raise ValueError(f"{name} must have shape (n,), (n, 1), (K, n) or (K, n, 1) with n = "
                         f"{n_rows} rows, got {np.shape(scores)}")
    return array


def binary_report(y_validation, score_validation, y_test, score_test, *, from_logits=False,
                  metric="f1", index=None):
    """Test scores of binary scorers, each with its threshold chosen on validation rows.

    Per scorer (e.g. one seed of a trained network): the threshold-free scores on the
    test rows, the threshold with the best ``metric`` on the validation rows
    (:func:`best_threshold` with ``midpoint=True``) and the test scores at it and at 0.5:

    .. math::

        \\hat t = \\arg\\max_t F_1^{\\text{val}}(t), \\qquad
        F_1 = \\frac{2PR}{P + R}, \\quad
        \\text{Brier} = \\frac1n\\sum_i (p_i - y_i)^2

    One decision rule throughout, Keras's ``binary_accuracy``: a row is positive when
    its score is strictly above the threshold, :math:`p > t` (accuracy and recall at
    :math:`p > 0.5`, F1 and recall at :math:`p > \\hat t`).  The midpoint threshold
    sits between two validation scores, so on the validation rows :math:`p > \\hat t`
    and :math:`p \\ge \\hat t` split alike.  With ``from_logits`` the ranking
    scores (AP, ROC-AUC) and the threshold are computed on the logits :math:`z`
    themselves (:math:`\\sigma(z)` ties in float64 above :math:`z \\approx 37`),
    the threshold reported as :math:`\\sigma(\\hat t)`, and mean p and Brier
    on :math:`p = \\sigma(z)`.

    AP, ROC-AUC, F1, recall and Brier are scikit-learn's, through this module's
    checked wrappers (:func:`average_precision`, :func:`roc_auc`,
    :func:`f1_at_threshold`, :func:`recall_at_threshold`, :func:`brier_score`, the
    thresholded ones given the decisions); accuracy and mean p are NumPy means.

    Parameters
    ----------
    y_validation : array_like
        {0, 1} labels ``(n_val,)`` of the rows that choose the threshold.
    score_validation : array_like
        ``(n_val,)`` for one scorer, ``(K, n_val)`` (or ``(K, n_val, 1)``, as
        ``Result.predict`` returns) for K.
    y_test : array_like
        {0, 1} labels ``(n,)`` of the rows that are scored.
    score_test : array_like
        ``(n,)``, or ``(K, n)`` / ``(K, n, 1)``: the same K scorers.
    from_logits : bool, default False
        Scores are logits: :math:`p = \\sigma(z)` first.
    metric : {"f1", "balanced_accuracy"}, default "f1"
        What the threshold maximises on the validation rows.
    index : pandas.Index or sequence, optional
        The rows' labels (e.g. ``pandas.Index(result.seeds, name="seed")``).

    Returns
    -------
    pandas.DataFrame
        One row per scorer; columns ``accuracy``, ``AP``, ``ROC-AUC``,
        ``threshold`` (a probability), ``F1`` and ``recall`` (at the threshold), ``recall at
        0.5``, ``mean p``, ``Brier``.

    Raises
    ------
    ValueError, TypeError
        For scores of the wrong shape, K that differ between the two splits, an
        ``index`` of the wrong length, ``from_logits`` not a bool, or as the
        scorers do (labels not {0, 1}, one class only).

    See Also
    --------
    best_threshold : The threshold rule.
    lossguide.experiments.Result.predict : The ``(K, n, 1)`` outputs of K seeds.

    Examples
    --------
    >>> report = binary_report([0, 1, 0, 1], [[0.1, 0.7, 0.4, 0.6], [0.3, 0.8, 0.2, 0.9]],
    ...                        [0, 1, 1, 0], [[0.2, 0.8, 0.3, 0.1], [0.6, 0.9, 0.85, 0.2]])
    >>> report[["threshold", "F1", "recall", "recall at 0.5"]].round(3)
       threshold     F1  recall  recall at 0.5
    0       0.50  0.667     0.5            0.5
    1       0.55  0.800     1.0            1.0
    """
    import pandas as pd

    if not isinstance(from_logits, bool):
        raise TypeError(f"from_logits must be True or False, got {from_logits!r}")
    truth_validation = as_float_array(y_validation, "y_validation").reshape(-1)
    truth = as_float_array(y_test, "y_test").reshape(-1)
    validation = _score_stack(score_validation, len(truth_validation), "score_validation")
    test = _score_stack(score_test, len(truth), "score_test")
    if len(validation) != len(test):
        raise ValueError(f"score_validation and score_test must hold the same number of scorers, "
                         f"got {len(validation)} and {len(test)}")
    if index is not None and len(index) != len(test):
        raise ValueError(f"index must have one label per scorer ({len(test)}), got {len(index)}")
    cut = 0.0 if from_logits else 0.5  # p > 0.5 is z > 0
    rows = []
    for s_validation, s in zip(validation, test):  # s: logits or probabilities, as given
        p = expit(s) if from_logits else s
        threshold = best_threshold(truth_validation, s_validation, metric=metric, midpoint=True)
        # Keras's rule, s > t; as {0, 1} decisions, the scorers' s >= 0.5 keeps them as they are
        at_threshold, at_default = (s > threshold).astype(float), (s > cut).astype(float)
        rows.append({
            "accuracy": np.mean(at_default == truth),
            "AP": average_precision(truth, s),
            "ROC-AUC": roc_auc(truth, s),
            "threshold": float(expit(threshold)) if from_logits else threshold,
            "F1": f1_at_threshold(truth, at_threshold, 0.5),
            "recall": recall_at_threshold(truth, at_threshold, 0.5),
            "recall at 0.5": recall_at_threshold(truth, at_default, 0.5),
            "mean p": p.mean(),
            "Brier": brier_score(truth, p),
        })
    return pd.DataFrame(rows, index=index)


def _class_predictions(y_true, y_pred, function):
    """Integer true and predicted classes ``(n,)``; ``(n, K)`` outputs are decided by argmax."""
    truth = as_float_array(y_true, "y_true")
    prediction = as_float_array(y_pred, "y_pred")
    if prediction.ndim == 2 and prediction.shape[1] >= 2:
        labels = _labels_for(y_true, prediction, False, "y_pred", prediction.shape)
        return labels, prediction.argmax(axis=1), prediction.shape[1]
    if prediction.ndim == 2 and prediction.shape[1] == 1:
        prediction = prediction[:, 0]
    if truth.ndim == 2 and truth.shape[1] == 1:
        truth = truth[:, 0]
    if prediction.ndim != 1 or truth.shape != prediction.shape:
        raise ValueError(
            f"{function} takes integer labels y_true (n,) with predicted classes y_pred (n,) or "
            f"scores (n, K), got y_true {np.shape(y_true)} and y_pred {np.shape(y_pred)}"
        )
    whole = prediction == np.round(prediction)
    if not whole.all():
        position = int(np.argmin(whole))
        raise ValueError(
            f"y_pred of shape {prediction.shape} must hold predicted classes (whole numbers), got "
            f"{prediction[position]:.6g} at index ({position},); decide probabilities first, e.g. "
            "predict_classes(p, 'threshold'), or pass (n, K) scores"
        )
    labels = check_sparse_labels(truth, int(max(truth.max(), prediction.max())) + 1)
    return labels, check_sparse_labels(prediction, int(prediction.max()) + 1, "y_pred"), None


def per_class_recall(y_true, y_pred):
    """Recall of each class present in ``y_true``, by scikit-learn: the share of its samples found.

    .. math:: R_c = \\frac{|\\{i : y_i = c,\\ \\hat y_i = c\\}|}{|\\{i : y_i = c\\}|}

    (``sklearn.metrics.recall_score(average=None)``).  A class absent from
    ``y_true`` has no recall and is left out (the index says which classes are there).

    Parameters
    ----------
    y_true : array_like
        Integer labels ``(n,)`` or one-hot rows ``(n, K)``.
    y_pred : array_like
        Predicted classes ``(n,)``, or scores ``(n, K)`` decided by argmax.
        Probabilities of one column must be decided first (e.g.
        ``predict_classes(p, "threshold")`` or ``p >= t``).

    Returns
    -------
    pandas.Series
        Indexed by class, named ``"recall"``; its mean is :func:`balanced_accuracy`.

    Examples
    --------
    >>> per_class_recall([0, 0, 0, 1, 2, 2], [0, 0, 1, 1, 2, 0]).round(3).tolist()
    [0.667, 1.0, 0.5]
    """
    import pandas as pd
    from sklearn.metrics import recall_score

    truth, predicted, _ = _class_predictions(y_true, y_pred, "per_class_recall")
    present = np.unique(truth)
    values = recall_score(truth, predicted, labels=present, average=None, zero_division=0.0)
    return pd.Series(values, index=pd.Index(present, name="class"), name="recall")


def balanced_accuracy(y_true, y_pred) -> float:
    """Balanced accuracy, by scikit-learn: the mean of the per-class recalls.

    .. math:: \\mathrm{BA} = \\frac{1}{C}\\sum_{c=1}^{C} R_c

    (``sklearn.metrics.balanced_accuracy_score``): predicting the majority class
    always scores :math:`1/C`, not the majority's share.  Arguments as
    :func:`per_class_recall`.

    Examples
    --------
    >>> balanced_accuracy([0, 0, 0, 0, 1], [0, 0, 0, 0, 0])   # accuracy 0.8
    0.5
    >>> round(balanced_accuracy([2, 0], [[0.1, 0.2, 0.7], [0.3, 0.6, 0.1]]), 3)
    0.5
    """
    from sklearn.metrics import balanced_accuracy_score

    truth, predicted, _ = _class_predictions(y_true, y_pred, "balanced_accuracy")
    with warnings.catch_warnings():
        # Predicted classes absent from y_true have no recall; per_class_recall's docstring says so.
        warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
        return float(balanced_accuracy_score(truth, predicted))


def subset_accuracy(y_true, y_score, *, threshold=0.5) -> float:
    """Multi-label exact-match accuracy: the share of rows whose every label is right.

    .. math:: \\mathrm{SA} = \\frac{1}{n}\\sum_{i=1}^{n}
              \\prod_{j=1}^{L}\\bigl[[s_{ij} \\ge t_j] = y_{ij}\\bigr]

    (``sklearn.metrics.accuracy_score`` on indicator matrices).

    Parameters
    ----------
    y_true : array_like, shape ``(n, L)``
        A {0, 1} indicator matrix.
    y_score : array_like, shape ``(n, L)``
        Probabilities, scores or already-decided {0, 1} predictions.
    threshold : float or array_like ``(L,)``, default 0.5
        A label is predicted when its score is ``>= threshold``.

    Returns
    -------
    float

    Notes
    -----
    Element-wise binary accuracy (Keras's ``binary_accuracy`` over all
    entries, :func:`binary_accuracy`) is inflated when labels are rare.  It is
    :math:`1 - (\\mathrm{FP} + \\mathrm{FN})/(nL)`, so the model that predicts no
    label at all scores

    .. math:: 1 - \\bar\\pi, \\qquad \\bar\\pi = \\frac{1}{nL}\\sum_{i,j} y_{ij},

    e.g. 0.95 with 20 labels each present in 5 % of rows, while it finds
    nothing; its subset accuracy is only the share of rows with no label.
    Report per-label F1 or average precision alongside.

    Examples
    --------
    >>> subset_accuracy([[1, 0, 0], [0, 1, 1]], [[0.9, 0.1, 0.2], [0.2, 0.8, 0.4]])   # row 2 misses one
    0.5
    """
    truth, score, kind = _binary_or_multilabel(y_true, y_score, "subset_accuracy")
    if kind != "multilabel":
        raise ValueError(f"subset_accuracy needs a multi-label indicator (n, L) with L >= 2, got "
                         f"y_true {np.shape(y_true)}; for one label use f1_at_threshold or accuracy")
    threshold = _check_threshold(threshold, score)
    from sklearn.metrics import accuracy_score

    return float(accuracy_score(truth.astype(np.int64), (score >= threshold).astype(np.int64)))


def level_absolute_error(y_true, y_pred, *, threshold=0.5) -> np.ndarray:
    """Absolute error of the predicted ordinal level, per row, from cumulative outputs.

    .. math:: e_i = \\Bigl|\\sum_k [p_{ik} > t] - \\sum_k y_{ik}\\Bigr|

    ``y_true`` holds the cumulative 0/1 targets ``[y > k]`` (``K - 1`` columns,
    as :meth:`lossguide.recommend.Recommendation.encode` makes them for
    ``task="ordinal"``), ``y_pred`` the ``K - 1`` sigmoid outputs; the level is
    the number of columns above the threshold.  The mean over rows is the level
    MAE (twin of :func:`lossguide.keras_losses.level_absolute_error`).

    Examples
    --------
    >>> level_absolute_error([[1, 1, 0], [0, 0, 0]], [[0.9, 0.2, 0.1], [0.7, 0.6, 0.4]]).tolist()
    [1.0, 2.0]
    """
    truth = np.asarray(y_true, dtype=float)
    prediction = np.asarray(y_pred, dtype=float)
    if truth.ndim != 2 or truth.shape != prediction.shape:
        raise ValueError(f"y_true and y_pred must be (n, K - 1) arrays of the same shape, got "
                         f"{truth.shape} and {prediction.shape}")
    if not np.isin(truth, (0, 1)).all():
        raise ValueError("y_true must hold the cumulative 0/1 targets [y > k]")
    if not np.isfinite(prediction).all():
        raise ValueError("y_pred contains NaN or infinite values")
    return np.abs((prediction > threshold).sum(axis=1) - truth.sum(axis=1)).astype(float)
