r"""The official ACMP code's model (:class:`~physgnn.models.OfficialACMP`) with K members integrated as one ODE.

Member k integrates the official field (:class:`~physgnn.dynamics.official.OfficialACMPField`) with its own rates:

.. math::

    \dot H_k = \alpha_k \odot (S H_k - H_k) + \delta_k \odot H_k \odot (1 - H_k \odot H_k),\qquad
    \alpha_k = \sigma(a_k),\ \delta_k = \sigma(b_k),

where S (:math:`\tilde A\tilde D^{-1} - \beta P` or the book's :math:`D^{-1}A - \beta`) is fixed: it depends on the
graph, the couplings and the fixed β only, so it is **the same matrix for every member**. The K states are laid
side by side as one [N, K·d] matrix (node-major: row i holds node i of every member), and one sparse product
with :math:`S - I` (the −1 folded into the diagonal) serves all members; the rates act column-wise. The
evaluation is the shared-operator field of :mod:`physgnn.cell.shared`, :math:`(S - I)(H \odot \alpha) + \delta \odot
H \odot (1 - H \odot H)`. Member k's columns never meet another member's, and a fixed-step solver takes for each
member exactly the steps of its separate run, so each member follows its separate trajectory to rounding.

Shapes: ``forward(x, edge_index)``: x [N, F], edge_index [2, E] → logits [K, N, C].
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.utils import coalesce

from .. import _checks
from .._identity import TensorKey, matches
from ..dynamics.graph import SparseGraph
from ..dynamics.official import official_couplings
from ..models.acmp import OfficialACMP
from .layers import check_features, stack
from .ode import StackedSolve
from .shared import shared_field

__all__ = ["StackedOfficialACMP"]

#: what must be equal in every member (the members differ only in their parameters)
_CONFIG = ("tanh", "dropout_in", "dropout", "hidden", "in_channels")
_SOLVE = ("T", "method", "step_size", "adjoint")
_FIELD = ("beta", "couplings", "channels")


def _configuration(model: OfficialACMP) -> tuple:
    return (tuple(getattr(model, a) for a in _CONFIG) + tuple(getattr(model.ode, a) for a in _SOLVE)
            + tuple(getattr(model.field, a) for a in _FIELD) + (model.field._raw_delta is None, model.decoder.out_features))


class _StackedOfficialField(nn.Module):
    """f(t, H) of every member on the node-major state [N, K·d]; :meth:`prepare` builds S − I, its transpose and the
    rates once per solve."""

    def __init__(self, fields, members: int):
        super().__init__()
        first = fields[0]
        self.members, self.channels = members, first.channels
        self.beta, self.couplings = first.beta, first.couplings
        self.raw_alpha = nn.Parameter(stack([f._raw_alpha for f in fields]))  # [K, d]
        self.raw_delta = None if first._raw_delta is None else nn.Parameter(stack([f._raw_delta for f in fields]))
        self._graph_key = None
        self.release()

    def bind(self, edge_index: torch.Tensor, num_nodes: int) -> None:
        """S − I of the graph (the same couplings as each member's field), laid out once per graph."""
        extra = (num_nodes, edge_index.device)
        if matches(self._graph_key, edge_index, extra=extra):
            return
        pairs, values = official_couplings(_checks.edges(edge_index, num_nodes, "StackedOfficialACMP"), num_nodes,
                                           self.couplings, self.beta, "StackedOfficialACMP")
        # S − I: the −1 of every node added to its diagonal entry (created where the couplings have none), so that
        # the flow S H − H is one product
        loops = torch.arange(num_nodes, device=pairs.device).repeat(2, 1)
        minus_one = values.new_full((num_nodes,), -1.0)
        pairs, values = coalesce(torch.cat([pairs, loops], 1), torch.cat([values, minus_one]), num_nodes)
        self.num_nodes = num_nodes
        self.graph = SparseGraph(pairs, num_nodes).to(edge_index.device)
        self.values64 = self.graph.sort(values.to(edge_index.device))
        self._graph_key = TensorKey.of(edge_index, extra=extra)

    def prepare(self, dtype: torch.dtype) -> None:
        """S − I and its transpose as CSR matrices in ``dtype`` and the rates α, δ [K, d] for one solve."""
        g, n = self.graph, self.num_nodes
        values = self.values64.to(dtype)
        self._s = torch.sparse_csr_tensor(g.crow, g.col, values, (n, n), check_invariants=False)
        self._st = torch.sparse_csr_tensor(g.crow_t, g.col_t, values[g.order_t], (n, n), check_invariants=False)
        self._alpha = torch.sigmoid(self.raw_alpha).to(dtype)
        self._delta = None if self.raw_delta is None else torch.sigmoid(self.raw_delta).to(dtype)

    def release(self) -> None:
        self._s = self._st = self._alpha = self._delta = None

    def keep(self, index: list[int]) -> None:
        """Keep the members at ``index`` (the caller slices the parameters; S is shared, so nothing else changes)."""
        self.members = len(index)

    def forward(self, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return shared_field(x, self._s, self._st, self.members, self._alpha, self._delta)


class StackedOfficialACMP(StackedSolve):
    """K copies of one :class:`~physgnn.models.OfficialACMP` configuration (any ``tanh``, ``delta`` initial value or
    ``None``, ``couplings``, fixed ``beta``), each with the parameters of ``models[k]``; ``generators[k]`` draws member
    k's dropout masks (see :mod:`physgnn.cell.dropout`)."""

    def __init__(self, models, generators):
        super().__init__()
        first = models[0]
        if type(first) is not OfficialACMP:
            raise ValueError(f"StackedOfficialACMP: models must be OfficialACMP, got {type(first).__name__}")
        config = _configuration(first)
        if any(type(m) is not OfficialACMP or _configuration(m) != config for m in models):
            raise ValueError("fit_cell: make_model() must build the same OfficialACMP configuration every time (tanh, delta on/off, "
                             "couplings, beta, T, solver, widths, dropout); got members that differ")
        self._stack(models, generators, _StackedOfficialField([m.field for m in models], len(models)), first.tanh)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x = check_features(x, self.in_channels, "StackedOfficialACMP")
        k, n, d = self.members, x.size(0), self.hidden
        self.field.bind(edge_index, n)
        h0 = self.encode(x).transpose(0, 1).reshape(n, k * d)  # node-major [N, K·d]
        self.field.prepare(h0.dtype)
        try:
            h = self.solve(h0)
        finally:
            self.field.release()
        # member-major [K, N, d]: each member's dropout draws in its order
        return self.decode(h.view(n, k, d).transpose(0, 1).contiguous())
