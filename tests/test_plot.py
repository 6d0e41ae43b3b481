"""The book's figure helpers: one colour per model, and animations that carry alt text."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402

from physgnn import plot as pplot  # noqa: E402


def _animation(frames=3):
    fig, ax = plt.subplots(figsize=(2, 2))
    (line,) = ax.plot([0, 1], [0, 0])
    anim = FuncAnimation(fig, lambda k: line.set_ydata([0, k]), frames=frames)
    return fig, anim


def test_animation_html_has_alt_text_and_every_frame():
    fig, anim = _animation(frames=4)
    page = pplot.animation_html(anim, 'heat "spreading" <fast>').data
    plt.close(fig)
    img = page[page.index("<img"): page.index(">", page.index("<img")) + 1]
    assert 'alt="heat &quot;spreading&quot; &lt;fast&gt;"' in img and 'role="img"' in img
    assert page.count("data:image/png;base64") == 4, "one embedded PNG per frame"


@pytest.mark.parametrize("kwargs, match", [(dict(alt=""), "alt must be"), (dict(alt="x", default_mode="bounce"), "default_mode")])
def test_animation_html_rejects_bad_input(kwargs, match):
    fig, anim = _animation()
    with pytest.raises(ValueError, match=match):
        pplot.animation_html(anim, **kwargs)
    assert "<img alt=" in pplot.animation_html(anim, "valid").data  # the same animation still renders
    plt.close(fig)


def test_animation_html_needs_an_animation():
    with pytest.raises(ValueError, match="matplotlib Animation"):
        pplot.animation_html("not an animation", "alt")


def test_one_colour_per_model_and_unknown_names_fail():
    models = ["acmp", "gcn", "gat", "grand", "mlp", "gcnii"]
    assert len({pplot.color(m) for m in models}) == len(models)
    assert pplot.color("ACMP") == pplot.color("acmp")
    with pytest.raises(ValueError, match="no colour"):
        pplot.color("transformer")


def _overlap(a, b):
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("where", ["right", "below"])
def test_legend_outside_leaves_the_data_area_free(where):
    pplot.style()
    fig, ax = plt.subplots()
    for k in range(4):
        ax.plot([0, 1, 2], [k, k + 1, k], label=f"curve {k}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy (%)")
    legend = pplot.legend_outside(ax, where=where)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box, axes_box = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
    assert not _overlap(box, axes_box), "the legend covers the data"
    assert len(legend.get_texts()) == 4
    # the wrong answer a check must reject: matplotlib's default placement sits inside the axes
    inside = ax.legend(loc="upper left").get_window_extent(renderer)
    assert _overlap(inside, axes_box)
    plt.close(fig)


def test_legend_outside_rejects_bad_input():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="nothing in these axes has a label"):
        pplot.legend_outside(ax)
    ax.plot([0, 1], label="x")
    with pytest.raises(ValueError, match="where must be"):
        pplot.legend_outside(ax, where="inside")
    plt.close(fig)


def test_style_sets_body_size_text_and_print_resolution():
    pplot.style()
    assert matplotlib.rcParams["font.size"] == 12 and matplotlib.rcParams["xtick.labelsize"] == 12
    assert matplotlib.rcParams["savefig.dpi"] >= 2 * matplotlib.rcParams["figure.dpi"]


def test_swarm_draws_every_node_and_edge_with_labelled_axes():
    import numpy as np
    from matplotlib.collections import LineCollection

    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
    edges = np.array([[0, 1], [0, 2], [0, 3]])
    fig, ax = plt.subplots()
    out = pplot.swarm(x, edges, [0, 0, 1, 1], hub=0, ax=ax)
    assert out is ax and ax.get_xlabel() and ax.get_ylabel()
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines) == 1 and len(lines[0].get_segments()) == 3
    nodes = max(ax.collections, key=lambda c: len(c.get_offsets()))
    assert np.allclose(nodes.get_offsets(), x), "one point per node, at its features"
    assert ax.get_legend_handles_labels()[1] == ["class 0", "class 1"]
    x0, x1 = ax.get_xlim()
    assert x0 <= 0 and x1 >= 2, "the view holds every node"
    plt.close(fig)


@pytest.mark.parametrize(
    "x, edges, classes, kw, match",
    [
        ([[0, 0, 0]], [], [0], {}, r"x must be \[N, 2\]"),
        ([[0, 0], [1, 1]], [[0, 2]], [0, 1], {}, r"node indices in \[0, 2\)"),
        ([[0, 0], [1, 1]], [[0, 1]], [0], {}, r"classes must be \[N\] = \[2\]"),
        ([[0, 0], [1, 1]], [[0, 1]], [0, 2], dict(colors=["r", "b"]), "3 classes but 2 colours"),
        ([[0, 0], [1, 1]], [[0, 1]], [0, 1], dict(hub=5), "hub must be"),
    ],
)
def test_swarm_rejects_bad_input(x, edges, classes, kw, match):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=match):
        pplot.swarm(x, edges, classes, ax=ax, **kw)
    plt.close(fig)


@pytest.mark.parametrize("height", [2.0, 5.0])
def test_legend_below_clears_the_axis_label_on_short_and_tall_axes(height):
    pplot.style()
    fig, ax = plt.subplots(figsize=(5, height))
    ax.plot([0, 1], [0, 1], label="one")
    ax.plot([0, 1], [1, 0], label="two")
    ax.set_xticks([0, 1], ["first\nline two", "second\nline two"])  # tall tick labels
    ax.set_xlabel("number of layers")
    legend = pplot.legend_outside(ax, where="below")
    fig.tight_layout()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    assert box.y1 <= ax.xaxis.label.get_window_extent(renderer).y0 + 0.5, "the legend sits under the axis label"
    assert box.y1 <= min(t.get_window_extent(renderer).y0 for t in ax.get_xticklabels()) + 0.5
    plt.close(fig)
