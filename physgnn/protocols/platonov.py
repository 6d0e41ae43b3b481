r"""Platonov et al.'s (2023) published protocol, to check that our baselines reproduce their numbers.

The protocol, as their code (``train.py``, ``model.py``, ``datasets.py``, ``scripts/run_all_experiments.sh`` of
``yandex-research/heterophilous-graphs``) runs it:

* **data**: their ten fixed splits (Minesweeper and Tolokers through PyG's ``HeterophilousGraphDataset``, the
  filtered Chameleon and Squirrel from their npz files — both as :func:`physgnn.data.load` gives them), raw
  features, edges symmetrised; GCN and GAT get self-loops (our models add them themselves);
* **model**: the residual pre-norm models of :mod:`physgnn.models.residual`, width 512, FFN multiplier 1, GELU,
  LayerNorm, dropout 0.2, 8 heads for GAT, one output for two-class tasks;
* **training**: AdamW, learning rate 3·10⁻⁵, weight decay 0, 1000 full-batch steps, no warm-up, no early
  stopping; binary cross-entropy with logits for two classes, cross-entropy otherwise;
* **selection**: after every step the model is evaluated; the test score reported is the one at the step of the
  best validation score (ROC AUC for two classes, accuracy otherwise); the depth (1–5 residual blocks) is the one
  with the best validation mean over the ten splits; the table shows test mean ± sample std over the splits.

Their seeding (one ``torch.manual_seed(0)`` before ten runs in a row) is not reproducible run by run; here each
(split, depth) run is seeded with ``seed + split``, so that a row does not depend on which rows ran before it.

Preprocessing is an argument (:func:`prepare`): ``features`` ``"raw"`` (theirs) or ``"row-normalised"`` (each row
divided by its sum, as is the convention for bag-of-words features), and ``edges`` ``"undirected"`` (theirs) or
``"directed"`` (the Wikipedia graphs Chameleon and Squirrel as PyG stores their links, one way). The other graphs
have no directed version here (the filtered npz files store each undirected edge once, which is not a direction),
so ``"directed"`` is refused for them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch
from torch import nn

from .._process import peak_rss_mb
from ..data import DATASETS, load, select_split
from ..models import ResGAT, ResGCN, ResNet, ResSAGE
from ..train import roc_auc

__all__ = ["PROTOCOL", "PUBLISHED", "MODELS", "FEATURES", "EDGES", "Target", "prepare", "make_model", "run_one",
           "select_depth", "compare", "within_target", "step_seconds", "table_cpu_hours"]

#: the published hyper-parameters (their train.py defaults; the scripts vary only the depth)
PROTOCOL = dict(hidden=512, dropout=0.2, lr=3e-5, weight_decay=0.0, steps=1000, heads=8, depths=(1, 2, 3, 4, 5))

MODELS = {"resnet": ResNet, "gcn": ResGCN, "sage": ResSAGE, "gat": ResGAT,
          "gat-sep": lambda *a, **k: ResGAT(*a, separate=True, **k)}
FEATURES = ("raw", "row-normalised")
EDGES = ("undirected", "directed")


@dataclass(frozen=True)
class Target:
    """A published score: test mean and std in percent, and where it is printed."""

    mean: float
    std: float
    source: str

    @property
    def tolerance(self) -> float:
        """How far a reproduction may miss: 1.5 points or the published std, whichever is larger."""
        return max(1.5, self.std)


_NEW = "Platonov et al. (2023); printed by notebooks/results.ipynb of yandex-research/heterophilous-graphs"
_FILTERED = ("Platonov et al. (2023), their table for the filtered Chameleon and Squirrel (not printed in their "
             "repository; to be checked against the paper)")
#: published test scores (ROC AUC for Minesweeper and Tolokers, accuracy for the filtered sets), percent
PUBLISHED: dict[tuple[str, str], Target] = {
    ("minesweeper", "resnet"): Target(50.89, 1.39, _NEW),
    ("minesweeper", "gcn"): Target(89.75, 0.52, _NEW),
    ("minesweeper", "sage"): Target(93.51, 0.57, _NEW),
    ("minesweeper", "gat"): Target(92.01, 0.68, _NEW),
    ("minesweeper", "gat-sep"): Target(93.91, 0.35, _NEW),
    ("tolokers", "resnet"): Target(72.95, 1.06, _NEW),
    ("tolokers", "gcn"): Target(83.64, 0.67, _NEW),
    ("tolokers", "sage"): Target(82.43, 0.44, _NEW),
    ("tolokers", "gat"): Target(83.70, 0.47, _NEW),
    ("tolokers", "gat-sep"): Target(83.78, 0.43, _NEW),
    ("chameleon-filtered", "resnet"): Target(36.73, 4.75, _FILTERED),
    ("chameleon-filtered", "gcn"): Target(40.89, 4.12, _FILTERED),
    ("chameleon-filtered", "gat"): Target(39.21, 3.08, _FILTERED),
    ("squirrel-filtered", "resnet"): Target(36.55, 1.80, _FILTERED),
    ("squirrel-filtered", "gcn"): Target(39.47, 1.47, _FILTERED),
    ("squirrel-filtered", "gat"): Target(35.62, 2.06, _FILTERED),
}


def prepare(name: str, *, features: str = "raw", edges: str = "undirected"):
    """Load ``name`` with the given preprocessing (see the module docstring); masks stay [N, 10]."""
    if features not in FEATURES:
        raise ValueError(f"prepare: features must be one of {FEATURES}, got {features!r}")
    if edges not in EDGES:
        raise ValueError(f"prepare: edges must be one of {EDGES}, got {edges!r}")
    directed = sorted(k for k, spec in DATASETS.items() if spec.kind == "wikipedia")
    if edges == "directed" and name not in directed:
        raise ValueError(f"prepare: {name!r} has no directed version; edges='directed' is for {', '.join(directed)}")
    data = load(name, undirected=edges == "undirected", normalize_features=False)
    if features == "row-normalised":
        from torch_geometric.transforms import NormalizeFeatures

        data = NormalizeFeatures()(data)
    data.features_kind, data.edges_kind = features, edges  # carried into run_one's rows
    return data


def make_model(model: str, in_channels: int, out_channels: int, num_layers: int, *, hidden: int = 512,
               dropout: float = 0.2, heads: int = 8) -> nn.Module:
    """One of :data:`MODELS` with the protocol's width, dropout and heads."""
    if model not in MODELS:
        raise ValueError(f"make_model: unknown model {model!r}; allowed: {', '.join(MODELS)}")
    kwargs = {"heads": heads} if model.startswith("gat") else {}
    return MODELS[model](in_channels, hidden, out_channels, num_layers=num_layers, dropout=dropout, **kwargs)


def _scores(out, y, masks, binary):
    if binary:
        return tuple(roc_auc(out[m, 0], y[m]) for m in masks)
    pred = out.argmax(-1)
    return tuple(float((pred[m] == y[m]).float().mean()) for m in masks)


def run_one(data, model: str, split: int, num_layers: int, *, hidden: int = 512, dropout: float = 0.2, lr: float = 3e-5,
            weight_decay: float = 0.0, steps: int = 1000, heads: int = 8, seed: int = 0, patience: int = 0,
            device=None) -> dict:
    """Train ``model`` with ``num_layers`` blocks on split ``split`` of ``data`` for ``steps`` AdamW steps, evaluating
    after each; return the row: train/val/test score (fractions) at the best validation step, ``best_step``
    (1-based; 0 and NaN scores when no step gave finite outputs), ``steps_run``, ``longest_wait`` (the most steps
    between two successive new best validation scores, counted from step 0, up to the best step), ``cpu_seconds``
    of the loop and ``peak_rss_mb`` (this process's own peak resident memory so far, VmHWM). ``device``: where to
    train (default: the CPU).

    ``patience`` > 0 stops the run once that many steps have passed without a new best validation score (0, the
    published protocol, runs every step). The stopped run returns exactly what the full run would whenever the full
    run's ``longest_wait`` is at most ``patience`` and no later step beats the best: the steps up to the stop are the
    same steps, seeded alike."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"run_one: steps must be a positive integer, got {steps!r}")
    if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
        raise ValueError(f"run_one: patience must be a non-negative integer (0: every step), got {patience!r}")
    if not lr > 0 or weight_decay < 0:
        raise ValueError(f"run_one: need lr > 0 and weight_decay >= 0, got lr={lr!r}, weight_decay={weight_decay!r}")
    dev = torch.device(device) if device is not None else torch.device("cpu")
    one = select_split(data, int(split)).to(dev)
    y = one.y
    n_classes = int(y.max()) + 1
    binary = n_classes == 2
    torch.manual_seed(seed + int(split))
    net = make_model(model, data.num_features, 1 if binary else n_classes, num_layers, hidden=hidden, dropout=dropout, heads=heads).to(dev)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=weight_decay)
    masks = (one.train_mask, one.val_mask, one.test_mask)
    target = y[masks[0]].float() if binary else y[masks[0]]
    loss_fn = nn.functional.binary_cross_entropy_with_logits if binary else nn.functional.cross_entropy
    best = (-math.inf, 0, (math.nan, math.nan, math.nan))
    longest_wait, steps_run = 0, 0
    cpu, wall = time.process_time(), time.perf_counter()
    for step in range(1, steps + 1):
        if patience and best[1] and step - best[1] > patience:
            break
        steps_run = step
        net.train()
        opt.zero_grad()
        out = net(one.x, one.edge_index)
        loss = loss_fn(out[masks[0]].squeeze(-1) if binary else out[masks[0]], target)
        loss.backward()
        opt.step()
        net.eval()
        with torch.no_grad():
            out = net(one.x, one.edge_index)
        # a step with non-finite outputs scores NaN and can never be the best one
        scores = _scores(out, y, masks, binary) if torch.isfinite(out).all() else (math.nan, math.nan, math.nan)
        if scores[1] > best[0]:
            longest_wait = max(longest_wait, step - best[1])
            best = (scores[1], step, scores)
    tr, va, te = best[2]
    return {"dataset": data.name, "model": model, "features": getattr(data, "features_kind", "raw"),
            "edges": getattr(data, "edges_kind", "undirected"), "num_layers": int(num_layers), "split": int(split),
            "train": round(tr, 6), "val": round(va, 6), "test": round(te, 6), "best_step": best[1], "steps": steps,
            "hidden": hidden, "dropout": dropout, "lr": lr, "weight_decay": weight_decay, "seed": seed,
            "cpu_seconds": round(time.process_time() - cpu, 2), "wall_seconds": round(time.perf_counter() - wall, 2),
            "peak_rss_mb": round(peak_rss_mb(), 1), "patience": patience, "steps_run": steps_run,
            "longest_wait": longest_wait}


def select_depth(rows) -> dict:
    """Per (dataset, model, features, edges): the depth with the best mean validation score over its splits, and
    the test scores at that depth. ``rows`` as :func:`run_one` returns them or as the CSV reads them (strings).
    A run given both in full (patience 0) and stopped early counts once, in full.
    Returns ``{(dataset, model, features, edges): {"num_layers", "val", "test": [...], "splits": [...],
    "coverage": {depth: number of splits}}}``; the choice is the published one only when ``coverage`` holds every
    depth of the protocol with all ten splits (:func:`compare`'s ``complete``)."""
    groups: dict = {}
    full = lambda r: str(r.get("patience", 0)) in ("0", "")  # noqa: E731  (rows from before the column: full runs)
    for r in sorted(rows, key=full):  # full runs last, so that they replace a stopped run of the same split
        key = (str(r["dataset"]), str(r["model"]), str(r.get("features", "raw")), str(r.get("edges", "undirected")))
        groups.setdefault(key, {}).setdefault(int(r["num_layers"]), {})[int(r["split"])] = (float(r["val"]), float(r["test"]))
    out = {}
    for key, by_depth in groups.items():
        depth = max(by_depth, key=lambda d: sum(v for v, _ in by_depth[d].values()) / len(by_depth[d]))
        runs = by_depth[depth]
        splits = sorted(runs)
        out[key] = {"num_layers": depth, "val": sum(runs[s][0] for s in splits) / len(splits),
                    "test": [runs[s][1] for s in splits], "splits": splits,
                    "coverage": {d: len(by_depth[d]) for d in sorted(by_depth)}}
    return out


def within_target(mean: float, target: Target) -> bool:
    """``mean`` (percent) lies within ``target.tolerance`` points of the published mean."""
    return abs(mean - target.mean) <= target.tolerance


def compare(rows) -> list[dict]:
    """Our test mean ± std (percent, sample std) beside the published one, per (dataset, model) with a target:
    ``{"dataset", "model", "num_layers", "n_splits", "mean", "std", "published", "published_std", "gap",
    "tolerance", "ok", "complete"}``; ``complete``: every depth of the protocol ran on all ten splits, so that the
    depth was chosen as published (a partial cell's depth may change as rows arrive). Uses the raw, undirected
    rows only (the published preprocessing)."""
    table = []
    for (dataset, model, features, edges), sel in sorted(select_depth(rows).items()):
        target = PUBLISHED.get((dataset, model))
        if target is None or features != "raw" or edges != "undirected":
            continue
        test = [100 * t for t in sel["test"]]
        mean = sum(test) / len(test)
        std = math.sqrt(sum((t - mean) ** 2 for t in test) / (len(test) - 1)) if len(test) > 1 else float("nan")
        table.append({"dataset": dataset, "model": model, "num_layers": sel["num_layers"], "n_splits": len(test),
                      "mean": mean, "std": std, "published": target.mean, "published_std": target.std,
                      "gap": mean - target.mean, "tolerance": target.tolerance, "ok": within_target(mean, target),
                      "complete": all(sel["coverage"].get(d, 0) == 10 for d in PROTOCOL["depths"])})
    return table


def step_seconds(data, model: str, num_layers: int, *, steps: int = 5, hidden: int = 512, heads: int = 8,
                 device=None) -> float:
    """Seconds of one protocol step (a training step and an evaluation) of ``model`` on split 0 of ``data``: the
    time of ``steps + 1`` steps minus that of one step (which also builds the graph operand), over ``steps``. CPU
    time on the CPU; on a GPU (``device``) wall-clock time, which each step's scores synchronise. A full run costs
    about ``PROTOCOL["steps"]`` times this (no early stopping)."""
    clock = "cpu_seconds" if device is None or torch.device(device).type == "cpu" else "wall_seconds"
    one = run_one(data, model, 0, num_layers, hidden=hidden, heads=heads, steps=1, device=device)[clock]
    more = run_one(data, model, 0, num_layers, hidden=hidden, heads=heads, steps=steps + 1, device=device)[clock]
    return max(more - one, 0.0) / steps


def table_cpu_hours(seconds_per_step, datasets, models, *, depths=PROTOCOL["depths"], splits: int = 10,
                    steps: int = PROTOCOL["steps"]) -> float:
    """Projected CPU-hours of the full protocol: every (dataset, model, depth) for ``splits`` splits of ``steps``
    steps, with ``seconds_per_step(dataset, model, depth)`` the cost of one step (e.g. from :func:`step_seconds`)."""
    total = sum(seconds_per_step(d, m, l) for d in datasets for m in models for l in depths)
    return total * splits * steps / 3600
