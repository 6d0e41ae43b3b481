"""Separate runs against one stacked cell, side by side: seconds, peak memory and whether every result agrees.

Used by ``python -m physgnn.bench --cell``. Peak memory is this process's own high-water mark, reset before each
phase (``physgnn._process.peak_rss_mb`` and ``reset_peak``, the one reader of peak memory in the package).
"""

from __future__ import annotations

import time

import torch

from .._process import peak_rss_mb, reset_peak
from .fit import fit_cell

__all__ = ["compare", "compare_ablation"]


def compare(dataset: str, model: str, splits=range(10), seeds=(0, 1, 2), setting: int = 0, progress: bool = False,
            epochs: int | None = None, patience: int | None = None) -> dict:
    """Train the members (split, seed) of one cell of ``python -m physgnn reproduce`` (its ``setting``-th grid
    point, its training budget, or ``epochs`` and ``patience`` if given) once separately with
    :func:`physgnn.train.fit` and once with :func:`fit_cell`.

    Returns wall and CPU seconds of both, their ratios, the peak memory of each phase (MB), the number of members
    and how many have the very same test, validation and training scores, best epoch and epochs run."""
    from ..data import load
    from ..reproduce import build, settings_grid, training

    data = load(dataset)
    settings = settings_grid(model, dataset)[setting]
    budget = _budget(training(dataset), epochs, patience)
    return dict(dataset=dataset, model=model, **_compare(lambda: build(model, settings, data), data, splits, seeds, budget, progress))


def compare_ablation(dataset: str, variant: str, splits=range(10), seeds=(0, 1, 2), progress: bool = False,
                     epochs: int = 200, patience: int = 50) -> dict:
    """As :func:`compare`, for one variant of :mod:`physgnn.experiments.acmp_ablation` (``"official"`` is the official
    ACMP code's model) with the ablation's β and optimiser (Adam, lr 0.01, weight decay 5e-4)."""
    from ..data import load
    from ..experiments.acmp_ablation import WEBKB, beta_for, make_model

    data = load(dataset)
    beta, classes = beta_for(dataset), int(data.y.max()) + 1
    make = lambda: make_model(variant, data.num_features, classes, beta, dataset not in WEBKB)  # noqa: E731
    budget = dict(epochs=epochs, patience=patience, lr=0.01, weight_decay=5e-4)
    return dict(dataset=dataset, model=variant, **_compare(make, data, splits, seeds, budget, progress))


def _budget(budget: dict, epochs, patience) -> dict:
    return {**budget, **({} if epochs is None else {"epochs": epochs}), **({} if patience is None else {"patience": patience})}


def _compare(make, data, splits, seeds, budget: dict, progress: bool) -> dict:
    from ..data import select_split
    from ..train import fit

    members = [(s, seed) for s in splits for seed in seeds]

    def timed(fn):
        reset_peak()
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        return out, time.perf_counter() - wall, time.process_time() - cpu, peak_rss_mb()

    def separate():
        runs = []
        for split, seed in members:
            torch.manual_seed(seed)
            runs.append(fit(make(), select_split(data, split), progress=False, **budget))
        return runs

    # separate runs first: memory the stacked run frees stays with the process and would inflate their peak
    alone, s_wall, s_cpu, s_peak = timed(separate)
    batched, b_wall, b_cpu, b_peak = timed(lambda: fit_cell(make, data, members, progress=progress, **budget))
    key = lambda r: (r.test, r.val, r.train, r.best_epoch, r.epochs_run)  # noqa: E731
    return dict(members=len(members), separate_s=s_wall, batched_s=b_wall, ratio=b_wall / s_wall,
                separate_cpu_s=s_cpu, batched_cpu_s=b_cpu, cpu_ratio=b_cpu / s_cpu, separate_peak_mb=s_peak, batched_peak_mb=b_peak,
                equal=sum(key(a) == key(b) for a, b in zip(alone, batched)),
                max_test_diff=max(abs(a.test - b.test) for a, b in zip(alone, batched)),
                epochs_separate=sum(r.epochs_run for r in alone), epochs_batched=max(r.epochs_run for r in batched))
