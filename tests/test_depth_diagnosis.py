"""depth_diagnosis: per-layer energies of a GCN agree with a dense re-computation of its forward pass."""

import pytest
import torch

from physgnn.energy import dirichlet_energy
from physgnn.experiments.depth_diagnosis import layer_energies, parse_energies, run_one
from physgnn.models import GCN, MLP


def _graph(n=30, seed=0):
    g = torch.Generator().manual_seed(seed)
    ei = torch.randint(0, n, (2, 90), generator=g)
    ei = ei[:, ei[0] != ei[1]]
    return torch.cat([ei, ei.flip(0)], 1), torch.randn(n, 5, generator=g)


def _rownorm_energy(h, ei):
    h = h.detach().double()
    return float(dirichlet_energy(h / h.norm(dim=1, keepdim=True), ei))


def test_layer_energies_match_a_dense_forward_pass():
    ei, x = _graph()
    torch.manual_seed(0)
    model = GCN(5, 8, 3, num_layers=3, dropout=0.5)
    got = layer_energies(model, x, ei)
    # dense Â = D̃^-1/2 (A + I) D̃^-1/2 with A[i, j] = number of edges j -> i
    n = x.size(0)
    a = torch.zeros(n, n).index_put_((ei[1], ei[0]), torch.ones(ei.size(1)), accumulate=True) + torch.eye(n)
    dinv = a.sum(1).rsqrt()
    a_hat = dinv[:, None] * a * dinv[None, :]
    h, want = x, [_rownorm_energy(x, ei)]
    for k, conv in enumerate(model.net.convs):
        h = a_hat @ (h @ conv.lin.weight.t()) + conv.bias
        if k < 2:
            h = torch.relu(h)
        want.append(_rownorm_energy(h, ei))
    assert len(got) == 4
    assert got == pytest.approx(want, rel=1e-4)
    assert model.training  # the mode is restored


def test_layer_energies_rejects_other_models_and_parse_rejects_junk():
    ei, x = _graph()
    with pytest.raises(ValueError, match="GCN"):
        layer_energies(MLP(5, 8, 3), x, ei)
    assert parse_energies("1;0.5;2e-05") == [1.0, 0.5, 2e-05]
    with pytest.raises(ValueError):
        parse_energies("")


def test_run_one_records_energies_of_the_reported_model():
    from torch_geometric.data import Data

    ei, x = _graph(40, 1)
    y = torch.randint(0, 3, (40,), generator=torch.Generator().manual_seed(2))
    masks = torch.zeros(3, 40, dtype=torch.bool)
    masks[0, :20], masks[1, 20:30], masks[2, 30:] = True, True, True
    data = Data(x=x, y=y, edge_index=ei, train_mask=masks[0], val_mask=masks[1], test_mask=masks[2])
    data.name = "toy"
    row = run_one(data, 4, 0.0, 0, hidden=8, epochs=3, patience=3)
    assert len(parse_energies(row["energy_init"])) == len(parse_energies(row["energy_trained"])) == 5
    assert row["dropout"] == 0.0 and row["depth"] == 4
    with pytest.raises(ValueError, match="depth"):
        run_one(data, 0, 0.0, 0)
