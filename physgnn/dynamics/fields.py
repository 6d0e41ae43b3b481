r"""Vector fields on graphs as ``nn.Module``\ s called as ``f(t, x)``: the forces of the book.

One class holds the general field (book eq. :eq:`acmp`),

.. math::

    \frac{dx_i}{dt} = \alpha \odot \sum_{j \in N(i)} (a_{ij} - \beta)\,(x_j - x_i)
    \;+\; \delta \odot x_i \odot (1 - x_i \odot x_i),

and four named fields switch its terms on:

=============================  =========  =========  ==========
field                          attraction repulsion  double well
=============================  =========  =========  ==========
:class:`Diffusion`             yes        no (β=0)   no (δ=0)
:class:`AttractionRepulsion`   yes        yes        no
:class:`AllenCahn`             yes        no         yes
:class:`ACMPField`             yes        yes        yes
=============================  =========  =========  ==========

α and δ are positive per-channel parameters (through a softplus); β is a scalar, fixed or learnable.
``form="code"`` integrates the official ACMP code's field :math:`\sum_j (a_{ij} - \beta)x_j - x_i` instead of
the paper's; see :mod:`physgnn.dynamics.rhs` for the difference. Self-loops are dropped: they carry no force.

Shapes: ``x`` [N, d] → [N, d]. Each call adds one to ``nfe`` (the number of function evaluations).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch_geometric.utils import remove_self_loops

from .. import _checks
from .coupling import COUPLINGS, attention_weights, coupling as make_coupling
from .graph import SparseGraph
from .rhs import FORMS

__all__ = ["GraphField", "Diffusion", "AttractionRepulsion", "AllenCahn", "ACMPField"]


def _inv_softplus(value: float) -> float:
    return value + math.log(-math.expm1(-value))


class GraphField(nn.Module):
    """The general field; prefer the four named subclasses, which say which forces act.

    Args:
        edge_index: [2, E] edges j → i.
        num_nodes: N.
        channels: d, the number of feature channels.
        coupling: ``"gcn"``, ``"rw"`` or ``"attention"`` (learned query/key on the features at t = 0; call
            :meth:`prepare` with them before integrating).
        edge_weight: [E] fixed couplings instead of ``coupling``.
        alpha: initial diffusion rate (> 0), one value for all channels.
        beta: repulsion (``None`` switches the term off).
        delta: initial Allen–Cahn strength (> 0; ``None`` switches the term off).
        learn_alpha, learn_beta, learn_delta: make the parameter trainable.
        form: ``"paper"`` or ``"code"``.
    """

    def __init__(
        self,
        edge_index: torch.Tensor,
        num_nodes: int,
        channels: int,
        *,
        coupling: str = "gcn",
        edge_weight: torch.Tensor | None = None,
        alpha: float = 1.0,
        beta: float | None = None,
        delta: float | None = None,
        learn_alpha: bool = True,
        learn_beta: bool = False,
        learn_delta: bool = True,
        form: str = "paper",
    ):
        super().__init__()
        where = type(self).__name__
        if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
            raise ValueError(f"{where}: channels must be a positive integer, got {channels!r}")
        self.channels = channels
        self.form = _checks.choice(form, FORMS, "form", where)
        self.coupling_kind = _checks.choice(coupling, COUPLINGS, "coupling", where) if edge_weight is None else "given"
        self.query = self.key = None
        if self.coupling_kind == "attention":
            self.query = nn.Linear(channels, channels, bias=False)
            self.key = nn.Linear(channels, channels, bias=False)
        self._given_weight = edge_weight
        self._raw_alpha = self._positive("alpha", alpha, learn_alpha, where)
        self._raw_delta = None if delta is None else self._positive("delta", delta, learn_delta, where)
        if beta is not None and (isinstance(beta, bool) or not isinstance(beta, (int, float))):
            raise ValueError(f"{where}: beta must be a number, got {beta!r}")
        if beta is not None and learn_beta:
            self.beta = nn.Parameter(torch.tensor(float(beta)))
        else:
            self.register_buffer("beta", None if beta is None else torch.tensor(float(beta)))
        # at construction the graph lives where edge_index is (move the field there with .to); later re-binds
        # follow the field's parameters (see set_graph)
        self.set_graph(edge_index, num_nodes, device=edge_index.device if isinstance(edge_index, torch.Tensor) else None)
        self.nfe = 0

    def _positive(self, name, value, learn, where):
        _checks.positive(value, name, where)
        raw = torch.full((self.channels,), _inv_softplus(float(value)))
        if learn:
            return nn.Parameter(raw)
        self.register_buffer(f"_raw_{name}_fixed", raw)
        return getattr(self, f"_raw_{name}_fixed")

    # -- the graph ---------------------------------------------------------------------------------
    def set_graph(self, edge_index: torch.Tensor, num_nodes: int, device: torch.device | str | None = None) -> None:
        """(Re)bind the field to a graph; fixed couplings are computed here, once. The graph lives on ``device``,
        by default the device of the field's parameters (wherever ``edge_index`` is)."""
        where = type(self).__name__
        edge_index = _checks.edges(edge_index, num_nodes, where)
        device = torch.device(device) if device is not None else self._raw_alpha.device
        edge_index = edge_index.to(device)
        weight = self._given_weight
        if weight is not None:
            weight = _checks.edge_weights(weight, edge_index.size(1), where).to(device)
            edge_index, weight = remove_self_loops(edge_index, weight)
        else:
            edge_index, _ = remove_self_loops(edge_index)
        self.graph = SparseGraph(edge_index, num_nodes).to(device)
        # the same pattern plus the diagonal: the whole linear part is then one CSR matrix (see operator())
        self.pattern = self.graph.with_diagonal().to(device)
        self._operator = None
        self._rates = None
        if self.coupling_kind in ("gcn", "rw"):
            weight = make_coupling(edge_index, num_nodes, self.coupling_kind)
        self.register_buffer("weight", None if weight is None else weight.to(device), persistent=False)

    def prepare(self, x0: torch.Tensor, cache: bool = True) -> None:
        """Start a solve: compute attention couplings from the features at t = 0, and (with ``cache``) build the
        linear operator once for all the evaluations of this solve. :meth:`release` ends it."""
        if self.coupling_kind == "attention":
            x0 = _checks.features(x0, type(self).__name__)
            self.weight = attention_weights(self.query(x0), self.key(x0), self.graph.edge_index, self.graph)
        self._operator = self.operator(x0.dtype) if cache else None
        self._rates = self._rates_for(x0.dtype) if cache else None

    def release(self) -> None:
        """End a solve: drop the cached operator and rates (parameters may change before the next one)."""
        self._operator = None
        self._rates = None

    def _rates_for(self, dtype: torch.dtype):
        """(α, δ or None) in ``dtype``: softplus of the raw parameters, once per solve when cached."""
        delta = self.delta
        return self.alpha.to(dtype), None if delta is None else delta.to(dtype)

    def operator(self, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        r"""The linear part S as its values [E + N] on ``self.pattern`` (CSR order), so that the graph force is
        :math:`S X` = ``pattern.propagate(values, X, sorted_values=True)``; ``pattern.matrix`` gives S itself.

        Paper form: :math:`S = M - \operatorname{diag}(M\mathbf 1)` with :math:`M_{ij} = a_{ij} - \beta` on the edges
        (each row of S sums to 0). Code form: :math:`S = M - I`. Differentiable in the weights and β.
        """
        if self.weight is None:
            raise ValueError(f"{type(self).__name__}: attention couplings are not set; call prepare(x0) first")
        values = self.weight.to(dtype)
        if self.beta is not None:
            values = values - self.beta.to(dtype)
        if self.form == "paper":
            diagonal = -self.graph.row_sum(values)
        else:
            diagonal = -torch.ones(self.graph.num_nodes, dtype=dtype, device=values.device)
        return self.pattern.sort(torch.cat([values, diagonal]))

    # -- parameters --------------------------------------------------------------------------------
    @property
    def alpha(self) -> torch.Tensor:
        """[d] diffusion rate, positive."""
        return nn.functional.softplus(self._raw_alpha)

    @property
    def delta(self) -> torch.Tensor | None:
        """[d] Allen–Cahn strength, positive (``None`` when the double well is off)."""
        return None if self._raw_delta is None else nn.functional.softplus(self._raw_delta)

    def forward(self, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        self.nfe += 1
        if x.dim() != 2 or x.size(0) != self.graph.num_nodes or x.size(1) != self.channels:
            raise ValueError(
                f"{type(self).__name__}: x must have shape [{self.graph.num_nodes}, {self.channels}], got {tuple(x.shape)}"
            )
        cached = self._operator is not None and self._operator.dtype == x.dtype
        op = self._operator if cached else self.operator(x.dtype)
        alpha, delta = self._rates if cached and self._rates is not None else self._rates_for(x.dtype)
        # α scales columns, so α ⊙ (S X) = S (X ⊙ α): one sparse product
        out = self.pattern.propagate(op, x * alpha, sorted_values=True)
        if delta is None:
            return out
        # δ ⊙ x(1 − x²) as δ ⊙ (x − x·x·x): three elementwise passes instead of four
        return out.addcmul_(torch.addcmul(x, x * x, x, value=-1), delta)

    def extra_repr(self) -> str:
        beta = None if self.beta is None else round(float(self.beta), 4)
        return f"channels={self.channels}, coupling={self.coupling_kind!r}, beta={beta}, double_well={self._raw_delta is not None}, form={self.form!r}"


class Diffusion(GraphField):
    r"""Graph diffusion (heat equation): :math:`\dot x_i = \alpha \odot \sum_j a_{ij}(x_j - x_i)`. No β, no δ.

    In matrix form this is :math:`\dot X = -\alpha (D_a - A) X` with :math:`D_a = \operatorname{diag}(\sum_j a_{ij})`,
    the Laplacian *of the coupling matrix*. With ``coupling="rw"`` the rows of :math:`A` sum to 1, so this is
    :math:`-(I - D^{-1}A)X`, the random-walk Laplacian. With ``coupling="gcn"`` (:math:`\hat A = \tilde D^{-1/2}
    (A + I)\tilde D^{-1/2}`, self-loops contributing nothing to :math:`x_j - x_i`) the rows of :math:`\hat A` do not
    sum to 1 unless the graph is regular, so the field is *not* :math:`-(I - \hat A)X`, the normalised-Laplacian
    flow used in Chapter 2's theory; for that flow pass the normalised Laplacian's off-diagonal weights yourself, or
    integrate :math:`-(I - \hat A)X` directly. With symmetric weights both decrease their Dirichlet energy, but only
    this field conserves the node sum exactly and ends in consensus (equal features on a connected graph).
    """

    def __init__(self, edge_index, num_nodes, channels, *, coupling="gcn", edge_weight=None, alpha=1.0, learn_alpha=True, form="paper"):
        super().__init__(edge_index, num_nodes, channels, coupling=coupling, edge_weight=edge_weight, alpha=alpha, learn_alpha=learn_alpha, form=form)


class AttractionRepulsion(GraphField):
    r"""Signed forces: :math:`\dot x_i = \alpha \odot \sum_j (a_{ij} - \beta)(x_j - x_i)`. No double well."""

    def __init__(self, edge_index, num_nodes, channels, *, beta=0.5, learn_beta=False, coupling="gcn", edge_weight=None, alpha=1.0, learn_alpha=True, form="paper"):
        super().__init__(edge_index, num_nodes, channels, coupling=coupling, edge_weight=edge_weight, alpha=alpha, beta=beta, learn_beta=learn_beta, learn_alpha=learn_alpha, form=form)


class AllenCahn(GraphField):
    r"""Allen–Cahn on a graph: :math:`\dot x_i = \alpha \odot \sum_j a_{ij}(x_j - x_i) + \delta \odot x_i(1 - x_i^2)`."""

    def __init__(self, edge_index, num_nodes, channels, *, delta=1.0, learn_delta=True, coupling="gcn", edge_weight=None, alpha=1.0, learn_alpha=True, form="paper"):
        super().__init__(edge_index, num_nodes, channels, coupling=coupling, edge_weight=edge_weight, alpha=alpha, delta=delta, learn_delta=learn_delta, learn_alpha=learn_alpha, form=form)


class ACMPField(GraphField):
    r"""The full ACMP field: attraction :math:`a_{ij}`, repulsion β and the double well δ (book eq. :eq:`acmp`)."""

    def __init__(self, edge_index, num_nodes, channels, *, beta=0.5, delta=1.0, learn_beta=False, learn_delta=True, coupling="gcn", edge_weight=None, alpha=1.0, learn_alpha=True, form="paper"):
        super().__init__(edge_index, num_nodes, channels, coupling=coupling, edge_weight=edge_weight, alpha=alpha, beta=beta, delta=delta, learn_beta=learn_beta, learn_delta=learn_delta, learn_alpha=learn_alpha, form=form)
