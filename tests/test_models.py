"""Models and training: shapes, learning on an easy graph, early stopping, splits, scores and bad input."""

from __future__ import annotations

import pytest
import torch

from physgnn.data import contextual_sbm
from physgnn.models import ACMP, GCN, GRAND, MLP, MODELS
from physgnn.train import fit, roc_auc, run_splits, score


@pytest.fixture(scope="module")
def easy():
    return contextual_sbm(400, num_classes=3, homophily=0.9, avg_degree=8, num_features=8, feature_signal=1.0, seed=0)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_maps_features_to_logits(easy, name):
    torch.manual_seed(0)
    # ACMP's default β = 0.5 is tuned for sparse heterophilic graphs; on this degree-8 graph it overwhelms the
    # attraction (β·d > Σ_j a_ij), which is the physics of Chapter 4, not a bug. A small β keeps it stable.
    model = MODELS[name](8, 16, 3, **({"beta": 0.1} if name == "acmp" else {}))
    out = model(easy.x, easy.edge_index)
    assert out.shape == (400, 3) and torch.isfinite(out).all()
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


@pytest.mark.parametrize("make", [lambda: GCN(8, 32, 3), lambda: ACMP(8, 32, 3, beta=0.0, dropout_in=0.2), lambda: GRAND(8, 32, 3, dropout_in=0.2)])
def test_graph_models_beat_the_mlp_on_a_homophilic_graph(easy, make):
    torch.manual_seed(0)
    graph = fit(make(), easy, epochs=60, patience=60, progress=False)
    torch.manual_seed(0)
    mlp = fit(MLP(8, 32, 3), easy, epochs=60, patience=60, progress=False)
    assert graph.test > 0.85 and graph.test > mlp.test + 0.1, (graph.test, mlp.test)


def test_learnable_beta_gets_a_gradient(easy):
    model = ACMP(8, 16, 3, learn_beta=True, coupling="gcn", beta=0.1)
    model(easy.x, easy.edge_index).sum().backward()
    assert model.field.beta.grad is not None and model.field.beta.grad != 0


def test_fit_early_stops_and_reports_best_epoch(easy):
    torch.manual_seed(0)
    r = fit(MLP(8, 16, 3), easy, epochs=500, patience=5, lr=0.05, progress=False)
    assert r.epochs_run < 500
    assert r.val == max(r.history["val"]) and r.history["val"][r.best_epoch] == r.val
    assert r.test == r.history["test"][r.best_epoch]


def test_run_splits_over_mask_columns(easy):
    data = easy.clone()
    g = torch.Generator().manual_seed(0)
    cols = [torch.randperm(400, generator=g) for _ in range(3)]
    for key, (a, b) in {"train_mask": (0, 200), "val_mask": (200, 300), "test_mask": (300, 400)}.items():
        m = torch.zeros(400, 3, dtype=torch.bool)
        for s, p in enumerate(cols):
            m[p[a:b], s] = True
        data[key] = m
    res = run_splits(lambda: MLP(8, 16, 3), data, epochs=20, patience=20, progress=False)
    assert len(res.scores) == 3 and res.std >= 0 and abs(res.mean - sum(res.scores) / 3) < 1e-12
    with pytest.raises(ValueError, match="select_split"):
        fit(MLP(8, 16, 3), data, epochs=2, progress=False)


def test_roc_auc_by_hand_and_ties():
    assert roc_auc(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])) == pytest.approx(0.75)
    assert roc_auc(torch.tensor([0.5, 0.5, 0.5, 0.5]), torch.tensor([0, 1, 0, 1])) == pytest.approx(0.5)
    assert roc_auc(torch.tensor([3.0, 1.0]), torch.tensor([1, 0])) == 1.0
    with pytest.raises(ValueError, match="positive and one negative"):
        roc_auc(torch.tensor([0.1, 0.2]), torch.tensor([1, 1]))
    logits = torch.tensor([[0.0, 1.0], [1.0, 0.0], [0.0, 2.0]])
    assert score(logits, torch.tensor([1, 0, 0]), torch.ones(3, dtype=torch.bool), "roc_auc") == pytest.approx(0.5)
    with pytest.raises(ValueError, match="allowed"):
        score(logits, torch.tensor([1, 0, 0]), torch.ones(3, dtype=torch.bool), "f1")


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda d: GCN(9, 16, 3)(d.x, d.edge_index), r"\[N, 9\]"),
        (lambda d: ACMP(8, 16, 3)(d.x, d.edge_index + 1000), r"\[0, 399\]"),
        (lambda d: ACMP(8, 16, 3, method="adams"), "allowed"),
        (lambda d: ACMP(8, 16, 3, step_size=0), "step_size"),
        (lambda d: ACMP(8, 16, 3, coupling="cosine"), "allowed"),
        (lambda d: GCN(8, 16, 3, num_layers=0), "num_layers"),
        (lambda d: MLP(8, 16, 3, dropout=1.5), "dropout"),
        (lambda d: fit(MLP(8, 16, 3), d, epochs=0), "epochs"),
        (lambda d: fit(MLP(8, 16, 3), d, metric="f1"), "metric"),
    ],
)
def test_bad_input(easy, call, match):
    with pytest.raises(ValueError, match=match):
        call(easy)


def test_gcn_and_gcnii_on_the_prenormalised_csr_match_pyg_on_edge_index():
    """GCN and GCNII normalise the graph once and multiply by a CSR matrix; the same weights run by PyG's layers on
    edge_index (normalising in every layer) must give the same logits, on a graph with a hub and isolated nodes."""
    from torch_geometric.nn import GCN2Conv, models as pyg_models

    from physgnn.models import GCNII

    torch.manual_seed(0)
    n = 30
    hub = torch.stack([torch.zeros(20, dtype=torch.long), torch.arange(1, 21)])
    ring = torch.stack([torch.arange(5, 25), torch.arange(6, 26)])
    ei = torch.cat([hub, ring], 1)
    ei = torch.cat([ei, ei.flip(0)], 1)
    x = torch.randn(n, 8)
    gcn = GCN(8, 16, 3, num_layers=3).eval()
    ref = pyg_models.GCN(8, 16, 3, out_channels=3).eval()
    ref.load_state_dict(gcn.net.state_dict())
    assert torch.allclose(gcn(x, ei), ref(x, ei), atol=1e-5)
    gcnii = GCNII(8, 16, 3, num_layers=4).eval()
    convs = [GCN2Conv(16, alpha=0.1, theta=0.5, layer=l + 1) for l in range(4)]
    for mine, theirs in zip(gcnii.convs, convs):
        theirs.load_state_dict(mine.state_dict())
    h = h0 = torch.relu(gcnii.lin_in(x))
    for conv in convs:
        h = torch.relu(conv(h, h0, ei))
    assert torch.allclose(gcnii(x, ei), gcnii.lin_out(h), atol=1e-5)
