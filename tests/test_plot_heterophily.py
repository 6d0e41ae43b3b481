"""Chapter 3's figures: homophily measures per dataset, accuracy against the homophily knob, accuracy per dataset
(what each draws, and the bad input each rejects)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from physgnn import plot as pplot  # noqa: E402

MEASURES = {
    "cora": dict(edge=0.81, node=0.83, **{"class": 0.77}, chance=0.18),
    "texas": dict(edge=0.11, node=0.07, **{"class": 0.0}, chance=0.42),
}


def test_homophily_measures_sorted_rows_with_three_measures_and_chance():
    fig = pplot.homophily_measures(MEASURES, names={"cora": "Cora", "texas": "Texas"})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Texas", "Cora"], "sorted by edge homophily"
    edge, node, cls, chance = ax.collections
    np.testing.assert_allclose(edge.get_offsets()[:, 0], [0.11, 0.81])
    np.testing.assert_allclose(cls.get_offsets()[:, 0], [0.0, 0.77])
    np.testing.assert_allclose(chance.get_offsets()[:, 0], [0.42, 0.18])
    assert [ln.get_xdata().tolist() for ln in ax.lines] == [[0.0, 0.11], [0.77, 0.83]], "a line spans each row"
    assert len(ax.get_legend().get_texts()) == 4
    plt.close(fig)
    with pytest.raises(ValueError, match="missing"):
        pplot.homophily_measures({"cora": dict(edge=0.8)})
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        pplot.homophily_measures({"cora": dict(MEASURES["cora"], node=1.5)})


def test_accuracy_vs_homophily_error_bars_shade_and_chance():
    h = [0.0, 0.5, 1.0]
    curves = [
        dict(h=h, mean=[0.9, 0.9, 0.9], std=[0.01] * 3, label="MLP", model="mlp"),
        dict(h=h, mean=[0.95, 0.5, 0.99], std=[0.02] * 3, label="GCN-4", model="gcn", marker="^", dashed=True),
    ]
    fig = pplot.accuracy_vs_homophily(curves, hurts=(0.3, 0.7))
    ax = fig.axes[0]
    lines = [container.lines[0] for container in ax.containers]  # each error bar's data line
    assert len(lines) == 2
    np.testing.assert_allclose(np.asarray(lines[1].get_ydata(), float), [0.95, 0.5, 0.99])
    assert lines[1].get_linestyle() == "--" and lines[1].get_marker() == "^"
    assert to_rgba(lines[0].get_color()) == to_rgba(pplot.color("mlp"))
    span = ax.patches[0]
    assert np.isclose(span.get_x(), 0.3) and np.isclose(span.get_width(), 0.4), "the shaded interval"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "chance (two balanced classes)" in labels and "one averaging step hurts (theory)" in labels
    plt.close(fig)
    with pytest.raises(ValueError, match="same length"):
        pplot.accuracy_vs_homophily([dict(curves[0], std=[0.1])])


def test_accuracy_per_dataset_grouped_bars_and_reported_diamonds():
    results = {"mlp": {"texas": (80.0, 5.0), "cora": (75.0, 2.0)}, "gcn": {"texas": (60.0, 6.0), "cora": (87.0, 1.0)}}
    fig = pplot.accuracy_per_dataset(
        results, labels={"mlp": "MLP", "gcn": "GCN"}, tick_labels=["Texas", "Cora"], reported={0: (55.1, 5.2)},
        reported_label="GCN as reported",
    )
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == [80.0, 75.0, 60.0, 87.0]
    gcn_texas = ax.patches[2]
    diamond = next(ln for ln in ax.lines if ln.get_marker() == "D")
    assert np.isclose(diamond.get_xdata()[0], gcn_texas.get_x() + gcn_texas.get_width() / 2), "on the GCN's bar"
    assert diamond.get_ydata()[0] == 55.1
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Texas", "Cora"] and ax.get_ylim() == (0, 100)
    plt.close(fig)
    with pytest.raises(ValueError, match="same datasets"):
        pplot.accuracy_per_dataset({"mlp": {"texas": (1, 1)}, "gcn": {"cora": (1, 1)}}, labels={}, tick_labels=["a"])
    with pytest.raises(ValueError, match=r"\[0, 100\]"):
        pplot.accuracy_per_dataset({"mlp": {"texas": (180, 1)}}, labels={"mlp": "MLP"}, tick_labels=["T"])


def _toy():
    """The toy graphs of Chapter 3 on nodes 0-9 (0-4 class 0, 5-9 class 1): two cliques-with-a-bridge, a bipartite
    marketplace."""
    friends = [(a, b) for a in range(5) for b in range(a + 1, 5)] + [(a + 5, b + 5) for a in range(5)
                                                                       for b in range(a + 1, 5)] + [(4, 5)]
    market = [(a, b) for a in range(5) for b in range(5, 10)]
    return {"friends": friends, "marketplace": market}


def test_toy_graphs_and_averaging_titles_each_graph_with_its_homophily():
    from physgnn import plot_heterophily as phet

    x, y = np.repeat([-1.0, 1.0], 5), np.repeat([0, 1], 5)
    after = {"friends": x * 0.9, "marketplace": -x / 3}
    fig = phet.toy_graphs_and_averaging(_toy(), after, {"friends": 0.952, "marketplace": 0.0}, x, y)
    graph_f, graph_m, bars_f, bars_m = fig.axes[:4]
    assert graph_f.get_title() == "friendship graph\nedge homophily $h$ = 0.95"
    assert graph_m.get_title() == "marketplace: buyers (left), sellers (right)\nedge homophily $h$ = 0.00"
    cross = [ln for ln in graph_m.lines if ln.get_linestyle() == "--"]
    assert len(cross) == 25, "every marketplace edge joins the classes"
    assert len([ln for ln in graph_f.lines if ln.get_linestyle() == "--"]) == 1, "one bridge"
    buyers = [ln.get_xdata()[0] for ln in graph_m.lines]
    assert set(np.round(buyers, 6)) == {-1.5}, "buyers in a column on the left"
    np.testing.assert_allclose([p.get_height() for p in bars_m.patches[10:]], -x / 3)
    plt.close(fig)
    with pytest.raises(ValueError, match="among"):
        phet.toy_graphs_and_averaging({"ring": []}, after, {}, x, y)
    with pytest.raises(ValueError, match="no 'after' or 'homophily'"):
        phet.toy_graphs_and_averaging(_toy(), after, {"friends": 0.9}, x, y)
    with pytest.raises(ValueError, match=r"\[10\]"):
        phet.toy_graphs_and_averaging(_toy(), after, {"friends": 0.9, "marketplace": 0.0}, x[:4], y)


def test_class_clouds_marks_the_class_means_and_their_distance():
    import torch

    from physgnn import plot_heterophily as phet

    y = np.array([0, 0, 1, 1])
    start = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 3.0], [2.0, 3.0]])  # means (1, 0) and (1, 3): distance 3
    fig = phet.class_clouds([("start", start), ("later", torch.tensor(start / 2))], torch.tensor(y))
    ax0, ax1 = fig.axes
    assert ax0.get_title() == "start\nclass-mean distance 3.00"
    assert ax1.get_title() == "later\nclass-mean distance 1.50", "torch tensors are accepted"
    mean0 = ax0.collections[1]
    np.testing.assert_allclose(mean0.get_offsets()[0], [1.0, 0.0])
    assert [t.get_text() for t in ax0.get_legend().get_texts()] == ["class 0", "class 1", "class mean"]
    assert ax1.get_legend() is None and ax0.get_xlabel() == "feature 1"
    plt.close(fig)
    with pytest.raises(ValueError, match=r"\[N, 2\]"):
        phet.class_clouds([("3-d", np.zeros((4, 3)))], y)
    with pytest.raises(ValueError, match="both present"):
        phet.class_clouds([("start", start)], np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="has 3 nodes"):
        phet.class_clouds([("start", start[:3])], y)


def test_separation_over_time_divides_the_gap_by_the_spread():
    from physgnn import plot_heterophily as phet

    t = np.linspace(0, 1, 5)
    gap, spread = np.exp(-t), np.full(5, 0.5)
    curves = [dict(t=t, separation=(gap, spread), color="#009E73", label="diffusion"),
              dict(t=t, separation=(gap * 2, spread), color="#E69F00", ls="--", label="repulsion")]
    fig = phet.separation_over_time(curves)
    ax_g, ax_r = fig.axes
    np.testing.assert_allclose(ax_g.lines[0].get_ydata(), gap)
    np.testing.assert_allclose(ax_r.lines[0].get_ydata(), gap / spread)
    assert ax_r.lines[1].get_linestyle() == "--" and ax_g.get_yscale() == ax_r.get_yscale() == "log"
    assert [t.get_text() for t in ax_g.get_legend().get_texts()] == ["diffusion", "repulsion"]
    assert ax_r.get_ylabel() == "class-mean distance / within-class spread"
    plt.close(fig)
    with pytest.raises(ValueError, match="missing"):
        phet.separation_over_time([dict(t=t, color="k", label="x")])
    with pytest.raises(ValueError, match="same length"):
        phet.separation_over_time([dict(curves[0], t=t[:3])])
    with pytest.raises(ValueError, match="positive"):
        phet.separation_over_time([dict(curves[0], separation=(0 * gap, spread))])


def test_mlp_vs_gcn_per_dataset_turns_fractions_into_bars_with_homophily_ticks():
    from physgnn import plot_heterophily

    summary = {("texas", "mlp"): dict(mean=0.80, std=0.05), ("texas", "gcn"): dict(mean=0.55, std=0.06),
               ("cora", "mlp"): dict(mean=0.75, std=0.02), ("cora", "gcn"): dict(mean=0.87, std=float("nan"))}
    fig = plot_heterophily.mlp_vs_gcn_per_dataset(
        summary, ["texas", "cora"], names={"texas": "Texas", "cora": "Cora"},
        homophily={"texas": 0.108, "cora": 0.81}, reported={"texas": (55.1, 5.2)}, reported_label="GCN (reported)")
    ax = fig.axes[0]
    heights = sorted(round(p.get_height(), 6) for p in ax.patches)
    assert heights == [55.0, 75.0, 80.0, 87.0], "percentages, one bar per model and dataset"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Texas\n$h$ = 0.11", "Cora\n$h$ = 0.81"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"MLP (this book)", "GCN (this book)", "GCN (reported)"} <= set(labels)
    plt.close(fig)
    with pytest.raises(ValueError, match="missing"):
        plot_heterophily.mlp_vs_gcn_per_dataset(summary, ["texas", "cornell"], names={"texas": "Texas"},
                                                homophily={"texas": 0.1}, reported={}, reported_label="r")
    with pytest.raises(ValueError, match="not percentages"):
        plot_heterophily.mlp_vs_gcn_per_dataset(
            {**summary, ("texas", "mlp"): dict(mean=80.0, std=5.0)}, ["texas"], names={"texas": "Texas"},
            homophily={"texas": 0.1}, reported={}, reported_label="r")


def test_separation_under_three_fields_draws_the_four_runs_on_their_times():
    from physgnn import plot_heterophily
    from physgnn.plot import PALETTE

    t_diff, t_rep = np.linspace(0, 5, 6), np.linspace(0, 3, 4)
    pair = lambda t, r: (np.exp(r * t), np.ones_like(t))  # noqa: E731
    sep = {("diffusion", 0.1): pair(t_diff, -1.0), ("diffusion", 0.9): pair(t_diff, -0.2),
           ("attraction-repulsion", 0.1): pair(t_rep, 1.0), ("oracle signed", 0.1): pair(t_rep, 0.5)}
    fig = plot_heterophily.separation_under_three_fields(t_diff, t_rep, sep, h_low=0.1, h_high=0.9, beta=0.3)
    ax_g = fig.axes[0]
    assert len(ax_g.lines) == 4
    np.testing.assert_allclose(ax_g.lines[1].get_ydata(), np.exp(-0.2 * t_diff))
    assert ax_g.lines[1].get_linestyle() == "--"
    np.testing.assert_allclose(ax_g.lines[3].get_xdata(), t_rep)
    assert matplotlib.colors.to_hex(ax_g.lines[3].get_color()) == PALETTE[5].lower()
    labels = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert labels == ["diffusion, $h$ = 0.1", "diffusion, $h$ = 0.9",
                      r"attraction–repulsion, $\beta$ = 0.3, $h$ = 0.1", "oracle signed, $h$ = 0.1"]
    plt.close(fig)
    with pytest.raises(ValueError, match="lacks the runs"):
        plot_heterophily.separation_under_three_fields(t_diff, t_rep, {}, h_low=0.1, h_high=0.9, beta=0.3)
