"""Chapter 6's cost figure: memory and time per training step against T, backprop vs adjoint (what it draws, and
the bad input it rejects)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from physgnn import plot as pplot  # noqa: E402


def _rows(mb, sec):
    return [dict(saved_mb=m, step_seconds=s) for m, s in zip(mb, sec)]


CURVES = {
    ("rk4", False): ([1, 2, 4], _rows([10, 20, 40], [0.1, 0.2, 0.4])),
    ("rk4", True): ([1, 2, 4], _rows([1, 1, 1], [0.3, 0.6, 1.2])),
    ("dopri5", False): ([1, 2], _rows([15, 30], [0.2, 0.3])),
}


def test_adjoint_cost_draws_each_series_in_both_panels_and_fresh_points():
    fresh = [dict(adjoint=False, T=[4], mb=[55.0], seconds=[0.5], label="peak", time_label="peak (CSV)"),
             dict(adjoint=True, T=[4], mb=[3.0], label="peak")]
    fig = pplot.adjoint_cost(CURVES, fresh)
    ax_m, ax_t = fig.axes
    assert [ln.get_label() for ln in ax_m.lines] == [
        "backprop, rk4: saved for backward", "adjoint, rk4: saved for backward", "backprop, dopri5: saved for backward",
        "backprop, peak", "adjoint, peak",
    ]
    np.testing.assert_allclose(ax_m.lines[0].get_ydata(), [10, 20, 40])
    np.testing.assert_allclose(ax_t.lines[1].get_ydata(), [0.3, 0.6, 1.2])
    assert ax_m.lines[2].get_linestyle() == ":" and ax_m.lines[1].get_marker() == "s"
    assert ax_m.lines[3].get_marker() == "D" and ax_m.lines[3].get_markerfacecolor() == "none"
    assert [ln.get_label() for ln in ax_t.lines][-1] == "backprop, peak (CSV)", "a point without seconds stays off"
    assert ax_m.get_ylabel() == "memory (MB)" and ax_t.get_ylabel() == "time per training step (s)"
    plt.close(fig)


@pytest.mark.parametrize(
    "curves, fresh, match",
    [
        ({("rk4", False): ([1, 2], _rows([1], [1]))}, (), "2 end times but 1"),
        ({("rk4", False): ([1], [dict(saved_mb=1)])}, (), "step_seconds"),
        (CURVES, [dict(adjoint=True, T=[1, 2], mb=[1], label="x")], "one mb"),
        (CURVES, [dict(adjoint=True, T=[1])], "missing"),
        ({}, (), "at least one"),
    ],
)
def test_adjoint_cost_rejects_bad_input(curves, fresh, match):
    with pytest.raises(ValueError, match=match):
        pplot.adjoint_cost(curves, fresh)
    plt.close("all")


def test_stability_regions_draws_the_curves_where_R_has_modulus_one():
    from physgnn import stability

    fig, ax = plt.subplots()
    out = pplot.stability_regions(ax, methods=("euler", "rk4"), xlim=(-3.5, 1.0), ylim=(-3.2, 3.2))
    assert out is ax and ax.get_xlabel() and ax.get_ylabel()
    assert [label.split(":")[0] for label in ax.get_legend_handles_labels()[1]] == ["euler", "rk4"]
    contours = [c for c in ax.collections if hasattr(c, "get_paths") and c.get_paths()]
    assert len(contours) == 2
    euler_pts = np.concatenate([p.vertices for p in contours[0].get_paths()])
    # Euler's region is the disc |1 + z| <= 1: its boundary is the unit circle about -1
    assert euler_pts.shape[0] > 50 and np.allclose(np.hypot(euler_pts[:, 0] + 1, euler_pts[:, 1]), 1, atol=0.02)
    rk4_pts = np.concatenate([p.vertices for p in contours[1].get_paths()])
    z = rk4_pts[:, 0] + 1j * rk4_pts[:, 1]
    assert np.allclose(np.abs(stability.stability_function("rk4")(z)), 1, atol=0.02)
    # RK4's curve meets the real axis at -2.785 and the imaginary axis at ±2√2 (not Euler's disc)
    assert rk4_pts[:, 0].min() == pytest.approx(-2.785, abs=0.02)
    assert np.abs(rk4_pts[np.abs(rk4_pts[:, 0]) < 0.02, 1]).max() == pytest.approx(2 * np.sqrt(2), abs=0.03)
    plt.close(fig)


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(methods=("euler", "bdf")), "unknown method 'bdf'"),
        (dict(methods=()), "methods must be distinct"),
        (dict(methods=("rk4", "rk4")), "methods must be distinct"),
        (dict(xlim=(1.0, -3.0)), "xlim must be"),
        (dict(ylim=(0.0,)), "ylim must be"),
        (dict(resolution=10), "resolution must be"),
    ],
)
def test_stability_regions_rejects_bad_input(kw, match):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=match):
        pplot.stability_regions(ax, **kw)
    plt.close(fig)


# The figures of Sections 6.1 to 6.6, helpers of physgnn.plot_solvers.
from physgnn import plot_solvers  # noqa: E402


def _below(fig, ax):
    fig.canvas.draw()
    return ax.get_legend().get_window_extent().y1 < ax.get_window_extent().y0


def _right(fig, ax):
    fig.canvas.draw()
    return ax.get_legend().get_window_extent().x0 > ax.get_window_extent().x1


def test_solver_paths_draws_the_exact_path_a_staircase_and_both_solvers():
    fine, coarse = np.linspace(0, 2, 9), np.linspace(0, 2, 3)
    fig = plot_solvers.solver_paths(fine, np.exp(-fine), coarse, 0.5 ** np.arange(3), np.exp(-coarse), tau=1.0,
                                    node=7)
    (ax,) = fig.axes
    exact, stairs, euler, rk4 = ax.lines
    np.testing.assert_allclose(exact.get_ydata(), np.exp(-fine))
    assert stairs.get_drawstyle() == "steps-post" and euler.get_marker() == "o" and rk4.get_marker() == "s"
    np.testing.assert_allclose(euler.get_ydata(), [1, 0.5, 0.25])
    assert euler.get_label() == r"explicit Euler, $\tau = 1$" and ax.get_ylabel() == "feature of node 7, channel 0"
    assert _below(fig, ax)
    plt.close(fig)
    with pytest.raises(ValueError, match="rk4 has 2 values, expected 3"):
        plot_solvers.solver_paths(fine, fine, coarse, coarse, coarse[:2], tau=1.0)
    with pytest.raises(ValueError, match="tau must be"):
        plot_solvers.solver_paths(fine, fine, coarse, coarse, coarse, tau=0.0)
    plt.close("all")


def test_error_vs_nfe_draws_each_solver_and_guides_of_the_given_slopes():
    n = np.array([10.0, 100.0, 1000.0])
    conv = {"euler": np.c_[n, 1 / n], "rk4": np.c_[n, n**-4.0]}
    fig = plot_solvers.error_vs_nfe(conv, {"euler": -1.0, "rk4": -4.0})
    (ax,) = fig.axes
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert [ln.get_label() for ln in ax.lines[:2]] == ["euler (fitted slope -1.00)", "rk4 (fitted slope -4.00)"]
    guide = ax.lines[3]  # rk4's guide: 3 e0 (n / n0)^-4 from the first point to the last
    np.testing.assert_allclose(guide.get_xdata(), [10, 1000])
    np.testing.assert_allclose(guide.get_ydata(), [3e-4, 3e-12])
    assert [t.get_text() for t in ax.texts] == ["  slope $-1$", "  slope $-4$"]
    assert _below(fig, ax)
    plt.close(fig)
    with pytest.raises(ValueError, match="same"):
        plot_solvers.error_vs_nfe(conv, {"euler": -1.0})
    with pytest.raises(ValueError, match="unknown method 'bdf'"):
        plot_solvers.error_vs_nfe({"bdf": conv["rk4"]}, {"bdf": -4.0}, guides=())
    with pytest.raises(ValueError, match=r"must be \[P, 2\] positive"):
        plot_solvers.error_vs_nfe({"rk4": -conv["rk4"]}, {"rk4": -4.0}, guides=())
    with pytest.raises(ValueError, match="every guide"):
        plot_solvers.error_vs_nfe({"rk4": conv["rk4"]}, {"rk4": -4.0})
    plt.close("all")


def test_norm_over_steps_divides_by_the_start_on_a_log_axis():
    norms = {"stable": 2.0 * 0.9 ** np.arange(5), "unstable": 3.0 * 1.1 ** np.arange(5)}
    fig = plot_solvers.norm_over_steps(norms)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.lines[1].get_ydata(), 1.1 ** np.arange(5))
    assert [ln.get_color() for ln in ax.lines] == ["0.6", "black"]
    assert _below(fig, ax)
    plt.close(fig)
    with pytest.raises(ValueError, match="one to 3 runs"):
        plot_solvers.norm_over_steps({})
    with pytest.raises(ValueError, match="must be positive"):
        plot_solvers.norm_over_steps({"x": np.zeros(3)})
    plt.close("all")


def test_spectra_on_stability_regions_scales_eigenvalues_by_tau():
    spectra = {0.0: np.array([-1.0, -2.0]), 0.1: np.array([-1 + 1j, -1 - 1j])}
    runs = {(0.1, "euler"): 1.2 ** np.arange(4), (0.1, "rk4"): 0.8 ** np.arange(4), (0.0, "euler"): np.ones(4)}
    fig = plot_solvers.spectra_on_stability_regions(spectra, 0.5, runs, title="toy")
    ax_z, ax_n = fig.axes
    points = [ln for ln in ax_z.lines if ln.get_marker() in ("s", "o")]
    np.testing.assert_allclose(points[0].get_xdata(), [-0.5, -1.0])
    np.testing.assert_allclose(points[1].get_ydata(), [0.5, -0.5])
    assert points[1].get_label() == "τλ, β = 0.1" and ax_z.get_title() == "toy"
    assert [ln.get_label() for ln in ax_n.lines] == ["euler, β = 0.1", "rk4, β = 0.1", "euler, β = 0"]
    assert ax_n.get_yscale() == "log" and _below(fig, ax_z) and _below(fig, ax_n)
    plt.close(fig)
    with pytest.raises(ValueError, match="needs beta = 0"):
        plot_solvers.spectra_on_stability_regions({0.1: spectra[0.1]}, 0.5, runs)
    with pytest.raises(ValueError, match="norms needs the runs"):
        plot_solvers.spectra_on_stability_regions(spectra, 0.5, {(0.1, "euler"): runs[(0.1, "euler")]})
    plt.close("all")


def test_fresh_measurements_keeps_ok_runs_sorted_or_falls_back_to_the_page():
    row = dict(method="rk4", adjoint="False", status="ok", T="8", delta_mb="80", step_seconds="2")
    rows = [row, dict(row, T="2", delta_mb="20", step_seconds="0.5"), dict(row, T="4", status="oom"),
            dict(row, method="dopri5")]
    (bp,) = plot_solvers.fresh_measurements(rows)
    assert bp["adjoint"] is False and bp["T"] == (2.0, 8.0) and bp["mb"] == (20.0, 80.0)
    assert bp["seconds"] == (0.5, 2.0)
    page = plot_solvers.fresh_measurements([], peaks={False: 50.0, True: 5.0}, T_peak=4.0)
    assert [(p["adjoint"], p["T"], p["mb"]) for p in page] == [(False, [4.0], [50.0]), (True, [4.0], [5.0])]
    with pytest.raises(ValueError, match="missing \\['step_seconds'\\]"):
        plot_solvers.fresh_measurements([{k: v for k, v in row.items() if k != "step_seconds"}])
    with pytest.raises(ValueError, match="no CSV rows"):
        plot_solvers.fresh_measurements([])


def _traj(t):
    return {(n, k): dict(energy=np.exp(-t / (2 if k == "grand" else 1e3)), acc=0.5 + 0 * t)
            for n in ("cora", "texas") for k in ("grand", "acmp")}


def test_trajectory_energy_and_accuracy_leaves_out_t0_and_puts_legends_right():
    t = np.array([0.0, 1.0, 3.0, 10.0])
    fig = plot_solvers.trajectory_energy_and_accuracy(t, _traj(t), {"cora": 0.7, "texas": 0.8}, ["cora", "texas"])
    axes = np.array(fig.axes).reshape(2, 2)
    grand = axes[0, 1].lines[0]
    np.testing.assert_allclose(grand.get_xdata(), t[1:])
    np.testing.assert_allclose(grand.get_ydata(), np.exp(-t[1:] / 2))
    assert axes[0, 0].get_yscale() == "log" and axes[1, 0].get_xscale() == "log"
    mlp = [ln for ln in axes[1, 1].lines if ln.get_label() == "MLP (test)"]
    assert mlp[0].get_ydata()[0] == 0.8
    assert axes[0, 0].get_title().startswith("Cora") and axes[1, 0].get_ylim() == (0, 1)
    assert _right(fig, axes[0, 1]) and _right(fig, axes[1, 1])
    plt.close(fig)
    with pytest.raises(ValueError, match="mlp must hold"):
        plot_solvers.trajectory_energy_and_accuracy(t, _traj(t), {"cora": 0.7}, ["cora", "texas"])
    with pytest.raises(ValueError, match="missing \\[\\('cora', 'acmp'\\)\\]"):
        plot_solvers.trajectory_energy_and_accuracy(t, {("cora", "grand"): _traj(t)[("cora", "grand")]},
                                                    {"cora": 0.7}, ["cora"])
    with pytest.raises(ValueError, match="energy has 2 values, expected 4"):
        bad = _traj(t)
        bad[("cora", "acmp")] = dict(energy=[1.0, 2.0], acc=t)
        plot_solvers.trajectory_energy_and_accuracy(t, bad, {"cora": 0.7}, ["cora"])
    plt.close("all")


def test_training_end_time_draws_accuracy_ratio_and_alpha_T_per_graph():
    depth = {("texas", "grand"): [(1.0, 0.5, 0.6, 0.1, 2.0, 0.9), (10.0, 0.5, 0.55, 0.01, 0.5, 0.9)],
             ("texas", "acmp"): [(1.0, 0.5, 0.7, 1.0, 1.0, 0.9)]}
    fig = plot_solvers.training_end_time(depth, {"texas": 0.8}, ["texas"])
    acc, ratio, rate = fig.axes
    np.testing.assert_allclose(acc.lines[0].get_ydata(), [0.6, 0.55])
    np.testing.assert_allclose(ratio.lines[0].get_ydata(), [0.1, 0.01])
    np.testing.assert_allclose(rate.lines[0].get_ydata(), [2.0, 5.0])  # alpha * T
    identity = rate.lines[-1]
    np.testing.assert_allclose(identity.get_xdata(), [1.0, 10.0])
    assert acc.lines[-1].get_label() == "MLP (split 0)" and acc.lines[-1].get_ydata()[0] == 0.8
    assert ratio.get_yscale() == rate.get_yscale() == acc.get_xscale() == "log"
    assert _right(fig, acc) and _right(fig, rate)
    plt.close(fig)
    # the official configuration: its own colour, dashed, with triangles
    depth[("texas", "official")] = [(1.0, 0.5, 0.4, 3.0, 0.5, 0.8), (10.0, 0.5, 0.45, 4.0, 0.25, 0.8)]
    fig = plot_solvers.training_end_time(depth, {"texas": 0.8}, ["texas"])
    off = [ln for ln in fig.axes[0].lines if ln.get_label() == "ACMP (official configuration)"]
    assert len(off) == 1 and off[0].get_linestyle() == "--" and off[0].get_marker() == "^"
    np.testing.assert_allclose(off[0].get_ydata(), [0.4, 0.45])
    assert off[0].get_color() != [ln for ln in fig.axes[0].lines if ln.get_label() == "ACMP (the book's)"][0].get_color()
    plt.close(fig)
    with pytest.raises(ValueError, match="rows must start"):
        plot_solvers.training_end_time({("texas", "acmp"): [(1.0, 0.5)]}, {"texas": 0.8}, ["texas"])
    with pytest.raises(ValueError, match="mlp must hold"):
        plot_solvers.training_end_time(depth, {}, ["texas"])
    plt.close("all")


def test_adjoint_cost_measured_puts_each_method_on_its_times_and_falls_back_to_the_page_peaks():
    mem = {k: rows for k, (_, rows) in CURVES.items()}
    peak = {False: dict(peak_mb=900.0, delta_mb=50.0), True: dict(peak_mb=860.0, delta_mb=5.0)}
    fig = plot_solvers.adjoint_cost_measured(mem, {"rk4": [1, 2, 4], "dopri5": [1, 2]}, rows=[], peak=peak,
                                             T_peak=4.0)
    ax_m = fig.axes[0]
    series = [ln for ln in ax_m.lines if len(ln.get_xdata()) > 1]
    assert [list(ln.get_xdata()) for ln in series] == [[1, 2, 4], [1, 2, 4], [1, 2]]
    np.testing.assert_allclose(series[2].get_ydata(), [15, 30])
    fresh = [ln for ln in ax_m.lines if len(ln.get_xdata()) == 1]
    assert sorted(float(ln.get_ydata()[0]) for ln in fresh) == [5.0, 50.0], "the page's two peaks at T = 4"
    assert all(float(ln.get_xdata()[0]) == 4.0 for ln in fresh)
    plt.close(fig)
    row = dict(method="rk4", adjoint="True", status="ok", T="8", delta_mb="7", step_seconds="2")
    fig = plot_solvers.adjoint_cost_measured(mem, {"rk4": [1, 2, 4], "dopri5": [1, 2]}, rows=[row], peak=peak,
                                             T_peak=4.0)
    fresh = [ln for ln in fig.axes[0].lines if len(ln.get_xdata()) == 1]
    assert [(float(ln.get_xdata()[0]), float(ln.get_ydata()[0])) for ln in fresh] == [(8.0, 7.0)], "the CSV wins"
    plt.close(fig)
    with pytest.raises(ValueError, match="missing \\['dopri5'\\]"):
        plot_solvers.adjoint_cost_measured(mem, {"rk4": [1, 2, 4]}, rows=[], peak=peak, T_peak=4.0)
    with pytest.raises(ValueError, match="delta_mb"):
        plot_solvers.adjoint_cost_measured(mem, {"rk4": [1, 2, 4], "dopri5": [1, 2]}, rows=[],
                                           peak={False: dict(peak_mb=1.0)}, T_peak=4.0)
