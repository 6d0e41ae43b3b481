"""Separate runs against one stacked cell, side by side: seconds, peak memory and whether every result agrees.

Used by ``python -m physgnn.bench --cell``. Peak memory is this process's own high-water mark (VmHWM from
``/proc/self/status``, reset through ``/proc/self/clear_refs`` before each phase), not ``ru_maxrss``, which a child
inherits from its parent.
"""

from __future__ import annotations

import time

import torch

from .fit import fit_cell

__all__ = ["compare", "peak_mb"]


def _reset_peak() -> bool:
    try:  # Linux: writing 5 resets VmHWM to the current resident size
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM) in MB; NaN where /proc is missing."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def compare(dataset: str, model: str, splits=range(10), seeds=(0, 1, 2), setting: int = 0, progress: bool = False) -> dict:
    """Train the members (split, seed) of one cell of ``python -m physgnn reproduce`` (its ``setting``-th grid
    point, its training budget) once separately with :func:`physgnn.train.fit` and once with :func:`fit_cell`.

    Returns wall and CPU seconds of both, their ratios, the peak memory of each phase (MB), the number of members
    and how many have the very same test, validation and training scores, best epoch and epochs run."""
    from ..data import load, select_split
    from ..reproduce import build, settings_grid, training
    from ..train import fit

    data = load(dataset)
    settings = settings_grid(model, dataset)[setting]
    members = [(s, seed) for s in splits for seed in seeds]
    make = lambda: build(model, settings, data)  # noqa: E731
    budget = training(dataset)

    def timed(fn):
        _reset_peak()
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        return out, time.perf_counter() - wall, time.process_time() - cpu, peak_mb()

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
    return dict(dataset=dataset, model=model, members=len(members), separate_s=s_wall, batched_s=b_wall, ratio=b_wall / s_wall,
                separate_cpu_s=s_cpu, batched_cpu_s=b_cpu, cpu_ratio=b_cpu / s_cpu, separate_peak_mb=s_peak, batched_peak_mb=b_peak,
                equal=sum(key(a) == key(b) for a, b in zip(alone, batched)),
                max_test_diff=max(abs(a.test - b.test) for a, b in zip(alone, batched)),
                epochs_separate=sum(r.epochs_run for r in alone), epochs_batched=max(r.epochs_run for r in batched))
