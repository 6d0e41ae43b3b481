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

__all__ = ["device", "seed_everything", "fast_mode", "offline", "pick", "setup_line"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def device(prefer=None) -> torch.device:
    """The device to compute on: CUDA when available, else CPU.

    Args:
        prefer: ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` (or a ``torch.device``) to force a choice. CUDA without a GPU
            raises ``ValueError``.
    """
    if prefer is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(prefer)
    except (RuntimeError, TypeError):
        dev = None
    if dev is None or dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device: prefer must be None, 'cpu', 'cuda' or 'cuda:N', got {prefer!r}")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device: {prefer!r} was requested but torch.cuda.is_available() is False; use 'cpu'")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"device: {prefer!r} was requested but there are {torch.cuda.device_count()} CUDA device(s)")
    return dev


def seed_everything(seed: int = 0, deterministic: bool = False) -> int:
    """Seed Python, NumPy and torch (CPU and CUDA) so a run repeats. Returns the seed.

    On a CPU, runs repeat bit for bit only with a fixed thread count as well (scatter-add sums in a
    thread-dependent order); set ``torch.set_num_threads`` when that matters. On CUDA, scatter-adds
    (``index_add``, PyG's ``softmax``) sum in an order that changes from run to run; ``deterministic=True``
    asks torch for deterministic kernels where they exist (``torch.use_deterministic_algorithms(True,
    warn_only=True)``: a warning, not an error, where none exists) and sets the cuBLAS workspace variable they
    need. Even then a CUDA run need not equal a CPU run.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed_everything: seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
    return seed


def _flag(var: str) -> bool | None:
    """The boolean environment variable ``var``: ``None`` when unset or empty; any value but
    1/0/true/false/yes/no/on/off (any case) is a ``ValueError``."""
    value = os.environ.get(var, "").strip().lower()
    if not value:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{var} must be one of 1/0/true/false/yes/no/on/off (any case) or unset, got {os.environ[var]!r}")


def fast_mode() -> bool:
    """True when experiments should be shrunk (``PHYSGNN_FAST=1``, or ``CI`` set and not ``PHYSGNN_FAST=0``)."""
    flag = _flag("PHYSGNN_FAST")
    return bool(os.environ.get("CI")) if flag is None else flag


def offline() -> bool:
    """True when nothing may be fetched from the internet (``PHYSGNN_OFFLINE=1``): datasets and saved results.

    Accepted values: 1/0/true/false/yes/no/on/off (any case); unset or empty means online. Anything else
    (``PHYSGNN_OFFLINE=2``) is a ``ValueError``, never a silent guess.
    """
    return bool(_flag("PHYSGNN_OFFLINE"))


def pick(fast, full):
    """``fast`` in fast mode, ``full`` otherwise: ``epochs = pick(50, 500)``."""
    return fast if fast_mode() else full


def setup_line(chapter: str, device: torch.device, fast: bool) -> str:
    """What a chapter's setup cell prints: the package version, the device and the mode; on a CPU at full size, also
    how long the chapter took there (from ``physgnn.runtimes``) and how to switch to fast mode."""
    from . import __version__
    from .runtimes import cpu_note

    note = cpu_note(chapter, device, fast)
    return f"physgnn {__version__} on {device}; fast mode: {fast}" + (f"\n{note}" if note else "")
