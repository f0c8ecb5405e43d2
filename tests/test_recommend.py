"""Tests for lossguide.recommend: every rule of issue 13 item 1, the edge cases and clear errors.

Each case of the issue has its own test with the exact loss, activation, encoding and metric;
``test_every_recommended_metric_compiles_in_keras`` trains nothing but compiles and evaluates
every recommendation in Keras 3.15 on the targets ``Recommendation.encode`` produced.
"""

import dataclasses
import re
import types
import warnings

import numpy as np
import pytest

from lossguide import registry
from lossguide.recommend import (
    IMBALANCE_RATIO,
    MAX_CLASSES,
    TASKS,
    AmbiguousTargetWarning,
    Recommendation,
    recommend,
)

RNG = np.random.default_rng(12345)
PR_AUC = "keras.metrics.AUC(curve='PR', name='pr_auc')"
PR_AUC_LABELS = "keras.metrics.AUC(curve='PR', multi_label=True, name='pr_auc')"
MACRO_F1 = "keras.metrics.F1Score(average='macro', name='macro_f1')"


LEVEL_MAE = ("keras.metrics.MeanMetricWrapper(lossguide.keras_losses.level_absolute_error, "
             "name='level_mae')")


def quiet(y, **options):
    """recommend() with warnings recorded: (recommendation, [warnings])."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec = recommend(y, **options)
    return rec, caught


def ambiguous(y, **options):
    """recommend() on targets that must warn AmbiguousTargetWarning naming task=."""
    with pytest.warns(AmbiguousTargetWarning, match=r"Pass task= to choose") as caught:
        rec = recommend(y, **options)
    assert rec.ambiguous and len(rec.candidates) >= 2
    assert all(f"task={c.task!r}" in str(caught[0].message) for c in rec.candidates)
    return rec


def unambiguous(y, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning at all
        rec = recommend(y, **options)
    assert not rec.ambiguous and rec.candidates == ()
    return rec


def fields(rec):
    return rec.task, rec.loss, rec.activation, rec.encoding, rec.metric


BALANCED_0_99 = RNG.permutation(np.arange(5000) % 100)
BALANCED_1_10 = RNG.permutation(np.arange(1000) % 10) + 1
RATINGS = RNG.permutation(np.repeat([1, 2, 3, 4, 5], [30, 45, 90, 180, 155]))


# --- issue 13 item 1: one test per case ---------------------------------------------------------

def test_cifar100_style_labels_are_classes_not_counts():
    rec = ambiguous(BALANCED_0_99)
    assert fields(rec) == ("multiclass", "sparse_categorical_crossentropy", "softmax",
                           "integer labels 0..99, shape (n,); the output layer has 100 units",
                           "sparse_categorical_accuracy")
    assert rec.units == 100
    assert [c.task for c in rec.candidates] == ["multiclass", "counts"]
    assert "about equally frequent" in rec.notes[0]


def test_one_based_labels_get_sparse_cce_with_subtract_one():
    rec = ambiguous(BALANCED_1_10)
    assert fields(rec) == ("multiclass", "sparse_categorical_crossentropy", "softmax",
                           ("subtract 1 (y - 1): labels 1..10 become 0..9, shape (n,); the output layer "
                           "has 10 units"), "sparse_categorical_accuracy")
    assert [c.task for c in rec.candidates] == ["multiclass", "ordinal", "counts"]
    np.testing.assert_array_equal(rec.encode([1, 10, 4]), [0, 9, 3])


def test_binary_coded_1_2_gets_binary_crossentropy():
    rec = unambiguous(RNG.integers(1, 3, size=200))
    assert fields(rec) == ("binary", "binary_crossentropy", "sigmoid",
                           "map 1/2 to 0/1 by subtracting 1 (y - 1); shape (n, 1): one sigmoid unit",
                           "binary_accuracy")
    np.testing.assert_array_equal(rec.encode([1, 2, 2]), [[0.0], [1.0], [1.0]])


def test_pm1_labels_get_binary_crossentropy_and_hinge_only_with_a_linear_output():
    rec = unambiguous(2 * RNG.integers(0, 2, size=200) - 1)
    assert fields(rec) == ("binary", "binary_crossentropy", "sigmoid",
                           "map -1/+1 to 0/1 with (y + 1) / 2; shape (n, 1): one sigmoid unit",
                           "binary_accuracy")
    assert "hinge" in rec.alternatives and rec.metric != "sign_accuracy"
    hinge_note = next(note for note in rec.notes if note.startswith("hinge"))
    assert "linear output" in hinge_note and "tanh output keeps y·f(x) < 1" in hinge_note
    assert "lg.metrics.sign_accuracy" in hinge_note
    np.testing.assert_array_equal(rec.encode([-1, 1]), [[0.0], [1.0]])


def test_label_coding_never_changes_the_loss():
    codings = {"0/1": [0, 1], "bool": [False, True], "-1/+1": [-1, 1], "1/2": [1, 2], "3/7": [3, 7]}
    for name, (a, b) in codings.items():
        rec = unambiguous(np.array([a, b, b, a, b]))
        assert (rec.task, rec.loss, rec.activation, rec.metric) == (
            "binary", "binary_crossentropy", "sigmoid", "binary_accuracy"), name
        np.testing.assert_array_equal(rec.encode(np.array([a, b])), [[0.0], [1.0]])
    assert unambiguous([3, 7, 7]).encoding.startswith("map 3/7 to 0/1 with (y == 7)")
    assert unambiguous([True, False]).encoding.startswith("booleans as 0/1 floats")


def test_class_missing_from_training_with_n_classes():
    y = np.array([v for v in np.arange(1000) % 10 if v != 7])
    rec = unambiguous(y, n_classes=10)
    assert fields(rec) == ("multiclass", "sparse_categorical_crossentropy", "softmax",
                           "integer labels 0..9, shape (n,); the output layer has 10 units",
                           "sparse_categorical_accuracy")
    assert "1 of the 10 classes never occurs in y_train (7)" in rec.notes[0]
    # Without n_classes the gap leaves the reading open, classes first.
    open_reading = ambiguous(y)
    assert open_reading.task == "multiclass" and open_reading.units == 10


def test_ratings_are_ambiguous_and_read_as_ordinal():
    rec = ambiguous(RATINGS)
    assert fields(rec) == (
        "ordinal", "binary_crossentropy", "sigmoid",
        ("4 cumulative 0/1 columns [y > k] for k = 1..4: (y[:, None] > np.arange(1, 5)).astype(float), "
        "shape (n, 4); the predicted level is 1 + the number of outputs above 0.5"), LEVEL_MAE)
    assert [c.task for c in rec.candidates] == ["ordinal", "multiclass", "counts"]
    assert "reads like a rating" in rec.notes[0]
    np.testing.assert_array_equal(rec.encode([1, 3, 5]), [[0, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 1]])
    # The candidates are full recommendations for each reading.
    multiclass = rec.candidates[1]
    assert multiclass.encoding.startswith("subtract 1 (y - 1): labels 1..5 become 0..4")
    assert rec.candidates[2].loss == "poisson"


def test_integer_prices_are_a_skewed_regression_not_counts():
    prices = np.round(RNG.lognormal(10.0, 1.0, size=500))
    rec = ambiguous(prices)
    assert fields(rec) == ("regression", "poisson", "exponential",
                           ("non-negative floats, shape (n, 1), unscaled or divided by a constant (no "
                           "centring: the output is positive)"), "mse")
    assert [c.task for c in rec.candidates] == ["regression", "counts"]
    assert "0 never occurs and variance/mean" in rec.notes[0]


def test_ages_are_a_regression_with_mse():
    ages = RNG.integers(18, 91, size=500)
    rec = ambiguous(ages)
    assert fields(rec) == ("regression", "mean_squared_error", "linear",
                           "floats, shape (n, 1); standardize with the training mean and sd", "mse")
    assert [c.task for c in rec.candidates] == ["regression", "counts"]


def test_small_counts_are_ambiguous_and_read_as_counts():
    rec = ambiguous(np.random.default_rng(1).poisson(3.0, size=200))
    assert fields(rec) == ("counts", "poisson", "exponential",
                           "non-negative whole numbers as floats, shape (n, 1), unscaled", "mse")
    assert [c.task for c in rec.candidates] == ["counts", "multiclass", "ordinal"]
    assert "rise to one peak" in rec.notes[0]


def test_small_counts_read_as_counts_in_most_samples():
    # The old rule read 78 % of such samples as classes (chapter choosing_a_loss).
    tasks = [quiet(np.random.default_rng(seed).poisson(3.0, size=200))[0].task for seed in range(200)]
    assert tasks.count("counts") >= 190


def test_balanced_labels_read_as_classes_in_most_samples():
    tasks = [quiet(np.random.default_rng(seed).integers(0, 10, size=500))[0].task for seed in range(200)]
    assert tasks.count("multiclass") >= 190  # the equal-sizes test rejects at 1 %


def test_counts_get_poisson_with_the_registrys_exponential_output():
    rec = ambiguous(RNG.poisson(40.0, size=300))
    assert fields(rec) == ("counts", "poisson", "exponential",
                           "non-negative whole numbers as floats, shape (n, 1), unscaled", "mse")
    assert rec.activation == registry.get("poisson").activation == "exponential"
    assert any(note.startswith("A softplus output is the alternative") for note in rec.notes)
    assert "close to a Poisson count's 1" in rec.notes[0]


def test_overdispersed_counts_say_so():
    rec = quiet(RNG.negative_binomial(1, 0.1, size=400), task="counts")[0]
    assert any(note.startswith("Overdispersed: variance/mean") for note in rec.notes)


def test_multilabel_never_gets_binary_accuracy():
    y = (RNG.random((300, 3)) < [0.5, 0.2, 0.05]).astype(float)
    rec = unambiguous(y)
    assert fields(rec) == ("multilabel", "binary_crossentropy", "sigmoid",
                           "0/1 labels, shape (n, 3): one sigmoid unit per label", PR_AUC_LABELS)
    assert rec.units == 3
    text = " ".join(rec.notes)
    assert "predicts no label at all scores" in text and "class_weight does not apply" in text
    assert "pos_weight" in text and "binary_focal_crossentropy" in text


def test_rare_positives_get_pr_auc_and_the_remedies():
    y = np.zeros(2000, dtype=int)
    y[:20] = 1  # 1 % positives
    rec = unambiguous(RNG.permutation(y))
    assert fields(rec) == ("binary", "binary_crossentropy", "sigmoid",
                           "0/1 floats; shape (n, 1): one sigmoid unit", PR_AUC)
    imbalance, remedies = rec.notes[:2]
    assert imbalance.startswith("Imbalanced: class 1 is 1.0% of the rows (below 20 %)")
    assert "scores accuracy 0.990" in imbalance and "lg.metrics.average_precision" in imbalance
    assert "class_weight={0: 0.505, 1: 50}" in remedies
    assert "pos_weight=99" in remedies and "binary_focal_crossentropy" in remedies


def test_rare_negatives_say_which_class_pr_auc_scores():
    y = np.ones(500)
    y[:20] = 0
    rec = unambiguous(y)
    assert rec.metric == PR_AUC and "code the rare class 0 as 1" in rec.notes[0]


def test_imbalance_threshold_is_a_minority_share_of_20_percent():
    assert IMBALANCE_RATIO == 0.25  # 0.2 / 0.8
    assert unambiguous(np.repeat([0, 1], [79, 21])).metric == "binary_accuracy"
    assert unambiguous(np.repeat([0, 1], [81, 19])).metric == PR_AUC


def test_imbalanced_multiclass_gets_macro_f1_on_one_hot_targets():
    y = np.repeat([0, 1, 2, 3], [400, 300, 50, 250])
    rec = unambiguous(y, n_classes=4)
    assert fields(rec) == (
        "multiclass", "categorical_crossentropy", "softmax",
        ("integer labels 0..3, then one-hot rows keras.utils.to_categorical(labels, 4), shape (n, 4), because "
        "keras.metrics.F1Score needs them (sparse_categorical_crossentropy on the integer labels is the same "
        "loss); the output layer has 4 units"), MACRO_F1)
    assert "sparse_categorical_crossentropy" in rec.alternatives
    assert rec.notes[0].startswith("Imbalanced: the rarest class, 2, has 5.0% of the rows")
    assert "class_weight={0: 0.625, 1: 0.833, 2: 5, 3: 1}" in rec.notes[1]
    np.testing.assert_array_equal(rec.encode([2, 0]), [[0, 0, 1, 0], [1, 0, 0, 0]])


def test_mean_regression_is_mse_and_says_what_the_array_cannot_show():
    rec = unambiguous(RNG.normal(3.0, 2.0, size=400))
    assert fields(rec) == ("regression", "mean_squared_error", "linear",
                           "floats, shape (n, 1); standardize with the training mean and sd", "mse")
    assert rec.notes[0].startswith("The array shows the distribution of y, not of the residuals")
    assert any("Censored values" in note for note in rec.notes)
    assert "outliers" not in rec.reason


def test_heavy_tails_are_a_note_not_a_verdict():
    dirty = RNG.normal(size=1000)
    dirty[:30] = 50.0  # 3 % gross errors
    rec = unambiguous(dirty)
    assert rec.loss == "mean_squared_error" and rec.alternatives[0] == "huber"
    assert "y has heavy tails: 3.0 % of the values" in rec.notes[1] and "the residuals tell" in rec.notes[1]
    assert not any("heavy tails:" in note for note in unambiguous(RNG.normal(size=2000)).notes)


def test_quantile_gets_pinball_with_its_option():
    rec = unambiguous(RNG.normal(size=100), quantile=0.9)
    assert fields(rec) == (
        "regression", "pinball", "linear",
        "floats, shape (n, 1); standardize with the training mean and sd (quantiles move with them)",
        "keras.metrics.MeanMetricWrapper(lossguide.keras_losses.get('pinball'), name='pinball', quantile=0.9)")
    assert dict(rec.loss_options) == {"quantile": 0.9}
    assert "0.9-quantile" in rec.reason and "max(τe, (τ - 1)e)" in rec.reason
    assert rec.notes[0].startswith("Check coverage")


def test_quantile_one_half_is_the_median_with_mae():
    rec = unambiguous(RNG.normal(size=100), quantile=0.5)
    assert fields(rec)[:3] == ("regression", "mean_absolute_error", "linear") and rec.metric == "mae"
    assert "pinball" in rec.alternatives and "median" in rec.reason


def test_quantile_decides_the_task_even_for_whole_numbers():
    rec = unambiguous([0, 1, 2, 5, 3], quantile=0.1)
    assert rec.task == "regression" and rec.loss == "pinball"


def test_fractions_get_sigmoid_and_binary_crossentropy():
    rec = unambiguous(RNG.beta(2.0, 5.0, size=300))
    assert fields(rec) == ("regression", "binary_crossentropy", "sigmoid",
                           ("fractions in [0, 1] as floats, shape (n, 1), not rescaled: they are the soft "
                           "targets"), "mse")
    assert "estimates their mean" in rec.reason
    soft = unambiguous(np.array([[0.2, 0.9], [0.6, 0.1], [0.0, 0.3]]))
    assert (soft.task, soft.loss, soft.units) == ("regression", "binary_crossentropy", 2)


def test_positive_skewed_says_what_each_choice_estimates():
    rec = unambiguous(RNG.lognormal(0.0, 1.0, size=400))
    assert fields(rec) == ("regression", "poisson", "exponential",
                           ("non-negative floats, shape (n, 1), unscaled or divided by a constant (no "
                           "centring: the output is positive)"), "mse")
    assert rec.alternatives == ("mean_squared_error", "mean_squared_logarithmic_error", "mean_absolute_error")
    estimates = rec.notes[0]
    assert estimates.startswith("This row is a heuristic: skewness > 1 with values near 0")
    assert "two estimators of the same mean" in estimates
    for phrase in ("poisson (exponential output), the mean", "mean_squared_error, the mean",
                   "exp(E[log(1 + y) | x]) - 1", "geometric mean exp(E[log y | x])",
                   "mean_absolute_error, the median", "Gamma deviance"):
        assert phrase in estimates
    with_zeros = unambiguous(np.concatenate([[0.0], RNG.lognormal(size=200)]))
    assert "MSE on log(y) is undefined here" in with_zeros.notes[0]


def test_one_hot_rows_are_multiclass_and_say_multilabel_cannot_be_seen():
    rec = unambiguous(np.eye(3)[np.arange(30) % 3])
    assert fields(rec) == ("multiclass", "categorical_crossentropy", "softmax",
                           "one-hot rows, shape (n, 3); or argmax labels with sparse_categorical_crossentropy",
                           "categorical_accuracy")
    assert any("pass task='multilabel'" in note for note in rec.notes)


def test_two_column_one_hot_is_binary():
    y = np.eye(2)[RNG.integers(0, 2, size=50)]
    rec = unambiguous(y)
    assert fields(rec)[:3] == ("binary", "binary_crossentropy", "sigmoid") and rec.units == 1
    np.testing.assert_array_equal(rec.encode(y), y[:, 1:])


def test_distributions():
    rec = unambiguous(RNG.dirichlet(np.ones(3), size=40))
    assert fields(rec) == ("distribution", "categorical_crossentropy", "softmax",
                           "probability rows summing to 1, shape (n, 3)", "kl_divergence")
    rows = np.array([[0.1, 0.2, 0.7 + 1e-9], [1 / 3, 1 / 3, 1 / 3]])
    assert unambiguous(rows).task == "distribution"


def test_negative_whole_numbers():
    rec = unambiguous([-3, 0, 2, 5, -1, 4])
    assert rec.task == "regression" and "including negatives" in rec.reason
    short = ambiguous(np.repeat([-1, 0, 1], 30))
    assert short.task == "multiclass" and short.encoding.startswith("add 1 (y + 1): labels -1..1 become 0..2")
    assert [c.task for c in short.candidates] == ["multiclass", "regression", "ordinal"]


def test_constant_targets():
    assert unambiguous(np.full(10, 2.5)).task == "regression"
    assert unambiguous([5, 5, 5]).task == "regression"


# --- n_classes and task win ---------------------------------------------------------------------

def test_n_classes_wins_over_the_values():
    assert unambiguous([0, 1, 1], n_classes=3).task == "multiclass"
    assert unambiguous([0, 1, 1], n_classes=2).task == "binary"
    rec = unambiguous([0, 2, 5, 5, 2], n_classes=6)
    assert rec.units == 6 and "3 of the 6 classes never occur in y_train (1, 3, 4)" in rec.notes[0]
    assert unambiguous(np.random.default_rng(1).poisson(3.0, size=200), n_classes=12).task == "multiclass"
    one_based = unambiguous(np.arange(1, 11), n_classes=10)
    assert one_based.encoding.startswith("subtract 1 (y - 1)")


def test_labels_from_one_below_n_classes_are_read_from_zero_with_a_note():
    rec = unambiguous(np.arange(1, 10), n_classes=10)
    assert rec.encoding.startswith("integer labels 0..9")
    assert any("if the labels are numbered from 1, the missing class is 10" in note for note in rec.notes)


@pytest.mark.parametrize("y, n_classes, label", [
    ([0, 1, 3], 3, "3"), ([-1, 1], 3, "-1"), ([0, 1, 12], 10, "12"),
])
def test_labels_that_cannot_be_classes_of_n_classes(y, n_classes, label):
    message = (f"y_train has label {label}, which cannot be a class of n_classes={n_classes}: labels must "
               f"be 0..{n_classes - 1} (or 1..{n_classes}, numbered from 1)")
    with pytest.raises(ValueError, match=re.escape(message)):
        recommend(y, n_classes=n_classes)


@pytest.mark.parametrize("task", TASKS)
def test_task_settles_the_reading_without_a_warning(task):
    y = {"multilabel": (RNG.random((40, 3)) < 0.5).astype(float),
         "distribution": RNG.dirichlet(np.ones(3), size=40),
         "binary": RNG.integers(0, 2, size=40)}.get(task, RATINGS)
    rec = unambiguous(y, task=task)
    assert rec.task == task


def test_task_multiclass_on_arbitrary_labels_re_encodes_them():
    rec = unambiguous([3, 5, 7, 5, 3], task="multiclass")
    assert rec.encoding.startswith("re-encode the 3 labels [3, 5, 7] as 0..2")
    np.testing.assert_array_equal(rec.encode([7, 3]), [2, 0])
    with pytest.raises(ValueError, match=re.escape("y holds 4 at index 0, which is not one of the training "
                                                   "labels [3, 5, 7]")):
        rec.encode([4])


def test_ordinal_with_n_classes_counts_absent_levels():
    rec = unambiguous([3, 5, 7, 5, 3], task="ordinal", n_classes=8)
    assert rec.units == 7 and "Levels [0, 1, 2, 4, 6] never occur in y_train." in rec.notes


def test_task_regression_on_labels_and_counts_on_small_whole_numbers():
    assert unambiguous([0, 1, 1], task="regression").loss == "mean_squared_error"
    assert unambiguous(BALANCED_1_10, task="counts").loss == "poisson"


@pytest.mark.parametrize("y, options, message", [
    ([1, 5, 2], {"task": "binary"}, "task='binary' needs two distinct values, y_train has 3: [1, 2, 5]"),
    ([0, 1], {"task": "binary", "n_classes": 3}, "task='binary' has 2 classes, not n_classes=3"),
    ([0.2, 0.3], {"task": "counts"}, "task='counts' needs non-negative whole numbers, y_train holds 0.2 at index 0"),
    ([-1, 2], {"task": "counts"}, "y_train holds -1 at index 0"),
    ([0.5, 1.0], {"task": "multiclass"}, "task='multiclass' needs whole-number labels, y_train holds 0.5 at index 0"),
    ([[0, 1], [1, 1]], {"task": "multiclass"}, "has rows without exactly one 1"),
    ([0, 1, 1], {"task": "multilabel"}, "task='multilabel' needs one column per label, shape (n, L)"),
    ([[0, 2], [1, 0]], {"task": "multilabel"}, "needs labels in [0, 1], y_train holds 2 at index (0, 1)"),
    ([0.2, 0.8], {"task": "distribution"}, "task='distribution' needs non-negative rows summing to 1"),
    ([[0, 1], [1, 0]], {"task": "ordinal"}, "task='ordinal' needs one label per row"),
    ([2, 2], {"task": "ordinal"}, "task='ordinal' needs at least two levels, y_train holds only 2"),
    ([0.5, 1.5], {"n_classes": 3}, "n_classes=3 is given, but y_train holds 0.5 at index 0, not a class label"),
    ([0, 1], {"task": "regression", "n_classes": 2}, "n_classes=2 applies to class labels"),
    ([0, 1], {"task": "binary", "quantile": 0.5}, "quantile=0.5 asks for a regression, not task='binary'"),
    ([0, 1], {"n_classes": 2, "quantile": 0.5}, "quantile=0.5 asks for a regression; n_classes=2"),
    ([[0.5, 2.0], [1.0, 3.0]], {"n_classes": 2}, "n_classes=2 applies to one-hot or 0/1 rows"),
    ([1e308, 0.0, 3.0], {"task": "multiclass"}, "y_train has labels from 0 to 1e+308, too far apart"),
])
def test_targets_that_do_not_fit_the_task(y, options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        recommend(y, **options)


# --- the ambiguity protocol ---------------------------------------------------------------------

def test_ambiguous_top_level_is_the_first_candidate():
    rec = ambiguous(RATINGS)
    first = rec.candidates[0]
    assert dataclasses.replace(rec, ambiguous=False, candidates=(), notes=first.notes) == first
    assert rec.notes[0].startswith("Ambiguous: whole numbers [1, 2, 3, 4, 5] can be ordered levels "
                                   "(task='ordinal'), class labels (task='multiclass'), counts (task='counts')")
    assert all(not c.ambiguous and c.candidates == () for c in rec.candidates)


def test_ambiguity_warning_points_at_the_caller():
    with pytest.warns(AmbiguousTargetWarning) as caught:
        recommend(RATINGS)
    assert caught[0].filename == __file__
    assert issubclass(AmbiguousTargetWarning, UserWarning)


def test_single_class_warns_and_notes():
    with pytest.warns(UserWarning, match=r"single class \(1\)"):
        rec = recommend([1, 1, 1])
    assert rec.task == "binary" and "Only the class 1 is present" in rec.notes[0]
    with pytest.warns(UserWarning, match=r"single class \(2\)"):
        rec = recommend(np.eye(3)[[2, 2, 2]])
    assert rec.task == "multiclass"


# --- metrics Keras can compile ------------------------------------------------------------------

CASES = {
    "cifar100": (BALANCED_0_99[:600], {}),
    "one-based": (BALANCED_1_10, {}),
    "binary 1/2": (RNG.integers(1, 3, size=60), {}),
    "binary -1/+1": (2 * RNG.integers(0, 2, size=60) - 1, {}),
    "rare positives": (np.repeat([0, 1], [95, 5]), {}),
    "missing class": (np.arange(60) % 9, {"n_classes": 10}),
    "imbalanced classes": (np.repeat([0, 1, 2], [50, 40, 5]), {"n_classes": 3}),
    "ratings": (RATINGS, {}),
    "counts": (RNG.poisson(3.0, size=80), {}),
    "prices": (np.round(RNG.lognormal(10.0, 1.0, size=80)), {}),
    "gaussian": (RNG.normal(size=80), {}),
    "fractions": (RNG.uniform(size=80), {}),
    "quantile 0.5": (RNG.normal(size=80), {"quantile": 0.5}),
    "quantile 0.9": (RNG.normal(size=80), {"quantile": 0.9}),
    "one-hot": (np.eye(4)[RNG.integers(0, 4, size=80)], {}),
    "imbalanced one-hot": (np.eye(3)[np.repeat([0, 1, 2], [40, 40, 4])], {}),
    "multilabel": ((RNG.random((80, 3)) < 0.3).astype(float), {}),
    "soft multilabel": (RNG.uniform(size=(80, 3)), {"task": "multilabel"}),
    "distribution": (RNG.dirichlet(np.ones(4), size=80), {}),
    "2-column one-hot": (np.eye(2)[RNG.integers(0, 2, size=80)], {}),
    "multi-output counts": (RNG.poisson(5.0, size=(80, 2)), {}),
}


def every_recommendation():
    for name, (y, options) in CASES.items():
        rec = quiet(y, **options)[0]
        for candidate in rec.candidates or (rec,):
            yield name, y, candidate


def test_metric_is_never_plain_accuracy_nor_binary_accuracy_where_it_misleads():
    for name, y, rec in every_recommendation():
        assert rec.metric not in ("accuracy", "sign_accuracy"), name
        if rec.task == "multilabel" or any("Imbalanced" in note for note in rec.notes):
            assert "accuracy" not in rec.metric, name


def test_every_recommended_metric_compiles_in_keras(keras):
    try:
        from lossguide import keras_losses
        has_pinball = "pinball" in keras_losses.NAMES
    except ImportError:
        has_pinball = False
    assert keras.__version__ == "3.15.1"
    seen = set()
    for name, y, rec in every_recommendation():
        if rec.loss == "pinball" and not has_pinball:
            assert rec.loss_options == {"quantile": 0.9}
            continue
        targets = rec.encode(y)
        assert targets.shape[0] == len(y) and np.all(np.isfinite(targets))
        x = np.random.default_rng(0).normal(size=(len(y), 2))
        model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(rec.units, activation=rec.activation)])
        model.compile(optimizer="sgd", loss=rec.keras_loss(), metrics=[rec.keras_metric()])
        scores = model.evaluate(x, targets, verbose=0, return_dict=True)
        assert all(np.all(np.isfinite(value)) for value in scores.values()), (name, rec.task, scores)
        seen.add(rec.metric)
    assert {PR_AUC, PR_AUC_LABELS, MACRO_F1, "binary_accuracy", "sparse_categorical_accuracy",
            "categorical_accuracy", "mse", "mae", "kl_divergence"} <= seen


def test_keras_metric_builds_the_expression(keras):
    metric = recommend(np.repeat([0, 1], [95, 5])).keras_metric()
    assert isinstance(metric, keras.metrics.AUC) and metric.curve.name == "PR" and metric.name == "pr_auc"
    labels = recommend((RNG.random((30, 3)) < 0.5).astype(float)).keras_metric()
    assert labels.multi_label
    f1 = recommend(np.eye(3)[np.repeat([0, 1, 2], [40, 40, 4])]).keras_metric()
    assert isinstance(f1, keras.metrics.F1Score) and f1.average == "macro"
    rec = dataclasses.replace(recommend([0, 1]), metric="__import__('os').system('true')")
    with pytest.raises(ValueError, match="only keras.metrics classes can be built"):
        rec.keras_metric()


def test_pinball_loss_and_metric_match_the_numpy_twin(keras):
    keras_losses = pytest.importorskip("lossguide.keras_losses")
    if "pinball" not in keras_losses.NAMES:
        pytest.skip("lossguide.keras_losses has no pinball yet")
    from lossguide import losses

    rec = recommend(RNG.normal(size=20), quantile=0.9)
    y_true, y_pred = RNG.normal(size=(6, 1)), RNG.normal(size=(6, 1))
    expected = losses.pinball(y_true, y_pred, quantile=0.9)
    np.testing.assert_allclose(np.asarray(rec.keras_loss()(y_true, y_pred)), expected, rtol=1e-6)
    metric = rec.keras_metric()
    metric.update_state(y_true, y_pred)
    np.testing.assert_allclose(float(metric.result()), expected.mean(), rtol=1e-6)


# --- the record ---------------------------------------------------------------------------------

def test_record_is_frozen_and_tabular():
    rec = recommend([0, 1, 1])
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.loss = "mse"
    row = rec.as_dict()
    assert list(row) == [f.name for f in dataclasses.fields(Recommendation) if not f.name.startswith("_")]
    assert row["alternatives"] == ", ".join(rec.alternatives) and row["notes"] == " ".join(rec.notes)
    assert row["ambiguous"] is False and row["candidates"] == "" and row["loss_options"] == ""
    text = str(rec)
    assert "binary_crossentropy" in text and text.count("\n") == len(row) - 1
    assert rec._repr_html_().startswith("<table>") and "sigmoid" in rec._repr_html_()
    assert quiet(RATINGS)[0].as_dict()["candidates"] == "ordinal, multiclass, counts"
    assert hash(rec) == hash(recommend([0, 1, 1]))


def test_loss_options_are_read_only():
    rec = recommend(RNG.normal(size=10), quantile=0.25)
    assert isinstance(rec.loss_options, types.MappingProxyType)
    with pytest.raises(TypeError):
        rec.loss_options["quantile"] = 0.5
    options = {"quantile": 0.3}
    copy = dataclasses.replace(rec, loss_options=options)
    options["quantile"] = 0.9
    assert copy.loss_options["quantile"] == 0.3


def test_html_is_escaped():
    rec = dataclasses.replace(recommend([0, 1]), reason="a < b & c.")
    assert "a &lt; b &amp; c." in rec._repr_html_()


def test_every_reason_is_one_sentence():
    for name, y, rec in every_recommendation():
        assert rec.reason.endswith(".") and rec.reason.count(". ") == 0, (name, rec.reason)
        assert rec.task in TASKS and rec.loss not in rec.alternatives, name
        assert all(note.endswith(".") for note in rec.notes), name


def test_input_not_modified():
    for y in (RNG.normal(size=(30, 1)), RATINGS.copy(), np.eye(3)[[0, 1, 2, 2]]):
        before = y.copy()
        quiet(y)
        np.testing.assert_array_equal(y, before)


def test_column_vector_same_as_flat():
    y = np.arange(12) % 3
    assert quiet(y[:, None])[0] == quiet(y)[0]
    z = RNG.normal(size=50)
    assert recommend(z[:, None]) == recommend(z)


def test_encode_checks_test_labels():
    rec = recommend([-1, 1, 1])
    with pytest.raises(ValueError, match=re.escape("y holds 0 at index 1, which is not one of the training "
                                                   "codes -1/1")):
        rec.encode([1, 0])
    classes = recommend(BALANCED_1_10, task="multiclass")
    with pytest.raises(ValueError, match=re.escape("y holds 11 at index 0, outside the labels 1..10")):
        classes.encode([11])
    with pytest.raises(ValueError, match=re.escape("y holds 1.5 at index 0, which is not a whole-number label")):
        classes.encode([1.5])
    regression = recommend(RNG.normal(size=10))
    assert regression.encode([1.0, 2.0]).shape == (2, 1)


def test_extreme_values_stay_finite_and_quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert recommend([1e308, -1e308, 0.0, 5.0]).loss == "mean_squared_error"
        assert quiet([1e300, 3e300, 2e300, 7e299])[0].task == "regression"
        assert quiet([1e308, 1e307, 0.0, 5.0])[0].task == "counts"
        assert recommend([1e-300, 2e-300, 5e-301]).task == "regression"


def test_max_classes_bounds_the_label_reading():
    labels = np.arange(MAX_CLASSES)
    assert ambiguous(np.repeat(labels, 3)).task == "multiclass"
    # Beyond MAX_CLASSES, unequal frequencies are no longer read as possible classes.
    skewed = np.repeat(np.arange(MAX_CLASSES + 5), np.arange(MAX_CLASSES + 5, 0, -1))
    assert [c.task for c in ambiguous(skewed).candidates] == ["counts", "regression"]


# --- errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "y, error, message",
    [
        ([], ValueError, "y_train is empty (shape (0,))"),
        (np.zeros((0, 3)), ValueError, "y_train is empty (shape (0, 3))"),
        ([1.0, np.nan, 2.0], ValueError, "1 NaN or infinite value(s), the first at index 1: nan"),
        ([1.0, np.inf], ValueError, "1 NaN or infinite value(s), the first at index 1: inf"),
        ([[1.0, 2.0], [np.inf, 0.0]], ValueError, "the first at index (1, 0): inf"),
        ([[1, 2], [3]], ValueError, "y_train is ragged (rows of different lengths: row 0: 2 values, row 1: "
         "1 values); give a rectangular array"),
        (["cat", 1], TypeError, "mixed types: ['int', 'str']"),
        ([None, 1.0], TypeError, "mixed types: ['NoneType', 'float']"),
        (["cat", "dog"], TypeError, "y_train holds strings"),
        ("cat", TypeError, "got a string: 'cat'"),
        (np.zeros((2, 2, 2)), ValueError, "must be 1-D or 2-D, got shape (2, 2, 2)"),
        (3.0, ValueError, "got a scalar: 3.0"),
        ([1 + 2j], TypeError, "complex dtype complex128"),
        ([10**400, 1], ValueError, "y_train holds an integer too large for float64 at index 0: 401 digits"),
        ([[1, 2], [3, 10**309]], ValueError, "too large for float64 at index (1, 1): 310 digits"),
    ],
)
def test_bad_targets(y, error, message):
    with pytest.raises(error, match=re.escape(message)):
        recommend(y)


def test_python_ints_that_fit_float64_are_fine():
    assert recommend([10**20, 3 * 10**20, 10**21], task="regression").loss == "mean_squared_error"


@pytest.mark.parametrize("task", ["classification", "binary-01", "", 3, None.__class__])
def test_unknown_task_lists_the_seven(task):
    message = ("task must be one of 'regression', 'counts', 'binary', 'multiclass', 'multilabel', "
               f"'distribution', 'ordinal', got {task!r}")
    with pytest.raises(ValueError, match=re.escape(message)):
        recommend([0, 1], task=task)


@pytest.mark.parametrize("quantile, error, message", [
    (0.0, ValueError, "quantile must be in (0, 1), got 0.0"),
    (1, ValueError, "quantile must be in (0, 1), got 1"),
    (1.5, ValueError, "quantile must be in (0, 1), got 1.5"),
    (-0.1, ValueError, "quantile must be in (0, 1), got -0.1"),
    (float("nan"), ValueError, "quantile must be in (0, 1), got nan"),
    (True, TypeError, "quantile must be a number in (0, 1), got bool: True"),
    ("0.9", TypeError, "quantile must be a number in (0, 1), got str: '0.9'"),
])
def test_bad_quantile(quantile, error, message):
    with pytest.raises(error, match=re.escape(message)):
        recommend([0.1, 0.2], quantile=quantile)


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


def test_n_classes_must_match_columns():
    with pytest.raises(ValueError, match=re.escape("has 3 columns (shape (30, 3)) but n_classes=4")):
        recommend(np.eye(3)[np.arange(30) % 3], n_classes=4)


def test_multiclass_notes_name_label_noise_and_a_robust_loss():
    # The array cannot reveal wrong labels; the note points to GCE (issue 17 item 3),
    # and does not offer label smoothing as a remedy (the label-noise chapter).
    advice = recommend(np.arange(300) % 10, task="multiclass")
    note = next(n for n in advice.notes if "Wrong labels" in n)
    assert "CategoricalGeneralizedCrossEntropy" in note
    assert "label smoothing does not" in note


def test_ragged_message_is_whole_and_names_the_rows():
    with pytest.raises(ValueError) as caught:
        recommend([[0, 1], [1]])
    assert str(caught.value) == ("y_train is ragged (rows of different lengths: row 0: 2 values, row 1: 1 "
                                 "values); give a rectangular array")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_skewed_values_far_from_zero_are_not_poisson():
    # 100 + Exp(1): skewness 2, but the values never come near 0 (variance 1, mean 101):
    # a shifted quantity, not one that varies by factors.
    y = 100.0 + np.random.default_rng(0).exponential(1.0, size=600)
    rec = recommend(y)
    assert (rec.loss, rec.activation) == ("mean_squared_error", "linear")
    # the same skewed shape starting at 0 is the positive, skewed row
    assert recommend(y - 100.0).loss == "poisson"
    assert recommend(np.random.default_rng(1).lognormal(0.0, 1.0, size=600)).loss == "poisson"


@pytest.mark.parametrize("k, n", [(100, 2000), (10, 200), (2, 30)])
def test_uniform_labels_are_not_flagged_imbalanced_by_sampling_noise(k, n):
    flagged = 0
    for seed in range(40):
        y = np.random.default_rng(seed).integers(0, k, size=n)
        y[:k] = np.arange(k)  # every class present
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rec = recommend(y, task="binary" if k == 2 else "multiclass")
        flagged += not any(note.startswith("Imbalanced") for note in rec.notes) is False
    assert flagged <= 2  # the chi-square test at 1 %: about 0.4 of 40 expected


def test_a_real_imbalance_is_still_flagged_with_the_noise_allowance():
    assert unambiguous(np.repeat([0, 1], [90, 10])).metric == PR_AUC
    y = np.repeat(np.arange(100), 20)
    y = np.concatenate([y, np.zeros(200, dtype=int)])  # class 0 has 220 rows, the others 20
    rec = recommend(y, task="multiclass")
    assert rec.metric == MACRO_F1


def test_ordinal_metric_is_the_level_mae_keras_compiles():
    import keras

    rec = unambiguous([1, 2, 3, 4, 5, 5, 4, 3], task="ordinal")
    assert rec.metric == ("keras.metrics.MeanMetricWrapper(lossguide.keras_losses.level_absolute_error, "
                          "name='level_mae')")
    metric = rec.keras_metric()
    assert isinstance(metric, keras.metrics.MeanMetricWrapper) and metric.name == "level_mae"
    y = rec.encode([1, 3, 5])                      # levels 0, 2, 4 of 0..4
    p = np.array([[0.9, 0.1, 0.1, 0.1],            # predicted level 1: error 1
                  [0.9, 0.8, 0.7, 0.2],            # 3: error 1
                  [0.9, 0.9, 0.9, 0.9]])           # 4: error 0
    metric.update_state(y, p)
    assert float(metric.result()) == pytest.approx(2 / 3)
    assert any("level_mae" in note for note in rec.notes)


def test_regression_notes_point_to_quantiles_and_a_learned_variance():
    # Issue 16 item 3: the recommender links to the chapter on predicting more than the mean.
    advice = recommend(np.random.default_rng(0).normal(size=200))
    note = next(n for n in advice.notes if "residuals" in n)
    assert "quantile=" in note and "gaussian_nll" in note
    assert "Predicting more than the mean" in note
