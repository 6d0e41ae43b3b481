"""The planetoid_protocol experiment: the graphs each model is given, batched cells equal to separate runs, the
official selection, the summary's choice of setting, and bad options."""

from __future__ import annotations

import json

import pytest
import torch

from physgnn.experiments import planetoid_protocol as pp


@pytest.fixture(scope="module")
def graphs(data_env):
    return {m: pp.make_graph("cora", m, num_splits=3) for m in ("official-acmp", "gcn")}


def test_the_official_model_gets_pyg_graph_and_raw_features_the_book_models_theirs_on_the_same_splits(graphs):
    official, book = graphs["official-acmp"], graphs["gcn"]
    assert set(official.x.unique().tolist()) == {0.0, 1.0}  # binary bag of words, as data.py leaves it
    assert torch.allclose(book.x.sum(1)[book.x.sum(1) > 0], torch.ones(1))  # rows normalised to sum 1
    for key in ("train_mask", "val_mask", "test_mask"):
        assert torch.equal(official[key], book[key]) and official[key].shape == (2708, 3)


def test_a_batched_cell_scores_what_each_split_scores_alone(graphs):
    g = graphs["gcn"]
    setting = pp.settings_of("gcn", "cora")[0]
    together = pp.run_one(g, "gcn", setting, [0, 2], seed=4, epochs=5)
    alone = [pp.run_one(g, "gcn", setting, [s], seed=4, epochs=5)[0] for s in (0, 2)]
    for a, b in zip(together, alone):
        assert a["split"] == b["split"] and a["best_epoch"] == b["best_epoch"]
        assert a["test"] == pytest.approx(b["test"], abs=1e-6) and a["val"] == pytest.approx(b["val"], abs=1e-6)
    assert together[0]["settings"] == json.dumps(setting, sort_keys=True) and together[0]["epochs"] == 5
    assert together[0]["patience"] == 50  # the book's budget where not overridden


def test_the_official_row_scores_its_best_step_and_keeps_the_state_at_T(graphs):
    (row,) = pp.run_one(graphs["official-acmp"], "official-acmp", pp.settings_of("official-acmp", "cora")[0], [1], epochs=2)
    assert row["patience"] == "none" and row["epochs"] == 2 and 1 <= row["best_epoch"] <= 2
    assert 0 < row["time_best"] <= 3 * 12.8 + 1e-9
    assert row["val"] >= row["val_T"]  # the best step is chosen on validation, over a set that contains T


def _row(model, setting, split, val, test, **kw):
    b = pp._budget(model, "cora", None, None)
    row = dict(dataset="cora", model=model, settings=json.dumps(setting), split=split, val=val, test=test, test_T=test,
               seed=0, split_seed=0, epochs=b["epochs"], patience=pp._patience(b))
    return {**row, **kw}


def test_the_summary_chooses_by_validation_on_the_search_splits_not_by_test():
    rows = []
    for s in range(4):
        rows.append(_row("gcn", {"dropout": 0.2}, s, 0.80, 0.70))    # better validation on splits 0, 1
        rows.append(_row("gcn", {"dropout": 0.5}, s, 0.79 if s < 2 else 0.99, 0.90))  # better test and later val
    rows.append(_row("gcn", {"dropout": 0.5}, 0, 0.99, 0.99, seed=1))  # another seed: ignored
    rows.append(_row("gcn", {"dropout": 0.2}, 5, 0.99, 0.0, epochs=3))  # another budget: ignored
    out = pp.summarize(rows)[("cora", "gcn")]
    assert out["settings"] == {"dropout": 0.2} and out["n"] == 4
    assert out["mean"] == pytest.approx(70.0) and out["std"] == pytest.approx(0.0)
    assert out["gap"] == pytest.approx(70.0 - 84.9)


@pytest.mark.parametrize("argv", [["--settings", "-1"], ["--epochs", "0"], ["--seed", "-2"], ["--splits", "0", "0"],
                                  ["--datasets", "texas"], ["--models", "gat"]])
def test_bad_options_are_refused(argv, tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSGNN_RESULTS", str(tmp_path))
    with pytest.raises(SystemExit):
        pp.main(argv)


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="dataset must be one of"):
        pp.make_graph("texas", "gcn")
    with pytest.raises(ValueError, match="unknown model"):
        pp.settings_of("gat", "cora")


def test_the_estimate_times_one_split_per_model_and_saves_nothing(data_env, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PHYSGNN_RESULTS", str(tmp_path))
    assert pp.main(["--estimate", "--datasets", "cora", "--models", "mlp", "--epochs", "2", "--splits", "0", "1", "2"]) == 0
    out = capsys.readouterr().out
    assert "2 setting(s) x 3 splits" in out and "projected at most" in out
    assert not (tmp_path / pp.CSV).exists()


def test_official_runs_are_handed_over_split_by_split(monkeypatch):
    """A run cut short keeps every official split that ended (each takes minutes); a batched cell comes whole."""
    calls = []
    monkeypatch.setattr(pp, "make_graph", lambda d, m, **kw: object())
    monkeypatch.setattr(pp, "run_one", lambda g, m, st, part, **kw: calls.append((m, list(part))) or
                        [dict(split=s) for s in part])
    seen = []
    pp.run(["cora"], ["official-acmp", "mlp"], [0, 1, 2], progress=False, on_row=lambda r: seen.append(r["split"]))
    assert calls == [("official-acmp", [0]), ("official-acmp", [1]), ("official-acmp", [2]),
                     ("mlp", [0, 1, 2]), ("mlp", [0, 1, 2])]
    assert seen == [0, 1, 2] * 3
