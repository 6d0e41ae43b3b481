"""Training with early stopping on the validation score, for one split or all of them.

The score is accuracy, or ROC AUC for two-class datasets (``data.metric == "roc_auc"``, as Platonov et al.
evaluate Minesweeper and Tolokers). The test score reported is the one at the epoch of best validation score:
the test set is never used to choose anything.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .data import select_split

__all__ = ["FitResult", "SplitsResult", "fit", "run_splits", "score", "roc_auc"]


def _check_scores(scores, labels, where: str) -> None:
    if not isinstance(scores, torch.Tensor) or not isinstance(labels, torch.Tensor):
        raise ValueError(f"{where}: scores and labels must be torch tensors of shape [n]")
    if scores.dim() != 1 or scores.shape != labels.shape:
        raise ValueError(f"{where}: scores and labels must both have shape [n], got {tuple(scores.shape)} and {tuple(labels.shape)}")
    if scores.device != labels.device:
        raise ValueError(f"{where}: scores are on {scores.device} but labels on {labels.device}; move both to one device")


def _roc_auc(scores: torch.Tensor, labels: torch.Tensor, n_pos, n_neg) -> torch.Tensor:
    """ROC AUC as a 0-d float64 tensor on the scores' device (no host synchronisation; inputs not checked)."""
    s = scores.double()
    order = torch.argsort(s)
    s_sorted = s[order]
    positions = torch.arange(1, len(s) + 1, dtype=torch.float64, device=s.device)
    # average the ranks of tied scores: every score gets the mean position of its group of equal scores
    _, inverse, counts = torch.unique_consecutive(s_sorted, return_inverse=True, return_counts=True)
    sums = torch.zeros(len(counts), dtype=torch.float64, device=s.device).index_add_(0, inverse, positions)
    ranks = torch.empty_like(s).index_copy_(0, order, (sums / counts)[inverse])
    return (ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def roc_auc(scores: torch.Tensor, labels: torch.Tensor) -> float:
    """Area under the ROC curve of ``scores`` [n] for binary ``labels`` [n] (rank statistic, ties averaged).

    Computed on the scores' device. A non-finite score (a diverged model) raises ``ValueError``: its rank would
    be arbitrary and the area meaningless.
    """
    _check_scores(scores, labels, "roc_auc")
    labels = labels.bool()
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("roc_auc: needs at least one positive and one negative label")
    if not bool(torch.isfinite(scores).all()):
        raise ValueError("roc_auc: scores hold NaN or infinite values (a diverged model?); an area under the curve "
                         "of non-finite scores has no meaning")
    return float(_roc_auc(scores, labels, n_pos, n_neg))


def _score(logits: torch.Tensor, y: torch.Tensor, mask: torch.Tensor, metric: str, counts=None) -> torch.Tensor:
    """The score as a 0-d tensor on the logits' device (no host synchronisation; ``counts`` = (positives,
    negatives) of ``y[mask]`` for ROC AUC, computed once by the caller)."""
    if metric == "accuracy":
        return (logits[mask].argmax(-1) == y[mask]).float().mean()
    return _roc_auc(logits[mask, 1] - logits[mask, 0], y[mask].bool(), *counts)


def score(logits: torch.Tensor, y: torch.Tensor, mask: torch.Tensor, metric: str = "accuracy") -> float:
    """Accuracy or ROC AUC (positive class 1) of ``logits`` [N, C] on the nodes in ``mask`` (boolean [N])."""
    if metric not in ("accuracy", "roc_auc"):
        raise ValueError(f"score: unknown metric {metric!r}; allowed: 'accuracy', 'roc_auc'")
    if not isinstance(logits, torch.Tensor) or logits.dim() != 2:
        raise ValueError(f"score: logits must be a tensor of shape [N, C], got {getattr(logits, 'shape', type(logits).__name__)}")
    _check_mask(mask, logits.size(0), "mask", "score")
    if metric == "accuracy":
        return float(_score(logits, y, mask, metric))
    return roc_auc(logits[mask, 1] - logits[mask, 0], y[mask])


def _check_mask(mask, n: int, name: str, where: str, splits: bool = False) -> None:
    """``mask`` must be a boolean tensor [N] (or [N, S] with ``splits``) selecting at least one node per split."""
    if not isinstance(mask, torch.Tensor):
        raise ValueError(f"{where}: {name} must be a boolean torch.Tensor of shape [{n}], got {type(mask).__name__}")
    if mask.dtype != torch.bool:
        raise ValueError(f"{where}: {name} must be boolean (dtype torch.bool), got {mask.dtype}; an integer tensor would "
                         f"be read as node indices. For a 0/1 mask use {name}.bool(); for node indices idx build "
                         f"torch.zeros({n}, dtype=torch.bool) and set it to True at idx")
    if mask.dim() not in ((1, 2) if splits else (1,)) or mask.size(0) != n:
        want = f"[{n}] or [{n}, S]" if splits else f"[{n}]"
        raise ValueError(f"{where}: {name} must have shape {want} (one entry per node), got {tuple(mask.shape)}")
    empty = ~mask.reshape(n, -1).any(0)
    if bool(empty.any()):
        which = "" if mask.dim() == 1 else f" in split(s) {empty.nonzero().flatten().tolist()}"
        raise ValueError(f"{where}: {name} selects no node{which}; every split needs training, validation and test nodes")


@dataclass
class FitResult:
    """What :func:`fit` returns. Scores are fractions in [0, 1], those of the epoch of best validation score.

    ``diverged_at`` is the first epoch whose outputs (or training loss) were not finite, ``None`` if none was;
    ``diverged_epochs`` counts such epochs. A non-finite epoch is never chosen as the best, so the scores are those
    of the best epoch *before or after* it; when no epoch at all was finite they are NaN and ``best_epoch`` is -1
    (never a made-up 0.000).
    """

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
    diverged_at: int | None = None
    diverged_epochs: int = 0

    @property
    def diverged(self) -> bool:
        """True when some epoch produced non-finite outputs (see ``diverged_at``)."""
        return self.diverged_at is not None

    @property
    def seconds_per_epoch(self) -> float:
        return self.seconds / max(self.epochs_run, 1)


def _check_data(data, where: str = "fit", splits: bool = False) -> int:
    """Check ``data`` for training; returns the number of splits (1 for masks [N])."""
    for key in ("x", "y", "edge_index", "train_mask", "val_mask", "test_mask"):
        if getattr(data, key, None) is None:
            raise ValueError(f"{where}: data must have {key!r} (a PyG Data with x, y, edge_index and split masks)")
    x, y = data.x, data.y
    if not isinstance(x, torch.Tensor) or x.dim() != 2 or not x.is_floating_point():
        raise ValueError(f"{where}: data.x must be a floating-point tensor [N, F], got {getattr(x, 'dtype', type(x).__name__)} "
                         f"of shape {tuple(getattr(x, 'shape', ()))}")
    n = x.size(0)
    if not isinstance(y, torch.Tensor) or y.shape != (n,) or y.is_floating_point() or y.dtype == torch.bool:
        raise ValueError(f"{where}: data.y must be an integer tensor of class labels with shape [{n}], got "
                         f"{getattr(y, 'dtype', type(y).__name__)} of shape {tuple(getattr(y, 'shape', ()))}")
    if not bool(torch.isfinite(x).all()):
        rows = (~torch.isfinite(x)).any(1).nonzero().flatten()
        raise ValueError(f"{where}: data.x holds NaN or infinite values in {rows.numel()} row(s) (first: node "
                         f"{int(rows[0])}); clean or impute the features before training")
    if not splits and data.train_mask.dim() != 1:
        raise ValueError(f"{where}: data has several splits (masks [N, S]); pick one with physgnn.data.select_split(data, i) or use run_splits")
    for key in ("train_mask", "val_mask", "test_mask"):
        _check_mask(getattr(data, key), n, f"data.{key}", where, splits=splits)
    shapes = {tuple(getattr(data, k).shape) for k in ("train_mask", "val_mask", "test_mask")}
    if len(shapes) != 1:
        raise ValueError(f"{where}: train, validation and test masks must have one shape, got {sorted(shapes)}")
    return 1 if data.train_mask.dim() == 1 else data.train_mask.size(1)


def _model_device(model: nn.Module) -> torch.device:
    p = next(iter(model.parameters()), None)
    if p is None:
        raise ValueError("fit: the model has no parameters to train")
    return p.device


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
    majority class does not win over a trained one with the same accuracy. **At the end the model holds the
    weights of the best epoch** (a copy is kept at every new best and loaded back), so what is analysed after
    ``fit`` is the network whose scores are reported.

    ``device``: where to train (default: where the model's parameters are). The model is moved there and every
    tensor of ``data`` used for training is copied there; ``data`` itself is left as it was. The loop reads
    its numbers back to the host once per epoch (one ``tolist``), not once per score.

    An epoch whose outputs or training loss are not finite is flagged (``diverged_at``, ``diverged_epochs`` and
    a ``RuntimeWarning``) and never chosen; training goes on (a solve can blow up for a few epochs and recover,
    for instance when a learned β crosses a stability limit) until early stopping ends it.

    Masks must be boolean [N] and non-empty, ``data.x`` finite: anything else raises ``ValueError``.

    Returns a :class:`FitResult` whose ``test`` is the test score of the best-validation epoch, with per-epoch
    ``history`` (``loss``, ``train``, ``val``, ``test``; NaN for a non-finite epoch), wall-clock ``seconds`` and
    ``cpu_seconds``.
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
    device = torch.device(device) if device is not None else _model_device(model)
    model = model.to(device)
    x, y, ei = data.x.to(device), data.y.to(device), data.edge_index.to(device)
    masks = [m.to(device) for m in (data.train_mask, data.val_mask, data.test_mask)]
    counts = [None] * 3
    if metric == "roc_auc":
        for i, (name, m) in enumerate(zip(("train", "val", "test"), (data.train_mask, data.val_mask, data.test_mask))):
            pos = int(data.y[m].bool().sum())  # once, before training: the labels do not change
            if pos == 0 or pos == int(m.sum()):
                raise ValueError(f"fit: ROC AUC needs positive and negative labels in the {name} nodes; this split has only one class")
            counts[i] = (pos, int(m.sum()) - pos)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    hist = {k: [] for k in ("loss", "train", "val", "test")}
    best_key, best_epoch, best_scores, best_state = (-math.inf, -math.inf), -1, (math.nan,) * 3, None
    diverged_at, diverged_epochs = None, 0
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
            finite = torch.isfinite(out).all() & torch.isfinite(loss)
            stats = [loss.detach(), *(_score(out, y, m, metric, c) for m, c in zip(masks, counts)),
                     nn.functional.cross_entropy(out[masks[1]], y[masks[1]]), finite]
            loss_v, tr, va, te, val_loss, ok = torch.stack([t.double() for t in stats]).tolist()  # the one host synchronisation of the epoch
        if ok:
            scores = (tr, va, te)
            if (va, -val_loss) > best_key:
                best_key, best_epoch, best_scores = (va, -val_loss), epoch, scores
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            scores = (math.nan,) * 3  # a diverged model scores nothing and cannot be chosen
            diverged_epochs += 1
            if diverged_at is None:
                diverged_at = epoch
                warnings.warn(f"fit: {desc or type(model).__name__} produced non-finite outputs at epoch {epoch}; the run is "
                              "flagged (FitResult.diverged_at) and its scores are those of the best finite epoch",
                              RuntimeWarning, stacklevel=2)
        hist["loss"].append(loss_v)
        for k, s in zip(("train", "val", "test"), scores):
            hist[k].append(s)
        bar.set_postfix(loss=f"{loss_v:.3f}", val=f"{scores[1]:.3f}", best=f"{best_key[0]:.3f}")
        if epoch - max(best_epoch, 0) >= patience:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    tr, va, te = best_scores
    return FitResult(test=te, val=va, train=tr, best_epoch=best_epoch, epochs_run=epoch + 1, seconds=seconds, metric=metric, history=hist,
                     cpu_seconds=cpu_seconds, diverged_at=diverged_at, diverged_epochs=diverged_epochs)


@dataclass
class SplitsResult:
    """Scores over several splits: ``mean`` and ``std`` of the test score (fractions), every run, and how many
    runs diverged (see ``FitResult.diverged_at``; their scores are those of their best finite epoch)."""

    mean: float
    std: float
    scores: list
    runs: list

    @property
    def diverged(self) -> int:
        return sum(r.diverged for r in self.runs)

    def __str__(self) -> str:
        flag = f", {self.diverged} diverged" if self.diverged else ""
        return f"{100 * self.mean:.1f} ± {100 * self.std:.1f} (over {len(self.scores)} splits{flag})"


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

    Split ``s`` is seeded with ``seed + s``. ``splits`` defaults to all; they must be distinct integers in
    ``[0, S)``. The std is the sample standard deviation over splits (``ddof = 1``), as papers report it.
    ``fit_kwargs`` go to :func:`fit` (``device=`` among them).
    """
    n_splits = _check_data(data, "run_splits", splits=True)
    splits = list(range(n_splits)) if splits is None else list(splits)
    if not splits:
        raise ValueError("run_splits: splits is empty")
    for s in splits:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or not 0 <= s < n_splits:
            raise ValueError(f"run_splits: splits must be integers in [0, {n_splits - 1}] (data has {n_splits} split(s)), got {s!r}")
    if len(set(map(int, splits))) != len(splits):
        raise ValueError(f"run_splits: splits must be distinct, got {splits}; a split counted twice would shrink the std")
    runs = []
    for s in tqdm(splits, desc="splits", disable=not progress):
        torch.manual_seed(seed + int(s))
        one = data if data.train_mask.dim() == 1 else select_split(data, int(s))
        runs.append(fit(make_model(), one, progress=False, **fit_kwargs))
    scores = [r.test for r in runs]
    t = torch.tensor(scores, dtype=torch.float64)
    std = float(t.std()) if len(scores) > 1 else 0.0
    return SplitsResult(mean=float(t.mean()), std=std, scores=scores, runs=runs)
