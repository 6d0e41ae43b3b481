r"""Conservative (non-dissipative) linear dynamics on graphs and three ways to step them.

**The system.** The graph wave equation :math:`\ddot X = -LX` (springs along the edges; GraphCON without friction
and with the identity activation, Rusch et al. 2022) as a first-order system in positions X and velocities Y:

.. math::

    \frac{d}{dt}\begin{pmatrix} X \\ Y \end{pmatrix} = J \begin{pmatrix} X \\ Y \end{pmatrix},
    \qquad J = \begin{pmatrix} 0 & I \\ -L & 0 \end{pmatrix}, \qquad
    H(X, Y) = \tfrac12 \lVert Y \rVert^2 + \tfrac12 \operatorname{tr}(X^\top L X) .

J has the eigenvalues :math:`\pm i\sqrt{\lambda_k}`: all on the imaginary axis, so the exact flow keeps H
(:func:`wave_jacobian`, :func:`hamiltonian`). An antisymmetric field :math:`\dot x = (V - V^\top)x` (the node-wise
part of A-DGN, Gravina et al. 2023) has the same property.

**The steps** (:func:`wave_step`, step size τ, one eigenmode with :math:`\omega^2 = \lambda`):

* ``"euler"``: explicit Euler. Its amplification :math:`|1 + i\tau\omega| = \sqrt{1 + \tau^2\omega^2} > 1`: every
  oscillating mode grows, and H with it, by :math:`(1 + \tau^2\omega^2)` per step.
* ``"symplectic"``: velocity first, then position with the new velocity (symplectic Euler, the GraphCON update);
  it keeps a modified energy exactly (Chapter 9, Proposition 9.1).
* ``"leapfrog"``: half a velocity step, a full position step, half a velocity step (Störmer–Verlet);
  symplectic, time-reversible and second order.

Both symplectic steps are stable for :math:`\tau^2\lambda_{\max} < 4`; H then oscillates but does not drift.

Shapes: ``x``, ``y`` [N, F]; ``lap`` a callable [N, F] → [N, F] (X ↦ LX).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["STEPS", "hamiltonian", "wave_jacobian", "wave_step"]

#: the steps :func:`wave_step` knows
STEPS = ("euler", "symplectic", "leapfrog")

Lap = Callable[[torch.Tensor], torch.Tensor]


def hamiltonian(x: torch.Tensor, y: torch.Tensor, lap: Lap) -> torch.Tensor:
    r""":math:`H = \tfrac12\lVert Y\rVert^2 + \tfrac12\operatorname{tr}(X^\top L X)` (a scalar)."""
    if x.shape != y.shape:
        raise ValueError(f"hamiltonian: x and y must have the same shape, got {tuple(x.shape)} and {tuple(y.shape)}")
    return 0.5 * (y * y).sum() + 0.5 * (x * lap(x)).sum()


def wave_step(x: torch.Tensor, y: torch.Tensor, lap: Lap, tau: float, method: str = "leapfrog"):
    r"""One step of size ``tau`` of :math:`\dot X = Y,\ \dot Y = -LX` by ``method`` (one of ``STEPS``).

    Returns the new (X, Y), each [N, F].
    """
    if method not in STEPS:
        raise ValueError(f"wave_step: method must be one of {STEPS}, got {method!r}")
    if not isinstance(tau, (int, float)) or isinstance(tau, bool) or not tau > 0:
        raise ValueError(f"wave_step: tau must be a positive number, got {tau!r}")
    if x.shape != y.shape:
        raise ValueError(f"wave_step: x and y must have the same shape, got {tuple(x.shape)} and {tuple(y.shape)}")
    if method == "euler":
        return x + tau * y, y - tau * lap(x)
    if method == "symplectic":
        y = y - tau * lap(x)
        return x + tau * y, y
    y = y - 0.5 * tau * lap(x)
    x = x + tau * y
    return x, y - 0.5 * tau * lap(x)


def wave_jacobian(laplacian: torch.Tensor) -> torch.Tensor:
    r"""The dense [2N, 2N] matrix :math:`J = \begin{pmatrix} 0 & I \\ -L & 0\end{pmatrix}` of the wave system
    for a dense symmetric [N, N] ``laplacian``."""
    if laplacian.dim() != 2 or laplacian.size(0) != laplacian.size(1):
        raise ValueError(f"wave_jacobian: laplacian must be a square [N, N] matrix, got {tuple(laplacian.shape)}")
    n = laplacian.size(0)
    eye, zero = torch.eye(n, dtype=laplacian.dtype), torch.zeros(n, n, dtype=laplacian.dtype)
    return torch.cat([torch.cat([zero, eye], 1), torch.cat([-laplacian, zero], 1)], 0)
