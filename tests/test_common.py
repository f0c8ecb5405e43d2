"""Invariants every loss in lossguide.losses.NAMES must satisfy.

Each loss gets a generator of valid random inputs; the tests below are then
written once for all of them. Output shapes are compared with Keras 3.15.1.
"""

import os
import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from lossguide import losses

K = 4


def _softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


def make_case(name, rng, shape=(6, K)):
    """Valid (y_true, y_pred, options) for ``name``, with y_pred of ``shape``."""
    normal = rng.normal(size=shape)
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    one_hot = np.eye(shape[-1])[labels]
    if name in ("mean_squared_error", "mean_absolute_error", "huber", "log_cosh"):
        return rng.normal(size=shape), normal, {}
    if name == "mean_absolute_percentage_error":
        return rng.uniform(0.5, 2, size=shape), normal, {}
    if name in ("mean_squared_logarithmic_error", "poisson"):
        return rng.poisson(2.0, size=shape).astype(float), rng.uniform(0.1, 4, size=shape), {}
    if name in ("hinge", "squared_hinge"):
        return rng.choice([-1.0, 1.0], size=shape), normal, {}
    if name == "categorical_hinge":
        return one_hot, normal, {}
    if name in ("binary_crossentropy", "binary_focal_crossentropy"):
        return rng.choice([0.0, 1.0], size=shape), rng.uniform(0.02, 0.98, size=shape), {}
    if name == "categorical_crossentropy":
        return one_hot, _softmax(2 * normal), {}
    if name == "sparse_categorical_crossentropy":
        return labels, _softmax(2 * normal), {}
    if name == "kl_divergence":
        return _softmax(normal), _softmax(rng.normal(size=shape)), {}
    raise AssertionError(f"no case for {name}")


def perfect_prediction(name, y_true):
    """A prediction at which the loss should be (near) zero."""
    if name == "sparse_categorical_crossentropy":
        return np.eye(K)[y_true]
    return y_true.copy()


# Losses that can be negative or whose minimum is not zero.
NOT_NONNEGATIVE = {"poisson"}
NOT_ZERO_AT_PERFECT = {"poisson"}
# Probabilities clipped to [1e-7, 1 - 1e-7] leave about 1e-7 per class at a perfect
# prediction (-log(1 - 1e-7), or sparse CCE's renormalisation by the clipped sum).
CLIPPED = {
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
}


@pytest.fixture(scope="module")
def keras():
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
    import keras

    return keras


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_every_name_has_a_case(rng):
    for name in losses.NAMES:
        make_case(name, rng)


@pytest.mark.parametrize("name", losses.NAMES)
def test_nonnegative(name, rng):
    y_true, y_pred, options = make_case(name, rng)
    result = losses.get(name)(y_true, y_pred, **options)
    assert result.shape == (6,) and result.dtype == np.float64
    if name in NOT_NONNEGATIVE:
        assert (losses.poisson([[3.0]], [[3.0]]) < 0).all()  # it really can be negative
    else:
        assert (result >= 0).all()


@pytest.mark.parametrize("name", losses.NAMES)
def test_zero_at_a_perfect_prediction(name, rng):
    y_true, _, options = make_case(name, rng)
    loss = losses.get(name)
    result = loss(y_true, perfect_prediction(name, y_true), **options)
    if name in NOT_ZERO_AT_PERFECT:
        # Not zero, but minimal: moving the rate either way increases the loss.
        assert (result < loss(y_true, y_true * 1.1 + 0.01)).all()
        assert (result < loss(y_true, y_true * 0.9)).all() or (y_true == 0).any()
    elif name in CLIPPED:
        assert (result >= 0).all() and (result <= K * 1e-7 * 1.01).all()
    else:
        assert_array_equal(result, 0.0)


@pytest.mark.parametrize("name", losses.NAMES)
def test_permuting_samples_permutes_outputs(name, rng):
    y_true, y_pred, options = make_case(name, rng)
    order = rng.permutation(len(y_pred))
    loss = losses.get(name)
    assert_array_equal(
        loss(y_true[order], y_pred[order], **options), loss(y_true, y_pred, **options)[order]
    )


@pytest.mark.parametrize("name", losses.NAMES)
def test_float32_and_float64_inputs_agree(name, rng):
    y_true, y_pred, options = make_case(name, rng)
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


@pytest.mark.parametrize("name", losses.NAMES)
def test_inputs_are_not_modified(name, rng):
    y_true, y_pred, options = make_case(name, rng)
    if name in ("hinge", "squared_hinge"):
        y_true = (y_true + 1) / 2  # {0, 1} labels: the ones that get converted
    before = (y_true.copy(), y_pred.copy())
    losses.get(name)(y_true, y_pred, **options)
    assert_array_equal(y_true, before[0])
    assert_array_equal(y_pred, before[1])


@pytest.mark.parametrize("name", losses.NAMES)
def test_nan_and_empty_inputs_are_rejected(name, rng):
    y_true, y_pred, options = make_case(name, rng)
    loss = losses.get(name)
    broken = y_pred.copy()
    broken[2, 1] = np.nan
    with pytest.raises(ValueError, match=re.escape("y_pred contains NaN at index (2, 1)")):
        loss(y_true, broken, **options)
    with pytest.raises(ValueError, match=re.escape("y_pred is empty (shape (0, 4))")):
        loss(y_true, y_pred[:0], **options)
    with pytest.raises(ValueError, match=re.escape("y_true is empty (shape (0,")):
        loss(y_true[:0], y_pred[:0], **options)


@pytest.mark.parametrize("name", losses.NAMES)
def test_unknown_keyword_is_a_type_error(name, rng):
    y_true, y_pred, _ = make_case(name, rng)
    with pytest.raises(TypeError, match="unexpected keyword argument 'reduction'"):
        losses.get(name)(y_true, y_pred, reduction="sum")


@pytest.mark.parametrize("name", losses.NAMES)
def test_options_are_keyword_only(name, rng):
    y_true, y_pred, _ = make_case(name, rng)
    with pytest.raises(TypeError, match="positional argument"):
        losses.get(name)(y_true, y_pred, True)


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
def test_label_smoothing_zero_is_the_identity(name, rng, from_logits):
    y_true, y_pred, _ = make_case(name, rng)
    if from_logits:
        y_pred = 3 * rng.normal(size=y_pred.shape)
    loss = losses.get(name)
    plain = loss(y_true, y_pred, from_logits=from_logits)
    assert_array_equal(loss(y_true, y_pred, from_logits=from_logits, label_smoothing=0.0), plain)
    smoothed = loss(y_true, y_pred, from_logits=from_logits, label_smoothing=0.1)
    assert not np.allclose(smoothed, plain)


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
