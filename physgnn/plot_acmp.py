"""Figures of ACMP (Chapter 7): the operator's eigenvalues on the solvers' stability regions, the paper form's hub
blow-up, a learned repulsion, and accuracy and energy against depth.

Each helper draws one whole figure in the book's style (``physgnn.plot.style``) and returns it; a chapter shows it
and closes it. Legends sit outside the data: below each panel, or below the whole figure when panels share one.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

__all__ = [
    "eigenvalues_on_stability_regions",
    "hub_blowup_and_training",
    "learned_beta",
    "accuracy_and_energy_vs_depth",
]

#: The two forms of the ACMP field: line style and the book's colour name (the paper form is the unstable one).
_FORMS = {"paper": ("-", "repulsion"), "code": ("--", "acmp")}
_MARKERS = ("o", "^", "s", "v", "D")


def eigenvalues_on_stability_regions(panels: Mapping[str, tuple], *, methods=("euler", "rk4", "dopri5"),
                                     ylim: float = 3.5, figsize=(11, 5.8)):
    r"""One panel per graph: the stability boundaries :math:`|R(z)| = 1` of explicit solvers (drawn by
    ``physgnn.plot_solvers.stability_regions``) and the scaled eigenvalues :math:`\tau\lambda` of a linear field
    as hollow markers (one marker per (β, τ) pair: circle, triangle, ...); eigenvalues with
    :math:`\operatorname{Re}\lambda > 0` (growing modes) are drawn filled in the repulsion colour.

    Args:
        panels: ``{title: (xlim, [(beta, tau, eigenvalues), ...])}``; ``xlim`` is ``(low, high)`` of the real
            axis, ``eigenvalues`` a ``[k]`` complex array (the spectrum of the field at that ``beta``).
        methods: solver names (see ``physgnn.stability.METHODS``); ``ylim``: the imaginary axis shows
            ``[-ylim, ylim]``.

    Returns the figure. Raises ``ValueError`` for no panels, a panel without points, more points than markers,
    an empty or non-1-D spectrum, or a non-positive step or ``ylim``.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, legend_outside
    from physgnn.plot_solvers import stability_regions

    where = "eigenvalues_on_stability_regions"
    if not panels:
        raise ValueError(f"{where}: panels must hold at least one {{title: (xlim, points)}} entry")
    if not ylim > 0:
        raise ValueError(f"{where}: ylim must be positive (the view is [-ylim, ylim]), got {ylim!r}")
    fig, axes = plt.subplots(1, len(panels), figsize=figsize, squeeze=False)
    for ax, (title, (xlim, points)) in zip(axes[0], panels.items()):
        if not 0 < len(points) <= len(_MARKERS):
            raise ValueError(f"{where}: panel {title!r} needs 1 to {len(_MARKERS)} (beta, tau, eigenvalues) points")
        stability_regions(ax, methods=methods, xlim=xlim, ylim=(-ylim, ylim), resolution=400)
        ax.set_aspect("auto")  # the panels share the figure's height, so the real axes keep their own scale
        for (beta, tau, lam), marker in zip(points, _MARKERS):
            lam = np.asarray(lam)
            if lam.ndim != 1 or lam.size == 0:
                raise ValueError(f"{where}: panel {title!r}: eigenvalues must be a non-empty [k] array")
            if not tau > 0:
                raise ValueError(f"{where}: panel {title!r}: the step tau must be positive, got {tau!r}")
            z = tau * lam.astype(complex)
            grow = z.real > 1e-9
            ax.plot(z.real[~grow], z.imag[~grow], marker, ms=5, mfc="none", ls="", color=color("acmp"),
                    label=f"τλ, β = {beta:.3g}, τ = {tau:g}")
            if grow.any():
                ax.plot(z.real[grow], z.imag[grow], marker, ms=5, ls="", color=color("repulsion"),
                        label="  … growing (Re λ > 0)")
        ax.set_title(title)
    for ax in axes[0]:
        legend_outside(ax, where="below", ncol=2)
    fig.tight_layout()
    return fig


def hub_blowup_and_training(times, sizes: Mapping[str, Mapping[str, Sequence[float]]],
                            val: Mapping[str, Sequence[float]], *, hub_degree: int, figsize=(11, 4.6)):
    r"""Left: the largest hidden feature :math:`\max_c |h_{ic}(t)|` of the hub and of the median node against time
    (log scale), one line style per form of the ACMP field (paper: solid, repulsion colour; code: dashed, ACMP
    colour); where a curve becomes non-finite it stops, with a cross at its last finite value. Right: validation
    accuracy per epoch of each form (a non-finite value drawn as 0).

    Args:
        times: ``[T]`` times; ``sizes``: ``{form: {"hub": [T], "median": [T]}}`` with ``form`` in
            ``"paper"``, ``"code"``; ``val``: ``{form: [epochs]}`` validation accuracies (0 to 1, NaN allowed).
        hub_degree: the hub's degree, for the legend.

    Returns the figure. Raises ``ValueError`` for an unknown form, a missing curve, or lengths that disagree.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, energy_axes, legend_outside

    where = "hub_blowup_and_training"
    times = np.asarray(times, dtype=float)
    bad = sorted(set(sizes) - set(_FORMS)) + sorted(set(val) - set(_FORMS))
    if bad or not sizes or not val:
        raise ValueError(f"{where}: sizes and val must be keyed by the forms 'paper' and 'code'; got {bad or 'none'}")
    fig, (ax, ax_v) = plt.subplots(1, 2, figsize=figsize)
    for form, curves in sizes.items():
        ls, name = _FORMS[form]
        for who, marker in (("hub", "o"), ("median", "s")):
            if who not in curves or np.shape(curves[who]) != times.shape:
                raise ValueError(f"{where}: sizes[{form!r}][{who!r}] must hold one value per time ({len(times)})")
            y = np.asarray(curves[who], dtype=float)
            ok = np.isfinite(y)
            who_label = f"hub (degree {int(hub_degree)})" if who == "hub" else "median node"
            ax.plot(times[ok], y[ok], ls=ls, marker=marker, ms=4, color=color(name), label=f"{form} form, {who_label}")
            if ok.any() and not ok.all():
                ax.plot(times[ok][-1], y[ok][-1], "x", color=color(name), ms=12, mew=3)
    energy_axes(ax, xlabel="time $t$", ylabel=r"$\max_c |h_{ic}(t)|$ (log scale)")
    ax.set_title(r"untrained, $\beta = 0.5$ (x: last finite value)")
    for form, acc in val.items():
        acc = np.nan_to_num(np.asarray(acc, dtype=float), nan=0.0)
        ax_v.plot(np.arange(1, len(acc) + 1), acc, color=color(_FORMS[form][1]), label=f"{form} form")
    ax_v.set_xlabel("epoch")
    ax_v.set_ylabel("validation accuracy (0 = non-finite output)")
    ax_v.set_ylim(-0.02, 1)
    ax_v.set_title("training on Texas, split 0")
    legend_outside(ax, where="below", ncol=2)
    legend_outside(ax_v, where="below", ncol=2)
    fig.tight_layout()
    return fig


def learned_beta(trace: Sequence[float], best_epoch: int, summary: Mapping[str, Mapping[str, object]], *,
                 readable=(), start: float = 0.25, figsize=(11, 4.7),
                 sweep_title: str = "saved sweep: python -m physgnn experiment learned_beta",
                 missing: str = "results/learned_beta.csv not found"):
    r"""Left: a learned repulsion :math:`\beta` at every evaluation of one run, its start as a dotted line and a
    dot at the best-validation epoch. Right: the learned :math:`\beta` (at the best-validation epoch) of each run
    of a saved sweep against the graph's edge homophily: a hollow circle per run without a diverged epoch, a grey
    cross per run with one, each dataset named beside its mean (in grey unless it is ``readable``) and the sweep's
    start as a dotted line; ``missing`` is written in the panel when ``summary`` is empty.

    Args:
        trace: ``[epochs]`` values of β; ``best_epoch``: 0-based index of the selected epoch in ``trace``.
        summary: ``{dataset: {"h": homophily, "beta": [runs], "clean": [runs] bool, "beta0": start}}``.
        readable: datasets whose runs never diverged (named in the ACMP colour).

    Returns the figure. Raises ``ValueError`` for an empty trace, a best epoch outside it, or a dataset entry
    without these fields or with ``beta`` and ``clean`` of different lengths.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, legend_outside

    where = "learned_beta"
    trace = np.asarray(trace, dtype=float)
    if trace.ndim != 1 or trace.size == 0:
        raise ValueError(f"{where}: trace must be a non-empty [epochs] sequence of beta values")
    if not 0 <= int(best_epoch) < len(trace):
        raise ValueError(f"{where}: best_epoch {best_epoch} outside 0 .. {len(trace) - 1}")
    fig, (ax, ax_h) = plt.subplots(1, 2, figsize=figsize)
    blue = color("acmp")
    ax.plot(np.arange(1, len(trace) + 1), trace, color=blue, label="learned β")
    ax.axhline(start, color="0.5", ls=":", label=rf"start $\beta_0 = {start:g}$")
    ax.plot(int(best_epoch) + 1, trace[int(best_epoch)], "o", color=blue, label="best-validation epoch")
    ax.set_xlabel("epoch")
    ax.set_ylabel(r"$\beta$")
    ax.set_title("Texas, split 0 (this page)")
    for d, s in summary.items():
        try:
            h, beta, clean = float(s["h"]), np.asarray(s["beta"], float), np.asarray(s["clean"], bool)
            float(s["beta0"])
        except (KeyError, TypeError) as err:
            raise ValueError(f"{where}: summary[{d!r}] needs 'h', 'beta', 'clean' and 'beta0' ({err})") from None
        if beta.shape != clean.shape or beta.size == 0:
            raise ValueError(f"{where}: summary[{d!r}]: 'beta' and 'clean' must be non-empty, one entry per run")
        ax_h.plot([h] * int(clean.sum()), beta[clean], "o", mfc="none", color=blue, alpha=0.8)
        ax_h.plot([h] * int((~clean).sum()), beta[~clean], "x", color="0.6")
        ax_h.annotate(d, (h, beta.mean()), xytext=(6, 4), textcoords="offset points", fontsize=9,
                      color=blue if d in readable else "0.6")
    if summary:
        ax_h.axhline(float(next(iter(summary.values()))["beta0"]), color="0.5", ls=":", label=r"start $\beta_0$")
        ax_h.plot([], [], "o", mfc="none", color=blue, label="one run (no diverged epoch)")
        ax_h.plot([], [], "x", color="0.6", label="one run with diverged epochs")
    else:
        ax_h.text(0.5, 0.5, missing, ha="center", transform=ax_h.transAxes)
    ax_h.set_xlabel("edge homophily $h$")
    ax_h.set_ylabel(r"learned $\beta$ (best-validation epoch)")
    ax_h.set_title(sweep_title)
    legend_outside(ax, where="below", ncol=2)
    if summary:
        legend_outside(ax_h, where="below", ncol=1)
    fig.tight_layout()
    return fig


def accuracy_and_energy_vs_depth(ode: Mapping[tuple, Mapping[float, Sequence[float]]],
                                 gcn_acc: Mapping[str, Mapping[int, Sequence[float]]],
                                 gcn_energy: Mapping[str, Mapping[int, Sequence[float]]],
                                 majority: Mapping[str, float], *, labels: Mapping[str, str] | None = None,
                                 figsize=(11, 8)):
    r"""One column per dataset, depth on a log axis shared by each column. Top: test accuracy of the ODE models
    (ACMP and GRAND, against the end time :math:`T`) and of a trained GCN (mean and standard deviation over
    splits, against the number of layers :math:`K`), with the majority-class rate as a dotted line. Bottom: the
    energy ratio :math:`E(\mathrm{depth}) / E(0)` (log scale) of the ODE models and of a GCN with random weights.
    One legend for the whole figure sits below it.

    Args:
        ode: ``{(dataset, "acmp" | "official" | "grand"): {T: [test accuracy, energy ratio, ...]}}`` (the book's
            ACMP, its official configuration, drawn dashed, and GRAND; missing pairs are skipped).
        gcn_acc: ``{dataset: {K: [test accuracy per split]}}`` (a dataset may be missing).
        gcn_energy: ``{dataset: {K: [energy ratio, ...]}}``; its datasets, in order, are the columns.
        majority: ``{dataset: majority-class test accuracy}``; ``labels``: legend names per model key.

    Returns the figure. Raises ``ValueError`` when ``gcn_energy`` is empty or a column lacks a majority rate.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, energy_axes
    from physgnn.plot_training import MODEL_LABELS

    where = "accuracy_and_energy_vs_depth"
    labels = MODEL_LABELS if labels is None else labels
    names = list(gcn_energy)
    if not names:
        raise ValueError(f"{where}: gcn_energy must give at least one dataset (one column each)")
    missing = [n for n in names if n not in majority]
    if missing:
        raise ValueError(f"{where}: majority must give the majority-class rate of {missing}")
    fig, axes = plt.subplots(2, len(names), figsize=figsize, sharex=True, squeeze=False)
    for col, name in enumerate(names):
        top, bottom = axes[0, col], axes[1, col]
        for kind, fmt in (("acmp", "o-"), ("official", "^--"), ("grand", "o-")):
            pts = ode.get((name, kind), {})
            if pts:
                T, v = np.array(list(pts), dtype=float), np.array(list(pts.values()), dtype=float)
                lab = f"{labels.get(kind, kind)}: end time $T$"
                top.plot(T, v[:, 0], fmt, color=color(kind), label=lab)
                bottom.plot(T, v[:, 1], fmt, color=color(kind), label=lab)
        if name in gcn_acc:
            K = np.array(sorted(gcn_acc[name]))
            m = np.array([np.mean(gcn_acc[name][k]) for k in K])
            sd = np.array([np.std(gcn_acc[name][k], ddof=1) if len(gcn_acc[name][k]) > 1 else 0 for k in K])
            top.errorbar(K, m, yerr=sd, fmt="s--", color=color("gcn"), capsize=3,
                         label=f"GCN (trained, {len(gcn_acc[name][K[0]])} splits): layers $K$")
        Ke = np.array(list(gcn_energy[name]))
        ve = np.array([v[0] for v in gcn_energy[name].values()])
        bottom.plot(Ke, ve, "s--", color=color("gcn"), label="GCN (random weights, this page): layers $K$")
        top.axhline(majority[name], color="0.5", ls=":", label="majority class (test, mean over splits)")
        top.set_title(f"{name.capitalize()} (ODE models: split 0)")
        top.set_ylabel("test accuracy")
        top.set_ylim(0, 1)
        energy_axes(bottom, xlabel="depth: end time $T$ (ODEs) or layers $K$ (GCN), log scale",
                    ylabel="$E(\\mathrm{depth}) / E(0)$ (unnormalised)")
        bottom.set_xscale("log")
    fig.tight_layout()
    entries = {}
    for ax in axes.ravel():
        for h, lab in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(lab, h)
    fig.legend(list(entries.values()), list(entries), loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2)
    return fig
