"""Tests of lossguide.derive: every proof holds and the SymPy gradients equal lossguide.gradients."""

import re

import numpy as np
import pytest
import sympy as sp

from lossguide import derive, gradients, losses
from lossguide.derive import prover

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


# ------------------------------------------------------------------ soundness of the prover

_x, _u, _v = sp.symbols("x u v", real=True)
_c = sp.Symbol("c")  # no assumptions: complex
_p, _q = sp.symbols("p q", positive=True)

# Each is false somewhere the symbols' assumptions allow (the counterexample in the id).
FALSE_IDENTITIES = [
    pytest.param(sp.log(_x**2), 2 * sp.log(_x), id="log(x^2)=2log(x), x=-1"),
    pytest.param(sp.log(_x * _u), sp.log(_x) + sp.log(_u), id="log(xu)=log(x)+log(u), x=u=-1"),
    pytest.param(sp.log(_x / _u), sp.log(_x) - sp.log(_u), id="log(x/u)=log(x)-log(u), x=u=-1"),
    pytest.param(sp.sqrt(_x**2), _x, id="sqrt(x^2)=x, x=-1"),
    pytest.param(sp.sqrt(_x * _u), sp.sqrt(_x) * sp.sqrt(_u), id="sqrt(xu)=sqrt(x)sqrt(u), x=u=-1"),
    pytest.param(sp.Abs(_x), _x, id="|x|=x, x=-1"),
    pytest.param((_x**_u) ** _v, _x ** (_u * _v), id="(x^u)^v=x^(uv), x=-1,u=2,v=1/2"),
    pytest.param((_x * _u) ** _v, _x**_v * _u**_v, id="(xu)^v=x^v u^v, x=u=-1,v=1/2"),
    pytest.param(sp.atan(sp.tan(_x)), _x, id="atan(tan(x))=x, x=3"),
    pytest.param(sp.asin(sp.sin(_x)), _x, id="asin(sin(x))=x, x=3"),
    pytest.param(sp.log(sp.exp(_c)), _c, id="log(exp(c))=c, c=4i"),
    pytest.param(sp.log(_c**2), 2 * sp.log(_c), id="log(c^2)=2log(c), c=-1"),
    pytest.param(sp.Max(0, _x), _x, id="max(0,x)=x, x=-1"),
    pytest.param(sp.sign(_x) * _x, _x, id="sign(x)x=x, x=-1"),
    # Bernoulli NLL = BCE needs 1 - a > 0, which a positive symbol does not say.
    pytest.param(-sp.log(_p**_x * (1 - _p) ** (1 - _x)), -(_x * sp.log(_p) + (1 - _x) * sp.log(1 - _p)),
                 id="bernoulli_nll without 0<a<1, a=2,y=1/2"),
]

# The same shapes under the assumptions that make them true.
TRUE_IDENTITIES = [
    pytest.param(sp.log(_p**2), 2 * sp.log(_p), id="log(p^2)=2log(p), p>0"),
    pytest.param(sp.log(_p * _q), sp.log(_p) + sp.log(_q), id="log(pq), p,q>0"),
    pytest.param(sp.log(_p / _q), sp.log(_p) - sp.log(_q), id="log(p/q), p,q>0"),
    pytest.param(sp.sqrt(_p**2), _p, id="sqrt(p^2)=p, p>0"),
    pytest.param(sp.Abs(_p), _p, id="|p|=p, p>0"),
    pytest.param((_p**_u) ** _v, _p ** (_u * _v), id="(p^u)^v=p^(uv), p>0"),
    pytest.param(sp.log(sp.exp(_x)), _x, id="log(exp(x))=x, x real"),
    # exp(log c) = c holds for every c != 0 (SymPy even evaluates it on sight).
    pytest.param(sp.exp(sp.log(_c)), _c, id="exp(log(c))=c"),
    pytest.param(sp.Abs(_x) ** 2, _x**2, id="|x|^2=x^2, x real"),
    pytest.param(sp.tanh(_x), (sp.exp(2 * _x) - 1) / (sp.exp(2 * _x) + 1), id="tanh as exponentials"),
]


@pytest.mark.parametrize("lhs, rhs", FALSE_IDENTITIES)
def test_prove_equal_never_proves_a_false_identity(lhs, rhs):
    assert derive.prove_equal(lhs, rhs) is False
    assert derive.Identity("false", lhs, rhs, "false").proved() is False


@pytest.mark.parametrize("lhs, rhs", TRUE_IDENTITIES)
def test_prove_equal_proves_them_under_the_right_assumptions(lhs, rhs):
    assert derive.prove_equal(lhs, rhs) is True


def test_numeric_check_catches_an_unsound_rewriting(monkeypatch):
    # If a simplification step ignored the assumptions (as expand_log(force=True)
    # did), the evaluation at points the assumptions allow still says False.
    unsound = (lambda e: sp.expand_log(sp.expand(e), force=True),)
    monkeypatch.setattr(prover, "_REWRITINGS", unsound)
    assert not derive.prove_equal(sp.log(_x * _u), sp.log(_x) + sp.log(_u))
    assert not derive.prove_equal(sp.log(sp.exp(_c)), _c)
    assert derive.prove_equal(sp.log(_p * _q), sp.log(_p) + sp.log(_q))


def test_open_unit_interval_declares_a_probability():
    a, y = sp.Symbol("a", positive=True), sp.Symbol("y", real=True)
    symbol, expression = prover.open_unit_interval(a)
    assert symbol is a and expression.is_positive and (1 - expression).is_positive
    bernoulli, bce = -sp.log(a**y * (1 - a) ** (1 - y)), -(y * sp.log(a) + (1 - y) * sp.log(1 - a))
    assert not derive.prove_equal(bernoulli, bce)
    assert derive.prove_equal(bernoulli, bce, substitutions={symbol: expression})


def test_the_book_identities_state_their_assumptions():
    facts = derive.identities()
    bernoulli = facts["bernoulli_nll"]
    # Proved with 0 < a < 1 declared, and not without it.
    assert bernoulli.proved() and not derive.prove_equal(bernoulli.lhs, bernoulli.rhs)
    for name, positive in (("gaussian_nll", "sigma"), ("laplace_nll", "b")):
        assert [s.is_positive for s in facts[name].lhs.free_symbols if s.name == positive] == [True]
    assert all(s.is_positive for s in facts["kl_is_cross_entropy_minus_entropy"].lhs.free_symbols)
    # The Gaussian and Laplace NLLs hold exactly, with constants free of the prediction mu.
    y, mu = sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
    sigma, b = sp.Symbol("sigma", positive=True), sp.Symbol("b", positive=True)
    assert not (facts["gaussian_nll"].rhs - (y - mu) ** 2 / (2 * sigma**2)).has(mu)
    assert not (facts["laplace_nll"].rhs - sp.Abs(y - mu) / b).has(mu)


# SymPy's own result already is the textbook form here: the "proof" is X = X,
# so the chapter shows these as calculations.
IDENTICAL_FACTS = {"softmax_jacobian", "kl_and_cross_entropy_gradients"}
IDENTICAL_DERIVATIONS = {("mean_squared_error", None), ("poisson", None), ("hinge", None),
                         ("poisson", "identity"), ("hinge", "identity"), ("pinball", None)}


def test_which_proofs_are_only_x_equals_x():
    facts = derive.identities()
    assert {name for name, fact in facts.items() if fact.identical} == IDENTICAL_FACTS
    for name, fact in facts.items():
        same = sp.srepr(fact.lhs) == sp.srepr(fact.rhs)
        assert fact.identical == same, name
    for name in derive.NAMES:
        assert derive.derivation(name).identical == ((name, None) in IDENTICAL_DERIVATIONS), name
    for name, activation in IDENTICAL_DERIVATIONS:
        assert derive.derivation(name, activation).identical


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


def test_toy_logistic_regression_mse_is_concave_convex_concave_in_w():
    # The why-cross-entropy chapter's eight points on a line, model a_i = sigmoid(w x_i).
    x_toy = np.array([-3.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0])
    y_toy = np.array([0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0])
    w_grid = np.linspace(-8, 8, 1601)
    z_toy = np.outer(w_grid, x_toy)
    curvature = {
        name: (x_toy**2 * derive.lambdify(derive.derivation(name, "sigmoid"), "d2loss_dz2")(y_toy, z_toy)).mean(axis=1)
        for name in ("mean_squared_error", "binary_crossentropy")
    }
    mse = curvature["mean_squared_error"]
    changes = w_grid[1:][np.diff(np.sign(mse)) != 0]
    assert len(changes) == 2 and mse[0] < 0 and mse[-1] < 0  # concave, convex, concave
    np.testing.assert_allclose(changes, [-0.27, 2.45], atol=0.006)
    assert curvature["binary_crossentropy"].min() > 0  # convex everywhere


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


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: derive.derivation(["mean_squared_error"]), TypeError,
         "name must be a loss name (a str), got list ['mean_squared_error']"),
        (lambda: derive.derivation("mean_squared_error", ["sigmoid"]), TypeError,
         "activation must be None or one of"),
        (lambda: derive.mse_sigmoid_inflection([1]), ValueError, "label must be 0 or 1, got [1]"),
        (lambda: derive.mse_sigmoid_inflection(1.0), ValueError, "label must be 0 or 1, got 1.0"),
        (lambda: derive.mse_sigmoid_inflection(True), ValueError, "label must be 0 or 1, got True"),
        (lambda: derive.logistic_regression_hessian([2]), TypeError, "n_samples must be an int, got list [2]"),
        (lambda: derive.logistic_regression_hessian(2, 0), ValueError, "n_features must be >= 1, got 0"),
    ],
)
def test_bad_arguments_are_named_before_the_cache(call, error, message):
    # lru_cache would otherwise answer "unhashable type: 'list'" without naming the argument.
    with pytest.raises(error, match=re.escape(message)):
        call()


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


# ------------------------------------------------------------------ the chapter's experiment


def test_every_digits_seed_passes_half_accuracy_with_either_loss(keras):
    # The why-cross-entropy chapter averages, per seed, the first epoch with test
    # accuracy >= 0.5; that needs every seed to get there. In the chapter MSE's
    # slowest seed needs 4 epochs, so 5 (the article's setting) must suffice.
    from lossguide import experiments

    before = keras.config.floatx()
    keras.config.set_floatx("float64")  # as lg.setup() does for the chapter
    try:
        for loss in ("mean_squared_error", "categorical_crossentropy"):
            history = experiments.run(f"digits/{loss}", seeds=range(10), epochs=5).history
            accuracy = history.pivot(index="epoch", columns="seed", values="test_accuracy")
            assert accuracy.ge(0.5).any().all(), f"a {loss} seed stays below 0.5 test accuracy"
    finally:
        keras.config.set_floatx(before)


# ------------------------------------------------------------------ the losses of issues 13-17


def test_pinball_check_function_is_the_max_form():
    # The registry writes pinball as tau e + max(0, -e); the book's form is
    # max(tau e, (tau - 1) e). Equal on a grid through the kink, for several tau.
    d = derive.derivation("pinball")
    (y,), (a,), (tau,) = d.y, d.a, d.options
    max_form = sp.lambdify((y, a, tau), sp.Max(tau * (y - a), (tau - 1) * (y - a)), "numpy")
    check_form = sp.lambdify((y, a, tau), d.loss, "numpy")
    errors = np.linspace(-3, 3, 61)
    for quantile in (0.1, 0.5, 0.9):
        np.testing.assert_allclose(check_form(errors, 0.0, quantile), max_form(errors, 0.0, quantile),
                                   atol=1e-15)


def test_pinball_derivative_over_d_equals_gradients():
    y_true, y_pred = RNG.normal(size=(ROWS, D)), RNG.normal(size=(ROWS, D))
    expected = gradients.pinball(y_true, y_pred, quantile=0.8)
    _compare("pinball", "dloss_dpred", y_true, y_pred, expected * D, quantile=0.8)
    # At a tie both take Heaviside(0) = 1: the gradient is 1 - tau.
    _compare("pinball", "dloss_dpred", np.zeros(3), np.zeros(3), np.full(3, 0.2), quantile=0.8)


def test_gaussian_nll_derivative_equals_gradients():
    y_true = RNG.normal(size=ROWS)
    pairs = np.stack([RNG.normal(size=ROWS), RNG.uniform(-3, 3, size=ROWS)], axis=-1)
    _compare("gaussian_nll", "dloss_dpred", y_true, pairs, gradients.gaussian_nll(y_true, pairs))
    _compare("gaussian_nll", "loss", y_true, pairs, losses.gaussian_nll(y_true, pairs))


def test_gaussian_nll_is_not_jointly_convex():
    d = derive.derivation("gaussian_nll")
    assert d.proved()
    mean, log_variance = d.a
    (y,) = d.y
    # The Hessian in (mu, v): determinant -(y - mu)^2 e^(-2v) / 2 < 0 off the fit.
    assert derive.prove_equal(d.d2loss_dz2.det(), -(y - mean) ** 2 * sp.exp(-2 * log_variance) / 2)
    hessian = derive.lambdify(d, "d2loss_dz2")(np.array([1.0]), np.array([[0.0, 0.3]]))[0]
    eigenvalues = np.linalg.eigvalsh(hessian)
    assert eigenvalues.min() < 0 < eigenvalues.max()


def test_gaussian_nll_takes_only_the_identity():
    with pytest.raises(ValueError, match=re.escape("activation must be 'identity', got 'softmax'")):
        derive.derivation("gaussian_nll", "softmax")


def test_categorical_focal_softmax_gradient_equals_gradients():
    y_true, logits = _simplex(ROWS), 3 * RNG.normal(size=(ROWS, derive.N_CLASSES))
    for alpha, gamma in ((0.25, 2.0), (1.0, 0.5)):
        expected = gradients.categorical_focal_crossentropy(y_true, logits, alpha=alpha, gamma=gamma,
                                                            from_logits=True)
        _compare("categorical_focal_crossentropy", "dloss_dz", y_true, logits, expected,
                 alpha=alpha, gamma=gamma)
        _compare("categorical_focal_crossentropy", "loss_z", y_true, logits,
                 losses.categorical_focal_crossentropy(y_true, logits, alpha=alpha, gamma=gamma,
                                                       from_logits=True),
                 alpha=alpha, gamma=gamma)


def test_generalized_cross_entropy_softmax_gradient_is_weighted_cross_entropy():
    labels, logits = RNG.integers(0, derive.N_CLASSES, ROWS), 3 * RNG.normal(size=(ROWS, derive.N_CLASSES))
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    chosen = p[np.arange(ROWS), labels][:, None]
    expected = chosen**0.7 * (p - np.eye(derive.N_CLASSES)[labels])
    _compare("categorical_generalized_cross_entropy", "dloss_dz", labels, logits, expected, q=0.7)
    _compare("categorical_generalized_cross_entropy", "dloss_dpred", labels, p,
             gradients.categorical_generalized_cross_entropy(labels, p, q=0.7), q=0.7)


def test_generalized_cross_entropy_symbol_is_not_pos_weights():
    # Both print as q; the assumptions (q in (0, 1) is not an integer) keep them apart.
    from lossguide import registry

    assert registry.SYMBOLS["q"] != registry.SYMBOLS["pos_weight"]
    assert str(registry.SYMBOLS["q"]) == str(registry.SYMBOLS["pos_weight"]) == "q"
