"""Which loss, output activation, target encoding and metric fit a target array.

:func:`recommend` reads what the training targets *mean*, not how they are
stored: the coding of the labels (0/1, -1/+1, 1/2, numbered from 1) never
changes the loss, only the encoding that maps them to what the loss expects.
Where the array cannot settle the meaning (are small whole numbers classes,
counts or ordered levels?) it says so: the :class:`Recommendation` is marked
``ambiguous``, holds one full recommendation per plausible reading in
``candidates``, and an :class:`AmbiguousTargetWarning` names the ``task=`` to
pass.  ``task``, ``n_classes`` and ``quantile`` always win over the values.

.. rubric:: The decision table

.. list-table::
   :header-rows: 1

   * - the targets
     - task
     - loss (output activation)
     - encoding
     - metric
   * - real values
     - regression
     - ``mean_squared_error`` (linear): the mean
     - standardize
     - ``mse``
   * - ``quantile=tau`` given
     - regression
     - ``pinball``, ``loss_options={"quantile": tau}`` (linear); tau = 0.5:
       ``mean_absolute_error``, the median
     - standardize
     - the pinball loss (``mae`` at 0.5)
   * - fractions in [0, 1]
     - regression
     - ``binary_crossentropy`` on the soft targets (sigmoid): the mean
     - as they are
     - ``mse``
   * - positive, skewness > 1, reaching within one sd of 0
     - regression
     - ``poisson`` (exponential): the mean; the notes say what MSLE, MSE on
       log y and MAE estimate instead
     - unscaled
     - ``mse``
   * - whole numbers >= 0 that cannot be class labels
     - counts (ambiguous with regression)
     - ``poisson`` (exponential; softplus is the alternative)
     - unscaled
     - ``mse``
   * - two values: 0/1, booleans, -1/+1, 1/2, any a/b
     - binary
     - ``binary_crossentropy`` (sigmoid)
     - map to 0/1
     - ``binary_accuracy``; PR-AUC when the minority is under 20 %
   * - small whole numbers 0..K-1 or 1..K, K >= 3
     - ambiguous: multiclass, counts or ordinal
     - see those rows
     - subtract 1 for 1..K
     - see those rows
   * - integer labels with ``n_classes`` (or read as classes)
     - multiclass
     - ``sparse_categorical_crossentropy`` (softmax)
     - labels 0..K-1
     - ``sparse_categorical_accuracy``; macro F1 (one-hot,
       ``categorical_crossentropy``) when imbalanced
   * - one-hot rows
     - multiclass
     - ``categorical_crossentropy`` (softmax)
     - as they are
     - ``categorical_accuracy``; macro F1 when imbalanced
   * - 0/1 rows with any number of ones
     - multilabel
     - ``binary_crossentropy`` (one sigmoid per label)
     - as they are
     - PR-AUC averaged over labels, never binary accuracy
   * - non-negative rows summing to one
     - distribution
     - ``categorical_crossentropy`` (softmax)
     - as they are
     - ``kl_divergence``
   * - ordered levels (``task="ordinal"``, or read so)
     - ordinal
     - ``binary_crossentropy`` on K-1 cumulative targets [y > k] (sigmoid)
     - cumulative 0/1 columns
     - level MAE: ``|predicted level - level|`` with the predicted level the
       number of outputs above 0.5 (``lossguide.keras_losses.level_absolute_error``)

The regression rows follow the functional view of scikit-learn's "Which scoring
function should I use?" (Gneiting, 2011): a loss is chosen by the summary of
``y`` given ``x`` it estimates (mean, median, quantile), and the metric is one
that the same summary minimises, so the recommended loss is not judged by a
score that rewards another.  The array shows only the marginal distribution of
``y``, never the residuals, so heavy tails are reported in ``notes`` rather
than called outliers.  A class is *imbalanced* when the smallest class has
fewer than :data:`IMBALANCE_RATIO` times the rows of the largest; for two
classes that is a minority share below 20 %, the "moderate" and "extreme"
degrees of Google's Machine Learning Crash Course.

The ``metric`` field is what to pass to ``model.compile(metrics=[...])``: a
Keras metric identifier (``"binary_accuracy"``, ``"mse"``) or, when the metric
needs arguments, the Python expression that builds it
(``"keras.metrics.AUC(curve='PR', name='pr_auc')"``).  Never the bare
``"accuracy"``, which Keras 3 resolves from the shapes.
:meth:`Recommendation.keras_metric` returns the object in both cases,
:meth:`Recommendation.keras_loss` the loss (a function for lossguide's own
``pinball``), and :meth:`Recommendation.encode` applies the label mapping.

Examples
--------
>>> import warnings
>>> recommend([-1, 1, 1, -1]).loss, recommend([1, 2, 2, 1]).encoding.split(";")[0]
('binary_crossentropy', 'map 1/2 to 0/1 by subtracting 1 (y - 1)')
>>> ratings = [1] * 7 + [2] * 8 + [3] * 15 + [4] * 30 + [5] * 40
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     rec = recommend(ratings)
>>> rec.ambiguous, rec.task, [c.task for c in rec.candidates]
(True, 'ordinal', ['ordinal', 'multiclass', 'counts'])
>>> caught[0].category.__name__
'AmbiguousTargetWarning'
>>> recommend(ratings, task="multiclass").encoding.split(":")[0]
'subtract 1 (y - 1)'
"""

from __future__ import annotations

import ast
import dataclasses
import html
import numbers
import types
import warnings

import numpy as np
from scipy import stats

__all__ = [
    "IMBALANCE_RATIO",
    "MAX_CLASSES",
    "MAX_RATING_LEVELS",
    "TASKS",
    "AmbiguousTargetWarning",
    "Recommendation",
    "recommend",
]

#: The tasks :func:`recommend` names (and accepts as ``task=``).
TASKS = ("regression", "counts", "binary", "multiclass", "multilabel", "distribution", "ordinal")

#: Whole numbers whose range ``0..K-1`` (or ``1..K``) holds at most this many
#: values may be class labels whatever their frequencies; beyond it only labels
#: with about equal frequencies are read as possible classes.
MAX_CLASSES = 20

#: The longest scale numbered from 1 (or from a negative number) that is first
#: read as ordered levels, like a rating, when its frequencies are unequal.
MAX_RATING_LEVELS = 10

#: A class is rare when it has fewer than this share of the largest class's rows
#: (for two classes: a minority share below 20 %).
IMBALANCE_RATIO = 0.25

# Significance level of the frequency tests (equal class sizes; a single peak).
_TEST_LEVEL = 0.01
# A Poisson count has variance/mean = 1; up to 2 still reads as a count.
_POISSON_DISPERSION = 2.0
# Iglewicz & Hoaglin (1993): a modified z-score above 3.5 marks a potential outlier.
_OUTLIER_Z = 3.5
# A normal sample exceeds that score with probability 0.0005, so more than 0.5%
# flagged points means a tail heavier than a Gaussian's, not bad luck.
_OUTLIER_FRACTION = 0.005
# Skewness above 1 is "highly skewed" (Bulmer, 1979); a Gaussian sample of 100
# has skewness with standard deviation about 0.24, so 1 is not reached by chance.
_SKEW_THRESHOLD = 1.0
# ... and the values must reach within this many standard deviations of 0: a positive
# quantity that varies by factors (prices, incomes), not 100 + a skewed offset.
_NEAR_ZERO_SDS = 1.0
_ROW_SUM_TOLERANCE = 1e-6
# Labels spread wider than this are not numbered classes (or levels); they need re-encoding.
_MAX_DERIVED_LABELS = 100_000

_PR_AUC = "keras.metrics.AUC(curve='PR', name='pr_auc')"
_PR_AUC_LABELS = "keras.metrics.AUC(curve='PR', multi_label=True, name='pr_auc')"
_LEVEL_MAE = ("keras.metrics.MeanMetricWrapper(lossguide.keras_losses.level_absolute_error, "
              "name='level_mae')")
_MACRO_F1 = "keras.metrics.F1Score(average='macro', name='macro_f1')"


class AmbiguousTargetWarning(UserWarning):
    """The targets allow several readings; :func:`recommend` names the ``task=`` to pass."""


@dataclasses.dataclass(frozen=True)
class Recommendation:
    """What :func:`recommend` suggests for one target array.

    Attributes
    ----------
    task : str
        One of :data:`TASKS`.
    loss : str
        Loss identifier: a Keras name for ``model.compile(loss=...)``, or
        ``"pinball"``, which Keras does not ship (:meth:`keras_loss` builds it
        from ``lossguide.keras_losses`` with ``loss_options``).
    activation : str
        Keras activation of the output layer.
    encoding : str
        How to turn the targets into what ``fit`` needs (:meth:`encode` does it).
    metric : str
        What to pass to ``compile(metrics=[...])``: a Keras metric identifier, or
        the expression that builds a metric object, e.g.
        ``"keras.metrics.AUC(curve='PR', name='pr_auc')"`` (:meth:`keras_metric`).
    reason : str
        One sentence saying which rule fired.
    alternatives : tuple of str
        Other loss identifiers worth trying (the notes say with which output).
    ambiguous : bool
        True when the array allows several readings; then ``task``, ``loss``
        and the others are the most likely one.
    candidates : tuple of Recommendation
        When ambiguous, one full recommendation per plausible reading, the most
        likely first; ``()`` otherwise.
    notes : tuple of str
        What else to know: imbalance and its remedies, what the array cannot
        reveal (residuals, censoring, order, label noise), what the other
        choices estimate.
    loss_options : mapping
        Keyword options of the loss, e.g. ``{"quantile": 0.9}`` (read-only).
    units : int
        Units of the output layer.
    """

    task: str
    loss: str
    activation: str
    encoding: str
    metric: str
    reason: str
    alternatives: tuple = ()
    ambiguous: bool = False
    candidates: tuple = ()
    notes: tuple = ()
    loss_options: types.MappingProxyType = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({}), hash=False)
    units: int = 1
    _transform: tuple = dataclasses.field(default=("float",), repr=False)

    def __post_init__(self):
        # Frozen all the way down: tuples, and a read-only copy of the options.
        object.__setattr__(self, "alternatives", tuple(self.alternatives))
        object.__setattr__(self, "candidates", tuple(self.candidates))
        object.__setattr__(self, "notes", tuple(self.notes))
        object.__setattr__(self, "loss_options", types.MappingProxyType(dict(self.loss_options)))

    def as_dict(self) -> dict:
        """The public fields as a plain dict of strings, numbers and booleans.

        ``alternatives`` and ``candidates`` (by task) are joined with ", ",
        ``notes`` with a space, ``loss_options`` as ``name=value``; one dict per
        recommendation gives a table: ``pandas.DataFrame([r.as_dict() for r in recs])``.

        Examples
        --------
        >>> recommend([0, 1, 1, 0]).as_dict()["loss"]
        'binary_crossentropy'
        >>> recommend([0.3, 1.2, 2.5], quantile=0.9).as_dict()["loss_options"]
        'quantile=0.9'
        """
        row = {}
        for field in dataclasses.fields(self):
            if field.name.startswith("_"):
                continue
            value = getattr(self, field.name)
            if field.name == "alternatives":
                value = ", ".join(value)
            elif field.name == "candidates":
                value = ", ".join(candidate.task for candidate in value)
            elif field.name == "notes":
                value = " ".join(value)
            elif field.name == "loss_options":
                value = ", ".join(f"{name}={option!r}" for name, option in value.items())
            row[field.name] = value
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

    def keras_loss(self):
        """The loss for ``model.compile(loss=...)``.

        A Keras identifier is returned as it is; ``"pinball"`` (no Keras twin)
        becomes a function of ``(y_true, y_pred)`` from
        ``lossguide.keras_losses`` with ``loss_options`` bound.

        Examples
        --------
        >>> recommend([0, 1, 1, 0]).keras_loss()
        'binary_crossentropy'
        """
        try:
            from . import keras_losses
        except ImportError:
            keras_losses = None
        if keras_losses is not None and self.loss in keras_losses.NAMES:
            function, options = keras_losses.get(self.loss), dict(self.loss_options)

            def loss(y_true, y_pred):
                return function(y_true, y_pred, **options)

            loss.__name__ = self.loss
            return loss
        if keras_losses is None and self.loss == "pinball":
            raise ImportError("the pinball loss needs lossguide.keras_losses, which is not available")
        if self.loss_options:
            raise ValueError(f"{self.loss!r} takes no options here, got {dict(self.loss_options)}")
        return self.loss

    def keras_metric(self):
        """The metric for ``model.compile(metrics=[...])``, built from ``metric``.

        An identifier is returned as it is; an expression such as
        ``"keras.metrics.AUC(curve='PR', name='pr_auc')"`` is parsed (only calls
        of ``keras.metrics`` classes with literal arguments, and
        ``lossguide.keras_losses.get(name)``) and the object built.

        Examples
        --------
        >>> recommend([0, 1, 1, 0]).keras_metric()
        'binary_accuracy'
        """
        return _build_metric(self.metric)

    def encode(self, y):
        """Apply the label mapping of ``encoding`` to ``y`` (training or test targets).

        Returns float64 arrays of shape ``(n, units)`` (integer labels ``(n,)``
        for sparse categorical cross-entropy). Scaling the encoding advises
        (standardizing) is not applied: compute it from the training targets.

        Examples
        --------
        >>> recommend([-1, 1, 1]).encode([1, -1]).ravel().tolist()
        [1.0, 0.0]
        >>> recommend([1, 2, 3, 2, 1, 3], task="multiclass").encode([3, 1]).tolist()
        [2, 0]
        """
        y, _ = _as_target_array(y, name="y")
        if y.ndim == 2 and y.shape[1] == 1 and self._transform[0] != "rows":
            y = y[:, 0]
        kind = self._transform[0]
        if kind == "float":
            return y[:, None] if y.ndim == 1 else y.copy()
        if kind == "rows":
            if y.ndim != 2 or y.shape[1] != self.units:
                raise ValueError(f"y must have shape (n, {self.units}) like the training targets, got {y.shape}")
            return y.copy()
        if kind == "column":
            if y.ndim != 2 or y.shape[1] != 2:
                raise ValueError(f"y must be one-hot rows of shape (n, 2) like the training targets, got {y.shape}")
            return y[:, 1:2].copy()
        if y.ndim != 1:
            raise ValueError(f"y must be one label per row, shape (n,) or (n, 1), got {y.shape}")
        if kind == "binary":
            negative, positive = self._transform[1:]
            unknown = ~np.isin(y, (negative, positive))
            if unknown.any():
                index = int(np.argmax(unknown))
                raise ValueError(f"y holds {_format_number(y[index])} at index {index}, which is not one of "
                                 f"the training codes {_format_number(negative)}/{_format_number(positive)}")
            return (y == positive).astype(float)[:, None]
        labels = _labels_of(y, self._transform)
        if kind == "cumulative":
            levels = self.units + 1
            return (labels[:, None] > np.arange(levels - 1)).astype(float)
        if self._transform[4]:  # one-hot rows
            return np.eye(self._transform[3])[labels]
        return labels


def _labels_of(y, transform) -> np.ndarray:
    """Class (or level) indices 0..K-1 of ``y`` under a "labels"/"cumulative" transform."""
    _, offset, values, k = transform[:4]
    not_whole = y != np.round(y)
    if not_whole.any():
        index = int(np.argmax(not_whole))
        raise ValueError(f"y holds {y[index]:g} at index {index}, which is not a whole-number label")
    if values is not None:
        position = np.searchsorted(values, y).clip(0, len(values) - 1)
        unknown = values[position] != y
        if unknown.any():
            index = int(np.argmax(unknown))
            raise ValueError(f"y holds {_format_number(y[index])} at index {index}, which is not one of the "
                             f"training labels {_preview(values)}")
        return position.astype(np.int64)
    labels = (y - offset).astype(np.int64)
    outside = (labels < 0) | (labels >= k)
    if outside.any():
        index = int(np.argmax(outside))
        raise ValueError(f"y holds {_format_number(y[index])} at index {index}, outside the labels "
                         f"{_format_number(offset)}..{_format_number(offset + k - 1)}")
    return labels


def _build_metric(text: str):
    if text.isidentifier():
        return text
    import keras

    def evaluate(node):
        if isinstance(node, ast.Call):
            target = _dotted_name(node.func)
            if target.startswith("keras.metrics.") and target.count(".") == 2:
                function = getattr(keras.metrics, target.rsplit(".", 1)[1])
            elif target == "lossguide.keras_losses.get":
                from . import keras_losses

                function = keras_losses.get
            else:
                raise ValueError(f"metric {text!r}: only keras.metrics classes can be built, got {target}")
            return function(*[evaluate(arg) for arg in node.args],
                            **{keyword.arg: evaluate(keyword.value) for keyword in node.keywords})
        if isinstance(node, ast.Attribute) and _dotted_name(node).startswith("lossguide.keras_losses."):
            from . import keras_losses

            return getattr(keras_losses, node.attr)
        return ast.literal_eval(node)

    return evaluate(ast.parse(text, mode="eval").body)


def _dotted_name(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted_name(node.value)}.{node.attr}"
    return ast.unparse(node)  # not a dotted name: shown as written, and refused by the caller


# --------------------------------------------------------------------------- entry


def recommend(y_train, *, task=None, n_classes=None, quantile=None) -> Recommendation:
    """Suggest a loss, output activation, encoding and metric for ``y_train``.

    Without ``task`` the array is read as follows (a column ``(n, 1)`` counts as
    1-D, booleans as 0/1; the module docstring has the resulting table):

    1. two distinct whole values (0/1, -1/+1, 1/2, ...) → ``binary``, mapped
       to 0/1; a single 0 or 1 value → ``binary`` with a warning;
    2. whole numbers that may be class labels — ``0..K-1`` or ``1..K`` (gaps
       allowed, at most :data:`MAX_CLASSES` values, or more with equal
       frequencies), or a contiguous short range of negatives — are
       **ambiguous**: classes, counts or ordered levels (for negatives:
       regression instead of counts). The most likely reading comes first:
       classes if a chi-square test does not reject equal class sizes (p >= 0.01);
       else ordered levels if the scale is numbered from 1 (or a negative) and
       has at most :data:`MAX_RATING_LEVELS` values; else counts (regression for
       negatives) if the frequencies rise to one peak and fall within sampling
       noise (a unimodal least-squares fit is not rejected at p = 0.01); else
       classes;
    3. other whole numbers >= 0 → **ambiguous** between ``counts`` and
       ``regression``: counts first if 0 occurs or variance/mean <= 2 (a Poisson
       count has 1), else regression (ages, prices);
    4. anything else → ``regression``: fractions in [0, 1] → sigmoid and binary
       cross-entropy; positive with skewness above 1 → Poisson with an
       exponential output; otherwise MSE (the mean).

    A 2-D array ``(n, k)``: rows of 0/1 with one 1 → ``multiclass`` (``binary``
    for k = 2); other 0/1 rows → ``multilabel``; non-negative rows summing to one
    → ``distribution``; values in [0, 1] → fractions; whole numbers >= 0 → as 3;
    otherwise ``regression`` per column.

    Marginal heavy tails are measured with the modified z-score of Iglewicz and
    Hoaglin,

    .. math::

        M_i = \\frac{0.6745\\,(y_i - \\operatorname{median}(y))}{\\operatorname{MAD}(y)},

    and reported (more than 0.5 % of points with :math:`|M_i| > 3.5`; a Gaussian
    gives 0.05 %) as a note, not as a verdict on the noise: the residuals decide.

    Parameters
    ----------
    y_train : array_like
        Training targets, shape ``(n,)``, ``(n, 1)`` or ``(n, k)``.
    task : str, optional
        One of :data:`TASKS`; the targets must fit it (else ``ValueError``).
    n_classes : int, optional
        Number of classes (or ordered levels): whole numbers are then labels
        ``0..n_classes-1`` (or ``1..n_classes``, numbered from 1), absent classes
        are fine; for 2-D targets it must equal the number of columns.
    quantile : float, optional
        In (0, 1): regression for this quantile of ``y`` given ``x`` (pinball loss;
        0.5 gives mean absolute error, the median).

    Returns
    -------
    Recommendation

    Raises
    ------
    TypeError
        For strings, mixed types, complex numbers, a non-integer ``n_classes`` or
        a non-numeric ``quantile``.
    ValueError
        For empty, ragged, NaN/inf or 3-D+ targets, integers too large for
        float64, an unknown ``task``, targets that do not fit ``task``, labels
        that cannot be classes of ``n_classes``, or ``quantile`` outside (0, 1).

    Warns
    -----
    AmbiguousTargetWarning
        When the array allows several readings (pass ``task=``).
    UserWarning
        When classification targets hold a single class.

    Examples
    --------
    >>> rec = recommend([0, 1, 0, 0, 1])
    >>> rec.task, rec.loss, rec.activation, rec.metric
    ('binary', 'binary_crossentropy', 'sigmoid', 'binary_accuracy')
    >>> rec = recommend([3, 0, 2, 1, 2], n_classes=5)
    >>> rec.task, rec.loss, rec.units
    ('multiclass', 'sparse_categorical_crossentropy', 5)
    >>> recommend([[0.2, 0.8], [0.5, 0.5]]).task
    'distribution'
    >>> rec = recommend([0.3, 1.2, 2.5, -0.4], quantile=0.9)
    >>> rec.loss, dict(rec.loss_options)
    ('pinball', {'quantile': 0.9})
    >>> recommend([1, 5, 2], task="binary")
    Traceback (most recent call last):
    ...
    ValueError: task='binary' needs two distinct values, y_train has 3: [1, 2, 5]
    """
    task = _check_task(task)
    n_classes = _check_n_classes(n_classes)
    quantile = _check_quantile(quantile)
    if quantile is not None:
        if task not in (None, "regression"):
            raise ValueError(f"quantile={quantile} asks for a regression, not task={task!r}")
        if n_classes is not None:
            raise ValueError(f"quantile={quantile} asks for a regression; n_classes={n_classes} "
                             "applies to class labels")
        task = "regression"
    if n_classes is not None and task in ("regression", "counts", "distribution"):
        raise ValueError(f"n_classes={n_classes} applies to class labels (task='binary', 'multiclass', "
                         f"'multilabel' or 'ordinal'), not to task={task!r}")
    target = _Target.of(y_train, n_classes=n_classes, quantile=quantile)
    if task is not None:
        return _BUILDERS[task](target)
    readings, why = _readings(target)
    candidates = [_BUILDERS[reading](target) for reading in readings]
    if len(candidates) == 1:
        return candidates[0]
    top = candidates[0]
    choices = ", ".join(f"{_READING_WORDS[reading]} (task={reading!r})" for reading in readings)
    message = (f"y_train is ambiguous: {target.describe()} can be {choices}; read as {top.task} "
               f"because {why}. Pass task= to choose.")
    warnings.warn(message, AmbiguousTargetWarning, stacklevel=2)
    return dataclasses.replace(top, ambiguous=True, candidates=tuple(candidates),
                               notes=((f"Ambiguous: {target.describe()} can be {choices}; read as "
                                      f"{top.task} because {why}; pass task= to choose."),) + top.notes)


_READING_WORDS = {
    "multiclass": "class labels", "counts": "counts", "ordinal": "ordered levels",
    "regression": "a measured quantity", "binary": "two classes",
}


def _check_task(task):
    if task is None or (isinstance(task, str) and task in TASKS):
        return task
    raise ValueError(f"task must be one of {', '.join(repr(name) for name in TASKS)}, got {task!r}")


def _check_n_classes(n_classes):
    if n_classes is None:
        return None
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral):
        raise TypeError(f"n_classes must be an int, got {type(n_classes).__name__}: {n_classes!r}")
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    return int(n_classes)


def _check_quantile(quantile):
    if quantile is None:
        return None
    if isinstance(quantile, bool) or not isinstance(quantile, numbers.Real):
        raise TypeError(f"quantile must be a number in (0, 1), got {type(quantile).__name__}: {quantile!r}")
    if not 0.0 < float(quantile) < 1.0:  # also refuses NaN
        raise ValueError(f"quantile must be in (0, 1), got {quantile!r}")
    return float(quantile)


def _ragged_message(y_train, name) -> str:
    """Which rows of a ragged ``y_train`` have which lengths (the first few)."""
    try:
        lengths = [len(row) if hasattr(row, "__len__") else None for row in y_train]
    except TypeError:
        lengths = []
    shown = ", ".join(f"row {i}: {'a scalar' if n is None else f'{n} values'}"
                      for i, n in enumerate(lengths[:6]))
    return (f"{name} is ragged (rows of different lengths: {shown}{', ...' if len(lengths) > 6 else ''}); "
            "give a rectangular array")


def _as_target_array(y_train, *, name="y_train"):
    """The targets as a finite float64 array of 1 or 2 dimensions, and whether they were booleans."""
    if isinstance(y_train, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers, got a string: {y_train!r}")
    try:
        y = np.asarray(y_train)
    except ValueError:
        # NumPy 2 refuses lists of lists of different lengths outright.
        raise ValueError(_ragged_message(y_train, name)) from None
    if y.dtype == object:
        kinds = sorted({type(value).__name__ for value in y.ravel()})
        if any(isinstance(value, (list, tuple, np.ndarray)) for value in y.ravel()):
            raise ValueError(_ragged_message(y_train, name)) from None
        if not all(isinstance(value, numbers.Real) for value in y.ravel()):
            raise TypeError(f"{name} must hold numbers only, found mixed types: {kinds}")
        for index, value in enumerate(y.ravel()):
            try:
                float(value)
            except OverflowError:
                position = np.unravel_index(index, y.shape)
                position = position[0] if len(position) == 1 else tuple(int(i) for i in position)
                raise ValueError(
                    f"{name} holds an integer too large for float64 at index {position}: "
                    f"{len(str(abs(int(value))))} digits (float64 ends near 1.8e308)") from None
    if y.dtype.kind in "USV" and not isinstance(y_train, np.ndarray):
        # NumPy turns ["a", 1] into strings silently; look at the original elements.
        kinds = sorted({type(value).__name__ for value in np.asarray(y_train, dtype=object).ravel()})
        if len(kinds) > 1:
            raise TypeError(f"{name} must hold numbers only, found mixed types: {kinds}")
    if y.dtype.kind in "USV":
        raise TypeError(
            f"{name} holds strings (dtype {y.dtype}, e.g. {y.ravel()[0].item()!r}); encode the "
            "labels as integers 0..K-1 first, e.g. with sklearn.preprocessing.LabelEncoder"
        )
    if y.dtype.kind == "c":
        raise TypeError(f"{name} must be real, got complex dtype {y.dtype}")
    if y.dtype.kind not in "biufO":
        raise TypeError(f"{name} must hold numbers, got dtype {y.dtype}")
    if y.ndim == 0:
        raise ValueError(f"{name} must be an array of targets, got a scalar: {y.item()!r}")
    if y.ndim > 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {y.shape}")
    if y.size == 0:
        raise ValueError(f"{name} is empty (shape {y.shape})")
    is_bool = y.dtype == bool
    y = y.astype(float)  # a new array: the caller's is never modified
    bad = ~np.isfinite(y)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} contains {int(bad.sum())} NaN or infinite value(s), "
            f"the first at index {first[0] if len(first) == 1 else first}: {y[first]}"
        )
    return y, is_bool


@dataclasses.dataclass(frozen=True)
class _Target:
    """The checked targets and the facts the rules read."""

    y: np.ndarray
    is_bool: bool
    whole: bool
    values: np.ndarray
    counts: np.ndarray
    n_classes: int | None
    quantile: float | None

    @classmethod
    def of(cls, y_train, *, n_classes, quantile):
        y, is_bool = _as_target_array(y_train)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        values, counts = np.unique(y, return_counts=True)
        whole = bool(np.all(values == np.round(values)))
        if n_classes is not None and y.ndim == 2 and y.shape[1] != n_classes:
            raise ValueError(f"y_train has {y.shape[1]} columns (shape {y.shape}) but n_classes={n_classes}")
        return cls(y, is_bool, whole, values, counts, n_classes, quantile)

    def describe(self) -> str:
        if self.y.ndim == 2:
            low, high = _format_number(self.values[0]), _format_number(self.values[-1])
            return f"whole numbers {low}..{high} in {self.y.shape[1]} columns"
        if len(self.values) <= 6:
            return f"whole numbers {_preview(self.values)}"
        low, high = _format_number(self.values[0]), _format_number(self.values[-1])
        return f"{len(self.values)} distinct whole numbers {low}..{high}"

    @property
    def one_hot(self) -> bool:
        return self.y.ndim == 2 and bool(np.all((self.y == 0) | (self.y == 1))) and bool(
            np.all(self.y.sum(axis=1) == 1))


def _format_number(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:g}"


def _preview(values, limit=8) -> str:
    shown = ", ".join(_format_number(v) for v in values[:limit])
    return f"[{shown}{', ...' if len(values) > limit else ''}]"


# --------------------------------------------------------------------------- readings


def _readings(target: _Target):
    """The plausible tasks, most likely first, and why the first (None if only one)."""
    y, values = target.y, target.values
    if y.ndim == 2:
        if np.all((y == 0) | (y == 1)):
            if target.one_hot:
                return (["binary"] if y.shape[1] == 2 else ["multiclass"]), None
            return ["multilabel"], None
        if target.n_classes is not None:
            raise ValueError(f"n_classes={target.n_classes} applies to one-hot or 0/1 rows; y_train holds "
                             f"{_first_value(y, (y != 0) & (y != 1))}")
        if np.all(y >= 0) and np.all(np.abs(y.sum(axis=1) - 1) <= _ROW_SUM_TOLERANCE):
            return ["distribution"], None
        if np.all((y >= 0) & (y <= 1)):
            return ["regression"], None
        if target.whole and values[0] >= 0:
            return _counts_or_regression(target)
        return ["regression"], None

    if target.n_classes is not None:
        if not target.whole:
            raise ValueError(f"n_classes={target.n_classes} is given, but y_train holds "
                             f"{_first_value(y, y != np.round(y))}, not a class label")
        return (["binary"] if target.n_classes == 2 else ["multiclass"]), None
    if target.is_bool or (target.whole and len(values) == 2) or (len(values) == 1 and values[0] in (0, 1)):
        return ["binary"], None
    if not target.whole:
        return ["regression"], None
    labels = _label_layout(target)
    if labels is not None:
        return _class_readings(target, *labels)
    if values[0] >= 0:
        return _counts_or_regression(target)
    return ["regression"], None


def _first_value(y, mask) -> str:
    index = tuple(int(i) for i in np.argwhere(mask)[0])
    return f"{_format_number(y[index])} at index {index[0] if len(index) == 1 else index}"


def _label_layout(target: _Target):
    """``(first label, number of labels)`` if the whole numbers may be class labels, else None."""
    values = target.values
    low, high, k = values[0], values[-1], len(values)
    if k < 3:
        return None
    span = float(high) - float(low) + 1  # Python floats: huge labels give inf, no overflow warning
    if low < 0:
        return (int(low), int(span)) if span == k and span <= MAX_CLASSES else None
    if low not in (0, 1):
        return None
    if span <= MAX_CLASSES:
        return (int(low), int(span)) if k >= span / 2 else None
    if k == span and _equal_sizes_p(_profile(target, int(low), k)) >= _TEST_LEVEL:
        return int(low), k
    return None


def _profile(target: _Target, low: int, span: int) -> np.ndarray:
    """Rows per label low..low+span-1 (0 for absent labels)."""
    profile = np.zeros(span)
    profile[(target.values - low).astype(int)] = target.counts
    return profile


def _equal_sizes_p(profile: np.ndarray) -> float:
    """p-value of Pearson's chi-square test that every label is equally frequent."""
    return float(stats.chisquare(profile).pvalue)


def _class_readings(target: _Target, low: int, span: int):
    profile = _profile(target, low, span)
    p_equal = _equal_sizes_p(profile)
    others = "regression" if low < 0 else "counts"
    if p_equal >= _TEST_LEVEL:
        top, why = "multiclass", (f"the labels are about equally frequent (chi-square test of equal "
                                  f"class sizes: p = {p_equal:.2g})")
    elif low != 0 and span <= MAX_RATING_LEVELS:
        top, why = "ordinal", (f"a short scale numbered from {low} with unequal frequencies "
                               "reads like a rating")
    elif _single_peak(profile):
        top = others
        why = ("the frequencies rise to one peak and fall, as those of "
               + ("counts" if others == "counts" else "a measured quantity") + " do")
    else:
        top, why = "multiclass", "the frequencies follow no order of the values, as class sizes need not"
    readings = {0: ["multiclass", "counts", "ordinal"], 1: ["multiclass", "ordinal", "counts"]}.get(
        low, ["regression", "multiclass", "ordinal"])
    if span > MAX_CLASSES:
        readings.remove("ordinal")
    readings.remove(top)
    return [top, *readings], why


def _counts_or_regression(target: _Target):
    values = target.y.ravel()
    if len(target.values) == 1:
        return ["regression"], None  # a constant: nothing to tell counts from measurements
    if 0 in target.values:
        return ["counts", "regression"], "0 occurs, as it does in counts"
    dispersion = _dispersion(values)
    if dispersion <= _POISSON_DISPERSION:
        return ["counts", "regression"], (f"variance/mean = {dispersion:.2g} is close to a Poisson "
                                          "count's 1")
    return ["regression", "counts"], (f"0 never occurs and variance/mean = {dispersion:.3g} is far "
                                      "from a Poisson count's 1, as for a measured quantity in whole units")


def _dispersion(values: np.ndarray) -> float:
    """variance / mean, computed on values divided by their maximum so that huge values cannot overflow."""
    scale = float(np.max(np.abs(values)))
    if scale == 0:
        return 0.0
    scaled = values / scale
    mean = float(np.mean(scaled))
    if mean <= 0:
        return float("inf")
    ratio = float(np.var(scaled)) / mean
    return ratio * scale if ratio < np.finfo(float).max / scale else float("inf")


def _increasing_fit(values: np.ndarray) -> np.ndarray:
    """Least-squares non-decreasing fit (pool adjacent violators)."""
    blocks = []  # [sum, size]
    for value in values:
        blocks.append([float(value), 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, size = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += size
    return np.concatenate([np.full(size, total / size) for total, size in blocks]) if blocks else np.array([])


def _single_peak(profile: np.ndarray) -> bool:
    """Whether a unimodal profile fits the label frequencies within Poisson noise.

    A non-decreasing fit before a split and a non-increasing fit after it is
    unimodal; the best split's Pearson statistic :math:`\\sum (c - u)^2 / u` is
    compared with a chi-square of ``len(profile) - 1`` degrees of freedom.
    """
    best = np.inf
    for split in range(len(profile) + 1):
        rising = _increasing_fit(profile[:split])
        falling = _increasing_fit(profile[split:][::-1])[::-1]
        fit = np.concatenate([rising, falling])
        best = min(best, float(np.sum((profile - fit) ** 2 / np.maximum(fit, 1.0))))
    return float(stats.chi2.sf(best, df=max(len(profile) - 1, 1))) >= _TEST_LEVEL


# --------------------------------------------------------------------------- builders


def _single_class_note(values) -> tuple:
    if len(values) > 1:
        return ()
    label = _format_number(values[0])
    warnings.warn(
        f"y_train holds a single class ({label}); a classifier cannot learn from it",
        UserWarning,
        stacklevel=4,
    )
    return (f"Only the class {label} is present: a classifier cannot learn from these targets.",)


def _class_weights(counts, labels) -> str:
    """Keras class_weight of mean 1 over rows: n / (K n_c) per class (scikit-learn's "balanced")."""
    total, k = float(np.sum(counts)), len(counts)
    return "{" + ", ".join(f"{label}: {total / (k * count):.3g}" for label, count in zip(labels, counts)) + "}"


def _imbalanced(counts) -> bool:
    """The smallest class under IMBALANCE_RATIO × the largest, beyond sampling noise.

    Equal class sizes also produce a small ratio by chance when the classes are
    many and small (100 classes of 20 rows: a 20-row class can fall to 5), so
    the ratio counts only when Pearson's chi-square test also rejects equal
    sizes at the 1 % level.
    """
    counts = np.asarray(counts, dtype=float)
    return (len(counts) > 1 and counts.min() < IMBALANCE_RATIO * counts.max()
            and _equal_sizes_p(counts) < _TEST_LEVEL)


def _binary(target: _Target) -> Recommendation:
    y, values = target.y, target.values
    if target.n_classes not in (None, 2):
        raise ValueError(f"task='binary' has 2 classes, not n_classes={target.n_classes}")
    if y.ndim == 2:
        if y.shape[1] != 2 or not target.one_hot:
            raise ValueError(f"task='binary' needs one column of two values or one-hot rows of 2 columns; "
                             f"y_train has shape {y.shape}")
        counts, names = y.sum(axis=0), ("0 (column 0)", "1 (column 1)")
        present = [j for j in range(2) if counts[j] > 0]
        notes = _single_class_note(np.array(present, dtype=float))
        codes = "one-hot rows"
        encoding = "take the second column, y[:, 1], as the 0/1 label"
        transform = ("column", 1)
        positive = "column 1"
    else:
        if len(values) > 2:
            raise ValueError(f"task='binary' needs two distinct values, y_train has {len(values)}: "
                             f"{_preview(values)}")
        notes = _single_class_note(values)
        if len(values) == 1:  # a single class: code it as 0/1 when it is one
            negative, positive_value = (0.0, 1.0) if values[0] in (0, 1) else (np.nan, values[0])
        else:
            negative, positive_value = values
        counts = [np.sum(y == negative), np.sum(y == positive_value)]
        names = (_format_number(negative) if np.isfinite(negative) else "other", _format_number(positive_value))
        transform = ("binary", negative, positive_value)
        positive = f"y = {names[1]}"
        if target.is_bool:
            codes, encoding = "booleans", "booleans as 0/1 floats (y.astype(float))"
        elif (negative, positive_value) == (0.0, 1.0) or len(values) == 1 and values[0] in (0, 1):
            codes, encoding = "0 and 1", "0/1 floats"
        elif (negative, positive_value) == (-1.0, 1.0):
            codes, encoding = "-1 and +1", "map -1/+1 to 0/1 with (y + 1) / 2"
        elif positive_value - negative == 1:
            codes = f"{names[0]} and {names[1]}"
            encoding = (f"map {names[0]}/{names[1]} to 0/1 by subtracting {names[0]} (y - {names[0]})")
        else:
            codes = f"{names[0]} and {names[1]}"
            encoding = f"map {names[0]}/{names[1]} to 0/1 with (y == {names[1]})"
    encoding += "; shape (n, 1): one sigmoid unit"
    if codes in ("0 and 1", "booleans", "one-hot rows"):
        hinge = ("hinge (an alternative) converts 0/1 labels to -1/+1 itself and needs a linear output (a tanh "
                 "output never reaches the margin); measure it with keras.metrics.BinaryAccuracy(threshold=0.0).")
    else:
        hinge = ("hinge (an alternative) takes the labels as -1/+1 and needs a linear output: a tanh output keeps "
                 "y·f(x) < 1, so the margin is never reached; measure it with lg.metrics.sign_accuracy on the "
                 "-1/+1 labels, since Keras's 'accuracy' and BinaryAccuracy count every correct -1 as wrong.")
    metric = "binary_accuracy"
    counts = np.asarray(counts, dtype=float)
    if counts.min() > 0 and _imbalanced(counts):
        metric = _PR_AUC
        minority = int(np.argmin(counts))
        share = counts[minority] / counts.sum()
        notes += (
            f"Imbalanced: class {names[minority]} is {share:.1%} of the rows (below 20 %), so predicting "
            f"{names[1 - minority]} for every row scores accuracy {1 - share:.3f}; the metric is PR-AUC "
            "(after training, lg.metrics.average_precision), and worth reporting beside it are F1 or recall "
            "at a threshold chosen on validation rows (lg.metrics.f1_at_threshold, lg.metrics.best_threshold) "
            "and balanced accuracy (lg.metrics.balanced_accuracy)"
            + (f"; PR-AUC scores the class coded 1, the majority here, so code the rare class {names[0]} as 1 "
               "instead (1 - the 0/1 label)" if minority == 0 else "") + ".",
            (f"Remedies for the imbalance: class_weight={_class_weights(counts, (0, 1))} in model.fit (mean "
            f"weight 1 over the rows, on the 0/1 labels), pos_weight={counts[0] / counts[1]:.3g} with "
            "lossguide's weighted_binary_crossentropy on a linear (logit) output, or "
            "binary_focal_crossentropy; compare them on validation rows."),
        )
    notes += (("A linear output with keras.losses.BinaryCrossentropy(from_logits=True) is the same model "
              "computed from logits; measure it with keras.metrics.BinaryAccuracy(threshold=0.0)."), hinge)
    return Recommendation(
        task="binary",
        loss="binary_crossentropy",
        activation="sigmoid",
        encoding=encoding,
        metric=metric,
        reason=f"Two classes coded as {codes}: a sigmoid output read as P({positive}) with binary "
        "cross-entropy is the Bernoulli maximum-likelihood choice, whatever the coding of the labels.",
        alternatives=("binary_focal_crossentropy", "hinge"),
        notes=notes,
        units=1,
        _transform=transform,
    )


def _class_layout(target: _Target, what: str):
    """How whole-number labels map to 0..K-1: (offset, values or None, K, words)."""
    values = target.values
    low, high = values[0], values[-1]
    n_classes = target.n_classes
    if n_classes is not None:
        if low >= 0 and high < n_classes:
            return 0, None, n_classes, "0-based"
        if low >= 1 and high == n_classes:
            return 1, None, n_classes, "1-based"
        bad = values[(values < 0) | (values > n_classes)]
        label = bad[0] if len(bad) else (values[values >= n_classes][0])
        raise ValueError(
            f"y_train has label {_format_number(label)}, which cannot be a {what} of n_classes={n_classes}: "
            f"labels must be 0..{n_classes - 1} (or 1..{n_classes}, numbered from 1)")
    if float(high) - float(low) >= _MAX_DERIVED_LABELS:
        raise ValueError(
            f"y_train has labels from {_format_number(low)} to {_format_number(high)}, too far apart to "
            f"number the {what + ('es' if what.endswith('s') else 's')} by them; re-encode them as 0..K-1 "
            "(np.unique(y, return_inverse=True)[1]) or pass n_classes")
    if low == 0:
        return 0, None, int(high) + 1, "0-based"
    if low == 1:
        return 1, None, int(high), "1-based"
    span = int(high - low) + 1
    if span == len(values):
        return int(low), None, span, "shifted"
    return 0, values, len(values), "relabelled"


def _mapping_words(offset, values, k) -> str:
    if values is not None:
        return (f"re-encode the {k} labels {_preview(values)} as 0..{k - 1} with "
                "np.unique(y, return_inverse=True)[1] (keep the unique values to decode predictions)")
    if offset == 0:
        return f"integer labels 0..{k - 1}"
    if offset > 0:
        return f"subtract {offset} (y - {offset}): labels {offset}..{offset + k - 1} become 0..{k - 1}"
    return f"add {-offset} (y + {-offset}): labels {offset}..{offset + k - 1} become 0..{k - 1}"


def _check_whole_1d(target: _Target, task: str):
    y = target.y
    if y.ndim != 1:
        raise ValueError(f"task={task!r} needs one label per row, shape (n,) or (n, 1); y_train has shape {y.shape}")
    if not target.whole:
        raise ValueError(f"task={task!r} needs whole-number labels, y_train holds "
                         f"{_first_value(y, y != np.round(y))}")


# The label-noise chapter measures it: GCE's pull on a confidently wrong label fades,
# label smoothing's is only reduced by a constant (0.91 of cross-entropy's at K = 10).
_LABEL_NOISE_NOTE = ("Wrong labels look like any others in the array; if you expect many, "
                     "keras.losses.CategoricalGeneralizedCrossEntropy (integer labels of shape "
                     "(n,)) fades their pull; label smoothing does not.")


def _multiclass(target: _Target) -> Recommendation:
    y = target.y
    if y.ndim == 2:
        return _one_hot(target)
    _check_whole_1d(target, "multiclass")
    offset, values, k, layout = _class_layout(target, "class")
    labels = _labels_of(y, ("labels", offset, values, k, False))
    counts = np.bincount(labels, minlength=k)
    present = np.flatnonzero(counts)
    notes = _single_class_note(present)
    missing = [int(j) for j in np.flatnonzero(counts == 0)]
    if missing:
        shown = ", ".join(_format_number(j + offset) if values is None else str(j) for j in missing[:8])
        notes += ((f"{len(missing)} of the {k} classes never {'occurs' if len(missing) == 1 else 'occur'} in "
                  f"y_train ({shown}{', ...' if len(missing) > 8 else ''}): the model learns never to predict "
                  f"{'it' if len(missing) == 1 else 'them'}; check that n_classes is what you meant."),)
    if target.n_classes is not None and layout == "0-based" and target.values[0] >= 1:
        notes += ((f"Label 0 never occurs: if the labels are numbered from 1, the missing class is "
                  f"{target.n_classes} instead, and the labels need subtracting 1 (y - 1)."),)
    mapping = _mapping_words(offset, values, k)
    imbalanced = len(present) > 1 and _imbalanced(counts[present])
    why = (f"n_classes={target.n_classes} was given" if target.n_classes is not None
           else f"labels {_preview(target.values)}")
    if imbalanced:
        smallest, largest = present[np.argmin(counts[present])], present[np.argmax(counts[present])]
        share = counts[smallest] / counts.sum()
        notes += (
            (f"Imbalanced: the rarest class, {_format_number(smallest + offset) if values is None else smallest}, "
            f"has {share:.1%} of the rows, under {IMBALANCE_RATIO:g} times the largest's "
            f"({counts[largest] / counts.sum():.1%}); the metric is macro-averaged F1 (keras.metrics.F1Score "
            "needs one-hot targets), and balanced accuracy (lg.metrics.balanced_accuracy) is worth reporting."),
            (f"Remedies for the imbalance: class_weight={_class_weights(counts[present], present)} in "
            "model.fit (n / (K n_c): mean weight 1 over the rows), or categorical_focal_crossentropy; "
            "compare them on validation rows."),
        )
        encoding = (f"{mapping}, then one-hot rows keras.utils.to_categorical(labels, {k}), shape (n, {k}), "
                    "because keras.metrics.F1Score needs them (sparse_categorical_crossentropy on the integer "
                    f"labels is the same loss); the output layer has {k} units")
        loss, metric = "categorical_crossentropy", _MACRO_F1
        alternatives = ("sparse_categorical_crossentropy", "categorical_focal_crossentropy")
    else:
        encoding = f"{mapping}, shape (n,); the output layer has {k} units"
        loss, metric = "sparse_categorical_crossentropy", "sparse_categorical_accuracy"
        alternatives = ("categorical_crossentropy", "categorical_focal_crossentropy")
    notes += (("If the classes are ordered (grades, ratings, sizes), pass task='ordinal': a softmax ignores "
              "the order; a class that occurs only in the test set needs n_classes."), _LABEL_NOISE_NOTE)
    return Recommendation(
        task="multiclass",
        loss=loss,
        activation="softmax",
        encoding=encoding,
        metric=metric,
        reason=f"Targets are class labels of {k} classes ({why}), so a softmax over {k} units with "
        "categorical cross-entropy, the categorical maximum-likelihood loss, fits.",
        alternatives=alternatives,
        notes=notes,
        units=k,
        _transform=("labels", offset, values, k, imbalanced),
    )


def _one_hot(target: _Target) -> Recommendation:
    y = target.y
    k = y.shape[1]
    if not target.one_hot:
        raise ValueError(f"task='multiclass' needs one label per row or one-hot rows; y_train (shape {y.shape}) "
                         "has rows without exactly one 1 (task='multilabel' takes 0/1 rows)")
    counts = y.sum(axis=0)
    present = np.flatnonzero(counts)
    notes = _single_class_note(present)
    unused = [int(j) for j in np.flatnonzero(counts == 0)]
    if unused:
        notes += (f"Columns {unused} are never on: the model learns never to predict those classes.",)
    imbalanced = len(present) > 1 and _imbalanced(counts[present])
    metric = _MACRO_F1 if imbalanced else "categorical_accuracy"
    if imbalanced:
        smallest = present[np.argmin(counts[present])]
        notes += (
            (f"Imbalanced: the rarest class, column {smallest}, has {counts[smallest] / counts.sum():.1%} of the "
            f"rows, under {IMBALANCE_RATIO:g} times the largest's; the metric is macro-averaged F1, and "
            "balanced accuracy (lg.metrics.balanced_accuracy) is worth reporting."),
            (f"Remedies for the imbalance: class_weight={_class_weights(counts[present], present)} in "
            "model.fit (Keras takes the argmax of one-hot rows), or categorical_focal_crossentropy."),
        )
    notes += (("Every row has exactly one 1: if a sample may carry several labels and these rows only happen "
              "to have one, pass task='multilabel' (one sigmoid per label)."), _LABEL_NOISE_NOTE)
    return Recommendation(
        task="multiclass",
        loss="categorical_crossentropy",
        activation="softmax",
        encoding=f"one-hot rows, shape (n, {k}); or argmax labels with sparse_categorical_crossentropy",
        metric=metric,
        reason=f"Each row holds a single 1 among {k} columns, a one-hot class, so a softmax over {k} units "
        "with categorical cross-entropy fits.",
        alternatives=("sparse_categorical_crossentropy", "categorical_focal_crossentropy"),
        notes=notes,
        units=k,
        _transform=("rows",),
    )


def _multilabel(target: _Target) -> Recommendation:
    y = target.y
    if y.ndim != 2:
        raise ValueError(f"task='multilabel' needs one column per label, shape (n, L) with L >= 2; y_train has "
                         f"shape {y.shape}")
    outside = (y < 0) | (y > 1)
    if outside.any():
        raise ValueError(f"task='multilabel' needs labels in [0, 1], y_train holds {_first_value(y, outside)}")
    labels = y.shape[1]
    hard = bool(np.all((y == 0) | (y == 1)))
    shares = y.mean(axis=0)
    notes = (f"Share of rows with each label on: {', '.join(f'{share:.1%}' for share in shares)}.",)
    if hard:
        metric = _PR_AUC_LABELS
        kind = "0/1 labels"
        notes += (
            ("Per-label binary accuracy is inflated when labels are rare: a model that predicts no label at "
            f"all scores {1 - shares.mean():.3f} here; the metric is PR-AUC averaged over the labels (after "
            "training, lg.metrics.average_precision), with F1 per label (lg.metrics.f1_at_threshold) and the "
            "share of rows with every label right (lg.metrics.subset_accuracy) worth reporting."),
        )
        empty = float(np.mean(y.sum(axis=1) == 0))
        if empty > 0:
            notes += ((f"{empty:.1%} of the rows have no label on; if every sample has exactly one label, the "
                      "target is multiclass with a 'none' class instead."),)
        rare = [j for j, share in enumerate(shares) if 0 < share < 0.2]
        if rare:
            notes += ((f"Rare labels (columns {rare}, under 20 % on): remedies are one pos_weight per column "
                      "with lossguide's weighted_binary_crossentropy on linear (logit) outputs, or "
                      "binary_focal_crossentropy; Keras's class_weight does not apply, since it takes the "
                      "argmax of a multi-column target."),)
    else:
        metric = "mse"
        kind = "soft labels in [0, 1]"
        notes += (("Soft labels: Keras's AUC casts them to booleans, so the metric is the squared error per "
                  "label (the Brier score), which their mean minimises."),)
    return Recommendation(
        task="multilabel",
        loss="binary_crossentropy",
        activation="sigmoid",
        encoding=f"{kind}, shape (n, {labels}): one sigmoid unit per label",
        metric=metric,
        reason=f"Rows of {kind} with any number of labels on are {labels} independent yes/no questions, "
        "each a sigmoid with binary cross-entropy.",
        alternatives=("binary_focal_crossentropy",),
        notes=notes,
        units=labels,
        _transform=("rows",),
    )


def _distribution(target: _Target) -> Recommendation:
    y = target.y
    if y.ndim != 2 or not (np.all(y >= 0) and np.all(np.abs(y.sum(axis=1) - 1) <= _ROW_SUM_TOLERANCE)):
        raise ValueError(f"task='distribution' needs non-negative rows summing to 1, shape (n, k); y_train has "
                         f"shape {y.shape}" + ("" if y.ndim == 1 else f" and row sums from {y.sum(axis=1).min():g} "
                                                f"to {y.sum(axis=1).max():g}"))
    k = y.shape[1]
    return Recommendation(
        task="distribution",
        loss="categorical_crossentropy",
        activation="softmax",
        encoding=f"probability rows summing to 1, shape (n, {k})",
        metric="kl_divergence",
        reason=f"Rows are non-negative and sum to one, distributions over {k} outcomes, so a softmax output "
        "with cross-entropy (equal to KL divergence up to a constant) fits.",
        alternatives=("kl_divergence",),
        notes=(("Categorical cross-entropy and KL divergence differ by the targets' entropy, a constant: the "
               "same gradients, but KL reads 0 at a perfect fit."),),
        units=k,
        _transform=("rows",),
    )


def _counts(target: _Target) -> Recommendation:
    y = target.y
    bad = (y < 0) | (y != np.round(y))
    if bad.any():
        raise ValueError(f"task='counts' needs non-negative whole numbers, y_train holds {_first_value(y, bad)}")
    shape = "(n, 1)" if y.ndim == 1 else f"(n, {y.shape[1]})"
    notes = (("A softplus output is the alternative to the exponential: also positive, and it grows linearly "
             "for large inputs (steadier steps), but the log of the rate is then no longer linear in the last "
             "layer."),)
    dispersion = max(_dispersion(column) for column in (y.T if y.ndim == 2 else [y]))
    if dispersion > _POISSON_DISPERSION:
        notes += ((f"Overdispersed: variance/mean = {dispersion:.3g} (a Poisson count has 1): the Poisson loss "
                  "still estimates the mean, but its likelihood understates the spread (a negative binomial, "
                  "not in Keras, models it)."),)
    notes += (("Counts capped at a maximum, or recorded as 'at least', look like ordinary counts here; they "
              "need a censored likelihood."),)
    return Recommendation(
        task="counts",
        loss="poisson",
        activation="exponential",
        encoding=f"non-negative whole numbers as floats, shape {shape}, unscaled",
        metric="mse",
        reason="Targets read as counts, so a Poisson likelihood with an exponential output (the log link) "
        "estimates the mean count given x and keeps it positive.",
        alternatives=("mean_squared_error", "mean_squared_logarithmic_error"),
        notes=notes,
        units=1 if y.ndim == 1 else y.shape[1],
        _transform=("float",),
    )


def _ordinal(target: _Target) -> Recommendation:
    _check_whole_1d(target, "ordinal")
    values = target.values
    if target.n_classes is not None:
        offset, _, levels, _ = _class_layout(target, "level")
    else:
        if float(values[-1]) - float(values[0]) >= _MAX_DERIVED_LABELS:
            raise ValueError(f"y_train has levels from {_format_number(values[0])} to {_format_number(values[-1])}, "
                             "too many for ordered levels; pass n_classes or re-encode them")
        offset, levels = int(values[0]), int(values[-1] - values[0]) + 1
    if levels < 2:
        raise ValueError(f"task='ordinal' needs at least two levels, y_train holds only {_format_number(values[0])}")
    top = offset + levels - 1
    labels = _labels_of(target.y, ("cumulative", offset, None, levels))
    absent = sorted(set(range(levels)) - set(labels.tolist()))
    notes = (("The metric is the mean absolute error of the predicted level (level_mae): the predicted level "
             "counts the outputs above 0.5, the true one the 1s of the encoded row; after training, "
             "lg.metrics.level_absolute_error computes it per row from the same arrays."),
             ("The outputs are trained separately and can disagree (p_k rising with k); CORAL (Cao, Mirjalili and "
             "Raschka, 2020) shares the weights to keep them in order."),
             ("The order of the levels is your knowledge, not the array's: as numbers they also read as classes "
             "or counts."))
    if absent:
        notes += (f"Levels {[offset + j for j in absent]} never occur in y_train.",)
    return Recommendation(
        task="ordinal",
        loss="binary_crossentropy",
        activation="sigmoid",
        encoding=f"{levels - 1} cumulative 0/1 columns [y > k] for k = {offset}..{top - 1}: "
        f"(y[:, None] > np.arange({offset}, {top})).astype(float), shape (n, {levels - 1}); the predicted "
        f"level is {offset} + the number of outputs above 0.5",
        metric=_LEVEL_MAE,
        reason=f"Ordered levels {offset}..{top}: {levels - 1} sigmoid outputs answer 'is y above level k?', "
        "each with binary cross-entropy (after Frank and Hall, 2001, here with a shared hidden layer), which keeps the order a softmax throws away "
        "and does not assume equal steps as a regression does.",
        alternatives=("sparse_categorical_crossentropy", "mean_squared_error"),
        notes=notes,
        units=levels - 1,
        _transform=("cumulative", offset, None, levels),
    )


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
        scale = np.max(np.abs(column))
        # Skewness is scale-free: dividing by the largest |value| first keeps cubes finite.
        column = column / scale if scale > 0 else column
        skews.append(0.0 if np.ptp(column) == 0 else float(stats.skew(column)))
    return min(skews)


def _regression(target: _Target) -> Recommendation:
    y = target.y
    y2 = y[:, None] if y.ndim == 1 else y
    d = y2.shape[1]
    shape = "(n, 1)" if d == 1 else f"(n, {d})"
    scaled = y2 / max(float(np.max(np.abs(y2))), np.finfo(float).tiny)  # stays finite for huge targets
    tails = _outlier_fraction(scaled)
    residuals = ("The array shows the distribution of y, not of the residuals: if the errors of a first fit are "
                 "heavy-tailed, huber (between the median and the mean) or mean_absolute_error (the median) "
                 "resists them; pass quantile= for a quantile (an interval is two quantiles). For a spread "
                 "with each prediction, train lossguide.keras_losses.gaussian_nll on a mean and a log-variance "
                 "output per target; the book's chapter 'Predicting more than the mean' trains both and checks "
                 "their coverage.")
    censored = ("Censored values (recorded as 'at least y', e.g. survival times) look like ordinary values here; "
                "they need a censored likelihood.")
    if target.quantile is not None:
        tau = target.quantile
        coverage = (f"Check coverage on the test set: the share of targets below the predictions should be near "
                    f"{tau:g}.")
        if tau == 0.5:
            return Recommendation(
                task="regression", loss="mean_absolute_error", activation="linear",
                encoding=f"floats, shape {shape}; standardize with the training mean and sd (the median "
                "moves with them)",
                metric="mae",
                reason="quantile=0.5 asks for the median of y given x, which mean absolute error estimates "
                "(it is twice the pinball loss at 0.5).",
                alternatives=("pinball", "huber"), notes=(coverage, censored), units=d,
            )
        return Recommendation(
            task="regression", loss="pinball", activation="linear",
            encoding=f"floats, shape {shape}; standardize with the training mean and sd (quantiles move "
            "with them)",
            metric=f"keras.metrics.MeanMetricWrapper(lossguide.keras_losses.get('pinball'), name='pinball', "
            f"quantile={tau!r})",
            reason=f"quantile={tau:g} asks for the {tau:g}-quantile of y given x, the minimiser of the pinball "
            "loss max(τe, (τ - 1)e) with e = y - ŷ.",
            alternatives=("mean_absolute_error",),
            notes=(coverage, ("Keras has no pinball loss: Recommendation.keras_loss() builds it from "
                   "lossguide.keras_losses with the quantile bound."), censored),
            loss_options={"quantile": tau}, units=d,
        )
    if np.all((y2 >= 0) & (y2 <= 1)) and not np.all((y2 == 0) | (y2 == 1)):
        return Recommendation(
            task="regression", loss="binary_crossentropy", activation="sigmoid",
            encoding=f"fractions in [0, 1] as floats, shape {shape}, not rescaled: they are the soft targets",
            metric="mse",
            reason="Targets are fractions in [0, 1]: a sigmoid output with binary cross-entropy on these soft "
            "targets estimates their mean given x and stays inside (0, 1).",
            alternatives=("mean_squared_error",),
            notes=(("Binary cross-entropy and squared error both estimate the mean; Keras clips the predictions "
                   "to [1e-7, 1 - 1e-7] in binary cross-entropy."),
                   ("If these are rescaled measurements rather than proportions, test values may fall outside "
                   "[0, 1], where a sigmoid cannot reach: use mean_squared_error with a linear output."),
                   censored),
            units=d,
        )
    skew = _skewness(y2) if y2.shape[0] > 2 else 0.0
    # on the scaled values (a ratio, so scale-free), which stay finite for huge targets
    near_zero = bool(np.all(scaled.min(axis=0) <= _NEAR_ZERO_SDS * scaled.std(axis=0)))
    if np.all(y2 >= 0) and skew > _SKEW_THRESHOLD and near_zero:
        zero = bool(np.any(y2 == 0))
        log_note = ("MSE on log(y) (fit log y, predict exp): the geometric mean exp(E[log y | x]), the median "
                    "under log-normal noise" if not zero else
                    "MSE on log(y) is undefined here (some y = 0)")
        return Recommendation(
            task="regression", loss="poisson", activation="exponential",
            encoding=f"non-negative floats, shape {shape}, unscaled or divided by a constant (no centring: the "
            "output is positive)",
            metric="mse",
            reason=f"Targets are non-negative with skewness {skew:.2f} and reach within one standard deviation "
            "of 0, like a positive quantity that varies by factors: for their mean given x, the Poisson deviance "
            "with an exponential output weighs each error by the size of the prediction and stays positive, and "
            "the notes say what the other losses estimate.",
            alternatives=("mean_squared_error", "mean_squared_logarithmic_error", "mean_absolute_error"),
            notes=(("This row is a heuristic: skewness > 1 with values near 0 suggests a spread that grows "
                   "with the size, and it picks between two estimators of the same mean, the Poisson deviance "
                   "(errors weighed as if the variance grew with the mean) and squared error (every error "
                   "weighed alike); the residuals of a first fit, not the marginal skewness, show which "
                   "weighting fits, and the summary of y given x you want chooses the loss. "
                   "What each choice estimates: poisson (exponential output), the mean, with errors weighed as "
                   "if the variance grew with the mean (a Gamma deviance, variance growing with the mean "
                   "squared, is not in Keras); mean_squared_error, the mean, dominated by the largest values; "
                   "mean_squared_logarithmic_error (softplus output), exp(E[log(1 + y) | x]) - 1, below the "
                   f"mean; {log_note}; mean_absolute_error, the median."),
                   ("Keras's mean_squared_logarithmic_error floors y and ŷ at 1e-7, so a negative prediction "
                   "gets no gradient: give it a positive output."),
                   censored),
            units=d,
        )
    notes = (residuals,)
    if tails > _OUTLIER_FRACTION:
        notes += ((f"y has heavy tails: {100 * tails:.1f} % of the values have a modified z-score above 3.5 (a "
                  "Gaussian gives 0.05 %); they may be gross errors (a robust loss helps) or signal the "
                  "features explain (keep MSE): the residuals tell."),)
    notes += (censored,)
    negative_whole = target.whole and target.values[0] < 0
    what = ("Targets are whole numbers including negatives (neither counts nor 0-based labels)"
            if negative_whole else "Targets are real values")
    return Recommendation(
        task="regression", loss="mean_squared_error", activation="linear",
        encoding=f"floats, shape {shape}; standardize with the training mean and sd",
        metric="mse",
        reason=f"{what}, so a linear output with squared error, which estimates the mean of y given x (the "
        "Gaussian maximum-likelihood loss), fits.",
        alternatives=(("huber", "mean_absolute_error") if tails > _OUTLIER_FRACTION
                      else ("mean_absolute_error", "huber")),
        notes=notes,
        units=d,
    )


_BUILDERS = {
    "regression": _regression,
    "counts": _counts,
    "binary": _binary,
    "multiclass": _multiclass,
    "multilabel": _multilabel,
    "distribution": _distribution,
    "ordinal": _ordinal,
}
