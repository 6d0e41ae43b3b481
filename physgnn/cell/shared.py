r"""One evaluation of K stacked ACMP fields that share their operator, as a single autograd node.

With fixed couplings (``"gcn"``, ``"rw"``) and a fixed β, the linear part S of book eq. :eq:`acmp` (edges
:math:`a_{ij} - \beta`, diagonal :math:`-1` in the code form or minus the row sum in the paper form) is **the same
matrix for every member**: only the rates differ. The K states then sit side by side as one node-major matrix
[N, K·d] (row i holds node i of every member), one sparse product :math:`S\,[H_1 \cdots H_K]` serves all members,
and the rates act column-wise:

.. math::

    F = (S H) \odot \alpha + \delta \odot H \odot (1 - H \odot H),\qquad \alpha, \delta \in \mathbb R^{K \times d}
    \text{ broadcast over nodes.}

Recorded by autograd operation by operation, one evaluation is about ten nodes, each keeping its own copy of a
state; here it is one node that keeps H and SH. Backward, with G = ∂L/∂F:

.. math::

    \partial L/\partial H = S^\top (G \odot \alpha) + G \odot \delta \odot (1 - 3H^2),\quad
    \partial L/\partial \alpha = \textstyle\sum_i (SH)_i \odot G_i,\quad
    \partial L/\partial \delta = \textstyle\sum_i H_i (1 - H_i^2) \odot G_i.

Shapes: ``shared_field(x, s, st, members, alpha, delta)``: x [N, K·d], s and st CSR [N, N], alpha and delta [K, d]
(delta may be ``None``) → [N, K·d].
"""

from __future__ import annotations

import torch

__all__ = ["shared_field"]


def _evaluate(x, s, members, alpha, delta):
    n = x.size(0)
    sx = s @ x
    out = (sx.view(n, members, -1) * alpha).view(n, -1)
    if delta is not None:
        well = torch.addcmul(x, x * x, x, value=-1)  # x − x³, as each member's own field computes it
        out.view(n, members, -1).addcmul_(well.view(n, members, -1), delta)
    return out, sx


class _SharedField(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, s, st, members, alpha, delta=None):
        out, sx = _evaluate(x, s, members, alpha, delta)
        ctx.st, ctx.members = st, members
        ctx.save_for_backward(x, sx, alpha, delta)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, sx, alpha, delta = ctx.saved_tensors
        n, k = x.size(0), ctx.members
        g = grad.view(n, k, -1)
        grad_x = ctx.st @ (g * alpha).view(n, -1)
        grad_alpha = (sx.view(n, k, -1) * g).sum(0) if ctx.needs_input_grad[4] else None
        grad_delta = None
        if delta is not None:
            xs = x.view(n, k, -1)
            x2 = xs * xs
            if ctx.needs_input_grad[5]:
                grad_delta = (torch.addcmul(xs, x2, xs, value=-1) * g).sum(0)
            grad_x.view(n, k, -1).addcmul_(g * delta, x2.mul_(-3).add_(1))
        return grad_x, None, None, None, grad_alpha, grad_delta


def shared_field(x: torch.Tensor, s: torch.Tensor, st: torch.Tensor, members: int, alpha: torch.Tensor,
                 delta: torch.Tensor | None = None) -> torch.Tensor:
    """F(H) of K members sharing S (``st`` = Sᵀ, for the backward pass); see the module docstring."""
    rates = (alpha,) if delta is None else (alpha, delta)
    if torch.is_grad_enabled() and any(t.requires_grad for t in (x, *rates)):
        return _SharedField.apply(x, s, st, members, alpha, delta)
    return _evaluate(x, s, members, alpha, delta)[0]
