"""Which loss, output activation, target encoding and metric fit a target array.

:func:`recommend` looks only at the training targets and applies a short list of
documented rules; it returns a :class:`Recommendation`, a frozen record whose
``as_dict()`` rows make a table when several are shown together.

The tasks it can name:

``"real-valued"``
    Floats (or whole numbers that include negatives): linear output,
    ``mean_squared_error``; ``huber``, ``mean_absolute_error`` and ``log_cosh``
    are offered when the targets have outliers.
``"positive-skewed"``
    Non-negative floats with a long right tail (skewness above 1): softplus
    output, ``mean_squared_logarithmic_error``, which compares ``log(1 + y)``.
``"counts"``
    Non-negative whole numbers with many distinct values (or gaps): softplus
    output, ``poisson``.
``"binary-01"``
    Exactly the values 0 and 1 (or booleans): sigmoid output,
    ``binary_crossentropy``.
``"binary-pm1"``
    Exactly the values -1 and 1: tanh output, ``hinge``.  Keras's ``"accuracy"``
    is wrong for these targets, so the metric is a sign accuracy.
``"integer-classes"``
    Whole numbers that are exactly 0, 1, ..., K-1 with K <= 20 (or any labels
    below ``n_classes``): softmax output, ``sparse_categorical_crossentropy``.
``"one-hot"``
    Rows of 0s and 1s with exactly one 1: softmax output,
    ``categorical_crossentropy``.
``"multi-label"``
    Rows of values in [0, 1] that do not sum to one (any number of labels may
    be on): sigmoid output, ``binary_crossentropy`` per column.
``"probabilities"``
    Non-negative rows summing to one with fractional values: softmax output,
    ``categorical_crossentropy`` (or ``kl_divergence``).
"""

from __future__ import annotations

import dataclasses
import html
import numbers
import warnings

import numpy as np
from scipy import stats

__all__ = ["MAX_CLASSES", "Recommendation", "TASKS", "recommend"]

#: The largest K for which whole numbers 0..K-1 are read as class labels.
MAX_CLASSES = 20

TASKS = (
    "real-valued",
    "positive-skewed",
    "counts",
    "binary-01",
    "binary-pm1",
    "integer-classes",
    "one-hot",
    "multi-label",
    "probabilities",
)

# Iglewicz & Hoaglin (1993): a modified z-score above 3.5 marks a potential outlier.
_OUTLIER_Z = 3.5
# A normal sample exceeds that score with probability 0.0005, so more than 0.5%
# flagged points means a tail heavier than a Gaussian's, not bad luck.
_OUTLIER_FRACTION = 0.005
# Skewness above 1 is "highly skewed" (Bulmer, 1979); a Gaussian sample of 100
# has skewness with standard deviation about 0.24, so 1 is not reached by chance.
_SKEW_THRESHOLD = 1.0
_ROW_SUM_TOLERANCE = 1e-6


@dataclasses.dataclass(frozen=True)
class Recommendation:
    """What :func:`recommend` suggests for one target array.

    Attributes
    ----------
    task : str
        One of :data:`TASKS` (see the module docstring).
    loss : str
        Keras loss identifier for ``model.compile(loss=...)``.
    activation : str
        Keras activation of the output layer.
    encoding : str
        How the targets must be given to ``fit``.
    metric : str
        Keras metric identifier; ``"sign_accuracy"`` for ``{-1, 1}`` targets is
        not one: pass :func:`lossguide.metrics.sign_accuracy` to ``compile``.
    reason : str
        One sentence saying which rule fired.
    alternatives : tuple of str
        Other Keras loss identifiers worth trying.
    """

    task: str
    loss: str
    activation: str
    encoding: str
    metric: str
    reason: str
    alternatives: tuple = ()

    def as_dict(self) -> dict:
        """The fields as a plain dict, ``alternatives`` joined into one string.

        One dict per recommendation gives a table:
        ``pandas.DataFrame([r.as_dict() for r in recs])``.

        Examples
        --------
        >>> recommend([0, 1, 1, 0]).as_dict()["loss"]
        'binary_crossentropy'
        """
        row = dataclasses.asdict(self)
        row["alternatives"] = ", ".join(self.alternatives)
        return row

    def __str__(self) -> str:
        width = max(len(name) for name in self.as_dict())
        return "\n".join(f"{name:<{width}}  {value}" for name, value in self.as_dict().items())

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(name)}</th>"
            f"<td style='text-align:left'>{html.escape(str(value))}</td></tr>"
            for name, value in self.as_dict().items()
        )
        return f"<table>{rows}</table>"


def recommend(y_train, *, n_classes=None) -> Recommendation:
    """Suggest a loss, output activation, encoding and metric for ``y_train``.

    The rules, applied in this order to a 1-D array (a column vector ``(n, 1)``
    counts as 1-D; booleans as 0/1):

    1. only 0 and 1 → ``binary-01`` (``integer-classes`` if ``n_classes > 2``);
    2. only -1 and 1 → ``binary-pm1``;
    3. whole numbers ≥ 0 that are exactly ``0..K-1`` with ``K <= 20``, or any
       whole numbers ≥ 0 when ``n_classes`` is given → ``integer-classes``;
    4. other whole numbers ≥ 0 → ``counts``;
    5. non-negative with sample skewness above 1 → ``positive-skewed``;
    6. anything else → ``real-valued``.

    A 2-D array ``(n, k)`` with ``k >= 2``: rows of 0/1 with one 1 → ``one-hot``;
    rows in [0, 1] not all summing to one → ``multi-label``; non-negative rows
    summing to one → ``probabilities``; otherwise the 1-D numeric rules 4-6 per
    column.

    Outliers are flagged with the modified z-score of Iglewicz and Hoaglin,

    .. math::

        M_i = \\frac{0.6745\\,(y_i - \\operatorname{median}(y))}{\\operatorname{MAD}(y)},

    (on :math:`\\log(1 + y)` for skewed targets, whose long tail is expected):
    more than 0.5% of points with :math:`|M_i| > 3.5` (a Gaussian gives 0.05%)
    means heavy tails, and robust losses are offered as alternatives.

    Parameters
    ----------
    y_train : array_like
        Training targets, shape ``(n,)``, ``(n, 1)`` or ``(n, k)``.
    n_classes : int, optional
        Number of classes when known; makes whole numbers read as class labels
        (and must equal ``k`` for 2-D targets).

    Returns
    -------
    Recommendation

    Raises
    ------
    TypeError
        For strings, mixed types, complex numbers or a non-integer ``n_classes``.
    ValueError
        For empty, ragged, NaN/inf or 3-D+ targets, or labels inconsistent with
        ``n_classes``.

    Warns
    -----
    UserWarning
        When classification targets hold a single class.

    Examples
    --------
    >>> rec = recommend([3, 0, 2, 1, 2])
    >>> rec.task, rec.loss, rec.activation
    ('integer-classes', 'sparse_categorical_crossentropy', 'softmax')
    >>> recommend([-1, 1, 1, -1]).metric
    'sign_accuracy'
    >>> recommend([[0.2, 0.8], [0.5, 0.5]]).task
    'probabilities'
    """
    y = _as_target_array(y_train)
    n_classes = _check_n_classes(n_classes)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim == 1:
        return _recommend_1d(y, n_classes)
    return _recommend_2d(y, n_classes)


def _as_target_array(y_train) -> np.ndarray:
    if isinstance(y_train, (str, bytes)):
        raise TypeError(f"y_train must be an array of numbers, got a string: {y_train!r}")
    try:
        y = np.asarray(y_train)
    except ValueError as error:
        # NumPy 2 refuses lists of lists of different lengths outright.
        raise ValueError(
            f"y_train is ragged (rows of different lengths); give a rectangular array: {error}"
        ) from None
    if y.dtype == object:
        kinds = sorted({type(value).__name__ for value in y.ravel()})
        if any(isinstance(value, (list, tuple, np.ndarray)) for value in y.ravel()):
            raise ValueError("y_train is ragged (rows of different lengths); give a rectangular array")
        if all(isinstance(value, numbers.Real) for value in y.ravel()):
            y = y.astype(float)
        else:
            raise TypeError(f"y_train must hold numbers only, found mixed types: {kinds}")
    if y.dtype.kind in "USV" and not isinstance(y_train, np.ndarray):
        # NumPy turns ["a", 1] into strings silently; look at the original elements.
        kinds = sorted({type(value).__name__ for value in np.asarray(y_train, dtype=object).ravel()})
        if len(kinds) > 1:
            raise TypeError(f"y_train must hold numbers only, found mixed types: {kinds}")
    if y.dtype.kind in "USV":
        raise TypeError(
            f"y_train holds strings (dtype {y.dtype}, e.g. {y.ravel()[0].item()!r}); encode the "
            "labels as integers 0..K-1 first, e.g. with sklearn.preprocessing.LabelEncoder"
        )
    if y.dtype.kind == "c":
        raise TypeError(f"y_train must be real, got complex dtype {y.dtype}")
    if y.dtype.kind not in "biuf":
        raise TypeError(f"y_train must hold numbers, got dtype {y.dtype}")
    if y.ndim == 0:
        raise ValueError(f"y_train must be an array of targets, got a scalar: {y.item()!r}")
    if y.ndim > 2:
        raise ValueError(f"y_train must be 1-D or 2-D, got shape {y.shape}")
    if y.size == 0:
        raise ValueError(f"y_train is empty (shape {y.shape})")
    y = y.astype(float)
    bad = ~np.isfinite(y)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"y_train contains {int(bad.sum())} NaN or infinite value(s), "
            f"the first at index {first[0] if len(first) == 1 else first}: {y[first]}"
        )
    return y


def _check_n_classes(n_classes):
    if n_classes is None:
        return None
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral):
        raise TypeError(f"n_classes must be an int, got {type(n_classes).__name__}: {n_classes!r}")
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    return int(n_classes)


def _single_class_note(values) -> str:
    if len(values) > 1:
        return ""
    label = _format_number(values[0])
    warnings.warn(
        f"y_train holds a single class ({label}); a classifier cannot learn from it",
        UserWarning,
        stacklevel=4,
    )
    return f" (warning: only the class {label} is present)"


def _format_number(value) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _recommend_1d(y: np.ndarray, n_classes) -> Recommendation:
    values = np.unique(y)
    is_whole = bool(np.all(y == np.round(y)))

    if set(values) <= {0.0, 1.0} and (n_classes is None or n_classes == 2):
        return Recommendation(
            task="binary-01",
            loss="binary_crossentropy",
            activation="sigmoid",
            encoding="0/1 floats, shape (n, 1): one sigmoid unit",
            metric="accuracy",
            reason="Targets are 0 and 1, so a sigmoid output read as P(y = 1) with binary "
            "cross-entropy is the maximum-likelihood choice" + _single_class_note(values) + ".",
            alternatives=("binary_focal_crossentropy", "hinge"),
        )

    if set(values) <= {-1.0, 1.0}:
        if n_classes not in (None, 2):
            raise ValueError(f"y_train holds only -1 and 1, which is 2 classes, not n_classes={n_classes}")
        return Recommendation(
            task="binary-pm1",
            loss="hinge",
            activation="tanh",
            encoding="-1/1 floats, shape (n, 1); for binary_crossentropy map them to 0/1 with (y + 1) / 2",
            metric="sign_accuracy",
            reason="Targets are -1 and 1, the margin form hinge loss expects with a tanh output; "
            "Keras's 'accuracy' thresholds at 0.5 on 0/1 and counts every correct -1 as wrong, "
            "so measure mean(sign(y_pred) == y_true)" + _single_class_note(values) + ".",
            alternatives=("squared_hinge", "binary_crossentropy"),
        )

    if is_whole and values[0] >= 0:
        top = int(values[-1])
        if n_classes is not None:
            if top >= n_classes:
                raise ValueError(
                    f"y_train has label {top}, but labels must be below n_classes={n_classes}"
                )
            missing = sorted(set(range(n_classes)) - {int(v) for v in values})
            note = f" (classes {missing} never appear)" if missing else ""
            if len(values) == 1:
                note = _single_class_note(values)
            return _integer_classes(n_classes, f"n_classes={n_classes} was given{note}")
        if len(values) <= MAX_CLASSES and top == len(values) - 1 and len(values) > 2:
            return _integer_classes(
                len(values),
                f"the values are exactly 0..{top}, every one present (if they are counts "
                "rather than categories, use 'poisson')",
            )
        return Recommendation(
            task="counts",
            loss="poisson",
            activation="softplus",
            encoding="non-negative whole numbers as floats, shape (n, 1)",
            metric="mae",
            reason=f"Targets are non-negative whole numbers with {len(values)} distinct values "
            f"up to {top}, read as counts, so a Poisson likelihood with a positive (softplus) "
            "output fits (pass n_classes if they are class labels).",
            alternatives=("mean_squared_logarithmic_error", "mean_squared_error"),
        )

    return _recommend_numeric(y[:, None], whole_negative=is_whole)


def _integer_classes(k: int, why: str) -> Recommendation:
    return Recommendation(
        task="integer-classes",
        loss="sparse_categorical_crossentropy",
        activation="softmax",
        encoding=f"integer labels 0..{k - 1}, shape (n,); the output layer has {k} units",
        metric="accuracy",
        reason=f"Targets are class indices for {k} classes: {why}.",
        alternatives=("categorical_crossentropy", "categorical_focal_crossentropy"),
    )


def _recommend_2d(y: np.ndarray, n_classes) -> Recommendation:
    k = y.shape[1]
    if n_classes is not None and n_classes != k:
        raise ValueError(f"y_train has {k} columns (shape {y.shape}) but n_classes={n_classes}")
    in_unit_interval = bool(np.all((y >= 0) & (y <= 1)))
    binary = bool(np.all((y == 0) | (y == 1)))
    sums_to_one = bool(np.all(np.abs(y.sum(axis=1) - 1) <= _ROW_SUM_TOLERANCE))

    if binary and sums_to_one:
        unused = [j for j in range(k) if not y[:, j].any()]
        used = [j for j in range(k) if j not in unused]
        note = _single_class_note(used) if len(used) == 1 else ""
        if unused and not note:
            note = f" (columns {unused} are never on)"
        return Recommendation(
            task="one-hot",
            loss="categorical_crossentropy",
            activation="softmax",
            encoding=f"one-hot rows, shape (n, {k}); or argmax labels with sparse_categorical_crossentropy",
            metric="accuracy",
            reason=f"Each row holds a single 1 among {k} columns, a one-hot class, so a softmax "
            f"over {k} units with categorical cross-entropy fits{note}.",
            alternatives=("sparse_categorical_crossentropy", "categorical_focal_crossentropy"),
        )
    if in_unit_interval and not sums_to_one:
        kind = "0/1 labels" if binary else "values in [0, 1]"
        return Recommendation(
            task="multi-label",
            loss="binary_crossentropy",
            activation="sigmoid",
            encoding=f"{kind}, shape (n, {k}): one sigmoid unit per label",
            metric="binary_accuracy",
            reason=f"Rows of {kind} do not all sum to one, so the {k} labels are independent "
            "yes/no questions, each a sigmoid with binary cross-entropy.",
            alternatives=("binary_focal_crossentropy",),
        )
    if sums_to_one and bool(np.all(y >= 0)):
        return Recommendation(
            task="probabilities",
            loss="categorical_crossentropy",
            activation="softmax",
            encoding=f"probability rows summing to 1, shape (n, {k})",
            metric="kl_divergence",
            reason=f"Rows are non-negative with fractional values summing to one, distributions "
            f"over {k} outcomes, so a softmax output with cross-entropy (equal to KL divergence "
            "up to a constant) fits.",
            alternatives=("kl_divergence",),
        )
    if bool(np.all(y == np.round(y))) and bool(np.all(y >= 0)):
        return Recommendation(
            task="counts",
            loss="poisson",
            activation="softplus",
            encoding=f"non-negative whole numbers as floats, shape (n, {k})",
            metric="mae",
            reason=f"The {k} columns hold non-negative whole numbers that are neither one-hot nor "
            "0/1 labels, read as counts, so a Poisson likelihood with a softplus output fits.",
            alternatives=("mean_squared_logarithmic_error", "mean_squared_error"),
        )
    return _recommend_numeric(y, whole_negative=False)


def _outlier_fraction(y: np.ndarray) -> float:
    """Largest fraction, over columns, of points with modified z-score above 3.5."""
    worst = 0.0
    for column in y.T:
        deviation = np.abs(column - np.median(column))
        mad = np.median(deviation)
        if mad > 0:
            # 0.6745 is the 0.75 quantile of N(0, 1): it makes MAD estimate sigma.
            z = 0.6745 * deviation / mad
        else:
            # More than half the values are equal; Iglewicz & Hoaglin then scale by
            # the mean absolute deviation (1.253314 = sqrt(pi / 2) for a Gaussian).
            mean_deviation = deviation.mean()
            if mean_deviation == 0:
                continue
            z = deviation / (1.253314 * mean_deviation)
        worst = max(worst, float(np.mean(z > _OUTLIER_Z)))
    return worst


def _skewness(y: np.ndarray) -> float:
    """Smallest skewness over columns (0 for a constant column)."""
    skews = []
    for column in y.T:
        skews.append(0.0 if np.ptp(column) == 0 else float(stats.skew(column)))
    return min(skews)


def _recommend_numeric(y: np.ndarray, *, whole_negative: bool) -> Recommendation:
    shape = "(n, 1)" if y.shape[1] == 1 else f"(n, {y.shape[1]})"
    skew = _skewness(y) if y.shape[0] > 2 else 0.0
    if bool(np.all(y >= 0)) and skew > _SKEW_THRESHOLD:
        # The long right tail is what this task expects; look for outliers where
        # MSLE works, on the log scale.
        heavy = _outlier_fraction(np.log1p(y)) > _OUTLIER_FRACTION
        extra = ", and even log(1 + y) has outliers" if heavy else ""
        return Recommendation(
            task="positive-skewed",
            loss="mean_squared_logarithmic_error",
            activation="softplus",
            encoding=f"non-negative floats, shape {shape}, not standardized "
            "(Keras's MSLE floors y at 1e-7: negative values count as 0)",
            metric="mae",
            reason=f"Targets are non-negative with skewness {skew:.2f} > 1, so comparing "
            f"log(1 + y) with MSLE keeps the long tail from dominating{extra}.",
            alternatives=("huber", "mean_absolute_error") if heavy else ("mean_squared_error", "huber"),
        )
    fraction = _outlier_fraction(y)
    if whole_negative:
        why = "Targets are whole numbers including negatives (so neither counts nor class indices"
        why += "; re-encode them as 0..K-1 if they are classes)"
    else:
        why = "Targets are real numbers"
    if bool(np.all((y >= 0) & (y <= 1))) and not whole_negative:
        why += " in [0, 1] (if they are probabilities, a sigmoid with binary_crossentropy also fits)"
    if fraction > _OUTLIER_FRACTION:
        return Recommendation(
            task="real-valued",
            loss="mean_squared_error",
            activation="linear",
            encoding=f"floats, shape {shape}; standardize with the training mean and sd",
            metric="mae",
            reason=f"{why}, but {100 * fraction:.1f}% of them are outliers (modified z-score "
            "> 3.5), which dominate a squared error: try the robust alternatives.",
            alternatives=("huber", "mean_absolute_error", "log_cosh"),
        )
    return Recommendation(
        task="real-valued",
        loss="mean_squared_error",
        activation="linear",
        encoding=f"floats, shape {shape}; standardize with the training mean and sd",
        metric="mae",
        reason=f"{why} without heavy tails, so a linear output with squared error (the Gaussian "
        "maximum-likelihood loss) fits.",
        alternatives=("mean_absolute_error", "huber"),
    )
