r"""The per-loss catalogue: each loss of :mod:`lossguide.losses` differentiated by SymPy.

Each loss is a symbolic expression of the label :math:`y` and the prediction
:math:`a`, composed with its usual output activation :math:`a = g(z)` and
differentiated; :class:`Derivation` holds the results beside the *textbook*
forms a chapter quotes, and :meth:`Derivation.proved` checks them with
:func:`~lossguide.derive.prover.prove_equal`.  :func:`lambdify` turns any
field into a vectorised NumPy function.

The per-loss facts -- the SymPy loss, its textbook gradient, whether it acts
element-wise or on a row, its usual activation, its options and a note -- are
read from :data:`lossguide.registry.SPECS`; this module only differentiates.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import sympy as sp

from .. import registry
from .prover import identical, prove_equal

__all__ = ["ACTIVATIONS", "NAMES", "N_CLASSES", "Derivation", "derivation", "lambdify"]

#: Number of classes used for the softmax derivations: small enough for SymPy to
#: simplify quickly, large enough that nothing is special to two classes.
N_CLASSES = 3

#: The output activations a derivation can be composed with.
ACTIVATIONS = ("identity", "sigmoid", "tanh", "softmax", "exponential")

#: Every loss :func:`derivation` knows, in the order of :mod:`lossguide.losses`.
NAMES = registry.NAMES

# Real symbols: the derivatives of Abs and Max then come out as sign and
# Heaviside instead of conjugate-laden complex expressions.  The prediction a
# stays real (not positive): the regression losses take any real prediction,
# and no derivation here needs more, because every textbook form is compared
# after a = g(z) is substituted.
_y, _a, _z = sp.symbols("y a z", real=True)
# delta > 0, gamma >= 0, q > 0: the assumptions the loss options carry.
_OPTION_SYMBOLS = registry.SYMBOLS

# da/dz written with a = g(z) itself: the identity every element-wise
# textbook form relies on.
_SLOPES = {
    "identity": sp.Integer(1),
    "sigmoid": _a * (1 - _a),
    "tanh": 1 - _a**2,
    "exponential": _a,
}


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
    >>> d.proved(), d.identical
    (True, False)
    >>> derivation("mean_squared_error").identical  # SymPy's 2a - 2y is the textbook form
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

    @property
    def identical(self) -> bool:
        """True if SymPy's ``dloss_dz`` (and ``d2loss_dz2``, if quoted) already *is* the textbook form.

        Then :meth:`proved` compares an expression with itself: what a reader
        should see is the chain rule, :math:`\\partial L/\\partial a` times
        :math:`da/dz`, not a proof.
        """
        substitutions = dict(self.substitutions)
        same = identical(self.dloss_dz, self.in_z(self.textbook), substitutions=substitutions)
        if same and self.textbook_d2 is not None:
            same = identical(self.d2loss_dz2, self.in_z(self.textbook_d2), substitutions=substitutions)
        return same

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
        :data:`N_CLASSES` classes for the categorical losses). ``gaussian_nll``
        takes only ``"identity"``: its output is a mean and a log-variance
        (symbols ``mu`` and ``v``).

    Returns
    -------
    Derivation
        Cached: calling again with the same arguments is free.

    Raises
    ------
    TypeError
        ``name`` is not a string, or ``activation`` is neither None nor a string.
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
    # Checked before the cache, which would otherwise fail on an unhashable
    # argument with "unhashable type: 'list'" and no hint of which one.
    if not isinstance(name, str):
        raise TypeError(f"name must be a loss name (a str), got {type(name).__name__} {name!r}")
    if name not in registry.SPECS:
        raise ValueError(f"name must be one of {', '.join(NAMES)}; got {name!r}")
    if activation is not None and not isinstance(activation, str):
        raise TypeError(
            f"activation must be None or one of {ACTIVATIONS}, got {type(activation).__name__} {activation!r}"
        )
    spec = registry.SPECS[name]
    activation = spec.activation if activation is None else activation
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if spec.y_pred == "mean_logvar":
        if activation != "identity":
            raise ValueError(
                f"{name} takes a mean and a log-variance, both unconstrained: activation "
                f"must be 'identity', got {activation!r}"
            )
    elif spec.structure == "vector" and activation != "softmax":
        raise ValueError(f"{name} acts on a probability vector: activation must be 'softmax', got {activation!r}")
    return _derivation(name, activation)


@functools.cache
def _derivation(name: str, activation: str) -> Derivation:
    spec = registry.SPECS[name]
    if spec.y_pred == "mean_logvar":
        return _mean_logvar_derivation(spec)
    if spec.structure == "element":
        return _element_derivation(spec, activation)
    return _vector_derivation(spec)


def _element_derivation(spec, activation: str) -> Derivation:
    loss = spec.symbolic(_y, _a, _OPTION_SYMBOLS)
    options = tuple(_OPTION_SYMBOLS[key] for key in spec.symbolic_options)
    output = _element_activation(activation, _z)
    dloss_dpred = _heaviside_tf(sp.diff(loss, _a))
    loss_z = loss.subs(_a, output)
    dloss_dz = _heaviside_tf(sp.diff(loss_z, _z))
    d2loss_dz2 = sp.diff(dloss_dz, _z)
    textbook, textbook_d2 = spec.textbook(_y, _a, _SLOPES[activation], activation, _OPTION_SYMBOLS)
    return Derivation(
        name=spec.name,
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
        note=spec.note,
    )


def _vector_derivation(spec) -> Derivation:
    y, p, z = _vector_symbols()
    k = N_CLASSES
    output = _softmax(z)
    loss = spec.symbolic(y, p, _OPTION_SYMBOLS)
    dloss_dpred = _heaviside_tf(sp.Matrix([sp.diff(loss, pk) for pk in p]))
    loss_z = loss.subs(dict(zip(p, output)))
    dloss_dz = _heaviside_tf(sp.Matrix([sp.diff(loss_z, zk) for zk in z]))
    d2loss_dz2 = sp.Matrix(k, k, lambda i, j: sp.diff(dloss_dz[i], z[j]))
    p_vector = sp.Matrix(p)
    jacobian = sp.diag(*p) - p_vector * p_vector.T  # softmax: dp_i/dz_j = p_i (delta_ij - p_j)
    textbook, textbook_d2 = spec.textbook(y, p, jacobian, dloss_dpred, _OPTION_SYMBOLS)
    return Derivation(
        name=spec.name,
        activation="softmax",
        y=y,
        a=p,
        z=z,
        options=tuple(_OPTION_SYMBOLS[key] for key in spec.symbolic_options),
        loss=loss,
        output=output,
        dloss_dpred=dloss_dpred,
        loss_z=loss_z,
        dloss_dz=dloss_dz,
        d2loss_dz2=d2loss_dz2,
        textbook=textbook,
        textbook_d2=textbook_d2,
        # Every row loss takes one-hot rows, distributions or class indices:
        # labels that sum to one, which the textbook p - y needs.
        substitutions=((y[-1], 1 - sum(y[:-1])),),
        note=spec.note,
    )


def _mean_logvar_derivation(spec) -> Derivation:
    """A loss of one target and the pair (mean, log-variance), both linear outputs."""
    mean, log_variance = sp.symbols("mu v", real=True)
    prediction = (mean, log_variance)
    loss = spec.symbolic((_y,), prediction, _OPTION_SYMBOLS)
    gradient = sp.Matrix([sp.diff(loss, x) for x in prediction])
    hessian = sp.Matrix(2, 2, lambda i, j: sp.diff(gradient[i], prediction[j]))
    textbook, textbook_d2 = spec.textbook(_y, prediction, _OPTION_SYMBOLS)
    return Derivation(
        name=spec.name,
        activation="identity",
        y=(_y,),
        a=prediction,
        z=prediction,  # identity outputs: the pre-activations are the predictions
        options=tuple(_OPTION_SYMBOLS[key] for key in spec.symbolic_options),
        loss=loss,
        output=prediction,
        dloss_dpred=gradient,
        loss_z=loss,
        dloss_dz=gradient,
        d2loss_dz2=hessian,
        textbook=textbook,
        textbook_d2=textbook_d2,
        substitutions=(),
        note=spec.note,
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
    trailing class axes.  ``sparse_categorical_crossentropy`` and
    ``categorical_generalized_cross_entropy`` take integer labels (turned into
    one-hot rows); ``gaussian_nll`` takes one target per row, ``y_true`` of shape
    ``(...)``, and ``x`` of shape ``(..., 2)``: a mean and a log-variance.

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
        ``gamma`` (focal), ``alpha`` (categorical focal), ``pos_weight``
        (weighted cross-entropy), ``quantile`` (pinball), ``q`` (generalized
        cross-entropy).

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

    sparse = registry.SPECS[d.name].y_true == "class_index"
    one_target = registry.SPECS[d.name].y_pred == "mean_logvar"

    def rowwise(y_true, x):
        x = np.asarray(x, dtype=float)
        if sparse:
            y_true = np.eye(N_CLASSES)[np.asarray(y_true, dtype=int)]
        if one_target:  # y of shape (...), x = (mean, log-variance) on the last axis
            y_true = np.asarray(y_true, dtype=float)[..., np.newaxis]
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
