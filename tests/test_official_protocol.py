"""The official protocol experiment: its evaluation along the trajectory is the model's own forward at T, the best
step's validation score is never below the score at T, and bad options are refused."""

import pytest
import torch

from physgnn.experiments import official_protocol as op
from physgnn.models import OfficialACMP


def test_state_at_T_on_the_trajectory_is_the_forward_pass():
    torch.manual_seed(0)
    n, f = 12, 5
    x = torch.rand(n, f)
    ei = torch.tensor([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 0], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 5, 7]])
    net = OfficialACMP(f, 16, 3).eval()
    tau, T = net.ode.step_size, net.ode.T
    times = torch.arange(int(round(3 * T / tau)) + 1, dtype=x.dtype) * tau
    with torch.no_grad():
        along = net.decoder(torch.relu(net.trajectory(x, ei, times)))[int(round(T / tau))]
        direct = net(x, ei)
    assert torch.allclose(along, direct, atol=1e-5)


def test_run_one_on_texas_best_step_at_least_at_T(data_env):
    from physgnn.data import load

    directed = op._load("texas", "directed")
    undirected = op._load("texas", "undirected")
    assert directed.edge_index.size(1) < undirected.edge_index.size(1)  # the raw graph is not symmetric
    assert torch.allclose(directed.x.sum(1)[directed.x.sum(1) > 0], torch.tensor(1.0))  # row-normalised
    row = op.run_one(directed, 0, epochs=2, horizon=1.0)
    assert row["val_best"] >= row["val_T"] and 1 <= row["epoch_best"] <= 2 and 0 < row["time_best"] <= 12.8 + 1e-9
    assert 0 <= row["test_T"] <= 1 and 0 <= row["test_best"] <= 1
    with pytest.raises(ValueError, match="epochs"):
        op.run_one(directed, 0, epochs=0)
    with pytest.raises(ValueError, match="horizon"):
        op.run_one(directed, 0, epochs=1, horizon=0.5)
    with pytest.raises(ValueError, match="graph"):
        op._load("texas", "both")
    assert load("texas").edge_index.size(1) == undirected.edge_index.size(1)
