"""Figures of heterophily (Chapter 3): three homophily measures per dataset, accuracy against the homophily knob of
a contextual SBM, and accuracy per dataset beside numbers reported by others.

Each helper draws one whole figure in the book's style (:func:`physgnn.plot.style`) and returns it; a chapter shows
it and closes it. Models keep the book's colours (:func:`physgnn.plot.color`); legends sit below the axes.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

__all__ = ["homophily_measures", "accuracy_vs_homophily", "accuracy_per_dataset"]

_MEASURES = {
    "edge": ("o", "#0072B2", "edge homophily"),
    "node": ("s", "#E69F00", "node homophily"),
    "class": ("^", "#009E73", "class-insensitive homophily"),
}


def homophily_measures(measures: Mapping[str, Mapping[str, float]], *, names: Mapping[str, str] | None = None,
                       figsize=(8.5, 6.6)):
    """Edge, node and class-insensitive homophily of each dataset on one row (a grey line spans the three), rows
    sorted by edge homophily, with each dataset's chance level ``sum_k p_k**2`` as a hollow diamond.

    Args:
        measures: ``{dataset: {"edge", "node", "class", "chance": value in [0, 1]}}``.
        names: the names printed on the axis (default: the keys).

    Returns the figure. Raises ``ValueError`` for a missing measure or a value outside ``[0, 1]``.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import legend_outside

    if not measures:
        raise ValueError("homophily_measures: measures must hold at least one dataset")
    for n, m in measures.items():
        missing = {"edge", "node", "class", "chance"} - set(m)
        if missing:
            raise ValueError(f"homophily_measures: {n} is missing {sorted(missing)}")
        if not all(-1e-9 <= m[k] <= 1 + 1e-9 for k in ("edge", "node", "class", "chance")):
            raise ValueError(f"homophily_measures: {n}: every measure must lie in [0, 1]")
    names = names or {}
    order = sorted(measures, key=lambda n: measures[n]["edge"])
    rows = np.arange(len(order))
    fig, ax = plt.subplots(figsize=figsize)
    for n, r in zip(order, rows):
        vals = [measures[n][k] for k in _MEASURES]
        ax.plot([min(vals), max(vals)], [r, r], color="0.8", lw=3, zorder=1)
    for key, (marker, colour, label) in _MEASURES.items():
        ax.scatter([measures[n][key] for n in order], rows, marker=marker, s=60, color=colour, label=label, zorder=3)
    ax.scatter([measures[n]["chance"] for n in order], rows, marker="D", s=40, facecolor="none", edgecolor="black",
               label="chance level $\\sum_k p_k^2$", zorder=2)
    ax.set_yticks(rows, [names.get(n, n) for n in order])
    ax.set_xlim(-0.02, 1.0)
    ax.set_xlabel("homophily (fraction, undirected graph without self-loops)")
    legend_outside(ax, where="below", ncol=2)
    fig.tight_layout()
    return fig


def accuracy_vs_homophily(curves: Sequence[dict], *, hurts: tuple[float, float] | None = None,
                          chance: float | None = 0.5, figsize=(8, 5.6)):
    """Test accuracy (mean ± std over seeds, as error bars) against the homophily knob ``h`` of a contextual SBM,
    one curve per model, with the interval where theory says one averaging step hurts shaded and the chance
    accuracy dotted.

    Args:
        curves: dicts with ``h``, ``mean``, ``std`` (``[H]`` each), ``label``, ``model`` (a colour key of
            :func:`physgnn.plot.color`) and optional ``marker``, ``dashed``.
        hurts: ``(h_minus, h_plus)``, the shaded interval.
        chance: the chance accuracy (``None``: no line).

    Returns the figure. Raises ``ValueError`` for mismatched lengths or missing fields.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, legend_outside

    if not curves:
        raise ValueError("accuracy_vs_homophily: curves must hold at least one curve")
    fig, ax = plt.subplots(figsize=figsize)
    if hurts is not None:
        ax.axvspan(*hurts, color="0.9", zorder=0, label="one averaging step hurts (theory)")
    for c in curves:
        missing = {"h", "mean", "std", "label", "model"} - set(c)
        if missing:
            raise ValueError(f"accuracy_vs_homophily: a curve is missing {sorted(missing)}")
        if not len(c["h"]) == len(c["mean"]) == len(c["std"]):
            raise ValueError(f"accuracy_vs_homophily: {c['label']}: h, mean and std must have the same length")
        dashed = c.get("dashed", False)
        ax.errorbar(c["h"], c["mean"], yerr=c["std"], label=c["label"], capsize=3, lw=2, ms=6,
                    color=color(c["model"]), marker=c.get("marker", "o"), ls="--" if dashed else "-",
                    mfc="white" if dashed else None)
    if chance is not None:
        ax.axhline(chance, color="0.5", ls=":", lw=1, label="chance (two balanced classes)")
    ax.set_xlabel("homophily knob $h$ of the contextual SBM")
    ax.set_ylabel("test accuracy (fraction)")
    ax.set_xlim(-0.03, 1.03)
    ax.set_ylim(0.4, 1.02)
    legend_outside(ax, where="below", ncol=2)
    fig.tight_layout()
    return fig


def accuracy_per_dataset(results: Mapping[str, Mapping[str, tuple[float, float]]], *, labels: Mapping[str, str],
                         tick_labels: Sequence[str], reported: Mapping[int, tuple[float, float]] | None = None,
                         reported_label: str = "reported", reported_model: str | None = None, figsize=(8, 5.4)):
    """Test accuracy in % per dataset as grouped bars (mean ± std), one bar per model, and numbers reported by
    others as white diamonds with their error bars on one model's bars.

    Args:
        results: ``{model key: {dataset: (mean %, std %)}}``, every model over the same datasets (in order).
        labels: legend text per model key; ``tick_labels``: one label per dataset.
        reported: ``{dataset index: (mean %, std %)}``, drawn on the bars of ``reported_model`` (default: the last).

    Returns the figure. Raises ``ValueError`` when models cover different datasets, a label is missing or a value
    lies outside ``[0, 100]``.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, legend_outside

    if not results:
        raise ValueError("accuracy_per_dataset: results must hold at least one model")
    datasets = [list(v) for v in results.values()]
    if any(d != datasets[0] for d in datasets) or len(tick_labels) != len(datasets[0]):
        raise ValueError("accuracy_per_dataset: every model must cover the same datasets, one tick label each")
    width = 0.72 / len(results)
    xs = np.arange(len(datasets[0]))
    fig, ax = plt.subplots(figsize=figsize)
    offsets = {}
    for k, (model, by_dataset) in enumerate(results.items()):
        if model not in labels:
            raise ValueError(f"accuracy_per_dataset: no label for model {model!r}")
        means, stds = (np.array([by_dataset[d][i] for d in datasets[0]], dtype=float) for i in (0, 1))
        if means.min() < 0 or means.max() > 100:
            raise ValueError("accuracy_per_dataset: accuracies are percentages in [0, 100]")
        offsets[model] = (k - (len(results) - 1) / 2) * width
        ax.bar(xs + offsets[model], means, width=width, yerr=stds, capsize=4, color=color(model),
               error_kw={"ecolor": "0.45"}, label=labels[model])
    if reported:
        off = offsets[reported_model or list(results)[-1]]
        idx = sorted(reported)
        ax.errorbar([i + off for i in idx], [reported[i][0] for i in idx], yerr=[reported[i][1] for i in idx],
                    fmt="D", ms=8, color="white", mec="black", ecolor="black", capsize=4, label=reported_label)
    ax.set_xticks(xs, list(tick_labels))
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    legend_outside(ax, where="below", ncol=3)
    fig.tight_layout()
    return fig
