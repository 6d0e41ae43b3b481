r"""The spectral view: what a graph filter does to each frequency of the normalised Laplacian.

The frequencies of a graph are the eigenpairs of :math:`L = I - \hat A`,
:math:`\hat A = \tilde D^{-1/2}(A + I)\tilde D^{-1/2}` (book notation): :math:`L u_k = \lambda_k u_k` with
:math:`0 = \lambda_1 \le \dots \le \lambda_N < 2`. A small :math:`\lambda_k` means a smooth pattern (neighbours
alike), a large one a pattern that changes sign along most edges. A filter :math:`g(L)` multiplies the component
of a signal along :math:`u_k` by :math:`r(\lambda_k)`, its *frequency response*:

* one GCN propagation :math:`\hat A = I - L`: :math:`r(\lambda) = 1 - \lambda`, and :math:`K` of them
  :math:`(1 - \lambda)^K`, a low-pass filter (book eq. :eq:`ch4-spectral-gcn`);
* a polynomial :math:`\sum_k \theta_k \hat A^k` (GPR-GNN): :math:`r(\lambda) = \sum_k \theta_k (1 - \lambda)^k`
  (:func:`polynomial_response`);
* the linear part of ACMP's code form, :math:`\dot X = \alpha((\hat A - \beta \tilde A)X - X)`, run for a time
  :math:`t` (:func:`code_form_gain`): :math:`e^{-\alpha t \lambda}` at :math:`\beta = 0`; repulsion tilts it
  towards high frequencies.

Everything here is dense (an [N, N] eigendecomposition): meant for graphs of a few thousand nodes at most.
"""

from __future__ import annotations

import math

import torch
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.utils import remove_self_loops

from . import _checks
from .dynamics.official import OfficialACMPField

__all__ = ["normalized_laplacian", "laplacian_spectrum", "polynomial_response", "frequency_profile",
           "code_form_operator", "code_form_gain"]


def normalized_laplacian(edge_index: torch.Tensor, num_nodes: int) -> torch.Tensor:
    r""":math:`L = I - \tilde D^{-1/2}(A + I)\tilde D^{-1/2}` as a dense float64 [N, N] tensor (PyG's ``gcn_norm``;
    self-loops already in ``edge_index`` are dropped first, then one per node is added)."""
    num_nodes = _checks.positive_int(num_nodes, "num_nodes", "normalized_laplacian")
    ei = _checks.edges(edge_index, num_nodes, "normalized_laplacian")
    ei, _ = remove_self_loops(ei)
    ei, w = gcn_norm(ei, None, num_nodes, add_self_loops=True, dtype=torch.float64)
    a_hat = torch.zeros(num_nodes, num_nodes, dtype=torch.float64, device=ei.device)
    a_hat.index_put_((ei[1], ei[0]), w, accumulate=True)
    return torch.eye(num_nodes, dtype=torch.float64, device=ei.device) - a_hat


def laplacian_spectrum(edge_index: torch.Tensor, num_nodes: int) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The frequencies of the graph: ``(lam, U)`` with ``lam`` [N] the eigenvalues of :math:`L` in ascending order
    and ``U`` [N, N] the orthonormal eigenvectors as columns (:math:`L = U \operatorname{diag}(\lambda) U^\top`).
    The graph must be undirected (``edge_index`` holds both directions of every edge)."""
    lap = normalized_laplacian(edge_index, num_nodes)
    if not torch.allclose(lap, lap.T):
        raise ValueError("laplacian_spectrum: edge_index must be undirected (both directions of every edge); "
                         "symmetrise it with torch_geometric.utils.to_undirected")
    lam, U = torch.linalg.eigh(lap)
    return lam, U


def _frequencies(lam, where: str) -> torch.Tensor:
    lam = torch.as_tensor(lam, dtype=torch.float64)
    if lam.dim() != 1 or not torch.isfinite(lam).all():
        raise ValueError(f"{where}: lam must be a finite 1-d tensor of eigenvalues, got shape {tuple(lam.shape)}")
    if lam.numel() and (lam.min() < -1e-9 or lam.max() > 2 + 1e-9):
        raise ValueError(f"{where}: lam must lie in [0, 2] (eigenvalues of the normalised Laplacian), "
                         f"got values in [{lam.min().item():.3g}, {lam.max().item():.3g}]")
    return lam


def polynomial_response(theta, lam) -> torch.Tensor:
    r"""Frequency response of the polynomial filter :math:`\sum_{k=0}^{K} \theta_k \hat A^k` (GPR-GNN):
    :math:`r(\lambda) = \sum_k \theta_k (1 - \lambda)^k`. ``theta`` [K + 1], ``lam`` [M] → [M] float64.
    ``theta = [0, 0, 1]`` is two GCN propagations, :math:`(1 - \lambda)^2`."""
    theta = torch.as_tensor(theta, dtype=torch.float64).detach()
    if theta.dim() != 1 or theta.numel() == 0 or not torch.isfinite(theta).all():
        raise ValueError(f"polynomial_response: theta must be a non-empty finite 1-d tensor [K + 1], "
                         f"got shape {tuple(theta.shape)}")
    lam = _frequencies(lam, "polynomial_response")
    powers = (1 - lam).unsqueeze(1) ** torch.arange(theta.numel(), dtype=torch.float64)  # [M, K + 1]
    return powers @ theta


def frequency_profile(x: torch.Tensor, U: torch.Tensor) -> torch.Tensor:
    r"""Where the energy of a signal sits on the spectrum: :math:`p_k = \lVert u_k^\top X \rVert^2 / \lVert X \rVert^2`
    for ``x`` [N] or [N, d] and eigenvectors ``U`` [N, N]; returns ``p`` [N] (float64, sums to 1). With
    :math:`\lambda` from :func:`laplacian_spectrum`, :math:`\sum_k p_k \lambda_k = \operatorname{trace}(X^\top L X)
    / \lVert X \rVert^2`, the signal's mean frequency."""
    x = _checks.features(x, "frequency_profile").double()
    if x.dim() == 1:
        x = x.unsqueeze(1)
    U = torch.as_tensor(U, dtype=torch.float64)
    if U.dim() != 2 or U.size(0) != U.size(1) or U.size(0) != x.size(0):
        raise ValueError(f"frequency_profile: U must be [N, N] with N = {x.size(0)} (the rows of x), got {tuple(U.shape)}")
    total = x.pow(2).sum()
    if total == 0:
        raise ValueError("frequency_profile: x is zero everywhere; a zero signal has no frequency profile")
    return (U.T @ x).pow(2).sum(1) / total


def code_form_operator(edge_index: torch.Tensor, num_nodes: int, beta: float) -> torch.Tensor:
    r"""The linear part of ACMP's code form in the symmetric frame, dense float64 [N, N]:

    .. math:: S_\beta = \tilde D^{-1/2} \bigl(\tilde A \tilde D^{-1} - \beta \tilde A - I\bigr) \tilde D^{1/2}
              = -L - \beta\, \tilde D^{-1/2} \tilde A \tilde D^{1/2} .

    The bracket is the matrix of :class:`physgnn.dynamics.OfficialACMPField` without the double well (its
    column-stochastic couplings, β on every edge and self-loop). Conjugating by :math:`\tilde D^{1/2}` changes
    nothing in the dynamics but makes :math:`S_0 = -L`, so that :math:`\beta = 0` is the heat filter on the
    frequencies of :func:`laplacian_spectrum`. ``edge_index`` [2, E] undirected."""
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not math.isfinite(beta):
        raise ValueError(f"code_form_operator: beta must be a finite number, got {beta!r}")
    num_nodes = _checks.positive_int(num_nodes, "num_nodes", "code_form_operator")
    field = OfficialACMPField(edge_index, num_nodes, 1, beta=float(beta), delta=None)
    flow = field.matrix() - torch.eye(num_nodes, dtype=torch.float64, device=edge_index.device)  # S X - X
    ei, _ = remove_self_loops(_checks.edges(edge_index, num_nodes, "code_form_operator"))
    root = (torch.bincount(ei[1], minlength=num_nodes).double() + 1).sqrt().to(flow.device)  # sqrt(d~)
    return flow * root.unsqueeze(0) / root.unsqueeze(1)


def code_form_gain(edge_index: torch.Tensor, num_nodes: int, beta: float, t: float = 1.0, *, alpha: float = 1.0,
                   spectrum: tuple[torch.Tensor, torch.Tensor] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    r"""How much of each frequency the code-form flow keeps after time ``t``: returns ``(lam, gain)``, both [N],

    .. math:: r_k = u_k^\top e^{\alpha t S_\beta} u_k ,

    with :math:`S_\beta` from :func:`code_form_operator` and :math:`(\lambda_k, u_k)` from
    :func:`laplacian_spectrum` (pass ``spectrum=(lam, U)`` to reuse one). At :math:`\beta = 0`,
    :math:`r_k = e^{-\alpha t \lambda_k}` exactly. For :math:`\beta \ne 0` the flow does not share the eigenvectors
    of :math:`L` unless the graph is regular, and :math:`r_k` is the diagonal of the propagator in that basis: the
    part of :math:`u_k` that stays :math:`u_k`. On a :math:`d`-regular graph it is exactly
    :math:`\exp\bigl(\alpha t\,[-\beta(d + 1) - (1 - \beta(d + 1))\lambda_k]\bigr)`: the slope in :math:`\lambda`
    changes sign at :math:`\beta = 1/(d + 1)`, from low-pass to high-pass."""
    for name, v in (("t", t), ("alpha", alpha)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise ValueError(f"code_form_gain: {name} must be a finite number >= 0, got {v!r}")
    S = code_form_operator(edge_index, num_nodes, beta)
    lam, U = laplacian_spectrum(edge_index, num_nodes) if spectrum is None else spectrum
    if U.shape != S.shape or lam.shape != (S.size(0),):
        raise ValueError(f"code_form_gain: spectrum must be (lam [N], U [N, N]) with N = {S.size(0)}, "
                         f"got {tuple(lam.shape)} and {tuple(U.shape)}")
    U = U.to(torch.float64)
    propagator = torch.linalg.matrix_exp(alpha * t * S)
    return lam, ((U.T @ propagator) * U.T).sum(1)
