"""Figures of heterophily (Chapter 3): a friendship graph and a marketplace under one averaging step, three homophily
measures per dataset, accuracy against the homophily knob of a contextual SBM, accuracy per dataset beside numbers
reported by others, and two classes' features under diffusion and repulsion (the clouds, and the distance of their
means over time).

Each helper draws one whole figure in the book's style (:func:`physgnn.plot.style`) and returns it; a chapter shows
it and closes it. Models keep the book's colours (:func:`physgnn.plot.color`); legends sit below the axes, except in
the class clouds and the separation curves, whose legends sit in the lower-left corner of the first panel.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

__all__ = [
    "toy_graphs_and_averaging",
    "homophily_measures",
    "accuracy_vs_homophily",
    "accuracy_per_dataset",
    "class_clouds",
    "separation_over_time",
    "mlp_vs_gcn_per_dataset",
    "separation_under_three_fields",
]

_MEASURES = {
    "edge": ("o", "#0072B2", "edge homophily"),
    "node": ("s", "#E69F00", "node homophily"),
    "class": ("^", "#009E73", "class-insensitive homophily"),
}


def _toy_layouts() -> dict[str, list[tuple[float, float]]]:
    """Node positions of the two toy graphs (nodes 0-4 class 0 on the left, 5-9 class 1 on the right): two
    pentagons facing each other (node 4 faces group 1), and buyers above each other opposite the sellers."""
    angles = np.linspace(0, 2 * np.pi, 5, endpoint=False)
    turn = 4 * 2 * np.pi / 5  # node 4 at angle 0
    return {
        "friends": [(-1.7 + np.cos(a - turn), np.sin(a - turn)) for a in angles]
        + [(1.7 - np.cos(a), np.sin(a)) for a in angles],
        "marketplace": [(-1.5, 1.6 - 0.8 * k) for k in range(5)] + [(1.5, 1.6 - 0.8 * k) for k in range(5)],
    }


_TOY_TITLES = {"friends": "friendship graph", "marketplace": "marketplace: buyers (left), sellers (right)"}


def toy_graphs_and_averaging(edges: Mapping[str, object], after: Mapping[str, Sequence[float]],
                             homophily: Mapping[str, float], x_before, classes):
    """The friendship graph (two groups of five joined by one edge) and the marketplace (every edge joins a buyer
    to a seller) side by side, each titled with its edge homophily, above bar charts of one feature per node before
    and after one averaging step, drawn by :func:`physgnn.plot.graphs_and_averaging` with the book's layout of
    the two graphs.

    Args:
        edges: ``{"friends" | "marketplace": edge pairs [E, 2] or an edge_index [2, E]}`` on nodes ``0 .. 9``.
        after: ``{name: [10]}``, the feature after one step; ``homophily``: ``{name: edge homophily}``.
        x_before: ``[10]``, the feature before the step; ``classes``: ``[10]`` labels 0 or 1.

    Returns the figure. Raises ``ValueError`` for a graph other than the two, a missing ``after`` or
    ``homophily``, or shapes other than 10 nodes (and the bad input ``graphs_and_averaging`` rejects).
    """
    from physgnn.plot_graphs import graphs_and_averaging

    layout = _toy_layouts()
    if not edges or set(edges) - set(layout):
        raise ValueError(f"toy_graphs_and_averaging: edges must name graphs among {sorted(layout)}, got {list(edges)}")
    missing = [n for n in edges if n not in after or n not in homophily]
    if missing:
        raise ValueError(f"toy_graphs_and_averaging: no 'after' or 'homophily' for {missing}")
    if np.asarray(x_before).reshape(-1).shape != (10,):
        raise ValueError("toy_graphs_and_averaging: x_before must be [10], one value per node of the toy graphs")
    panels = [
        dict(pos=layout[n], edges=edges[n], after=after[n],
             title=f"{_TOY_TITLES[n]}\nedge homophily $h$ = {float(homophily[n]):.2f}")
        for n in edges
    ]
    return graphs_and_averaging(panels, x_before, classes)


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


def _numpy(x) -> np.ndarray:
    """A NumPy float array of ``x`` (torch tensors detached and moved to the CPU)."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=float)


def _as_points(x, name: str) -> np.ndarray:
    x = _numpy(x)
    if x.ndim != 2 or x.shape[1] != 2 or x.shape[0] == 0:
        raise ValueError(f"{name}: features must be [N, 2] (two channels, to plot them), got shape {x.shape}")
    return x


def class_clouds(panels: Sequence[tuple[str, object]], classes, *, colors: Sequence[str] = ("#0072B2", "#E69F00"),
                 figsize=(14, 3.8)):
    """Two-channel node features as scatter plots side by side, one panel per moment (e.g. the start, then the end
    of each run), nodes coloured by class with each class mean marked by a large cross; each title adds the
    distance ``||m_0 - m_1||`` between the two class means. One legend (classes, class mean) in the first panel.

    Args:
        panels: ``(title, x)`` pairs, ``x`` ``[N, 2]`` features (NumPy or torch).
        classes: ``[N]`` labels 0 or 1 (both present); ``colors``: the two class colours.

    Returns the figure. Raises ``ValueError`` for features that are not ``[N, 2]``, labels other than 0 and 1, or
    a class without nodes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    if not panels:
        raise ValueError("class_clouds: panels must hold at least one (title, x) pair")
    y = _numpy(classes).astype(int).reshape(-1)
    if set(y.tolist()) != {0, 1}:
        raise ValueError("class_clouds: classes must be [N] labels 0 and 1, both present")
    fig, axes = plt.subplots(1, len(panels), figsize=figsize, squeeze=False)
    for ax, (title, x) in zip(axes[0], panels):
        x = _as_points(x, f"class_clouds: {title}")
        if x.shape[0] != y.size:
            raise ValueError(f"class_clouds: {title}: x has {x.shape[0]} nodes, classes {y.size}")
        means = []
        for c in (0, 1):
            pts = x[y == c]
            means.append(pts.mean(0))
            ax.scatter(pts[:, 0], pts[:, 1], s=6, alpha=0.5, color=colors[c])
            ax.scatter(*means[-1], s=160, marker="X", color=colors[c], edgecolor="black", zorder=3)
        gap = float(np.linalg.norm(means[0] - means[1]))
        ax.set_title(f"{title}\nclass-mean distance {gap:.2f}", fontsize=10)
        ax.set_xlabel("feature 1")
        ax.set_ylabel("feature 2")
    handles = [Line2D([], [], marker="o", ls="", color=colors[c], label=f"class {c}") for c in (0, 1)]
    handles.append(Line2D([], [], marker="X", ls="", ms=10, color="0.5", mec="black", label="class mean"))
    axes[0, 0].legend(handles=handles, fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def separation_over_time(curves: Sequence[dict], *, figsize=(11, 4.3)):
    """How far apart two classes are over time, one curve per run in both panels: left, the distance
    ``||m_0 - m_1||`` between the class means (log scale); right, that distance divided by the within-class spread
    (log scale). The legend sits in the left panel.

    Args:
        curves: dicts with ``t`` (``[T]``), ``separation`` (a pair ``(gap, spread)``, ``[T]`` each, positive),
            ``color``, ``label`` and optional ``ls`` (default solid).

    Returns the figure. Raises ``ValueError`` for a missing field, mismatched lengths or non-positive values.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import energy_axes

    if not curves:
        raise ValueError("separation_over_time: curves must hold at least one run")
    fig, (ax_g, ax_r) = plt.subplots(1, 2, figsize=figsize)
    for c in curves:
        missing = {"t", "separation", "color", "label"} - set(c)
        if missing:
            raise ValueError(f"separation_over_time: a curve is missing {sorted(missing)}")
        if len(c["separation"]) != 2:
            raise ValueError(f"separation_over_time: {c['label']}: separation must be the pair (gap, spread)")
        t, gap, spread = (_numpy(v).reshape(-1) for v in (c["t"], *c["separation"]))
        if not t.size == gap.size == spread.size:
            raise ValueError(f"separation_over_time: {c['label']}: t, gap and spread must have the same length")
        if min(gap.min(), spread.min()) <= 0:
            raise ValueError(f"separation_over_time: {c['label']}: gap and spread must be positive (log scale)")
        style = dict(color=c["color"], ls=c.get("ls", "-"), lw=2, label=c["label"])
        ax_g.plot(t, gap, **style)
        ax_r.plot(t, gap / spread, **style)
    energy_axes(ax_g, xlabel="time $t$", ylabel="class-mean distance $\\|m_0 - m_1\\|$")
    ax_r.set_yscale("log")
    ax_r.set_xlabel("time $t$")
    ax_r.set_ylabel("class-mean distance / within-class spread")
    ax_g.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def mlp_vs_gcn_per_dataset(summary: Mapping[tuple[str, str], Mapping[str, float]], datasets: Sequence[str], *,
                           names: Mapping[str, str], homophily: Mapping[str, float],
                           reported: Mapping[str, tuple[float, float]], reported_label: str, figsize=(8, 5.4)):
    """Figure 3.4: :func:`accuracy_per_dataset` for the book's MLP and GCN from a summary of runs, each dataset's
    tick labelled with its name and edge homophily ``h``, and the GCN numbers reported by others on the GCN's bars.

    Args:
        summary: ``{(dataset, "mlp" | "gcn"): {"mean": accuracy, "std": accuracy}}`` as fractions in [0, 1] (what
            :func:`physgnn.experiments.real_gcn_vs_mlp.summarize` returns).
        datasets: the datasets in bar order; ``names``: a display name per dataset; ``homophily``: edge homophily
            per dataset.
        reported: ``{dataset: (mean %, std %)}`` for the datasets that have a reported GCN number (others are left
            out), labelled ``reported_label`` in the legend.

    Returns the figure. Raises ``ValueError`` when a dataset lacks a model's summary, a name or a homophily, or an
    accuracy is not a fraction in [0, 1].
    """
    missing = [(d, m) for d in datasets for m in ("mlp", "gcn") if (d, m) not in summary]
    missing += [d for d in datasets if d not in names or d not in homophily]
    if not datasets or missing:
        raise ValueError(f"mlp_vs_gcn_per_dataset: every dataset needs the MLP and GCN summaries, a name and a "
                         f"homophily; missing {missing or 'datasets'}")
    results = {}
    for m in ("mlp", "gcn"):
        results[m] = {}
        for d in datasets:
            mean, std = float(summary[d, m]["mean"]), float(summary[d, m]["std"])
            if not 0 <= mean <= 1 or std < 0:  # a single run's std may be nan
                raise ValueError(f"mlp_vs_gcn_per_dataset: {d}/{m}: mean and std are fractions (mean in [0, 1]), "
                                 f"got {mean} and {std}; pass accuracies, not percentages")
            results[m][d] = (100 * mean, 100 * std)
    return accuracy_per_dataset(
        results, labels={"mlp": "MLP (this book)", "gcn": "GCN (this book)"},
        tick_labels=[f"{names[d]}\n$h$ = {homophily[d]:.2f}" for d in datasets],
        reported={i: reported[d] for i, d in enumerate(datasets) if d in reported},
        reported_label=reported_label, figsize=figsize,
    )


def separation_under_three_fields(t_diff, t_rep, separation: Mapping[tuple[str, float], tuple], *, h_low: float,
                                  h_high: float, beta: float, figsize=(11, 4.3)):
    """Figure 3.6: :func:`separation_over_time` for diffusion on a heterophilous (``h_low``, solid) and a
    homophilous graph (``h_high``, dashed), and, on the heterophilous graph, attraction–repulsion with ``beta`` and
    the oracle signed field. Diffusion's runs are on the times ``t_diff``, the two others on ``t_rep``.

    Args:
        separation: ``{(field, h): (gap, spread)}`` with the fields ``"diffusion"`` (at ``h_low`` and ``h_high``),
            ``"attraction-repulsion"`` and ``"oracle signed"`` (at ``h_low``); ``[T]`` arrays, positive.

    Returns the figure. Raises ``ValueError`` for a missing run, and (from ``separation_over_time``) mismatched
    lengths or non-positive values.
    """
    from physgnn.plot import PALETTE, color

    need = [("diffusion", h_low), ("diffusion", h_high), ("attraction-repulsion", h_low), ("oracle signed", h_low)]
    missing = [k for k in need if k not in separation]
    if missing:
        raise ValueError(f"separation_under_three_fields: separation lacks the runs {missing}")
    c_diff, c_ar = color("diffusion"), color("attraction-repulsion")
    return separation_over_time([
        dict(t=t_diff, separation=separation["diffusion", h_low], color=c_diff, label=f"diffusion, $h$ = {h_low}"),
        dict(t=t_diff, separation=separation["diffusion", h_high], color=c_diff, ls="--",
             label=f"diffusion, $h$ = {h_high}"),
        dict(t=t_rep, separation=separation["attraction-repulsion", h_low], color=c_ar,
             label=f"attraction–repulsion, $\\beta$ = {beta}, $h$ = {h_low}"),
        dict(t=t_rep, separation=separation["oracle signed", h_low], color=PALETTE[5],
             label=f"oracle signed, $h$ = {h_low}"),
    ], figsize=figsize)
