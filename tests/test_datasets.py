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
