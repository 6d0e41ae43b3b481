"""Figures of the Allen–Cahn chapter (Chapter 5): phase separation on a grid as a kernel-free animation, the free
energy and its two parts, explicit against convex-splitting steps with graph segmentation, the (beta, delta) phase
diagram of consensus in a well, and the hidden features of ACMP blowing up or staying bounded.

Each figure helper draws one whole figure in the book's style (``physgnn.plot.style``) and returns it; a chapter
shows it and closes it. Legends sit outside the data: below the axes, or to the right of a colour map.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

__all__ = [
    "grid_animation_html", "free_energy_parts", "steppers_and_segmentation", "consensus_phase_diagram",
    "hidden_feature_blowup", "three_fields_energy_and_bound",
]


def _curve(values, n: int, where: str, name: str) -> np.ndarray:
    """``values`` as a float vector of length ``n``, or a ``ValueError`` naming ``name``."""
    v = np.asarray(values, dtype=float).reshape(-1)
    if v.size != n:
        raise ValueError(f"{where}: {name} has {v.size} values, expected {n} (one per time)")
    return v


def grid_animation_html(frames, times, side: int, alt: str):
    """A field on a ``side x side`` grid graph as a looping, kernel-free player with alt text: the animation of
    ``physgnn.plot.grid_animation`` (red +1, blue -1, symmetric-log colour scale) turned into HTML by
    ``physgnn.plot.animation_html`` at the book's animation resolution; the figure is closed, so only the player
    is shown.

    Shapes:
        - ``frames``: ``[K, side**2]`` (or ``[K, side**2, 1]``) values in ``[-1, 1]``; ``times``: ``[K]``

    Returns ``IPython.display.HTML``. Raises ``ValueError`` for bad shapes, values or an empty ``alt``.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import animation_html
    from physgnn.plot_anim import DPI, grid_animation

    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("grid_animation_html: alt must be a non-empty description of what the animation shows")
    fig, anim = grid_animation(frames, times, side)
    try:
        return animation_html(anim, alt, dpi=DPI, default_mode="loop")
    finally:
        plt.close(fig)


def free_energy_parts(t, total, interface, well, *, figsize=(6.4, 5.0)):
    """The free energy ``F = (alpha N / 4) E_a + delta sum W`` along a run (solid), its interface part (dashed) and
    its well part (dotted) against time, both axes on log scales; points at ``t <= 0`` are left out (the log time
    axis has no zero). The legend sits below the axes.

    Shapes:
        - ``t``, ``total``, ``interface``, ``well``: ``[K]``, the energies positive where ``t > 0``

    Returns the figure. Raises ``ValueError`` for mismatched lengths, no positive time or a non-positive energy.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, energy_axes, legend_outside

    where = "free_energy_parts"
    t = np.asarray(t, dtype=float).reshape(-1)
    parts = {name: _curve(v, t.size, where, name) for name, v in
             (("total", total), ("interface", interface), ("well", well))}
    keep = t > 0
    if not keep.any():
        raise ValueError(f"{where}: t must hold at least one positive time (the time axis is logarithmic)")
    for name, v in parts.items():
        if not (v[keep] > 0).all():
            raise ValueError(f"{where}: {name} must be positive where t > 0 (log scale)")
    fig, ax = plt.subplots(figsize=figsize)
    ax.plot(t[keep], parts["total"][keep], color=color("allen-cahn"), lw=2.5, label=r"free energy $\mathcal{F}$")
    ax.plot(t[keep], parts["interface"][keep], color=color("diffusion"), ls="--", lw=2,
            label=r"interface part $\frac{\alpha N}{4} E_a$")
    ax.plot(t[keep], parts["well"][keep], color="black", ls=":", lw=2, label=r"well part $\delta \sum W$")
    ax.set_xscale("log")
    energy_axes(ax, xlabel="time $t$ (log scale)", ylabel="energy (log scale)")
    legend_outside(ax, where="below", ncol=1)
    fig.tight_layout()
    return fig


#: Steppers of Figure 5.4, in order: an unstable explicit step (vermillion, dashed), a safe explicit step (grey,
#: dotted), a convex-splitting step (the Allen–Cahn blue, solid).
_STEPPERS = (("repulsion", "--"), ("0.45", ":"), ("allen-cahn", "-"))


def steppers_and_segmentation(energies: Mapping[str, np.ndarray], accuracy: Mapping[tuple, Sequence[float]],
                              methods: Mapping[str, str], label_counts: Sequence[int], *, figsize=(11, 5.2)):
    """Left: the Ginzburg–Landau energy after every step for up to three steppers (log scale, cut to ``[1, 1e6]``;
    a run that overflows ends where its values stop being finite). Right: accuracy on the unlabelled nodes against
    the number of labelled nodes per class (log axis), one line of means per method in its colour and one dot per
    draw, the dots of each method shifted a little sideways. Legends sit below the axes.

    Args:
        energies: ``{name: [S + 1]}`` energies of each stepper (NaN after a blow-up), in the order of ``_STEPPERS``.
        accuracy: ``{(method, n): [R]}`` accuracies of ``R`` draws for each method and label count.
        methods: ``{key: display name}``, ``key`` a colour of ``physgnn.plot.color``; ``label_counts``: ``[L]``.

    Returns the figure. Raises ``ValueError`` for more than three steppers or a missing (method, n) entry.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import COLORS, color, energy_axes, legend_outside

    where = "steppers_and_segmentation"
    if not energies or len(energies) > len(_STEPPERS):
        raise ValueError(f"{where}: energies must hold one to {len(_STEPPERS)} steppers, got {len(energies)}")
    counts = [int(n) for n in label_counts]
    missing = [(m, n) for m in methods for n in counts if len(accuracy.get((m, n), ())) == 0]
    if not methods or not counts or missing:
        raise ValueError(f"{where}: accuracy needs a non-empty list for every (method, n); missing {missing}")
    fig, (ax_e, ax_s) = plt.subplots(1, 2, figsize=figsize)
    for (name, e), (shade, ls) in zip(energies.items(), _STEPPERS):
        e = np.asarray(e, dtype=float).reshape(-1)
        ax_e.plot(np.arange(e.size), e, color=color(shade) if shade in COLORS else shade, ls=ls, lw=2, label=name)
    energy_axes(ax_e, xlabel="step $n$", ylabel=r"energy $E_{\mathrm{GL}}(u^n)$ (log scale)")
    ax_e.set_ylim(1, 1e6)
    for k, (m, name) in enumerate(methods.items()):
        runs = [np.asarray(accuracy[(m, n)], dtype=float) for n in counts]
        ax_s.plot(counts, [r.mean() for r in runs], "o-", color=color(m), lw=2, label=name)
        for n, r in zip(counts, runs):
            ax_s.plot(np.full(r.size, n * (1 + 0.06 * (k - 1))), r, ".", color=color(m), alpha=0.5)
    ax_s.set_xscale("log")
    ax_s.set_xticks(counts, [str(n) for n in counts])
    ax_s.set_xlabel("labelled nodes per class")
    ax_s.set_ylabel("accuracy on the unlabelled nodes")
    legend_outside(ax_e, where="below", ncol=1)
    legend_outside(ax_s, where="below", ncol=3)
    fig.tight_layout()
    return fig


def consensus_phase_diagram(betas, deltas, ratio, delta_star, *, floor: float = 1e-35, figsize=(6.6, 4.7)):
    """A colour map of ``log10 E(X(T)) / E(X(0))`` over the repulsion ``beta`` (x) and the well strength ``delta``
    (y, log scale), ratios clipped below at ``floor``, with the balance curve ``delta*(beta)`` in white (consensus
    is stable above it). The colour bar is on the right; the legend sits below the axes.

    Shapes:
        - ``betas``: ``[B]``; ``deltas``: ``[D]`` positive; ``ratio``: ``[B, D]`` (row ``i``: ``betas[i]``)
        - ``delta_star``: ``[B]``

    Returns the figure. Raises ``ValueError`` for mismatched shapes, non-positive deltas or a non-positive floor.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import legend_outside

    where = "consensus_phase_diagram"
    b = np.asarray(betas, dtype=float).reshape(-1)
    d = np.asarray(deltas, dtype=float).reshape(-1)
    r = np.asarray(ratio, dtype=float)
    if r.shape != (b.size, d.size):
        raise ValueError(f"{where}: ratio must be [B, D] = [{b.size}, {d.size}], got shape {r.shape}")
    if not (d > 0).all() or not floor > 0:
        raise ValueError(f"{where}: deltas and floor must be positive (log scales)")
    star = _curve(delta_star, b.size, where, "delta_star")
    fig, ax = plt.subplots(figsize=figsize)
    img = ax.pcolormesh(b, d, np.log10(r.T.clip(floor)), shading="nearest", cmap="viridis")
    fig.colorbar(img, ax=ax, label=r"$\log_{10} E(X(T)) / E(X(0))$")
    ax.plot(b, star, color="white", lw=2.5, label=r"balance point $\delta^*(\beta) = \alpha\lambda_\perp/2$")
    ax.set_yscale("log")
    ax.set_xlabel(r"repulsion $\beta$")
    ax.set_ylabel(r"double-well strength $\delta$")
    ax.set_ylim(d[0], d[-1])
    # the balance curve is white: its legend handle needs a dark frame to be seen on the page
    leg = legend_outside(ax, where="below", ncol=1, frameon=True, facecolor="0.35", framealpha=1.0)
    for text in leg.get_texts():
        text.set_color("white")
    fig.tight_layout()
    return fig


def hidden_feature_blowup(runs: Sequence[dict], bound: float, *, figsize=(6.4, 4.6)):
    """The largest hidden feature ``max |h|`` against time (log scale) for several solver runs, with the proven
    bound ``B`` (dotted). A run whose values stop being finite is drawn up to its last finite point, marked there
    with a cross and the note "non-finite after this point". The legend sits below the axes.

    Args:
        runs: dicts with ``t`` and ``peak`` (``[K]`` each; ``inf``/``nan`` after a blow-up), ``label``, ``color``
            (a colour of ``physgnn.plot.color``) and optional ``ls`` (default ``"-"``).
        bound: the bound ``B`` (positive).

    Returns the figure. Raises ``ValueError`` for a missing key, mismatched lengths, a run with no finite value or
    a non-positive bound.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, energy_axes, legend_outside

    where = "hidden_feature_blowup"
    if not runs:
        raise ValueError(f"{where}: runs must hold at least one run")
    if not bound > 0:
        raise ValueError(f"{where}: bound must be positive (log scale), got {bound}")
    fig, ax = plt.subplots(figsize=figsize)
    for r in runs:
        missing = {"t", "peak", "label", "color"} - set(r)
        if missing:
            plt.close(fig)
            raise ValueError(f"{where}: every run needs t, peak, label and color; missing {sorted(missing)}")
        t = np.asarray(r["t"], dtype=float).reshape(-1)
        peak = _curve(r["peak"], t.size, where, f"{r['label']}: peak")
        ok = np.isfinite(peak)
        if not ok.any():
            plt.close(fig)
            raise ValueError(f"{where}: {r['label']}: peak has no finite value to draw")
        c = color(r["color"])
        ax.plot(t[ok], peak[ok], color=c, ls=r.get("ls", "-"), lw=2.5, marker="o", ms=3, label=r["label"])
        if not ok.all():
            ax.plot(t[ok][-1], peak[ok][-1], "x", color=c, ms=12, mew=3)
            ax.annotate("non-finite after this point", (t[ok][-1], peak[ok][-1]), xytext=(10, -4),
                        textcoords="offset points", color=c)
    ax.axhline(bound, color="black", ls=":", label=f"bound $B$ = {bound:.1f}")
    energy_axes(ax, xlabel="time $t$", ylabel=r"largest hidden feature $\max|h|$ (log scale)")
    legend_outside(ax, where="below", ncol=2)
    fig.tight_layout()
    return fig


def three_fields_energy_and_bound(curves: Mapping[str, tuple], *, beta: float, delta: float, bound: float,
                                  figsize=(11, 4.8)):
    """Figure 5.5: :func:`physgnn.plot_forces.energy_and_bound` for diffusion (``beta = delta = 0``),
    attraction–repulsion (``beta``, no well) and ACMP (``beta`` and the well ``delta``) on one graph: the energy of
    each field against time (left), and ACMP's largest feature ``max_{i,c} |x_ic(t)|`` under ``bound`` (right).

    Args:
        curves: ``{"diffusion" | "repulsion" | "acmp": (t, energy, max |x|)}``, three ``[K]`` arrays per field
            (``K`` may differ between fields).

    Returns the figure. Raises ``ValueError`` when a field is missing, and (from ``energy_and_bound``) for
    mismatched lengths or non-positive energies.
    """
    from physgnn.plot_forces import energy_and_bound

    label = {"diffusion": r"diffusion ($\beta = 0$, $\delta = 0$)",
             "repulsion": rf"attraction–repulsion ($\beta = {beta}$, $\delta = 0$)",
             "acmp": rf"ACMP ($\beta = {beta}$, $\delta = {delta}$)"}
    missing = sorted(set(label) - set(curves))
    if missing:
        raise ValueError(f"three_fields_energy_and_bound: curves must hold {sorted(label)}; missing {missing}")
    if any(len(curves[k]) != 3 for k in label):
        raise ValueError("three_fields_energy_and_bound: each field must be the triple (t, energy, max |x|)")
    fields = [dict(t=curves[k][0], energy=curves[k][1], label=label[k], color=k) for k in label]
    t, _, peak = curves["acmp"]
    return energy_and_bound(fields, dict(t=t, value=peak, label=r"ACMP: $\max_{i,c}|x_{ic}(t)|$", color="acmp"),
                            bound, figsize=figsize)
