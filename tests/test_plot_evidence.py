"""Chapter 8's figures: the standard error against the test-set size, and one dataset's runs split by split (what
each draws, and the bad input each rejects)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from physgnn import plot as pplot  # noqa: E402


def test_standard_error_vs_size_curves_follow_the_binomial_law_and_datasets_share_labels():
    fig = pplot.standard_error_vs_size({"Texas": 37, "Cornell": 37, "Tolokers": 2940})
    ax = fig.axes[0]
    worst, p09, one_node = ax.lines[:3]
    n = worst.get_xdata()
    np.testing.assert_allclose(worst.get_ydata(), 100 * np.sqrt(0.25 / n))
    np.testing.assert_allclose(p09.get_ydata(), 100 * np.sqrt(0.09 / n))
    np.testing.assert_allclose(one_node.get_ydata(), 100 / n)
    dots = np.vstack([c.get_offsets() for c in ax.collections])
    np.testing.assert_allclose(dots[:, 1], 100 * np.sqrt(0.25 / dots[:, 0]), err_msg="dots sit on the worst case")
    labels = [t.get_text() for t in ax.texts]
    assert "Texas, Cornell" in labels and "Tolokers" in labels
    assert ax.get_xscale() == ax.get_yscale() == "log"
    plt.close(fig)
    with pytest.raises(ValueError, match="n_range"):
        pplot.standard_error_vs_size({"tiny": 3})


def test_paired_splits_joins_splits_marks_untrained_runs_and_means():
    scores = {"mlp": {0: 80.0, 1: 84.0, 2: 82.0}, "gcn": {0: 60.0, 1: 62.0, 2: 70.0}}
    fig = pplot.paired_splits(
        scores, {"mlp": (79.0, 85.0), "gcn": (55.0, 73.0)}, colors={"mlp": "black", "gcn": "#D55E00"},
        untrained={"gcn": {2}}, reference=("majority class", 58.9), title="source: test",
    )
    ax = fig.axes[0]
    joins = [ln for ln in ax.lines if ln.get_color() == "0.75"]
    assert len(joins) == 3 and joins[0].get_ydata().tolist() == [80.0, 60.0], "one grey line per split"
    dots = [c for c in ax.collections if isinstance(c, PathCollection) and len(c.get_offsets())]
    hollow = [c for c in dots if np.allclose(c.get_facecolor()[0], (1, 1, 1, 1))]
    assert len(hollow) == 1 and hollow[0].get_offsets()[0][1] == 70.0, "the untrained run is hollow"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert set(labels) == {
        "mlp: 82.0 (79.0–85.0)", "gcn: 64.0 (55.0–73.0)", "majority class: 58.9", "run stopped at epoch 0"
    }
    assert [t.get_text() for t in ax.get_xticklabels()] == ["mlp", "gcn"]
    plt.close(fig)
    with pytest.raises(ValueError, match="missing for"):
        pplot.paired_splits(scores, {"mlp": (1, 2)}, colors={"mlp": "k", "gcn": "k"})
    with pytest.raises(ValueError, match="at least one split"):
        pplot.paired_splits({"mlp": {}}, {"mlp": (1, 2)}, colors={"mlp": "k"})


def _below(ax, legend=None):
    renderer = ax.figure.canvas.get_renderer()
    return (legend or ax.get_legend()).get_window_extent(renderer).y1 < ax.get_window_extent(renderer).y0


def test_selection_rules_marks_both_picks_on_the_validation_curve_and_shades_the_window():
    from physgnn import plot_evidence

    val = np.array([60.0, 60.0, 55.0, 62.0, 62.0, 61.0])
    test = np.array([50.0, 51.0, 49.0, 58.0, 57.0, 56.0])
    loss = np.array([1.6, 1.5, 1.4, 1.2, 1.1, 1.15])
    fig = plot_evidence.selection_rules(val, test, loss, picks={"first best": 0, "fit's rule": 4}, patience=3,
                                        majority=60.0, title="Texas, split 1")
    ax_a, ax_l = fig.axes
    first, fits = [c for c in ax_a.collections if isinstance(c, PathCollection)]
    assert first.get_offsets().tolist() == [[0, 60.0]] and fits.get_offsets().tolist() == [[4, 62.0]]
    assert np.allclose(first.get_facecolor()[0], (1, 1, 1, 1)), "the first rule's pick is hollow"
    labels = [t.get_text() for t in ax_l.get_legend().get_texts()]
    assert "first best: epoch 0, test 50.0" in labels and "fit's rule: epoch 4, test 57.0" in labels
    assert "majority class (validation)" in labels and _below(ax_l)
    picks = [ln for ln in ax_l.lines if ln.get_xdata()[0] in (0, 4) and len(ln.get_xdata()) == 2]
    assert [ln.get_linestyle() for ln in picks] == ["--", "-"], "the two picks as vertical lines"
    np.testing.assert_allclose(ax_l.lines[-1].get_ydata(), loss)
    assert ax_a.patches[0].get_x() == 0 and ax_a.patches[0].get_width() == 3, "the patience window is shaded"
    assert "3 epochs" in ax_a.texts[0].get_text()
    plt.close(fig)
    with pytest.raises(ValueError, match="one length"):
        plot_evidence.selection_rules(val, test[:3], loss, picks={"a": 0, "b": 1}, patience=3, majority=60.0)
    with pytest.raises(ValueError, match="two rule names"):
        plot_evidence.selection_rules(val, test, loss, picks={"a": 0, "b": 9}, patience=3, majority=60.0)


def test_twins_and_margins_pairs_original_with_filtered_and_measures_from_the_majority_class():
    from physgnn import plot_evidence

    twins = {"Chameleon": ([50.0, 52.0, 48.0], [1.0, 0.0, 2.0]), "Squirrel": ([40.0, 41.0], [0.0, 0.0])}
    margins = {("chameleon", "mlp"): (25.0, 2.0), ("chameleon", "gcn"): (30.0, 3.0),
               ("chameleon-filtered", "mlp"): (10.0, 1.0), ("chameleon-filtered", "gcn"): (-2.0, 1.5)}
    fig = plot_evidence.twins_and_margins(twins, margins, names={"chameleon-filtered": "Chameleon (filtered)"})
    ax_l, ax_r = fig.axes
    heights = [p.get_height() for p in ax_l.patches]
    np.testing.assert_allclose(heights, [50.0, 1.0, 40.5, 0.0])
    assert [t.get_text() for t in ax_l.get_legend().get_texts()] == ["original", "filtered"]
    mlp, gcn = [c for c in ax_r.containers if isinstance(c, BarContainer)]
    assert [p.get_height() for p in gcn.patches] == [30.0, -2.0]
    assert to_rgba(mlp.patches[0].get_facecolor()) == to_rgba(pplot.color("mlp"))
    assert [t.get_text() for t in ax_r.get_xticklabels()] == ["chameleon", "Chameleon\n(filtered)"]
    assert [t.get_text() for t in ax_r.get_legend().get_texts()] == ["MLP", "GCN"]
    assert _below(ax_l) and _below(ax_r)
    plt.close(fig)
    with pytest.raises(ValueError, match="missing"):
        plot_evidence.twins_and_margins(twins, {("chameleon", "mlp"): (1, 1), ("squirrel", "gcn"): (1, 1)})
    with pytest.raises(ValueError, match="at least two splits"):
        plot_evidence.twins_and_margins({"Chameleon": ([50.0], [1.0])}, margins)
    with pytest.raises(ValueError, match="no colour"):
        plot_evidence.twins_and_margins(twins, {("chameleon", "transformer"): (1.0, 1.0)})


def test_split_by_split_draws_the_models_with_enough_splits_from_saved_runs():
    from physgnn.plot import color
    from physgnn.plot_evidence import split_by_split
    from physgnn.stats import t_interval

    runs = {
        ("reproduce", "texas", "mlp"): {0: (80.0, 12), 1: (84.0, 30), 2: (82.0, 7)},
        ("reproduce", "texas", "gcn"): {0: (60.0, 5), 1: (62.0, 0), 2: (70.0, 9)},
        ("reproduce", "texas", "acmp-gcn"): {0: (75.0, 3), 1: (77.0, 4)},  # two splits: left out
        ("chapter 3", "texas", "mlp"): {0: (10.0, 1), 1: (11.0, 1), 2: (12.0, 1)},  # another source
    }
    fig, shown = split_by_split(runs, source="reproduce", dataset="texas", models=("mlp", "acmp-gcn", "gcn"),
                                reference=("majority class", 58.9))
    assert list(shown) == ["mlp", "gcn"]
    assert shown["gcn"]["stopped"] == {1} and shown["mlp"]["stopped"] == set()
    assert shown["mlp"]["scores"] == {0: 80.0, 1: 84.0, 2: 82.0}
    assert shown["gcn"]["interval"] == t_interval([60.0, 62.0, 70.0])
    ax = fig.axes[0]
    assert ax.get_title() == "source: reproduce"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["mlp", "gcn"]
    low, high = shown["mlp"]["interval"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"mlp: 82.0 ({low:.1f}–{high:.1f})" in labels and "run stopped at epoch 0" in labels
    dots = [c for c in ax.collections if isinstance(c, PathCollection) and len(c.get_offsets())]
    hollow = [c for c in dots if np.allclose(c.get_facecolor()[0], (1, 1, 1, 1))]
    assert [c.get_offsets()[0][1] for c in hollow] == [62.0], "the run stopped at epoch 0 is hollow"
    mlp_dots = [c for c in dots if c.get_offsets()[0][0] == 0]
    assert np.allclose(mlp_dots[0].get_edgecolor()[0], to_rgba(color("mlp")))
    plt.close(fig)
    with pytest.raises(ValueError, match="no model"):
        split_by_split(runs, source="reproduce", dataset="cornell", models=("mlp",))
    with pytest.raises(ValueError, match="min_splits"):
        split_by_split(runs, source="reproduce", dataset="texas", models=("mlp",), min_splits=1)
