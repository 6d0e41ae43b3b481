r"""One evaluation of K stacked ACMP fields that share their operator, as a single autograd node.

With fixed couplings (``"gcn"``, ``"rw"``) and a fixed β, the linear part S of book eq. :eq:`acmp` (edges
:math:`a_{ij} - \beta`, diagonal :math:`-1` in the code form or minus the row sum in the paper form) is **the same
matrix for every member**: only the rates differ. The same holds for the official ACMP code's field, whose linear
part :math:`\alpha \odot (\hat A - \beta P - I)H` has S with the :math:`-I` folded into its diagonal. The K states
then sit side by side as one node-major matrix [N, K·d] (row i holds node i of every member), one sparse product
serves all members, and the rates act column-wise:

.. math::

    F = S\,(H \odot \alpha) + \delta \odot H \odot (1 - H \odot H),\qquad \alpha, \delta \in \mathbb R^{K \times d}
    \text{ broadcast over nodes}

(α scales columns, so :math:`S(H \odot \alpha) = (SH) \odot \alpha`; scaling first is what
:class:`~physgnn.dynamics.fields.GraphField` computes). On a small graph one evaluation is a handful of passes over
the [N, K·d] state, and fresh memory costs more than a pass over memory in cache, so both are kept few. Forward:
H ⊙ α, the product (written into a fresh tensor, not added to a zeroed one) and the well :math:`W = H - H^3` in
the scaled copy's memory, three passes and the product; the node keeps only H, which the solver made anyway.
Backward, with G = ∂L/∂F and :math:`U = S^\top G`:

.. math::

    \partial L/\partial H = U \odot \alpha + G \odot \delta \odot (1 - 3H^2),\quad
    \partial L/\partial \alpha = \textstyle\sum_i H_i \odot U_i,\quad
    \partial L/\partial \delta = \textstyle\sum_i W_i \odot G_i,

one product and ten passes in one work buffer, W recomputed (keeping it from the forward was slower: its fresh
memory costs more than the two passes). Autograd, operation by operation, records about ten nodes per
evaluation, each keeping its own tensors, and takes about twice as many passes.

Shapes: ``shared_field(x, s, st, members, alpha, delta)``: x [N, K·d], s and st CSR [N, N], alpha and delta [K, d]
(delta may be ``None``) → [N, K·d].
"""

from __future__ import annotations

import torch

from .layers import csr_product

__all__ = ["shared_field"]


def _evaluate(x, s, members, alpha, delta):
    """F [N, K·d]."""
    n = x.size(0)
    scaled = (x.view(n, members, -1) * alpha).view(n, -1)
    out = csr_product(s, scaled)
    if delta is None:
        return out
    # x − x³ as x + (−1)·(x·x)·x, as each member's own field computes it, in the scaled copy's memory
    well = torch.mul(x, x, out=scaled)
    torch.addcmul(x, well, x, value=-1, out=well)
    out.view(n, members, -1).addcmul_(well.view(n, members, -1), delta)
    return out


class _SharedField(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, s, st, members, alpha, delta=None):
        ctx.st, ctx.members = st, members
        # only x is kept (the solver made it anyway): keeping W as well costs more in fresh memory written during
        # the forward than recomputing it in the backward (two passes)
        ctx.save_for_backward(x, alpha, delta)
        return _evaluate(x, s, members, alpha, delta)

    @staticmethod
    def backward(ctx, grad):
        x, alpha, delta = ctx.saved_tensors
        n, k = x.size(0), ctx.members
        grad = grad.contiguous()
        u = csr_product(ctx.st, grad)  # U = Sᵀ G
        work = torch.empty_like(x)  # one buffer for the products the reductions and the well's slope need
        grad_alpha = grad_delta = None
        if ctx.needs_input_grad[4]:
            grad_alpha = torch.mul(u, x, out=work).view(n, k, -1).sum(0)
        grad_x = u.view(n, k, -1).mul_(alpha)
        if delta is not None:
            if ctx.needs_input_grad[5]:
                well = torch.addcmul(x, torch.mul(x, x, out=work), x, value=-1, out=work)
                grad_delta = well.mul_(grad).view(n, k, -1).sum(0)
            # G ⊙ δ ⊙ (1 − 3x²): 1 − 3x² in one pass, times G in place
            slope = torch.addcmul(x.new_ones(()), x, x, value=-3, out=work).mul_(grad)
            grad_x.addcmul_(slope.view(n, k, -1), delta)
        return grad_x.view(n, -1), None, None, None, grad_alpha, grad_delta


def shared_field(x: torch.Tensor, s: torch.Tensor, st: torch.Tensor, members: int, alpha: torch.Tensor,
                 delta: torch.Tensor | None = None) -> torch.Tensor:
    """F(H) of K members sharing S (``st`` = Sᵀ, for the backward pass); see the module docstring."""
    rates = (alpha,) if delta is None else (alpha, delta)
    if torch.is_grad_enabled() and any(t.requires_grad for t in (x, *rates)):
        return _SharedField.apply(x, s, st, members, alpha, delta)
    return _evaluate(x, s, members, alpha, delta)
