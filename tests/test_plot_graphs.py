"""Chapter 1's figures: the graph and its adjacency, averaging and energies, homophily bars (what each draws, and
the bad input each rejects)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from physgnn import plot as pplot  # noqa: E402

POS = [(-2, 1), (-2, -1), (-0.8, 0), (0.8, 0), (2, -1), (2, 1)]
EDGES = [(0, 1), (0, 2), (1, 2), (2, 3), (3, 4), (3, 5), (4, 5)]
Y = [0, 0, 0, 1, 1, 0]


def test_graph_and_adjacency_draws_every_edge_node_and_matrix_entry():
    fig = pplot.graph_and_adjacency(POS, EDGES, Y)
    ax_g, ax_a = fig.axes
    dashed = [ln for ln in ax_g.lines if ln.get_linestyle() == "--"]
    assert len(ax_g.lines) == len(EDGES) and len(dashed) == 3, "three edges join different classes"
    assert [t.get_text() for t in ax_g.texts] == [str(i) for i in range(6)]
    A = ax_a.images[0].get_array()
    assert A.shape == (6, 6) and np.array_equal(A, A.T) and A.sum() == 2 * len(EDGES)
    assert sum(t.get_text() == "1" for t in ax_a.texts) == 2 * len(EDGES)
    assert ax_a.get_xlabel() == "source node $j$" and ax_a.get_ylabel() == "target node $i$"
    labels = [t.get_text() for t in ax_g.get_legend().get_texts()]
    assert labels == ["class 0", "class 1", "same-class edge", "cross-class edge"]
    plt.close(fig)


@pytest.mark.parametrize(
    "pos, edges, y, match",
    [
        (POS[:5], EDGES, Y, r"\[N\] = \[5\]"),
        (POS, [(0, 6)], Y, "nodes 0 .. 5"),
        (POS, EDGES, [0, 0, 2, 1, 1, 0], "0 or 1"),
    ],
)
def test_graph_and_adjacency_rejects_bad_input(pos, edges, y, match):
    with pytest.raises(ValueError, match=match):
        pplot.graph_and_adjacency(pos, edges, y)


def test_averaging_and_energy_draws_one_curve_per_node_and_both_energies():
    k, n = 11, 3
    traj = np.linspace(1, 0.5, k)[:, None] * np.array([1.0, 2.0, 3.0])
    e = np.geomspace(1, 1e-3, k)
    fig = pplot.averaging_and_energy(traj, [2, 3, 2], [0.5, 0.6, 0.5], e, 2 * e, 1e-4, dashed=(1,))
    ax_x, ax_e = fig.axes
    curves = [ln for ln in ax_x.lines if len(ln.get_xdata()) == k]
    assert len(curves) == n and [c.get_linestyle() for c in curves] == ["-", "--", "-"]
    assert len({to_rgba(c.get_color()) for c in curves}) == n, "one colour per node"
    assert len([ln for ln in ax_x.lines if ln.get_linestyle() == ":"]) == 3, "two distinct limits and their legend key"
    assert ax_e.get_yscale() == "log" and ax_e.get_ylabel() == "Dirichlet energy (log scale)"
    np.testing.assert_allclose(ax_e.lines[1].get_ydata(), 2 * e)
    # legends below the data: their top edge is under the axes
    fig.canvas.draw()
    for ax in (ax_x, ax_e):
        assert ax.get_legend().get_window_extent().y1 < ax.get_window_extent().y0
    plt.close(fig)
    with pytest.raises(ValueError, match="positive"):
        pplot.averaging_and_energy(traj, [2, 3, 2], [0.5, 0.6, 0.5], e, 0 * e, 1e-4)
    with pytest.raises(ValueError, match=r"\[K \+ 1\] = \[11\]"):
        pplot.averaging_and_energy(traj, [2, 3, 2], [0.5, 0.6, 0.5], e[:-1], e[:-1], 1e-4)


def test_homophily_bars_sorted_with_values_chance_and_the_half_line():
    h = {"texas": 0.11, "cora": 0.81, "tolokers": 0.6}
    chance = {"texas": 0.4, "cora": 0.18, "tolokers": 0.66}
    fig = pplot.homophily_bars(h, chance, names={"texas": "Texas", "cora": "Cora"})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Texas", "tolokers", "Cora"]
    assert [round(b.get_width(), 2) for b in ax.patches] == [0.11, 0.6, 0.81]
    assert [t.get_text() for t in ax.texts] == ["0.11", "0.60", "0.81"]
    np.testing.assert_allclose(ax.collections[0].get_offsets()[:, 0], [0.4, 0.66, 0.18])
    assert ax.lines[0].get_xdata()[0] == 0.5 and ax.get_xlim() == (0, 1)
    plt.close(fig)
    with pytest.raises(ValueError, match="same datasets"):
        pplot.homophily_bars(h, {"texas": 0.4})
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        pplot.homophily_bars({"texas": 1.2}, {"texas": 0.4})


def test_graphs_and_averaging_draws_each_graph_above_its_before_and_after_bars():
    x = [1.0, -1.0, 0.5]
    ring = [[0, 1, 1, 2, 2, 0], [1, 0, 2, 1, 0, 2]]  # an edge_index: both directions
    panels = [
        dict(pos=[(0, 0), (1, 0), (0, 1)], edges=ring, after=[0.2, 0.1, 0.3], title="ring"),
        dict(pos=[(0, 0), (1, 0), (0, 1)], edges=[(0, 1)], after=[0.0, 0.0, 0.5], title="one edge"),
    ]
    fig = pplot.graphs_and_averaging(panels, x, [0, 1, 1])
    (g1, g2), (b1, b2) = fig.axes[:2], fig.axes[2:4]
    assert len(g1.lines) == 3 and len(g2.lines) == 1, "each undirected edge drawn once"
    assert sum(ln.get_linestyle() == "--" for ln in g1.lines) == 2, "two edges of the ring join classes"
    assert g1.get_title() == "ring" and g2.get_title() == "one edge"
    heights = [p.get_height() for p in b1.patches]
    assert heights == [1.0, -1.0, 0.5, 0.2, 0.1, 0.3], "before, then after"
    assert [round(p.get_height(), 2) for p in b2.patches][3:] == [0.0, 0.0, 0.5]
    assert b1.get_xlabel() == "node" and b1.get_ylim()[1] >= 1.0
    assert [t.get_text() for t in fig.legends[0].get_texts()][:2] == ["class 0", "class 1"]
    plt.close(fig)
    with pytest.raises(ValueError, match=r"\[N\] = \[3\]"):
        pplot.graphs_and_averaging([dict(panels[0], after=[0.0])], x, [0, 1, 1])
    with pytest.raises(ValueError, match="missing"):
        pplot.graphs_and_averaging([dict(pos=[(0, 0)], edges=[], after=[0.0])], [0.0], [0])
