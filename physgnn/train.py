"""Training with early stopping on the validation score, for one split or all of them.

The score is accuracy, or ROC AUC for two-class datasets (``data.metric == "roc_auc"``, as Platonov et al.
evaluate Minesweeper and Tolokers). The test score reported is the one at the epoch of best validation score:
the test set is never used to choose anything.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn
from tqdm.auto import tqdm

from .data import select_split

__all__ = ["FitResult", "SplitsResult", "fit", "run_splits", "score", "roc_auc"]


def roc_auc(scores: torch.Tensor, labels: torch.Tensor) -> float:
    """Area under the ROC curve of ``scores`` [n] for binary ``labels`` [n] (rank statistic, ties averaged)."""
    labels = labels.bool()
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("roc_auc: needs at least one positive and one negative label")
    order = torch.argsort(scores.double())
    s = scores.double()[order]
    ranks = torch.empty_like(s)
    ranks[order] = torch.arange(1, len(s) + 1, dtype=torch.float64)
    # average the ranks of tied scores
    uniq, inverse, counts = torch.unique(s, return_inverse=True, return_counts=True)
    if len(uniq) < len(s):
        sums = torch.zeros(len(uniq), dtype=torch.float64).index_add_(0, inverse, ranks[order])
        ranks[order] = (sums / counts)[inverse]
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def score(logits: torch.Tensor, y: torch.Tensor, mask: torch.Tensor, metric: str = "accuracy") -> float:
    """Accuracy or ROC AUC (positive class 1) of ``logits`` [N, C] on the nodes in ``mask``."""
    if metric == "accuracy":
        return float((logits[mask].argmax(-1) == y[mask]).float().mean())
    if metric == "roc_auc":
        return roc_auc(logits[mask, 1] - logits[mask, 0], y[mask])
    raise ValueError(f"score: unknown metric {metric!r}; allowed: 'accuracy', 'roc_auc'")


@dataclass
class FitResult:
    """What :func:`fit` returns. Scores are fractions in [0, 1]."""

    test: float
    val: float
    train: float
    best_epoch: int
    epochs_run: int
    seconds: float
    metric: str
    history: dict = field(default_factory=dict)
    #: CPU seconds of the training loop (this process, all its threads); ``seconds`` is wall-clock time, which
    #: also counts waiting when other processes share the cores.
    cpu_seconds: float = 0.0

    @property
    def seconds_per_epoch(self) -> float:
        return self.seconds / max(self.epochs_run, 1)


def _check_data(data):
    for key in ("x", "y", "edge_index", "train_mask", "val_mask", "test_mask"):
        if getattr(data, key, None) is None:
            raise ValueError(f"fit: data must have {key!r} (a PyG Data with x, y, edge_index and split masks)")
    if data.train_mask.dim() != 1:
        raise ValueError("fit: data has several splits (masks [N, S]); pick one with physgnn.data.select_split(data, i) or use run_splits")


def fit(
    model: nn.Module,
    data,
    *,
    epochs: int = 200,
    lr: float = 0.01,
    weight_decay: float = 5e-4,
    patience: int = 50,
    metric: str | None = None,
    device: torch.device | str | None = None,
    progress: bool = True,
    desc: str | None = None,
) -> FitResult:
    """Train ``model`` (called as ``model(x, edge_index)`` → logits [N, C]) with Adam and cross-entropy on
    ``data.train_mask``; stop when the validation score has not improved for ``patience`` epochs.

    The best epoch is the one with the highest validation score; ties (common with accuracy on a few dozen
    validation nodes) go to the lower validation loss, so an untrained epoch-0 model that happens to predict the
    majority class does not win over a trained one with the same accuracy.

    Returns a :class:`FitResult` whose ``test`` is the test score of the best-validation epoch, with per-epoch
    ``history`` (``loss``, ``train``, ``val``, ``test``), wall-clock ``seconds`` and ``cpu_seconds``.
    """
    _check_data(data)
    metric = metric or getattr(data, "metric", "accuracy")
    if metric not in ("accuracy", "roc_auc"):
        raise ValueError(f"fit: unknown metric {metric!r}; allowed: 'accuracy', 'roc_auc'")
    for name, v in (("epochs", epochs), ("patience", patience)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"fit: {name} must be a positive integer, got {v!r}")
    if not lr > 0 or weight_decay < 0:
        raise ValueError(f"fit: need lr > 0 and weight_decay >= 0, got lr={lr}, weight_decay={weight_decay}")
    device = torch.device(device) if device is not None else next(model.parameters()).device
    model = model.to(device)
    x, y, ei = data.x.to(device), data.y.to(device), data.edge_index.to(device)
    masks = [m.to(device) for m in (data.train_mask, data.val_mask, data.test_mask)]
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    hist = {k: [] for k in ("loss", "train", "val", "test")}
    best = ((-math.inf, -math.inf), 0, None, (0.0, 0.0, 0.0))
    start, cpu_start = time.perf_counter(), time.process_time()
    bar = tqdm(range(epochs), desc=desc or type(model).__name__, disable=not progress, leave=False)
    epoch = 0
    for epoch in bar:
        model.train()
        opt.zero_grad()
        out = model(x, ei)
        loss = nn.functional.cross_entropy(out[masks[0]], y[masks[0]])
        loss.backward()
        opt.step()
        model.eval()
        with torch.no_grad():
            out = model(x, ei)
        if not torch.isfinite(out).all():
            scores = (0.0, 0.0, 0.0)  # a diverged model scores nothing, and cannot be chosen
            val_loss = math.inf
        else:
            scores = tuple(score(out, y, m, metric) for m in masks)
            val_loss = nn.functional.cross_entropy(out[masks[1]], y[masks[1]]).item()
        hist["loss"].append(loss.item())
        for k, s in zip(("train", "val", "test"), scores):
            hist[k].append(s)
        if (scores[1], -val_loss) > best[0]:
            best = ((scores[1], -val_loss), epoch, None, scores)
        bar.set_postfix(loss=f"{loss.item():.3f}", val=f"{scores[1]:.3f}", best=f"{best[0][0]:.3f}")
        if epoch - best[1] >= patience:
            break
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    tr, va, te = best[3]
    return FitResult(test=te, val=va, train=tr, best_epoch=best[1], epochs_run=epoch + 1, seconds=seconds, metric=metric, history=hist,
                     cpu_seconds=cpu_seconds)


@dataclass
class SplitsResult:
    """Scores over several splits: ``mean`` and ``std`` of the test score (fractions), and every run."""

    mean: float
    std: float
    scores: list
    runs: list

    def __str__(self) -> str:
        return f"{100 * self.mean:.1f} ± {100 * self.std:.1f} (over {len(self.scores)} splits)"


def run_splits(
    make_model: Callable[[], nn.Module],
    data,
    splits=None,
    *,
    seed: int = 0,
    progress: bool = True,
    **fit_kwargs,
) -> SplitsResult:
    """Train a fresh ``make_model()`` on each split of ``data`` (masks [N, S]) and summarise the test scores.

    Split ``s`` is seeded with ``seed + s``. ``splits`` defaults to all. The std is the sample standard
    deviation over splits (``ddof = 1``), as papers report it.
    """
    n_splits = 1 if data.train_mask.dim() == 1 else data.train_mask.size(1)
    splits = list(range(n_splits)) if splits is None else list(splits)
    if not splits:
        raise ValueError("run_splits: splits is empty")
    runs = []
    for s in tqdm(splits, desc="splits", disable=not progress):
        torch.manual_seed(seed + s)
        one = data if data.train_mask.dim() == 1 else select_split(data, s)
        runs.append(fit(make_model(), one, progress=False, **fit_kwargs))
    scores = [r.test for r in runs]
    t = torch.tensor(scores, dtype=torch.float64)
    std = float(t.std()) if len(scores) > 1 else 0.0
    return SplitsResult(mean=float(t.mean()), std=std, scores=scores, runs=runs)
