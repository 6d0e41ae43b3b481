"""Chapter 2's figures: the dye animation, the spectra of L, the heat equation's energy decay, energy and accuracy
against depth, learning curves and the energy layer by layer (what each draws, and the bad input each rejects)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from physgnn import plot as pplot  # noqa: E402
from physgnn import plot_diffusion as pdiff  # noqa: E402


def _legend_below_axes(fig, ax):
    """The legend's box lies wholly below the axes' data area (so it covers no curve)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return ax.get_legend().get_window_extent(renderer).y1 <= ax.get_window_extent(renderer).y0


def test_dye_animation_is_a_player_with_alt_text_and_one_frame_per_layer():
    side = 3
    conc = {k: np.full(side * side, 1 / 9) if k else np.eye(1, side * side)[0] for k in (0, 1, 5)}
    energy = {0: 1.0, 1: 0.1, 5: 1e-3}
    open_before = plt.get_fignums()
    page = pdiff.dye_animation(conc, energy, side, alt="Dye <spreads> on a grid")
    assert plt.get_fignums() == open_before, "the static copy is closed"
    html = page.data
    assert 'alt="Dye &lt;spreads&gt; on a grid"' in html, "the alt text, escaped"
    assert html.count("frames[") >= 3, "one frame per recorded layer"
    with pytest.raises(ValueError, match="same, non-empty set of layers"):
        pdiff.dye_animation(conc, {0: 1.0}, side, alt="x")
    with pytest.raises(ValueError, match="alt"):
        pdiff.dye_animation(conc, energy, side, alt=" ")


def test_laplacian_spectra_sorted_with_the_gap_circled():
    ring = 2 / 3 * (1 - np.cos(2 * np.pi * np.arange(6) / 6))  # unsorted on purpose
    fig = pdiff.laplacian_spectra({"ring": ring, "path": [0.0, 0.5, 1.5]})
    ax = fig.axes[0]
    curve, gap = ax.lines[0], ax.lines[1]
    np.testing.assert_allclose(curve.get_ydata(), np.sort(ring))
    np.testing.assert_allclose(curve.get_xdata(), np.linspace(0, 1, 6), err_msg="relative position (k-1)/(N-1)")
    assert gap.get_ydata()[0] == pytest.approx(np.sort(ring)[1]) and gap.get_markerfacecolor() == "none"
    assert ax.lines[-1].get_ydata()[0] == 2, "the bound 2, dotted"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ring", "path", "spectral gap $\\lambda_2$"]
    assert ax.get_ylabel() == "eigenvalue $\\lambda_k$ of $L$"
    plt.close(fig)
    with pytest.raises(ValueError, match="two eigenvalues"):
        pdiff.laplacian_spectra({"one node": [0.0]})
    with pytest.raises(ValueError, match="one to three"):
        pdiff.laplacian_spectra({})


def _decay(lam2=0.1, rate=0.2):
    t = np.linspace(0, 20, 21)
    e = np.exp(-2 * lam2 * t) + 1e-3 * np.exp(-t)
    return t, dict(E_exact=2 * e, E_ode=2 * e * 1.001, E_layers=2 * np.exp(-0.25 * t), lam2=lam2, rate=rate)


def test_energy_decay_normalises_by_the_first_energy_and_anchors_the_slope_at_the_end():
    t, run = _decay()
    fig = pdiff.energy_decay(t, {"grid": run, "Texas": run}, fit_window=(10, 20))
    ax = fig.axes[0]
    exact, ode, layers, slope = ax.lines
    np.testing.assert_allclose(exact.get_ydata(), run["E_exact"] / run["E_exact"][0])
    np.testing.assert_allclose(ode.get_xdata(), t[::10]), "every tenth time"
    assert layers.get_linestyle() == "--" and to_rgba(layers.get_color()) == to_rgba(pplot.color("gcn"))
    assert slope.get_ydata()[-1] == pytest.approx(exact.get_ydata()[-1]), "anchored at the last time"
    np.testing.assert_allclose(np.diff(np.log(slope.get_ydata())), -2 * 0.1 * np.diff(t))
    assert ax.get_yscale() == "log" and ax.get_title() == "grid: $\\lambda_2$ = 0.1000, fitted rate / $2\\lambda_2$ = 1.000"
    assert ax.get_legend() is not None and fig.axes[1].get_legend() is None, "one legend"
    plt.close(fig)
    with pytest.raises(ValueError, match="missing"):
        pdiff.energy_decay(t, {"grid": {"E_exact": run["E_exact"]}}, fit_window=(10, 20))
    with pytest.raises(ValueError, match="21 values"):
        pdiff.energy_decay(t, {"grid": dict(run, E_ode=run["E_ode"][:-1])}, fit_window=(10, 20))
    with pytest.raises(ValueError, match="positive"):
        pdiff.energy_decay(t, {"grid": dict(run, E_layers=0 * t)}, fit_window=(10, 20))


def test_energy_vs_depth_by_activation_puts_relu_below_and_theory_on_the_linear_gcn():
    curve = lambda rate: {k: float(np.exp(-rate * k)) for k in range(0, 301, 50)}  # noqa: E731
    energies = {(g, relu, m): curve(0.01 + 0.01 * relu) for g in ("Cora", "Texas") for relu in (False, True)
                for m in ("gcn", "mlp")}
    fig = pdiff.energy_vs_depth_by_activation(energies, labels={"gcn": "GCN", "mlp": "MLP"},
                                              slopes={"Cora": -0.01}, anchor=200)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["Cora, no activation", "Texas, no activation", "Cora, ReLU after every layer",
                      "Texas, ReLU after every layer"]
    theory = fig.axes[0].lines[-1]
    assert theory.get_linestyle() == ":" and len(fig.axes[1].lines) == 2, "theory only where a slope is given"
    np.testing.assert_allclose(theory.get_ydata()[[0, 200, 300]], np.exp(-0.01 * np.array([0, 200, 300])))
    plt.close(fig)
    with pytest.raises(ValueError, match="no curve for Cora, relu=True"):
        pdiff.energy_vs_depth_by_activation({("Cora", False, "gcn"): curve(0.1)}, labels={"gcn": "GCN"})
    with pytest.raises(ValueError, match="unknown graphs"):
        pdiff.energy_vs_depth_by_activation(energies, labels={"gcn": "GCN"}, slopes={"Citeseer": -0.1})


def test_accuracy_vs_depth_with_baselines_draws_both_most_frequent_class_lines():
    page = {(g, d): {"train": 0.9 / d, "test": 0.8 / d, "seconds": 1.0} for g in ("cora", "texas") for d in (2, 8)}
    saved = {"cora": {"test": {2: (0.8, 0.02, 3), 8: (0.3, 0.05, 3)}, "train": {2: (0.9, 0.01, 3), 8: (0.3, 0.05, 3)}}}
    fig = pdiff.accuracy_vs_depth_with_baselines(
        {"cora": "Cora", "texas": "Texas"}, saved=saved, page=page, majority={"cora": 0.3, "texas": 0.6},
        majority_saved={"cora": 0.28},
    )
    cora, texas = fig.axes
    assert [cora.get_title(), texas.get_title()] == ["Cora", "Texas"]
    cora_labels = [t.get_text() for t in cora.get_legend().get_texts()]
    assert "most frequent class (mean over saved splits)" in cora_labels
    assert "most frequent class (split 0)" in cora_labels
    refs = {ln.get_label(): ln.get_ydata()[0] for ln in texas.lines if ln.get_linestyle() == ":"}
    assert refs == {"most frequent class (split 0)": 60.0}, "Texas has no saved grid: one reference line"
    page_test = next(ln for ln in texas.lines if ln.get_label() == "test, this page (split 0)")
    np.testing.assert_allclose(page_test.get_ydata(), [40.0, 10.0])
    assert _legend_below_axes(fig, cora)
    plt.close(fig)
    with pytest.raises(ValueError, match="needs runs"):
        pdiff.accuracy_vs_depth_with_baselines({"actor": "Actor"}, saved={}, page=page, majority={"actor": 0.2})


def test_learning_curves_one_colour_per_depth_and_the_legend_below():
    histories = {2: {"train": [0.2, 0.6, 0.9], "val": [0.2, 0.5, 0.7]}, 32: {"train": [0.3] * 3, "val": [0.3] * 3}}
    fig = pdiff.learning_curves(histories, baseline=0.3)
    ax = fig.axes[0]
    train2, val2, train32, _, base = ax.lines
    np.testing.assert_allclose(train2.get_ydata(), [20, 60, 90])
    np.testing.assert_allclose(train2.get_xdata(), [1, 2, 3]), "epochs count from 1"
    assert val2.get_linestyle() == "--" and to_rgba(val2.get_color()) == to_rgba(train2.get_color())
    assert to_rgba(train32.get_color()) != to_rgba(train2.get_color())
    assert base.get_ydata()[0] == 30 and base.get_label() == "most frequent class (test)"
    assert ax.get_ylim() == (0, 100) and _legend_below_axes(fig, ax)
    plt.close(fig)
    with pytest.raises(ValueError, match="3 values"):
        pdiff.learning_curves({2: {"train": [0.1, 0.2, 0.3], "val": [0.1]}})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        pdiff.learning_curves({2: {"train": [50.0], "val": [40.0]}})
    with pytest.raises(ValueError, match="'train' and 'val'"):
        pdiff.learning_curves({2: {"train": [0.5]}})


def test_energy_per_layer_draws_medians_over_runs():
    init = np.array([[1.0, 0.5, 0.2], [1.0, 0.4, 0.1], [1.0, 0.9, 0.3]])
    fig = pdiff.energy_per_layer({"Cora": dict(init=init, trained={0.0: init / 10, 0.5: init / 100})})
    ax = fig.axes[0]
    at_init, no_dropout, dropout = ax.lines
    np.testing.assert_allclose(at_init.get_ydata(), [1.0, 0.5, 0.2]), "median over the three runs"
    np.testing.assert_allclose(dropout.get_ydata(), [0.01, 0.005, 0.002])
    assert no_dropout.get_linestyle() == "-" and dropout.get_linestyle() == "--"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "at initialisation", "trained, dropout 0", "trained, dropout 0.5"]
    assert ax.get_xlabel() == "layer $k$ (0: input, 2: logits)" and ax.get_yscale() == "log"
    plt.close(fig)
    with pytest.raises(ValueError, match="same K"):
        pdiff.energy_per_layer({"Cora": dict(init=init, trained={0.0: init[:, :2]})})
    with pytest.raises(ValueError, match="positive"):
        pdiff.energy_per_layer({"Cora": dict(init=init, trained={0.0: 0 * init})})
    with pytest.raises(ValueError, match="'init' and a non-empty 'trained'"):
        pdiff.energy_per_layer({"Cora": dict(init=init, trained={})})


def _diagnosis_rows():
    """Rows as results/depth_diagnosis.csv holds them (strings): Cora at depth 2, two splits, both dropouts."""
    rows = []
    for split in (0, 1):
        for dropout in ("0.0", "0.5"):
            scale = 10.0 if dropout == "0.0" else 100.0
            rows.append(dict(dataset="cora", depth="2", dropout=dropout, split=str(split),
                             energy_init=f"1.0;{0.5 + split / 10};0.2",
                             energy_trained=f"{1 / scale};0.0;{(split + 1) / scale}"))
    rows.append(dict(dataset="cora", depth="8", dropout="0.5", split="0", energy_init="9;9", energy_trained="9;9"))
    return rows


def test_saved_layer_energies_reads_one_setting_and_floors_zeros():
    from physgnn.experiments.depth_diagnosis import saved_layer_energies

    e = saved_layer_energies(_diagnosis_rows(), "cora", 2, 0.0, "energy_trained")
    np.testing.assert_allclose(e, [[0.1, 1e-30, 0.1], [0.1, 1e-30, 0.2]])
    assert saved_layer_energies(_diagnosis_rows(), "cora", 2, 0.5, "energy_init").shape == (2, 3)
    with pytest.raises(ValueError, match="no saved run"):
        saved_layer_energies(_diagnosis_rows(), "texas", 2, 0.0, "energy_init")
    with pytest.raises(ValueError, match="key must be"):
        saved_layer_energies(_diagnosis_rows(), "cora", 2, 0.0, "energy")


def test_energy_per_layer_saved_draws_the_saved_medians():
    fig = pdiff.energy_per_layer_saved(_diagnosis_rows(), graphs={"cora": "Cora"}, depth=2)
    ax = fig.axes[0]
    assert ax.get_title() == "Cora"
    at_init, no_dropout, dropout = ax.lines
    np.testing.assert_allclose(at_init.get_ydata(), [1.0, 0.55, 0.2]), "median of the dropout-0.5 runs"
    np.testing.assert_allclose(no_dropout.get_ydata(), [0.1, 1e-30, 0.15])
    np.testing.assert_allclose(dropout.get_ydata(), [0.01, 1e-30, 0.015])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "at initialisation", "trained, dropout 0", "trained, dropout 0.5"]
    plt.close(fig)
    with pytest.raises(ValueError, match="no saved run"):
        pdiff.energy_per_layer_saved(_diagnosis_rows(), graphs={"cora": "Cora"}, depth=64)
    with pytest.raises(ValueError, match="at least one"):
        pdiff.energy_per_layer_saved(_diagnosis_rows(), graphs={})
