"""Input dropout for sparse bag-of-words features, in O(non-zeros) instead of O(N × F).

Bag-of-words features are mostly zeros (Cora: 1.3 % non-zero). Standard dropout draws one random number per
entry, zeros included, and the first linear layer multiplies all N × F entries; on a CPU these two dominate a
training step. Dropping a zero changes nothing, so drawing only for the non-zeros gives exactly the same
distribution of outputs (each non-zero kept with probability 1 − p and scaled by 1/(1 − p)), and a CSR matrix
times the weights gives exactly the same product. :func:`input_dropout` therefore returns a sparse CSR tensor
for sparse inputs (which ``torch.nn.functional.linear`` accepts, with gradients for the weights) and a dense one
otherwise.
"""

from __future__ import annotations

import torch

from .._identity import TensorKey, matches

__all__ = ["input_dropout", "SPARSE_DENSITY"]

#: inputs with at most this fraction of non-zeros (and at least 100,000 entries) are handled as CSR
SPARSE_DENSITY = 0.1

#: the last input and its CSR form; keyed on the tensor's identity and in-place version (see physgnn._identity),
#: so a new tensor that lands at a freed one's address, or an edit in place, is never served the old copy
_CACHE: dict = {"key": None, "csr": None}


def _sparse_enough(x: torch.Tensor) -> bool:
    return x.dim() == 2 and x.numel() >= 100_000 and int(torch.count_nonzero(x)) <= SPARSE_DENSITY * x.numel()


def _as_csr(x: torch.Tensor) -> torch.Tensor | None:
    """The CSR form of ``x`` if it is large and sparse enough, else ``None`` (cached for the last input)."""
    extra = (tuple(x.shape), x.device, x.dtype)
    if not matches(_CACHE["key"], x, extra=extra):
        _CACHE["key"], _CACHE["csr"] = None, None  # drop the old copy first
        csr = x.to_sparse_csr() if _sparse_enough(x) else None
        _CACHE["key"], _CACHE["csr"] = TensorKey.of(x, extra=extra), csr
    return _CACHE["csr"]


def input_dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Dropout on node features ``x`` [N, F]. Sparse inputs come back as a CSR tensor (dropout drawn for the
    non-zeros only), dense inputs as ``torch.nn.functional.dropout`` gives them. Feed the result to a linear layer."""
    if not 0.0 <= p < 1.0:
        raise ValueError(f"input_dropout: p must be in [0, 1), got {p!r}")
    if x.requires_grad:  # a gradient w.r.t. the input needs the dense path
        return torch.nn.functional.dropout(x, p, training)
    csr = _as_csr(x)
    if csr is None:
        return torch.nn.functional.dropout(x, p, training)
    if not training or p == 0.0:
        return csr
    values = csr.values()
    keep = torch.rand(values.shape, device=values.device) >= p
    return torch.sparse_csr_tensor(csr.crow_indices(), csr.col_indices(), values * keep / (1.0 - p), csr.shape, check_invariants=False)
