"""The book's experiments as data, and :func:`run`: many seeds in one training job.

The tutorial this book starts from trains each network once and reads meaning
into differences like 0.852 vs 0.740 test accuracy.  One run is one draw of the
initial weights and batch order; here every experiment is run over several seeds
and reported as mean, standard deviation, minimum and maximum.

An :class:`Experiment` is a frozen record of everything the tutorial fixes: the
network, its loss, its optimizer, epochs and batch size.  :func:`names` lists the
registered ones as ``"<problem>/<loss>"``; :func:`get` returns one;
:func:`run` trains it for a list of seeds and returns a :class:`Result`.

How the seeds are run
---------------------
All K networks train together in one TensorFlow graph (:mod:`lossguide._engine`):
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
import numbers
import sys

import numpy as np

from . import datasets

__all__ = ["TUTORIAL", "Experiment", "Result", "get", "names", "run", "sign_accuracy"]

_PROBLEM_INPUTS = {"regression": 20, "positive_regression": 20, "circles": 2, "blobs": 2, "digits": 64}
_SGD = {"name": "sgd", "learning_rate": 0.01, "momentum": 0.9}
_RMSPROP = {"name": "rmsprop", "learning_rate": 0.001, "rho": 0.9, "epsilon": 1e-7}


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One network, loss and training setup, as plain data.

    Attributes
    ----------
    name : str
        ``"<problem>/<loss identifier>[_variant]"``, e.g. ``"circles/hinge"``.
    problem : str
        ``"regression"``, ``"positive_regression"``, ``"circles"``, ``"blobs"`` or ``"digits"``.
    hidden_units, hidden_activation, initializer : int, str, str
        The hidden ``Dense`` layer (``initializer`` is its kernel initializer).
    output_units, output_activation : int, str
        The output ``Dense`` layer (Keras defaults: ``glorot_uniform`` kernel, zero bias).
    loss : str or callable
        Keras loss identifier, e.g. ``"categorical_crossentropy"``, or anything
        ``keras.losses.get`` accepts, such as a function ``loss(y_true, y_pred)``
        of TensorFlow tensors returning per-sample losses (the pitfalls chapter
        trains a deliberately wrong loss this way, via ``dataclasses.replace``).
    optimizer : dict
        ``{"name": "sgd", "learning_rate": 0.01, "momentum": 0.9}`` or an RMSprop dict.
    epochs, batch_size : int
    metric : str
        ``"mse"`` or ``"accuracy"`` (see :attr:`metric_kind` for what accuracy means).
    targets : str
        Target encoding, as in :mod:`lossguide.datasets`.
    loss_options : dict
        Keyword arguments for the loss, e.g. ``{"label_smoothing": 0.1}``.
    extra_metrics : tuple of str
        Metrics computed from the final predictions and added to ``Result.final``
        (see :meth:`Result.score`).
    description : str
        One line for ``python -m lossguide list``.
    """

    name: str
    problem: str
    hidden_units: int
    hidden_activation: str
    initializer: str
    output_units: int
    output_activation: str
    loss: str
    optimizer: dict
    epochs: int
    batch_size: int
    metric: str
    targets: str
    loss_options: dict = dataclasses.field(default_factory=dict)
    extra_metrics: tuple = ()
    description: str = ""

    def __post_init__(self):
        if self.problem not in _PROBLEM_INPUTS:
            raise ValueError(f"problem must be one of {list(_PROBLEM_INPUTS)}, got {self.problem!r}")
        if self.targets not in ("real", "positive", "01", "pm1", "int", "onehot"):
            raise ValueError(f"targets must be a lossguide.datasets encoding, got {self.targets!r}")
        if self.metric not in ("mse", "accuracy"):
            raise ValueError(f"metric must be 'mse' or 'accuracy', got {self.metric!r}")
        for field in ("hidden_units", "output_units", "epochs", "batch_size"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{field} must be a positive int, got {value!r}")
        if self.optimizer.get("name") not in ("sgd", "rmsprop"):
            raise ValueError(f"optimizer name must be 'sgd' or 'rmsprop', got {self.optimizer!r}")

    @property
    def n_inputs(self) -> int:
        """Number of input features of the problem."""
        return _PROBLEM_INPUTS[self.problem]

    @property
    def metric_kind(self) -> str:
        """How :attr:`metric` is computed.

        ``"mse"``; ``"threshold"`` (sigmoid output, {0, 1} targets: correct when
        ``(y_pred > 0.5) == y_true``, Keras's ``binary_accuracy``); ``"sign"``
        ({-1, 1} targets, tanh output: correct when the sign matches; Keras 3's
        ``'accuracy'`` would threshold at 0.5 and score every correct -1 as
        wrong); ``"argmax_int"`` / ``"argmax_onehot"`` (softmax output: correct
        when the largest output is the true class).
        """
        if self.metric == "mse":
            return "mse"
        if self.output_activation == "softmax":
            return "argmax_int" if self.targets == "int" else "argmax_onehot"
        return "sign" if self.targets == "pm1" else "threshold"

    def data(self) -> datasets.Split:
        """The problem's :class:`~lossguide.datasets.Split`, targets encoded for this loss."""
        return _load_split(self.problem, self.targets)

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
            Compiled with this experiment's loss, optimizer and metric.
        """
        import keras

        model = keras.Sequential([
            keras.Input(shape=(self.n_inputs,)),
            keras.layers.Dense(self.hidden_units, activation=self.hidden_activation,
                               kernel_initializer=self.initializer),
            keras.layers.Dense(self.output_units, activation=self.output_activation),
        ])
        if weights is not None:
            model.set_weights([np.asarray(w) for w in weights])
        options = dict(self.optimizer)
        optimizer_class = {"sgd": keras.optimizers.SGD, "rmsprop": keras.optimizers.RMSprop}
        optimizer = optimizer_class[options.pop("name")](**options)
        loss = keras.losses.get(self.loss)
        if self.loss_options:
            loss = functools.partial(loss, **self.loss_options)
            loss.__name__ = self.name.split("/")[1]
        metric = {
            "mse": "mse",
            "threshold": "binary_accuracy",
            "sign": sign_accuracy,
            "argmax_int": "sparse_categorical_accuracy",
            "argmax_onehot": "categorical_accuracy",
        }[self.metric_kind]
        model.compile(loss=loss, optimizer=optimizer, metrics=[metric])
        return model


def sign_accuracy(y_true, y_pred):
    """Keras metric for {-1, 1} targets: fraction of samples whose sign is right.

    .. math::

        \\text{acc} = \\frac{1}{n}\\sum_i [\\operatorname{sign}^*(\\hat y_i) = y_i],
        \\qquad \\operatorname{sign}^*(v) = 1 \\text{ if } v > 0 \\text{ else } -1

    Use it instead of ``'accuracy'`` with hinge losses: Keras 3 resolves
    ``'accuracy'`` to ``binary_accuracy`` (threshold 0.5 against {0, 1}), which
    counts every correct -1 as an error.

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


@functools.lru_cache(maxsize=None)
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
    return datasets.digits(one_hot=targets == "onehot")


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
        hidden_units=hidden_units,
        hidden_activation="relu",
        initializer="he_uniform",
        output_units=output_units,
        output_activation=output_activation,
        loss=loss,
        optimizer=dict(_SGD),
        epochs=epochs,
        batch_size=32,  # Keras's default, which the tutorial relies on
        metric="mse" if problem in ("regression", "positive_regression") else "accuracy",
        targets=targets,
        loss_options=dict(loss_options or {}),
        extra_metrics=tuple(extra_metrics),
        description=description,
    )


def _digits_mlp(loss, description):
    # The MNIST question's network (Dense(512, relu) -> Dense(10, softmax), rmsprop
    # with Keras defaults, 5 epochs of batch 128) on the offline digits data.
    return Experiment(
        name=f"digits/{loss}", problem="digits", hidden_units=512, hidden_activation="relu",
        initializer="glorot_uniform", output_units=10, output_activation="softmax", loss=loss,
        optimizer=dict(_RMSPROP), epochs=5, batch_size=128, metric="accuracy",
        targets="onehot", description=description,
    )


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
    19
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
    >>> e.output_activation, e.targets, e.epochs, e.optimizer["momentum"]
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

_ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
}


def _activate(name, z):
    from scipy import special

    if name == "sigmoid":
        return special.expit(z)  # never overflows, unlike 1 / (1 + exp(-z))
    if name == "softmax":
        return special.softmax(z, axis=-1)  # shifts by the row max before exp
    return _ACTIVATIONS[name](z)


def _score(metric, y_true, y_pred):
    """Per-seed value of a metric; y_pred is (K, n, out), y_true as in the Split."""
    y_true = np.asarray(y_true, dtype=np.float64)
    if metric == "argmax_int":
        return np.mean(y_pred.argmax(axis=-1) == y_true, axis=1)
    if y_true.ndim == 1:
        y_true = y_true[:, None]
    if y_true.shape[1] != y_pred.shape[-1]:
        raise ValueError(
            f"metric {metric!r} compares targets with outputs element-wise, but the targets "
            f"have {y_true.shape[1]} column(s) and the outputs {y_pred.shape[-1]}"
        )
    if metric == "mse":
        return np.mean((y_pred - y_true) ** 2, axis=(1, 2))
    if metric == "mae":
        return np.mean(np.abs(y_pred - y_true), axis=(1, 2))
    if metric == "msle":
        # Keras clips both sides at epsilon=1e-7 before log(1 + .); log1p keeps
        # precision for small values.
        eps = 1e-7
        difference = np.log1p(np.maximum(y_pred, eps)) - np.log1p(np.maximum(y_true, eps))
        return np.mean(difference**2, axis=(1, 2))
    if metric in ("threshold", "binary_accuracy"):
        return np.mean((y_pred > 0.5) == y_true, axis=(1, 2))
    if metric in ("sign", "sign_accuracy"):
        return np.mean(np.where(y_pred > 0, 1.0, -1.0) == y_true, axis=(1, 2))
    if metric in ("argmax_onehot", "categorical_accuracy"):
        return np.mean(y_pred.argmax(axis=-1) == y_true.argmax(axis=-1), axis=1)
    raise ValueError(f"metric must be one of {list(_SCORES)}, got {metric!r}")


_SCORES = ("accuracy", "mse", "mae", "msle", "binary_accuracy", "sign_accuracy",
           "categorical_accuracy")


class Result:
    """K trained replicas of one experiment.

    Attributes
    ----------
    experiment : Experiment
    seeds : tuple of int
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

    :func:`run` builds it; building one by hand is for tests and what-ifs.
    """

    def __init__(self, experiment, seeds, history, final, weights):
        import pandas as pd

        self.experiment = experiment
        self.seeds = tuple(seeds)
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

            \\hat y = g\\big(\\operatorname{relu}(x W_1 + b_1) W_2 + b_2\\big)

        with :math:`g` the output activation, computed in NumPy (float64).

        Parameters
        ----------
        x : array_like, shape (n, n_inputs)
        seed : int, optional
            One trained seed; by default all of them.

        Returns
        -------
        numpy.ndarray
            ``(n, outputs)`` for one seed, ``(K, n, outputs)`` for all.
        """
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.experiment.n_inputs:
            raise ValueError(
                f"x must have shape (n, {self.experiment.n_inputs}), got {x.shape}"
            )
        kernel1, bias1, kernel2, bias2 = self._weights
        if seed is not None:
            k = self._seed_index(seed)
            kernel1, bias1, kernel2, bias2 = (w[k : k + 1] for w in self._weights)
        hidden = _activate(self.experiment.hidden_activation,
                           np.matmul(x, kernel1) + bias1[:, None, :])
        out = _activate(self.experiment.output_activation,
                        np.matmul(hidden, kernel2) + bias2[:, None, :])
        return out[0] if seed is not None else out

    def predict_classes(self, x, seed=None):
        """Predicted labels in the targets' own encoding.

        {0, 1} (sigmoid, threshold 0.5), {-1, 1} (tanh, sign) or integer classes
        (softmax, argmax).  ``(n,)`` for one seed, ``(K, n)`` for all.
        """
        kind = self.experiment.metric_kind
        if kind == "mse":
            raise ValueError(f"{self.experiment.name} is a regression experiment: it has no classes")
        out = self.predict(x, seed)
        if kind == "threshold":
            return (out[..., 0] > 0.5).astype(np.int64)
        if kind == "sign":
            return np.where(out[..., 0] > 0, 1, -1)
        return out.argmax(axis=-1)

    def score(self, metric, split="test"):
        """Any metric of the final predictions, one value per seed.

        Parameters
        ----------
        metric : str
            ``"accuracy"`` (the experiment's own), ``"binary_accuracy"`` (Keras's:
            element-wise ``y_pred > 0.5`` against the target, averaged over
            outputs too), ``"categorical_accuracy"``, ``"sign_accuracy"``,
            ``"mse"``, ``"mae"`` or ``"msle"`` (Keras's, clipped at 1e-7).
        split : {"train", "test"}

        Returns
        -------
        pandas.Series
            Indexed by seed.
        """
        import pandas as pd

        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        if metric not in _SCORES:
            raise ValueError(f"metric must be one of {list(_SCORES)}, got {metric!r}")
        data = self.experiment.data()
        x, y = (data.x_train, data.y_train) if split == "train" else (data.x_test, data.y_test)
        kind = self.experiment.metric_kind if metric == "accuracy" else metric
        if metric == "categorical_accuracy" and self.experiment.targets == "int":
            kind = "argmax_int"
        if kind == "mse" and metric == "accuracy":
            raise ValueError(f"{self.experiment.name} is a regression experiment: no accuracy")
        values = _score(kind, y, self.predict(x))
        return pd.Series(values, index=pd.Index(self.seeds, name="seed"), name=f"{split}_{metric}")

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


def run(name_or_experiment, seeds=range(5), epochs=None, *, progress=False) -> Result:
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
    progress : bool, default False
        Draw a text progress bar on stderr.

    Returns
    -------
    Result

    Examples
    --------
    >>> from lossguide import experiments
    >>> result = experiments.run("circles/hinge", seeds=[0, 1], epochs=2)
    >>> result.final.shape, list(result.history.columns)
    ((2, 4), ['seed', 'epoch', 'train_loss', 'test_loss', 'train_accuracy', 'test_accuracy'])
    """
    if isinstance(name_or_experiment, Experiment):
        experiment = name_or_experiment
    else:
        experiment = get(name_or_experiment)
    seeds = _check_seeds(seeds)
    if epochs is None:
        epochs = experiment.epochs
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"epochs must be a positive int or None, got {epochs!r}")
    epochs = int(epochs)
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True or False, got {progress!r}")

    from . import _engine

    data = experiment.data()
    n_train = data.x_train.shape[0]
    per_seed = [
        _engine.initial_weights(seed, experiment.n_inputs, experiment.hidden_units,
                                experiment.output_units, experiment.initializer)
        for seed in seeds
    ]
    initial = [np.stack(arrays) for arrays in zip(*per_seed)]
    orders = np.stack([_engine.batch_orders(seed, epochs, n_train) for seed in seeds])
    outcome = _engine.train(experiment, data, initial, orders,
                            progress=_ProgressBar(experiment.name) if progress else None)
    return Result(experiment, seeds, outcome["history"], outcome["final"], outcome["weights"])
