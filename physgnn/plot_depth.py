"""Figures of depth (Chapter 2): Dirichlet energy against the number of layers, and accuracy against the number of
layers.

Each helper draws one whole figure in the book's style (:func:`physgnn.plot.style`) and returns it; a chapter shows
it and closes it. Models keep the book's colours (:func:`physgnn.plot.color`); legends sit below the axes.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

__all__ = ["energy_vs_depth", "accuracy_vs_depth"]


def _curve(values: Mapping[int, float], what: str) -> tuple[np.ndarray, np.ndarray]:
    if not values:
        raise ValueError(f"{what}: needs at least one (depth, value) pair")
    ks = np.array(sorted(values))
    return ks, np.array([values[k] for k in ks], dtype=float)


def energy_vs_depth(panels: Mapping[str, Mapping[str, Mapping[int, float]]], *, labels: Mapping[str, str],
                    theory: Mapping[str, tuple] | None = None, ylim=(1e-32, 30), ncols: int = 2,
                    ylabel: str = "$E(\\bar X)$, row-normalised features", figsize=(11, 8.4)):
    """Dirichlet energy against depth ``k`` on a log scale, one panel per setting (shared axes), one curve per model
    (GAT dashed), and optionally a dotted theory line per panel. One legend for all panels sits below them.

    Args:
        panels: ``{panel title: {model key: {k: E after k layers}}}``; model keys name the book's colours.
        labels: legend text per model key (every key in ``panels`` needs one).
        theory: ``{panel title: (ks, values, label)}`` for the panels that have a prediction.

    Returns the figure. Raises ``ValueError`` for an empty panel, a model without a label, non-positive energies
    or a theory line for an unknown panel.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color

    theory = theory or {}
    if not panels:
        raise ValueError("energy_vs_depth: panels must hold at least one panel")
    if set(theory) - set(panels):
        raise ValueError(f"energy_vs_depth: theory lines for unknown panels {sorted(set(theory) - set(panels))}")
    rows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(rows, ncols, figsize=figsize, sharex=True, sharey=True, squeeze=False)
    for ax, (title, by_model) in zip(axes.flat, panels.items()):
        if not by_model:
            raise ValueError(f"energy_vs_depth: panel {title!r} has no curves")
        for key, values in by_model.items():
            if key not in labels:
                raise ValueError(f"energy_vs_depth: no label for model {key!r}; pass labels={{{key!r}: ...}}")
            ks, e = _curve(values, f"energy_vs_depth: {title}/{key}")
            if not (e > 0).all():
                raise ValueError(f"energy_vs_depth: {title}/{key}: energies must be positive (log scale)")
            ax.plot(ks, e, color=color(key), lw=2, ls="--" if key == "gat" else "-", label=labels[key])
        if title in theory:
            ks, values, label = theory[title]
            ax.plot(ks, values, color="black", ls=":", lw=1.2, label=label)
        ax.set_yscale("log")
        ax.set_ylim(*ylim)
        ax.set_title(title)
    for ax in axes[-1]:
        ax.set_xlabel("layer $k$")
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    fig.tight_layout()
    handles = {}
    for ax in axes.flat:
        for h, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, h)
    fig.legend(handles.values(), handles.keys(), loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2)
    return fig


def accuracy_vs_depth(panels: Mapping[str, dict], *, model: str = "gcn", xlabel: str = "number of layers",
                      figsize=(11, 4.6)):
    """Train (dashed) and test (solid) accuracy in % against the number of layers (log2 axis), one panel per graph
    (shared y-axis from 0 to 100): a saved grid as mean ± std bands, this page's runs as open markers, and
    reference accuracies (e.g. the most frequent class) as dotted lines. Both curves are the same model, so both
    get its colour. The legend of each panel sits below it.

    Args:
        panels: ``{panel title: dict(saved=..., page=..., references=...)}``, each part optional:
            ``saved``: ``{"train" | "test": {depth: (mean, std, n_splits)}}`` with accuracies in [0, 1];
            ``page``: ``{"train" | "test": {depth: accuracy}}``; ``references``: ``{label: accuracy}``.
        model: the book's colour key of the model.

    Returns the figure. Raises ``ValueError`` for an unknown part or key, or accuracies outside ``[0, 1]``.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color, legend_outside

    if not panels:
        raise ValueError("accuracy_vs_depth: panels must hold at least one panel")
    c = color(model)
    fig, axes = plt.subplots(1, len(panels), figsize=figsize, sharey=True, squeeze=False)
    greys = ["0.3", "0.6", "0.45"]
    depths = set()
    for ax, (title, parts) in zip(axes[0], panels.items()):
        unknown = set(parts) - {"saved", "page", "references"}
        if unknown:
            raise ValueError(
                f"accuracy_vs_depth: {title}: unknown parts {sorted(unknown)}; use saved, page, references"
            )
        for part in ("saved", "page"):
            if set(parts.get(part, {})) - {"train", "test"}:
                raise ValueError(f"accuracy_vs_depth: {title}: {part} keys must be 'train' and 'test'")
        for key, ls, marker, band in (("test", "-", "o", 0.15), ("train", "--", "s", 0.07)):
            saved = parts.get("saved", {}).get(key)
            if saved:
                d = np.array(sorted(saved))
                mean, std = (np.array([saved[k][i] for k in d], dtype=float) for i in (0, 1))
                if mean.min() < 0 or mean.max() > 1:
                    raise ValueError(f"accuracy_vs_depth: {title}: accuracies must lie in [0, 1]")
                ax.plot(d, 100 * mean, ls=ls, color=c, lw=2, label=f"{key}, saved grid ({saved[d[0]][2]} splits)")
                ax.fill_between(d, 100 * (mean - std), 100 * (mean + std), color=c, alpha=band)
                depths |= set(d.tolist())
            page = parts.get("page", {}).get(key)
            if page:
                d, acc = _curve(page, f"accuracy_vs_depth: {title}/{key}")
                if acc.min() < 0 or acc.max() > 1:
                    raise ValueError(f"accuracy_vs_depth: {title}: accuracies must lie in [0, 1]")
                ax.plot(d, 100 * acc, marker, mfc="none", mew=1.5, color=c, ms=8, label=f"{key}, this page (split 0)")
                depths |= set(d.tolist())
        for (label, value), grey in zip(parts.get("references", {}).items(), greys):
            ax.axhline(100 * value, color=grey, ls=":", lw=1.5, label=label)
        ax.set_xscale("log", base=2)
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        legend_outside(ax, where="below", ncol=1)
    ticks = sorted(depths)
    for ax in axes[0]:
        ax.set_xticks(ticks, [str(t) for t in ticks])
    axes[0, 0].set_ylabel("accuracy (%)")
    axes[0, 0].set_ylim(0, 100)
    fig.tight_layout()
    return fig
