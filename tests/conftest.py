"""Shared test set-up: TensorFlow's environment and input generators read from the loss table.

TensorFlow reads its logging variables when it is first imported, so they are
set here, before any test module imports Keras (the same values as ``make test``
and :func:`lossguide.setup`).
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lossguide import registry  # noqa: E402


@pytest.fixture(scope="session")
def keras():
    """Keras 3 on the TensorFlow backend, imported once."""
    import keras

    return keras


def sample_kind(kind, rng, shape):
    """Random valid values of an input kind of :data:`lossguide.registry.INPUT_KINDS`.

    ``shape`` is the prediction's shape ``(..., d)``; ``"class_index"`` returns
    ``shape[:-1]`` indices into the last axis, and ``"mean_logvar"`` (the
    prediction of ``d`` targets) returns ``(..., 2 d)``: ``d`` means, then ``d``
    log-variances.
    """
    if kind in ("real", "logits"):
        return rng.normal(scale=2.0, size=shape)
    if kind == "nonzero":
        return rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    if kind in ("positive", "rate"):
        return rng.uniform(0.1, 4.0, size=shape)
    if kind == "counts":
        return rng.poisson(2.0, size=shape).astype(float)
    if kind == "binary":
        return rng.choice([0.0, 1.0], size=shape)
    if kind == "signs":
        return rng.choice([-1.0, 1.0], size=shape)
    if kind == "probability":
        return rng.uniform(0.02, 0.98, size=shape)
    if kind == "one_hot":
        return np.eye(shape[-1])[rng.integers(0, shape[-1], size=shape[:-1])]
    if kind == "distribution":
        # Dirichlet(2): rows on the simplex, rarely so close to 0 that a finite
        # difference of -log p loses its accuracy.
        return rng.dirichlet(np.full(shape[-1], 2.0), size=shape[:-1])
    if kind == "class_index":
        return rng.integers(0, shape[-1], size=shape[:-1])
    if kind == "mean_logvar":
        # log-variances in [-2, 2]: standard deviations from 0.37 to 2.7.
        return np.concatenate([rng.normal(scale=2.0, size=shape),
                               rng.uniform(-2.0, 2.0, size=shape)], axis=-1)
    raise AssertionError(f"no generator for the input kind {kind!r}: add one to tests/conftest.py")


def make_case(name, rng, shape=(6, 4), options=()):
    """Valid ``(y_true, y_pred, options)`` for loss ``name``, from its record's input kinds.

    ``y_pred`` has ``shape``; for a ``"mean_logvar"`` prediction (``gaussian_nll``)
    its last axis holds ``shape[-1] // 2`` targets (at least 1), and ``y_true``
    has that many columns. Options the loss requires (default ``None`` in its
    record, e.g. ``q``) and ``options`` lacks are taken from its first option set.
    """
    spec = registry.get(name)
    options = dict(options)
    for option, default in spec.options:
        if default is None and option not in options:
            options[option] = dict(spec.test_options[0])[option]
    y_pred_kind = "logits" if options.get("from_logits") else spec.y_pred
    if y_pred_kind == "mean_logvar":
        targets = shape[:-1] + (max(shape[-1] // 2, 1),)
        return sample_kind(spec.y_true, rng, targets), sample_kind(y_pred_kind, rng, targets), options
    return sample_kind(spec.y_true, rng, shape), sample_kind(y_pred_kind, rng, shape), options


def cases(*, exclude=()):
    """``(name, options)`` for every loss and every option set in its record."""
    return [
        pytest.param(spec.name, options, id=spec.name + "".join(f"-{k}={v}" for k, v in options))
        for spec in registry.SPECS.values()
        if spec.name not in exclude
        for options in spec.test_options
    ]
