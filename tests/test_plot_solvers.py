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
