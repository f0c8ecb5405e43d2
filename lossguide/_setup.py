"""The first call of every chapter: quiet, deterministic TensorFlow and one plot style."""

from __future__ import annotations

import dataclasses
import os
import sys
import warnings

# TensorFlow reads these once, when it is first imported.  Level 3 silences its
# C++ logging; switching oneDNN off removes the "oneDNN custom operations are on"
# line (level 3 alone does not) and makes float rounding independent of the CPU's
# oneDNN kernels.
_TF_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}


@dataclasses.dataclass(frozen=True)
class SetupInfo:
    """What :func:`setup` configured; its ``repr`` is the one line a chapter prints."""

    seed: int
    floatx: str
    versions: dict

    def __repr__(self) -> str:
        packages = " · ".join(f"{name} {version}" for name, version in self.versions.items())
        return f"{packages} | floatx={self.floatx}, seed={self.seed}, deterministic ops"


def _figure_caption(figure, printer, cycle):
    """Plain-text stand-in for a figure: its titles, not a size that says nothing."""
    titles = [figure._suptitle.get_text()] if getattr(figure, "_suptitle", None) else []
    titles += [ax.get_title() for ax in figure.axes if ax.get_title()]
    printer.text("Figure: " + (" | ".join(titles) if titles else f"{len(figure.axes)} axes"))


def _describe_figures_as_text():
    """In IPython, store a figure's titles as its text/plain output.

    A notebook saves a text version of every figure beside the PNG.  By default it is
    ``<Figure size 640x480 with 2 Axes>``, which nbval then compares; the titles say
    more to a reader of the raw notebook and are just as deterministic.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing to configure
        return
    shell = get_ipython()
    if shell is None:
        return
    # The inline backend resets the figure formatters when it loads, which pyplot does
    # lazily on the first figure: load it now, then register.
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    plt.close(plt.figure())

    shell.display_formatter.formatters["text/plain"].for_type(Figure, _figure_caption)


def setup(seed: int = 0, *, floatx: str = "float64") -> SetupInfo:
    """Make TensorFlow quiet and deterministic and set the book's plot style.

    Call it in the first cell of a chapter, before anything imports TensorFlow or
    Keras.  It

    1. sets ``TF_CPP_MIN_LOG_LEVEL=3`` and ``TF_ENABLE_ONEDNN_OPTS=0`` (read by
       TensorFlow only when it is first imported);
    2. seeds Python's ``random``, NumPy and TensorFlow through
       ``keras.utils.set_random_seed(seed)``;
    3. turns on ``tf.config.experimental.enable_op_determinism()``;
    4. sets Keras's default float type (``float64`` by default: float32 training is
       chaotic in the 2nd-3rd decimal across CPUs, float64 is not);
    5. applies :func:`lossguide.plots.use_style` and short pandas display precision.

    Parameters
    ----------
    seed : int, default 0
        Seed for Python, NumPy and TensorFlow.
    floatx : {"float64", "float32"}, default "float64"
        Keras's default dtype for weights and computations.

    Returns
    -------
    SetupInfo
        Versions, seed and dtype; its repr is a single line suitable for a chapter.

    Raises
    ------
    TypeError
        If ``seed`` is not an integer.
    ValueError
        If ``seed`` is negative or ``floatx`` is not ``"float32"`` or ``"float64"``.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}: {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    if floatx not in ("float32", "float64"):
        raise ValueError(f"floatx must be 'float32' or 'float64', got {floatx!r}")

    already_loaded = "tensorflow" in sys.modules
    unset_before = [k for k, v in _TF_ENVIRONMENT.items() if os.environ.get(k) != v]
    os.environ.update(_TF_ENVIRONMENT)
    if already_loaded and unset_before:
        warnings.warn(
            "TensorFlow was imported before lossguide.setup(); "
            f"{', '.join(unset_before)} had no effect. Call setup() first in a fresh kernel.",
            RuntimeWarning,
            stacklevel=2,
        )

    import keras
    import numpy
    import pandas
    import tensorflow as tf

    from . import plots

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    keras.config.set_floatx(floatx)
    plots.use_style()
    pandas.set_option("display.precision", 4)
    _describe_figures_as_text()

    from . import __version__

    versions = {
        "lossguide": __version__,
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "numpy": numpy.__version__,
    }
    return SetupInfo(seed=seed, floatx=floatx, versions=versions)
