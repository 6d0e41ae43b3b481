"""Figures of ODE solvers (Chapter 6): the memory and time a training step costs with backpropagation through the
solver and with the adjoint method, and the stability regions of explicit solvers in the complex plane.

Each helper draws one whole figure in the book's style (:func:`physgnn.plot.style`) and returns it; a chapter shows
it and closes it. Methods of differentiation are black (backprop) and grey (adjoint), not model colours.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

__all__ = ["adjoint_cost", "stability_regions"]

_SHADE = {False: ("black", "backprop", "o"), True: ("0.55", "adjoint", "s")}


def adjoint_cost(curves: Mapping[tuple, tuple], fresh: Sequence[dict] = (), *, figsize=(11, 4.8)):
    """Left: memory (MB) against the end time ``T``; right: time per training step (s) against ``T``. One line per
    (solver, adjoint) measured in the running process (rk4 solid, other solvers dotted; backprop black with circles,
    adjoint grey with squares), and hollow diamonds for measurements made in fresh processes. Legends sit below.

    Args:
        curves: ``{(method, adjoint): (Ts, rows)}``: ``Ts`` the end times ``[M]``, ``rows`` ``M`` dicts with
            ``saved_mb`` (bytes saved for backward, in MB) and ``step_seconds``.
        fresh: dicts with ``adjoint`` (bool), ``T`` ``[P]``, ``mb`` ``[P]``, ``label`` (memory panel) and, for
            the time panel, optional ``seconds`` ``[P]`` and ``time_label``.

    Returns the figure. Raises ``ValueError`` for mismatched lengths or missing fields.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import legend_outside

    if not curves:
        raise ValueError("adjoint_cost: curves must hold at least one (method, adjoint) series")
    fig, (ax_m, ax_t) = plt.subplots(1, 2, figsize=figsize)
    for (method, adjoint), (Ts, rows) in curves.items():
        if len(Ts) != len(rows):
            raise ValueError(f"adjoint_cost: {method}/{adjoint}: {len(Ts)} end times but {len(rows)} measurements")
        try:
            mb, sec = [float(r["saved_mb"]) for r in rows], [float(r["step_seconds"]) for r in rows]
        except KeyError as err:
            raise ValueError(
                f"adjoint_cost: every measurement needs saved_mb and step_seconds; missing {err}"
            ) from None
        c, name, marker = _SHADE[bool(adjoint)]
        ls = "-" if method == "rk4" else ":"
        ax_m.plot(Ts, mb, ls, color=c, marker=marker, ms=4, label=f"{name}, {method}: saved for backward")
        ax_t.plot(Ts, sec, ls, color=c, marker=marker, ms=4, label=f"{name}, {method}")
    for f in fresh:
        missing = {"adjoint", "T", "mb", "label"} - set(f)
        if missing:
            raise ValueError(f"adjoint_cost: a fresh-process measurement is missing {sorted(missing)}")
        if len(f["T"]) != len(f["mb"]) or ("seconds" in f and len(f["seconds"]) != len(f["T"])):
            raise ValueError("adjoint_cost: a fresh-process measurement needs one mb (and seconds) value per T")
        c, name, _ = _SHADE[bool(f["adjoint"])]
        hollow = dict(color=c, mfc="none", mew=1.5, ms=7, ls="")
        ax_m.plot(np.asarray(f["T"], float), np.asarray(f["mb"], float), "D", label=f"{name}, {f['label']}", **hollow)
        if "seconds" in f:
            ax_t.plot(np.asarray(f["T"], float), np.asarray(f["seconds"], float), "D",
                      label=f"{name}, {f.get('time_label', f['label'])}", **hollow)
    ax_m.set_xlabel("end time $T$ (rk4: $10\\,T$ steps)")
    ax_m.set_ylabel("memory (MB)")
    ax_t.set_xlabel("end time $T$")
    ax_t.set_ylabel("time per training step (s)")
    legend_outside(ax_m, where="below", ncol=1)
    legend_outside(ax_t, where="below", ncol=1)
    fig.tight_layout()
    return fig


def stability_regions(ax=None, *, methods=("euler", "rk4", "dopri5"), xlim=(-3.5, 1.0), ylim=(-3.2, 3.2),
                      resolution: int = 400):
    r"""The boundaries :math:`|R(z)| = 1` of explicit solvers' stability regions in the complex plane of
    :math:`z = \tau\lambda`, one grey line style per method (R from
    ``physgnn.stability.stability_function``), with the real and imaginary axes, equal scales and labels
    "Re/Im τλ". A step of size τ is stable for a linear field whose eigenvalues λ all put τλ inside a method's curve.
    Plot τλ on top; one legend entry per method is added (place it with :func:`physgnn.plot.legend_outside`).

    ``xlim``, ``ylim``: (low, high) of the view; ``resolution``: grid points per axis (at least 50).
    Returns the axes. Raises ``ValueError`` for an unknown method (see ``stability.METHODS``), an empty or
    repeated list of methods, limits that are not increasing pairs, or too coarse a grid.
    """
    import matplotlib.pyplot as plt

    from physgnn import stability

    where = "stability_regions"
    methods = tuple(methods) if not isinstance(methods, str) else (methods,)
    if not methods or len(set(methods)) != len(methods):
        raise ValueError(f"{where}: methods must be distinct solver names, e.g. ('euler', 'rk4'); got {methods!r}")
    for m in methods:
        if m not in stability.METHODS:
            raise ValueError(f"{where}: unknown method {m!r}; allowed: {', '.join(map(repr, stability.METHODS))}")
    for name, lim in (("xlim", xlim), ("ylim", ylim)):
        if len(lim) != 2 or not float(lim[0]) < float(lim[1]):
            raise ValueError(f"{where}: {name} must be (low, high) with low < high, got {lim!r}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 50:
        raise ValueError(f"{where}: resolution must be an integer >= 50, got {resolution!r}")
    ax = ax or plt.gca()
    zr, zi = np.meshgrid(np.linspace(*map(float, xlim), resolution), np.linspace(*map(float, ylim), resolution))
    styles = ("-", "--", ":", "-.")
    for m, ls in zip(methods, styles * len(methods)):
        modulus = np.abs(stability.stability_function(m)(zr + 1j * zi))
        ax.contour(zr, zi, modulus, levels=[1.0], colors="0.3", linestyles=ls, linewidths=1.4)
        ax.plot([], [], color="0.3", ls=ls, label=f"{m}: $|R(z)| = 1$")
    ax.axhline(0, color="0.8", lw=0.8, zorder=0)
    ax.axvline(0, color="0.8", lw=0.8, zorder=0)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_xlabel(r"Re $\tau\lambda$")
    ax.set_ylabel(r"Im $\tau\lambda$")
    return ax
