"""Figures of evidence (Chapter 8): how precise an accuracy can be on a test set of ``n`` nodes, one run under two
rules for picking its epoch, one dataset's runs split by split, and test nodes that leak from the training set.

Each helper draws one whole figure in the book's style (:func:`physgnn.plot.style`) and returns it; a chapter shows
it and closes it. Legends sit below the axes.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

__all__ = ["standard_error_vs_size", "selection_rules", "paired_splits", "split_by_split", "twins_and_margins"]


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


def split_by_split(runs: Mapping[tuple, Mapping[int, tuple[float, int]]], *, source: str, dataset: str,
                   models, reference: tuple[str, float] | None = None, min_splits: int = 3,
                   ylabel: str = "test accuracy (%)", figsize=(6.4, 5.6)):
    """:func:`paired_splits` drawn straight from saved runs (Figure 8.3): the models of ``models`` that have at
    least ``min_splits`` splits for ``(source, dataset)``, each with its 95% t-interval
    (:func:`physgnn.stats.t_interval`), a
    hollow dot for every run whose best epoch is 0, the model's colour from the first part of its name
    (``"acmp-gcn"`` is drawn in ACMP's colour), and ``"source: <source>"`` as the title.

    Args:
        runs: ``{(source, dataset, model): {split: (accuracy %, best epoch)}}``, as Chapter 8 reads them.
        models: the models to show, in the order of the columns; the ones with too few splits are left out.

    Returns ``(figure, shown)`` with ``shown = {model: dict(scores={split: accuracy}, stopped={splits with best
    epoch 0}, interval=(low, high))}`` for the models drawn. Raises ``ValueError`` when ``min_splits`` is below 2
    or no model has enough splits.
    """
    from physgnn.plot import color
    from physgnn.stats import t_interval

    if isinstance(min_splits, bool) or not isinstance(min_splits, int) or min_splits < 2:
        raise ValueError(f"split_by_split: min_splits must be an integer of at least 2 (an interval needs two "
                         f"splits), got {min_splits!r}")
    shown = {}
    for m in models:
        by_split = runs.get((source, dataset, m), {})
        if len(by_split) >= min_splits:
            scores = {s: float(acc) for s, (acc, _) in by_split.items()}
            shown[m] = dict(scores=scores, stopped={s for s, (_, best) in by_split.items() if best == 0},
                            interval=t_interval(list(scores.values())))
    if not shown:
        raise ValueError(f"split_by_split: no model of {list(models)} has {min_splits} splits for "
                         f"({source!r}, {dataset!r}); check the source and dataset names")
    fig = paired_splits(
        {m: v["scores"] for m, v in shown.items()}, {m: v["interval"] for m, v in shown.items()},
        colors={m: color(m.split("-")[0]) for m in shown}, untrained={m: v["stopped"] for m, v in shown.items()},
        reference=reference, ylabel=ylabel, title=f"source: {source}", figsize=figsize,
    )
    return fig, shown


def selection_rules(val_acc, test_acc, val_loss, *, picks: Mapping[str, int], patience: int, majority: float,
                    title: str = "", line_color: str | None = None, figsize=(7.5, 6.8)):
    """One training run under two rules for picking its epoch. Top: validation and test accuracy per epoch (as
    steps), the majority class's validation accuracy as a dotted line, and each rule's pick on the validation
    curve (the first rule a hollow circle, the second a filled diamond; the legend gives the epoch and its test
    accuracy). Bottom: the validation loss, with each pick as a vertical line (dashed, solid). The first
    ``patience`` epochs are shaded and named "first best's patience window". The legend sits below the figure.

    Args:
        val_acc, test_acc: ``[epochs]`` accuracies in %; ``val_loss``: ``[epochs]``.
        picks: ``{rule name: 0-based epoch}``, two rules, e.g. ``{"first best": 0, "fit's rule": 37}``.
        majority: the majority class's validation accuracy in %; ``line_color``: default the GCN's colour.

    Returns the figure. Raises ``ValueError`` when the curves differ in length or are empty, ``picks`` does not
    name two epochs inside the run, or ``patience`` is not positive.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, legend_outside

    where = "selection_rules"
    val_acc, test_acc, val_loss = (np.asarray(v, dtype=float) for v in (val_acc, test_acc, val_loss))
    if val_acc.ndim != 1 or not val_acc.size or val_acc.shape != test_acc.shape or val_acc.shape != val_loss.shape:
        raise ValueError(f"{where}: val_acc, test_acc and val_loss must be [epochs] curves of one length; got "
                         f"{val_acc.shape}, {test_acc.shape}, {val_loss.shape}")
    if len(picks) != 2 or not all(0 <= int(e) < len(val_acc) for e in picks.values()):
        raise ValueError(f"{where}: picks must map two rule names to epochs in 0 .. {len(val_acc) - 1}; got {picks}")
    if not patience > 0:
        raise ValueError(f"{where}: patience must be a positive number of epochs, got {patience!r}")
    c = line_color or color("gcn")
    ep = np.arange(len(val_acc))
    fig, (ax_a, ax_l) = plt.subplots(2, 1, figsize=figsize, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    for ax in (ax_a, ax_l):
        ax.axvspan(0, patience, color="0.92", zorder=0)
    ax_a.step(ep, val_acc, where="post", color=c, lw=1.8, label="validation accuracy")
    ax_a.step(ep, test_acc, where="post", color="0.6", lw=1, label="test accuracy")
    ax_a.axhline(majority, color="0.3", ls=":", lw=1.2, label="majority class (validation)")
    for (rule, e), (marker, face, ls) in zip(picks.items(), (("o", "white", "--"), ("D", c, "-"))):
        e = int(e)
        ax_a.scatter([e], [val_acc[e]], s=70, marker=marker, facecolor=face, edgecolor="black", zorder=4,
                     label=f"{rule}: epoch {e}, test {test_acc[e]:.1f}")
        ax_l.axvline(e, color="0.3", lw=1, ls=ls)
    ax_a.text(patience / 2, 0.3, f"first best's\npatience window\n({patience} epochs)",
              transform=ax_a.get_xaxis_transform(), ha="center", va="center", fontsize=9, color="0.3")
    ax_a.set_ylabel("accuracy (%)")
    if title:
        ax_a.set_title(title, fontsize=10)
    ax_l.plot(ep, val_loss, color=c, lw=1.5)
    ax_l.set_ylabel("validation loss")
    ax_l.set_xlabel("epoch")
    legend_outside(ax_l, where="below", ncol=2, handles=ax_a.get_legend_handles_labels()[0])
    fig.tight_layout()
    return fig


def twins_and_margins(twins: Mapping[str, tuple], margins: Mapping[tuple[str, str], tuple[float, float]], *,
                      names: Mapping[str, str] | None = None, figsize=(11, 4.7)):
    """Left: for each graph, the share of test nodes that have a training twin (%), mean over splits with the
    standard deviation as an error bar, the original graph's bar beside the filtered one's. Right: each model's
    test accuracy above the majority class (points) per dataset, with its error bar, in the model's colour
    (``physgnn.plot.color``), and a line at zero. Legends sit below the panels.

    Args:
        twins: ``{graph: (original shares [splits], filtered shares [splits])}`` in %.
        margins: ``{(dataset, model): (margin, error)}`` in points; datasets and models are shown in the order
            they first appear, and every model needs every dataset.
        names: the tick label of each dataset (default: its key); a label breaks onto a second line before " (".

    Returns the figure. Raises ``ValueError`` for empty inputs, a share list with fewer than two splits, a
    missing (dataset, model) pair, or a model without a book colour.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import PALETTE, color, legend_outside

    where = "twins_and_margins"
    if not twins or not margins:
        raise ValueError(f"{where}: twins and margins must each hold at least one entry")
    if any(len(p) != 2 for p in twins.values()) or any(len(v) < 2 for p in twins.values() for v in p):
        raise ValueError(f"{where}: twins must give each graph (original, filtered) shares over at least two splits")
    datasets = list(dict.fromkeys(d for d, _ in margins))
    models = list(dict.fromkeys(m for _, m in margins))
    missing = [(d, m) for d in datasets for m in models if (d, m) not in margins]
    if missing:
        raise ValueError(f"{where}: margins must give every model on every dataset; missing {missing}")
    colors = {m: color(m) for m in models}  # raises for a model without a book colour
    names = names or {}
    fig, (ax_l, ax_r) = plt.subplots(1, 2, figsize=figsize)
    for k, pair in enumerate(twins.values()):
        for off, v, shade, label in zip((-0.18, 0.18), pair, (0, 5), ("original", "filtered")):
            ax_l.bar(k + off, np.mean(v), width=0.34, yerr=np.std(v, ddof=1), capsize=4, color=PALETTE[shade],
                     label=label if k == 0 else None)
    ax_l.set_xticks(range(len(twins)), list(twins))
    ax_l.set_ylabel("test nodes with a training twin (%)")
    width = 0.72 / len(models)
    for j, m in enumerate(models):
        ax_r.bar(np.arange(len(datasets)) + (j - (len(models) - 1) / 2) * width,
                 [margins[(d, m)][0] for d in datasets], width=width, yerr=[margins[(d, m)][1] for d in datasets],
                 capsize=4, color=colors[m], label=m.upper())
    ax_r.axhline(0, color="black", lw=1)
    ax_r.set_xticks(range(len(datasets)), [names.get(d, d).replace(" (", "\n(", 1) for d in datasets])
    ax_r.set_ylabel("accuracy above the majority class (points)")
    legend_outside(ax_l, where="below")
    legend_outside(ax_r, where="below")
    fig.tight_layout()
    return fig
