"""Speed and memory figures, measured side by side in one run (a benchmark, not a test).

    python -m physgnn.bench [--datasets cora squirrel] [--channels 64] [--threads 1]
    python -m physgnn.bench --protocol [--datasets tolokers squirrel]     # the cost of reproduce --all
    python -m physgnn.bench --device cuda                                 # the same on a GPU
    python -m physgnn.bench --cell                                        # separate runs vs one stacked cell

For each graph it prints the median time of: one CSR sparse product ``A @ X`` (the floor), one ACMP
vector-field evaluation inside a solve (operator built once per solve, as :class:`physgnn.models.GraphODE` does), gather/scatter message passing over ``edge_index`` (what PyG's ``propagate`` does on a
CPU without extensions), one PyG ``GCNConv`` call on ``edge_index`` and on a CSR adjacency, and a training
epoch (forward + backward) of ACMP (rk4, step 0.1, T = 3) and of a 2-layer GCN; then the peak resident memory
of an ACMP training step with and without the adjoint method, each measured in a fresh process.

``--protocol`` measures instead what ``python -m physgnn reproduce`` will cost: for every dataset (default: all
of ``physgnn.protocols.table.DATASETS``) and model, in a fresh process, the epoch time (training step plus the
evaluation pass) and peak memory of the most expensive setting of the model's grid on that dataset, and from them
an upper bound on the job's CPU time: (search trials + 10 runs) x 200 epochs. Where ``reproduce`` trains a
setting's search splits as one stacked cell (the small graphs, :func:`batch_members`), the epoch is that of a
stacked batch of the real size divided by its members. Early stopping usually ends runs sooner, so the bound is
pessimistic; the sum over all jobs bounds ``reproduce --all``.

``--cell`` trains ten splits x three seeds of ACMP-GCN on Texas and of GCN on Cora (or of ``--models`` on
``--datasets``) twice, as thirty separate runs and as one stacked cell (:func:`physgnn.cell.fit_cell`), and prints
both times, their ratio and how many of the thirty results agree exactly. For GCN and the MLP it also prints the
floor of that ratio: the CPU time of the work each member must do itself (its sparse input products and its own
dropout draws, :func:`physgnn.cell.compare.member_floor`) over the separate runs' CPU time. With ``--variants`` it does the same for variants of Chapter 7's ablation
(:mod:`physgnn.experiments.acmp_ablation`; ``official`` is the official ACMP code's model) on ``--datasets``
(default texas); ``--seeds``, ``--splits``, ``--epochs`` and ``--patience`` set the cell's size and budget::

    python -m physgnn.bench --cell --variants official --seeds 3 --epochs 20
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from ._process import peak_rss_mb, run_fresh


def _sync(device) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)  # CUDA kernels run asynchronously: time them to completion


def _median_ms(fn, repeat: int = 20, warmup: int = 3, device="cpu") -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        _sync(device)
        t = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def _load(name: str, device="cpu"):
    from .data import load

    return load(name).to(device)


def _step(model, data):
    opt = torch.optim.Adam(model.parameters(), lr=0.01)

    def run():
        opt.zero_grad()
        out = model(data.x, data.edge_index)
        torch.nn.functional.cross_entropy(out, data.y).backward()
        opt.step()

    return run


def measure(name: str, channels: int, device="cpu") -> dict:
    from torch_geometric.nn import GCNConv
    from torch_geometric.utils import to_torch_csr_tensor

    from .dynamics import ACMPField
    from .models import ACMP, GCN

    data = _load(name, device)
    n, ei = data.num_nodes, data.edge_index
    x = torch.randn(n, channels, device=device)
    adj = to_torch_csr_tensor(ei.flip(0), size=(n, n))
    field = ACMPField(ei, n, channels, beta=0.3, delta=1.0).to(device)
    field.prepare(x)  # as inside a solve: the operator is built once per solve, then each evaluation reuses it
    src, dst = ei

    def scatter():
        return torch.zeros_like(x).index_add_(0, dst, x[src])

    conv = GCNConv(channels, channels, cached=False).to(device)
    f = data.num_features
    c = int(data.y.max()) + 1
    torch.manual_seed(0)
    acmp = ACMP(f, channels, c, T=3.0, step_size=0.1, method="rk4", coupling="rw", beta=0.1).to(device)
    gcn = GCN(f, channels, c, num_layers=2).to(device)
    ms = lambda fn, **kw: _median_ms(fn, device=device, **kw)  # noqa: E731
    with torch.no_grad():
        row = {
            "dataset": name,
            "nodes": n,
            "edges": ei.size(1),
            "csr_matmul_ms": ms(lambda: adj @ x),
            "acmp_field_ms": ms(lambda: field(0.0, x)),
            "scatter_mp_ms": ms(scatter, repeat=5),
            "gcnconv_edge_index_ms": ms(lambda: conv(x, ei), repeat=5),
            "gcnconv_csr_ms": ms(lambda: conv(x, adj)),
        }
    row["field_over_csr"] = row["acmp_field_ms"] / row["csr_matmul_ms"]
    row["acmp_epoch_ms"] = ms(_step(acmp, data), repeat=3, warmup=1)
    row["gcn_epoch_ms"] = ms(_step(gcn, data), repeat=5, warmup=1)
    return row


def _peak_memory_child(name: str, channels: int, adjoint: bool, device: str = "cpu") -> None:
    """Host peak (resident memory) and, on CUDA, the device's peak allocation, of one ACMP training step."""
    from .models import ACMP

    data = _load(name, device)
    base = peak_rss_mb()
    model = ACMP(data.num_features, channels, int(data.y.max()) + 1, T=3.0, step_size=0.1, method="rk4", adjoint=adjoint, beta=0.1).to(device)
    _step(model, data)()
    peak = peak_rss_mb()
    row = {"peak_mb": peak, "delta_mb": peak - base}
    if torch.device(device).type == "cuda":
        row["cuda_peak_mb"] = torch.cuda.max_memory_allocated(device) / 2**20
    print(json.dumps(row))


def peak_memory(name: str, channels: int, adjoint: bool, device: str = "cpu") -> dict:
    """Peak memory of one ACMP training step on ``name``, measured in a fresh process."""
    return run_fresh("physgnn.bench", "_peak_memory_child", name, channels, adjoint, device)


def batch_members(dataset: str, model: str, settings: dict, data, device: str = "cpu") -> int:
    """How many runs ``reproduce`` trains at once for ``model`` with ``settings`` on ``dataset``: a setting's
    search splits as one stacked cell (``physgnn.reproduce.train_cell``) on the small graphs (``BATCHED``), on
    the CPU, for a model that stacks, at most ``members_per_batch``; 1 (separate runs) everywhere else."""
    from .cell.budget import members_per_batch, stacks
    from .protocols.table import BATCHED, build, search_splits

    splits = len(search_splits(dataset))
    if dataset not in BATCHED or torch.device(device).type != "cpu" or splits < 2:
        return 1
    net = build(model, settings, data)
    if not stacks(net, settings):
        return 1
    return min(splits, members_per_batch(net, data.num_nodes) or splits)


def _epoch(net, data, train_mask, members: int):
    """One epoch as fit (members = 1) or fit_cell trains it: a training step on the sum of the members' losses,
    then the evaluation pass."""
    opt = torch.optim.Adam(net.parameters(), lr=0.01, fused=members > 1 and data.x.device.type == "cpu")
    y = data.y.expand(members, -1)[train_mask]

    def epoch():
        net.train()
        opt.zero_grad()
        out = net(data.x, data.edge_index).view(members, data.num_nodes, -1)
        torch.nn.functional.cross_entropy(out[train_mask], y, reduction="sum").backward()
        opt.step()
        net.eval()
        with torch.no_grad():
            net(data.x, data.edge_index)

    return epoch


def _protocol_child(dataset: str, model: str, device: str = "cpu") -> None:
    from .cell import stack_models
    from .cell.fit import _build
    from .data import load, select_split
    from .protocols.table import build, search_splits, settings_grid

    full = load(dataset)
    grid = settings_grid(model, dataset)
    settings = grid[-1]  # the last setting in grid order has the largest T (most evaluations)
    members = batch_members(dataset, model, settings, full, device)
    if members > 1:  # a stacked batch of the real size, as train_cell trains it; its epoch is shared by its members
        splits = search_splits(dataset)[:members]
        net = stack_models(*_build(lambda: build(model, settings, full), list(splits)))
        data, train_mask = full, full.train_mask[:, list(splits)].t().contiguous()
    else:
        data = select_split(full, 0).to(device)
        torch.manual_seed(0)
        net = build(model, settings, data).to(device)
        train_mask = data.train_mask.unsqueeze(0)
    seconds = _median_ms(_epoch(net, data, train_mask, members), repeat=3, warmup=1, device=device) / 1000 / members
    jobs = len(grid) * len(search_splits(dataset)) + 10
    print(json.dumps({"epoch_s": seconds, "members": members, "peak_mb": peak_rss_mb(), "runs": jobs, "bound_s": jobs * 200 * seconds}))


def protocol(datasets, models=None, device: str = "cpu") -> list[dict]:
    """Per (dataset, model): epoch seconds, peak MB, runs of the job and its CPU-time bound (fresh process each)."""
    from .protocols.table import GRIDS

    rows = []
    for dataset in datasets:
        for model in models or list(GRIDS):
            row = dict(dataset=dataset, model=model, **run_fresh("physgnn.bench", "_protocol_child", dataset, model, device))
            print(f"  {dataset:<19}{model:<10}{row['epoch_s']:>9.3f} s/epoch{row['members']:>4} per batch{row['peak_mb']:>9.0f} MB{row['runs']:>5} runs"
                  f"{row['bound_s'] / 3600:>8.2f} CPU-h at most", flush=True)
            rows.append(row)
    return rows


#: models whose stacked cell :func:`cell` prices against its floor (first layer: sparse features times own weights)
FLOORED = ("gcn", "mlp")


def _floor_ratio(dataset: str, model: str, r: dict) -> float:
    """The lowest CPU ratio stacked / separate that the work each member does itself allows (its input products and
    dropout draws, :func:`physgnn.cell.compare.member_floor`), for the member-epochs that the separate runs trained."""
    from .cell.compare import member_floor
    from .data import load
    from .protocols.table import GRIDS

    hidden = GRIDS[model][1]["hidden"]
    return member_floor(load(dataset).x, hidden) * r["epochs_separate"] / r["separate_cpu_s"]


def cell(cells=(("texas", "acmp-gcn"), ("cora", "gcn")), *, ablation: bool = False, splits=range(10), seeds=(0, 1, 2),
         epochs: int | None = None, patience: int | None = None) -> list[dict]:
    """Separate vs stacked training of ``splits`` x ``seeds`` per (dataset, model) (see physgnn.cell.compare);
    ``ablation``: the models are variants of physgnn.experiments.acmp_ablation."""
    from .cell.compare import compare, compare_ablation

    rows = []
    for dataset, model in cells:
        if ablation:
            r = compare_ablation(dataset, model, splits, seeds, epochs=epochs or 200, patience=patience or 50)
        else:
            r = compare(dataset, model, splits, seeds, epochs=epochs, patience=patience)
        floor = ""
        if not ablation and model in FLOORED:
            r["floor_ratio"] = _floor_ratio(dataset, model, r)
            floor = f"  floor {r['floor_ratio']:.3f}"
        print(f"  {dataset:<8}{model:<14}{r['members']:>3} members  separate {r['separate_s']:7.1f} s (CPU {r['separate_cpu_s']:7.1f} s)"
              f"  stacked {r['batched_s']:6.1f} s (CPU {r['batched_cpu_s']:6.1f} s)  ratio {r['ratio']:.3f} (CPU {r['cpu_ratio']:.3f})"
              f"  peak {r['separate_peak_mb']:.0f} / {r['batched_peak_mb']:.0f} MB  {r['equal']}/{r['members']} results equal{floor}", flush=True)
        rows.append(r)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physgnn.bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=None, help="default: cora squirrel (with --protocol: every dataset)")
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--protocol", action="store_true", help="the cost of `python -m physgnn reproduce` per dataset and model")
    parser.add_argument("--models", nargs="+", default=None, help="with --protocol: models (default: all); with --cell: models of reproduce (default: ACMP-GCN on Texas, GCN on Cora)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu); CUDA times include a synchronisation")
    parser.add_argument("--cell", action="store_true", help="thirty separate runs vs one stacked cell (ACMP-GCN on Texas, GCN on Cora)")
    parser.add_argument("--variants", nargs="+", default=None, help="with --cell: variants of the acmp_ablation experiment instead")
    parser.add_argument("--splits", type=int, default=10, help="with --cell: splits 0..S-1 (default 10)")
    parser.add_argument("--seeds", type=int, default=3, help="with --cell: seeds 0..R-1 per split (default 3)")
    parser.add_argument("--epochs", type=int, default=None, help="with --cell: most epochs (default: the cell's own budget)")
    parser.add_argument("--patience", type=int, default=None, help="with --cell: early-stopping patience (default: the cell's own)")
    args = parser.parse_args(argv)
    from .utils import device as pick_device

    try:
        args.device = str(pick_device(args.device))
    except ValueError as err:
        parser.error(str(err))
    torch.set_num_threads(args.threads)
    if args.cell:
        from .experiments.acmp_ablation import VARIANTS

        for name in ("splits", "seeds", "epochs", "patience"):
            value = getattr(args, name)
            if value is not None and value < 1:
                parser.error(f"--{name} must be a positive integer, got {value}")
        if args.splits > 10:
            parser.error(f"--splits must be at most 10, got {args.splits}")
        budget = "reproduce's budget" if args.epochs is None else f"at most {args.epochs} epochs"
        print(f"torch {torch.__version__}, {args.threads} thread(s); {args.splits} splits x {args.seeds} seeds, {budget}; seconds")
        kw = dict(splits=range(args.splits), seeds=tuple(range(args.seeds)), epochs=args.epochs, patience=args.patience)
        if args.variants:
            unknown = [v for v in args.variants if v not in VARIANTS]
            if unknown:
                parser.error(f"unknown variant(s) {', '.join(unknown)}; allowed: {', '.join(VARIANTS)}")
            cell([(d, v) for d in args.datasets or ["texas"] for v in args.variants], ablation=True, **kw)
        elif args.models:
            cell([(d, m) for d in args.datasets or ["texas"] for m in args.models], **kw)
        else:
            cell(**kw)
        return 0
    if args.protocol:
        from .protocols.table import DATASETS

        print(f"torch {torch.__version__}, {args.threads} thread(s); most expensive setting of each grid; bound = (trials + 10) x 200 epochs")
        rows = protocol(args.datasets or DATASETS, args.models, args.device)
        total = sum(r["bound_s"] for r in rows)
        print(f"\nupper bound for these jobs: {total / 3600:.1f} CPU-hours, {total / 7200:.1f} hours with --jobs 2 on two cores; "
              f"largest peak memory {max(r['peak_mb'] for r in rows):.0f} MB")
        return 0
    args.datasets = args.datasets or ["cora", "squirrel"]
    print(f"torch {torch.__version__}, {args.threads} thread(s), {args.channels} channels; times are medians in ms")
    rows = [measure(name, args.channels, args.device) for name in args.datasets]
    cols = ["nodes", "edges", "csr_matmul_ms", "acmp_field_ms", "field_over_csr", "scatter_mp_ms",
            "gcnconv_edge_index_ms", "gcnconv_csr_ms", "acmp_epoch_ms", "gcn_epoch_ms"]
    print(f"{'':<24}" + "".join(f"{r['dataset']:>14}" for r in rows))
    for c in cols:
        print(f"{c:<24}" + "".join(f"{r[c]:>14}" if isinstance(r[c], int) else f"{r[c]:>14.3f}" for r in rows), flush=True)
    print("\npeak resident memory of one ACMP training step (fresh process each):")
    for name in args.datasets:
        for adjoint in (False, True):
            m = peak_memory(name, args.channels, adjoint, args.device)
            print(f"  {name:<10} adjoint={str(adjoint):<5}  peak {m['peak_mb']:8.1f} MB   (+{m['delta_mb']:.1f} MB for the step)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
