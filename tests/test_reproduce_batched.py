"""reproduce trains a small graph's cell as one batch (physgnn.cell.fit_cell): the rows equal the separate runs'.

What this cannot cover: CUDA (batching is CPU-only; on another device every split trains alone, see test_cuda.py),
and the larger graphs, which reproduce never batches.
"""

import pytest
import torch

from physgnn import reproduce


def _settings(model, dataset="texas"):
    return reproduce.settings_grid(model, dataset)[0]


@pytest.mark.parametrize("model", ["gcn", "acmp-gcn"])
def test_batched_cell_scores_equal_separate_runs(data_env, model, monkeypatch):
    from physgnn.data import load

    monkeypatch.setattr(reproduce, "training", lambda dataset: dict(epochs=6, patience=3, lr=0.01, weight_decay=5e-4))
    data = load("texas")
    settings = _settings(model)
    seen = []
    batched = reproduce.train_cell("texas", model, settings, data, [0, 3, 5], batched=True,
                                   on_result=lambda s, r: seen.append(s))
    separate = reproduce.train_cell("texas", model, settings, data, [0, 3, 5], batched=False)
    assert seen == [0, 3, 5]
    for s in (0, 3, 5):
        b, p = batched[s], separate[s]
        assert (b.val, b.test, b.best_epoch, b.epochs_run) == (p.val, p.test, p.best_epoch, p.epochs_run), s
    # the default batches Texas (a small graph) and not a split alone
    assert reproduce.BATCHED == ("texas", "wisconsin", "cornell", "cora", "citeseer")


def test_batch_refused_where_it_cannot_be_had(data_env):
    from physgnn.data import load

    data = load("texas")
    with pytest.raises(ValueError, match="cannot train as one batch"):
        reproduce.train_cell("texas", "gat", _settings("gat"), data, [0, 1], batched=True)
    with pytest.raises(ValueError, match="cannot train as one batch"):
        reproduce.train_cell("texas", "mlp", _settings("mlp"), data, [0, 1], device=torch.device("meta"), batched=True)
    assert reproduce.train_cell("texas", "mlp", _settings("mlp"), data, []) == {}


def test_default_path_batches_small_graphs_only(data_env, monkeypatch):
    """The default rule: a stackable model with two or more splits on a BATCHED graph goes to fit_cell; a larger
    graph, one split, or a model that does not stack trains split by split with fit."""
    calls = []
    monkeypatch.setattr(reproduce, "fit_cell", lambda make, data, members, **kw: calls.append(("cell", len(members)))
                        or [None] * len(members))
    monkeypatch.setattr(reproduce, "fit", lambda *a, **kw: calls.append(("fit", 1)))
    monkeypatch.setattr(reproduce, "select_split", lambda data, split: data)

    class Small:
        num_nodes = 183
        num_features = 5
        y = torch.tensor([0, 1])

    reproduce.train_cell("texas", "gcn", _settings("gcn"), Small(), [0, 1, 2])
    reproduce.train_cell("texas", "gcn", _settings("gcn"), Small(), [4])
    reproduce.train_cell("chameleon", "gcn", _settings("gcn", "chameleon"), Small(), [0, 1])
    reproduce.train_cell("texas", "gat", _settings("gat"), Small(), [0, 1])
    reproduce.train_cell("texas", "gcn", _settings("gcn"), Small(), [0, 1], batched=False)
    assert calls == [("cell", 3), ("fit", 1), ("fit", 1), ("fit", 1), ("fit", 1), ("fit", 1), ("fit", 1), ("fit", 1)]
