"""The book's experiments as data, and :func:`run`: many seeds in one training job.

The tutorial this book starts from trains each network once and reads meaning
into differences like 0.852 vs 0.740 test accuracy.  One run is one draw of the
initial weights and batch order; here every experiment is run over several seeds
and reported as mean, standard deviation, minimum and maximum.

An :class:`Experiment` is a record of everything the tutorial fixes, frozen all
the way down: the :class:`Network`, its loss, its optimizer (:class:`SGD` or
:class:`RMSprop`), epochs and batch size, and which data it trains on.  It is
checked when it is made, so a typo fails at once with the field's name, not
minutes later inside TensorFlow.  :func:`names` lists the registered ones as
``"<problem>/<loss>"``; :func:`get` returns one; :func:`run` trains it for a list
of seeds, on its own data or on a :class:`~lossguide.datasets.Split` you pass,
and returns a :class:`Result`.

What counts as a correct prediction is decided by :mod:`lossguide.metrics`
(:attr:`Experiment.decision_rule`), the same rule in training, in
:meth:`Experiment.keras_model` and in :class:`Result`.

How the seeds are run
---------------------
All K networks train together in one TensorFlow graph (``lossguide._engine``):
weights carry a leading replica axis, each replica draws its own initial weights
and its own batch order per epoch, and test-set evaluation happens in-graph at
the end of each epoch.  Replica k computes what ``Sequential.fit`` computes for
one network with the same initial weights and batch order (checked in the tests
to 1e-9 in float64).  A seed fixes the initial weights (NumPy generator
``[seed, 0]``) and the batch orders (``[seed, 1]``); both depend on the seed
only, not on the loss, so within a problem seed ``s`` gives every loss the same
starting network and the same batches (a paired comparison), and a seed's result
does not depend on which other seeds run beside it.  They are *not* the weights
Keras would draw after ``keras.utils.set_random_seed(seed)``.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import numbers
import sys
import types
from collections.abc import Callable, Mapping
from typing import ClassVar

import numpy as np
from scipy import special

from . import datasets, metrics
from .metrics import sign_accuracy  # the chapters' lg.experiments.sign_accuracy

__all__ = [
    "ACTIVATIONS",
    "BALANCED",
    "SGD",
    "TUTORIAL",
    "Activation",
    "Experiment",
    "Network",
    "RMSprop",
    "Result",
    "Tuning",
    "choose_learning_rates",
    "concatenate",
    "cross_fitted_peak",
    "flipped_labels_fitted",
    "flipped_labels_fitted_by_chance",
    "get",
    "names",
    "run",
    "run_grid",
    "sign_accuracy",
    "tune_learning_rate",
    "with_learning_rate",
]


# ---------------------------------------------------------------------------
# The parts of an experiment


@dataclasses.dataclass(frozen=True)
class Activation:
    """One activation, as the NumPy forward pass and Keras each compute it.

    Attributes
    ----------
    keras : str
        The ``keras.activations`` name used by the engine and ``keras_model``.
    numpy : callable
        The same function on float64 arrays, used by :meth:`Result.predict`.
    """

    keras: str
    numpy: Callable


#: Activation name -> :class:`Activation`: the one table the engine, ``keras_model``
#: and :meth:`Result.predict` share.
ACTIVATIONS = types.MappingProxyType({
    "linear": Activation("linear", lambda z: z),
    "relu": Activation("relu", lambda z: np.maximum(z, 0.0)),
    "tanh": Activation("tanh", np.tanh),
    "sigmoid": Activation("sigmoid", special.expit),  # never overflows, unlike 1 / (1 + exp(-z))
    # shifts by the row max before exp, so large scores do not overflow
    "softmax": Activation("softmax", functools.partial(special.softmax, axis=-1)),
    # log(1 + exp(z)) = logaddexp(0, z): exp(z) would overflow for z > 709
    "softplus": Activation("softplus", lambda z: np.logaddexp(0.0, z)),
    "exponential": Activation("exponential", np.exp),
})

# Kernel initialisers the engine can draw (lossguide._engine.initial_weights).
_INITIALIZERS = ("he_uniform", "glorot_uniform")


def _check_positive_int(value, field):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{field} must be a positive int, got {value!r}")


def _check_choice(value, field, allowed):
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{field} must be one of {list(allowed)}, got {value!r}")


@dataclasses.dataclass(frozen=True)
class Network:
    """The tutorial's MLP: one hidden ``Dense`` layer and an output ``Dense`` layer.

    .. math:: \\hat y = g\\big(h(x W_1 + b_1) W_2 + b_2\\big)

    with :math:`h` the hidden and :math:`g` the output activation.  The output
    layer uses Keras's defaults (``glorot_uniform`` kernel, zero bias).  The
    number of inputs is the data's (:attr:`Experiment.n_inputs`).

    Attributes
    ----------
    hidden_units : int
    hidden_activation : str
        A key of :data:`ACTIVATIONS`.
    initializer : {"he_uniform", "glorot_uniform"}
        Kernel initialiser of the hidden layer.
    output_units : int
    output_activation : str
        A key of :data:`ACTIVATIONS`; ``"softmax"`` needs at least 2 units.

    Examples
    --------
    >>> Network(50, "relu", "he_uniform", 1, "tanh").output_activation
    'tanh'
    >>> Network(50, "elu", "he_uniform", 1, "tanh")
    Traceback (most recent call last):
    ...
    ValueError: hidden_activation must be one of ['linear', 'relu', 'tanh', 'sigmoid', 'softmax', 'softplus', 'exponential'], got 'elu'
    """

    hidden_units: int
    hidden_activation: str
    initializer: str
    output_units: int
    output_activation: str

    def __post_init__(self):
        _check_positive_int(self.hidden_units, "hidden_units")
        _check_positive_int(self.output_units, "output_units")
        _check_choice(self.hidden_activation, "hidden_activation", ACTIVATIONS)
        _check_choice(self.output_activation, "output_activation", ACTIVATIONS)
        _check_choice(self.initializer, "initializer", _INITIALIZERS)
        if self.output_activation == "softmax" and self.output_units < 2:
            raise ValueError(
                f"output_activation 'softmax' needs output_units >= 2 (one unit always outputs 1), "
                f"got output_units={self.output_units}"
            )


def _check_rate(value, field, *, low, high=math.inf, low_inclusive=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{field} must be a finite real number, got {value!r}")
    if value < low or (value == low and not low_inclusive) or value >= high:
        bounds = f"{'[' if low_inclusive else '('}{low:g}, {high:g})"
        raise ValueError(f"{field} must be in {bounds}, got {value!r}")


@dataclasses.dataclass(frozen=True)
class SGD:
    """Keras's ``SGD`` with (heavy-ball) momentum, as the engine implements it.

    .. math:: m \\leftarrow \\mu m - \\eta g, \\qquad w \\leftarrow w + m

    Attributes
    ----------
    learning_rate : float
        :math:`\\eta > 0`.
    momentum : float, default 0.0
        :math:`\\mu \\in [0, 1)`.

    Examples
    --------
    >>> SGD(learning_rate=0.01, momentum=0.9).keras_arguments()
    {'learning_rate': 0.01, 'momentum': 0.9}
    """

    learning_rate: float
    momentum: float = 0.0
    name: ClassVar[str] = "sgd"

    def __post_init__(self):
        _check_rate(self.learning_rate, "optimizer learning_rate", low=0.0)
        _check_rate(self.momentum, "optimizer momentum", low=0.0, high=1.0, low_inclusive=True)

    def keras_arguments(self) -> dict:
        """Keyword arguments of ``keras.optimizers.SGD``."""
        return {"learning_rate": self.learning_rate, "momentum": self.momentum}

    def keras(self):
        """A new ``keras.optimizers.SGD`` with these settings."""
        import keras

        return keras.optimizers.SGD(**self.keras_arguments())


@dataclasses.dataclass(frozen=True)
class RMSprop:
    """Keras's ``RMSprop`` (no momentum, not centred), as the engine implements it.

    .. math:: v \\leftarrow \\rho v + (1 - \\rho) g^2, \\qquad
              w \\leftarrow w - \\frac{\\eta g}{\\sqrt{v + \\epsilon}}

    Attributes
    ----------
    learning_rate : float
        :math:`\\eta > 0` (Keras's default is 0.001).
    rho : float, default 0.9
        :math:`\\rho \\in [0, 1)`.
    epsilon : float, default 1e-7
        :math:`\\epsilon > 0`, added inside the square root as Keras does.

    Examples
    --------
    >>> RMSprop(learning_rate=0.001)
    RMSprop(learning_rate=0.001, rho=0.9, epsilon=1e-07)
    """

    learning_rate: float
    rho: float = 0.9
    epsilon: float = 1e-7
    name: ClassVar[str] = "rmsprop"

    def __post_init__(self):
        _check_rate(self.learning_rate, "optimizer learning_rate", low=0.0)
        _check_rate(self.rho, "optimizer rho", low=0.0, high=1.0, low_inclusive=True)
        _check_rate(self.epsilon, "optimizer epsilon", low=0.0)

    def keras_arguments(self) -> dict:
        """Keyword arguments of ``keras.optimizers.RMSprop``."""
        return {"learning_rate": self.learning_rate, "rho": self.rho, "epsilon": self.epsilon}

    def keras(self):
        """A new ``keras.optimizers.RMSprop`` with these settings."""
        import keras

        return keras.optimizers.RMSprop(**self.keras_arguments())


_OPTIMIZERS = {"sgd": SGD, "rmsprop": RMSprop}


def _optimizer_from(value):
    """An :class:`SGD` / :class:`RMSprop` from itself or from a dict with a ``"name"``."""
    if isinstance(value, (SGD, RMSprop)):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(
            "optimizer must be lossguide.experiments.SGD(...) or RMSprop(...), or a dict such as "
            f"{{'name': 'sgd', 'learning_rate': 0.01}}, got {type(value).__name__}: {value!r}"
        )
    options = dict(value)
    name = options.pop("name", None)
    if name not in _OPTIMIZERS:
        raise ValueError(f"optimizer name must be 'sgd' or 'rmsprop', got {dict(value)!r}")
    kind = _OPTIMIZERS[name]
    allowed = [field.name for field in dataclasses.fields(kind)]
    unknown = sorted(set(options) - set(allowed), key=str)
    if unknown:
        raise ValueError(
            f"optimizer {name!r} has no option(s) {unknown}; it takes {', '.join(allowed)}"
        )
    if "learning_rate" not in options:
        raise ValueError(f"optimizer {name!r} needs a learning_rate, got {dict(value)!r}")
    return kind(**options)


def _frozen_options(value):
    """Loss options as a read-only mapping of plain values (str keys; numbers, bools, str)."""
    if not isinstance(value, Mapping):
        raise TypeError(f"loss_options must be a dict, got {type(value).__name__}: {value!r}")
    for key, option in value.items():
        if not isinstance(key, str):
            raise TypeError(f"loss_options keys must be str, got {type(key).__name__}: {key!r}")
        if not isinstance(option, (numbers.Number, str, type(None))):
            # A list or array inside would make the "frozen" record mutable again.
            raise TypeError(
                f"loss_options[{key!r}] must be a number, bool, str or None, got "
                f"{type(option).__name__}: {option!r}"
            )
    return types.MappingProxyType(dict(value))


#: The word for weights resolved from the training rows (scikit-learn's convention).
BALANCED = "balanced"


def _frozen_class_weight(value, targets):
    """``class_weight`` as a read-only ``{int: float}`` mapping (or ``"balanced"``), checked."""
    if isinstance(value, str):
        if value != BALANCED:
            raise ValueError(f"class_weight must be a dict {{class index: weight}} or "
                             f"{BALANCED!r}, got {value!r}")
    elif not isinstance(value, Mapping):
        raise TypeError(f"class_weight must be a dict {{class index: weight}} or {BALANCED!r}, "
                        f"got {type(value).__name__}: {value!r}")
    if targets in _REGRESSION_TARGETS or targets == "multilabel":
        raise ValueError(f"class_weight needs one class per row ('01', 'pm1', 'int' or 'onehot' "
                         f"targets), got targets {targets!r}")
    if value == BALANCED:
        return BALANCED
    weights = {}
    for key, weight in value.items():
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, numbers.Integral):
            raise TypeError(f"class_weight keys must be class indices (int), got "
                            f"{type(key).__name__}: {key!r}")
        _check_rate(weight, f"class_weight[{key!r}]", low=0.0, low_inclusive=True)
        weights[int(key)] = float(weight)
    return types.MappingProxyType(weights)


@dataclasses.dataclass(frozen=True)
class _Problem:
    n_inputs: int | None  # None: read from the data set when first needed
    encodings: tuple
    n_classes: int | None = None  # None for class targets: any width, checked against the data


# What each problem's data look like, known without loading them (import stays cheap).
_PROBLEMS = {
    "regression": _Problem(20, ("real",)),
    "positive_regression": _Problem(20, ("positive",)),
    "circles": _Problem(2, ("01", "pm1")),
    "blobs": _Problem(2, ("int", "onehot"), 3),
    "digits": _Problem(64, ("int", "onehot"), 10),
    # The data sets of the later chapters (lossguide.datasets, default arguments).
    "imbalanced": _Problem(None, ("01",)),
    "imbalanced_blobs": _Problem(None, ("int", "onehot")),
    "multilabel": _Problem(None, ("multilabel",)),
    "heteroscedastic": _Problem(None, ("real",)),
    "poisson_counts": _Problem(None, ("counts",)),
}
_ENCODINGS = ("real", "positive", "01", "pm1", "int", "onehot", "multilabel", "counts")
# Targets without classes: the metric is "mse" and there is no decision rule.
_REGRESSION_TARGETS = ("real", "positive", "counts")
# Losses whose outputs are two blocks side by side (the means, then the log-variances).
_MEAN_AND_SPREAD_LOSSES = ("gaussian_nll", "beta_nll")


def _required_outputs(targets, n_classes):
    """Output units a target encoding needs: 1 column, or one per class (None: any)."""
    return n_classes if targets in ("int", "onehot", "multilabel") else 1


def _point_columns(experiment):
    """How many leading output columns are the prediction (the means for gaussian_nll)."""
    units = experiment.network.output_units
    return units // 2 if experiment.loss in _MEAN_AND_SPREAD_LOSSES else units


def _mean_squared_error_of_means(y_true, y_pred):
    """Keras's MSE of the first half of the outputs (the means of a gaussian_nll model)."""
    import keras

    return keras.metrics.mean_squared_error(y_true, y_pred[..., : y_pred.shape[-1] // 2])


# Result.score's names -> NumPy per-sample scorer(y_true, y_pred); "accuracy" is
# the experiment's own rule.  Every decision goes through lossguide.metrics.
_SCORES = types.MappingProxyType({
    "mse": metrics.mean_squared_error,
    "mae": metrics.mean_absolute_error,
    "msle": metrics.mean_squared_logarithmic_error,
    "binary_accuracy": metrics.binary_accuracy,
    "rounded_accuracy": metrics.rounded_accuracy,
    "logit_accuracy": functools.partial(metrics.binary_accuracy, threshold=0.0),
    "sign_accuracy": functools.partial(metrics.accuracy, rule="sign"),
    # argmax against integer labels or one-hot rows alike
    "categorical_accuracy": functools.partial(metrics.accuracy, rule="argmax"),
})
_SCORE_NAMES = ("accuracy", *_SCORES)


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One network, loss and training setup, as plain immutable data.

    Made directly, with :func:`dataclasses.replace` on a registered one, or by
    :func:`get`; every field is checked when it is made.  Hashable, and frozen
    all the way down: ``experiment.optimizer.learning_rate = 1.0`` raises
    instead of changing the registry for everyone.

    Attributes
    ----------
    name : str
        ``"<problem>/<loss identifier>[_variant]"``, e.g. ``"circles/hinge"``.
    problem : str
        ``"regression"``, ``"positive_regression"``, ``"circles"``, ``"blobs"`` or
        ``"digits"``: the data it trains on by default (:meth:`data`); pass
        ``data=`` to :func:`run` for other data of the same shape.
    targets : str
        Target encoding, as in :mod:`lossguide.datasets`; must be one the problem
        offers (``"01"`` or ``"pm1"`` for circles, ``"int"`` or ``"onehot"`` for
        blobs and digits).
    network : Network
        Its ``output_units`` must fit the targets: 1 for a single column, one
        per class for ``"int"`` / ``"onehot"``.
    loss : str or callable
        Keras loss identifier, e.g. ``"categorical_crossentropy"``, or a function
        ``loss(y_true, y_pred)`` of TensorFlow tensors returning per-sample losses
        (the pitfalls chapter trains a deliberately wrong loss this way, via
        ``dataclasses.replace``).
    optimizer : SGD or RMSprop
        A dict such as ``{"name": "sgd", "learning_rate": 0.01, "momentum": 0.9}``
        is accepted and converted.
    epochs, batch_size : int
    metric : {"mse", "accuracy"}
        ``"accuracy"`` counts correct classes by :attr:`decision_rule` (for
        ``"multilabel"`` targets: Keras's binary accuracy, averaged over labels).
    loss_options : mapping, optional
        Keyword arguments for the loss, e.g. ``{"label_smoothing": 0.1}``; stored
        read-only (a ``MappingProxyType``).  ``{"pos_weight": "balanced"}`` ({0, 1}
        targets) is resolved from the rows each run trains on, :math:`n_0 / n_1`
        (:meth:`resolve`).
    extra_metrics : tuple of str, optional
        Metrics computed from the final predictions and added to ``Result.final``
        (names as in :meth:`Result.score`).
    description : str, optional
        One line for ``python -m lossguide list``.
    class_weight : mapping or "balanced", optional
        ``{class index: weight}`` as ``fit(class_weight=...)`` takes it: each
        training row's loss is multiplied by its class's weight (1 for classes
        not named) and the batch loss is still divided by the number of rows
        (Keras's ``sum_over_batch_size``).  Test losses, metrics and ``final``
        are unweighted, as ``fit``'s ``val_loss`` and ``evaluate`` report them.
        ``"balanced"``: scikit-learn's :math:`w_c = n / (K n_c)`, resolved from
        the rows each run trains on (:meth:`resolved_class_weight`).

    Targets ``"multilabel"`` (a 0/1 matrix, one sigmoid unit per label) and
    ``"counts"`` (whole numbers >= 0, one column) are the later chapters'; a
    ``"gaussian_nll"`` loss needs two output units per target column (the means,
    then the log-variances), and its ``"mse"`` metric scores the means.

    Examples
    --------
    >>> import dataclasses
    >>> from lossguide import experiments
    >>> hinge = experiments.get("circles/hinge")
    >>> hinge.network.output_activation, hinge.optimizer, hinge.decision_rule
    ('tanh', SGD(learning_rate=0.01, momentum=0.9), 'sign')
    >>> dataclasses.replace(hinge, optimizer="sgd")
    Traceback (most recent call last):
    ...
    TypeError: optimizer must be lossguide.experiments.SGD(...) or RMSprop(...), or a dict such as {'name': 'sgd', 'learning_rate': 0.01}, got str: 'sgd'
    """

    name: str
    problem: str
    targets: str
    network: Network
    loss: str | Callable
    optimizer: SGD | RMSprop
    epochs: int
    batch_size: int
    metric: str
    # MappingProxyType is read-only but not hashable: equality still compares it.
    loss_options: Mapping = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({}), hash=False)
    extra_metrics: tuple = ()
    description: str = ""
    class_weight: Mapping | str | None = dataclasses.field(default=None, hash=False)

    def __post_init__(self):
        for field in ("name", "description"):
            if not isinstance(getattr(self, field), str):
                value = getattr(self, field)
                raise TypeError(f"{field} must be a str, got {type(value).__name__}: {value!r}")
        if not self.name:
            raise ValueError("name must be a non-empty str, got ''")
        _check_choice(self.problem, "problem", _PROBLEMS)
        _check_choice(self.targets, "targets", _ENCODINGS)
        problem = _PROBLEMS[self.problem]
        if self.targets not in problem.encodings:
            raise ValueError(
                f"targets must be one of {list(problem.encodings)} for problem {self.problem!r}, "
                f"got {self.targets!r}"
            )
        if not isinstance(self.network, Network):
            raise TypeError(f"network must be a lossguide.experiments.Network, got "
                            f"{type(self.network).__name__}: {self.network!r}")
        needed = _required_outputs(self.targets, problem.n_classes)
        if needed is not None and self.loss in _MEAN_AND_SPREAD_LOSSES:
            needed *= 2
        if self.loss in _MEAN_AND_SPREAD_LOSSES and self.network.output_units % 2:
            raise ValueError(
                f"output_units must be even for loss {self.loss!r} (a mean and a log-variance "
                f"per target column), got {self.network.output_units}"
            )
        if needed is not None and self.network.output_units != needed:
            raise ValueError(
                f"output_units must be {needed} for {self.targets!r} targets of problem "
                f"{self.problem!r}{' with loss ' + repr(self.loss) if self.loss in _MEAN_AND_SPREAD_LOSSES else ''}, "
                f"got {self.network.output_units}"
            )
        if isinstance(self.loss, str):
            if not self.loss:
                raise ValueError("loss must be a Keras loss identifier or a callable, got ''")
        elif not callable(self.loss):
            raise TypeError(f"loss must be a str or a callable, got {type(self.loss).__name__}: "
                            f"{self.loss!r}")
        object.__setattr__(self, "optimizer", _optimizer_from(self.optimizer))
        _check_positive_int(self.epochs, "epochs")
        _check_positive_int(self.batch_size, "batch_size")
        _check_choice(self.metric, "metric", ("mse", "accuracy"))
        if self.metric == "accuracy" and self.targets in _REGRESSION_TARGETS:
            raise ValueError(
                f"metric 'accuracy' needs class targets, got targets {self.targets!r}; use 'mse'"
            )
        object.__setattr__(self, "loss_options", _frozen_options(self.loss_options))
        pos_weight = self.loss_options.get("pos_weight")
        if isinstance(pos_weight, str):
            if pos_weight != BALANCED:
                raise ValueError(f"loss_options['pos_weight'] must be a number or {BALANCED!r}, "
                                 f"got {pos_weight!r}")
            if self.targets != "01":
                raise ValueError(f"loss_options['pos_weight'] = {BALANCED!r} needs {{0, 1}} "
                                 f"targets ('01'), got targets {self.targets!r}")
        if isinstance(self.extra_metrics, str) or not isinstance(self.extra_metrics, (tuple, list)):
            raise TypeError(f"extra_metrics must be a tuple of str, got {self.extra_metrics!r}")
        for metric in self.extra_metrics:
            _check_choice(metric, "extra_metrics entry", _SCORE_NAMES)
        object.__setattr__(self, "extra_metrics", tuple(self.extra_metrics))
        if self.class_weight is not None:
            object.__setattr__(self, "class_weight", _frozen_class_weight(self.class_weight,
                                                                          self.targets))

    def __reduce__(self):
        # Pickle and copy by re-creating (and re-checking) the record: a
        # MappingProxyType cannot be pickled, the plain dict inside it can.
        fields = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        fields["loss_options"] = dict(self.loss_options)
        if isinstance(self.class_weight, Mapping):
            fields["class_weight"] = dict(self.class_weight)
        return _rebuild_experiment, (fields,)

    def sample_weight(self, y_train):
        """Per-row training weights from :attr:`class_weight`, as Keras's ``fit`` makes them.

        ``keras/src/trainers/data_adapters/data_adapter_utils.py``
        (``class_weight_to_sample_weights``): the class of a row is its argmax for
        one-hot rows, else its rounded label; a class missing from the mapping
        weighs 1.  A ``"balanced"`` class weight is resolved from ``y_train``
        first (:meth:`resolved_class_weight`).

        .. math:: w_i = \\text{class\\_weight}[c_i]

        Parameters
        ----------
        y_train : array_like
            The training targets, in the experiment's encoding.

        Returns
        -------
        numpy.ndarray or None
            ``(n,)`` float64 weights, or ``None`` without a ``class_weight``.

        Examples
        --------
        >>> import dataclasses
        >>> from lossguide import experiments
        >>> weighted = dataclasses.replace(experiments.get("circles/binary_crossentropy"),
        ...                                class_weight={1: 4.0})
        >>> weighted.sample_weight([0, 1, 1])
        array([1., 4., 4.])
        """
        weights = self.resolved_class_weight(y_train)
        if weights is None:
            return None
        return np.array([float(weights.get(int(label), 1.0)) for label in _row_classes(y_train)])

    def resolved_class_weight(self, y_train) -> dict | None:
        """The class weights a run on ``y_train`` uses, as a plain ``{class: weight}`` dict.

        A mapping is returned as it is; ``"balanced"`` becomes scikit-learn's
        ``compute_class_weight("balanced", ...)`` over the classes present in
        ``y_train`` (one-hot rows: their argmax):

        .. math:: w_c = \\frac{n}{K\\, n_c}

        with :math:`n` rows, :math:`K` classes and :math:`n_c` rows of class
        :math:`c`.  Every class then carries the same total weight :math:`n / K`.

        Parameters
        ----------
        y_train : array_like
            The training targets, in the experiment's encoding.

        Returns
        -------
        dict or None
            ``{int: float}``, or ``None`` without a ``class_weight``.

        Raises
        ------
        TypeError, ValueError
            If ``y_train`` is not numeric or empty.

        Examples
        --------
        >>> from lossguide import experiments
        >>> e = experiments.get("imbalanced/binary_crossentropy_class_weight")
        >>> e.class_weight
        'balanced'
        >>> e.resolved_class_weight([0, 0, 0, 1])
        {0: 0.6666666666666666, 1: 2.0}
        """
        if self.class_weight is None:
            return None
        if isinstance(self.class_weight, Mapping):
            return dict(self.class_weight)
        from sklearn.utils.class_weight import compute_class_weight

        labels = _row_classes(y_train)
        classes = np.unique(labels)
        weights = compute_class_weight(BALANCED, classes=classes, y=labels)
        return {int(c): float(w) for c, w in zip(classes, weights)}

    def resolved_loss_options(self, y_train) -> dict:
        """The loss options a run on ``y_train`` uses: ``"balanced"`` ``pos_weight`` as a number.

        .. math:: \\text{pos\\_weight} = \\frac{n_0}{n_1}

        with :math:`n_0` negative and :math:`n_1` positive training rows: the
        positives' summed weight then equals the negatives'.

        Parameters
        ----------
        y_train : array_like
            The training targets ({0, 1}).

        Returns
        -------
        dict
            A plain copy of :attr:`loss_options`, resolved.

        Raises
        ------
        ValueError
            If ``pos_weight`` is ``"balanced"`` and ``y_train`` has no positive row.

        Examples
        --------
        >>> from lossguide import experiments
        >>> e = experiments.get("imbalanced/weighted_binary_crossentropy")
        >>> dict(e.loss_options), e.resolved_loss_options([0, 0, 0, 1, 0, 1])
        ({'pos_weight': 'balanced'}, {'pos_weight': 2.0})
        """
        options = dict(self.loss_options)
        if options.get("pos_weight") == BALANCED:
            labels = _row_classes(y_train)
            n_positive = int((labels == 1).sum())
            n_negative = int((labels == 0).sum())
            if n_positive == 0 or n_negative == 0:
                # pos_weight = 0 would switch every positive's loss off without a word.
                missing = "positive" if n_positive == 0 else "negative"
                raise ValueError(f"loss_options['pos_weight'] = 'balanced' needs at least one "
                                 f"{missing} row in y_train, got none")
            options["pos_weight"] = int((labels == 0).sum()) / n_positive
        return options

    def resolve(self, y_train) -> Experiment:
        """This experiment with its ``"balanced"`` weights as the numbers for ``y_train``.

        What :func:`run` trains (and what ``Result.experiment`` holds): the
        class weights of :meth:`resolved_class_weight` and the loss options of
        :meth:`resolved_loss_options`; name and everything else unchanged.  An
        experiment with nothing to resolve is returned as it is.

        Parameters
        ----------
        y_train : array_like
            The training targets.

        Returns
        -------
        Experiment
            With a ``{class: weight}`` mapping and numeric ``pos_weight``, or itself.

        Examples
        --------
        >>> from lossguide import experiments
        >>> e = experiments.get("imbalanced/binary_crossentropy_class_weight")
        >>> dict(e.resolve([0, 0, 0, 1]).class_weight)
        {0: 0.6666666666666666, 1: 2.0}
        """
        if self.class_weight != BALANCED and self.loss_options.get("pos_weight") != BALANCED:
            return self
        return dataclasses.replace(self, class_weight=self.resolved_class_weight(y_train),
                                   loss_options=self.resolved_loss_options(y_train))

    # Read access to the network's fields, as chapters write them.
    @property
    def n_inputs(self) -> int:
        """Number of input features of the problem."""
        n_inputs = _PROBLEMS[self.problem].n_inputs
        if n_inputs is None:  # a later chapter's data set: read its width once
            n_inputs = self.data().x_train.shape[1]
        return n_inputs

    @property
    def hidden_units(self) -> int:
        """``network.hidden_units``."""
        return self.network.hidden_units

    @property
    def hidden_activation(self) -> str:
        """``network.hidden_activation``."""
        return self.network.hidden_activation

    @property
    def initializer(self) -> str:
        """``network.initializer``."""
        return self.network.initializer

    @property
    def output_units(self) -> int:
        """``network.output_units``."""
        return self.network.output_units

    @property
    def output_activation(self) -> str:
        """``network.output_activation``."""
        return self.network.output_activation

    @property
    def decision_rule(self) -> str | None:
        """How outputs become classes (see :mod:`lossguide.metrics`), ``None`` for regression.

        ``"threshold"`` (sigmoid output, {0, 1} targets: :math:`p > 0.5`),
        ``"logit"`` ({0, 1} targets, linear output: :math:`z > 0`), ``"sign"``
        ({-1, 1} targets: Keras 3's ``'accuracy'`` would threshold at 0.5 and
        score every correct -1 as wrong) or ``"argmax"`` (integer or one-hot targets).
        """
        if self.targets in _REGRESSION_TARGETS:
            return None
        from_logits = self.output_activation == "linear"
        if self.targets == "multilabel":  # one independent {0, 1} decision per label
            return "logit" if from_logits else "threshold"
        return metrics.decision_rule(self.targets, from_logits=from_logits)

    def data(self) -> datasets.Split:
        """The problem's :class:`~lossguide.datasets.Split`, targets encoded for this loss."""
        return _load_split(self.problem, self.targets)

    def keras_metric(self):
        """The Keras metric this experiment reports: ``"mse"`` or the accuracy of its rule.

        Returns
        -------
        str or callable
            ``"mse"``, or :func:`lossguide.metrics.keras_accuracy` of
            :attr:`decision_rule` (integer labels: sparse).
        """
        if self.metric == "mse":
            return _mean_squared_error_of_means if self.loss in _MEAN_AND_SPREAD_LOSSES else "mse"
        return metrics.keras_accuracy(self.decision_rule, sparse=self.targets == "int")

    def keras_model(self, weights=None):
        """The plain Keras ``Sequential`` for this experiment, compiled.

        Parameters
        ----------
        weights : list of numpy.ndarray, optional
            ``[W1, b1, W2, b2]`` to start from (e.g. ``Result.weights(seed)``);
            otherwise Keras draws them.

        Returns
        -------
        keras.Sequential
            Compiled with this experiment's loss, optimizer and metric
            (:meth:`keras_metric`); a ``"balanced"`` ``pos_weight`` is resolved
            from the problem's own training rows (``Result.experiment`` holds the
            value its run used).
        """
        import keras

        network = self.network
        model = keras.Sequential([
            keras.Input(shape=(self.n_inputs,)),
            keras.layers.Dense(network.hidden_units,
                               activation=ACTIVATIONS[network.hidden_activation].keras,
                               kernel_initializer=network.initializer),
            keras.layers.Dense(network.output_units,
                               activation=ACTIVATIONS[network.output_activation].keras),
        ])
        if weights is not None:
            model.set_weights([np.asarray(w) for w in weights])
        from ._engine import resolve_loss

        loss = resolve_loss(self.loss)  # lossguide.keras_losses first, then keras.losses
        options = self.resolved_loss_options(self.data().y_train) \
            if self.loss_options.get("pos_weight") == BALANCED else dict(self.loss_options)
        if options:
            loss = functools.partial(loss, **options)
            loss.__name__ = self.name.split("/")[-1]
        model.compile(loss=loss, optimizer=self.optimizer.keras(), metrics=[self.keras_metric()])
        return model


def _row_classes(y_train):
    """Each training row's class as ``fit`` reads it: argmax of one-hot rows, else rounded."""
    try:
        y = np.asarray(y_train, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"y_train must be an array of numbers, got {type(y_train).__name__}") \
            from None
    if y.size == 0:
        raise ValueError("y_train must hold at least one row, got none")
    if not np.isfinite(y).all():
        # NaN would become a class of its own (int64 of NaN), silently.
        position = int(np.argmin(np.isfinite(y).ravel()))
        raise ValueError(f"y_train must be finite, got {y.ravel()[position]} at flat "
                         f"position {position}")
    if y.ndim > 1:
        y = y.argmax(axis=-1) if y.shape[-1] != 1 else y[..., 0]
    return np.round(y).astype(np.int64)


def _rebuild_experiment(fields):
    return Experiment(**fields)


def _check_finite(array, name):
    finite = np.isfinite(array)
    if not finite.all():
        position = int(np.argmin(finite.ravel()))
        bad = array.ravel()[position]
        what = "NaN" if np.isnan(bad) else ("inf" if bad > 0 else "-inf")
        index = tuple(int(i) for i in np.unravel_index(position, array.shape))
        raise ValueError(f"{name} contains {what} at index {index}")


def _check_data(experiment, data):
    """Raise unless ``data`` can train ``experiment``: features, encoding, widths and values."""
    if not isinstance(data, datasets.Split):
        raise TypeError(f"data must be a lossguide.datasets.Split, got {type(data).__name__}")
    if data.targets != experiment.targets:
        raise ValueError(
            f"data has targets encoded {data.targets!r}, but experiment {experiment.name!r} "
            f"expects {experiment.targets!r}"
        )
    units = _point_columns(experiment)
    for part in ("train", "test"):
        x, y = getattr(data, f"x_{part}"), getattr(data, f"y_{part}")
        if x.ndim != 2 or x.shape[1] != experiment.n_inputs:
            raise ValueError(
                f"data.x_{part} must have shape (n, {experiment.n_inputs}) for the network of "
                f"{experiment.name!r}, got {x.shape}"
            )
        if x.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
            raise TypeError(f"data.x_{part} and data.y_{part} must be numeric, got "
                            f"{x.dtype} and {y.dtype}")
        if len(y) != len(x):
            raise ValueError(f"data.y_{part} has {len(y)} rows but data.x_{part} has {len(x)}")
        if len(x) == 0:
            raise ValueError(f"data.x_{part} is empty")
        _check_finite(x, f"data.x_{part}")
        _check_finite(y, f"data.y_{part}")
        if data.targets == "onehot":
            if y.ndim != 2 or y.shape[1] != units:
                raise ValueError(f"data.y_{part} must be one-hot rows of shape (n, {units}) for "
                                 f"output_units={units}, got {y.shape}")
            valid = np.isin(y, (0, 1)).all(axis=1) & (y.sum(axis=1) == 1)
        elif data.targets == "multilabel":
            if y.ndim != 2 or y.shape[1] != units:
                raise ValueError(f"data.y_{part} must be 0/1 rows of shape (n, {units}) for "
                                 f"output_units={units}, got {y.shape}")
            valid = np.isin(y, (0, 1)).all(axis=1)
        elif y.ndim != 1 and not (y.ndim == 2 and y.shape[1] == 1):
            raise ValueError(f"data.y_{part} must be one column for {data.targets!r} targets, "
                             f"got shape {y.shape}")
        else:
            y = y.reshape(-1)
            valid = {
                "real": np.ones(len(y), dtype=bool),
                "positive": y > 0,
                "01": np.isin(y, (0, 1)),
                "pm1": np.isin(y, (-1, 1)),
                "int": (y == np.round(y)) & (y >= 0) & (y < units),
                "counts": (y == np.round(y)) & (y >= 0),
            }[data.targets]
        if not valid.all():
            row = int(np.argmin(valid))
            allowed = {"positive": "values > 0", "01": "labels in {0, 1}",
                       "pm1": "labels in {-1, 1}", "int": f"class indices in [0, {units})",
                       "onehot": "one-hot rows", "multilabel": "0/1 labels",
                       "counts": "whole numbers >= 0"}
            raise ValueError(
                f"data.y_{part} must hold {allowed[data.targets]} for {data.targets!r} targets, "
                f"got {y[row]} at row {row}"
            )


@functools.cache
def _load_split(problem, targets):
    # Splits are immutable (read-only arrays), so sharing one object is safe.
    if problem == "regression":
        return datasets.regression()
    if problem == "positive_regression":
        return datasets.positive_regression()
    if problem == "circles":
        return datasets.circles(labels=targets)
    if problem == "blobs":
        return datasets.blobs(one_hot=targets == "onehot")
    if problem == "digits":
        return datasets.digits(one_hot=targets == "onehot")
    if problem == "imbalanced_blobs":
        return datasets.imbalanced_blobs(one_hot=targets == "onehot")
    # imbalanced, multilabel, heteroscedastic, poisson_counts: one encoding each
    return getattr(datasets, problem)()


# ---------------------------------------------------------------------------
# The registry

_SGD = SGD(learning_rate=0.01, momentum=0.9)
_RMSPROP = RMSprop(learning_rate=0.001, rho=0.9, epsilon=1e-7)  # Keras's defaults


def _tutorial_mlp(problem, loss, *, output_activation, targets, description, name=None,
                  loss_options=None, extra_metrics=()):
    hidden_units, output_units, epochs = {
        "regression": (25, 1, 100),
        "positive_regression": (25, 1, 100),
        "circles": (50, 1, 200),
        "blobs": (50, 3, 100),
    }[problem]
    return Experiment(
        name=f"{problem}/{name or loss}",
        problem=problem,
        targets=targets,
        network=Network(hidden_units=hidden_units, hidden_activation="relu",
                        initializer="he_uniform", output_units=output_units,
                        output_activation=output_activation),
        loss=loss,
        optimizer=_SGD,
        epochs=epochs,
        batch_size=32,  # Keras's default, which the tutorial relies on
        metric="mse" if problem in ("regression", "positive_regression") else "accuracy",
        loss_options=loss_options or {},
        extra_metrics=tuple(extra_metrics),
        description=description,
    )


def _digits_mlp(loss, description):
    # The MNIST question's network (Dense(512, relu) -> Dense(10, softmax), rmsprop
    # with Keras defaults, 5 epochs of batch 128) on the offline digits data.
    return Experiment(
        name=f"digits/{loss}", problem="digits", targets="onehot",
        network=Network(hidden_units=512, hidden_activation="relu", initializer="glorot_uniform",
                        output_units=10, output_activation="softmax"),
        loss=loss, optimizer=_RMSPROP, epochs=5, batch_size=128, metric="accuracy",
        description=description,
    )


def _imbalance_mlp(problem, name, loss, *, targets, output_units, output_activation,
                   description, loss_options=None, class_weight=None):
    # The imbalance chapter's network: Dense(32, relu) -> output, RMSprop; the rare-positive
    # problem 25 epochs of batch 128 (about 1,100 updates), the small ones 20 of batch 64.
    # The learning rates are starting points: the chapter chooses each on validation rows.
    binary = problem == "imbalanced"
    return Experiment(
        name=f"{problem}/{name}", problem=problem, targets=targets,
        network=Network(hidden_units=32, hidden_activation="relu", initializer="he_uniform",
                        output_units=output_units, output_activation=output_activation),
        loss=loss, optimizer=RMSprop(learning_rate=0.01 if binary else 0.003),
        epochs=25 if binary else 20, batch_size=128 if binary else 64, metric="accuracy",
        loss_options=loss_options or {}, class_weight=class_weight, description=description,
    )


def _imbalance_experiments():
    rare = functools.partial(_imbalance_mlp, "imbalanced", targets="01", output_units=1,
                             output_activation="sigmoid")
    blobs = functools.partial(_imbalance_mlp, "imbalanced_blobs", targets="onehot",
                              output_units=4, output_activation="softmax")
    multilabel = functools.partial(_imbalance_mlp, "multilabel", targets="multilabel",
                                   output_units=6)
    cells = [
        rare("binary_crossentropy", "binary_crossentropy",
             description="2 % positives: plain BCE"),
        rare("binary_crossentropy_class_weight", "binary_crossentropy", class_weight=BALANCED,
             description="2 % positives: BCE, class_weight 'balanced', n / (2 n_c)"),
        rare("weighted_binary_crossentropy", "weighted_binary_crossentropy",
             output_activation="linear", loss_options={"pos_weight": BALANCED},
             description="2 % positives: BCE on logits, pos_weight n_neg / n_pos"),
        rare("binary_focal_crossentropy_g2", "binary_focal_crossentropy",
             loss_options={"gamma": 2.0},
             description="2 % positives: focal gamma=2, Keras default (alpha unused)"),
    ]
    for alpha in (0.25, 0.75):  # gamma = 0 is the alpha-weighted BCE (Keras's focal: NaN gradient)
        cells.append(rare(f"binary_crossentropy_alpha{alpha}", "binary_crossentropy",
                          class_weight={0: 1 - alpha, 1: alpha},
                          description=f"2 % positives: focal gamma=0 alpha={alpha} (weighted BCE)"))
    for alpha in (0.25, 0.75):
        cells.append(rare(f"binary_focal_crossentropy_g2_a{alpha}", "binary_focal_crossentropy",
                          loss_options={"gamma": 2.0, "alpha": alpha,
                                        "apply_class_balancing": True},
                          description=f"2 % positives: focal gamma=2 alpha={alpha}, balancing on"))
    cells += [
        blobs("categorical_crossentropy", "categorical_crossentropy",
              description="one class of four 80 %: cross-entropy"),
        blobs("categorical_crossentropy_class_weight", "categorical_crossentropy",
              class_weight=BALANCED,
              description="one class of four 80 %: CE, class_weight 'balanced'"),
        blobs("categorical_focal_crossentropy", "categorical_focal_crossentropy",
              description="one class of four 80 %: categorical focal loss"),
        multilabel("binary_crossentropy", "binary_crossentropy", output_activation="sigmoid",
                   description="six labels (48 % to 3 %): a sigmoid and BCE per label"),
        multilabel("categorical_crossentropy", "categorical_crossentropy",
                   output_activation="softmax",
                   description="six labels: softmax + CCE over them, the wrong pairing"),
    ]
    return cells


def _registry():
    regression = functools.partial(_tutorial_mlp, "regression", output_activation="linear",
                                   targets="real")
    positive = functools.partial(_tutorial_mlp, "positive_regression", output_activation="linear",
                                 targets="positive", extra_metrics=("msle",))
    circles01 = functools.partial(_tutorial_mlp, "circles", output_activation="sigmoid", targets="01")
    circles_pm1 = functools.partial(_tutorial_mlp, "circles", output_activation="tanh", targets="pm1")
    blobs_hot = functools.partial(_tutorial_mlp, "blobs", output_activation="softmax", targets="onehot")
    experiments = [
        regression("mean_squared_error", description="tutorial: MSE on the standardised target"),
        regression("mean_squared_logarithmic_error",
                   description="tutorial: MSLE on a standardised (partly negative) target"),
        regression("mean_absolute_error", description="tutorial: MAE on the standardised target"),
        regression("huber", description="Huber (delta=1): MSE near zero, MAE in the tails"),
        regression("log_cosh", description="log(cosh(error)): a smooth Huber-like loss"),
        positive("mean_squared_logarithmic_error",
                 description="MSLE on a positive right-skewed target (where it fits)"),
        positive("mean_squared_error", description="MSE on the same positive skewed target"),
        circles01("binary_crossentropy", description="tutorial: sigmoid output, labels {0,1}"),
        circles_pm1("hinge", description="tutorial: tanh output, labels {-1,1}, sign accuracy"),
        circles_pm1("squared_hinge", description="tutorial: tanh output, labels {-1,1}, sign accuracy"),
        circles01("binary_focal_crossentropy",
                  description="focal loss (gamma=2): down-weights easy examples"),
        blobs_hot("categorical_crossentropy", description="tutorial: softmax, one-hot targets"),
        _tutorial_mlp("blobs", "sparse_categorical_crossentropy", output_activation="softmax",
                      targets="int", description="tutorial: softmax, integer targets"),
        blobs_hot("kl_divergence", description="tutorial: KL divergence, one-hot targets"),
        blobs_hot("categorical_hinge", description="multi-class hinge on softmax outputs"),
        blobs_hot("categorical_crossentropy", name="categorical_crossentropy_ls0.1",
                  loss_options={"label_smoothing": 0.1},
                  description="cross-entropy with label smoothing 0.1"),
        blobs_hot("binary_crossentropy", extra_metrics=("binary_accuracy",),
                  description="pitfall: BCE on a 3-class softmax; argmax vs binary accuracy"),
        _digits_mlp("mean_squared_error", "MNIST question's net on digits: MSE on softmax"),
        _digits_mlp("categorical_crossentropy", "MNIST question's net on digits: cross-entropy"),
        *_imbalance_experiments(),
    ]
    return {experiment.name: experiment for experiment in experiments}


_EXPERIMENTS = _registry()

# The nine experiments of the tutorial, in its order (the benchmark's grid).
TUTORIAL = (
    "regression/mean_squared_error",
    "regression/mean_squared_logarithmic_error",
    "regression/mean_absolute_error",
    "circles/binary_crossentropy",
    "circles/hinge",
    "circles/squared_hinge",
    "blobs/categorical_crossentropy",
    "blobs/sparse_categorical_crossentropy",
    "blobs/kl_divergence",
)


def names() -> list[str]:
    """Names of the registered experiments, ``"<problem>/<loss>"``.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from lossguide import experiments
    >>> experiments.names()[:2]
    ['regression/mean_squared_error', 'regression/mean_squared_logarithmic_error']
    >>> len(experiments.names())
    32
    """
    return list(_EXPERIMENTS)


def get(name: str) -> Experiment:
    """The registered :class:`Experiment` called ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not registered; the message lists the valid names.

    Examples
    --------
    >>> from lossguide import experiments
    >>> e = experiments.get("circles/hinge")
    >>> e.output_activation, e.targets, e.epochs, e.optimizer.momentum
    ('tanh', 'pm1', 200, 0.9)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}: {name!r}")
    try:
        return _EXPERIMENTS[name]
    except KeyError:
        raise ValueError(
            f"unknown experiment {name!r}; valid names: {', '.join(_EXPERIMENTS)}"
        ) from None


# ---------------------------------------------------------------------------
# Results



class Result:
    """K trained replicas of one experiment.

    Attributes
    ----------
    experiment : Experiment
    seeds : tuple of int
    data : lossguide.datasets.Split
        The data the replicas were trained on; :meth:`score` and
        ``final`` use it.
    metric : str
        ``"mse"`` or ``"accuracy"``.
    history : pandas.DataFrame
        Long format, one row per (seed, epoch), columns ``seed, epoch,
        train_loss, test_loss, train_<metric>, test_<metric>``; epochs count
        from 1.  Train values are Keras's running means over the epoch's batches
        (``history.history["loss"]``), test values are computed on the whole test
        set at the end of the epoch (``val_loss``).
    final : pandas.DataFrame
        One row per seed (index ``seed``): loss and metric on the full training
        and test sets after training, as ``model.evaluate`` reports them, plus
        ``train_<m>, test_<m>`` for each of the experiment's ``extra_metrics``.

    Parameters
    ----------
    experiment : Experiment
    seeds : sequence of int
    history : numpy.ndarray
        ``(epochs, K, 4)``: train loss, test loss, train metric, test metric.
    final : numpy.ndarray
        ``(K, 4)``, same columns, after training.
    weights : list of numpy.ndarray
        ``[W1, b1, W2, b2]`` with a leading replica axis of length K.
    data : lossguide.datasets.Split, optional
        Default: ``experiment.data()``.

    :func:`run` builds it; building one by hand is for tests and what-ifs.
    """

    def __init__(self, experiment, seeds, history, final, weights, data=None):
        import pandas as pd

        self.experiment = experiment
        self.seeds = tuple(seeds)
        self.data = experiment.data() if data is None else data
        self.metric = experiment.metric
        self._weights = [np.array(w) for w in weights]
        for array in self._weights:
            array.setflags(write=False)
        columns = ["train_loss", "test_loss", f"train_{self.metric}", f"test_{self.metric}"]
        epochs, replicas, _ = history.shape
        self.history = pd.DataFrame(
            history.transpose(1, 0, 2).reshape(replicas * epochs, 4), columns=columns
        )
        self.history.insert(0, "epoch", np.tile(np.arange(1, epochs + 1), replicas))
        self.history.insert(0, "seed", np.repeat(np.array(self.seeds), epochs))
        self.final = pd.DataFrame(final, columns=columns,
                                  index=pd.Index(self.seeds, name="seed"))
        for metric in experiment.extra_metrics:
            self.final[f"train_{metric}"] = self.score(metric, "train").to_numpy()
            self.final[f"test_{metric}"] = self.score(metric, "test").to_numpy()

    @property
    def epochs(self) -> int:
        """Number of epochs each replica was trained for."""
        return int(self.history["epoch"].max())

    def summary(self):
        """Mean, standard deviation, minimum and maximum of ``final`` over seeds.

        .. math::

            \\bar x = \\frac1K\\sum_k x_k, \\qquad
            s = \\sqrt{\\frac{1}{K-1}\\sum_k (x_k - \\bar x)^2}

        The standard deviation is the sample one (``ddof=1``): the spread you
        should expect between two seeds, not the error of the mean (divide by
        :math:`\\sqrt K` for that).  With a single seed it is NaN.

        Returns
        -------
        pandas.DataFrame
            Rows are the columns of ``final``; columns ``mean, sd, min, max``.
        """
        table = self.final.agg(["mean", "std", "min", "max"]).T
        table.columns = ["mean", "sd", "min", "max"]
        return table

    def _seed_index(self, seed):
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed not in self.seeds:
            raise ValueError(f"seed must be one of the trained seeds {list(self.seeds)}, got {seed!r}")
        return self.seeds.index(int(seed))

    def weights(self, seed):
        """``[W1, b1, W2, b2]`` of one replica, in Keras layer order.

        ``experiment.keras_model(result.weights(seed))`` is a plain Keras model
        computing the same function.
        """
        k = self._seed_index(seed)
        return [np.array(w[k]) for w in self._weights]

    def predict(self, x, seed=None):
        """Network outputs for ``x``.

        .. math::

            \\hat y = g\\big(h(x W_1 + b_1) W_2 + b_2\\big)

        with :math:`h`, :math:`g` the hidden and output activations from
        :data:`ACTIVATIONS` (the table the engine uses too), computed in NumPy
        (float64).

        Parameters
        ----------
        x : array_like, shape (n, n_inputs)
            Finite numbers.
        seed : int, optional
            One trained seed; by default all of them.

        Returns
        -------
        numpy.ndarray
            ``(n, outputs)`` for one seed, ``(K, n, outputs)`` for all.

        Raises
        ------
        ValueError
            If ``x`` has the wrong shape or holds NaN or inf (which would pass
            through as NaN predictions, or as a "correct" class).
        """
        n_inputs = self.experiment.n_inputs
        try:
            x = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"x must be an array of numbers, got {type(x).__name__}") from None
        if x.ndim != 2 or x.shape[1] != n_inputs:
            raise ValueError(f"x must have shape (n, {n_inputs}), got {x.shape}")
        _check_finite(x, "x")
        kernel1, bias1, kernel2, bias2 = self._weights
        if seed is not None:
            k = self._seed_index(seed)
            kernel1, bias1, kernel2, bias2 = (w[k : k + 1] for w in self._weights)
        network = self.experiment.network
        hidden = ACTIVATIONS[network.hidden_activation].numpy(
            np.matmul(x, kernel1) + bias1[:, None, :])
        out = ACTIVATIONS[network.output_activation].numpy(
            np.matmul(hidden, kernel2) + bias2[:, None, :])
        return out[0] if seed is not None else out

    def predict_classes(self, x, seed=None):
        """Predicted labels in the targets' own encoding, by the experiment's decision rule.

        {0, 1} (sigmoid: :math:`p > 0.5`; logits: :math:`z > 0`), {-1, 1} (sign)
        or integer classes (argmax), as :func:`lossguide.metrics.predict_classes`
        decides them.  ``(n,)`` for one seed, ``(K, n)`` for all.
        """
        rule = self.experiment.decision_rule
        if rule is None:
            raise ValueError(f"{self.experiment.name} is a regression experiment: it has no classes")
        return metrics.predict_classes(self.predict(x, seed), rule)

    def classes_predicted(self, x):
        """How many distinct classes each seed predicts on ``x`` (a collapse shows as fewer).

        .. math:: c_k = \\left|\\{\\hat y_{k,i} : i = 1..n\\}\\right|

        Returns
        -------
        numpy.ndarray of int
            One count per seed, in :attr:`seeds` order.
        """
        return np.array([np.unique(self.predict_classes(x, seed=seed)).size for seed in self.seeds])

    def score(self, metric, split="test"):
        """Any metric of the final predictions, one value per seed.

        .. math:: s_k = \\frac1n \\sum_{i=1}^{n} m(y_i, \\hat y_{k,i})

        with :math:`m` the per-sample scorer of :mod:`lossguide.metrics`.

        Parameters
        ----------
        metric : str
            ``"accuracy"`` (by the experiment's :attr:`~Experiment.decision_rule`),
            ``"binary_accuracy"`` (Keras's: element-wise ``y_pred > 0.5`` against
            the target, averaged over outputs too), ``"logit_accuracy"`` (the same
            at threshold 0), ``"categorical_accuracy"`` (argmax; integer or
            one-hot targets), ``"sign_accuracy"``, ``"mse"``, ``"mae"`` or
            ``"msle"`` (Keras's, clipped at ``lossguide.losses.EPSILON``).
        split : {"train", "test"}
            Of :attr:`data`.

        Returns
        -------
        pandas.Series
            Indexed by seed; NaN for a seed whose training diverged (non-finite outputs).
        """
        import pandas as pd

        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        if metric not in _SCORE_NAMES:
            raise ValueError(f"metric must be one of {list(_SCORE_NAMES)}, got {metric!r}")
        if metric == "accuracy":
            rule = self.experiment.decision_rule
            if rule is None:
                raise ValueError(f"{self.experiment.name} is a regression experiment: no accuracy")
            scorer = functools.partial(metrics.accuracy, rule=rule)
        else:
            scorer = _SCORES[metric]
        x, y = (self.data.x_train, self.data.y_train) if split == "train" else (
            self.data.x_test, self.data.y_test)
        # A seed whose training diverged has non-finite outputs: its score is NaN
        # (the scorers themselves reject NaN input, as every lossguide function does).
        # gaussian_nll models: the first half of the outputs (the means) is the prediction
        columns = _point_columns(self.experiment)
        values = [scorer(y, prediction[..., :columns]).mean() if np.isfinite(prediction).all()
                  else math.nan for prediction in self.predict(x)]
        return pd.Series(values, index=pd.Index(self.seeds, name="seed"), name=f"{split}_{metric}")

    def keras_evaluate(self, split="test", *, loss=None, metrics=("accuracy",)):
        """What Keras's own ``model.evaluate`` reports for each trained seed.

        Each seed's weights are loaded into one plain Keras model
        (:meth:`Experiment.keras_model`), compiled with ``loss`` (by default the
        experiment's) and ``metrics`` exactly as a reader would write them, e.g.
        ``metrics=["accuracy"]`` to see which accuracy Keras 3 picks.

        .. math:: r_k = \\texttt{model.evaluate}(x, y)\\big|_{w = w_k}

        Parameters
        ----------
        split : {"train", "test"}
            Of :attr:`data`.
        loss : str or callable, optional
            Passed to ``model.compile``.
        metrics : sequence
            Passed to ``model.compile``; strings or Keras metric objects.

        Returns
        -------
        pandas.DataFrame
            One row per seed, one column per value Keras returns (``loss`` and each metric).
        """
        import pandas as pd

        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        if isinstance(metrics, (str, bytes)):
            raise TypeError(f"metrics must be a sequence of metrics, got the string {metrics!r}")
        x, y = (self.data.x_train, self.data.y_train) if split == "train" else (
            self.data.x_test, self.data.y_test)
        model = self.experiment.keras_model(self.weights(self.seeds[0]))
        # keras_model() compiled the experiment's loss with its loss_options
        # (e.g. from_logits=True); keep that loss unless another is asked for.
        model.compile(loss=model.loss if loss is None else loss, metrics=list(metrics))
        import tensorflow as tf

        rows = []
        # Each new model traces its own evaluate function; from the fifth one in a
        # session TensorFlow logs a "frequent retracing" warning (with a memory
        # address) to stderr, which a notebook would save. The tracing is by design.
        logger = tf.get_logger()
        level = logger.level
        logger.setLevel("ERROR")
        try:
            for seed in self.seeds:
                model.set_weights(self.weights(seed))
                rows.append(model.evaluate(x, y, verbose=0, return_dict=True))
        finally:
            logger.setLevel(level)
        return pd.DataFrame(rows, index=pd.Index(self.seeds, name="seed")).astype(float)

    def __repr__(self):
        column = f"test_{self.metric}"
        values = self.final[column]
        spread = f" ± {values.std():.3f}" if len(values) > 1 else ""
        return (f"Result({self.experiment.name!r}, {len(self.seeds)} seeds, {self.epochs} epochs: "
                f"{column} {values.mean():.3f}{spread})")


# ---------------------------------------------------------------------------
# Running


def _check_seeds(seeds):
    if isinstance(seeds, numbers.Integral):
        raise TypeError(
            f"seeds must be an iterable of ints, got the int {seeds!r}: use "
            f"range({seeds}) for {seeds} seeds or [{seeds}] for that one seed"
        )
    try:
        seeds = tuple(seeds)
    except TypeError:
        raise TypeError(f"seeds must be an iterable of ints, got {type(seeds).__name__}") from None
    if not seeds:
        raise ValueError("seeds must contain at least one seed, got none")
    for seed in seeds:
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"seeds must be ints, got {type(seed).__name__}: {seed!r}")
        if seed < 0:
            raise ValueError(f"seeds must be non-negative, got {seed}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {list(seeds)}")
    return tuple(int(seed) for seed in seeds)


class _ProgressBar:
    """A one-line text bar on stderr: ``circles/hinge [#####-----] 100/200 epochs``."""

    def __init__(self, label, stream=None, width=30):
        self.label, self.stream, self.width = label, stream or sys.stderr, width

    def __call__(self, done, total):
        filled = self.width * done // total
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total} epochs")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


def run(name_or_experiment, seeds=range(5), epochs=None, *, data=None, progress=False) -> Result:
    """Train one network per seed, all in one TensorFlow graph.

    Each replica uses its own initial weights and batch order (see the module
    docstring); training uses Keras's own loss functions and the update rules of
    Keras's SGD / RMSprop in ``keras.config.floatx()`` (float64 after
    :func:`lossguide.setup`).  Per replica, the loss is the batch mean, the last
    smaller batch averaged over its own size, as in ``fit``:

    .. math::

        w_k \\leftarrow w_k + m_k, \\qquad
        m_k \\leftarrow \\mu m_k - \\eta \\nabla_{w_k}
        \\frac{1}{|B_k|}\\sum_{i \\in B_k} \\ell(y_i, f_{w_k}(x_i))

    Parameters
    ----------
    name_or_experiment : str or Experiment
        A name from :func:`names` or an :class:`Experiment`.
    seeds : iterable of int, default range(5)
        Distinct non-negative seeds.
    epochs : int, optional
        Override the experiment's epoch count (e.g. for a quick look).
    data : lossguide.datasets.Split, optional
        Train and evaluate on this split instead of ``experiment.data()``, e.g.
        the regression data with corrupted training targets.  It must fit the
        network: ``n_inputs`` features, the experiment's target encoding, one
        column or one per class, finite values valid for the encoding.
    progress : bool, default False
        Draw a text progress bar on stderr.

    Returns
    -------
    Result
        ``result.data`` is the split it was trained on.

    Raises
    ------
    ValueError, TypeError
        For bad seeds, epochs or progress, or data that do not fit (the message
        names the array and the problem).

    Examples
    --------
    >>> from lossguide import datasets, experiments
    >>> result = experiments.run("circles/hinge", seeds=[0, 1], epochs=2)
    >>> result.final.shape, list(result.history.columns)
    ((2, 4), ['seed', 'epoch', 'train_loss', 'test_loss', 'train_accuracy', 'test_accuracy'])
    >>> experiments.run("circles/hinge", [0], data=datasets.circles("01"))
    Traceback (most recent call last):
    ...
    ValueError: data has targets encoded '01', but experiment 'circles/hinge' expects 'pm1'
    """
    experiment = _experiment_from(name_or_experiment)
    seeds = _check_seeds(seeds)
    epochs = _check_epochs(epochs)
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True or False, got {progress!r}")
    if data is None:
        data = experiment.data()
    _check_data(experiment, data)
    return _train([(experiment, data)], seeds, epochs, progress)[0]


def _experiment_from(name_or_experiment):
    if isinstance(name_or_experiment, Experiment):
        return name_or_experiment
    return get(name_or_experiment)


def _check_epochs(epochs):
    if epochs is None:
        return None
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"epochs must be a positive int or None, got {epochs!r}")
    return int(epochs)


def _fingerprint(array):
    """Equal arrays, equal fingerprints: which runs can share their features."""
    array = np.ascontiguousarray(array)
    return array.shape, array.dtype.str, hashlib.sha1(array.tobytes()).hexdigest()


def _train(jobs, seeds, epochs, progress, share_graph=False):
    """Train ``(experiment, data)`` jobs for ``seeds``; the results come back in job order.

    Each experiment (all its learning rates) is one engine call with its own
    cached graph, and independent calls run side by side on the engine's
    threads (see ``lossguide._engine``).  With ``share_graph``, every job
    that shares features, network shape, optimizer kind, batch size and epoch
    count joins one call instead, its loss a group on the replica axis.
    """
    from . import _engine

    calls = {}
    for position, (experiment, data) in enumerate(jobs):
        # "balanced" weights become the numbers for these training rows, before the engine
        # binds the loss options and weights the rows
        experiment = experiment.resolve(data.y_train)
        n_epochs = experiment.epochs if epochs is None else epochs
        key = (_engine.call_key(experiment), n_epochs, _fingerprint(data.x_train),
               _fingerprint(data.x_test))
        if not share_graph:
            key += (experiment.name.split("@lr=")[0], _fingerprint(data.y_train))
        calls.setdefault(key, []).append((position, experiment, data, n_epochs))
    engine_calls, labels = [], []
    for members in calls.values():
        blocks = []
        for _, experiment, data, n_epochs in members:
            network = experiment.network
            per_seed = [
                _engine.initial_weights(seed, experiment.n_inputs, network.hidden_units,
                                        network.output_units, network.initializer)
                for seed in seeds
            ]
            initial = [np.stack(arrays) for arrays in zip(*per_seed)]
            n_train = data.x_train.shape[0]
            orders = np.stack([_engine.batch_orders(seed, n_epochs, n_train) for seed in seeds])
            blocks.append(_engine.Block(experiment, initial, orders, data.y_train, data.y_test,
                                        experiment.sample_weight(data.y_train)))
        first_data = members[0][2]
        engine_calls.append((blocks, first_data.x_train, first_data.x_test))
        labels.append(members[0][1].name if len(members) == 1 else
                      f"{members[0][1].name} and {len(members) - 1} more")
    outcomes = _engine.train_calls(
        engine_calls, progress=[_ProgressBar(label) for label in labels] if progress else None)
    results = [None] * len(jobs)
    for members, call_outcomes in zip(calls.values(), outcomes):
        for (position, experiment, data, _), outcome in zip(members, call_outcomes):
            results[position] = Result(experiment, seeds, outcome["history"], outcome["final"],
                                       outcome["weights"], data=data)
    return results


def run_grid(experiments, seeds=range(5), epochs=None, *, learning_rates=None, data=None,
             progress=False, share_graph=False) -> dict:
    """Train several experiments, each at several learning rates, for the same seeds at once.

    Every (experiment, rate) pair is the run :func:`run` would give for
    ``with_learning_rate(experiment, rate)``, number for number: each seed keeps
    its initial weights and batch orders, and a pair's replicas compute what
    they compute alone (see ``lossguide._engine``).  All rates of one
    experiment train in one graph, the learning rate a number per replica; the
    graph is traced once per configuration and replica count and cached (a later
    :func:`run` or grid of the same shape reuses it), and the experiments run
    side by side on the engine's threads.

    .. math:: \\{(e, \\eta) \\mapsto \\text{run}(e|_{\\eta}, \\text{seeds})
              : e \\in E,\\ \\eta \\in H\\}

    Parameters
    ----------
    experiments : sequence of str or Experiment
        Distinct names (the keys of the result).
    seeds : iterable of int, default range(5)
    epochs : int, optional
        Override every experiment's epoch count.
    learning_rates : sequence of float, optional
        The rates to train each experiment at (each gets ``@lr=<rate>`` in its
        name, as :func:`with_learning_rate` gives it); by default each
        experiment's own rate, name unchanged.
    data : lossguide.datasets.Split or mapping, optional
        One split for every experiment, or ``{name: split}``; by default each
        experiment's own data.
    progress : bool, default False
        Draw a text progress bar on stderr.
    share_graph : bool, default False
        Train every experiment that shares the features, network shape,
        optimizer kind, batch size and epochs in *one* graph, each loss a group
        on the replica axis.  Fewer traces (one per problem instead of one per
        loss), but each step does more work (measured on 2 cores: about 20 %
        more than separate graphs): worth it for a grid that runs once.

    Returns
    -------
    dict
        ``{(experiment name, learning rate): Result}``, experiments in the order
        given, rates in the order given.

    Examples
    --------
    >>> from lossguide import experiments
    >>> grid = experiments.run_grid(["regression/huber", "regression/mean_absolute_error"],
    ...                             seeds=[0, 1], epochs=2, learning_rates=[0.01, 0.02])
    >>> list(grid)[:2]
    [('regression/huber', 0.01), ('regression/huber', 0.02)]
    >>> grid["regression/huber", 0.02].experiment.name
    'regression/huber@lr=0.02'
    """
    if isinstance(experiments, (str, Experiment)):
        raise TypeError(f"experiments must be a sequence of names or Experiments, got "
                        f"{experiments!r}: use [{experiments!r}] for one")
    experiments = [_experiment_from(e) for e in experiments]
    if not experiments:
        raise ValueError("experiments must contain at least one experiment, got none")
    names_given = [e.name for e in experiments]
    if len(set(names_given)) != len(names_given):
        raise ValueError(f"experiments must have distinct names, got {names_given}")
    seeds = _check_seeds(seeds)
    epochs = _check_epochs(epochs)
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True or False, got {progress!r}")
    if learning_rates is not None:
        learning_rates = _check_rates(learning_rates)
    jobs, keys = [], []
    for experiment in experiments:
        if data is None:
            split = experiment.data()
        elif isinstance(data, Mapping):
            if experiment.name not in data:
                raise ValueError(f"data has no split for experiment {experiment.name!r}; "
                                 f"it has {sorted(data)}")
            split = data[experiment.name]
        else:
            split = data
        _check_data(experiment, split)
        if learning_rates is None:
            jobs.append((experiment, split))
            keys.append((experiment.name, experiment.optimizer.learning_rate))
        else:
            for rate in learning_rates:
                jobs.append((with_learning_rate(experiment, rate), split))
                keys.append((experiment.name, rate))
    if not isinstance(share_graph, bool):
        raise TypeError(f"share_graph must be True or False, got {share_graph!r}")
    return dict(zip(keys, _train(jobs, seeds, epochs, progress, share_graph)))


def _check_rates(learning_rates):
    if isinstance(learning_rates, (str, bytes, numbers.Number)) or not learning_rates:
        raise ValueError(f"learning_rates must be a non-empty sequence of rates, got {learning_rates!r}")
    for rate in learning_rates:
        _check_rate(rate, "learning_rates entry", low=0.0)
    rates = [float(rate) for rate in learning_rates]
    if len(set(rates)) != len(rates):
        raise ValueError(f"learning_rates must be distinct, got {rates}")
    return rates


def concatenate(results) -> Result:
    """One :class:`Result` holding the seeds of several runs of the same experiment.

    For seeds trained in separate calls (e.g. the seeds that chose a learning
    rate, then more seeds at that rate): history, final scores and weights are
    stacked in the order given, so the result reads as if one :func:`run` had
    trained every seed (a seed's numbers do not depend on the seeds beside it).

    .. math:: \\text{seeds} = s^{(1)} \\cup s^{(2)} \\cup \\dots, \\quad
              \\text{disjoint}

    Parameters
    ----------
    results : sequence of Result
        The same experiment (equal records), trained on the same data for the
        same number of epochs, on disjoint seeds.

    Returns
    -------
    Result
        Every seed, in the order of ``results``, of the first result's experiment and data.

    Raises
    ------
    TypeError, ValueError
        For an entry that is not a Result, or results that differ in experiment,
        data or epochs, or share a seed.

    Examples
    --------
    >>> from lossguide import experiments
    >>> a = experiments.run("circles/hinge", seeds=[0, 1], epochs=2)
    >>> b = experiments.run("circles/hinge", seeds=[2], epochs=2)
    >>> both = experiments.concatenate([a, b])
    >>> both.seeds, both.final.shape, both.predict(both.data.x_test).shape
    ((0, 1, 2), (3, 4), (3, 500, 1))
    """
    if isinstance(results, Result) or not isinstance(results, (list, tuple)) or not results:
        raise TypeError(f"results must be a non-empty list of Result, got {results!r}")
    for position, result in enumerate(results):
        if not isinstance(result, Result):
            raise TypeError(f"results[{position}] must be a Result, got "
                            f"{type(result).__name__}: {result!r}")
    first = results[0]
    for position, result in enumerate(results[1:], start=1):
        if result.experiment != first.experiment:
            raise ValueError(f"results[{position}] trained {result.experiment.name!r}, "
                             f"results[0] {first.experiment.name!r} (or other settings): "
                             "only runs of one experiment can be concatenated")
        if result.epochs != first.epochs:
            raise ValueError(f"results[{position}] trained {result.epochs} epochs, "
                             f"results[0] {first.epochs}")
        same_data = result.data is first.data or all(
            np.array_equal(getattr(result.data, part), getattr(first.data, part))
            for part in ("x_train", "y_train", "x_test", "y_test"))
        if not same_data:
            raise ValueError(f"results[{position}] was trained on other data than results[0]")
    seeds = [seed for result in results for seed in result.seeds]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"results must have disjoint seeds, got {seeds}")
    columns = ["train_loss", "test_loss", f"train_{first.metric}", f"test_{first.metric}"]
    histories = [result.history[columns].to_numpy().reshape(len(result.seeds), result.epochs, 4)
                 .transpose(1, 0, 2) for result in results]
    return Result(first.experiment, seeds, np.concatenate(histories, axis=1),
                  np.concatenate([result.final[columns].to_numpy() for result in results]),
                  [np.concatenate(parts) for parts in zip(*(r._weights for r in results))],
                  data=first.data)


# ---------------------------------------------------------------------------
# Fair step sizes


def with_learning_rate(experiment, learning_rate) -> Experiment:
    """The same experiment with another learning rate (and ``@lr=<rate>`` in its name).

    .. math:: \\eta \\mapsto \\eta'

    Examples
    --------
    >>> from lossguide import experiments
    >>> faster = experiments.with_learning_rate(experiments.get("regression/huber"), 0.02)
    >>> faster.name, faster.optimizer.learning_rate, faster.optimizer.momentum
    ('regression/huber@lr=0.02', 0.02, 0.9)
    """
    if isinstance(experiment, str):
        experiment = get(experiment)
    if not isinstance(experiment, Experiment):
        raise TypeError(f"experiment must be an Experiment or a name, got {type(experiment).__name__}")
    optimizer = dataclasses.replace(experiment.optimizer, learning_rate=learning_rate)
    base = experiment.name.split("@lr=")[0]
    return dataclasses.replace(experiment, name=f"{base}@lr={learning_rate:g}", optimizer=optimizer)


@dataclasses.dataclass(frozen=True)
class Tuning:
    """A learning rate chosen on validation data, and the run at that rate.

    Attributes
    ----------
    experiment : Experiment
        The experiment at the chosen rate.
    learning_rate : float
        The chosen rate: the best mean validation score over the seeds.
    validation : pandas.DataFrame
        One row per rate: ``mean`` and ``sd`` of the validation score over the
        seeds, ``diverged`` seeds (non-finite score) and ``chosen``.
    metric : str
        The column of ``Result.final`` that was compared, e.g. ``"test_mse"``
        (on the validation split, where ``test`` means validation).
    result : Result
        The chosen experiment trained on the full training set, scored on the test set.
    """

    experiment: Experiment
    learning_rate: float
    validation: object
    metric: str
    result: Result


def tune_learning_rate(name_or_experiment, learning_rates, seeds=range(10), *, data=None,
                       metric=None, fraction=0.2, split_seed=0) -> Tuning:
    """Choose the learning rate on a validation split, then train at it on the full data.

    The validation rows are carved out of the *training* rows
    (:func:`lossguide.datasets.validation_split`); the test rows are used only
    once, by the final run at the chosen rate. The score compared is the
    experiment's own metric (MSE: lower is better; accuracy: higher) or
    ``metric``, averaged over the seeds; a rate at which any seed diverges (a
    non-finite score) is never chosen.

    .. math:: \\eta^\\ast = \\arg\\min_{\\eta} \\frac1K \\sum_k \\text{val}_k(\\eta)
              \\quad (\\arg\\max \\text{ for accuracy})

    Parameters
    ----------
    name_or_experiment : str or Experiment
    learning_rates : sequence of float
        The grid, e.g. ``[0.005, 0.01, 0.02, 0.05]``.
    seeds : iterable of int
    data : lossguide.datasets.Split, optional
        The full split (by default the experiment's own).
    metric : str, optional
        A metric name of :meth:`Result.score` (e.g. ``"msle"``, ``"mae"``) to
        choose by instead of the experiment's own; accuracies are maximised,
        errors minimised.
    fraction, split_seed
        Passed to :func:`~lossguide.datasets.validation_split`.

    Returns
    -------
    Tuning

    Examples
    --------
    >>> from lossguide import experiments
    >>> tuned = experiments.tune_learning_rate("regression/huber", [0.01, 0.02], seeds=[0, 1])
    >>> tuned.learning_rate in (0.01, 0.02), list(tuned.validation.columns)
    (True, ['mean', 'sd', 'diverged', 'chosen'])
    """
    import pandas as pd

    experiment = name_or_experiment if isinstance(name_or_experiment, Experiment) \
        else get(name_or_experiment)
    if isinstance(learning_rates, (str, bytes, numbers.Number)) or not learning_rates:
        raise ValueError(f"learning_rates must be a non-empty sequence of rates, got {learning_rates!r}")
    for rate in learning_rates:
        _check_rate(rate, "learning_rates entry", low=0.0)
    rates = [float(rate) for rate in learning_rates]
    seeds = _check_seeds(seeds)
    full = experiment.data() if data is None else data
    tuning_split = datasets.validation_split(full, fraction=fraction, seed=split_seed)
    if metric is None:
        metric = experiment.metric
    if metric not in _SCORE_NAMES:
        raise ValueError(f"metric must be one of {list(_SCORE_NAMES)}, got {metric!r}")
    lower_is_better = not metric.endswith("accuracy")
    # Every rate in one call (a repeated rate is trained once).
    grid = run_grid([experiment], seeds, learning_rates=list(dict.fromkeys(rates)),
                    data=tuning_split)
    rows = {}
    for rate in rates:
        scores = grid[experiment.name, rate].score(metric)
        finite = np.isfinite(scores.to_numpy())
        rows[rate] = {"mean": float(scores[finite].mean()) if finite.any() else math.nan,
                      "sd": float(scores[finite].std(ddof=1)) if finite.sum() > 1 else math.nan,
                      "diverged": int((~finite).sum())}
    table = pd.DataFrame(rows).T
    table.index.name = "learning rate"
    candidates = table[(table["diverged"] == 0) & table["mean"].notna()]
    if candidates.empty:
        raise ValueError(f"every learning rate in {rates} diverged on some seed")
    best = float(candidates["mean"].idxmin() if lower_is_better else candidates["mean"].idxmax())
    table["diverged"] = table["diverged"].astype(int)
    table["chosen"] = table.index == best
    chosen = with_learning_rate(experiment, best)
    return Tuning(chosen, best, table, f"test_{metric}", run(chosen, seeds, data=full))


def choose_learning_rates(experiments, learning_rates, data, score, seeds=range(10), *,
                          tuning_seeds=None):
    """Choose each experiment's learning rate by any held-out score, and train more seeds there.

    Every experiment is trained at every one of its rates on ``data``, for the
    first ``tuning_seeds`` seeds, in one :func:`run_grid` per list of rates;
    each seed's outputs on ``data.x_test`` (held-out rows, e.g. a
    :func:`~lossguide.datasets.validation_split`) are scored by
    ``score(data.y_test, outputs)``, higher is better, and the rate with the
    best mean is kept.  A rate at which any seed's outputs are not finite is
    never chosen.  The other seeds are then trained at the chosen rate and
    joined to the tuning seeds' run (:func:`concatenate`).

    .. math:: \\eta^\\ast_e = \\arg\\max_{\\eta \\in H_e} \\frac1K
              \\sum_{k=1}^{K} s\\big(y, f_{e,\\eta,k}(x)\\big)

    No refit: the chosen models are trained on ``data``'s training rows, and
    are meant to be scored on rows none of this saw (``Result.predict`` on the
    real test rows).  Unlike :func:`tune_learning_rate` (one experiment, a
    metric of :meth:`Result.score`, a final run on the full data), the score
    is any function of the outputs, e.g. average precision.

    Parameters
    ----------
    experiments : mapping of str to Experiment or str
        ``{label: experiment}``; the labels key the results.
    learning_rates : sequence of float, or mapping of label to sequence of float
        One grid for every experiment, or one per label.  Of equal mean scores
        the first rate of the grid wins (the smallest, for an increasing grid).
    data : lossguide.datasets.Split or mapping of label to Split
        Trained on its training rows; its test rows choose the rate.  One split
        for every experiment, or one per label (e.g. targets encoded for each loss).
    score : callable
        ``score(y_true, outputs) -> float`` for one seed's ``(n, outputs)``
        network outputs; higher is better.
    seeds : iterable of int, default range(10)
        Every seed the chosen models are trained for.
    tuning_seeds : int, optional
        How many of the leading ``seeds`` choose the rate (by default all of
        them, and no second run).

    Returns
    -------
    results : dict
        ``{label: Result}`` at the chosen rate, every seed, in ``seeds`` order.
    tables : dict
        ``{label: pandas.Series}``: the mean held-out score by rate (NaN where
        a seed's outputs were not finite).

    Raises
    ------
    TypeError, ValueError
        For bad arguments (named in the message), two labels holding the same
        experiment (the message names them), or when every rate of an
        experiment gave non-finite outputs.

    See Also
    --------
    tune_learning_rate : One experiment, by a metric of :meth:`Result.score`, refit on all rows.
    concatenate : How the tuning seeds and the other seeds become one Result.

    Examples
    --------
    >>> from lossguide import datasets, experiments, metrics
    >>> held_out = datasets.validation_split(datasets.circles())
    >>> results, tables = experiments.choose_learning_rates(
    ...     {"BCE": "circles/binary_crossentropy"}, [0.01, 0.03], held_out,
    ...     lambda y, output: metrics.roc_auc(y, output[:, 0]), seeds=[0, 1, 2],
    ...     tuning_seeds=2)
    >>> results["BCE"].seeds, list(tables["BCE"].index)
    ((0, 1, 2), [0.01, 0.03])
    >>> results["BCE"].experiment.optimizer.learning_rate == float(tables["BCE"].idxmax())
    True
    """
    import pandas as pd

    if not isinstance(experiments, Mapping) or not experiments:
        raise TypeError(f"experiments must be a non-empty dict {{label: experiment}}, got "
                        f"{experiments!r}")
    experiments = {label: _experiment_from(e) for label, e in experiments.items()}
    labels_of = {}
    for label, experiment in experiments.items():
        labels_of.setdefault(experiment.name, []).append(label)
    shared = {name: labels for name, labels in labels_of.items() if len(labels) > 1}
    if shared:
        raise ValueError("experiments must hold each experiment under one label only, got "
                         + "; ".join(f"{name!r} under {labels}" for name, labels in shared.items()))
    if isinstance(learning_rates, Mapping):
        missing = [label for label in experiments if label not in learning_rates]
        if missing:
            raise ValueError(f"learning_rates has no grid for {missing}; it has "
                             f"{list(learning_rates)}")
        grids = {label: _check_rates(learning_rates[label]) for label in experiments}
    else:
        rates = _check_rates(learning_rates)
        grids = {label: rates for label in experiments}
    if isinstance(data, Mapping):
        missing = [label for label in experiments if label not in data]
        if missing:
            raise ValueError(f"data has no split for {missing}; it has {list(data)}")
        splits = {label: data[label] for label in experiments}
    else:
        splits = {label: data for label in experiments}
    for label, split in splits.items():
        if not isinstance(split, datasets.Split):
            raise TypeError(f"data must be a lossguide.datasets.Split (or one per label), got "
                            f"{type(split).__name__} for {label!r}")
    if not callable(score):
        raise TypeError(f"score must be a function score(y_true, outputs), got "
                        f"{type(score).__name__}: {score!r}")
    seeds = _check_seeds(seeds)
    if tuning_seeds is None:
        tuning_seeds = len(seeds)
    _check_positive_int(tuning_seeds, "tuning_seeds")
    if tuning_seeds > len(seeds):
        raise ValueError(f"tuning_seeds must be at most the {len(seeds)} seeds, got {tuning_seeds}")
    tuning, rest = seeds[:tuning_seeds], seeds[tuning_seeds:]
    by_name = {experiment.name: splits[label] for label, experiment in experiments.items()}
    groups, grid = {}, {}
    for label, experiment in experiments.items():  # one run_grid per list of rates
        groups.setdefault(tuple(grids[label]), []).append(experiment)
    for group_rates, members in groups.items():
        grid.update(run_grid(members, tuning, learning_rates=list(group_rates), data=by_name))
    tables, best = {}, {}
    for label, experiment in experiments.items():
        means, split = {}, splits[label]
        for rate in grids[label]:
            outputs = grid[experiment.name, rate].predict(split.x_test)
            finite = np.isfinite(outputs).all()  # a non-finite seed rules its rate out
            means[rate] = (np.mean([score(split.y_test, output) for output in outputs])
                           if finite else np.nan)
        tables[label] = pd.Series(means)
        if tables[label].isna().all():
            raise ValueError(f"every learning rate in {grids[label]} gave non-finite outputs "
                             f"for {label!r}")
        best[label] = float(tables[label].idxmax())
    if not rest:
        return {label: grid[e.name, best[label]] for label, e in experiments.items()}, tables
    at_rate = {label: with_learning_rate(e, best[label]) for label, e in experiments.items()}
    more = run_grid(list(at_rate.values()), rest,
                    data={e.name: splits[label] for label, e in at_rate.items()}).values()
    results = {label: concatenate([grid[e.name, best[label]], second])
               for (label, e), second in zip(experiments.items(), more)}
    return results, tables


# ---------------------------------------------------------------------------
# Label noise: how much of it a network fits, and when to stop


def _noisy_split(result):
    if not isinstance(result, Result):
        raise TypeError(f"result must be a Result, got {type(result).__name__}")
    data = result.data
    if data.noise is None:
        raise ValueError(f"result of {result.experiment.name!r} was trained on clean labels "
                         "(data.noise is None): use lossguide.datasets.flip_labels")
    if result.experiment.targets not in ("int", "onehot"):
        raise ValueError(f"result must have class targets ('int' or 'onehot'), got "
                         f"{result.experiment.targets!r}")
    if not np.any(data.noise.flipped):
        # A share of no rows would be 0 / 0: NaN with only a RuntimeWarning.
        raise ValueError(f"result of {result.experiment.name!r} was trained on a split with no "
                         "flipped row (data.noise.flipped is all False): no share to compute")
    return data


def _class_indices(y, targets):
    y = np.asarray(y)
    return y if targets == "int" else y.argmax(axis=1)


def flipped_labels_fitted(result):
    """Per seed, the share of the flipped training rows predicted as their given, wrong label.

    How much of the label noise the network has fitted (memorised): over the
    rows :math:`F` whose label :func:`~lossguide.datasets.flip_labels` changed,

    .. math:: m_k = \\frac{1}{|F|} \\sum_{i \\in F} [\\hat y_{k,i} = \\tilde y_i]

    with :math:`\\tilde y_i` the label it was trained on and
    :math:`\\hat y_{k,i}` seed :math:`k`'s predicted class (argmax).  Compare it
    with :func:`flipped_labels_fitted_by_chance`.

    Parameters
    ----------
    result : Result
        Trained on a split with flipped labels (``result.data.noise`` set) and
        ``"int"`` or ``"onehot"`` targets.

    Returns
    -------
    pandas.Series
        Indexed by seed.

    Raises
    ------
    TypeError, ValueError
        For a result that is not a Result, or was trained on clean labels or
        without class targets.

    Examples
    --------
    >>> from lossguide import datasets, experiments
    >>> noisy = datasets.flip_labels(datasets.blobs(), 0.4)
    >>> result = experiments.run("blobs/sparse_categorical_crossentropy", [0, 1], epochs=2,
    ...                          data=noisy)
    >>> fitted = experiments.flipped_labels_fitted(result)
    >>> list(fitted.index), bool(((0 <= fitted) & (fitted <= 1)).all())
    ([0, 1], True)
    """
    import pandas as pd

    data = _noisy_split(result)
    given = _class_indices(data.y_train, data.targets)
    flipped = data.noise.flipped
    predicted = result.predict_classes(data.x_train)  # (seeds, rows)
    hits = predicted[:, flipped] == given[flipped]
    return pd.Series(hits.mean(axis=1), index=pd.Index(result.seeds, name="seed"))


def flipped_labels_fitted_by_chance(result):
    """Per seed, the share :func:`flipped_labels_fitted` would find by accident.

    A flipped row the network gets wrong against its *true* label matches the
    given wrong label with probability :math:`1/(K - 1)` if no row's own label
    is fitted (K classes) — the expectation under **symmetric** noise, whose
    given labels are uniform over the wrong classes:

    .. math:: c_k = \\frac{1}{K - 1}\\,\\frac{1}{|F|}
              \\sum_{i \\in F} [\\hat y_{k,i} \\ne y_i]

    Parameters
    ----------
    result : Result
        As for :func:`flipped_labels_fitted`.

    Returns
    -------
    pandas.Series
        Indexed by seed.

    Under pair noise every flip goes to one class, which a network can learn as a
    rule from clean rows, so there is no such chance level: a ``ValueError``.
    With K = 2 the only wrong class is the given label, so this equals
    :func:`flipped_labels_fitted` and "beyond chance" can never be detected.

    Raises
    ------
    TypeError, ValueError
        As :func:`flipped_labels_fitted`, and for labels not flipped symmetrically.

    Examples
    --------
    >>> from lossguide import datasets, experiments
    >>> noisy = datasets.flip_labels(datasets.blobs(), 0.4)
    >>> result = experiments.run("blobs/sparse_categorical_crossentropy", [0], epochs=2,
    ...                          data=noisy)
    >>> float(experiments.flipped_labels_fitted_by_chance(result).iloc[0]) <= 0.5
    True
    """
    import pandas as pd

    data = _noisy_split(result)
    if data.noise.kind != "symmetric":
        raise ValueError(
            f"the chance level 1/(K - 1) holds for symmetric noise only, got labels flipped "
            f"with kind {data.noise.kind!r}, whose flips all go to one class per class")
    true = _class_indices(data.noise.y_clean, data.targets)
    flipped = data.noise.flipped
    wrong = result.predict_classes(data.x_train)[:, flipped] != true[flipped]
    k = result.experiment.output_units
    return pd.Series(wrong.mean(axis=1) / (k - 1), index=pd.Index(result.seeds, name="seed"))


def cross_fitted_peak(result, column=None):
    """Each seed's score at the epoch where the *other* half of the seeds peaks on average.

    Two-fold cross-fitting of early stopping: the seeds are split in two halves
    (in increasing seed order, the first ``K // 2`` and the rest); for each
    half the epoch is the one with the best mean ``column`` over the other half,

    .. math:: e_A = \\arg\\max_e \\frac{1}{|B|} \\sum_{k \\in B} h_k(e), \\qquad
              \\text{peak}_k = h_k(e_A) \\ (k \\in A),

    so no seed's value is chosen on its own curve (which would be optimistic).
    Ties go to the earliest epoch.

    Parameters
    ----------
    result : Result
        At least 2 seeds.
    column : str, optional
        A column of ``result.history`` where higher is better; default
        ``"test_<metric>"`` for an accuracy experiment.

    Returns
    -------
    values : pandas.Series
        One value per seed, sorted by seed.
    epochs : list of int
        The epoch used for the first half, then for the second.

    Raises
    ------
    TypeError, ValueError
        For a result that is not a Result, one seed, an unknown column, or an
        MSE experiment without a ``column``.

    Examples
    --------
    >>> from lossguide import experiments
    >>> result = experiments.run("blobs/categorical_crossentropy", [0, 1, 2, 3], epochs=3)
    >>> values, epochs = experiments.cross_fitted_peak(result)
    >>> list(values.index), all(1 <= e <= 3 for e in epochs)
    ([0, 1, 2, 3], True)
    """
    import pandas as pd

    if not isinstance(result, Result):
        raise TypeError(f"result must be a Result, got {type(result).__name__}")
    if len(result.seeds) < 2:
        raise ValueError(f"result must have at least 2 seeds to cross-fit, got {len(result.seeds)}")
    if column is None:
        if result.metric != "accuracy":
            raise ValueError(f"column is needed for a {result.metric!r} experiment (higher must be "
                             "better), e.g. column='test_accuracy'")
        column = "test_accuracy"
    if column not in result.history.columns or column in ("seed", "epoch"):
        raise ValueError(f"column must be one of {list(result.history.columns[2:])}, got "
                         f"{column!r}")
    if column.endswith(("_loss", "_mse")):
        # The peak is the argmax: a loss column would pick the worst epoch.
        raise ValueError(f"column must be one where higher is better, got {column!r} (a loss "
                         "or squared error: lower is better)")
    curves = result.history.pivot(index="epoch", columns="seed", values=column)
    order = list(curves.columns)
    halves = (order[: len(order) // 2], order[len(order) // 2:])
    values, epochs = {}, []
    for own, other in (halves, halves[::-1]):
        epoch = int(curves[other].mean(axis=1).idxmax())
        epochs.append(epoch)
        values.update({seed: curves.loc[epoch, seed] for seed in own})
    return pd.Series(values).sort_index(), epochs
