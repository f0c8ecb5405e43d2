r"""Paired comparisons of per-seed scores: the book's one rule for "X beats Y".

Every experiment in the book is run over several seeds, and a seed fixes the
initial weights and the batch order for every loss of a problem: seed ``s`` of
loss A and seed ``s`` of loss B start from the same network and see the same
batches. Their scores are therefore *paired*, and the right question is about
the per-seed differences :math:`d_s = a_s - b_s`, not about two separate
spreads. :func:`compare` computes

.. math::

    \bar d = \frac1n \sum_s d_s, \qquad
    s_d = \sqrt{\frac{1}{n-1}\sum_s (d_s - \bar d)^2}, \qquad
    \bar d \pm t_{n-1,\,(1+c)/2}\,\frac{s_d}{\sqrt n}

(the t-interval of the mean difference at confidence :math:`c`) and the
two-sided paired t-test's p-value, exactly as ``scipy.stats.ttest_rel``. A side
*wins* only when the interval excludes 0 in its favour; otherwise the verdict
is ``"neither"``: the data do not show a difference of either sign (which is
not the same as showing there is none: read the interval's width).

When a chapter makes several comparisons at once, :func:`holm` adjusts their
p-values (Holm's step-down method, which controls the chance of *any* false
"win" among them) and :func:`table` shows both.

Examples
--------
>>> from lossguide import stats
>>> result = stats.compare([0.80, 0.82, 0.81], [0.78, 0.81, 0.79], better="higher")
>>> result.verdict, result.wins_a, round(result.difference, 4)
('a', 3, 0.0167)
>>> print(stats.mean_sd([0.80, 0.82, 0.81]))
0.810 ± 0.010
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
import numbers

import numpy as np

__all__ = ["Comparison", "against_baseline", "compare", "holm", "mean_sd", "spread", "table",
           "verdicts"]

_BETTER = ("lower", "higher")


@dataclasses.dataclass(frozen=True)
class Comparison:
    r"""The paired comparison of two per-seed score vectors ``a`` and ``b``.

    Attributes
    ----------
    n : int
        Number of paired seeds.
    mean_a, mean_b : float
        Mean score of each side.
    difference : float
        Mean of the paired differences :math:`a_s - b_s` (equals ``mean_a - mean_b``).
    ci_low, ci_high : float
        The t-interval of the mean difference at ``confidence``.
    p_value : float
        Two-sided paired t-test (``scipy.stats.ttest_rel``); 1 for identical
        scores, 0 for a constant non-zero difference.
    wins_a, wins_b : int
        Seeds on which each side is strictly better.
    verdict : str
        ``"a"`` or ``"b"`` when the interval excludes 0 in that side's favour,
        else ``"neither"``.
    better : str
        ``"lower"`` or ``"higher"``: which scores are better.
    confidence : float
        Confidence level of the interval, e.g. 0.95.
    p_holm : float or None
        The Holm-adjusted p-value when the comparison is one of several
        (:func:`holm`); then the verdict is decided by ``p_holm < 1 - confidence``.
    """

    n: int
    mean_a: float
    mean_b: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    wins_a: int
    wins_b: int
    verdict: str
    better: str
    confidence: float
    p_holm: float | None = None

    def outcome(self, name_a: str = "a", name_b: str = "b") -> str:
        """The verdict as a short phrase for a table cell: ``"<winner> lower"`` or ``"neither"``.

        Examples
        --------
        >>> compare([0.2, 0.3, 0.5, 0.4], [0.3, 0.5, 0.6, 0.45]).outcome("MAE", "MSE")
        'MAE lower'
        """
        if self.verdict == "neither":
            return "no detectable difference"
        return f"{name_a if self.verdict == 'a' else name_b} {self.better}"

    def describe(self, name_a: str = "a", name_b: str = "b", metric: str = "score",
                 digits: int = 3, *, neutral: bool = False) -> str:
        """One sentence a chapter can glue: the verdict, then the numbers behind it.

        The winner is named first, with its own win count first; the difference
        is always written out as ``name_a − name_b`` so its sign cannot be
        misread. A comparison that wins alone but not after Holm's correction
        says so. With ``neutral=True`` the seed counts say "higher"/"lower"
        instead of "better", for quantities where more is not better (e.g. a
        model's confidence).

        Examples
        --------
        >>> compare([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]).describe("MSE", "MAE", "test loss")
        'no detectable difference in test loss between MSE and MAE (MSE − MAE = 0.000, 95 % CI [0.000, 0.000], p = 1; MSE better on 0 and MAE on 0 of 3 seeds)'
        >>> compare([0.2, 0.3, 0.5, 0.4], [0.3, 0.5, 0.6, 0.45]).describe("MAE", "MSE", "test MSE")
        'MAE has a lower test MSE than MSE (MAE − MSE = -0.112, 95 % CI [-0.213, -0.012], p = 0.037; MAE better on 4 and MSE on 0 of 4 seeds)'
        """
        level = f"{100 * self.confidence:g} %"
        numbers_part = (
            f"{name_a} − {name_b} = {self.difference:.{digits}f}, {level} CI "
            f"[{self.ci_low:.{digits}f}, {self.ci_high:.{digits}f}], p = {_format_p(self.p_value)}"
        )
        if self.p_holm is not None:
            numbers_part += f", Holm-adjusted {_format_p(self.p_holm)}"
        word = self.better if neutral else "better"
        if self.verdict == "b":
            counts = f"{name_b} {word} on {self.wins_b} and {name_a} on {self.wins_a}"
        else:
            counts = f"{name_a} {word} on {self.wins_a} and {name_b} on {self.wins_b}"
        numbers_part += f"; {counts} of {self.n} seeds"
        if self.verdict == "neither":
            alone = _verdict(self.ci_low, self.ci_high, self.better)
            if self.p_holm is not None and alone != "neither":
                return (f"no difference in {metric} between {name_a} and {name_b} that survives "
                        f"Holm's correction for the comparisons made together ({numbers_part})")
            return f"no detectable difference in {metric} between {name_a} and {name_b} ({numbers_part})"
        winner, loser = (name_a, name_b) if self.verdict == "a" else (name_b, name_a)
        return f"{winner} has a {self.better} {metric} than {loser} ({numbers_part})"


def _format_p(p: float) -> str:
    if p == 0:
        return "0"
    if p >= 0.01:
        return f"{p:.2g}"
    return f"{p:.1e}"


def _as_scores(values, name: str) -> np.ndarray:
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a sequence of numbers, got {type(values).__name__}")
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a sequence of real numbers, got {values!r}") from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one score per seed), got shape {array.shape}")
    if not np.isfinite(array).all():
        position = int(np.argmin(np.isfinite(array)))
        raise ValueError(f"{name} contains {array[position]} at position {position}")
    return array


def _check_better(better) -> str:
    if better not in _BETTER:
        raise ValueError(f"better must be 'lower' or 'higher', got {better!r}")
    return better


def _check_confidence(confidence) -> float:
    if (isinstance(confidence, bool) or not isinstance(confidence, numbers.Real)
            or not 0.0 < float(confidence) < 1.0):
        raise ValueError(f"confidence must be a number strictly between 0 and 1, got {confidence!r}")
    return float(confidence)


def compare(a, b, *, better: str = "lower", confidence: float = 0.95) -> Comparison:
    r"""Compare two losses' per-seed scores, paired by seed.

    .. math::

        \begin{aligned}
        d_s &= a_s - b_s,\\
        \text{CI} &= \bar d \pm t_{n-1,(1+c)/2}\, s_d/\sqrt n,\\
        \text{verdict} &= \begin{cases}
        a & \text{CI entirely on } a\text{'s better side of } 0\\
        b & \text{CI entirely on } b\text{'s better side}\\
        \text{neither} & \text{otherwise}\end{cases}
        \end{aligned}

    Parameters
    ----------
    a, b : sequence of float
        One score per seed, the same seeds in the same order (e.g.
        ``result.final["test_mse"]`` of two :class:`~lossguide.experiments.Result`).
    better : {"lower", "higher"}
        ``"lower"`` for losses and errors, ``"higher"`` for accuracies.
    confidence : float in (0, 1)
        Confidence level of the interval; the verdict corresponds to a
        two-sided test at level ``1 - confidence``.

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        Different lengths, fewer than 2 seeds, NaN or inf, 2-D input, a bad
        ``better`` or ``confidence``.

    Examples
    --------
    >>> c = compare([0.10, 0.12, 0.11, 0.13], [0.12, 0.13, 0.13, 0.15])
    >>> c.verdict, c.wins_a, c.wins_b
    ('a', 4, 0)
    >>> round(c.p_value, 4), round(c.ci_low, 4), round(c.ci_high, 4)
    (0.006, -0.0255, -0.0095)
    """
    better = _check_better(better)
    confidence = _check_confidence(confidence)
    scores_a, scores_b = _as_scores(a, "a"), _as_scores(b, "b")
    if scores_a.size != scores_b.size:
        raise ValueError(
            f"a and b must hold one score per seed for the same seeds: got {scores_a.size} "
            f"and {scores_b.size} values"
        )
    n = scores_a.size
    if n < 2:
        raise ValueError(f"a paired comparison needs at least 2 seeds, got {n}")
    from scipy import stats as scipy_stats

    differences = scores_a - scores_b
    mean_difference = float(differences.mean())
    sd = float(differences.std(ddof=1))
    if sd == 0.0 or not np.isfinite(sd):
        # Every seed differs by the same amount: no spread, so the interval is
        # the point itself; p is 1 for no difference, 0 for a constant one.
        low = high = mean_difference
        p_value = 1.0 if mean_difference == 0.0 else 0.0
    else:
        half_width = scipy_stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
        low, high = mean_difference - half_width, mean_difference + half_width
        p_value = float(scipy_stats.ttest_rel(scores_a, scores_b).pvalue)
    a_better = scores_a < scores_b if better == "lower" else scores_a > scores_b
    b_better = scores_b < scores_a if better == "lower" else scores_b > scores_a
    return Comparison(
        n=n,
        mean_a=float(scores_a.mean()),
        mean_b=float(scores_b.mean()),
        difference=mean_difference,
        ci_low=float(low),
        ci_high=float(high),
        p_value=p_value,
        wins_a=int(a_better.sum()),
        wins_b=int(b_better.sum()),
        verdict=_verdict(low, high, better),
        better=better,
        confidence=confidence,
    )


def _verdict(low: float, high: float, better: str) -> str:
    if high < 0:  # a - b < 0 for the whole interval: a is lower
        return "a" if better == "lower" else "b"
    if low > 0:
        return "b" if better == "lower" else "a"
    return "neither"


def holm(comparisons):
    r"""Holm's step-down correction for several comparisons made at once.

    With the p-values sorted, :math:`p_{(1)} \le \dots \le p_{(m)}`, the adjusted
    values are :math:`\tilde p_{(i)} = \max_{j \le i} \min(1, (m - j + 1)\,p_{(j)})`;
    a comparison keeps its winner only if :math:`\tilde p < 1 - c`, so that the
    chance of any false winner among the ``m`` stays below :math:`1 - c`.

    Parameters
    ----------
    comparisons : dict of str to Comparison, or sequence of Comparison
        Made with the same ``confidence``.

    Returns
    -------
    dict or list
        The same container type, each :class:`Comparison` with ``p_holm`` set
        and its verdict re-decided by it (the intervals are left per comparison).

    Examples
    --------
    >>> first = compare([1.0, 2.0, 3.0, 4.0], [1.5, 2.4, 3.6, 4.4])
    >>> second = compare([1.0, 2.0, 3.0, 4.0], [1.1, 1.9, 3.2, 3.9])
    >>> [round(c.p_holm, 4) for c in holm([first, second])]
    [0.0044, 0.7608]
    """
    is_mapping = isinstance(comparisons, dict)
    items = list(comparisons.values()) if is_mapping else list(comparisons)
    if not items or not all(isinstance(c, Comparison) for c in items):
        raise TypeError("comparisons must be a non-empty dict or list of Comparison")
    levels = {c.confidence for c in items}
    if len(levels) != 1:
        raise ValueError(f"comparisons must share one confidence level, got {sorted(levels)}")
    alpha = 1.0 - levels.pop()
    m = len(items)
    order = sorted(range(m), key=lambda i: items[i].p_value)
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * items[index].p_value))
        adjusted[index] = running
    corrected = []
    for comparison, p in zip(items, adjusted):
        verdict = comparison.verdict if p < alpha else "neither"
        corrected.append(dataclasses.replace(comparison, p_holm=p, verdict=verdict))
    if is_mapping:
        return dict(zip(comparisons.keys(), corrected))
    return corrected


def table(comparisons, *, digits: int = 4, names=("a", "b"), means: bool = False):
    """A DataFrame of comparisons: paired difference, interval, p, wins, verdict.

    Parameters
    ----------
    comparisons : dict of str to Comparison
        Keys label the rows, e.g. ``"huber vs mse"``.
    digits : int
        Rounding of the scores and differences.
    names : pair of str
        Column labels for the two sides.
    means : bool
        Also show each side's mean (off by default: the per-loss tables show
        them, and the comparison table stays narrow enough for the page).

    Returns
    -------
    pandas.DataFrame
        With a ``p (Holm)`` column when the comparisons were adjusted by
        :func:`holm`; its ``attrs["note"]`` says which correction was applied.

    Examples
    --------
    >>> t = table({"x vs y": compare([1.0, 2.0, 3.0], [1.5, 2.4, 3.6])})
    >>> list(t.columns)
    ['a − b', '95 % CI', 'p', 'seeds a better', 'lower (verdict)']
    """
    import pandas as pd

    if not isinstance(comparisons, dict) or not comparisons:
        raise TypeError("comparisons must be a non-empty dict of label -> Comparison")
    first, second = names
    rows = {}
    adjusted = any(c.p_holm is not None for c in comparisons.values())
    mixed = len({c.better for c in comparisons.values()}) > 1
    for label, c in comparisons.items():
        level = f"{100 * c.confidence:g} % CI"
        row = {}
        if means:
            row[f"mean {first}"] = round(c.mean_a, digits)
            row[f"mean {second}"] = round(c.mean_b, digits)
        row.update({
            f"{first} − {second}": round(c.difference, digits),
            level: f"[{c.ci_low:.{digits}f}, {c.ci_high:.{digits}f}]",
            "p": _format_p(c.p_value),
        })
        if adjusted:
            row["p (Holm)"] = _format_p(c.p_holm)
        row[f"seeds {first} better"] = f"{c.wins_a}/{c.n}"
        # The winner's name (its scores are the better ones), or "neither"; one
        # column named after the direction, or a neutral name when rows mix them.
        verdict_column = f"{c.better} (verdict)" if not mixed else "verdict (the better one)"
        row[verdict_column] = {"a": first, "b": second, "neither": "neither"}[c.verdict]
        rows[label] = row
    frame = pd.DataFrame(rows).T
    frame.attrs["note"] = (
        f"paired over seeds; intervals per comparison; p adjusted by Holm over {len(comparisons)}"
        if adjusted else "paired over seeds; no multiple-comparison correction"
    )
    return frame


def mean_sd(values, digits: int = 3) -> str:
    r"""``"mean ± sd"`` of per-seed values, the sample standard deviation (ddof = 1).

    .. math:: \bar x \pm \sqrt{\tfrac{1}{n-1}\textstyle\sum (x_i - \bar x)^2}

    The sd is the spread between seeds, not the error of the mean; compare two
    losses with :func:`compare`, not by their sds.

    Examples
    --------
    >>> mean_sd([0.1, 0.2, 0.3], digits=2)
    '0.20 ± 0.10'
    """
    scores = _as_scores(values, "values")
    if scores.size < 2:
        raise ValueError(f"values needs at least 2 seeds for a standard deviation, got {scores.size}")
    return f"{scores.mean():.{digits}f} ± {scores.std(ddof=1):.{digits}f}"


def spread(values, digits: int = 3) -> str:
    """``"mean ± sd [min, max]"`` of per-seed values.

    Examples
    --------
    >>> spread([0.1, 0.2, 0.3], digits=2)
    '0.20 ± 0.10 [0.10, 0.30]'
    """
    scores = _as_scores(values, "values")
    return f"{mean_sd(scores, digits)} [{scores.min():.{digits}f}, {scores.max():.{digits}f}]"


def _check_comparisons(comparisons):
    if not isinstance(comparisons, Mapping) or not comparisons:
        raise TypeError(f"comparisons must be a non-empty mapping of label -> Comparison, got "
                        f"{type(comparisons).__name__}")
    for label, c in comparisons.items():
        if not isinstance(c, Comparison):
            raise TypeError(f"comparisons[{label!r}] must be a Comparison, got "
                            f"{type(c).__name__}")
        if not isinstance(label, str) or label.count(" vs ") != 1:
            # "A vs B vs C" would be read as "A" against "B vs C".
            raise ValueError(f"comparisons must be labelled 'X vs Y' (one ' vs '), got {label!r}")


def against_baseline(comparisons, metric: str, baseline: str) -> str:
    r"""One sentence on one metric: which challengers score higher than a baseline, lower, or neither.

    The comparisons are labelled ``"<challenger> vs <baseline>, <metric>"``
    (``a`` the challenger, ``b`` the baseline), e.g. a :func:`holm` family over
    several challengers and metrics; the verdict of each is its own (after
    Holm's correction when it carries one).  Each challenger is written with its
    difference and interval, :math:`\bar d = \bar a - \bar b` and
    :math:`[\bar d \pm t\, s_d/\sqrt n]`; one whose interval alone excludes 0
    but whose verdict is ``"neither"`` is marked "not after Holm's correction".
    "Higher" and "lower" are the scores' direction, read with each comparison's
    ``better``: with ``better="lower"`` (a Brier score, a loss) a challenger that
    wins scores *lower* than the baseline.

    Parameters
    ----------
    comparisons : dict of str to Comparison
        Labelled ``"<challenger> vs <baseline>, <metric>"``, every one with the
        same baseline.
    metric : str
        The metric of the sentence (the part of the labels after ", ").
    baseline : str
        The baseline's name as the sentence should say it, e.g. ``"plain BCE"``.

    Returns
    -------
    str
        ``"on <metric>, <X> scores higher than <baseline>; the seeds cannot tell
        <Y> and <Z> from it"``.

    Raises
    ------
    TypeError, ValueError
        For comparisons that are not a dict of Comparison, a label not of the
        form ``"X vs Y, metric"``, labels naming different baselines ``Y``
        (the message names the odd labels), or a metric no label names.

    See Also
    --------
    holm : The family's correction.
    verdicts : The same reading for pairs without a common baseline.

    Examples
    --------
    >>> family = {"A vs base, AP": compare([0.5, 0.6, 0.7], [0.4, 0.52, 0.61], better="higher"),
    ...           "B vs base, AP": compare([0.4, 0.6, 0.5], [0.4, 0.52, 0.61], better="higher")}
    >>> against_baseline(family, "AP", "the baseline")
    'on AP, A (+0.090, [+0.065, +0.115]) scores higher than the baseline; the seeds cannot tell B (-0.010, [-0.247, +0.227]) from it'
    """
    _check_comparisons(comparisons)
    if not isinstance(metric, str) or not isinstance(baseline, str):
        raise TypeError(f"metric and baseline must be str, got {metric!r} and {baseline!r}")
    groups = {"a": [], "b": [], "neither": []}
    metrics_named, baselines = [], {}
    for label, c in comparisons.items():
        if " vs " not in label or ", " not in label.split(" vs ", 1)[1]:
            raise ValueError(f"comparisons must be labelled 'X vs Y, metric', got {label!r}")
        name, rest = label.split(" vs ", 1)
        other, named = rest.split(", ", 1)
        baselines.setdefault(other, label)
        metrics_named.append(named)
        if named != metric:
            continue
        alone = c.ci_low > 0 or c.ci_high < 0  # the interval alone excludes 0
        note = "; not after Holm's correction" if c.verdict == "neither" and alone else ""
        groups[c.verdict].append(
            (f"{name} ({c.difference:+.3f}, [{c.ci_low:+.3f}, {c.ci_high:+.3f}]{note})",
             c.better))
    if len(baselines) > 1:
        first, *odd = baselines.items()
        raise ValueError(f"every label must name the same baseline Y in 'X vs Y, metric': "
                         f"{first[1]!r} names {first[0]!r}, but "
                         + ", ".join(f"{label!r} names {y!r}" for y, label in odd))
    if metric not in metrics_named:
        raise ValueError(f"metric must be one of the metrics the labels name, "
                         f"{sorted(set(metrics_named))}, got {metric!r}")
    parts = []
    for verdict in ("a", "b"):  # the challengers that beat the baseline first, then the others
        if groups[verdict]:
            for better in ("higher", "lower"):  # the winner scores higher when higher is better
                names = [text for text, b in groups[verdict] if b == better]
                if not names:
                    continue
                word = better if verdict == "a" else {"higher": "lower", "lower": "higher"}[better]
                verb = "scores" if len(names) == 1 else "score"
                parts.append(f"{' and '.join(names)} {verb} {word} than {baseline}")
                baseline = "it"
    if groups["neither"]:
        names = [text for text, _ in groups["neither"]]
        parts.append(f"the seeds cannot tell {' and '.join(names)} from {baseline}")
    return f"on {metric}, " + "; ".join(parts)


def verdicts(comparisons) -> tuple[int, str, str]:
    r"""The pairs with a winner and the pairs the seeds cannot order, as text to glue.

    For comparisons labelled ``"X vs Y"``: ``"X over Y"`` where the verdict is
    ``"a"`` (``"Y over X"`` for ``"b"``), ``"X and Y"`` where it is
    ``"neither"`` (see :func:`compare`: the interval of :math:`\bar d` excludes 0,
    or after :func:`holm`, the adjusted p-value is below :math:`1 - c`).

    Parameters
    ----------
    comparisons : dict of str to Comparison
        Labelled ``"X vs Y"``.

    Returns
    -------
    n_won : int
        How many comparisons have a winner.
    won : str
        ``"X over Y, ..."``, or ``"none"``.
    open_pairs : str
        ``"X and Y; ..."``, or ``"none"``.

    Raises
    ------
    TypeError, ValueError
        For comparisons that are not a dict of Comparison, or a label without " vs ".

    Examples
    --------
    >>> verdicts({"A vs B": compare([1.0, 2.0, 3.0], [1.5, 2.4, 3.6]),
    ...           "A vs C": compare([1.0, 2.0, 3.0], [1.1, 1.9, 3.2])})
    (1, 'A over B', 'A and C')
    """
    _check_comparisons(comparisons)
    won, open_pairs = [], []
    for label, c in comparisons.items():
        first, second = label.split(" vs ", 1)
        if c.verdict == "neither":
            open_pairs.append(f"{first} and {second}")
        else:
            won.append(f"{first} over {second}" if c.verdict == "a" else f"{second} over {first}")
    return len(won), ", ".join(won) or "none", "; ".join(open_pairs) or "none"
