r"""ACMP and GRAND with K members integrated as one ODE on the block-diagonal graph of K copies.

Member k integrates its own field (book eq. :eq:`acmp`) on its own block of the state:

.. math::

    \dot H_k = \alpha_k \odot S_k H_k + \delta_k \odot H_k \odot (1 - H_k \odot H_k),\qquad k = 1, \dots, K,

with :math:`S_k` the linear part of :meth:`physgnn.dynamics.GraphField.operator` (couplings :math:`a_{ij} - \beta_k`
off the diagonal). Stacked, this is one field on [K·N, d] whose operator is
:math:`\operatorname{diag}(S_1, \dots, S_K)`: one sparse product per evaluation for all members. Fixed couplings
(``"gcn"``, ``"rw"``) are the same in every block; attention couplings are computed per block from member k's
query and key (one sampled product on the union graph), and a learned β is one value per member. When the
couplings are fixed and β is fixed (the same in every member of a cell), all :math:`S_k` are one matrix S, and
the state is laid out node-major, [N, K·d], so that one product with S serves every member
(:mod:`physgnn.cell.shared`). The solve is torchdiffeq's ``odeint`` with a fixed step: the same steps for every
member as it would take alone, so each member follows its separate run's trajectory to rounding; an adaptive
solver (dopri5) would choose one step size for all and is refused.

Shapes: ``forward(x, edge_index)``: x [N, F], edge_index [2, E] → logits [K, N, C].
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.utils import remove_self_loops
from torchdiffeq import odeint

from .. import _checks
from .._identity import TensorKey, matches
from ..dynamics.coupling import attention_weights, coupling as make_coupling
from ..dynamics.graph import SparseGraph
from ..models.acmp import ACMP, GRAND
from .dropout import dropout
from .layers import InputLayer, check_features, linear, stack, union_edges
from .shared import shared_field

#: the fixed-step methods of torchdiffeq that a stacked solve accepts
METHODS = ("euler", "midpoint", "rk4")

__all__ = ["StackedSolve", "StackedODE"]


class _StackedField(nn.Module):
    """f(t, H) of every member on the [K·N, d] state; :meth:`prepare` starts a solve (couplings, rates)."""

    def __init__(self, fields, members: int):
        super().__init__()
        first = fields[0]
        self.members, self.channels = members, first.channels
        self.kind, self.form = first.coupling_kind, first.form
        self.query = self.key = None
        if self.kind == "attention":
            self.query = nn.Parameter(stack([f.query.weight for f in fields]))
            self.key = nn.Parameter(stack([f.key.weight for f in fields]))
        self._rate("raw_alpha", [f._raw_alpha for f in fields])
        self._rate("raw_delta", None if first._raw_delta is None else [f._raw_delta for f in fields])
        if first.beta is None:
            self.beta = None
        elif isinstance(first.beta, nn.Parameter):
            self.beta = nn.Parameter(stack([f.beta for f in fields]))
        else:
            self.register_buffer("beta", stack([f.beta for f in fields]))
        # fixed couplings and one fixed β: every member has the same operator S, so the state is laid out
        # node-major [N, K·d] and one product with S serves all (physgnn.cell.shared); otherwise each member has
        # its own S_k and the state is member-major [K·N, d] on the block-diagonal graph
        self.shared = self.kind != "attention" and not isinstance(self.beta, nn.Parameter) and (
            self.beta is None or bool((self.beta == self.beta[0]).all()))
        self._graph_key = None
        self._op = self._alpha = self._delta = None

    def _rate(self, name, tensors):
        """α or δ [K, d]: a parameter if the members learn it, else a buffer (``None``: the term is off)."""
        if tensors is not None and tensors[0].requires_grad:
            setattr(self, name, nn.Parameter(stack(tensors)))
        else:
            self.register_buffer(name, None if tensors is None else stack(tensors))

    def bind(self, edge_index: torch.Tensor, num_nodes: int) -> None:
        """The union graph of K copies (self-loops dropped, as each member's field drops them)."""
        extra = (num_nodes, edge_index.device)
        if matches(self._graph_key, edge_index, extra=extra):
            return
        ei, _ = remove_self_loops(_checks.edges(edge_index, num_nodes, "StackedODE"))
        self.num_nodes, self.num_edges = num_nodes, ei.size(1)
        copies = 1 if self.shared else self.members
        union = union_edges(ei, num_nodes, copies)
        self.graph = SparseGraph(union, num_nodes * copies)
        self.pattern = self.graph.with_diagonal()
        self.weight = None if self.kind == "attention" else make_coupling(union, num_nodes * copies, self.kind)
        self._graph_key = TensorKey.of(edge_index, extra=extra)

    def prepare(self, h0: torch.Tensor) -> None:
        """h0 [K, N, d]: couplings (attention from each member's H(0)), the block operator and the rates."""
        dtype = h0.dtype
        weight = self.weight
        if self.kind == "attention":
            flat = lambda w: linear(h0, w, None).reshape(-1, self.channels)  # noqa: E731
            weight = attention_weights(flat(self.query), flat(self.key), self.graph.edge_index, self.graph)
        values = weight.to(dtype)
        if self.beta is not None:
            beta = self.beta.to(dtype)
            values = values - (beta[0] if self.shared else beta.repeat_interleave(self.num_edges))
        if self.form == "paper":
            diagonal = -self.graph.row_sum(values)
        else:
            diagonal = -torch.ones(self.graph.num_nodes, dtype=dtype, device=values.device)
        self._op = self.pattern.sort(torch.cat([values, diagonal]))
        alpha = nn.functional.softplus(self.raw_alpha).to(dtype)
        delta = None if self.raw_delta is None else nn.functional.softplus(self.raw_delta).to(dtype)
        if self.shared:  # S and Sᵀ as CSR matrices, and the rates [K, d] that act column-wise
            p, n = self.pattern, self.num_nodes
            op = self._op.detach()
            self._s = torch.sparse_csr_tensor(p.crow, p.col, op, (n, n), check_invariants=False)
            self._st = torch.sparse_csr_tensor(p.crow_t, p.col_t, op[p.order_t], (n, n), check_invariants=False)
            self._alpha, self._delta = alpha, delta
        else:  # [K, 1, d], to broadcast over each member's block of nodes
            self._alpha, self._delta = alpha.unsqueeze(1), None if delta is None else delta.unsqueeze(1)

    def release(self) -> None:
        self._op = self._alpha = self._delta = self._s = self._st = None

    def keep(self, index: list[int]) -> None:
        """Keep the members at ``index`` (parameters are sliced by the caller, buffers here); rebind the graph."""
        self.members = len(index)
        for name in ("beta", "raw_alpha", "raw_delta"):
            b = self._buffers.get(name)
            if b is not None:
                self._buffers[name] = b[index].clone()
        self._graph_key = None

    def forward(self, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        k, n, d = self.members, self.num_nodes, self.channels
        if self.shared:  # x node-major [N, K·d]
            return shared_field(x, self._s, self._st, k, self._alpha, self._delta)
        scaled = (x.view(k, n, d) * self._alpha).view(k * n, d)
        out = self.pattern.propagate(self._op, scaled, sorted_values=True)
        if self._delta is None:
            return out
        well = torch.addcmul(x, x * x, x, value=-1).view(k, n, d)
        return out.view(k, n, d).addcmul_(well, self._delta).view(k * n, d)


class StackedSolve(nn.Module):
    """What every stacked ODE classifier shares: K members' encoders and decoders stacked as [K, ...] parameters,
    member k's dropout drawn from ``generators[k]``, one fixed-step solve of ``field`` for all members, and
    :meth:`keep` to drop stopped members. Subclasses build ``field`` and write ``forward``."""

    def _stack(self, models, generators, field: nn.Module, tanh: bool) -> None:
        first = models[0]
        if first.ode.method == "dopri5":
            raise ValueError("fit_cell: method='dopri5' chooses one step size for all members, so they would not match their separate runs; "
                             "use a fixed-step method (euler, midpoint, rk4) or train with physgnn.train.fit")
        if first.ode.method not in METHODS:
            raise ValueError(f"fit_cell: method={first.ode.method!r} is not one of the stacked solver's methods ({', '.join(METHODS)}); "
                             "use one of them or train with physgnn.train.fit")
        if first.ode.adjoint:
            raise ValueError("fit_cell: adjoint=True is not supported for stacked members; use adjoint=False or train with physgnn.train.fit")
        self.members = len(models)
        self.generators = list(generators)
        self.tanh = tanh
        self.in_channels, self.hidden = first.in_channels, first.hidden
        self.dropout_in, self.dropout = first.dropout_in, first.dropout
        self.T, self.method, self.step_size = first.ode.T, first.ode.method, first.ode.step_size
        self.enc_weight = nn.Parameter(stack([m.encoder.weight.t() for m in models]))  # [K, F, d], see InputLayer
        self.enc_bias = nn.Parameter(stack([m.encoder.bias for m in models]))
        self.dec_weight = nn.Parameter(stack([m.decoder.weight for m in models]))
        self.dec_bias = nn.Parameter(stack([m.decoder.bias for m in models]))
        self.field = field
        self.input = InputLayer()

    def keep(self, index: list[int]) -> None:
        """Keep the members at ``index`` (see :func:`physgnn.cell.fit._shrink`, which slices the parameters)."""
        self.members = len(index)
        self.generators = [self.generators[i] for i in index]
        self.field.keep(index)
        self.input = InputLayer()

    def solve(self, h0: torch.Tensor) -> torch.Tensor:
        """H(T) of every member from H(0), by torchdiffeq's ``odeint`` with fixed steps of ``step_size``."""
        t = torch.tensor([0.0, self.T], dtype=h0.dtype, device=h0.device)
        return odeint(self.field, h0, t, method=self.method, options={"step_size": self.step_size})[-1]

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """H(0) of every member, [K, N, d]: input dropout, the stacked encoder, and tanh where the model has it."""
        h0 = self.input(x, self.enc_weight, self.enc_bias, self.dropout_in, self.training, self.generators)
        return torch.tanh(h0) if self.tanh else h0

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        """Logits [K, N, C] from the member-major states h [K, N, d]: ReLU, dropout, the stacked decoder."""
        return linear(dropout(torch.relu(h), self.dropout, self.training, self.generators), self.dec_weight, self.dec_bias)


class StackedODE(StackedSolve):
    """K copies of one :class:`~physgnn.models.ACMP` or :class:`~physgnn.models.GRAND` configuration, each with
    the parameters of ``models[k]``; ``generators[k]`` draws member k's dropout masks (see
    :mod:`physgnn.cell.dropout`)."""

    def __init__(self, models, generators):
        super().__init__()
        first = models[0]
        if type(first) not in (ACMP, GRAND):  # other ODE classifiers (OfficialACMP) integrate other fields
            raise ValueError(f"StackedODE: models must be ACMP or GRAND, got {type(first).__name__}")
        if first.field.coupling_kind == "given":
            raise ValueError("fit_cell: fields with given edge weights are not supported; use coupling='gcn', 'rw' or 'attention'")
        self._stack(models, generators, _StackedField([m.field for m in models], len(models)), isinstance(first, ACMP))

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x = check_features(x, self.in_channels, "StackedODE")
        k, n = self.members, x.size(0)
        self.field.bind(edge_index, n)
        h0 = self.encode(x)
        d = self.hidden
        self.field.prepare(h0)
        try:
            if self.field.shared:  # node-major [N, K·d]: one product with the shared S per evaluation
                h = self.solve(h0.transpose(0, 1).reshape(n, k * d)).view(n, k, d).transpose(0, 1).contiguous()
            else:
                h = self.solve(h0.reshape(k * n, d)).view(k, n, d)
        finally:
            self.field.release()
        return self.decode(h)
