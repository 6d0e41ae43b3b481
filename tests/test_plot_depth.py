"""Chapter 2's depth figures: energy against depth per setting, accuracy against depth per graph (what each draws,
and the bad input each rejects)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from physgnn import plot as pplot  # noqa: E402

LABELS = {"gcn": "GCN", "gat": "GAT", "mlp": "MLP"}


def _energies(rate):
    return {k: float(np.exp(-rate * k)) for k in range(0, 101, 10)}


def test_energy_vs_depth_one_panel_per_setting_with_theory_and_one_legend():
    panels = {
        "Cora, no activation": {"gcn": _energies(0.5), "gat": _energies(0.4), "mlp": _energies(0.0)},
        "Texas, no activation": {"gcn": _energies(0.3)},
        "Cora, ReLU": {"gcn": _energies(0.2)},
    }
    ks = np.arange(101)
    theory = {"Cora, no activation": (ks, np.exp(-0.5 * ks), "theory")}
    fig = pplot.energy_vs_depth(panels, labels=LABELS, theory=theory)
    axes = fig.axes
    assert [ax.get_title() for ax in axes[:3]] == list(panels) and not axes[3].get_visible()
    cora = axes[0]
    assert cora.get_yscale() == "log"
    assert [ln.get_label() for ln in cora.lines] == ["GCN", "GAT", "MLP", "theory"]
    assert cora.lines[1].get_linestyle() == "--" and cora.lines[3].get_linestyle() == ":"
    assert to_rgba(cora.lines[0].get_color()) == to_rgba(pplot.color("gcn"))
    np.testing.assert_allclose(cora.lines[0].get_ydata(), np.exp(-0.5 * np.arange(0, 101, 10)))
    assert axes[2].get_xlabel() == "layer $k$" and axes[0].get_ylabel().startswith("$E")
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["GCN", "GAT", "MLP", "theory"]
    plt.close(fig)


@pytest.mark.parametrize(
    "panels, theory, match",
    [
        ({"a": {"gcn": {0: 1.0, 1: 0.0}}}, None, "must be positive"),
        ({"a": {"gin": {0: 1.0}}}, None, "no label for model 'gin'"),
        ({"a": {}}, None, "has no curves"),
        ({"a": {"gcn": {0: 1.0}}}, {"b": ([0], [1.0], "t")}, "unknown panels"),
    ],
)
def test_energy_vs_depth_rejects_bad_input(panels, theory, match):
    with pytest.raises(ValueError, match=match):
        pplot.energy_vs_depth(panels, labels=LABELS, theory=theory)
    plt.close("all")


def test_accuracy_vs_depth_draws_bands_points_and_references():
    saved = {"test": {2: (0.8, 0.02, 10), 64: (0.3, 0.05, 10)}, "train": {2: (0.95, 0.01, 10), 64: (0.3, 0.05, 10)}}
    page = {"test": {2: 0.79, 64: 0.31}, "train": {2: 0.96, 64: 0.29}}
    panels = {
        "Cora": dict(saved=saved, page=page, references={"most frequent class": 0.3}),
        "Texas": dict(page=page),
    }
    fig = pplot.accuracy_vs_depth(panels, xlabel="number of GCN layers")
    cora, texas = fig.axes
    labels = [ln.get_label() for ln in cora.lines]
    assert labels == [
        "test, saved grid (10 splits)", "test, this page (split 0)", "train, saved grid (10 splits)",
        "train, this page (split 0)", "most frequent class",
    ]
    np.testing.assert_allclose(cora.lines[0].get_ydata(), [80, 30])
    assert cora.lines[2].get_linestyle() == "--" and cora.lines[1].get_marker() == "o"
    assert len(cora.collections) == 2, "one mean ± std band per saved curve"
    assert cora.get_xscale() == "log" and cora.get_xlabel() == "number of GCN layers"
    assert cora.get_ylim() == (0, 100) and len(texas.collections) == 0
    assert [t.get_text() for t in cora.get_xticklabels()] == ["2", "64"]
    plt.close(fig)


@pytest.mark.parametrize(
    "panel, match",
    [
        (dict(page={"test": {2: 80.0}}), r"in \[0, 1\]"),
        (dict(page={"valid": {2: 0.8}}), "'train' and 'test'"),
        (dict(curves={}), "unknown parts"),
    ],
)
def test_accuracy_vs_depth_rejects_bad_input(panel, match):
    with pytest.raises(ValueError, match=match):
        pplot.accuracy_vs_depth({"Cora": panel})
    plt.close("all")
