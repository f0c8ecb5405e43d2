"""The book's data sets as named, frozen train/test splits.

Every function returns a :class:`Split`.  The first four are the problems of the
"how to choose a loss function" tutorial, built exactly as it builds them (same
scikit-learn generator, same ``random_state``, first 500 rows for training);
:func:`digits` is the offline stand-in for MNIST and :func:`positive_regression`
the skewed positive target on which MSLE is the right choice.

All features are float64.  Targets keep the encoding the loss expects, which is
named by ``Split.targets``:

================  ==========================================================
``real``          real-valued, shape ``(n,)``
``positive``      strictly positive, right-skewed, shape ``(n,)``
``01``            binary labels in {0, 1} (float64), shape ``(n,)``
``pm1``           binary labels in {-1, 1} (float64), shape ``(n,)``
``int``           integer class labels 0..C-1 (int64), shape ``(n,)``
``onehot``        one-hot rows (float64), shape ``(n, C)``
``multilabel``    0/1 matrix (float64), shape ``(n, L)``: any number of the
                  ``L`` labels per row (one sigmoid output per label)
``counts``        non-negative whole numbers (float64), shape ``(n,)``
================  ==========================================================

The problems of the later chapters are built here too, each with a fixed
``random_state``: rare positives (:func:`imbalanced`), one dominant class among
several (:func:`imbalanced_blobs`), multi-label targets with rare labels
(:func:`multilabel`), noise that grows with the input (:func:`heteroscedastic`)
and counts with a known rate (:func:`poisson_counts`); the last two carry the
true distribution in ``Split.truth`` so a chapter can draw it beside a fit.
:func:`flip_labels` corrupts a given share of *training* labels and records the
realised noise in ``Split.noise`` (:func:`realised_noise` measures it).
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

__all__ = [
    "HeteroscedasticTruth",
    "LabelNoise",
    "MnistNotCachedError",
    "NoiseReport",
    "PoissonTruth",
    "Split",
    "blobs",
    "circles",
    "digits",
    "flip_labels",
    "heteroscedastic",
    "imbalanced",
    "imbalanced_blobs",
    "mnist",
    "multilabel",
    "poisson_counts",
    "positive_regression",
    "realised_noise",
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
        ``"int"``, ``"onehot"``, ``"multilabel"`` or ``"counts"`` (shapes in the
        module's table).
    noise : LabelNoise or None, default None
        Set by :func:`flip_labels`: the clean training targets, which rows were
        flipped and the realised noise.  ``None`` for clean labels.
    truth : HeteroscedasticTruth or PoissonTruth or None, default None
        The distribution the targets were drawn from, where it is known
        (:func:`heteroscedastic`, :func:`poisson_counts`): ``truth.mean(x)``,
        ``truth.sd(x)``, ``truth.quantile(x, tau)``.
    show_counts : bool, default False
        If True the repr adds the positives (``"01"``), the class counts
        (``"int"``, ``"onehot"``) or the label shares (``"multilabel"``) of each
        part; set by the generators of imbalanced data.

    The arrays are read-only, so an experiment cannot change the data another
    one sees.  The three optional fields have defaults, so a split built from the
    first seven fields alone is what it always was.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    description: str
    targets: str
    noise: LabelNoise | None = None
    truth: HeteroscedasticTruth | PoissonTruth | None = None
    show_counts: bool = False

    def __post_init__(self):
        for field in ("x_train", "y_train", "x_test", "y_test"):
            array = np.array(getattr(self, field))  # a private copy, never the caller's
            array.setflags(write=False)
            object.__setattr__(self, field, array)
        if self.noise is not None:
            if not isinstance(self.noise, LabelNoise):
                raise TypeError(f"noise must be a LabelNoise or None, got "
                                f"{type(self.noise).__name__}")
            if self.noise.y_clean.shape != self.y_train.shape:
                raise ValueError(f"noise.y_clean has shape {self.noise.y_clean.shape} but "
                                 f"y_train has shape {self.y_train.shape}")
        if self.truth is not None and not isinstance(self.truth, (HeteroscedasticTruth,
                                                                  PoissonTruth)):
            raise TypeError(f"truth must be a HeteroscedasticTruth, a PoissonTruth or None, "
                            f"got {type(self.truth).__name__}")
        _check_bool("show_counts", self.show_counts)

    @property
    def n_features(self) -> int:
        """Number of input features."""
        return self.x_train.shape[1]

    @property
    def n_classes(self) -> int | None:
        """Number of classes (of labels for ``"multilabel"``), or ``None`` for a numeric target."""
        if self.targets in ("real", "positive", "counts"):
            return None
        if self.targets in ("01", "pm1"):
            return 2
        if self.targets in ("onehot", "multilabel"):
            return self.y_train.shape[1]
        return int(max(self.y_train.max(), self.y_test.max())) + 1

    def __repr__(self) -> str:
        text = (
            f"Split({self.name!r}, targets={self.targets!r}, "
            f"train: x{self.x_train.shape} y{self.y_train.shape}, "
            f"test: x{self.x_test.shape} y{self.y_test.shape}"
        )
        if self.show_counts:
            text += "; " + _counts_text(self)
        if self.noise is not None:
            report = self.noise.report
            text += (f"; noise: {self.noise.kind}, {report.n_flipped} of {report.n} training "
                     f"labels flipped ({report.share:.1%})")
        return text + ")"


def _counts_text(split):
    """What the repr of an imbalanced split adds: counts or shares per part."""
    parts = {"train": split.y_train, "test": split.y_test}
    if split.targets in ("01", "pm1"):
        return "positives: " + ", ".join(
            f"{part} {int((y == 1).sum())} of {len(y)}" for part, y in parts.items())
    if split.targets in ("int", "onehot"):
        k = split.n_classes
        labels = {part: (y.argmax(axis=1) if split.targets == "onehot" else y)
                  for part, y in parts.items()}
        return "class counts: " + ", ".join(
            f"{part} {np.bincount(y, minlength=k).tolist()}" for part, y in labels.items())
    if split.targets == "multilabel":
        return "label shares: " + ", ".join(
            f"{part} [{', '.join(f'{share:.3f}' for share in y.mean(axis=0))}]"
            for part, y in parts.items())
    return f"{len(split.y_train)} train and {len(split.y_test)} test rows"


def validation_split(split: Split, fraction: float = 0.2, seed: int = 0) -> Split:
    """Carve a validation set out of ``split``'s *training* rows; the test rows are not used.

    The returned :class:`Split` trains on the remaining training rows and holds
    the carved rows in its ``x_test`` / ``y_test`` slots, so an experiment run on
    it reports validation scores where it would report test scores. Use it to
    choose a learning rate (or any other setting), then train on the full
    training set and report the test set once. Class targets are stratified:
    every class keeps its share; multi-label targets are stratified on their
    rarest label.  ``truth`` and ``show_counts`` carry over; ``noise`` is
    restricted to the rows that stay in training (the carved rows keep their
    noisy labels, as a validation set drawn from noisy data would).

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
    elif split.targets == "multilabel":
        labels = _rarest_label(split.y_train)
    rows = np.arange(n_train)
    keep, held = train_test_split(rows, test_size=n_validation, random_state=int(seed),
                                  stratify=labels)
    keep, held = np.sort(keep), np.sort(held)
    noise = None
    if split.noise is not None:
        noise = split.noise._restricted(keep, split.y_train[keep])
    return Split(
        f"{split.name} (validation)",
        split.x_train[keep], split.y_train[keep], split.x_train[held], split.y_train[held],
        f"{split.description}; {len(held)} of its {n_train} training rows held out for "
        f"validation (seed {seed}), test rows unused",
        split.targets,
        noise=noise, truth=split.truth, show_counts=split.show_counts,
    )


def _rarest_label(y):
    """The 0/1 column of the rarest label, to stratify a multi-label split on (or None)."""
    positives = y.sum(axis=0)
    column = y[:, int(np.argmin(positives))]
    # train_test_split needs two members of each stratum.
    if min(column.sum(), len(column) - column.sum()) < 2:
        return None
    return column


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
                 targets=split.targets, show_counts=split.show_counts, **parts)


# ---------------------------------------------------------------------------
# Label noise


def _class_labels(y, argument):
    """Integer labels from int labels ``(n,)`` or one-hot rows ``(n, K)``; ValueError otherwise."""
    array = np.asarray(y)
    if array.ndim == 2:
        if array.size and not (np.isin(array, (0, 1)).all() and (array.sum(axis=1) == 1).all()):
            raise ValueError(f"{argument} must hold one-hot rows (one 1 per row, the rest 0)")
        return array.argmax(axis=1).astype(np.int64), array.shape[1]
    if array.ndim != 1:
        raise ValueError(f"{argument} must be integer labels (n,) or one-hot rows (n, K), "
                         f"got shape {array.shape}")
    if array.dtype.kind not in "biuf" or (array.size and not (
            np.isfinite(array).all() and (array == np.round(array)).all() and array.min() >= 0)):
        raise ValueError(f"{argument} must hold class indices 0, 1, 2, ... (whole numbers >= 0)")
    labels = array.astype(np.int64)
    return labels, (int(labels.max()) + 1 if labels.size else 0)


@dataclasses.dataclass(frozen=True, repr=False, eq=False)
class NoiseReport:
    """The label noise actually present: what :func:`realised_noise` returns.

    Attributes
    ----------
    n : int
        Number of labels compared.
    n_flipped : int
        Labels that differ from the clean ones.
    share : float
        ``n_flipped / n``.
    class_counts : numpy.ndarray
        ``(K,)`` int64: clean labels per class.
    per_class : numpy.ndarray
        ``(K,)``: share of each clean class whose label was changed
        (:math:`1 - T_{kk}`); NaN for a class with no clean label.
    transition : numpy.ndarray
        ``(K, K)`` row-stochastic matrix :math:`T_{kj}`: share of clean class
        :math:`k` now labelled :math:`j`; NaN rows for absent classes.
    """

    n: int
    n_flipped: int
    share: float
    class_counts: np.ndarray
    per_class: np.ndarray
    transition: np.ndarray

    def __post_init__(self):
        for field in ("class_counts", "per_class", "transition"):
            array = np.array(getattr(self, field))
            array.setflags(write=False)
            object.__setattr__(self, field, array)

    @property
    def n_classes(self) -> int:
        """Number of classes :math:`K`."""
        return len(self.class_counts)

    def __repr__(self) -> str:
        shares = ", ".join(f"{value:.3f}" for value in self.per_class)
        return (f"NoiseReport({self.n_flipped} of {self.n} labels flipped ({self.share:.3f}); "
                f"per class [{shares}])")


def realised_noise(clean, noisy, *, n_classes: int | None = None) -> NoiseReport:
    """Measure label noise: the flipped share overall and per class, and the transition matrix.

    With clean labels :math:`y_i` and observed labels :math:`\\tilde y_i`,

    .. math::

        \\begin{aligned}
        \\text{share} &= \\frac{1}{n}\\sum_i [\\tilde y_i \\ne y_i],\\\\
        T_{kj} &= \\frac{\\#\\{i : y_i = k,\\ \\tilde y_i = j\\}}{\\#\\{i : y_i = k\\}},\\\\
        \\text{per class}_k &= 1 - T_{kk}.
        \\end{aligned}

    Symmetric noise of rate :math:`\\varepsilon` has, in expectation,
    :math:`T = (1 - \\varepsilon) I + \\tfrac{\\varepsilon}{K-1}(\\mathbf 1\\mathbf 1^\\top - I)`;
    pair noise puts :math:`\\varepsilon` on the entry :math:`(k, k+1 \\bmod K)`.

    Parameters
    ----------
    clean, noisy : array_like
        Integer class labels ``(n,)`` or one-hot rows ``(n, K)``, the same
        encoding and shape for both (e.g. ``split.noise.y_clean`` and
        ``split.y_train``).
    n_classes : int, optional
        :math:`K`; default the width of one-hot rows, or the largest label + 1.

    Returns
    -------
    NoiseReport

    Raises
    ------
    ValueError
        If the shapes differ, the arrays are empty, or they are not class labels.

    Examples
    --------
    >>> report = realised_noise([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 0])
    >>> report
    NoiseReport(2 of 6 labels flipped (0.333); per class [0.500, 0.000, 0.500])
    >>> report.transition
    array([[0.5, 0.5, 0. ],
           [0. , 1. , 0. ],
           [0.5, 0. , 0.5]])
    """
    clean_shape, noisy_shape = np.shape(clean), np.shape(noisy)
    if clean_shape != noisy_shape:
        raise ValueError(f"clean and noisy must have the same shape, got {clean_shape} and "
                         f"{noisy_shape}")
    if len(clean_shape) == 0 or clean_shape[0] == 0:
        raise ValueError(f"clean and noisy must hold at least one label, got shape {clean_shape}")
    clean_labels, k_clean = _class_labels(clean, "clean")
    noisy_labels, k_noisy = _class_labels(noisy, "noisy")
    k = max(k_clean, k_noisy)
    if n_classes is not None:
        if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) \
                or n_classes < k:
            raise ValueError(f"n_classes must be an int >= {k} (the labels need it), "
                             f"got {n_classes!r}")
        k = int(n_classes)
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (clean_labels, noisy_labels), 1)
    class_counts = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        # 0/0 for a class with no clean label: NaN says "not measured", not "no noise".
        transition = counts / class_counts[:, None]
    flipped = int((clean_labels != noisy_labels).sum())
    return NoiseReport(
        n=len(clean_labels), n_flipped=flipped, share=flipped / len(clean_labels),
        class_counts=class_counts, per_class=1.0 - np.diag(transition), transition=transition,
    )


@dataclasses.dataclass(frozen=True, repr=False, eq=False)
class LabelNoise:
    """The record :func:`flip_labels` leaves in ``Split.noise``.

    Attributes
    ----------
    kind : str
        ``"symmetric"`` or ``"pair"``.
    fraction : float
        The requested share of training labels to flip.
    seed : int
        The seed of the flips.
    y_clean : numpy.ndarray
        The clean training targets, in the split's own encoding and shape.
    flipped : numpy.ndarray
        ``(n_train,)`` bool: which training rows carry a wrong label.
    report : NoiseReport
        The realised noise, ``realised_noise(y_clean, y_train)``.
    """

    kind: str
    fraction: float
    seed: int
    y_clean: np.ndarray
    flipped: np.ndarray
    report: NoiseReport

    def __post_init__(self):
        for field in ("y_clean", "flipped"):
            array = np.array(getattr(self, field))
            array.setflags(write=False)
            object.__setattr__(self, field, array)

    def _restricted(self, rows, noisy):
        """The record for a subset of the training rows, whose noisy targets are ``noisy``."""
        return LabelNoise(self.kind, self.fraction, self.seed, self.y_clean[rows],
                          self.flipped[rows],
                          realised_noise(self.y_clean[rows], noisy,
                                         n_classes=self.report.n_classes))

    def __repr__(self) -> str:
        return (f"LabelNoise({self.kind!r}, fraction={self.fraction!r}, seed={self.seed}: "
                f"{self.report.n_flipped} of {self.report.n} training labels flipped)")


_NOISE_KINDS = ("symmetric", "pair")


def flip_labels(split: Split, fraction: float, *, kind: str = "symmetric", seed: int = 0) -> Split:
    """Flip a given share of the *training* labels; the test labels stay clean.

    Exactly :math:`m = \\operatorname{round}(\\varepsilon n)` of the :math:`n`
    training rows (Python's ``round``, half to even) are drawn without
    replacement, and each drawn label :math:`k` is replaced by

    .. math::

        \\tilde y = \\begin{cases}
        j \\ne k \\text{ uniformly among}
            & \\text{symmetric} \\\\
        \\quad\\text{the other } K - 1 \\text{ classes} & \\\\
        (k + 1) \\bmod K & \\text{pair (class-dependent)}
        \\end{cases}

    so every flipped label is wrong and the expected transition matrix is the one
    given in :func:`realised_noise`.  Rows are drawn uniformly, so the share
    flipped per class varies around :math:`\\varepsilon`; the returned split
    records what was realised (``noise.report``), and its repr says how many
    labels were flipped.  The labels stay learnable while the true class remains
    the most frequent label of its rows: :math:`\\varepsilon < (K-1)/K`
    (symmetric) or :math:`\\varepsilon < 1/2` (pair).

    Parameters
    ----------
    split : Split
        With targets ``"int"`` or ``"onehot"`` and clean labels (``noise`` None).
    fraction : float in [0, 1]
        :math:`\\varepsilon`, the share of training labels to flip.
    kind : {"symmetric", "pair"}, default "symmetric"
    seed : int, default 0
        Seed of ``numpy.random.default_rng``: which rows, and (symmetric) which
        wrong class.

    Returns
    -------
    Split
        Same features and test set; ``y_train`` noisy in the same encoding;
        ``noise`` a :class:`LabelNoise` with the clean labels and the report.

    Raises
    ------
    ValueError
        For other targets, a split that is already noisy, a fraction outside
        [0, 1], an unknown kind or a negative seed.

    Examples
    --------
    >>> noisy = flip_labels(digits(), 0.2, kind="pair", seed=0)
    >>> noisy
    Split('digits (20% pair label noise)', targets='int', train: x(898, 64) y(898,),
          test: x(899, 64) y(899,); noise: pair, 180 of 898 training labels flipped (20.0%))
    >>> bool((noisy.y_test == digits().y_test).all()), int(noisy.noise.flipped.sum())
    (True, 180)
    >>> round(float(noisy.noise.report.transition[3, 4]), 3)  # class 3 -> 4 only
    0.154
    """
    if not isinstance(split, Split):
        raise TypeError(f"split must be a lossguide.datasets.Split, got {type(split).__name__}")
    if split.targets not in ("int", "onehot"):
        raise ValueError(f"split must have class targets 'int' or 'onehot', got {split.targets!r}")
    if split.noise is not None:
        raise ValueError(f"split {split.name!r} already has label noise; flip the clean split")
    if not _is_number(fraction) or not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be a number in [0, 1], got {fraction!r}")
    _check_choice("kind", kind, _NOISE_KINDS)
    _check_seed(seed)
    n_classes = split.n_classes
    if n_classes < 2:
        raise ValueError(f"split must have at least 2 classes to flip labels, got {n_classes}")
    labels, _ = _class_labels(split.y_train, "split.y_train")
    n = len(labels)
    n_flipped = round(float(fraction) * n)
    rng = np.random.default_rng(seed)
    rows = rng.choice(n, size=n_flipped, replace=False)
    if kind == "symmetric":
        # an offset in 1..K-1 lands on each of the other K-1 classes with probability 1/(K-1)
        new = (labels[rows] + rng.integers(1, n_classes, size=n_flipped)) % n_classes
    else:
        new = (labels[rows] + 1) % n_classes
    noisy = labels.copy()
    noisy[rows] = new
    flipped = np.zeros(n, dtype=bool)
    flipped[rows] = True
    y_train = _one_hot(noisy, n_classes) if split.targets == "onehot" else noisy
    report = realised_noise(labels, noisy, n_classes=n_classes)
    noise = LabelNoise(kind, fraction, int(seed), split.y_train, flipped, report)
    return Split(
        f"{split.name} ({fraction:.0%} {kind} label noise)",
        split.x_train, y_train, split.x_test, split.y_test,
        f"{split.description}; {n_flipped} of {n} training labels flipped ({kind}, seed {seed}), "
        f"test labels clean",
        split.targets, noise=noise, truth=split.truth, show_counts=split.show_counts,
    )


def _is_number(value):
    return not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))


def _check_seed(seed, argument="seed"):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{argument} must be a non-negative int, got {seed!r}")


def _check_count(argument, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{argument} must be an int >= {minimum}, got {value!r}")


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


# ---------------------------------------------------------------------------
# The later chapters' problems: imbalance, multi-label, heteroscedastic noise, counts

# The positives every scored part of imbalanced() must hold for a usable PR-AUC.
_MIN_POSITIVES = 20
_IMBALANCED_TEST_FRACTION = 0.3


def _standardised(x_train, x_test):
    from sklearn.preprocessing import StandardScaler

    # Fitted on the training rows only, so nothing about the test rows leaks in.
    scaler = StandardScaler().fit(x_train)
    return scaler.transform(x_train), scaler.transform(x_test)


def imbalanced(positive_share: float = 0.02, *, n_samples: int = 10000, seed: int = 0) -> Split:
    """Rare positives: a binary problem where accuracy misleads and PR-AUC does not.

    ``make_classification(n_samples, n_features=10, n_informative=4,
    n_redundant=2, n_clusters_per_class=2, weights=[1 - s, s], flip_y=0,
    class_sep=1.0, random_state=seed)`` (``flip_y=0``: no label is flipped, so
    the positives' count is set by ``weights`` alone), split 70 % / 30 % with
    ``train_test_split(test_size=0.3, stratify=y, random_state=seed)`` and
    standardised with a scaler fitted on the training rows.  A classifier that
    always answers "negative" scores

    .. math:: \\text{accuracy} = 1 - s,

    98 % at the default :math:`s = 0.02`, while it finds no positive.  Validation
    rows come from :func:`validation_split` (stratified); at the defaults
    ``validation_split(data)`` (20 % of the training rows) holds 28 positives and
    the test set 60.

    Parameters
    ----------
    positive_share : float in (0, 0.5], default 0.02
        :math:`s`, the positives' share in every part.
    n_samples : int, default 10000
        Rows before the split.
    seed : int, default 0
        ``random_state`` of the generator and of the split: it fixes the data
        set, not the training runs (their seeds are separate).

    Returns
    -------
    Split
        Targets ``"01"`` (float64, ``(n,)``), 10 float64 features; the repr
        shows the positives of each part.

    Raises
    ------
    ValueError
        For a bad argument, or when the test set or ``validation_split(data)``
        would hold fewer than 20 positives (the message says how many rows are
        needed).

    Examples
    --------
    >>> data = imbalanced()
    >>> data
    Split('imbalanced (2% positives)', targets='01', train: x(7000, 10) y(7000,),
          test: x(3000, 10) y(3000,); positives: train 140 of 7000, test 60 of 3000)
    >>> validation_split(data)
    Split('imbalanced (2% positives) (validation)', targets='01', train: x(5600, 10) y(5600,),
          test: x(1400, 10) y(1400,); positives: train 112 of 5600, test 28 of 1400)
    """
    if not _is_number(positive_share) or not 0 < positive_share <= 0.5:
        raise ValueError(f"positive_share must be a number in (0, 0.5], got {positive_share!r}")
    _check_count("n_samples", n_samples, 100)
    _check_seed(seed)
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    x, y = make_classification(
        n_samples=n_samples, n_features=10, n_informative=4, n_redundant=2,
        n_clusters_per_class=2, weights=[1 - positive_share, positive_share], flip_y=0.0,
        class_sep=1.0, random_state=seed,
    )
    x_train, x_test, y_train, y_test = train_test_split(
        x, y.astype(np.float64), test_size=_IMBALANCED_TEST_FRACTION, stratify=y,
        random_state=seed,
    )
    x_train, x_test = _standardised(x_train, x_test)
    split = Split(
        f"imbalanced ({positive_share:.0%} positives)", x_train, y_train, x_test, y_test,
        f"make_classification({n_samples} samples, 10 features, 4 informative, 2 redundant, "
        f"2 clusters per class, weights [{1 - positive_share:g}, {positive_share:g}], flip_y 0, "
        f"random_state={seed}); stratified 70/30 split; standardised on the training rows.",
        "01", show_counts=True,
    )
    test_positives = int(y_test.sum())
    validation_positives = int(validation_split(split).y_test.sum())
    if min(test_positives, validation_positives) < _MIN_POSITIVES:
        needed = int(np.ceil(1.2 * _MIN_POSITIVES / (0.2 * (1 - _IMBALANCED_TEST_FRACTION)
                                                      * positive_share)))
        raise ValueError(
            f"n_samples={n_samples} at positive_share={positive_share} leaves {test_positives} "
            f"positives in the test set and {validation_positives} in validation_split(data); "
            f"both need >= {_MIN_POSITIVES} to score PR-AUC: use n_samples >= about {needed}"
        )
    return split


def imbalanced_blobs(dominant_share: float = 0.8, *, n_classes: int = 4, n_samples: int = 2000,
                     one_hot: bool = False, seed: int = 0) -> Split:
    """One dominant class among several: 2-D Gaussian blobs, class 0 the majority.

    ``make_blobs(n_samples=[n_0, m, ..., m], centers=..., cluster_std=1.0,
    random_state=seed)`` with the :math:`K` centres on a circle of radius 2
    (centre :math:`k` at angle :math:`2\\pi k/K`, so neighbouring classes
    overlap), class 0 holding the share :math:`d` and each other class

    .. math:: m = \\operatorname{round}\\!\\left(\\frac{n (1 - d)}{K - 1}\\right), \\qquad
              n_0 = n - (K - 1)\\, m,

    split in half with ``train_test_split(test_size=0.5, stratify=y,
    random_state=seed)`` (features left unscaled, as in :func:`blobs`).  Where
    the blobs overlap, a model fitted with unweighted cross-entropy tends to
    give the region to class 0, which lowers the minority classes' recall and
    the balanced accuracy (a logistic regression at the defaults does);
    ``dominant_share=1/K`` gives the balanced control.

    Parameters
    ----------
    dominant_share : float in [1/K, 1), default 0.8
        :math:`d`, class 0's share.
    n_classes : int >= 2, default 4
    n_samples : int, default 2000
        Every minority class must get at least 40 rows (20 per part).
    one_hot : bool, default False
        Integer labels (``"int"``) or one-hot rows (``"onehot"``).
    seed : int, default 0
        ``random_state`` of the generator and of the split.

    Returns
    -------
    Split
        The repr shows the class counts of each part.

    Examples
    --------
    >>> imbalanced_blobs()
    Split('imbalanced_blobs (80% class 0)', targets='int', train: x(1000, 2) y(1000,),
          test: x(1000, 2) y(1000,); class counts: train [800, 66, 67, 67], test [801, 67, 66, 66])
    >>> imbalanced_blobs(one_hot=True).y_train.shape
    (1000, 4)
    """
    _check_count("n_classes", n_classes, 2)
    if not _is_number(dominant_share) or not 1 / n_classes - 1e-12 <= dominant_share < 1:
        raise ValueError(f"dominant_share must be a number in [1/n_classes, 1) = "
                         f"[{1 / n_classes:.3g}, 1), got {dominant_share!r}")
    _check_count("n_samples", n_samples, 1)
    _check_bool("one_hot", one_hot)
    _check_seed(seed)
    minority = round(n_samples * (1 - dominant_share) / (n_classes - 1))
    if minority < 2 * _MIN_POSITIVES:
        raise ValueError(
            f"n_samples={n_samples} at dominant_share={dominant_share} gives each minority class "
            f"{minority} rows; it needs >= {2 * _MIN_POSITIVES} (20 per part) to measure its recall"
        )
    from sklearn.datasets import make_blobs
    from sklearn.model_selection import train_test_split

    sizes = [n_samples - (n_classes - 1) * minority] + [minority] * (n_classes - 1)
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    centres = 2.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    x, y = make_blobs(n_samples=sizes, centers=centres, cluster_std=1.0, random_state=seed)
    y = y.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.5, stratify=y,
                                                        random_state=seed)
    targets = "int"
    if one_hot:
        y_train, y_test, targets = (_one_hot(y_train, n_classes), _one_hot(y_test, n_classes),
                                    "onehot")
    return Split(
        f"imbalanced_blobs ({dominant_share:.0%} class 0)", x_train, y_train, x_test, y_test,
        f"make_blobs(class sizes {sizes}, centres on a circle of radius 2, cluster_std 1, "
        f"random_state={seed}); stratified half split.",
        targets, show_counts=True,
    )


def multilabel(*, n_classes: int = 6, n_samples: int = 2000, seed: int = 6) -> Split:
    """Multi-label targets with common and rare labels: one sigmoid per label.

    ``make_multilabel_classification(n_samples, n_features=20, n_classes,
    n_labels=1, allow_unlabeled=False, random_state=seed)``: every row has at
    least one label (on average about 1.6), each drawn with the generator's own
    random label frequencies; the label columns are then sorted from the most to
    the least frequent, the rows split in half stratified on the rarest label,
    and the features (word counts) standardised on the training rows.  The
    default seed is the first from 0 that gives, at the defaults, two labels
    rarer than 8 % and none rarer than 2.5 %: the shares run from about 48 %
    (label 0) down to 3 % (label 5).  With label shares
    :math:`\\pi_j`, predicting "absent" everywhere scores an element-wise binary
    accuracy of

    .. math:: 1 - \\frac{1}{L}\\sum_{j=1}^{L} \\pi_j,

    about 0.74 here, without finding a single label.

    Parameters
    ----------
    n_classes : int >= 2, default 6
        :math:`L`, the number of labels (scikit-learn's name).
    n_samples : int, default 2000
    seed : int, default 6
        ``random_state`` of the generator and of the split; another seed gives
        other label frequencies (the repr shows them).

    Returns
    -------
    Split
        Targets ``"multilabel"``: float64 0/1 matrix ``(n, L)``; the repr shows
        each label's share in each part.

    Examples
    --------
    >>> data = multilabel()
    >>> data
    Split('multilabel', targets='multilabel', train: x(1000, 20) y(1000, 6),
          test: x(1000, 20) y(1000, 6); label shares: train [0.471, 0.445, 0.331, 0.242,
          0.073, 0.031], test [0.481, 0.418, 0.344, 0.216, 0.077, 0.030])
    >>> data.n_classes, float(data.y_train.sum(axis=1).min())
    (6, 1.0)
    """
    _check_count("n_classes", n_classes, 2)
    _check_count("n_samples", n_samples, 10)
    _check_seed(seed)
    from sklearn.datasets import make_multilabel_classification
    from sklearn.model_selection import train_test_split

    x, y = make_multilabel_classification(
        n_samples=n_samples, n_features=20, n_classes=n_classes, n_labels=1,
        allow_unlabeled=False, random_state=seed,
    )
    order = np.argsort(-y.sum(axis=0), kind="stable")  # most frequent label first
    y = y[:, order].astype(np.float64)
    x_train, x_test, y_train, y_test = train_test_split(
        x.astype(np.float64), y, test_size=0.5, stratify=_rarest_label(y), random_state=seed,
    )
    x_train, x_test = _standardised(x_train, x_test)
    return Split(
        "multilabel", x_train, y_train, x_test, y_test,
        f"make_multilabel_classification({n_samples} samples, 20 features, {n_classes} labels, "
        f"n_labels=1, allow_unlabeled=False, random_state={seed}); label columns sorted by "
        f"frequency; half split stratified on the rarest label; standardised on the training "
        f"rows.",
        "multilabel", show_counts=True,
    )


def _truth_inputs(x, n_features):
    """Features as a float64 ``(n, d)`` array; a 1-D grid is accepted when d = 1."""
    array = np.asarray(x, dtype=np.float64)
    if array.ndim == 1 and n_features == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] != n_features:
        raise ValueError(f"x must have shape (n, {n_features})"
                         + (" or (n,)" if n_features == 1 else "") + f", got {array.shape}")
    return array


def _check_tau(tau):
    values = np.asarray(tau, dtype=np.float64)
    if values.ndim > 1 or not ((values > 0) & (values < 1)).all():
        raise ValueError(f"tau must be a number or a 1-D array of numbers in (0, 1), got {tau!r}")
    return values


@dataclasses.dataclass(frozen=True)
class HeteroscedasticTruth:
    """The distribution of :func:`heteroscedastic`: a sine whose noise grows with x.

    .. math::

        y = f(x) + \\sigma(x)\\,\\varepsilon, \\quad \\varepsilon \\sim \\mathcal N(0, 1), \\qquad
        f(x) = \\sin(2\\pi x), \\quad \\sigma(x) = a + b\\,x,

    so the :math:`\\tau`-quantile is :math:`f(x) + \\sigma(x)\\,\\Phi^{-1}(\\tau)`.

    Attributes
    ----------
    low, high : float
        The range of :math:`x` (drawn uniformly).
    noise_floor, noise_slope : float
        :math:`a > 0` and :math:`b \\ge 0`.

    Examples
    --------
    >>> truth = HeteroscedasticTruth()
    >>> truth.mean([0.25]), truth.sd([0.0, 1.0])
    (array([1.]), array([0.1, 0.5]))
    >>> truth.quantile([0.25, 1.0], 0.9).round(3)
    array([1.256, 0.641])
    """

    low: float = 0.0
    high: float = 1.0
    noise_floor: float = 0.1
    noise_slope: float = 0.4

    def __post_init__(self):
        for name in ("low", "high", "noise_floor", "noise_slope"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not np.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        if not self.low < self.high:
            raise ValueError(f"low must be < high, got low={self.low!r}, high={self.high!r}")
        if self.noise_floor <= 0 or self.noise_slope < 0 \
                or self.noise_floor + self.noise_slope * self.low <= 0:
            raise ValueError(f"sigma(x) = noise_floor + noise_slope * x must be > 0 on "
                             f"[low, high], got noise_floor={self.noise_floor!r}, "
                             f"noise_slope={self.noise_slope!r}")

    n_features = 1

    def mean(self, x) -> np.ndarray:
        """:math:`f(x) = \\sin(2\\pi x)`, shape ``(n,)``; ``x`` is ``(n, 1)`` or ``(n,)``."""
        return np.sin(2 * np.pi * _truth_inputs(x, 1)[:, 0])

    def sd(self, x) -> np.ndarray:
        """:math:`\\sigma(x) = a + b\\,x`, shape ``(n,)``."""
        return self.noise_floor + self.noise_slope * _truth_inputs(x, 1)[:, 0]

    def quantile(self, x, tau) -> np.ndarray:
        """The :math:`\\tau`-quantile :math:`f(x) + \\sigma(x)\\,\\Phi^{-1}(\\tau)`.

        Shape ``(n,)`` for one ``tau``, ``(n, m)`` for a 1-D array of m values.
        """
        from scipy.special import ndtri

        z = ndtri(_check_tau(tau))  # the standard normal quantile
        mean, sd = self.mean(x), self.sd(x)
        return mean + sd * z if z.ndim == 0 else mean[:, None] + sd[:, None] * z[None, :]


def heteroscedastic(*, n_samples: int = 1000, seed: int = 0) -> Split:
    """Noise that grows with x: a 1-D regression whose mean and spread are known.

    :math:`x \\sim U(0, 1)` and :math:`y = \\sin(2\\pi x) + (0.1 + 0.4\\,x)\\,
    \\varepsilon` with :math:`\\varepsilon \\sim \\mathcal N(0, 1)`
    (:class:`HeteroscedasticTruth`), drawn with ``numpy.random.default_rng(seed)``
    (x first, then the noise); the first half of the rows train.  The noise's
    standard deviation grows fivefold across the range, so a fit with a constant
    variance is too wide on the left and too narrow on the right.  The true
    functions are in ``split.truth`` for drawing beside a fit:

    .. math:: \\mathbb E[y \\mid x] = f(x), \\qquad \\operatorname{sd}(y \\mid x) = \\sigma(x).

    Parameters
    ----------
    n_samples : int, default 1000
    seed : int, default 0

    Returns
    -------
    Split
        Targets ``"real"`` ``(n,)``; features ``(n, 1)``; ``truth`` a
        :class:`HeteroscedasticTruth`.

    Examples
    --------
    >>> data = heteroscedastic()
    >>> data
    Split('heteroscedastic', targets='real', train: x(500, 1) y(500,), test: x(500, 1) y(500,))
    >>> grid = np.linspace(0, 1, 3)
    >>> data.truth.mean(grid).round(3), data.truth.sd(grid)
    (array([ 0.,  0., -0.]), array([0.1, 0.3, 0.5]))
    """
    _check_count("n_samples", n_samples, 4)
    _check_seed(seed)
    truth = HeteroscedasticTruth()
    rng = np.random.default_rng(seed)
    x = rng.uniform(truth.low, truth.high, size=(n_samples, 1))
    y = truth.mean(x) + truth.sd(x) * rng.standard_normal(n_samples)
    n_train = n_samples // 2
    return Split(
        "heteroscedastic", x[:n_train], y[:n_train], x[n_train:], y[n_train:],
        f"x ~ U(0, 1), y = sin(2 pi x) + (0.1 + 0.4 x) * N(0, 1), default_rng({seed}); "
        f"first {n_train} rows train.",
        "real", truth=truth,
    )


@dataclasses.dataclass(frozen=True)
class PoissonTruth:
    """The distribution of :func:`poisson_counts`: a Poisson with a log-linear rate.

    .. math::

        \\begin{aligned}
        y &\\sim \\operatorname{Poisson}(\\lambda(x)), \\qquad
        &\\lambda(x) &= \\exp(w^\\top x + b),\\\\
        \\mathbb E[y \\mid x] &= \\lambda(x), \\quad
        &\\operatorname{sd}(y \\mid x) &= \\sqrt{\\lambda(x)}.
        \\end{aligned}

    Attributes
    ----------
    weights : tuple of float
        :math:`w`, one per feature.
    bias : float
        :math:`b`.

    Examples
    --------
    >>> truth = PoissonTruth(weights=(1.0, 0.0), bias=0.0)
    >>> truth.rate([[0.0, 5.0], [1.0, 0.0]]).round(4)
    array([1.    , 2.7183])
    >>> truth.quantile([[0.0, 0.0]], 0.5)
    array([1.])
    """

    weights: tuple = (0.8, -0.6, 0.4, 0.0)
    bias: float = 0.3

    def __post_init__(self):
        weights = tuple(float(w) for w in np.asarray(self.weights, dtype=np.float64).ravel())
        if not weights or not np.isfinite(weights).all():
            raise ValueError(f"weights must be finite numbers, got {self.weights!r}")
        if isinstance(self.bias, bool) or not isinstance(self.bias, (int, float)) \
                or not np.isfinite(self.bias):
            raise ValueError(f"bias must be a finite number, got {self.bias!r}")
        object.__setattr__(self, "weights", weights)  # a tuple: frozen all the way down

    @property
    def n_features(self) -> int:
        """Number of features :math:`d`."""
        return len(self.weights)

    def log_rate(self, x) -> np.ndarray:
        """:math:`w^\\top x + b`, shape ``(n,)``."""
        return _truth_inputs(x, self.n_features) @ np.array(self.weights) + self.bias

    def rate(self, x) -> np.ndarray:
        """:math:`\\lambda(x) = \\exp(w^\\top x + b)`, shape ``(n,)``."""
        return np.exp(self.log_rate(x))

    def mean(self, x) -> np.ndarray:
        """:math:`\\mathbb E[y \\mid x] = \\lambda(x)`."""
        return self.rate(x)

    def sd(self, x) -> np.ndarray:
        """:math:`\\sqrt{\\lambda(x)}`."""
        return np.sqrt(self.rate(x))

    def quantile(self, x, tau) -> np.ndarray:
        """Smallest count :math:`k` with :math:`P(y \\le k) \\ge \\tau`: ``(n,)`` or ``(n, m)``."""
        from scipy.stats import poisson

        taus, rate = _check_tau(tau), self.rate(x)
        if taus.ndim == 0:
            return poisson.ppf(taus, rate)
        return poisson.ppf(taus[None, :], rate[:, None])


def poisson_counts(*, n_samples: int = 1000, seed: int = 0) -> Split:
    """Counts with a known rate: Poisson targets whose log-mean is linear in x.

    :math:`x \\sim \\mathcal N(0, I_4)` and :math:`y \\sim \\operatorname{Poisson}
    (\\lambda(x))` with :math:`\\lambda(x) = \\exp(0.8 x_1 - 0.6 x_2 + 0.4 x_3 + 0
    \\cdot x_4 + 0.3)` (:class:`PoissonTruth`; the fourth feature is irrelevant),
    drawn with ``numpy.random.default_rng(seed)`` (x first, then the counts); the
    first half of the rows train.  The rate's mean is
    :math:`e^{0.3 + \\lVert w\\rVert^2/2} \\approx 2.4` and its spread wide
    (1st to 99th percentile about 0.1 to 17), so about 30 % of the counts are 0
    and a few are large, which MSE on the raw counts weighs most.

    .. math:: y \\in \\{0, 1, 2, \\dots\\}, \\qquad \\mathbb E[y \\mid x] = \\lambda(x)

    Parameters
    ----------
    n_samples : int, default 1000
    seed : int, default 0

    Returns
    -------
    Split
        Targets ``"counts"``: float64 whole numbers >= 0, shape ``(n,)``;
        features ``(n, 4)``; ``truth`` a :class:`PoissonTruth` (``truth.rate(x)``).

    Examples
    --------
    >>> data = poisson_counts()
    >>> data
    Split('poisson_counts', targets='counts', train: x(500, 4) y(500,), test: x(500, 4) y(500,))
    >>> data.truth
    PoissonTruth(weights=(0.8, -0.6, 0.4, 0.0), bias=0.3)
    >>> bool((data.y_train == np.round(data.y_train)).all()), data.y_train.dtype
    (True, dtype('float64'))
    """
    _check_count("n_samples", n_samples, 4)
    _check_seed(seed)
    truth = PoissonTruth()
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_samples, truth.n_features))
    y = rng.poisson(truth.rate(x)).astype(np.float64)
    n_train = n_samples // 2
    return Split(
        "poisson_counts", x[:n_train], y[:n_train], x[n_train:], y[n_train:],
        f"x ~ N(0, I_4), y ~ Poisson(exp(0.8 x1 - 0.6 x2 + 0.4 x3 + 0.3)), default_rng({seed}); "
        f"first {n_train} rows train.",
        "counts", truth=truth,
    )
