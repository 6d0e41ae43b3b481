"""physgnn.stats: the corrected resampled t-test against a hand computation and the plain paired t-test, Holm's
adjustment against its definition, the verdict words, and errors on bad input."""

import math

import numpy as np
import pytest
from scipy import stats as sps

from physgnn import stats

A = [0.80, 0.82, 0.79, 0.85, 0.81]
B = [0.78, 0.80, 0.80, 0.81, 0.79]


def test_corrected_ttest_matches_hand_computation():
    d = [0.02, 0.02, -0.01, 0.04, 0.02]  # a - b
    mean = sum(d) / 5  # 0.018
    var = sum((x - mean) ** 2 for x in d) / 4
    t = mean / math.sqrt((1 / 5 + 20 / 48) * var)
    p = 2 * sps.t.sf(abs(t), 4)
    c = stats.corrected_resampled_ttest(A, B, test_train_ratio=stats.split_ratio(48, 20))
    assert c.mean_diff == pytest.approx(mean) and c.std_diff == pytest.approx(math.sqrt(var))
    assert c.t == pytest.approx(t) and c.p == pytest.approx(p) and c.df == 4 and c.n_splits == 5


def test_ratio_zero_is_the_plain_paired_ttest():
    ref = sps.ttest_rel(A, B)
    c = stats.paired_ttest(A, B)
    assert c.t == pytest.approx(ref.statistic) and c.p == pytest.approx(ref.pvalue)
    # the correction only ever widens the interval: larger p for any positive ratio
    assert stats.corrected_resampled_ttest(A, B, test_train_ratio=0.5).p > c.p


def test_plain_test_is_too_confident_where_the_corrected_one_is_not():
    # ten splits, a small consistent gain: the plain test calls it significant, the corrected test does not
    b = np.full(10, 0.8)
    a = b + np.array([0.01, 0.0, 0.02, 0.005, 0.015, 0.005, 0.01, 0.0, 0.02, -0.005])
    assert stats.paired_ttest(a, b).p < 0.05
    assert stats.corrected_resampled_ttest(a, b, test_train_ratio=0.5).p > 0.05


def test_seeds_are_averaged_within_a_split():
    a = np.array([[0.8, 0.82], [0.79, 0.81], [0.85, 0.83]])
    b = np.array([[0.78, 0.78], [0.80, 0.80], [0.80, 0.82]])
    c = stats.corrected_resampled_ttest(a, b, test_train_ratio=0.5)
    ref = stats.corrected_resampled_ttest(a.mean(1), b.mean(1), test_train_ratio=0.5)
    assert c == ref and c.n_splits == 3


def test_identical_differences():
    assert stats.paired_ttest([1.0, 2.0], [1.0, 2.0]).p == 1.0
    c = stats.paired_ttest([1.0, 2.0], [0.5, 1.5])
    assert c.p == 0.0 and c.t == math.inf and stats.verdict(c) == "clearly better"


def test_holm_against_its_definition():
    p = [0.01, 0.04, 0.03, 0.005]
    # sorted: 0.005, 0.01, 0.03, 0.04 -> 4*0.005=0.02, 3*0.01=0.03, 2*0.03=0.06, max(0.06, 1*0.04)=0.06
    assert stats.holm(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert stats.holm([0.9, 0.8]) == pytest.approx([1.0, 1.0])
    assert stats.holm([0.2]) == pytest.approx([0.2])


def test_holm_never_lowers_an_adjusted_p_when_the_family_grows():
    # Chapter 7 keeps its "level" calls as new ablation cells join the family; that rests on this property
    rng = np.random.default_rng(0)
    for _ in range(200):
        p = list(rng.uniform(0, 0.2, size=rng.integers(1, 12)))
        before = stats.holm(p)
        after = stats.holm(p + [float(rng.uniform(0, 0.2))])[: len(p)]
        assert all(a >= b - 1e-15 for a, b in zip(after, before))
    # and it can raise one above 0.05: 0.0038 alone at 13 comparisons is 0.049, at 14 it is 0.053
    assert stats.holm([0.0038] + [0.9] * 12)[0] < 0.05 < stats.holm([0.0038] + [0.9] * 13)[0]


def test_verdict_words():
    better = stats.paired_ttest([0.9, 0.92, 0.91, 0.93], [0.8, 0.81, 0.8, 0.82])
    worse = stats.paired_ttest([0.8, 0.81, 0.8, 0.82], [0.9, 0.92, 0.91, 0.93])
    assert stats.verdict(better, alpha=0.05) == "clearly better"
    assert stats.verdict(worse, alpha=0.05) == "clearly worse"
    assert stats.verdict(better, alpha=0.05, p=0.2) == "level"


def test_compare_family_holm_corrects():
    fam = stats.compare_family({"x": (A, B), "y": ([0.9, 0.92, 0.91, 0.93], [0.8, 0.81, 0.8, 0.82])}, test_train_ratio=0.5)
    ps = [fam[k]["comparison"].p for k in ("x", "y")]
    assert [fam[k]["p_holm"] for k in ("x", "y")] == pytest.approx(stats.holm(ps))
    assert fam["y"]["verdict"] == "clearly better" and fam["x"]["verdict"] == "level"


@pytest.mark.parametrize("call, match", [
    (lambda: stats.corrected_resampled_ttest([1, 2], [1, 2, 3], test_train_ratio=0.5), "paired"),
    (lambda: stats.corrected_resampled_ttest([1], [2], test_train_ratio=0.5), "at least 2"),
    (lambda: stats.corrected_resampled_ttest([1, 2], [1, 3], test_train_ratio=-1), "test_train_ratio"),
    (lambda: stats.corrected_resampled_ttest([1, float("nan")], [1, 3], test_train_ratio=0.5), "non-finite"),
    (lambda: stats.holm([0.5, 1.5]), r"\[0, 1\]"),
    (lambda: stats.holm([]), "non-empty"),
    (lambda: stats.verdict(stats.paired_ttest(A, B), alpha=1.5), "alpha"),
    (lambda: stats.split_ratio(0, 10), "n_train"),
    (lambda: stats.compare_family({}, test_train_ratio=0.5), "at least one"),
    (lambda: stats.compare_family({"x": (A, B)}, test_train_ratio={"y": 0.5}), "no value"),
])
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_swapping_the_models_flips_the_sign_not_the_evidence():
    ab = stats.corrected_resampled_ttest(A, B, test_train_ratio=0.25)
    ba = stats.corrected_resampled_ttest(B, A, test_train_ratio=0.25)
    assert ba.t == pytest.approx(-ab.t) and ba.p == pytest.approx(ab.p)
    assert {stats.verdict(ab, alpha=0.5), stats.verdict(ba, alpha=0.5)} == {"clearly better", "clearly worse"}


def test_t_interval_matches_the_textbook_formula_and_refuses_one_value():
    from scipy import stats

    from physgnn.stats import t_interval

    v = [70.0, 74.0, 78.0, 76.0]
    half = stats.t.ppf(0.975, 3) * np.std(v, ddof=1) / 2.0  # sqrt(4) = 2
    assert t_interval(v) == pytest.approx((74.5 - half, 74.5 + half))
    low, high = t_interval(v, level=0.5)
    assert 74.5 - half < low < high < 74.5 + half, "a lower level gives a narrower interval"
    with pytest.raises(ValueError, match="at least two"):
        t_interval([70.0])
    with pytest.raises(ValueError, match="level"):
        t_interval(v, level=95)



def test_mask_ratio_measures_test_over_training_nodes_per_split():
    import torch

    from physgnn.stats import mask_ratio

    train = torch.zeros(10, 2, dtype=torch.bool)
    test = torch.zeros(10, 2, dtype=torch.bool)
    train[:4, 0], test[4:6, 0] = True, True      # split 0: 2 / 4
    train[:5, 1], test[5:9, 1] = True, True      # split 1: 4 / 5
    assert mask_ratio(train, test) == pytest.approx((0.5 + 0.8) / 2)
    assert mask_ratio(train[:, 0], test[:, 0]) == pytest.approx(0.5)
    for bad in ((train, test[:, 0]), (train.int(), test), (train, torch.zeros_like(test))):
        with pytest.raises(ValueError, match="mask_ratio"):
            mask_ratio(*bad)
