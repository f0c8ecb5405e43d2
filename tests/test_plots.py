"""Tests for lossguide.plots: style, opaque figures, and each figure helper."""

import io
import os
import re
import sys
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from lossguide import plots, registry  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- style ----------------------------------------------------------------------


def test_use_style_is_idempotent_and_sets_white_face():
    plots.use_style()
    first = {key: matplotlib.rcParams[key] for key in plots.STYLE}
    plots.use_style()
    assert {key: matplotlib.rcParams[key] for key in plots.STYLE} == first
    assert matplotlib.rcParams["figure.facecolor"] == "white"
    assert matplotlib.rcParams["savefig.transparent"] is False
    assert list(matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]) == list(plots.OKABE_ITO)


def test_use_style_does_not_import_tensorflow():
    import subprocess

    code = "import lossguide.plots as p, sys; p.use_style(); print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    # The caller's environment plus a headless backend: no bytecode is written
    # into the tree (PYTHONDONTWRITEBYTECODE, as make test sets it).
    environment = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=environment)
    assert out.stdout.strip() == "False False"


def test_style_overrides_a_transparent_inline_default():
    # Older matplotlib-inline set a transparent figure.facecolor in InlineBackend.rc.
    matplotlib.rcParams["figure.facecolor"] = (1, 1, 1, 0)
    plots.use_style()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    assert fig.get_facecolor() == (1.0, 1.0, 1.0, 1.0)


def _png_alpha(fig):
    """Render like IPython's inline backend does and return the alpha channel."""
    from IPython.core.pylabtools import print_figure

    data = print_figure(fig, "png", bbox_inches="tight")
    return matplotlib.image.imread(io.BytesIO(data), format="png")[..., 3]


def test_figures_are_opaque_even_without_the_style():
    with matplotlib.rc_context({"figure.facecolor": (1, 1, 1, 0), "savefig.facecolor": "auto"}):
        ax = plots.compare_bars({"a": [1.0, 2.0]})
        assert np.all(_png_alpha(ax.figure) == 1.0)


# --- learning_curves ------------------------------------------------------------


def _fake_result(metric="accuracy", seeds=(0, 1, 2), epochs=5, name="circles / hinge"):
    rows = []
    for seed in seeds:
        for epoch in range(1, epochs + 1):
            rows.append({
                "seed": seed,
                "epoch": epoch,
                "train_loss": 1.0 / epoch + 0.1 * seed,
                "test_loss": 1.2 / epoch + 0.1 * seed,
                f"train_{metric}": 1 - 0.5 / epoch - 0.01 * seed,
                f"test_{metric}": 1 - 0.6 / epoch - 0.01 * seed,
            })
    return SimpleNamespace(history=pd.DataFrame(rows), metric=metric,
                           experiment=SimpleNamespace(name=name))


def _band_limits(ax):
    """(low, high) of each filled band, in drawing order."""
    limits = []
    for collection in ax.collections:
        vertices = collection.get_paths()[0].vertices[:, 1]
        limits.append((vertices.min(), vertices.max()))
    return limits


def test_learning_curves_mean_and_minmax():
    result = _fake_result()
    fig = plots.learning_curves(result)
    assert len(fig.axes) == 2
    loss_ax, metric_ax = fig.axes
    assert loss_ax.get_xlabel() == metric_ax.get_xlabel() == "epoch"
    assert metric_ax.get_ylabel() == "accuracy"
    assert fig.get_suptitle() == "circles / hinge: mean of 3 seeds, band min–max"
    train_line = loss_ax.get_lines()[0]
    np.testing.assert_allclose(train_line.get_xdata(), [1, 2, 3, 4, 5])
    np.testing.assert_allclose(train_line.get_ydata(), 1.0 / np.arange(1, 6) + 0.1)
    low, high = _band_limits(loss_ax)[0]  # train band: epochs 1..5, seeds 0..2
    assert low == pytest.approx(1.0 / 5) and high == pytest.approx(1.0 + 0.2)
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["train", "test"]


def test_learning_curves_sd_band_and_title():
    result = _fake_result(metric="mse")
    fig = plots.learning_curves(result, band="sd", title="custom")
    assert fig.get_suptitle() == "custom: mean of 3 seeds, band ±1 sd"
    assert fig.axes[1].get_ylabel() == "MSE"
    low, high = _band_limits(fig.axes[0])[0]
    sd = np.std([0.0, 0.1, 0.2], ddof=1)
    assert high - low == pytest.approx((1.0 + 0.1 + sd) - (0.2 + 0.1 - sd))


def test_learning_curves_one_seed():
    fig = plots.learning_curves(_fake_result(seeds=(7,)), band="sd")
    assert "mean of 1 seed," in fig.get_suptitle()
    assert all(np.isfinite(low) for low, _ in _band_limits(fig.axes[0]))


def test_learning_curves_errors():
    with pytest.raises(ValueError, match=re.escape("band must be 'minmax' or 'sd', got 'iqr'")):
        plots.learning_curves(_fake_result(), band="iqr")
    broken = _fake_result()
    broken.history = broken.history.drop(columns="test_accuracy")
    with pytest.raises(ValueError, match=re.escape("lacks the columns ['test_accuracy']")):
        plots.learning_curves(broken)
    with pytest.raises(TypeError, match="must have a .history attribute"):
        plots.learning_curves(object())
    empty = _fake_result()
    empty.history = empty.history.iloc[:0]
    with pytest.raises(ValueError, match="result.history is empty"):
        plots.learning_curves(empty)


def test_learning_curves_warns_on_divergence():
    result = _fake_result()
    result.history.loc[4, "train_loss"] = np.nan
    with pytest.warns(UserWarning, match=r"seed 0, epoch 5"):
        plots.learning_curves(result)


def test_learning_curves_does_not_modify_history():
    result = _fake_result()
    before = result.history.copy()
    plots.learning_curves(result)
    pd.testing.assert_frame_equal(result.history, before)


# --- decision_boundary ----------------------------------------------------------


@pytest.mark.parametrize(
    "labels, rule",
    [
        ((0, 1), lambda g: (g[:, 0] > 0).astype(int)),
        ((-1, 1), lambda g: np.where(g[:, 0] > 0, 1.0, -1.0)[:, None]),
        ((0, 1, 2), lambda g: np.digitize(g[:, 0], [-0.5, 0.5])),
    ],
)
def test_decision_boundary_label_sets(labels, rule):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(60, 2))
    y = np.asarray(rule(x)).reshape(-1)
    ax = plots.decision_boundary(rule, x, y, title="t", resolution=50)
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [f"y = {v}" for v in labels]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title() == "t"
    # One scatter per class, coloured consistently with the regions.
    scatters = [c for c in ax.collections if c.get_offsets().shape[0] > 0 and c.get_label().startswith("y =")]
    assert len(scatters) == len(labels)
    for scatter, colour in zip(scatters, plots.OKABE_ITO):
        assert matplotlib.colors.to_hex(scatter.get_facecolor()[0]) == colour.lower()


def test_decision_boundary_grid_covers_points():
    x = np.array([[0.0, 0.0], [10.0, 2.0]])
    seen = {}

    def classify(grid):
        seen["grid"] = grid
        return np.zeros(len(grid))

    plots.decision_boundary(classify, x, [0, 0], resolution=20)
    grid = seen["grid"]
    assert grid.shape == (400, 2)
    assert grid[:, 0].min() < 0 < 10 < grid[:, 0].max()
    assert grid[:, 1].min() < 0 < 2 < grid[:, 1].max()


def test_decision_boundary_errors():
    x = np.zeros((4, 2))
    y = [0, 1, 0, 1]
    with pytest.raises(ValueError, match=re.escape("x must have shape (n, 2) with n >= 1, got (4, 3)")):
        plots.decision_boundary(lambda g: g[:, 0], np.zeros((4, 3)), y)
    with pytest.raises(ValueError, match=re.escape("y must have shape (4,) to match x (4, 2), got (3,)")):
        plots.decision_boundary(lambda g: g[:, 0], x, [0, 1, 0])
    with pytest.raises(ValueError, match="classify must return 100 labels"):
        plots.decision_boundary(lambda g: np.zeros((len(g), 2)), x, y, resolution=10)
    with pytest.raises(ValueError, match="not scores"):
        plots.decision_boundary(lambda g: g[:, 0], np.random.default_rng(0).normal(size=(4, 2)), y, resolution=10)
    with pytest.raises(TypeError, match="classify must be callable"):
        plots.decision_boundary("model", x, y)
    with pytest.raises(ValueError, match="resolution must be an integer >= 2"):
        plots.decision_boundary(lambda g: g[:, 0] * 0, x, y, resolution=1)


# --- compare_bars ---------------------------------------------------------------


def test_compare_bars_values():
    table = pd.DataFrame({"mse": [1.0, 2.0, 3.0], "mae": [4.0, 4.0, 4.0]})
    ax = plots.compare_bars(table, xlabel="test loss", title="final")
    widths = [patch.get_width() for patch in ax.patches]
    assert widths == pytest.approx([2.0, 4.0])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["mse", "mae"]
    assert ax.get_xlabel() == "test loss" and ax.get_title() == "final"
    # Every seed drawn as a point.
    assert sum(len(line.get_xdata()) for line in ax.get_lines() if line.get_marker() == "o") == 6


def test_compare_bars_errors():
    with pytest.raises(ValueError, match=re.escape("values['b'] contains NaN")):
        plots.compare_bars({"a": [1.0], "b": [np.nan]})
    with pytest.raises(ValueError, match="values is empty"):
        plots.compare_bars({})
    with pytest.raises(TypeError, match="mapping or a DataFrame"):
        plots.compare_bars([1, 2])


# --- loss_vs_prediction ---------------------------------------------------------


def _numeric_slope(line):
    x, y = line.get_xdata(), line.get_ydata()
    return np.gradient(y, x)


def test_loss_vs_prediction_regression():
    loss_ax, grad_ax = plots.loss_vs_prediction(["mse", "mae"], 1.0)
    labels = [line.get_label() for line in loss_ax.get_lines()]
    assert labels == ["mse", "mae"]
    mse_line = loss_ax.get_lines()[0]
    np.testing.assert_allclose(mse_line.get_ydata(), (mse_line.get_xdata() - 1.0) ** 2)
    np.testing.assert_allclose(grad_ax.get_lines()[0].get_ydata(), 2 * (mse_line.get_xdata() - 1.0))
    assert loss_ax.get_xlabel() == grad_ax.get_xlabel() == r"prediction $\hat{y}$"
    assert "1" in loss_ax.get_title()
    # Same colour for a loss in both panels.
    assert loss_ax.get_lines()[1].get_color() == grad_ax.get_lines()[1].get_color()


def test_loss_vs_prediction_options_and_adding_to_axes():
    axes = plots.loss_vs_prediction("huber", 0.0, delta=0.5)
    again = plots.loss_vs_prediction("mse", 0.0, ax=axes)
    assert tuple(again) == tuple(axes)
    assert [line.get_label() for line in axes[0].get_lines()] == ["huber (delta=0.5)", "mse"]
    assert axes[0].get_lines()[0].get_color() != axes[0].get_lines()[1].get_color()


def test_loss_vs_prediction_logits_gradient_matches_loss():
    loss_ax, grad_ax = plots.loss_vs_prediction("binary_crossentropy", 1.0, from_logits=True)
    assert loss_ax.get_xlabel() == "logit $z$"
    line = loss_ax.get_lines()[0]
    assert line.get_xdata().min() == -6 and line.get_xdata().max() == 6
    np.testing.assert_allclose(grad_ax.get_lines()[0].get_ydata()[1:-1], _numeric_slope(line)[1:-1], atol=2e-3)


def test_loss_vs_prediction_probability_range():
    loss_ax, _ = plots.loss_vs_prediction(["binary_crossentropy", "mse"], 0.0)
    x = loss_ax.get_lines()[0].get_xdata()
    assert 0 < x.min() and x.max() < 1


@pytest.mark.parametrize("target", [1, -1, 0])
def test_loss_vs_prediction_margin(target):
    loss_ax, grad_ax = plots.loss_vs_prediction("hinge", target, margin=True)
    line = loss_ax.get_lines()[0]
    m = line.get_xdata()
    np.testing.assert_allclose(line.get_ydata(), np.maximum(0.0, 1.0 - m))
    slope = grad_ax.get_lines()[0].get_ydata()
    assert np.all(slope[m < 0.99] == -1.0) and np.all(slope[m > 1.01] == 0.0)
    assert "margin" in loss_ax.get_xlabel()


def test_loss_vs_prediction_errors():
    with pytest.raises(ValueError, match="nonexistent"):
        plots.loss_vs_prediction("nonexistent", 0.0)
    with pytest.raises(TypeError, match="y_true must be a finite real number"):
        plots.loss_vs_prediction("mse", [0.0, 1.0])
    with pytest.raises(TypeError, match="y_true must be a finite real number"):
        plots.loss_vs_prediction("mse", float("nan"))
    with pytest.raises(TypeError, match="non-empty list of names"):
        plots.loss_vs_prediction([], 0.0)


def test_loss_vs_prediction_argument_errors():
    with pytest.raises(ValueError, match=re.escape("1-D array of at least 2 values, got shape (2, 2)")):
        plots.loss_vs_prediction("mse", 0.0, predictions=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="y_true must be -1, 0 or 1 when margin=True, got 0.5"):
        plots.loss_vs_prediction("hinge", 0.5, margin=True)
    with pytest.raises(TypeError, match="ax must be a pair"):
        plots.loss_vs_prediction("mse", 0.0, ax=plt.gca())



def test_loss_vs_prediction_labels_each_curve():
    loss_axes, gradient_axes = plots.loss_vs_prediction("binary_crossentropy", 1.0, label="y = 1")
    plots.loss_vs_prediction("binary_crossentropy", 0.0, ax=(loss_axes, gradient_axes),
                             label="y = 0")
    for ax in (loss_axes, gradient_axes):
        assert [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")] \
            == ["y = 1", "y = 0"]
    with pytest.raises(ValueError, match="one label per loss: 2 loss"):
        plots.loss_vs_prediction(["mse", "mae"], 0.0, label="both")
    with pytest.raises(TypeError, match="label must be a string"):
        plots.loss_vs_prediction("mse", 0.0, label=3)


@pytest.mark.parametrize("name", registry.NAMES)
def test_every_loss_plots_on_its_default_domain(name):
    spec = registry.get(name)
    y_true = {"signs": 1.0, "counts": 2.0, "positive": 2.0, "class_index": 1.0}.get(spec.y_true, 1.0)
    if spec.structure == "vector":
        pytest.skip("vector losses need a whole row: loss_vs_prediction plots one output")
    options = {"pos_weight": 2.0} if name == "weighted_binary_crossentropy" else {}
    loss_axes, _ = plots.loss_vs_prediction(name, y_true, **options)
    x = loss_axes.get_lines()[0].get_xdata()
    expected = registry.prediction_grid(spec.plot_domain, y_true)
    np.testing.assert_array_equal(x, expected)


# --- reliability_diagram --------------------------------------------------------

RELIABILITY_Y = [0, 1, 1, 0, 1, 1]
RELIABILITY_P = [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.4, 0.6], [0.1, 0.9], [0.6, 0.4]]


def _model_lines(ax):
    return [line for line in ax.get_lines() if line.get_gid() != plots._DIAGONAL_GID]


def test_reliability_diagram_points_counts_diagonal_and_ece():
    diagram, counts = plots.reliability_diagram(RELIABILITY_Y, RELIABILITY_P, n_bins=5, label="net",
                                                title="calibration")
    # by hand, bins of 0.2: confidences 0.6, 0.6 (both wrong), 0.8, 0.7 (right), 0.9, 0.9 (right)
    (line,) = _model_lines(diagram)
    np.testing.assert_allclose(line.get_xdata(), [0.6, 0.75, 0.9])
    np.testing.assert_allclose(line.get_ydata(), [0.0, 1.0, 1.0])
    # ECE = (2 * 0.6 + 2 * 0.25 + 2 * 0.1) / 6
    assert [t.get_text() for t in diagram.get_legend().get_texts()] == [
        "perfect calibration", f"net: ECE = {1.9 / 6:.3f}"]
    diagonal = [line for line in diagram.get_lines() if line.get_gid() == plots._DIAGONAL_GID]
    assert len(diagonal) == 1 and list(diagonal[0].get_xdata()) == list(diagonal[0].get_ydata()) == [0, 1]
    # the counts panel: one step patch per bin value, empty bins at 0
    filled, _outline = counts.patches
    assert np.allclose(np.unique(filled.get_path().vertices[:, 1]), [0.0, 2.0])
    assert diagram.get_title() == "calibration"
    assert counts.get_ylabel() == "samples" and "confidence" in counts.get_xlabel()
    assert diagram.get_ylabel() == "accuracy in bin"
    assert diagram.figure is counts.figure and len(diagram.figure.axes) == 2


def test_reliability_diagram_overlays_models_on_the_same_axes():
    axes = plots.reliability_diagram(RELIABILITY_Y, RELIABILITY_P, n_bins=5, label="a")
    again = plots.reliability_diagram(RELIABILITY_Y, [[0.5, 0.5]] * 6, n_bins=5, ax=axes, label="b")
    assert tuple(again) == tuple(axes)
    diagram, counts = axes
    texts = [t.get_text() for t in diagram.get_legend().get_texts()]
    # b: the tie (0.5, 0.5) goes to class 0, right on 2 of 6: |2/6 - 0.5|
    assert texts == ["perfect calibration", "a: ECE = 0.317", "b: ECE = 0.167"]
    first, second = _model_lines(diagram)
    assert first.get_color() != second.get_color()
    # the taller second histogram (6 samples in one bin) still fits the counts panel
    assert counts.get_ylim()[1] >= 6


def test_reliability_diagram_binary_views_and_empty_bins():
    y = [0, 1, 1, 0, 1]
    p = [0.05, 0.95, 0.9, 0.15, 0.55]
    diagram, _ = plots.reliability_diagram(y, p, n_bins=10, label="top")
    (line,) = _model_lines(diagram)
    assert np.all(np.isfinite(line.get_ydata())) and len(line.get_xdata()) == 3  # 7 empty bins skipped
    diagram, _ = plots.reliability_diagram(y, p, n_bins=10, view="positive")
    (line,) = _model_lines(diagram)
    from sklearn.calibration import calibration_curve

    fraction, mean = calibration_curve(y, p, n_bins=10)
    np.testing.assert_allclose(line.get_xdata(), mean)
    np.testing.assert_allclose(line.get_ydata(), fraction)
    assert diagram.get_ylabel() == "fraction of positives"
    assert diagram.get_legend().get_texts()[1].get_text().startswith("weighted gap = ")


def test_reliability_diagram_errors():
    with pytest.raises(TypeError, match="ax must be a pair"):
        plots.reliability_diagram(RELIABILITY_Y, RELIABILITY_P, ax=plt.gca())
    with pytest.raises(TypeError, match="label must be a string"):
        plots.reliability_diagram(RELIABILITY_Y, RELIABILITY_P, label=3)
    with pytest.raises(ValueError, match="n_bins must be an integer >= 1, got 0"):
        plots.reliability_diagram(RELIABILITY_Y, RELIABILITY_P, n_bins=0)
    with pytest.raises(ValueError, match=re.escape("rows of y_prob must sum to 1")):
        plots.reliability_diagram([0], [[0.2, 0.2]])


def test_reliability_diagram_is_opaque_and_leaves_inputs_alone():
    y, p = np.array(RELIABILITY_Y), np.array(RELIABILITY_P)
    diagram, _ = plots.reliability_diagram(y, p)
    assert np.all(_png_alpha(diagram.figure) == 1.0)
    np.testing.assert_array_equal(p, RELIABILITY_P)
    np.testing.assert_array_equal(y, RELIABILITY_Y)


# --- precision_recall and grouped_bars -------------------------------------------------------


def test_precision_recall_draws_scikit_learns_curves_and_the_operating_points():
    from sklearn.metrics import precision_recall_curve, roc_curve

    rng = np.random.default_rng(0)
    y = (rng.random(200) < 0.2).astype(float)
    scores = {"good": y + rng.normal(0, 0.5, 200), "weak": y + rng.normal(0, 2.0, 200)}
    axes = plots.precision_recall(y, scores, thresholds={"good": 0.5},
                                  colours={"good": "red", "weak": "blue"})
    pr, roc = axes
    precision, recall, _ = precision_recall_curve(y, scores["good"])
    np.testing.assert_array_equal(pr.lines[0].get_xdata(), recall)
    np.testing.assert_array_equal(pr.lines[0].get_ydata(), precision)
    false_positive, true_positive, _ = roc_curve(y, scores["weak"])
    np.testing.assert_array_equal(roc.lines[1].get_xdata(), false_positive)
    point = scores["good"] >= 0.5
    dot = pr.lines[2]
    assert dot.get_marker() == "o" and dot.get_zorder() == 5
    assert dot.get_xdata()[0] == y[point].sum() / y.sum() and dot.get_ydata()[0] == y[point].mean()
    assert pr.lines[0].get_color() == "red"
    assert [t.get_text() for t in pr.get_legend().get_texts()] == [
        "good", "weak", f"random (π = {y.mean():.2f})"]
    assert (pr.get_xlabel(), roc.get_xlabel()) == ("recall", "false-positive rate")


@pytest.mark.parametrize("call, error, message", [
    (lambda: plots.precision_recall([0, 0, 0], {"m": [0.1, 0.2, 0.3]}), ValueError,
     "y_true must hold both labels 0 and 1 (and nothing else), got [0.0]"),
    (lambda: plots.precision_recall([0, 1, 1], {"m": [0.1, 0.2]}), ValueError,
     "scores['m'] must have 3 values like y_true, got shape (2,)"),
    (lambda: plots.precision_recall([0, 1, 1], {"m": [0.1, np.nan, 0.2]}), ValueError,
     "scores['m'] contains NaN or infinite values"),
    (lambda: plots.precision_recall([0, 1, 1], [0.1, 0.2, 0.3]), TypeError,
     "scores must be a non-empty mapping of label to scores, got list"),
    (lambda: plots.precision_recall([0, 1, 1], {"m": [0.1, 0.2, 0.3]}, thresholds={"n": 0.5}),
     ValueError, "thresholds names ['n'], which scores lacks; it has ['m']"),
    (lambda: plots.precision_recall([0, 1, 1], {"m": [0.1, 0.2, 0.3]}, colours={"n": "red"}),
     ValueError, "colours has no colour for ['m']; it has ['n']"),
    (lambda: plots.precision_recall([0, 1, 1], {"m": [0.1, 0.2, 0.3]}, thresholds={"m": np.nan}),
     ValueError, "thresholds['m'] must be one finite number, got nan"),
    (lambda: plots.precision_recall([0, 1, 1], {"m": [0.1, 0.2, 0.3]},
                                    thresholds={"m": [0.4, 0.5]}),
     ValueError, "thresholds['m'] must be one finite number, got [0.4, 0.5]"),
    (lambda: plots.precision_recall([0, 1, 1], {"m": [0.1, 0.2, 0.3]}, thresholds={"m": "0.5"}),
     ValueError, "thresholds['m'] must be one finite number, got '0.5'"),
])
def test_precision_recall_names_bad_input(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_grouped_bars_draws_mean_and_sd_per_column_and_every_seed():
    frames = {"A": pd.DataFrame({0: [0.9, 0.8, 0.7], 1: [0.2, 0.3, 0.1]}),
              "B": pd.DataFrame({0: [0.7, 0.6, 0.5], 1: [0.5, 0.4, 0.6]})}
    ax = plots.grouped_bars(frames, colours={"A": "red", "B": "blue"}, width=0.3)
    bars = ax.patches
    assert len(bars) == 4
    heights = [bar.get_height() for bar in bars]
    np.testing.assert_allclose(heights, [0.8, 0.2, 0.6, 0.5])
    centres = [bar.get_x() + bar.get_width() / 2 for bar in bars]
    np.testing.assert_allclose(centres, [-0.15, 0.85, 0.15, 1.15])
    dots = [line for line in ax.lines if line.get_marker() == "."]
    assert len(dots) == 4 and all(len(line.get_ydata()) == 3 for line in dots)
    assert ax.get_legend_handles_labels()[1] == ["A", "B"]


@pytest.mark.parametrize("call, error, message", [
    (lambda: plots.grouped_bars({}), TypeError, "frames must be a non-empty mapping"),
    (lambda: plots.grouped_bars({"A": [1, 2]}), TypeError,
     "frames['A'] must be a pandas DataFrame, got list"),
    (lambda: plots.grouped_bars({"A": pd.DataFrame({0: [1.0]}), "B": pd.DataFrame({1: [1.0]})}),
     ValueError, "frames['B'] has columns [1], the first frame [0]: every frame needs the same "
     "columns"),
    (lambda: plots.grouped_bars({"A": pd.DataFrame({0: [1.0]})}, width=0), ValueError,
     "width must be in (0, 1], got 0"),
])
def test_grouped_bars_names_bad_input(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()
