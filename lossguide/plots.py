"""The book's plot style and its recurring figures.

Every function returns matplotlib objects and never calls ``plt.show()``; chapters
end plotting cells with ``plt.show()`` or ``;``.  Figures have an opaque white
face so that their dark text stays readable under the dark theme of
sphinx-book-theme, and use the Okabe-Ito palette, which stays distinguishable
under the common forms of colour blindness.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from cycler import cycler

__all__ = [
    "OKABE_ITO",
    "STYLE",
    "compare_bars",
    "decision_boundary",
    "grouped_bars",
    "learning_curves",
    "loss_vs_prediction",
    "precision_recall",
    "reliability_diagram",
    "use_style",
]

#: Okabe & Ito (2008) colours, yellow last: it has too little contrast on white for lines.
OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)

# Shapes as well as colours tell the classes apart, also in greyscale print.
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

_INK = "#222222"

#: The book's rcParams, applied by :func:`use_style`.
STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    # Opaque white everywhere: a transparent PNG shows black text on the dark
    # theme's near-black page.
    "figure.facecolor": "white",
    "figure.edgecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
    "savefig.transparent": False,
    "figure.constrained_layout.use": True,
    "axes.prop_cycle": cycler(color=OKABE_ITO),
    "axes.edgecolor": "#444444",
    "axes.labelcolor": _INK,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "text.color": _INK,
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "font.size": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "image.cmap": "viridis",
}

_METRIC_LABELS = {
    "mse": "MSE",
    "mae": "MAE",
    "mean_squared_error": "MSE",
    "mean_absolute_error": "MAE",
    "accuracy": "accuracy",
}


def use_style() -> None:
    """Apply :data:`STYLE` to matplotlib's rcParams.

    Idempotent. It imports ``matplotlib.pyplot`` first: inside Jupyter that loads
    the inline backend, which applies its own ``InlineBackend.rc`` defaults when it
    starts (older matplotlib-inline versions set a transparent
    ``figure.facecolor``); updating afterwards makes the book's white face win.
    A later ``%matplotlib inline`` would re-apply those defaults: call
    ``use_style()`` again after it.

    Examples
    --------
    >>> import matplotlib
    >>> use_style()
    >>> matplotlib.rcParams["figure.facecolor"]
    'white'
    """
    import matplotlib
    import matplotlib.pyplot  # noqa: F401  (lets the inline backend configure itself first)

    matplotlib.rcParams.update(STYLE)


def _new_figure(ncols=1, *, width=6.4, height=3.6):
    import matplotlib.pyplot as plt

    # An explicit white face, in case the style was not applied (e.g. in a script).
    return plt.subplots(1, ncols, figsize=(width, height), facecolor="white", edgecolor="white")


def _resolve_loss(name):
    """The loss's record in :mod:`lossguide.registry` (raises the ValueError listing names)."""
    from . import registry

    if not isinstance(name, str):
        raise TypeError(f"loss names must be strings, got {type(name).__name__}: {name!r}")
    return registry.get(name)


def _margin_sign(y_true) -> float:
    # Keras's hinge losses turn 0/1 labels into -1/1, so 0 stands for -1.
    if y_true == 1:
        return 1.0
    if y_true in (0, -1):
        return -1.0
    raise ValueError(f"y_true must be -1, 0 or 1 when margin=True, got {y_true!r}")


# Narrowest first: a shared axis must stay inside every loss's domain.
_DOMAIN_ORDER = ("probability", "positive", "around_target")


def _default_predictions(specs, y_true, *, from_logits, margin):
    from . import registry

    if margin:
        return np.linspace(-3.0, 3.0, 301)
    if from_logits:
        return registry.prediction_grid("logits", y_true)
    domains = {spec.plot_domain for spec in specs}
    for domain in _DOMAIN_ORDER:
        if domain in domains:
            return registry.prediction_grid(domain, y_true)
    return registry.prediction_grid(domains.pop(), y_true)


def _options_text(options) -> str:
    shown = {k: v for k, v in options.items() if k != "from_logits"}
    return "" if not shown else " (" + ", ".join(f"{k}={v}" for k, v in shown.items()) + ")"


def loss_vs_prediction(name, y_true, *, predictions=None, ax=None, margin=False, label=None,
                       **loss_options):
    """Plot the loss and its gradient for one fixed target against the prediction.

    Each loss :math:`L(y, \\hat y)` from :mod:`lossguide.losses` is evaluated on
    one-element samples (shape ``(n_points, 1)``) with ``y`` fixed, next to its
    derivative from :mod:`lossguide.gradients`,

    .. math::

        \\hat y \\mapsto L(y, \\hat y), \\qquad
        \\hat y \\mapsto \\frac{\\partial L}{\\partial \\hat y}.

    With ``from_logits=True`` the horizontal axis is the logit :math:`z` and the
    gradient is :math:`\\partial L / \\partial z`; with ``margin=True`` it is the
    margin :math:`m = y \\hat y` (labels 0 count as -1, as in Keras's hinge) and the
    gradient is :math:`\\partial L / \\partial m = y\\, \\partial L / \\partial \\hat y`.

    Parameters
    ----------
    name : str or sequence of str
        Loss name(s) accepted by :func:`lossguide.losses.get`; several share the
        axes, one colour each.
    y_true : float
        The fixed target.
    predictions : array_like, optional
        1-D horizontal-axis values (predictions, logits or margins). The default
        range stays inside every loss's domain: (0, 1) for probability losses,
        positive values for Poisson and MSLE, ``y_true ± 3`` otherwise.
    ax : pair of matplotlib Axes, optional
        ``(loss_axes, gradient_axes)`` to draw into; a new figure otherwise.
    margin : bool, default False
        Put the margin :math:`y \\hat y` on the horizontal axis (hinge-type losses).
    label : str or sequence of str, optional
        Legend label of each curve (one per name); by default the name followed
        by the options, e.g. ``"huber (delta=0.5)"``. Calling again with
        ``ax=`` and another ``label`` adds labelled curves, e.g. one per target.
    **loss_options
        Passed to both the loss and its gradient, e.g. ``from_logits=True``,
        ``delta=0.5``.

    Returns
    -------
    tuple of two matplotlib Axes
        The loss and gradient axes; call again with ``ax=`` to add curves.

    Examples
    --------
    >>> loss_axes, gradient_axes = loss_vs_prediction(["mse", "mae"], 0.0)
    >>> [line.get_label() for line in loss_axes.get_lines()[:2]]
    ['mse', 'mae']
    """
    names = [name] if isinstance(name, str) else list(name) if _is_sequence(name) else None
    if not names:
        raise TypeError(f"name must be a loss name or a non-empty list of names, got {name!r}")
    if label is None:
        labels = [n + _options_text(loss_options) for n in names]
    else:
        labels = [label] if isinstance(label, str) else list(label) if _is_sequence(label) else None
        if labels is None or not all(isinstance(text, str) for text in labels):
            raise TypeError(f"label must be a string or a list of strings, got {label!r}")
        if len(labels) != len(names):
            raise ValueError(
                f"label must give one label per loss: {len(names)} loss(es), got {len(labels)} label(s)"
            )
    if isinstance(y_true, bool) or not isinstance(y_true, numbers.Real) or not np.isfinite(y_true):
        raise TypeError(f"y_true must be a finite real number, got {y_true!r}")
    y_true = float(y_true)
    if not isinstance(margin, bool):
        raise TypeError(f"margin must be True or False, got {margin!r}")
    from_logits = bool(loss_options.get("from_logits", False))
    resolved = [_resolve_loss(n) for n in names]
    sign = _margin_sign(y_true) if margin else 1.0

    if predictions is None:
        x = _default_predictions(resolved, y_true, from_logits=from_logits, margin=margin)
    else:
        x = np.asarray(predictions, dtype=float)
        if x.ndim != 1 or x.size < 2:
            raise ValueError(f"predictions must be a 1-D array of at least 2 values, got shape {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError("predictions contains NaN or infinite values")

    if ax is None:
        _, axes = _new_figure(2)
        loss_axes, gradient_axes = axes
    else:
        if not _is_sequence(ax) or len(ax) != 2:
            raise TypeError(f"ax must be a pair (loss_axes, gradient_axes), got {ax!r}")
        loss_axes, gradient_axes = ax

    y_pred = (x * sign)[:, None]  # one-element samples: the losses reduce over the last axis
    y = np.full_like(y_pred, y_true)
    for label, spec in zip(labels, resolved):
        loss = np.asarray(spec.loss(y, y_pred, **loss_options), dtype=float).reshape(-1)
        gradient = np.asarray(spec.gradient(y, y_pred, **loss_options), dtype=float).reshape(-1)
        if loss.shape != x.shape or gradient.shape != x.shape:
            raise ValueError(
                f"loss {spec.name!r} returned shapes {loss.shape} and {gradient.shape} for "
                f"{x.size} one-element samples"
            )
        for values, what in ((loss, "loss"), (gradient, "gradient")):
            if not np.all(np.isfinite(values)):
                where = x[~np.isfinite(values)][0]
                raise ValueError(f"the {what} of {spec.name!r} is not finite at {where:g}; narrow predictions")
        (line,) = loss_axes.plot(x, loss, label=label)
        gradient_axes.plot(x, gradient * sign, color=line.get_color(), label=label)

    if margin:
        x_label, derivative = r"margin $m = y\,\hat{y}$", r"$\partial L / \partial m$"
    elif from_logits:
        x_label, derivative = r"logit $z$", r"$\partial L / \partial z$"
    else:
        x_label, derivative = r"prediction $\hat{y}$", r"$\partial L / \partial \hat{y}$"
    target = f"{y_true:g}"
    loss_axes.set(xlabel=x_label, ylabel="loss $L$", title=f"loss, target $y = {target}$")
    gradient_axes.set(xlabel=x_label, ylabel=derivative, title=f"gradient, target $y = {target}$")
    gradient_axes.axhline(0.0, color="#888888", linewidth=0.8, zorder=0)
    loss_axes.legend()
    return loss_axes, gradient_axes


def _is_sequence(value) -> bool:
    return isinstance(value, (list, tuple, np.ndarray))


def learning_curves(result, *, band="minmax", title=None):
    """Loss and metric per epoch, mean over seeds with a band, train and test.

    For each epoch :math:`e` the line is the mean over the :math:`K` seeds,
    :math:`\\bar v_e = \\frac{1}{K}\\sum_k v_{k,e}`, and the band is either
    :math:`[\\min_k v_{k,e}, \\max_k v_{k,e}]` or :math:`\\bar v_e \\pm s_e`
    (sample standard deviation).

    Parameters
    ----------
    result : lossguide.experiments.Result
        Needs ``result.history``, a long DataFrame with columns ``seed, epoch,
        train_loss, test_loss, train_<metric>, test_<metric>``; ``result.metric``;
        and ``result.experiment.name``.
    band : {"minmax", "sd"}, default "minmax"
        What the shaded band shows.
    title : str, optional
        Figure title; defaults to the experiment's name.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels, loss and metric.

    Warns
    -----
    UserWarning
        If the history holds NaN or infinite values (a diverged run): the curves
        then have gaps.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> history = pd.DataFrame({"seed": [0, 0, 1, 1], "epoch": [1, 2, 1, 2],
    ...     "train_loss": [1.0, 0.5, 1.2, 0.6], "test_loss": [1.1, 0.7, 1.3, 0.8],
    ...     "train_mae": [0.9, 0.6, 1.0, 0.7], "test_mae": [1.0, 0.7, 1.1, 0.8]})
    >>> result = SimpleNamespace(history=history, metric="mae",
    ...     experiment=SimpleNamespace(name="demo"))
    >>> fig = learning_curves(result)
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['loss', 'MAE']
    """
    import pandas as pd

    if band not in ("minmax", "sd"):
        raise ValueError(f"band must be 'minmax' or 'sd', got {band!r}")
    for attribute in ("history", "metric"):
        if not hasattr(result, attribute):
            raise TypeError(f"result must have a .{attribute} attribute (a lossguide.experiments.Result)")
    history, metric = result.history, result.metric
    if not isinstance(history, pd.DataFrame):
        raise TypeError(f"result.history must be a pandas DataFrame, got {type(history).__name__}")
    if not isinstance(metric, str):
        raise TypeError(f"result.metric must be a string, got {metric!r}")
    needed = ["seed", "epoch", "train_loss", "test_loss", f"train_{metric}", f"test_{metric}"]
    missing = [column for column in needed if column not in history.columns]
    if missing:
        raise ValueError(f"result.history lacks the columns {missing}; it has {list(history.columns)}")
    if history.empty:
        raise ValueError("result.history is empty")
    values = history[needed[2:]].to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        bad = history.loc[~np.isfinite(values).all(axis=1), ["seed", "epoch"]].iloc[0]
        warnings.warn(
            f"result.history has NaN or infinite values (first: seed {bad['seed']}, "
            f"epoch {bad['epoch']}); the curves have gaps there",
            UserWarning,
            stacklevel=2,
        )
    if title is None:
        experiment = getattr(result, "experiment", None)
        title = getattr(experiment, "name", None)

    n_seeds = history["seed"].nunique()
    grouped = history.groupby("epoch", sort=True)
    fig, axes = _new_figure(2)
    for split, style, color in (("train", "-", OKABE_ITO[0]), ("test", "--", OKABE_ITO[1])):
        for ax, quantity in zip(axes, ("loss", metric)):
            column = f"{split}_{quantity}"
            statistics = grouped[column].agg(["mean", "min", "max", "std"])
            epochs = statistics.index.to_numpy(dtype=float)
            mean = statistics["mean"].to_numpy()
            if band == "minmax":
                low, high = statistics["min"].to_numpy(), statistics["max"].to_numpy()
            else:
                # One seed has no spread: a zero-width band, not a NaN one.
                spread = statistics["std"].fillna(0.0).to_numpy()
                low, high = mean - spread, mean + spread
            ax.fill_between(epochs, low, high, color=color, alpha=0.2, linewidth=0)
            ax.plot(epochs, mean, color=color, linestyle=style, label=split)
    band_text = "min–max" if band == "minmax" else "±1 sd"
    axes[0].set(xlabel="epoch", ylabel="loss", title="loss")
    metric_label = _METRIC_LABELS.get(metric, metric)
    axes[1].set(xlabel="epoch", ylabel=metric_label, title=metric_label)
    axes[0].legend()
    summary = f"mean of {n_seeds} seed{'s' if n_seeds != 1 else ''}, band {band_text}"
    fig.suptitle(f"{title}: {summary}" if title else summary, fontsize=11)
    return fig


def _format_label(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def decision_boundary(classify, x, y, *, ax=None, title=None, resolution=200):
    """Regions a classifier assigns to each label, with the data on top.

    The plane around the points is sampled on a ``resolution × resolution``
    grid :math:`G`; each region is :math:`\\{g \\in G : \\text{classify}(g) = c\\}`
    for a label :math:`c`, filled in the colour of the points whose true label
    is :math:`c`.

    Parameters
    ----------
    classify : callable
        Maps an ``(m, 2)`` array to ``m`` labels, e.g.
        ``lambda X: result.predict_classes(X, seed=0)``.
    x : array_like, shape (n, 2)
        The points.
    y : array_like, shape (n,) or (n, 1)
        Their true labels, e.g. {0, 1}, {-1, 1} or 0, 1, 2.
    ax : matplotlib Axes, optional
        Where to draw; a new figure otherwise.
    title : str, optional
    resolution : int, default 200
        Grid points per axis.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> X = np.array([[-1.0, 0.0], [1.0, 0.5], [-0.5, 1.0], [0.5, -1.0]])
    >>> ax = decision_boundary(lambda g: np.where(g[:, 0] > 0, 1, -1), X, [-1, 1, -1, 1])
    >>> ax.get_legend().get_title().get_text(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('true label', ['y = -1', 'y = 1'])
    """
    if not callable(classify):
        raise TypeError(f"classify must be callable, got {type(classify).__name__}")
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != 2 or x.shape[0] == 0:
        raise ValueError(f"x must have shape (n, 2) with n >= 1, got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x contains NaN or infinite values")
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.shape != (x.shape[0],):
        raise ValueError(f"y must have shape ({x.shape[0]},) to match x {x.shape}, got {labels.shape}")
    labels = labels.astype(float)
    if not np.all(np.isfinite(labels)):
        raise ValueError("y contains NaN or infinite values")
    if isinstance(resolution, bool) or not isinstance(resolution, numbers.Integral) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")

    low, high = x.min(axis=0), x.max(axis=0)
    # A margin around the data, and a unit one when every point shares a coordinate.
    pad = np.where(high > low, 0.08 * (high - low), 1.0)
    first = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    second = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    grid_first, grid_second = np.meshgrid(first, second)
    grid = np.column_stack([grid_first.ravel(), grid_second.ravel()])
    predicted = np.asarray(classify(grid))
    if predicted.ndim == 2 and predicted.shape[1] == 1:
        predicted = predicted[:, 0]
    if predicted.shape != (grid.shape[0],):
        raise ValueError(
            f"classify must return {grid.shape[0]} labels for a ({grid.shape[0]}, 2) grid, "
            f"got shape {predicted.shape}"
        )
    predicted = predicted.astype(float)
    if not np.all(np.isfinite(predicted)):
        raise ValueError("classify returned NaN or infinite labels")
    classes = np.unique(np.concatenate([labels, predicted]))
    if len(classes) > len(_MARKERS):
        raise ValueError(
            f"found {len(classes)} distinct labels in y and classify's output (at most "
            f"{len(_MARKERS)}); classify must return class labels, not scores"
        )

    from matplotlib.colors import ListedColormap

    if ax is None:
        _, ax = _new_figure(1, width=4.8, height=4.0)
    colors = OKABE_ITO[: len(classes)]
    region = np.searchsorted(classes, predicted).reshape(grid_first.shape)
    ax.contourf(
        grid_first,
        grid_second,
        region,
        levels=np.arange(len(classes) + 1) - 0.5,
        cmap=ListedColormap(colors),
        alpha=0.25,
    )
    for index, (value, color) in enumerate(zip(classes, colors)):
        chosen = labels == value
        if chosen.any():
            ax.scatter(
                x[chosen, 0],
                x[chosen, 1],
                color=color,
                marker=_MARKERS[index],
                s=16,
                edgecolors="white",
                linewidths=0.4,
                label=f"y = {_format_label(value)}",
            )
    ax.set(xlabel="$x_1$", ylabel="$x_2$")
    ax.grid(False)
    if title is not None:
        ax.set_title(title)
    ax.legend(title="true label", frameon=True, framealpha=0.85, loc="best")
    return ax


def compare_bars(values, *, ax=None, xlabel="value", title=None):
    """Mean ± sample standard deviation per entry, with every seed as a dot.

    For the values :math:`v_1, \\dots, v_K` of one entry the bar ends at
    :math:`\\bar v` and the error bar spans
    :math:`\\bar v \\pm \\sqrt{\\tfrac{1}{K-1}\\sum_k (v_k - \\bar v)^2}`.

    Parameters
    ----------
    values : mapping of str to array_like, or pandas DataFrame
        One entry per bar (a DataFrame's columns), e.g. final test loss per seed
        for each loss function.
    ax : matplotlib Axes, optional
    xlabel : str, default "value"
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ax = compare_bars({"mse": [0.10, 0.12], "mae": [0.20, 0.22]}, xlabel="test MAE")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['mse', 'mae']
    """
    import pandas as pd

    if isinstance(values, pd.DataFrame):
        entries = {str(column): values[column].to_numpy() for column in values.columns}
    elif hasattr(values, "items"):
        entries = {str(key): value for key, value in values.items()}
    else:
        raise TypeError(f"values must be a mapping or a DataFrame, got {type(values).__name__}")
    if not entries:
        raise ValueError("values is empty")
    arrays = {}
    for key, value in entries.items():
        array = np.asarray(value, dtype=float).reshape(-1)
        if array.size == 0:
            raise ValueError(f"values[{key!r}] is empty")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"values[{key!r}] contains NaN or infinite values: {array.tolist()}")
        arrays[key] = array

    if ax is None:
        _, ax = _new_figure(1, height=0.45 * len(arrays) + 1.2)
    positions = np.arange(len(arrays))
    means = [array.mean() for array in arrays.values()]
    spreads = [array.std(ddof=1) if array.size > 1 else 0.0 for array in arrays.values()]
    ax.barh(positions, means, xerr=spreads, color=OKABE_ITO[5], alpha=0.6, height=0.6,
            capsize=3, error_kw={"ecolor": "#444444", "elinewidth": 1.0})
    for position, array in zip(positions, arrays.values()):
        ax.plot(array, np.full(array.size, position), "o", color=OKABE_ITO[0], markersize=3.5, zorder=3)
    ax.set_yticks(positions, list(arrays))
    ax.invert_yaxis()  # first entry on top, as in a table
    ax.set(xlabel=xlabel)
    ax.grid(axis="y", visible=False)
    if title is not None:
        ax.set_title(title)
    return ax


_DIAGONAL_GID = "lossguide-reliability-diagonal"


def reliability_diagram(y_true, y_prob, *, n_bins=15, ax=None, label=None, view="top_class",
                        title=None):
    """Accuracy against confidence per bin, with the diagonal, the counts and the ECE.

    The points are :func:`lossguide.metrics.reliability_curve`'s non-empty bins
    :math:`(\\mathrm{conf}_b, \\mathrm{acc}_b)`; a calibrated model lies on the
    diagonal :math:`\\mathrm{acc} = \\mathrm{conf}`, an over-confident one below
    it.  The lower panel shows how many samples each bin holds (a bin of five
    samples says little), and the legend gives

    .. math:: \\mathrm{ECE} = \\sum_b \\frac{n_b}{n}\\,|\\mathrm{acc}_b - \\mathrm{conf}_b|.

    Call it again with ``ax=`` the returned pair and another ``label`` to
    overlay a second model.

    Parameters
    ----------
    y_true, y_prob : array_like
        As :func:`lossguide.metrics.reliability_curve`: integer labels or one-hot
        rows with probability rows ``(n, K)``, or {0, 1} labels with one
        probability column.
    n_bins : int, default 15
        Equal-width bins on [0, 1].
    ax : (Axes, Axes), optional
        The (diagram, counts) pair of an earlier call; a new figure otherwise.
    label : str, optional
        The model's name in the legend, before its ECE.
    view : {"top_class", "positive"}, default "top_class"
        ``"positive"`` (one probability column) plots scikit-learn's
        ``calibration_curve``: the fraction of positives against the mean
        predicted probability; the legend then gives that curve's weighted gap.
    title : str, optional

    Returns
    -------
    (matplotlib Axes, matplotlib Axes)
        The diagram and the counts panel below it.

    Examples
    --------
    >>> y = [0, 1, 1, 0, 1, 1]
    >>> p = [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.4, 0.6], [0.1, 0.9], [0.6, 0.4]]
    >>> diagram, counts = reliability_diagram(y, p, n_bins=5, label="model")
    >>> [t.get_text() for t in diagram.get_legend().get_texts()]
    ['perfect calibration', 'model: ECE = 0.317']
    """
    from . import metrics

    if label is not None and not isinstance(label, str):
        raise TypeError(f"label must be a string, got {type(label).__name__}: {label!r}")
    curve = metrics.reliability_curve(y_true, y_prob, n_bins=n_bins, view=view)
    if ax is None:
        import matplotlib.pyplot as plt

        _, (diagram, counts) = plt.subplots(
            2, 1, figsize=(4.8, 4.8), sharex=True, gridspec_kw={"height_ratios": (3, 1)},
            facecolor="white", edgecolor="white",
        )
    else:
        if not _is_sequence(ax) or len(ax) != 2:
            raise TypeError(f"ax must be a pair (diagram_axes, counts_axes), got {ax!r}")
        diagram, counts = ax
    if not any(line.get_gid() == _DIAGONAL_GID for line in diagram.get_lines()):
        diagram.plot([0.0, 1.0], [0.0, 1.0], linestyle=":", color="#888888", linewidth=1.2,
                     label="perfect calibration", gid=_DIAGONAL_GID, zorder=1)
    gap_name = "ECE" if view == "top_class" else "weighted gap"
    text = f"{gap_name} = {curve.ece:.3f}"
    filled = curve.count > 0  # empty bins have no point (their NaN would break the line)
    (line,) = diagram.plot(curve.confidence[filled], curve.accuracy[filled], marker="o",
                           markersize=4, label=f"{label}: {text}" if label else text, zorder=3)
    color = line.get_color()
    counts.stairs(curve.count, curve.edges, fill=True, color=color, alpha=0.25)
    counts.stairs(curve.count, curve.edges, color=color, linewidth=1.2)
    if view == "top_class":
        x_label, y_label = "confidence (probability of the predicted class)", "accuracy in bin"
    else:
        x_label, y_label = "predicted probability of class 1", "fraction of positives"
    diagram.set(xlim=(0.0, 1.0), ylim=(-0.02, 1.02), ylabel=y_label)
    # No fixed y limits on the counts: a later overlay with taller bins must still fit
    # (stairs start at 0, whose sticky edge keeps autoscaling from going below it).
    counts.set(xlim=(0.0, 1.0), xlabel=x_label, ylabel="samples")
    counts.grid(axis="x", visible=False)
    diagram.legend(loc="upper left")
    if title is not None:
        diagram.set_title(title)
    return diagram, counts


def _colours_for(labels, colours):
    """``{label: colour}``: the mapping given (it must name every label), else Okabe-Ito in order."""
    if colours is None:
        return {label: OKABE_ITO[i % len(OKABE_ITO)] for i, label in enumerate(labels)}
    if not hasattr(colours, "items"):
        raise TypeError(f"colours must be a mapping of label to colour, got "
                        f"{type(colours).__name__}")
    missing = [label for label in labels if label not in colours]
    if missing:
        raise ValueError(f"colours has no colour for {missing}; it has {list(colours)}")
    return dict(colours)


def precision_recall(y_true, scores, *, thresholds=None, axes=None, colours=None):
    """Precision–recall and ROC curves of several scorers on one set of rows, side by side.

    Left, precision :math:`P(t) = TP/(TP + FP)` against recall
    :math:`R(t) = TP/(TP + FN)` with the chance line at the positive share
    :math:`\\pi`; right, the true- against the false-positive rate with the
    diagonal.  A scorer given a threshold gets a dot at its operating point
    (:math:`s \\ge t`, as scikit-learn's curves count it) on the PR curve, drawn
    after every curve so that none hides it.  The curves are scikit-learn's
    ``precision_recall_curve`` and ``roc_curve``.

    Parameters
    ----------
    y_true : array_like
        {0, 1} labels ``(n,)`` with both classes.
    scores : mapping of str to array_like
        ``{label: (n,) scores}``, e.g. one seed's probabilities per model.
    thresholds : mapping of str to float, optional
        Operating points, for some or all of the labels.
    axes : pair of matplotlib Axes, optional
        Default: a new 10 x 4 figure with two panels.
    colours : mapping of str to colour, optional
        One per label; default the Okabe-Ito colours in order.

    Returns
    -------
    numpy.ndarray of matplotlib Axes
        The PR and the ROC panel.

    Raises
    ------
    TypeError, ValueError
        For labels that are not {0, 1} with both classes, scores of another
        length or not finite, a threshold that is not one finite number, thresholds
        or colours for labels not in ``scores``.

    Examples
    --------
    >>> axes = precision_recall([0, 0, 1, 1], {"model": [0.1, 0.6, 0.4, 0.9]},
    ...                         thresholds={"model": 0.4})
    >>> [ax.get_xlabel() for ax in axes]
    ['recall', 'false-positive rate']
    """
    from sklearn.metrics import precision_recall_curve, roc_curve

    try:
        y = np.asarray(y_true, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"y_true must be an array of numbers, got {type(y_true).__name__}") \
            from None
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"y_true must be {{0, 1}} labels of shape (n,), got shape {np.shape(y_true)}")
    if not np.isin(y, (0.0, 1.0)).all() or y.min() == y.max():
        raise ValueError(f"y_true must hold both labels 0 and 1 (and nothing else), got "
                         f"{np.unique(y).tolist()[:5]}")
    if not hasattr(scores, "items") or not scores:
        raise TypeError(f"scores must be a non-empty mapping of label to scores, got "
                        f"{type(scores).__name__}")
    arrays = {}
    for label, values in scores.items():
        array = np.asarray(values, dtype=float).reshape(-1)
        if array.shape != y.shape:
            raise ValueError(f"scores[{label!r}] must have {y.size} values like y_true, got "
                             f"shape {np.shape(values)}")
        if not np.isfinite(array).all():
            raise ValueError(f"scores[{label!r}] contains NaN or infinite values")
        arrays[label] = array
    thresholds = {} if thresholds is None else thresholds
    if not hasattr(thresholds, "items"):
        raise TypeError(f"thresholds must be a mapping of label to threshold, got "
                        f"{type(thresholds).__name__}")
    unknown = [label for label in thresholds if label not in arrays]
    if unknown:
        raise ValueError(f"thresholds names {unknown}, which scores lacks; it has {list(arrays)}")
    for label, threshold in thresholds.items():  # one finite number per scorer
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)) \
                or not np.isfinite(threshold):
            raise ValueError(f"thresholds[{label!r}] must be one finite number, got {threshold!r}")
    colours = _colours_for(list(arrays), colours)
    if axes is None:
        _, axes = _new_figure(2, width=10, height=4)
    if len(axes) != 2:
        raise ValueError(f"axes must be two Axes (PR, ROC), got {len(axes)}")
    for label, s in arrays.items():
        precision, recall, _ = precision_recall_curve(y, s)
        false_positive, true_positive, _ = roc_curve(y, s)
        axes[0].plot(recall, precision, color=colours[label], label=label)
        axes[1].plot(false_positive, true_positive, color=colours[label], label=label)
    for label, threshold in thresholds.items():  # the operating points last, on top of every curve
        point = arrays[label] >= threshold
        precision = y[point].mean() if point.any() else 1.0  # nothing predicted: scikit-learn's 1
        axes[0].plot(y[point].sum() / y.sum(), precision, "o", color=colours[label],
                     markersize=9, markeredgecolor="black", zorder=5)
    axes[0].axhline(y.mean(), color="0.5", linestyle="--", label=f"random (π = {y.mean():.2f})")
    axes[0].set(xlabel="recall", ylabel="precision", title="Precision–recall")
    axes[1].plot([0, 1], [0, 1], color="0.5", linestyle="--", label="random")
    axes[1].set(xlabel="false-positive rate", ylabel="true-positive rate", title="ROC")
    axes[0].legend(loc="upper right", fontsize=8)
    axes[1].legend(loc="lower right", fontsize=8)
    return np.asarray(axes)


def grouped_bars(frames, *, ax=None, colours=None, width=0.2):
    """Several models side by side for each group: mean ± sd bars, every seed a dot.

    For each column (a class, a label) of each model's frame, a bar at the mean of
    its seeds :math:`\\bar v` with an error bar of the sample standard deviation
    :math:`\\sqrt{\\tfrac{1}{K-1}\\sum_k (v_k - \\bar v)^2}`, the models' bars
    next to each other around the column's tick.

    Parameters
    ----------
    frames : mapping of str to pandas.DataFrame
        ``{model label: frame}``, one row per seed and the same columns in each.
    ax : matplotlib Axes, optional
        Default: a new 7 x 3.6 figure.
    colours : mapping of str to colour, optional
        One per model; default the Okabe-Ito colours in order.
    width : float, default 0.2
        Of one bar; keep ``len(frames) * width`` below 1.

    Returns
    -------
    matplotlib Axes
        The bars carry the model labels (for ``ax.legend()``).

    Raises
    ------
    TypeError, ValueError
        For frames that are not DataFrames or differ in columns, a width not in (0, 1],
        colours missing a model.

    Examples
    --------
    >>> import pandas as pd
    >>> ax = grouped_bars({"A": pd.DataFrame({0: [0.9, 0.8], 1: [0.2, 0.3]}),
    ...                    "B": pd.DataFrame({0: [0.7, 0.6], 1: [0.5, 0.4]})})
    >>> [t.get_text() for t in ax.get_xticklabels()], len(ax.patches)
    (['0', '1'], 4)
    """
    import pandas as pd

    if not hasattr(frames, "items") or not frames:
        raise TypeError(f"frames must be a non-empty mapping of label to DataFrame, got "
                        f"{type(frames).__name__}")
    columns = None
    for label, frame in frames.items():
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"frames[{label!r}] must be a pandas DataFrame, got "
                            f"{type(frame).__name__}")
        if columns is None:
            columns = list(frame.columns)
        elif list(frame.columns) != columns:
            raise ValueError(f"frames[{label!r}] has columns {list(frame.columns)}, the first "
                             f"frame {columns}: every frame needs the same columns")
    if isinstance(width, bool) or not isinstance(width, numbers.Real) or not 0 < width <= 1:
        raise ValueError(f"width must be in (0, 1], got {width!r}")
    colours = _colours_for(list(frames), colours)
    if ax is None:
        _, ax = _new_figure(1, width=7, height=3.6)
    for i, (label, frame) in enumerate(frames.items()):
        positions = np.arange(frame.shape[1]) + (i - (len(frames) - 1) / 2) * width
        ax.bar(positions, frame.mean(), width, yerr=frame.std(ddof=1), capsize=3,
               color=colours[label], alpha=0.7, label=label)
        for position, column in zip(positions, frame.columns):
            ax.plot(np.full(len(frame), position), frame[column], ".", color="0.2",
                    markersize=3)
    ax.set_xticks(np.arange(len(columns)), [str(c) for c in columns])
    return ax
