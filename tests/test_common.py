"""Invariants every loss of the table (lossguide.registry.SPECS) must satisfy.

The inputs come from each record's input kinds (tests/conftest.py), and what
the loss does at a perfect prediction from its ``at_perfect`` and
``can_be_negative`` facts, so a new loss is tested the moment it is
registered. Output shapes are compared with Keras 3.15.1.
"""

import re

import numpy as np
import pytest
from conftest import cases, make_case
from numpy.testing import assert_allclose, assert_array_equal

from lossguide import losses, registry

K = 4
# weighted_binary_crossentropy needs pos_weight: its option sets come from its record.
NAMES = registry.NAMES


def options_of(name):
    return dict(registry.get(name).test_options[0])


def perfect_prediction(name, y_true, options):
    """A prediction at which the loss should be minimal (zero for most losses)."""
    spec = registry.get(name)
    if spec.y_true == "class_index":
        return np.eye(K)[y_true]
    if spec.y_pred == "logits" or options.get("from_logits"):
        raise AssertionError("no finite logit is a perfect prediction")
    return y_true.copy()


@pytest.fixture
def rng():
    return np.random.default_rng(7)


@pytest.mark.parametrize("name, options", cases())
def test_loss_is_nonnegative_unless_its_record_says_otherwise(name, options, rng):
    y_true, y_pred, options = make_case(name, rng, options=options)
    result = losses.get(name)(y_true, y_pred, **options)
    assert result.shape == (6,) and result.dtype == np.float64
    if not registry.get(name).can_be_negative:
        assert (result >= 0).all()


def test_poisson_really_can_be_negative():
    assert registry.get("poisson").can_be_negative
    assert (losses.poisson([[3.0]], [[3.0]]) < 0).all()


# At a perfect prediction: probability-path cases without label smoothing (with
# smoothing the minimum is at the smoothed label; no finite logit is perfect), and
# not the losses without a minimum (gaussian_nll: no finite variance is perfect).
PERFECT_CASES = [
    param for param in cases()
    if registry.get(param.values[0]).y_pred != "logits"
    and registry.get(param.values[0]).at_perfect != "unbounded"
    and not dict(param.values[1]).get("from_logits")
    and not dict(param.values[1]).get("label_smoothing")
]


@pytest.mark.parametrize("name, options", PERFECT_CASES)
def test_minimal_at_a_perfect_prediction(name, options, rng):
    y_true, _, options = make_case(name, rng, options=options)
    loss = losses.get(name)
    spec = registry.get(name)
    result = loss(y_true, perfect_prediction(name, y_true, options), **options)
    if spec.at_perfect == "minimum":
        # Not zero, but minimal: moving the rate up, or down where it can move
        # (a count of 0 has its minimum at rate 0), increases every sample's loss.
        assert (result < loss(y_true, y_true * 1.1 + 0.01, **options)).all()
        lowered = y_true * 0.9
        moved = (lowered != y_true).any(axis=-1)
        assert moved.any()
        assert (result[moved] < loss(y_true, lowered, **options)[moved]).all()
    elif spec.at_perfect == "clipped":
        # Keras's clip leaves at most about 1e-7 per class, -log(1 - 1e-7) (focal: 0).
        assert (result >= 0).all() and (result <= K * 1e-7 * 1.01).all()
    else:
        assert spec.at_perfect == "zero"
        assert_array_equal(result, 0.0)


@pytest.mark.parametrize("name", NAMES)
def test_permuting_samples_permutes_outputs(name, rng):
    y_true, y_pred, options = make_case(name, rng, options=options_of(name))
    order = rng.permutation(len(y_pred))
    loss = losses.get(name)
    assert_array_equal(
        loss(y_true[order], y_pred[order], **options), loss(y_true, y_pred, **options)[order]
    )


@pytest.mark.parametrize("name", NAMES)
def test_float32_and_float64_inputs_agree(name, rng):
    y_true, y_pred, options = make_case(name, rng, options=options_of(name))
    loss = losses.get(name)
    single_true = y_true if y_true.dtype.kind == "i" else y_true.astype(np.float32)
    single = loss(single_true, y_pred.astype(np.float32), **options)
    assert single.dtype == np.float64
    assert_allclose(single, loss(y_true, y_pred, **options), rtol=2e-6, atol=1e-6)
    # float32 inputs are widened exactly, then computed in float64: no extra rounding.
    widened = loss(
        np.asarray(single_true, dtype=np.float64),
        y_pred.astype(np.float32).astype(np.float64),
        **options,
    )
    assert_array_equal(single, widened)


@pytest.mark.parametrize("name", NAMES)
def test_inputs_are_not_modified(name, rng):
    y_true, y_pred, options = make_case(name, rng, options=options_of(name))
    if registry.get(name).y_true == "signs":
        y_true = (y_true + 1) / 2  # {0, 1} labels: the ones that get converted
    before = (y_true.copy(), y_pred.copy())
    losses.get(name)(y_true, y_pred, **options)
    assert_array_equal(y_true, before[0])
    assert_array_equal(y_pred, before[1])


@pytest.mark.parametrize("name", NAMES)
def test_nan_and_empty_inputs_are_rejected(name, rng):
    y_true, y_pred, options = make_case(name, rng, options=options_of(name))
    loss = losses.get(name)
    # weighted_binary_crossentropy's second argument is called logits.
    second = "logits" if registry.get(name).y_pred == "logits" else "y_pred"
    broken = y_pred.copy()
    broken[2, 1] = np.nan
    with pytest.raises(ValueError, match=re.escape(f"{second} contains NaN at index (2, 1)")):
        loss(y_true, broken, **options)
    with pytest.raises(ValueError, match=re.escape(f"{second} is empty (shape (0, 4))")):
        loss(y_true, y_pred[:0], **options)
    with pytest.raises(ValueError, match=re.escape("y_true is empty (shape (0,")):
        loss(y_true[:0], y_pred[:0], **options)


@pytest.mark.parametrize("name", NAMES)
def test_unknown_keyword_is_a_type_error(name, rng):
    y_true, y_pred, options = make_case(name, rng, options=options_of(name))
    with pytest.raises(TypeError, match="unexpected keyword argument 'reduction'"):
        losses.get(name)(y_true, y_pred, reduction="sum", **options)


@pytest.mark.parametrize("name", NAMES)
def test_options_are_keyword_only(name, rng):
    y_true, y_pred, options = make_case(name, rng, options=options_of(name))
    with pytest.raises(TypeError, match="positional argument"):
        losses.get(name)(y_true, y_pred, True, **options)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_focal_with_gamma_zero_is_binary_crossentropy(rng, from_logits, label_smoothing):
    y_true, y_pred, _ = make_case("binary_crossentropy", rng)
    if from_logits:
        y_pred = 5 * rng.normal(size=y_pred.shape)
    options = {"from_logits": from_logits, "label_smoothing": label_smoothing}
    assert_allclose(
        losses.binary_focal_crossentropy(y_true, y_pred, gamma=0.0, **options),
        losses.binary_crossentropy(y_true, y_pred, **options),
        rtol=1e-15,
    )


@pytest.mark.parametrize(
    "name", ["binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy"]
)
@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
def test_label_smoothing_is_the_loss_of_smoothed_labels(name, rng, from_logits, smoothing):
    y_true, y_pred, _ = make_case(name, rng, options={"from_logits": from_logits})
    loss = losses.get(name)
    # Keras's rule, written out: towards 1/2 for binary labels, towards 1/K for classes.
    share = 0.5 if name != "categorical_crossentropy" else 1.0 / y_true.shape[-1]
    smoothed_labels = y_true * (1.0 - smoothing) + smoothing * share
    assert_allclose(
        loss(y_true, y_pred, from_logits=from_logits, label_smoothing=smoothing),
        loss(smoothed_labels, y_pred, from_logits=from_logits),
        rtol=1e-14,
    )


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("column", [False, True])
def test_sparse_labels_equal_their_one_hot_encoding(rng, from_logits, column):
    labels, probabilities, _ = make_case("sparse_categorical_crossentropy", rng)
    y_pred = 4 * rng.normal(size=probabilities.shape) if from_logits else probabilities
    sparse_labels = labels[:, None] if column else labels
    assert_allclose(
        losses.sparse_categorical_crossentropy(sparse_labels, y_pred, from_logits=from_logits),
        losses.categorical_crossentropy(np.eye(K)[labels], y_pred, from_logits=from_logits),
        rtol=1e-13,
    )
    # Whole-number float labels are class indices too.
    assert_array_equal(
        losses.sparse_categorical_crossentropy(
            sparse_labels.astype(float), y_pred, from_logits=from_logits
        ),
        losses.sparse_categorical_crossentropy(sparse_labels, y_pred, from_logits=from_logits),
    )


@pytest.mark.parametrize("name", losses.NAMES)
@pytest.mark.parametrize("shape", [(K,), (5, K), (2, 3, K)])
def test_output_shape_equals_keras(keras, name, shape, rng):
    y_true, y_pred, options = make_case(name, rng, shape)
    ours = losses.get(name)(y_true, y_pred, **options)
    theirs = getattr(keras.losses, name)(y_true, y_pred, **options)
    assert ours.shape == tuple(theirs.shape) == shape[:-1]
