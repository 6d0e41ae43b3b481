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
