"""`fit`, `run_splits`, the metrics and the ODE block refuse nonsense with a clear ValueError, flag diverged runs,
and leave the best epoch's weights in the model."""

from __future__ import annotations

import math
import warnings

import pytest
import torch
from torch import nn

from physgnn.data import contextual_sbm
from physgnn.dynamics import ACMPField
from physgnn.models import ACMP, GAT, GCN, GCNII, GRAND, MLP, OfficialACMP
from physgnn.models.ode import GraphODE, ODESolveError
from physgnn.train import fit, roc_auc, run_splits, score


@pytest.fixture(scope="module")
def graph():
    return contextual_sbm(120, seed=0)


def _with(g, **changes):
    d = g.clone()
    for k, v in changes.items():
        d[k] = v
    return d


@pytest.mark.parametrize("key", ["train_mask", "val_mask", "test_mask"])
def test_empty_mask_is_refused(graph, key):
    with pytest.raises(ValueError, match=f"{key} selects no node"):
        fit(MLP(16, 8, 2), _with(graph, **{key: torch.zeros_like(graph[key])}), epochs=2, progress=False)


def test_integer_masks_are_refused_not_read_as_indices(graph):
    # the old behaviour: an int64 0/1 mask indexed nodes 0 and 1 and gave train accuracy 1.000
    d = _with(graph, train_mask=graph.train_mask.long())
    with pytest.raises(ValueError, match="must be boolean.*train_mask.bool"):
        fit(MLP(16, 8, 2), d, epochs=2, progress=False)


def test_mask_of_the_wrong_length_is_refused(graph):
    with pytest.raises(ValueError, match=r"shape \[120\]"):
        fit(MLP(16, 8, 2), _with(graph, val_mask=graph.val_mask[:-1]), epochs=2, progress=False)


def test_non_finite_features_are_refused(graph):
    x = graph.x.clone()
    x[7, 3] = float("nan")
    with pytest.raises(ValueError, match="NaN or infinite.*node 7"):
        fit(MLP(16, 8, 2), _with(graph, x=x), epochs=2, progress=False)


@pytest.mark.parametrize("splits, message", [([0, 0, 0], "distinct"), ([3], r"\[0, 2\]"), ([-1], r"\[0, 2\]"), ([True], "integers")])
def test_run_splits_refuses_duplicate_and_out_of_range_splits(graph, splits, message):
    three = graph.clone()
    for k in ("train_mask", "val_mask", "test_mask"):
        three[k] = graph[k].unsqueeze(1).repeat(1, 3)
    with pytest.raises(ValueError, match=message):
        run_splits(lambda: MLP(16, 8, 2), three, splits, epochs=2, progress=False)


def test_roc_auc_refuses_nan_and_agrees_with_pairwise_counting():
    with pytest.raises(ValueError, match="non-finite"):
        roc_auc(torch.tensor([0.1, float("nan"), 0.3, 0.2]), torch.tensor([0, 1, 1, 0]))
    g = torch.Generator().manual_seed(0)
    s = torch.randint(0, 5, (40,), generator=g).float()  # many ties
    y = torch.randint(0, 2, (40,), generator=g)
    pos, neg = s[y == 1], s[y == 0]
    pairs = (pos[:, None] > neg[None, :]).double() + 0.5 * (pos[:, None] == neg[None, :]).double()
    assert roc_auc(s, y) == pytest.approx(float(pairs.mean()), abs=1e-12)


def test_score_refuses_integer_masks(graph):
    with pytest.raises(ValueError, match="boolean"):
        score(torch.randn(120, 2), graph.y, graph.val_mask.long())


class _BlowsUp(nn.Module):
    """An MLP whose evaluation outputs turn NaN from its ``after``-th evaluation on (``after=0``: always)."""

    def __init__(self, after: int):
        super().__init__()
        self.lin = nn.Linear(16, 2)
        self.after, self.evals = after, 0

    def forward(self, x, edge_index):
        out = self.lin(x)
        if not self.training:
            self.evals += 1
            if self.evals > self.after:
                return out * float("nan")
        return out


def test_a_diverged_run_is_flagged_and_keeps_its_best_finite_scores(graph):
    torch.manual_seed(0)
    with pytest.warns(RuntimeWarning, match="non-finite outputs at epoch 5"):
        r = fit(_BlowsUp(after=5), graph, epochs=30, patience=10, lr=0.05, progress=False)
    assert r.diverged and r.diverged_at == 5 and r.diverged_epochs == r.epochs_run - 5
    assert 0 <= r.best_epoch < 5 and 0.0 < r.val <= 1.0 and math.isfinite(r.test)
    assert all(math.isnan(v) for v in r.history["val"][5:])


def test_a_run_with_no_finite_epoch_reports_nan_not_zero(graph):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r = fit(_BlowsUp(after=0), graph, epochs=5, patience=2, progress=False)
    assert r.diverged_at == 0 and r.best_epoch == -1
    assert math.isnan(r.test) and math.isnan(r.val) and math.isnan(r.train)


def test_run_splits_counts_diverged_runs(graph):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = run_splits(lambda: _BlowsUp(after=3), graph, [0], epochs=10, patience=20, progress=False)
    assert res.diverged == 1 and "1 diverged" in str(res)


@pytest.mark.parametrize("make", [lambda: GCN(16, 16, 2), lambda: ACMP(16, 8, 2, T=0.5, dropout=0.2)], ids=["gcn", "acmp"])
def test_fit_leaves_the_best_epochs_weights(graph, make):
    torch.manual_seed(1)
    model = make()
    r = fit(model, graph, epochs=200, patience=5, lr=0.05, progress=False)
    assert r.epochs_run < 200 and r.best_epoch < r.epochs_run - 1  # the last epoch is not the best one
    assert not model.training
    with torch.no_grad():
        out = model(graph.x, graph.edge_index)
    assert score(out, graph.y, graph.val_mask) == r.val
    assert score(out, graph.y, graph.test_mask) == r.test


# -- the ODE block ---------------------------------------------------------------------------------------------
EI = torch.tensor([[0, 1, 1, 2, 2, 3, 3, 4, 4, 5], [1, 0, 2, 1, 3, 2, 4, 3, 5, 4]])


@pytest.mark.parametrize("T", [float("inf"), float("nan"), 1e-12, 0.0, -1.0])
def test_bad_end_times_are_refused(T):
    with pytest.raises(ValueError, match="T"):
        GraphODE(ACMPField(EI, 6, 4), T=T)


def test_a_step_larger_than_T_is_refused():
    with pytest.raises(ValueError, match="step_size 0.1 is larger than T = 0.05"):
        GraphODE(ACMPField(EI, 6, 4), T=0.05, method="rk4", step_size=0.1)
    GraphODE(ACMPField(EI, 6, 4), T=0.05, method="dopri5")  # dopri5 chooses its own steps


def test_a_stiff_dopri5_solve_stops_at_its_step_limit_with_a_clear_error():
    # beta = 1e6 on a path: dopri5 would shrink its step to ~1e-6 and run for minutes
    ode = GraphODE(ACMPField(EI, 6, 4, beta=1e6), T=1.0, method="dopri5", max_steps=300)
    with pytest.raises(ODESolveError, match=r"max_steps=300.*ACMPField with beta=1e\+06 to T=1.0.*method='rk4'"):
        with torch.no_grad():
            ode(torch.randn(6, 4))
    with pytest.raises(ValueError, match="max_steps"):
        GraphODE(ACMPField(EI, 6, 4), method="dopri5", max_steps=0)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_is_refused(dtype):
    with pytest.raises(ValueError, match="float32"):
        ACMP(16, 8, 2)(torch.randn(6, 16, dtype=dtype), EI)
    with pytest.raises(ValueError, match="float32"):
        GraphODE(ACMPField(EI, 6, 4))(torch.randn(6, 4, dtype=dtype))


MODELS = [lambda: MLP(16, 8, 2), lambda: GCN(16, 8, 2), lambda: GAT(16, 8, 2, heads=2), lambda: GCNII(16, 8, 2, num_layers=2),
          lambda: ACMP(16, 8, 2, T=0.5), lambda: ACMP(16, 8, 2, T=0.5, coupling="attention"), lambda: GRAND(16, 8, 2, T=0.5),
          lambda: OfficialACMP(16, 8, 2, beta=0.1, T=0.5)]


@pytest.mark.parametrize("make", MODELS, ids=["mlp", "gcn", "gat", "gcnii", "acmp", "acmp-gat", "grand", "official-acmp"])
def test_float64_input_is_refused_by_a_float32_model_and_works_in_a_float64_one(graph, make):
    torch.manual_seed(0)
    model = make()
    with pytest.raises(ValueError, match=r"float64 but the model's parameters are torch.float32.*model.to"):
        model(graph.x.double(), graph.edge_index)
    model.eval()
    with torch.no_grad():
        out32 = model(graph.x, graph.edge_index)
    model.double()
    out64 = model(graph.x.double(), graph.edge_index)
    assert out64.dtype == torch.float64
    out64.sum().backward()
    assert all(p.grad is None or p.grad.dtype == torch.float64 for p in model.parameters())
    assert torch.allclose(out64.detach().float(), out32, atol=1e-4)
