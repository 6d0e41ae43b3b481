"""The beta slider of Chapter 4 (physgnn.beta_slider): the template is filled with the data, the sliders' ranges
follow the data, and data that do not fit the figure are refused."""

import json
import re

import pytest

from physgnn.beta_slider import beta_slider_html


def _payload(n_b=3, n_t=4, n=5):
    return dict(
        betas=[0.1 * b for b in range(n_b)],
        times=[0.5 * t for t in range(n_t)],
        edges=[[i, (i + 1) % n] for i in range(n)],
        colors=["#0072B2"] * n,
        pos=[[[10 * b + t + i for i in range(2 * n)] for t in range(n_t)] for b in range(n_b)],
        zoom=[[1.0 + t for t in range(n_t)] for _ in range(n_b)],
    )


def test_the_page_carries_the_data_and_sliders_that_span_it():
    data = _payload()
    page = beta_slider_html(**data)
    assert "__DATA__" not in page and "__NB__" not in page and "__NT__" not in page
    assert re.search(r'id="beta-slider-beta" min="0" max="2"', page), "beta slider: one step per beta"
    assert re.search(r'id="beta-slider-time" min="0" max="3"', page), "time slider: one step per frame"
    embedded = json.loads(re.search(r"var D = (\{.*?\});\n", page).group(1))
    assert embedded == data
    assert page.count('id="beta-slider"') == 1 and page.count("<script>") == 1


def test_a_string_in_the_data_cannot_close_the_script():
    data = _payload()
    data["colors"][0] = "</script><b>"
    page = beta_slider_html(**data)
    assert page.count("</script>") == 1
    assert json.loads(re.search(r"var D = (\{.*?\});\n", page).group(1))["colors"][0] == "</script><b>"


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda d: d["pos"].pop(), r"pos must be \[len\(betas\)=3\]"),
        (lambda d: d["pos"][1][2].pop(), r"2 N = 10 pixel coordinates"),
        (lambda d: d["zoom"][0].pop(), r"zoom must be"),
        (lambda d: d["zoom"][0].__setitem__(0, 0.5), r"zoom factors must be >= 1"),
        (lambda d: d["edges"].append([0, 5]), r"edges must be node pairs with indices in \[0, 5\)"),
        (lambda d: d.update(betas=[], pos=[], zoom=[]), r"betas must hold at least one"),
    ],
)
def test_data_that_do_not_fit_are_refused(change, match):
    data = _payload()
    change(data)
    with pytest.raises(ValueError, match=match):
        beta_slider_html(**data)


def test_paper_says_which_frame_it_shows_and_the_screen_does_not():
    """A printed page cannot move a slider: a note shown only in print says the picture is one frame; on screen
    (the site, Jupyter, Colab) the note is hidden by the figure's own style, since those pages lack the book's CSS."""
    page = beta_slider_html(**_payload())
    note = re.search(r'<p class="print-only">(.*?)</p>', page, re.S)
    assert note and "paper" in note.group(1)
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    screen, _, printed = style.partition("@media print")
    assert re.search(r"#beta-slider \.print-only \{ display: none;", screen)
    assert re.search(r"#beta-slider \.print-only \{ display: block; \}", printed)
