"""lossguide: stable NumPy twins of the Keras losses, their gradients, SymPy
derivations, and the data sets, experiments and plots of the lossguide book.

Chapters use it as ``import lossguide as lg`` and call :func:`lg.setup` in their
first cell. Importing lossguide never imports TensorFlow or Keras: modules that
train models import them inside functions, so :func:`setup` can still configure
TensorFlow's logging before it loads.
"""

from . import (datasets, derive, experiments, gradients, keras_losses, losses, metrics, plots,
               registry, stats)
from ._setup import SetupInfo, setup
from .recommend import AmbiguousTargetWarning, Recommendation, recommend

__version__ = "0.1.0"

__all__ = [
    "AmbiguousTargetWarning",
    "Recommendation",
    "SetupInfo",
    "__version__",
    "datasets",
    "derive",
    "experiments",
    "gradients",
    "keras_losses",
    "losses",
    "metrics",
    "plots",
    "recommend",
    "registry",
    "setup",
    "stats",
]
