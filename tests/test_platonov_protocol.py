"""physgnn.protocols.platonov and the platonov_sanity experiment on a tiny budget: preprocessing options, one run,
depth selection on validation, the comparison with the published targets, and a resumable CSV."""

import math

import pytest
import torch

from physgnn import results
from physgnn.experiments import platonov_sanity
from physgnn.protocols import platonov


def test_preprocessing_options(data_env):
    raw = platonov.prepare("chameleon-filtered")
    norm = platonov.prepare("chameleon-filtered", features="row-normalised")
    sums = norm.x.sum(1)
    assert torch.allclose(sums[raw.x.sum(1) > 0], torch.ones(1))
    assert not torch.allclose(raw.x, norm.x)
    und = platonov.prepare("chameleon")
    dirc = platonov.prepare("chameleon", edges="directed")
    a = torch.zeros(und.num_nodes, und.num_nodes, dtype=torch.bool)
    a[dirc.edge_index[0], dirc.edge_index[1]] = True
    a.fill_diagonal_(False)  # the undirected version drops the self-loops the raw files hold
    assert not torch.equal(a, a.T)  # the Wikipedia links are one-way
    b = torch.zeros_like(a)
    b[und.edge_index[0], und.edge_index[1]] = True
    assert torch.equal(b, b.T) and bool((a & ~b).sum() == 0)


def test_preprocessing_errors(data_env):
    with pytest.raises(ValueError, match="no directed version"):
        platonov.prepare("chameleon-filtered", edges="directed")
    with pytest.raises(ValueError, match="features must be one of"):
        platonov.prepare("chameleon-filtered", features="scaled")


@pytest.mark.parametrize("model", ["resnet", "gcn", "gat", "sage", "gat-sep"])
def test_one_run_on_a_tiny_budget(data_env, model):
    data = platonov.prepare("chameleon-filtered")
    row = platonov.run_one(data, model, 1, 1, hidden=16, heads=2, steps=3)
    assert row["dataset"] == "chameleon-filtered" and row["model"] == model and row["split"] == 1
    assert 1 <= row["best_step"] <= 3 and 0 <= row["test"] <= 1 and row["val"] > 0
    assert row["cpu_seconds"] > 0 and row["peak_rss_mb"] > 0
    again = platonov.run_one(data, model, 1, 1, hidden=16, heads=2, steps=3)
    assert {k: again[k] for k in ("train", "val", "test", "best_step")} == {k: row[k] for k in ("train", "val", "test", "best_step")}


def test_patience_returns_the_full_run_when_no_wait_exceeds_it(data_env):
    """Early stopping is exact when every wait between new best validation scores is at most the patience and the
    best comes early enough; a shorter patience stops sooner and cannot score a better validation."""
    data = platonov.prepare("chameleon-filtered")
    kw = dict(hidden=16, lr=3e-3, steps=40)
    full = platonov.run_one(data, "gcn", 0, 1, **kw)
    assert full["patience"] == 0 and full["steps_run"] == 40 and 1 <= full["longest_wait"] <= full["best_step"]
    keep = ("train", "val", "test", "best_step")
    p = max(full["longest_wait"], 40 - full["best_step"])  # no wait exceeds p, and nothing after the best beats it
    stopped = platonov.run_one(data, "gcn", 0, 1, patience=p, **kw)
    assert {k: stopped[k] for k in keep} == {k: full[k] for k in keep}
    assert stopped["steps_run"] == min(40, full["best_step"] + p)
    short = platonov.run_one(data, "gcn", 0, 1, patience=1, **kw)
    assert short["steps_run"] <= 40 and short["val"] <= full["val"]


@pytest.mark.parametrize("patience", [-1, 1.5, True])
def test_patience_must_be_a_non_negative_integer(data_env, patience):
    data = platonov.prepare("chameleon-filtered")
    with pytest.raises(ValueError, match="patience"):
        platonov.run_one(data, "gcn", 0, 1, steps=1, patience=patience)


def test_binary_task_uses_one_output_and_roc_auc(data_env):
    data = platonov.prepare("minesweeper")
    row = platonov.run_one(data, "resnet", 0, 1, hidden=8, steps=2)
    assert 0 < row["val"] < 1 and row["best_step"] in (1, 2)
    assert platonov.make_model("gcn", 7, 1, 2, hidden=8).lin_out.out_features == 1


def test_run_one_errors(data_env):
    data = platonov.prepare("chameleon-filtered")
    with pytest.raises(ValueError, match="unknown model"):
        platonov.run_one(data, "transformer", 0, 1, steps=1)
    with pytest.raises(ValueError, match="steps"):
        platonov.run_one(data, "gcn", 0, 1, steps=0)
    with pytest.raises(ValueError, match="split"):
        platonov.run_one(data, "gcn", 10, 1, steps=1)


def _row(depth, split, val, test, model="gcn", dataset="minesweeper"):
    return {"dataset": dataset, "model": model, "features": "raw", "edges": "undirected", "num_layers": str(depth),
            "split": str(split), "val": str(val), "test": str(test)}


def test_depth_is_chosen_on_validation_not_test():
    rows = [_row(1, s, 0.80, 0.95) for s in range(3)] + [_row(2, s, 0.90, 0.85 + 0.01 * s) for s in range(3)]
    sel = platonov.select_depth(rows)[("minesweeper", "gcn", "raw", "undirected")]
    assert sel["num_layers"] == 2 and sel["test"] == pytest.approx([0.85, 0.86, 0.87])
    (cmp,) = platonov.compare(rows)
    assert cmp["mean"] == pytest.approx(86.0) and cmp["std"] == pytest.approx(1.0)
    assert cmp["gap"] == pytest.approx(86.0 - 89.75) and cmp["tolerance"] == 1.5 and not cmp["ok"]
    assert not cmp["complete"]  # two depths of five, three splits of ten
    rows = [_row(d, s, 0.8 + 0.01 * d, 0.9) for d in range(1, 6) for s in range(10)]
    (cmp,) = platonov.compare(rows)
    assert cmp["complete"] and cmp["num_layers"] == 5
    (cmp,) = platonov.compare(rows[:-1])  # one run missing
    assert not cmp["complete"]


def test_a_full_run_counts_over_a_stopped_run_of_the_same_split():
    stopped = dict(_row(1, 0, 0.5, 0.9), patience="200")
    full = dict(_row(1, 0, 0.5, 0.4), patience="0")
    for rows in ([stopped, full], [full, stopped]):
        assert platonov.select_depth(rows)[("minesweeper", "gcn", "raw", "undirected")]["test"] == [0.4]
    assert platonov.select_depth([stopped])[("minesweeper", "gcn", "raw", "undirected")]["test"] == [0.9]


def test_tolerance_is_the_larger_of_1_5_points_and_the_published_std():
    tight, wide = platonov.PUBLISHED[("minesweeper", "gcn")], platonov.PUBLISHED[("chameleon-filtered", "gcn")]
    assert tight.tolerance == 1.5 and wide.tolerance == wide.std > 1.5
    assert platonov.within_target(tight.mean - 1.4, tight) and not platonov.within_target(tight.mean - 1.6, tight)
    assert platonov.within_target(wide.mean + 0.99 * wide.std, wide)


def test_experiment_writes_a_resumable_csv(data_env, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PHYSGNN_RESULTS", str(tmp_path))
    argv = ["--datasets", "chameleon-filtered", "--models", "gcn", "--depths", "1", "--splits", "0", "1", "--steps", "2"]
    assert platonov_sanity.main(argv) == 0
    rows = results.read_csv(platonov_sanity.CSV)
    assert len(rows) == 2 and {"command", "torch", "cpu_seconds", "peak_rss_mb"} <= set(rows[0])
    assert rows[0]["command"].startswith("python -m physgnn")
    assert platonov_sanity.main(argv) == 0  # resumes: nothing new
    assert len(results.read_csv(platonov_sanity.CSV)) == 2
    assert "0 new rows (2 already present)" in capsys.readouterr().out
    assert not math.isnan(float(rows[0]["val"]))


def test_cost_projection():
    cost = lambda d, m, l: 0.1 * l  # noqa: E731 - seconds per step, linear in depth
    # 2 datasets x 1 model x depths 1..5 (sum 1.5 s) x 10 splits x 1000 steps = 30,000 s
    assert platonov.table_cpu_hours(cost, ["a", "b"], ["gcn"]) == pytest.approx(30_000 / 3600)
    assert platonov.table_cpu_hours(cost, ["a"], ["gcn"], depths=(2,), splits=1, steps=100) == pytest.approx(20 / 3600)


def test_step_seconds_is_positive(data_env):
    assert platonov.step_seconds(platonov.prepare("chameleon-filtered"), "gcn", 1, steps=2, hidden=16) > 0
