"""Chapter 7's figures: eigenvalues on the stability regions, the hub blow-up, a learned β, and accuracy and energy
against depth (what each draws, where its legend sits, and the bad input each rejects)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from physgnn import plot as pplot  # noqa: E402
from physgnn import plot_acmp  # noqa: E402
from physgnn.plot_training import MODEL_LABELS  # noqa: E402


def _below(ax, legend=None):
    """The legend (default: the axes' own) lies wholly under the axes: it hides no data."""
    legend = legend or ax.get_legend()
    renderer = ax.figure.canvas.get_renderer()
    return legend.get_window_extent(renderer).y1 < ax.get_window_extent(renderer).y0


def test_eigenvalues_sit_at_tau_lambda_and_growing_modes_are_filled_in_the_repulsion_colour():
    lam = np.array([-1.0, -2.0 + 1.0j, -2.0 - 1.0j, 0.5])
    panels = {"Texas": ((-4.2, 1.2), [(0.5, 0.1, lam), (0.5, 0.5, lam)]), "Squirrel": ((-10.5, 5.5), [(0.2, 2.0, lam)])}
    fig = plot_acmp.eigenvalues_on_stability_regions(panels)
    ax_t, ax_s = fig.axes
    assert [ax_t.get_title(), ax_s.get_title()] == ["Texas", "Squirrel"]
    assert ax_t.get_xlim() == (-4.2, 1.2) and ax_t.get_ylim() == (-3.5, 3.5)
    pts = {ln.get_label(): ln for ln in ax_s.lines if len(ln.get_xdata())}
    decaying, growing = pts["τλ, β = 0.2, τ = 2"], pts["  … growing (Re λ > 0)"]
    np.testing.assert_allclose(decaying.get_xdata() + 1j * decaying.get_ydata(), 2.0 * lam[:3])
    np.testing.assert_allclose(growing.get_xdata(), [1.0])
    assert decaying.get_markerfacecolor() == "none" and decaying.get_marker() == "o"
    assert to_rgba(growing.get_color()) == to_rgba(pplot.color("repulsion"))
    markers = [ln.get_marker() for ln in ax_t.lines if ln.get_label().startswith("τλ")]
    assert markers == ["o", "^"], "one marker per (β, τ) pair"
    labels = [t.get_text() for t in ax_t.get_legend().get_texts()]
    assert labels[:3] == ["euler: $|R(z)| = 1$", "rk4: $|R(z)| = 1$", "dopri5: $|R(z)| = 1$"]
    assert _below(ax_t) and _below(ax_s)
    plt.close(fig)


@pytest.mark.parametrize(
    "panels, kwargs, match",
    [
        ({}, {}, "at least one"),
        ({"T": ((-1, 1), [])}, {}, "needs 1 to"),
        ({"T": ((-1, 1), [(0.5, 0.0, [-1.0])])}, {}, "tau must be positive"),
        ({"T": ((-1, 1), [(0.5, 0.1, [])])}, {}, "non-empty"),
        ({"T": ((1, -1), [(0.5, 0.1, [-1.0])])}, {}, "xlim"),
        ({"T": ((-1, 1), [(0.5, 0.1, [-1.0])])}, {"methods": ("heun9",)}, "unknown method"),
    ],
)
def test_eigenvalues_on_stability_regions_rejects_bad_input(panels, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_acmp.eigenvalues_on_stability_regions(panels, **kwargs)
    plt.close("all")


def test_hub_blowup_stops_at_the_last_finite_value_and_draws_non_finite_accuracy_as_zero():
    t = np.linspace(0, 1, 5)
    sizes = {"paper": {"hub": [1.0, 10.0, 1e4, np.inf, np.nan], "median": [1.0, 1.1, 1.2, 1.3, 1.4]},
             "code": {"hub": [1.0, 0.9, 0.8, 0.7, 0.6], "median": [1.0, 0.5, 0.4, 0.3, 0.2]}}
    val = {"paper": [0.0, np.nan, np.nan], "code": [0.3, 0.6, 0.8]}
    fig = plot_acmp.hub_blowup_and_training(t, sizes, val, hub_degree=104)
    ax, ax_v = fig.axes
    lines = {ln.get_label(): ln for ln in ax.lines}
    hub = lines["paper form, hub (degree 104)"]
    np.testing.assert_allclose(hub.get_ydata(), [1.0, 10.0, 1e4])
    cross = [ln for ln in ax.lines if ln.get_marker() == "x"]
    assert len(cross) == 1 and cross[0].get_xdata()[0] == t[2] and cross[0].get_ydata()[0] == 1e4
    assert lines["code form, median node"].get_linestyle() == "--"
    assert to_rgba(hub.get_color()) == to_rgba(pplot.color("repulsion"))
    assert ax.get_yscale() == "log"
    paper_val = next(ln for ln in ax_v.lines if ln.get_label() == "paper form")
    assert paper_val.get_ydata().tolist() == [0.0, 0.0, 0.0] and paper_val.get_xdata().tolist() == [1, 2, 3]
    assert _below(ax) and _below(ax_v)
    plt.close(fig)
    with pytest.raises(ValueError, match="forms 'paper' and 'code'"):
        plot_acmp.hub_blowup_and_training(t, {"mystery": sizes["code"]}, val, hub_degree=1)
    with pytest.raises(ValueError, match="one value per time"):
        plot_acmp.hub_blowup_and_training(t[:3], sizes, val, hub_degree=1)
    plt.close("all")


def _summary():
    return {
        "texas": {"h": 0.11, "beta": np.array([0.1, 0.5, 0.9]), "clean": np.array([True, True, False]), "beta0": 0.25},
        "cora": {"h": 0.81, "beta": np.array([0.2, 0.3]), "clean": np.array([True, True]), "beta0": 0.25},
    }


def test_learned_beta_marks_the_best_epoch_and_separates_clean_from_diverged_runs():
    trace = [0.25, 0.3, 0.4, 0.35]
    fig = plot_acmp.learned_beta(trace, 2, _summary(), readable={"cora": None})
    ax, ax_h = fig.axes
    best = next(ln for ln in ax.lines if ln.get_label() == "best-validation epoch")
    assert best.get_xdata() == 3 and best.get_ydata() == 0.4, "epochs count from 1"
    circles = [ln for ln in ax_h.lines if ln.get_marker() == "o" and len(ln.get_xdata())]
    crosses = [ln for ln in ax_h.lines if ln.get_marker() == "x" and len(ln.get_xdata())]
    assert sorted(np.concatenate([c.get_ydata() for c in circles]).tolist()) == [0.1, 0.2, 0.3, 0.5]
    assert np.concatenate([c.get_ydata() for c in crosses]).tolist() == [0.9]
    names = {t.get_text(): t for t in ax_h.texts}
    assert names["texas"].xy == (0.11, pytest.approx(0.5)), "named at its mean"
    assert to_rgba(names["cora"].get_color()) == to_rgba(pplot.color("acmp"))
    assert to_rgba(names["texas"].get_color()) == to_rgba("0.6"), "a dataset with a diverged run is grey"
    assert _below(ax) and _below(ax_h)
    plt.close(fig)
    fig = plot_acmp.learned_beta(trace, 0, {})
    assert [t.get_text() for t in fig.axes[1].texts] == ["results/learned_beta.csv not found"]
    plt.close(fig)


@pytest.mark.parametrize(
    "trace, best, summary, match",
    [
        ([], 0, {}, "non-empty"),
        ([0.1, 0.2], 2, {}, "best_epoch 2 outside"),
        ([0.1], 0, {"x": {"h": 0.5, "beta": [0.1]}}, "needs 'h'"),
        ([0.1], 0, {"x": {"h": 0.5, "beta": [0.1, 0.2], "clean": [True], "beta0": 0.2}}, "one entry per run"),
    ],
)
def test_learned_beta_rejects_bad_input(trace, best, summary, match):
    with pytest.raises(ValueError, match=match):
        plot_acmp.learned_beta(trace, best, summary)
    plt.close("all")


def test_accuracy_and_energy_vs_depth_one_column_per_dataset_and_one_shared_legend_below():
    ode = {("cora", "acmp"): {1.0: [0.8, 1.5], 10.0: [0.3, 2.0]}, ("cora", "grand"): {1.0: [0.86, 0.5]},
           ("texas", "acmp"): {1.0: [0.6, 1.1]}}
    gcn_acc = {"cora": {1: [0.80, 0.82, 0.84], 64: [0.3, 0.28, 0.29]}}
    gcn_energy = {"cora": {1: (0.5, 0.1), 64: (1e-9, 1e-3)}, "texas": {1: (0.4, 0.1)}}
    fig = plot_acmp.accuracy_and_energy_vs_depth(ode, gcn_acc, gcn_energy, {"cora": 0.3, "texas": 0.6})
    (acc_c, acc_t), (e_c, e_t) = np.array(fig.axes).reshape(2, 2)
    assert acc_c.get_title() == "Cora (ODE models: split 0)" and acc_t.get_title() == "Texas (ODE models: split 0)"
    assert e_c.get_xscale() == "log" and e_c.get_yscale() == "log" and acc_c.get_ylim() == (0, 1)
    grand = next(ln for ln in e_c.lines if ln.get_label().startswith(MODEL_LABELS["grand"]))
    assert grand.get_ydata().tolist() == [0.5]
    bars = acc_c.containers[0]  # the trained GCN: mean and standard deviation over splits
    np.testing.assert_allclose(bars.lines[0].get_ydata(), [0.82, 0.29])
    seg = bars.lines[2][0].get_segments()[0]
    assert seg[1][1] - seg[0][1] == pytest.approx(2 * np.std([0.80, 0.82, 0.84], ddof=1))
    majority = next(ln for ln in acc_t.lines if ln.get_label().startswith("majority"))
    assert majority.get_ydata()[0] == 0.6
    assert not any(ax.get_legend() for ax in fig.axes)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len(labels) == len(set(labels)) == 5, "each entry once, however many panels draw it"
    renderer = fig.canvas.get_renderer()
    assert fig.legends[0].get_window_extent(renderer).y1 <= min(ax.get_window_extent(renderer).y0 for ax in fig.axes)
    plt.close(fig)
    # the official configuration of ACMP: its own label and colour, dashed
    ode[("texas", "official")] = {1.0: [0.7, 3.0], 10.0: [0.65, 4.0]}
    fig = plot_acmp.accuracy_and_energy_vs_depth(ode, gcn_acc, gcn_energy, {"cora": 0.3, "texas": 0.6})
    acc_t = np.array(fig.axes).reshape(2, 2)[0, 1]
    off = next(ln for ln in acc_t.lines if ln.get_label().startswith(MODEL_LABELS["official"]))
    assert off.get_linestyle() == "--" and off.get_ydata().tolist() == [0.7, 0.65]
    book = next(ln for ln in acc_t.lines if ln.get_label().startswith(MODEL_LABELS["acmp"]))
    assert off.get_color() != book.get_color()
    plt.close(fig)
    with pytest.raises(ValueError, match="majority-class rate of"):
        plot_acmp.accuracy_and_energy_vs_depth(ode, gcn_acc, gcn_energy, {"cora": 0.3})
    with pytest.raises(ValueError, match="at least one dataset"):
        plot_acmp.accuracy_and_energy_vs_depth(ode, gcn_acc, {}, {})
