"""The early-stopping check of a results table (physgnn.convergence)."""

import pytest

from physgnn.convergence import at_cap, budget_check
from physgnn.train import fit


def test_the_boundary_is_where_early_stopping_can_no_longer_fire():
    # cap 200, patience 50: a best epoch of 149 stops at epoch 199 (the last), 150 cannot stop
    assert not at_cap([149], 200, 50)
    assert at_cap([150], 200, 50)
    assert at_cap([199, 10, 180], 200, 50)          # median 180
    assert not at_cap([199, 10, 100], 200, 50)      # median 100


def test_the_rule_agrees_with_fit(monkeypatch):
    """A real fit whose validation score keeps improving runs to the cap, and its best epoch is flagged; one
    whose score peaks at once stops early and is not."""
    import torch
    from torch_geometric.data import Data

    torch.manual_seed(0)
    n = 40
    x = torch.randn(n, 4)
    y = (x[:, 0] > 0).long()
    mask = torch.zeros(n, dtype=torch.bool)
    data = Data(x=x, y=y, edge_index=torch.empty(2, 0, dtype=torch.long), train_mask=~mask, val_mask=~mask,
                test_mask=~mask)

    class Slow(torch.nn.Module):  # learns very slowly: its validation loss improves at every epoch
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(4, 2)

        def forward(self, x, edge_index):
            return self.lin(x)

    r = fit(Slow(), data, epochs=30, patience=10, lr=1e-4, weight_decay=0.0, progress=False)
    assert r.epochs_run == 30 and at_cap([r.best_epoch], 30, 10)

    class Frozen(Slow):  # its outputs never change, so its first epoch stays the best
        def forward(self, x, edge_index):
            return 0.0 * self.lin(x) + torch.stack([x[:, 1], -x[:, 1]], 1)

    r = fit(Frozen(), data, epochs=30, patience=10, lr=0.01, weight_decay=0.0, progress=False)
    assert r.best_epoch == 0 and r.epochs_run == 11 and not at_cap([r.best_epoch], 30, 10)


def test_budget_check_per_cell():
    out = budget_check({("texas", "gcn"): [180, 190, 20], ("cora", "gcn"): [10, 20, 30]},
                       {("texas", "gcn"): (200, 50), ("cora", "gcn"): (200, 50)})
    assert out[("texas", "gcn")]["at_cap"] and out[("texas", "gcn")]["median_best"] == 180
    assert not out[("cora", "gcn")]["at_cap"] and out[("cora", "gcn")]["runs"] == 3


@pytest.mark.parametrize("args,match", [
    (([], 200, 50), "empty"),
    (([200], 200, 50), "0..199"),
    (([-1], 200, 50), "0..199"),
    (([1.5], 200, 50), "integer"),
    (([1], 50, 50), "smaller than epochs"),
    (([1], 0, 50), "epochs must be a positive"),
    (([1], 200, True), "patience must be a positive"),
])
def test_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        at_cap(*args)


def test_budget_check_needs_every_budget():
    with pytest.raises(ValueError, match="no \\(epochs, patience\\) budget"):
        budget_check({"a": [1]}, {})
