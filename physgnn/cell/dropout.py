"""Dropout for K stacked members, each drawing from its own generator exactly what its separate run draws.

A separate run (``torch.manual_seed(seed)``, build the model, :func:`physgnn.train.fit`) draws its dropout masks
from torch's global generator, in a fixed order: the masks of one forward pass, layer by layer, epoch after epoch.
Member k of a stacked model holds a ``torch.Generator`` started from the global state its separate run has right
after building its model, and draws the same masks in the same order. On a CPU ``torch.nn.functional.dropout(x, p)``
is ``x * (bernoulli(1 − p) / (1 − p))`` with the noise drawn into an empty tensor shaped like ``x``, so drawing it
into member k's slice from member k's generator gives the very same mask, bit for bit (tested).

Shapes: ``dropout``: h [K, N, d] → [K, N, d]; ``input_masks``: x [N, F] → the masked features of every member.
"""

from __future__ import annotations

import torch

from ..models.dropout import _as_csr

__all__ = ["dropout", "sparse_input_values", "dense_input"]


def dropout(h: torch.Tensor, p: float, training: bool, generators) -> torch.Tensor:
    """Dropout on ``h`` [K, ...]: slice k gets the mask ``F.dropout`` would draw from ``generators[k]``."""
    if not training or p == 0.0:
        return h
    noise = torch.empty_like(h)
    for k, g in enumerate(generators):
        noise[k].bernoulli_(1.0 - p, generator=g)
    noise.div_(1.0 - p)
    return h * noise


def sparse_input_values(csr: torch.Tensor, p: float, training: bool, generators) -> torch.Tensor:
    """The non-zero values [K, nnz] of every member's input after dropout on the CSR features ``csr``, as
    :func:`physgnn.models.dropout.input_dropout` computes them (a uniform draw per non-zero, kept if ≥ p)."""
    values = csr.values()
    if not training or p == 0.0:
        return values.expand(len(generators), -1)
    out = values.new_empty(len(generators), values.numel())
    for k, g in enumerate(generators):
        keep = torch.rand(values.shape, device=values.device, generator=g) >= p
        out[k] = values * keep / (1.0 - p)
    return out


def dense_input(x: torch.Tensor, p: float, training: bool, generators) -> torch.Tensor:
    """Every member's dense input [K, N, F] after dropout (a stride-0 view of ``x`` when nothing is dropped)."""
    stacked = x.expand(len(generators), *x.shape)
    return dropout(stacked, p, training, generators)


def as_csr(x: torch.Tensor) -> torch.Tensor | None:
    """The CSR form of ``x`` if the separate models treat it as sparse (the same rule and cache), else ``None``."""
    if x.requires_grad:
        return None
    return _as_csr(x)
