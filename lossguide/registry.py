r"""The table of loss facts: one frozen :class:`LossSpec` per loss, read by every module.

Everything the package knows *about* a loss lives in its record here: its
names (canonical, aliases, the Keras 3 twin and the names Keras 3 dropped), the
NumPy loss and gradient functions, the kind of ``y_true`` and ``y_pred`` it
takes, the default plotting range, its SymPy form and textbook gradient, and
reference values computed with Keras. :func:`lossguide.losses.get`,
:func:`lossguide.gradients.get`, :mod:`lossguide.derive`,
:mod:`lossguide.plots` and the tests' input generators all read this table, so
a loss is added in three files: its function in :mod:`lossguide.losses`, its
gradient in :mod:`lossguide.gradients` and its record here, and a loss Keras
does not ship also in :mod:`lossguide.keras_losses` (see CONTRIBUTING.md, "Add
a loss"). ``tests/test_registry.py`` fails when a record lacks any part.

.. math:: \text{name} \mapsto (L,\ \partial L/\partial \hat y,\ \text{inputs},\
          \text{SymPy form},\ \text{references})

Examples
--------
>>> from lossguide import registry
>>> spec = registry.get("mse")
>>> spec.name, spec.keras, spec.y_true, spec.y_pred
('mean_squared_error', 'mean_squared_error', 'real', 'real')
>>> registry.get("logcosh")
Traceback (most recent call last):
...
ValueError: 'logcosh' was removed in Keras 3 (it raises "Could not interpret loss identifier"); use 'log_cosh'
"""

from __future__ import annotations

import dataclasses
import types
from typing import Callable

import sympy as sp

from . import gradients as _gradients
from . import losses as _losses

__all__ = [
    "DOMAINS",
    "INPUT_KINDS",
    "KERAS_WITHOUT_TWIN",
    "LossSpec",
    "NAMES",
    "Reference",
    "SPECS",
    "SYMBOLS",
    "get",
    "prediction_grid",
]

#: What a ``y_true`` or ``y_pred`` array may hold, by kind.
INPUT_KINDS = types.MappingProxyType({
    "real": "any finite real numbers",
    "nonzero": "finite reals away from 0 (MAPE divides by |y_true|)",
    "positive": "values > 0 (MSLE's log(1 + y) wants positive targets in practice)",
    "counts": "whole numbers >= 0 (a Poisson count)",
    "rate": "values >= 0 (a Poisson rate)",
    "binary": "labels in {0, 1}, or soft labels in [0, 1]",
    "signs": "labels in {-1, 1} (or {0, 1}, which Keras converts)",
    "probability": "probabilities in [0, 1], one per output",
    "one_hot": "rows with a single 1 and zeros elsewhere",
    "distribution": "rows of probabilities that sum to one",
    "class_index": "integer class indices in [0, K)",
    "logits": "any finite reals, read as logits (pre-sigmoid or pre-softmax scores)",
    "mean_logvar": "d means, then d log-variances, on the last axis (2 d columns for d targets)",
})

#: Default horizontal ranges of :func:`lossguide.plots.loss_vs_prediction`.
DOMAINS = types.MappingProxyType({
    "around_target": "y_true ± 3",
    "probability": "[0.005, 0.995]: off 0 and 1, where cross-entropy is infinite",
    "positive": "[0.01, max(3, 2 y_true + 2)]",
    "logits": "[-6, 6]",
})

#: The Keras 3.15 losses with no twin here; :func:`get` says so by name.
KERAS_WITHOUT_TWIN = (
    "cosine_similarity",
    "circle",
    "ctc",
    "dice",
    "tversky",
)

# Real symbols: the derivatives of Abs and Max come out as sign and Heaviside
# instead of conjugate-laden complex expressions. The options' assumptions are
# the ones that make the book's identities true (delta > 0, gamma >= 0, q > 0).
#: The symbols of the loss options kept symbolic in the derivations.
SYMBOLS = types.MappingProxyType({
    "delta": sp.Symbol("delta", positive=True),
    "gamma": sp.Symbol("gamma", nonnegative=True),
    "pos_weight": sp.Symbol("q", positive=True),
    "quantile": sp.Symbol("tau", positive=True),
    "alpha": sp.Symbol("alpha", positive=True),
    # q in (0, 1) is positive and not an integer; the second assumption also keeps
    # it a different symbol from pos_weight's q.
    "q": sp.Symbol("q", positive=True, noninteger=True),
})


def prediction_grid(domain: str, y_true: float, n: int = 301):
    """The default horizontal axis of a loss plot for ``domain`` (see :data:`DOMAINS`).

    .. math:: x_i = \\text{low} + i\\,\\frac{\\text{high} - \\text{low}}{n - 1}

    Examples
    --------
    >>> grid = prediction_grid("probability", 1.0)
    >>> float(grid[0]), float(grid[-1]), grid.size
    (0.005, 0.995, 301)
    """
    import numpy as np

    if domain == "probability":
        return np.linspace(0.005, 0.995, n)
    if domain == "positive":
        return np.linspace(0.01, max(3.0, 2.0 * y_true + 2.0), n)
    if domain == "logits":
        return np.linspace(-6.0, 6.0, n)
    if domain == "around_target":
        return np.linspace(y_true - 3.0, y_true + 3.0, n)
    raise ValueError(f"domain must be one of {list(DOMAINS)}, got {domain!r}")


def _freeze(value):
    """Nested lists as nested tuples, so a record is hashable all the way down."""
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


@dataclasses.dataclass(frozen=True)
class Reference:
    """One input with the per-sample values Keras 3.15.1 computes for it (float64).

    Attributes
    ----------
    y_true, y_pred : tuple
        Nested tuples (use ``numpy.asarray``).
    options : tuple of (str, value) pairs
        Keyword options; :attr:`kwargs` gives them as a dict.
    expected : tuple of float
        What ``keras.losses.<name>(y_true, y_pred, **options)`` returned; for a
        loss without one, what its :attr:`LossSpec.reference_twin` returned
        (``tf.nn.weighted_cross_entropy_with_logits`` averaged over the last axis
        for the weighted cross-entropy, the ``keras.ops`` version in
        :mod:`lossguide.keras_losses` for the pinball loss and the Gaussian NLL);
        ``tests/test_registry.py`` recomputes them with the installed Keras.
    """

    y_true: tuple
    y_pred: tuple
    options: tuple
    expected: tuple

    @property
    def kwargs(self) -> dict:
        """The options as a fresh dict of keyword arguments."""
        return dict(self.options)


def _ref(y_true, y_pred, options, expected) -> Reference:
    return Reference(_freeze(y_true), _freeze(y_pred), tuple(sorted(options.items())),
                     _freeze(expected))


@dataclasses.dataclass(frozen=True)
class LossSpec:
    r"""Everything lossguide knows about one loss.

    Attributes
    ----------
    name : str
        Canonical name, the Keras function's name where there is a twin.
    loss, gradient : callable
        ``lossguide.losses.<name>`` and ``lossguide.gradients.<name>``.
    y_true, y_pred : str
        Input kinds (:data:`INPUT_KINDS`) on the probability / prediction path.
    from_logits : bool
        Whether the loss takes ``from_logits=True`` (then ``y_pred`` is ``"logits"``).
        ``weighted_binary_crossentropy`` always takes logits: its ``y_pred`` is ``"logits"``.
    options : tuple of (str, default) pairs
        The keyword options and their defaults, as in the function's signature.
    test_options : tuple of tuples of (str, value) pairs
        Option sets the common tests run every invariant with (``()`` is the defaults).
    plot_domain : str
        Key of :data:`DOMAINS`.
    structure : str
        ``"element"`` (acts on each output, Keras then averages over the last
        axis) or ``"vector"`` (acts on a whole row: the class scores, or for
        ``gaussian_nll`` the means and log-variances side by side).
    activation : str
        The usual output activation the derivation composes the loss with
        (``"identity"`` for both halves of ``gaussian_nll``'s output).
    symbolic : callable
        ``symbolic(y, a, s)`` returns the per-element (or per-row) SymPy loss of
        the label(s) ``y`` and prediction(s) ``a``; ``s`` is :data:`SYMBOLS`.
    symbolic_options : tuple of str
        The entries of :data:`SYMBOLS` the SymPy form uses.
    textbook : callable
        The textbook gradient with respect to the pre-activation, written with the
        activation output ``a``. Element losses: ``textbook(y, a, slope,
        activation, s)`` with ``slope = da/dz`` written in ``a``; vector losses:
        ``textbook(y, p, jacobian, dloss_dp, s)``; ``gaussian_nll``:
        ``textbook(y, (mu, v), s)``. Returns ``(first, second)``, ``second`` the
        quoted second derivative (Hessian) or ``None``.
    note : str
        What the gradient means, in one or two sentences.
    references : tuple of Reference
        Reference values from Keras.
    keras : str or None
        Name of the ``keras.losses`` twin function (None: no Keras twin).
    keras_class : str or None
        Name of the ``keras.losses`` class.
    aliases : tuple of str
        Other identifiers Keras 3 accepts for it.
    removed_in_keras_3 : tuple of str
        Identifiers older tutorials use that Keras 3 rejects.
    can_be_negative : bool
        True if the loss takes negative values (Poisson without its constant).
    at_perfect : str
        The loss at a perfect prediction: ``"zero"``, ``"clipped"`` (about
        ``1e-7`` per class from Keras's clip), ``"minimum"`` (not zero, but
        the minimum over the prediction) or ``"unbounded"`` (no minimum:
        ``gaussian_nll`` falls without bound as the variance shrinks at
        :math:`\mu = y`).
    reference_twin : str or None
        For a loss without a ``keras.losses`` function: the call it reproduces
        instead (TensorFlow's, or its ``keras.ops`` version in
        :mod:`lossguide.keras_losses`), which :attr:`twin` reports.
    twin : str
        The Keras (or TensorFlow) call this loss reproduces, for tables.
    """

    name: str
    loss: Callable
    gradient: Callable
    y_true: str
    y_pred: str
    from_logits: bool
    options: tuple
    test_options: tuple
    plot_domain: str
    structure: str
    activation: str
    symbolic: Callable
    symbolic_options: tuple
    textbook: Callable
    note: str
    references: tuple
    keras: str | None
    keras_class: str | None
    aliases: tuple = ()
    removed_in_keras_3: tuple = ()
    can_be_negative: bool = False
    at_perfect: str = "zero"
    reference_twin: str | None = None

    @property
    def identifiers(self) -> tuple:
        """Every string :func:`get` resolves to this loss."""
        extra = (self.keras_class,) if self.keras_class else ()
        return (self.name, *self.aliases, *extra)

    @property
    def twin(self) -> str:
        """The Keras (or TensorFlow) call this loss reproduces."""
        if self.keras:
            return f"keras.losses.{self.keras}"
        return self.reference_twin


# ------------------------------------------------------------------ SymPy forms
# Per-element losses follow Keras (MSE is (a - y)^2, no 1/2); Keras's 1e-7 clip
# is a numerical guard, not part of the mathematics, and is left out.


def _pinball(y, a, s):
    # The check function tau e + max(0, -e), e = y - a: equal to max(tau e, (tau - 1) e)
    # (tests/test_derive.py checks it), and SymPy differentiates Max(0, .) with the
    # Heaviside step whose value at 0 is TensorFlow's choice at a tie.
    return s["quantile"] * (y - a) + sp.Max(0, a - y)


def _gaussian_nll(y, a, s):
    # One target: y, and the prediction a = (mu, v) with v = log sigma^2; the
    # constant log(2 pi) / 2 of full=True does not depend on the prediction.
    y = y[0] if isinstance(y, (tuple, list)) else y
    mean, log_variance = a[0], a[1]
    return (log_variance + (y - mean) ** 2 * sp.exp(-log_variance)) / 2


def _gaussian_textbook(y, a, s):
    # The mean's gradient is the squared error's over the variance; the
    # log-variance's is 0 where the squared standardized error is 1. The Hessian is
    # indefinite (determinant -(y - mu)^2 e^(-2v) / 2): not jointly convex.
    mean, log_variance = a
    weight = sp.exp(-log_variance)
    gradient = sp.Matrix([(mean - y) * weight, (1 - (y - mean) ** 2 * weight) / 2])
    hessian = sp.Matrix([[weight, (y - mean) * weight],
                         [(y - mean) * weight, (y - mean) ** 2 * weight / 2]])
    return gradient, hessian


def _bce(y, a):
    return -(y * sp.log(a) + (1 - y) * sp.log(1 - a))


def _huber(y, a, s):
    delta, error = s["delta"], a - y
    return sp.Piecewise((error**2 / 2, sp.Abs(error) <= delta),
                        (delta * sp.Abs(error) - delta**2 / 2, True))


def _focal(y, a, s):
    # Keras's form: (1 - p_t)^gamma multiplies the whole cross-entropy, with
    # p_t = y a + (1 - y)(1 - a) (also for soft labels).
    p_t = y * a + (1 - y) * (1 - a)
    return (1 - p_t) ** s["gamma"] * _bce(y, a)


def _categorical_focal(y, p, s):
    # Keras's form: alpha (1 - p_k)^gamma scales every class's cross-entropy term.
    return sum(s["alpha"] * (1 - pk) ** s["gamma"] * -(yk * sp.log(pk)) for yk, pk in zip(y, p))


def _generalized_cross_entropy(y, p, s):
    # (1 - p_y^q) / q with p_y written sum_k y_k p_k, as Keras computes it.
    chosen = sum(yk * pk for yk, pk in zip(y, p))
    return (1 - chosen ** s["q"]) / s["q"]


def _categorical_hinge(y, p, s):
    positive = sum(yk * pk for yk, pk in zip(y, p))
    # Keras includes the true class (as 0 * p) in the max; with softmax
    # outputs p > 0 this changes nothing.
    negative = sp.Max(*[(1 - yk) * pk for yk, pk in zip(y, p)])
    return sp.Max(0, negative - positive + 1)


# Textbook gradients dL/dz, written with the activation output a = g(z) and
# slope = da/dz (also written with a).


def _chain(first_in_a):
    """The textbook form 'dL/da times da/dz', with no second derivative quoted."""
    return lambda y, a, slope, activation, s: (first_in_a(y, a, s) * slope, None)


def _mse_textbook(y, a, slope, activation, s):
    if activation == "identity":
        return sp.expand(2 * (a - y)), sp.Integer(2)
    return 2 * (a - y) * slope, None


def _poisson_textbook(y, a, slope, activation, s):
    if activation == "exponential":
        return a - y, a  # the canonical (log) link: gradient a - y, curvature a
    return (1 - y / a) * slope, None


def _bce_textbook(y, a, slope, activation, s):
    if activation == "sigmoid":
        return a - y, a * (1 - a)  # the sigmoid's slope a(1 - a) cancels
    return (a - y) / (a * (1 - a)) * slope, None


def _focal_textbook(y, a, slope, activation, s):
    gamma = s["gamma"]
    p_t = y * a + (1 - y) * (1 - a)
    if activation == "sigmoid":
        return (1 - p_t) ** (gamma - 1) * (
            (1 - p_t) * (a - y) - gamma * (2 * y - 1) * a * (1 - a) * _bce(y, a)
        ), None
    # Cross-entropy's gradient damped by the focal factor, minus the change of
    # the focal factor itself (which pushes easy examples' loss down).
    dbce = (a - y) / (a * (1 - a))
    return ((1 - p_t) ** gamma * dbce
            - gamma * (2 * y - 1) * (1 - p_t) ** (gamma - 1) * _bce(y, a)) * slope, None


def _weighted_textbook(y, a, slope, activation, s):
    q = s["pos_weight"]
    if activation == "sigmoid":
        return (1 + (q - 1) * y) * a - q * y, None
    return ((1 - y) / (1 - a) - q * y / a) * slope, None


def _huber_textbook(y, a, slope, activation, s):
    delta = s["delta"]
    # The gradient of Huber is the error clipped to [-delta, delta].
    clipped = sp.Piecewise((a - y, sp.Abs(a - y) <= delta), (delta * sp.sign(a - y), True))
    return clipped * slope, None


def _softmax_textbook(y, p, jacobian, dloss_dp, s):
    # Softmax's Jacobian cancels: p - y (labels summing to one), Hessian = Jacobian.
    return sp.Matrix(p) - sp.Matrix(y), jacobian


def _categorical_focal_textbook(y, p, jacobian, dloss_dp, s):
    # dL/dz_j = m_j - p_j sum_k m_k with m_k = alpha y_k (1 - p_k)^gamma (gamma r_k - 1),
    # r_k = p_k log p_k / (1 - p_k); gamma = 0, alpha = 1 gives p - y.
    alpha, gamma = s["alpha"], s["gamma"]
    m = [alpha * yk * (1 - pk) ** gamma * (gamma * pk * sp.log(pk) / (1 - pk) - 1)
         for yk, pk in zip(y, p)]
    return sp.Matrix([mk - pk * sum(m) for mk, pk in zip(m, p)]), None


def _generalized_textbook(y, p, jacobian, dloss_dp, s):
    # dL/dz_j = p_y^q (p_j - y_j p_j / p_y), p_y = sum_k y_k p_k: for one-hot labels
    # p_y^q (p - y), cross-entropy's gradient weighted by p_y^q. (p_y^q / p_y, not
    # p_y^(q - 1): SymPy then cancels it against its own derivative.)
    chosen = sum(yk * pk for yk, pk in zip(y, p))
    weight = chosen ** s["q"] / chosen
    return sp.Matrix([weight * pk * (chosen - yk) for yk, pk in zip(y, p)]), None


def _categorical_hinge_textbook(y, p, jacobian, dloss_dp, s):
    return jacobian * dloss_dp, None  # the Jacobian is symmetric


def _spec(name, *, y_true, y_pred, activation, symbolic, textbook, note, references,
          plot_domain, structure="element", from_logits=False, options=(),
          test_options=((),), symbolic_options=(), keras=True, keras_class=None,
          aliases=(), removed_in_keras_3=(), can_be_negative=False, at_perfect="zero",
          reference_twin=None):
    return LossSpec(
        name=name,
        loss=getattr(_losses, name),
        gradient=getattr(_gradients, name),
        y_true=y_true,
        y_pred=y_pred,
        from_logits=from_logits,
        options=tuple(options),
        test_options=tuple(tuple(sorted(o.items())) if isinstance(o, dict) else o
                           for o in test_options),
        plot_domain=plot_domain,
        structure=structure,
        activation=activation,
        symbolic=symbolic,
        symbolic_options=tuple(symbolic_options),
        textbook=textbook,
        note=note,
        references=tuple(_ref(*r) for r in references),
        keras=name if keras else None,
        keras_class=keras_class,
        aliases=tuple(aliases),
        removed_in_keras_3=tuple(removed_in_keras_3),
        can_be_negative=can_be_negative,
        at_perfect=at_perfect,
        reference_twin=reference_twin,
    )


_LOGIT_OPTIONS = (("from_logits", False), ("label_smoothing", 0.0))

SPECS = types.MappingProxyType({spec.name: spec for spec in (
    # ------------------------------------------------------------- regression
    _spec(
        "mean_squared_error", y_true="real", y_pred="real", activation="identity",
        symbolic=lambda y, a, s: (a - y) ** 2, textbook=_mse_textbook,
        note="Keras's MSE has no 1/2, hence the 2; constant curvature 2 with a linear output.",
        plot_domain="around_target", keras_class="MeanSquaredError", aliases=("mse", "MSE"),
        references=[([[1.0, 0.0], [0.0, 1.0]], [[0.95, 0.03], [0.3, 0.8]], {},
                     [0.0017000000000000023, 0.06499999999999999])],
    ),
    _spec(
        "mean_absolute_error", y_true="real", y_pred="real", activation="identity",
        symbolic=lambda y, a, s: sp.Abs(a - y),
        textbook=_chain(lambda y, a, s: sp.sign(a - y)),
        note="Derivative sign(a - y): every error pulls equally hard; at a = y TensorFlow returns 0.",
        plot_domain="around_target", keras_class="MeanAbsoluteError", aliases=("mae", "MAE"),
        references=[([[1.0, 2.0], [0.0, 0.0]], [[1.5, 2.0], [1.0, -1.0]], {}, [0.25, 1.0])],
    ),
    _spec(
        "mean_absolute_percentage_error", y_true="nonzero", y_pred="real",
        activation="identity", symbolic=lambda y, a, s: 100 * sp.Abs(a - y) / sp.Abs(y),
        textbook=_chain(lambda y, a, s: 100 * sp.sign(a - y) / sp.Abs(y)),
        note="MAE scaled by 100/|y|: targets near 0 dominate the gradient.",
        plot_domain="around_target", keras_class="MeanAbsolutePercentageError",
        aliases=("mape", "MAPE"),
        references=[([[100.0, 200.0], [-2.0, 0.5]], [[110.0, 150.0], [1.0, 0.0]], {},
                     [17.5, 125.0])],
    ),
    _spec(
        "mean_squared_logarithmic_error", y_true="positive", y_pred="positive",
        activation="identity", symbolic=lambda y, a, s: (sp.log(1 + a) - sp.log(1 + y)) ** 2,
        textbook=_chain(lambda y, a, s: 2 * (sp.log(1 + a) - sp.log(1 + y)) / (1 + a)),
        note="Squared error of log(1 + a): relative errors, damped by 1/(1 + a).",
        plot_domain="positive", keras_class="MeanSquaredLogarithmicError",
        aliases=("msle", "MSLE"),
        references=[([[0.0, 1.0], [3.0, 0.5]], [[0.5, 1.0], [2.0, 0.0]], {},
                     [0.08220093640007846, 0.12358142380515436])],
    ),
    _spec(
        "huber", y_true="real", y_pred="real", activation="identity", symbolic=_huber,
        textbook=_huber_textbook, symbolic_options=("delta",), options=(("delta", 1.0),),
        test_options=((), {"delta": 0.5}),
        note="The gradient is the error clipped to [-delta, delta]: MSE near 0, MAE in the tails.",
        plot_domain="around_target", keras_class="Huber", removed_in_keras_3=("huber_loss",),
        references=[([[0.0, 0.0], [1.0, -1.0]], [[0.5, 3.0], [1.2, 2.0]], {}, [1.3125, 1.26]),
                    ([[0.0, 0.0]], [[0.5, 3.0]], {"delta": 0.7}, [0.9899999999999999])],
    ),
    _spec(
        "log_cosh", y_true="real", y_pred="real", activation="identity",
        symbolic=lambda y, a, s: sp.log(sp.cosh(a - y)),
        textbook=_chain(lambda y, a, s: sp.tanh(a - y)),
        note="Gradient tanh(a - y): about (a - y) for small errors, about sign(a - y) for large ones.",
        plot_domain="around_target", keras_class="LogCosh", removed_in_keras_3=("logcosh",),
        # Keras 3.15.1 gave [1.2147215038633772, 1.164598286304242]: it builds log 2
        # in float32; these are its values plus float32(log 2) - log 2 (+1.9e-9).
        references=[([[0.0, 0.0], [1.0, -1.0]], [[0.5, 3.0], [1.2, 2.0]], {},
                     [1.2147215057680315, 1.1645982882088963])],
    ),
    _spec(
        "poisson", y_true="counts", y_pred="rate", activation="exponential",
        symbolic=lambda y, a, s: a - y * sp.log(a), textbook=_poisson_textbook,
        note="With the exponential (log-link) output the gradient is a - y, as for every canonical link.",
        plot_domain="positive", keras_class="Poisson", can_be_negative=True,
        at_perfect="minimum",
        references=[([[0.0, 2.0], [3.0, 1.0]], [[0.5, 1.0], [2.5, 1.5]], {},
                     [0.7499999000000049, 0.4228312548013542])],
    ),
    _spec(
        "pinball", y_true="real", y_pred="real", activation="identity", symbolic=_pinball,
        textbook=_chain(lambda y, a, s: sp.Heaviside(a - y, 1) - s["quantile"]),
        symbolic_options=("quantile",), options=(("quantile", 0.5),),
        test_options=((), {"quantile": 0.1}, {"quantile": 0.9}),
        note="Subgradient 1 - tau above the target and -tau below: the minimiser is the "
             "tau-quantile; tau = 0.5 is half the MAE.",
        plot_domain="around_target", keras=False,
        reference_twin="lossguide.keras_losses.pinball (keras.ops; Keras 3.15 has no quantile loss)",
        # Also scikit-learn's mean_pinball_loss(row, row, alpha=quantile), row by row.
        references=[([[1.0, 0.0], [2.0, -1.0]], [[0.5, 1.0], [2.5, -3.0]], {}, [0.375, 0.625]),
                    ([[1.0, 0.0], [2.0, -1.0]], [[0.5, 1.0], [2.5, -3.0]], {"quantile": 0.9},
                     [0.275, 0.925])],
    ),
    _spec(
        "gaussian_nll", y_true="real", y_pred="mean_logvar", activation="identity",
        structure="vector", symbolic=_gaussian_nll, textbook=_gaussian_textbook,
        options=(("full", False),), test_options=((), {"full": True}),
        note="d/dmu = (mu - y)/sigma^2, d/dlog sigma^2 = (1 - (y - mu)^2/sigma^2)/2: a large "
             "variance damps the mean's pull; not jointly convex.",
        plot_domain="around_target", keras=False, can_be_negative=True, at_perfect="unbounded",
        reference_twin="lossguide.keras_losses.gaussian_nll (keras.ops; Keras 3.15 has no "
                       "Gaussian NLL, PyTorch's is GaussianNLLLoss)",
        # With full=True also -scipy.stats.norm.logpdf(y, mu, exp(v / 2)), averaged per row.
        references=[([[1.0, -2.0], [0.5, 3.0]], [[0.5, -1.0, 0.0, 1.5], [0.5, 1.0, -2.0, 0.3]],
                     {}, [0.4932825400371075, 0.31581822068171783]),
                    ([[1.0, -2.0], [0.5, 3.0]], [[0.5, -1.0, 0.0, 1.5], [0.5, 1.0, -2.0, 0.3]],
                     {"full": True}, [1.4122210732417801, 1.2347567538863904])],
    ),
    # --------------------------------------------------------- cross-entropies
    _spec(
        "binary_crossentropy", y_true="binary", y_pred="probability", activation="sigmoid",
        symbolic=lambda y, a, s: _bce(y, a), textbook=_bce_textbook, from_logits=True,
        options=_LOGIT_OPTIONS,
        test_options=((), {"label_smoothing": 0.2}, {"from_logits": True},
                      {"from_logits": True, "label_smoothing": 0.1}),
        note="The sigmoid's slope a(1 - a) cancels: the gradient is the error a - y; curvature a(1 - a) >= 0.",
        plot_domain="probability", keras_class="BinaryCrossentropy", aliases=("bce", "BCE"),
        at_perfect="clipped",
        references=[([[1.0, 0.0], [0.0, 1.0]], [[0.9, 0.2], [0.6, 0.3]], {},
                     [0.164252033486018, 1.0601317681000455]),
                    ([[1.0, 0.0]], [[0.9, 0.2]], {"label_smoothing": 0.2}, [0.3434279804088235]),
                    ([[1.0, 0.0]], [[2.0, -1.0]], {"from_logits": True}, [0.2200948492805977])],
    ),
    _spec(
        "binary_focal_crossentropy", y_true="binary", y_pred="probability",
        activation="sigmoid", symbolic=_focal, textbook=_focal_textbook,
        symbolic_options=("gamma",), from_logits=True,
        options=(("gamma", 2.0), ("alpha", 0.25), ("apply_class_balancing", False),
                 *_LOGIT_OPTIONS),
        test_options=((), {"gamma": 1.5, "alpha": 0.3, "apply_class_balancing": True,
                           "label_smoothing": 0.1},
                      {"from_logits": True}, {"from_logits": True, "gamma": 0.5}),
        note="gamma = 0 gives cross-entropy's a - y; gamma > 0 shrinks the gradient of easy examples.",
        plot_domain="probability", keras_class="BinaryFocalCrossentropy", at_perfect="clipped",
        references=[([[1.0, 0.0], [0.0, 1.0]], [[0.9, 0.2], [0.6, 0.3]], {},
                     [0.004989673604573323, 0.4599056687972021]),
                    ([[1.0, 0.0]], [[0.9, 0.2]],
                     {"gamma": 1.5, "alpha": 0.3, "apply_class_balancing": True},
                     [0.007485266900102841]),
                    ([[1.0, 0.0]], [[2.0, -1.0]], {"from_logits": True}, [0.012230810171853852])],
    ),
    _spec(
        "weighted_binary_crossentropy", y_true="binary", y_pred="logits", activation="sigmoid",
        symbolic=lambda y, a, s: -(s["pos_weight"] * y * sp.log(a) + (1 - y) * sp.log(1 - a)),
        textbook=_weighted_textbook, symbolic_options=("pos_weight",),
        options=(("pos_weight", None),),
        test_options=({"pos_weight": 3.0}, {"pos_weight": 0.5}),
        note="Positive examples weigh q times more; q = 1 gives a - y.",
        plot_domain="logits", keras=False,
        reference_twin="tf.nn.weighted_cross_entropy_with_logits (mean over the last axis)",
        references=[([[1.0, 0.0], [0.0, 1.0]], [[0.5, -1.0], [2.0, 0.3]], {"pos_weight": 3.0},
                     [0.8677463200292714, 1.8949968722242772])],
    ),
    # ------------------------------------------------------------------ hinges
    _spec(
        "hinge", y_true="signs", y_pred="real", activation="tanh",
        symbolic=lambda y, a, s: sp.Max(0, 1 - y * a),
        textbook=_chain(lambda y, a, s: -y * sp.Heaviside(1 - y * a, 1)),
        note="Subgradient -y while the margin y a < 1 (TensorFlow's choice at y a = 1 too), else 0.",
        plot_domain="around_target", keras_class="Hinge",
        references=[([[1.0, -1.0], [-1.0, 1.0]], [[0.3, -2.0], [0.5, 1.5]], {}, [0.35, 0.75])],
    ),
    _spec(
        "squared_hinge", y_true="signs", y_pred="real", activation="tanh",
        symbolic=lambda y, a, s: sp.Max(0, 1 - y * a) ** 2,
        textbook=_chain(lambda y, a, s: -2 * y * sp.Max(0, 1 - y * a)),
        note="-2 y max(0, 1 - y a): continuous at the kink, so the loss is differentiable.",
        plot_domain="around_target", keras_class="SquaredHinge",
        references=[([[1.0, -1.0], [-1.0, 1.0]], [[0.3, -2.0], [0.5, 1.5]], {},
                     [0.24499999999999997, 1.125])],
    ),
    _spec(
        "categorical_hinge", y_true="one_hot", y_pred="real", activation="softmax",
        structure="vector", symbolic=_categorical_hinge, textbook=_categorical_hinge_textbook,
        note="Softmax Jacobian times the hinge subgradient e_(best wrong class) - y while the margin is < 1.",
        plot_domain="around_target", keras_class="CategoricalHinge",
        references=[([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], [[0.5, 1.2, 0.9], [2.0, 0.5, 0.1]], {},
                     [0.7000000000000001, 0.0])],
    ),
    # ------------------------------------------------- categorical cross-entropies
    _spec(
        "categorical_crossentropy", y_true="one_hot", y_pred="distribution",
        activation="softmax", structure="vector",
        symbolic=lambda y, p, s: -sum(yk * sp.log(pk) for yk, pk in zip(y, p)),
        textbook=_softmax_textbook, from_logits=True, options=_LOGIT_OPTIONS,
        test_options=((), {"label_smoothing": 0.1}, {"from_logits": True},
                      {"from_logits": True, "label_smoothing": 0.2}),
        note="Softmax's Jacobian cancels: the gradient is p - y when the labels sum to one.",
        plot_domain="probability", keras_class="CategoricalCrossentropy", at_perfect="clipped",
        references=[([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], [[0.05, 0.9, 0.05], [0.1, 0.7, 0.2]], {},
                     [0.10536051565782628, 1.6094379124341003]),
                    ([[0.0, 1.0, 0.0]], [[0.05, 0.9, 0.05]], {"label_smoothing": 0.1},
                     [0.29805196618423724]),
                    ([[0.0, 1.0, 0.0]], [[1.0, 3.0, -1.0]], {"from_logits": True},
                     [0.14293162849989968])],
    ),
    _spec(
        "categorical_focal_crossentropy", y_true="one_hot", y_pred="distribution",
        activation="softmax", structure="vector", symbolic=_categorical_focal,
        textbook=_categorical_focal_textbook, symbolic_options=("alpha", "gamma"),
        from_logits=True,
        options=(("alpha", 0.25), ("gamma", 2.0), *_LOGIT_OPTIONS),
        test_options=((), {"gamma": 0.5, "alpha": 0.6, "label_smoothing": 0.1},
                      {"from_logits": True},
                      {"from_logits": True, "gamma": 1.0, "alpha": 1.0, "label_smoothing": 0.2}),
        note="alpha (1 - p)^gamma damps each class's cross-entropy; alpha always applies "
             "(0.25 by default); gamma = 0, alpha = 1 gives p - y.",
        plot_domain="probability", keras_class="CategoricalFocalCrossentropy",
        at_perfect="clipped",
        references=[([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]],
                     {}, [0.00026340128914456557, 0.6759120942206192]),
                    ([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]],
                     {"alpha": 0.5, "gamma": 1.0, "label_smoothing": 0.1},
                     [0.09978167939324159, 1.363053048327591]),
                    ([[0.0, 1.0, 0.0]], [[1.0, 3.0, -1.0]], {"from_logits": True},
                     [0.0006338549079881911])],
    ),
    _spec(
        "sparse_categorical_crossentropy", y_true="class_index", y_pred="distribution",
        activation="softmax", structure="vector",
        symbolic=lambda y, p, s: -sum(yk * sp.log(pk) for yk, pk in zip(y, p)),
        textbook=_softmax_textbook, from_logits=True, options=(("from_logits", False),),
        test_options=((), {"from_logits": True}),
        note="Categorical cross-entropy with one-hot labels: gradient p - onehot(y).",
        plot_domain="probability", keras_class="SparseCategoricalCrossentropy",
        at_perfect="clipped",
        references=[([2, 1], [[0.1, 0.2, 0.7], [0.3, 0.4, 0.3]], {},
                     [0.3566749439387324, 0.9162907318741551]),
                    ([2, 1], [[2.0, 0.5, 6.0], [0.1, 0.0, 3.0]], {"from_logits": True},
                     [0.022155162157131997, 3.099673635546296])],
    ),
    _spec(
        "categorical_generalized_cross_entropy", y_true="class_index", y_pred="distribution",
        activation="softmax", structure="vector", symbolic=_generalized_cross_entropy,
        textbook=_generalized_textbook, symbolic_options=("q",), options=(("q", None),),
        test_options=({"q": 0.7}, {"q": 0.2}),
        note="Through a softmax the gradient is p_y^q (p - y): cross-entropy's, weighted by "
             "p_y^q, so a sample the model finds unlikely (perhaps mislabelled) pulls little.",
        plot_domain="probability", keras_class="CategoricalGeneralizedCrossEntropy",
        references=[([2, 1], [[0.1, 0.2, 0.7], [0.3, 0.4, 0.3]], {"q": 0.7},
                     [0.3156344104707871, 0.6763530260947215]),
                    ([0, 1], [[0.75, 0.25], [0.36, 0.64]], {"q": 0.5},
                     [0.2679491924311228, 0.3999999999999999])],
    ),
    _spec(
        "kl_divergence", y_true="distribution", y_pred="distribution", activation="softmax",
        structure="vector",
        symbolic=lambda y, p, s: sum(yk * sp.log(yk / pk) for yk, pk in zip(y, p)),
        textbook=_softmax_textbook,
        note="KL(y || p) = H(y, p) - H(y): same gradient p - y as cross-entropy.",
        plot_domain="probability", keras_class="KLDivergence", aliases=("kld", "KLD"),
        removed_in_keras_3=("kullback_leibler_divergence",),
        references=[([[0.5, 0.5], [0.2, 0.8]], [[0.9, 0.1], [0.4, 0.6]], {},
                     [0.5108256237659907, 0.09151622184943578])],
    ),
)})

#: Every loss in the table, in the order above.
NAMES = tuple(SPECS)

_BY_IDENTIFIER = {identifier: spec for spec in SPECS.values() for identifier in spec.identifiers}
_REMOVED = {old: spec.name for spec in SPECS.values() for old in spec.removed_in_keras_3}


def get(identifier) -> LossSpec:
    """The :class:`LossSpec` for a loss name, Keras alias or Keras class name.

    .. math:: \\text{identifier} \\mapsto \\text{LossSpec}

    Raises
    ------
    ValueError
        For an unknown name (listing the valid ones), a name Keras 3 removed
        (naming its replacement) or a Keras loss lossguide has no twin for.
    TypeError
        If ``identifier`` is not a string.

    Examples
    --------
    >>> get("KLDivergence").name
    'kl_divergence'
    >>> get("dice")
    Traceback (most recent call last):
    ...
    ValueError: 'dice' is a Keras loss that lossguide does not implement; valid names: mean_squared_error, mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error, huber, log_cosh, poisson, pinball, gaussian_nll, binary_crossentropy, binary_focal_crossentropy, weighted_binary_crossentropy, hinge, squared_hinge, categorical_hinge, categorical_crossentropy, categorical_focal_crossentropy, sparse_categorical_crossentropy, categorical_generalized_cross_entropy, kl_divergence
    """
    if not isinstance(identifier, str):
        raise TypeError(
            f"identifier must be a loss name or a callable, got "
            f"{type(identifier).__name__} {identifier!r}"
        )
    if identifier in _BY_IDENTIFIER:
        return _BY_IDENTIFIER[identifier]
    if identifier in _REMOVED:
        raise ValueError(
            f"{identifier!r} was removed in Keras 3 (it raises \"Could not interpret "
            f"loss identifier\"); use {_REMOVED[identifier]!r}"
        )
    if identifier in KERAS_WITHOUT_TWIN:
        raise ValueError(
            f"{identifier!r} is a Keras loss that lossguide does not implement; "
            f"valid names: {', '.join(NAMES)}"
        )
    aliases = sorted(i for i in _BY_IDENTIFIER if i not in SPECS)
    raise ValueError(
        f"unknown loss identifier {identifier!r}; valid names: {', '.join(NAMES)}; "
        f"aliases: {', '.join(aliases)}"
    )
