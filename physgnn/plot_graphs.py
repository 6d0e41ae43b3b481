"""Figures of small graphs and of homophily (Chapter 1): a hand-placed graph beside its adjacency matrix, node
features under repeated averaging beside their Dirichlet energies, and the edge homophily of many datasets.

Each helper draws one whole figure in the book's style (:func:`physgnn.plot.style`) and returns it; a chapter shows
it and closes it. Colours: class 0 blue and class 1 orange (Okabe–Ito), cross-class edges vermillion and dashed.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

__all__ = ["graph_and_adjacency", "graphs_and_averaging", "averaging_and_energy", "homophily_bars"]

_BLUE, _VERMILLION, _ORANGE = "#0072B2", "#D55E00", "#E69F00"


def _graph_input(pos, edges, classes, name: str):
    """Checked ``pos`` [N, 2], undirected ``pairs`` [E, 2] (each edge once) and ``classes`` [N] in {0, 1}."""
    pos = np.asarray(pos, dtype=float)
    y = np.asarray(classes).astype(int).reshape(-1)
    pairs = np.asarray(edges, dtype=int).reshape(-1, 2)
    n = len(pos)
    if pos.ndim != 2 or pos.shape[1] != 2:
        raise ValueError(f"{name}: pos must be [N, 2] positions, got shape {pos.shape}")
    if y.shape != (n,) or not set(y.tolist()) <= {0, 1}:
        raise ValueError(f"{name}: classes must be [N] = [{n}] labels 0 or 1")
    if pairs.size and (pairs.min() < 0 or pairs.max() >= n):
        raise ValueError(f"{name}: edges must join nodes 0 .. {n - 1}")
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)  # each undirected edge once, whatever the input
    return pos, pairs, y


def _draw_graph(ax, pos, pairs, y, *, node_size: float, fontsize: float) -> None:
    """Numbered nodes filled by class, same-class edges grey and solid, cross-class edges vermillion and dashed."""
    fill, ink = [_BLUE, _ORANGE], ["white", "black"]  # node numbers readable on either fill
    for a, b in pairs:
        cross = y[a] != y[b]
        ax.plot(*pos[[a, b]].T, zorder=1, color=_VERMILLION if cross else "0.45", ls="--" if cross else "-", lw=2.5)
    for i, (px, py) in enumerate(pos):
        ax.scatter(px, py, s=node_size, color=fill[y[i]], edgecolor="black", zorder=2)
        ax.text(px, py, str(i), ha="center", va="center", fontsize=fontsize, fontweight="bold", color=ink[y[i]],
                zorder=3)
    pad = 0.6
    ax.set_xlim(pos[:, 0].min() - pad, pos[:, 0].max() + pad)
    ax.set_ylim(pos[:, 1].min() - pad, pos[:, 1].max() + pad)
    ax.set_aspect("equal")
    ax.axis("off")


def _class_handles(marker_size: float, lw: float):
    from matplotlib.lines import Line2D

    return [
        Line2D([], [], marker="o", ls="", ms=marker_size, mfc=_BLUE, mec="black", label="class 0"),
        Line2D([], [], marker="o", ls="", ms=marker_size, mfc=_ORANGE, mec="black", label="class 1"),
        Line2D([], [], color="0.45", lw=lw, label="same-class edge"),
        Line2D([], [], color=_VERMILLION, ls="--", lw=lw, label="cross-class edge"),
    ]


def graphs_and_averaging(panels: Sequence[dict], x_before, classes, *, figsize=(10, 8.2)):
    """Small graphs side by side (top row), each above a bar chart of one feature per node before (white bars) and
    after one averaging step on that graph (bars in the node's class colour). One legend for the graphs sits
    between the rows, one for the bars below the last chart.

    Args:
        panels: one dict per graph: ``pos`` ``[N, 2]``, ``edges`` (pairs ``(a, b)`` or an ``edge_index`` ``[2, E]``;
            both directions may be listed), ``after`` ``[N]`` (the feature after one step), ``title``.
        x_before: ``[N]``, the feature before the step (shared by the panels).
        classes: ``[N]`` labels 0 or 1.

    Returns the figure. Raises ``ValueError`` for mismatched shapes, other labels or out-of-range edges.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import legend_outside

    if not panels:
        raise ValueError("graphs_and_averaging: panels must hold at least one graph")
    x0 = np.asarray(x_before, dtype=float).reshape(-1)
    fig, axes = plt.subplots(2, len(panels), figsize=figsize, gridspec_kw={"height_ratios": [1.15, 1]},
                             squeeze=False)
    for col, panel in enumerate(panels):
        missing = {"pos", "edges", "after", "title"} - set(panel)
        if missing:
            raise ValueError(
                f"graphs_and_averaging: every panel needs pos, edges, after and title; missing {sorted(missing)}"
            )
        edges = np.asarray(panel["edges"])
        if edges.ndim == 2 and edges.shape[0] == 2 and edges.shape[1] != 2:
            edges = edges.T  # an edge_index [2, E]
        pos, pairs, y = _graph_input(panel["pos"], edges, classes, "graphs_and_averaging")
        after = np.asarray(panel["after"], dtype=float).reshape(-1)
        if x0.shape != (len(pos),) or after.shape != (len(pos),):
            raise ValueError(f"graphs_and_averaging: x_before and after must be [N] = [{len(pos)}], one per node")
        ax = axes[0, col]
        _draw_graph(ax, pos, pairs, y, node_size=380, fontsize=10)
        ax.set_title(panel["title"])
        ax = axes[1, col]
        nodes = np.arange(len(pos))
        ax.bar(nodes - 0.2, x0, width=0.4, color="white", edgecolor="black", label="before")
        ax.bar(nodes + 0.2, after, width=0.4, color=[(_BLUE, _ORANGE)[c] for c in y], edgecolor="black",
               label="after one averaging step (class colour)")
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks(nodes)
        top = 1.15 * max(np.abs(x0).max(), np.abs(after).max(), 1e-12)
        ax.set_ylim(-top, top)
        ax.set_xlabel("node")
        ax.set_ylabel("feature value (no units)")
    fig.tight_layout(rect=(0, 0, 1, 1))
    fig.subplots_adjust(hspace=0.45)
    top_row = axes[1, 0].get_position().y1
    fig.legend(handles=_class_handles(11, 2), loc="lower center", bbox_to_anchor=(0.5, top_row + 0.02), ncol=4)
    legend_outside(axes[1, -1], where="below", ncol=1)
    return fig


def graph_and_adjacency(pos, edges, classes, *, figsize=(10, 4.2)):
    """A small graph drawn by hand (left: numbered nodes coloured by class, same-class edges grey and solid,
    cross-class edges dashed) beside its adjacency matrix (right: ``A[i, j] = 1`` for an edge ``j -> i``, written
    in each filled cell). The legend sits under the graph, outside its nodes.

    Shapes:
        - ``pos``: ``[N, 2]`` node positions; ``edges``: ``E`` undirected pairs ``(a, b)``, each once
        - ``classes``: ``[N]`` labels 0 or 1

    Returns the figure. Raises ``ValueError`` for mismatched shapes, out-of-range nodes or other labels.
    """
    import matplotlib.pyplot as plt

    pos, pairs, y = _graph_input(pos, edges, classes, "graph_and_adjacency")
    n = len(pos)
    A = np.zeros((n, n))
    A[pairs[:, 1], pairs[:, 0]] = A[pairs[:, 0], pairs[:, 1]] = 1.0
    fig, (ax_g, ax_a) = plt.subplots(1, 2, figsize=figsize, gridspec_kw={"width_ratios": [1.5, 1]})
    _draw_graph(ax_g, pos, pairs, y, node_size=900, fontsize=14)
    ax_g.set_title("the graph $G$")
    ax_g.legend(handles=_class_handles(13, 2.5), loc="upper center", bbox_to_anchor=(0.5, 0.02), ncol=2,
                frameon=False)
    ax_a.imshow(A, cmap="Greys", vmin=0, vmax=1.25)
    ax_a.grid(False)
    for i, j in zip(*np.nonzero(A)):
        ax_a.text(j, i, "1", ha="center", va="center", color="white", fontsize=11)
    ax_a.set_xticks(range(n))
    ax_a.set_yticks(range(n))
    ax_a.set_xlabel("source node $j$")
    ax_a.set_ylabel("target node $i$")
    ax_a.set_title("adjacency $A_{ij}$")
    fig.tight_layout()
    return fig


def averaging_and_energy(trajectory, degrees, limits, energy_normalized, energy_unnormalized,
                         energy_unnormalized_limit: float, *, dashed: Sequence[int] = (), figsize=(11, 4.3)):
    """Left: each node's (one-channel) feature against the number ``k`` of applications of ``Â``, one colour per
    node (``dashed`` nodes drawn dashed, so that curves that merge stay visible), with the limit values as dotted
    lines. Right: the two Dirichlet energies against ``k`` on a log scale, with the unnormalised energy of the
    limit as a dotted line. The left legend sits below the axes, outside the curves.

    Shapes:
        - ``trajectory``: ``[K + 1, N]``; ``degrees``: ``[N]`` (``d̃_i``, for the legend); ``limits``: ``[N]``
        - ``energy_normalized``, ``energy_unnormalized``: ``[K + 1]`` positive

    Returns the figure. Raises ``ValueError`` for mismatched shapes or non-positive energies.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import PALETTE, legend_outside

    x = np.asarray(trajectory, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"averaging_and_energy: trajectory must be [K + 1, N], got shape {x.shape}")
    steps, n = x.shape
    d, lim = np.asarray(degrees).reshape(-1), np.asarray(limits, dtype=float).reshape(-1)
    e_n, e_u = (np.asarray(e, dtype=float).reshape(-1) for e in (energy_normalized, energy_unnormalized))
    if d.shape != (n,) or lim.shape != (n,):
        raise ValueError(f"averaging_and_energy: degrees and limits must be [N] = [{n}], one per node")
    if e_n.shape != (steps,) or e_u.shape != (steps,):
        raise ValueError(f"averaging_and_energy: energies must be [K + 1] = [{steps}], one per step")
    if n > len(PALETTE):
        raise ValueError(f"averaging_and_energy: at most {len(PALETTE)} nodes (one palette colour each), got {n}")
    if (e_n <= 0).any() or (e_u <= 0).any() or not energy_unnormalized_limit > 0:
        raise ValueError("averaging_and_energy: energies must be positive (they are drawn on a log scale)")
    ks = np.arange(steps)
    fig, (ax_x, ax_e) = plt.subplots(1, 2, figsize=figsize)
    for i in range(n):
        ax_x.plot(ks, x[:, i], color=PALETTE[i], lw=2, ls="--" if i in dashed else "-",
                  label=f"node {i} ($\\tilde d$ = {int(d[i])})")
    for value in sorted(set(np.round(lim, 6).tolist())):
        ax_x.axhline(value, color="black", ls=":", lw=1.2)
    ax_x.plot([], [], color="black", ls=":", label="limit $\\propto \\sqrt{\\tilde d_i}$")
    ax_x.set_xlabel("applications $k$ of $\\hat A$")
    ax_x.set_ylabel("feature value of node $i$")
    legend_outside(ax_x, where="below", ncol=2)
    ax_e.semilogy(ks, e_n, color=PALETTE[0], lw=2, label="normalised: trace$(x^\\top L x)$")
    ax_e.semilogy(ks, e_u, color=PALETTE[1], lw=2, ls="--", label="unnormalised $E(x)$")
    ax_e.axhline(energy_unnormalized_limit, color="black", ls=":", lw=1.2, label="unnormalised $E$ of the limit")
    ax_e.set_xlabel("applications $k$ of $\\hat A$")
    ax_e.set_ylabel("Dirichlet energy (log scale)")
    legend_outside(ax_e, where="below", ncol=1)
    fig.tight_layout()
    return fig


def homophily_bars(h_edge: Mapping[str, float], chance: Mapping[str, float], *, names: Mapping[str, str] | None = None,
                   figsize=(8.5, 5.8)):
    """Edge homophily of each dataset as horizontal bars, sorted from lowest to highest, each with its value, a
    black diamond at its chance level (``sum_k p_k**2`` for class shares ``p_k``), and a dashed line at ``h = 0.5``.
    ``names`` maps keys to the names printed on the axis (default: the keys).

    Returns the figure. Raises ``ValueError`` when the two mappings name different datasets or a value lies outside
    ``[0, 1]``.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import legend_outside

    if set(h_edge) != set(chance) or not h_edge:
        raise ValueError("homophily_bars: h_edge and chance must name the same datasets (and at least one)")
    values = [*h_edge.values(), *chance.values()]
    if not all(0 <= v <= 1 for v in values):
        raise ValueError("homophily_bars: homophily and chance levels must lie in [0, 1]")
    names = names or {}
    order = sorted(h_edge, key=h_edge.get)
    rows = np.arange(len(order))
    fig, ax = plt.subplots(figsize=figsize)
    ax.barh(rows, [h_edge[k] for k in order], color=_BLUE, label="edge homophily")
    ax.scatter([chance[k] for k in order], rows, marker="D", s=45, color="black", zorder=3,
               label="chance level $\\sum_k p_k^2$")
    for r, k in zip(rows, order):  # the value, right of the bar and of the diamond
        ax.text(max(h_edge[k], chance[k]) + 0.02, r, f"{h_edge[k]:.2f}", va="center", fontsize=10)
    ax.axvline(0.5, color=_VERMILLION, ls="--", lw=2, label="$h = 0.5$")
    ax.set_yticks(rows, [names.get(k, k) for k in order])
    ax.set_xlim(0, 1)
    ax.set_xlabel("edge homophily $h_{\\mathrm{edge}}$ (undirected, no self-loops)")
    legend_outside(ax, where="below", ncol=3)
    fig.tight_layout()
    return fig
