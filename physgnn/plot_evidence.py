"""Figures of evidence (Chapter 8): how precise an accuracy can be on a test set of ``n`` nodes, and one dataset's
runs split by split.

Each helper draws one whole figure in the book's style (:func:`physgnn.plot.style`) and returns it; a chapter shows
it and closes it. Legends sit below the axes.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

__all__ = ["standard_error_vs_size", "paired_splits"]


def standard_error_vs_size(test_sizes: Mapping[str, int], *, n_range=(10, 10_000), figsize=(7.5, 5.6)):
    """The binomial standard error of an accuracy, ``100 sqrt(p (1 - p) / n)`` points, against the test-set size
    ``n`` (log-log) at ``p = 0.5`` (the worst case) and ``p = 0.9``, the weight of one test node ``100 / n``, a
    line at one point, and each dataset as a dot on the worst-case curve (datasets of equal size share a label;
    labels alternate above and below the curve).

    Args:
        test_sizes: ``{label: number of test nodes}``.

    Returns the figure. Raises ``ValueError`` for an empty mapping or a size outside ``n_range``.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import PALETTE, legend_outside

    lo, hi = n_range
    if not test_sizes:
        raise ValueError("standard_error_vs_size: test_sizes must name at least one dataset")
    bad = {k: n for k, n in test_sizes.items() if not lo <= n <= hi}
    if bad:
        raise ValueError(f"standard_error_vs_size: test-set sizes must lie in n_range {n_range}; got {bad}")
    n = np.logspace(np.log10(lo), np.log10(hi), 200)
    fig, ax = plt.subplots(figsize=figsize)
    ax.plot(n, 100 * np.sqrt(0.25 / n), color=PALETTE[0], lw=2, label="SE at $p = 0.5$ (worst case)")
    ax.plot(n, 100 * np.sqrt(0.09 / n), color=PALETTE[2], lw=2, ls="--", label="SE at $p = 0.9$")
    ax.plot(n, 100 / n, color="0.4", lw=1.5, ls=":", label="one test node, $100/n$")
    ax.axhline(1.0, color=PALETTE[1], lw=1, alpha=0.6)
    ax.text(lo * 1.1, 1.08, "1 point", color=PALETTE[1], fontsize=10)
    marked: dict[int, list[str]] = {}
    for label, size in test_sizes.items():
        marked.setdefault(int(size), []).append(label)
    for k, (size, labels) in enumerate(sorted(marked.items())):
        y = 100 * np.sqrt(0.25 / size)
        ax.scatter([size], [y], color="black", zorder=3, s=25)
        above = k % 2 == 0
        ax.annotate(", ".join(labels), (size, y), textcoords="offset points", xytext=(6, 8) if above else (-6, -15),
                    fontsize=10, ha="left" if above else "right",
                    bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.85))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(0.2, 30)
    ax.set_xlabel("test-set size $n$ (nodes, log scale)")
    ax.set_ylabel("accuracy points (log scale)")
    legend_outside(ax, where="below", ncol=2)
    fig.tight_layout()
    return fig


def paired_splits(scores: Mapping[str, Mapping[int, float]], intervals: Mapping[str, tuple[float, float]], *,
                  colors: Mapping[str, str], untrained: Mapping[str, set] | None = None,
                  reference: tuple[str, float] | None = None, ylabel: str = "test accuracy (%)", title: str = "",
                  figsize=(6.4, 5.6)):
    """One dataset's test accuracy per split, one column per model: a dot per split (hollow when that run stopped
    at epoch 0, i.e. was never trained), grey lines joining the same split across models, and a diamond with error
    bars at each model's mean and its interval; ``reference`` (label, value) as a dotted line.

    Args:
        scores: ``{model: {split: accuracy %}}``; ``intervals``: ``{model: (low, high)}`` around the mean.
        colors: a colour per model; ``untrained``: ``{model: splits whose run stopped at epoch 0}``.

    Returns the figure. Raises ``ValueError`` when a model lacks an interval or colour, or has no scores.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import legend_outside

    models = list(scores)
    if not models or any(not scores[m] for m in models):
        raise ValueError("paired_splits: scores must give each model at least one split")
    missing = [m for m in models if m not in intervals or m not in colors]
    if missing:
        raise ValueError(f"paired_splits: every model needs an interval and a colour; missing for {missing}")
    untrained = untrained or {}
    xs = {m: i for i, m in enumerate(models)}
    fig, ax = plt.subplots(figsize=figsize)
    for s in sorted(scores[models[0]]):
        pts = [(xs[m], scores[m][s]) for m in models if s in scores[m]]
        ax.plot(*zip(*pts), color="0.75", lw=1, zorder=1)
    for m in models:
        c = colors[m]
        for s, acc in scores[m].items():
            hollow = s in untrained.get(m, set())
            ax.scatter([xs[m]], [acc], s=28, zorder=2, color="white" if hollow else c, edgecolor=c, linewidth=1.2)
        mean = float(np.mean(list(scores[m].values())))
        low, high = intervals[m]
        ax.errorbar(xs[m] + 0.12, mean, yerr=[[mean - low], [high - mean]], fmt="D", color=c, capsize=5, ms=7,
                    zorder=3, label=f"{m}: {mean:.1f} ({low:.1f}–{high:.1f})")
    if reference is not None:
        ax.axhline(reference[1], color="0.3", ls=":", lw=1.5, label=f"{reference[0]}: {reference[1]:.1f}")
    if any(untrained.get(m) for m in models):
        ax.scatter([], [], s=28, color="white", edgecolor="0.3", label="run stopped at epoch 0")
    ax.set_xticks(list(xs.values()), models)
    ax.set_xlim(-0.4, len(models) - 0.4)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    legend_outside(ax, where="below", ncol=1)
    fig.tight_layout()
    return fig
