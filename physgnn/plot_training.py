"""Figures of training runs (Chapter 7): loss and validation accuracy per epoch, one column per graph.

Each helper draws one whole figure in the book's style (:func:`physgnn.plot.style`) and returns it; a chapter shows
it and closes it. Models keep the book's colours (:func:`physgnn.plot.color`).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

__all__ = ["MODEL_LABELS", "training_curves"]

#: The name of each model as the book's legends and tables print it, keyed like ``physgnn.plot.COLORS``.
MODEL_LABELS = {
    "acmp": "ACMP-GCN",
    "acmp-gcn": "ACMP-GCN",
    "acmp-gat": "ACMP-GAT",
    "official": "ACMP (official configuration)",
    "gcn": "GCN",
    "gat": "GAT",
    "gcnii": "GCNII",
    "grand": "GRAND (diffusion)",
    "mlp": "MLP",
}


def training_curves(runs: Mapping[str, Mapping[str, object]], *, labels: Mapping[str, str] | None = None,
                    figsize=(11, 6.2)):
    """Training loss (top, log scale) and validation accuracy (bottom, 0 to 1) per epoch, one column per graph and
    one curve per model, with a dot at each run's selected epoch (its best validation accuracy). The legend sits
    below the figure, outside the curves.

    Args:
        runs: ``{column title: {model key: run}}``, e.g. ``{"Texas, split 0": {"gcn": run}}``; a run has
            ``history["loss"]`` and ``history["val"]`` (``[epochs]`` each), ``best_epoch`` (0-based) and ``val``
            (the selected validation accuracy), as ``physgnn.train.FitResult`` does. Model keys name the book's
            colours (``"gcn"``, ``"acmp"``...).
        labels: legend text per model key (default: ``MODEL_LABELS``, then the key).

    Returns the figure. Raises ``ValueError`` for an empty mapping, a run without these fields, histories of
    different lengths, or a best epoch outside the history.
    """
    import matplotlib.pyplot as plt

    from physgnn.plot import color

    if not runs or not all(runs.values()):
        raise ValueError("training_curves: runs must map each graph to at least one model's run")
    labels = MODEL_LABELS if labels is None else labels
    fig, axes = plt.subplots(2, len(runs), figsize=figsize, sharex="col", squeeze=False)
    for col, (graph, by_model) in enumerate(runs.items()):
        for key, run in by_model.items():
            try:
                loss, val = np.asarray(run.history["loss"], float), np.asarray(run.history["val"], float)
                best, best_val = int(run.best_epoch), float(run.val)
            except (AttributeError, KeyError, TypeError) as err:
                raise ValueError(f"training_curves: {graph}/{key} needs history['loss'], history['val'], best_epoch "
                                 f"and val, like physgnn.train.FitResult ({err})") from None
            if loss.shape != val.shape or loss.ndim != 1:
                raise ValueError(
                    f"training_curves: {graph}/{key}: loss and val histories must have one value per epoch"
                )
            if not 0 <= best < len(val):
                raise ValueError(f"training_curves: {graph}/{key}: best_epoch {best} outside 0 .. {len(val) - 1}")
            epochs = np.arange(1, len(loss) + 1)
            c = color(key)
            axes[0, col].plot(epochs, loss, color=c, label=labels.get(key, key))
            axes[1, col].plot(epochs, val, color=c, label=labels.get(key, key))
            axes[1, col].plot(best + 1, best_val, "o", color=c)
        axes[0, col].set_yscale("log")
        axes[0, col].set_title(graph)
        axes[0, col].set_ylabel("training loss (log scale)")
        axes[1, col].set_ylabel("validation accuracy")
        axes[1, col].set_xlabel("epoch")
        axes[1, col].set_ylim(0, 1)
    fig.tight_layout()
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(names))
    return fig
