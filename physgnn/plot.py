"""The book's figure conventions: one colour per model across the whole book (Okabe–Ito, colour-blind safe),
log axes for energies and norms, and a few small helpers."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt

__all__ = ["COLORS", "PALETTE", "style", "color", "energy_axes", "animation_html"]

#: Okabe–Ito palette (Okabe & Ito 2008), safe for the common forms of colour blindness.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

#: One colour per model or force, used in every chapter.
COLORS = {
    "acmp": "#0072B2",  # blue
    "gcn": "#D55E00",  # vermillion
    "gat": "#CC79A7",  # reddish purple
    "grand": "#009E73",  # bluish green
    "mlp": "#000000",  # black
    "gcnii": "#E69F00",  # orange
    "diffusion": "#009E73",
    "repulsion": "#D55E00",
    "allen-cahn": "#0072B2",
    "attraction-repulsion": "#E69F00",
}


def color(name: str) -> str:
    """The book's colour for a model or force (case-insensitive); unknown names raise ``ValueError``."""
    key = name.lower().replace("_", "-")
    if key not in COLORS:
        raise ValueError(f"color: no colour for {name!r}; known: {', '.join(COLORS)}")
    return COLORS[key]


def style() -> None:
    """Apply the book's matplotlib defaults (readable sizes, palette as the colour cycle, light grid)."""
    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "font.size": 11,
            "axes.titlesize": 12,
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


def energy_axes(ax=None, *, xlabel: str = "time $t$", ylabel: str = "Dirichlet energy $E(X)$"):
    """An axis with a log y-scale and the given labels, for energy and norm curves."""
    ax = ax or plt.gca()
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
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
