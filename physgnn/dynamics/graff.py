r"""GRAFF: the gradient flow of a parametric energy (Di Giovanni et al., TMLR 2023).

GRAFF ("GRAdient FLow Framework") makes the features follow the steepest descent of a learnable energy

.. math::

    \mathcal E_\theta(X) = \tfrac12 \sum_i \langle x_i, \Omega\, x_i \rangle
    - \tfrac12 \sum_{i,j} \hat a_{ij} \langle x_i, W x_j \rangle ,

with :math:`\hat A = \tilde D^{-1/2}\tilde A\tilde D^{-1/2}` (PyG's ``gcn_norm``) and two **symmetric**
channel-mixing matrices :math:`\Omega, W \in \mathbb{R}^{F \times F}`. Its gradient is
:math:`\nabla\mathcal E_\theta = X\Omega - \hat A X W`, so the flow is

.. math::

    \frac{dX}{dt} = -X\,\Omega + \hat A\, X\, W , \qquad \frac{d}{dt}\mathcal E_\theta(X(t))
    = -\lVert \nabla \mathcal E_\theta \rVert^2 \le 0 .

With :math:`\Omega = W` the energy is :math:`\tfrac12 \operatorname{tr}(X^\top L X W)
= \tfrac12 \sum_k w_k \operatorname{tr}((X\phi_k)^\top L (X\phi_k))` for the eigenpairs :math:`(w_k, \phi_k)` of
W: a Dirichlet energy per channel direction, weighted by :math:`w_k`. A positive :math:`w_k` is **attraction**
(the flow smooths :math:`X\phi_k`); a negative one is **repulsion** (it sharpens :math:`X\phi_k`, its
high-frequency part growing at the rate :math:`|w_k|\lambda_{\max}`). One channel with :math:`W = 1 - \beta` is the
book's attraction minus repulsion on the normalised Laplacian; GRAFF lets every direction carry its own sign.

W is stored as a free matrix M and used as :math:`(M + M^\top)/2`, so it is symmetric by construction
(the property ``W``); Ω is tied to W (``omega="weight"``, the default) or a learned diagonal (the paper's
choice, ``omega="diagonal"``).

Shapes: ``f(t, x)``: x [N, F] → [N, F]; ``energy(x)``: [N, F] → scalar.
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.utils import scatter

from .. import _checks

__all__ = ["GRAFFField", "OMEGAS"]

#: how Ω is built: a learned diagonal, or Ω = W
OMEGAS = ("diagonal", "weight")


class GRAFFField(nn.Module):
    r"""The GRAFF vector field :math:`f(X) = -X\Omega + \hat A X W` (see the module docstring).

    Args:
        edge_index: [2, E] edges j → i (undirected graphs store both directions); ``None`` to bind later with
            ``set_graph``.
        num_nodes: N.
        channels: F.
        omega: ``"weight"`` (Ω = W, the default: the flow is −LXW, a Dirichlet energy per channel direction) or
            ``"diagonal"`` (a learned diagonal Ω, initialised to zero, as in the paper).
        weight: an optional symmetric [F, F] start for W (default: PyG-style uniform noise, symmetrised).

    Raises:
        ValueError: on a bad ``channels``, ``omega`` or a non-symmetric / wrongly shaped ``weight``.
    """

    def __init__(self, edge_index: torch.Tensor | None, num_nodes: int, channels: int, *, omega: str = "weight",
                 weight: torch.Tensor | None = None):
        super().__init__()
        where = type(self).__name__
        self.channels = _checks.positive_int(channels, "channels", where)
        if omega not in OMEGAS:
            raise ValueError(f"{where}: omega must be one of {OMEGAS}, got {omega!r}")
        self.omega_kind = omega
        if weight is None:
            bound = 1.0 / channels ** 0.5
            start = torch.empty(channels, channels).uniform_(-bound, bound)
            start = (start + start.T) / 2
        else:
            if not isinstance(weight, torch.Tensor) or weight.shape != (channels, channels):
                raise ValueError(f"{where}: weight must be a [{channels}, {channels}] tensor, got "
                                 f"{tuple(getattr(weight, 'shape', ())) or type(weight).__name__}")
            if not torch.allclose(weight, weight.T, atol=1e-6 * (1 + float(weight.abs().max()))):
                raise ValueError(f"{where}: weight must be symmetric (W = Wᵀ), as the energy needs; pass "
                                 "(M + M.T) / 2")
            start = weight.detach().clone()  # its dtype is kept (float64 stays exact)
        self.raw_weight = nn.Parameter(start)
        self.omega_diag = nn.Parameter(torch.zeros(channels)) if omega == "diagonal" else None
        self.nfe = 0
        self.register_buffer("edge_index", torch.zeros(2, 0, dtype=torch.long), persistent=False)
        self.register_buffer("edge_weight", torch.zeros(0), persistent=False)
        self.num_nodes = 0
        if edge_index is not None:
            self.set_graph(edge_index, num_nodes)

    def set_graph(self, edge_index: torch.Tensor, num_nodes: int, device=None) -> None:
        """Bind to a graph: Â = D̃^{-1/2}(A + I)D̃^{-1/2} by PyG's ``gcn_norm``, computed once."""
        edge_index = _checks.edges(edge_index, num_nodes, type(self).__name__)
        device = self.raw_weight.device if device is None else torch.device(device)
        ei, w = gcn_norm(edge_index.to(device), None, num_nodes, add_self_loops=True, dtype=self.raw_weight.dtype)
        self.edge_index, self.edge_weight, self.num_nodes = ei, w, num_nodes

    @property
    def W(self) -> torch.Tensor:
        """The symmetric channel-mixing matrix [F, F]."""
        return (self.raw_weight + self.raw_weight.T) / 2

    @property
    def Omega(self) -> torch.Tensor:
        """The symmetric self-interaction [F, F] (diagonal, or W itself)."""
        return self.W if self.omega_diag is None else torch.diag(self.omega_diag)

    def propagate(self, x: torch.Tensor) -> torch.Tensor:
        """Â x: [N, F] → [N, F] (a weighted sum over incoming edges, PyG's ``scatter``)."""
        src, dst = self.edge_index
        return scatter(self.edge_weight.to(x.dtype)[:, None] * x[src], dst, dim=0, dim_size=self.num_nodes,
                       reduce="sum")

    def _check(self, x: torch.Tensor) -> torch.Tensor:
        where = type(self).__name__
        x = _checks.features(x, where)
        if x.dim() != 2 or x.shape != (self.num_nodes, self.channels):
            raise ValueError(f"{where}: x must have shape [{self.num_nodes}, {self.channels}] (N, F of the bound "
                             f"graph and field), got {tuple(x.shape)}")
        return x

    def energy(self, x: torch.Tensor) -> torch.Tensor:
        r""":math:`\mathcal E_\theta(X) = \tfrac12\sum_i x_i\Omega x_i^\top - \tfrac12\sum_{ij}\hat a_{ij} x_i W x_j^\top`."""
        x = self._check(x)
        return 0.5 * ((x @ self.Omega) * x).sum() - 0.5 * ((x @ self.W) * self.propagate(x)).sum()

    def forward(self, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """−∇𝓔_θ(X) = −XΩ + ÂXW: [N, F]."""
        x = self._check(x)
        self.nfe += 1
        return -x @ self.Omega + self.propagate(x) @ self.W
