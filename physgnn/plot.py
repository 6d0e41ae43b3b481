"""The book's figure conventions: one colour per model across the whole book (Okabe–Ito, colour-blind safe),
log axes for energies and norms, and a few small helpers. The chapters' figures and animations live in
``physgnn.plot_*`` modules (one topic each) and are re-exported here, so a figure cell reads
``pplot.energy_vs_depth(...)``."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt

__all__ = [
    "COLORS", "PALETTE", "style", "color", "energy_axes", "legend_outside", "swarm", "animation_html", "DPI",
    "grid_animation", "grid_energy_animation", "swarm_animation", "graph_and_adjacency", "graphs_and_averaging",
    "averaging_and_energy", "homophily_bars", "norm_and_energy", "double_well_marbles", "energy_and_bound",
    "accuracy_vs_beta", "training_curves", "energy_vs_depth", "accuracy_vs_depth", "adjoint_cost", "homophily_measures",
    "accuracy_vs_homophily", "accuracy_per_dataset", "standard_error_vs_size", "paired_splits",
    "stability_regions",
]

#: Okabe–Ito palette (Okabe & Ito 2008), safe for the common forms of colour blindness.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

#: One colour per model or force, used in every chapter.
COLORS = {
    "acmp": "#0072B2",  # blue
    "official": "#56B4E9",  # sky blue: the official configuration of ACMP, beside the book's (drawn dashed)
    "gcn": "#D55E00",  # vermillion
    "gat": "#CC79A7",  # reddish purple
    "grand": "#009E73",  # bluish green
    "mlp": "#000000",  # black
    "gcnii": "#E69F00",  # orange
    "graff": "#56B4E9",  # sky blue
    "diffusion": "#009E73",
    "repulsion": "#D55E00",
    "allen-cahn": "#0072B2",
    "attraction-repulsion": "#E69F00",
    "gprgnn": "#56B4E9",  # sky blue
    "fagcn": "#F0E442",  # yellow (drawn with a dark edge)
    "mbo": "#CC79A7",
}


def color(name: str) -> str:
    """The book's colour for a model or force (case-insensitive); unknown names raise ``ValueError``."""
    key = name.lower().replace("_", "-")
    if key not in COLORS:
        raise ValueError(f"color: no colour for {name!r}; known: {', '.join(COLORS)}")
    return COLORS[key]


def style() -> None:
    """Apply the book's matplotlib defaults: readable sizes, the palette as the colour cycle, a light grid, and
    figures at print quality.

    Figures are drawn at 100 dpi, so a 6.4-inch figure is 640 CSS pixels wide, and 12-point text (tick labels
    included) is about 17 px, the size of the body text; in a notebook they are sent as PNGs at twice that
    resolution ("retina", with their 1x size attached), sharp on high-density screens and in the PDF.
    """
    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 200,
            "font.size": 12,
            "axes.titlesize": 12,
            "axes.labelsize": 12,
            "xtick.labelsize": 12,
            "ytick.labelsize": 12,
            "legend.fontsize": 11,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": mpl.cycler(color=PALETTE),
            "legend.frameon": False,
            "figure.facecolor": "white",
            "axes.facecolor": "white",
        }
    )
    _retina()


def _retina() -> None:
    """In IPython (a notebook or the book's executor), send figures as 2x PNGs; elsewhere do nothing."""
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


def energy_axes(ax=None, *, xlabel: str = "time $t$", ylabel: str = "Dirichlet energy $E(X)$"):
    """An axis with a log y-scale and the given labels, for energy and norm curves."""
    ax = ax or plt.gca()
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def legend_outside(ax, where: str = "right", **kwargs):
    """Put the legend of ``ax`` outside its data area: to the right of the axes, or centred below them, under the
    x-axis label (measured, not guessed: the legend starts a few points below the lowest tick label or axis label,
    whatever the height of the axes), so that no curve, point or label is hidden behind it. ``kwargs`` go to
    ``Axes.legend`` (``ncol``, ``handles``, ``title``...). The inline backend and ``savefig(bbox_inches="tight")``
    keep it in the picture, and ``tight_layout`` leaves room for it.

    Returns the legend. Raises ``ValueError`` for an unknown ``where`` or when nothing in ``ax`` has a label.
    """
    from matplotlib.transforms import ScaledTranslation

    if where not in ("right", "below"):
        raise ValueError(f"legend_outside: where must be 'right' or 'below', got {where!r}")
    if "handles" not in kwargs and not ax.get_legend_handles_labels()[0]:
        raise ValueError("legend_outside: nothing in these axes has a label; pass label=... when plotting, or handles=")
    if where == "right":
        return ax.legend(**{"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0, **kwargs})
    kwargs.setdefault("ncol", 2)
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    below = ax.xaxis.get_tightbbox(renderer)  # tick labels and axis label, in display pixels
    drop = 0.0 if below is None else max(0.0, ax.get_window_extent(renderer).y0 - below.y0) / fig.dpi
    # anchored in inches below the axes' bottom edge, so a later tight_layout that resizes the axes keeps the gap
    shift = ax.transAxes + ScaledTranslation(0, -(drop + 0.06), fig.dpi_scale_trans)
    return ax.legend(**{"loc": "upper center", "bbox_to_anchor": (0.5, 0.0), "bbox_transform": shift,
                        "borderaxespad": 0.0, **kwargs})


def swarm(x, edges, classes, *, hub: int | None = None, ax=None, colors=None):
    """A graph drawn in its feature plane: node ``i`` at ``x[i]`` (its 2-D feature vector), edges as light grey
    segments, nodes coloured by class, the ``hub`` (if given) circled; axes labelled "feature 1/2 of x_i" at equal
    scale, one legend entry per class (place it with :func:`legend_outside`).

    Shapes:
        - ``x``: ``[N, 2]`` positions
        - ``edges``: ``[E, 2]`` node pairs (each undirected edge once)
        - ``classes``: ``[N]`` integer labels ``0 .. C-1``; ``colors``: ``C`` colours (default: the palette)

    Returns the axes. Raises ``ValueError`` when the shapes disagree or an index is out of range.
    """
    import numpy as np
    from matplotlib.collections import LineCollection

    x, edges, classes = np.asarray(x, dtype=float), np.asarray(edges), np.asarray(classes)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"swarm: x must be [N, 2] positions, got shape {x.shape}")
    n = x.shape[0]
    if edges.size and (edges.ndim != 2 or edges.shape[1] != 2):
        raise ValueError(f"swarm: edges must be [E, 2] node pairs, got shape {edges.shape}")
    if edges.size and (edges.min() < 0 or edges.max() >= n):
        raise ValueError(f"swarm: edges must hold node indices in [0, {n})")
    if classes.shape != (n,) or classes.min() < 0:
        raise ValueError(f"swarm: classes must be [N] = [{n}] labels 0, 1, ...; got shape {classes.shape}")
    colors = list(colors) if colors is not None else PALETTE
    if classes.max() >= len(colors):
        raise ValueError(f"swarm: {int(classes.max()) + 1} classes but {len(colors)} colours")
    if hub is not None and not 0 <= hub < n:
        raise ValueError(f"swarm: hub must be a node index in [0, {n}), got {hub}")
    ax = ax or plt.gca()
    if edges.size:
        ax.add_collection(LineCollection(x[edges], colors="0.8", linewidths=0.7, zorder=1))
    ax.scatter(x[:, 0], x[:, 1], c=[colors[c] for c in classes], s=30, edgecolors="black", linewidths=0.4, zorder=2)
    if hub is not None:
        ax.scatter(*x[hub], s=220, facecolors="none", edgecolors="black", linewidths=1.5, zorder=3)
    for c in range(int(classes.max()) + 1):
        ax.scatter([], [], color=colors[c], edgecolors="black", label=f"class {c}")
    ax.set_xlabel("feature 1 of $x_i$")
    ax.set_ylabel("feature 2 of $x_i$")
    ax.set_aspect("equal")
    ax.autoscale_view()
    return ax


def animation_html(anim, alt: str, *, dpi: int = 72, default_mode: str = "loop"):
    """A matplotlib animation as a self-contained, kernel-free HTML player (``to_jshtml``) with alt text.

    ``to_jshtml`` writes every frame as a PNG embedded in the page (at ``dpi``; 72 keeps a page to a few MB) and
    shows them in an ``<img>`` without ``alt``; this puts ``alt`` (and ``role="img"``, ``aria-label``) on it, so
    screen readers and the site check see what the animation shows. Returns ``IPython.display.HTML``.
    """
    from html import escape

    from IPython.display import HTML
    from matplotlib.animation import Animation

    if not isinstance(anim, Animation):
        raise ValueError(f"animation_html: expected a matplotlib Animation, got {type(anim).__name__}")
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("animation_html: alt must be a non-empty description of what the animation shows")
    if default_mode not in ("loop", "once", "reflect"):
        raise ValueError(f"animation_html: default_mode must be 'loop', 'once' or 'reflect', got {default_mode!r}")
    with mpl.rc_context({"savefig.dpi": dpi}):
        page = anim.to_jshtml(default_mode=default_mode)
    text = escape(alt.strip(), quote=True)
    page = page.replace('<img id="_anim_img', f'<img alt="{text}" role="img" aria-label="{text}" id="_anim_img', 1)
    if 'alt="' not in page:
        raise RuntimeError("animation_html: matplotlib's player changed; could not attach the alt text")
    return HTML(page)


# The animations and the chapters' figures live in their own modules; the chapters reach them as physgnn.plot.<name>.
from physgnn.plot_anim import DPI, grid_animation, grid_energy_animation, swarm_animation  # noqa: E402
from physgnn.plot_graphs import (  # noqa: E402
    averaging_and_energy,
    graph_and_adjacency,
    graphs_and_averaging,
    homophily_bars,
)
from physgnn.plot_forces import (  # noqa: E402
    accuracy_vs_beta,
    double_well_marbles,
    energy_and_bound,
    norm_and_energy,
)
from physgnn.plot_training import training_curves  # noqa: E402
from physgnn.plot_depth import accuracy_vs_depth, energy_vs_depth  # noqa: E402
from physgnn.plot_solvers import adjoint_cost, stability_regions  # noqa: E402
from physgnn.plot_heterophily import accuracy_per_dataset, accuracy_vs_homophily, homophily_measures  # noqa: E402
from physgnn.plot_evidence import paired_splits, standard_error_vs_size  # noqa: E402
