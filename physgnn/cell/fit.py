"""Train every (split, seed) member of one cell at once: the batched counterpart of :func:`physgnn.train.fit`.

A cell is one (dataset, model, setting); its members are the (split, seed) runs that :func:`physgnn.train.fit`
would train one after another, each as ``torch.manual_seed(seed)``, ``make_model()``, ``fit(model, split)``.
:func:`fit_cell` builds those same K models (under the same seeds, so with the same initial parameters), stacks
them into one model (:mod:`physgnn.cell.ode`, :mod:`physgnn.cell.official`, :mod:`physgnn.cell.baselines`) and
trains it with one Adam on the sum of the K training losses. The members share no parameter and Adam and weight
decay act elementwise, so member k receives exactly the gradient and the update of its own loss. Its dropout masks
are drawn from a generator started where its separate run's global generator stands after building the model, in
the same order, so they are the same masks. What differs is only the order of floating-point sums in batched
products, so every member's scores equal its separate run's to rounding (see tests/test_batched.py).

Early stopping is per member, with :func:`~physgnn.train.fit`'s rule: member k's best epoch has the highest
validation score (ties to the lower validation loss) and k stops ``patience`` epochs after it. A stopped member
leaves the loss, and once a quarter of the batch has stopped, the stopped members leave the batch: their slices of
every parameter and Adam moment are dropped, so the others stop paying for them. The batch ends when every member
has stopped. A member whose outputs or training loss are not finite on an epoch is treated as
:func:`~physgnn.train.fit` treats it: NaN scores, never chosen, flagged in ``diverged_at`` and ``diverged_epochs``.
Time is shared out: each member's ``seconds`` and ``cpu_seconds`` are the batch's in proportion to its epochs, so
they add up to the batch's cost.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Callable

import torch
from torch import nn
from tqdm.auto import tqdm

from ..models.acmp import ACMP, GRAND, OfficialACMP
from ..train import FitResult, score
from .baselines import STACKED
from .ode import StackedODE
from .official import StackedOfficialACMP

__all__ = ["fit_cell", "stack_models"]


def _check_members(members, n_splits: int) -> list[tuple[int, int]]:
    try:
        members = [tuple(m) for m in members]
    except TypeError:
        raise ValueError("fit_cell: members must be a list of (split, seed) pairs of integers, e.g. [(0, 0), (1, 1)]") from None
    if not members:
        raise ValueError("fit_cell: members is empty; give at least one (split, seed) pair")
    for m in members:
        if len(m) != 2 or any(isinstance(v, bool) or not isinstance(v, int) for v in m):
            raise ValueError(f"fit_cell: each member must be a (split, seed) pair of integers, got {m!r}")
        if not 0 <= m[0] < n_splits:
            raise ValueError(f"fit_cell: split {m[0]} does not exist; data has {n_splits} split(s), numbered 0..{n_splits - 1}")
    if len(set(members)) < len(members):
        raise ValueError("fit_cell: members repeat a (split, seed) pair; each pair is one run, list it once")
    return members


def stack_models(models, generators) -> nn.Module:
    """One stacked model of ``models`` (equal configurations), member k drawing dropout from ``generators[k]``."""
    first = models[0]
    with warnings.catch_warnings():  # a learned β prints itself through float(), which warns about its gradient
        warnings.simplefilter("ignore", UserWarning)
        same = [repr(m) == repr(first) for m in models]
    for m, equal in zip(models, same):
        if type(m) is not type(first) or [p.shape for p in m.parameters()] != [p.shape for p in first.parameters()] or not equal:
            raise ValueError("fit_cell: make_model() must build the same configuration every time (one cell = one setting); "
                             f"got {type(first).__name__} and {type(m).__name__} that differ")
    if type(first) in (ACMP, GRAND):
        return StackedODE(models, generators)
    if type(first) is OfficialACMP:
        return StackedOfficialACMP(models, generators)
    if type(first) in STACKED:
        return STACKED[type(first)](models, generators)
    raise ValueError(f"fit_cell: {type(first).__name__} cannot be stacked; supported: ACMP, OfficialACMP, GRAND, GCN, GCNII, MLP "
                     "(train other models with physgnn.train.fit)")


def _build(make_model, seeds):
    """The K models as their separate runs build them, and K generators at the states those runs continue from.
    The caller's global generator is left as it was."""
    models, generators = [], []
    with torch.random.fork_rng(devices=[]):
        for seed in seeds:
            torch.manual_seed(seed)
            model = make_model()
            if not isinstance(model, nn.Module):
                raise ValueError(f"fit_cell: make_model() must return a torch.nn.Module, got {type(model).__name__}")
            g = torch.Generator()
            g.set_state(torch.get_rng_state())
            models.append(model)
            generators.append(g)
    return models, generators


def _split_masks(data, splits, device):
    """Train/val/test masks [K, N] of the members' splits."""
    out = []
    for name in ("train_mask", "val_mask", "test_mask"):
        m = getattr(data, name)
        out.append((m.unsqueeze(1).expand(-1, len(splits)) if m.dim() == 1 else m[:, list(splits)]).t().contiguous().to(device))
    return out


def _accuracy(pred: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> list[float]:
    """Accuracy of every member on its mask, as float32 counts divided, which is what ``score`` computes."""
    correct = ((pred == y) & mask).sum(1).float()
    return (correct / mask.sum(1).float()).tolist()


def _masked_cross_entropy(logits: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Every member's mean cross-entropy over its mask, [K], as ``cross_entropy(logits[k][mask[k]], y[mask[k]])``
    gives it (to rounding), in one pass: the validation loss that breaks ties between epochs."""
    nll = -torch.log_softmax(logits, -1).gather(-1, y.expand(logits.size(0), -1).unsqueeze(-1)).squeeze(-1)
    return nll.where(mask, 0).sum(1) / mask.sum(1)


def fit_cell(
    make_model: Callable[[], nn.Module],
    data,
    members,
    *,
    epochs: int = 200,
    lr: float = 0.01,
    weight_decay: float = 5e-4,
    patience: int = 50,
    metric: str | None = None,
    chunk: int | None = None,
    progress: bool = True,
    desc: str | None = None,
) -> list[FitResult]:
    """Train member k = (split, seed) of ``members`` as ``torch.manual_seed(seed)``, ``fit(make_model(), split)``
    would, all at once; returns their :class:`~physgnn.train.FitResult` in the order of ``members``.

    Args:
        make_model: builds one model (ACMP, OfficialACMP, GRAND, GCN, GCNII or MLP), the same configuration at every call.
        data: a PyG ``Data`` with ``x``, ``y``, ``edge_index`` and masks [N, S] (or [N]: one split, number 0).
        members: (split, seed) pairs.
        epochs, lr, weight_decay, patience, metric: as in :func:`physgnn.train.fit`.
        chunk: train at most this many members at once (memory grows with K: one state of [K·N, d] per solver
            stage is kept for the backward pass); ``None`` trains all together.
    """
    for key in ("x", "y", "edge_index", "train_mask", "val_mask", "test_mask"):
        if getattr(data, key, None) is None:
            raise ValueError(f"fit_cell: data must have {key!r} (a PyG Data with x, y, edge_index and split masks)")
    n_splits = 1 if data.train_mask.dim() == 1 else data.train_mask.size(1)
    members = _check_members(members, n_splits)
    metric = metric or getattr(data, "metric", "accuracy")
    if metric not in ("accuracy", "roc_auc"):
        raise ValueError(f"fit_cell: unknown metric {metric!r}; allowed: 'accuracy', 'roc_auc'")
    for name, v in (("epochs", epochs), ("patience", patience)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"fit_cell: {name} must be a positive integer, got {v!r}")
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1):
        raise ValueError(f"fit_cell: chunk must be None or a positive integer, got {chunk!r}")
    if not lr > 0 or weight_decay < 0:
        raise ValueError(f"fit_cell: need lr > 0 and weight_decay >= 0, got lr={lr}, weight_decay={weight_decay}")
    chunk = chunk or len(members)
    out = []
    for start in range(0, len(members), chunk):
        out += _fit_batch(make_model, data, members[start:start + chunk], epochs, lr, weight_decay, patience, metric, progress, desc)
    return out


def _shrink(model: nn.Module, opt: torch.optim.Adam, keep: list[int]) -> None:
    """Keep only the members at positions ``keep`` of the batch: every parameter and its Adam moments are sliced
    along the member axis (the values themselves are untouched), and the model drops its other members' state."""
    index = torch.tensor(keep, device=next(model.parameters()).device)
    params = []
    for module in model.modules():
        for name, p in list(module._parameters.items()):
            if p is None:
                continue
            q = nn.Parameter(p.detach()[index].clone())
            state = opt.state.pop(p, {})
            opt.state[q] = {key: v[index].clone() if torch.is_tensor(v) and v.dim() > 0 else v for key, v in state.items()}
            module._parameters[name] = q
            params.append(q)
    opt.param_groups[0]["params"] = params
    model.keep(keep)


def _fit_batch(make_model, data, members, epochs, lr, weight_decay, patience, metric, progress, desc) -> list[FitResult]:
    splits, seeds = zip(*members)
    models, generators = _build(make_model, seeds)
    device = next(models[0].parameters()).device
    model = stack_models(models, generators).to(device)
    del models
    k = len(members)
    x, y, ei = data.x.to(device), data.y.to(device), data.edge_index.to(device)
    all_masks = _split_masks(data, splits, device)
    # fused: one pass over each stacked parameter per step instead of about eight (the same update as fit's Adam,
    # to rounding); a stacked parameter is K times larger than a member's, too large for the cache at every pass
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay, fused=device.type in ("cpu", "cuda"))
    hist = [{key: [] for key in ("loss", "train", "val", "test")} for _ in range(k)]
    # as in fit: no best epoch yet (-1, NaN scores) until a finite one comes
    best = [((-math.inf, -math.inf), -1, (math.nan,) * 3) for _ in range(k)]
    diverged_at, diverged_epochs = [None] * k, [0] * k
    stopped = [None] * k  # epochs run, once a member has stopped
    alive = list(range(k))  # the members still in the batch, in batch order
    start, cpu_start = time.perf_counter(), time.process_time()
    bar = tqdm(range(epochs), desc=desc or f"{type(model).__name__} x{k}", disable=not progress, leave=False)
    for epoch in bar:
        stopped_in_batch = [j for j, i in enumerate(alive) if stopped[i] is not None]
        if len(stopped_in_batch) * 4 >= len(alive):
            # a quarter of the batch has stopped: drop those members, whose results are fixed, so that the others
            # no longer carry them
            keep = [j for j, i in enumerate(alive) if stopped[i] is None]
            _shrink(model, opt, keep)
            alive = [alive[j] for j in keep]
        else:
            stopped_in_batch = []
        if epoch == 0 or stopped_in_batch:
            train, val, test = (m[alive] for m in all_masks)
            # (member, node) pairs of the training loss, and each member's number of training nodes
            who, node = train.nonzero(as_tuple=True)
            n_train = train.sum(1).to(x.dtype)
        active = torch.tensor([stopped[i] is None for i in alive], device=device)
        model.train()
        opt.zero_grad()
        logits = model(x, ei)
        # member k's loss is the mean cross-entropy over its training nodes, as in fit; summing the losses
        # gives each member exactly its own gradient
        per_node = nn.functional.cross_entropy(logits[who, node], y[node], reduction="none")
        losses = torch.zeros(len(alive), dtype=per_node.dtype, device=device).index_add(0, who, per_node) / n_train
        losses[active].sum().backward()
        opt.step()
        model.eval()
        with torch.no_grad():
            logits = model(x, ei)
        finite = (torch.isfinite(logits).flatten(1).all(1) & torch.isfinite(losses.detach())).tolist()
        pred = logits.argmax(-1)
        acc = [_accuracy(pred, y, m) for m in (train, val, test)] if metric == "accuracy" else None
        val_losses = _masked_cross_entropy(logits, y, val).tolist()
        losses = losses.tolist()
        for j, i in enumerate(alive):
            if stopped[i] is not None:
                continue
            if finite[j]:
                if acc is not None:
                    scores = tuple(a[j] for a in acc)
                else:
                    scores = tuple(score(logits[j], y, m[j], metric) for m in (train, val, test))
                if (scores[1], -val_losses[j]) > best[i][0]:
                    best[i] = ((scores[1], -val_losses[j]), epoch, scores)
            else:  # as in fit: a diverged member scores NaN, cannot be chosen, and is flagged
                scores = (math.nan,) * 3
                diverged_epochs[i] += 1
                if diverged_at[i] is None:
                    diverged_at[i] = epoch
                    warnings.warn(f"fit_cell: member (split, seed) = {members[i]} produced non-finite outputs at epoch {epoch}; "
                                  "it is flagged (FitResult.diverged_at) and its scores are those of its best finite epoch",
                                  RuntimeWarning, stacklevel=3)
            hist[i]["loss"].append(losses[j])
            for key, s in zip(("train", "val", "test"), scores):
                hist[i][key].append(s)
            if epoch - max(best[i][1], 0) >= patience:
                stopped[i] = epoch + 1
        if all(s is not None for s in stopped):
            break
        bar.set_postfix(running=sum(s is None for s in stopped))
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    runs = [s if s is not None else epoch + 1 for s in stopped]
    total = sum(runs)
    results = []
    for i in range(k):
        tr, va, te = best[i][2]
        share = runs[i] / total
        results.append(FitResult(test=te, val=va, train=tr, best_epoch=best[i][1], epochs_run=runs[i], seconds=seconds * share, metric=metric,
                                 history=hist[i], cpu_seconds=cpu_seconds * share, diverged_at=diverged_at[i],
                                 diverged_epochs=diverged_epochs[i]))
    return results
