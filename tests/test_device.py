"""One device path, checked without a GPU: models, `fit`, the metrics and an experiment run on a simulated CUDA
device (tests/device_check.py) that records every op where a host tensor meets a device tensor, every
``.numpy()`` of a device tensor and every host synchronisation.

A chapter runs on the simulated device too (every cell, in fast mode; opt-in, PHYSGNN_CHAPTER_DEVICE_CHECK=1, as it
takes minutes). What these tests cannot cover (tests/test_cuda.py does, on a machine with a GPU): kernels that exist only on CUDA
or behave differently there, CUDA's non-deterministic scatter sums, device memory, and speed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from physgnn.data import contextual_sbm
from physgnn.dynamics import ACMPField, acmp_rhs
from physgnn.models import ACMP, GAT, GCN, GCNII, GRAND, MLP, OfficialACMP
from physgnn.train import fit, run_splits

from device_check import SimulatedCUDA

MODELS = {"mlp": lambda: MLP(16, 8, 2), "gcn": lambda: GCN(16, 8, 2), "gat": lambda: GAT(16, 8, 2, heads=2),
          "gcnii": lambda: GCNII(16, 8, 2, num_layers=2), "acmp": lambda: ACMP(16, 8, 2, T=0.5),
          "acmp-gat": lambda: ACMP(16, 8, 2, T=0.5, coupling="attention"), "grand": lambda: GRAND(16, 8, 2, T=0.5),
          "acmp-dopri5": lambda: ACMP(16, 8, 2, T=0.5, method="dopri5"), "acmp-adjoint": lambda: ACMP(16, 8, 2, T=0.5, adjoint=True),
          "official-acmp": lambda: OfficialACMP(16, 8, 2, beta=0.1, T=0.5)}


def _clean(mode):
    assert not mode.mixes, f"host tensors met device tensors in: {mode.mixes[:5]}"
    assert not mode.errors, mode.errors


def test_the_checker_catches_a_host_tensor_in_a_device_computation():
    with SimulatedCUDA() as mode:
        x = torch.randn(5, 3).to("cuda")
        assert x.device.type == "cuda"
        y = x * torch.arange(3.0)                            # a host vector: the classic bug
        _ = x.sum() * torch.tensor(2.0)                       # a 0-d host tensor is fine, as on CUDA
        _ = x * torch.arange(3.0, device=x.device)            # following x's device is fine
        _ = y.cpu().numpy()
        _ = y.numpy()                                         # would fail on a GPU
        _ = float(x.sum())
    assert len(mode.mixes) == 1 and "mul" in mode.mixes[0][0].lower()
    assert len(mode.errors) == 1 and mode.syncs == 1


@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_trains_on_the_device_without_host_tensors(name):
    with SimulatedCUDA() as mode:
        g = contextual_sbm(60, seed=0).to("cuda")
        torch.manual_seed(0)
        model = MODELS[name]().to("cuda")
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        for _ in range(2):
            opt.zero_grad()
            out = model(g.x, g.edge_index)
            torch.nn.functional.cross_entropy(out[g.train_mask], g.y[g.train_mask]).backward()
            opt.step()
    _clean(mode)
    assert out.device.type == "cuda" or not mode.is_host(out)


def test_a_field_and_acmp_rhs_stay_on_the_device_and_skip_checks_on_a_cache_hit():
    with SimulatedCUDA() as mode:
        g = contextual_sbm(60, seed=0).to("cuda")
        x = torch.randn(60, 4).to("cuda")
        field = ACMPField(g.edge_index, 60, 4, beta=0.2).to("cuda")
        field.set_graph(g.edge_index, 60)                     # re-bound: the graph follows the module's device
        field(0.0, x).sum()
        acmp_rhs(x, g.edge_index, None, alpha=1.0, beta=0.1, delta=torch.ones(4).to("cuda"))
        before = mode.syncs
        acmp_rhs(x, g.edge_index, None, alpha=1.0, beta=0.1, delta=1.0)
        assert mode.syncs == before, "acmp_rhs synchronised with the host on a cached graph"
    _clean(mode)
    with pytest.raises(ValueError, match="delta is on"):
        with SimulatedCUDA():
            x = torch.randn(6, 4).to("cuda")
            acmp_rhs(x, torch.tensor([[0, 1], [1, 0]]).to("cuda"), None, delta=torch.ones(4))


@pytest.mark.parametrize("metric", ["accuracy", "roc_auc"])
def test_fit_keeps_everything_on_the_device_and_syncs_once_per_epoch(metric):
    def syncs(epochs):
        with SimulatedCUDA() as mode:
            g = contextual_sbm(80, seed=1)
            torch.manual_seed(0)
            r = fit(GCN(16, 8, 2), g, epochs=epochs, patience=50, metric=metric, device="cuda", progress=False)
        _clean(mode)
        assert r.epochs_run == epochs
        return mode.syncs

    assert syncs(6) - syncs(3) == 3  # one host synchronisation per epoch, whatever the checks cost up front


def test_run_splits_and_an_experiment_run_on_the_device():
    from physgnn.experiments import depth_as_time, depth_diagnosis

    with SimulatedCUDA() as mode:
        g = contextual_sbm(60, seed=2)
        three = g.clone()
        for k in ("train_mask", "val_mask", "test_mask"):
            three[k] = g[k].unsqueeze(1).repeat(1, 2)
        res = run_splits(lambda: MLP(16, 8, 2), three, epochs=3, device="cuda", progress=False)
        row = depth_as_time.run_one(g, "acmp", 1.0, epochs=3, patience=3, device="cuda")
        g.name = "csbm"
        diag = depth_diagnosis.run_one(g, 2, 0.5, 0, epochs=3, patience=3, device="cuda")
    _clean(mode)
    assert len(res.scores) == 2 and row["energy_0"] > 0 and diag["energy_trained"]


def test_every_experiment_takes_a_device():
    import inspect

    from physgnn import experiments

    for name in experiments.names():
        module = experiments.get(name)
        fn = getattr(module, "run_one", None) or getattr(module, "measure_step")
        assert "device" in inspect.signature(fn).parameters, name
        with pytest.raises(SystemExit):  # --device is an option of its command line (cuda refused without a GPU)
            module.main(["--device", "nonsense"])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal of cuda on a machine without a GPU")
def test_reproduce_and_bench_refuse_cuda_without_a_gpu(capsys):
    from physgnn import bench, reproduce

    for main, argv in ((reproduce.main, ["--dataset", "texas", "--model", "gcn", "--device", "cuda"]), (bench.main, ["--device", "cuda"])):
        with pytest.raises(SystemExit):
            main(argv)
        assert "torch.cuda.is_available() is False" in capsys.readouterr().err


def test_the_energy_and_homophily_measures_stay_on_the_device():
    from physgnn.energy import adjusted_homophily, dirichlet_energy, homophily

    with SimulatedCUDA() as mode:
        g = contextual_sbm(60, num_classes=3, seed=3).to("cuda")
        values = [adjusted_homophily(g.edge_index, g.y), dirichlet_energy(g.x, g.edge_index, normalized=True)]
        values += [homophily(g.edge_index, g.y, method=m) for m in ("edge", "node", "edge_insensitive")]
    _clean(mode)
    assert all(v == v for v in map(float, values))


def _notebook(path, cells):
    import json

    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": src, "outputs": [], "execution_count": None}
                    for src in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))
    return path


def test_the_chapter_runner_names_the_cells_that_would_fail_on_a_gpu(tmp_path):
    from device_check import run_chapter

    nb = _notebook(tmp_path / "toy.ipynb", [
        "import numpy as np\nimport torch\nfrom physgnn.utils import device\nDEVICE = device()\nif False:\n    %pip install nothing",
        "x = torch.randn(4, 3).to(DEVICE)\nassert DEVICE.type == 'cuda' and x.is_cuda",
        "y = x * torch.arange(3.0)                      # a host vector in a device computation",
        "z = np.asarray(x.sum(0))                       # what matplotlib does with a device tensor",
        "w = (x * torch.arange(3.0, device=DEVICE)).cpu().numpy()   # right: follow DEVICE, .cpu() before NumPy",
        "v = torch.from_numpy(w) + x.cpu()              # host data from NumPy meets host data: fine",
    ])
    _, found = run_chapter(nb)
    assert sorted(found) == [2, 3], found
    assert "mul" in found[2][0][0].lower() and "__array__" in found[3][0]


CHAPTERS = sorted(p.name for p in (Path(__file__).resolve().parents[1] / "chapters").glob("*.ipynb"))


@pytest.mark.skipif(not os.environ.get("PHYSGNN_CHAPTER_DEVICE_CHECK"),
                    reason="a whole chapter on the simulated device takes 1-3 minutes: set PHYSGNN_CHAPTER_DEVICE_CHECK=1")
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapter_runs_on_the_simulated_gpu_without_host_tensors(chapter, data_env, monkeypatch):
    """Every cell of the chapter, in fast mode, with DEVICE = cuda (simulated): no cell may mix host and device
    tensors or hand a device tensor to NumPy. Cannot cover: what SimulatedCUDA cannot (CUDA-only kernels, numerics,
    memory), and the branches a chapter takes only at full size or only without saved results."""
    from device_check import run_chapter

    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("PHYSGNN_FAST", "1")
    _, found = run_chapter(Path(__file__).resolve().parents[1] / "chapters" / chapter)
    assert not found, {cell: problems[:3] for cell, problems in found.items()}
