"""Input checks shared by the public functions: clear ``ValueError``s instead of deep torch traces."""

from __future__ import annotations

import torch

Tensor = torch.Tensor


def floating(x, where: str) -> Tensor:
    """``x`` must be a floating-point tensor (any shape)."""
    if not isinstance(x, Tensor) or not x.is_floating_point():
        raise ValueError(f"{where}: x must be a floating-point torch.Tensor, got {getattr(x, 'dtype', type(x).__name__)}")
    return x


def features(x, where: str) -> Tensor:
    """``x`` must be a floating-point tensor of shape [N, d] (or [N])."""
    if not isinstance(x, Tensor):
        raise ValueError(f"{where}: x must be a torch.Tensor of shape [N, d], got {type(x).__name__}")
    if not x.is_floating_point():
        raise ValueError(f"{where}: x must be floating point (float32 or float64), got dtype {x.dtype}; use x.float()")
    if x.dtype in (torch.float16, torch.bfloat16):
        raise ValueError(f"{where}: x has dtype {x.dtype}, which the sparse kernels do not support; use float32 (x.float()) "
                         "or float64 (x.double()) with the model converted too (model.double())")
    if x.dim() not in (1, 2):
        raise ValueError(f"{where}: x must have shape [N, d] or [N], got shape {tuple(x.shape)}")
    return x


def like_parameters(x: Tensor, module, where: str) -> Tensor:
    """``x`` must have the dtype and device of ``module``'s parameters (a clear error instead of a matmul trace)."""
    p = next(iter(module.parameters()), None)
    if p is None:
        return x
    if x.dtype != p.dtype:
        raise ValueError(f"{where}: x has dtype {x.dtype} but the model's parameters are {p.dtype}; pass x.to({p.dtype}) or "
                         f"convert the model with model.to({x.dtype})")
    if x.device != p.device:
        raise ValueError(f"{where}: x is on {x.device} but the model is on {p.device}; move both to one device "
                         f"(x.to(device) and model.to(device))")
    return x


def edges(edge_index, num_nodes: int, where: str) -> Tensor:
    """``edge_index`` must be an integer tensor [2, E] with entries in [0, num_nodes)."""
    if not isinstance(edge_index, Tensor):
        raise ValueError(f"{where}: edge_index must be a torch.Tensor of shape [2, E], got {type(edge_index).__name__}")
    if edge_index.dtype not in (torch.int64, torch.int32):
        raise ValueError(f"{where}: edge_index must hold integers (torch.long), got dtype {edge_index.dtype}")
    if edge_index.dim() != 2 or edge_index.size(0) != 2:
        raise ValueError(f"{where}: edge_index must have shape [2, E], got shape {tuple(edge_index.shape)}")
    if edge_index.numel() and (int(edge_index.min()) < 0 or int(edge_index.max()) >= num_nodes):
        raise ValueError(
            f"{where}: edge_index entries must lie in [0, {num_nodes - 1}] for {num_nodes} nodes, found "
            f"min {int(edge_index.min())} and max {int(edge_index.max())}"
        )
    return edge_index.long()


def edge_weights(edge_weight, num_edges: int, where: str) -> Tensor | None:
    """``edge_weight`` is ``None`` or a floating tensor [E]."""
    if edge_weight is None:
        return None
    if not isinstance(edge_weight, Tensor) or not edge_weight.is_floating_point():
        raise ValueError(f"{where}: edge_weight must be None or a floating-point tensor of shape [E]")
    if edge_weight.shape != (num_edges,):
        raise ValueError(f"{where}: edge_weight must have shape [{num_edges}] (one weight per edge), got {tuple(edge_weight.shape)}")
    return edge_weight


def _same_device(value, name: str, where: str, like: Tensor) -> None:
    if isinstance(value, Tensor) and value.device != like.device:
        raise ValueError(f"{where}: {name} is on {value.device} but x on {like.device}; move {name} to {like.device}")


def channel_param(value, channels: int, name: str, where: str, like: Tensor) -> Tensor:
    """A scalar or a [d] vector (per channel), returned as a tensor broadcastable against [N, d]."""
    _same_device(value, name, where, like)
    t = value if isinstance(value, Tensor) else torch.as_tensor(value, dtype=like.dtype, device=like.device)
    if not t.is_floating_point() and t.dim() == 0:
        t = t.to(like.dtype)
    if t.dim() == 0 or (t.dim() == 1 and t.numel() == channels):
        return t
    raise ValueError(f"{where}: {name} must be a scalar or have shape [{channels}] (one value per channel), got shape {tuple(t.shape)}")


def scalar_param(value, name: str, where: str, like: Tensor) -> Tensor:
    _same_device(value, name, where, like)
    t = value if isinstance(value, Tensor) else torch.as_tensor(value, dtype=like.dtype, device=like.device)
    if t.dim() != 0:
        raise ValueError(f"{where}: {name} must be a scalar (a number or a 0-d tensor), got shape {tuple(t.shape)}")
    return t


def positive(value, name: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{where}: {name} must be a positive number, got {value!r}")
    return float(value)


def choice(value, allowed, name: str, where: str):
    if value not in allowed:
        raise ValueError(f"{where}: unknown {name} {value!r}; allowed: {', '.join(map(repr, allowed))}")
    return value


def positive_int(value, name: str, where: str, low: int = 1) -> int:
    """``value`` must be an integer (not a bool) of at least ``low``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{where}: {name} must be an integer >= {low}, got {value!r}")
    return value


def dropout_rate(value, where: str, name: str = "dropout") -> float:
    """``value`` must be a number in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{where}: {name} must be a number in [0, 1), got {value!r}")
    return float(value)
