"""The multi-seed engine computes what Keras's fit computes, seed by seed."""

import dataclasses
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from lossguide import _engine, datasets, experiments


@pytest.fixture(scope="module", autouse=True)
def float64():
    import keras

    # Keras caches its global dtype policy the first time a layer asks for it: a model
    # built at float32 earlier in this process (another module's test or doctest; with
    # two xdist workers the file order varies) would pin it, so set both, restore both.
    before, policy = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    yield
    keras.config.set_floatx(before)
    keras.config.set_dtype_policy(policy)


# The tutorial's nine (problem, Keras loss) pairs, in its order, with the output
# activation and target encoding it pairs each loss with.
TUTORIAL_SETUPS = [
    ("regression", "mean_squared_error", "linear", "real"),
    ("regression", "mean_squared_logarithmic_error", "linear", "real"),
    ("regression", "mean_absolute_error", "linear", "real"),
    ("circles", "binary_crossentropy", "sigmoid", "01"),
    ("circles", "hinge", "tanh", "pm1"),
    ("circles", "squared_hinge", "tanh", "pm1"),
    ("blobs", "categorical_crossentropy", "softmax", "onehot"),
    ("blobs", "sparse_categorical_crossentropy", "softmax", "int"),
    ("blobs", "kl_divergence", "softmax", "onehot"),
]


def test_tutorial_grid_is_the_tutorials_nine_setups():
    # Read from the registered experiments themselves, not from their names.
    setups = []
    for name in experiments.TUTORIAL:
        e = experiments.get(name)
        setups.append((e.problem, e.loss, e.output_activation, e.targets))
        assert e.name == f"{e.problem}/{e.loss}" and not e.loss_options
    assert setups == TUTORIAL_SETUPS


def test_every_experiment_a_chapter_names_is_registered():
    import json
    import pathlib
    import re

    book = pathlib.Path(__file__).resolve().parent.parent / "book"
    named = set()
    for notebook in book.glob("*.ipynb"):
        for cell in json.loads(notebook.read_text())["cells"]:
            source = "".join(cell["source"])
            named |= set(re.findall(r'experiments\.(?:run|get)\(\s*"([^"{}]+)"', source))
    assert named, "no chapter names an experiment: the pattern above is stale"
    assert named <= set(experiments.names()), sorted(named - set(experiments.names()))


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
    assert e.optimizer == experiments.SGD(learning_rate=0.01, momentum=0.9)
    assert e.data().targets == targets


def test_digits_experiment_is_the_mnist_questions_network():
    e = experiments.get("digits/mean_squared_error")
    assert (e.hidden_units, e.initializer, e.output_units, e.output_activation) == (
        512, "glorot_uniform", 10, "softmax")
    assert e.optimizer == experiments.RMSprop(learning_rate=0.001, rho=0.9, epsilon=1e-7)
    assert (e.epochs, e.batch_size, e.loss) == (5, 128, "mean_squared_error")


def test_unknown_name_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"unknown experiment 'circles/hinge_loss'.*circles/hinge, "):
        experiments.get("circles/hinge_loss")
    with pytest.raises(TypeError, match="name must be a str"):
        experiments.get(3)


def _keras_history(experiment, seed, epochs, data=None, **fit_options):
    """Plain Sequential + fit, one epoch per call on the engine's batch order."""
    data = experiment.data() if data is None else data
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
                        validation_data=(data.x_test, data.y_test), **fit_options)
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
    with pytest.raises(ValueError, match=re.escape(
            "y_true and y_pred must have the same shape, got y_true (500,) and y_pred (500, 3)")):
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
    code = "import sys, lossguide, lossguide.experiments, lossguide.datasets, lossguide.metrics; " \
           "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def with_network(experiment, **changes):
    return dataclasses.replace(experiment, network=dataclasses.replace(experiment.network, **changes))


HINGE = experiments.get("circles/hinge")
REGRESSION = experiments.get("regression/mean_squared_error")
BLOBS = experiments.get("blobs/categorical_crossentropy")


@pytest.mark.parametrize("make, error, message", [
    (lambda: dataclasses.replace(HINGE, optimizer={"name": "adam", "learning_rate": 0.001}),
     ValueError, "optimizer name must be 'sgd' or 'rmsprop', got {'name': 'adam', 'learning_rate': 0.001}"),
    (lambda: dataclasses.replace(HINGE, optimizer="sgd"), TypeError,
     ("optimizer must be lossguide.experiments.SGD(...) or RMSprop(...), or a dict such as "
     "{'name': 'sgd', 'learning_rate': 0.01}, got str: 'sgd'")),
    (lambda: dataclasses.replace(HINGE, optimizer={"name": "sgd"}), ValueError,
     "optimizer 'sgd' needs a learning_rate, got {'name': 'sgd'}"),
    (lambda: dataclasses.replace(HINGE, optimizer={"name": "sgd", "lr": 0.01}), ValueError,
     "optimizer 'sgd' has no option(s) ['lr']; it takes learning_rate, momentum"),
    (lambda: dataclasses.replace(HINGE, optimizer={"name": "rmsprop", "learning_rate": 0.01,
                                                   "momentum": 0.9}), ValueError,
     "optimizer 'rmsprop' has no option(s) ['momentum']; it takes learning_rate, rho, epsilon"),
    (lambda: experiments.SGD(learning_rate=-0.1), ValueError,
     "optimizer learning_rate must be in (0, inf), got -0.1"),
    (lambda: experiments.SGD(learning_rate=0.01, momentum=1.0), ValueError,
     "optimizer momentum must be in [0, 1), got 1.0"),
    (lambda: experiments.RMSprop(learning_rate="0.01"), ValueError,
     "optimizer learning_rate must be a finite real number, got '0.01'"),
    (lambda: dataclasses.replace(HINGE, epochs=0), ValueError, "epochs must be a positive int, got 0"),
    (lambda: dataclasses.replace(HINGE, batch_size=2.5), ValueError,
     "batch_size must be a positive int, got 2.5"),
    (lambda: dataclasses.replace(HINGE, problem="moons"), ValueError, "problem must be one of"),
    (lambda: dataclasses.replace(HINGE, targets="onehot"), ValueError,
     "targets must be one of ['01', 'pm1'] for problem 'circles', got 'onehot'"),
    (lambda: with_network(HINGE, hidden_activation="elu"), ValueError,
     ("hidden_activation must be one of ['linear', 'relu', 'tanh', 'sigmoid', 'softmax', 'softplus', "
     "'exponential'], got 'elu'")),
    (lambda: with_network(HINGE, output_activation="elu"), ValueError,
     "output_activation must be one of"),
    (lambda: with_network(HINGE, initializer="lecun_normal"), ValueError,
     "initializer must be one of ['he_uniform', 'glorot_uniform'], got 'lecun_normal'"),
    (lambda: with_network(REGRESSION, output_units=3), ValueError,
     "output_units must be 1 for 'real' targets of problem 'regression', got 3"),
    (lambda: with_network(BLOBS, output_units=2), ValueError,
     "output_units must be 3 for 'onehot' targets of problem 'blobs', got 2"),
    (lambda: with_network(HINGE, output_activation="softmax"), ValueError,
     "output_activation 'softmax' needs output_units >= 2"),
    (lambda: dataclasses.replace(HINGE, network={"hidden_units": 50}), TypeError,
     "network must be a lossguide.experiments.Network, got dict"),
    (lambda: dataclasses.replace(REGRESSION, metric="accuracy"), ValueError,
     "metric 'accuracy' needs class targets, got targets 'real'; use 'mse'"),
    (lambda: dataclasses.replace(HINGE, metric="f1"), ValueError,
     "metric must be one of ['mse', 'accuracy'], got 'f1'"),
    (lambda: dataclasses.replace(HINGE, loss=3), TypeError, "loss must be a str or a callable, got int: 3"),
    (lambda: dataclasses.replace(BLOBS, loss_options={"label_smoothing": [0.1]}), TypeError,
     "loss_options['label_smoothing'] must be a number, bool, str or None, got list: [0.1]"),
    (lambda: dataclasses.replace(BLOBS, loss_options=[("label_smoothing", 0.1)]), TypeError,
     "loss_options must be a dict, got list"),
    (lambda: dataclasses.replace(HINGE, extra_metrics=("f1",)), ValueError,
     ("extra_metrics entry must be one of ['accuracy', 'mse', 'mae', 'msle', 'binary_accuracy', 'rounded_accuracy', "
     "'logit_accuracy', 'sign_accuracy', 'categorical_accuracy'], got 'f1'")),
    (lambda: dataclasses.replace(HINGE, extra_metrics="msle"), TypeError,
     "extra_metrics must be a tuple of str, got 'msle'"),
])
def test_experiment_rejects_bad_fields_naming_them(make, error, message):
    with pytest.raises(error, match=re.escape(message)):
        make()


def test_experiments_are_frozen_all_the_way_down_and_hashable():
    hinge = experiments.get("circles/hinge")
    with pytest.raises(dataclasses.FrozenInstanceError):
        hinge.optimizer.learning_rate = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        hinge.network.hidden_units = 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        hinge.epochs = 3
    smoothed = experiments.get("blobs/categorical_crossentropy_ls0.1")
    with pytest.raises(TypeError):
        smoothed.loss_options["label_smoothing"] = 0.5
    # the registry is unchanged for everyone else
    assert experiments.get("circles/hinge").optimizer.learning_rate == 0.01
    assert experiments.get("blobs/categorical_crossentropy_ls0.1").loss_options == {"label_smoothing": 0.1}
    # a dict passed in is copied: changing it afterwards changes nothing
    options = {"label_smoothing": 0.2}
    mine = dataclasses.replace(smoothed, loss_options=options)
    options["label_smoothing"] = 0.9
    assert mine.loss_options["label_smoothing"] == 0.2
    # hashable; equal records are equal and hash alike; a dict optimizer becomes the record
    registered = [experiments.get(name) for name in experiments.names()]
    assert len(set(registered)) == len(registered)
    same = dataclasses.replace(hinge, optimizer={"name": "sgd", "learning_rate": 0.01, "momentum": 0.9})
    assert same == hinge and hash(same) == hash(hinge)
    assert dataclasses.replace(hinge, optimizer=experiments.SGD(learning_rate=0.02)) != hinge
    # pickled and copied as equal records (a MappingProxyType alone would refuse)
    import copy
    import pickle

    assert pickle.loads(pickle.dumps(smoothed)) == smoothed
    assert copy.deepcopy(smoothed).loss_options == {"label_smoothing": 0.1}
    # chapters read these directly
    assert (hinge.hidden_units, hinge.hidden_activation, hinge.initializer, hinge.output_units,
            hinge.output_activation, hinge.n_inputs) == (50, "relu", "he_uniform", 1, "tanh", 2)


@pytest.mark.parametrize("name, rule", [
    ("circles/binary_crossentropy", "threshold"), ("circles/hinge", "sign"),
    ("blobs/sparse_categorical_crossentropy", "argmax"), ("blobs/kl_divergence", "argmax"),
    ("digits/mean_squared_error", "argmax"), ("regression/huber", None),
])
def test_decision_rule_of_the_registered_experiments(name, rule):
    assert experiments.get(name).decision_rule == rule


def test_a_custom_experiment_runs():
    plain_sgd = dataclasses.replace(experiments.get("blobs/categorical_crossentropy"),
                                    name="blobs/cce_no_momentum",
                                    optimizer={"name": "sgd", "learning_rate": 0.05})
    assert plain_sgd.optimizer == experiments.SGD(learning_rate=0.05, momentum=0.0)
    result = experiments.run(plain_sgd, seeds=[0], epochs=2)
    _, keras_rows = _keras_history(plain_sgd, 0, 2)
    np.testing.assert_allclose(result.history.iloc[:, 2:].to_numpy(), keras_rows, rtol=0, atol=1e-9)


def test_a_callable_loss_trains_exactly_like_its_identifier():
    import keras

    assert "Callable" in experiments.Experiment.__annotations__["loss"]
    as_function = dataclasses.replace(REGRESSION, loss=keras.losses.mean_squared_error)
    by_name = experiments.run(REGRESSION, seeds=[0, 1], epochs=3)
    by_function = experiments.run(as_function, seeds=[0, 1], epochs=3)
    pd.testing.assert_frame_equal(by_name.history, by_function.history, check_exact=True)


def _count_data():
    # Poisson counts whose log-mean is linear in the regression features.
    base = datasets.regression()
    rng = np.random.default_rng(0)
    counts = [rng.poisson(np.exp(0.5 * y)).astype(np.float64) for y in (base.y_train, base.y_test)]
    return datasets.Split("counts", base.x_train, counts[0], base.x_test, counts[1],
                          "Poisson counts, log-mean 0.5 * regression target", "real")


def _softplus_msle():
    return with_network(experiments.get("positive_regression/mean_squared_logarithmic_error"),
                        output_activation="softplus")


def _exponential_poisson():
    return dataclasses.replace(with_network(REGRESSION, output_activation="exponential"),
                               name="counts/poisson", loss="poisson")


@pytest.mark.parametrize("make, data", [
    (_softplus_msle, None),
    (_exponential_poisson, _count_data),
])
def test_softplus_and_exponential_outputs_match_keras_fit_and_train(make, data):
    experiment = make()
    data = data() if data else None
    seed = 3
    short = experiments.run(experiment, seeds=[seed], epochs=3, data=data)
    model, keras_rows = _keras_history(experiment, seed, 3, data)
    np.testing.assert_allclose(short.history.iloc[:, 2:].to_numpy(), keras_rows, rtol=0, atol=1e-9)
    split = short.data
    np.testing.assert_allclose(short.predict(split.x_test, seed), model.predict(split.x_test, verbose=0),
                               rtol=1e-12, atol=1e-12)
    # and they train: finite, lower loss, positive outputs (what these activations are for)
    result = experiments.run(experiment, seeds=[0, 1], epochs=30, data=data)
    first = result.history[result.history["epoch"] == 1].set_index("seed")
    assert np.isfinite(result.final.to_numpy()).all()
    assert (result.final["train_loss"] < first["train_loss"]).all()
    assert (result.predict(split.x_test) > 0).all()


def _pairs():
    names = list(experiments.ACTIVATIONS)
    return [(a, "linear") for a in names] + [("relu", a) for a in names if a != "linear"]


@pytest.mark.parametrize("hidden, output", _pairs())
def test_numpy_forward_pass_matches_keras_predict_for_every_activation(hidden, output):
    base = BLOBS if output == "softmax" else REGRESSION
    experiment = with_network(base, hidden_activation=hidden, output_activation=output)
    network = experiment.network
    weights = [np.stack([w, w]) for w in _engine.initial_weights(
        0, experiment.n_inputs, network.hidden_units, network.output_units, network.initializer)]
    rng = np.random.default_rng(1)
    weights = [w + rng.normal(scale=0.1, size=w.shape) for w in weights]  # nonzero biases too
    result = experiments.Result(experiment, [0, 1], np.zeros((1, 2, 4)), np.zeros((2, 4)), weights)
    x = experiment.data().x_test[:64]
    model = experiment.keras_model(result.weights(1))
    np.testing.assert_allclose(result.predict(x, seed=1), model.predict(x, verbose=0),
                               rtol=1e-12, atol=1e-12)


def test_logit_output_is_scored_at_threshold_zero_as_keras_binary_accuracy():
    import keras

    logits = dataclasses.replace(with_network(experiments.get("circles/binary_crossentropy"),
                                              output_activation="linear"),
                                 name="circles/bce_from_logits", loss_options={"from_logits": True})
    assert logits.decision_rule == "logit"
    seed = 4
    result = experiments.run(logits, seeds=[2, seed], epochs=3)
    model, keras_rows = _keras_history(logits, seed, 3)
    history = result.history[result.history["seed"] == seed]
    np.testing.assert_allclose(history.iloc[:, 2:].to_numpy(), keras_rows, rtol=0, atol=1e-9)
    data = logits.data()
    reference = keras.metrics.BinaryAccuracy(threshold=0)
    reference.update_state(data.y_test, model.predict(data.x_test, verbose=0))
    assert result.final.loc[seed, "test_accuracy"] == pytest.approx(float(reference.result()), abs=1e-12)
    classes = result.predict_classes(data.x_test, seed)
    assert np.mean(classes == data.y_test) == pytest.approx(result.final.loc[seed, "test_accuracy"])
    # 'binary_accuracy' (threshold 0.5 on the logit) is the trap, and differs
    assert not np.allclose(result.score("binary_accuracy"), result.score("accuracy"))
    np.testing.assert_array_equal(result.score("logit_accuracy"), result.score("accuracy"))


def _with_outliers():
    clean = datasets.regression()
    y = clean.y_train.copy()
    y[np.random.default_rng(0).choice(y.size, size=25, replace=False)] += 10.0
    return datasets.Split("regression", clean.x_train, y, clean.x_test, clean.y_test,
                          "regression, 25 training targets shifted by +10", "real")


def test_run_trains_and_scores_on_data_passed_in():
    corrupted = _with_outliers()
    seed = 1
    result = experiments.run("regression/huber", seeds=[0, seed], epochs=3, data=corrupted)
    assert result.data is corrupted and result.experiment is experiments.get("regression/huber")
    _, keras_rows = _keras_history(result.experiment, seed, 3, corrupted)
    history = result.history[result.history["seed"] == seed]
    np.testing.assert_allclose(history.iloc[:, 2:].to_numpy(), keras_rows, rtol=0, atol=1e-9)
    # Result scores on the data it was trained on, not on the experiment's own
    residual = result.predict(corrupted.x_train) - corrupted.y_train[None, :, None]
    np.testing.assert_allclose(result.score("mse", "train"), np.mean(residual**2, axis=(1, 2)),
                               rtol=1e-12)
    np.testing.assert_allclose(result.score("mse", "train"), result.final["train_mse"], rtol=1e-9)
    clean = experiments.run("regression/huber", seeds=[0, seed], epochs=3)
    assert (result.final["train_mse"] > clean.final["train_mse"] + 1).all()


def _split(base, **changes):
    parts = {field: getattr(base, field) for field in
             ("name", "x_train", "y_train", "x_test", "y_test", "description", "targets")}
    return datasets.Split(**{**parts, **changes})


def _bad_value(array, index, value):
    array = np.array(array)
    array[index] = value
    return array


@pytest.mark.parametrize("name, make, error, message", [
    ("regression/huber", lambda: (datasets.regression().x_train, datasets.regression().y_train),
     TypeError, "data must be a lossguide.datasets.Split, got tuple"),
    ("regression/huber", lambda: _split(datasets.regression(),
                                        x_train=datasets.regression().x_train[:, :5]),
     ValueError, ("data.x_train must have shape (n, 20) for the network of 'regression/huber', "
                 "got (500, 5)")),
    ("circles/hinge", lambda: datasets.circles("01"), ValueError,
     "data has targets encoded '01', but experiment 'circles/hinge' expects 'pm1'"),
    ("blobs/categorical_crossentropy",
     lambda: _split(datasets.blobs(one_hot=True), y_train=np.eye(4)[np.arange(500) % 4]),
     ValueError, "data.y_train must be one-hot rows of shape (n, 3) for output_units=3, got (500, 4)"),
    ("regression/huber", lambda: _split(datasets.regression(),
                                        y_train=np.zeros((500, 2))),
     ValueError, "data.y_train must be one column for 'real' targets, got shape (500, 2)"),
    ("circles/hinge", lambda: _split(datasets.circles("pm1"),
                                     y_test=_bad_value(datasets.circles("pm1").y_test, 3, 0.0)),
     ValueError, "data.y_test must hold labels in {-1, 1} for 'pm1' targets, got 0.0 at row 3"),
    ("blobs/sparse_categorical_crossentropy",
     lambda: _split(datasets.blobs(), y_train=_bad_value(datasets.blobs().y_train, 7, 3)),
     ValueError, "data.y_train must hold class indices in [0, 3) for 'int' targets, got 3 at row 7"),
    ("regression/huber", lambda: _split(datasets.regression(),
                                        x_test=_bad_value(datasets.regression().x_test, (2, 1), np.nan)),
     ValueError, "data.x_test contains NaN at index (2, 1)"),
    ("regression/huber", lambda: _split(datasets.regression(),
                                        y_train=datasets.regression().y_train[:400]),
     ValueError, "data.y_train has 400 rows but data.x_train has 500"),
])
def test_run_rejects_data_that_do_not_fit(name, make, error, message):
    with pytest.raises(error, match=re.escape(message)):
        experiments.run(name, seeds=[0], epochs=1, data=make())


def test_predict_rejects_non_finite_features_naming_x():
    result = experiments.run("circles/hinge", seeds=[0], epochs=1)
    with pytest.raises(ValueError, match=re.escape("x contains NaN at index (1, 0)")):
        result.predict([[0.1, 0.2], [np.nan, 0.0]])
    with pytest.raises(ValueError, match=re.escape("x contains -inf at index (0, 1)")):
        result.predict_classes([[0.1, -np.inf]])
    with pytest.raises(TypeError, match="x must be an array of numbers, got str"):
        result.predict("x")


def test_with_learning_rate_changes_only_the_rate():
    base = experiments.get("regression/mean_squared_error")
    faster = experiments.with_learning_rate(base, 0.02)
    assert faster.optimizer.learning_rate == 0.02 and faster.optimizer.momentum == base.optimizer.momentum
    assert faster.network == base.network and faster.loss == base.loss
    assert experiments.with_learning_rate(faster, 0.05).name == "regression/mean_squared_error@lr=0.05"
    assert base.optimizer.learning_rate == 0.01  # the registered experiment is untouched
    with pytest.raises(ValueError, match="learning_rate"):
        experiments.with_learning_rate(base, -1.0)


def test_tune_learning_rate_chooses_on_validation_rows_only():
    tuned = experiments.tune_learning_rate("regression/huber", [0.002, 0.02], seeds=[0, 1, 2],)
    table = tuned.validation
    assert list(table.index) == [0.002, 0.02] and table["chosen"].sum() == 1
    best = table["mean"].idxmin()
    assert tuned.learning_rate == best and tuned.experiment.optimizer.learning_rate == best
    # The final run trains on all 500 training rows and scores the untouched test set.
    assert tuned.result.data.x_train.shape[0] == 500
    full = experiments.run(tuned.experiment, [0, 1, 2])
    np.testing.assert_array_equal(tuned.result.final.to_numpy(), full.final.to_numpy())
    # The validation scores are not the test scores.
    assert not np.isclose(table.loc[best, "mean"], full.final["test_mse"].mean())
    with pytest.raises(ValueError, match="learning_rates must be a non-empty sequence"):
        experiments.tune_learning_rate("regression/huber", [], seeds=[0, 1])


def test_keras_evaluate_reports_what_model_evaluate_reports():
    result = experiments.run("circles/hinge", seeds=[0, 1], epochs=3)
    reported = result.keras_evaluate(metrics=["accuracy"])
    assert set(reported.columns) == {"accuracy", "loss"}
    # Keras 3's "accuracy" on {-1, 1} targets is binary accuracy at 0.5, not the sign accuracy.
    np.testing.assert_allclose(reported["accuracy"], result.score("binary_accuracy"), atol=1e-12)
    np.testing.assert_allclose(reported["loss"], result.final["test_loss"], rtol=1e-10)
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        result.keras_evaluate("validation")


def test_a_diverged_seed_scores_nan_instead_of_raising():
    # positive_regression/mean_squared_error carries the extra metric msle; at a huge
    # rate the network diverges and its outputs are NaN.
    exploding = experiments.with_learning_rate("positive_regression/mean_squared_error", 5.0)
    result = experiments.run(exploding, seeds=[0, 1], epochs=3)
    assert result.final["test_msle"].isna().all()
    assert result.score("mse").isna().all()


def test_tune_learning_rate_by_another_metric():
    tuned = experiments.tune_learning_rate("positive_regression/mean_squared_logarithmic_error",
                                           [0.005, 0.01], seeds=[0, 1], metric="msle")
    assert tuned.metric == "test_msle" and tuned.validation["chosen"].sum() == 1
    with pytest.raises(ValueError, match="metric must be one of"):
        experiments.tune_learning_rate("regression/huber", [0.01], seeds=[0, 1], metric="r2")


def test_keras_evaluate_uses_the_experiments_loss_options():
    base = experiments.get("circles/binary_crossentropy")
    logits = dataclasses.replace(
        base, name="circles/bce_logits",
        network=dataclasses.replace(base.network, output_activation="linear"),
        loss_options={"from_logits": True})
    result = experiments.run(logits, seeds=[0, 1], epochs=3)
    np.testing.assert_allclose(result.keras_evaluate(metrics=[])["loss"], result.final["test_loss"],
                               rtol=1e-10)


def test_classes_predicted_counts_distinct_classes_per_seed():
    result = experiments.run("blobs/categorical_crossentropy", seeds=[0, 1], epochs=2)
    x = result.data.x_test
    expected = [np.unique(result.predict_classes(x, seed=s)).size for s in (0, 1)]
    assert result.classes_predicted(x).tolist() == expected


# ---------------------------------------------------------------------------
# Trace once, run many: grids, mixed runs, the graph cache

BLOBS_MIXED = ["blobs/categorical_crossentropy", "blobs/kl_divergence", "blobs/categorical_hinge",
               "blobs/sparse_categorical_crossentropy"]


def _assert_same_result(ours, theirs):
    assert ours.experiment == theirs.experiment and ours.seeds == theirs.seeds
    pd.testing.assert_frame_equal(ours.history, theirs.history, check_exact=True)
    pd.testing.assert_frame_equal(ours.final, theirs.final, check_exact=True)
    for seed in ours.seeds:
        for a, b in zip(ours.weights(seed), theirs.weights(seed)):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("share_graph", [False, True])
def test_run_grid_returns_what_separate_runs_return(share_graph):
    rates = [0.01, 0.03]
    grid = experiments.run_grid(BLOBS_MIXED, seeds=[3, 1, 4], epochs=3, learning_rates=rates,
                                share_graph=share_graph)
    assert list(grid) == [(name, rate) for name in BLOBS_MIXED for rate in rates]
    for (name, rate), result in grid.items():
        assert result.experiment.name == f"{name}@lr={rate:g}"
        alone = experiments.run(experiments.with_learning_rate(name, rate), seeds=[3, 1, 4], epochs=3)
        _assert_same_result(result, alone)
    # without rates: the experiments as they are, keyed by their own rate; several problems
    names = ["regression/huber", "circles/hinge", "circles/binary_crossentropy"]
    plain = experiments.run_grid(names, seeds=[0, 2], epochs=2)
    assert list(plain) == [(name, 0.01) for name in names]
    for (name, _), result in plain.items():
        _assert_same_result(result, experiments.run(name, seeds=[0, 2], epochs=2))


def test_a_seed_does_not_depend_on_the_replicas_beside_it():
    # Other losses and other rates beside a block: bit for bit the same numbers.
    alone = experiments.run("blobs/kl_divergence", seeds=[5, 6, 7], epochs=4)
    crowded = experiments.run_grid(["blobs/categorical_hinge", "blobs/kl_divergence",
                                    "blobs/sparse_categorical_crossentropy"],
                                   seeds=[5, 6, 7], epochs=4, share_graph=True)
    _assert_same_result(crowded["blobs/kl_divergence", 0.01], alone)
    at_rates = experiments.run_grid(["blobs/kl_divergence", "blobs/categorical_crossentropy"],
                                    seeds=[5, 6, 7], epochs=4, learning_rates=[0.003, 0.01, 0.1],
                                    share_graph=True)
    pd.testing.assert_frame_equal(at_rates["blobs/kl_divergence", 0.01].final, alone.final,
                                  check_exact=True)
    # Other seeds: the same numbers where the seed keeps its place on the replica axis,
    # and to the last bits (position on the 32-byte SIMD boundary) where it moves.
    neighbours = experiments.run("blobs/kl_divergence", seeds=[5, 9, 7], epochs=4)
    pd.testing.assert_frame_equal(neighbours.final.loc[[5, 7]], alone.final.loc[[5, 7]],
                                  check_exact=True)
    moved = experiments.run("blobs/kl_divergence", seeds=[1, 2, 3, 6], epochs=4)
    np.testing.assert_allclose(moved.final.loc[6], alone.final.loc[6], rtol=0, atol=1e-12)


@pytest.mark.parametrize("names, name, rates, rate", [
    (BLOBS_MIXED, "blobs/kl_divergence", [0.01, 0.03], 0.03),
    (BLOBS_MIXED, "blobs/sparse_categorical_crossentropy", [0.01, 0.03], 0.01),
    (["circles/hinge", "circles/binary_crossentropy", "circles/squared_hinge"],
     "circles/binary_crossentropy", [0.01, 0.03], 0.03),  # sigmoid (logits shortcut) beside tanh
    (["digits/mean_squared_error", "digits/categorical_crossentropy"],
     "digits/categorical_crossentropy", [0.001, 0.003], 0.003),  # RMSprop
])
def test_one_replica_in_a_mixed_run_matches_keras_fit(names, name, rates, rate):
    epochs, seed = 3, 4
    grid = experiments.run_grid(names, seeds=[2, seed], epochs=epochs, learning_rates=rates,
                                share_graph=True)
    result = grid[name, rate]
    experiment = experiments.with_learning_rate(name, rate)
    model, keras_rows = _keras_history(experiment, seed, epochs)
    for ours, theirs in zip(result.weights(seed), model.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)
    history = result.history[result.history["seed"] == seed]
    np.testing.assert_allclose(history.iloc[:, 2:].to_numpy(), keras_rows, rtol=0, atol=1e-9)
    data = experiment.data()
    test_loss, test_metric = model.evaluate(data.x_test, data.y_test, verbose=0)
    np.testing.assert_allclose(result.final.loc[seed, ["test_loss", f"test_{result.metric}"]],
                               [test_loss, test_metric], rtol=0, atol=1e-9)


def test_tune_learning_rate_equals_one_run_per_rate():
    rates = [0.003, 0.01, 0.03]
    tuned = experiments.tune_learning_rate("circles/squared_hinge", rates, seeds=[0, 1, 2])
    split = datasets.validation_split(experiments.get("circles/squared_hinge").data(),
                                      fraction=0.2, seed=0)
    for rate in rates:
        one = experiments.run(experiments.with_learning_rate("circles/squared_hinge", rate),
                              [0, 1, 2], data=split).score("accuracy")
        assert tuned.validation.loc[rate, "mean"] == one.mean()
        assert tuned.validation.loc[rate, "sd"] == one.std(ddof=1)


def test_the_graph_cache_is_hit():
    corrupted = _with_outliers()
    experiments.run("regression/log_cosh", seeds=[0, 1], epochs=2)
    traced = _engine.trace_count()
    # the same shapes again: other seeds, epochs, rates, data of the same size, a progress bar
    experiments.run("regression/log_cosh", seeds=[5, 6], epochs=3)
    experiments.run("regression/log_cosh", seeds=[4, 1], epochs=1, data=corrupted)
    experiments.run(experiments.with_learning_rate("regression/log_cosh", 0.05), seeds=[0, 1],
                    epochs=2, progress=True)
    assert _engine.trace_count() == traced
    # a tuning run: one trace for its grid's shape (its final run is the shape above) ...
    experiments.tune_learning_rate("regression/log_cosh", [0.005, 0.02], seeds=[0, 1])
    assert _engine.trace_count() == traced + 1
    # ... which any grid of that shape reuses
    tuning_rows = datasets.validation_split(datasets.regression())
    experiments.run_grid(["regression/log_cosh"], seeds=[7, 8], epochs=2,
                         learning_rates=[0.1, 0.2], data=tuning_rows)
    experiments.tune_learning_rate("regression/log_cosh", [0.001, 0.1], seeds=[3, 4])
    assert _engine.trace_count() == traced + 1
    # a new combination of losses in one graph is traced once, then reused
    pair = ["regression/log_cosh", "regression/huber"]
    experiments.run_grid(pair, seeds=[0, 1], epochs=2, share_graph=True)
    assert _engine.trace_count() == traced + 2
    experiments.run_grid(pair, seeds=[5, 9], epochs=3, share_graph=True)
    assert _engine.trace_count() == traced + 2


@pytest.mark.parametrize("names", [
    ["circles/hinge", "circles/binary_crossentropy"],  # two calls side by side
    ["circles/hinge"],  # one call of 26 replicas, cut into two shards
])
def test_threads_change_no_number(names):
    grid = {}
    for threads in (1, 2):
        previous = _engine.set_threads(threads)
        try:
            grid[threads] = experiments.run_grid(names, seeds=range(13), epochs=2,
                                                 learning_rates=[0.01, 0.05])
        finally:
            _engine.set_threads(previous)
    for key, result in grid[1].items():
        _assert_same_result(grid[2][key], result)


def test_shards_are_cut_on_block_boundaries_or_aligned_offsets():
    # pieces (block, start, stop) of one group: blocks of 10 seeds, alignment 4
    runs = _engine._cut([(0, 0, 10), (1, 0, 10), (2, 0, 10), (3, 0, 10)], 4, 2)
    assert runs == [[(0, 0, 10), (1, 0, 10)], [(2, 0, 10), (3, 0, 10)]]
    runs = _engine._cut([(0, 0, 30)], 4, 2)
    assert runs == [[(0, 0, 16)], [(0, 16, 30)]]  # 16, not 15: a multiple of 4
    assert _engine._cut([(0, 0, 4)], 4, 2) is None  # too small for two shards
    with pytest.raises(ValueError, match="threads must be a positive int or None, got 0"):
        _engine.set_threads(0)


@pytest.mark.parametrize("call, error, message", [
    (lambda: experiments.run_grid("circles/hinge", [0]), TypeError,
     "experiments must be a sequence of names or Experiments, got 'circles/hinge': use ['circles/hinge'] for one"),
    (lambda: experiments.run_grid([], [0]), ValueError, "at least one experiment"),
    (lambda: experiments.run_grid(["circles/hinge", "circles/hinge"], [0]), ValueError,
     "experiments must have distinct names, got ['circles/hinge', 'circles/hinge']"),
    (lambda: experiments.run_grid(["circles/hinge"], [0], learning_rates=[0.1, 0.1]), ValueError,
     "learning_rates must be distinct, got [0.1, 0.1]"),
    (lambda: experiments.run_grid(["circles/hinge"], [0], learning_rates=0.1), ValueError,
     "learning_rates must be a non-empty sequence of rates, got 0.1"),
    (lambda: experiments.run_grid(["circles/hinge"], [0], learning_rates=[-1.0]), ValueError,
     "learning_rates entry must be in (0, inf), got -1.0"),
    (lambda: experiments.run_grid(["circles/hinge"], [0], data={"circles/bce": None}), ValueError,
     "data has no split for experiment 'circles/hinge'; it has ['circles/bce']"),
    (lambda: experiments.run_grid(["circles/hinge"], [0], data=datasets.circles("01")), ValueError,
     "data has targets encoded '01', but experiment 'circles/hinge' expects 'pm1'"),
])
def test_run_grid_rejects_bad_arguments(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_run_grid_takes_one_split_or_one_per_experiment():
    corrupted = _with_outliers()
    names = ["regression/huber", "regression/mean_absolute_error"]
    shared = experiments.run_grid(names, seeds=[0, 1], epochs=2, data=corrupted)
    each = experiments.run_grid(names, seeds=[0, 1], epochs=2,
                                data={names[0]: corrupted, names[1]: datasets.regression()})
    assert shared[names[0], 0.01].data is corrupted and each[names[1], 0.01].data is not corrupted
    _assert_same_result(shared[names[0], 0.01], each[names[0], 0.01])
    _assert_same_result(each[names[1], 0.01], experiments.run(names[1], seeds=[0, 1], epochs=2))


# ---------------------------------------------------------------------------
# The later chapters' targets, losses Keras does not ship, class weights


def _small_network(output_units, output_activation):
    return experiments.Network(16, "relu", "he_uniform", output_units, output_activation)


def _multilabel():
    return experiments.Experiment(
        name="multilabel/binary_crossentropy", problem="multilabel", targets="multilabel",
        network=_small_network(6, "sigmoid"), loss="binary_crossentropy",
        optimizer=experiments.SGD(0.05, 0.9), epochs=3, batch_size=32, metric="accuracy")


def _counts():
    return experiments.Experiment(
        name="poisson_counts/poisson", problem="poisson_counts", targets="counts",
        network=_small_network(1, "exponential"), loss="poisson",
        optimizer=experiments.SGD(0.01, 0.9), epochs=3, batch_size=32, metric="mse")


def _gaussian():
    return experiments.Experiment(
        name="heteroscedastic/gaussian_nll", problem="heteroscedastic", targets="real",
        network=_small_network(2, "linear"), loss="gaussian_nll",
        optimizer=experiments.SGD(0.01, 0.9), epochs=3, batch_size=32, metric="mse")


def _class_weighted(name, weights):
    return dataclasses.replace(experiments.get(name), name=f"{name}_weighted",
                               class_weight=weights)


@pytest.mark.parametrize("make, fit_options", [
    (_multilabel, {}),
    (_counts, {}),
    (_gaussian, {}),  # lossguide.keras_losses.gaussian_nll, 2 units: means and log-variances
    (lambda: _class_weighted("circles/binary_crossentropy", {0: 1.0, 1: 3.0}),
     {"class_weight": {0: 1.0, 1: 3.0}}),
    (lambda: _class_weighted("blobs/categorical_crossentropy", {0: 0.5, 2: 4.0}),
     {"class_weight": {0: 0.5, 2: 4.0}}),  # one-hot rows: the class is the argmax
    (lambda: _class_weighted("blobs/sparse_categorical_crossentropy", {1: 2.5}),
     {"class_weight": {1: 2.5}}),
])
def test_new_targets_losses_and_class_weights_match_keras_fit(make, fit_options):
    experiment = make()
    epochs, seed = 3, 4
    result = experiments.run(experiment, seeds=[2, seed], epochs=epochs)
    model, keras_rows = _keras_history(experiment, seed, epochs, **fit_options)
    for ours, theirs in zip(result.weights(seed), model.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)
    history = result.history[result.history["seed"] == seed]
    np.testing.assert_allclose(history.iloc[:, 2:].to_numpy(), keras_rows, rtol=0, atol=1e-9)
    data = experiment.data()
    test_loss, test_metric = model.evaluate(data.x_test, data.y_test, verbose=0)
    np.testing.assert_allclose(result.final.loc[seed, ["test_loss", f"test_{result.metric}"]],
                               [test_loss, test_metric], rtol=0, atol=1e-9)
    # Result.score agrees with the metric the engine reported
    np.testing.assert_allclose(result.score(result.metric), result.final[f"test_{result.metric}"],
                               rtol=1e-9, atol=1e-12)


def test_class_weight_scales_the_training_loss_only():
    plain = experiments.get("circles/binary_crossentropy")
    doubled = _class_weighted("circles/binary_crossentropy", {0: 2.0, 1: 2.0})
    a = experiments.run(plain, seeds=[0], epochs=1)
    b = experiments.run(dataclasses.replace(doubled, optimizer=experiments.SGD(0.005, 0.9)),
                        seeds=[0], epochs=1)
    # w = 2 everywhere with half the rate: the same steps, twice the reported training loss
    np.testing.assert_allclose(b.history["train_loss"], 2 * a.history["train_loss"], rtol=1e-9)
    np.testing.assert_allclose(b.history["test_loss"], a.history["test_loss"], rtol=1e-9)
    np.testing.assert_allclose(b.final, a.final, rtol=1e-9)
    assert doubled.sample_weight([0, 1, 1]).tolist() == [2.0, 2.0, 2.0]
    assert _class_weighted("circles/binary_crossentropy", {1: 3}).class_weight == {1: 3.0}


@pytest.mark.parametrize("make, error, message", [
    (lambda: _class_weighted("regression/huber", {0: 2.0}), ValueError,
     "class_weight needs one class per row ('01', 'pm1', 'int' or 'onehot' targets), got targets 'real'"),
    (lambda: _class_weighted("circles/hinge", {"a": 2.0}), TypeError,
     "class_weight keys must be class indices (int), got str: 'a'"),
    (lambda: _class_weighted("circles/hinge", {1: -2.0}), ValueError,
     "class_weight[1] must be in [0, inf), got -2.0"),
    (lambda: _class_weighted("circles/hinge", [2.0]), TypeError,
     "class_weight must be a dict {class index: weight} or 'balanced', got list: [2.0]"),
    (lambda: dataclasses.replace(_gaussian(), network=_small_network(1, "linear")), ValueError,
     "output_units must be even for loss 'gaussian_nll' (a mean and a log-variance per target "
     "column), got 1"),
    (lambda: dataclasses.replace(_counts(), metric="accuracy"), ValueError,
     "metric 'accuracy' needs class targets, got targets 'counts'; use 'mse'"),
])
def test_new_fields_are_checked(make, error, message):
    with pytest.raises(error, match=re.escape(message)):
        make()


@pytest.mark.parametrize("make, y_train, message", [
    (_multilabel, lambda y: y[:, :4],
     "data.y_train must be 0/1 rows of shape (n, 6) for output_units=6, got (1000, 4)"),
    (_multilabel, lambda y: _bad_value(y, (3, 2), 0.5),
     "data.y_train must hold 0/1 labels for 'multilabel' targets, got ["),
    (_counts, lambda y: _bad_value(y, 5, 1.5),
     "data.y_train must hold whole numbers >= 0 for 'counts' targets, got 1.5 at row 5"),
    (_counts, lambda y: _bad_value(y, 0, -1.0),
     "data.y_train must hold whole numbers >= 0 for 'counts' targets, got -1.0 at row 0"),
    (_gaussian, lambda y: np.stack([y, y], axis=1),
     "data.y_train must be one column for 'real' targets, got shape (500, 2)"),
])
def test_new_targets_are_checked(make, y_train, message):
    experiment = make()
    data = experiment.data()
    with pytest.raises(ValueError, match=re.escape(message)):
        experiments.run(experiment, seeds=[0], epochs=1,
                        data=_split(data, y_train=y_train(data.y_train)))


def test_loss_names_resolve_to_lossguide_keras_losses_first():
    import keras

    from lossguide import keras_losses

    for name in keras_losses.NAMES:
        assert _engine.resolve_loss(name) is keras_losses.get(name)
    assert _engine.resolve_loss("mse") is keras.losses.get("mse")
    assert _engine.resolve_loss(keras.losses.hinge) is keras.losses.hinge
    model = _gaussian().keras_model()
    assert model.loss is keras_losses.gaussian_nll


def test_a_graph_is_not_reused_at_another_keras_epsilon():
    # Keras's losses read keras.config.epsilon() when they are traced (the clip in
    # kl_divergence), so a graph traced at 1e-7 must not serve a run at 1e-300.
    import keras

    default = experiments.run("blobs/kl_divergence", seeds=[0, 1], epochs=2)
    keras.config.set_epsilon(1e-300)
    try:
        unclipped = experiments.run("blobs/kl_divergence", seeds=[0, 1], epochs=2)
        _engine.clear_cache()
        fresh = experiments.run("blobs/kl_divergence", seeds=[0, 1], epochs=2)
    finally:
        keras.config.set_epsilon(1e-7)
    pd.testing.assert_frame_equal(unclipped.history, fresh.history)
    # the clip matters on this problem (saturated points), so the runs differ
    assert not default.history["train_loss"].equals(unclipped.history["train_loss"])
    again = experiments.run("blobs/kl_divergence", seeds=[0, 1], epochs=2)
    pd.testing.assert_frame_equal(again.history, default.history)


# ---------------------------------------------------------------------------
# The imbalance chapter's experiments and weights resolved from the training rows

IMBALANCE_NAMES = [name for name in experiments.names()
                   if name.split("/")[0] in ("imbalanced", "imbalanced_blobs", "multilabel")]


def test_the_imbalance_chapters_experiments_are_registered():
    assert len(IMBALANCE_NAMES) == 13
    for name in IMBALANCE_NAMES:
        e = experiments.get(name)
        assert (e.network.hidden_units, e.network.hidden_activation, e.network.initializer) == (
            32, "relu", "he_uniform")
        assert e.optimizer.name == "rmsprop" and e.description
        binary = e.problem == "imbalanced"
        assert (e.epochs, e.batch_size) == ((25, 128) if binary else (20, 64))
    assert experiments.get("imbalanced/binary_crossentropy_class_weight").class_weight == "balanced"
    assert experiments.get("imbalanced/binary_crossentropy_alpha0.25").class_weight == {
        0: 0.75, 1: 0.25}
    assert experiments.get("multilabel/categorical_crossentropy").output_activation == "softmax"


@pytest.mark.parametrize("name", IMBALANCE_NAMES)
def test_every_imbalance_experiment_builds_a_keras_model(name):
    experiment = experiments.get(name)
    model = experiment.keras_model()
    data = experiment.data()
    assert model.predict(data.x_test[:3], verbose=0).shape == (3, experiment.output_units)


@pytest.mark.parametrize("name, one_hot", [
    ("imbalanced/binary_crossentropy_class_weight", False),
    ("imbalanced_blobs/categorical_crossentropy_class_weight", True),
])
def test_balanced_class_weights_are_scikit_learns(name, one_hot):
    from sklearn.utils.class_weight import compute_class_weight

    experiment = experiments.get(name)
    y = datasets.validation_split(experiment.data()).y_train
    labels = y.argmax(axis=1) if one_hot else y.astype(int)
    classes = np.unique(labels)
    expected = dict(zip(classes.tolist(),
                        compute_class_weight("balanced", classes=classes, y=labels).tolist()))
    assert experiment.resolved_class_weight(y) == expected
    # n / (K n_c), bit for bit: what the chapter computed by hand before
    counts = np.bincount(labels)
    assert expected == {k: len(labels) / (len(counts) * int(c)) for k, c in enumerate(counts)}
    np.testing.assert_array_equal(experiment.sample_weight(y),
                                  [expected[label] for label in labels])
    assert dict(experiment.resolve(y).class_weight) == expected
    # a mapping is returned as it is; no class_weight, no weights
    fixed = experiments.get("imbalanced/binary_crossentropy_alpha0.75")
    assert fixed.resolved_class_weight([0, 1]) == {0: 0.25, 1: 0.75}
    assert experiments.get("imbalanced/binary_crossentropy").resolved_class_weight([0, 1]) is None


def test_balanced_pos_weight_is_negatives_over_positives_and_trains_as_the_number():
    balanced = experiments.get("imbalanced/weighted_binary_crossentropy")
    data = datasets.validation_split(balanced.data())
    n_positive = int(data.y_train.sum())
    ratio = (len(data.y_train) - n_positive) / n_positive
    assert balanced.resolved_loss_options(data.y_train) == {"pos_weight": ratio}
    assert balanced.resolve(data.y_train).loss_options == {"pos_weight": ratio}
    by_word = experiments.run(balanced, seeds=[0, 1], epochs=1, data=data)
    by_number = experiments.run(
        dataclasses.replace(balanced, loss_options={"pos_weight": ratio}), seeds=[0, 1],
        epochs=1, data=data)
    pd.testing.assert_frame_equal(by_word.history, by_number.history)
    # the Result holds the number its run used, so it rebuilds as a Keras model
    assert by_word.experiment.loss_options == {"pos_weight": ratio}
    assert by_word.keras_evaluate().shape == (2, 2)


def test_balanced_class_weight_trains_as_the_resolved_dict():
    balanced = experiments.get("imbalanced/binary_crossentropy_class_weight")
    data = datasets.validation_split(balanced.data())
    numbers = dataclasses.replace(balanced, class_weight=balanced.resolved_class_weight(
        data.y_train))
    a = experiments.run(balanced, seeds=[0], epochs=1, data=data)
    b = experiments.run(numbers, seeds=[0], epochs=1, data=data)
    pd.testing.assert_frame_equal(a.history, b.history)
    assert a.experiment.class_weight == numbers.class_weight


def test_balanced_experiments_pickle_and_nothing_to_resolve_is_itself():
    import pickle

    for name in ("imbalanced/binary_crossentropy_class_weight",
                 "imbalanced/weighted_binary_crossentropy"):
        e = experiments.get(name)
        assert pickle.loads(pickle.dumps(e)) == e
    plain = experiments.get("imbalanced/binary_crossentropy")
    assert plain.resolve([0, 1]) is plain


@pytest.mark.parametrize("make, error, message", [
    (lambda: _class_weighted("circles/binary_crossentropy", "balance"), ValueError,
     "class_weight must be a dict {class index: weight} or 'balanced', got 'balance'"),
    (lambda: _class_weighted("circles/binary_crossentropy", 3.0), TypeError,
     "class_weight must be a dict {class index: weight} or 'balanced', got float: 3.0"),
    (lambda: _class_weighted("regression/huber", "balanced"), ValueError,
     "class_weight needs one class per row ('01', 'pm1', 'int' or 'onehot' targets), got "
     "targets 'real'"),
    (lambda: dataclasses.replace(experiments.get("imbalanced/weighted_binary_crossentropy"),
                                 loss_options={"pos_weight": "auto"}), ValueError,
     "loss_options['pos_weight'] must be a number or 'balanced', got 'auto'"),
    (lambda: dataclasses.replace(experiments.get("circles/hinge"),
                                 loss_options={"pos_weight": "balanced"}), ValueError,
     "loss_options['pos_weight'] = 'balanced' needs {0, 1} targets ('01'), got targets 'pm1'"),
    (lambda: experiments.get("imbalanced/weighted_binary_crossentropy").resolved_loss_options(
        [0, 0, 0]), ValueError,
     "loss_options['pos_weight'] = 'balanced' needs at least one positive row in y_train, "
     "got none"),
    (lambda: experiments.get("imbalanced/binary_crossentropy_class_weight")
     .resolved_class_weight([]), ValueError, "y_train must hold at least one row, got none"),
    (lambda: experiments.get("imbalanced/weighted_binary_crossentropy").resolved_loss_options(
        [1, 1, 1]), ValueError,
     "loss_options['pos_weight'] = 'balanced' needs at least one negative row in y_train, "
     "got none"),
    (lambda: experiments.get("imbalanced/binary_crossentropy_class_weight")
     .resolved_class_weight([0.0, np.nan, 1.0]), ValueError,
     "y_train must be finite, got nan at flat position 1"),
    (lambda: experiments.get("imbalanced/weighted_binary_crossentropy").resolved_loss_options(
        [0.0, np.inf, 1.0]), ValueError, "y_train must be finite, got inf at flat position 1"),
    (lambda: experiments.get("imbalanced/binary_crossentropy_class_weight")
     .resolved_class_weight(["a"]), TypeError, "y_train must be an array of numbers, got list"),
])
def test_balanced_weights_reject_bad_values_naming_the_argument(make, error, message):
    with pytest.raises(error, match=re.escape(message)):
        make()


# ---------------------------------------------------------------------------
# Seeds from several runs; learning rates chosen by any held-out score


def test_concatenate_reads_like_one_run_of_every_seed():
    together = experiments.run("circles/hinge", seeds=[0, 1, 2], epochs=2)
    first = experiments.run("circles/hinge", seeds=[0, 1], epochs=2)
    second = experiments.run("circles/hinge", seeds=[2], epochs=2, data=first.data)
    joined = experiments.concatenate([first, second])
    assert joined.seeds == (0, 1, 2)
    pd.testing.assert_frame_equal(joined.history, together.history)
    pd.testing.assert_frame_equal(joined.final, together.final)
    x = together.data.x_test
    np.testing.assert_array_equal(joined.predict(x), together.predict(x))
    np.testing.assert_array_equal(joined.predict(x, seed=2), second.predict(x, seed=2))
    for ours, theirs in zip(joined.weights(1), first.weights(1)):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("make, error, message", [
    (lambda a, b: experiments.concatenate(a), TypeError,
     "results must be a non-empty list of Result, got Result("),
    (lambda a, b: experiments.concatenate([]), TypeError,
     "results must be a non-empty list of Result, got []"),
    (lambda a, b: experiments.concatenate([a, "b"]), TypeError,
     "results[1] must be a Result, got str: 'b'"),
    (lambda a, b: experiments.concatenate([a, a]), ValueError,
     "results must have disjoint seeds, got [0, 0]"),
    (lambda a, b: experiments.concatenate([a, b]), ValueError,
     "results[1] trained 'circles/squared_hinge', results[0] 'circles/hinge'"),
])
def test_concatenate_rejects_runs_that_do_not_belong_together(make, error, message):
    a = experiments.run("circles/hinge", seeds=[0], epochs=1)
    b = experiments.run("circles/squared_hinge", seeds=[1], epochs=1)
    with pytest.raises(error, match=re.escape(message)):
        make(a, b)


def _average_precision(y, output):
    from lossguide import metrics

    return metrics.average_precision(y, output[:, 0])


def test_choose_learning_rates_keeps_the_best_mean_score_then_trains_the_other_seeds():
    held_out = datasets.validation_split(experiments.get("circles/binary_crossentropy").data())
    candidates = {"BCE": "circles/binary_crossentropy",
                  "focal": experiments.get("circles/binary_focal_crossentropy")}
    rates = {"BCE": [0.01, 0.05], "focal": [0.01, 0.05, 0.1]}
    results, tables = experiments.choose_learning_rates(
        candidates, rates, held_out, _average_precision, seeds=[0, 1, 2], tuning_seeds=2)
    for label, name in (("BCE", "circles/binary_crossentropy"),
                        ("focal", "circles/binary_focal_crossentropy")):
        grid = experiments.run_grid([name], [0, 1], learning_rates=rates[label], data=held_out)
        expected = {rate: np.mean([_average_precision(held_out.y_test, o)
                                   for o in grid[name, rate].predict(held_out.x_test)])
                    for rate in rates[label]}
        assert tables[label].to_dict() == expected
        best = max(expected, key=expected.get)
        assert results[label].experiment.optimizer.learning_rate == best
        assert results[label].seeds == (0, 1, 2)
        # the tuning seeds are the grid's run; the third seed trained at the chosen rate
        alone = experiments.run(experiments.with_learning_rate(name, best), seeds=[2],
                                data=held_out)
        np.testing.assert_array_equal(results[label].predict(held_out.x_test, seed=2),
                                      alone.predict(held_out.x_test, seed=2))
        np.testing.assert_array_equal(results[label].predict(held_out.x_test, seed=0),
                                      grid[name, best].predict(held_out.x_test, seed=0))
    # without tuning_seeds every seed chooses and nothing more is trained
    every, _ = experiments.choose_learning_rates({"BCE": "circles/binary_crossentropy"},
                                                 [0.01], held_out, _average_precision, [0, 1])
    assert every["BCE"].seeds == (0, 1)


def test_choose_learning_rates_never_chooses_a_rate_with_non_finite_outputs():
    held_out = datasets.validation_split(experiments.get("regression/mean_squared_error").data())
    results, tables = experiments.choose_learning_rates(
        {"MSE": "regression/mean_squared_error"}, [0.01, 5.0], held_out,
        lambda y, output: -np.mean((output[:, 0] - y) ** 2), seeds=[0, 1])
    assert np.isnan(tables["MSE"][5.0]) and results["MSE"].experiment.optimizer.learning_rate == 0.01
    with pytest.raises(ValueError, match=re.escape(
            "every learning rate in [5.0] gave non-finite outputs for 'MSE'")):
        experiments.choose_learning_rates({"MSE": "regression/mean_squared_error"}, [5.0],
                                          held_out, lambda y, o: 0.0, seeds=[0])


@pytest.mark.parametrize("kwargs, error, message", [
    ({"experiments": []}, TypeError, "experiments must be a non-empty dict {label: experiment}"),
    ({"learning_rates": {"other": [0.01]}}, ValueError,
     "learning_rates has no grid for ['BCE']; it has ['other']"),
    ({"learning_rates": []}, ValueError, "learning_rates must be a non-empty sequence of rates"),
    ({"data": "circles"}, TypeError,
     "data must be a lossguide.datasets.Split (or one per label), got str for 'BCE'"),
    ({"score": "average_precision"}, TypeError,
     "score must be a function score(y_true, outputs), got str: 'average_precision'"),
    ({"tuning_seeds": 3}, ValueError, "tuning_seeds must be at most the 2 seeds, got 3"),
    ({"tuning_seeds": 0}, ValueError, "tuning_seeds must be a positive int, got 0"),
])
def test_choose_learning_rates_names_bad_arguments(kwargs, error, message):
    arguments = {"experiments": {"BCE": "circles/binary_crossentropy"},
                 "learning_rates": [0.01], "data": experiments.get(
                     "circles/binary_crossentropy").data(),
                 "score": _average_precision, "seeds": [0, 1], **kwargs}
    with pytest.raises(error, match=re.escape(message)):
        experiments.choose_learning_rates(**arguments)


def test_choose_learning_rates_names_two_labels_of_one_experiment():
    with pytest.raises(ValueError, match=re.escape(
            "experiments must hold each experiment under one label only, got "
            "'circles/binary_crossentropy' under ['BCE', 'plain']")):
        experiments.choose_learning_rates(
            {"BCE": "circles/binary_crossentropy", "plain": "circles/binary_crossentropy"},
            [0.01], experiments.get("circles/binary_crossentropy").data(), _average_precision,
            seeds=[0, 1])


# ---------------------------------------------------------------------------
# Label noise: fitted flips, their chance level, and a cross-fitted peak


@pytest.fixture(scope="module")
def noisy_blobs_run():
    noisy = datasets.flip_labels(datasets.blobs(), 0.4)
    return experiments.run("blobs/sparse_categorical_crossentropy", seeds=[0, 1, 2, 3],
                           epochs=5, data=noisy)


def test_flipped_labels_fitted_and_its_chance_level_by_hand(noisy_blobs_run):
    result = noisy_blobs_run
    data = result.data
    flipped = data.noise.flipped
    predicted = np.stack([result.predict(data.x_train, seed).argmax(axis=1)
                          for seed in result.seeds])
    given, true = data.y_train.astype(int), data.noise.y_clean.astype(int)
    fitted = experiments.flipped_labels_fitted(result)
    chance = experiments.flipped_labels_fitted_by_chance(result)
    assert list(fitted.index) == [0, 1, 2, 3] and fitted.index.name == "seed"
    np.testing.assert_array_equal(fitted, (predicted[:, flipped] == given[flipped]).mean(axis=1))
    np.testing.assert_array_equal(chance,
                                  (predicted[:, flipped] != true[flipped]).mean(axis=1) / 2)
    # one-hot targets: the same shares
    onehot = datasets.flip_labels(datasets.blobs(one_hot=True), 0.4)
    hot = experiments.run("blobs/categorical_crossentropy", seeds=[0], epochs=2, data=onehot)
    classes = hot.predict(onehot.x_train, 0).argmax(axis=1)
    assert experiments.flipped_labels_fitted(hot).iloc[0] == np.mean(
        classes[onehot.noise.flipped] == onehot.y_train.argmax(axis=1)[onehot.noise.flipped])


def test_cross_fitted_peak_takes_each_half_at_the_other_halfs_best_epoch(noisy_blobs_run):
    result = noisy_blobs_run
    curves = result.history.pivot(index="epoch", columns="seed", values="test_accuracy")
    values, epochs = experiments.cross_fitted_peak(result)
    first = int(curves[[2, 3]].mean(axis=1).idxmax())
    second = int(curves[[0, 1]].mean(axis=1).idxmax())
    assert epochs == [first, second]
    assert values.to_dict() == {0: curves.loc[first, 0], 1: curves.loc[first, 1],
                                2: curves.loc[second, 2], 3: curves.loc[second, 3]}
    loss_values, _ = experiments.cross_fitted_peak(result, "train_accuracy")
    assert len(loss_values) == 4


@pytest.mark.parametrize("call, error, message", [
    (lambda r: experiments.flipped_labels_fitted("run"), TypeError,
     "result must be a Result, got str"),
    (lambda r: experiments.flipped_labels_fitted(
        experiments.run("blobs/categorical_crossentropy", [0], epochs=1)), ValueError,
     "result of 'blobs/categorical_crossentropy' was trained on clean labels (data.noise is "
     "None): use lossguide.datasets.flip_labels"),
    (lambda r: experiments.cross_fitted_peak(r, "val_accuracy"), ValueError,
     "column must be one of ['train_loss', 'test_loss', 'train_accuracy', 'test_accuracy'], "
     "got 'val_accuracy'"),
    (lambda r: experiments.cross_fitted_peak(
        experiments.run("blobs/categorical_crossentropy", [0], epochs=1)), ValueError,
     "result must have at least 2 seeds to cross-fit, got 1"),
    (lambda r: experiments.cross_fitted_peak(
        experiments.run("regression/huber", [0, 1], epochs=1)), ValueError,
     "column is needed for a 'mse' experiment (higher must be better), e.g. "
     "column='test_accuracy'"),
    (lambda r: experiments.cross_fitted_peak(r, "test_loss"), ValueError,
     "column must be one where higher is better, got 'test_loss' (a loss or squared error: "
     "lower is better)"),
    (lambda r: experiments.flipped_labels_fitted_by_chance(experiments.run(
        "blobs/sparse_categorical_crossentropy", [0], epochs=1,
        data=datasets.flip_labels(datasets.blobs(), 0.4, kind="pair"))), ValueError,
     "the chance level 1/(K - 1) holds for symmetric noise only, got labels flipped with kind "
     "'pair', whose flips all go to one class per class"),
    (lambda r: experiments.flipped_labels_fitted(experiments.run(
        "blobs/sparse_categorical_crossentropy", [0], epochs=1,
        data=datasets.flip_labels(datasets.blobs(), 0.0))), ValueError,
     "result of 'blobs/sparse_categorical_crossentropy' was trained on a split with no flipped "
     "row (data.noise.flipped is all False): no share to compute"),
])
def test_label_noise_functions_name_bad_input(noisy_blobs_run, call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call(noisy_blobs_run)


def test_choose_learning_rates_takes_one_split_per_label():
    onehot = datasets.validation_split(datasets.blobs(one_hot=True))
    integer = datasets.validation_split(datasets.blobs())
    from lossguide import metrics

    def accuracy_of(y, outputs):
        return metrics.accuracy(y, outputs, rule="argmax").mean()

    results, tables = experiments.choose_learning_rates(
        {"CE": "blobs/categorical_crossentropy", "sparse": "blobs/sparse_categorical_crossentropy"},
        [0.01, 0.02], {"CE": onehot, "sparse": integer}, accuracy_of, seeds=[0, 1])
    for label, name, split in (("CE", "blobs/categorical_crossentropy", onehot),
                               ("sparse", "blobs/sparse_categorical_crossentropy", integer)):
        grid = experiments.run_grid([name], [0, 1], learning_rates=[0.01, 0.02], data=split)
        # the score is Result.score("accuracy"), mean over the seeds
        assert tables[label].to_dict() == {
            rate: grid[name, rate].score("accuracy").mean() for rate in (0.01, 0.02)}
        assert results[label].data is split
    with pytest.raises(ValueError, match=re.escape("data has no split for ['sparse']")):
        experiments.choose_learning_rates(
            {"CE": "blobs/categorical_crossentropy",
             "sparse": "blobs/sparse_categorical_crossentropy"},
            [0.01], {"CE": onehot}, accuracy_of, seeds=[0])
