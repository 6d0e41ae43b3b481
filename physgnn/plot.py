"""The book's figure conventions: one colour per model across the whole book (Okabe–Ito, colour-blind safe),
log axes for energies and norms, and a few small helpers."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt

__all__ = ["COLORS", "PALETTE", "style", "color", "energy_axes"]

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
