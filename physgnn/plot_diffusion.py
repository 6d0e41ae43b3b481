"""Figures of diffusion (Chapter 2): dye spreading on a grid, the spectrum of ``L``, the energy decay of the heat
equation, energy and accuracy against depth, learning curves per depth, and a deep GCN's energy layer by layer.

Each helper draws one whole figure in the book's style (:func:`physgnn.plot.style`) and returns it (the animation
helper returns its HTML player); a chapter shows it and closes it. Models keep the book's colours
(:func:`physgnn.plot.color`).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

__all__ = [
    "dye_animation",
    "laplacian_spectra",
    "energy_decay",
    "energy_vs_depth_by_activation",
    "accuracy_vs_depth_with_baselines",
    "learning_curves",
    "energy_per_layer",
    "energy_per_layer_saved",
]


def _series(values, name: str, length: int | None = None) -> np.ndarray:
    """``values`` as a finite 1-D float array (of ``length``, when given)."""
    v = np.asarray(values, dtype=float).reshape(-1) if np.ndim(values) <= 1 else None
    if v is None or v.size == 0 or not np.all(np.isfinite(v)):
        raise ValueError(f"{name}: must be a non-empty 1-D sequence of finite numbers")
    if length is not None and v.size != length:
        raise ValueError(f"{name}: must have {length} values (one per time), got {v.size}")
    return v


def dye_animation(concentration: Mapping[int, Sequence[float]], energy: Mapping[int, float], side: int, *,
                  alt: str, color: str = "#009E73"):
    """Dye spreading under weightless GCN layers ``X <- ÂX`` on a ``side x side`` grid: the concentration
    ``z_i`` per cell (log colour scale) beside the energy ``trace(XᵀLX)`` against the layer, one frame per recorded
    layer, as a kernel-free HTML player with alt text (drawn by ``grid_energy_animation``, played by
    :func:`physgnn.plot.animation_html` at the book's animation resolution).

    Args:
        concentration: ``{layer k: [side**2] concentrations in [0, 1]}``, the frames (sorted by ``k``).
        energy: ``{layer k: energy > 0}``, the same layers.
        alt: what the animation shows, for readers who cannot see it.

    Returns ``IPython.display.HTML``. Raises ``ValueError`` when the layers of the two mappings differ (or on the
    bad input ``grid_energy_animation`` rejects).
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import animation_html
    from physgnn.plot_anim import DPI, grid_energy_animation

    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("dye_animation: alt must be a non-empty description of what the animation shows")
    if not concentration or set(concentration) != set(energy):
        raise ValueError("dye_animation: concentration and energy must hold the same, non-empty set of layers")
    ks = np.array(sorted(concentration))
    frames = np.stack([np.asarray(concentration[k], dtype=float).reshape(-1) for k in ks])
    fig, anim = grid_energy_animation(frames, ks, np.array([energy[k] for k in ks]), side, color=color)
    try:
        return animation_html(anim, alt, dpi=DPI)
    finally:
        plt.close(fig)  # show only the player, not a static copy


def laplacian_spectra(eigenvalues: Mapping[str, Sequence[float]], *, figsize=(6.4, 3.8)):
    """The sorted eigenvalues ``λ_1 <= ... <= λ_N`` of ``L`` for several graphs against their relative position
    ``(k - 1)/(N - 1)`` (so graphs of different sizes share the axis), each spectral gap ``λ_2`` circled, and the
    upper bound 2 dotted.

    Args:
        eigenvalues: ``{graph label: [N] eigenvalues of L}`` (any order; sorted here), at most three graphs, each
            with ``N >= 2``.

    Returns the figure. Raises ``ValueError`` for no graph, more than three, or fewer than two eigenvalues.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import PALETTE

    if not 1 <= len(eigenvalues) <= 3:
        raise ValueError(f"laplacian_spectra: eigenvalues must hold one to three graphs, got {len(eigenvalues)}")
    fig, ax = plt.subplots(figsize=figsize)
    for (name, lam), c, m in zip(eigenvalues.items(), PALETTE[:3], ["o", "s", "^"]):
        lam = np.sort(_series(lam, f"laplacian_spectra: {name}"))
        if lam.size < 2:
            raise ValueError(f"laplacian_spectra: {name} needs at least two eigenvalues (a gap lambda_2)")
        pos = np.arange(len(lam)) / (len(lam) - 1)
        ax.plot(pos, lam, marker=m, ms=3, lw=1, color=c, label=name)
        ax.plot(pos[1], lam[1], marker=m, ms=9, mfc="none", mec="black", mew=1.5)
    ax.plot([], [], "o", ms=9, mfc="none", mec="black", label="spectral gap $\\lambda_2$")
    ax.axhline(2, color="black", ls=":", lw=1)
    ax.set_xlabel("position $(k - 1)/(N - 1)$ in the sorted spectrum")
    ax.set_ylabel("eigenvalue $\\lambda_k$ of $L$")
    ax.set_ylim(-0.05, 2.1)
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def energy_decay(t, runs: Mapping[str, Mapping[str, object]], *, fit_window: tuple[float, float],
                 figsize=(11, 4)):
    """The heat equation's energy ``E(t)/E(0)`` on a log scale, one panel per graph (shared y-axis): the exact
    solution ``e^{-tL}X0`` (solid), the ODE solver's values (open circles, every tenth time), weightless GCN layers
    (layer ``k`` drawn at ``t = k``, dashed), the slope ``e^{-2λ_2 t}`` anchored at the last time (dotted), and the
    fit window shaded. The panel title gives ``λ_2`` and the fitted rate over ``2λ_2``.

    Args:
        t: ``[T]`` times (layer ``k`` sits at ``t = k``).
        runs: ``{graph label: dict(E_exact=[T], E_ode=[T], E_layers=[T], lam2=λ_2 > 0, rate=fitted rate)}``,
            energies positive.
        fit_window: ``(t0, t1)``, the times the rate was fitted over.

    Returns the figure. Raises ``ValueError`` for a missing field, a length other than ``T``, non-positive
    energies or ``λ_2 <= 0``.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, energy_axes

    t = _series(t, "energy_decay: t")
    if not runs:
        raise ValueError("energy_decay: runs must hold at least one graph")
    fig, axes = plt.subplots(1, len(runs), figsize=figsize, sharey=True, squeeze=False)
    for ax, (name, r) in zip(axes[0], runs.items()):
        missing = {"E_exact", "E_ode", "E_layers", "lam2", "rate"} - set(r)
        if missing:
            raise ValueError(f"energy_decay: {name} is missing {sorted(missing)}")
        exact, ode, layers = (_series(r[k], f"energy_decay: {name}/{k}", t.size) for k in
                              ("E_exact", "E_ode", "E_layers"))
        if min(exact.min(), ode.min(), layers.min()) <= 0:
            raise ValueError(f"energy_decay: {name}: energies must be positive (log scale)")
        lam2 = float(r["lam2"])
        if not lam2 > 0:
            raise ValueError(f"energy_decay: {name}: lam2 must be positive (the spectral gap), got {lam2}")
        e0 = exact[0]
        ax.plot(t, exact / e0, color=color("diffusion"), lw=2, label="exact $e^{-tL}$")
        ax.plot(t[::10], ode[::10] / e0, "o", mfc="none", color="black", ms=5, label="physgnn GraphODE (rk4)")
        ax.plot(t, layers / e0, color=color("gcn"), lw=1.5, ls="--", label="weightless GCN layer $k$ at $t = k$")
        ax.plot(t, exact[-1] / e0 * np.exp(-2 * lam2 * (t - t[-1])), color="black", ls=":", lw=1.2,
                label="slope $e^{-2\\lambda_2 t}$")
        ax.axvspan(*fit_window, color="0.92", zorder=0, label="fit window")
        ax.set_ylim(1e-12, 2)
        energy_axes(ax, xlabel="time $t$ (or layer $k$)", ylabel="$E(t)/E(0)$, energy trace$(X^\\top L X)$")
        ax.set_title(f"{name}: $\\lambda_2$ = {lam2:.4f}, fitted rate / $2\\lambda_2$ = "
                     f"{float(r['rate']) / (2 * lam2):.3f}")
    axes[0, 0].legend(loc="lower left", fontsize=9)
    fig.tight_layout()
    return fig


def energy_vs_depth_by_activation(energies: Mapping[tuple, Mapping[int, float]], *, labels: Mapping[str, str],
                                  slopes: Mapping[str, float] | None = None, anchor: int = 200):
    """Dirichlet energy against depth for several graphs, without (top row) and with ReLU after every layer
    (bottom row), one curve per model, drawn by :func:`physgnn.plot.energy_vs_depth`; on the panels without
    activation a dotted theory line ``E_k = E_anchor * exp(slope * (k - anchor))`` follows the linear GCN.

    Args:
        energies: ``{(graph, relu: bool, model key): {layer k: E after k layers}}``, every graph with both
            ``relu`` values and the models of ``labels``.
        labels: legend text per model key (the keys also name the book's colours).
        slopes: ``{graph: predicted slope of log E per layer}`` (``2 ln μ``), for the theory lines.
        anchor: the layer where the theory line meets the linear GCN's energy.

    Returns the figure. Raises ``ValueError`` for a missing (graph, relu, model) curve or a slope for an unknown
    graph (and the bad input ``energy_vs_depth`` rejects).
    """
    from physgnn.plot_depth import energy_vs_depth

    graphs = list(dict.fromkeys(g for g, _, _ in energies))
    slopes = slopes or {}
    if not graphs:
        raise ValueError("energy_vs_depth_by_activation: energies must hold at least one curve")
    if set(slopes) - set(graphs):
        unknown = sorted(set(slopes) - set(graphs))
        raise ValueError(f"energy_vs_depth_by_activation: slopes for unknown graphs {unknown}")

    def title(graph, relu):
        return f"{graph}, {'ReLU after every layer' if relu else 'no activation'}"

    panels = {}
    for relu in (False, True):
        for graph in graphs:
            missing = [m for m in labels if (graph, relu, m) not in energies]
            if missing:
                raise ValueError(f"energy_vs_depth_by_activation: no curve for {graph}, relu={relu}: {missing}")
            panels[title(graph, relu)] = {m: energies[graph, relu, m] for m in labels}
    theory = {}
    for graph, slope in slopes.items():
        gcn = energies.get((graph, False, "gcn"), {})
        if anchor not in gcn:
            raise ValueError(
                f"energy_vs_depth_by_activation: the linear GCN on {graph} has no energy at layer {anchor}"
            )
        ks = np.arange(0, max(gcn) + 1)
        line = gcn[anchor] * np.exp(slope * (ks - anchor))
        theory[title(graph, False)] = (ks, line, "theory $\\mu^{2k}$ (linear GCN)")
    return energy_vs_depth(panels, labels=labels, theory=theory)


def accuracy_vs_depth_with_baselines(titles: Mapping[str, str], *, saved: Mapping[str, dict],
                                     page: Mapping[tuple[str, int], Mapping[str, float]], majority: Mapping[str, float],
                                     majority_saved: Mapping[str, float] | None = None,
                                     xlabel: str = "number of GCN layers"):
    """Train and test accuracy against depth per graph, drawn by :func:`physgnn.plot.accuracy_vs_depth`, with the
    accuracy of always predicting the most frequent training class as dotted reference lines: the mean over the
    saved grid's splits (when given) and split 0.

    Args:
        titles: ``{graph: panel title}``, in panel order.
        saved: ``{graph: {"train" | "test": {depth: (mean, std, n_splits)}}}`` (empty: no saved grid).
        page: ``{(graph, depth): {"train": accuracy, "test": accuracy, ...}}``, this page's runs on split 0.
        majority: ``{graph: accuracy}`` of the most frequent class on split 0; ``majority_saved`` the same, averaged
            over the saved grid's splits.

    Returns the figure. Raises ``ValueError`` when a graph lacks this page's runs or its split-0 baseline (and on
    the bad input ``accuracy_vs_depth`` rejects).
    """
    from physgnn.plot_depth import accuracy_vs_depth

    majority_saved = majority_saved or {}
    panels = {}
    for graph, title in titles.items():
        depths = sorted(d for g, d in page if g == graph)
        if not depths or graph not in majority:
            raise ValueError(
                f"accuracy_vs_depth_with_baselines: {graph} needs runs page[{graph!r}, depth] and majority[{graph!r}]"
            )
        runs = {key: {d: page[graph, d][key] for d in depths} for key in ("test", "train")}
        references = {}
        if graph in majority_saved:
            references["most frequent class (mean over saved splits)"] = majority_saved[graph]
        references["most frequent class (split 0)"] = majority[graph]
        panels[title] = dict(saved=saved.get(graph, {}), page=runs, references=references)
    return accuracy_vs_depth(panels, xlabel=xlabel)


def learning_curves(histories: Mapping[int, Mapping[str, Sequence[float]]], *, baseline: float | None = None,
                    baseline_label: str = "most frequent class (test)", figsize=(7, 4)):
    """Training (solid) and validation (dashed) accuracy in % against the epoch, one colour per depth (a sequential
    map, not the model colours), with an optional baseline accuracy dotted; the legend sits below the axes.

    Args:
        histories: ``{depth: {"train": [epochs] accuracies, "val": [epochs] accuracies}}`` in ``[0, 1]``.
        baseline: an accuracy in ``[0, 1]`` (e.g. of the most frequent class).

    Returns the figure. Raises ``ValueError`` for a missing curve, train and validation of different lengths, or
    accuracies outside ``[0, 1]``.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import legend_outside

    if not histories:
        raise ValueError("learning_curves: histories must hold at least one depth")
    fig, ax = plt.subplots(figsize=figsize)
    colours = plt.cm.viridis(np.linspace(0, 0.85, len(histories)))
    for c, (depth, h) in zip(colours, histories.items()):
        if not {"train", "val"} <= set(h):
            raise ValueError(f"learning_curves: depth {depth} needs 'train' and 'val' histories")
        train = _series(h["train"], f"learning_curves: depth {depth}/train")
        val = _series(h["val"], f"learning_curves: depth {depth}/val", train.size)
        if min(train.min(), val.min()) < 0 or max(train.max(), val.max()) > 1:
            raise ValueError(f"learning_curves: depth {depth}: accuracies must lie in [0, 1]")
        epochs = np.arange(1, train.size + 1)
        ax.plot(epochs, 100 * train, color=c, lw=2, label=f"{depth} layers, train")
        ax.plot(epochs, 100 * val, color=c, lw=1.2, ls="--", label=f"{depth} layers, validation")
    if baseline is not None:
        if not 0 <= baseline <= 1:
            raise ValueError(f"learning_curves: baseline must lie in [0, 1], got {baseline}")
        ax.axhline(100 * baseline, color="0.3", ls=":", lw=1.5, label=baseline_label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 100)
    legend_outside(ax, where="below")
    fig.tight_layout()
    return fig


def energy_per_layer(panels: Mapping[str, Mapping[str, object]], *, figsize=(11, 4.0)):
    """A deep network's energy after every layer on a log scale, one panel per graph (shared y-axis): the median
    over runs at initialisation (grey) and after training, one curve per dropout rate (solid for 0, dashed
    otherwise) in the GCN's colour.

    Args:
        panels: ``{panel title: dict(init=[runs, K + 1], trained={dropout: [runs, K + 1]})}``, energies after layers
            ``0 .. K`` (0: the input, K: the logits), positive.

    Returns the figure. Raises ``ValueError`` for a missing part, energies that are not ``[runs, K + 1]`` with one
    ``K`` for all, or non-positive energies.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color

    if not panels:
        raise ValueError("energy_per_layer: panels must hold at least one graph")
    width = None

    def median(values, what):
        nonlocal width
        e = np.asarray(values, dtype=float)
        if e.ndim != 2 or e.shape[0] == 0 or (width is not None and e.shape[1] != width):
            raise ValueError(f"energy_per_layer: {what} must be [runs, K + 1] with the same K everywhere, "
                             f"got shape {e.shape}")
        if not (e > 0).all():
            raise ValueError(f"energy_per_layer: {what}: energies must be positive (log scale)")
        width = e.shape[1]
        return np.median(e, axis=0)

    fig, axes = plt.subplots(1, len(panels), figsize=figsize, sharey=True, squeeze=False)
    for ax, (title, parts) in zip(axes[0], panels.items()):
        if not {"init", "trained"} <= set(parts) or not parts["trained"]:
            raise ValueError(f"energy_per_layer: {title} needs 'init' and a non-empty 'trained'")
        init = median(parts["init"], f"{title}/init")
        layers = np.arange(init.size)
        ax.plot(layers, init, color="0.55", lw=2, label="at initialisation")
        for dropout, runs in parts["trained"].items():
            ax.plot(layers, median(runs, f"{title}/trained {dropout}"), color=color("gcn"),
                    ls="-" if dropout == 0 else "--", lw=2, label=f"trained, dropout {dropout:g}")
        ax.set_yscale("log")
        ax.set_xlabel(f"layer $k$ (0: input, {layers[-1]}: logits)")
        ax.set_title(title)
    axes[0, 0].set_ylabel(r"energy $E(\bar X^{(k)})$ of row-normalised features")
    axes[0, 0].set_ylim(1e-30, 1e2)
    axes[0, -1].legend(loc="lower left", fontsize=9)
    fig.tight_layout()
    return fig


def energy_per_layer_saved(rows: Sequence[Mapping[str, str]], *, graphs: Mapping[str, str], depth: int = 64,
                           dropouts: Sequence[float] = (0.0, 0.5), init_dropout: float = 0.5, figsize=(11, 4.0)):
    """:func:`energy_per_layer` (Figure 2.7) drawn from the saved rows of the depth diagnosis
    (``results/depth_diagnosis.csv``, :func:`physgnn.experiments.depth_diagnosis.saved_layer_energies`): for each graph,
    the energies at initialisation of the runs with dropout ``init_dropout`` and the trained energies for every
    rate in ``dropouts``, at ``depth`` layers.

    Args:
        rows: the CSV's rows; ``graphs``: ``{dataset name: panel title}``, in panel order.

    Returns the figure. Raises ``ValueError`` for no graphs or no dropouts, and (from ``saved_layer_energies``) for a
    setting with no saved run.
    """
    from physgnn.experiments.depth_diagnosis import saved_layer_energies

    if not graphs or not dropouts:
        raise ValueError("energy_per_layer_saved: graphs and dropouts must each name at least one")
    panels = {
        title: dict(
            init=saved_layer_energies(rows, name, depth, init_dropout, "energy_init"),
            trained={p: saved_layer_energies(rows, name, depth, p, "energy_trained") for p in dropouts},
        )
        for name, title in graphs.items()
    }
    return energy_per_layer(panels, figsize=figsize)
