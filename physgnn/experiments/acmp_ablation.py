r"""From the official ACMP code's model to the book's ACMP, one change at a time (Chapter 7's model card).

What it measures: the test score of each variant below on each split, trained with :func:`physgnn.train.fit`
(Adam, lr 0.01, weight decay 5e-4, up to 1,000 epochs, early stopping after 200 without a better validation score:
a convergence budget, because the official configuration fits slowly; on Texas its best epochs lie between 400
and 900, far beyond the 200 epochs of ``python -m physgnn reproduce``), seeded with ``seed + split``. The splits of one (dataset, variant)
cell train together as one stacked model (:func:`physgnn.cell.fit_cell`, :func:`run_cell`), each split exactly as
its separate run would (same seed, same numbers to rounding; ``--separate`` trains them one by one instead), so that
the small WebKB graphs pay the per-call cost of the official model's 128 rk4 steps once per cell, not once per
split. The reference is the official configuration with repulsion switched on (``official+beta``, β from
:func:`beta_for`); every other variant changes one thing:

=================  ======================================================================================
variant            model
=================  ======================================================================================
``official``       :class:`~physgnn.models.OfficialACMP` as ``run_GNN.py`` runs it by default: β = 0,
                   i.e. GRAND-rw plus a double well that starts switched off
``official+beta``  the same with β = :func:`beta_for` (the reference)
``tanh``           reference + ``tanh`` after the encoder (the book's choice)
``delta-on``       reference with δ starting at 0.5 instead of σ(−10) (the well acts from t = 0)
``row-couplings``  reference with the book's couplings: row-stochastic 1/d_i, no self-loops, β on edges only
``no-well``        reference with δ = 0 (no double well)
``grand-tanh``     reference with β = 0, δ = 0 and ``tanh``: GRAND-rw with the book's encoder
``book``           the book's :class:`~physgnn.models.ACMP` (``coupling="rw"``, ``form="code"``, tanh, softplus
                   α = δ = 1 at the start, 64 channels) with the same β, integrated as ``reproduce`` does
                   (T = 1, rk4 steps of 0.1 on WebKB; T = 3, steps of 0.5 on the larger graphs)
=================  ======================================================================================

The official variants keep the official T = 12.8, 16 channels, rk4 steps of 0.1, input dropout 0.5 and no dropout
before the decoder. β: :data:`BETA` on WebKB; on the larger graphs the largest β that the book's rk4 steps of 0.5
follow stably by :func:`physgnn.stability.stable_beta` with the double well's stiffness at the feature bound
(δ = 1, capped at :data:`BETA`), so that the solver is stable. Each row records β, β·(mean degree) and β·d_max.

Datasets: the ten Geom-GCN splits of Texas, Wisconsin and Cornell, the ten splits of filtered Chameleon and five of
Minesweeper's ten (:data:`SPLITS`), as :func:`physgnn.data.load` gives them (undirected, no self-loops). Minesweeper
gets five because of its cost: its members do not stack (one member's saved solver states take about 5 GB), and
one run of an official variant takes 16 to 60 CPU-minutes (128 rk4 steps over 10,000 nodes per forward pass, up to
1,000 epochs), so ten splits of the eight variants would take about 30 CPU-hours. Five splits give each paired
comparison four degrees of freedom. Minesweeper keeps the same 1,000-epoch budget as the other graphs, so that every
variant is compared at an equal budget, although some of its runs peak near the cap (the official configuration on
split 1 at epoch 991): the chapter reports, per cell, how many runs peaked within the patience of the cap and whether
the median did (:func:`physgnn.convergence.at_cap`), rather than calling such a cell converged. Rows go to
``results/acmp_ablation.csv`` as each cell finishes; Chapter 7 reads them. The command (resumable: a rerun skips
the rows already saved with the same options)::

    OMP_NUM_THREADS=1 python -m physgnn experiment acmp_ablation
    python -m physgnn experiment acmp_ablation --datasets texas --variants official book --splits 0   # smaller
"""

from __future__ import annotations

import argparse
import functools
import math

import torch
from tqdm.auto import tqdm

from .. import results
from ..cell import fit_cell
from ..cell.budget import BATCH_BYTES, members_per_batch  # noqa: F401  (re-exported)
from ..data import load, select_split
from ..models import ACMP, OfficialACMP
from ..train import fit
from ._runner import add_device_argument, dataset_name, fit_fields, over_grid, parse_device, refuse_duplicates, save, summarize as _summarize, training_fields

__all__ = ["CSV", "DATASETS", "VARIANTS", "KEYS", "SPLITS", "splits_of", "BETA", "BATCH_BYTES", "beta_for", "make_model", "members_per_batch", "run_one",
           "run_cell", "run", "summarize", "main"]

CSV = "acmp_ablation.csv"
DATASETS = ("texas", "wisconsin", "cornell", "minesweeper", "chameleon-filtered")
VARIANTS = ("official", "official+beta", "tanh", "delta-on", "row-couplings", "no-well", "grand-tanh", "book")
KEYS = ("dataset", "variant", "split")
#: the splits of each dataset where they are not all ten (see the module docstring)
SPLITS = {"minesweeper": (0, 1, 2, 3, 4)}
#: β of the variants with repulsion, where the solver allows it.
BETA = 0.25
WEBKB = ("texas", "wisconsin", "cornell")


def splits_of(dataset: str) -> tuple[int, ...]:
    """The splits the ablation runs on ``dataset``: :data:`SPLITS` or all ten."""
    return SPLITS.get(dataset, tuple(range(10)))


@functools.lru_cache(maxsize=None)
def beta_for(dataset: str) -> float:
    """β of the repulsive variants on ``dataset``: :data:`BETA` on WebKB, else the smaller of :data:`BETA` and the
    largest β stable for the book's rk4 steps of 0.5 at α = δ = 1 (:func:`physgnn.stability.stable_beta`, the well's
    stiffness included), rounded down to 4 decimals."""
    if dataset in WEBKB:
        return BETA
    from ..stability import stable_beta

    data = load(dataset)
    beta = stable_beta(data.edge_index, data.num_nodes, method="rk4", step_size=0.5, alpha=1.0, couplings="book",
                       delta=1.0)["beta"]
    return min(BETA, int(beta * 1e4) / 1e4)


def make_model(variant: str, in_channels: int, out_channels: int, beta: float, large: bool) -> torch.nn.Module:
    """A fresh model of ``variant`` (see the module docstring); ``large`` selects the book's larger-graph solve."""
    off = dict(beta=beta)
    if variant == "official":
        return OfficialACMP(in_channels, 16, out_channels)
    if variant == "official+beta":
        return OfficialACMP(in_channels, 16, out_channels, **off)
    if variant == "tanh":
        return OfficialACMP(in_channels, 16, out_channels, tanh=True, **off)
    if variant == "delta-on":
        return OfficialACMP(in_channels, 16, out_channels, delta=0.5, **off)
    if variant == "row-couplings":
        return OfficialACMP(in_channels, 16, out_channels, couplings="book", **off)
    if variant == "no-well":
        return OfficialACMP(in_channels, 16, out_channels, delta=None, **off)
    if variant == "grand-tanh":
        return OfficialACMP(in_channels, 16, out_channels, beta=0.0, delta=None, tanh=True)
    if variant == "book":
        solve = dict(T=3.0, step_size=0.5) if large else dict(T=1.0, step_size=0.1)
        return ACMP(in_channels, 64, out_channels, coupling="rw", form="code", beta=beta, dropout_in=0.5, **solve)
    raise ValueError(f"acmp_ablation: unknown variant {variant!r}; allowed: {', '.join(VARIANTS)}")


def _model(data, variant: str, beta: float) -> torch.nn.Module:
    return make_model(variant, data.num_features, int(data.y.max()) + 1, beta, data.name not in WEBKB)


def run_one(data, variant: str, split: int, *, epochs: int = 200, patience: int = 50, lr: float = 0.01,
            weight_decay: float = 5e-4, seed: int = 0, beta: float | None = None, device=None) -> dict:
    """Train ``variant`` on split ``split`` of ``data`` (masks [N, S]) on ``device`` (default CPU); return a result
    row. ``beta``: β of the repulsive variants (default :func:`beta_for` of the dataset)."""
    one = select_split(data, int(split)) if data.train_mask.dim() == 2 else data
    beta = beta_for(data.name) if beta is None else float(beta)
    torch.manual_seed(seed + int(split))
    net = _model(data, variant, beta)
    r = fit(net, one, epochs=epochs, patience=patience, lr=lr, weight_decay=weight_decay, progress=False, device=device)
    return _row(data, variant, split, r, net, beta, epochs=epochs, patience=patience, lr=lr, weight_decay=weight_decay, seed=seed)


def run_cell(data, variant: str, splits, *, epochs: int = 200, patience: int = 50, lr: float = 0.01,
             weight_decay: float = 5e-4, seed: int = 0, beta: float | None = None) -> list[dict]:
    """The rows of ``run_one(data, variant, split)`` for every split of ``splits``, trained as one stacked model
    (:func:`physgnn.cell.fit_cell`; member ``split`` seeded with ``seed + split``) in batches of at most
    :func:`members_per_batch` members, on the CPU. Rows in the order of ``splits``; each row's ``seconds`` is its
    share of the batch's time (in proportion to its epochs)."""
    splits = [int(s) for s in splits]
    if data.train_mask.dim() != 2:
        raise ValueError("run_cell: data must have several splits (masks [N, S]); for one split use run_one")
    beta = beta_for(data.name) if beta is None else float(beta)
    with torch.random.fork_rng(devices=[]):  # a model to read the configuration from, without moving the caller's seed
        net = _model(data, variant, beta)
    batches = math.ceil(len(splits) / members_per_batch(net, data.num_nodes))
    runs = fit_cell(lambda: _model(data, variant, beta), data, [(s, seed + s) for s in splits], epochs=epochs, patience=patience,
                    lr=lr, weight_decay=weight_decay, chunk=math.ceil(len(splits) / batches), progress=False)  # even batches
    return [_row(data, variant, s, r, net, beta, epochs=epochs, patience=patience, lr=lr, weight_decay=weight_decay, seed=seed)
            for s, r in zip(splits, runs)]


def _row(data, variant, split, r, net, beta, *, epochs, patience, lr, weight_decay, seed) -> dict:
    """The CSV row of one trained split (``r`` a :class:`~physgnn.train.FitResult`, ``net`` the variant's model)."""
    ei = data.edge_index[:, data.edge_index[0] != data.edge_index[1]]
    deg = torch.bincount(ei[1], minlength=data.num_nodes).double()
    used = 0.0 if variant in ("official", "grand-tanh") else beta
    return {
        "dataset": data.name, "variant": variant, "split": int(split), "metric": r.metric, **fit_fields(r),
        "beta": used, "beta_mean_degree": round(used * float(deg.mean()), 4), "beta_max_degree": round(used * float(deg.max()), 4),
        "T": float(net.ode.T), "step_size": float(net.ode.step_size), "width": net.hidden,
        **training_fields(hidden=net.hidden, dropout=net.dropout, epochs=epochs, patience=patience, lr=lr,
                          weight_decay=weight_decay, seed=seed),
    }


def run(datasets=DATASETS, variants=VARIANTS, splits=None, *, progress: bool = True, on_row=None, skip=(),
        separate: bool = False, **fit_kwargs) -> list[dict]:
    """Every (dataset, variant, split) not in ``skip``, over ``splits`` (default: :func:`splits_of` each dataset).
    The splits still to run of each (dataset, variant) cell train
    as one batch (:func:`run_cell`), and their rows go to ``on_row`` when the cell finishes; with ``separate`` (or
    on a device other than the CPU) each split trains alone (:func:`run_one`, through
    :func:`physgnn.experiments._runner.over_grid`). Both give the same rows, ``seconds`` aside."""
    for v in variants:
        if v not in VARIANTS:
            raise ValueError(f"acmp_ablation: unknown variant {v!r}; allowed: {', '.join(VARIANTS)}")
    grid = [(d, v, int(s)) for d in datasets for v in variants for s in (splits_of(d) if splits is None else splits)]
    device = fit_kwargs.get("device")
    if separate or (device is not None and torch.device(device).type != "cpu"):
        return over_grid("acmp_ablation", grid, run_one, skip=skip, progress=progress, on_row=on_row, **fit_kwargs)
    fit_kwargs.pop("device", None)
    skip = {results.key(*k) for k in skip}
    todo = list(dict.fromkeys(g for g in grid if results.key(*g) not in skip))  # each run once, in grid order
    cells = list(dict.fromkeys((d, v) for d, v, _ in todo))
    rows, cache = [], {}
    bar = tqdm(cells, desc="acmp_ablation", disable=not progress)
    for dataset, variant in bar:
        if dataset not in cache:
            cache.clear()
            cache[dataset] = load(dataset)
        splits_todo = [s for d, v, s in todo if (d, v) == (dataset, variant)]
        bar.set_postfix(dataset=dataset, variant=variant, splits=len(splits_todo))
        for row in run_cell(cache[dataset], variant, splits_todo, **fit_kwargs):
            rows.append(row)
            if on_row is not None:
                on_row(row)
    return rows


def summarize(rows) -> dict:
    """Mean and sample std of the test score over splits per (dataset, variant)."""
    return _summarize(rows, by=("dataset", "variant"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physgnn experiment acmp_ablation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", type=dataset_name, default=list(DATASETS))
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--splits", nargs="+", type=int, default=None,
                        help="split indices (default: 0..9; 0..4 on Minesweeper)")
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--patience", type=int, default=200)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 makes runs repeat bit for bit)")
    parser.add_argument("--separate", action="store_true",
                        help="train each split alone instead of each cell's splits as one batch (the same rows, slower)")
    add_device_argument(parser)
    args = parser.parse_args(argv)
    device = parse_device(parser, args)
    if any(not 0 <= s < 10 for s in args.splits or ()):
        parser.error("splits must lie in 0..9")
    refuse_duplicates(parser, args, "datasets", "variants", "splits")
    torch.set_num_threads(args.threads)
    options = ("epochs", "patience", "lr", "weight_decay", "seed")  # resume key: the grid and these
    kw = {o: getattr(args, o) for o in options} | {"device": device, "separate": args.separate}
    return save("acmp_ablation", CSV, KEYS, lambda **io: run(args.datasets, args.variants, args.splits, **io, **kw),
                parser=parser, args=args, options=options, argv=argv)
