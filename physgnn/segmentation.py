r"""Diffuse-interface segmentation on a graph: Allen–Cahn with a fidelity term, its convex-splitting step, and MBO.

Two-class semi-supervised segmentation (Bertozzi and Flenner, 2012): a few nodes carry known labels
:math:`f_i \in \{-1, +1\}` (the mask :math:`m_i = 1`), and we look for :math:`u \in [-1, 1]^N` that minimises the
graph Ginzburg–Landau energy (book eq. :eq:`ch5-gl`)

.. math::

    E(u) = \frac{\varepsilon}{2}\, u^\top \mathcal L u + \frac{1}{\varepsilon} \sum_i W(u_i)
           + \frac{\omega}{2} \sum_i m_i (u_i - f_i)^2 ,

with :math:`\mathcal L = D - A` the graph Laplacian (weighted when ``edge_weight`` is given), the double well
:math:`W(u) = (1 - u^2)^2/4` and the fidelity strength :math:`\omega`. Its gradient flow is the graph Allen–Cahn
equation with fidelity, :math:`\dot u = -\varepsilon \mathcal L u - W'(u)/\varepsilon - \omega\, m \odot (u - f)`.

Three ways to step it, all on dense [N, N] matrices (graphs of a few thousand nodes):

* :meth:`DiffuseInterface.explicit_step`: :math:`u - \tau \nabla E(u)`; stable only for small :math:`\tau`
  (about :math:`\tau < 2/(\varepsilon \lambda_{\max}(\mathcal L) + \omega + 2/\varepsilon)`).
* :meth:`DiffuseInterface.convex_splitting_step` (Eyre's splitting, as in Bertozzi and Flenner): the convex part
  :math:`\frac{\varepsilon}{2} u^\top \mathcal L u + \frac{\chi}{2}\lVert u\rVert^2 + \text{fidelity}` implicit, the
  rest :math:`\frac{\chi}{2}\lVert u\rVert^2 - \frac1\varepsilon \sum_i W(u_i)` explicit:

  .. math:: \Bigl(\tfrac{1}{\tau} + \chi + \varepsilon \mathcal L + \omega M\Bigr) u^{n+1}
            = \bigl(\tfrac{1}{\tau} + \chi\bigr) u^n - \tfrac{1}{\varepsilon} W'(u^n) + \omega M f ,
            \qquad M = \operatorname{diag}(m).

  For :math:`\chi \ge 2/\varepsilon` and :math:`u^0, f \in [-1, 1]`, every :math:`u^n` stays in :math:`[-1, 1]` and
  :math:`E(u^{n+1}) \le E(u^n)` **for every step size** :math:`\tau > 0` (the left matrix is an M-matrix whose row
  sums bound the right side; on the box the explicit part is convex, and Eyre's argument applies).
* :meth:`DiffuseInterface.mbo_step` (Merriman, Bence and Osher; on graphs Merkurjev, Kostić and Bertozzi, 2013):
  diffuse with fidelity for a time :math:`\tau` (``inner`` implicit-Euler substeps of
  :math:`\dot u = -\mathcal L u - \omega\, m \odot (u - f)`), then threshold to :math:`\operatorname{sign}(u) \in \{-1, +1\}`.

Shapes: ``u`` [N]; every step returns [N] float64.
"""

from __future__ import annotations

import math

import torch
from torch_geometric.utils import get_laplacian

from . import _checks
from .energy import double_well

__all__ = ["graph_laplacian", "DiffuseInterface"]


def graph_laplacian(edge_index: torch.Tensor, num_nodes: int, edge_weight: torch.Tensor | None = None) -> torch.Tensor:
    r""":math:`\mathcal L = D - A` as a dense float64 [N, N] tensor (PyG's ``get_laplacian``; self-loops dropped).
    ``edge_weight`` [E] must be non-negative; the graph must be undirected (symmetric weights)."""
    num_nodes = _checks.positive_int(num_nodes, "num_nodes", "graph_laplacian")
    ei = _checks.edges(edge_index, num_nodes, "graph_laplacian")
    w = _checks.edge_weights(edge_weight, ei.size(1), "graph_laplacian")
    if w is not None and (w < 0).any():
        raise ValueError("graph_laplacian: edge_weight must be non-negative (a Laplacian of attracting edges)")
    ei, lw = get_laplacian(ei, None if w is None else w.double(), normalization=None, dtype=torch.float64,
                           num_nodes=num_nodes)
    lap = torch.zeros(num_nodes, num_nodes, dtype=torch.float64, device=ei.device)
    lap.index_put_((ei[1], ei[0]), lw, accumulate=True)
    if not torch.allclose(lap, lap.T):
        raise ValueError("graph_laplacian: the graph must be undirected (both directions of every edge, equal "
                         "weights); symmetrise it with torch_geometric.utils.to_undirected")
    return lap


def _number(value, name: str, low: float, strict: bool) -> float:
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    if not ok or (value <= low if strict else value < low):
        raise ValueError(f"DiffuseInterface: {name} must be a finite number {'>' if strict else '>='} {low}, got {value!r}")
    return float(value)


class DiffuseInterface:
    r"""The graph Ginzburg–Landau energy of a two-class segmentation and three ways to descend it (module docstring).

    Args:
        edge_index: [2, E] undirected edges; num_nodes: N.
        known: [N] bool, the nodes whose label is given (the fidelity mask :math:`m`).
        f: [N] target values; only ``f[known]`` is used and must lie in [-1, 1] (labels ±1).
        eps: interface width :math:`\varepsilon > 0`.
        omega: fidelity strength :math:`\omega \ge 0`.
        edge_weight: optional [E] non-negative weights.
    """

    def __init__(self, edge_index: torch.Tensor, num_nodes: int, known: torch.Tensor, f: torch.Tensor, *,
                 eps: float = 1.0, omega: float = 1.0, edge_weight: torch.Tensor | None = None):
        self.laplacian = graph_laplacian(edge_index, num_nodes, edge_weight)
        n = self.laplacian.size(0)
        if not isinstance(known, torch.Tensor) or known.dtype != torch.bool or known.shape != (n,):
            raise ValueError(f"DiffuseInterface: known must be a bool tensor of shape [{n}] (True where the label is "
                             f"given), got {getattr(known, 'dtype', type(known).__name__)} {tuple(getattr(known, 'shape', ()))}")
        f = _checks.features(f, "DiffuseInterface").double()
        if f.shape != (n,):
            raise ValueError(f"DiffuseInterface: f must have shape [{n}], got {tuple(f.shape)}")
        if (f[known].abs() > 1).any():
            raise ValueError("DiffuseInterface: f[known] must lie in [-1, 1] (labels -1 and +1)")
        self.eps = _number(eps, "eps", 0.0, strict=True)
        self.omega = _number(omega, "omega", 0.0, strict=False)
        self.mask = known.double().to(self.laplacian.device)
        self.f = torch.where(known, f, torch.zeros_like(f)).to(self.laplacian.device)
        self._solves = {}

    @property
    def num_nodes(self) -> int:
        return self.laplacian.size(0)

    def _u(self, u, where: str) -> torch.Tensor:
        u = _checks.features(u, f"DiffuseInterface.{where}").double()
        if u.shape != (self.num_nodes,):
            raise ValueError(f"DiffuseInterface.{where}: u must have shape [{self.num_nodes}], got {tuple(u.shape)}")
        return u

    def _tau(self, tau) -> float:
        return _number(tau, "tau (the step size)", 0.0, strict=True)

    def energy(self, u: torch.Tensor) -> float:
        r""":math:`E(u)`, the graph Ginzburg–Landau energy with fidelity (module docstring)."""
        u = self._u(u, "energy")
        e = 0.5 * self.eps * (u @ self.laplacian @ u) + double_well(u).sum() / self.eps
        return float(e + 0.5 * self.omega * (self.mask * (u - self.f) ** 2).sum())

    def gradient(self, u: torch.Tensor) -> torch.Tensor:
        r""":math:`\nabla E(u) = \varepsilon \mathcal L u + (u^3 - u)/\varepsilon + \omega\, m \odot (u - f)`: [N]."""
        u = self._u(u, "gradient")
        return self.eps * (self.laplacian @ u) + (u**3 - u) / self.eps + self.omega * self.mask * (u - self.f)

    def explicit_step(self, u: torch.Tensor, tau: float) -> torch.Tensor:
        r"""Forward Euler on the gradient flow: :math:`u - \tau \nabla E(u)`."""
        return self._u(u, "explicit_step") - self._tau(tau) * self.gradient(u)

    def _solver(self, key, diagonal: torch.Tensor, scale: float):
        if key not in self._solves:  # the matrix of a step depends on the step only: factor it once
            matrix = scale * self.laplacian + torch.diag(diagonal)
            self._solves = {key: torch.linalg.cholesky(matrix)}
        return self._solves[key]

    def convex_splitting_step(self, u: torch.Tensor, tau: float, chi: float | None = None) -> torch.Tensor:
        r"""One convex-splitting step (module docstring); ``chi`` (:math:`\chi`) defaults to :math:`2/\varepsilon`, the smallest value
        for which the step is energy-decreasing and keeps :math:`[-1, 1]` for every ``tau``."""
        u = self._u(u, "convex_splitting_step")
        tau = self._tau(tau)
        chi = 2.0 / self.eps if chi is None else _number(chi, "chi", 0.0, strict=False)
        diagonal = (1.0 / tau + chi) + self.omega * self.mask
        chol = self._solver(("cs", tau, chi), diagonal, self.eps)
        rhs = (1.0 / tau + chi) * u - (u**3 - u) / self.eps + self.omega * self.mask * self.f
        return torch.cholesky_solve(rhs.unsqueeze(1), chol).squeeze(1)

    def diffuse(self, u: torch.Tensor, tau: float, inner: int = 1) -> torch.Tensor:
        r"""The diffusion half of MBO: ``inner`` implicit-Euler substeps of length :math:`\tau/\text{inner}` of
        :math:`\dot u = -\mathcal L u - \omega\, m \odot (u - f)` (no double well)."""
        u = self._u(u, "diffuse")
        tau = self._tau(tau)
        inner = _checks.positive_int(inner, "inner", "DiffuseInterface.diffuse")
        h = tau / inner
        chol = self._solver(("mbo", h), 1.0 / h + self.omega * self.mask, 1.0)
        for _ in range(inner):
            u = torch.cholesky_solve((u / h + self.omega * self.mask * self.f).unsqueeze(1), chol).squeeze(1)
        return u

    def mbo_step(self, u: torch.Tensor, tau: float, inner: int = 3) -> torch.Tensor:
        r"""One graph MBO step: :meth:`diffuse` for time ``tau``, then threshold: +1 where :math:`u \ge 0`, else -1."""
        v = self.diffuse(u, tau, inner)
        return torch.where(v >= 0, 1.0, -1.0).to(torch.float64)
