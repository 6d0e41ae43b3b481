r"""The ACMP right-hand side as a pure function (book eq. :eq:`acmp`).

.. math::

    \frac{dx_i}{dt} = \alpha \odot \sum_{j \in N(i)} (w_{ji} - \beta)\,(x_j - x_i)
    \;+\; \delta \odot x_i \odot (1 - x_i \odot x_i)

In matrix form, with :math:`M_{ij} = w_{ji} - \beta` on the edges and :math:`m_i = \sum_j M_{ij}`:
:math:`\dot X = \alpha \odot (M X - m \odot X) + \delta \odot X \odot (1 - X \odot X)`. That is one sparse
product plus elementwise work.

The official ACMP code integrates a different field, :math:`\sum_j (w_{ji} - \beta)\,x_j - x_i`
("code" form): it drops the term :math:`(\beta\,d_i - \sum_j w_{ji})\,x_i`, which pushes a node of degree
:math:`d_i` outward at rate :math:`\alpha(\beta d_i - \sum_j w_{ji})`. The vector fields in
:mod:`physgnn.dynamics.fields` offer both through ``form=``; this function is the formula above.
"""

from __future__ import annotations

import torch

from .. import _checks
from .._identity import TensorKey, matches
from .graph import SparseGraph

__all__ = ["acmp_rhs", "FORMS", "signed_flow"]

FORMS = ("paper", "code")

#: the last graph acmp_rhs was called with, laid out (sorted, checked) once: a solver calls it many times on one
#: graph. Keyed on the tensor's identity and in-place version (see physgnn._identity), so it cannot go stale.
_GRAPH: dict = {"key": None, "graph": None}


def _graph(edge_index, n: int) -> SparseGraph:
    if not isinstance(edge_index, torch.Tensor):
        return SparseGraph(edge_index, n)  # raises the clear error
    extra = (n, edge_index.device)
    if not matches(_GRAPH["key"], edge_index, extra=extra):
        _GRAPH["key"], _GRAPH["graph"] = None, None
        graph = SparseGraph(edge_index, n)
        _GRAPH["key"], _GRAPH["graph"] = TensorKey.of(edge_index, extra=extra), graph
        return graph
    return _GRAPH["graph"]


def signed_flow(graph: SparseGraph, values: torch.Tensor, x: torch.Tensor, form: str = "paper") -> torch.Tensor:
    r"""The graph part of the field without α: [N, d].

    ``values`` [E] are the signed couplings :math:`w_{ji} - \beta` in edge order.

    * ``"paper"``: :math:`\sum_j v_{ji}(x_j - x_i) = (M X)_i - m_i x_i`; self-loops cancel.
    * ``"code"``: :math:`\sum_j v_{ji} x_j - x_i`; self-loops count (remove them first).
    """
    mx = graph.propagate(values, x)
    if form == "paper":
        return mx - graph.row_sum(values).unsqueeze(-1) * x
    return mx - x


def acmp_rhs(
    x: torch.Tensor,
    edge_index: torch.Tensor,
    edge_weight: torch.Tensor | None,
    *,
    alpha=1.0,
    beta=0.0,
    delta=0.0,
) -> torch.Tensor:
    r"""dx/dt of ACMP: :math:`\alpha \odot \sum_{j} (w_{ji} - \beta)(x_j - x_i) + \delta \odot x \odot (1 - x^2)`.

    Args:
        x: node features [N, d], floating point.
        edge_index: [2, E] edges j → i (``edge_index[0]`` the source j, ``edge_index[1]`` the target i).
        edge_weight: [E] couplings :math:`w_{ji}`, or ``None`` for all ones.
        alpha: diffusion rate, a scalar or [d] (per channel).
        beta: repulsion, a scalar or 0-d tensor (may require grad).
        delta: Allen–Cahn strength, a scalar or [d].

    Returns:
        [N, d], differentiable in ``x``, ``edge_weight``, ``alpha``, ``beta`` and ``delta``.

    Self-loops contribute nothing (their difference :math:`x_i - x_i` is zero). Every tensor must be on the
    device of ``x``. The sorted layout of ``edge_index`` is kept for the next call with the same, unedited tensor.
    """
    x = _checks.features(x, "acmp_rhs")
    if x.dim() != 2:
        raise ValueError(f"acmp_rhs: x must have shape [N, d], got {tuple(x.shape)}")
    n, d = x.shape
    for name, t in (("edge_index", edge_index), ("edge_weight", edge_weight)):
        if isinstance(t, torch.Tensor) and t.device != x.device:
            raise ValueError(f"acmp_rhs: {name} is on {t.device} but x on {x.device}; move it to {x.device}")
    graph = _graph(edge_index, n)  # sorted and range-checked on the first call for this edge_index only
    w = _checks.edge_weights(edge_weight, graph.num_edges, "acmp_rhs")
    w = x.new_ones(graph.num_edges) if w is None else w.to(x.dtype)
    alpha = _checks.channel_param(alpha, d, "alpha", "acmp_rhs", x)
    delta = _checks.channel_param(delta, d, "delta", "acmp_rhs", x)
    beta = _checks.scalar_param(beta, "beta", "acmp_rhs", x)
    out = alpha * signed_flow(graph, w - beta, x, "paper")
    return out + delta * x * (1 - x * x)
