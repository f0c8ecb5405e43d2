"""The data sets match the tutorial's definitions."""

import re

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_blobs, make_circles, make_regression

from lossguide import datasets


def test_regression_is_the_tutorials_standardised_split():
    data = datasets.regression()
    x, y = make_regression(n_samples=1000, n_features=20, noise=0.1, random_state=1)
    x_all = np.concatenate([data.x_train, data.x_test])
    y_all = np.concatenate([data.y_train, data.y_test])
    assert data.x_train.shape == (500, 20) and data.y_test.shape == (500,)
    # standardised on all 1000 rows, not on the training half
    np.testing.assert_allclose(x_all.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(x_all.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(y_all, (y - y.mean()) / y.std(), rtol=1e-12)
    np.testing.assert_allclose(x_all, (x - x.mean(0)) / x.std(0), rtol=1e-10)
    assert data.x_train.dtype == np.float64 and data.targets == "real"


def test_positive_regression_is_exp_of_the_standardised_target():
    data, base = datasets.positive_regression(), datasets.regression()
    np.testing.assert_array_equal(data.x_train, base.x_train)
    np.testing.assert_allclose(np.log(data.y_test), base.y_test, rtol=1e-12)
    assert (data.y_train > 0).all() and data.targets == "positive"
    # right-skewed: the mean is above the median
    assert data.y_train.mean() > np.median(data.y_train)


@pytest.mark.parametrize("labels, expected", [("01", {0.0, 1.0}), ("pm1", {-1.0, 1.0})])
def test_circles_labels(labels, expected):
    data = datasets.circles(labels)
    x, y = make_circles(n_samples=1000, noise=0.1, random_state=1)
    np.testing.assert_array_equal(data.x_train, x[:500])
    np.testing.assert_array_equal(data.x_test, x[500:])
    assert set(np.unique(data.y_train)) == expected
    # the -1/1 encoding maps class 0 to -1, as the tutorial's y[where(y == 0)] = -1 does
    np.testing.assert_array_equal(data.y_test == max(expected), y[500:] == 1)
    assert data.targets == labels and data.n_classes == 2


def test_blobs_integer_and_one_hot_agree():
    plain, hot = datasets.blobs(), datasets.blobs(one_hot=True)
    x, y = make_blobs(n_samples=1000, centers=3, n_features=2, cluster_std=2, random_state=2)
    np.testing.assert_array_equal(plain.x_train, x[:500])
    np.testing.assert_array_equal(plain.y_test, y[500:])
    assert hot.y_train.shape == (500, 3) and hot.y_train.dtype == np.float64
    np.testing.assert_array_equal(hot.y_train.argmax(axis=1), plain.y_train)
    np.testing.assert_array_equal(hot.y_train.sum(axis=1), 1.0)
    assert plain.n_classes == hot.n_classes == 3


def test_digits_is_scaled_stratified_and_fixed():
    data = datasets.digits()
    bunch = load_digits()
    assert data.x_train.shape == (898, 64) and data.x_test.shape == (899, 64)
    assert data.x_train.min() == 0.0 and data.x_train.max() == 1.0
    # stratified: every class has the same share (to one image) in both halves
    difference = np.bincount(data.y_train, minlength=10) - np.bincount(data.y_test, minlength=10)
    assert np.abs(difference).max() <= 1
    # every image appears exactly once across the two halves
    rows = {tuple(r) for r in np.concatenate([data.x_train, data.x_test]) * 16}
    assert rows == {tuple(r) for r in bunch.data.astype(float)}
    np.testing.assert_array_equal(datasets.digits().x_test, data.x_test)
    np.testing.assert_array_equal(datasets.digits(one_hot=True).y_test.argmax(1), data.y_test)


def test_mnist_without_cache_fails_fast_and_points_to_digits(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(RuntimeError, match="digits"):
        datasets.mnist()


def test_split_is_read_only_and_copies_input():
    x = np.zeros((2, 1))
    split = datasets.Split("toy", x, np.zeros(2), x, np.zeros(2), "toy", "real")
    x[0, 0] = 5.0
    assert split.x_train[0, 0] == 0.0
    with pytest.raises(ValueError):
        split.x_train[0, 0] = 1.0
    assert repr(split) == "Split('toy', targets='real', train: x(2, 1) y(2,), test: x(2, 1) y(2,))"


def test_bad_arguments_name_the_argument_and_value():
    with pytest.raises(ValueError, match=r"labels must be one of \['01', 'pm1'\], got '-1'"):
        datasets.circles("-1")
    with pytest.raises(TypeError, match="one_hot must be True or False, got str: 'yes'"):
        datasets.blobs(one_hot="yes")
    with pytest.raises(TypeError, match="one_hot"):
        datasets.digits(one_hot=1)


def test_validation_split_uses_only_training_rows_and_keeps_class_shares():
    from lossguide import datasets

    data = datasets.blobs()
    tuning = datasets.validation_split(data, fraction=0.2, seed=3)
    assert tuning.x_train.shape[0] + tuning.x_test.shape[0] == data.x_train.shape[0]
    rows = {tuple(r) for r in data.x_train}
    assert all(tuple(r) in rows for r in tuning.x_test)  # validation rows come from training
    assert not {tuple(r) for r in tuning.x_test} & {tuple(r) for r in tuning.x_train}
    assert not {tuple(r) for r in tuning.x_test} & {tuple(r) for r in data.x_test}
    shares = np.bincount(data.y_train) / data.y_train.size
    np.testing.assert_allclose(np.bincount(tuning.y_test) / tuning.y_test.size, shares, atol=0.02)
    again = datasets.validation_split(data, fraction=0.2, seed=3)
    np.testing.assert_array_equal(again.x_test, tuning.x_test)
    assert tuning.targets == data.targets


@pytest.mark.parametrize("options, error, message", [
    ({"fraction": 1.0}, ValueError, "fraction must be a number strictly between 0 and 1, got 1.0"),
    ({"fraction": 0}, ValueError, "fraction must be a number strictly between 0 and 1"),
    ({"seed": -1}, ValueError, "seed must be a non-negative int, got -1"),
])
def test_validation_split_errors(options, error, message):
    from lossguide import datasets

    with pytest.raises(error, match=re.escape(message)):
        datasets.validation_split(datasets.regression(), **options)
    with pytest.raises(TypeError, match="split must be a lossguide.datasets.Split"):
        datasets.validation_split("regression")


def test_thin_positives_keeps_every_negative_and_the_share():
    from lossguide import datasets

    data = datasets.circles()
    rare = datasets.thin_positives(data, 0.05)
    for part in ("train", "test"):
        y, y_rare = getattr(data, f"y_{part}"), getattr(rare, f"y_{part}")
        assert (y_rare == 0).sum() == (y == 0).sum()
        assert abs(y_rare.mean() - 0.05) < 0.005
    with pytest.raises(ValueError, match="binary targets '01'"):
        datasets.thin_positives(datasets.circles("pm1"), 0.05)
    with pytest.raises(ValueError, match=re.escape("share must be a number in (0, 0.5], got 0.7")):
        datasets.thin_positives(data, 0.7)


# ---------------------------------------------------------------------------
# The tutorial splits keep their exact reprs (committed chapters print them)

@pytest.mark.parametrize("make, expected", [
    (lambda: datasets.circles(),
     "Split('circles', targets='01', train: x(500, 2) y(500,), test: x(500, 2) y(500,))"),
    (lambda: datasets.blobs(one_hot=True),
     "Split('blobs', targets='onehot', train: x(500, 2) y(500, 3), test: x(500, 2) y(500, 3))"),
    (lambda: datasets.thin_positives(datasets.circles(), 0.05),
     ("Split('circles (5% positives)', targets='01', train: x(265, 2) y(265,), "
      "test: x(261, 2) y(261,))")),
    (lambda: datasets.validation_split(datasets.thin_positives(datasets.circles(), 0.05)),
     ("Split('circles (5% positives) (validation)', targets='01', train: x(212, 2) y(212,), "
      "test: x(53, 2) y(53,))")),
])
def test_existing_reprs_are_unchanged(make, expected):
    split = make()
    assert repr(split) == expected
    assert split.noise is None and split.truth is None and split.show_counts is False


def test_split_optional_fields_are_checked():
    x, y = np.zeros((2, 1)), np.zeros(2)
    with pytest.raises(TypeError, match="noise must be a LabelNoise or None, got dict"):
        datasets.Split("toy", x, y, x, y, "toy", "real", noise={})
    with pytest.raises(TypeError, match="truth must be a HeteroscedasticTruth, a PoissonTruth"):
        datasets.Split("toy", x, y, x, y, "toy", "real", truth=np.sin)
    with pytest.raises(TypeError, match="show_counts must be True or False, got int: 1"):
        datasets.Split("toy", x, y, x, y, "toy", "real", show_counts=1)
    noise = datasets.flip_labels(datasets.blobs(), 0.1).noise
    with pytest.raises(ValueError, match=re.escape("noise.y_clean has shape (500,) but y_train "
                                                   "has shape (2,)")):
        datasets.Split("toy", x, y, x, y, "toy", "int", noise=noise)


# ---------------------------------------------------------------------------
# Label noise

def _wrong_shares(clean, noisy, k):
    """Reference transition matrix from scikit-learn's confusion matrix."""
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(clean, noisy, labels=np.arange(k), normalize="true")


@pytest.mark.parametrize("kind", ["symmetric", "pair"])
@pytest.mark.parametrize("fraction", [0.0, 0.2, 0.4, 1.0])
def test_flip_labels_flips_exactly_the_requested_training_labels(kind, fraction):
    clean = datasets.digits()
    noisy = datasets.flip_labels(clean, fraction, kind=kind, seed=3)
    n = len(clean.y_train)
    changed = noisy.y_train != clean.y_train
    assert changed.sum() == round(fraction * n)  # every drawn label ends up wrong
    np.testing.assert_array_equal(changed, noisy.noise.flipped)
    np.testing.assert_array_equal(noisy.noise.y_clean, clean.y_train)
    # features and the whole test set are untouched
    np.testing.assert_array_equal(noisy.x_train, clean.x_train)
    np.testing.assert_array_equal(noisy.x_test, clean.x_test)
    np.testing.assert_array_equal(noisy.y_test, clean.y_test)
    assert noisy.y_train.dtype == np.int64 and noisy.targets == "int"
    if kind == "pair":
        np.testing.assert_array_equal(noisy.y_train[changed], (clean.y_train[changed] + 1) % 10)
    report = noisy.noise.report
    assert report.n_flipped == changed.sum() and report.share == pytest.approx(changed.mean())
    np.testing.assert_allclose(report.transition,
                               _wrong_shares(clean.y_train, noisy.y_train, 10), atol=1e-15)


def test_flip_labels_symmetric_spreads_over_the_other_classes():
    # 20000 rows of 5 classes: the realised matrix approaches (1-e) I + e/(K-1) (11' - I)
    from scipy.stats import chisquare

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, size=20000)
    x = rng.normal(size=(20000, 1))
    big = datasets.Split("big", x, labels, x[:5], labels[:5], "toy", "int")
    noisy = datasets.flip_labels(big, 0.3, kind="symmetric", seed=1)
    expected = 0.7 * np.eye(5) + 0.3 / 4 * (np.ones((5, 5)) - np.eye(5))
    np.testing.assert_allclose(noisy.noise.report.transition, expected, atol=0.015)
    offsets = (noisy.y_train - labels)[noisy.noise.flipped] % 5
    assert set(np.unique(offsets)) == {1, 2, 3, 4}
    assert chisquare(np.bincount(offsets)[1:]).pvalue > 0.001
    pair = datasets.flip_labels(big, 0.3, kind="pair", seed=1).noise.report.transition
    np.testing.assert_allclose(np.diag(np.roll(pair, -1, axis=1)), 0.3, atol=0.015)
    assert np.count_nonzero(pair) == 10  # only the diagonal and k -> k+1


def test_flip_labels_one_hot_matches_integer_labels_and_is_seeded():
    plain = datasets.flip_labels(datasets.digits(), 0.2, seed=5)
    hot = datasets.flip_labels(datasets.digits(one_hot=True), 0.2, seed=5)
    assert hot.y_train.shape == (898, 10) and hot.y_train.dtype == np.float64
    np.testing.assert_array_equal(hot.y_train.sum(axis=1), 1.0)
    np.testing.assert_array_equal(hot.y_train.argmax(axis=1), plain.y_train)
    np.testing.assert_array_equal(hot.noise.y_clean, datasets.digits(one_hot=True).y_train)
    again = datasets.flip_labels(datasets.digits(), 0.2, seed=5)
    np.testing.assert_array_equal(again.y_train, plain.y_train)
    other = datasets.flip_labels(datasets.digits(), 0.2, seed=6)
    assert (other.y_train != plain.y_train).any()
    assert repr(plain) == (
        "Split('digits (20% symmetric label noise)', targets='int', train: x(898, 64) y(898,), "
        "test: x(899, 64) y(899,); noise: symmetric, 180 of 898 training labels flipped (20.0%))")
    assert repr(plain.noise) == ("LabelNoise('symmetric', fraction=0.2, seed=5: 180 of 898 "
                                 "training labels flipped)")


def test_validation_split_keeps_the_noise_of_the_rows_it_keeps():
    noisy = datasets.flip_labels(datasets.blobs(), 0.3, seed=0)
    tuning = datasets.validation_split(noisy, fraction=0.2, seed=1)
    position = {tuple(row): i for i, row in enumerate(noisy.x_train)}
    kept = np.array([position[tuple(row)] for row in tuning.x_train])
    np.testing.assert_array_equal(tuning.noise.y_clean, noisy.noise.y_clean[kept])
    np.testing.assert_array_equal(tuning.noise.flipped, tuning.y_train != tuning.noise.y_clean)
    assert tuning.noise.report.n == len(kept) == 400
    assert tuning.noise.report.n_flipped == tuning.noise.flipped.sum()
    held = np.array([position[tuple(row)] for row in tuning.x_test])
    np.testing.assert_array_equal(tuning.y_test, noisy.y_train[held])  # validation labels noisy


@pytest.mark.parametrize("split, options, error, message", [
    (datasets.circles(), {}, ValueError,
     "split must have class targets 'int' or 'onehot', got '01'"),
    (datasets.flip_labels(datasets.blobs(), 0.1), {}, ValueError, "already has label noise"),
    (datasets.blobs(), {"fraction": 1.5}, ValueError,
     "fraction must be a number in [0, 1], got 1.5"),
    (datasets.blobs(), {"fraction": -0.1}, ValueError, "fraction must be a number in [0, 1]"),
    (datasets.blobs(), {"fraction": True}, ValueError,
     "fraction must be a number in [0, 1], got True"),
    (datasets.blobs(), {"fraction": float("nan")}, ValueError, "fraction must be a number"),
    (datasets.blobs(), {"kind": "asymmetric"}, ValueError,
     "kind must be one of ['symmetric', 'pair'], got 'asymmetric'"),
    (datasets.blobs(), {"seed": -1}, ValueError, "seed must be a non-negative int, got -1"),
    ("blobs", {}, TypeError, "split must be a lossguide.datasets.Split, got str"),
])
def test_flip_labels_errors(split, options, error, message):
    with pytest.raises(error, match=re.escape(message)):
        datasets.flip_labels(split, **{"fraction": 0.2, **options})


def test_realised_noise_by_hand():
    report = datasets.realised_noise([0, 0, 1, 1, 2, 2, 2, 2], [0, 1, 1, 1, 2, 2, 0, 1])
    assert (report.n, report.n_flipped, report.share) == (8, 3, 3 / 8)
    np.testing.assert_array_equal(report.class_counts, [2, 2, 4])
    np.testing.assert_allclose(report.per_class, [0.5, 0.0, 0.5])
    np.testing.assert_allclose(report.transition, [[0.5, 0.5, 0], [0, 1, 0], [0.25, 0.25, 0.5]])
    hot = datasets.realised_noise(np.eye(3)[[0, 0, 1, 1, 2, 2, 2, 2]],
                                  np.eye(3)[[0, 1, 1, 1, 2, 2, 0, 1]])
    np.testing.assert_array_equal(hot.transition, report.transition)
    # a class with no clean label is not measured (NaN), not "noise-free"
    absent = datasets.realised_noise([0, 0, 2], [0, 2, 2], n_classes=4)
    assert np.isnan(absent.per_class[[1, 3]]).all() and np.isnan(absent.transition[1]).all()
    np.testing.assert_allclose(absent.transition[[0, 2]].sum(axis=1), 1.0)
    assert repr(report) == ("NoiseReport(3 of 8 labels flipped (0.375); "
                            "per class [0.500, 0.000, 0.500])")
    with pytest.raises(ValueError):  # the report is read-only
        report.transition[0, 0] = 1.0


@pytest.mark.parametrize("clean, noisy, options, message", [
    ([0, 1], [0, 1, 1], {}, "clean and noisy must have the same shape, got (2,) and (3,)"),
    ([], [], {}, "clean and noisy must hold at least one label, got shape (0,)"),
    ([0, 1.5], [0, 1], {}, "clean must hold class indices 0, 1, 2, ..."),
    ([0, -1], [0, 1], {}, "clean must hold class indices"),
    ([[0, 1], [1, 1]], [[0, 1], [1, 0]], {}, "clean must hold one-hot rows"),
    ([0, 3], [0, 1], {"n_classes": 3}, "n_classes must be an int >= 4 (the labels need it), got 3"),
])
def test_realised_noise_errors(clean, noisy, options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        datasets.realised_noise(clean, noisy, **options)


# ---------------------------------------------------------------------------
# Imbalanced binary and multi-class

def test_imbalanced_is_stratified_scaled_and_has_enough_positives():
    from sklearn.datasets import make_classification

    data = datasets.imbalanced()
    _, y = make_classification(n_samples=10000, n_features=10, n_informative=4, n_redundant=2,
                               n_clusters_per_class=2, weights=[0.98, 0.02], flip_y=0.0,
                               random_state=0)
    assert data.targets == "01" and data.y_train.dtype == np.float64
    assert data.y_train.sum() + data.y_test.sum() == y.sum() == 200
    assert (data.y_train.sum(), data.y_test.sum()) == (140, 60)  # 2 % of each part
    np.testing.assert_allclose(data.x_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(data.x_train.std(axis=0), 1, rtol=1e-12)
    assert abs(data.x_test.mean(axis=0)).max() > 1e-6  # the scaler never saw the test rows
    assert not {tuple(r) for r in data.x_train} & {tuple(r) for r in data.x_test}
    assert datasets.validation_split(data).y_test.sum() >= 20
    # "always negative" scores 1 - s: accuracy misleads here
    assert np.mean(data.y_test == 0) == pytest.approx(0.98)
    assert "positives: train 140 of 7000, test 60 of 3000" in repr(data)
    np.testing.assert_array_equal(datasets.imbalanced().x_test, data.x_test)
    rarer = datasets.thin_positives(data, 0.01)
    # thinned to 1 %: round(6860 * 0.01 / 0.99) = 69 positives beside the 6860 negatives
    assert rarer.show_counts and "positives: train 69 of 6929" in repr(rarer)
    wide = datasets.imbalanced(0.5, n_samples=400, seed=3)
    assert wide.y_train.mean() == 0.5


def test_imbalanced_separates_the_classes_only_partly():
    # A linear model finds some positives but far from all: the chapter's problem is not trivial.
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score

    data = datasets.imbalanced()
    p = LogisticRegression(max_iter=1000).fit(data.x_train, data.y_train).predict_proba(data.x_test)
    assert 0.1 < average_precision_score(data.y_test, p[:, 1]) < 0.8


@pytest.mark.parametrize("options, message", [
    ({"positive_share": 0.01}, "leaves 30 positives in the test set and 14 in validation_split"),
    ({"positive_share": 0.02, "n_samples": 2000}, "use n_samples >= about"),
    ({"positive_share": 0.0}, "positive_share must be a number in (0, 0.5], got 0.0"),
    ({"positive_share": 0.6}, "positive_share must be a number in (0, 0.5], got 0.6"),
    ({"n_samples": 50}, "n_samples must be an int >= 100, got 50"),
    ({"seed": 1.5}, "seed must be a non-negative int, got 1.5"),
])
def test_imbalanced_errors(options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        datasets.imbalanced(**options)


def test_imbalanced_blobs_class_sizes_and_encodings():
    data = datasets.imbalanced_blobs(0.8, n_classes=4, n_samples=2000)
    counts = np.bincount(data.y_train) + np.bincount(data.y_test)
    np.testing.assert_array_equal(counts, [1601, 133, 133, 133])  # m = round(2000 * 0.2 / 3)
    difference = np.bincount(data.y_train) - np.bincount(data.y_test)
    assert np.abs(difference).max() <= 1  # stratified halves
    hot = datasets.imbalanced_blobs(0.8, one_hot=True)
    np.testing.assert_array_equal(hot.y_train.argmax(axis=1), data.y_train)
    assert hot.targets == "onehot" and hot.n_classes == data.n_classes == 4
    # the class means sit on the circle of radius 2
    x = np.concatenate([data.x_train, data.x_test])
    y = np.concatenate([data.y_train, data.y_test])
    radii = [np.linalg.norm(x[y == k].mean(axis=0)) for k in range(4)]
    np.testing.assert_allclose(radii, 2.0, atol=0.3)
    balanced = datasets.imbalanced_blobs(0.25)
    np.testing.assert_array_equal(np.bincount(balanced.y_train), [250, 250, 250, 250])
    three = datasets.imbalanced_blobs(0.9, n_classes=3, n_samples=1000, seed=2)
    assert "class counts: train [450, 25, 25], test [450, 25, 25]" in repr(three)


@pytest.mark.parametrize("options, error, message", [
    ({"dominant_share": 0.2}, ValueError,
     "dominant_share must be a number in [1/n_classes, 1) = [0.25, 1), got 0.2"),
    ({"dominant_share": 1.0}, ValueError, "dominant_share must be a number in [1/n_classes, 1)"),
    ({"dominant_share": 0.99}, ValueError, "gives each minority class 7 rows; it needs >= 40"),
    ({"n_classes": 1}, ValueError, "n_classes must be an int >= 2, got 1"),
    ({"one_hot": "yes"}, TypeError, "one_hot must be True or False"),
])
def test_imbalanced_blobs_errors(options, error, message):
    with pytest.raises(error, match=re.escape(message)):
        datasets.imbalanced_blobs(**options)


# ---------------------------------------------------------------------------
# Multi-label

def test_multilabel_targets_are_the_generators_sorted_by_frequency():
    from sklearn.datasets import make_multilabel_classification

    data = datasets.multilabel()
    assert data.targets == "multilabel" and data.y_train.shape == (1000, 6)
    assert data.y_train.dtype == np.float64 and set(np.unique(data.y_train)) == {0.0, 1.0}
    assert data.n_classes == 6
    _, y = make_multilabel_classification(n_samples=2000, n_features=20, n_classes=6, n_labels=1,
                                          allow_unlabeled=False, random_state=6)
    both = np.concatenate([data.y_train, data.y_test])
    order = np.argsort(-y.sum(axis=0), kind="stable")
    np.testing.assert_array_equal(np.sort(both.sum(axis=0))[::-1], y.sum(axis=0)[order])
    rows = sorted(map(tuple, both.astype(int)))
    assert rows == sorted(map(tuple, y[:, order]))  # the same rows, columns permuted
    shares = both.mean(axis=0)
    assert (np.diff(shares) <= 0).all() and shares[-1] < 0.05 < shares[0]  # rare labels
    assert both.sum(axis=1).min() == 1  # every row has a label
    # stratified on the rarest label: it is split evenly
    assert abs(data.y_train[:, -1].sum() - data.y_test[:, -1].sum()) <= 1
    np.testing.assert_allclose(data.x_train.mean(axis=0), 0, atol=1e-12)
    # "absent everywhere" scores 1 - mean share in element-wise binary accuracy
    assert np.mean(data.y_test == 0) == pytest.approx(1 - data.y_test.mean(axis=0).mean())
    assert "label shares: train [0.471, 0.445, 0.331, 0.242, 0.073, 0.031]" in repr(data)
    tuning = datasets.validation_split(data)
    assert tuning.targets == "multilabel" and tuning.x_test.shape == (200, 20)
    assert tuning.y_test[:, -1].sum() == round(0.2 * data.y_train[:, -1].sum())
    assert datasets.multilabel(n_classes=3, n_samples=100, seed=0).y_test.shape == (50, 3)
    with pytest.raises(ValueError, match=re.escape("n_classes must be an int >= 2, got 1")):
        datasets.multilabel(n_classes=1)


# ---------------------------------------------------------------------------
# Known distributions: heteroscedastic regression and Poisson counts

def test_heteroscedastic_noise_is_gaussian_with_the_stated_sd():
    from scipy import stats

    data = datasets.heteroscedastic(n_samples=4000, seed=1)
    assert data.targets == "real" and data.x_train.shape == (2000, 1)
    x = np.concatenate([data.x_train, data.x_test])[:, 0]
    y = np.concatenate([data.y_train, data.y_test])
    assert 0 <= x.min() and x.max() <= 1
    np.testing.assert_allclose(data.truth.mean(x), np.sin(2 * np.pi * x), rtol=1e-15)
    np.testing.assert_allclose(data.truth.sd(x[:, None]), 0.1 + 0.4 * x, rtol=1e-15)
    z = (y - np.sin(2 * np.pi * x)) / (0.1 + 0.4 * x)
    assert stats.kstest(z, "norm").pvalue > 0.01
    # the spread grows with x: the right fifth is far noisier than the left fifth
    left, right = x < 0.2, x > 0.8
    residual = y - np.sin(2 * np.pi * x)
    assert residual[right].std() > 3 * residual[left].std()
    # the true quantiles: 80 % of the rows fall between the 0.1- and 0.9-quantiles
    bounds = data.truth.quantile(x, [0.1, 0.9])
    np.testing.assert_allclose(bounds[:, 1], stats.norm.ppf(0.9, np.sin(2 * np.pi * x),
                                                            0.1 + 0.4 * x), rtol=1e-12)
    inside = (y > bounds[:, 0]) & (y < bounds[:, 1])
    assert abs(inside.mean() - 0.8) < 0.03
    np.testing.assert_array_equal(datasets.heteroscedastic(n_samples=4000, seed=1).y_test,
                                  data.y_test)


def test_poisson_counts_follow_the_stated_rate():
    from scipy import stats

    data = datasets.poisson_counts(n_samples=6000, seed=2)
    assert data.targets == "counts" and data.n_classes is None and data.x_train.shape == (3000, 4)
    y = np.concatenate([data.y_train, data.y_test])
    x = np.concatenate([data.x_train, data.x_test])
    assert y.dtype == np.float64 and (y >= 0).all() and (y == np.round(y)).all()
    rate = np.exp(x @ np.array([0.8, -0.6, 0.4, 0.0]) + 0.3)
    np.testing.assert_allclose(data.truth.rate(x), rate, rtol=1e-14)
    np.testing.assert_allclose(data.truth.mean(x), rate, rtol=1e-14)
    np.testing.assert_allclose(data.truth.sd(x), np.sqrt(rate), rtol=1e-14)
    # Poisson: mean equals the rate and variance equals the mean (Pearson statistic ~ 1)
    assert abs(np.mean(y - rate)) < 0.1
    assert abs(np.mean((y - rate) ** 2 / rate) - 1) < 0.1
    assert 0.2 < np.mean(y == 0) < 0.4
    np.testing.assert_array_equal(data.truth.quantile(x[:5], 0.5), stats.poisson.ppf(0.5, rate[:5]))
    assert data.truth.quantile(x[:5], [0.1, 0.9]).shape == (5, 2)


@pytest.mark.parametrize("call, message", [
    (lambda: datasets.HeteroscedasticTruth().mean(np.zeros((3, 2))),
     "x must have shape (n, 1) or (n,), got (3, 2)"),
    (lambda: datasets.PoissonTruth().rate(np.zeros(3)), "x must have shape (n, 4), got (3,)"),
    (lambda: datasets.HeteroscedasticTruth().quantile([0.5], 1.0),
     "tau must be a number or a 1-D array of numbers in (0, 1), got 1.0"),
    (lambda: datasets.PoissonTruth().quantile(np.zeros((1, 4)), [[0.5]]), "tau must be"),
    (lambda: datasets.HeteroscedasticTruth(noise_floor=0.0), "sigma(x) = noise_floor"),
    (lambda: datasets.HeteroscedasticTruth(low=1.0, high=0.0), "low must be < high"),
    (lambda: datasets.PoissonTruth(weights=(1.0, np.nan)), "weights must be finite numbers"),
    (lambda: datasets.heteroscedastic(n_samples=2), "n_samples must be an int >= 4, got 2"),
    (lambda: datasets.poisson_counts(seed=-3), "seed must be a non-negative int, got -3"),
])
def test_truth_and_generator_errors(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_truth_records_are_frozen_and_carried_over():
    data = datasets.poisson_counts()
    assert isinstance(data.truth.weights, tuple) and hash(data.truth)
    with pytest.raises(AttributeError):
        data.truth.bias = 1.0
    assert datasets.validation_split(data).truth is data.truth
    assert datasets.PoissonTruth(weights=np.array([1.0, 2.0])).weights == (1.0, 2.0)
