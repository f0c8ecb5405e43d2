r"""SymPy derivations of every loss, its gradient and its curvature, with proofs.

Each loss of :mod:`lossguide.losses` is written here as a symbolic expression of
the label :math:`y` and the prediction :math:`a`, composed with its usual output
activation :math:`a = g(z)`, and differentiated by SymPy.  The result is then
compared with the *textbook* form a chapter quotes (``sigmoid(z) - y`` for binary
cross-entropy, ``p_k - y_k`` for softmax cross-entropy, ...) and the equality is
**proved** by :func:`prove_equal`, which only answers ``True`` when SymPy reduces
the difference to exactly zero.

Main entry points

:func:`derivation`
    ``derivation(name, activation=None)`` builds a frozen :class:`Derivation`
    (cached); ``.proved()`` checks the textbook forms, ``.latex()`` renders them.
:func:`lambdify`
    Turns a derivation's expression into a vectorised NumPy function of
    ``(y_true, x)`` so chapters can plot it and tests can compare it with
    :mod:`lossguide.gradients`.
:func:`identities` and the functions it lists
    The facts the "why cross-entropy" chapter relies on, each an
    :class:`Identity` that can prove itself: one sigmoid neuron, MSE through
    the softmax Jacobian, convexity (and where MSE∘sigmoid stops being convex),
    KL versus cross-entropy, hinge subgradients, and losses as negative
    log-likelihoods.

Conventions: the per-element losses follow Keras (``mean_squared_error`` is
:math:`(a - y)^2` without the textbook :math:`\tfrac12`); Keras's ``1e-7`` clipping
is left out because it is a numerical guard, not part of the mathematics.
Nothing is derived at import time.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import sympy as sp

__all__ = [
    "ACTIVATIONS",
    "Derivation",
    "Identity",
    "N_CLASSES",
    "NAMES",
    "bce_sigmoid_convexity",
    "derivation",
    "hinge_subgradients",
    "identities",
    "kl_cross_entropy",
    "lambdify",
    "logistic_regression_hessian",
    "mse_sigmoid_inflection",
    "negative_log_likelihoods",
    "prove_equal",
    "sigmoid_neuron",
    "softmax_gradients",
]

#: Number of classes used for the softmax derivations: small enough for SymPy to
#: simplify quickly, large enough that nothing is special to two classes.
N_CLASSES = 3

#: The output activations a derivation can be composed with.
ACTIVATIONS = ("identity", "sigmoid", "tanh", "softmax", "exponential")

# name -> (kind, usual activation).  "element" losses act on one output at a
# time (Keras then averages over the last axis); "vector" losses act on a whole
# row of N_CLASSES outputs.
_CATALOGUE = {
    "mean_squared_error": ("element", "identity"),
    "mean_absolute_error": ("element", "identity"),
    "mean_absolute_percentage_error": ("element", "identity"),
    "mean_squared_logarithmic_error": ("element", "identity"),
    "huber": ("element", "identity"),
    "log_cosh": ("element", "identity"),
    # The canonical (log) link of the Poisson model: the gradient becomes a - y.
    "poisson": ("element", "exponential"),
    "binary_crossentropy": ("element", "sigmoid"),
    "binary_focal_crossentropy": ("element", "sigmoid"),
    "weighted_binary_crossentropy": ("element", "sigmoid"),
    "hinge": ("element", "tanh"),
    "squared_hinge": ("element", "tanh"),
    "categorical_crossentropy": ("vector", "softmax"),
    "sparse_categorical_crossentropy": ("vector", "softmax"),
    "kl_divergence": ("vector", "softmax"),
    "categorical_hinge": ("vector", "softmax"),
}

#: Every loss :func:`derivation` knows, in the order of :mod:`lossguide.losses`.
NAMES = tuple(_CATALOGUE)

# Real symbols: the derivatives of Abs and Max then come out as sign and
# Heaviside instead of conjugate-laden complex expressions.
_y, _a, _z = sp.symbols("y a z", real=True)
_delta = sp.Symbol("delta", positive=True)
_gamma = sp.Symbol("gamma", nonnegative=True)
_pos_weight = sp.Symbol("q", positive=True)
_OPTION_SYMBOLS = {"delta": _delta, "gamma": _gamma, "pos_weight": _pos_weight}


def _sigmoid(z):
    """The logistic function as an explicit expression SymPy can differentiate."""
    return 1 / (1 + sp.exp(-z))


def _heaviside_tf(expression):
    """Make every ``Heaviside(x)`` take the value 1 at ``x = 0``.

    TensorFlow's gradient of ``maximum(x, 0)`` passes the incoming gradient on
    when ``x >= 0``, so at a hinge's kink it returns the *active* piece; SymPy's
    default ``Heaviside(0) = 1/2`` would average the two one-sided slopes.
    """
    return expression.replace(
        lambda e: isinstance(e, sp.Heaviside), lambda e: sp.Heaviside(e.args[0], 1)
    )


def prove_equal(a, b, *, substitutions=None) -> bool:
    r"""Prove ``a == b`` symbolically; ``True`` only if the difference simplifies to 0.

    .. math:: a = b \iff \operatorname{simplify}(a - b) = 0

    SymPy's ``simplify`` does not always find zero on its own, so after it the
    difference is rewritten in exponentials (sigmoid, tanh and softmax all
    become rational functions of :math:`e^{z}`), put over a common
    denominator (``cancel``) and factored; ``Max``, ``Abs`` and ``Heaviside``
    are rewritten as ``Piecewise`` cases.  Any of these reaching exactly zero
    is a proof; failing all of them returns ``False`` (not a disproof).

    Parameters
    ----------
    a, b : sympy expression or Matrix
        Compared element by element when matrices.
    substitutions : dict, optional
        Constraints applied before simplifying, e.g. ``{y3: 1 - y1 - y2}`` for a
        label vector that sums to one.

    Returns
    -------
    bool

    Examples
    --------
    >>> import sympy as sp
    >>> z, y = sp.symbols("z y", real=True)
    >>> s = 1 / (1 + sp.exp(-z))
    >>> bce = -(y * sp.log(s) + (1 - y) * sp.log(1 - s))
    >>> prove_equal(sp.diff(bce, z), s - y)
    True
    >>> prove_equal(sp.diff(bce, z), s)
    False
    """
    difference = sp.Matrix(a) - sp.Matrix(b) if _is_matrix(a) or _is_matrix(b) else a - b
    if substitutions:
        difference = difference.subs(substitutions)
    entries = list(difference) if isinstance(difference, sp.MatrixBase) else [difference]
    return all(_is_zero(entry) for entry in entries)


def _is_matrix(x) -> bool:
    return isinstance(x, (sp.MatrixBase, list, tuple))


def _is_zero(expression) -> bool:
    expression = sp.sympify(expression)
    if expression == 0:
        return True
    # Cheapest first: most of the book's identities fall to the first attempt.
    attempts = (
        sp.expand,
        sp.simplify,
        lambda e: sp.simplify(sp.cancel(e.rewrite(sp.exp))),
        lambda e: sp.factor(sp.cancel(sp.expand(e.rewrite(sp.exp)))),
        # Max, Abs and Heaviside as explicit cases, so that e.g.
        # Heaviside(u) * Max(0, u) = Max(0, u) is seen case by case.
        lambda e: sp.simplify(sp.piecewise_fold(e.rewrite(sp.Piecewise))),
        lambda e: sp.simplify(sp.expand_log(sp.expand(e), force=True)),
    )
    for attempt in attempts:
        if attempt(expression) == 0:
            return True
    return False


@dataclasses.dataclass(frozen=True)
class Identity:
    r"""A symbolic equality ``lhs == rhs`` that can prove itself.

    Attributes
    ----------
    name : str
        Short identifier, e.g. ``"bce_weight_gradient"``.
    lhs, rhs : sympy expression or Matrix
        The two sides; ``lhs`` is usually what SymPy derived, ``rhs`` the
        textbook form.
    statement : str
        One sentence a chapter can quote.
    substitutions : tuple of (symbol, expression) pairs
        Constraints assumed by the proof (e.g. labels summing to one).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> fact = Identity("square", sp.diff(x**2, x), 2 * x, "d(x^2)/dx = 2x")
    >>> fact.proved()
    True
    >>> fact.latex()
    '2 x = 2 x'
    """

    name: str
    lhs: object
    rhs: object
    statement: str
    substitutions: tuple = ()

    def proved(self) -> bool:
        """Return True if :func:`prove_equal` proves ``lhs == rhs``."""
        return prove_equal(self.lhs, self.rhs, substitutions=dict(self.substitutions))

    def latex(self) -> str:
        """LaTeX of ``lhs = rhs`` for a chapter's ``display(Math(...))``."""
        return f"{sp.latex(self.lhs)} = {sp.latex(self.rhs)}"


@dataclasses.dataclass(frozen=True)
class Derivation:
    r"""One loss differentiated through its output activation.

    For element-wise losses the symbols are scalars :math:`y, a, z`; for
    softmax losses they are tuples of :data:`N_CLASSES` symbols and the
    derivatives are column vectors (gradient) and matrices (Hessian).

    Attributes
    ----------
    name, activation : str
    y, a, z : tuple of sympy.Symbol
        Labels, predictions (activation outputs) and pre-activations.
    options : tuple of sympy.Symbol
        Loss options kept symbolic (``delta``, ``gamma``, ``q`` for ``pos_weight``).
    loss : sympy expression
        Per-element (or per-row) loss in terms of ``y`` and ``a``.
    output : tuple of sympy expressions
        :math:`a = g(z)`, one entry per element of ``a``.
    dloss_dpred : sympy expression or Matrix
        :math:`\partial L/\partial a`, in terms of ``y`` and ``a``.
    loss_z : sympy expression
        The loss composed with the activation, in terms of ``y`` and ``z``.
    dloss_dz : sympy expression or Matrix
        :math:`\partial L(g(z))/\partial z` as SymPy differentiated it.
    d2loss_dz2 : sympy expression or Matrix
        Second derivative (Hessian for softmax losses) in ``z``.
    textbook : sympy expression or Matrix
        The textbook form of ``dloss_dz`` written with ``a`` (the activation output).
    textbook_d2 : sympy expression or Matrix or None
        Textbook form of ``d2loss_dz2`` with ``a``, where one is quoted.
    substitutions : tuple of (symbol, expression) pairs
        Constraints the textbook form assumes (labels summing to one).
    note : str
        What the result means, in one or two sentences.

    Examples
    --------
    >>> d = derivation("binary_crossentropy")
    >>> d.textbook
    a - y
    >>> d.proved()
    True
    """

    name: str
    activation: str
    y: tuple
    a: tuple
    z: tuple
    options: tuple
    loss: object
    output: tuple
    dloss_dpred: object
    loss_z: object
    dloss_dz: object
    d2loss_dz2: object
    textbook: object
    textbook_d2: object
    substitutions: tuple
    note: str

    @property
    def elementwise(self) -> bool:
        """True for losses applied element by element (then averaged by Keras)."""
        return len(self.a) == 1

    def in_z(self, expression):
        """Rewrite an expression of ``a`` in terms of ``z`` (``a = g(z)``)."""
        return sp.sympify(expression).subs(dict(zip(self.a, self.output)))

    def proved(self) -> bool:
        """Prove ``dloss_dz == textbook`` (and the second derivative, if quoted)."""
        substitutions = dict(self.substitutions)
        ok = prove_equal(self.dloss_dz, self.in_z(self.textbook), substitutions=substitutions)
        if ok and self.textbook_d2 is not None:
            ok = prove_equal(
                self.d2loss_dz2, self.in_z(self.textbook_d2), substitutions=substitutions
            )
        return ok

    def latex(self) -> str:
        """The loss, its derivative in ``a`` and its textbook gradient in ``z``, in LaTeX."""
        derivative = "\\nabla_{a}" if not self.elementwise else "\\frac{\\partial L}{\\partial a}"
        gradient = "\\nabla_{z}" if not self.elementwise else "\\frac{\\partial L}{\\partial z}"
        lines = [
            f"L = {sp.latex(self.loss)}",
            f"{derivative} = {sp.latex(self.dloss_dpred)}",
            f"{gradient} = {sp.latex(self.textbook)}",
        ]
        if self.textbook_d2 is not None:
            second = "\\nabla_{z}^{2}" if not self.elementwise else "\\frac{\\partial^2 L}{\\partial z^2}"
            lines.append(f"{second} = {sp.latex(self.textbook_d2)}")
        return " \\\\ ".join(lines)


def _element_loss(name: str):
    """Per-element loss of ``(y, a)`` as Keras defines it, and the options it uses."""
    y, a = _y, _a
    error = a - y
    if name == "mean_squared_error":
        return error**2, ()
    if name == "mean_absolute_error":
        return sp.Abs(error), ()
    if name == "mean_absolute_percentage_error":
        return 100 * sp.Abs(error) / sp.Abs(y), ()
    if name == "mean_squared_logarithmic_error":
        return (sp.log(1 + a) - sp.log(1 + y)) ** 2, ()
    if name == "huber":
        quadratic = error**2 / 2
        linear = _delta * sp.Abs(error) - _delta**2 / 2
        return sp.Piecewise((quadratic, sp.Abs(error) <= _delta), (linear, True)), (_delta,)
    if name == "log_cosh":
        return sp.log(sp.cosh(error)), ()
    if name == "poisson":
        return a - y * sp.log(a), ()
    if name == "binary_crossentropy":
        return -(y * sp.log(a) + (1 - y) * sp.log(1 - a)), ()
    if name == "binary_focal_crossentropy":
        # Keras's form: the focal factor (1 - p_t)^gamma multiplies the whole
        # cross-entropy, with p_t = y a + (1 - y)(1 - a) (also for soft labels).
        p_t = y * a + (1 - y) * (1 - a)
        bce = -(y * sp.log(a) + (1 - y) * sp.log(1 - a))
        return (1 - p_t) ** _gamma * bce, (_gamma,)
    if name == "weighted_binary_crossentropy":
        return -(_pos_weight * y * sp.log(a) + (1 - y) * sp.log(1 - a)), (_pos_weight,)
    if name == "hinge":
        return sp.Max(0, 1 - y * a), ()
    if name == "squared_hinge":
        return sp.Max(0, 1 - y * a) ** 2, ()
    raise KeyError(name)


def _element_activation(activation: str, z):
    if activation == "identity":
        return z
    if activation == "sigmoid":
        return _sigmoid(z)
    if activation == "tanh":
        return sp.tanh(z)
    if activation == "exponential":
        return sp.exp(z)
    raise ValueError(
        f"activation {activation!r} does not apply to an element-wise loss; "
        "choose 'identity', 'sigmoid', 'tanh' or 'exponential'"
    )


def _element_textbook(name: str, activation: str):
    """Textbook ∂L/∂z (and ∂²L/∂z² where quoted) written with a = g(z)."""
    y, a = _y, _a
    # da/dz written with a itself: the identity every derivation below relies on.
    slope = {
        "identity": sp.Integer(1),
        "sigmoid": a * (1 - a),
        "tanh": 1 - a**2,
        "exponential": a,
    }[activation]
    second = None
    if name == "mean_squared_error":
        first = 2 * (a - y) * slope
        if activation == "identity":
            second = sp.Integer(2)
    elif name == "mean_absolute_error":
        first = sp.sign(a - y) * slope
    elif name == "mean_absolute_percentage_error":
        first = 100 * sp.sign(a - y) / sp.Abs(y) * slope
    elif name == "mean_squared_logarithmic_error":
        first = 2 * (sp.log(1 + a) - sp.log(1 + y)) / (1 + a) * slope
    elif name == "huber":
        # The gradient of Huber is the error clipped to [-delta, delta].
        clipped = sp.Piecewise((a - y, sp.Abs(a - y) <= _delta), (_delta * sp.sign(a - y), True))
        first = clipped * slope
    elif name == "log_cosh":
        first = sp.tanh(a - y) * slope
    elif name == "poisson":
        first = (1 - y / a) * slope
        if activation == "exponential":
            first, second = a - y, a
    elif name == "binary_crossentropy":
        first = (a - y) / (a * (1 - a)) * slope
        if activation == "sigmoid":
            first, second = a - y, a * (1 - a)
    elif name == "binary_focal_crossentropy":
        p_t = y * a + (1 - y) * (1 - a)
        bce = -(y * sp.log(a) + (1 - y) * sp.log(1 - a))
        # Cross-entropy's (a - y), damped by the focal factor, minus the change
        # of the focal factor itself (which pushes easy examples' loss down).
        dbce = (a - y) / (a * (1 - a))
        first = (
            (1 - p_t) ** _gamma * dbce - _gamma * (2 * y - 1) * (1 - p_t) ** (_gamma - 1) * bce
        ) * slope
        if activation == "sigmoid":
            first = (1 - p_t) ** (_gamma - 1) * (
                (1 - p_t) * (a - y) - _gamma * (2 * y - 1) * a * (1 - a) * bce
            )
    elif name == "weighted_binary_crossentropy":
        first = ((1 - y) / (1 - a) - _pos_weight * y / a) * slope
        if activation == "sigmoid":
            first = (1 + (_pos_weight - 1) * y) * a - _pos_weight * y
    elif name == "hinge":
        first = -y * sp.Heaviside(1 - y * a, 1) * slope
    elif name == "squared_hinge":
        first = -2 * y * sp.Max(0, 1 - y * a) * slope
    else:
        raise KeyError(name)
    return sp.expand(first) if name == "mean_squared_error" and activation == "identity" else first, second


def _vector_symbols():
    k = N_CLASSES
    y = sp.symbols(f"y1:{k + 1}", real=True)
    p = sp.symbols(f"p1:{k + 1}", positive=True)
    z = sp.symbols(f"z1:{k + 1}", real=True)
    return y, p, z


def _softmax(z):
    exps = [sp.exp(zk) for zk in z]
    total = sum(exps)
    return tuple(e / total for e in exps)


def _vector_loss(name: str, y, p):
    if name in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
        return -sum(yk * sp.log(pk) for yk, pk in zip(y, p))
    if name == "kl_divergence":
        return sum(yk * sp.log(yk / pk) for yk, pk in zip(y, p))
    if name == "categorical_hinge":
        positive = sum(yk * pk for yk, pk in zip(y, p))
        # Keras includes the true class (as 0 * p) in the max; with softmax
        # outputs p > 0 this changes nothing.
        negative = sp.Max(*[(1 - yk) * pk for yk, pk in zip(y, p)])
        return sp.Max(0, negative - positive + 1)
    raise KeyError(name)


@functools.lru_cache(maxsize=None)
def derivation(name: str, activation: str | None = None) -> Derivation:
    r"""Differentiate loss ``name`` through an output activation, symbolically.

    .. math::
        L(y, a), \qquad a = g(z), \qquad
        \frac{\partial L}{\partial a}, \quad
        \frac{\partial L(y, g(z))}{\partial z}, \quad
        \frac{\partial^2 L(y, g(z))}{\partial z^2}

    Parameters
    ----------
    name : str
        A Keras loss name from :data:`NAMES`.
    activation : str, optional
        One of :data:`ACTIVATIONS`; by default the loss's usual output
        activation (identity for regression, exponential for Poisson, sigmoid
        for the binary cross-entropies, tanh for the hinges, softmax with
        :data:`N_CLASSES` classes for the categorical losses).

    Returns
    -------
    Derivation
        Cached: calling again with the same arguments is free.

    Raises
    ------
    ValueError
        Unknown ``name``, or an activation that does not fit the loss.

    Notes
    -----
    Softmax derivations assume labels that sum to one (the textbook
    :math:`p - y` needs :math:`\sum_k y_k = 1`); the constraint is stored in
    ``substitutions`` and applied in the proofs.  Sparse categorical
    cross-entropy is categorical cross-entropy with one-hot labels.

    Examples
    --------
    >>> d = derivation("categorical_crossentropy")
    >>> d.textbook.T
    Matrix([[p1 - y1, p2 - y2, p3 - y3]])
    >>> derivation("mean_squared_error", "sigmoid").textbook
    a*(1 - a)*(2*a - 2*y)
    """
    if not isinstance(name, str) or name not in _CATALOGUE:
        raise ValueError(f"name must be one of {', '.join(NAMES)}; got {name!r}")
    kind, usual = _CATALOGUE[name]
    activation = usual if activation is None else activation
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if kind == "element":
        return _element_derivation(name, activation)
    if activation != "softmax":
        raise ValueError(f"{name} acts on a probability vector: activation must be 'softmax', got {activation!r}")
    return _vector_derivation(name)


_NOTES = {
    "mean_squared_error": "Keras's MSE has no 1/2, hence the 2; constant curvature 2 with a linear output.",
    "mean_absolute_error": "Derivative sign(a - y): every error pulls equally hard; at a = y TensorFlow returns 0.",
    "mean_absolute_percentage_error": "MAE scaled by 100/|y|: targets near 0 dominate the gradient.",
    "mean_squared_logarithmic_error": "Squared error of log(1 + a): relative errors, damped by 1/(1 + a).",
    "huber": "The gradient is the error clipped to [-delta, delta]: MSE near 0, MAE in the tails.",
    "log_cosh": "Gradient tanh(a - y): about (a - y) for small errors, about sign(a - y) for large ones.",
    "poisson": "With the exponential (log-link) output the gradient is a - y, as for every canonical link.",
    "binary_crossentropy": "The sigmoid's slope a(1 - a) cancels: the gradient is the error a - y; curvature a(1 - a) >= 0.",
    "binary_focal_crossentropy": "gamma = 0 gives cross-entropy's a - y; gamma > 0 shrinks the gradient of easy examples.",
    "weighted_binary_crossentropy": "Positive examples weigh q times more; q = 1 gives a - y.",
    "hinge": "Subgradient -y while the margin y a < 1 (TensorFlow's choice at y a = 1 too), else 0.",
    "squared_hinge": "-2 y max(0, 1 - y a): continuous at the kink, so the loss is differentiable.",
    "categorical_crossentropy": "Softmax's Jacobian cancels: the gradient is p - y when the labels sum to one.",
    "sparse_categorical_crossentropy": "Categorical cross-entropy with one-hot labels: gradient p - onehot(y).",
    "kl_divergence": "KL(y || p) = H(y, p) - H(y): same gradient p - y as cross-entropy.",
    "categorical_hinge": "Softmax Jacobian times the hinge subgradient e_(best wrong class) - y while the margin is < 1.",
}


def _element_derivation(name: str, activation: str) -> Derivation:
    loss, options = _element_loss(name)
    output = _element_activation(activation, _z)
    dloss_dpred = _heaviside_tf(sp.diff(loss, _a))
    loss_z = loss.subs(_a, output)
    dloss_dz = _heaviside_tf(sp.diff(loss_z, _z))
    d2loss_dz2 = sp.diff(dloss_dz, _z)
    textbook, textbook_d2 = _element_textbook(name, activation)
    return Derivation(
        name=name,
        activation=activation,
        y=(_y,),
        a=(_a,),
        z=(_z,),
        options=options,
        loss=loss,
        output=(output,),
        dloss_dpred=dloss_dpred,
        loss_z=loss_z,
        dloss_dz=dloss_dz,
        d2loss_dz2=d2loss_dz2,
        textbook=textbook,
        textbook_d2=textbook_d2,
        substitutions=(),
        note=_NOTES[name],
    )


def _vector_derivation(name: str) -> Derivation:
    y, p, z = _vector_symbols()
    k = N_CLASSES
    output = _softmax(z)
    loss = _vector_loss(name, y, p)
    dloss_dpred = _heaviside_tf(sp.Matrix([sp.diff(loss, pk) for pk in p]))
    loss_z = loss.subs(dict(zip(p, output)))
    dloss_dz = _heaviside_tf(sp.Matrix([sp.diff(loss_z, zk) for zk in z]))
    d2loss_dz2 = sp.Matrix(k, k, lambda i, j: sp.diff(dloss_dz[i], z[j]))
    p_vector = sp.Matrix(p)
    jacobian = sp.diag(*p) - p_vector * p_vector.T  # softmax: dp_i/dz_j = p_i (delta_ij - p_j)
    textbook_d2 = None
    if name == "categorical_hinge":
        textbook = jacobian * dloss_dpred  # the Jacobian is symmetric
    else:
        textbook = p_vector - sp.Matrix(y)
        textbook_d2 = jacobian
    return Derivation(
        name=name,
        activation="softmax",
        y=y,
        a=p,
        z=z,
        options=(),
        loss=loss,
        output=output,
        dloss_dpred=dloss_dpred,
        loss_z=loss_z,
        dloss_dz=dloss_dz,
        d2loss_dz2=d2loss_dz2,
        textbook=textbook,
        textbook_d2=textbook_d2,
        substitutions=((y[-1], 1 - sum(y[:-1])),) if name != "categorical_hinge" else (),
        note=_NOTES[name],
    )


_WHICH = ("loss", "dloss_dpred", "loss_z", "dloss_dz", "d2loss_dz2", "textbook")


def lambdify(derivation_or_expression, which: str = "dloss_dz", *, variables=None, **options):
    r"""Turn a derivation (or any SymPy expression) into a vectorised NumPy function.

    For a :class:`Derivation` the function is ``f(y_true, x)``: ``x`` is the
    prediction :math:`a` for ``loss``, ``dloss_dpred`` and ``textbook``, and the
    pre-activation :math:`z` for ``loss_z``, ``dloss_dz`` and ``d2loss_dz2``.
    Element-wise derivations broadcast like NumPy ufuncs; softmax derivations
    take arrays whose last axis has :data:`N_CLASSES` entries and return the
    loss per row, the gradient with the same shape, or the Hessian with two
    trailing class axes.  ``sparse_categorical_crossentropy`` takes integer
    labels (turned into one-hot rows).

    .. math:: f(y, x) = \text{expression}\,\big|_{\,\text{options}}

    Parameters
    ----------
    derivation_or_expression : Derivation or sympy expression
    which : str
        Which field of the derivation: one of ``"loss"``, ``"dloss_dpred"``,
        ``"loss_z"``, ``"dloss_dz"``, ``"d2loss_dz2"``, ``"textbook"``.
    variables : sequence of sympy.Symbol, optional
        For a bare expression: its arguments, in order (required).
    **options : float
        Values for the derivation's symbolic options: ``delta`` (Huber),
        ``gamma`` (focal), ``pos_weight`` (weighted cross-entropy).

    Returns
    -------
    callable

    Raises
    ------
    ValueError
        Unknown ``which``, a missing or unknown option, or a bare expression
        without ``variables``.

    Examples
    --------
    >>> import numpy as np
    >>> gradient = lambdify(derivation("binary_crossentropy"), "dloss_dz")
    >>> gradient(np.array([1.0, 0.0]), np.array([0.0, 0.0]))
    array([-0.5,  0.5])
    >>> huber = lambdify(derivation("huber"), "dloss_dpred", delta=1.0)
    >>> huber(np.array([0.0, 0.0]), np.array([0.5, 3.0]))
    array([0.5, 1. ])
    """
    if not isinstance(derivation_or_expression, Derivation):
        if variables is None:
            raise ValueError("variables is required when lambdifying a bare expression")
        return sp.lambdify(tuple(variables), derivation_or_expression, modules="numpy")
    d = derivation_or_expression
    if which not in _WHICH:
        raise ValueError(f"which must be one of {_WHICH}, got {which!r}")
    expression = getattr(d, which)
    values = {}
    for key, value in options.items():
        if key not in _OPTION_SYMBOLS or _OPTION_SYMBOLS[key] not in d.options:
            expected = [k for k, s in _OPTION_SYMBOLS.items() if s in d.options]
            raise ValueError(f"{d.name} takes the options {expected}, got {key}={value!r}")
        values[_OPTION_SYMBOLS[key]] = value
    missing = [k for k, s in _OPTION_SYMBOLS.items() if s in d.options and s not in values]
    if missing:
        raise ValueError(f"{d.name} needs a value for {missing}")
    expression = sp.sympify(expression).subs(values) if values else expression
    x_symbols = d.z if which in ("loss_z", "dloss_dz", "d2loss_dz2") else d.a
    function = sp.lambdify((*d.y, *x_symbols), expression, modules="numpy")

    if d.elementwise:

        def elementwise(y_true, x):
            y_true, x = np.asarray(y_true, dtype=float), np.asarray(x, dtype=float)
            return np.broadcast_to(function(y_true, x), np.broadcast(y_true, x).shape) * 1.0

        return elementwise

    sparse = d.name == "sparse_categorical_crossentropy"

    def rowwise(y_true, x):
        x = np.asarray(x, dtype=float)
        if sparse:
            y_true = np.eye(N_CLASSES)[np.asarray(y_true, dtype=int)]
        y_true = np.asarray(y_true, dtype=float)
        result = function(*np.moveaxis(y_true, -1, 0), *np.moveaxis(x, -1, 0))
        return _assemble(result, x.shape[:-1], which)

    return rowwise


def _assemble(result, batch_shape, which):
    """Stack the nested lists SymPy returns for a Matrix into NumPy axes."""
    if which in ("loss", "loss_z"):
        return np.broadcast_to(np.asarray(result, dtype=float), batch_shape) * 1.0
    rows = [[np.broadcast_to(np.asarray(entry, dtype=float), batch_shape) for entry in row] for row in result]
    stacked = np.array(rows, dtype=float)  # (K, 1 or K, *batch)
    if which == "d2loss_dz2":
        return np.moveaxis(stacked, (0, 1), (-2, -1))
    return np.moveaxis(stacked[:, 0], 0, -1)


# ------------------------------------------------------------- the "why cross-entropy" facts


@functools.lru_cache(maxsize=None)
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


@functools.lru_cache(maxsize=None)
def softmax_gradients() -> tuple:
    r"""Softmax with :data:`N_CLASSES` classes: its Jacobian, CCE's :math:`p - y`, MSE's extra factor.

    .. math::
        \frac{\partial p_i}{\partial z_j} = p_i(\delta_{ij} - p_j), \qquad
        \nabla_z \mathrm{CCE} = p - y, \qquad
        \frac{\partial}{\partial z_k} \sum_j (p_j - y_j)^2
            = 2 p_k \Bigl((p_k - y_k) - \sum_j (p_j - y_j) p_j\Bigr)

    Returns
    -------
    tuple of Identity
        ``softmax_jacobian``, ``cce_softmax_gradient`` (labels summing to one),
        ``mse_softmax_gradient``.

    Examples
    --------
    >>> [fact.proved() for fact in softmax_gradients()]
    [True, True, True]
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


@functools.lru_cache(maxsize=None)
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


@functools.lru_cache(maxsize=None)
def logistic_regression_hessian(n_samples: int = 2, n_features: int = 2) -> Identity:
    r"""The Hessian of logistic regression's summed BCE is :math:`X^\top S X`.

    .. math:: \nabla_w^2 \sum_i \mathrm{BCE}(y_i, \sigma(x_i^\top w)) = X^\top S X,
              \qquad S = \operatorname{diag}\bigl(\sigma_i (1 - \sigma_i)\bigr)

    :math:`X^\top S X` is positive semi-definite (:math:`v^\top X^\top S X v = \sum_i
    \sigma_i(1-\sigma_i)(x_i^\top v)^2 \ge 0`), so the loss is convex in :math:`w`.
    Proved for a small symbolic :math:`X` (``n_samples`` × ``n_features``).

    Examples
    --------
    >>> logistic_regression_hessian().proved()
    True
    """
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


@functools.lru_cache(maxsize=None)
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

    Examples
    --------
    >>> mse_sigmoid_inflection(1)[0], mse_sigmoid_inflection(0)[0]
    (-log(2), log(2))
    """
    if label not in (0, 1) or isinstance(label, bool):
        raise ValueError(f"label must be 0 or 1, got {label!r}")
    d = derivation("mean_squared_error", "sigmoid")
    second = d.d2loss_dz2.subs(_y, label)
    # Solve in a = sigma(z), where the second derivative is a polynomial.
    in_a = sp.factor(sp.simplify(second.subs(_z, sp.log(_a / (1 - _a)))))
    roots = [r for r in sp.solve(in_a, _a) if r.is_real and 0 < r < 1]
    if len(roots) != 1:
        raise RuntimeError(f"expected one root in (0, 1), found {roots}")
    z_star = sp.simplify(sp.log(roots[0] / (1 - roots[0])))
    return z_star, second


@functools.lru_cache(maxsize=None)
def kl_cross_entropy() -> tuple:
    r"""KL divergence is cross-entropy minus entropy, so both have the same gradient in :math:`q`.

    .. math:: D_{KL}(p \,\|\, q) = H(p, q) - H(p), \qquad
              \nabla_q D_{KL}(p \,\|\, q) = \nabla_q H(p, q) = -p / q

    Examples
    --------
    >>> [fact.proved() for fact in kl_cross_entropy()]
    [True, True]
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


@functools.lru_cache(maxsize=None)
def hinge_subgradients() -> dict:
    r"""One-sided derivatives of hinge and squared hinge at the margin :math:`y a = 1`.

    .. math::
        \partial_a \max(0, 1 - ya)\big|_{ya = 1} = [\min(-y, 0), \max(-y, 0)],
        \qquad
        \frac{d}{da}\max(0, 1 - ya)^2\big|_{ya = 1} = 0

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


@functools.lru_cache(maxsize=None)
def negative_log_likelihoods() -> tuple:
    r"""Losses as negative log-likelihoods of the output distribution.

    .. math::
        -\log\bigl(a^y (1 - a)^{1 - y}\bigr) = \mathrm{BCE}, \qquad
        -\log \prod_k p_k^{y_k} = \mathrm{CCE}, \\
        -\log \mathcal N(y; a, \sigma^2) = \frac{(y - a)^2}{2\sigma^2} + \text{const}, \qquad
        -\log \mathrm{Laplace}(y; a, b) = \frac{|y - a|}{b} + \text{const}

    "Up to constants" is proved as: the difference has zero derivative with
    respect to the prediction :math:`a`.

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
        Identity("bernoulli_nll", bernoulli, bce, "Bernoulli NLL is binary cross-entropy"),
        Identity("categorical_nll", categorical, cce, "categorical NLL is categorical cross-entropy"),
        Identity("gaussian_nll", sp.diff(gaussian, mu), sp.diff((y - mu) ** 2 / (2 * sigma**2), mu),
                 "Gaussian NLL is squared error / (2 sigma^2) plus a constant"),
        Identity("laplace_nll", sp.diff(laplace, mu), sp.diff(sp.Abs(y - mu) / scale, mu),
                 "Laplace NLL is absolute error / b plus a constant"),
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
