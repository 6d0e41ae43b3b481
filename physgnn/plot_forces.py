"""Figures of forces on features (Chapters 4 and 5): norms and energies under attraction and repulsion, and the
double well with marbles rolling into it.

Each helper draws one whole figure in the book's style (:func:`physgnn.plot.style`) and returns it; a chapter shows
it and closes it. Legends sit below their axes, outside the curves.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["norm_and_energy", "double_well_marbles"]


def norm_and_energy(t, runs: Sequence[dict], *, slopes: Sequence[dict] = (), figsize=(11, 4.6)):
    """The norm ``||X(t)||`` (left) and the unnormalised Dirichlet energy ``E(X(t))`` (right) against time, both on
    log scales, one curve per run, plus reference lines of exponential growth on the norm panel.

    Args:
        t: ``[K]`` times.
        runs: one dict per run: ``label``; ``color`` (a name known to :func:`physgnn.plot.color`, e.g.
            ``"repulsion"``); ``norm`` and ``energy``, each ``[K]`` and positive; optional ``dashed`` (bool).
        slopes: reference lines ``y(t) = y0 * exp(rate * (t - t[start]))`` for ``t >= t[start]``, each a dict with
            ``start`` (an index into ``t``), ``y0``, ``rate``, ``label`` and optional ``ls`` (default ``":"``).

    Returns the figure. Raises ``ValueError`` for a missing key, mismatched lengths or non-positive values.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, energy_axes, legend_outside

    t = np.asarray(t, dtype=float).reshape(-1)
    if not runs:
        raise ValueError("norm_and_energy: runs must hold at least one run")
    for r in runs:
        missing = {"label", "color", "norm", "energy"} - set(r)
        if missing:
            raise ValueError(
                f"norm_and_energy: every run needs label, color, norm and energy; missing {sorted(missing)}"
            )
        for key in ("norm", "energy"):
            v = np.asarray(r[key], dtype=float).reshape(-1)
            if v.shape != t.shape:
                raise ValueError(f"norm_and_energy: {r['label']}: {key} has {v.size} values for {t.size} times")
            if not (v > 0).all():
                raise ValueError(f"norm_and_energy: {r['label']}: {key} must be positive (log scale)")
    for s in slopes:
        if not 0 <= s.get("start", -1) < t.size:
            raise ValueError(f"norm_and_energy: a slope's start must be an index into t (0 .. {t.size - 1})")
    fig, (ax_n, ax_e) = plt.subplots(1, 2, figsize=figsize)
    for r in runs:
        ls = "--" if r.get("dashed") else "-"
        for ax, key in ((ax_n, "norm"), (ax_e, "energy")):
            ax.plot(t, np.asarray(r[key], dtype=float).reshape(-1), color=color(r["color"]), lw=2, ls=ls,
                    label=r["label"])
    for s in slopes:
        tt = t[s["start"]:]
        ax_n.plot(tt, s["y0"] * np.exp(s["rate"] * (tt - tt[0])), color="black", ls=s.get("ls", ":"), lw=1.5,
                  label=s["label"])
    energy_axes(ax_n, xlabel="time $t$", ylabel=r"norm $\|X(t)\|$ (log scale)")
    energy_axes(ax_e, xlabel="time $t$", ylabel="unnormalised Dirichlet energy $E(X(t))$ (log scale)")
    legend_outside(ax_n, where="below", ncol=1)
    legend_outside(ax_e, where="below", ncol=1)
    fig.tight_layout()
    return fig


def double_well_marbles(starts, t, paths, *, span: float = 1.8, figsize=(11, 4.4)):
    """Left: the double well ``W(x) = (1 - x^2)^2 / 4`` and its force ``-W'(x) = x(1 - x^2)`` on ``[-span, span]``,
    with one marble per starting point on ``W``. Right: each marble's path ``x(t)``, in the marble's colour, with the
    wells ``±1`` dotted.

    Shapes:
        - ``starts``: ``[M]``; ``t``: ``[K]``; ``paths``: ``[K, M]`` with ``paths[0] == starts``

    Returns the figure. Raises ``ValueError`` for mismatched shapes or paths that do not start at ``starts``.
    """
    import matplotlib.pyplot as plt
    import torch

    from physgnn.energy import double_well, double_well_force
    from physgnn.plot import color, legend_outside

    x0 = np.asarray(starts, dtype=float).reshape(-1)
    t = np.asarray(t, dtype=float).reshape(-1)
    p = np.asarray(paths, dtype=float)
    if p.shape != (t.size, x0.size):
        raise ValueError(f"double_well_marbles: paths must be [K, M] = [{t.size}, {x0.size}], got shape {p.shape}")
    if not np.allclose(p[0], x0):
        raise ValueError("double_well_marbles: paths[0] must equal starts (each path begins at its marble)")
    xs = torch.linspace(-span, span, 400, dtype=torch.float64)
    fig, (ax_w, ax_t) = plt.subplots(1, 2, figsize=figsize)
    ax_w.plot(xs, double_well(xs), color="black", lw=2, label=r"$W(x) = (1-x^2)^2/4$")
    ax_w.plot(xs, double_well_force(xs), color=color("allen-cahn"), lw=1.5, ls="--",
              label=r"force $-W'(x) = x(1-x^2)$")
    ax_w.axhline(0, color="0.6", lw=0.8)
    colours = plt.cm.coolwarm(np.linspace(0, 1, x0.size))
    on_well = double_well(torch.as_tensor(x0)).numpy()
    ax_w.scatter(x0, on_well, color=colours, edgecolors="black", s=64, zorder=3)
    ax_w.set_ylim(-0.8, 1.3)
    ax_w.set_xlabel("feature value $x$")
    ax_w.set_ylabel("potential $W$ and force $-W'$")
    legend_outside(ax_w, where="below", ncol=1)
    for k, c in enumerate(colours):
        ax_t.plot(t, p[:, k], color=c, lw=2)
    for well in (1, -1):
        ax_t.axhline(well, color="0.5", ls=":")
    ax_t.set_xlabel("time $t$")
    ax_t.set_ylabel("feature value $x(t)$")
    fig.tight_layout()
    return fig
