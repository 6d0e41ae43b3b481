r"""A graph neural ODE block: integrate a vector field from t = 0 to t = T with torchdiffeq.

.. math::  X(T) = X(0) + \int_0^T f(t, X(t))\,dt

Depth becomes time: a fixed-step solver with step τ takes T/τ "layers", each a residual update. ``method``:
``"euler"`` (one evaluation per step), ``"midpoint"`` (two), ``"rk4"`` (four), or the adaptive
``"dopri5"`` (steps chosen to meet ``rtol``/``atol``, at most ``max_steps`` of them: a stiff field, such as a
strong repulsion β on a hub, would otherwise shrink the step without end). ``adjoint=True`` back-propagates by solving the
adjoint ODE backwards (memory independent of the number of steps) through
``torchdiffeq.odeint_adjoint``.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torchdiffeq import odeint, odeint_adjoint

from .. import _checks
from ..dynamics.fields import GraphField

__all__ = ["GraphODE", "METHODS", "MIN_T", "ODESolveError"]

METHODS = ("euler", "midpoint", "rk4", "dopri5")
#: the shortest end time accepted: below it the time grid of a float32 solve is no longer resolved
MIN_T = 1e-6


class ODESolveError(RuntimeError):
    """The solver could not integrate the field (too many steps, a step that underflowed, a state that blew up)."""


class GraphODE(nn.Module):
    """Solve dX/dt = field(t, X) on [0, T].

    Args:
        field: a vector field module ``f(t, x)`` (e.g. :class:`physgnn.dynamics.ACMPField`).
        T: end time, > 0.
        method: one of ``"euler"``, ``"midpoint"``, ``"rk4"``, ``"dopri5"``.
        step_size: τ > 0 for the fixed-step methods, at most ``T`` (ignored by dopri5).
        adjoint: use the adjoint method for gradients.
        rtol, atol: tolerances of dopri5.
        max_steps: most dopri5 steps (accepted or rejected) per solve; more raises ``ODESolveError`` (in ``physgnn.models.ode``).

    Shapes:
        ``forward(x0)``: [N, d] → [N, d] (the state at T); ``forward(x0, times)`` with ``times`` [K]
        (increasing, starting at 0) → [K, N, d].
    """

    def __init__(self, field: nn.Module, T: float = 1.0, method: str = "rk4", step_size: float = 0.1, adjoint: bool = False, rtol: float = 1e-4,
                 atol: float = 1e-6, max_steps: int = 10_000):
        super().__init__()
        self.field = field
        self.T = _checks.positive(T, "T", "GraphODE")
        if not math.isfinite(self.T) or self.T < MIN_T:
            raise ValueError(f"GraphODE: T must be a finite end time of at least {MIN_T:g}, got {T!r}")
        self.method = _checks.choice(method, METHODS, "method", "GraphODE")
        self.step_size = _checks.positive(step_size, "step_size", "GraphODE")
        if method != "dopri5" and self.step_size > self.T:
            raise ValueError(f"GraphODE: step_size {step_size} is larger than T = {T}; a fixed-step solve needs "
                             f"step_size <= T (for example step_size={T})")
        if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
            raise ValueError(f"GraphODE: max_steps must be a positive integer, got {max_steps!r}")
        self.max_steps = max_steps
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
            t = x0.new_zeros(2)  # [0, T] built on the device (no host-to-device copy per solve)
            t[1] = self.T
        else:
            t = torch.as_tensor(times, dtype=x0.dtype, device=x0.device)  # a few numbers: copied to x0's device
            if t.dim() != 1 or t.numel() < 2 or t[0] != 0 or not bool((t[1:] > t[:-1]).all()) or not bool(torch.isfinite(t).all()):
                raise ValueError("GraphODE: times must be a 1-D finite increasing tensor starting at 0 with at least two entries")
        # Build the field's operator once per solve. Not under the adjoint: its backward pass differentiates only
        # what the field computes inside f(t, x), so the operator must be rebuilt there.
        if isinstance(self.field, GraphField):
            self.field.prepare(x0, cache=not self.adjoint)
        self.field.nfe = 0
        options = {"max_num_steps": self.max_steps} if self.method == "dopri5" else {"step_size": self.step_size}
        solve = odeint_adjoint if self.adjoint else odeint
        kwargs = dict(method=self.method, options=options, rtol=self.rtol, atol=self.atol)
        if self.adjoint:
            kwargs["adjoint_params"] = tuple(self.field.parameters())
        try:
            xs = solve(self.field, x0, t, **kwargs)
        except AssertionError as err:  # torchdiffeq reports solver failures with bare assertions
            raise ODESolveError(self._explain(str(err))) from err
        finally:
            if isinstance(self.field, GraphField):
                self.field.release()
        return xs[-1] if times is None else xs

    def _explain(self, message: str) -> str:
        field = type(self.field).__name__
        beta = getattr(self.field, "beta", None)
        detail = f"{field}" + (f" with beta={float(beta):g}" if isinstance(beta, torch.Tensor) and beta.numel() == 1 else "")
        if "max_num_steps" in message:
            return (f"GraphODE: dopri5 needed more than max_steps={self.max_steps} steps to integrate {detail} to T={self.T}: the field "
                    "is too stiff for the tolerances (a large repulsion or double-well strength on high-degree nodes). Use a "
                    "fixed-step method (method='rk4' with a step_size), a smaller T, beta or delta, looser rtol/atol, or a larger max_steps")
        if "underflow" in message:
            return (f"GraphODE: {self.method} shrank its step to nothing integrating {detail} to T={self.T} ({message}); the field "
                    "is too stiff or blows up; use a smaller beta or delta, or a fixed-step method")
        if "non-finite" in message:
            return (f"GraphODE: the state of {detail} became non-finite before T={self.T} ({message[:80]}); the field blows up; use a "
                    "smaller beta, delta or T")
        return f"GraphODE: the {self.method} solve of {detail} to T={self.T} failed: {message[:200]}"

    @property
    def nfe(self) -> int:
        """Function evaluations of the last solve."""
        return self.field.nfe

    def extra_repr(self) -> str:
        return f"T={self.T}, method={self.method!r}, step_size={self.step_size}, adjoint={self.adjoint}, max_steps={self.max_steps}"
