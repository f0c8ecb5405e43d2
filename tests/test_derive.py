"""Tests of lossguide.derive: every proof holds and the SymPy gradients equal lossguide.gradients."""

import re

import numpy as np
import pytest
import sympy as sp

from lossguide import derive, gradients

RNG = np.random.default_rng(7)
ROWS, D = 5, 4


# ------------------------------------------------------------------ proofs


@pytest.mark.parametrize("name", derive.NAMES)
def test_every_derivation_proves_its_textbook_form(name):
    assert derive.derivation(name).proved()


@pytest.mark.parametrize(
    "name, activation",
    [
        ("mean_squared_error", "sigmoid"),
        ("mean_squared_error", "tanh"),
        ("binary_crossentropy", "identity"),
        ("mean_absolute_error", "sigmoid"),
        ("poisson", "identity"),
        ("hinge", "identity"),
    ],
)
def test_other_activations_prove(name, activation):
    assert derive.derivation(name, activation).proved()


def test_textbook_forms_are_the_quoted_ones():
    a, y = sp.Symbol("a", real=True), sp.Symbol("y", real=True)
    assert sp.expand(derive.derivation("binary_crossentropy").textbook - (a - y)) == 0
    assert sp.expand(derive.derivation("mean_squared_error", "sigmoid").textbook - 2 * (a - y) * a * (1 - a)) == 0
    cce = derive.derivation("categorical_crossentropy")
    assert cce.textbook == sp.Matrix(cce.a) - sp.Matrix(cce.y)
    assert derive.derivation("binary_crossentropy").textbook_d2 == a * (1 - a)


def test_prove_equal_does_not_assume():
    z, y = sp.symbols("z y", real=True)
    sigmoid = 1 / (1 + sp.exp(-z))
    assert not derive.prove_equal(sigmoid * (1 - sigmoid), sigmoid)
    assert not derive.derivation("mean_squared_error", "sigmoid").dloss_dz.equals(sigmoid - y)
    assert not derive.prove_equal(derive.derivation("mean_squared_error", "sigmoid").dloss_dz, sigmoid - y)


def test_all_identities_prove():
    facts = derive.identities()
    assert {"mse_weight_gradient", "bce_weight_gradient", "softmax_jacobian", "cce_softmax_gradient",
            "mse_softmax_gradient", "bce_sigmoid_second_derivative", "logistic_regression_hessian",
            "kl_is_cross_entropy_minus_entropy", "kl_and_cross_entropy_gradients", "bernoulli_nll",
            "categorical_nll", "gaussian_nll", "laplace_nll"} <= set(facts)
    for fact in facts.values():
        assert fact.proved(), fact.name
        assert "=" in fact.latex()


def test_hinge_subgradients():
    assert derive.hinge_subgradients() == {"hinge": (-1, 0), "squared_hinge": (0, 0)}


def test_latex_renders_every_derivation():
    for name in derive.NAMES:
        text = derive.derivation(name).latex()
        assert text.startswith("L = ") and "\\\\" in text


# ------------------------------------------------------------------ convexity of MSE∘sigmoid


@pytest.mark.parametrize("label, expected", [(1, -np.log(2.0)), (0, np.log(2.0))])
def test_mse_sigmoid_second_derivative_changes_sign_once(label, expected):
    z_star, second = derive.mse_sigmoid_inflection(label)
    assert float(z_star) == pytest.approx(expected, abs=1e-15)
    curvature = sp.lambdify(sp.Symbol("z", real=True), second, "numpy")
    grid = np.linspace(-12.0, 12.0, 4001)
    values = curvature(grid)
    crossings = grid[:-1][np.sign(values[:-1]) != np.sign(values[1:])]
    assert len(crossings) == 1 and abs(crossings[0] - expected) < 0.01
    # concave on the side where the prediction is wrong
    wrong_side = expected - 1.0 if label == 1 else expected + 1.0
    assert curvature(wrong_side) < 0 < curvature(2 * expected - wrong_side)


def test_mse_sigmoid_inflection_rejects_bad_label():
    with pytest.raises(ValueError, match="label must be 0 or 1, got 2"):
        derive.mse_sigmoid_inflection(2)


# ------------------------------------------------------------------ SymPy gradients = lg.gradients


def _compare(name, which, y_true, x, expected, **options):
    function = derive.lambdify(derive.derivation(name), which, **options)
    got = function(y_true, x)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


ELEMENTWISE = [
    ("mean_squared_error", {}, lambda: (RNG.normal(size=(ROWS, D)), RNG.normal(size=(ROWS, D)))),
    ("mean_absolute_error", {}, lambda: (RNG.normal(size=(ROWS, D)), RNG.normal(size=(ROWS, D)))),
    ("mean_absolute_percentage_error", {},
     lambda: (RNG.uniform(0.5, 2, size=(ROWS, D)) * RNG.choice([-1, 1], size=(ROWS, D)), RNG.normal(size=(ROWS, D)))),
    ("mean_squared_logarithmic_error", {},
     lambda: (RNG.uniform(0.1, 5, size=(ROWS, D)), RNG.uniform(0.1, 5, size=(ROWS, D)))),
    ("huber", {"delta": 0.7}, lambda: (RNG.normal(size=(ROWS, D)), RNG.normal(size=(ROWS, D)))),
    ("log_cosh", {}, lambda: (RNG.normal(size=(ROWS, D)), 3 * RNG.normal(size=(ROWS, D)))),
    ("binary_crossentropy", {}, lambda: (RNG.integers(0, 2, (ROWS, D)).astype(float), RNG.uniform(0.05, 0.95, (ROWS, D)))),
    ("binary_focal_crossentropy", {"gamma": 2.0},
     lambda: (RNG.uniform(0, 1, (ROWS, D)), RNG.uniform(0.05, 0.95, (ROWS, D)))),
    ("hinge", {}, lambda: (RNG.choice([-1.0, 1.0], (ROWS, D)), 2 * RNG.normal(size=(ROWS, D)))),
    ("squared_hinge", {}, lambda: (RNG.choice([-1.0, 1.0], (ROWS, D)), 2 * RNG.normal(size=(ROWS, D)))),
]


@pytest.mark.parametrize("name, options, sample", ELEMENTWISE, ids=[c[0] for c in ELEMENTWISE])
def test_elementwise_derivative_over_d_equals_gradients(name, options, sample):
    y_true, y_pred = sample()
    expected = gradients.get(name)(y_true, y_pred, **options)
    _compare(name, "dloss_dpred", y_true, y_pred, expected * D, **options)


def test_poisson_derivative_equals_gradients_up_to_keras_epsilon():
    y_true, y_pred = RNG.integers(0, 6, (ROWS, D)).astype(float), RNG.uniform(0.5, 4, (ROWS, D))
    function = derive.lambdify(derive.derivation("poisson", "identity"), "dloss_dpred")
    np.testing.assert_allclose(function(y_true, y_pred), gradients.poisson(y_true, y_pred) * D, rtol=1e-6)


@pytest.mark.parametrize(
    "name, options",
    [("binary_crossentropy", {}), ("binary_focal_crossentropy", {"gamma": 2.0}),
     ("binary_focal_crossentropy", {"gamma": 0.5})],
)
def test_logit_derivative_over_d_equals_gradients(name, options):
    y_true, logits = RNG.uniform(0, 1, (ROWS, D)), 4 * RNG.normal(size=(ROWS, D))
    expected = gradients.get(name)(y_true, logits, from_logits=True, **options)
    _compare(name, "dloss_dz", y_true, logits, expected * D, **options)


def test_weighted_bce_logit_derivative_equals_gradients():
    y_true, logits = RNG.integers(0, 2, (ROWS, D)).astype(float), 4 * RNG.normal(size=(ROWS, D))
    expected = gradients.weighted_binary_crossentropy(y_true, logits, pos_weight=3.0)
    _compare("weighted_binary_crossentropy", "dloss_dz", y_true, logits, expected * D, pos_weight=3.0)


def test_hinge_through_tanh_is_the_chain_rule_of_gradients():
    y_true, z = RNG.choice([-1.0, 1.0], (ROWS, D)), RNG.normal(size=(ROWS, D))
    expected = gradients.hinge(y_true, np.tanh(z)) * D * (1 - np.tanh(z) ** 2)
    _compare("hinge", "dloss_dz", y_true, z, expected)


def _simplex(rows):
    return RNG.dirichlet(np.full(derive.N_CLASSES, 2.0), size=rows)


def test_cce_softmax_gradient_equals_gradients():
    y_true, logits = _simplex(ROWS), 3 * RNG.normal(size=(ROWS, derive.N_CLASSES))
    expected = gradients.categorical_crossentropy(y_true, logits, from_logits=True)
    _compare("categorical_crossentropy", "dloss_dz", y_true, logits, expected)
    _compare("categorical_crossentropy", "textbook", y_true,
             np.exp(logits) / np.exp(logits).sum(-1, keepdims=True), expected)


def test_cce_probability_gradient_differs_from_keras_by_the_label_sum():
    y_true, probabilities = _simplex(ROWS), _simplex(ROWS)
    keras_like = gradients.categorical_crossentropy(y_true, probabilities)
    _compare("categorical_crossentropy", "dloss_dpred", y_true, probabilities, keras_like - 1.0)


def test_sparse_cce_gradient_equals_gradients():
    labels, logits = RNG.integers(0, derive.N_CLASSES, ROWS), 3 * RNG.normal(size=(ROWS, derive.N_CLASSES))
    expected = gradients.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    _compare("sparse_categorical_crossentropy", "dloss_dz", labels, logits, expected)


def test_kl_gradient_equals_gradients():
    y_true, probabilities = _simplex(ROWS), _simplex(ROWS)
    expected = gradients.kl_divergence(y_true, probabilities)
    _compare("kl_divergence", "dloss_dpred", y_true, probabilities, expected)
    # through the softmax, KL has cross-entropy's gradient p - y
    logits = RNG.normal(size=(ROWS, derive.N_CLASSES))
    _compare("kl_divergence", "dloss_dz", y_true, logits,
             gradients.categorical_crossentropy(y_true, logits, from_logits=True))


def test_categorical_hinge_gradient_equals_gradients():
    y_true = np.eye(derive.N_CLASSES)[RNG.integers(0, derive.N_CLASSES, ROWS)]
    y_pred = 0.5 * RNG.normal(size=(ROWS, derive.N_CLASSES))
    _compare("categorical_hinge", "dloss_dpred", y_true, y_pred, gradients.categorical_hinge(y_true, y_pred))


def test_cce_hessian_matches_differences_of_gradients():
    y_true, logits = _simplex(1), RNG.normal(size=(1, derive.N_CLASSES))
    hessian = derive.lambdify(derive.derivation("categorical_crossentropy"), "d2loss_dz2")(y_true, logits)[0]
    step = 1e-6
    columns = []
    for j in range(derive.N_CLASSES):
        up, down = logits.copy(), logits.copy()
        up[0, j] += step
        down[0, j] -= step
        difference = gradients.categorical_crossentropy(y_true, up, from_logits=True) - \
            gradients.categorical_crossentropy(y_true, down, from_logits=True)
        columns.append(difference[0] / (2 * step))
    np.testing.assert_allclose(hessian, np.array(columns).T, atol=1e-8)
    assert np.linalg.eigvalsh(hessian).min() > -1e-12  # positive semi-definite: convex


# ------------------------------------------------------------------ errors


def test_derivation_rejects_unknown_names_and_activations():
    with pytest.raises(ValueError, match="name must be one of"):
        derive.derivation("logcosh")
    with pytest.raises(ValueError, match=re.escape("activation must be 'softmax', got 'sigmoid'")):
        derive.derivation("categorical_crossentropy", "sigmoid")
    with pytest.raises(ValueError, match="does not apply to an element-wise loss"):
        derive.derivation("mean_squared_error", "softmax")
    with pytest.raises(ValueError, match="activation must be one of"):
        derive.derivation("mean_squared_error", "relu")


def test_lambdify_checks_its_arguments():
    with pytest.raises(ValueError, match=re.escape("huber needs a value for ['delta']")):
        derive.lambdify(derive.derivation("huber"), "dloss_dpred")
    with pytest.raises(ValueError, match="huber takes the options"):
        derive.lambdify(derive.derivation("huber"), "dloss_dpred", gamma=2.0)
    with pytest.raises(ValueError, match="which must be one of"):
        derive.lambdify(derive.derivation("huber"), "gradient", delta=1.0)
    with pytest.raises(ValueError, match="variables is required"):
        derive.lambdify(sp.Symbol("x") ** 2)
    x = sp.Symbol("x")
    assert derive.lambdify(x**2, variables=[x])(3.0) == 9.0


def test_derivations_are_frozen_and_cached():
    first = derive.derivation("binary_crossentropy")
    assert derive.derivation("binary_crossentropy") is first
    with pytest.raises(AttributeError):
        first.name = "other"
