"""The book's interactive beta slider (Chapter 4, Figure 4.7): precomputed swarm trajectories as a self-contained
HTML + JavaScript figure that runs on a static page, without a kernel or external scripts.

The page template lives next to this file (``beta_slider.html``); :func:`beta_slider_html` checks the data and fills
it in. The data are pixel positions in a 320 x 320 SVG:

Shapes:
    - ``pos``: ``[B][T][2 N]`` integers, node ``i`` at ``(pos[b][t][2 i], pos[b][t][2 i + 1])``
    - ``zoom``: ``[B][T]`` factors >= 1 by which the view was zoomed out
    - ``betas``: ``[B]``, ``times``: ``[T]``, ``colors``: ``[N]``, ``edges``: ``[E][2]`` node pairs
"""

from __future__ import annotations

import json
from importlib.resources import files

__all__ = ["beta_slider_html"]

_TEMPLATE = "beta_slider.html"


def _check(name: str, ok: bool, fix: str) -> None:
    if not ok:
        raise ValueError(f"beta_slider_html: {name} {fix}")


def beta_slider_html(
    betas: list[float],
    times: list[float],
    edges: list[list[int]],
    colors: list[str],
    pos: list[list[list[int]]],
    zoom: list[list[float]],
) -> str:
    """The slider figure as one HTML string (a ``<div id="beta-slider">`` and its ``<script>``).

    One figure per page: the script finds its elements by the id ``beta-slider``. Display it with
    ``IPython.display.HTML``. Raises ``ValueError`` when the shapes above do not agree.
    """
    n_b, n_t, n_nodes = len(betas), len(times), len(colors)
    _check("betas", n_b >= 1, "must hold at least one value of beta")
    _check("times", n_t >= 1, "must hold at least one time")
    _check("colors", n_nodes >= 1, "must hold one colour per node (at least one node)")
    _check("pos", len(pos) == n_b and all(len(f) == n_t for f in pos),
           f"must be [len(betas)={n_b}][len(times)={n_t}][2 N]: one list of frames per beta, one frame per time")
    _check("pos", all(len(p) == 2 * n_nodes for f in pos for p in f),
           f"frames must hold 2 N = {2 * n_nodes} pixel coordinates (x, y per node, N = len(colors))")
    _check("zoom", len(zoom) == n_b and all(len(z) == n_t for z in zoom),
           f"must be [len(betas)={n_b}][len(times)={n_t}]")
    _check("zoom", all(z >= 1 for row in zoom for z in row), "factors must be >= 1 (the view only zooms out)")
    _check("edges", all(len(e) == 2 and 0 <= e[0] < n_nodes and 0 <= e[1] < n_nodes for e in edges),
           f"must be node pairs with indices in [0, {n_nodes})")
    data = {"betas": list(betas), "times": list(times), "edges": [list(e) for e in edges],
            "colors": list(colors), "pos": pos, "zoom": zoom}
    page = (files("physgnn") / _TEMPLATE).read_text(encoding="utf-8")
    # the data go in as JSON; "</" is escaped so that no string in it can close the <script>
    data_json = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    return (page.replace("__DATA__", data_json)
            .replace("__NB__", str(n_b - 1))
            .replace("__NT__", str(n_t - 1)))
