"""The book's data sets as named, frozen train/test splits.

Every function returns a :class:`Split`.  The first four are the problems of the
"how to choose a loss function" tutorial, built exactly as it builds them (same
scikit-learn generator, same ``random_state``, first 500 rows for training);
:func:`digits` is the offline stand-in for MNIST and :func:`positive_regression`
the skewed positive target on which MSLE is the right choice.

All features are float64.  Targets keep the encoding the loss expects, which is
named by ``Split.targets``:

============  ==========================================================
``real``      real-valued, shape ``(n,)``
``positive``  strictly positive, right-skewed, shape ``(n,)``
``01``        binary labels in {0, 1} (float64), shape ``(n,)``
``pm1``       binary labels in {-1, 1} (float64), shape ``(n,)``
``int``       integer class labels 0..C-1 (int64), shape ``(n,)``
``onehot``    one-hot rows (float64), shape ``(n, C)``
============  ==========================================================
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

__all__ = [
    "MnistNotCachedError",
    "Split",
    "blobs",
    "circles",
    "digits",
    "mnist",
    "positive_regression",
    "regression",
    "thin_positives",
    "validation_split",
]

# The tutorial trains on the first half of each 1000-sample problem.
_N_SAMPLES = 1000
_N_TRAIN = 500


@dataclasses.dataclass(frozen=True, repr=False, eq=False)
class Split:
    """A named train/test split.

    Attributes
    ----------
    name : str
        Problem name, e.g. ``"circles"``.
    x_train, y_train, x_test, y_test : numpy.ndarray
        Features (float64, 2-D) and targets (encoding given by ``targets``).
    description : str
        One sentence saying how the data were made.
    targets : str
        Target encoding: ``"real"``, ``"positive"``, ``"01"``, ``"pm1"``,
        ``"int"`` or ``"onehot"``.

    The arrays are read-only, so an experiment cannot change the data another
    one sees.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    description: str
    targets: str

    def __post_init__(self):
        for field in ("x_train", "y_train", "x_test", "y_test"):
            array = np.array(getattr(self, field))  # a private copy, never the caller's
            array.setflags(write=False)
            object.__setattr__(self, field, array)

    @property
    def n_features(self) -> int:
        """Number of input features."""
        return self.x_train.shape[1]

    @property
    def n_classes(self) -> int | None:
        """Number of classes, or ``None`` for a regression target."""
        if self.targets in ("real", "positive"):
            return None
        if self.targets in ("01", "pm1"):
            return 2
        if self.targets == "onehot":
            return self.y_train.shape[1]
        return int(max(self.y_train.max(), self.y_test.max())) + 1

    def __repr__(self) -> str:
        return (
            f"Split({self.name!r}, targets={self.targets!r}, "
            f"train: x{self.x_train.shape} y{self.y_train.shape}, "
            f"test: x{self.x_test.shape} y{self.y_test.shape})"
        )


def validation_split(split: Split, fraction: float = 0.2, seed: int = 0) -> Split:
    """Carve a validation set out of ``split``'s *training* rows; the test rows are not used.

    The returned :class:`Split` trains on the remaining training rows and holds
    the carved rows in its ``x_test`` / ``y_test`` slots, so an experiment run on
    it reports validation scores where it would report test scores. Use it to
    choose a learning rate (or any other setting), then train on the full
    training set and report the test set once. Class targets are stratified:
    every class keeps its share.

    .. math:: n_{\\text{val}} = \\lceil f \\cdot n_{\\text{train}} \\rceil

    Parameters
    ----------
    split : Split
    fraction : float in (0, 1)
        Share of the training rows moved to validation.
    seed : int
        Seed of the random row choice.

    Examples
    --------
    >>> tuning = validation_split(circles(), fraction=0.2)
    >>> tuning.x_train.shape, tuning.x_test.shape
    ((400, 2), (100, 2))
    >>> tuning.name
    'circles (validation)'
    """
    from sklearn.model_selection import train_test_split

    if not isinstance(split, Split):
        raise TypeError(f"split must be a lossguide.datasets.Split, got {type(split).__name__}")
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        raise ValueError(f"fraction must be a number strictly between 0 and 1, got {fraction!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    n_train = split.x_train.shape[0]
    n_validation = int(np.ceil(fraction * n_train))
    labels = None
    if split.targets in ("01", "pm1", "int"):
        labels = split.y_train
    elif split.targets == "onehot":
        labels = split.y_train.argmax(axis=1)
    rows = np.arange(n_train)
    keep, held = train_test_split(rows, test_size=n_validation, random_state=int(seed),
                                  stratify=labels)
    keep, held = np.sort(keep), np.sort(held)
    return Split(
        f"{split.name} (validation)",
        split.x_train[keep], split.y_train[keep], split.x_train[held], split.y_train[held],
        f"{split.description}; {len(held)} of its {n_train} training rows held out for "
        f"validation (seed {seed}), test rows unused",
        split.targets,
    )


def thin_positives(split: Split, share: float) -> Split:
    """Make the positive class rare: keep every negative and only the first positives.

    In the training and the test part alike, the first
    :math:`\\operatorname{round}(n_0\\,s/(1 - s))` positives are kept, so that
    positives make up the share :math:`s` of each part (the rows keep their order).

    Parameters
    ----------
    split : Split
        With binary targets ``"01"``.
    share : float in (0, 0.5]
        The positives' share after thinning.

    Examples
    --------
    >>> rare = thin_positives(circles(), 0.05)
    >>> rare.name, round(float(rare.y_train.mean()), 3), round(float(rare.y_test.mean()), 3)
    ('circles (5% positives)', 0.05, 0.05)
    """
    if not isinstance(split, Split):
        raise TypeError(f"split must be a lossguide.datasets.Split, got {type(split).__name__}")
    if split.targets != "01":
        raise ValueError(f"split must have binary targets '01', got {split.targets!r}")
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 0.5:
        raise ValueError(f"share must be a number in (0, 0.5], got {share!r}")
    parts = {}
    for part in ("train", "test"):
        x, y = getattr(split, f"x_{part}"), getattr(split, f"y_{part}")
        negatives, positives = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
        kept = positives[:round(len(negatives) * share / (1 - share))]
        keep = np.sort(np.concatenate([negatives, kept]))
        parts[f"x_{part}"], parts[f"y_{part}"] = x[keep], y[keep]
    return Split(f"{split.name} ({share:.0%} positives)",
                 description=f"{split.description}; positives thinned to {share:.0%}",
                 targets=split.targets, **parts)


def _check_choice(argument, value, allowed):
    if isinstance(value, bool) or value not in allowed:
        raise ValueError(f"{argument} must be one of {list(allowed)}, got {value!r}")


def _check_bool(argument, value):
    if not isinstance(value, bool):
        raise TypeError(f"{argument} must be True or False, got {type(value).__name__}: {value!r}")


def _one_hot(labels, n_classes):
    return np.eye(n_classes)[labels]


def _standardised_regression():
    from sklearn.datasets import make_regression
    from sklearn.preprocessing import StandardScaler

    x, y = make_regression(n_samples=_N_SAMPLES, n_features=20, noise=0.1, random_state=1)
    # Scaled on all 1000 rows before the split, as the tutorial does (a shortcut it
    # admits: a real project fits the scaler on the training rows only).
    x = StandardScaler().fit_transform(x)
    y = StandardScaler().fit_transform(y.reshape(-1, 1))[:, 0]
    return x, y


def regression() -> Split:
    """The tutorial's regression problem: 20 features, standardised target.

    ``make_regression(n_samples=1000, n_features=20, noise=0.1, random_state=1)``,
    features and target each standardised with ``StandardScaler`` on all rows,
    first 500 rows for training.  The target is linear in the features,

    .. math::

        y = \\frac{X w + \\varepsilon - \\bar y}{s_y}, \\qquad
        \\varepsilon \\sim \\mathcal N(0, 0.1^2),

    so a small MLP fits it almost exactly.

    Returns
    -------
    Split
        Targets ``"real"``, shape ``(500,)``.

    Examples
    --------
    >>> from lossguide import datasets
    >>> data = datasets.regression()
    >>> data
    Split('regression', targets='real', train: x(500, 20) y(500,), test: x(500, 20) y(500,))
    >>> round(float(data.y_train[:3].sum()), 4)
    1.2761
    """
    x, y = _standardised_regression()
    return Split(
        "regression",
        x[:_N_TRAIN],
        y[:_N_TRAIN],
        x[_N_TRAIN:],
        y[_N_TRAIN:],
        "make_regression(1000 samples, 20 features, noise 0.1, random_state=1); "
        "X and y standardised on all rows; first 500 rows train.",
        "real",
    )


def positive_regression() -> Split:
    """A positive, right-skewed target on the regression features: where MSLE fits.

    Same features as :func:`regression`; the target is the exponential of the
    standardised regression target,

    .. math::

        y = \\exp(z), \\qquad z = \\text{standardised } X w + \\varepsilon,

    i.e. log-normal with median 1, mean :math:`e^{1/2} \\approx 1.65` and a long
    right tail (in the training rows from about 0.06 to about 36).  It is left unscaled on purpose:
    an error of 1 on a target of 15 matters less than on a target of 0.5, which is
    what MSLE's :math:`(\\log(1+\\hat y) - \\log(1+y))^2` encodes and MSE does not.

    Returns
    -------
    Split
        Targets ``"positive"``, shape ``(500,)``, all values > 0.

    Examples
    --------
    >>> from lossguide import datasets
    >>> data = datasets.positive_regression()
    >>> bool((data.y_train > 0).all()), bool(data.y_train.mean() > float(np.median(data.y_train)))
    (True, True)
    """
    x, z = _standardised_regression()
    y = np.exp(z)
    return Split(
        "positive_regression",
        x[:_N_TRAIN],
        y[:_N_TRAIN],
        x[_N_TRAIN:],
        y[_N_TRAIN:],
        "regression() features with target exp(standardised y): log-normal, median 1, "
        "right-skewed, unscaled; first 500 rows train.",
        "positive",
    )


def circles(labels: str = "01") -> Split:
    """The tutorial's binary problem: two noisy concentric circles.

    ``make_circles(n_samples=1000, noise=0.1, random_state=1)``, not rescaled
    (points already lie roughly in [-1, 1]), first 500 rows for training.  Outer
    circle is class 0 (or -1), inner circle class 1:

    .. math::

        y \\in \\{0, 1\\} \\quad\\text{or}\\quad y \\in \\{-1, 1\\}\\ (\\text{hinge losses}).

    Parameters
    ----------
    labels : {"01", "pm1"}, default "01"
        ``"01"`` for cross-entropy with a sigmoid output; ``"pm1"`` (-1/1) for the
        hinge losses with a tanh output.

    Returns
    -------
    Split
        Float64 targets of shape ``(500,)``.

    Raises
    ------
    ValueError
        If ``labels`` is not ``"01"`` or ``"pm1"``.

    Examples
    --------
    >>> from lossguide import datasets
    >>> sorted(set(datasets.circles("pm1").y_train.tolist()))
    [-1.0, 1.0]
    """
    _check_choice("labels", labels, ("01", "pm1"))
    from sklearn.datasets import make_circles

    x, y = make_circles(n_samples=_N_SAMPLES, noise=0.1, random_state=1)
    y = y.astype(np.float64)
    if labels == "pm1":
        y = 2.0 * y - 1.0
    return Split(
        "circles",
        x[:_N_TRAIN],
        y[:_N_TRAIN],
        x[_N_TRAIN:],
        y[_N_TRAIN:],
        f"make_circles(1000 samples, noise 0.1, random_state=1); labels in "
        f"{'{0, 1}' if labels == '01' else '{-1, 1}'}; first 500 rows train.",
        labels,
    )


def blobs(one_hot: bool = False) -> Split:
    """The tutorial's three-class problem: three Gaussian blobs in 2-D.

    ``make_blobs(n_samples=1000, centers=3, n_features=2, cluster_std=2,
    random_state=2)``, first 500 rows for training.  For one-hot targets row
    :math:`i` is :math:`e_{y_i}`, the way ``keras.utils.to_categorical`` encodes it.

    .. math::

        y_i \\in \\{0, 1, 2\\} \\quad\\text{or}\\quad y_i \\in \\{e_0, e_1, e_2\\}

    Parameters
    ----------
    one_hot : bool, default False
        Integer labels (for ``sparse_categorical_crossentropy``) or one-hot rows.

    Returns
    -------
    Split
        Targets ``"int"`` (int64, ``(500,)``) or ``"onehot"`` (float64, ``(500, 3)``).

    Examples
    --------
    >>> from lossguide import datasets
    >>> datasets.blobs(one_hot=True)
    Split('blobs', targets='onehot', train: x(500, 2) y(500, 3), test: x(500, 2) y(500, 3))
    >>> np.bincount(datasets.blobs().y_train).tolist()
    [171, 162, 167]
    """
    _check_bool("one_hot", one_hot)
    from sklearn.datasets import make_blobs

    x, y = make_blobs(n_samples=_N_SAMPLES, centers=3, n_features=2, cluster_std=2, random_state=2)
    y = y.astype(np.int64)
    targets = "int"
    if one_hot:
        y, targets = _one_hot(y, 3), "onehot"
    return Split(
        "blobs",
        x[:_N_TRAIN],
        y[:_N_TRAIN],
        x[_N_TRAIN:],
        y[_N_TRAIN:],
        "make_blobs(1000 samples, 3 centres, 2 features, cluster_std 2, random_state=2); "
        "first 500 rows train.",
        targets,
    )


def digits(one_hot: bool = False) -> Split:
    """8x8 handwritten digits: the offline stand-in for MNIST.

    ``sklearn.datasets.load_digits`` (1797 images, bundled with scikit-learn, no
    download), pixel values divided by 16 so they lie in [0, 1] like MNIST's
    :math:`x/255`, flattened to 64 features, split in half with
    ``train_test_split(test_size=0.5, stratify=y, random_state=0)``: 898 training
    and 899 test images with the ten classes in the same proportions in both.

    .. math::

        x \\in [0, 1]^{64}, \\qquad y \\in \\{0, \\dots, 9\\}

    Parameters
    ----------
    one_hot : bool, default False
        Integer labels or one-hot rows (``to_categorical`` encoding).

    Returns
    -------
    Split

    Examples
    --------
    >>> from lossguide import datasets
    >>> datasets.digits(one_hot=True)
    Split('digits', targets='onehot', train: x(898, 64) y(898, 10), test: x(899, 64) y(899, 10))
    """
    _check_bool("one_hot", one_hot)
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    x = bunch.data.astype(np.float64) / 16.0
    y = bunch.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.5, stratify=y, random_state=0
    )
    targets = "int"
    if one_hot:
        y_train, y_test, targets = _one_hot(y_train, 10), _one_hot(y_test, 10), "onehot"
    return Split(
        "digits",
        x_train,
        y_train,
        x_test,
        y_test,
        "sklearn load_digits (1797 8x8 images) / 16, flattened to 64 features; "
        "stratified half split, random_state=0 (898 train, 899 test).",
        targets,
    )


class MnistNotCachedError(RuntimeError):
    """MNIST is not in the Keras cache and this package never downloads it."""


def _keras_cache_candidates():
    # The places keras.utils.get_file looks: $KERAS_HOME, else ~/.keras, else
    # /tmp/.keras when the home directory is not writable.
    if "KERAS_HOME" in os.environ:
        homes = [os.environ["KERAS_HOME"]]
    else:
        homes = [os.path.join(os.path.expanduser("~"), ".keras"), os.path.join("/tmp", ".keras")]
    return [os.path.join(home, "datasets", "mnist.npz") for home in homes]


def mnist(one_hot: bool = False) -> Split:
    """MNIST from the Keras cache, flattened to 784 features scaled to [0, 1].

    Loaded with ``keras.datasets.mnist.load_data()`` only if ``mnist.npz`` is
    already in the Keras cache (``$KERAS_HOME/datasets`` or ``~/.keras/datasets``):
    the book must build offline, so this function never starts a download.

    .. math::

        x = \\text{pixels} / 255 \\in [0, 1]^{784}

    Parameters
    ----------
    one_hot : bool, default False
        Integer labels or one-hot rows.

    Returns
    -------
    Split
        60000 training and 10000 test images.

    Raises
    ------
    MnistNotCachedError
        (a ``RuntimeError``) if the file is not cached.

    Examples
    --------
    >>> from lossguide import datasets
    >>> try:
    ...     data = datasets.mnist()
    ... except datasets.MnistNotCachedError:
    ...     data = datasets.digits()   # offline fallback
    >>> data.n_classes
    10
    """
    _check_bool("one_hot", one_hot)
    candidates = _keras_cache_candidates()
    if not any(os.path.isfile(path) for path in candidates):
        raise MnistNotCachedError(
            "MNIST is not in the Keras cache (looked for "
            + " and ".join(candidates)
            + "). Run keras.datasets.mnist.load_data() once with internet access to "
            "cache it, or use lossguide.datasets.digits(), which works offline."
        )
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = x_train.reshape(len(x_train), -1).astype(np.float64) / 255.0
    x_test = x_test.reshape(len(x_test), -1).astype(np.float64) / 255.0
    y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    targets = "int"
    if one_hot:
        y_train, y_test, targets = _one_hot(y_train, 10), _one_hot(y_test, 10), "onehot"
    return Split(
        "mnist",
        x_train,
        y_train,
        x_test,
        y_test,
        "Keras MNIST (cached copy): 28x28 images / 255, flattened to 784 features.",
        targets,
    )
