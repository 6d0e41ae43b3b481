r"""The field that the official ACMP code integrates, and GRAND's normalised diffusion :math:`\alpha(\hat A X - X)`.

The official implementation (Wang et al., ICLR 2023; repository ``ykiiiiii/ACMP``, ``src/``) does not integrate the
equation of its paper (book eq. :eq:`acmp`). With its defaults it integrates

.. math::

    \dot X = \alpha \odot \big((\hat A - \beta P)\,X - X\big) \;-\; \delta \odot (X \odot X - 1) \odot X,

where, for ``edge_index`` [2, E] plus one self-loop per node (weight 1; PyG's ``add_remaining_self_loops``),

* :math:`\hat A_{sr} = 1/\tilde d_r` for every edge ``(edge_index[0] = s, edge_index[1] = r)``, with
  :math:`\tilde d_r` the number of edges (self-loop included) whose ``edge_index[1]`` is r. The product sums at
  ``edge_index[0]`` (``torch_sparse.spmm``), so row s of :math:`\hat A` collects its neighbours, each divided by
  *the neighbour's* degree: :math:`\hat A = \tilde A \tilde D^{-1}` is **column**-stochastic;
* :math:`P` is the same pattern with ones, self-loops included, so β is subtracted on the diagonal too;
* :math:`\alpha = \sigma(a)` and :math:`\delta = \sigma(b)` per channel, sigmoids of parameters initialised at
  a = 0 and b = −10 (α = 0.5, δ ≈ 4.5·10⁻⁵: the well starts switched off); β is a fixed number.

``couplings="book"`` swaps only the couplings for the book's own ACMP: row-stochastic
:math:`\hat A_{ij} = 1/d_i` on the edges (``j → i``, ``i = edge_index[1]``), no self-loops, β on the edges only.

:class:`NormalisedDiffusion` is the same linear flow without β and without the well, with a fixed or softplus α:
:math:`\dot X = \alpha \odot (\hat A X - X)`, the form GRAND's code integrates. Its spectrum lies in
:math:`\alpha \cdot [-2, 0]` for the symmetric and random-walk normalisations of an undirected graph.

Shapes: ``f(t, x)``: x [N, d] → [N, d]. Each call adds one to ``nfe``.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch_geometric.utils import add_remaining_self_loops, remove_self_loops

from .. import _checks
from .graph import SparseGraph

__all__ = ["NORMALISATIONS", "normalised_adjacency", "official_couplings", "OfficialACMPField", "NormalisedDiffusion",
           "OFFICIAL_DELTA_LOGIT"]

#: How :func:`normalised_adjacency` divides by degrees (self-loops added first in each case).
NORMALISATIONS = ("column", "row", "symmetric")
#: The official initial logit of δ (``--init_delta -10`` in ``run_GNN.py``): δ = σ(−10) ≈ 4.54·10⁻⁵.
OFFICIAL_DELTA_LOGIT = -10.0


def normalised_adjacency(edge_index: torch.Tensor, num_nodes: int, normalisation: str = "column",
                         where: str = "normalised_adjacency") -> tuple[torch.Tensor, torch.Tensor]:
    r"""The matrix :math:`\hat A` of a graph with self-loops, as (receiver, sender) index pairs and values.

    Returns ``(pairs, values)``: ``pairs`` [2, E'] with row 0 the *sender* j and row 1 the *receiver* i (so that
    :class:`~physgnn.dynamics.graph.SparseGraph` ``(pairs)`` lays out :math:`\hat A` with :math:`\hat A_{ij}` at
    row i, column j), ``values`` [E'] float64. One self-loop of weight 1 is added to every node that has none.

    * ``"column"``: the official ACMP/GRAND ``rw`` normalisation, :math:`\hat A = \tilde A\tilde D^{-1}`. The degree
      :math:`\tilde d` counts edges at ``edge_index[1]`` and the product sums at ``edge_index[0]``: the receiver of
      edge ``(s, r)`` is s, its value :math:`1/\tilde d_r`. Columns sum to 1.
    * ``"row"``: :math:`\tilde D^{-1}\tilde A` in the package's convention (edge ``j → i`` pulls i, the receiver
      ``edge_index[1]``, towards j; value :math:`1/\tilde d_i`). Rows sum to 1.
    * ``"symmetric"``: :math:`\tilde D^{-1/2}\tilde A\tilde D^{-1/2}` (GCN's and GRAND's ``gcn`` normalisation).
    """
    _checks.choice(normalisation, NORMALISATIONS, "normalisation", where)
    edge_index = _checks.edges(edge_index, num_nodes, where)
    ei, _ = add_remaining_self_loops(edge_index, None, fill_value=1.0, num_nodes=num_nodes)
    ones = torch.ones(ei.size(1), dtype=torch.float64, device=ei.device)
    deg = torch.zeros(num_nodes, dtype=torch.float64, device=ei.device).index_add_(0, ei[1], ones)
    if normalisation == "column":
        return ei.flip(0), 1.0 / deg[ei[1]]
    if normalisation == "row":
        return ei, 1.0 / deg[ei[1]]
    return ei, deg[ei[0]].rsqrt() * deg[ei[1]].rsqrt()


def _book_couplings(edge_index, num_nodes, where):
    """The book's ACMP couplings: a_ij = 1/d_i on the edges j → i, no self-loops (``coupling="rw"``)."""
    ei, _ = remove_self_loops(_checks.edges(edge_index, num_nodes, where))
    deg = torch.bincount(ei[1], minlength=num_nodes).double()
    return ei, 1.0 / deg[ei[1]]


def official_couplings(edge_index: torch.Tensor, num_nodes: int, couplings: str, beta: float,
                       where: str = "official_couplings") -> tuple[torch.Tensor, torch.Tensor]:
    """The linear part of :class:`OfficialACMPField` with β: ``(pairs [2, E'] sender→receiver, values [E'] float64)``,
    :math:`\\tilde A\\tilde D^{-1} - \\beta P` (``"official"``) or :math:`D^{-1}A - \\beta` on the edges (``"book"``)."""
    _checks.choice(couplings, ("official", "book"), "couplings", where)
    if couplings == "official":
        pairs, values = normalised_adjacency(edge_index, num_nodes, "column", where)
    else:
        pairs, values = _book_couplings(edge_index, num_nodes, where)
    return pairs, values - beta


class _LinearFlow(nn.Module):
    """Shared machinery: the fixed sparse matrix S of the graph term, laid out once per graph."""

    def __init__(self, channels: int):
        super().__init__()
        where = type(self).__name__
        if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
            raise ValueError(f"{where}: channels must be a positive integer, got {channels!r}")
        self.channels = channels
        self.nfe = 0

    def _pairs(self, edge_index, num_nodes):  # -> (pairs [2, E'] sender→receiver, values [E'] float64)
        raise NotImplementedError

    def set_graph(self, edge_index: torch.Tensor, num_nodes: int) -> None:
        """(Re)bind the field to a graph: the couplings are computed here, once."""
        if isinstance(num_nodes, bool) or not isinstance(num_nodes, int) or num_nodes < 1:
            raise ValueError(f"{type(self).__name__}: num_nodes must be a positive integer, got {num_nodes!r}")
        pairs, values = self._pairs(edge_index, num_nodes)
        self.graph = SparseGraph(pairs, num_nodes).to(edge_index.device)
        self.register_buffer("values64", self.graph.sort(values.to(edge_index.device)), persistent=False)
        self._cache = {}

    def matrix(self) -> torch.Tensor:
        """S as a dense float64 [N, N] tensor (S[i, j] the weight of x_j in dx_i/dt), for analysis and tests."""
        return self.graph.matrix(self.values64[self.graph.perm.argsort()]).to_dense()

    def _values(self, dtype, device):
        key = (dtype, device)
        if key not in self._cache:
            self._cache = {key: self.values64.to(device=device, dtype=dtype)}
        return self._cache[key]

    def _check(self, x):
        if x.dim() != 2 or x.size(0) != self.graph.num_nodes or x.size(1) != self.channels:
            raise ValueError(f"{type(self).__name__}: x must have shape [{self.graph.num_nodes}, {self.channels}], "
                             f"got {tuple(x.shape)}")

    def _flow(self, x):
        """S X − X: [N, d]."""
        return self.graph.propagate(self._values(x.dtype, x.device), x, sorted_values=True) - x


class OfficialACMPField(_LinearFlow):
    r"""The official ACMP code's field (see the module docstring for the equation and the line of code of each part).

    Args:
        edge_index: [2, E] integer edges; N: number of nodes; channels: d.
        beta: repulsion β, a fixed number (the official ``--beta``, default 0.0).
        alpha: initial α in (0, 1) (official 0.5, ``--init_alpha 0`` through a sigmoid).
        delta: initial δ in (0, 1) (official σ(−10) ≈ 4.54e-5), or ``None`` for no double well.
        couplings: ``"official"`` (column-stochastic :math:`\tilde A\tilde D^{-1}` with self-loops, β on them too)
            or ``"book"`` (row-stochastic :math:`D^{-1}A` on the edges, no self-loops, β on the edges).

    α and δ are trained per channel through sigmoids, so both stay in (0, 1).
    """

    def __init__(self, edge_index: torch.Tensor, num_nodes: int, channels: int, *, beta: float = 0.0, alpha: float = 0.5,
                 delta: float | None = 1.0 / (1.0 + math.exp(-OFFICIAL_DELTA_LOGIT)), couplings: str = "official"):
        super().__init__(channels)
        where = type(self).__name__
        if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not math.isfinite(beta):
            raise ValueError(f"{where}: beta must be a finite number, got {beta!r}")
        self.beta = float(beta)
        self.couplings = _checks.choice(couplings, ("official", "book"), "couplings", where)
        self._raw_alpha = nn.Parameter(torch.full((channels,), self._logit(alpha, "alpha")))
        self._raw_delta = None if delta is None else nn.Parameter(torch.full((channels,), self._logit(delta, "delta")))
        self.set_graph(edge_index, num_nodes)

    def _logit(self, p, name):
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 < p < 1:
            raise ValueError(f"{type(self).__name__}: {name} is a sigmoid, so its initial value must lie in (0, 1); "
                             f"got {p!r}")
        return math.log(p) - math.log1p(-p)

    def _pairs(self, edge_index, num_nodes):
        return official_couplings(edge_index, num_nodes, self.couplings, self.beta, type(self).__name__)

    @property
    def alpha(self) -> torch.Tensor:
        """[d] α = σ(a), in (0, 1)."""
        return torch.sigmoid(self._raw_alpha)

    @property
    def delta(self) -> torch.Tensor | None:
        """[d] δ = σ(b), in (0, 1) (``None`` without the double well)."""
        return None if self._raw_delta is None else torch.sigmoid(self._raw_delta)

    def forward(self, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        self.nfe += 1
        self._check(x)
        out = self._flow(x) * self.alpha.to(x.dtype)
        if self._raw_delta is None:
            return out
        return out + self.delta.to(x.dtype) * x * (1 - x * x)

    def extra_repr(self) -> str:
        return f"channels={self.channels}, beta={self.beta}, couplings={self.couplings!r}, double_well={self._raw_delta is not None}"


class NormalisedDiffusion(_LinearFlow):
    r"""GRAND's diffusion :math:`\dot X = \alpha \odot (\hat A X - X)` with :math:`\hat A` from
    :func:`normalised_adjacency` (self-loops included). No β, no δ.

    With ``"symmetric"`` (the default, GRAND's ``gcn``) :math:`\hat A - I = -L_{\mathrm{sym}}` of the graph with
    self-loops, whose eigenvalues lie in [−2, 0) ∪ {0}: however large a hub, the fastest rate is at most 2α.
    :class:`~physgnn.dynamics.fields.Diffusion` instead integrates :math:`\sum_j \hat A_{ij}(x_j - x_i)`, which is
    this flow only on regular graphs.

    Args:
        edge_index, num_nodes, channels: the graph and d.
        normalisation: ``"symmetric"``, ``"row"`` or ``"column"``.
        alpha: initial rate (> 0), trained through a softplus if ``learn_alpha`` (else exactly ``alpha``).
    """

    def __init__(self, edge_index: torch.Tensor, num_nodes: int, channels: int, *, normalisation: str = "symmetric",
                 alpha: float = 1.0, learn_alpha: bool = True):
        super().__init__(channels)
        where = type(self).__name__
        self.normalisation = _checks.choice(normalisation, NORMALISATIONS, "normalisation", where)
        _checks.positive(alpha, "alpha", where)
        raw = torch.full((channels,), float(alpha) + math.log(-math.expm1(-float(alpha))))
        self.learn_alpha = bool(learn_alpha)
        if learn_alpha:
            self._raw_alpha = nn.Parameter(raw)
        else:
            self.register_buffer("_alpha_fixed", torch.full((channels,), float(alpha), dtype=torch.float64))
        self.set_graph(edge_index, num_nodes)

    def _pairs(self, edge_index, num_nodes):
        return normalised_adjacency(edge_index, num_nodes, self.normalisation, type(self).__name__)

    @property
    def alpha(self) -> torch.Tensor:
        """[d] α > 0."""
        return nn.functional.softplus(self._raw_alpha) if self.learn_alpha else self._alpha_fixed

    def forward(self, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        self.nfe += 1
        self._check(x)
        return self._flow(x) * self.alpha.to(x.dtype)

    def extra_repr(self) -> str:
        return f"channels={self.channels}, normalisation={self.normalisation!r}"
