"""Chapters 4 and 5's figures: norms and energies under the forces, the double well and its marbles (what each
draws, and the bad input each rejects)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from physgnn import plot as pplot  # noqa: E402

T = np.linspace(0, 10, 21)


def _runs():
    return [
        dict(color="diffusion", label="attraction", norm=np.exp(-T), energy=np.exp(-2 * T)),
        dict(color="repulsion", label="repulsion", norm=np.exp(T), energy=np.exp(2 * T), dashed=True),
    ]


def test_norm_and_energy_draws_each_run_on_both_log_panels_with_slopes():
    slope = dict(start=10, y0=np.exp(5.0), rate=1.0, label="slope 1")
    fig = pplot.norm_and_energy(T, _runs(), slopes=[slope])
    ax_n, ax_e = fig.axes
    assert ax_n.get_yscale() == ax_e.get_yscale() == "log"
    assert ax_n.get_ylabel().startswith("norm") and "Dirichlet energy" in ax_e.get_ylabel()
    assert [ln.get_label() for ln in ax_e.lines] == ["attraction", "repulsion"]
    assert [ln.get_linestyle() for ln in ax_e.lines] == ["-", "--"]
    assert to_rgba(ax_e.lines[1].get_color()) == to_rgba(pplot.color("repulsion"))
    ref = ax_n.lines[-1]
    np.testing.assert_allclose(ref.get_xdata(), T[10:])
    np.testing.assert_allclose(ref.get_ydata(), np.exp(T[10:]), rtol=1e-12)  # on top of the repulsion curve
    fig.canvas.draw()
    for ax in (ax_n, ax_e):  # legends below the axes, off the curves
        assert ax.get_legend().get_window_extent().y1 < ax.get_window_extent().y0
    plt.close(fig)


@pytest.mark.parametrize(
    "change, match",
    [
        (dict(norm=np.ones(3)), "3 values for 21 times"),
        (dict(energy=np.zeros(21)), "must be positive"),
        (dict(color="nonsense"), "no colour"),
    ],
)
def test_norm_and_energy_rejects_bad_runs(change, match):
    runs = _runs()
    runs[0].update(change)
    with pytest.raises(ValueError, match=match):
        pplot.norm_and_energy(T, runs)
    plt.close("all")


def test_norm_and_energy_rejects_a_missing_key_and_a_bad_slope():
    with pytest.raises(ValueError, match="missing"):
        pplot.norm_and_energy(T, [dict(label="x", color="gcn", norm=T + 1)])
    with pytest.raises(ValueError, match="index into t"):
        pplot.norm_and_energy(T, _runs(), slopes=[dict(start=21, y0=1, rate=1, label="s")])


def test_double_well_marbles_puts_each_marble_on_the_well_and_draws_its_path():
    starts = np.array([-1.5, -0.2, 0.3, 1.6])
    t = np.linspace(0, 5, 6)
    paths = np.sign(starts) + (starts - np.sign(starts)) * np.exp(-t)[:, None]
    fig = pplot.double_well_marbles(starts, t, paths)
    ax_w, ax_t = fig.axes
    well, force = ax_w.lines[:2]
    x = well.get_xdata()
    np.testing.assert_allclose(well.get_ydata(), (1 - x**2) ** 2 / 4, atol=1e-12)
    np.testing.assert_allclose(force.get_ydata(), x * (1 - x**2), atol=1e-12)
    marbles = ax_w.collections[0].get_offsets()
    np.testing.assert_allclose(marbles[:, 1], (1 - starts**2) ** 2 / 4)
    paths_drawn = [ln for ln in ax_t.lines if len(ln.get_xdata()) == t.size]
    assert len(paths_drawn) == 4
    np.testing.assert_allclose(paths_drawn[0].get_ydata(), paths[:, 0])
    assert ax_t.get_ylabel() == "feature value $x(t)$"
    plt.close(fig)
    with pytest.raises(ValueError, match=r"\[K, M\] = \[6, 4\]"):
        pplot.double_well_marbles(starts, t, paths[:, :3])
    with pytest.raises(ValueError, match="paths\\[0\\] must equal starts"):
        pplot.double_well_marbles(starts, t, paths[::-1])


def test_energy_and_bound_cuts_a_runaway_curve_and_draws_the_bound():
    t = np.linspace(0, 10, 11)
    fields = [
        dict(t=t, energy=np.exp(-t), label="diffusion", color="diffusion"),
        dict(t=t, energy=np.exp(12 * t), label="repulsion", color="repulsion"),
    ]
    peak = dict(t=t, value=np.minimum(0.1 + t, 1.0), label="ACMP max |x|", color="acmp")
    fig = pplot.energy_and_bound(fields, peak, 1.3, top=1e40)
    ax_e, ax_m = fig.axes
    assert ax_e.get_yscale() == "log" and ax_e.get_ylim()[1] == 1e40
    assert [t.get_text() for t in ax_e.texts] == [f"→ ∞ ({np.exp(120):.0e} at t = 10)"], "only the runaway curve"
    np.testing.assert_allclose(ax_m.lines[0].get_ydata(), peak["value"])
    assert ax_m.lines[1].get_ydata()[0] == 1.3 and ax_m.lines[1].get_linestyle() == "--"
    assert ax_m.get_ylim()[1] >= 1.3
    plt.close(fig)
    with pytest.raises(ValueError, match="positive"):
        pplot.energy_and_bound([dict(fields[0], energy=0 * t)], peak, 1.3)
    with pytest.raises(ValueError, match="missing"):
        pplot.energy_and_bound([dict(t=t, energy=t + 1)], peak, 1.3)


def test_accuracy_vs_beta_marks_the_best_beta_and_the_learned_ones():
    betas = [0.0, 0.1, 0.2]
    acc = {0.1: np.array([[0.6, 0.62], [0.7, 0.74], [0.5, 0.52]]), 0.9: np.array([[0.9, 0.92], [0.8, 0.8], [0.5, 0.6]])}
    learned = {0.1: [0.12, 0.08], 0.9: [0.01]}
    fig = pplot.accuracy_vs_beta(betas, acc, learned)
    ax_a, ax_b = fig.axes
    mean_low_h = ax_a.lines[0]
    np.testing.assert_allclose(mean_low_h.get_ydata(), [0.61, 0.72, 0.51])
    star = ax_a.lines[1]
    assert star.get_marker() == "*" and star.get_xdata()[0] == 0.1, "best beta of h = 0.1"
    best_line = ax_b.lines[0]
    assert best_line.get_xdata().tolist() == [0.1, 0.9] and best_line.get_ydata().tolist() == [0.1, 0.0]
    assert ax_b.lines[1].get_ydata().tolist() == [0.12, 0.08]
    assert "best $\\beta$ = 0.1" in mean_low_h.get_label()
    plt.close(fig)
    with pytest.raises(ValueError, match="same homophily"):
        pplot.accuracy_vs_beta(betas, acc, {0.1: [0.1]})
    with pytest.raises(ValueError, match=r"\[B, S\] = \[3"):
        pplot.accuracy_vs_beta(betas, {0.1: acc[0.1][:2]}, {0.1: [0.1]})


def _below(fig, ax):
    fig.canvas.draw()
    return ax.get_legend().get_window_extent().y1 < ax.get_window_extent().y0


def test_swarm_with_hub_circles_and_labels_the_hub_with_its_degree():
    from physgnn import plot_forces

    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    edges = np.array([[0, 1], [0, 2], [0, 3], [1, 2]])
    fig = plot_forces.swarm_with_hub(x, edges, np.array([0, 0, 1, 1]), 0)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.texts] == ["hub (degree 3)"]
    np.testing.assert_allclose(ax.texts[0].xy, x[0])
    fig.canvas.draw()
    assert ax.get_legend().get_window_extent().x0 > ax.get_window_extent().x1, "legend right of the axes"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    plt.close(fig)
    with pytest.raises(ValueError, match="hub must be a node index"):
        plot_forces.swarm_with_hub(x, edges, np.array([0, 0, 1, 1]), 4)
    with pytest.raises(ValueError, match="x must be"):
        plot_forces.swarm_with_hub(x[:, :1], edges, np.array([0, 0, 1, 1]), 0)
    plt.close("all")


def test_growth_rate_vs_beta_draws_the_rate_between_its_bounds_and_the_marks():
    from physgnn import plot_forces

    b = np.linspace(0, 0.4, 5)
    mu = np.maximum(0, 10 * b - 1)
    fig = plot_forces.growth_rate_vs_beta(b, mu, 12 * b, mu / 2, 0.1, [(0.0, 0.0, "collapse"), (0.3, 2.0, "x", -30)])
    (ax,) = fig.axes
    np.testing.assert_allclose(ax.lines[0].get_ydata(), mu)
    assert [ln.get_linestyle() for ln in ax.lines[1:3]] == ["--", ":"]
    assert ax.lines[3].get_xdata()[0] == 0.1, "the balance point"
    assert [t.get_text() for t in ax.texts] == [r"$\beta^\ast = 0.100$", "collapse", "x"]
    assert ax.texts[2].xyann == (-30, 10)
    assert ax.get_xlabel() == r"repulsion $\beta$" and ax.get_ylim() == (-0.2, 4)
    assert _below(fig, ax)
    plt.close(fig)
    with pytest.raises(ValueError, match="upper has 4 values for 5"):
        plot_forces.growth_rate_vs_beta(b, mu, b[:4], mu, 0.1)
    with pytest.raises(ValueError, match="a mark is"):
        plot_forces.growth_rate_vs_beta(b, mu, b, mu, 0.1, [(0.1, 1.0)])
    plt.close("all")


def test_filters_and_label_energy_draws_each_filter_and_the_binned_energy():
    from physgnn import plot_forces

    lam = np.linspace(0, 1.9, 20)
    gains = {0.0: np.exp(-lam), 0.2: np.exp(-lam) + 0.3 * lam}
    p = np.full(20, 0.05)
    q = np.r_[np.zeros(10), np.full(10, 0.1)]
    fig = plot_forces.filters_and_label_energy(lam, gains, {0.0: 0.5, 0.2: 1.25}, q, p, bins=4)
    ax_f, ax_p = fig.axes
    dots = [ln for ln in ax_f.lines if ln.get_marker() == "."]
    assert len(dots) == 2 and "tilt 1.25" in dots[1].get_label()
    np.testing.assert_allclose(dots[0].get_ydata(), np.exp(-lam))
    heights = [bar.get_height() for bar in ax_p.patches]
    np.testing.assert_allclose(heights, [0, 0, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25], atol=1e-12)
    assert sum(heights) == pytest.approx(2.0), "each set of shares sums to one"
    assert _below(fig, ax_f) and _below(fig, ax_p)
    plt.close(fig)
    with pytest.raises(ValueError, match="same"):
        plot_forces.filters_and_label_energy(lam, gains, {0.0: 1.0}, p, p)
    with pytest.raises(ValueError, match="p_shuffled has 19 values for 20"):
        plot_forces.filters_and_label_energy(lam, gains, {0.0: 1, 0.2: 1}, p, p[:19])
    with pytest.raises(ValueError, match="bins must be"):
        plot_forces.filters_and_label_energy(lam, gains, {0.0: 1, 0.2: 1}, p, p, bins=0)
    plt.close("all")


def test_accuracy_and_learned_filters_draws_bars_dots_and_responses():
    from physgnn import plot_forces

    lam = np.linspace(0, 2, 11)
    scores = {"mlp": ("MLP", [0.8, 0.9, 0.85]), "gcn": ("GCN", [0.5, 0.6, 0.55])}
    resp = np.stack([1 + 0 * lam, lam])
    fig = plot_forces.accuracy_and_learned_filters(scores, lam, resp, (1 - lam) ** 3)
    ax_a, ax_r = fig.axes
    bars = [p.get_height() for p in ax_a.patches]
    np.testing.assert_allclose(bars, [85.0, 55.0])
    assert to_rgba(ax_a.patches[1].get_facecolor()[:3]) == to_rgba(pplot.color("gcn"))
    dots = [ln for ln in ax_a.lines if ln.get_marker() == "o"]
    np.testing.assert_allclose(sorted(dots[0].get_ydata()), [80, 85, 90], rtol=1e-12)
    assert [t.get_text() for t in ax_a.get_xticklabels()] == ["MLP", "GCN"]
    np.testing.assert_allclose(ax_r.lines[1].get_ydata(), lam)
    labels = [t.get_text() for t in ax_r.get_legend().get_texts()]
    assert labels[0] == "GPR-GNN, learned (one per split)" and labels[1] == "GPR-GNN at the start"
    assert _below(fig, ax_r)
    plt.close(fig)
    with pytest.raises(ValueError, match="at least two split scores"):
        plot_forces.accuracy_and_learned_filters({"mlp": ("MLP", [0.8])}, lam, resp, lam)
    with pytest.raises(ValueError, match=r"responses must be \[R, K\]"):
        plot_forces.accuracy_and_learned_filters(scores, lam, resp[:, :5], lam)
    plt.close("all")


def _legend_texts(fig):
    return [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]


def test_growth_under_three_betas_draws_four_runs_and_two_slopes_from_the_betas():
    from physgnn.plot import color
    from physgnn.plot_forces import growth_under_three_betas

    norms = {0.0: np.exp(-T), 0.1: np.ones_like(T), 0.25: np.exp(T)}
    energies = {b: v**2 for b, v in norms.items()}
    alone = dict(norm=np.exp(2 * T), energy=np.exp(4 * T))
    fig = growth_under_three_betas(T, norms, energies, beta_mid=0.1, beta_big=0.25, alone=alone,
                                   rates=(1.0, 2.0), start=10)
    ax_n, ax_e = fig.axes[:2]
    assert ax_n.get_yscale() == ax_e.get_yscale() == "log"
    runs = ax_e.lines
    assert len(runs) == 4, "three betas and repulsion alone on the energy panel"
    np.testing.assert_allclose(runs[2].get_ydata(), np.exp(2 * T))
    assert runs[3].get_linestyle() == "--" and to_rgba(runs[3].get_color()) == to_rgba(color("repulsion"))
    assert to_rgba(runs[0].get_color()) == to_rgba(color("diffusion"))
    labels = _legend_texts(fig)
    for want in (r"$\beta = 0$ (attraction only)", r"$\beta = 0.1$ (near balance)",
                 r"$\beta = 0.25$ (repulsion wins)", r"$a_{ij} = 0$, $\beta = 0.25$ (repulsion alone)",
                 r"slope $\mu_{\max}(S_{0.25})$", r"slope $\beta\lambda_{\max}(\mathcal{L}_1)$"):
        assert want in labels, want
    slope = [ln for ln in ax_n.lines if ln.get_linestyle() == "-."][0]
    assert slope.get_xdata()[0] == T[10] and slope.get_ydata()[0] == pytest.approx(alone["norm"][10])
    assert slope.get_ydata()[-1] == pytest.approx(alone["norm"][10] * np.exp(2.0 * (T[-1] - T[10])))
    plt.close(fig)
    with pytest.raises(ValueError, match="need the betas"):
        growth_under_three_betas(T, {0.0: T + 1}, energies, beta_mid=0.1, beta_big=0.25, alone=alone,
                                 rates=(1.0, 2.0), start=10)
    with pytest.raises(ValueError, match="beta_mid < beta_big"):
        growth_under_three_betas(T, norms, energies, beta_mid=0.25, beta_big=0.1, alone=alone,
                                 rates=(1.0, 2.0), start=10)
    with pytest.raises(ValueError, match="alone must hold"):
        growth_under_three_betas(T, norms, energies, beta_mid=0.1, beta_big=0.25, alone=dict(norm=T),
                                 rates=(1.0, 2.0), start=10)
