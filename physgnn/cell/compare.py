"""Separate runs against one stacked cell, side by side: seconds, peak memory and whether every result agrees.

Used by ``python -m physgnn.bench --cell``. Peak memory is this process's own high-water mark, reset before each
phase (``physgnn._process.peak_rss_mb`` and ``reset_peak``, the one reader of peak memory in the package).
"""

from __future__ import annotations

import math
import time

import torch

from .._process import peak_rss_mb, reset_peak
from .fit import fit_cell

__all__ = ["compare", "compare_ablation", "member_floor"]


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


def member_floor(x: torch.Tensor, hidden: int, *, members: int = 30, epochs: int = 20, p: float = 0.5,
                 repeat: int = 3) -> float:
    """CPU seconds per member and epoch of the work that stacking cannot share, for a model whose first layer
    multiplies sparse features x [N, F] by its own weights [F, hidden] (GCN, MLP): per member and epoch, one uniform
    draw per non-zero of x (its input dropout, from its own generator), the training product, the evaluation
    product, the weight gradient (the transposed product) and one dropout draw on its hidden state [N, hidden],
    done member after member as a stacked epoch does them. Best of ``repeat`` timings of ``epochs`` epochs of
    ``members`` members. A stacked cell's CPU time over its separate runs' cannot fall below
    ``member_floor × member-epochs / separate CPU seconds``; the rest of a stacked epoch is what batching shares.
    A CPU measurement: ``x`` must be on the CPU (stacked cells train on the CPU)."""
    if x.layout != torch.strided or x.dim() != 2:
        raise ValueError(f"member_floor: x must be a dense [N, F] tensor of features, got layout {x.layout} and shape {tuple(x.shape)}")
    if x.device.type != "cpu":
        raise ValueError(f"member_floor: it measures CPU time, so x must be on the CPU, got {x.device}")
    if not 0.0 <= p < 1.0:
        raise ValueError(f"member_floor: p must lie in [0, 1), got {p!r}")
    if min(hidden, members, epochs, repeat) < 1:
        raise ValueError("member_floor: hidden, members, epochs and repeat must be positive integers")
    csr = x.to_sparse_csr()
    transposed = x.t().to_sparse_csr()
    (n, f), nnz = x.shape, csr.values().numel()
    weights, grads = torch.randn(members, f, hidden), torch.randn(members, n, hidden)
    out, grad_w, h = torch.empty(members, n, hidden), torch.empty(members, f, hidden), torch.empty(n, hidden)
    generators = [torch.Generator().manual_seed(k) for k in range(members)]

    def epoch():
        for k, g in enumerate(generators):
            values = csr.values() * (torch.rand(nnz, generator=g) >= p) / (1.0 - p)
            dropped = torch.sparse_csr_tensor(csr.crow_indices(), csr.col_indices(), values, (n, f), check_invariants=False)
            torch.addmm(out[k], dropped, weights[k], beta=0, out=out[k])
            h.bernoulli_(1.0 - p, generator=g)
            torch.addmm(grad_w[k], transposed, grads[k], beta=0, out=grad_w[k])
            torch.addmm(out[k], csr, weights[k], beta=0, out=out[k])

    epoch()  # warm-up
    best = math.inf
    for _ in range(repeat):
        cpu = time.process_time()
        for _ in range(epochs):
            epoch()
        best = min(best, time.process_time() - cpu)
    return best / (members * epochs)


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
