r"""The facts the "why cross-entropy" chapter relies on, each an :class:`Identity` that proves itself.

One sigmoid neuron (:func:`sigmoid_neuron`), the softmax Jacobian and the two
gradients through it (:func:`softmax_gradients`), convexity of cross-entropy
(:func:`bce_sigmoid_convexity`, :func:`logistic_regression_hessian`) and where
MSE after a sigmoid stops being convex (:func:`mse_sigmoid_inflection`), KL
divergence versus cross-entropy (:func:`kl_cross_entropy`), hinge subgradients
(:func:`hinge_subgradients`) and losses as negative log-likelihoods
(:func:`negative_log_likelihoods`); :func:`identities` collects them by name.

Each symbol carries the assumptions its fact needs and no more: weights,
inputs, logits and labels are real; probabilities, variances and scales are
positive; a Bernoulli probability lies in :math:`(0, 1)`
(:func:`~lossguide.derive.prover.open_unit_interval`).
"""

from __future__ import annotations

import functools
import numbers

import sympy as sp

from .catalogue import (
    N_CLASSES,
    _a,
    _sigmoid,
    _softmax,
    _vector_symbols,
    _y,
    _z,
    derivation,
)
from .prover import Identity, open_unit_interval

__all__ = [
    "bce_sigmoid_convexity",
    "hinge_subgradients",
    "identities",
    "kl_cross_entropy",
    "logistic_regression_hessian",
    "mse_sigmoid_inflection",
    "negative_log_likelihoods",
    "sigmoid_neuron",
    "softmax_gradients",
]


@functools.cache
def sigmoid_neuron() -> tuple:
    r"""One sigmoid neuron :math:`a = \sigma(wx + b)`: MSE's gradient has :math:`\sigma'(z)`, BCE's does not.

    With the textbook :math:`C = \tfrac12 (a - y)^2` (Keras's MSE is twice
    that) and :math:`C = \mathrm{BCE}(y, a)`:

    .. math::
        \frac{\partial C_{\mathrm{MSE}}}{\partial w} = (a - y)\,\sigma'(z)\,x,
        \qquad
        \frac{\partial C_{\mathrm{BCE}}}{\partial w} = (a - y)\,x

    and likewise for :math:`b` without the :math:`x`.  Since
    :math:`\sigma'(z) = a(1 - a) \le 1/4` vanishes for a saturated neuron, MSE
    learns slowly exactly when the neuron is confidently wrong.

    Returns
    -------
    tuple of Identity
        ``mse_weight_gradient``, ``mse_bias_gradient``, ``bce_weight_gradient``,
        ``bce_bias_gradient``, ``sigmoid_slope`` (:math:`\sigma' = \sigma(1-\sigma)`).

    Examples
    --------
    >>> [fact.proved() for fact in sigmoid_neuron()]
    [True, True, True, True, True]
    """
    w, b, x = sp.symbols("w b x", real=True)
    z = w * x + b
    a = _sigmoid(z)
    slope = sp.diff(a, w) / x  # sigma'(z), written by SymPy
    half_mse = (a - _y) ** 2 / 2
    bce = -(_y * sp.log(a) + (1 - _y) * sp.log(1 - a))
    return (
        Identity("mse_weight_gradient", sp.diff(half_mse, w), (a - _y) * a * (1 - a) * x,
                 "dC/dw = (a - y) sigma'(z) x for C = (a - y)^2 / 2"),
        Identity("mse_bias_gradient", sp.diff(half_mse, b), (a - _y) * a * (1 - a),
                 "dC/db = (a - y) sigma'(z)"),
        Identity("bce_weight_gradient", sp.diff(bce, w), (a - _y) * x,
                 "dC/dw = (a - y) x for cross-entropy: sigma'(z) cancels"),
        Identity("bce_bias_gradient", sp.diff(bce, b), a - _y, "dC/db = a - y"),
        Identity("sigmoid_slope", slope, a * (1 - a), "sigma'(z) = sigma(z) (1 - sigma(z))"),
    )


@functools.cache
def softmax_gradients() -> tuple:
    r"""Softmax with :data:`N_CLASSES` classes: its Jacobian, CCE's :math:`p - y`, MSE's extra factor.

    .. math::
        \begin{aligned}
        \frac{\partial p_i}{\partial z_j} &= p_i(\delta_{ij} - p_j),\\
        \nabla_z \mathrm{CCE} &= p - y,\\
        \frac{\partial}{\partial z_k} \sum_j (p_j - y_j)^2
            &= 2 p_k \Bigl((p_k - y_k) - \sum_j (p_j - y_j) p_j\Bigr)
        \end{aligned}

    Returns
    -------
    tuple of Identity
        ``softmax_jacobian``, ``cce_softmax_gradient`` (labels summing to one),
        ``mse_softmax_gradient``.

    Notes
    -----
    ``softmax_jacobian`` is a calculation rather than a theorem: SymPy's
    quotient rule already returns :math:`p_i(\delta_{ij} - p_j)` with
    :math:`p = \operatorname{softmax}(z)` written out, so its two sides are the
    same expression (:attr:`Identity.identical`).  The two gradients are not:
    they need simplification, and the label sum.

    Examples
    --------
    >>> [fact.proved() for fact in softmax_gradients()]
    [True, True, True]
    >>> [fact.identical for fact in softmax_gradients()]
    [True, False, False]
    """
    y, p, z = _vector_symbols()
    probabilities = _softmax(z)
    at_z = dict(zip(p, probabilities))
    jacobian = sp.Matrix(N_CLASSES, N_CLASSES, lambda i, j: sp.diff(probabilities[i], z[j]))
    p_vector = sp.Matrix(p)
    textbook_jacobian = (sp.diag(*p) - p_vector * p_vector.T).subs(at_z)
    cce = derivation("categorical_crossentropy")
    squared = sum((pk - yk) ** 2 for pk, yk in zip(probabilities, y))
    mse_gradient = sp.Matrix([sp.diff(squared, zk) for zk in z])
    error = p_vector - sp.Matrix(y)
    mse_textbook = sp.Matrix(
        [2 * p[k] * (error[k] - sum(error[j] * p[j] for j in range(N_CLASSES))) for k in range(N_CLASSES)]
    ).subs(at_z)
    return (
        Identity("softmax_jacobian", jacobian, textbook_jacobian, "dp_i/dz_j = p_i (delta_ij - p_j)"),
        Identity("cce_softmax_gradient", cce.dloss_dz, cce.in_z(cce.textbook),
                 "the gradient of cross-entropy after a softmax is p - y", cce.substitutions),
        Identity("mse_softmax_gradient", mse_gradient, mse_textbook,
                 "squared error after a softmax keeps the Jacobian: every term is scaled by p_k"),
    )


@functools.cache
def bce_sigmoid_convexity() -> Identity:
    r"""BCE∘sigmoid has second derivative :math:`\sigma(z)(1 - \sigma(z)) \ge 0` in :math:`z`: convex.

    .. math:: \frac{\partial^2}{\partial z^2}\mathrm{BCE}(y, \sigma(z)) = \sigma(z)\,(1 - \sigma(z))

    It does not depend on :math:`y`, and it is positive, so the loss is convex in
    :math:`z` and (see :func:`logistic_regression_hessian`) in the weights of a
    logistic regression.

    Examples
    --------
    >>> bce_sigmoid_convexity().proved()
    True
    """
    d = derivation("binary_crossentropy", "sigmoid")
    return Identity("bce_sigmoid_second_derivative", d.d2loss_dz2, d.in_z(_a * (1 - _a)),
                    "the curvature of cross-entropy in the logit is sigma(1 - sigma) >= 0")


def logistic_regression_hessian(n_samples: int = 2, n_features: int = 2) -> Identity:
    r"""The Hessian of logistic regression's summed BCE is :math:`X^\top S X`.

    .. math:: \nabla_w^2 \sum_i \mathrm{BCE}(y_i, \sigma(x_i^\top w)) = X^\top S X,
              \qquad S = \operatorname{diag}\bigl(\sigma_i (1 - \sigma_i)\bigr)

    :math:`X^\top S X` is positive semi-definite (:math:`v^\top X^\top S X v = \sum_i
    \sigma_i(1-\sigma_i)(x_i^\top v)^2 \ge 0`), so the loss is convex in :math:`w`.
    Proved for a small symbolic :math:`X` (``n_samples`` × ``n_features``).

    Parameters
    ----------
    n_samples, n_features : int
        Size of the symbolic data matrix, each at least 1.

    Raises
    ------
    TypeError, ValueError
        If ``n_samples`` or ``n_features`` is not a whole number >= 1.

    Examples
    --------
    >>> logistic_regression_hessian().proved()
    True
    """
    # Checked before the cache, which would otherwise fail on an unhashable
    # argument without saying which one.
    for argument, value in (("n_samples", n_samples), ("n_features", n_features)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{argument} must be an int, got {type(value).__name__} {value!r}")
        if value < 1:
            raise ValueError(f"{argument} must be >= 1, got {value!r}")
    return _logistic_regression_hessian(int(n_samples), int(n_features))


@functools.cache
def _logistic_regression_hessian(n_samples: int, n_features: int) -> Identity:
    X = sp.Matrix(n_samples, n_features, lambda i, j: sp.Symbol(f"x{i + 1}{j + 1}", real=True))
    w = sp.Matrix(sp.symbols(f"w1:{n_features + 1}", real=True))
    y = sp.symbols(f"y1:{n_samples + 1}", real=True)
    scores = X * w
    sigmas = [_sigmoid(scores[i]) for i in range(n_samples)]
    total = sum(-(y[i] * sp.log(sigmas[i]) + (1 - y[i]) * sp.log(1 - sigmas[i])) for i in range(n_samples))
    hessian = sp.hessian(total, list(w))
    S = sp.diag(*[s * (1 - s) for s in sigmas])
    return Identity("logistic_regression_hessian", hessian, X.T * S * X,
                    "the Hessian of logistic regression is X^T S X, positive semi-definite")


def mse_sigmoid_inflection(label: int) -> tuple:
    r"""Where MSE∘sigmoid stops being convex in :math:`z`, for label 1 or 0.

    With :math:`a = \sigma(z)`,

    .. math:: \frac{\partial^2}{\partial z^2}(a - y)^2
              = 2a(1 - a)\bigl(-3a^2 + 2(1 + y)a - y\bigr)

    whose only root with :math:`0 < a < 1` is :math:`a = 1/3` for :math:`y = 1`
    and :math:`a = 2/3` for :math:`y = 0`, i.e. :math:`z = \mp\log 2`.  The loss
    is concave on the *wrong* side (:math:`z < -\log 2` when :math:`y = 1`):
    gradient descent there is not helped by curvature, one reason MSE trains
    classifiers poorly.

    Parameters
    ----------
    label : {0, 1}

    Returns
    -------
    (z_star, second_derivative) : tuple of sympy expressions
        The sign-change location and the second derivative as a function of ``z``.

    Raises
    ------
    ValueError
        If ``label`` is not the integer 0 or 1.

    Examples
    --------
    >>> mse_sigmoid_inflection(1)[0], mse_sigmoid_inflection(0)[0]
    (-log(2), log(2))
    """
    # Checked before the cache: a list would otherwise fail there, unexplained.
    if isinstance(label, bool) or not isinstance(label, numbers.Integral) or label not in (0, 1):
        raise ValueError(f"label must be 0 or 1, got {label!r}")
    return _mse_sigmoid_inflection(int(label))


@functools.cache
def _mse_sigmoid_inflection(label: int) -> tuple:
    d = derivation("mean_squared_error", "sigmoid")
    second = d.d2loss_dz2.subs(_y, label)
    # Solve in a = sigma(z), where the second derivative is a polynomial.
    in_a = sp.factor(sp.simplify(second.subs(_z, sp.log(_a / (1 - _a)))))
    roots = [r for r in sp.solve(in_a, _a) if r.is_real and 0 < r < 1]
    if len(roots) != 1:
        raise RuntimeError(f"expected one root in (0, 1), found {roots}")
    z_star = sp.simplify(sp.log(roots[0] / (1 - roots[0])))
    return z_star, second


@functools.cache
def kl_cross_entropy() -> tuple:
    r"""KL divergence is cross-entropy minus entropy, so both have the same gradient in :math:`q`.

    .. math:: D_{KL}(p \,\|\, q) = H(p, q) - H(p), \qquad
              \nabla_q D_{KL}(p \,\|\, q) = \nabla_q H(p, q) = -p / q

    The decomposition is the theorem (it needs :math:`p, q > 0` to split the
    logarithm); the equal gradients follow from it, and SymPy's derivatives of
    the two losses are already the same expression :math:`-p_k/q_k`
    (:attr:`Identity.identical`).

    Examples
    --------
    >>> [fact.proved() for fact in kl_cross_entropy()]
    [True, True]
    >>> [fact.identical for fact in kl_cross_entropy()]
    [False, True]
    """
    p = sp.symbols(f"y1:{N_CLASSES + 1}", positive=True)
    q = sp.symbols(f"q1:{N_CLASSES + 1}", positive=True)
    kl = sum(pk * sp.log(pk / qk) for pk, qk in zip(p, q))
    cross_entropy = -sum(pk * sp.log(qk) for pk, qk in zip(p, q))
    entropy = -sum(pk * sp.log(pk) for pk in p)
    return (
        Identity("kl_is_cross_entropy_minus_entropy", kl, cross_entropy - entropy,
                 "KL(p||q) = H(p, q) - H(p)"),
        Identity("kl_and_cross_entropy_gradients",
                 sp.Matrix([sp.diff(kl, qk) for qk in q]),
                 sp.Matrix([sp.diff(cross_entropy, qk) for qk in q]),
                 "for fixed p, H(p) is a constant: KL and cross-entropy have the same gradient in q"),
    )


@functools.cache
def hinge_subgradients() -> dict:
    r"""One-sided derivatives of hinge and squared hinge at the margin :math:`y a = 1`.

    .. math::
        \begin{aligned}
        \partial_a \max(0, 1 - ya)\big|_{ya = 1} &= [\min(-y, 0), \max(-y, 0)],\\
        \frac{d}{da}\max(0, 1 - ya)^2\big|_{ya = 1} &= 0
        \end{aligned}

    Hinge's left and right derivatives differ (:math:`-y` and 0): any value
    between is a subgradient, and TensorFlow returns :math:`-y`.  Squared
    hinge's one-sided derivatives are both 0: it is differentiable.

    Returns
    -------
    dict
        ``{"hinge": (inside, outside), "squared_hinge": (inside, outside)}`` --
        the derivative's limits as the margin approaches 1 from inside
        (:math:`ya < 1`) and outside, for :math:`y = 1`.

    Examples
    --------
    >>> hinge_subgradients()
    {'hinge': (-1, 0), 'squared_hinge': (0, 0)}
    """
    # a = 1 -+ h with h > 0 decides every Heaviside and Max before the limit is taken.
    h = sp.Symbol("h", positive=True)
    result = {}
    for name in ("hinge", "squared_hinge"):
        derivative = derivation(name, "identity").dloss_dpred.subs(_y, 1)
        inside = sp.limit(derivative.subs(_a, 1 - h), h, 0, dir="+")
        outside = sp.limit(derivative.subs(_a, 1 + h), h, 0, dir="+")
        result[name] = (inside, outside)
    return result


@functools.cache
def negative_log_likelihoods() -> tuple:
    r"""Losses as negative log-likelihoods of the output distribution, constants included.

    .. math::
        \begin{aligned}
        -\log\bigl(a^y (1 - a)^{1 - y}\bigr) &= \mathrm{BCE}(y, a),\\
        -\log \prod_k p_k^{y_k} &= \mathrm{CCE}(y, p),\\
        -\log \mathcal N(y; \mu, \sigma^2) &= \frac{(y - \mu)^2}{2\sigma^2} + \log\sqrt{2\pi\sigma^2},\\
        -\log \mathrm{Laplace}(y; \mu, b) &= \frac{|y - \mu|}{b} + \log 2b
        \end{aligned}

    The constants do not depend on the prediction (:math:`a`, :math:`p` or
    :math:`\mu`), so minimising each loss is maximising the likelihood.  Each
    equality needs its logarithms to split, so each symbol says why they may:
    :math:`0 < a < 1` (through :func:`~lossguide.derive.prover.open_unit_interval`),
    :math:`p_k > 0`, :math:`\sigma > 0`, :math:`b > 0`; labels and
    :math:`\mu` are real.

    Examples
    --------
    >>> [fact.proved() for fact in negative_log_likelihoods()]
    [True, True, True, True]
    """
    a = sp.Symbol("a", positive=True)
    y, mu = _y, sp.Symbol("mu", real=True)
    sigma, scale = sp.symbols("sigma b", positive=True)
    bernoulli = -sp.log(a**y * (1 - a) ** (1 - y))
    bce = -(y * sp.log(a) + (1 - y) * sp.log(1 - a))
    ys = sp.symbols(f"y1:{N_CLASSES + 1}", real=True)
    ps = sp.symbols(f"p1:{N_CLASSES + 1}", positive=True)
    categorical = -sp.log(sp.Mul(*[pk**yk for pk, yk in zip(ps, ys)]))
    cce = -sum(yk * sp.log(pk) for pk, yk in zip(ps, ys))
    gaussian = -sp.log(sp.exp(-((y - mu) ** 2) / (2 * sigma**2)) / sp.sqrt(2 * sp.pi * sigma**2))
    laplace = -sp.log(sp.exp(-sp.Abs(y - mu) / scale) / (2 * scale))
    return (
        # 1 - a > 0 is what lets log((1 - a)^(1 - y)) become (1 - y) log(1 - a).
        Identity("bernoulli_nll", bernoulli, bce, "Bernoulli NLL is binary cross-entropy",
                 (open_unit_interval(a),)),
        Identity("categorical_nll", categorical, cce, "categorical NLL is categorical cross-entropy"),
        Identity("gaussian_nll", gaussian, (y - mu) ** 2 / (2 * sigma**2) + sp.log(sp.sqrt(2 * sp.pi * sigma**2)),
                 "Gaussian NLL is squared error / (2 sigma^2) plus log sqrt(2 pi sigma^2), a constant"),
        Identity("laplace_nll", laplace, sp.Abs(y - mu) / scale + sp.log(2 * scale),
                 "Laplace NLL is absolute error / b plus log 2b, a constant"),
    )


def identities() -> dict:
    """Every :class:`Identity` of the "why cross-entropy" chapter, by name (built on demand).

    .. math:: \\text{name} \\mapsto (\\text{lhs} = \\text{rhs})

    Examples
    --------
    >>> facts = identities()
    >>> print(facts["bce_weight_gradient"].statement)
    dC/dw = (a - y) x for cross-entropy: sigma'(z) cancels
    """
    facts = (
        *sigmoid_neuron(),
        *softmax_gradients(),
        bce_sigmoid_convexity(),
        logistic_regression_hessian(),
        *kl_cross_entropy(),
        *negative_log_likelihoods(),
    )
    return {fact.name: fact for fact in facts}
