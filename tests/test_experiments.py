"""The shared experiment runner: grids resume from saved rows, rows carry the command, summaries are right."""

import argparse
import csv
import json
import math

import pytest

from physgnn import experiments
from physgnn.experiments import _runner


def _fake_run_one(data, model, split, **training):
    return {"dataset": data, "model": model, "split": split, "test": 0.5 + 0.1 * split, **training}


def test_over_grid_skips_saved_keys_and_loads_each_dataset_once(monkeypatch):
    loads = []
    monkeypatch.setattr(_runner, "load", lambda name: loads.append(name) or name)
    grid = [(d, m, s) for d in ("a", "b") for m in ("mlp", "gcn") for s in (0, 1)]
    seen = []
    rows = _runner.over_grid("t", grid, _fake_run_one, skip={("a", "mlp", "0")}, progress=False, on_row=seen.append, lr=0.1)
    assert [(r["dataset"], r["model"], r["split"]) for r in rows] == grid[1:]
    assert seen == rows and all(r["lr"] == 0.1 for r in rows)
    assert loads == ["a", "b"]


def test_save_appends_with_command_and_resumes(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PHYSGNN_RESULTS", str(tmp_path))
    monkeypatch.setattr(_runner, "load", lambda name: name)

    def run(skip, on_row):
        grid = [("a", "mlp", s) for s in (0, 1, 2)]
        return _runner.over_grid("t", grid, _fake_run_one, skip=skip, on_row=on_row, progress=False)

    assert _runner.save("t", "t.csv", ("dataset", "model", "split"), run) == 0
    assert _runner.save("t", "t.csv", ("dataset", "model", "split"), run) == 0
    assert "0 new rows (3 already present)" in capsys.readouterr().out
    rows = list(csv.DictReader(open(tmp_path / "t.csv")))
    assert len(rows) == 3 and all(r["command"] and r["torch"] for r in rows)


def test_summarize_mean_std_and_later_row_wins():
    rows = [{"dataset": "a", "model": "m", "split": s, "test": t} for s, t in ((0, 0.5), (1, 0.7), (1, 0.9), (2, "0.7"))]
    out = _runner.summarize(rows)[("a", "m")]
    assert out["n"] == 3 and out["scores"] == [0.5, 0.9, 0.7]
    assert math.isclose(out["mean"], 0.7) and math.isclose(out["std"], 0.2)
    with pytest.raises(ValueError, match="sequence of column names"):
        _runner.summarize(rows, by="dataset")


def test_training_arguments_defaults_and_no_seed_option():
    parser = argparse.ArgumentParser()
    _runner.add_training_arguments(parser, hidden=32, lr=0.05, seed=None)
    kw = _runner.training_kwargs(parser.parse_args(["--epochs", "7"]))
    assert kw == {"hidden": 32, "dropout": 0.5, "epochs": 7, "patience": 50, "lr": 0.05, "weight_decay": 5e-4, "device": "cpu"}


def test_every_experiment_has_a_main_and_unknown_names_fail():
    assert "csbm_sweep" in experiments.names() and "_runner" not in experiments.names()
    for name in experiments.names():
        assert callable(experiments.get(name).main), name
    with pytest.raises(ValueError, match="unknown experiment"):
        experiments.get("nope")


def test_cli_lists_experiments_and_rejects_unknown_ones(capsys):
    from physgnn.cli import main

    assert main(["experiment", "--help"]) == 0
    assert "csbm_sweep" in capsys.readouterr().out
    assert main(["experiment", "nope"]) == 2
    assert "unknown experiment 'nope'" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2


def test_reproduce_best_setting_highest_mean_and_ties_to_the_first():
    from physgnn.reproduce import best_setting, settings_grid

    # two settings whose equal accuracies sum to floats that differ in the last bit
    a = [0.588235, 0.72549, 0.529412, 0.588235, 0.411765, 0.666667, 0.666667, 0.705882, 0.45098, 0.588235]
    b = list(reversed(a))
    assert best_setting({"first": a, "second": b}) == "first"
    assert best_setting({"first": b, "second": a}) == "first"
    assert best_setting({"low": [0.5, 0.6], "high": [0.7, 0.6]}) == "high"
    with pytest.raises(ValueError, match="at least one validation score"):
        best_setting({"empty": []})
    grid = settings_grid("gcn")
    assert [g["dropout"] for g in grid] == [0.2, 0.5], "ties go to the first setting in this order"


def test_reproduce_protocol_per_dataset(data_env):
    """WebKB: the fixed grid, steps of 0.1, searched on all ten splits. Larger graphs: ODE models take steps of 0.5,
    and ACMP's β is searched at fractions {1/4, 1/2, 1} of the largest β those steps follow stably; discrete models
    are unchanged everywhere."""
    import torch

    from physgnn.data import load
    from physgnn.reproduce import BETA_FRACTIONS, GRIDS, LARGE, STABLE_BETA, max_degree, protocol, search_splits, settings_grid

    assert search_splits("texas") == tuple(range(10)) and search_splits("cora") == (0, 1) and search_splits("minesweeper") == (0,)
    assert settings_grid("acmp-gcn", "texas") == settings_grid("acmp-gcn") and {s["step_size"] for s in settings_grid("acmp-gcn")} == {0.1}
    mine = load("minesweeper")
    ei = mine.edge_index[:, mine.edge_index[0] != mine.edge_index[1]]
    assert max_degree("minesweeper") == int(torch.bincount(ei[1]).max()) == 8
    grid = settings_grid("acmp-gcn", "minesweeper")
    assert {s["step_size"] for s in grid} == {0.5}
    assert [s["beta"] for s in grid] == [round(c * STABLE_BETA["minesweeper"], 6) for c in BETA_FRACTIONS]
    assert BETA_FRACTIONS == (0.25, 0.5, 1.0) and set(STABLE_BETA) == set(LARGE)
    assert protocol("minesweeper", "gcn") == GRIDS["gcn"][0:1] + (GRIDS["gcn"][1], GRIDS["gcn"][2])
    assert "minesweeper" in LARGE and "texas" not in LARGE
    # the ODE models integrate to T = 1 on the small graphs and to T = 3 on the larger ones; GRAND searches nothing
    assert {s["T"] for s in settings_grid("acmp-gat", "cora")} == {1.0} and {s["T"] for s in grid} == {3.0}
    assert len(settings_grid("grand", "texas")) == 1 and settings_grid("grand", "minesweeper")[0]["step_size"] == 0.5
    # Tolokers: every model 32 channels wide, GAT with 2 heads; elsewhere 64 and 8
    assert {s["hidden"] for m in GRIDS for s in settings_grid(m, "tolokers") if m not in ("acmp-gcn", "acmp-gat")} == {32}
    assert {s["heads"] for s in settings_grid("gat", "tolokers")} == {2} and {s["heads"] for s in settings_grid("gat", "squirrel")} == {8}
    from physgnn.reproduce import TRAINING, training

    assert training("tolokers") == dict(TRAINING, epochs=100, lr=0.02) and training("squirrel") == training(None) == TRAINING
    with pytest.raises(ValueError, match="unknown model 'nope'"):
        protocol("texas", "nope")


def test_reproduce_search_chooses_the_same_fresh_and_resumed(tmp_path, monkeypatch):
    """Two settings whose validation scores tie as saved (6 decimals) but differ in the float's last bits: a fresh
    search and one resumed from search.csv must pick the same winner (the first in grid order)."""
    from types import SimpleNamespace

    from physgnn import reproduce

    monkeypatch.setenv("PHYSGNN_RESULTS", str(tmp_path))
    noise = iter([0.635 - 1e-9] * 2 + [0.635 + 1e-9] * 2)  # dropout 0.2 (tried first) a hair below dropout 0.5
    monkeypatch.setattr(reproduce, "build", lambda *a: None)
    monkeypatch.setattr(reproduce, "select_split", lambda data, split: data)
    monkeypatch.setattr(reproduce, "fit", lambda *a, **k: SimpleNamespace(val=next(noise), test=0.5, best_epoch=3, epochs_run=9,
                                                                         seconds=0.1, cpu_seconds=0.1))
    fresh = reproduce.search("texas", "gcn", None, splits=(0, 1), progress=False, command="test")
    resumed = reproduce.search("texas", "gcn", None, splits=(0, 1), progress=False, command="test")
    assert fresh == resumed and fresh["dropout"] == 0.2


def test_reproduce_command_end_to_end_resumable_and_parallel(data_env, tmp_path, monkeypatch):
    """Two jobs in two processes: search rows, run rows with the command, one budget row per job; a second call
    finds everything done and adds nothing; bad options exit with a usage error."""
    from physgnn.reproduce import main
    from physgnn.results import read_csv

    monkeypatch.setenv("PHYSGNN_RESULTS", str(tmp_path))
    argv = ["--dataset", "texas", "cornell", "--model", "mlp", "--splits", "0", "1", "--search-splits", "0", "--jobs", "2"]
    assert main(argv) == 0
    search, runs, budget = (read_csv(n) for n in ("search.csv", "reproduce.csv", "reproduce_budget.csv"))
    assert len(search) == 2 * 2 and len(runs) == 2 * 2 and len(budget) == 2
    assert {(r["dataset"], r["split"]) for r in runs} == {("texas", "0"), ("texas", "1"), ("cornell", "0"), ("cornell", "1")}
    assert all("--jobs 2" in r["command"] and 0 <= float(r["test"]) <= 1 for r in runs)
    assert all(0 < float(r["peak_mb"]) < 4096 and float(r["cpu_seconds"]) > 0 for r in budget)
    # split 0 was a search split: its run is the winner's trial, not trained again, and training it again gives the
    # same scores bit for bit (same data, settings and seed on one thread)
    run0 = next(r for r in runs if (r["dataset"], r["split"]) == ("texas", "0"))
    trial = next(r for r in search if (r["dataset"], r["split"], r["settings"]) == ("texas", "0", run0["settings"]))
    assert (run0["test"], run0["val"], run0["cpu_seconds"]) == (trial["test"], trial["val"], trial["cpu_seconds"])
    import json

    import torch

    from physgnn.data import load, select_split
    from physgnn.reproduce import TRAINING, build
    from physgnn.train import fit

    torch.manual_seed(0)
    again = fit(build("mlp", json.loads(run0["settings"]), load("texas")), select_split(load("texas"), 0), progress=False, **TRAINING)
    assert (f"{again.test:.6f}", f"{again.val:.6f}") == (f"{float(run0['test']):.6f}", f"{float(run0['val']):.6f}")
    assert main(argv[:-2]) == 0                                   # again, one process: nothing left to do
    assert len(read_csv("reproduce.csv")) == 4 and len(read_csv("reproduce_budget.csv")) == 2
    for bad in (["--all", "--jobs", "0"], ["--dataset", "texas"], ["--all", "--splits", "10"]):
        with pytest.raises(SystemExit) as exit_:
            main(bad)
        assert exit_.value.code == 2


def test_append_row_writes_by_header_name_and_rejects_other_fields(tmp_path, monkeypatch):
    from physgnn import results

    monkeypatch.setenv("PHYSGNN_RESULTS", str(tmp_path))
    results.append_row("t.csv", {"a": 1, "b": 2, "c": 3})
    results.append_row("t.csv", {"c": 30, "a": 10, "b": 20})  # another key order: values still land under their names
    rows = list(csv.DictReader(open(tmp_path / "t.csv")))
    assert rows == [{"a": "1", "b": "2", "c": "3"}, {"a": "10", "b": "20", "c": "30"}]
    with pytest.raises(ValueError, match=r"missing \['c'\], unknown \['d'\]"):
        results.append_row("t.csv", {"a": 1, "b": 2, "d": 4})
    assert len(list(csv.DictReader(open(tmp_path / "t.csv")))) == 2  # nothing written


def test_grid_experiment_rows_fit_their_committed_csv(data_env):
    """A row of each grid experiment (trained for two epochs) has exactly the columns of its committed CSV, so that
    resuming an experiment appends rows the file can hold."""
    from pathlib import Path

    from physgnn import results
    from physgnn.data import load
    from physgnn.experiments import csbm_sweep, filtered_vs_original, gcn_depth, real_gcn_vs_mlp

    texas = load("texas")
    short = dict(epochs=2, patience=2)
    rows = {
        csbm_sweep.CSV: csbm_sweep.run_one(csbm_sweep.make_graph(0.5, 0, num_nodes=60), "gcn", 2, 0, homophily=0.5, **short),
        gcn_depth.CSV: gcn_depth.run_one(texas, 2, 0, **short),
        real_gcn_vs_mlp.CSV: real_gcn_vs_mlp.run_one(texas, "mlp", 0, **short),
        filtered_vs_original.CSV: filtered_vs_original.run_one(texas, "gcn", 0, **short),
    }
    saved = Path(__file__).resolve().parents[1] / "results"
    extra = {"command", *results.versions()}
    for name, row in rows.items():
        header = next(csv.reader(open(saved / name)))
        assert set(row) | extra == set(header), (name, sorted(set(row) ^ (set(header) - extra)))


def test_reproduce_cost_counts_the_current_protocol_and_projects_the_pool():
    from physgnn.reproduce import cell_seconds, job_order, projected_wall, settings_grid

    key = lambda st: json.dumps(st, sort_keys=True)  # noqa: E731
    grid = [key(st) for st in settings_grid("gcn", "texas")]
    search_rows = [{"dataset": "texas", "model": "gcn", "settings": grid[0], "split": "3", "seconds": "2.0"},
                   {"dataset": "texas", "model": "gcn", "settings": grid[1], "split": "9", "seconds": "3.0", "cpu_seconds": ""},
                   {"dataset": "texas", "model": "gcn", "settings": '{"dropout": 0.9}', "split": "0", "seconds": "50"}]  # an older grid
    repro_rows = [{"dataset": "texas", "model": "gcn", "settings": grid[0], "split": "0", "seconds": "7"},  # superseded setting
                  {"dataset": "texas", "model": "gcn", "settings": grid[1], "split": "0", "seconds": "1.5"},
                  {"dataset": "texas", "model": "gcn", "settings": grid[1], "split": "9", "seconds": "2.5"}]  # = the trial: free
    assert cell_seconds(search_rows, repro_rows) == {("texas", "gcn"): (6.5, 2)}
    # CPU seconds win over wall-clock ones; wall-clock ones of a job are scaled by its CPU/wall ratio
    repro_rows[1]["cpu_seconds"] = "1.0"
    budget = [{"dataset": "texas", "model": "gcn", "wall_seconds": "10", "cpu_seconds": "5"}]
    assert cell_seconds(search_rows, repro_rows, budget) == {("texas", "gcn"): (2.5 + 1.0, 2)}
    # the pool hands out ODE models and large graphs first; each free process takes the next job
    costs = {("texas", "mlp"): 1.0, ("texas", "gcn"): 2.0, ("squirrel", "acmp-gcn"): 10.0, ("texas", "acmp-gcn"): 4.0}
    assert job_order(costs)[:2] == [("squirrel", "acmp-gcn"), ("texas", "acmp-gcn")]
    assert projected_wall(costs, 1) == 17.0
    assert projected_wall(costs, 2) == 10.0  # 10 | 4 + 1 + 2
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        projected_wall(costs, 0)
