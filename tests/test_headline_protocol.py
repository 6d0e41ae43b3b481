"""physgnn.protocols.headline (the new headline table's protocol) and the headline_cost experiment: equal effort for
every model, the preprocessings each dataset allows, a model for every configuration, and a price that never
extrapolates."""

import math

import pytest
import torch

from physgnn import results
from physgnn.experiments import headline_cost
from physgnn.protocols import headline


def test_every_model_tries_the_same_number_of_configurations_on_a_dataset():
    for dataset in headline.DATASETS:
        counts = {headline.configurations(m, dataset) for m in headline.MODELS}
        assert len(counts) == 1, dataset
    assert headline.configurations("gcn", "minesweeper") == 8       # no preprocessing to choose
    assert headline.configurations("gcn", "cora") == 10             # raw or row-normalised, under both recipes
    assert headline.preprocessings("chameleon")[2:] == [("raw", "directed"), ("row-normalised", "directed")]
    assert headline.configurations("gcn", "chameleon-filtered") == 10  # the filtered graphs have no direction


def test_the_first_stage_is_recipe_times_architecture_at_the_published_preprocessing():
    for model in headline.MODELS:
        first = headline.first_stage(model, "texas")
        keys = {headline.settings_key(s) for s in first}
        assert len(keys) == len(first) == 8, model
        assert {(s["features"], s["edges"]) for s in first} == {("raw", "undirected")}
    second = headline.second_stage(first[3], "cora")
    assert [(s["recipe"], s["features"], s["edges"]) for s in second] == [("slow", "row-normalised", "undirected"),
                                                                          ("fast", "row-normalised", "undirected")]
    assert headline.second_stage(first[3], "minesweeper") == []  # its features are not bag-of-words
    arch = lambda s: {k: v for k, v in s.items() if k not in ("recipe", "features", "edges")}  # noqa: E731
    assert all(arch(s) == arch(first[3]) for s in second)


def test_beta_rule_keeps_repulsion_on_and_within_the_stability_limit():
    assert headline.beta_rule("texas") == headline.beta_rule("cora") == 0.22
    assert headline.beta_rule("squirrel-filtered") == pytest.approx(0.0241)
    assert headline.beta_rule("minesweeper") == 0.22  # its stability limit (0.627) is above the cap
    assert all(headline.beta_rule(d) > 0 for d in headline.DATASETS)
    # no beta of the search zeroes the couplings 1/d - beta of the common small degrees (Minesweeper's grid has
    # degrees 3, 5 and 8; a quarter of WebKB's nodes have degree 4 or less)
    betas = {a["beta_fraction"] * headline.BETA_CAP for a in headline.ARCHITECTURES["acmp-book"]}
    assert betas == {0.11, 0.22}
    assert all(abs(1 / d - b) > 0.01 for b in betas for d in range(2, 9))
    assert all(abs(1 / (d + 1) - headline.BETA_CAP) > 0.01 for d in range(1, 9))  # the official couplings


def _graph(name):
    """A 6-node two-class graph that carries a dataset's name (which picks β* and the ODE step)."""
    g = torch.Generator().manual_seed(0)
    data = type("D", (), {})()
    data.name, data.num_features = name, 5
    data.x = torch.rand(6, 5, generator=g)
    data.y = torch.tensor([0, 1, 0, 1, 0, 1])
    data.edge_index = torch.tensor([[0, 1, 1, 2, 2, 3, 3, 4, 4, 5], [1, 0, 2, 1, 3, 2, 4, 3, 5, 4]])
    return data


@pytest.mark.parametrize("model", headline.MODELS)
def test_every_architecture_builds_and_trains_one_step(model):
    for dataset in ("texas", "squirrel-filtered"):
        data = _graph(dataset)
        for settings in headline.first_stage(model, dataset)[:4]:
            torch.manual_seed(0)
            net = headline.build(model, settings, data)
            out = net(data.x, data.edge_index)
            assert out.shape == (6, 2)
            out.logsumexp(-1).sum().backward()
            assert all(p.grad is None or torch.isfinite(p.grad).all() for p in net.parameters())


def test_the_odes_carry_the_beta_rule_and_the_step_of_their_graph():
    data = _graph("squirrel-filtered")
    book = headline.build("acmp-book", dict(T=3.0, hidden=64, beta_fraction=0.5), data)
    assert book.field.beta == pytest.approx(0.5 * 0.0241) and book.ode.step_size == 0.5 and book.ode.T == 3.0
    official = headline.build("acmp-official", dict(T=12.8, hidden=16, dropout_in=0.2), data)
    assert official.field.beta == pytest.approx(0.0241) and official.ode.step_size == 0.1  # the official step
    assert official.dropout_in == 0.2 and official.hidden == 16
    small = headline.build("grand", dict(T=3.0, hidden=64), _graph("texas"))
    assert small.ode.step_size == 0.1


@pytest.mark.parametrize("model,dataset,match", [("gcn", "nowhere", "unknown dataset"), ("gin", "texas", "unknown model")])
def test_unknown_names_are_refused(model, dataset, match):
    with pytest.raises(ValueError, match=match):
        headline.build(model, dict(hidden=8), _graph(dataset))
    with pytest.raises(ValueError, match=match):
        headline.first_stage(model, dataset)


def _rows(dataset, model, seconds):
    archs = headline.ARCHITECTURES[model]
    return [{"dataset": dataset, "model": model, "settings": headline.settings_key(archs[a]), "epoch_seconds": s}
            for a, s in enumerate(seconds)]


def test_projection_prices_search_second_stage_and_final_runs():
    # minesweeper: one search split, no second stage; 8 first-stage runs, then 10 x 2 final runs at the dearest
    rows = _rows("minesweeper", "gcn", [1.0, 2.0, 3.0, 4.0])
    got = headline_cost.projection(rows, epochs_per_run=360, chosen="dearest")
    assert got[("minesweeper", "gcn")] == pytest.approx((2 * 10.0 + 20 * 4.0) * 360 / 3600)
    got = headline_cost.projection(rows, epochs_per_run=360)  # later runs at the mean architecture's cost
    assert got[("minesweeper", "gcn")] == pytest.approx((2 * 10.0 + 20 * 2.5) * 360 / 3600)
    per_model = dict.fromkeys(headline.MODELS, 1.0) | {"gcn": 720}
    assert headline_cost.projection(rows, epochs_per_run=per_model)[("minesweeper", "gcn")] == pytest.approx(2 * got[("minesweeper", "gcn")])
    # filtered chameleon: two search splits, one more preprocessing under both recipes; every cost 1 s, 3600 epochs:
    # hours = runs
    got = headline_cost.projection(_rows("chameleon-filtered", "gcn", [1.0] * 4), epochs_per_run=3600)
    assert got[("chameleon-filtered", "gcn")] == pytest.approx(2 * 4 * 2 + 2 * 1 * 2 + 20)


def test_projection_never_extrapolates_a_missing_architecture():
    assert headline_cost.projection(_rows("texas", "gcn", [1.0, 2.0]), epochs_per_run=100)[("texas", "gcn")] is None
    for bad in (0, -1, {"gcn": 100}, True):
        with pytest.raises(ValueError, match="epochs_per_run"):
            headline_cost.projection([], epochs_per_run=bad)
    with pytest.raises(ValueError, match="chosen"):
        headline_cost.projection([], epochs_per_run=1, chosen="cheapest")
    # a row of an architecture the protocol no longer has is not used
    stale = _rows("texas", "gcn", [1.0] * 4)
    stale[0]["settings"] = headline.settings_key(dict(num_layers=2, hidden=128, dropout=0.2))
    assert headline_cost.projection(stale, epochs_per_run=1)[("texas", "gcn")] is None
    # a dataset outside the table is not priced
    assert headline_cost.projection(_rows("chameleon", "gcn", [1.0] * 4), epochs_per_run=1)[("chameleon", "gcn")] is None


def test_run_one_refuses_a_bad_architecture_index():
    for bad in (-1, 4, True, 1.0):
        with pytest.raises(ValueError, match="architecture"):
            headline_cost.run_one(_graph("texas"), "gcn", bad)
    with pytest.raises(ValueError, match="unknown model"):
        headline_cost.run_one(_graph("texas"), "gin", 0)
    with pytest.raises(ValueError, match="epochs"):
        headline_cost.epoch_seconds(lambda: None, None, epochs=0)


def test_experiment_writes_a_resumable_csv(data_env, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PHYSGNN_RESULTS", str(tmp_path))
    argv = ["--datasets", "texas", "--models", "gcn", "--epochs", "1"]
    assert headline_cost.main(argv) == 0
    rows = results.read_csv(headline_cost.CSV)
    assert len(rows) == 4 and {"epoch_seconds", "settings", "peak_rss_mb", "command", "torch"} <= set(rows[0])
    assert all(float(r["epoch_seconds"]) >= 0 and math.isfinite(float(r["epoch_seconds"])) for r in rows)
    assert headline_cost.main(argv) == 0  # resumes: nothing new
    assert "0 new rows (4 already present)" in capsys.readouterr().out
    assert headline_cost.main(argv[:-1] + ["2"]) == 0  # another --epochs is another measurement
    assert len(results.read_csv(headline_cost.CSV)) == 8


# --- the headline experiment: search, choice, final runs, resuming ------------------------------------------------

from physgnn.experiments import headline as experiment  # noqa: E402


def _fake_run(data, model, settings, split, seed, *, epochs, patience, device=None):
    """A stand-in for training: the validation score rewards width and the "fast" recipe, and row-normalised
    features on one dataset, so the search's choice is known in advance; test = val - 0.1 (never used to choose)."""
    val = settings.get("hidden", 0) / 1000 + (0.2 if settings["recipe"] == "fast" else 0) \
        + (0.3 if settings["features"] == "row-normalised" else 0) + 0.001 * split
    return {"dataset": data.name, "model": model, "settings": headline.settings_key(settings), "split": split,
            "seed": seed, "metric": "accuracy", "train": 1.0, "val": val, "test": val - 0.1 + 0.01 * seed,
            "best_epoch": 5 if split else 999, "epochs_run": 10, "epochs": epochs, "patience": patience,
            "diverged": 0, "cpu_seconds": 0.0, "peak_rss_mb": 0.0, "device": "cpu"}


def _fake_group(data, model, settings, pairs, *, epochs, patience, device=None):
    return [_fake_run(data, model, settings, s, k, epochs=epochs, patience=patience) for s, k in pairs]


def test_the_search_chooses_on_validation_and_the_final_stage_reuses_search_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PHYSGNN_RESULTS", str(tmp_path))
    monkeypatch.setattr(experiment, "run_group", _fake_group)
    monkeypatch.setattr(experiment, "make_graph", lambda d, s: type("D", (), {"name": d})())
    assert experiment.main(["--datasets", "cora", "--models", "gcn"]) == 0
    rows = results.read_csv(experiment.CSV)
    # 8 first-stage and 2 second-stage configurations on 1 search split, then 20 final runs with fresh seeds
    assert len(rows) == 8 + 2 + 20
    cell = experiment.summary(rows, "cora", "gcn")
    assert cell["settings"] == dict(num_layers=2, hidden=256, dropout=0.2, recipe="fast", features="row-normalised",
                                    edges="undirected")
    assert cell["configurations"] == 10 and len(cell["split_scores"]) == 10
    assert cell["split_scores"][4] == pytest.approx(0.256 + 0.2 + 0.3 + 0.004 - 0.1 + 0.015)  # seeds 1 and 2
    assert cell["failed"] == 0 and cell["capped_search"] == 0
    assert {int(r["seed"]) for r in rows if r["settings"] == headline.settings_key(cell["settings"])} == {0, 1, 2}
    assert headline.search_splits("cora") == (0,) and headline.search_splits("squirrel-filtered") == (0, 1)
    assert cell["median_best_epoch"] == 5 and cell["converged"]
    assert experiment.main(["--datasets", "cora", "--models", "gcn"]) == 0  # resumes: nothing new
    assert "0 new rows" in capsys.readouterr().out
    assert experiment.main(["--datasets", "cora", "--models", "gcn", "--patience", "7"]) == 0  # another budget
    assert len(results.read_csv(experiment.CSV)) == 2 * len(rows)


def test_summary_waits_for_every_final_run_and_flags_a_run_that_did_not_converge():
    data = type("D", (), {"name": "minesweeper"})()
    rows = [_fake_run(data, "mlp", s, 0, 0, epochs=1000, patience=200) for s in headline.first_stage("mlp", "minesweeper")]
    stage, best, todo = experiment.choice(rows, "minesweeper", "mlp")
    assert stage == "done" and todo == [] and best["hidden"] == 256 and best["recipe"] == "fast"
    assert experiment.summary(rows, "minesweeper", "mlp") is None  # final runs missing
    rows += [_fake_run(data, "mlp", best, s, k, epochs=1000, patience=200) for s, k in experiment.final_runs()]
    assert 0 not in {k for _, k in experiment.final_runs()}  # fresh seeds, not the search's
    for r in rows:
        r["best_epoch"] = 900  # median within patience of the cap
    rows[0]["epochs_run"] = 1000  # one search run of eight reached the cap
    rows[-1]["test"] = float("nan")  # a final run without a finite epoch
    cell = experiment.summary(rows, "minesweeper", "mlp")
    assert cell["configurations"] == 8 and not cell["converged"]
    assert cell["capped_search"] == 1 / 8 and cell["failed"] == 1 and math.isnan(cell["mean"])


def test_a_failed_run_never_wins_the_search():
    data = type("D", (), {"name": "minesweeper"})()
    rows = [_fake_run(data, "mlp", s, 0, 0, epochs=10, patience=5) for s in headline.first_stage("mlp", "minesweeper")]
    for r in rows:
        if '"hidden": 256' in r["settings"] and '"fast"' in r["settings"]:
            r["val"] = float("nan")
    _, best, _ = experiment.choice(rows, "minesweeper", "mlp")
    assert best["recipe"] == "fast" and best["hidden"] == 64


@pytest.mark.parametrize("model,settings", [("gcn", dict(num_layers=2, hidden=16, dropout=0.5)),
                                            ("acmp-official", dict(T=1.0, hidden=8, dropout_in=0.5))])
def test_a_stacked_group_gives_the_rows_of_separate_runs(data_env, model, settings):
    data = experiment.make_graph("texas", dict(features="raw", edges="undirected"))
    settings = dict(settings, recipe="fast", features="raw", edges="undirected")
    pairs = [(0, 0), (3, 0), (3, 1)]
    stacked = experiment.run_group(data, model, settings, pairs, epochs=6, patience=3)
    separate = [experiment.run_one(data, model, settings, s, k, epochs=6, patience=3) for s, k in pairs]
    for a, b in zip(stacked, separate):
        assert (a["split"], a["seed"], a["best_epoch"], a["epochs_run"]) == (b["split"], b["seed"], b["best_epoch"], b["epochs_run"])
        assert a["val"] == pytest.approx(b["val"], abs=1e-6) and a["test"] == pytest.approx(b["test"], abs=1e-6)
    assert experiment.run_group(data, "resnet", dict(_RES_SETTINGS, recipe="fast", features="raw", edges="undirected"),
                                [(0, 0)], epochs=2, patience=1)[0]["split"] == 0  # a model that does not stack


_RES_SETTINGS = dict(num_layers=1, hidden=16, dropout=0.2)


def test_one_real_run_has_the_row_the_table_needs(data_env):
    data = experiment.make_graph("texas", dict(features="raw", edges="undirected"))
    settings = headline.first_stage("gcn", "texas")[0]
    row = experiment.run_one(data, "gcn", settings, 3, 1, epochs=3, patience=2)
    assert row["split"] == 3 and row["seed"] == 1 and row["settings"] == headline.settings_key(settings)
    assert 0 <= row["test"] <= 1 and 0 <= row["best_epoch"] < 3 and row["metric"] == "accuracy"
    assert row["device"] == "cpu" and row["diverged"] == 0
    with pytest.raises(ValueError, match="recipe"):
        experiment.run_one(data, "gcn", dict(settings, recipe="sgd"), 0, 0)
