"""How many members of one cell a batch may hold: the memory that a stacked ODE keeps for its backward pass.

A stacked ODE model of K members keeps, for every field evaluation of its training solve, a few float32 states of
shape [K·N, d] for the backward pass (the stage state, the flow and the solver's running sums; measured about 6.3
per evaluation for the official ACMP on Texas, bounded here by :data:`SAVED_PER_EVALUATION`). With E evaluations per
forward pass (stages × ⌈T/τ⌉), one member costs about ``N · d · 4 bytes · E · SAVED_PER_EVALUATION``; a batch holds
as many members as fit in :data:`BATCH_BYTES`. Discrete models (GCN, GCNII, MLP) keep a few [N, d] tensors per layer
and are never the limit: they return ``None`` (no cap).
"""

from __future__ import annotations

import math

from torch import nn

from ..models import ACMP, GCN, GCNII, GRAND, MLP

__all__ = ["BATCH_BYTES", "SAVED_PER_EVALUATION", "STACKABLE", "members_per_batch", "stacks"]

#: most memory (bytes) that the saved states of one batch may take; members beyond it train in further batches
BATCH_BYTES = 2 * 2**30
#: float32 states of the ODE state's size kept per field evaluation (measured ~6.3 on Texas; bounded by 8)
SAVED_PER_EVALUATION = 8
_STAGES = {"euler": 1, "midpoint": 2, "rk4": 4}


def members_per_batch(net: nn.Module, num_nodes: int, budget: int = BATCH_BYTES) -> int | None:
    """Members of ``net``'s configuration that one batch holds within ``budget`` bytes (at least 1), or ``None``
    when ``net`` has no ODE solve (a discrete model: no cap).

    Args:
        net: one member, an ODE model with ``net.ode`` (``method``, ``T``, ``step_size``) and ``net.hidden``.
        num_nodes: N, nodes of the graph.
        budget: bytes the saved states may take.
    """
    if isinstance(num_nodes, bool) or not isinstance(num_nodes, int) or num_nodes < 1:
        raise ValueError(f"members_per_batch: num_nodes must be a positive integer, got {num_nodes!r}")
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise ValueError(f"members_per_batch: budget must be a positive number of bytes, got {budget!r}")
    ode = getattr(net, "ode", None)
    if ode is None:
        return None
    evaluations = _STAGES.get(ode.method, 6) * math.ceil(ode.T / ode.step_size - 1e-9)
    per_member = num_nodes * net.hidden * 4 * evaluations * SAVED_PER_EVALUATION
    return max(1, budget // per_member)


#: models whose members :func:`physgnn.cell.fit_cell` stacks (ODE models with a fixed-step solver and no adjoint)
STACKABLE = (ACMP, GRAND, GCN, GCNII, MLP)


def stacks(net: nn.Module, settings: dict) -> bool:
    """True when runs of ``net`` built with ``settings`` (a reproduce setting: ``method``, ``adjoint``) can train as one
    stacked cell: a model of :data:`STACKABLE`, a fixed-step solver, no adjoint."""
    return type(net) in STACKABLE and settings.get("method", "rk4") != "dopri5" and not settings.get("adjoint", False)
