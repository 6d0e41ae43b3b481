"""Every split and seed of one cell (dataset, model, setting) trained at once, each member scoring as its separate run.

``fit_cell(make_model, data, [(split, seed), ...], **fit_kwargs)`` → one :class:`physgnn.train.FitResult` per member.
"""

from .fit import fit_cell, stack_models

__all__ = ["fit_cell", "stack_models"]
