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
