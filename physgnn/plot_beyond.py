"""Figures of Chapter 9 (other physics on graphs): energies of oscillators, gated and sheaf diffusion against
depth or time, how a GCN's sensitivity spreads over distance, the two channel directions of GRAFF, and the
Jacobian eigenvalues and energy of a wave system.

Each helper draws one whole figure in the book's style (``physgnn.plot.style``) and returns it; a chapter shows it
and closes it. Energies are on log axes; legends sit below the axes, outside the curves.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

__all__ = [
    "springs_and_diffusion",
    "energy_vs_layers",
    "g2_energy_and_gate",
    "sheaf_energies",
    "sensitivity_by_distance",
    "graff_directions",
    "eigenvalues_and_wave_energy",
]


def _curve(where: str, name: str, values) -> np.ndarray:
    """``values`` as a non-empty 1-D float array, or a ``ValueError`` naming the argument."""
    y = np.asarray(values, dtype=float)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"{where}: {name} must be a non-empty 1-D sequence (one value per step), got shape {y.shape}")
    return y


def _energy_figure(curves, *, xlabel: str, ylabel: str, ylim=None, figsize=(7, 5.2)):
    """One axes of curves ``[(values, label, style kwargs)]`` against their index, on a log y-axis; legend below."""
    import matplotlib.pyplot as plt

    from physgnn.plot import energy_axes, legend_outside

    fig, ax = plt.subplots(figsize=figsize)
    for y, label, kw in curves:
        ax.plot(y, label=label, **kw)
    energy_axes(ax, xlabel=xlabel, ylabel=ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)
    legend_outside(ax, where="below", ncol=1)
    fig.tight_layout()
    return fig


def springs_and_diffusion(e_heat, e_osc, conserved):
    r"""The Dirichlet energy per step (layer) under diffusion :math:`\dot X = -LX` (explicit Euler) and under
    springs :math:`\ddot X = -LX` (symplectic Euler), and the quantity :math:`\tilde H` the springs conserve
    (dashed), on a log axis from :math:`10^{-10}` to ten times the springs' largest energy.

    Args:
        e_heat, e_osc, conserved: ``[steps + 1]`` energies each.

    Returns the figure. Raises ``ValueError`` for an empty or multi-dimensional curve.
    """
    from physgnn.plot import PALETTE, color

    where = "springs_and_diffusion"
    e_heat, e_osc, conserved = (_curve(where, n, v) for n, v in
                                (("e_heat", e_heat), ("e_osc", e_osc), ("conserved", conserved)))
    return _energy_figure(
        [(e_heat, "diffusion $\\dot X = -LX$ (explicit Euler)", dict(color=color("diffusion"), lw=2)),
         (e_osc, "springs $\\ddot X = -LX$ (symplectic Euler)", dict(color=PALETTE[0], lw=1.2)),
         (conserved, "conserved quantity $\\tilde H$", dict(color="black", ls="--", lw=1.5))],
        xlabel="step $n$ (layer), $\\tau = 1$", ylabel="energy (log scale)", ylim=(1e-10, 10 * e_osc.max()))


def energy_vs_layers(curves: Mapping[str, Sequence[float]]):
    """The Dirichlet energy of each layer's output for untrained stacks: the curve named ``"GCN"`` in the GCN's
    colour, the others (e.g. GraphCON at two dampings) in blue (solid) and sky blue (dashed), in order.

    Args:
        curves: ``{label: [layers + 1] energies}``; one ``"GCN"`` and at most two others.

    Returns the figure. Raises ``ValueError`` for no curves, more than two curves besides ``"GCN"``, or an empty
    curve.
    """
    from physgnn.plot import PALETTE, color

    where = "energy_vs_layers"
    others = [name for name in curves if name != "GCN"]
    if not curves or len(others) > 2:
        raise ValueError(f"{where}: curves must hold 'GCN' and/or at most two other stacks, got {list(curves)}")
    styles = iter([dict(color=PALETTE[0], lw=2), dict(color=PALETTE[5], lw=2, ls="--")])
    drawn = [(_curve(where, f"curves[{name!r}]", e), name,
              dict(color=color("gcn"), lw=2.2) if name == "GCN" else next(styles)) for name, e in curves.items()]
    return _energy_figure(drawn, xlabel="layer $n$", ylabel="Dirichlet energy $E(X)$ (log scale)")


def g2_energy_and_gate(gcn, g2, gates, *, figsize=(11, 4.6)):
    r"""Left: the Dirichlet energy of each layer's output for an untrained GCN and G² stack (log scale). Right: the
    mean gate :math:`\bar\rho` of G² in layers ``1 .. len(gates)`` (log scale).

    Args:
        gcn, g2: ``[layers + 1]`` energies; ``gates``: ``[layers]`` mean gates.

    Returns the figure. Raises ``ValueError`` for an empty curve or when ``g2`` does not have one more value than
    ``gates``.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import PALETTE, color, energy_axes, legend_outside

    where = "g2_energy_and_gate"
    gcn, g2, gates = _curve(where, "gcn", gcn), _curve(where, "g2", g2), _curve(where, "gates", gates)
    if len(g2) != len(gates) + 1:
        raise ValueError(f"{where}: g2 holds the input and every layer ({len(g2)} values), so gates needs "
                         f"{len(g2) - 1} values, got {len(gates)}")
    fig, (ax_e, ax_g) = plt.subplots(1, 2, figsize=figsize)
    ax_e.plot(gcn, color=color("gcn"), lw=2.2, label="GCN")
    ax_e.plot(g2, color=PALETTE[2], lw=2, label="G² ($p = 2$)")
    energy_axes(ax_e, xlabel="layer $n$", ylabel="Dirichlet energy $E(X)$ (log scale)")
    ax_g.plot(range(1, len(gates) + 1), gates, color=PALETTE[2], lw=2)
    energy_axes(ax_g, xlabel="layer $n$", ylabel="mean gate $\\bar\\rho$ (log scale)")
    legend_outside(ax_e, where="below")
    fig.tight_layout()
    return fig


def sheaf_energies(plain, sheaf_own, sheaf_plain):
    r"""Energies per step of plain diffusion (:math:`x^\top L x`) and of sheaf diffusion, measured by its own sheaf
    energy :math:`x^\top L_F x` (solid) and by the plain energy (dashed), on a log axis from :math:`10^{-14}` to
    ten times the largest plain energy.

    Args:
        plain, sheaf_own, sheaf_plain: ``[steps + 1]`` energies each.

    Returns the figure. Raises ``ValueError`` for an empty or multi-dimensional curve.
    """
    from physgnn.plot import PALETTE, color

    where = "sheaf_energies"
    plain, own, mixed = (_curve(where, n, v) for n, v in
                         (("plain", plain), ("sheaf_own", sheaf_own), ("sheaf_plain", sheaf_plain)))
    return _energy_figure(
        [(plain, "plain diffusion: $x^\\top L x$", dict(color=color("diffusion"), lw=2)),
         (own, "sheaf diffusion: sheaf energy $x^\\top L_F x$", dict(color=PALETTE[3], lw=2)),
         (mixed, "sheaf diffusion: plain energy $x^\\top L x$", dict(color=PALETTE[3], lw=2, ls="--"))],
        xlabel="step $n$, $\\tau = 0.5$", ylabel="energy (log scale)", ylim=(1e-14, 10 * plain.max()))


def sensitivity_by_distance(share: Mapping[int, Sequence[float]], total: Mapping[int, float], *, figsize=(9, 4.6)):
    r"""Left: for each depth :math:`L`, the share of node 0's sensitivity that falls on one node at hop distance
    :math:`r` (distances ``1 ..``; distances with no share are skipped), log scale. Right: the total sensitivity
    :math:`\sum_j s_{0j}` against the depth (log-2 x-axis, log y-axis).

    Args:
        share: ``{L: [R + 1] share per node at distance r = 0 .. R}``; ``total``: ``{L: total sensitivity}``
            for the same depths.

    Returns the figure. Raises ``ValueError`` when the depths of ``share`` and ``total`` differ, there are more
    depths than colours, or a share list is empty.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import PALETTE, color, energy_axes, legend_outside

    where = "sensitivity_by_distance"
    depths = list(share)
    if not depths or sorted(depths) != sorted(total):
        raise ValueError(f"{where}: share and total must give the same depths, got {depths} and {list(total)}")
    if len(depths) > len(PALETTE):
        raise ValueError(f"{where}: at most {len(PALETTE)} depths (one colour each), got {len(depths)}")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize)
    for k, L in enumerate(depths):
        s = _curve(where, f"share[{L}]", share[L])
        r = [q for q in range(1, len(s)) if s[q] > 0]
        ax1.plot(r, s[r], "o-", ms=3, color=PALETTE[k], label=f"L = {L}")
    energy_axes(ax1, xlabel="hop distance $r$ from node 0", ylabel="share per node (log scale)")
    ax2.plot(depths, [total[L] for L in depths], "o-", color=color("gcn"))
    ax2.set_xscale("log", base=2)
    energy_axes(ax2, xlabel="depth $L$ (layers)", ylabel=r"$\sum_j s_{0j}$ (log scale)")
    legend_outside(ax1, where="below", ncol=3)
    fig.tight_layout()
    return fig


def graff_directions(t, per_direction, *, weights=(1.0, -0.5)):
    r"""The normalised Dirichlet energy :math:`E_{\mathrm{norm}}(X\phi_k)` of two channel directions
    :math:`\phi_k` against time under the GRAFF flow: the attracting direction (:math:`w > 0`) in the diffusion
    colour, the repelling one (:math:`w < 0`) in the repulsion colour; log scale.

    Args:
        t: ``[T]`` times; ``per_direction``: ``[T, 2]`` energies; ``weights``: the eigenvalue :math:`w` of the
            channel-mixing matrix along each direction (for the legend).

    Returns the figure. Raises ``ValueError`` when the shapes disagree.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, energy_axes, legend_outside

    where = "graff_directions"
    t, e = _curve(where, "t", t), np.asarray(per_direction, dtype=float)
    if e.shape != (len(t), 2) or len(weights) != 2:
        raise ValueError(f"{where}: per_direction must be [T, 2] = [{len(t)}, 2] with two weights; got shape "
                         f"{e.shape} and {len(weights)} weights")
    fig, ax = plt.subplots(figsize=(7, 4.9))
    for k, w in enumerate(weights):
        force = "attraction" if w > 0 else "repulsion"
        ax.plot(t, e[:, k], color=color("diffusion" if w > 0 else "repulsion"), lw=2,
                label=f"direction with $w = {w:+g}$ ({force})")
    energy_axes(ax, xlabel="time $t$", ylabel=r"$E_{\mathrm{norm}}(X\phi_k)$ (log scale)")
    legend_outside(ax, where="below", ncol=1)
    fig.tight_layout()
    return fig


#: The wave system's time steps: legend name and line style (their colours are chosen in the function).
_STEPS = {"euler": ("explicit Euler", "-"), "symplectic": ("symplectic Euler", "-"), "leapfrog": ("leapfrog", "--")}


def eigenvalues_and_wave_energy(nu_diff, nu_wave, nu_adgn, energies: Mapping[str, Sequence[float]], *,
                                gamma: float = 0.1, figsize=(9.5, 5.0)):
    r"""Left: Jacobian eigenvalues :math:`\nu` in the complex plane (growth rate against frequency) of diffusion
    :math:`-L` (real), of the wave system and of an A-DGN layer, with the imaginary axis marked. Right: the wave
    system's energy :math:`H` per step under explicit Euler, symplectic Euler and leapfrog (log scale).

    Args:
        nu_diff: ``[N]`` real eigenvalues; ``nu_wave``, ``nu_adgn``: ``[k]`` complex eigenvalues (arrays or
            tensors); ``energies``: ``{"euler" | "symplectic" | "leapfrog": [steps + 1]}``; ``gamma``: the A-DGN
            layer's damping, for the legend.

    Returns the figure. Raises ``ValueError`` for an unknown step name, no energies, or an empty array.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import PALETTE, color, energy_axes, legend_outside

    where = "eigenvalues_and_wave_energy"
    unknown = sorted(set(energies) - set(_STEPS))
    if not energies or unknown:
        raise ValueError(f"{where}: energies must be keyed by {', '.join(_STEPS)}; got {unknown or 'none'}")
    nu = {}
    for name, v in (("nu_diff", nu_diff), ("nu_wave", nu_wave), ("nu_adgn", nu_adgn)):
        v = np.asarray(v)
        if v.ndim != 1 or v.size == 0:
            raise ValueError(f"{where}: {name} must be a non-empty [k] array of eigenvalues, got shape {v.shape}")
        nu[name] = v.astype(complex)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize)
    ax1.scatter(nu["nu_diff"].real, np.zeros(len(nu["nu_diff"])), s=8, color=color("diffusion"),
                label="diffusion $-L$")
    ax1.scatter(nu["nu_wave"].real, nu["nu_wave"].imag, s=8, color=PALETTE[0], label="wave system")
    ax1.scatter(nu["nu_adgn"].real, nu["nu_adgn"].imag, s=8, color=PALETTE[3], alpha=0.6,
                label=rf"A-DGN layer ($\gamma = {gamma:g}$)")
    ax1.axvline(0, color="0.5", lw=0.8)
    ax1.set_xlabel(r"Re $\nu$ (growth rate)")
    ax1.set_ylabel(r"Im $\nu$ (frequency)")
    colors = {"euler": color("gcn"), "symplectic": PALETTE[0], "leapfrog": "black"}
    for method, h in energies.items():
        label, ls = _STEPS[method]
        ax2.plot(_curve(where, f"energies[{method!r}]", h), label=label, color=colors[method], ls=ls, lw=1.6)
    energy_axes(ax2, xlabel=r"step $n$, $\tau = 0.5$", ylabel="energy $H$ (log scale)")
    legend_outside(ax1, where="below", ncol=1)
    legend_outside(ax2, where="below", ncol=1)
    fig.tight_layout()
    return fig
