r"""The fixed-step solve of a stacked model: the steps torchdiffeq's ``odeint`` takes, with fewer passes over the state.

A stacked state holds K members (tens of thousands of rows on a small graph), so every elementwise pass over it
costs real memory traffic. ``torchdiffeq.odeint`` spends passes that a fixed-step solve of an autonomous field
does not need: its wrapper takes ``y.abs()`` at every evaluation (only to read a dtype), the 3/8-rule update is
written as eighteen tensor operations per step, and the end state is copied into a solution tensor. :func:`solve`
takes the same steps, on the same time grid, with the same stage formulas, each stage written as a few fused
``add(other, alpha=...)`` passes. The stage states therefore equal torchdiffeq's to rounding (a product such as
:math:`\Delta t\,k_1/3` is rounded once instead of twice), as the batched sums of the stacked model already do.

Methods (``torchdiffeq`` names), with step :math:`h` and :math:`k_i` the field at the i-th stage:

* ``euler``: :math:`y_1 = y_0 + h k_1`;
* ``midpoint``: :math:`k_2 = f(y_0 + \tfrac h2 k_1)`, :math:`y_1 = y_0 + h k_2`;
* ``rk4`` (torchdiffeq's 3/8 rule): :math:`k_2 = f(y_0 + \tfrac h3 k_1)`, :math:`k_3 = f(y_0 + h(k_2 - \tfrac13 k_1))`,
  :math:`k_4 = f(y_0 + h(k_1 - k_2 + k_3))`, :math:`y_1 = y_0 + \tfrac h8 (k_1 + 3k_2 + 3k_3 + k_4)`.

Shapes: ``solve(field, y0, ...)``: y0 of any shape → y(T) of the same shape; ``field(y)`` returns dy/dt shaped as y.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

__all__ = ["METHODS", "time_steps", "solve"]

METHODS = ("euler", "midpoint", "rk4")


def time_steps(T: float, step_size: float, dtype: torch.dtype) -> list[float]:
    """The step lengths of torchdiffeq's fixed grid on [0, T]: ⌈T/τ + 1⌉ points τ apart in ``dtype``, the last one
    moved to T (so the last step may be shorter)."""
    if not (isinstance(T, (int, float)) and math.isfinite(T) and T > 0):
        raise ValueError(f"solve: T must be a positive number, got {T!r}")
    if not (isinstance(step_size, (int, float)) and math.isfinite(step_size) and step_size > 0):
        raise ValueError(f"solve: step_size must be a positive number, got {step_size!r}")
    end = torch.tensor(T, dtype=dtype)
    points = int(torch.ceil(end / step_size + 1).item())
    grid = torch.arange(0, points, dtype=dtype) * step_size
    grid[-1] = end
    return (grid[1:] - grid[:-1]).tolist()


def solve(field: Callable[[torch.Tensor], torch.Tensor], y0: torch.Tensor, T: float, step_size: float, method: str) -> torch.Tensor:
    """y(T) of dy/dt = field(y), y(0) = ``y0``, with fixed steps of ``method`` (see the module docstring)."""
    if method not in METHODS:
        raise ValueError(f"solve: method must be one of {', '.join(METHODS)} (a fixed-step method), got {method!r}")
    y = y0
    for h in time_steps(T, step_size, y0.dtype):
        k1 = field(y)
        if method == "euler":
            y = torch.add(y, k1, alpha=h)
        elif method == "midpoint":
            y = torch.add(y, field(torch.add(y, k1, alpha=0.5 * h)), alpha=h)
        else:
            k2 = field(torch.add(y, k1, alpha=h / 3))
            k3 = field(torch.add(y, k2, alpha=h).add_(k1, alpha=-h / 3))
            k4 = field(torch.add(y, k1, alpha=h).sub_(k2, alpha=h).add_(k3, alpha=h))
            y = torch.add(y, k1, alpha=h / 8).add_(k2, alpha=3 * h / 8).add_(k3, alpha=3 * h / 8).add_(k4, alpha=h / 8)
    return y
