r"""Accuracy of ACMP against the repulsion β on contextual SBMs of low to high homophily (Chapter 4).

What it measures: for each homophily h (the fraction of edges that join same-class nodes) and each fixed β,
the test accuracy of an ACMP model trained with early stopping on the validation accuracy; and, for each h,
where a *learned* β ends up (``learn_beta=True``, started at ``--beta0``). The finding it supports: the best
β falls as homophily rises (strong repulsion helps when neighbours differ, hurts when they agree), and a
learned β moves the same way.

The graph: ``physgnn.data.contextual_sbm`` with 400 nodes, 2 classes, average degree 5, 16 Gaussian features
with class means of norm 1 (the features alone give an MLP about 70 % accuracy), a 60/20/20 split; graph,
features and split are drawn from ``seed``. The model: ``physgnn.models.ACMP`` with random-walk couplings
(a_ij = 1/d_i), the official code's field (``form="code"``), δ = 1 and α = 1 at the start (both learned),
T = 3 integrated by explicit Euler with step 0.2 (15 residual steps), hidden width 16. Every run stays
finite for β ≤ 0.6 at this degree; at β = 0.8 training makes the field stiff enough for most runs to produce
non-finite features (recorded as ``diverged``; the chapter reports them, and Chapter 5 explains why).

Chapter 4 (``chapters/04_forces.ipynb``) calls :func:`sweep` on a small grid in fast mode and plots
``results/beta_sweep.csv``. Regenerate the CSV (about 10 minutes on one CPU thread) with::

    python -m physgnn experiment beta_sweep

Rows already in the CSV are skipped, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import math
import time

import torch
from torch import nn
from tqdm.auto import tqdm

from .. import results
from ..data import contextual_sbm
from ..models import ACMP
from ..train import score
from ._runner import add_device_argument, command_options, parse_device, refuse_duplicates

__all__ = ["CSV", "HOMOPHILIES", "BETAS", "make_data", "make_model", "run_one", "sweep", "main"]

CSV = "beta_sweep.csv"
HOMOPHILIES = (0.1, 0.3, 0.5, 0.7, 0.9)
BETAS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8)
KEYS = ("homophily", "beta0", "learn_beta", "seed")
#: the options that change a result, also part of a run's resume key (the rows hold them only in their command)
OPTIONS = ("epochs", "patience")

NUM_NODES, AVG_DEGREE, NUM_FEATURES, FEATURE_SIGNAL = 400, 5.0, 16, 1.0
HIDDEN, T, METHOD, STEP = 16, 3.0, "euler", 0.2


def make_data(homophily: float, seed: int):
    """The contextual SBM of this experiment (2 classes, 400 nodes, average degree 5, 16 features)."""
    return contextual_sbm(NUM_NODES, 2, homophily=homophily, avg_degree=AVG_DEGREE, num_features=NUM_FEATURES,
                          feature_signal=FEATURE_SIGNAL, seed=seed)


def make_model(beta: float, learn_beta: bool = False) -> ACMP:
    """ACMP with random-walk couplings and the code form of the field; β fixed or learned."""
    return ACMP(NUM_FEATURES, HIDDEN, 2, coupling="rw", form="code", beta=beta, learn_beta=learn_beta, delta=1.0, alpha=1.0,
                T=T, method=METHOD, step_size=STEP)


def run_one(homophily: float, beta: float, seed: int, *, learn_beta: bool = False, epochs: int = 150, patience: int = 50,
            lr: float = 0.01, weight_decay: float = 5e-4, device=None) -> dict:
    """Train one model; return its scores at the epoch of best validation accuracy, and β at that epoch.

    The loop is :func:`physgnn.train.fit`'s (Adam, cross-entropy on the training nodes, early stopping on the
    validation accuracy), written out here because it also records β at the best epoch, which ``fit`` does not
    keep. A solve that produces non-finite features ends the run (``diverged = True``); the scores are then
    those of the best epoch before it. ``device``: where to train (default CPU).
    """
    data = make_data(homophily, seed).to(device or "cpu")
    torch.manual_seed(seed)
    model = make_model(beta, learn_beta).to(device or "cpu")
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    best = {"val": -math.inf, "test": 0.0, "train": 0.0, "epoch": 0, "beta": float(beta)}
    diverged, epoch, start = False, 0, time.perf_counter()
    for epoch in range(epochs):
        model.train()
        opt.zero_grad()
        out = model(data.x, data.edge_index)
        loss = nn.functional.cross_entropy(out[data.train_mask], data.y[data.train_mask])
        if not torch.isfinite(loss):
            diverged = True
            break
        loss.backward()
        opt.step()
        model.eval()
        with torch.no_grad():
            out = model(data.x, data.edge_index)
        if not torch.isfinite(out).all():
            diverged = True
            break
        val = score(out, data.y, data.val_mask)
        if val > best["val"]:
            best = {"val": val, "test": score(out, data.y, data.test_mask), "train": score(out, data.y, data.train_mask),
                    "epoch": epoch, "beta": float(model.field.beta.detach())}
        if epoch - best["epoch"] >= patience:
            break
    return {
        "homophily": homophily,
        "beta0": beta,
        "learn_beta": bool(learn_beta),
        "seed": seed,
        "beta_best": round(best["beta"], 6),
        "train": round(best["train"], 6),
        "val": round(max(best["val"], 0.0), 6),
        "test": round(best["test"], 6),
        "best_epoch": best["epoch"],
        "epochs_run": epoch + 1,
        "diverged": diverged,
        "seconds": round(time.perf_counter() - start, 2),
    }


def sweep(homophilies=HOMOPHILIES, betas=BETAS, seeds=(0, 1, 2), *, learned_from: float | None = 0.2, epochs: int = 150,
          patience: int = 50, skip: set | None = None, progress: bool = True, on_row=None, device=None) -> list[dict]:
    """Every (homophily, β, seed) with β fixed, plus one learned-β run per (homophily, seed) started at
    ``learned_from`` (``None`` skips those). ``skip`` holds key tuples (see :data:`KEYS`; compared as
    :func:`physgnn.results.key` spells them) to leave out; ``on_row(row)`` is called after each run. Returns the rows."""
    jobs = [(h, b, s, False) for h in homophilies for s in seeds for b in betas]
    if learned_from is not None:
        jobs += [(h, learned_from, s, True) for h in homophilies for s in seeds]
    skip = {results.key(*k) for k in skip or ()}
    jobs = list(dict.fromkeys(j for j in jobs if results.key(j[0], j[1], j[3], j[2]) not in skip))  # each run once
    rows = []
    for h, b, s, learn in tqdm(jobs, desc="beta sweep", disable=not progress):
        row = run_one(h, b, s, learn_beta=learn, epochs=epochs, patience=patience, device=device)
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physgnn experiment beta_sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("--homophilies", type=float, nargs="+", default=list(HOMOPHILIES))
    parser.add_argument("--betas", type=float, nargs="+", default=list(BETAS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--beta0", type=float, default=0.2, help="starting value of the learned β")
    parser.add_argument("--no-learned", action="store_true", help="skip the learned-β runs")
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--patience", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 gives repeatable numbers)")
    add_device_argument(parser)
    args = parser.parse_args(argv)
    device = parse_device(parser, args)
    refuse_duplicates(parser, args, "homophilies", "betas", "seeds")
    torch.set_num_threads(args.threads)
    command, vers = results.command_line(argv, "python -m physgnn experiment beta_sweep"), results.versions()
    derive, mine = command_options(parser), results.key(*(getattr(args, o) for o in OPTIONS))

    def write(row):
        results.append_row(CSV, {**row, "command": command, **vers}, unique=KEYS + OPTIONS, derive=derive)

    with results.run_lock(CSV):
        skip = {k[:len(KEYS)] for k in results.done(CSV, KEYS + OPTIONS, derive) if k[len(KEYS):] == mine}
        sweep(args.homophilies, args.betas, args.seeds, learned_from=None if args.no_learned else args.beta0, epochs=args.epochs,
              patience=args.patience, skip=skip, on_row=write, device=device)
    print(f"rows in {results.results_dir() / CSV}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
