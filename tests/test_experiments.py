"""The multi-seed engine computes what Keras's fit computes, seed by seed."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import subprocess  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from lossguide import _engine, experiments  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def float64():
    import keras

    before = keras.config.floatx()
    keras.config.set_floatx("float64")
    yield
    keras.config.set_floatx(before)


TUTORIAL_NINE = [
    "regression/mean_squared_error",
    "regression/mean_squared_logarithmic_error",
    "regression/mean_absolute_error",
    "circles/binary_crossentropy",
    "circles/hinge",
    "circles/squared_hinge",
    "blobs/categorical_crossentropy",
    "blobs/sparse_categorical_crossentropy",
    "blobs/kl_divergence",
]


def test_registry_covers_the_tutorial_and_the_book():
    required = TUTORIAL_NINE + [
        "regression/huber", "regression/log_cosh", "circles/binary_focal_crossentropy",
        "blobs/categorical_hinge", "blobs/categorical_crossentropy_ls0.1",
        "positive_regression/mean_squared_logarithmic_error",
        "positive_regression/mean_squared_error", "digits/mean_squared_error",
        "digits/categorical_crossentropy", "blobs/binary_crossentropy",
    ]
    assert set(required) <= set(experiments.names())
    assert list(experiments.TUTORIAL) == TUTORIAL_NINE


@pytest.mark.parametrize("name, hidden, activation, epochs, targets", [
    ("regression/mean_absolute_error", 25, "linear", 100, "real"),
    ("circles/binary_crossentropy", 50, "sigmoid", 200, "01"),
    ("circles/squared_hinge", 50, "tanh", 200, "pm1"),
    ("blobs/kl_divergence", 50, "softmax", 100, "onehot"),
    ("blobs/sparse_categorical_crossentropy", 50, "softmax", 100, "int"),
])
def test_experiments_are_the_tutorials_networks(name, hidden, activation, epochs, targets):
    e = experiments.get(name)
    assert (e.hidden_units, e.hidden_activation, e.initializer) == (hidden, "relu", "he_uniform")
    assert (e.output_activation, e.epochs, e.targets, e.batch_size) == (activation, epochs, targets, 32)
    assert e.optimizer == {"name": "sgd", "learning_rate": 0.01, "momentum": 0.9}
    assert e.data().targets == targets


def test_digits_experiment_is_the_mnist_questions_network():
    e = experiments.get("digits/mean_squared_error")
    assert (e.hidden_units, e.initializer, e.output_units, e.output_activation) == (
        512, "glorot_uniform", 10, "softmax")
    assert e.optimizer == {"name": "rmsprop", "learning_rate": 0.001, "rho": 0.9, "epsilon": 1e-7}
    assert (e.epochs, e.batch_size, e.loss) == (5, 128, "mean_squared_error")


def test_unknown_name_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"unknown experiment 'circles/hinge_loss'.*circles/hinge, "):
        experiments.get("circles/hinge_loss")
    with pytest.raises(TypeError, match="name must be a str"):
        experiments.get(3)


def _keras_history(experiment, seed, epochs):
    """Plain Sequential + fit, one epoch per call on the engine's batch order."""
    data = experiment.data()
    start = _engine.initial_weights(seed, experiment.n_inputs, experiment.hidden_units,
                                    experiment.output_units, experiment.initializer)
    orders = _engine.batch_orders(seed, epochs, len(data.x_train))
    model = experiment.keras_model(start)
    rows = []
    for order in orders:
        # shuffle=False on pre-permuted data reproduces the engine's batches; the
        # optimizer's momentum/velocity persists across fit calls.
        fit = model.fit(data.x_train[order], data.y_train[order], epochs=1, shuffle=False,
                        batch_size=experiment.batch_size, verbose=0,
                        validation_data=(data.x_test, data.y_test))
        metric = next(k for k in fit.history if k != "loss" and not k.startswith("val_"))
        rows.append([fit.history[key][0] for key in ("loss", "val_loss", metric, f"val_{metric}")])
    return model, np.array(rows)


@pytest.mark.parametrize("name", [
    "regression/mean_squared_error",
    "circles/binary_crossentropy",
    "circles/hinge",
    "blobs/categorical_crossentropy",
    "blobs/sparse_categorical_crossentropy",
    "blobs/kl_divergence",
    "digits/categorical_crossentropy",  # RMSprop
    "blobs/categorical_crossentropy_ls0.1",  # loss options
])
def test_one_replica_matches_keras_fit(name):
    experiment = experiments.get(name)
    epochs, seed = 3, 4
    result = experiments.run(name, seeds=[2, seed], epochs=epochs)
    model, keras_rows = _keras_history(experiment, seed, epochs)
    for ours, theirs in zip(result.weights(seed), model.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)
    history = result.history[result.history["seed"] == seed]
    np.testing.assert_allclose(history.iloc[:, 2:].to_numpy(), keras_rows, rtol=0, atol=1e-9)
    data = experiment.data()
    test_loss, test_metric = model.evaluate(data.x_test, data.y_test, verbose=0)
    np.testing.assert_allclose(result.final.loc[seed, "test_loss"], test_loss, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.final.loc[seed, f"test_{result.metric}"], test_metric,
                               rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.predict(data.x_test, seed),
                               model.predict(data.x_test, verbose=0), rtol=0, atol=1e-12)


def test_run_is_deterministic_and_seeds_are_independent():
    name = "circles/squared_hinge"
    together = experiments.run(name, seeds=range(5), epochs=3)
    again = experiments.run(name, seeds=range(5), epochs=3)
    alone = experiments.run(name, seeds=[3], epochs=3)
    pd.testing.assert_frame_equal(together.history, again.history, check_exact=True)
    pd.testing.assert_frame_equal(together.final, again.final, check_exact=True)
    seed3 = together.history[together.history["seed"] == 3].reset_index(drop=True)
    pd.testing.assert_frame_equal(seed3, alone.history, check_exact=False, rtol=0, atol=1e-12)
    np.testing.assert_allclose(together.final.loc[3], alone.final.loc[3], rtol=0, atol=1e-12)
    # different seeds really differ
    assert together.final["train_loss"].nunique() == 5


def test_history_and_final_layout():
    result = experiments.run("regression/mean_absolute_error", seeds=[5, 1], epochs=4)
    assert list(result.history.columns) == ["seed", "epoch", "train_loss", "test_loss",
                                            "train_mse", "test_mse"]
    assert result.history["epoch"].tolist() == [1, 2, 3, 4] * 2
    assert result.history["seed"].tolist() == [5] * 4 + [1] * 4
    assert result.final.index.tolist() == [5, 1] and result.final.index.name == "seed"
    assert result.seeds == (5, 1) and result.metric == "mse" and result.epochs == 4
    # the last epoch's test loss is the final test loss: same weights, same data
    last = result.history.groupby("seed").last()
    np.testing.assert_allclose(last.loc[[5, 1], "test_loss"], result.final["test_loss"], rtol=1e-12)
    # the training loss goes down
    first = result.history.groupby("seed").first()
    assert (last["train_loss"] < first["train_loss"]).all()


def test_summary_statistics_on_a_hand_made_result():
    experiment = experiments.get("circles/hinge")
    final = np.array([[0.1, 0.2, 0.7, 0.6], [0.3, 0.4, 0.8, 0.7], [0.5, 0.9, 0.9, 0.5]])
    history = final[None, :, :]  # one epoch
    weights = [np.zeros((3, 2, 50)), np.zeros((3, 50)), np.zeros((3, 50, 1)), np.zeros((3, 1))]
    result = experiments.Result(experiment, [0, 1, 2], history, final, weights)
    summary = result.summary()
    assert summary.index.tolist() == ["train_loss", "test_loss", "train_accuracy", "test_accuracy"]
    assert summary.columns.tolist() == ["mean", "sd", "min", "max"]
    np.testing.assert_allclose(summary["mean"], [0.3, 0.5, 0.8, 0.6])
    # sample standard deviation (ddof=1): test_loss 0.2, 0.4, 0.9 -> sqrt(0.26 / 2)
    np.testing.assert_allclose(summary.loc["test_loss", "sd"], np.sqrt(0.26 / 2))
    np.testing.assert_allclose(summary.loc["train_loss", "sd"], 0.2)
    np.testing.assert_allclose(summary[["min", "max"]].loc["test_accuracy"], [0.5, 0.7])


def test_predictions_classes_and_keras_rebuild():
    result = experiments.run("circles/hinge", seeds=[0, 1], epochs=2)
    data = result.experiment.data()
    assert result.predict(data.x_test).shape == (2, 500, 1)
    assert result.predict(data.x_test, seed=1).shape == (500, 1)
    classes = result.predict_classes(data.x_test, seed=0)
    assert set(np.unique(classes)) <= {-1, 1}
    np.testing.assert_allclose(np.mean(classes == data.y_test), result.final.loc[0, "test_accuracy"])
    np.testing.assert_allclose(result.score("accuracy").to_numpy(),
                               result.final["test_accuracy"].to_numpy())
    model = result.experiment.keras_model(result.weights(1))
    np.testing.assert_allclose(model.predict(data.x_test, verbose=0),
                               result.predict(data.x_test, 1), atol=1e-12)
    with pytest.raises(ValueError, match=r"seed must be one of the trained seeds \[0, 1\], got 7"):
        result.weights(7)
    with pytest.raises(ValueError, match=r"x must have shape \(n, 2\), got \(3, 5\)"):
        result.predict(np.zeros((3, 5)))


def test_pitfall_experiment_reports_argmax_and_binary_accuracy():
    result = experiments.run("blobs/binary_crossentropy", seeds=[0, 1], epochs=3)
    data = result.experiment.data()
    out = result.predict(data.x_test)
    argmax = np.mean(out.argmax(-1) == data.y_test.argmax(-1), axis=1)
    binary = np.mean((out > 0.5) == data.y_test, axis=(1, 2))
    np.testing.assert_allclose(result.final["test_accuracy"], argmax, atol=1e-12)
    np.testing.assert_allclose(result.final["test_binary_accuracy"], binary)
    # with three classes, "binary" accuracy credits the two correct zeros of a wrong row
    assert (result.final["test_binary_accuracy"] > result.final["test_accuracy"]).all()


def test_classes_for_each_encoding():
    blobs = experiments.run("blobs/sparse_categorical_crossentropy", seeds=[0], epochs=1)
    labels = blobs.predict_classes(blobs.experiment.data().x_test)
    assert labels.shape == (1, 500) and labels.dtype.kind == "i" and labels.max() <= 2
    circles = experiments.run("circles/binary_crossentropy", seeds=[0], epochs=1)
    assert set(np.unique(circles.predict_classes(circles.experiment.data().x_test, 0))) <= {0, 1}
    regression = experiments.run("regression/huber", seeds=[0], epochs=1)
    with pytest.raises(ValueError, match="regression experiment"):
        regression.predict_classes(np.zeros((1, 20)))


def test_progress_bar_goes_to_stderr_and_changes_nothing(capsys):
    with_bar = experiments.run("blobs/categorical_hinge", seeds=[0], epochs=3, progress=True)
    err = capsys.readouterr().err
    assert "blobs/categorical_hinge [" in err and err.endswith("3/3 epochs\n")
    # the bar runs the same graph epoch by epoch instead of in one call
    without = experiments.run("blobs/categorical_hinge", seeds=[0], epochs=3)
    pd.testing.assert_frame_equal(with_bar.history, without.history, check_exact=True)


def test_score_checks_its_arguments():
    result = experiments.run("blobs/sparse_categorical_crossentropy", seeds=[0], epochs=1)
    np.testing.assert_array_equal(result.score("categorical_accuracy"), result.score("accuracy"))
    with pytest.raises(ValueError, match="targets have 1 column"):
        result.score("binary_accuracy")
    with pytest.raises(ValueError, match="metric must be one of"):
        result.score("f1")
    with pytest.raises(ValueError, match="split must be 'train' or 'test', got 'val'"):
        result.score("accuracy", "val")


@pytest.mark.parametrize("kwargs, error, message", [
    ({"seeds": 5}, TypeError, r"use range\(5\) for 5 seeds or \[5\] for that one seed"),
    ({"seeds": []}, ValueError, "at least one seed"),
    ({"seeds": [1, 1]}, ValueError, r"seeds must be distinct, got \[1, 1\]"),
    ({"seeds": [-2]}, ValueError, "non-negative, got -2"),
    ({"seeds": [0.5]}, TypeError, "seeds must be ints, got float: 0.5"),
    ({"epochs": 0}, ValueError, "epochs must be a positive int or None, got 0"),
    ({"progress": "yes"}, TypeError, "progress must be True or False"),
])
def test_run_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        experiments.run("circles/hinge", **kwargs)


def test_importing_lossguide_does_not_import_tensorflow():
    code = "import sys, lossguide, lossguide.experiments, lossguide.datasets; " \
           "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_experiment_rejects_bad_fields():
    import dataclasses

    base = experiments.get("circles/hinge")
    with pytest.raises(ValueError, match="optimizer name must be 'sgd' or 'rmsprop'"):
        dataclasses.replace(base, optimizer={"name": "adam", "learning_rate": 0.001})
    with pytest.raises(ValueError, match="epochs must be a positive int, got 0"):
        dataclasses.replace(base, epochs=0)
    with pytest.raises(ValueError, match="problem must be one of"):
        dataclasses.replace(base, problem="moons")


def test_a_custom_experiment_runs():
    import dataclasses

    plain_sgd = dataclasses.replace(experiments.get("blobs/categorical_crossentropy"),
                                    name="blobs/cce_no_momentum",
                                    optimizer={"name": "sgd", "learning_rate": 0.05})
    result = experiments.run(plain_sgd, seeds=[0], epochs=2)
    model, keras_rows = _keras_history(plain_sgd, 0, 2)
    np.testing.assert_allclose(result.history.iloc[:, 2:].to_numpy(), keras_rows, rtol=0, atol=1e-9)
