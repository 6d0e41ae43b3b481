r"""Depth as time: accuracy and Dirichlet energy of a diffusion ODE (GRAND) and of ACMP as the end time T grows.

Chapter 6 (*Continuous depth*) plots these numbers. For each dataset, model, end time ``T`` and split it trains
a fresh model whose ODE runs from 0 to ``T`` (fixed-step ``rk4`` with step ``step_size``, :data:`STEP`, so a
larger ``T`` means more steps, i.e. more "layers"), and records

* ``val``, ``test``, ``train``: accuracies at the epoch of best validation accuracy (the test set chooses nothing);
* ``energy_0``, ``energy_T``: the unnormalised Dirichlet energy :math:`E(H) = \frac1N\sum_i\sum_{j\in N(i)}
  \lVert h_i - h_j\rVert^2` of the trained model's hidden state at t = 0 and t = T (``model.trajectory`` in
  eval mode, so no dropout), and ``energy_ratio = energy_T / energy_0``;
* ``alpha``, ``delta``: the learned diffusion rate and Allen–Cahn strength, averaged over channels (the
  product ``alpha * T`` is the diffusion time that the model actually runs).

Models: ``grand`` is :class:`physgnn.models.GRAND` with the fixed random-walk coupling ``a_ij = 1/d_i`` (pure
diffusion, β = 0, δ = 0); ``acmp`` is the book's :class:`physgnn.models.ACMP` with the same coupling, the code
form of the field, repulsion ``beta`` (per dataset, chosen on validation accuracy in Chapter 6: :data:`BETA`) and
the double well acting from t = 0 (δ starts at 1); ``official`` is :class:`physgnn.models.OfficialACMP`, the
official code's configuration (linear encoder, α = 0.5 and δ = σ(−10) ≈ 4.5e-5 at the start, self-loops,
column-stochastic couplings) with the same β, so that the well is learned rather than imposed. All use ``hidden``
channels and the same rk4 step (:data:`STEP`), so the number of steps ("layers") of a run is T / step.

    python -m physgnn experiment depth_as_time [--datasets cora texas] [--models grand acmp official]
        [--T 1 3 10 30 100] [--splits 0] [--epochs 100] [--lr 0.05]

Training: Adam, learning rate 0.05, weight decay 5e-4, 100 epochs, and by default no early stop (GRAND on
Texas predicts the majority class for about 60 epochs before it starts to learn); the scores are those of the
best-validation epoch. On 1 CPU thread GRAND and the book's ACMP take about 22 minutes of CPU time and about 4.5 GB
of memory at their peak (Cora, T = 100); the official configuration took about an hour of wall-clock time more on a
busy two-core machine (T = 100 alone: 22 minutes on Cora, 20 on Texas).

Rows go to ``results/depth_as_time.csv``; (dataset, model, T, split) rows already there are skipped, so an
interrupted run resumes. The chapter builds its models with :func:`make_model`; :func:`run_one` is one cell of
the sweep and can be called on any small grid.
"""

from __future__ import annotations

import argparse
import math
import time

import torch

NAME = "depth_as_time.csv"
KEYS = ("dataset", "model", "T", "split")
#: the options that change a result, also part of a run's resume key (``patience`` only in the rows' command)
OPTIONS = ("hidden", "step_size", "epochs", "lr", "patience")
#: ACMP's repulsion per dataset, picked on validation accuracy (split 0, T = 3) in Chapter 6; the package default is 0.5.
BETA = {"cora": 0.05, "texas": 0.1}
#: rk4 step per dataset: the package default 0.1, and 0.25 on Cora, where backpropagating through
#: T / step_size steps at T = 100 would otherwise need about 6 GB (Chapter 6 measures ~60 MB per unit of T
#: at step 0.1 with 16 channels; memory grows linearly with the number of steps).
STEP = {"cora": 0.25, "texas": 0.1}

#: the models of the sweep
MODELS = ("grand", "acmp", "official")

__all__ = ["BETA", "MODELS", "STEP", "make_model", "run_one", "main"]


def make_model(name: str, data, T: float, *, hidden: int = 16, step_size: float | None = None, beta: float | None = None):
    """``"grand"`` (random-walk diffusion), ``"acmp"`` (the book's ACMP) or ``"official"`` (the official code's ACMP)
    for ``data``, integrated with rk4 from 0 to ``T``.

    ``step_size`` and ``beta`` default to :data:`STEP` and :data:`BETA` for ``data.name`` (else 0.1 and 0.5).
    """
    from ..models import ACMP, GRAND, OfficialACMP

    f, c = data.num_features, int(data.y.max()) + 1
    key = getattr(data, "name", "")
    step_size = STEP.get(key, 0.1) if step_size is None else step_size
    if name == "grand":
        return GRAND(f, hidden, c, coupling="rw", T=T, method="rk4", step_size=step_size)
    if name == "acmp":
        beta = BETA.get(key, 0.5) if beta is None else beta
        return ACMP(f, hidden, c, coupling="rw", beta=beta, form="code", T=T, method="rk4", step_size=step_size)
    if name == "official":
        beta = BETA.get(key, 0.5) if beta is None else beta
        return OfficialACMP(f, hidden, c, beta=beta, T=T, method="rk4", step_size=step_size)
    raise ValueError(f"make_model: unknown model {name!r}; allowed: {', '.join(MODELS)}")


def run_one(data, model: str, T: float, *, hidden: int = 16, step_size: float | None = None, beta: float | None = None, epochs: int = 100,
            patience: int = 100, lr: float = 0.05, weight_decay: float = 5e-4, seed: int = 0, device=None) -> dict:
    """Train one model with end time ``T`` on ``data`` (one split, masks [N]) on ``device`` (default CPU) and measure
    it. Returns a row (dict)."""
    from ..energy import dirichlet_energy
    from ..train import fit

    if data.train_mask.dim() != 1:
        raise ValueError("run_one: data must hold one split (masks [N]); use physgnn.data.load(name, split=s)")
    torch.manual_seed(seed)
    net = make_model(model, data, T, hidden=hidden, step_size=step_size, beta=beta)
    start = time.perf_counter()
    res = fit(net, data, epochs=epochs, patience=patience, lr=lr, weight_decay=weight_decay, progress=False, device=device)
    # fit() leaves the weights of the best-validation epoch; the energies describe that model, on its device
    net.eval()
    dev = next(net.parameters()).device
    x, ei = data.x.to(dev), data.edge_index.to(dev)
    with torch.no_grad():
        hs = net.trajectory(x, ei, torch.tensor([0.0, float(T)], device=dev))
    e0, eT = (float(dirichlet_energy(h, ei)) for h in hs)
    field = net.field
    with torch.no_grad():
        alpha = float(field.alpha.mean())
        delta = float(field.delta.mean()) if field.delta is not None else 0.0
    return {
        "val": res.val,
        "test": res.test,
        "train": res.train,
        "best_epoch": res.best_epoch,
        "epochs_run": res.epochs_run,
        "seconds": time.perf_counter() - start,
        "energy_0": e0,
        "energy_T": eT,
        "energy_ratio": eT / e0 if e0 > 0 and math.isfinite(eT) else float("nan"),
        "alpha": alpha,
        "delta": delta,
        "beta": float(field.beta) if field.beta is not None else 0.0,
    }


def main(argv=None) -> int:
    from tqdm.auto import tqdm

    from ..data import load
    from ..results import append_row, command_line, done, key, run_lock, versions
    from ._runner import add_device_argument, command_options, dataset_name, parse_device, refuse_duplicates

    parser = argparse.ArgumentParser(prog="python -m physgnn experiment depth_as_time", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", type=dataset_name, default=["cora", "texas"])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--T", nargs="+", type=float, default=[1, 3, 10, 30, 100])
    parser.add_argument("--splits", nargs="+", type=int, default=[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--patience", type=int, default=100, help="early-stopping patience (default: no early stop "
                        "within 100 epochs; GRAND on Texas sits at the majority class for ~60 epochs before it learns)")
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--step-size", type=float, default=None, help="rk4 step (default: STEP per dataset)")
    parser.add_argument("--threads", type=int, default=1)
    add_device_argument(parser)
    args = parser.parse_args(argv)
    device = parse_device(parser, args)
    refuse_duplicates(parser, args, "datasets", "models", "T", "splits")
    torch.set_num_threads(args.threads)

    def options(dataset):  # the values of OPTIONS for a run on dataset (the step is STEP's unless given)
        step = args.step_size if args.step_size is not None else STEP.get(dataset, 0.1)
        return args.hidden, step, args.epochs, args.lr, args.patience

    grid = [(d, m, T, s) for d in args.datasets for s in args.splits for T in args.T for m in args.models]
    with run_lock(NAME):  # a second run into the same file at the same time is refused
        derive = command_options(parser)
        finished = done(NAME, KEYS + OPTIONS, derive)
        todo = [g for g in grid if key(*g, *options(g[0])) not in finished]
        print(f"{len(grid) - len(todo)} of {len(grid)} runs already in results/{NAME} with these options")
        command = command_line(argv, "python -m physgnn experiment depth_as_time")
        cache = {}
        for dataset, model, T, split in tqdm(todo, desc="depth_as_time"):
            if (dataset, split) not in cache:
                cache[(dataset, split)] = load(dataset, split=split)
            row = run_one(cache[(dataset, split)], model, T, hidden=args.hidden, step_size=args.step_size, epochs=args.epochs,
                          patience=args.patience, lr=args.lr, device=device)
            step = options(dataset)[1]
            append_row(NAME, {"dataset": dataset, "model": model, "T": T, "split": split, "hidden": args.hidden,
                              "step_size": step, "epochs": args.epochs, "lr": args.lr, **row,
                              "command": command, **versions()}, unique=KEYS + OPTIONS, derive=derive)
            tqdm.write(f"{dataset} {model} T={T} split {split}: val {row['val']:.3f} test {row['test']:.3f} "
                       f"E(T)/E(0) {row['energy_ratio']:.2e} alpha {row['alpha']:.3f} ({row['seconds']:.0f} s)")
    return 0
