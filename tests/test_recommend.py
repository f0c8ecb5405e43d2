"""Tests for lossguide.recommend: every task, edge cases and clear errors."""

import dataclasses
import re
import warnings

import numpy as np
import pytest

from lossguide.recommend import MAX_CLASSES, TASKS, Recommendation, recommend

RNG = np.random.default_rng(12345)

# (targets, task, loss, activation) for every task.
CASES = {
    "gaussian": (RNG.normal(3.0, 2.0, size=400), "real-valued", "mean_squared_error", "linear"),
    "lognormal": (RNG.lognormal(0.0, 1.0, size=400), "positive-skewed", "mean_squared_logarithmic_error", "softplus"),
    "poisson-counts": (RNG.poisson(40, size=300), "counts", "poisson", "softplus"),
    "binary-01": (RNG.integers(0, 2, size=50), "binary-01", "binary_crossentropy", "sigmoid"),
    "binary-pm1": (2 * RNG.integers(0, 2, size=50) - 1, "binary-pm1", "hinge", "tanh"),
    "classes": (np.arange(60) % 4, "integer-classes", "sparse_categorical_crossentropy", "softmax"),
    "one-hot": (np.eye(3)[np.arange(30) % 3], "one-hot", "categorical_crossentropy", "softmax"),
    "multi-label": ((RNG.uniform(size=(40, 4)) < 0.4).astype(int), "multi-label", "binary_crossentropy", "sigmoid"),
    "probabilities": (RNG.dirichlet(np.ones(3), size=40), "probabilities", "categorical_crossentropy", "softmax"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_task(name):
    y, task, loss, activation = CASES[name]
    rec = recommend(y)
    assert (rec.task, rec.loss, rec.activation) == (task, loss, activation)
    assert rec.task in TASKS
    assert rec.reason.endswith(".") and rec.reason.count(". ") == 0
    assert isinstance(rec.alternatives, tuple)
    assert rec.loss not in rec.alternatives


def test_every_task_is_covered():
    assert {case[1] for case in CASES.values()} == set(TASKS)


def test_input_not_modified():
    y = RNG.normal(size=(30, 1))
    before = y.copy()
    recommend(y)
    np.testing.assert_array_equal(y, before)


def test_record_is_frozen_and_tabular():
    rec = recommend([0, 1, 1])
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.loss = "mse"
    row = rec.as_dict()
    assert list(row) == [f.name for f in dataclasses.fields(Recommendation)]
    assert row["alternatives"] == ", ".join(rec.alternatives)
    text = str(rec)
    assert "binary_crossentropy" in text and text.count("\n") == 6
    assert rec._repr_html_().startswith("<table>") and "sigmoid" in rec._repr_html_()


def test_html_is_escaped():
    rec = dataclasses.replace(recommend([0, 1]), reason="a < b & c.")
    assert "a &lt; b &amp; c." in rec._repr_html_()


# --- 1-D edge cases -----------------------------------------------------------

def test_booleans_are_binary_01():
    assert recommend([True, False, True]).task == "binary-01"


def test_whole_floats_are_classes():
    assert recommend([0.0, 1.0, 2.0, 2.0]).task == "integer-classes"


def test_column_vector_same_as_flat():
    y = np.arange(12) % 3
    assert recommend(y[:, None]) == recommend(y)
    z = RNG.normal(size=50)
    assert recommend(z[:, None]).task == recommend(z).task == "real-valued"


def test_negative_whole_numbers_are_not_counts():
    rec = recommend([-3, 0, 2, 5, -1, 4])
    assert rec.task == "real-valued"
    assert "neither counts nor class indices" in rec.reason


def test_pm1_metric_is_not_keras_accuracy():
    rec = recommend([-1, 1, -1])
    assert rec.metric == "sign_accuracy"
    assert "sign(y_pred) == y_true" in rec.reason
    assert "(y + 1) / 2" in rec.encoding


def test_single_class_warns_and_notes():
    with pytest.warns(UserWarning, match=r"single class \(1\)"):
        rec = recommend([1, 1, 1])
    assert rec.task == "binary-01" and "only the class 1" in rec.reason
    with pytest.warns(UserWarning, match=r"single class \(2\)"):
        rec = recommend(np.eye(3)[[2, 2, 2]])
    assert rec.task == "one-hot"


def test_no_warning_for_normal_classes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        recommend([0, 1, 2, 1])


def test_gaps_in_labels_read_as_counts_unless_n_classes():
    y = [0, 2, 5, 5, 2]
    assert recommend(y).task == "counts"
    rec = recommend(y, n_classes=6)
    assert rec.task == "integer-classes"
    assert "[1, 3, 4] never appear" in rec.reason
    assert "0..5" in rec.encoding


def test_n_classes_turns_binary_into_classes():
    assert recommend([0, 1, 1], n_classes=3).task == "integer-classes"
    assert recommend([0, 1, 1], n_classes=2).task == "binary-01"


def test_many_distinct_small_integers_are_counts():
    y = np.arange(MAX_CLASSES + 1)
    assert recommend(y).task == "counts"
    assert recommend(y[:-1]).task == "integer-classes"


def test_outliers_offer_robust_losses():
    clean = RNG.normal(size=1000)
    assert recommend(clean).alternatives == ("mean_absolute_error", "huber")
    dirty = clean.copy()
    dirty[:30] = 50.0  # 3% gross errors
    rec = recommend(dirty)
    assert rec.task == "real-valued"
    assert rec.alternatives[0] == "huber" and "outliers" in rec.reason


def test_heavy_tail_detected_but_gaussian_not():
    laplace = RNG.laplace(size=2000)
    assert "outliers" in recommend(laplace).reason
    assert "outliers" not in recommend(RNG.normal(size=2000)).reason


def test_mostly_constant_uses_mean_deviation():
    # MAD is 0 here; the rule falls back to the mean absolute deviation.
    y = np.full(200, 0.5)
    y[:2] = [0.7, 100.0]
    assert "outliers" in recommend(y).reason


def test_constant_real_target():
    rec = recommend(np.full(10, 2.5))
    assert rec.task == "real-valued"


def test_unit_interval_floats_mention_sigmoid():
    rec = recommend(RNG.uniform(size=100))
    assert rec.task == "real-valued" and "binary_crossentropy" in rec.reason


# --- 2-D edge cases -----------------------------------------------------------

def test_soft_multilabel():
    y = np.array([[0.2, 0.9], [0.6, 0.1], [0.0, 0.3]])
    assert recommend(y).task == "multi-label"


def test_probability_rows_with_rounding():
    y = np.array([[0.1, 0.2, 0.7 + 1e-9], [1 / 3, 1 / 3, 1 / 3]])
    assert recommend(y).task == "probabilities"


def test_multi_output_regression():
    assert recommend(RNG.normal(size=(50, 3))).task == "real-valued"


def test_multi_output_counts():
    assert recommend(RNG.poisson(5.0, size=(50, 2)) + 2).task == "counts"


def test_n_classes_must_match_columns():
    with pytest.raises(ValueError, match=re.escape("has 3 columns (shape (30, 3)) but n_classes=4")):
        recommend(CASES["one-hot"][0], n_classes=4)


# --- errors -------------------------------------------------------------------

@pytest.mark.parametrize(
    "y, error, message",
    [
        ([], ValueError, "y_train is empty (shape (0,))"),
        (np.zeros((0, 3)), ValueError, "y_train is empty (shape (0, 3))"),
        ([1.0, np.nan, 2.0], ValueError, "1 NaN or infinite value(s), the first at index 1: nan"),
        ([[1.0, 2.0], [np.inf, 0.0]], ValueError, "the first at index (1, 0): inf"),
        ([[1, 2], [3]], ValueError, "y_train is ragged"),
        (["cat", 1], TypeError, "mixed types: ['int', 'str']"),
        ([None, 1.0], TypeError, "mixed types: ['NoneType', 'float']"),
        (["cat", "dog"], TypeError, "y_train holds strings"),
        ("cat", TypeError, "got a string: 'cat'"),
        (np.zeros((2, 2, 2)), ValueError, "must be 1-D or 2-D, got shape (2, 2, 2)"),
        (3.0, ValueError, "got a scalar: 3.0"),
        ([1 + 2j], TypeError, "complex dtype complex128"),
    ],
)
def test_bad_targets(y, error, message):
    with pytest.raises(error, match=re.escape(message)):
        recommend(y)


@pytest.mark.parametrize(
    "n_classes, error, message",
    [
        (2.0, TypeError, "n_classes must be an int, got float: 2.0"),
        (True, TypeError, "n_classes must be an int, got bool"),
        (1, ValueError, "n_classes must be at least 2, got 1"),
    ],
)
def test_bad_n_classes(n_classes, error, message):
    with pytest.raises(error, match=re.escape(message)):
        recommend([0, 1], n_classes=n_classes)


def test_label_above_n_classes():
    with pytest.raises(ValueError, match=re.escape("label 3, but labels must be below n_classes=3")):
        recommend([0, 1, 3], n_classes=3)


def test_pm1_with_more_classes():
    with pytest.raises(ValueError, match=re.escape("not n_classes=3")):
        recommend([-1, 1], n_classes=3)
