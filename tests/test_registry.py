"""The loss table itself: every record is complete, consistent and agrees with Keras.

A loss is added in three files, four without a Keras function (CONTRIBUTING.md,
"Add a loss"); this test is what fails when one of them is forgotten: a record
without a gradient, a derivation, a plot domain, reference values, a Keras twin
that exists or, without one, a keras.ops version in lossguide.keras_losses.
"""

import dataclasses

import numpy as np
import pytest
import sympy as sp
from conftest import sample_kind
from numpy.testing import assert_allclose

from lossguide import derive, gradients, keras_losses, losses, registry


def defects(spec):
    """What a record lacks or gets wrong, as readable strings (empty when complete)."""
    found = []
    if getattr(losses, spec.name, None) is not spec.loss:
        found.append("loss is not lossguide.losses.<name>")
    if getattr(gradients, spec.name, None) is not spec.gradient:
        found.append("gradient is not lossguide.gradients.<name>")
    for field in ("y_true", "y_pred"):
        if getattr(spec, field) not in registry.INPUT_KINDS:
            found.append(f"{field} kind {getattr(spec, field)!r} is not in INPUT_KINDS")
    if spec.plot_domain not in registry.DOMAINS:
        found.append(f"plot domain {spec.plot_domain!r} is not in DOMAINS")
    if spec.structure not in ("element", "vector"):
        found.append(f"structure {spec.structure!r}")
    if spec.activation not in derive.ACTIVATIONS:
        found.append(f"activation {spec.activation!r} is not one derive knows")
    if not callable(spec.symbolic) or not callable(spec.textbook):
        found.append("no SymPy form or textbook gradient")
    if not spec.note:
        found.append("no note")
    if not spec.references:
        found.append("no reference values")
    if not spec.test_options:
        found.append("no option sets for the common tests")
    if spec.at_perfect not in ("zero", "clipped", "minimum", "unbounded"):
        found.append(f"at_perfect {spec.at_perfect!r}")
    if spec.name not in derive.NAMES:
        found.append("derive has no derivation")
    if spec.keras is None and not spec.reference_twin:
        found.append("no Keras twin and no reference_twin")
    if spec.keras is None and spec.name not in keras_losses.NAMES:
        found.append("no Keras twin and no keras.ops version in lossguide.keras_losses")
    return found


@pytest.mark.parametrize("name", registry.NAMES)
def test_every_record_is_complete(name):
    assert defects(registry.get(name)) == []


def test_an_incomplete_record_is_caught():
    # The check above must be able to fail: a record missing its references and
    # its plot domain, with a wrong gradient, is reported on all three counts.
    spec = registry.get("huber")
    broken = dataclasses.replace(spec, references=(), plot_domain="", gradient=gradients.log_cosh)
    assert defects(broken) == [
        "gradient is not lossguide.gradients.<name>",
        "plot domain '' is not in DOMAINS",
        "no reference values",
    ]
    # A loss without a Keras function needs the call it reproduces and a keras.ops version.
    assert defects(dataclasses.replace(spec, keras=None)) == [
        "no Keras twin and no reference_twin",
        "no Keras twin and no keras.ops version in lossguide.keras_losses",
    ]


def test_records_are_immutable_and_hashable():
    spec = registry.get("mse")
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.name = "x"
    with pytest.raises(TypeError):
        registry.SPECS["new"] = spec
    assert len({hash(s) for s in registry.SPECS.values()}) == len(registry.SPECS)
    assert all(isinstance(r.expected, tuple) for s in registry.SPECS.values() for r in s.references)


def test_identifiers_resolve_to_one_record_each():
    seen = {}
    for spec in registry.SPECS.values():
        for identifier in spec.identifiers:
            assert identifier not in seen, f"{identifier!r} names {seen.get(identifier)} and {spec.name}"
            seen[identifier] = spec.name
            assert registry.get(identifier) is spec
            assert losses.get(identifier) is spec.loss
            assert gradients.get(identifier) is spec.gradient
    assert not set(seen) & set(registry.KERAS_WITHOUT_TWIN)


@pytest.mark.parametrize("name", registry.NAMES)
def test_reference_values(name):
    spec = registry.get(name)
    for reference in spec.references:
        got = spec.loss(np.asarray(reference.y_true), np.asarray(reference.y_pred), **reference.kwargs)
        assert_allclose(got, reference.expected, rtol=1e-13, atol=0)


def _keras_value(keras, spec, reference):
    y_true = np.asarray(reference.y_true)
    y_pred = np.asarray(reference.y_pred, dtype="float64")
    if spec.name == "weighted_binary_crossentropy":  # the tf.nn twin, averaged over the last axis
        import tensorflow as tf

        options = reference.kwargs
        values = tf.nn.weighted_cross_entropy_with_logits(
            labels=y_true.astype("float64"), logits=y_pred, pos_weight=options["pos_weight"]
        )
        return np.asarray(values).mean(axis=-1)
    if spec.keras is None:  # the keras.ops version its record names
        assert spec.reference_twin.startswith(f"lossguide.keras_losses.{spec.name} ")
        function = keras_losses.get(spec.name)
        return np.asarray(function(y_true.astype("float64"), y_pred, **reference.kwargs))
    if spec.y_true != "class_index":
        y_true = y_true.astype("float64")
    return np.asarray(getattr(keras.losses, spec.keras)(y_true, y_pred, **reference.kwargs))


@pytest.mark.parametrize("name", registry.NAMES)
def test_reference_values_are_what_the_installed_keras_computes(keras, name):
    spec = registry.get(name)
    for reference in spec.references:
        theirs = _keras_value(keras, spec, reference)
        if name == "log_cosh":
            # Keras 3.15 builds log 2 in float32: its float64 log-cosh is offset by -1.9e-9.
            theirs = theirs + float(np.float32(np.log(np.float32(2.0)))) - np.log(2.0)
        assert_allclose(reference.expected, theirs, rtol=1e-13, atol=0)


@pytest.mark.parametrize("name", registry.NAMES)
def test_keras_names_are_what_keras_3_accepts(keras, name):
    spec = registry.get(name)
    if spec.keras is None:
        assert name in ("weighted_binary_crossentropy", "pinball", "gaussian_nll")
        assert not hasattr(keras.losses, name)
        with pytest.raises(ValueError, match="Could not interpret loss identifier"):
            keras.losses.get(name)
        return
    assert issubclass(getattr(keras.losses, spec.keras_class), keras.losses.Loss)
    if name in keras_losses.NAMES:
        # Keras defines the function and the class but does not register them.
        for identifier in (spec.keras, spec.keras_class):
            with pytest.raises(ValueError, match="Could not interpret loss identifier"):
                keras.losses.get(identifier)
        assert name == "categorical_generalized_cross_entropy"
        return
    assert keras.losses.get(spec.keras) is getattr(keras.losses, spec.keras)
    assert keras.losses.get(spec.keras_class) is not None
    for alias in spec.aliases:
        assert keras.losses.get(alias) is not None
    for old in spec.removed_in_keras_3:
        with pytest.raises(ValueError, match="Could not interpret loss identifier"):
            keras.losses.get(old)


def test_keras_losses_without_twin_exist_in_keras(keras):
    for name in registry.KERAS_WITHOUT_TWIN:
        assert hasattr(keras.losses, name), name


def test_every_public_keras_loss_function_has_a_twin_or_is_listed(keras):
    # Keras 3.15.1's functional losses: twinned here, or named in KERAS_WITHOUT_TWIN.
    import inspect

    functions = {name for name, value in vars(keras.losses).items()
                 if inspect.isfunction(value) and name not in ("get", "serialize", "deserialize")}
    twinned = {spec.keras for spec in registry.SPECS.values() if spec.keras}
    assert functions - twinned == set(registry.KERAS_WITHOUT_TWIN)


def test_twin_names_the_call_each_loss_reproduces():
    assert registry.get("mse").twin == "keras.losses.mean_squared_error"
    assert registry.get("weighted_binary_crossentropy").twin.startswith(
        "tf.nn.weighted_cross_entropy_with_logits")
    assert registry.get("pinball").twin.startswith("lossguide.keras_losses.pinball ")
    assert registry.get("gaussian_nll").twin.startswith("lossguide.keras_losses.gaussian_nll ")


@pytest.mark.parametrize("name", registry.NAMES)
def test_symbolic_form_has_the_declared_options(name):
    spec = registry.get(name)
    if spec.structure == "element":
        y, a = sp.symbols("y a", real=True)
    else:
        y, a = sp.symbols("y1:4", real=True), sp.symbols("p1:4", positive=True)
    expression = spec.symbolic(y, a, registry.SYMBOLS)
    used = {name for name, symbol in registry.SYMBOLS.items() if expression.has(symbol)}
    assert used == set(spec.symbolic_options)
    assert set(spec.symbolic_options) <= {option for option, _ in spec.options}


@pytest.mark.parametrize("kind", sorted(registry.INPUT_KINDS))
def test_every_input_kind_has_a_generator(kind):
    values = sample_kind(kind, np.random.default_rng(0), (5, 3))
    assert np.isfinite(values).all()
