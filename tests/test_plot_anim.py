"""The book's animations: what the first frame shows, what later frames change, the player's size, and bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from physgnn import plot as pplot  # noqa: E402

# The tests draw single frames (``_draw_frame``) instead of rendering whole animations; matplotlib warns about that
# when the animation is garbage-collected.
pytestmark = pytest.mark.filterwarnings("ignore:Animation was deleted without rendering")


def _noise_then_wells(side=8, k=4, seed=0):
    """Frames from noise of size 0.1 to the wells: frame 0 is the noise, the last frame sign(noise)."""
    noise = 0.1 * (2 * np.random.default_rng(seed).random(side * side) - 1)
    weights = np.linspace(0, 1, k)[:, None]
    return (1 - weights) * noise + weights * np.sign(noise), np.linspace(0, 50, k)


def test_grid_animation_first_frame_shows_the_initial_noise():
    frames, times = _noise_then_wells()
    fig, anim = pplot.grid_animation(frames, times, 8)
    ax = fig.axes[0]
    img = ax.images[0]
    assert ax.get_title() == "t = 0.0"
    np.testing.assert_allclose(img.get_array().ravel(), frames[0])
    # noise of size 0.1 already gets a visible colour: at least a third of the way from white to the wells'
    # colours (a linear scale from -1 to 1 would leave it within 5 % of white, and fail this)
    far = np.abs(img.norm(frames[0]) - 0.5)
    assert far[np.abs(frames[0]) > 0.05].min() > 0.5 / 3
    assert fig.axes[1].get_ylabel() == "feature $x_i$"  # the colour bar
    anim._draw_frame(3)
    assert ax.get_title() == "t = 50.0"
    np.testing.assert_allclose(img.get_array().ravel(), np.sign(frames[0]))
    plt.close(fig)


def test_grid_animation_player_is_light_and_column_sized():
    frames, times = _noise_then_wells(side=48, k=6)
    fig, anim = pplot.grid_animation(frames, times, 48)
    assert fig.get_dpi() == pplot.DPI == 72
    assert 420 <= fig.get_figwidth() * fig.get_dpi() <= 520, "about 460 px, stretched to the column by the CSS"
    page = pplot.animation_html(anim, "noise separating into two phases", dpi=pplot.DPI).data
    plt.close(fig)
    assert page.count("data:image/png;base64") == 6
    assert len(page) < 6 * 60_000, "under 60 kB a frame"


@pytest.mark.parametrize(
    "frames, times, side, match",
    [
        (np.zeros((3, 10)), [0, 1, 2], 3, "3 x 3 grid needs 9"),
        (np.zeros((3, 9)), [0, 1], 3, "one value per frame"),
        (2 * np.ones((3, 9)), [0, 1, 2], 3, r"in \[-1, 1\]"),
        (np.zeros(9), [0], 3, r"\[K, N\]"),
    ],
)
def test_grid_animation_rejects_bad_input(frames, times, side, match):
    with pytest.raises(ValueError, match=match):
        pplot.grid_animation(frames, times, side)


def test_grid_energy_animation_draws_the_field_and_its_energy_curve():
    side, steps = 4, np.array([0, 1, 10, 100])
    dye = np.zeros((4, side * side))
    dye[0, 0] = 1.0
    dye[1:] = 1.0 / side**2
    energy = np.array([1.0, 1e-2, 1e-5, 1e-9])
    fig, anim = pplot.grid_energy_animation(dye, steps, energy, side)
    ax_img, ax_e = fig.axes[0], fig.axes[1]
    assert ax_img.get_title() == "after 0 layers"
    assert ax_e.get_yscale() == "log" and ax_e.get_xlabel() == "layer $k$"
    curve, dot = ax_e.lines
    np.testing.assert_allclose(curve.get_ydata(), energy)
    assert list(dot.get_xdata()) == [0] and to_rgba(curve.get_color()) == to_rgba(dot.get_color())
    anim._draw_frame(2)
    assert ax_img.get_title() == "after 10 layers" and list(dot.get_ydata()) == [1e-5]
    plt.close(fig)
    with pytest.raises(ValueError, match="positive"):
        pplot.grid_energy_animation(dye, steps, np.array([1.0, 0.0, 1e-5, 1e-9]), side)
    with pytest.raises(ValueError, match="non-negative"):
        pplot.grid_energy_animation(-dye, steps, energy, side)


def test_swarm_animation_moves_every_particle_and_zooms_out_only_when_needed():
    edges = np.array([[0, 1], [1, 2]])
    xs = np.array([[[0, 0], [1, 0], [0, 1]], [[0, 0], [10, 0], [0, 1]]], dtype=float)
    fig, anim = pplot.swarm_animation([0.0, 1.0], xs, edges, ["red", "blue", "red"], centre=[0, 0], beta=0.25)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "feature 1 of $x_i$" and ax.get_ylabel() == "feature 2 of $x_i$"
    assert ax.get_xlim() == (-4.0, 4.0), "the first frame fits: no zoom"
    assert "β = 0.25, t = 0.0" == ax.texts[0].get_text()
    np.testing.assert_allclose(ax.collections[1].get_offsets(), xs[0])
    assert len(ax.collections[0].get_segments()) == 2
    anim._draw_frame(1)
    np.testing.assert_allclose(ax.collections[1].get_offsets(), xs[1])
    assert ax.get_xlim()[1] >= 10 and "zoomed out" in ax.texts[0].get_text()
    plt.close(fig)


@pytest.mark.parametrize(
    "xs, edges, colors, match",
    [
        (np.zeros((2, 3)), [[0, 1]], "rgb", r"\[K, N, 2\]"),
        (np.zeros((2, 3, 2)), [[0, 3]], "rgb", r"indices in \[0, 3\)"),
        (np.zeros((2, 3, 2)), [[0, 1]], "rg", "one colour per node"),
    ],
)
def test_swarm_animation_rejects_bad_input(xs, edges, colors, match):
    with pytest.raises(ValueError, match=match):
        pplot.swarm_animation([0, 1], xs, np.array(edges), list(colors), centre=[0, 0], beta=0.0)
