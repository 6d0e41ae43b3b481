r"""Did a cell's runs converge within their epoch budget? The early-stopping check of a results table.

A run trained with :func:`physgnn.train.fit` (or :func:`physgnn.cell.fit_cell`) for at most ``epochs`` epochs,
stopping ``patience`` epochs after its best validation epoch :math:`b` (counted from 0), stops early only when

.. math::

    b + \text{patience} \le \text{epochs} - 1 .

A run whose best epoch lies later, :math:`b \ge \text{epochs} - \text{patience}`, was still improving (or had
improved recently) when the cap ended it: early stopping never fired, and more epochs might have scored
differently. A **cell** (the ten splits of one dataset and model) is *at the cap* when the median of its best
epochs lies in that last stretch: then most of its runs were cut off by the budget rather than stopped by the
validation curve. :func:`at_cap` is that rule; :func:`budget_check` applies it to every cell of a table.
"""

from __future__ import annotations

import statistics
from typing import Mapping

__all__ = ["at_cap", "budget_check"]


def _positive(name: str, value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive integer, got {value!r}")
    return value


def at_cap(best_epochs, epochs: int, patience: int) -> bool:
    """True when the median of ``best_epochs`` (0-based best validation epochs of a cell's runs) is at least
    ``epochs - patience``: the median run never stopped early within the cap of ``epochs`` epochs.

    Args:
        best_epochs: the runs' best epochs, integers in ``0 .. epochs - 1`` (at least one).
        epochs: the cap (most epochs a run may train).
        patience: epochs without a better validation score after which a run stops (``patience < epochs``).
    """
    epochs = _positive("epochs", epochs, "at_cap")
    patience = _positive("patience", patience, "at_cap")
    if patience >= epochs:
        raise ValueError(f"at_cap: patience ({patience}) must be smaller than epochs ({epochs}); "
                         "otherwise no run can ever stop early")
    best = list(best_epochs)
    if not best:
        raise ValueError("at_cap: best_epochs is empty; give the best epoch of every run of the cell")
    for b in best:
        if isinstance(b, bool) or not isinstance(b, int) or not 0 <= b < epochs:
            raise ValueError(f"at_cap: every best epoch must be an integer in 0..{epochs - 1} (0-based, below the cap), "
                             f"got {b!r}")
    return statistics.median(best) >= epochs - patience


def budget_check(best_epochs: Mapping, budgets: Mapping) -> dict:
    """Apply :func:`at_cap` to every cell.

    Args:
        best_epochs: cell → list of its runs' best epochs (a cell is any hashable key, e.g. (dataset, model)).
        budgets: cell → ``(epochs, patience)`` of that cell's training.

    Returns:
        cell → ``{"median_best": float, "epochs": int, "patience": int, "at_cap": bool, "runs": int}``.
    """
    missing = [c for c in best_epochs if c not in budgets]
    if missing:
        raise ValueError(f"budget_check: no (epochs, patience) budget given for cell(s) {missing[:3]}")
    out = {}
    for cell, best in best_epochs.items():
        epochs, patience = budgets[cell]
        best = list(best)
        out[cell] = {"median_best": float(statistics.median(best)) if best else float("nan"), "epochs": epochs,
                     "patience": patience, "at_cap": at_cap(best, epochs, patience), "runs": len(best)}
    return out
