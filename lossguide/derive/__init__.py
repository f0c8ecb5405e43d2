r"""SymPy derivations of every loss, its gradient and its curvature, with proofs.

Each loss of :mod:`lossguide.losses` is written as a symbolic expression of the
label :math:`y` and the prediction :math:`a` (its form comes from
:mod:`lossguide.registry`), composed with its usual output activation
:math:`a = g(z)`, and differentiated by SymPy.  The result is then compared with
the *textbook* form a chapter quotes (``sigmoid(z) - y`` for binary
cross-entropy, ``p_k - y_k`` for softmax cross-entropy, ...) and the equality is
**proved** by :func:`prove_equal`, which only answers ``True`` when SymPy reduces
the difference to exactly zero by rewritings that are valid under the symbols'
assumptions.

The package has three modules, one idea each:

:mod:`~lossguide.derive.prover`
    :func:`prove_equal` and :class:`Identity`: the sound prover, with
    :func:`identical` and the assumption helper :func:`open_unit_interval`.
:mod:`~lossguide.derive.catalogue`
    :func:`derivation` builds a frozen, cached :class:`Derivation` per loss
    (``.proved()`` checks the textbook forms, ``.latex()`` renders them);
    :func:`lambdify` turns its expressions into vectorised NumPy functions of
    ``(y_true, x)`` for plots and for comparison with :mod:`lossguide.gradients`.
:mod:`~lossguide.derive.theorems`
    :func:`identities` and the functions it lists: the facts the "why
    cross-entropy" chapter relies on -- one sigmoid neuron, MSE through the
    softmax Jacobian, convexity (and where MSE∘sigmoid stops being convex), KL
    versus cross-entropy, hinge subgradients, and losses as negative
    log-likelihoods.

Conventions: the per-element losses follow Keras (``mean_squared_error`` is
:math:`(a - y)^2` without the textbook :math:`\tfrac12`); Keras's ``1e-7`` clipping
is left out because it is a numerical guard, not part of the mathematics.
Nothing is derived at import time.

.. math:: L(y, g(z)) \;\to\; \frac{\partial L}{\partial z} \overset{?}{=} \text{textbook form}

Examples
--------
>>> from lossguide import derive
>>> derive.derivation("binary_crossentropy").textbook
a - y
>>> derive.derivation("binary_crossentropy").proved()
True
"""

from .catalogue import ACTIVATIONS, N_CLASSES, NAMES, Derivation, derivation, lambdify
from .prover import Identity, identical, open_unit_interval, prove_equal
from .theorems import (
    bce_sigmoid_convexity,
    hinge_subgradients,
    identities,
    kl_cross_entropy,
    logistic_regression_hessian,
    mse_sigmoid_inflection,
    negative_log_likelihoods,
    sigmoid_neuron,
    softmax_gradients,
)

__all__ = [
    "ACTIVATIONS",
    "NAMES",
    "N_CLASSES",
    "Derivation",
    "Identity",
    "bce_sigmoid_convexity",
    "derivation",
    "hinge_subgradients",
    "identical",
    "identities",
    "kl_cross_entropy",
    "lambdify",
    "logistic_regression_hessian",
    "mse_sigmoid_inflection",
    "negative_log_likelihoods",
    "open_unit_interval",
    "prove_equal",
    "sigmoid_neuron",
    "softmax_gradients",
]
