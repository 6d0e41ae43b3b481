r"""The pieces every stacked model is built from: K members side by side, member-major.

A hidden state of K members is one tensor [K, N, d] (member k's nodes are rows k·N … k·N + N − 1 of its
[K·N, d] view). Member k's weights are slice k of a stacked tensor, so a linear layer is one batched product,
:math:`H_k W_k^\top + b_k` for every k (``torch.baddbmm``). A graph product uses the block-diagonal graph of K
copies, :math:`\operatorname{diag}(S, \dots, S)`, on the [K·N, d] view: one sparse product serves all members and
never mixes them (row k·N + i only reads rows of block k). Sparse input features are stacked the same way, as a
[K·N, K·F] CSR matrix whose block k holds member k's dropped-out features, times the weights stacked as [K·F, d].
"""

from __future__ import annotations

import torch

from .. import _checks
from .._identity import TensorKey, matches
from .dropout import as_csr, dense_input, sparse_input_values

__all__ = ["stack", "check_features", "union_edges", "linear", "csr_product", "InputLayer"]


def check_features(x, in_channels: int, where: str) -> torch.Tensor:
    """``x`` must be floating point of shape [N, in_channels] (the features every member shares)."""
    x = _checks.features(x, where)
    if x.dim() != 2 or x.size(1) != in_channels:
        raise ValueError(f"{where}: x must have shape [N, {in_channels}], got {tuple(x.shape)}")
    return x


def stack(tensors) -> torch.Tensor:
    """The members' tensors stacked along a new first axis [K, ...], as a fresh tensor (no link to the originals)."""
    return torch.stack([t.detach() for t in tensors]).clone()


def union_edges(edge_index: torch.Tensor, num_nodes: int, members: int) -> torch.Tensor:
    """The edges [2, K·E] of K disjoint copies of a graph: copy k's nodes are shifted by k·N (member-major)."""
    shift = torch.arange(members, device=edge_index.device).repeat_interleave(edge_index.size(1)) * num_nodes
    return edge_index.repeat(1, members) + shift


def linear(h: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """Every member's linear map: h [K, N, a], weight [K, b, a] (torch's layout), bias [K, b] → [K, N, b]."""
    if bias is None:
        return torch.bmm(h, weight.transpose(1, 2))
    return torch.baddbmm(bias.unsqueeze(1), h, weight.transpose(1, 2))


def csr_product(s: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """S x for a CSR matrix S [M, N] and a dense x [N, d], written into a fresh tensor [M, d]. ``s @ x`` zero-fills
    its output and copies it once more, two passes over [M, d] it does not need; with beta = 0 ``addmm`` ignores
    the output's prior contents (NaN included)."""
    out = x.new_empty(s.size(0), x.size(1))
    return torch.addmm(out, s, x, beta=0, out=out)


class _BlockProduct(torch.autograd.Function):
    """y = B w for the block CSR features B [K·N, K·F] (no gradient) and stacked weights w [K·F, d]. Backward:
    ∂L/∂w = Bᵀ ∂L/∂y with Bᵀ from a transposed pattern built once (torch's own backward converts B to its
    transpose on every call, which costs more than the product)."""

    @staticmethod
    def forward(ctx, values, weight, pattern):
        crow, col, crow_t, col_t, order_t, size = pattern
        ctx.transposed = torch.sparse_csr_tensor(crow_t, col_t, values[order_t], (size[1], size[0]), check_invariants=False)
        return csr_product(torch.sparse_csr_tensor(crow, col, values, size, check_invariants=False), weight)

    @staticmethod
    def backward(ctx, grad):
        return None, csr_product(ctx.transposed, grad.contiguous()), None


class InputLayer:
    """Input dropout then each member's linear map, on features [N, F] shared by the members.

    Sparse features (as :func:`physgnn.models.dropout.input_dropout` decides) go through one block CSR product;
    dense ones through a batched product of the K dropped-out copies. The block pattern is built once per input.
    """

    def __init__(self):
        self._key, self._pattern = None, None

    def _block_pattern(self, csr: torch.Tensor, members: int):
        extra = (members, tuple(csr.shape))
        if not matches(self._key, csr, extra=extra):
            n, f = csr.shape
            nnz = csr.values().numel()
            crow, col = csr.crow_indices(), csr.col_indices()
            # the transposed pattern [F, N] and the order that takes values there (entry e of csr has index e)
            index = torch.sparse_csr_tensor(crow, col, torch.arange(nnz, dtype=torch.float64, device=crow.device), (n, f),
                                            check_invariants=False)
            t = index.t().to_sparse_csr()
            order = t.values().long()
            self._pattern = (*_blocks(crow, col, nnz, f, members), *_blocks(t.crow_indices(), t.col_indices(), nnz, n, members),
                             (order.unsqueeze(0) + nnz * torch.arange(members, device=order.device).unsqueeze(1)).reshape(-1),
                             (members * n, members * f))
            self._key = TensorKey.of(csr, extra=extra)
        return self._pattern

    def __call__(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, p: float, training: bool, generators) -> torch.Tensor:
        """x [N, F], weight [K, F, d] (stored transposed, so that its [K·F, d] view is free), bias [K, d] or
        None → [K, N, d]."""
        members, n = weight.size(0), x.size(0)
        csr = as_csr(x)
        if csr is None:
            h = dense_input(x, p, training, generators)
            return torch.bmm(h, weight) if bias is None else torch.baddbmm(bias.unsqueeze(1), h, weight)
        crow, col, crow_t, col_t, order_t, size = self._block_pattern(csr, members)
        values = sparse_input_values(csr, p, training, generators).reshape(-1)
        flat = weight.reshape(size[1], -1)
        if torch.is_grad_enabled() and weight.requires_grad:
            out = _BlockProduct.apply(values, flat, (crow, col, crow_t, col_t, order_t, size))
        else:  # nothing to differentiate: no transposed copy
            out = csr_product(torch.sparse_csr_tensor(crow, col, values, size, check_invariants=False), flat)
        out = out.view(members, n, -1)
        return out if bias is None else out + bias.unsqueeze(1)


def _blocks(crow: torch.Tensor, col: torch.Tensor, nnz: int, width: int, members: int):
    """crow and col of K copies of a CSR pattern on the diagonal (copy k's columns shifted by k·width)."""
    k = torch.arange(members, device=crow.device).unsqueeze(1)
    crow_big = torch.cat([(crow[:-1].unsqueeze(0) + k * nnz).reshape(-1), crow.new_tensor([members * nnz])])
    return crow_big, (col.unsqueeze(0) + k * width).reshape(-1)
