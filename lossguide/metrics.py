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
"""

from __future__ import annotations

import numpy as np

from . import losses
from ._validation import as_float_array, check_pair, check_scalar, check_sparse_labels

__all__ = [
    "RULES",
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "decision_rule",
    "keras_accuracy",
    "logit_accuracy",
    "mean_absolute_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "predict_classes",
    "rounded_accuracy",
    "sign_accuracy",
    "sparse_categorical_accuracy",
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

        \\texttt{01} \\mapsto \\text{threshold } (p > 0.5) \\text{ or logit } (z > 0),
        \\quad \\texttt{pm1} \\mapsto \\text{sign},
        \\quad \\texttt{int}, \\texttt{onehot} \\mapsto \\text{argmax}

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

        \\text{threshold: } [p > 0.5] \\qquad \\text{logit: } [z > 0] \\qquad
        \\text{sign: } 2[v > 0] - 1 \\qquad \\text{argmax: } \\arg\\max_c \\hat y_c

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

        a_i = \\frac{1}{d}\\sum_{j=1}^{d} [c(\\hat y_{ij}) = y_{ij}]
        \\quad\\text{(binary rules)}, \\qquad
        a_i = [\\arg\\max_c \\hat y_{ic} = y_i] \\quad\\text{(argmax)}

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

    .. math:: m_i = \\frac{1}{d}\\sum_{j=1}^{d}
              \\bigl(\\log(1 + \\max(\\hat y_{ij}, \\epsilon)) - \\log(1 + \\max(y_{ij}, \\epsilon))\\bigr)^2,
              \\qquad \\epsilon = \\texttt{losses.EPSILON}

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
