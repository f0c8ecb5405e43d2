"""Input checks shared by :mod:`lossguide.losses` and :mod:`lossguide.gradients`.

Every check names the argument and shows the offending value or shape, so a
reader who passes the wrong thing learns what and where from the message alone.

Conversion
    :func:`as_float_array`
        Any real numeric array-like (bool, int, float) to a fresh float64 array;
        ``TypeError`` for strings, objects and complex numbers, ``ValueError``
        for scalars, empty arrays, ragged lists, NaN and ±inf.
    :func:`check_bool`, :func:`check_scalar`
        Keyword options: ``from_logits`` must be a bool; numeric options such as
        ``delta`` or ``label_smoothing`` must be finite reals within bounds.

Shapes
    :func:`align_ranks`
        Keras's rule for ``(n,)`` against ``(n, 1)``: the rank-1 argument gains
        a trailing axis; other ranks that differ by a trailing 1 are squeezed.
    :func:`check_same_shape`
        Both shapes in the message.
    :func:`check_pair`
        The entry check of every loss and gradient: both arguments converted,
        rank-aligned and shape-checked.
    :func:`check_classes`
        At least two classes on the last axis of a categorical prediction.
    :func:`check_sparse_pair`
        Integer labels against ``(..., K)`` predictions: the entry check of the
        sparse cross-entropy and its gradient.
    :func:`check_pos_weight`
        A scalar or broadcastable array of weights ``>= 0``.

Values
    :func:`check_probabilities`
        Values in [0, 1]; the message gives the worst offender.
    :func:`check_greater_than`
        Values strictly (or not) above a bound, e.g. MSLE's ``> -1``, Poisson's ``>= 0``.
    :func:`check_sparse_labels`
        Whole numbers in ``[0, n_classes)``; returns int64 labels.
    :func:`check_hinge_labels`
        Labels all in {-1, 1} or all in {0, 1}; returns them as {-1, 1}.
    :func:`check_rows_sum_to_one`
        Issues a :class:`ProbabilityWarning` (not an error) naming the first row
        that does not sum to one, and its sum.
    :func:`check_rows_nonzero`
        Rows that sum to 0 cannot be renormalised: ``ValueError`` naming the row.
    :func:`check_one_hot`
        Warns (:class:`ProbabilityWarning`) when rows are not one-hot.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

__all__ = [
    "ProbabilityWarning",
    "check_classes",
    "check_one_hot",
    "check_pair",
    "check_pos_weight",
    "check_rows_nonzero",
    "check_sparse_pair",
    "align_ranks",
    "as_float_array",
    "check_bool",
    "check_greater_than",
    "check_hinge_labels",
    "check_probabilities",
    "check_rows_sum_to_one",
    "check_same_shape",
    "check_scalar",
    "check_sparse_labels",
]


class ProbabilityWarning(UserWarning):
    """Rows meant to be probability distributions do not sum to one."""


def _index(flat_position: int, shape: tuple) -> tuple:
    """Turn a flat position into a tuple of Python ints for messages."""
    return tuple(int(i) for i in np.unravel_index(flat_position, shape))


def as_float_array(x, name: str) -> np.ndarray:
    """Convert ``x`` to a new float64 array, rejecting what no loss can use.

    Parameters
    ----------
    x : array_like
        Real numbers (bool, integer or float dtype), at least one dimension.
    name : str
        The argument's name, used in error messages.

    Returns
    -------
    numpy.ndarray
        A float64 copy: callers may not modify it, but it never aliases ``x``.

    Raises
    ------
    TypeError
        If ``x`` holds strings, objects or complex numbers.
    ValueError
        If ``x`` is ragged, a scalar, empty, or contains NaN or ±inf.

    Notes
    -----
    All checks use float64 (:math:`x \\mapsto \\mathrm{float64}(x)`), so float32
    inputs are widened exactly before any arithmetic.

    Examples
    --------
    >>> as_float_array([[1, 0], [0, 1]], "y_true").dtype
    dtype('float64')
    >>> as_float_array([0.5, float("nan")], "y_pred")
    Traceback (most recent call last):
    ...
    ValueError: y_pred contains NaN at index (1,)
    """
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be numeric, got {type(x).__name__} {x!r}")
    try:
        array = np.asarray(x)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array: {error}") from None
    kind = array.dtype.kind
    if kind == "c":
        raise TypeError(f"{name} must be real, got complex dtype {array.dtype}")
    if kind not in "biuf":
        raise TypeError(
            f"{name} must be numeric, got {type(x).__name__} with dtype {array.dtype}"
        )
    if array.ndim == 0:
        raise ValueError(
            f"{name} must have at least one dimension (losses reduce over the last "
            f"axis), got the scalar {array.item()!r}"
        )
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    array = np.array(array, dtype=np.float64, copy=True)
    finite = np.isfinite(array)
    if not finite.all():
        position = int(np.argmin(finite.ravel()))
        bad = array.ravel()[position]
        what = "NaN" if np.isnan(bad) else ("inf" if bad > 0 else "-inf")
        raise ValueError(f"{name} contains {what} at index {_index(position, array.shape)}")
    return array


def check_bool(value, name: str) -> bool:
    """Return ``value`` if it is a bool (Python or NumPy), else raise ``TypeError``.

    Examples
    --------
    >>> check_bool(True, "from_logits")
    True
    >>> check_bool("yes", "from_logits")
    Traceback (most recent call last):
    ...
    TypeError: from_logits must be True or False, got str 'yes'
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")


def check_scalar(
    value,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Return ``value`` as a float after checking it is a finite real within bounds.

    Parameters
    ----------
    value : real number
        The option's value. ``bool`` is rejected: ``delta=True`` is a mistake.
    name : str
        The option's name, used in messages.
    low, high : float, optional
        Bounds; ``None`` means unbounded on that side.
    low_inclusive, high_inclusive : bool
        Whether each bound itself is allowed.

    Examples
    --------
    >>> check_scalar(0.1, "label_smoothing", low=0, high=1)
    0.1
    >>> check_scalar(-1.0, "delta", low=0, low_inclusive=False)
    Traceback (most recent call last):
    ...
    ValueError: delta must be > 0, got -1.0
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number}")
    if low is not None and (number < low or (number == low and not low_inclusive)):
        raise ValueError(f"{name} must be {'>=' if low_inclusive else '>'} {low}, got {number}")
    if high is not None and (number > high or (number == high and not high_inclusive)):
        raise ValueError(f"{name} must be {'<=' if high_inclusive else '<'} {high}, got {number}")
    return number


def align_ranks(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reconcile ranks that differ by a trailing axis of length 1, as Keras does.

    This is Keras 3's ``squeeze_or_expand_to_same_rank``, which every Keras loss
    class applies before its loss function: if one argument has rank 1 and the
    other has shape ``(n, 1)``, the rank-1 argument gains a trailing axis; if the
    ranks differ by one otherwise and the longer one ends in 1, that axis is
    squeezed. Anything else is returned unchanged (and later rejected by
    :func:`check_same_shape` if the shapes still differ), so a ``(n,)`` target is
    never silently broadcast against ``(n, 1)`` predictions into an ``(n, n)`` grid.

    Examples
    --------
    >>> a, b = align_ranks(np.zeros(3), np.zeros((3, 1)))
    >>> a.shape, b.shape
    ((3, 1), (3, 1))
    >>> a, b = align_ranks(np.zeros((2, 3)), np.zeros((2, 3, 1)))
    >>> a.shape, b.shape
    ((2, 3), (2, 3))
    """
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        if y_pred.ndim == 1:
            return y_true, y_pred[:, np.newaxis]
        return y_true[..., 0], y_pred
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        if y_true.ndim == 1:
            return y_true[:, np.newaxis], y_pred
        return y_true, y_pred[..., 0]
    return y_true, y_pred


def check_same_shape(
    y_true: np.ndarray, y_pred: np.ndarray, names: tuple[str, str] = ("y_true", "y_pred")
) -> None:
    """Raise ``ValueError`` with both shapes if ``y_true`` and ``y_pred`` differ in shape.

    Examples
    --------
    >>> check_same_shape(np.zeros(3), np.zeros((3, 2)))
    Traceback (most recent call last):
    ...
    ValueError: y_true and y_pred must have the same shape, got y_true (3,) and y_pred (3, 2)
    """
    if y_true.shape != y_pred.shape:
        first, second = names
        raise ValueError(
            f"{first} and {second} must have the same shape, got "
            f"{first} {y_true.shape} and {second} {y_pred.shape}"
        )


def check_pair(y_true, y_pred, pred_name: str = "y_pred") -> tuple[np.ndarray, np.ndarray]:
    """Validate, convert to float64 and align the two arguments as Keras's loss classes do.

    The one entry check of every loss in :mod:`lossguide.losses` and every gradient in
    :mod:`lossguide.gradients`, so that both reject bad input with the same message.
    """
    truth = as_float_array(y_true, "y_true")
    prediction = as_float_array(y_pred, pred_name)
    truth, prediction = align_ranks(truth, prediction)
    check_same_shape(truth, prediction, ("y_true", pred_name))
    return truth, prediction


def check_classes(prediction: np.ndarray, loss_name: str) -> None:
    """Require at least two classes on the last axis of a categorical prediction."""
    # Keras only warns here, but with one class the loss is a constant: no signal.
    if prediction.shape[-1] < 2:
        raise ValueError(
            f"{loss_name} needs at least 2 classes on the last axis, got y_pred of shape "
            f"{prediction.shape}; for a single sigmoid output use binary_crossentropy"
        )


def check_probabilities(p: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` if ``p`` has values outside [0, 1], showing the worst one.

    .. math:: 0 \\le p_i \\le 1 \\quad \\text{for all } i

    Examples
    --------
    >>> check_probabilities(np.array([0.2, 1.3, 1.1]), "y_pred")
    Traceback (most recent call last):
    ...
    ValueError: y_pred contains values greater than 1: 1.3
    """
    largest = p.max()
    if largest > 1:
        raise ValueError(f"{name} contains values greater than 1: {largest:.6g}")
    smallest = p.min()
    if smallest < 0:
        raise ValueError(f"{name} contains values less than 0: {smallest:.6g}")


def check_greater_than(
    x: np.ndarray, name: str, bound: float, *, inclusive: bool = False, reason: str = ""
) -> None:
    """Raise ``ValueError`` unless every value of ``x`` is above ``bound``.

    Parameters
    ----------
    x : numpy.ndarray
    name : str
    bound : float
    inclusive : bool
        If True, values equal to ``bound`` are allowed (``x >= bound``).
    reason : str
        Appended to the message to say why the bound exists.

    Examples
    --------
    >>> check_greater_than(np.array([0.5, -2.0]), "y_pred", -1, reason="log(1 + x)")
    Traceback (most recent call last):
    ...
    ValueError: y_pred must be > -1 (log(1 + x)), got -2 at index (1,)
    """
    bad = x < bound if inclusive else x <= bound
    if bad.any():
        position = int(np.argmax(bad.ravel()))
        why = f" ({reason})" if reason else ""
        raise ValueError(
            f"{name} must be {'>=' if inclusive else '>'} {bound:g}{why}, got "
            f"{x.ravel()[position]:.6g} at index {_index(position, x.shape)}"
        )


def check_sparse_labels(labels: np.ndarray, n_classes: int, name: str = "y_true") -> np.ndarray:
    """Check integer class indices in ``[0, n_classes)`` and return them as int64.

    Float labels are accepted when they are whole numbers (Keras casts them).

    .. math:: y_i \\in \\{0, 1, \\dots, K - 1\\}

    Examples
    --------
    >>> check_sparse_labels(np.array([2.0, 0.0]), 3)
    array([2, 0])
    >>> check_sparse_labels(np.array([0.0, 3.0]), 3)
    Traceback (most recent call last):
    ...
    ValueError: y_true holds class indices for 3 classes, so each must be in [0, 3); got 3 at index (1,)
    """
    whole = labels == np.round(labels)
    if not whole.all():
        position = int(np.argmin(whole.ravel()))
        raise ValueError(
            f"{name} must hold whole-number class indices, got "
            f"{labels.ravel()[position]:.6g} at index {_index(position, labels.shape)}"
        )
    outside = (labels < 0) | (labels >= n_classes)
    if outside.any():
        position = int(np.argmax(outside.ravel()))
        raise ValueError(
            f"{name} holds class indices for {n_classes} classes, so each must be in "
            f"[0, {n_classes}); got {labels.ravel()[position]:.0f} at index "
            f"{_index(position, labels.shape)}"
        )
    return labels.astype(np.int64)


def check_hinge_labels(y: np.ndarray, name: str = "y_true") -> np.ndarray:
    """Check hinge labels and return them in {-1, 1}.

    Labels must be all in {-1, 1} or all in {0, 1}; {0, 1} labels are mapped to
    :math:`2y - 1`, as Keras does. Keras leaves a mixture such as {-1, 0, 1}
    unconverted, so every 0 would silently count as "on the boundary"; here a
    mixture is an error.

    Examples
    --------
    >>> check_hinge_labels(np.array([0.0, 1.0, 1.0]))
    array([-1.,  1.,  1.])
    >>> check_hinge_labels(np.array([1.0, 0.5]))
    Traceback (most recent call last):
    ...
    ValueError: y_true must hold hinge labels in {-1, 1} or {0, 1}, got 0.5 at index (1,)
    """
    allowed = (y == -1) | (y == 0) | (y == 1)
    if not allowed.all():
        position = int(np.argmin(allowed.ravel()))
        raise ValueError(
            f"{name} must hold hinge labels in {{-1, 1}} or {{0, 1}}, got "
            f"{y.ravel()[position]:.6g} at index {_index(position, y.shape)}"
        )
    has_minus_one = (y == -1).any()
    has_zero = (y == 0).any()
    if has_minus_one and has_zero:
        raise ValueError(
            f"{name} mixes the label conventions {{-1, 1}} and {{0, 1}}: it contains "
            f"both -1 (at index {_index(int(np.argmax((y == -1).ravel())), y.shape)}) "
            f"and 0 (at index {_index(int(np.argmax((y == 0).ravel())), y.shape)})"
        )
    if has_minus_one:
        return y.copy()
    return 2.0 * y - 1.0


def check_rows_sum_to_one(y: np.ndarray, name: str, *, atol: float = 1e-5) -> None:
    """Warn (:class:`ProbabilityWarning`) if a row along the last axis does not sum to 1.

    .. math:: \\left|\\sum_k y_{ik} - 1\\right| \\le \\text{atol}

    Only a warning, as in scikit-learn: Keras renormalises such rows and the
    result is still defined, but it is rarely what the caller meant. The default
    tolerance accepts float32 softmax outputs, whose sums are off by ~1e-7.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     check_rows_sum_to_one(np.array([[0.5, 0.5], [0.3, 0.4]]), "y_pred")
    >>> print(caught[0].message)
    rows of y_pred should sum to 1 along the last axis; row (1,) sums to 0.7
    """
    sums = y.sum(axis=-1)
    bad = np.abs(sums - 1.0) > atol
    if bad.any():
        position = int(np.argmax(np.ravel(bad)))
        row = _index(position, sums.shape) if sums.ndim else ()
        warnings.warn(
            f"rows of {name} should sum to 1 along the last axis; row {row} sums to "
            f"{np.ravel(sums)[position]:.6g}",
            ProbabilityWarning,
            stacklevel=3,
        )


def check_rows_nonzero(p: np.ndarray, name: str) -> np.ndarray:
    """Return the row sums of ``p`` (keepdims), or raise if a row sums to 0.

    .. math:: s_i = \\sum_k p_{ik} \\ne 0

    Examples
    --------
    >>> check_rows_nonzero(np.array([[0.5, 0.5], [0.0, 0.0]]), "y_pred")
    Traceback (most recent call last):
    ...
    ValueError: y_pred row (1,) sums to 0, so it cannot be normalised
    """
    totals = p.sum(axis=-1, keepdims=True)
    if (totals == 0).any():
        row = tuple(int(i) for i in np.argwhere(totals[..., 0] == 0)[0])
        raise ValueError(f"{name} row {row} sums to 0, so it cannot be normalised")
    return totals


def check_one_hot(y: np.ndarray, name: str) -> None:
    """Warn (:class:`ProbabilityWarning`) unless every row holds one 1 and zeros.

    Categorical hinge reads ``sum(y * p)`` as "the true class's score"; for a row
    that is not one-hot that is some other quantity, silently.

    .. math:: y_{ik} \\in \\{0, 1\\}, \\quad \\sum_k y_{ik} = 1

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     check_one_hot(np.array([[0.0, 1.0], [0.3, 0.7]]), "y_true")
    >>> print(caught[0].message)
    rows of y_true should be one-hot; row (1,) is [0.3 0.7]
    """
    binary = (y == 0) | (y == 1)
    good = binary.all(axis=-1) & (y.sum(axis=-1) == 1)
    if not good.all():
        position = int(np.argmin(np.ravel(good)))
        row = _index(position, good.shape) if good.ndim else ()
        values = y.reshape(-1, y.shape[-1])[position]
        warnings.warn(
            f"rows of {name} should be one-hot; row {row} is {values}",
            ProbabilityWarning,
            stacklevel=3,
        )


def check_sparse_pair(y_true, y_pred, loss_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Entry check of the sparse cross-entropy: integer labels and ``(..., K)`` scores.

    ``y_true`` has the shape of ``y_pred`` without its last axis, optionally
    followed by 1; a scalar label goes with a ``(K,)`` prediction, as in Keras.

    Returns
    -------
    indices : numpy.ndarray of int64
        Shape ``y_pred.shape[:-1]``.
    prediction : numpy.ndarray of float64

    Examples
    --------
    >>> indices, prediction = check_sparse_pair([[2], [0]], [[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]], "scce")
    >>> indices
    array([2, 0])
    >>> check_sparse_pair([0, 1], [[0.5, 0.5]], "scce")
    Traceback (most recent call last):
    ...
    ValueError: y_true must have the shape of y_pred without its last (class) axis, optionally followed by 1: got y_true (2,) and y_pred (1, 2)
    """
    # One sample: Keras takes a scalar label with a (K,) prediction; so do we.
    scalar = isinstance(y_true, numbers.Number) or (
        isinstance(y_true, np.ndarray) and y_true.ndim == 0
    )
    if scalar and np.ndim(y_pred) == 1:
        y_true = [y_true]
    labels = as_float_array(y_true, "y_true")
    prediction = as_float_array(y_pred, "y_pred")
    given_shape = labels.shape
    if labels.ndim == prediction.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.shape != prediction.shape[:-1]:
        raise ValueError(
            "y_true must have the shape of y_pred without its last (class) axis, "
            f"optionally followed by 1: got y_true {given_shape} and y_pred {prediction.shape}"
        )
    check_classes(prediction, loss_name)
    return check_sparse_labels(labels, prediction.shape[-1], "y_true"), prediction


def check_pos_weight(pos_weight, scores: np.ndarray):
    """Return ``pos_weight`` as a float or a float64 array that broadcasts to ``scores``.

    .. math:: w \\ge 0

    Examples
    --------
    >>> check_pos_weight(3, np.zeros((2, 2)))
    3.0
    >>> check_pos_weight(np.array([1.0, 2.0, 3.0]), np.zeros((2, 2)))
    Traceback (most recent call last):
    ...
    ValueError: pos_weight of shape (3,) does not broadcast to logits of shape (2, 2)
    """
    if np.ndim(pos_weight) == 0:
        value = pos_weight.item() if isinstance(pos_weight, np.ndarray) else pos_weight
        return check_scalar(value, "pos_weight", low=0.0)
    weight = as_float_array(pos_weight, "pos_weight")
    check_greater_than(weight, "pos_weight", 0.0, inclusive=True)
    try:
        broadcast = np.broadcast_shapes(weight.shape, scores.shape)
    except ValueError:
        raise ValueError(
            f"pos_weight of shape {weight.shape} does not broadcast to logits of "
            f"shape {scores.shape}"
        ) from None
    if broadcast != scores.shape:
        raise ValueError(
            f"pos_weight of shape {weight.shape} would enlarge logits of shape {scores.shape}"
        )
    return weight
