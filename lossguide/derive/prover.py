r"""A sound symbolic prover: :func:`prove_equal` and the :class:`Identity` it checks.

"Sound" means that :func:`prove_equal` never answers ``True`` for an equality
that is false for some values allowed by the symbols' assumptions.  Every
simplification it tries is an identity under those assumptions; the steps that
are not (``expand_log(force=True)``, ``powdenest(force=True)``, ``simplify``
with ``inverse=True``) are left out on purpose, so a fact that needs, say,
:math:`\log(1 - a)` to exist must *declare* :math:`0 < a < 1`
(:func:`open_unit_interval`).  As a second line of defence against bugs in the
simplifier, a difference that simplified to zero is also evaluated, with 30
significant digits, at points the assumptions allow (with both signs for each
symbol whose sign is free); a clearly nonzero value there turns the answer
into ``False``.
"""

from __future__ import annotations

import cmath
import dataclasses
import random

import sympy as sp

__all__ = ["Identity", "identical", "open_unit_interval", "prove_equal"]

# Points at which a claimed zero is checked numerically (see _refuted).
_CHECK_POINTS = 16
_CHECK_DIGITS = 30
# Relative to the largest term: 30 digits leave ~1e-28 of rounding, a false
# identity differs by far more.
_CHECK_TOLERANCE = 1e-12


def open_unit_interval(symbol: sp.Symbol, odds: str | None = None) -> tuple:
    r"""A substitution that declares ``0 < symbol < 1``, which SymPy cannot assume directly.

    .. math:: a = \frac{r}{1 + r}, \quad r > 0 \iff 0 < a < 1,
              \qquad 1 - a = \frac{1}{1 + r}

    SymPy has assumptions ``positive`` and ``negative`` but none for an interval.
    Writing the probability through its odds :math:`r = a / (1 - a) > 0` makes
    both :math:`a` and :math:`1 - a` visibly positive, so
    :math:`\log\bigl((1 - a)^{1 - y}\bigr) = (1 - y)\log(1 - a)` becomes a
    valid expansion.  Every :math:`a \in (0, 1)` has exactly one such
    :math:`r`, so a proof for all :math:`r > 0` is a proof for all :math:`a`.

    Parameters
    ----------
    symbol : sympy.Symbol
        The probability.
    odds : str, optional
        Name of the new positive symbol; ``"<symbol>_odds"`` by default.

    Returns
    -------
    (symbol, expression) : tuple
        A pair for ``substitutions=`` of :func:`prove_equal` or :class:`Identity`.

    Examples
    --------
    >>> import sympy as sp
    >>> a, y = sp.Symbol("a", positive=True), sp.Symbol("y", real=True)
    >>> bernoulli = -sp.log(a**y * (1 - a) ** (1 - y))
    >>> bce = -(y * sp.log(a) + (1 - y) * sp.log(1 - a))
    >>> prove_equal(bernoulli, bce)  # 1 - a might be negative: no proof
    False
    >>> prove_equal(bernoulli, bce, substitutions=dict([open_unit_interval(a)]))
    True
    """
    ratio = sp.Symbol(odds or f"{symbol.name}_odds", positive=True)
    return symbol, ratio / (1 + ratio)


def prove_equal(a, b, *, substitutions=None) -> bool:
    r"""Prove ``a == b`` for every value the symbols' assumptions allow.

    .. math:: a = b \iff T(a - b) = 0 \text{ for some valid rewriting } T

    ``True`` only if the difference reduces to exactly zero by one of these
    rewritings, each an identity under the assumptions of the symbols involved
    (cheapest first):

    1. ``expand``: products, powers and logarithms multiplied out;
       :math:`\log(xy) = \log x + \log y` and :math:`(xy)^c = x^c y^c` are only
       used where SymPy knows the factors are positive; then, for expressions
       with a symbolic exponent (``(1 - p)^gamma``), the same followed by
       ``cancel`` (see 3).
    2. ``simplify``, which also only applies assumption-valid rules.
    3. Rewriting in exponentials (sigmoid, tanh and softmax become rational
       functions of :math:`e^{z}`), then ``cancel`` (common denominator) and
       ``simplify`` or ``factor``.  ``cancel`` treats expressions as rational
       functions: equality holds wherever both sides are defined.
    4. ``Max``, ``Abs``, ``sign`` and ``Heaviside`` rewritten as ``Piecewise``
       cases and folded, so each case is compared separately.
    5. ``logcombine``, ``powsimp`` and ``powdenest`` without ``force``.

    A difference that one of them reduces to zero is then evaluated, with 30
    significant digits, at 16 points the assumptions allow, covering the sign
    patterns of the symbols whose sign is free; a nonzero value there means a
    simplifier bug, and the answer is ``False``.
    ``False`` is not a disproof: it only says that no proof was found.

    Parameters
    ----------
    a, b : sympy expression or Matrix
        Compared element by element when matrices.
    substitutions : dict, optional
        Constraints applied before simplifying, e.g. ``{y3: 1 - y1 - y2}`` for a
        label vector that sums to one, or :func:`open_unit_interval` for a
        probability.

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

    The logarithm of a product is the sum of the logarithms only for positive factors:

    >>> x = sp.Symbol("x", real=True)
    >>> prove_equal(sp.log(x**2), 2 * sp.log(x))
    False
    >>> x = sp.Symbol("x", positive=True)
    >>> prove_equal(sp.log(x**2), 2 * sp.log(x))
    True
    """
    difference = sp.Matrix(a) - sp.Matrix(b) if _is_matrix(a) or _is_matrix(b) else sp.sympify(a) - sp.sympify(b)
    if substitutions:
        difference = difference.subs(substitutions)
    entries = list(difference) if isinstance(difference, sp.MatrixBase) else [difference]
    return all(_is_zero(entry) for entry in entries)


def identical(a, b, *, substitutions=None) -> bool:
    """True if ``a`` and ``b`` are the same SymPy expression: nothing to prove.

    .. math:: \\operatorname{srepr}(a) = \\operatorname{srepr}(b)

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> identical(sp.diff(x**2, x), 2 * x), identical(x * (x + 1), x**2 + x)
    (True, False)
    """
    if _is_matrix(a) or _is_matrix(b):
        a, b = sp.Matrix(a), sp.Matrix(b)
    else:
        a, b = sp.sympify(a), sp.sympify(b)
    if substitutions:
        a, b = a.subs(substitutions), b.subs(substitutions)
    return sp.srepr(a) == sp.srepr(b)


def _is_matrix(x) -> bool:
    return isinstance(x, (sp.MatrixBase, list, tuple))


def _cancel_symbolic_powers(expression):
    """``cancel(expand(e))`` for expressions with a symbolic exponent, else ``e`` unchanged.

    A common denominator makes the softmax's sum of exponentials cancel around
    factors such as the focal ``(1 - p)^gamma`` or ``p^q`` in a second, where
    ``simplify`` takes minutes; on expressions without such powers (many
    exponentials of sums, as in the logistic-regression Hessian) ``cancel`` itself
    can take minutes, so it is not tried there.
    """
    if any(not power.exp.is_number for power in expression.atoms(sp.Pow)):
        return sp.cancel(sp.expand(expression))
    return expression


# Each rewriting is an identity under the symbols' assumptions (see prove_equal).
_REWRITINGS = (
    sp.expand,
    _cancel_symbolic_powers,
    sp.simplify,
    lambda e: sp.simplify(sp.cancel(e.rewrite(sp.exp))),
    lambda e: sp.factor(sp.cancel(sp.expand(e.rewrite(sp.exp)))),
    # Max, Abs and Heaviside as explicit cases, so that e.g.
    # Heaviside(u) * Max(0, u) = Max(0, u) is seen case by case.
    lambda e: sp.simplify(sp.piecewise_fold(e.rewrite(sp.Piecewise))),
    lambda e: sp.simplify(sp.powdenest(sp.powsimp(sp.logcombine(sp.expand(e))))),
)


def _is_zero(expression) -> bool:
    expression = sp.sympify(expression)
    if expression == 0:
        return True
    for rewriting in _REWRITINGS:
        if rewriting(expression) == 0:
            return not _refuted(expression)
    return False


def _refuted(expression) -> bool:
    """True if ``expression`` is clearly nonzero at a point its symbols' assumptions allow."""
    symbols = sorted(expression.free_symbols, key=lambda s: s.name)
    terms = expression.args if expression.is_Add else (expression,)
    # A fixed seed: the same question always gets the same answer.
    generator = random.Random(0)
    for index in range(_CHECK_POINTS):
        # Point k gives symbol i the sign of bit i of k, so that the points
        # cover the sign patterns where branch cuts bite (x, y < 0 in log(x y)).
        point = {symbol: _sample(symbol, generator, negative=bool(index >> i & 1))
                 for i, symbol in enumerate(symbols)}
        try:
            # Term by term, so that the tolerance can scale with the terms that cancel.
            values = [complex(sp.N(term.xreplace(point), _CHECK_DIGITS)) for term in terms]
        except (TypeError, ValueError, ZeroDivisionError):
            continue  # a Piecewise condition undecidable at a complex point, or a singular point
        if not all(cmath.isfinite(value) for value in values):
            continue  # a singular point: says nothing either way
        scale = max(1.0, *(abs(value) for value in values))
        if abs(sum(values)) > _CHECK_TOLERANCE * scale:
            return True
    return False


def _sample(symbol, generator, *, negative: bool):
    """A value the symbol's assumptions allow: a real, or a complex number.

    ``negative`` chooses the sign where the assumptions leave it open (for a
    complex symbol, the sign of the imaginary part, up to 6 > pi in size).
    """

    def magnitude(high):
        # 30-digit floats: SymPy then evaluates as it substitutes, which is
        # far faster than exact rationals in the softmax Hessians.
        return sp.Float(sp.Rational(generator.randint(13, int(100 * high)), 100), _CHECK_DIGITS)

    if symbol.is_integer:
        low = 1 if symbol.is_positive else 0 if symbol.is_nonnegative else -3
        return sp.Integer(generator.randint(low, 4))
    if symbol.is_nonnegative:
        return magnitude(2.9)
    if symbol.is_negative:
        return -magnitude(2.9)
    sign = -1 if negative else 1
    if symbol.is_real:
        return sign * magnitude(2.9)
    return generator.choice((-1, 1)) * magnitude(2.9) + sign * sp.I * magnitude(6.0)


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
        Constraints assumed by the proof (labels summing to one, a probability
        in :math:`(0, 1)` via :func:`open_unit_interval`).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> fact = Identity("square", sp.diff(x**3, x), 3 * x**2, "d(x^3)/dx = 3x^2")
    >>> fact.proved(), fact.identical
    (True, True)
    >>> fact.latex()
    '3 x^{2} = 3 x^{2}'

    ``identical`` says that SymPy's derivative already *is* the textbook form:
    the "proof" compares an expression with itself, and what a reader should
    see are the steps of the derivation.
    """

    name: str
    lhs: object
    rhs: object
    statement: str
    substitutions: tuple = ()

    def proved(self) -> bool:
        """Return True if :func:`prove_equal` proves ``lhs == rhs``."""
        return prove_equal(self.lhs, self.rhs, substitutions=dict(self.substitutions))

    @property
    def identical(self) -> bool:
        """True if both sides are the same SymPy expression, so there is nothing to prove."""
        return identical(self.lhs, self.rhs, substitutions=dict(self.substitutions))

    def latex(self) -> str:
        """LaTeX of ``lhs = rhs`` for a chapter's ``display(Math(...))``."""
        return f"{sp.latex(self.lhs)} = {sp.latex(self.rhs)}"
