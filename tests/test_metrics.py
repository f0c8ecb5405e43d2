"""lossguide.metrics: one decision rule, checked against Keras's metrics and by hand."""

import dataclasses
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

from lossguide import experiments, losses, metrics

RNG = np.random.default_rng(11)
N = 200


def to_numpy(value):
    from keras import ops

    return np.asarray(ops.convert_to_numpy(value), dtype=np.float64)


def keras_mean(metric, y_true, y_pred):
    """What a Keras metric object reports after one update_state."""
    metric.update_state(y_true, y_pred)
    return float(metric.result())


# Random outputs for each rule, with exact ties mixed in (0.5, 0, equal scores).
PROBABILITIES = np.concatenate([RNG.uniform(size=(N - 3, 1)), [[0.5], [0.0], [1.0]]])
LABELS_01 = RNG.integers(0, 2, size=N).astype(np.float64)
LOGITS = np.concatenate([RNG.normal(scale=2, size=(N - 2, 1)), [[0.0], [0.5]]])
MARGINS = np.concatenate([RNG.uniform(-1, 1, size=(N - 1, 1)), [[0.0]]])
LABELS_PM1 = 2.0 * RNG.integers(0, 2, size=N) - 1.0
SCORES = np.concatenate([RNG.dirichlet(np.ones(3), size=N - 1), [[0.4, 0.4, 0.2]]])
LABELS_INT = RNG.integers(0, 3, size=N)
ONE_HOT = np.eye(3)[LABELS_INT]


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize("targets, from_logits, rule", [
    ("01", False, "threshold"), ("01", True, "logit"), ("pm1", False, "sign"),
    ("pm1", True, "sign"), ("int", False, "argmax"), ("onehot", False, "argmax"),
])
def test_decision_rule_follows_the_encoding(targets, from_logits, rule):
    assert metrics.decision_rule(targets, from_logits=from_logits) == rule


def test_decision_rule_rejects_regression_and_unknown_encodings():
    with pytest.raises(ValueError, match="targets 'real' are a regression target"):
        metrics.decision_rule("real")
    with pytest.raises(ValueError, match=re.escape("targets must be one of ['01', 'pm1', 'int', "
                                                   "'onehot'], got 'binary'")):
        metrics.decision_rule("binary")
    with pytest.raises(TypeError, match="from_logits must be True or False, got str: 'yes'"):
        metrics.decision_rule("01", from_logits="yes")


def test_predict_classes_by_hand_including_ties():
    # Strict comparisons, as Keras: exactly 0.5 (or 0) is the negative class.
    np.testing.assert_array_equal(metrics.predict_classes([[0.5], [0.51], [0.0]], "threshold"),
                                  [0, 1, 0])
    np.testing.assert_array_equal(metrics.predict_classes([[0.0], [1e-12], [-3.0]], "logit"),
                                  [0, 1, 0])
    np.testing.assert_array_equal(metrics.predict_classes([[0.0], [0.2], [-0.2]], "sign"),
                                  [-1, 1, -1])
    # argmax ties go to the lowest index
    np.testing.assert_array_equal(metrics.predict_classes([[0.4, 0.4, 0.2], [0, 1, 1]], "argmax"),
                                  [0, 1])
    classes = metrics.predict_classes(np.zeros((2, 5, 1)), "sign")
    assert classes.shape == (2, 5) and classes.dtype == np.int64
    # several binary outputs are decided element-wise
    np.testing.assert_array_equal(metrics.predict_classes([[0.2, 0.9]], "threshold"), [[0, 1]])


def test_threshold_and_logit_rules_agree_through_the_sigmoid():
    from scipy.special import expit

    np.testing.assert_array_equal(metrics.predict_classes(LOGITS[:-2], "logit"),
                                  metrics.predict_classes(expit(LOGITS[:-2]), "threshold"))


@pytest.mark.parametrize("call, error, message", [
    (lambda: metrics.predict_classes([[0.2]], "round"), ValueError,
     "rule must be one of ['threshold', 'logit', 'sign', 'argmax'], got 'round'"),
    (lambda: metrics.predict_classes([[0.2], [np.nan]], "sign"), ValueError,
     "y_pred contains NaN at index (1, 0)"),
    (lambda: metrics.predict_classes([[0.3], [1.7]], "threshold"), ValueError,
     ("y_pred must be probabilities in [0, 1] for rule 'threshold', got 1.7 at index (1, 0); "
     "for logits use rule='logit'")),
    (lambda: metrics.predict_classes([[0.3], [0.7]], "argmax"), ValueError,
     "rule 'argmax' needs at least 2 classes (columns) on the last axis of y_pred, got shape (2, 1)"),
    (lambda: metrics.predict_classes("0.5", "sign"), TypeError, "y_pred must be numeric"),
])
def test_predict_classes_names_bad_input(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_accuracy_by_hand():
    np.testing.assert_array_equal(
        metrics.accuracy([1, 0, 1, 0], [[0.8], [0.4], [0.3], [0.5]], rule="threshold"), [1, 1, 0, 1])
    np.testing.assert_array_equal(
        metrics.accuracy([1, 1, 0], [[0.3], [0.3], [0.3]], rule="logit"), [1, 1, 0])
    np.testing.assert_array_equal(
        metrics.accuracy([-1, 1, 1], [[-0.9], [0.2], [0.0]], rule="sign"), [1, 1, 0])
    # integer labels and one-hot rows give the same argmax accuracy
    np.testing.assert_array_equal(metrics.accuracy(LABELS_INT, SCORES, rule="argmax"),
                                  metrics.accuracy(ONE_HOT, SCORES, rule="argmax"))
    # per sample: two binary outputs, one right, score one half
    np.testing.assert_array_equal(metrics.accuracy([[1, 0]], [[0.9, 0.8]], rule="threshold"), [0.5])


def test_accuracy_rejects_labels_of_another_encoding():
    # The trap behind Keras 3's hinge accuracies, caught instead of computed.
    with pytest.raises(ValueError, match=re.escape(
            "y_true must hold labels in {0, 1} for rule 'threshold', got -1 at index (0, 0)")):
        metrics.accuracy([-1, 1], [[0.2], [0.9]], rule="threshold")
    with pytest.raises(ValueError, match=re.escape(
            "y_true must hold labels in {-1, 1} for rule 'sign', got 0 at index (0, 0)")):
        metrics.accuracy([0, 1], [[0.2], [0.9]], rule="sign")
    with pytest.raises(ValueError, match=re.escape("got 3 at index (1,)")):
        metrics.accuracy([0, 3], [[0.2, 0.8], [0.9, 0.1]], rule="argmax")
    with pytest.raises(ValueError, match=re.escape(
            "y_true and y_pred must have the same shape, got y_true (3, 1) and y_pred (2, 1)")):
        metrics.accuracy([[1], [0], [1]], [[0.2], [0.9]], rule="threshold")


# --------------------------------------------------------------------------- against Keras


def test_binary_accuracy_equals_keras_including_the_pm1_trap():
    import keras

    for y_true, y_pred in [(LABELS_01, PROBABILITIES), (LABELS_PM1, MARGINS)]:
        theirs = to_numpy(keras.metrics.binary_accuracy(y_true[:, None], y_pred)).mean(axis=-1)
        np.testing.assert_array_equal(metrics.binary_accuracy(y_true, y_pred), theirs)
    # hand value (from the Keras docstring): 0.75
    assert metrics.binary_accuracy([1, 1, 0, 0], [[0.98], [1], [0], [0.6]]).mean() == 0.75
    # every correct -1 counts as wrong
    assert metrics.binary_accuracy([[-1.0], [1.0]], [[-0.9], [0.9]]).tolist() == [0.0, 1.0]
    # several columns: the mean over them, which BinaryAccuracy reports over all elements
    y, p = RNG.integers(0, 2, size=(N, 4)), RNG.uniform(size=(N, 4))
    assert metrics.binary_accuracy(y, p).mean() == pytest.approx(
        keras_mean(keras.metrics.BinaryAccuracy(), y, p), abs=1e-7)


def test_logit_accuracy_agrees_with_keras_binary_accuracy_at_threshold_zero():
    import keras

    expected = keras_mean(keras.metrics.BinaryAccuracy(threshold=0), LABELS_01[:, None], LOGITS)
    ours_keras = to_numpy(metrics.logit_accuracy(LABELS_01, LOGITS))
    ours_numpy = metrics.accuracy(LABELS_01, LOGITS, rule="logit")
    assert ours_keras.shape == (N,)
    assert ours_keras.mean() == pytest.approx(expected, abs=1e-7)
    np.testing.assert_array_equal(ours_numpy, ours_keras)
    np.testing.assert_array_equal(metrics.binary_accuracy(LABELS_01, LOGITS, threshold=0), ours_numpy)
    # TOOLCHAIN's example: labels (1, 1, 0), logits 0.3 -> 0.667, where 'accuracy' says 0.333
    assert to_numpy(metrics.logit_accuracy(np.array([1.0, 1, 0]), np.full((3, 1), 0.3))).mean() == \
        pytest.approx(2 / 3)
    assert metrics.binary_accuracy([1, 1, 0], np.full((3, 1), 0.3)).mean() == pytest.approx(1 / 3)


def test_categorical_accuracies_equal_keras():
    import keras

    np.testing.assert_array_equal(metrics.categorical_accuracy(ONE_HOT, SCORES),
                                  to_numpy(keras.metrics.categorical_accuracy(ONE_HOT, SCORES)))
    np.testing.assert_array_equal(
        metrics.sparse_categorical_accuracy(LABELS_INT, SCORES),
        to_numpy(keras.metrics.sparse_categorical_accuracy(LABELS_INT.astype(float), SCORES)))
    # (n, 1) integer labels are accepted as Keras accepts them
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(LABELS_INT[:, None], SCORES),
                                  metrics.sparse_categorical_accuracy(LABELS_INT, SCORES))
    # Keras docstring example: 0.5
    assert metrics.categorical_accuracy([[0, 0, 1], [0, 1, 0]],
                                        [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]).mean() == 0.5


def test_categorical_accuracies_name_bad_input():
    with pytest.raises(ValueError, match=re.escape(
            "categorical_accuracy needs at least 2 classes (columns) on the last axis of y_pred")):
        metrics.categorical_accuracy([[1.0]], [[0.3]])
    with pytest.raises(ValueError, match=re.escape(
            "y_true must hold one class index per row of y_pred, shape (2,), got y_true (3,) and "
            "y_pred (2, 3)")):
        metrics.sparse_categorical_accuracy([0, 1, 2], [[0.2, 0.3, 0.5]] * 2)
    with pytest.raises(ValueError, match=re.escape("whole-number class indices, got 0.5 at index (1,)")):
        metrics.sparse_categorical_accuracy([0, 0.5], [[0.2, 0.8]] * 2)


def test_regression_scorers_are_the_losses_and_equal_keras():
    import keras

    y, p = RNG.uniform(0, 3, size=(N, 1)), RNG.uniform(-2, 3, size=(N, 1))
    assert metrics.mean_squared_error is losses.mean_squared_error
    assert metrics.mean_absolute_error is losses.mean_absolute_error
    for ours, theirs in [(metrics.mean_squared_error, keras.metrics.mean_squared_error),
                         (metrics.mean_absolute_error, keras.metrics.mean_absolute_error),
                         (metrics.mean_squared_logarithmic_error,
                          keras.metrics.mean_squared_logarithmic_error)]:
        np.testing.assert_allclose(ours(y, p), to_numpy(theirs(y, p)), rtol=1e-12, atol=1e-15)


def test_msle_metric_is_the_loss_with_keras_floor():
    y, p = RNG.uniform(0, 3, size=(N, 1)), RNG.uniform(-0.9, 3, size=(N, 1))
    # where the loss is defined, the metric is the loss, bit for bit
    np.testing.assert_array_equal(metrics.mean_squared_logarithmic_error(y, p),
                                  losses.mean_squared_logarithmic_error(y, p))
    # predictions <= -1 are scored as EPSILON (Keras's floor), not rejected as by the loss
    floored = np.log1p(losses.EPSILON)
    np.testing.assert_allclose(metrics.mean_squared_logarithmic_error([[2.0]], [[-5.0]]),
                               [(floored - np.log1p(2.0)) ** 2], rtol=1e-15)
    with pytest.raises(ValueError, match="y_pred must be > -1"):
        losses.mean_squared_logarithmic_error([[2.0]], [[-5.0]])
    with pytest.raises(ValueError, match=re.escape("y_pred contains inf at index (0, 0)")):
        metrics.mean_squared_logarithmic_error([[2.0]], [[np.inf]])


@pytest.mark.parametrize("rule, sparse, y_true, y_pred", [
    ("threshold", False, LABELS_01, PROBABILITIES),
    ("logit", False, LABELS_01, LOGITS),
    ("sign", False, LABELS_PM1, MARGINS),
    ("argmax", False, ONE_HOT, SCORES),
    ("argmax", True, LABELS_INT.astype(float), SCORES),
])
def test_keras_accuracy_and_numpy_accuracy_are_one_rule(rule, sparse, y_true, y_pred):
    # The engine counts hits with keras_accuracy, Result with accuracy: same samples, ties too.
    ours = metrics.accuracy(y_true, y_pred, rule=rule)
    theirs = to_numpy(metrics.keras_accuracy(rule, sparse=sparse)(y_true, y_pred))
    np.testing.assert_array_equal(ours, theirs)
    # and what predict_classes decides is what both score
    labels = y_true.argmax(axis=-1) if y_true.ndim == 2 else y_true
    np.testing.assert_array_equal(metrics.predict_classes(y_pred, rule) == labels, ours == 1)


def test_keras_accuracy_is_named_for_the_history_and_checks_arguments():
    import keras

    assert metrics.keras_accuracy("sign") is metrics.sign_accuracy
    assert metrics.keras_accuracy("logit") is metrics.logit_accuracy
    assert metrics.keras_accuracy("threshold").__name__ == "binary_accuracy"
    assert metrics.keras_accuracy("argmax") is keras.metrics.categorical_accuracy
    assert metrics.keras_accuracy("argmax", sparse=True) is keras.metrics.sparse_categorical_accuracy
    with pytest.raises(ValueError, match="sparse=True applies to rule 'argmax' only, got rule 'sign'"):
        metrics.keras_accuracy("sign", sparse=True)
    with pytest.raises(ValueError, match="rule must be one of"):
        metrics.keras_accuracy("accuracy")
    with pytest.raises(TypeError, match="sparse must be True or False, got int: 1"):
        metrics.keras_accuracy("argmax", sparse=1)


def test_sign_accuracy_by_hand_and_in_compile():
    import keras

    values = to_numpy(metrics.sign_accuracy(np.array([-1.0, 1.0, 1.0]), np.array([[-0.9], [0.2], [0.0]])))
    np.testing.assert_array_equal(values, [1.0, 1.0, 0.0])
    assert experiments.sign_accuracy is metrics.sign_accuracy  # the chapters' spelling
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1, activation="tanh")])
    model.compile(loss="hinge", metrics=[metrics.sign_accuracy, metrics.logit_accuracy])
    x = np.array([[-2.0], [1.0], [3.0]])
    model.set_weights([np.array([[1.0]]), np.array([0.0])])
    scores = model.evaluate(x, np.array([-1.0, 1.0, -1.0]), verbose=0, return_dict=True)
    assert scores["sign_accuracy"] == pytest.approx(2 / 3)


def test_importing_metrics_does_not_import_tensorflow():
    code = "import sys, lossguide.metrics; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_rounded_accuracy_is_standalone_keras_binary_accuracy():
    # keras 2.3.1 keras/metrics.py: K.mean(K.equal(y_true, K.round(y_pred)), axis=-1)
    y_true = np.array([[-1.0], [1.0], [-1.0], [1.0], [0.0]])
    y_pred = np.array([[-0.9], [0.7], [-0.2], [1.6], [0.5]])
    np.testing.assert_array_equal(metrics.rounded_accuracy(y_true, y_pred), [1, 1, 0, 0, 1])


# =========================================================================== calibration

# Six samples, three classes, worked by hand with n_bins=5 (bins (0, .2], (.2, .4], ...):
#   conf 0.90 right, 0.85 wrong          -> bin (.8, 1]: acc 1/2, conf 0.875, gap 0.375
#   conf 0.70 right, 0.65 wrong          -> bin (.6, .8]: acc 1/2, conf 0.675, gap 0.175
#   conf 0.50 right                      -> bin (.4, .6]: acc 1,   conf 0.5,   gap 0.5
#   conf 0.40 wrong (0.4 closes (.2, .4]) -> bin (.2, .4]: acc 0,   conf 0.4,   gap 0.4
# ECE = (2 * 0.375 + 2 * 0.175 + 0.5 + 0.4) / 6 = 2 / 6.  Were 0.4 put in (.4, .6] the
# answer would be 0.2, so the (lo, hi] convention is tested too.
SIX_PROB = np.array([
    [0.90, 0.05, 0.05],
    [0.85, 0.10, 0.05],
    [0.10, 0.70, 0.20],
    [0.30, 0.30, 0.40],
    [0.20, 0.65, 0.15],
    [0.50, 0.45, 0.05],
])
SIX_LABELS = np.array([0, 1, 1, 0, 0, 0])


def test_expected_calibration_error_by_hand_on_six_samples():
    assert metrics.expected_calibration_error(SIX_LABELS, SIX_PROB, n_bins=5) == pytest.approx(1 / 3,
                                                                                             abs=1e-15)
    curve = metrics.reliability_curve(SIX_LABELS, SIX_PROB, n_bins=5)
    np.testing.assert_array_equal(curve.count, [0, 1, 1, 2, 2])
    np.testing.assert_allclose(curve.confidence[1:], [0.4, 0.5, 0.675, 0.875], rtol=1e-15)
    np.testing.assert_allclose(curve.accuracy[1:], [0.0, 1.0, 0.5, 0.5], rtol=1e-15)
    assert np.isnan(curve.confidence[0]) and np.isnan(curve.accuracy[0])
    np.testing.assert_allclose(curve.edges, [0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert curve.n == 6 and curve.view == "top_class"
    # one-hot rows and (n, 1) labels are the same labels
    one_hot = np.eye(3)[SIX_LABELS]
    assert metrics.expected_calibration_error(one_hot, SIX_PROB, n_bins=5) == pytest.approx(1 / 3)
    assert metrics.expected_calibration_error(SIX_LABELS[:, None], SIX_PROB, n_bins=5) == \
        pytest.approx(1 / 3)
    # the default is Guo et al.'s 15 bins
    assert metrics.expected_calibration_error(SIX_LABELS, SIX_PROB) == \
        metrics.expected_calibration_error(SIX_LABELS, SIX_PROB, n_bins=15)


def test_expected_calibration_error_of_one_probability_column_by_hand():
    # p = 0.8 (y 1, right, conf 0.8), 0.3 (y 0, right, conf 0.7), 0.4 (y 1, wrong, conf 0.6),
    # 0.5 (y 1: p >= 0.5 predicts 1, right, conf 0.5); bins of 0.2:
    # (.6, .8]: acc 1 conf .75; (.4, .6]: acc 1/2 conf .55 -> ECE = (2*.25 + 2*.05) / 4 = 0.15
    y, p = [1, 0, 1, 1], [0.8, 0.3, 0.4, 0.5]
    assert metrics.expected_calibration_error(y, p, n_bins=5) == pytest.approx(0.15, abs=1e-15)
    assert metrics.expected_calibration_error(np.array(y)[:, None], np.array(p)[:, None], n_bins=5) \
        == pytest.approx(0.15, abs=1e-15)
    # two columns (1 - p, p) agree except for the tie at 0.5, which argmax gives to class 0
    two = np.column_stack([1 - np.array(p[:3]), p[:3]])
    assert metrics.expected_calibration_error(y[:3], two, n_bins=5) == pytest.approx(
        metrics.expected_calibration_error(y[:3], p[:3], n_bins=5), abs=1e-15)


def test_reliability_curve_top_class_equals_scikit_learn_on_correctness():
    from sklearn.calibration import calibration_curve

    rng = np.random.default_rng(3)
    prob = rng.dirichlet(np.full(4, 0.7), size=3000)
    labels = rng.integers(0, 4, size=3000)
    confidence, correct = prob.max(axis=1), prob.argmax(axis=1) == labels
    for n_bins in (1, 7, 15):
        curve = metrics.reliability_curve(labels, prob, n_bins=n_bins)
        fraction, mean = calibration_curve(correct, confidence, n_bins=n_bins)
        filled = curve.count > 0
        np.testing.assert_allclose(curve.accuracy[filled], fraction, rtol=1e-12)
        np.testing.assert_allclose(curve.confidence[filled], mean, rtol=1e-12)
        counts, _ = np.histogram(confidence, bins=np.linspace(0, 1, n_bins + 1))
        np.testing.assert_array_equal(curve.count, counts)
        expected = np.sum(counts[counts > 0] / 3000 * np.abs(fraction - mean))
        assert metrics.expected_calibration_error(labels, prob, n_bins=n_bins) == \
            pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("n_bins", [1, 5, 10, 15])
def test_reliability_curve_positive_view_equals_calibration_curve(n_bins):
    from sklearn.calibration import calibration_curve

    rng = np.random.default_rng(n_bins)
    # random probabilities plus the ends and values on bin edges
    p = np.concatenate([rng.uniform(size=500), [0.0, 1.0, 0.2, 0.4, 0.6, 0.8, 0.3, 0.7]])
    y = (rng.uniform(size=p.size) < p).astype(int)
    curve = metrics.reliability_curve(y, p, n_bins=n_bins, view="positive")
    fraction, mean = calibration_curve(y, p, n_bins=n_bins)
    filled = curve.count > 0
    np.testing.assert_allclose(curve.accuracy[filled], fraction, rtol=1e-12)
    np.testing.assert_allclose(curve.confidence[filled], mean, rtol=1e-12)
    assert curve.n == p.size and curve.view == "positive"


def test_reliability_curve_reports_empty_bins_and_is_read_only():
    curve = metrics.reliability_curve([1, 0], [0.95, 0.05], n_bins=10)
    np.testing.assert_array_equal(curve.count, [0] * 9 + [2])
    assert np.isnan(curve.accuracy[:9]).all() and curve.accuracy[9] == 1.0
    frame = curve.to_frame()
    assert list(frame.columns) == ["low", "high", "count", "confidence", "accuracy"]
    assert len(frame) == 10 and frame["count"].sum() == 2
    assert curve.ece == pytest.approx(0.05)
    with pytest.raises(ValueError, match="read-only"):
        curve.count[0] = 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        curve.view = "positive"


def test_calibration_extremes():
    # certain and right: 0; certain and wrong: 1; one bin: |accuracy - mean confidence|
    assert metrics.expected_calibration_error([0, 1], [[1.0, 0.0], [0.0, 1.0]]) == 0.0
    assert metrics.expected_calibration_error([1, 0], [[1.0, 0.0], [0.0, 1.0]]) == 1.0
    assert metrics.expected_calibration_error([0, 1, 1], [0.0, 1.0, 0.0]) == pytest.approx(1 / 3)
    assert metrics.expected_calibration_error(LABELS_INT, SCORES, n_bins=1) == pytest.approx(
        abs(np.mean(SCORES.argmax(axis=1) == LABELS_INT) - SCORES.max(axis=1).mean()))
    # one sample, many bins
    assert metrics.expected_calibration_error([2], [[0.2, 0.2, 0.6]], n_bins=1000) == pytest.approx(0.4)
    # labels drawn from the probabilities: calibrated, ECE near 0
    rng = np.random.default_rng(5)
    prob = rng.dirichlet(np.ones(3), size=40000)
    labels = (rng.uniform(size=(40000, 1)) > prob.cumsum(axis=1)).sum(axis=1)
    assert metrics.expected_calibration_error(labels, prob) < 0.015
    # the same probabilities sharpened: over-confident
    sharp = prob ** 3 / (prob ** 3).sum(axis=1, keepdims=True)
    assert metrics.expected_calibration_error(labels, sharp) > 0.1


def test_brier_score_against_scikit_learn_and_by_hand():
    from sklearn.metrics import brier_score_loss

    # one column: scikit-learn's binary convention, mean (p - y)^2
    p = PROBABILITIES[:, 0]
    assert metrics.brier_score(LABELS_01, p) == pytest.approx(brier_score_loss(LABELS_01, p), rel=1e-12)
    assert metrics.brier_score(LABELS_01, PROBABILITIES) == pytest.approx(np.mean((p - LABELS_01) ** 2))
    # two columns: the sum over classes, twice scikit-learn's halved binary value
    two = np.column_stack([1 - p, p])
    assert metrics.brier_score(LABELS_01, two) == pytest.approx(
        brier_score_loss(LABELS_01, two, scale_by_half=False), rel=1e-12)
    assert metrics.brier_score(LABELS_01, two) == pytest.approx(2 * metrics.brier_score(LABELS_01, p))
    # three classes: scikit-learn's unscaled multi-class sum; K times Keras's MSE on one-hot rows
    assert metrics.brier_score(LABELS_INT, SCORES) == pytest.approx(
        brier_score_loss(LABELS_INT, SCORES, labels=[0, 1, 2]), rel=1e-12)
    assert metrics.brier_score(ONE_HOT, SCORES) == pytest.approx(
        3 * losses.mean_squared_error(ONE_HOT, SCORES).mean(), rel=1e-12)
    # by hand: (0.1^2 + 0.2^2 + 0.3^2) + (0.5^2 + 0.25^2 + 0.25^2) over 2 samples
    assert metrics.brier_score([2, 0], [[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]) == pytest.approx(
        (0.14 + 0.375) / 2, abs=1e-15)
    # extremes: certain and right 0, certain and wrong 2 (K columns) or 1 (one column)
    assert metrics.brier_score([0, 1], [[1.0, 0.0], [0.0, 1.0]]) == 0.0
    assert metrics.brier_score([1, 0], [[1.0, 0.0], [0.0, 1.0]]) == 2.0
    assert metrics.brier_score([1, 0], [0.0, 1.0]) == 1.0


def test_negative_log_likelihood_against_scikit_learn_and_its_infinity():
    from sklearn.metrics import log_loss

    assert metrics.negative_log_likelihood(LABELS_INT, SCORES) == pytest.approx(
        log_loss(LABELS_INT, SCORES, labels=[0, 1, 2]), rel=1e-12)
    p = RNG.uniform(0.01, 0.99, size=N)
    assert metrics.negative_log_likelihood(LABELS_01, p) == pytest.approx(log_loss(LABELS_01, p),
                                                                          rel=1e-12)
    assert metrics.negative_log_likelihood(ONE_HOT, SCORES) == \
        metrics.negative_log_likelihood(LABELS_INT, SCORES)
    # a tiny probability keeps its digits: -log(1 - 1e-12) for a right negative
    assert metrics.negative_log_likelihood([0], [1e-12]) == pytest.approx(1e-12, rel=1e-9)
    assert metrics.negative_log_likelihood([1], [1e-300]) == pytest.approx(300 * np.log(10))
    assert metrics.negative_log_likelihood([0, 1], [[1.0, 0.0], [0.0, 1.0]]) == 0.0
    # probability 0 for the true class: inf, not a clipped 16.1 (Keras) or 36.04 (scikit-learn)
    with pytest.warns(RuntimeWarning, match=re.escape("true class of sample 1 (label 1) probability 0")):
        assert metrics.negative_log_likelihood([0, 1], [[0.6, 0.4], [1.0, 0.0]]) == np.inf
    with pytest.warns(RuntimeWarning, match="nothing is clipped"):
        assert metrics.negative_log_likelihood([1], [0.0]) == np.inf


@pytest.mark.parametrize("call, error, message", [
    (lambda: metrics.expected_calibration_error([0, 1, 2], SIX_PROB), ValueError,
     ("y_true must be integer labels of shape (6,) or one-hot rows of the shape of y_prob: got "
      "y_true (3,) and y_prob (6, 3)")),
    (lambda: metrics.expected_calibration_error([0, 1], [0.2, 0.3, 0.9]), ValueError,
     "y_true must hold one {0, 1} label per row of y_prob: got y_true (2,) and y_prob (3,)"),
    (lambda: metrics.expected_calibration_error([0, 1], [[0.2, 0.8], [1.2, -0.2]]), ValueError,
     "y_prob must hold probabilities in [0, 1], got 1.2 at index (1, 0)"),
    (lambda: metrics.brier_score([0, 1], [0.2, -0.1]), ValueError,
     "y_prob must hold probabilities in [0, 1], got -0.1 at index (1,)"),
    (lambda: metrics.reliability_curve([0, 1], [[0.2, 0.7], [0.5, 0.5]]), ValueError,
     "rows of y_prob must sum to 1 (one probability per class), within 1e-05; row 0 sums to 0.9"),
    (lambda: metrics.expected_calibration_error([0, 1], [[0.2, 0.8], [0.5, 0.5]], n_bins=0),
     ValueError, "n_bins must be an integer >= 1, got 0"),
    (lambda: metrics.expected_calibration_error([0, 1], [[0.2, 0.8], [0.5, 0.5]], n_bins=2.5),
     TypeError, "n_bins must be an integer >= 1, got float 2.5"),
    (lambda: metrics.expected_calibration_error([0, 1], [[0.2, 0.8], [0.5, 0.5]], n_bins=True),
     TypeError, "n_bins must be an integer >= 1, got bool True"),
    (lambda: metrics.expected_calibration_error([], []), ValueError, "y_prob is empty (shape (0,))"),
    (lambda: metrics.expected_calibration_error([0, 1], [0.2, np.nan]), ValueError,
     "y_prob contains NaN at index (1,)"),
    (lambda: metrics.brier_score([0, np.nan], [0.2, 0.4]), ValueError, "y_true contains NaN at index (1,)"),
    (lambda: metrics.expected_calibration_error([0, 2], [0.2, 0.4]), ValueError,
     "y_true must hold labels in {0, 1} for one y_prob column, got 2 at index (1,)"),
    (lambda: metrics.negative_log_likelihood([0, 3], [[0.2, 0.8], [0.5, 0.5]]), ValueError,
     "y_true holds class indices for 2 classes, so each must be in [0, 2); got 3 at index (1,)"),
    (lambda: metrics.brier_score([[0.5, 0.5]], [[0.5, 0.5]]), ValueError,
     "y_true of shape (1, 2) must be one-hot rows (one 1, zeros elsewhere); row 0 is [0.5, 0.5]"),
    (lambda: metrics.brier_score([0], np.full((1, 2, 2), 0.5)), ValueError,
     "y_prob must have shape (n,), (n, 1) or (n, K), got (1, 2, 2)"),
    (lambda: metrics.reliability_curve([0], [[0.5, 0.5]], view="positive"), ValueError,
     "view='positive' needs one probability column (n,) or (n, 1), got y_prob of shape (1, 2)"),
    (lambda: metrics.reliability_curve([0], [0.5], view="bins"), ValueError,
     "view must be one of ['top_class', 'positive'], got 'bins'"),
    (lambda: metrics.brier_score("0", [0.5]), TypeError, "y_true must be numeric"),
])
def test_calibration_metrics_name_bad_input(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_calibration_metrics_never_modify_their_inputs():
    prob, labels = SIX_PROB.copy(), SIX_LABELS.copy()
    prob.setflags(write=False)  # a read-only input must work and stay as it was
    for function in (metrics.expected_calibration_error, metrics.brier_score,
                     metrics.negative_log_likelihood, metrics.reliability_curve):
        function(labels, prob)
    np.testing.assert_array_equal(prob, SIX_PROB)
    np.testing.assert_array_equal(labels, SIX_LABELS)
    logits = np.log(SIX_PROB)
    before = logits.copy()
    metrics.fit_temperature(logits, labels)
    metrics.temperature_scale(logits, 2.0)
    np.testing.assert_array_equal(logits, before)


# --------------------------------------------------------------------------- temperature scaling


def _labels_from(prob, rng):
    """One class per row, drawn from the row's probabilities."""
    return (rng.uniform(size=(prob.shape[0], 1)) > prob.cumsum(axis=1)).sum(axis=1)


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.5])
def test_fit_temperature_recovers_the_temperature_the_labels_were_drawn_at(temperature):
    from scipy.special import softmax

    rng = np.random.default_rng(int(10 * temperature))
    logits = rng.normal(scale=3.0, size=(20000, 4))
    labels = _labels_from(softmax(logits / temperature, axis=1), rng)
    fit = metrics.fit_temperature(logits, labels)
    assert fit.temperature == pytest.approx(temperature, rel=0.04)
    assert float(fit) == fit.temperature and not fit.at_bound
    assert fit.nll_after <= fit.nll_before
    # dividing by T keeps every argmax: accuracy is unchanged
    scaled = fit.probabilities(logits)
    np.testing.assert_array_equal(scaled.argmax(axis=1), logits.argmax(axis=1))
    np.testing.assert_allclose(scaled, softmax(logits / fit.temperature, axis=1), rtol=1e-12)
    # and the calibration error falls (or, at T = 1, stays small)
    before = metrics.expected_calibration_error(labels, softmax(logits, axis=1))
    after = metrics.expected_calibration_error(labels, scaled)
    assert after < 0.02 and (temperature == 1.0 or after < before)


def test_fit_temperature_is_the_minimum_of_an_independent_nll_grid():
    from scipy.special import softmax

    rng = np.random.default_rng(8)
    logits = rng.normal(scale=2.0, size=(500, 3))
    labels = _labels_from(softmax(logits / 1.7, axis=1), rng)
    grid = np.exp(np.linspace(np.log(0.2), np.log(10), 20001))
    # the naive formula, fine for these moderate logits
    nll = [-np.mean(np.log(softmax(logits / t, axis=1)[np.arange(500), labels])) for t in grid]
    fit = metrics.fit_temperature(logits, labels)
    assert fit.temperature == pytest.approx(grid[int(np.argmin(nll))], rel=1e-3)
    assert fit.nll_after == pytest.approx(min(nll), rel=1e-9)
    assert fit.nll_before == pytest.approx(-np.mean(np.log(softmax(logits, axis=1)[np.arange(500), labels])))
    # one-hot labels are the same labels
    assert metrics.fit_temperature(logits, np.eye(3)[labels]).temperature == pytest.approx(fit.temperature)


def test_fit_temperature_binary_logits_one_column():
    from scipy.special import expit

    rng = np.random.default_rng(21)
    logits = rng.normal(scale=3.0, size=20000)
    labels = (rng.uniform(size=20000) < expit(logits / 2.0)).astype(int)
    fit = metrics.fit_temperature(logits[:, None], labels)
    assert fit.temperature == pytest.approx(2.0, rel=0.04)
    # the same problem as two logit columns (0, z): softmax(0, z / T)[1] = sigmoid(z / T)
    two = metrics.fit_temperature(np.column_stack([np.zeros_like(logits), logits]), labels)
    assert two.temperature == pytest.approx(fit.temperature, rel=1e-6)
    np.testing.assert_allclose(fit.probabilities(logits[:, None])[:, 0], expit(logits / fit.temperature))
    # the sign of each logit, hence the accuracy, is unchanged
    np.testing.assert_array_equal(fit.probabilities(logits) > 0.5, logits > 0)


def test_fit_temperature_extremes_and_bounds():
    # huge logits: log_softmax / log_expit keep the NLL finite
    huge = np.array([[1e6, 0.0, -1e6], [0.0, 1e6, 0.0], [1e6, 0.0, 0.0]])
    fit = metrics.fit_temperature(huge, [0, 1, 1], bounds=(0.05, 1e7))
    assert np.isfinite(fit.nll_before) and np.isfinite(fit.nll_after)
    assert fit.nll_after < fit.nll_before
    assert np.isfinite(metrics.fit_temperature(np.array([[-800.0], [800.0], [700.0]]), [0, 1, 0],
                                               bounds=(1.0, 1e4)).nll_after)
    # every sample right: the NLL falls towards T -> 0, the fit stops at the bound and says so
    with pytest.warns(UserWarning, match=re.escape("lower end of bounds=(0.05, 20.0)")):
        fit = metrics.fit_temperature([[3.0, 0.0], [0.0, 3.0]], [0, 1])
    assert fit.at_bound and fit.temperature == 0.05
    with pytest.warns(UserWarning, match="upper end"):
        assert metrics.fit_temperature([[3.0, 0.0], [0.0, 3.0]], [1, 0]).temperature == 20.0


@pytest.mark.parametrize("call, error, message", [
    (lambda: metrics.fit_temperature([[1.0, 0.0]], [0], bounds=(0.0, 5.0)), ValueError,
     "bounds[0] must be > 0.0, got 0.0"),
    (lambda: metrics.fit_temperature([[1.0, 0.0]], [0], bounds=(5.0, 1.0)), ValueError,
     "bounds must satisfy 0 < low < high, got (5.0, 1.0)"),
    (lambda: metrics.fit_temperature([[1.0, 0.0]], [0], bounds=5.0), TypeError,
     "bounds must be a pair (low, high), got 5.0"),
    (lambda: metrics.fit_temperature([[1.0, 0.0], [0.0, 1.0]], [0]), ValueError,
     ("y_true must be integer labels of shape (2,) or one-hot rows of the shape of logits: got "
      "y_true (1,) and logits (2, 2)")),
    (lambda: metrics.fit_temperature([[1.0, np.inf]], [0]), ValueError, "logits contains inf at index (0, 1)"),
    (lambda: metrics.fit_temperature([0.3, 2.0], [0, -1]), ValueError,
     "y_true must hold labels in {0, 1} for one logits column, got -1 at index (1,)"),
    (lambda: metrics.fit_temperature([[0.3], [2.0]], [0, 1, 1]), ValueError,
     "y_true must hold one {0, 1} label per row of logits: got y_true (3,) and logits (2, 1)"),
    (lambda: metrics.temperature_scale([[1.0, 0.0]], 0.0), ValueError, "temperature must be > 0.0, got 0.0"),
    (lambda: metrics.temperature_scale(np.zeros((1, 2, 2)), 1.0), ValueError,
     "logits must have shape (n,), (n, 1) or (n, K), got (1, 2, 2)"),
])
def test_fit_temperature_names_bad_input(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


# =========================================================================== imbalance


def _average_precision_by_hand(y, s):
    """AP = sum over positives of the precision at that positive's rank (distinct scores)."""
    order = np.argsort(-s)
    y = np.asarray(y)[order]
    hits = np.cumsum(y)
    return float(np.sum((hits / np.arange(1, y.size + 1))[y == 1]) / y.sum())


def _roc_auc_by_pairs(y, s):
    y, s = np.asarray(y), np.asarray(s)
    positive, negative = s[y == 1][:, None], s[y == 0][None, :]
    return float(np.mean((positive > negative) + 0.5 * (positive == negative)))


def test_average_precision_and_roc_auc_by_hand():
    y, s = np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])
    # ranks: 0.8 (+, precision 1), 0.4 (-), 0.35 (+, precision 2/3): AP = (1 + 2/3) / 2
    assert metrics.average_precision(y, s) == pytest.approx(5 / 6)
    # positive-negative pairs ranked right: (0.35 > 0.1), (0.8 > 0.1), (0.8 > 0.4): 3 of 4
    assert metrics.roc_auc(y, s) == pytest.approx(0.75)
    rng = np.random.default_rng(13)
    y = (rng.uniform(size=400) < 0.05).astype(int)  # rare positives
    s = rng.normal(size=400) + 1.5 * y
    assert metrics.average_precision(y, s) == pytest.approx(_average_precision_by_hand(y, s), rel=1e-12)
    assert metrics.roc_auc(y[:, None], s[:, None]) == pytest.approx(_roc_auc_by_pairs(y, s), rel=1e-12)
    # ties count one half
    assert metrics.roc_auc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]) == pytest.approx(0.875)
    # only the order matters: logits and probabilities give the same numbers
    from scipy.special import expit

    assert metrics.average_precision(y, expit(s)) == pytest.approx(metrics.average_precision(y, s))


def test_average_precision_and_roc_auc_multilabel_and_multiclass():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(17)
    y = (rng.uniform(size=(300, 4)) < [0.05, 0.2, 0.5, 0.1]).astype(int)
    s = rng.normal(size=(300, 4)) + y
    per_label_ap = metrics.average_precision(y, s, average=None)
    per_label_auc = metrics.roc_auc(y, s, average=None)
    assert per_label_ap.shape == per_label_auc.shape == (4,)
    for j in range(4):
        assert per_label_ap[j] == pytest.approx(_average_precision_by_hand(y[:, j], s[:, j]), rel=1e-12)
        assert per_label_auc[j] == pytest.approx(_roc_auc_by_pairs(y[:, j], s[:, j]), rel=1e-12)
    assert metrics.average_precision(y, s) == pytest.approx(per_label_ap.mean())
    assert metrics.roc_auc(y, s, average="macro") == pytest.approx(per_label_auc.mean())
    micro = metrics.average_precision(y, s, average="micro")
    assert micro == pytest.approx(_average_precision_by_hand(y.ravel(), s.ravel()), rel=1e-12)
    # integer labels with probability rows: one-vs-rest, scikit-learn's multi_class="ovr"
    assert metrics.roc_auc(LABELS_INT, SCORES) == pytest.approx(
        roc_auc_score(LABELS_INT, SCORES, multi_class="ovr"), rel=1e-12)
    assert metrics.average_precision(LABELS_INT, SCORES) == pytest.approx(
        metrics.average_precision(ONE_HOT, SCORES))


@pytest.mark.parametrize("call, message", [
    (lambda: metrics.average_precision([0, 0, 0], [0.2, 0.5, 0.1]),
     "average_precision is undefined without positives: y_true has no 1"),
    (lambda: metrics.roc_auc([1, 1], [0.2, 0.5]), "roc_auc is undefined without negatives: y_true has no 0"),
    (lambda: metrics.roc_auc([[1, 0], [0, 0]], [[0.2, 0.5], [0.3, 0.3]]),
     "roc_auc is undefined without positives: label column 1 of y_true has no 1"),
    (lambda: metrics.average_precision([0, 2], [0.2, 0.5]),
     ("y_true must hold labels in {0, 1} for average_precision (a binary or multi-label "
      "indicator target), got 2 at index (1,)")),
    (lambda: metrics.average_precision([0, 1, 1], [0.2, 0.5]),
     ("y_true and y_score must have the same shape, (n,) for a binary problem or (n, L) for L "
      "labels, got y_true (3,) and y_score (2,)")),
    (lambda: metrics.roc_auc([0, 1], [0.2, 0.5], average="mean"),
     "average must be one of [None, 'micro', 'macro', 'weighted', 'samples'] for roc_auc, got 'mean'"),
    (lambda: metrics.roc_auc([0, 1], [0.2, np.nan]), "y_score contains NaN at index (1,)"),
])
def test_ranking_scorers_name_bad_input(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_f1_and_recall_at_threshold_by_hand():
    y, s = [0, 0, 1, 1, 1, 0], [0.2, 0.6, 0.55, 0.9, 0.3, 0.5]
    # t = 0.5: predicted positive 0.6, 0.55, 0.9 and 0.5 (>=): TP 2, FP 2, FN 1
    assert metrics.f1_at_threshold(y, s, 0.5) == pytest.approx(2 * 2 / (2 * 2 + 2 + 1))
    assert metrics.recall_at_threshold(y, s, 0.5) == pytest.approx(2 / 3)
    # a score equal to the threshold is positive; just above it, not
    assert metrics.f1_at_threshold(y, s, 0.5 + 1e-12) == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))
    # nothing predicted positive: 0 without a warning (zero_division=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert metrics.f1_at_threshold(y, s, 0.95) == 0.0
        assert metrics.recall_at_threshold(y, s, 0.95) == 0.0
    assert metrics.recall_at_threshold(y, s, 0.0) == 1.0  # everything positive
    # (n, 1) columns as Keras outputs them
    assert metrics.f1_at_threshold(np.array(y)[:, None], np.array(s)[:, None], 0.5) == \
        metrics.f1_at_threshold(y, s, 0.5)


def test_threshold_scorers_multilabel_with_one_threshold_per_label():
    y = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 1]])
    s = np.array([[0.9, 0.2, 0.4], [0.6, 0.1, 0.35], [0.3, 0.8, 0.1], [0.2, 0.7, 0.3]])
    thresholds = np.array([0.5, 0.5, 0.3])
    # label 0: predicted rows 0, 1 -> TP 1 FP 1 FN 1; label 1: TP 2; label 2: rows 0, 1, 3 -> TP 3
    np.testing.assert_allclose(metrics.recall_at_threshold(y, s, thresholds, average=None), [0.5, 1, 1])
    np.testing.assert_allclose(metrics.f1_at_threshold(y, s, thresholds, average=None), [0.5, 1, 1])
    assert metrics.f1_at_threshold(y, s, thresholds, average="macro") == pytest.approx(2.5 / 3)
    # micro: TP 6, FP 1, FN 1
    assert metrics.f1_at_threshold(y, s, thresholds, average="micro") == pytest.approx(12 / 14)
    with pytest.raises(ValueError, match=re.escape(
            "average must be one of [None, 'micro', 'macro', 'weighted', 'samples'] for multilabel "
            "y_true of shape (4, 3), got 'binary'")):
        metrics.f1_at_threshold(y, s, 0.5)
    with pytest.raises(ValueError, match=re.escape(
            "threshold must be one number, or one per label column (shape (3,)) for multi-label "
            "y_score (4, 3); got shape (2,)")):
        metrics.recall_at_threshold(y, s, [0.5, 0.5], average="macro")
    with pytest.raises(ValueError, match=re.escape("average must be 'binary' for binary y_true of shape (2,), got 'macro'")):
        metrics.recall_at_threshold([0, 1], [0.2, 0.7], 0.5, average="macro")
    with pytest.raises(TypeError, match="threshold must be a real number"):
        metrics.f1_at_threshold([0, 1], [0.2, 0.7], "0.5")


def test_best_threshold_is_the_brute_force_maximum():
    from sklearn.metrics import balanced_accuracy_score, f1_score

    rng = np.random.default_rng(29)
    y = (rng.uniform(size=300) < 0.08).astype(int)
    s = np.round(rng.normal(size=300) + 1.2 * y, 2)  # rounded: tied scores too
    candidates = np.unique(s)
    f1 = [f1_score(y, s >= t, zero_division=0.0) for t in candidates]
    balanced = [balanced_accuracy_score(y, s >= t) for t in candidates]
    chosen = metrics.best_threshold(y, s)
    assert chosen == candidates[int(np.argmax(f1))]
    assert metrics.f1_at_threshold(y, s, chosen) == pytest.approx(max(f1))
    chosen = metrics.best_threshold(y, s, metric="balanced_accuracy")
    assert chosen == candidates[int(np.argmax(balanced))]
    # with rare positives the F1-best threshold of a probability is far below 0.5 here
    from scipy.special import expit

    assert metrics.best_threshold(y, expit(s - 3)) < 0.5
    # multi-label: one threshold per label, each its column's own
    y2 = np.column_stack([y, 1 - y])
    both = metrics.best_threshold(y2, np.column_stack([s, -s]))
    assert both.shape == (2,) and both[0] == metrics.best_threshold(y, s)
    assert both[1] == metrics.best_threshold(1 - y, -s)


def test_best_threshold_names_bad_input():
    with pytest.raises(ValueError, match=re.escape("metric must be one of ['f1', 'balanced_accuracy'], got 'recall'")):
        metrics.best_threshold([0, 1], [0.2, 0.7], metric="recall")
    with pytest.raises(ValueError, match="best_threshold needs both classes in y_true, got only 0s"):
        metrics.best_threshold([0, 0], [0.2, 0.7])
    with pytest.raises(ValueError, match="label column 1: best_threshold needs both classes in y_true, got only 1s"):
        metrics.best_threshold([[0, 1], [1, 1]], [[0.2, 0.7], [0.6, 0.4]])


def test_balanced_accuracy_and_per_class_recall_by_hand():
    y = [0, 0, 0, 0, 0, 0, 1, 1, 2, 2]
    predicted = [0, 0, 0, 0, 0, 1, 1, 0, 2, 0]
    recall = metrics.per_class_recall(y, predicted)
    assert recall.index.tolist() == [0, 1, 2] and recall.name == "recall"
    np.testing.assert_allclose(recall.to_numpy(), [5 / 6, 1 / 2, 1 / 2])
    assert metrics.balanced_accuracy(y, predicted) == pytest.approx((5 / 6 + 1 / 2 + 1 / 2) / 3)
    assert metrics.balanced_accuracy(y, predicted) == pytest.approx(recall.mean())
    # the majority-class predictor: accuracy 0.6, balanced accuracy 1/3
    assert metrics.balanced_accuracy(y, [0] * 10) == pytest.approx(1 / 3)
    # scores are decided by argmax; one-hot labels and (n, 1) columns work
    assert metrics.balanced_accuracy(LABELS_INT, SCORES) == pytest.approx(
        metrics.balanced_accuracy(LABELS_INT, SCORES.argmax(axis=1)))
    np.testing.assert_allclose(metrics.per_class_recall(ONE_HOT, SCORES),
                               metrics.per_class_recall(LABELS_INT[:, None], SCORES.argmax(axis=1)[:, None]))
    # a class only predicted, never true, has no recall: left out, without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert metrics.per_class_recall([0, 0, 1], [0, 2, 1]).index.tolist() == [0, 1]
        assert metrics.balanced_accuracy([0, 0, 1], [0, 2, 1]) == pytest.approx(0.75)


def test_class_scorers_name_bad_input():
    with pytest.raises(ValueError, match=re.escape(
            "y_pred of shape (3,) must hold predicted classes (whole numbers), got 0.7 at index (0,); "
            "decide probabilities first")):
        metrics.balanced_accuracy([1, 0, 1], [0.7, 0.2, 0.9])
    with pytest.raises(ValueError, match=re.escape(
            "per_class_recall takes integer labels y_true (n,) with predicted classes y_pred (n,) or "
            "scores (n, K), got y_true (3,) and y_pred (2,)")):
        metrics.per_class_recall([1, 0, 1], [1, 0])
    with pytest.raises(ValueError, match="got -1 at index"):
        metrics.balanced_accuracy([1, 0, 1], [1, -1, 1])


def test_subset_accuracy_and_why_elementwise_accuracy_is_inflated():
    y = np.array([[1, 0, 0], [0, 1, 1], [0, 0, 0], [1, 1, 0]])
    s = np.array([[0.9, 0.1, 0.2], [0.2, 0.8, 0.4], [0.3, 0.1, 0.2], [0.7, 0.6, 0.1]])
    # rows 0, 2, 3 exact; row 1 misses label 2
    assert metrics.subset_accuracy(y, s) == pytest.approx(3 / 4)
    assert metrics.subset_accuracy(y, s, threshold=[0.5, 0.5, 0.4]) == 1.0
    # rare labels: predicting no label at all scores 1 - (mean label rate) element-wise
    rng = np.random.default_rng(31)
    rare = (rng.uniform(size=(2000, 20)) < 0.05).astype(float)
    nothing = np.zeros_like(rare)
    elementwise = metrics.binary_accuracy(rare, nothing).mean()
    assert elementwise == pytest.approx(1 - rare.mean(), abs=1e-15)
    assert elementwise > 0.94
    # ... while its subset accuracy is the share of rows with no label, and its F1 is 0
    assert metrics.subset_accuracy(rare, nothing) == pytest.approx(np.mean(rare.sum(axis=1) == 0))
    assert metrics.f1_at_threshold(rare, nothing, 0.5, average="micro") == 0.0
    with pytest.raises(ValueError, match=re.escape("subset_accuracy needs a multi-label indicator (n, L)")):
        metrics.subset_accuracy([0, 1], [0.2, 0.9])


def test_imbalance_scorers_never_modify_their_inputs():
    y = np.array([0, 1, 0, 1, 1])
    s = np.array([0.2, 0.8, 0.6, 0.4, 0.9])
    y.setflags(write=False)
    s.setflags(write=False)
    for function in (metrics.average_precision, metrics.roc_auc, metrics.best_threshold):
        function(y, s)
    metrics.f1_at_threshold(y, s, 0.5)
    metrics.recall_at_threshold(y, s, 0.5)
    metrics.balanced_accuracy(y, (s >= 0.5).astype(int))
    np.testing.assert_array_equal(s, [0.2, 0.8, 0.6, 0.4, 0.9])
    np.testing.assert_array_equal(y, [0, 1, 0, 1, 1])


def test_level_absolute_error_against_a_hand_computation():
    y = [[1, 1, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1]]          # levels 2, 0, 4
    p = [[0.9, 0.6, 0.5, 0.1], [0.7, 0.2, 0.9, 0.0], [0.8, 0.1, 0.9, 0.2]]
    # predicted levels: 2 (0.5 is not above 0.5), 2 (outputs out of order still count), 2
    np.testing.assert_array_equal(metrics.level_absolute_error(y, p), [0.0, 2.0, 2.0])
    np.testing.assert_array_equal(metrics.level_absolute_error(y, p, threshold=0.05), [2.0, 3.0, 0.0])
    with pytest.raises(ValueError, match="same shape"):
        metrics.level_absolute_error(y, [[0.5]])
    with pytest.raises(ValueError, match="cumulative 0/1"):
        metrics.level_absolute_error([[2.0]], [[0.5]])



# --- binary_report: every binary score of several models, thresholds chosen on validation rows


def test_binary_report_is_the_scorers_row_by_row():
    import pandas as pd

    rng = np.random.default_rng(3)
    y_val, y_test = (rng.random(200) < 0.1).astype(float), (rng.random(300) < 0.1).astype(float)
    logits_val = rng.normal(size=(3, 200)) + 2 * y_val
    logits_test = rng.normal(size=(3, 300, 1)) + 2 * y_test[:, None]
    report = metrics.binary_report(y_val, logits_val, y_test, logits_test, from_logits=True,
                                   index=pd.Index([4, 5, 6], name="seed"))
    assert list(report.index) == [4, 5, 6] and report.index.name == "seed"
    assert list(report.columns) == ["accuracy", "AP", "ROC-AUC", "threshold", "F1", "recall",
                                    "recall at 0.5", "mean p", "Brier"]
    from scipy.special import expit

    for k, (_, row) in enumerate(report.iterrows()):
        z_val, z = logits_val[k], logits_test[k, :, 0]
        p = expit(z)
        t = metrics.best_threshold(y_val, z_val, midpoint=True)  # on the logits
        assert row["threshold"] == expit(t)
        assert (z_val > t).sum() == (z_val >= t).sum()  # the cut sits between validation scores
        assert row["AP"] == metrics.average_precision(y_test, z)  # ranked on z, not on expit(z)
        assert row["ROC-AUC"] == metrics.roc_auc(y_test, z)
        assert row["F1"] == metrics.f1_at_threshold(y_test, (z > t).astype(float), 0.5)
        assert row["recall"] == metrics.recall_at_threshold(y_test, (z > t).astype(float), 0.5)
        assert row["recall at 0.5"] == np.sum((p > 0.5) & (y_test == 1)) / y_test.sum()
        assert row["accuracy"] == np.mean((p > 0.5) == y_test)
        assert row["Brier"] == metrics.brier_score(y_test, p)
        assert row["mean p"] == p.mean()
    # one scorer: one row; balanced accuracy picks its own threshold
    one = metrics.binary_report(y_val, expit(logits_val[0]), y_test, expit(logits_test[0]),
                                metric="balanced_accuracy")
    assert len(one) == 1 and one.loc[0, "threshold"] == metrics.best_threshold(
        y_val, expit(logits_val[0]), metric="balanced_accuracy", midpoint=True)


def test_binary_report_counts_a_score_at_the_threshold_as_keras_does():
    # Keras's binary_accuracy: p > 0.5.  A score of exactly 0.5 is a negative, for recall too.
    y = [0, 1, 1, 0]
    report = metrics.binary_report(y, [0.1, 0.7, 0.4, 0.6], y, [0.2, 0.5, 0.9, 0.1])
    assert report.loc[0, "recall at 0.5"] == 0.5 and report.loc[0, "accuracy"] == 0.75


def test_binary_report_ranks_large_logits_without_ties():
    # sigmoid(40) and sigmoid(45) are both 1.0 in float64; the logits still rank them
    y_val, z_val = [0, 1, 0, 1], [-1.0, 2.0, 0.5, 3.0]
    y, z = [0, 1, 0, 1], [38.0, 45.0, 40.0, 50.0]
    from scipy.special import expit

    assert expit(38.0) == expit(50.0) == 1.0
    report = metrics.binary_report(y_val, z_val, y, z, from_logits=True)
    assert report.loc[0, "AP"] == 1.0 and report.loc[0, "ROC-AUC"] == 1.0


@pytest.mark.parametrize("kwargs, error, message", [
    ({"score_validation": np.zeros((2, 3))}, ValueError,
     "score_validation must have shape (n,), (n, 1), (K, n) or (K, n, 1) with n = 4 rows, "
     "got (2, 3)"),
    ({"score_test": np.full((2, 4), 0.5)}, ValueError,
     "score_validation and score_test must hold the same number of scorers, got 1 and 2"),
    ({"index": [1, 2]}, ValueError, "index must have one label per scorer (1), got 2"),
    ({"from_logits": 1}, TypeError, "from_logits must be True or False, got 1"),
    ({"metric": "accuracy"}, ValueError,
     "metric must be one of ['f1', 'balanced_accuracy'], got 'accuracy'"),
    ({"y_test": [0, 0, 0, 2]}, ValueError, "y_true"),
])
def test_binary_report_names_bad_input(kwargs, error, message):
    arguments = {"y_validation": [0, 1, 0, 1], "score_validation": [0.1, 0.7, 0.4, 0.6],
                 "y_test": [0, 1, 1, 0], "score_test": [0.2, 0.8, 0.3, 0.1], **kwargs}
    with pytest.raises(error, match=re.escape(message)):
        metrics.binary_report(arguments.pop("y_validation"), arguments.pop("score_validation"),
                              arguments.pop("y_test"), arguments.pop("score_test"), **arguments)


def test_best_threshold_midpoint_is_the_cut_between_neighbouring_scores():
    import sklearn.metrics as skm

    rng = np.random.default_rng(5)
    for trial in range(20):
        y = (rng.random(300) < 0.1).astype(float)
        p = np.round(np.clip(0.3 * y + rng.normal(0.2, 0.15, 300), 0, 1), 3)  # with ties
        values = np.unique(p)
        cuts = (values[:-1] + values[1:]) / 2
        scores = [skm.balanced_accuracy_score(y, p > cut) for cut in cuts]
        by_hand = float(cuts[int(np.argmax(scores))])
        assert metrics.best_threshold(y, p, metric="balanced_accuracy", midpoint=True) == by_hand
        t = metrics.best_threshold(y, p)
        cut = metrics.best_threshold(y, p, midpoint=True)
        assert values[values < t].max() < cut < t  # the same split of these rows
        np.testing.assert_array_equal(p > cut, p >= t)
    # the best threshold is the lowest score (every row positive): no lower score, itself
    assert metrics.best_threshold([0, 1, 1], [0.1, 0.1, 0.3]) == 0.1
    # No lower score (every row is predicted positive): the float just below, so s > cut
    # keeps every row, as s >= 0.1 does.
    cut = metrics.best_threshold([0, 1, 1], [0.1, 0.1, 0.3], midpoint=True)
    assert cut == np.nextafter(0.1, -np.inf)
    assert (np.array([0.1, 0.1, 0.3]) > cut).all()
    # Near the float64 maximum the midpoint must not overflow.
    big = metrics.best_threshold([0, 1], [1e308, 1.7e308], midpoint=True)
    assert np.isfinite(big) and 1e308 < big < 1.7e308
    # Adjacent floats: the lower score, so s > cut is the best split.
    low, high = 1.0, np.nextafter(1.0, 2.0)
    assert metrics.best_threshold([0, 1], [low, high], midpoint=True) == low
    assert metrics.best_threshold([0, 1, 1], [0.1, 0.2, 0.3], midpoint=True) == 0.15000000000000002
    with pytest.raises(TypeError, match=re.escape("midpoint must be True or False, got 1")):
        metrics.best_threshold([0, 1], [0.1, 0.9], midpoint=1)
