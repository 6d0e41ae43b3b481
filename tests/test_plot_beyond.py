"""Chapter 9's figures: energies of springs, GraphCON, G² and sheaf diffusion, sensitivity over distance, GRAFF's
two directions, and the wave system's eigenvalues and energy (what each draws, where its legend sits, and the bad
input each rejects)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from physgnn import plot as pplot  # noqa: E402
from physgnn import plot_beyond  # noqa: E402


def _below(ax):
    """The axes' legend lies wholly under the axes: it hides no curve."""
    renderer = ax.figure.canvas.get_renderer()
    return ax.get_legend().get_window_extent(renderer).y1 < ax.get_window_extent(renderer).y0


def _labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_springs_and_diffusion_draws_three_energies_on_a_log_axis_clipped_at_1e_minus_10():
    heat, osc, conserved = np.geomspace(1, 1e-14, 20), 1 + 0.5 * np.cos(np.arange(20)), np.full(20, 1.2)
    fig = plot_beyond.springs_and_diffusion(heat, osc, conserved)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_ylim() == pytest.approx((1e-10, 15.0))
    np.testing.assert_allclose(ax.lines[0].get_ydata(), heat)
    assert to_rgba(ax.lines[0].get_color()) == to_rgba(pplot.color("diffusion"))
    assert ax.lines[2].get_linestyle() == "--" and "conserved" in ax.lines[2].get_label()
    assert len(_labels(ax)) == 3 and _below(ax)
    plt.close(fig)
    with pytest.raises(ValueError, match="e_osc must be a non-empty 1-D"):
        plot_beyond.springs_and_diffusion(heat, [], conserved)


def test_energy_vs_layers_gives_the_gcn_its_colour_and_the_others_solid_then_dashed():
    curves = {"GCN": np.geomspace(1, 1e-20, 11), "GraphCON, ζ = 0.0": np.ones(11), "GraphCON, ζ = 0.5": np.ones(11) / 2}
    fig = plot_beyond.energy_vs_layers(curves)
    ax = fig.axes[0]
    gcn, con0, con5 = ax.lines
    assert to_rgba(gcn.get_color()) == to_rgba(pplot.color("gcn"))
    assert con0.get_linestyle() == "-" and con5.get_linestyle() == "--"
    assert _labels(ax) == list(curves) and _below(ax)
    assert ax.get_xlabel() == "layer $n$" and ax.get_yscale() == "log"
    plt.close(fig)
    with pytest.raises(ValueError, match="at most two other"):
        plot_beyond.energy_vs_layers({"a": [1.0], "b": [1.0], "c": [1.0]})


def test_g2_energy_and_gate_counts_layers_from_one_for_the_gates():
    fig = plot_beyond.g2_energy_and_gate(np.geomspace(1, 1e-9, 6), np.linspace(1, 0.5, 6), [0.5, 0.4, 0.3, 0.2, 0.1])
    ax_e, ax_g = fig.axes
    assert ax_g.lines[0].get_xdata().tolist() == [1, 2, 3, 4, 5]
    assert ax_e.get_yscale() == ax_g.get_yscale() == "log"
    assert _labels(ax_e) == ["GCN", "G² ($p = 2$)"] and _below(ax_e)
    plt.close(fig)
    with pytest.raises(ValueError, match="gates needs 5 values"):
        plot_beyond.g2_energy_and_gate([1.0] * 6, [1.0] * 6, [0.5] * 6)


def test_sheaf_energies_measures_sheaf_diffusion_two_ways():
    plain = np.geomspace(2, 1e-16, 30)
    fig = plot_beyond.sheaf_energies(plain, np.geomspace(1, 1e-12, 30), np.full(30, 0.7))
    ax = fig.axes[0]
    own, mixed = ax.lines[1:]
    assert own.get_color() == mixed.get_color() and mixed.get_linestyle() == "--"
    assert ax.get_ylim() == pytest.approx((1e-14, 20.0))
    assert _below(ax)
    plt.close(fig)


def test_sensitivity_by_distance_skips_empty_distances_and_uses_a_log2_depth_axis():
    share = {2: [0.5, 0.2, 0.05, 0.0], 8: [0.1, 0.08, 0.06, 0.04]}
    fig = plot_beyond.sensitivity_by_distance(share, {2: 3.0, 8: 0.5})
    ax1, ax2 = fig.axes
    two, eight = ax1.lines
    assert list(two.get_xdata()) == [1, 2] and list(two.get_ydata()) == [0.2, 0.05], "r = 0 and empty r are skipped"
    assert list(eight.get_xdata()) == [1, 2, 3]
    assert _labels(ax1) == ["L = 2", "L = 8"] and _below(ax1)
    assert ax2.get_xscale() == "log" and ax2.xaxis.get_transform().base == 2
    plt.close(fig)
    with pytest.raises(ValueError, match="same depths"):
        plot_beyond.sensitivity_by_distance(share, {2: 3.0})


def test_graff_directions_colours_attraction_and_repulsion_by_the_sign_of_w():
    t = np.linspace(0, 2, 21)
    e = np.stack([np.exp(-t), np.exp(t)], axis=1)
    fig = plot_beyond.graff_directions(t, e, weights=(1.0, -0.5))
    ax = fig.axes[0]
    attract, repel = ax.lines
    assert to_rgba(attract.get_color()) == to_rgba(pplot.color("diffusion"))
    assert to_rgba(repel.get_color()) == to_rgba(pplot.color("repulsion"))
    assert _labels(ax) == ["direction with $w = +1$ (attraction)", "direction with $w = -0.5$ (repulsion)"]
    np.testing.assert_allclose(repel.get_ydata(), np.exp(t))
    assert _below(ax)
    plt.close(fig)
    with pytest.raises(ValueError, match=r"\[T, 2\]"):
        plot_beyond.graff_directions(t, e[:, :1])


def test_eigenvalues_and_wave_energy_puts_diffusion_on_the_real_axis():
    nu_diff = torch.tensor([-2.0, -1.0, 0.0])
    nu_wave = torch.tensor([1j, -1j, 2j], dtype=torch.complex128)
    energies = {"euler": np.geomspace(1, 100, 10), "symplectic": np.ones(10), "leapfrog": np.ones(10)}
    fig = plot_beyond.eigenvalues_and_wave_energy(nu_diff, nu_wave, nu_wave * 0.9, energies, gamma=0.1)
    ax1, ax2 = fig.axes
    np.testing.assert_allclose(ax1.collections[0].get_offsets(), [[-2, 0], [-1, 0], [0, 0]])
    np.testing.assert_allclose(ax1.collections[1].get_offsets()[:, 1], [1, -1, 2])
    assert _labels(ax1)[2] == r"A-DGN layer ($\gamma = 0.1$)"
    assert _labels(ax2) == ["explicit Euler", "symplectic Euler", "leapfrog"]
    assert ax2.lines[2].get_linestyle() == "--" and ax2.get_yscale() == "log"
    assert _below(ax1) and _below(ax2)
    plt.close(fig)
    with pytest.raises(ValueError, match="keyed by"):
        plot_beyond.eigenvalues_and_wave_energy(nu_diff, nu_wave, nu_wave, {"rk4": [1.0]})
    with pytest.raises(ValueError, match="nu_adgn must be a non-empty"):
        plot_beyond.eigenvalues_and_wave_energy(nu_diff, nu_wave, [], energies)
    plt.close("all")
