"""Figures of forces on features (Chapters 4 and 5): the swarm and its hub, the growth rate of the signed operator
against the repulsion, norms and energies under attraction and repulsion, filters on a graph's frequencies, and
the double well with marbles rolling into it.

Each helper draws one whole figure in the book's style (:func:`physgnn.plot.style`) and returns it; a chapter shows
it and closes it. Legends sit below their axes, outside the curves.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

__all__ = [
    "norm_and_energy", "double_well_marbles", "energy_and_bound", "accuracy_vs_beta", "swarm_with_hub",
    "growth_rate_vs_beta", "filters_and_label_energy", "accuracy_and_learned_filters", "growth_under_three_betas",
]


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


def growth_under_three_betas(t, norms: Mapping[float, Sequence[float]], energies: Mapping[float, Sequence[float]], *,
                             beta_mid: float, beta_big: float, alone: Mapping[str, Sequence[float]],
                             rates: tuple[float, float], start: int, figsize=(11, 4.6)):
    """Figure 4.6: :func:`norm_and_energy` for the swarm under three values of the repulsion and under repulsion
    alone. The runs: ``beta = 0`` ("attraction only", diffusion's colour), ``beta_mid`` ("near balance") and
    ``beta_big`` ("repulsion wins"), then ``a_ij = 0`` with ``beta_big`` (repulsion alone, dashed). Two reference
    lines start at ``t[start]`` on the norm panel: the norm of ``beta_big`` growing at ``rates[0]``, the top
    eigenvalue ``mu_max(S_beta)`` of the signed operator, and the norm of repulsion alone growing at ``rates[1]``,
    ``beta * lambda_max(L_1)``.

    Args:
        t: ``[K]`` times; ``norms``, ``energies``: ``{beta: [K]}`` with the keys ``0.0``, ``beta_mid`` and
            ``beta_big``; ``alone``: a dict with ``norm`` and ``energy`` (``[K]`` each) of repulsion alone.
        rates: the two growth rates; ``start``: an index into ``t``.

    Returns the figure. Raises ``ValueError`` for a missing beta or part, ``beta_mid`` not between 0 and
    ``beta_big``, and (from :func:`norm_and_energy`) mismatched lengths, non-positive values or a bad ``start``.
    """
    if not 0 < beta_mid < beta_big:
        raise ValueError(f"growth_under_three_betas: need 0 < beta_mid < beta_big, got {beta_mid} and {beta_big}")
    cases = [(0.0, "diffusion", "attraction only"), (beta_mid, "attraction-repulsion", "near balance"),
             (beta_big, "repulsion", "repulsion wins")]
    missing = [b for b, _, _ in cases if b not in norms or b not in energies]
    if missing:
        raise ValueError(f"growth_under_three_betas: norms and energies need the betas {missing}")
    if not {"norm", "energy"} <= set(alone):
        raise ValueError("growth_under_three_betas: alone must hold 'norm' and 'energy' of repulsion alone")
    if len(rates) != 2:
        raise ValueError("growth_under_three_betas: rates must be the pair (mu_max(S_beta), beta lambda_max(L_1))")
    runs = [dict(color=c, label=rf"$\beta = {b:g}$ ({why})", norm=norms[b], energy=energies[b])
            for b, c, why in cases]
    runs.append(dict(color="repulsion", norm=alone["norm"], energy=alone["energy"], dashed=True,
                     label=rf"$a_{{ij}} = 0$, $\beta = {beta_big}$ (repulsion alone)"))
    slopes = [dict(start=start, y0=norms[beta_big][start], rate=rates[0],
                   label=rf"slope $\mu_{{\max}}(S_{{{beta_big:g}}})$"),
              dict(start=start, y0=alone["norm"][start], rate=rates[1], ls="-.",
                   label=r"slope $\beta\lambda_{\max}(\mathcal{L}_1)$")]
    return norm_and_energy(t, runs, slopes=slopes, figsize=figsize)


def double_well_marbles(starts, t, paths, *, span: float = 1.8, figsize=(11, 4.4)):
    """Left: the double well ``𝒲(x) = (1 - x^2)^2 / 4`` and its force ``-𝒲'(x) = x(1 - x^2)`` on
    ``[-span, span]``, with one marble per starting point on ``𝒲``. Right: each marble's path ``x(t)``, in the
    marble's colour, with the wells ``±1`` dotted.

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
    ax_w.plot(xs, double_well(xs), color="black", lw=2, label=r"$\mathcal{W}(x) = (1-x^2)^2/4$")
    ax_w.plot(xs, double_well_force(xs), color=color("allen-cahn"), lw=1.5, ls="--",
              label=r"force $-\mathcal{W}'(x) = x(1-x^2)$")
    ax_w.axhline(0, color="0.6", lw=0.8)
    colours = plt.cm.coolwarm(np.linspace(0, 1, x0.size))
    on_well = double_well(torch.as_tensor(x0)).numpy()
    ax_w.scatter(x0, on_well, color=colours, edgecolors="black", s=64, zorder=3)
    ax_w.set_ylim(-0.8, 1.3)
    ax_w.set_xlabel("feature value $x$")
    ax_w.set_ylabel("potential $\\mathcal{W}$ and force $-\\mathcal{W}'$")
    legend_outside(ax_w, where="below", ncol=1)
    for k, c in enumerate(colours):
        ax_t.plot(t, p[:, k], color=c, lw=2)
    for well in (1, -1):
        ax_t.axhline(well, color="0.5", ls=":")
    ax_t.set_xlabel("time $t$")
    ax_t.set_ylabel("feature value $x(t)$")
    fig.tight_layout()
    return fig


def energy_and_bound(energies: Sequence[dict], peak: dict, bound: float, *,
                     bound_label: str = r"bound $\max(M_0, B)$", top: float = 1e40, figsize=(11, 4.8)):
    """Left: the unnormalised Dirichlet energy against time (log scale) for several fields; a curve that leaves the
    view above ``top`` is cut there and labelled with its final value ("→ ∞"). Right: the largest feature
    ``max |x|`` of one field against time, with its proven bound (dashed) and the wells ``±1`` (dotted).

    Args:
        energies: dicts with ``t``, ``energy`` (``[K]`` each, energy positive), ``label`` and ``color`` (a key of
            :func:`physgnn.plot.color`).
        peak: a dict with ``t``, ``value`` (``[K]`` each), ``label`` and ``color``.
        bound: the bound on ``max |x|``, labelled ``bound_label``.

    Returns the figure. Raises ``ValueError`` for mismatched lengths, non-positive energies or a missing field.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, energy_axes, legend_outside

    if not energies:
        raise ValueError("energy_and_bound: energies must hold at least one field")
    for f in [*energies, peak]:
        missing = {"t", "label", "color"} - set(f)
        if missing:
            raise ValueError(f"energy_and_bound: a field is missing {sorted(missing)}")
    fig, (ax_e, ax_m) = plt.subplots(1, 2, figsize=figsize, gridspec_kw={"width_ratios": [1.3, 1]})
    low = np.inf
    for f in energies:
        t, e = np.asarray(f["t"], float), np.asarray(f["energy"], float)
        if t.shape != e.shape:
            raise ValueError(f"energy_and_bound: {f['label']}: t and energy must have the same length")
        if not (e > 0).all():
            raise ValueError(f"energy_and_bound: {f['label']}: energies must be positive (log scale)")
        ax_e.plot(t, e, color=color(f["color"]), lw=2.5, label=f["label"])
        low = min(low, e.min())
        if e.max() > top:  # where it leaves the view, and how far it goes
            exit_t = t[np.argmax(e > top)]
            ax_e.annotate(f"→ ∞ ({e[-1]:.0e} at t = {t[-1]:.0f})", (exit_t, top), xytext=(8, -14),
                          textcoords="offset points", color=color(f["color"]), fontsize=10)
    ax_e.set_ylim(low / 10, top)
    energy_axes(ax_e, xlabel="time $t$", ylabel="unnormalised Dirichlet energy $E(X)$")
    legend_outside(ax_e, where="below", ncol=1)
    t, m = np.asarray(peak["t"], float), np.asarray(peak["value"], float)
    if t.shape != m.shape:
        raise ValueError("energy_and_bound: peak t and value must have the same length")
    ax_m.plot(t, m, color=color(peak["color"]), lw=2.5, label=peak["label"])
    ax_m.axhline(bound, color="black", ls="--", label=bound_label)
    ax_m.axhline(1, color="0.5", ls=":", label="the wells ±1")
    ax_m.set_ylim(0, 1.15 * max(bound, m.max()))
    ax_m.set_xlabel("time $t$")
    ax_m.set_ylabel(r"largest feature $|x|$")
    legend_outside(ax_m, where="below", ncol=1)
    fig.tight_layout()
    return fig


def accuracy_vs_beta(betas, accuracy: Mapping[float, np.ndarray], learned: Mapping[float, Sequence[float]], *,
               figsize=(11, 4.8)):
    """Left: test accuracy against the repulsion ``beta`` for each homophily ``h`` (mean line, min-to-max band over
    seeds, a star at the best ``beta``). Right: the best fixed ``beta`` and the learned ``beta`` of each seed
    against ``h``.

    Shapes:
        - ``betas``: ``[B]``; ``accuracy``: ``{h: [B, S]}`` test accuracies of ``S`` seeds at each ``beta``
        - ``learned``: ``{h: [S']}`` the ``beta`` each seed learned (same ``h`` keys)

    Returns the figure. Raises ``ValueError`` for mismatched shapes or different ``h`` keys.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import PALETTE, color, legend_outside

    b = np.asarray(betas, dtype=float).reshape(-1)
    if not accuracy or set(accuracy) != set(learned):
        raise ValueError("accuracy_vs_beta: accuracy and learned must cover the same homophily values (at least one)")
    fig, (ax_a, ax_b) = plt.subplots(1, 2, figsize=figsize, gridspec_kw={"width_ratios": [1.4, 1]})
    hs = sorted(accuracy)
    best = {}
    for k, h in enumerate(hs):
        acc = np.asarray(accuracy[h], dtype=float)
        if acc.ndim != 2 or acc.shape[0] != b.size:
            raise ValueError(
                f"accuracy_vs_beta: accuracy[{h}] must be [B, S] = [{b.size}, seeds], got shape {acc.shape}"
            )
        mean = acc.mean(1)
        i = int(np.argmax(mean))
        best[h] = b[i]
        c = PALETTE[k % len(PALETTE)]
        ax_a.plot(b, mean, "o-", color=c, label=f"$h = {h}$ (best $\\beta$ = {b[i]:.1f})")
        ax_a.fill_between(b, acc.min(1), acc.max(1), color=c, alpha=0.12)
        ax_a.plot(b[i], mean[i], "*", color=c, ms=16, mec="black")
    ax_a.set_xlabel(r"repulsion $\beta$")
    ax_a.set_ylabel("test accuracy (mean; band: min to max)")
    legend_outside(ax_a, where="below", ncol=2)
    ax_b.plot(hs, [best[h] for h in hs], "*-", color=color("acmp"), ms=14, mec="black", label=r"best fixed $\beta$")
    for h in hs:
        ax_b.plot([h] * len(learned[h]), learned[h], "o", color=color("attraction-repulsion"), mec="black", alpha=0.8)
    ax_b.plot([], [], "o", color=color("attraction-repulsion"), mec="black", label=r"learned $\beta$ (one per seed)")
    ax_b.axhline(0, color="0.5", lw=1)
    ax_b.set_xlabel("edge homophily $h$ of the SBM")
    ax_b.set_ylabel(r"repulsion $\beta$")
    legend_outside(ax_b, where="below", ncol=1)
    fig.tight_layout()
    return fig


def swarm_with_hub(x, edges, classes, hub: int, *, colors=None, hub_label: str | None = None, figsize=(5, 4.2)):
    """A graph in its feature plane (:func:`physgnn.plot.swarm`: node ``i`` at ``x[i]``, grey edges, nodes coloured
    by class) with the ``hub`` circled and annotated ``hub_label`` (default: "hub (degree d)", ``d`` counted in
    ``edges``); the class legend sits to the right of the axes.

    Shapes:
        - ``x``: ``[N, 2]``; ``edges``: ``[E, 2]`` (each undirected edge once); ``classes``: ``[N]``

    Returns the figure. Raises ``ValueError`` for bad shapes or a hub that is not a node index.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import legend_outside, swarm

    x, edges = np.asarray(x, dtype=float), np.asarray(edges)
    if isinstance(hub, bool) or not isinstance(hub, (int, np.integer)) or not 0 <= hub < len(x):
        raise ValueError(f"swarm_with_hub: hub must be a node index in [0, {len(x)}), got {hub!r}")
    if hub_label is None:
        hub_label = f"hub (degree {int((edges == hub).sum())})"
    fig, ax = plt.subplots(figsize=figsize)
    swarm(x, edges, classes, hub=int(hub), ax=ax, colors=colors)
    ax.annotate(hub_label, x[hub], xytext=(12, 10), textcoords="offset points")
    legend_outside(ax, where="right")
    fig.tight_layout()
    return fig


def growth_rate_vs_beta(betas, mu, upper, hub_bound, beta_star: float, marks: Sequence[tuple] = (), *,
                        figsize=(6.4, 4.0)):
    """The largest eigenvalue ``mu_max(S_beta)`` of the signed operator against the repulsion ``beta`` (the growth
    rate of the fastest pattern), between the two bounds of the hub test: ``beta * lambda_max(L_1)`` above
    (dashed) and ``max_i(beta d_i - sum_j a_ij)`` below (dotted); a vertical line at the balance point
    ``beta_star``, and black dots with a name at chosen ``beta``. The legend sits below the axes.

    Shapes:
        - ``betas``, ``mu``, ``upper``, ``hub_bound``: ``[B]``
        - ``marks``: ``(beta, mu, name)`` or ``(beta, mu, name, dx)`` tuples, ``dx`` the label's horizontal
          offset in points (default -10)

    Returns the figure. Raises ``ValueError`` for curves of different lengths or a malformed mark.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, legend_outside

    b = np.asarray(betas, dtype=float).reshape(-1)
    curves = {"mu": mu, "upper": upper, "hub_bound": hub_bound}
    curves = {k: np.asarray(v, dtype=float).reshape(-1) for k, v in curves.items()}
    for k, v in curves.items():
        if v.shape != b.shape:
            raise ValueError(f"growth_rate_vs_beta: {k} has {v.size} values for {b.size} values of beta")
    for m in marks:
        if len(m) not in (3, 4):
            raise ValueError(f"growth_rate_vs_beta: a mark is (beta, mu, name) or (beta, mu, name, dx), got {m!r}")
    fig, ax = plt.subplots(figsize=figsize)
    ax.plot(b, curves["mu"], color=color("attraction-repulsion"), lw=2.5, label=r"$\mu_{\max}(S_\beta)$")
    ax.plot(b, curves["upper"], color="0.4", ls="--", label=r"upper bound $\beta\,\lambda_{\max}(\mathcal{L}_1)$")
    ax.plot(b, curves["hub_bound"], color=color("repulsion"), ls=":", lw=2,
            label=r"hub test $\max_i(\beta d_i - \sum_j a_{ij})$")
    ax.axvline(beta_star, color="black", lw=1)
    ax.text(beta_star + 0.005, 2.2, rf"$\beta^\ast = {beta_star:.3f}$")
    for beta, value, name, *dx in marks:
        ax.plot(beta, value, "o", color="black", ms=5)
        ax.annotate(name, (beta, value), xytext=(dx[0] if dx else -10, 10), textcoords="offset points")
    ax.set_xlabel(r"repulsion $\beta$")
    ax.set_ylabel(r"growth rate (1/time unit)")
    ax.set_ylim(-0.2, 4)
    legend_outside(ax, where="below", ncol=1)
    fig.tight_layout()
    return fig


def filters_and_label_energy(lam, gains: Mapping[float, np.ndarray], tilts: Mapping[float, float], p_labels,
                             p_shuffled, *, bins: int = 8, figsize=(11, 5.6)):
    """Left: the gain ``r_k`` of each frequency ``lambda_k`` under two GCN layers, ``(1 - lambda)^2`` (a line on
    ``[0, 2]``), and under the code form at each ``beta`` (dots, darker red for larger ``beta``, the legend giving
    its ``tilt``). Right: the share of the labels' energy in ``bins`` equal frequency bins, for the real labels
    (blue) and for shuffled labels (grey), with their mean frequencies. Legends sit below the axes.

    Shapes:
        - ``lam``: ``[K]`` eigenvalues of the normalised Laplacian (frequencies)
        - ``gains``: ``{beta: [K]}``; ``tilts``: ``{beta: float}`` (same keys)
        - ``p_labels``, ``p_shuffled``: ``[K]`` shares of the labels' energy per frequency (each sums to 1)

    Returns the figure. Raises ``ValueError`` for mismatched lengths, keys or a non-positive ``bins``.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import PALETTE, color, legend_outside

    lam = np.asarray(lam, dtype=float).reshape(-1)
    if not gains or set(gains) != set(tilts):
        raise ValueError("filters_and_label_energy: gains and tilts must have the same (non-empty) beta keys")
    g = {b: np.asarray(v, dtype=float).reshape(-1) for b, v in gains.items()}
    shares = [np.asarray(p, dtype=float).reshape(-1) for p in (p_labels, p_shuffled)]
    for name, v in [*((f"gains[{b}]", v) for b, v in g.items()), ("p_labels", shares[0]), ("p_shuffled", shares[1])]:
        if v.shape != lam.shape:
            raise ValueError(f"filters_and_label_energy: {name} has {v.size} values for {lam.size} frequencies")
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValueError(f"filters_and_label_energy: bins must be a positive integer, got {bins!r}")
    fig, (ax_f, ax_p) = plt.subplots(1, 2, figsize=figsize)
    grid = np.linspace(0, 2, 200)
    ax_f.plot(grid, (1 - grid) ** 2, color=color("gcn"), lw=2, label=r"two GCN layers $(1 - \lambda)^2$")
    shades = plt.cm.Reds(np.linspace(0.35, 0.95, len(g)))
    for shade, b in zip(shades, g):
        ax_f.plot(lam, g[b], ".", ms=5, color=shade, label=rf"code form, $\beta = {b}$ (tilt {tilts[b]:.2f})")
    ax_f.axhline(0, color="0.6", lw=0.8)
    ax_f.set_xlabel(r"frequency $\lambda_k$ (eigenvalue of $L$)")
    ax_f.set_ylabel(r"gain $r_k$ of frequency $k$")
    edges = np.linspace(0, lam.max() + 1e-9, bins + 1)
    width = edges[1] - edges[0]
    names = [("Texas labels", PALETTE[0]), ("shuffled labels (mean of 20)", "0.6")]
    for k, (p, (name, colour)) in enumerate(zip(shares, names)):
        mass = np.histogram(lam, bins=edges, weights=p)[0]
        ax_p.bar(edges[:-1] + (k + 0.5) * width / 2, mass, width=width / 2, color=colour,
                 label=f"{name}: mean frequency {(p * lam).sum():.2f}")
    ax_p.set_xlabel(r"frequency $\lambda$ (bins)")
    ax_p.set_ylabel("share of the labels' energy")
    legend_outside(ax_f, where="below", ncol=1, fontsize=10)
    legend_outside(ax_p, where="below", ncol=1, fontsize=10)
    fig.tight_layout()
    return fig


def accuracy_and_learned_filters(scores: Mapping[str, tuple], lam, responses, start, *, figsize=(11, 5.0)):
    """Left: test accuracy (%) per model, a bar at the mean with the sample standard deviation and one dot per
    split, each bar in the model's colour. Right: the responses ``r(lambda_k)`` of the learned GPR-GNN filters on
    the graph's frequencies (one line per split), their start (dashed) and two GCN layers ``(1 - lambda)^2``.
    The legend sits below the right axes.

    Args:
        scores: ``{key: (name, [S])}``: a model key of :func:`physgnn.plot.color`, its display name and its test
            accuracies (fractions) on ``S >= 2`` splits.
        lam: ``[K]`` frequencies; ``responses``: ``[R, K]`` learned responses; ``start``: ``[K]`` the response
            before training.

    Returns the figure. Raises ``ValueError`` for fewer than two scores per model or mismatched lengths.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, legend_outside

    lam = np.asarray(lam, dtype=float).reshape(-1)
    resp, start = np.asarray(responses, dtype=float), np.asarray(start, dtype=float).reshape(-1)
    if not scores:
        raise ValueError("accuracy_and_learned_filters: scores must hold at least one model")
    if resp.ndim != 2 or resp.shape[1] != lam.size or start.shape != lam.shape:
        raise ValueError(
            f"accuracy_and_learned_filters: responses must be [R, K] and start [K] with K = {lam.size} frequencies;"
            f" got {resp.shape} and {start.shape}"
        )
    fig, (ax_a, ax_r) = plt.subplots(1, 2, figsize=figsize, gridspec_kw={"width_ratios": [1, 1.3]})
    for k, (key, (name, acc)) in enumerate(scores.items()):
        pct = 100 * np.asarray(acc, dtype=float).reshape(-1)
        if pct.size < 2:
            raise ValueError(f"accuracy_and_learned_filters: {name} needs at least two split scores, got {pct.size}")
        ax_a.bar(k, pct.mean(), yerr=pct.std(ddof=1), color=color(key), edgecolor="black", capsize=4, alpha=0.85)
        ax_a.plot(np.full(pct.size, k) + np.linspace(-0.2, 0.2, pct.size), pct, "o", ms=3, color="0.25")
    ax_a.set_xticks(range(len(scores)), [name for name, _ in scores.values()])
    ax_a.set_ylabel("test accuracy (%), ten splits")
    ax_a.set_ylim(0, 100)
    for g in resp:
        ax_r.plot(lam, g, color=color("gprgnn"), lw=1, alpha=0.6)
    ax_r.plot([], [], color=color("gprgnn"), label="GPR-GNN, learned (one per split)")
    ax_r.plot(lam, start, "k--", lw=1.5, label="GPR-GNN at the start")
    ax_r.plot(lam, (1 - lam) ** 2, color=color("gcn"), lw=2, label=r"two GCN layers $(1 - \lambda)^2$")
    ax_r.axhline(0, color="0.6", lw=0.8)
    ax_r.set_xlabel(r"frequency $\lambda_k$ of Texas")
    ax_r.set_ylabel(r"response $r(\lambda_k) = \sum_j \theta_j (1 - \lambda_k)^j$")
    legend_outside(ax_r, where="below", ncol=1, fontsize=10)
    fig.tight_layout()
    return fig
