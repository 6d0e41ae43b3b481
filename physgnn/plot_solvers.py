"""Figures of ODE solvers (Chapter 6): one node's path under two solvers, error against cost, the norm of the
state below and above the stable step, spectra on the stability regions of explicit solvers in the complex plane,
the memory and time a training step costs with backpropagation through the solver and with the adjoint method, and
trained models followed along time and trained at growing end times.

Each helper draws one whole figure in the book's style (:func:`physgnn.plot.style`) and returns it; a chapter shows
it and closes it. Methods of differentiation are black (backprop) and grey (adjoint), not model colours.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

__all__ = [
    "adjoint_cost", "stability_regions", "solver_paths", "error_vs_nfe", "norm_over_steps",
    "spectra_on_stability_regions", "fresh_measurements", "trajectory_energy_and_accuracy", "training_end_time",
    "adjoint_cost_measured",
]

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


def _vector(values, n: int | None, where: str, name: str) -> np.ndarray:
    """``values`` as a float vector (of length ``n`` when given), or a ``ValueError`` naming ``name``."""
    v = np.asarray(values, dtype=float).reshape(-1)
    if n is not None and v.size != n:
        raise ValueError(f"{where}: {name} has {v.size} values, expected {n}")
    return v


def solver_paths(t_fine, exact, t_coarse, euler, rk4, *, tau: float, node: int = 0, figsize=(6.4, 4.8)):
    """One feature of one node along time: the exact path (black line), explicit Euler with step ``tau`` (grey
    dots joined by a dashed staircase: the value held over each step) and RK4 with the same step (hollow black
    squares). Solvers are greys and black, not model colours. The legend sits below the axes.

    Shapes:
        - ``t_fine``, ``exact``: ``[F]``; ``t_coarse``, ``euler``, ``rk4``: ``[K]`` (the solvers' step times)

    Returns the figure. Raises ``ValueError`` for mismatched lengths or a non-positive ``tau``.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import legend_outside

    where = "solver_paths"
    t_fine = _vector(t_fine, None, where, "t_fine")
    exact = _vector(exact, t_fine.size, where, "exact")
    t_coarse = _vector(t_coarse, None, where, "t_coarse")
    euler, rk4 = (_vector(v, t_coarse.size, where, k) for k, v in (("euler", euler), ("rk4", rk4)))
    if not tau > 0:
        raise ValueError(f"{where}: tau must be a positive step size, got {tau}")
    fig, ax = plt.subplots(figsize=figsize)
    ax.plot(t_fine, exact, color="black", lw=2, label="exact: $e^{tM}x(0)$")
    ax.step(t_coarse, euler, where="post", color="0.55", lw=1.5, ls="--")
    ax.plot(t_coarse, euler, "o", color="0.45", label=rf"explicit Euler, $\tau = {tau:g}$")
    ax.plot(t_coarse, rk4, "s", mfc="none", mew=1.8, ms=8, color="black", label=rf"RK4, $\tau = {tau:g}$")
    ax.set_xlabel("time $t$ (= depth)")
    ax.set_ylabel(f"feature of node {node}, channel 0")
    legend_outside(ax, where="below", ncol=1)
    fig.tight_layout()
    return fig


#: Solvers in greys and black, told apart by marker and line style (colours are reserved for models and forces).
_SOLVER_LOOK = {"euler": ("0.55", "o", "-"), "rk4": ("black", "s", "-"), "dopri5": ("0.3", "^", "-.")}


def error_vs_nfe(conv: Mapping[str, np.ndarray], slopes: Mapping[str, float], *,
                 guides: Sequence[tuple] = ((1, "euler"), (4, "rk4")), figsize=(6.4, 5.2)):
    """Relative error against the number of function evaluations, log-log, one line per solver (greys, told apart
    by marker and line style; RK4 hollow) labelled with its fitted slope, and dotted guides of slope ``-p`` drawn
    from 3 times a solver's first point over its range of evaluations. The legend sits below the axes.

    Args:
        conv: ``{method: [P, 2]}`` rows ``(evaluations, relative error)``, both positive; methods among
            ``euler``, ``rk4``, ``dopri5``.
        slopes: ``{method: fitted slope}`` (same keys); ``guides``: ``(p, method)`` pairs.

    Returns the figure. Raises ``ValueError`` for an unknown method, different keys, a badly shaped or
    non-positive ``conv`` entry, or a guide for a method not in ``conv``.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import legend_outside

    where = "error_vs_nfe"
    if not conv or set(conv) != set(slopes):
        raise ValueError(f"{where}: conv and slopes must have the same (non-empty) methods")
    rows = {m: np.asarray(r, dtype=float) for m, r in conv.items()}
    for m, r in rows.items():
        if m not in _SOLVER_LOOK:
            raise ValueError(f"{where}: unknown method {m!r}; allowed: {', '.join(_SOLVER_LOOK)}")
        if r.ndim != 2 or r.shape[1] != 2 or r.shape[0] < 1 or not (r > 0).all():
            raise ValueError(f"{where}: conv[{m!r}] must be [P, 2] positive (evaluations, error), got {r.shape}")
    if any(m not in rows for _, m in guides):
        raise ValueError(f"{where}: every guide (p, method) needs that method in conv")
    fig, ax = plt.subplots(figsize=figsize)
    for m, r in rows.items():
        c, mk, ls = _SOLVER_LOOK[m]
        ax.loglog(r[:, 0], r[:, 1], marker=mk, ls=ls, color=c, mfc="none" if m == "rk4" else c,
                  label=f"{m} (fitted slope {slopes[m]:+.2f})")
    for p, m in guides:
        n0, e0 = rows[m][0]
        n = np.array([n0, rows[m][-1, 0]])
        ax.loglog(n, 3 * e0 * (n / n0) ** (-p), ":", color="0.5", lw=1)
        ax.text(n[-1], 3 * e0 * (n[-1] / n0) ** (-p), f"  slope $-{p}$", color="0.4", va="center")
    ax.set_xlabel("function evaluations (NFE)")
    ax.set_ylabel(r"relative error $\|X_T - X(T)\| / \|X(T)\|$")
    legend_outside(ax, where="below", ncol=1)
    fig.tight_layout()
    return fig


#: Looks of up to three step-norm curves, in order (greys: solvers are not models).
_STEP_LOOKS = (("0.6", "-"), ("black", "-"), ("0.3", "--"))


def norm_over_steps(norms: Mapping[str, np.ndarray], *, figsize=(6.4, 4.5)):
    """The norm of the state relative to the start, ``||X_k|| / ||X_0||``, against the step ``k`` (log scale), for
    up to three runs (light grey, black, dark grey dashed, in order). The legend sits below the axes.

    Shapes:
        - ``norms``: ``{label: [K + 1]}`` positive norms after each step, from ``k = 0``

    Returns the figure. Raises ``ValueError`` for no run or more than three, or a non-positive norm.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import energy_axes, legend_outside

    where = "norm_over_steps"
    if not norms or len(norms) > len(_STEP_LOOKS):
        raise ValueError(f"{where}: norms must hold one to {len(_STEP_LOOKS)} runs, got {len(norms)}")
    fig, ax = plt.subplots(figsize=figsize)
    for (label, nrm), (c, ls) in zip(norms.items(), _STEP_LOOKS):
        nrm = _vector(nrm, None, where, label)
        if not (nrm > 0).all():
            plt.close(fig)
            raise ValueError(f"{where}: {label}: norms must be positive (log scale)")
        ax.plot(np.arange(nrm.size), nrm / nrm[0], color=c, ls=ls, lw=2, label=label)
    energy_axes(ax, xlabel="step $k$", ylabel=r"$\|X_k\|_F / \|X_0\|_F$ (log scale)")
    legend_outside(ax, where="below", ncol=3)
    fig.tight_layout()
    return fig


def spectra_on_stability_regions(spectra: Mapping[float, np.ndarray], tau: float,
                                 norms: Mapping[tuple, np.ndarray], *, title: str = "", figsize=(11, 5.2)):
    """Left: ``tau * lambda`` for the eigenvalues ``lambda`` of a linear field at each ``beta`` (hollow squares for
    ``beta = 0``, diffusion, in its colour; hollow dots otherwise, in ACMP's colour) on the stability regions of
    Euler, RK4 and dopri5 (:func:`stability_regions`). Right: the norm relative to the start over steps of size
    ``tau`` (log scale): each method at the largest ``beta`` (dark grey; Euler solid, RK4 dashed) and Euler at
    ``beta = 0`` (light grey, dotted). Legends sit below the axes.

    Args:
        spectra: ``{beta: [N]}`` complex eigenvalues, with ``beta = 0`` among the keys.
        norms: ``{(beta, method): [K + 1]}`` relative norms, with ``(max beta, "euler")``, ``(max beta, "rk4")``
            and ``(0.0, "euler")``.
        title: the left panel's title (e.g. the graph and form).

    Returns the figure. Raises ``ValueError`` for a missing spectrum or run, or a non-positive ``tau``.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, energy_axes, legend_outside

    where = "spectra_on_stability_regions"
    if not tau > 0:
        raise ValueError(f"{where}: tau must be a positive step size, got {tau}")
    if 0.0 not in spectra or len(spectra) < 2:
        raise ValueError(f"{where}: spectra needs beta = 0 (diffusion) and at least one other beta")
    top = max(spectra)
    need = [(top, "euler"), (top, "rk4"), (0.0, "euler")]
    if any(k not in norms for k in need):
        raise ValueError(f"{where}: norms needs the runs {need}; got {sorted(norms)}")
    fig, (ax_z, ax_n) = plt.subplots(1, 2, figsize=figsize, gridspec_kw=dict(width_ratios=[1, 1.1]))
    stability_regions(ax_z, methods=("euler", "rk4", "dopri5"), xlim=(-3.2, 0.8), ylim=(-3.1, 3.1))
    for b in sorted(spectra):
        z = tau * np.asarray(spectra[b], dtype=complex).reshape(-1)
        mk, ms, c = ("s", 7, "diffusion") if b == 0 else ("o", 4, "acmp")
        ax_z.plot(z.real, z.imag, mk, ms=ms, mfc="none", color=color(c),
                  label=f"τλ, β = {b:g}" + (" (diffusion)" if b == 0 else ""))
    legend_outside(ax_z, "below", ncol=1, fontsize=9)
    ax_z.set_title(title or f"τ = {tau:g}")
    for m, ls in (("euler", "-"), ("rk4", "--")):
        ax_n.plot(_vector(norms[(top, m)], None, where, m), color="0.2", ls=ls, lw=2, label=f"{m}, β = {top:g}")
    ax_n.plot(_vector(norms[(0.0, "euler")], None, where, "euler"), color="0.6", ls=":", lw=2, label="euler, β = 0")
    energy_axes(ax_n, xlabel="step $k$", ylabel=r"$\|x_k\| / \|x_0\|$ (log scale)")
    ax_n.set_title(f"steps of τ = {tau:g}")
    legend_outside(ax_n, "below", ncol=1, fontsize=9)
    fig.tight_layout()
    return fig


def fresh_measurements(rows: Sequence[Mapping[str, str]], *, method: str = "rk4",
                       peaks: Mapping[bool, float] | None = None, T_peak: float | None = None) -> list[dict]:
    """The fresh-process points of :func:`adjoint_cost`. From the rows of ``results/adjoint_memory.csv``: for
    backprop and for the adjoint, the runs of ``method`` whose ``status`` is ``ok``, sorted by ``T``, as
    ``dict(adjoint, T, mb, seconds, label, time_label)`` (``mb`` is the rise of the peak RSS, ``delta_mb``); a kind
    with no such run is left out. With no rows at all, the page's own measurements instead: ``peaks`` =
    ``{adjoint: MB}`` measured at ``T_peak`` (memory only).

    Raises ``ValueError`` when a row lacks one of ``method``, ``adjoint``, ``status``, ``T``, ``delta_mb``,
    ``step_seconds``, or when there are no rows and no ``peaks`` and ``T_peak``.
    """
    if not rows:
        if not peaks or T_peak is None:
            raise ValueError("fresh_measurements: no CSV rows; pass peaks={adjoint: MB} and T_peak to show the page's")
        return [dict(adjoint=adj, T=[float(T_peak)], mb=[float(mb)], label=f"{method}: peak RSS rise (fresh process)")
                for adj, mb in peaks.items()]
    need = {"method", "adjoint", "status", "T", "delta_mb", "step_seconds"}
    for r in rows:
        if need - set(r):
            raise ValueError(f"fresh_measurements: a row is missing {sorted(need - set(r))}")
    fresh = []
    for adjoint in (False, True):
        ok = sorted(
            (float(r["T"]), float(r["delta_mb"]), float(r["step_seconds"]))
            for r in rows
            if r["method"] == method and r["adjoint"] == str(adjoint) and r["status"] == "ok"
        )
        if ok:
            T, mb, sec = zip(*ok)
            fresh.append(dict(adjoint=adjoint, T=T, mb=mb, seconds=sec, time_label=f"{method} (CSV)",
                              label=f"{method}: peak RSS rise (CSV, fresh process)"))
    return fresh


def adjoint_cost_measured(mem: Mapping[tuple, Sequence[dict]], times: Mapping[str, Sequence[float]], *,
                          rows: Sequence[Mapping[str, str]], peak: Mapping[bool, Mapping[str, float]],
                          T_peak: float, method: str = "rk4", figsize=(11, 4.8)):
    """Figure 6.5: :func:`adjoint_cost` from a page's measurements. The in-process series are
    ``mem = {(method, adjoint): rows}`` measured at the end times ``times[method]``; the fresh-process points are
    :func:`fresh_measurements` of ``rows`` (``results/adjoint_memory.csv``) for ``method``, or, with no rows, the
    page's two peak measurements ``peak = {adjoint: {"delta_mb": MB, ...}}`` at ``T_peak``.

    Returns the figure. Raises ``ValueError`` when a series' method has no end times or ``peak`` lacks
    ``delta_mb``, and (from the two functions above) for mismatched lengths or missing fields.
    """
    missing = sorted({m for m, _ in mem} - set(times))
    if missing:
        raise ValueError(f"adjoint_cost_measured: times must give the end times of every method; missing {missing}")
    if any("delta_mb" not in r for r in peak.values()):
        raise ValueError("adjoint_cost_measured: every peak measurement needs delta_mb (the rise of the peak RSS)")
    curves = {k: (times[k[0]], series) for k, series in mem.items()}
    fresh = fresh_measurements(rows, method=method, peaks={adj: r["delta_mb"] for adj, r in peak.items()},
                               T_peak=T_peak)
    return adjoint_cost(curves, fresh, figsize=figsize)


_MODEL_NAMES = {"grand": "GRAND (diffusion)", "acmp": "ACMP"}
#: the models of the end-time sweep (Figure 6.7) and their line styles: the official configuration of ACMP
#: (physgnn.models.OfficialACMP) dashed with triangles beside the book's ACMP
_SWEEP_MODELS = {"grand": ("GRAND (diffusion)", "o-"), "acmp": ("ACMP (the book's)", "o-"),
                 "official": ("ACMP (official configuration)", "^--")}


def _graphs_and_mlp(names: Sequence[str], mlp: Mapping[str, float], where: str) -> list[str]:
    names = list(names)
    if not names or any(n not in mlp for n in names):
        raise ValueError(f"{where}: names must be non-empty and mlp must hold each one's MLP test accuracy")
    return names


def trajectory_energy_and_accuracy(t, traj: Mapping[tuple, Mapping[str, np.ndarray]], mlp: Mapping[str, float],
                                   names: Sequence[str], *, t_train: float = 3.0, figsize=(11, 6.4)):
    """Models trained with end time ``t_train`` followed further along time, one column per graph: the Dirichlet
    energy of the hidden features (top, log scale) and the decoder's test accuracy (bottom) against time (log
    scale; ``t = 0`` left out), for GRAND and ACMP in their colours, with the MLP's accuracy (dashed) and
    ``t_train`` (dotted). Legends sit to the right of the right-hand column.

    Args:
        t: ``[K]`` times, ``t[0] = 0``.
        traj: ``{(name, kind): {"energy": [K], "acc": [K]}}`` for ``kind`` in ``grand``, ``acmp``.
        mlp: ``{name: test accuracy}``; ``names``: the graphs, in column order.

    Returns the figure. Raises ``ValueError`` for a missing run or MLP accuracy, or curves of the wrong length.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, energy_axes, legend_outside

    where = "trajectory_energy_and_accuracy"
    names = _graphs_and_mlp(names, mlp, where)
    t = _vector(t, None, where, "t")
    missing = [(n, k) for n in names for k in _MODEL_NAMES if (n, k) not in traj]
    if missing:
        raise ValueError(f"{where}: traj is missing {missing}")
    fig, axes = plt.subplots(2, len(names), figsize=figsize, sharex=True, squeeze=False)
    for col, name in enumerate(names):
        for kind, label in _MODEL_NAMES.items():
            for row, key in enumerate(("energy", "acc")):
                v = _vector(traj[(name, kind)][key], t.size, where, f"{name}/{kind}/{key}")
                axes[row, col].plot(t[1:], v[1:], "o-", color=color(kind), label=label)
        axes[1, col].axhline(mlp[name], color=color("mlp"), ls="--", lw=1.2, label="MLP (test)")
        for ax in axes[:, col]:
            ax.axvline(t_train, color="0.6", ls=":", lw=1)
            ax.set_xscale("log")
        energy_axes(axes[0, col], xlabel="", ylabel="Dirichlet energy $E(H(t))$ (unnormalised)")
        axes[0, col].set_title(f"{name.capitalize()} (trained with $T = {t_train:g}$, dotted)")
        axes[1, col].set_xlabel("time $t$ (log scale)")
        axes[1, col].set_ylabel("test accuracy of the decoder")
        axes[1, col].set_ylim(0, 1)
    legend_outside(axes[0, -1], where="right")
    legend_outside(axes[1, -1], where="right")
    fig.tight_layout()
    return fig


def training_end_time(depth: Mapping[tuple, Sequence[tuple]], mlp: Mapping[str, float], names: Sequence[str], *,
                      col_width: float = 5.5, figsize_height: float = 8.4):
    """Models trained with growing end times ``T``, one column per graph: test accuracy (top, with the MLP's,
    dashed), the energy ratio ``E(H(T)) / E(H(0))`` (middle, log scale) and the learned ``alpha * T`` (bottom,
    log scale, with the line ``alpha T = T`` dotted) against ``T`` (log scale), GRAND, the book's ACMP and the
    official configuration of ACMP (kind ``"official"``, dashed) in their colours; a model with no rows for a graph
    is left out. Legends sit to the right of the right-hand column.

    Args:
        depth: ``{(name, kind): [(T, val, test, energy_ratio, alpha, ...), ...]}`` sorted by ``T`` (further
            columns are ignored); the line ``alpha T = T`` spans every ``T`` of the graph.
        mlp: ``{name: test accuracy}``; ``names``: the graphs, in column order.

    Returns the figure. Raises ``ValueError`` for rows shorter than five columns or a missing MLP accuracy.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, energy_axes, legend_outside

    where = "training_end_time"
    names = _graphs_and_mlp(names, mlp, where)
    fig, axes = plt.subplots(3, len(names), figsize=(col_width * len(names), figsize_height), squeeze=False,
                             sharex=True)
    for col, name in enumerate(names):
        grid_T = {float(row[0]) for key, rows in depth.items() if key[0] == name for row in rows}
        for kind, (label, fmt) in _SWEEP_MODELS.items():
            pts = np.asarray(depth.get((name, kind), []), dtype=float)
            if not len(pts):
                continue
            if pts.ndim != 2 or pts.shape[1] < 5:
                plt.close(fig)
                raise ValueError(
                    f"{where}: depth[({name!r}, {kind!r})] rows must start (T, val, test, ratio, alpha)"
                )
            for row, y in enumerate((pts[:, 2], pts[:, 3], pts[:, 0] * pts[:, 4])):
                axes[row, col].plot(pts[:, 0], y, fmt, color=color(kind), label=label)
        axes[0, col].axhline(mlp[name], color=color("mlp"), ls="--", lw=1.2, label="MLP (split 0)")
        axes[0, col].set_title(name.capitalize())
        axes[0, col].set_ylabel("test accuracy")
        axes[0, col].set_ylim(0, 1)
        axes[0, col].set_xscale("log")
        energy_axes(axes[1, col], xlabel="", ylabel="$E(H(T)) / E(H(0))$ (unnormalised)")
        grid = np.array(sorted(grid_T))
        axes[2, col].plot(grid, grid, ":", color="0.5", label=r"$\alpha T = T$ ($\alpha = 1$)")
        axes[2, col].set_yscale("log")
        axes[2, col].set_xlabel("end time $T$ (log scale)")
        axes[2, col].set_ylabel(r"learned $\alpha \cdot T$ (mean $\alpha$)")
    legend_outside(axes[0, -1], where="right")
    legend_outside(axes[2, -1], where="right")
    fig.tight_layout()
    return fig
