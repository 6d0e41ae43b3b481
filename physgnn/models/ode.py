r"""A graph neural ODE block: integrate a vector field from t = 0 to t = T with torchdiffeq.

.. math::  X(T) = X(0) + \int_0^T f(t, X(t))\,dt

Depth becomes time: a fixed-step solver with step τ takes T/τ "layers", each a residual update. ``method``:
``"euler"`` (one evaluation per step), ``"midpoint"`` (two), ``"rk4"`` (four), or the adaptive
``"dopri5"`` (steps chosen to meet ``rtol``/``atol``). ``adjoint=True`` back-propagates by solving the
adjoint ODE backwards (memory independent of the number of steps) through
``torchdiffeq.odeint_adjoint``.
"""

from __future__ import annotations

import torch
from torch import nn
from torchdiffeq import odeint, odeint_adjoint

from .. import _checks
from ..dynamics.fields import GraphField

__all__ = ["GraphODE", "METHODS"]

METHODS = ("euler", "midpoint", "rk4", "dopri5")


class GraphODE(nn.Module):
    """Solve dX/dt = field(t, X) on [0, T].

    Args:
        field: a vector field module ``f(t, x)`` (e.g. :class:`physgnn.dynamics.ACMPField`).
        T: end time, > 0.
        method: one of ``"euler"``, ``"midpoint"``, ``"rk4"``, ``"dopri5"``.
        step_size: τ > 0 for the fixed-step methods (ignored by dopri5).
        adjoint: use the adjoint method for gradients.
        rtol, atol: tolerances of dopri5.

    Shapes:
        ``forward(x0)``: [N, d] → [N, d] (the state at T); ``forward(x0, times)`` with ``times`` [K]
        (increasing, starting at 0) → [K, N, d].
    """

    def __init__(self, field: nn.Module, T: float = 1.0, method: str = "rk4", step_size: float = 0.1, adjoint: bool = False, rtol: float = 1e-4, atol: float = 1e-6):
        super().__init__()
        self.field = field
        self.T = _checks.positive(T, "T", "GraphODE")
        self.method = _checks.choice(method, METHODS, "method", "GraphODE")
        self.step_size = _checks.positive(step_size, "step_size", "GraphODE")
        self.rtol = _checks.positive(rtol, "rtol", "GraphODE")
        self.atol = _checks.positive(atol, "atol", "GraphODE")
        if adjoint and isinstance(field, GraphField) and field.coupling_kind == "attention":
            raise ValueError(
                "GraphODE: adjoint=True is not supported with attention couplings (their weights depend on "
                "parameters outside the ODE state, which the adjoint would not differentiate); use adjoint=False"
            )
        self.adjoint = bool(adjoint)

    def forward(self, x0: torch.Tensor, times: torch.Tensor | None = None) -> torch.Tensor:
        x0 = _checks.features(x0, "GraphODE")
        if times is None:
            t = torch.tensor([0.0, self.T], dtype=x0.dtype, device=x0.device)
        else:
            t = torch.as_tensor(times, dtype=x0.dtype, device=x0.device)
            if t.dim() != 1 or t.numel() < 2 or t[0] != 0 or not bool((t[1:] > t[:-1]).all()):
                raise ValueError("GraphODE: times must be a 1-D increasing tensor starting at 0 with at least two entries")
        # Build the field's operator once per solve. Not under the adjoint: its backward pass differentiates only
        # what the field computes inside f(t, x), so the operator must be rebuilt there.
        if isinstance(self.field, GraphField):
            self.field.prepare(x0, cache=not self.adjoint)
        self.field.nfe = 0
        options = None if self.method == "dopri5" else {"step_size": self.step_size}
        solve = odeint_adjoint if self.adjoint else odeint
        kwargs = dict(method=self.method, options=options, rtol=self.rtol, atol=self.atol)
        if self.adjoint:
            kwargs["adjoint_params"] = tuple(self.field.parameters())
        try:
            xs = solve(self.field, x0, t, **kwargs)
        finally:
            if isinstance(self.field, GraphField):
                self.field.release()
        return xs[-1] if times is None else xs

    @property
    def nfe(self) -> int:
        """Function evaluations of the last solve."""
        return self.field.nfe

    def extra_repr(self) -> str:
        return f"T={self.T}, method={self.method!r}, step_size={self.step_size}, adjoint={self.adjoint}"
