"""Chapter 8's figures: the standard error against the test-set size, and one dataset's runs split by split (what
each draws, and the bad input each rejects)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402

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
