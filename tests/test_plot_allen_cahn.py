"""Chapter 5's figures: the grid animation as a player, the free energy and its parts, steppers and segmentation,
the consensus phase diagram and the hidden features that blow up (what each draws, and the bad input each
rejects)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from physgnn import plot as pplot  # noqa: E402
from physgnn import plot_allen_cahn as pac  # noqa: E402


def _below(fig, ax):
    fig.canvas.draw()
    return ax.get_legend().get_window_extent().y1 < ax.get_window_extent().y0


def test_grid_animation_html_gives_a_player_with_alt_text_and_closes_its_figure():
    frames = np.tanh(np.linspace(0.1, 3, 3)[:, None] * np.linspace(-1, 1, 16)[None, :])
    before = plt.get_fignums()
    page = pac.grid_animation_html(frames, [0.0, 1.0, 2.0], 4, "a 4 x 4 grid separating")
    assert plt.get_fignums() == before, "only the player is shown, not a static copy"
    assert 'alt="a 4 x 4 grid separating"' in page.data and page.data.count("data:image/png") >= 3
    with pytest.raises(ValueError, match="alt must be"):
        pac.grid_animation_html(frames, [0.0, 1.0, 2.0], 4, " ")
    with pytest.raises(ValueError, match="3 x 3 grid needs 9"):
        pac.grid_animation_html(frames, [0.0, 1.0, 2.0], 3, "x")
    plt.close("all")


def test_free_energy_parts_leaves_out_t0_and_draws_three_log_curves():
    t = np.array([0.0, 0.5, 1.0, 10.0])
    interface, well = np.array([5.0, 1.0, 2.0, 3.0]), np.array([9.0, 8.0, 4.0, 0.5])
    fig = pac.free_energy_parts(t, interface + well, interface, well)
    (ax,) = fig.axes
    assert ax.get_xscale() == ax.get_yscale() == "log"
    total, inter, w = ax.lines
    np.testing.assert_allclose(total.get_xdata(), t[1:])
    np.testing.assert_allclose(total.get_ydata(), (interface + well)[1:])
    assert [inter.get_linestyle(), w.get_linestyle()] == ["--", ":"]
    assert to_rgba(total.get_color()) == to_rgba(pplot.color("allen-cahn"))
    assert _below(fig, ax)
    plt.close(fig)
    with pytest.raises(ValueError, match="well has 3 values, expected 4"):
        pac.free_energy_parts(t, interface, interface, well[:3])
    with pytest.raises(ValueError, match="interface must be positive"):
        pac.free_energy_parts(t, well, 0 * well, well)
    with pytest.raises(ValueError, match="positive time"):
        pac.free_energy_parts(0 * t, well, well, well)
    plt.close("all")


def test_steppers_and_segmentation_draws_energies_means_and_one_dot_per_draw():
    energies = {"explicit, big": np.r_[10.0, 1e3, np.nan], "explicit, safe": np.r_[10.0, 9.9, 9.8],
                "splitting": np.r_[10.0, 5.0, 2.0]}
    methods = {"diffusion": "Diffusion", "allen-cahn": "Allen-Cahn"}
    acc = {(m, n): [0.5 + 0.1 * k + 0.01 * n, 0.52 + 0.1 * k + 0.01 * n]
           for k, m in enumerate(methods) for n in (1, 3)}
    fig = pac.steppers_and_segmentation(energies, acc, methods, [1, 3])
    ax_e, ax_s = fig.axes
    assert [ln.get_label() for ln in ax_e.lines] == list(energies)
    assert [ln.get_linestyle() for ln in ax_e.lines] == ["--", ":", "-"]
    assert [to_rgba(ln.get_color()) for ln in ax_e.lines] == [
        to_rgba(pplot.color("repulsion")), to_rgba("0.45"), to_rgba(pplot.color("allen-cahn"))]
    assert ax_e.get_yscale() == "log" and ax_e.get_ylim() == (1, 1e6)
    means = [ln for ln in ax_s.lines if ln.get_marker() == "o"]
    np.testing.assert_allclose(means[1].get_ydata(), [0.62, 0.64])
    dots = [ln for ln in ax_s.lines if ln.get_marker() == "."]
    assert len(dots) == 4 and all(len(d.get_xdata()) == 2 for d in dots)
    assert [t.get_text() for t in ax_s.get_xticklabels()] == ["1", "3"]
    assert _below(fig, ax_e) and _below(fig, ax_s)
    plt.close(fig)
    with pytest.raises(ValueError, match=r"missing \[\('allen-cahn', 3\)\]"):
        pac.steppers_and_segmentation(energies, {k: v for k, v in acc.items() if k != ("allen-cahn", 3)},
                                      methods, [1, 3])
    with pytest.raises(ValueError, match="one to 3 steppers"):
        pac.steppers_and_segmentation({**energies, "fourth": [1.0]}, acc, methods, [1, 3])
    plt.close("all")


def test_consensus_phase_diagram_maps_log10_of_the_ratio_with_the_balance_curve():
    betas, deltas = np.linspace(0, 0.6, 4), np.logspace(-1, 1, 3)
    ratio = np.outer(np.arange(1, 5), [1e-40, 1e-2, 1.0])
    fig = pac.consensus_phase_diagram(betas, deltas, ratio, betas / 2)
    ax, cbar = fig.axes
    mesh = ax.collections[0].get_array().reshape(3, 4)  # rows: deltas
    np.testing.assert_allclose(mesh[0], -35)  # clipped at the floor
    np.testing.assert_allclose(mesh[2], np.log10(np.arange(1, 5)))
    assert ax.get_yscale() == "log" and ax.get_ylim() == pytest.approx((0.1, 10))
    np.testing.assert_allclose(ax.lines[0].get_ydata(), betas / 2)
    assert "log_{10}" in cbar.get_ylabel()
    assert _below(fig, ax)
    plt.close(fig)
    with pytest.raises(ValueError, match=r"\[B, D\] = \[4, 3\]"):
        pac.consensus_phase_diagram(betas, deltas, ratio.T, betas)
    with pytest.raises(ValueError, match="must be positive"):
        pac.consensus_phase_diagram(betas, -deltas, ratio, betas)
    plt.close("all")


def test_hidden_feature_blowup_stops_a_run_at_its_last_finite_point():
    t = np.linspace(0, 3, 4)
    runs = [dict(t=t, peak=[1.0, 1e3, 1e7, np.inf], label="paper", color="repulsion"),
            dict(t=t, peak=[1.0, 1.1, 1.1, 1.1], label="code", color="acmp", ls="--")]
    fig = pac.hidden_feature_blowup(runs, 2.5)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.0, 1e3, 1e7])
    assert ax.lines[1].get_marker() == "x" and ax.lines[1].get_xdata()[0] == 2.0
    assert [t.get_text() for t in ax.texts] == ["non-finite after this point"]
    assert ax.lines[2].get_linestyle() == "--" and len(ax.lines[2].get_xdata()) == 4
    assert ax.lines[-1].get_ydata()[0] == 2.5 and ax.lines[-1].get_label() == "bound $B$ = 2.5"
    assert _below(fig, ax)
    plt.close(fig)
    with pytest.raises(ValueError, match="no finite value"):
        pac.hidden_feature_blowup([dict(runs[0], peak=[np.nan] * 4)], 2.5)
    with pytest.raises(ValueError, match="missing \\['color'\\]"):
        pac.hidden_feature_blowup([dict(t=t, peak=t, label="x")], 2.5)
    with pytest.raises(ValueError, match="bound must be positive"):
        pac.hidden_feature_blowup(runs, 0.0)
    plt.close("all")


def test_three_fields_energy_and_bound_labels_each_field_and_bounds_acmp():
    from physgnn.plot import color

    t, t_rep = np.linspace(0, 100, 11), np.linspace(0, 20, 5)
    curves = {
        "diffusion": (t, np.exp(-t), np.exp(-t)),
        "repulsion": (t_rep, np.exp(t_rep), np.exp(t_rep / 2)),
        "acmp": (t, 34 + 0 * t, 0.9 + 0 * t),
    }
    fig = pac.three_fields_energy_and_bound(curves, beta=0.5, delta=1.0, bound=1.3)
    ax_e, ax_m = fig.axes[:2]
    assert ax_e.get_yscale() == "log"
    np.testing.assert_allclose(ax_e.lines[1].get_xdata(), t_rep), "each field on its own times"
    assert to_rgba(ax_e.lines[2].get_color()) == to_rgba(color("acmp"))
    labels = [x.get_text() for ax in fig.axes if ax.get_legend() for x in ax.get_legend().get_texts()]
    for want in (r"diffusion ($\beta = 0$, $\delta = 0$)", r"attraction–repulsion ($\beta = 0.5$, $\delta = 0$)",
                 r"ACMP ($\beta = 0.5$, $\delta = 1.0$)", r"ACMP: $\max_{i,c}|x_{ic}(t)|$"):
        assert want in labels, want
    np.testing.assert_allclose(ax_m.lines[0].get_ydata(), 0.9)
    assert ax_m.lines[1].get_ydata()[0] == 1.3, "the bound"
    plt.close(fig)
    with pytest.raises(ValueError, match="missing"):
        pac.three_fields_energy_and_bound({"acmp": curves["acmp"]}, beta=0.5, delta=1.0, bound=1.3)
    with pytest.raises(ValueError, match="triple"):
        pac.three_fields_energy_and_bound(dict(curves, acmp=(t, t + 1)), beta=0.5, delta=1.0, bound=1.3)
