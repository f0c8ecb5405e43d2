"""lossguide.metrics: one decision rule, checked against Keras's metrics and by hand."""

import re
import subprocess
import sys

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
