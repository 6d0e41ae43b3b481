"""The same code paths on a real GPU: the core models, `fit` with both metrics, one reproduce cell, one
experiment's `run_one` and every cell of one chapter (Chapter 9, fast mode), on CUDA. Every test skips cleanly on a
machine without one.

What these cannot cover either: CUDA's non-deterministic scatter sums (index_add, PyG's softmax) make CUDA runs
differ from run to run in the last bits, so nothing here compares numbers with the CPU's saved results; memory
limits of a particular GPU; speed. One chapter stands for all nine here; tests/test_device.py runs every chapter on a
simulated device (PHYSGNN_CHAPTER_DEVICE_CHECK=1).
"""

from __future__ import annotations

import pytest
import torch

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

CUDA = torch.device("cuda")


@pytest.mark.parametrize("name", ["mlp", "gcn", "gat", "gcnii", "acmp", "acmp-gat", "grand"])
def test_models_forward_backward_on_cuda(name):
    from physgnn.data import contextual_sbm
    from physgnn.models import ACMP, GAT, GCN, GCNII, GRAND, MLP

    make = {"mlp": lambda: MLP(16, 8, 2), "gcn": lambda: GCN(16, 8, 2), "gat": lambda: GAT(16, 8, 2, heads=2),
            "gcnii": lambda: GCNII(16, 8, 2, num_layers=2), "acmp": lambda: ACMP(16, 8, 2, T=0.5),
            "acmp-gat": lambda: ACMP(16, 8, 2, T=0.5, coupling="attention"), "grand": lambda: GRAND(16, 8, 2, T=0.5)}[name]
    g = contextual_sbm(200, seed=0).to(CUDA)
    model = make().to(CUDA)
    out = model(g.x, g.edge_index)
    out.sum().backward()
    assert out.device.type == "cuda" and all(p.grad is None or p.grad.device.type == "cuda" for p in model.parameters())


@pytest.mark.parametrize("metric", ["accuracy", "roc_auc"])
def test_fit_on_cuda_restores_the_best_weights(metric):
    from physgnn.data import contextual_sbm
    from physgnn.models import GCN
    from physgnn.train import fit, score

    g = contextual_sbm(300, seed=0)  # on the CPU: fit copies it to the device
    model = GCN(16, 16, 2)
    r = fit(model, g, epochs=30, metric=metric, device=CUDA, progress=False)
    assert next(model.parameters()).device.type == "cuda"
    with torch.no_grad():
        out = model(g.x.to(CUDA), g.edge_index.to(CUDA))
    assert score(out, g.y.to(CUDA), g.val_mask.to(CUDA), metric) == pytest.approx(r.val, abs=1e-6)


def test_one_reproduce_cell_on_cuda(data_env, tmp_path, monkeypatch):
    from physgnn import reproduce

    monkeypatch.setenv("PHYSGNN_RESULTS", str(tmp_path))
    rows = reproduce.run("texas", "gcn", [0], search_on=[0], progress=False, device="cuda")
    assert len(rows) == 1 and 0.0 <= rows[0]["test"] <= 1.0


def test_an_experiment_after_fit_feeds_the_model_on_its_device():
    from physgnn.data import contextual_sbm
    from physgnn.experiments import depth_as_time

    row = depth_as_time.run_one(contextual_sbm(200, seed=0), "acmp", 1.0, epochs=5, patience=5, device="cuda")
    assert row["energy_0"] > 0


def test_a_chapter_runs_on_cuda(data_env, monkeypatch):
    """Every cell of Chapter 9 in fast mode, in one namespace, as a GPU runtime would run it (DEVICE = cuda)."""
    import contextlib
    import io
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    from device_check import _NoShell, chapter_cells

    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("PHYSGNN_FAST", "1")
    path = Path(__file__).resolve().parents[1] / "chapters" / "09_beyond.ipynb"
    monkeypatch.chdir(path.parent)
    namespace = {"__name__": "__main__", "get_ipython": _NoShell}
    with contextlib.redirect_stdout(io.StringIO()):
        for index, source in chapter_cells(path):
            exec(compile(source, f"<{path.name} cell {index}>", "exec"), namespace)
    assert namespace["DEVICE"].type == "cuda"
