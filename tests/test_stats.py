"""lg.stats: the paired comparison against scipy, its edge cases and its errors."""

import math
import re

import numpy as np
import pytest
import scipy.stats
from numpy.testing import assert_allclose

from lossguide import stats


def _rng():
    return np.random.default_rng(20261201)


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
@pytest.mark.parametrize("n", [2, 3, 10, 40])
def test_interval_and_p_value_agree_with_scipy(n, confidence):
    rng = _rng()
    a = rng.normal(0.80, 0.01, size=n)
    b = a + rng.normal(0.005, 0.006, size=n)
    c = stats.compare(a, b, better="higher", confidence=confidence)
    reference = scipy.stats.ttest_rel(a, b)
    interval = reference.confidence_interval(confidence_level=confidence)
    assert_allclose(c.p_value, reference.pvalue, rtol=1e-12)
    assert_allclose([c.ci_low, c.ci_high], [interval.low, interval.high], rtol=1e-12)
    assert_allclose(c.difference, np.mean(a - b), rtol=1e-14)
    assert c.n == n and c.mean_a == pytest.approx(a.mean()) and c.mean_b == pytest.approx(b.mean())
    # The interval excludes 0 exactly when the two-sided test rejects at 1 - confidence.
    assert (c.verdict != "neither") == (reference.pvalue < 1 - confidence)


def test_verdict_follows_the_interval_and_better():
    low = [0.10, 0.12, 0.11, 0.13, 0.12]
    high = [0.12, 0.13, 0.13, 0.15, 0.13]
    assert stats.compare(low, high, better="lower").verdict == "a"
    assert stats.compare(low, high, better="higher").verdict == "b"
    assert stats.compare(high, low, better="lower").verdict == "b"
    assert stats.compare(high, low, better="higher").verdict == "a"
    c = stats.compare(low, high, better="lower")
    assert (c.wins_a, c.wins_b) == (5, 0)


def test_a_paired_effect_the_unpaired_two_sd_rule_misses():
    # The old rule "difference of means > 2 x the larger sd" called this "within the
    # spread"; every seed says otherwise.
    rng = _rng()
    base = rng.normal(0.84, 0.007, size=10)
    other = base + 0.004 + rng.normal(0, 0.001, size=10)
    assert abs(other.mean() - base.mean()) < 2 * max(base.std(ddof=1), other.std(ddof=1))
    c = stats.compare(other, base, better="higher")
    assert c.verdict == "a" and c.wins_a == 10 and c.p_value < 1e-5


def test_identical_scores_give_neither_and_no_nan():
    c = stats.compare([0.5, 0.6, 0.7], [0.5, 0.6, 0.7])
    assert c.verdict == "neither" and c.p_value == 1.0
    assert (c.ci_low, c.ci_high, c.difference) == (0.0, 0.0, 0.0)
    assert (c.wins_a, c.wins_b) == (0, 0)
    assert not any(math.isnan(v) for v in (c.p_value, c.ci_low, c.ci_high))


def test_a_constant_nonzero_difference_is_a_win():
    c = stats.compare([0.5, 0.6, 0.7], [0.4, 0.5, 0.6], better="higher")
    assert c.verdict == "a" and c.p_value == 0.0
    assert c.ci_low == pytest.approx(0.1) and c.ci_high == pytest.approx(0.1)


@pytest.mark.parametrize("a, b, options, error, message", [
    ([1.0, 2.0], [1.0, 2.0, 3.0], {}, ValueError, "got 2 and 3 values"),
    ([1.0], [2.0], {}, ValueError, "at least 2 seeds, got 1"),
    ([1.0, np.nan], [1.0, 2.0], {}, ValueError, "a contains nan at position 1"),
    ([1.0, 2.0], [1.0, np.inf], {}, ValueError, "b contains inf at position 1"),
    ([[1.0, 2.0]], [[1.0, 2.0]], {}, ValueError, "a must be 1-D (one score per seed), got shape (1, 2)"),
    ([1.0, 2.0], [1.0, 2.0], {"better": "smaller"}, ValueError,
     "better must be 'lower' or 'higher', got 'smaller'"),
    ([1.0, 2.0], [1.0, 2.0], {"confidence": 95}, ValueError,
     "confidence must be a number strictly between 0 and 1, got 95"),
    ([1.0, 2.0], [1.0, 2.0], {"confidence": True}, ValueError, "confidence must be a number"),
    ("ab", [1.0, 2.0], {}, TypeError, "a must be a sequence of numbers, got str"),
    ([1.0, "x"], [1.0, 2.0], {}, TypeError, "a must be a sequence of real numbers"),
])
def test_bad_input_is_a_clear_error(a, b, options, error, message):
    with pytest.raises(error, match=re.escape(message)):
        stats.compare(a, b, **options)


def test_inputs_are_not_modified():
    a, b = np.array([0.3, 0.2, 0.4]), np.array([0.1, 0.2, 0.3])
    before = a.copy(), b.copy()
    stats.compare(a, b)
    np.testing.assert_array_equal(a, before[0])
    np.testing.assert_array_equal(b, before[1])


def _holm_reference(p_values):
    # Holm (1979) written out directly: the i-th smallest p times (m - i + 1),
    # made monotone and capped at 1.
    m = len(p_values)
    order = np.argsort(p_values)
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def test_holm_adjusts_like_the_textbook_and_statsmodels_values():
    rng = _rng()
    comparisons = {}
    for i, shift in enumerate([0.0, 0.001, 0.003, 0.01]):
        a = rng.normal(0.8, 0.01, size=10)
        comparisons[f"pair {i}"] = stats.compare(a + shift + rng.normal(0, 0.004, 10), a,
                                                 better="higher")
    corrected = stats.holm(comparisons)
    p = np.array([c.p_value for c in comparisons.values()])
    assert_allclose([c.p_holm for c in corrected.values()], _holm_reference(p), rtol=1e-15)
    # Known values (Holm's example as in R's p.adjust(..., "holm")).
    fake = [stats.Comparison(10, 0, 0, 0, 0, 0, pv, 0, 0, "neither", "lower", 0.95)
            for pv in (0.01, 0.04, 0.03, 0.005)]
    assert_allclose([c.p_holm for c in stats.holm(fake)], [0.03, 0.06, 0.06, 0.02])


def test_holm_removes_a_win_that_does_not_survive_the_correction():
    rng = _rng()
    a = rng.normal(0.8, 0.01, size=10)
    weak = stats.compare(a + 0.004 + rng.normal(0, 0.006, 10), a, better="higher")
    assert weak.verdict == "a" and 0.05 / 3 < weak.p_value < 0.05
    others = [stats.compare(a + rng.normal(0, 0.006, 10), a, better="higher") for _ in range(2)]
    corrected = stats.holm([weak, *others])
    assert corrected[0].p_holm >= 0.05 and corrected[0].verdict == "neither"


def test_holm_and_table_errors():
    with pytest.raises(TypeError, match="non-empty dict or list of Comparison"):
        stats.holm([])
    a = stats.compare([1.0, 2.0, 3.0], [1.5, 2.0, 3.2], confidence=0.9)
    b = stats.compare([1.0, 2.0, 3.0], [1.5, 2.0, 3.2])
    with pytest.raises(ValueError, match="share one confidence level"):
        stats.holm([a, b])
    with pytest.raises(TypeError, match="non-empty dict"):
        stats.table([a])


def test_table_and_describe():
    rng = _rng()
    x = rng.normal(0.1, 0.01, size=10)
    comparisons = stats.holm({"mae vs mse": stats.compare(x - 0.01, x), "huber vs mse":
                              stats.compare(x + rng.normal(0, 0.001, 10), x)})
    frame = stats.table(comparisons, names=("first", "second"), means=True)
    assert list(frame.columns) == ["mean first", "mean second", "first − second", "95 % CI", "p",
                                   "p (Holm)", "seeds first better", "lower (verdict)"]
    assert frame.loc["mae vs mse", "lower (verdict)"] == "first"
    assert frame.loc["huber vs mse", "lower (verdict)"] == "neither"
    assert "Holm over 2" in frame.attrs["note"]
    assert list(stats.table(comparisons).columns)[0] == "a − b"
    sentence = comparisons["mae vs mse"].describe("MAE", "MSE", "test MSE")
    assert sentence.startswith("MAE has a lower test MSE than MSE (MAE − MSE = -0.010")
    assert "Holm-adjusted" in sentence and "MAE better on 10 and MSE on 0 of 10 seeds" in sentence
    # The winner's count comes first even when the winner is the second argument.
    flipped = stats.compare(x, x - 0.01).describe("MSE", "MAE", "test MSE")
    assert flipped.startswith("MAE has a lower test MSE than MSE (MSE − MAE = 0.010")
    assert "MAE better on 10 and MSE on 0 of 10 seeds" in flipped


def test_describe_says_when_a_win_does_not_survive_holm():
    rng = _rng()
    a = rng.normal(0.8, 0.01, size=10)
    weak = stats.compare(a + 0.004 + rng.normal(0, 0.006, 10), a, better="higher")
    others = [stats.compare(a + rng.normal(0, 0.006, 10), a, better="higher") for _ in range(2)]
    corrected = stats.holm([weak, *others])[0]
    assert corrected.describe("x", "y", "accuracy").startswith(
        "no difference in accuracy between x and y that survives Holm's correction")


def test_mean_sd_and_spread():
    assert stats.mean_sd([0.1, 0.2, 0.3], digits=2) == "0.20 ± 0.10"
    assert stats.spread(np.array([1.0, 3.0]), digits=1) == "2.0 ± 1.4 [1.0, 3.0]"
    with pytest.raises(ValueError, match="at least 2 seeds"):
        stats.mean_sd([0.1])


def test_table_with_mixed_directions_has_one_verdict_column():
    errors = stats.compare([0.1, 0.2, 0.3], [0.2, 0.3, 0.45], better="lower")
    accuracies = stats.compare([0.8, 0.9, 0.85], [0.7, 0.8, 0.8], better="higher")
    frame = stats.table({"mse": errors, "accuracy": accuracies})
    assert list(frame.columns)[-1] == "verdict (the better one)"
    assert list(frame["verdict (the better one)"]) == ["a", "a"]


def test_outcome_phrases():
    assert stats.compare([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]).outcome() == "no detectable difference"
    assert stats.compare([0.9, 0.8, 0.85], [0.8, 0.7, 0.8], better="higher").outcome("CE", "MSE") \
        == "CE higher"
    assert stats.compare([0.3, 0.5, 0.6, 0.45], [0.2, 0.3, 0.5, 0.4]).outcome("MSE", "MAE") == "MAE lower"


def test_describe_neutral_counts():
    c = stats.compare([0.9, 0.95, 0.97], [0.8, 0.85, 0.86], better="higher")
    assert "a higher on 3 and b on 0 of 3 seeds" in c.describe(neutral=True)
    assert "a better on 3" in c.describe()


# --- sentences from families of comparisons ---------------------------------------------


def _family():
    base = [0.40, 0.52, 0.61, 0.55]
    return stats.holm({
        "up vs base, AP": stats.compare([0.50, 0.62, 0.71, 0.66], base, better="higher"),
        "down vs base, AP": stats.compare([0.30, 0.41, 0.50, 0.46], base, better="higher"),
        "same vs base, AP": stats.compare([0.41, 0.50, 0.62, 0.55], base, better="higher"),
        "up vs base, F1": stats.compare([0.41, 0.50, 0.62, 0.55], base, better="higher"),
    })


def test_against_baseline_groups_challengers_by_verdict_for_one_metric():
    family = _family()
    sentence = stats.against_baseline(family, "AP", "plain BCE")
    up, down, same = (family[f"{n} vs base, AP"] for n in ("up", "down", "same"))
    assert up.verdict == "a" and down.verdict == "b" and same.verdict == "neither"
    assert sentence == (
        f"on AP, up ({up.difference:+.3f}, [{up.ci_low:+.3f}, {up.ci_high:+.3f}]) scores higher "
        f"than plain BCE; down ({down.difference:+.3f}, [{down.ci_low:+.3f}, "
        f"{down.ci_high:+.3f}]) scores lower than it; the seeds cannot tell same "
        f"({same.difference:+.3f}, [{same.ci_low:+.3f}, {same.ci_high:+.3f}]) from it")
    only_f1 = stats.against_baseline(family, "F1", "plain BCE")
    assert only_f1.startswith("on F1, the seeds cannot tell up (") and "down" not in only_f1


def test_against_baseline_says_when_only_holm_removes_a_winner():
    alone = stats.compare([1.0, 2.0, 3.0, 4.0], [0.9, 1.85, 2.9, 3.8], better="higher")
    assert alone.verdict == "a"
    corrected = dataclasses_replace(alone, verdict="neither", p_holm=0.2)
    sentence = stats.against_baseline({"X vs Y, m": corrected}, "m", "Y")
    assert sentence.endswith("; not after Holm's correction) from Y")


def test_against_baseline_words_the_winner_by_better():
    base = [0.30, 0.32, 0.28, 0.31]
    family = {
        "low vs base, Brier": stats.compare([0.20, 0.21, 0.19, 0.22], base, better="lower"),
        "high vs base, Brier": stats.compare([0.40, 0.43, 0.39, 0.41], base, better="lower"),
    }
    assert family["low vs base, Brier"].verdict == "a"  # lower is better: "low" wins
    assert family["high vs base, Brier"].verdict == "b"
    sentence = stats.against_baseline(family, "Brier", "plain BCE")
    assert sentence.startswith("on Brier, low (")
    assert ") scores lower than plain BCE; high (" in sentence
    assert sentence.endswith(") scores higher than it")


def test_against_baseline_refuses_mixed_baselines():
    one = stats.compare([0.5, 0.6, 0.7], [0.4, 0.5, 0.6], better="higher")
    family = {"A vs BCE, AP": one, "B vs BCE, AP": one, "C vs focal, AP": one}
    with pytest.raises(ValueError, match="'C vs focal, AP' names 'focal'") as info:
        stats.against_baseline(family, "AP", "plain BCE")
    assert "'A vs BCE, AP' names 'BCE'" in str(info.value)


def dataclasses_replace(comparison, **changes):
    import dataclasses

    return dataclasses.replace(comparison, **changes)


@pytest.mark.parametrize("comparisons, metric, error, message", [
    ([], "AP", TypeError, "comparisons must be a non-empty mapping of label -> Comparison, got list"),
    ({"a vs b, AP": 0.3}, "AP", TypeError, "comparisons['a vs b, AP'] must be a Comparison, "
     "got float"),
    ({"a against b, AP": None}, "AP", ValueError,
     "comparisons must be labelled 'X vs Y' (one ' vs '), got 'a against b, AP'"),
    ("family", "AP", TypeError, "comparisons must be a non-empty mapping"),
    (None, "ROC-AUC", ValueError,
     "metric must be one of the metrics the labels name, ['AP', 'F1'], got 'ROC-AUC'"),
    ({"a vs b": None}, "AP", ValueError,
     "comparisons must be labelled 'X vs Y, metric', got 'a vs b'"),
])
def test_against_baseline_names_bad_input(comparisons, metric, error, message):
    one = stats.compare([1.0, 2.0], [1.5, 2.1])
    if comparisons is None:
        comparisons = _family()
    elif isinstance(comparisons, dict):
        comparisons = {key: (one if value is None else value) for key, value in comparisons.items()}
    with pytest.raises(error, match=re.escape(message)):
        stats.against_baseline(comparisons, metric, "base")


def test_verdicts_lists_winners_and_open_pairs():
    won = stats.compare([1.0, 2.0, 3.0], [1.5, 2.4, 3.6])  # lower is better: a wins
    lost = stats.compare([1.5, 2.4, 3.6], [1.0, 2.0, 3.0])
    tie = stats.compare([1.0, 2.0, 3.0], [1.1, 1.9, 3.2])
    assert (won.verdict, lost.verdict, tie.verdict) == ("a", "b", "neither")
    assert stats.verdicts({"A vs B": won, "C vs D": lost, "E vs F": tie}) == (
        2, "A over B, D over C", "E and F")
    assert stats.verdicts({"E vs F": tie}) == (0, "none", "E and F")
    assert stats.verdicts({"A vs B": won}) == (1, "A over B", "none")
    with pytest.raises(ValueError, match=re.escape("comparisons must be labelled 'X vs Y' (one ' vs '), got 'A'")):
        stats.verdicts({"A": won})


def test_verdicts_reads_any_mapping_and_rejects_a_label_with_two_vs():
    import types

    tie = stats.compare([1.0, 2.0, 3.0], [1.1, 1.9, 3.2])
    other = stats.compare([1.0, 2.0, 3.0], [1.2, 1.8, 3.1])
    family = types.MappingProxyType({"E vs F": tie, "G vs H": other})
    assert stats.verdicts(family) == (0, "none", "E and F; G and H")
    with pytest.raises(ValueError, match=re.escape(
            "comparisons must be labelled 'X vs Y' (one ' vs '), got 'A vs B vs C'")):
        stats.verdicts({"A vs B vs C": tie})
