"""Small conveniences every chapter needs: the device, seeding, and fast mode.

Fast mode shrinks experiments (fewer epochs, fewer splits, shorter horizons) so that each chapter runs on
two CPU cores in under two minutes. It is on when the environment variable ``PHYSGNN_FAST`` is ``1`` (or
``true``/``yes``), or when ``CI`` is set and ``PHYSGNN_FAST`` is not ``0``.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

__all__ = ["device", "seed_everything", "fast_mode", "offline", "pick"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def device(prefer: str | None = None) -> torch.device:
    """The device to compute on: CUDA when available, else CPU.

    Args:
        prefer: ``"cpu"`` or ``"cuda"`` to force a choice. ``"cuda"`` without a GPU raises ``ValueError``.
    """
    if prefer is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if prefer not in ("cpu", "cuda"):
        raise ValueError(f"device: prefer must be None, 'cpu' or 'cuda', got {prefer!r}")
    if prefer == "cuda" and not torch.cuda.is_available():
        raise ValueError("device: 'cuda' was requested but torch.cuda.is_available() is False")
    return torch.device(prefer)


def seed_everything(seed: int = 0) -> int:
    """Seed Python, NumPy and torch (CPU and CUDA) so a run repeats. Returns the seed.

    On a CPU, runs repeat bit for bit only with a fixed thread count as well (scatter-add sums in a
    thread-dependent order); set ``torch.set_num_threads`` when that matters.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed_everything: seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return seed


def fast_mode() -> bool:
    """True when experiments should be shrunk (``PHYSGNN_FAST=1``, or ``CI`` set and not ``PHYSGNN_FAST=0``)."""
    flag = os.environ.get("PHYSGNN_FAST", "").strip().lower()
    if flag in _TRUE:
        return True
    if flag in _FALSE:
        return False
    if flag:
        raise ValueError(f"PHYSGNN_FAST must be one of 1/0/true/false/yes/no/on/off, got {flag!r}")
    return bool(os.environ.get("CI"))


def offline() -> bool:
    """True when nothing may be fetched from the internet (``PHYSGNN_OFFLINE=1``): datasets and saved results."""
    return os.environ.get("PHYSGNN_OFFLINE", "").strip().lower() in _TRUE


def pick(fast, full):
    """``fast`` in fast mode, ``full`` otherwise: ``epochs = pick(50, 500)``."""
    return fast if fast_mode() else full
