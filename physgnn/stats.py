r"""Paired comparisons of two models over the same splits, honest about overlapping training sets.

**The corrected resampled t-test** (Nadeau and Bengio, 2003). Two models A and B are scored on the same :math:`J`
train/test splits of one dataset, giving differences :math:`d_j = a_j - b_j`, their mean :math:`\bar d` and sample
variance :math:`\hat\sigma^2 = \frac{1}{J-1}\sum_j (d_j - \bar d)^2`. The plain paired t-test treats the
:math:`d_j` as independent and uses :math:`\hat\sigma^2 / J` as the variance of :math:`\bar d`. But the training
sets of random splits overlap, so the :math:`d_j` are positively correlated and that variance is too small: the
plain test calls too many differences significant. Nadeau and Bengio replace :math:`1/J` by
:math:`1/J + n_2/n_1`, where :math:`n_1` and :math:`n_2` are the numbers of training and test examples per split:

.. math::

    t = \frac{\bar d}{\sqrt{\left(\frac{1}{J} + \frac{n_2}{n_1}\right)\hat\sigma^2}},

referred to Student's t distribution with :math:`J - 1` degrees of freedom (two-sided p-value). With
:math:`n_2/n_1 \to 0` it is the plain paired t-test. Geom-GCN splits (48/32/20 %) have :math:`n_2/n_1 = 20/48`;
Platonov et al.'s splits of Minesweeper and Tolokers (50/25/25 %) have :math:`25/50`; their filtered Chameleon and
Squirrel vary from split to split (0.38 to 0.47 on Chameleon), so :func:`mask_ratio` measures the mean from the masks.

Several seeds per split reuse the same train/test partition, so they are not further resamplings: the scores of
one split are averaged over seeds first and :math:`J` is the number of splits.

**Holm–Bonferroni** (Holm, 1979) controls the family-wise error of :math:`m` tests: with the p-values sorted,
:math:`p_{(1)} \le \dots \le p_{(m)}`, the adjusted values are
:math:`\tilde p_{(i)} = \max_{k \le i} \min\big(1, (m - k + 1)\, p_{(k)}\big)`; a test is a finding when
:math:`\tilde p \le \alpha`.

:func:`verdict` turns a comparison into the words a chapter prints: "clearly better", "level" or "clearly worse".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from scipy import stats as _scipy_stats

__all__ = ["Comparison", "corrected_resampled_ttest", "paired_ttest", "holm", "verdict", "compare_family",
           "split_ratio", "mask_ratio", "t_interval"]

VERDICTS = ("clearly better", "level", "clearly worse")


@dataclass(frozen=True)
class Comparison:
    """A paired comparison of A against B: ``mean_diff`` = mean of a − b over splits, ``std_diff`` its sample std
    (ddof 1), ``t`` and two-sided ``p`` with ``df`` = J − 1 degrees of freedom, ``n_splits`` = J and the
    ``test_train_ratio`` n₂/n₁ used (0 for the plain paired t-test)."""

    mean_diff: float
    std_diff: float
    t: float
    p: float
    df: int
    n_splits: int
    test_train_ratio: float


def t_interval(values, level: float = 0.95) -> tuple[float, float]:
    r"""The ``level`` Student-t interval for the mean of ``values`` (one score per split, at least two):
    :math:`\bar v \pm t_{(1+\mathrm{level})/2,\,n-1}\, s / \sqrt{n}`, with :math:`s` the sample standard deviation
    (ddof 1). Returns ``(low, high)``; raises ``ValueError`` for fewer than two values or a level outside (0, 1)."""
    v = np.asarray(values, dtype=float).reshape(-1)
    if v.size < 2:
        raise ValueError(f"t_interval: values must hold at least two numbers, got {v.size}")
    if not 0 < level < 1:
        raise ValueError(f"t_interval: level must lie in (0, 1), e.g. 0.95, got {level}")
    low, high = _scipy_stats.t.interval(level, v.size - 1, loc=v.mean(), scale=v.std(ddof=1) / math.sqrt(v.size))
    return float(low), float(high)


def split_ratio(n_train: int, n_test: int) -> float:
    """n₂/n₁: test over training examples per split, as the correction needs it."""
    for name, v in (("n_train", n_train), ("n_test", n_test)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"split_ratio: {name} must be a positive integer, got {v!r}")
    return n_test / n_train


def mask_ratio(train_mask, test_mask) -> float:
    """n₂/n₁ of a dataset's splits: test over training nodes, averaged over the splits. Masks: boolean [N] (one
    split) or [N, S], the same shape, every split with at least one training and one test node."""
    import torch

    tr, te = torch.as_tensor(train_mask), torch.as_tensor(test_mask)
    if tr.dtype != torch.bool or te.dtype != torch.bool or tr.shape != te.shape or tr.dim() not in (1, 2):
        raise ValueError(f"mask_ratio: need two boolean masks of the same shape [N] or [N, S], got "
                         f"{tr.dtype} {tuple(tr.shape)} and {te.dtype} {tuple(te.shape)}")
    tr, te = (m.reshape(m.size(0), -1).sum(0).double() for m in (tr, te))
    if (tr == 0).any() or (te == 0).any():
        raise ValueError("mask_ratio: every split needs at least one training and one test node")
    return float((te / tr).mean())


def _per_split(scores, name: str) -> np.ndarray:
    arr = np.asarray(scores, dtype=float)
    if arr.ndim == 2:  # [splits, seeds]: average the seeds of a split (same partition, not a new resampling)
        arr = arr.mean(axis=1)
    if arr.ndim != 1:
        raise ValueError(f"corrected_resampled_ttest: {name} must have shape [splits] or [splits, seeds], got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"corrected_resampled_ttest: {name} holds non-finite scores")
    return arr


def corrected_resampled_ttest(a, b, *, test_train_ratio: float) -> Comparison:
    """Nadeau and Bengio's corrected resampled t-test of A against B (see the module docstring).

    Args:
        a, b: scores of A and B, shape [J] (one per split) or [J, R] (R seeds per split), same shape, paired by split.
        test_train_ratio: n₂/n₁ of the splits (>= 0; 0 gives the plain paired t-test).
    """
    a, b = _per_split(a, "a"), _per_split(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"corrected_resampled_ttest: a and b must be paired (same shape), got {a.shape} and {b.shape}")
    if a.size < 2:
        raise ValueError(f"corrected_resampled_ttest: needs at least 2 splits, got {a.size}")
    if isinstance(test_train_ratio, bool) or not isinstance(test_train_ratio, (int, float)) or not test_train_ratio >= 0:
        raise ValueError(f"corrected_resampled_ttest: test_train_ratio must be a number >= 0 (n_test / n_train), got {test_train_ratio!r}")
    d = a - b
    J = d.size
    mean, var = float(d.mean()), float(d.var(ddof=1))
    if var == 0.0:  # identical differences: no doubt about the sign, or no difference at all
        t = 0.0 if mean == 0.0 else math.copysign(math.inf, mean)
        p = 1.0 if mean == 0.0 else 0.0
    else:
        t = mean / math.sqrt((1.0 / J + test_train_ratio) * var)
        p = float(2 * _scipy_stats.t.sf(abs(t), df=J - 1))
    return Comparison(mean, math.sqrt(var), t, p, J - 1, J, float(test_train_ratio))


def paired_ttest(a, b) -> Comparison:
    """The plain paired t-test (independent splits assumed): :func:`corrected_resampled_ttest` with ratio 0."""
    return corrected_resampled_ttest(a, b, test_train_ratio=0.0)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values, in the order given (see the module docstring)."""
    p = np.asarray(pvalues, dtype=float)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"holm: pvalues must be a non-empty list of numbers, got shape {p.shape}")
    if not ((p >= 0) & (p <= 1)).all():
        raise ValueError("holm: every p-value must lie in [0, 1]")
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.maximum.accumulate(scaled)
    out = np.empty(m)
    out[order] = adjusted
    return out.tolist()


def verdict(comparison: Comparison, *, alpha: float = 0.05, p: float | None = None) -> str:
    """"clearly better" (A above B), "clearly worse" or "level": significant when ``p`` (default the comparison's own
    p-value; pass the Holm-adjusted one for a family of calls) is at most ``alpha``."""
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise ValueError(f"verdict: alpha must be a number in (0, 1), got {alpha!r}")
    p = comparison.p if p is None else p
    if not 0 <= p <= 1:
        raise ValueError(f"verdict: p must lie in [0, 1], got {p!r}")
    if p > alpha or comparison.mean_diff == 0:
        return "level"
    return "clearly better" if comparison.mean_diff > 0 else "clearly worse"


def compare_family(pairs: Mapping[str, tuple], *, test_train_ratio: float, alpha: float = 0.05) -> dict:
    """Test every ``name: (a, b)`` of a family (e.g. all of a chapter's calls) and Holm-correct across them.

    Returns ``{name: {"comparison": Comparison, "p_holm": float, "verdict": str}}`` with verdicts at ``alpha`` on the
    adjusted p-values. ``test_train_ratio`` is one number, or a mapping name → number when the datasets differ.
    """
    if not pairs:
        raise ValueError("compare_family: pairs must name at least one (a, b) comparison")
    ratios = test_train_ratio if isinstance(test_train_ratio, Mapping) else {k: test_train_ratio for k in pairs}
    missing = set(pairs) - set(ratios)
    if missing:
        raise ValueError(f"compare_family: test_train_ratio has no value for {sorted(missing)}")
    comps = {k: corrected_resampled_ttest(a, b, test_train_ratio=ratios[k]) for k, (a, b) in pairs.items()}
    adjusted = holm([c.p for c in comps.values()])
    return {k: {"comparison": c, "p_holm": p, "verdict": verdict(c, alpha=alpha, p=p)}
            for (k, c), p in zip(comps.items(), adjusted)}
