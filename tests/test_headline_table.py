"""The headline table as the chapters will print it: cells, the strongest baseline (chosen on validation), the
Markdown table's marks, and the paired comparisons, on rows whose numbers are known in advance."""

import math

import pytest

from physgnn import stats
from physgnn.experiments import headline as experiment
from physgnn import headline_table as ht
from physgnn.protocols import headline

# per model: (validation offset, test offset, best epoch of the final runs, test of final runs is NaN)
PLAN = {"mlp": (0.00, 0.10, 5, False), "gcn": (0.05, 0.00, 5, False), "resnet": (0.01, 0.02, 950, False),
        "fagcn": (0.0, 0.0, 5, True)}


def _fake_group(data, model, settings, pairs, *, epochs, patience, device=None):
    dv, dt, best, nan = PLAN[model]
    out = []
    for split, seed in pairs:
        val = 0.5 + dv + settings["hidden"] / 10000 + 0.001 * split
        test = math.nan if (nan and seed > 0) else 0.6 + dt + 0.01 * (split % 3) + 0.002 * seed
        out.append({"dataset": data.name, "model": model, "settings": headline.settings_key(settings), "split": split,
                    "seed": seed, "metric": "accuracy", "train": 1.0, "val": val, "test": test,
                    "best_epoch": best if seed else 3, "epochs_run": best + 1, "epochs": epochs, "patience": patience,
                    "diverged": 0, "cpu_seconds": 0.0, "peak_rss_mb": 0.0, "device": "cpu"})
    return out


@pytest.fixture
def rows(monkeypatch):
    monkeypatch.setattr(experiment, "run_group", _fake_group)
    monkeypatch.setattr(experiment, "make_graph", lambda d, s: type("D", (), {"name": d})())
    return experiment.run(["cora"], list(PLAN), progress=False)


def test_cells_are_complete_summaries_with_the_validation_mean(rows):
    table = ht.cells(rows, ["cora"], ["mlp", "gcn", "resgcn"])
    assert table[("cora", "resgcn")] is None  # never run
    gcn = table[("cora", "gcn")]
    assert gcn == dict(experiment.summary(rows, "cora", "gcn"), val=gcn["val"])
    finals = [r for r in rows if r["model"] == "gcn" and int(r["seed"]) > 0]
    assert gcn["val"] == pytest.approx(sum(r["val"] for r in finals) / 20)


def test_the_strongest_baseline_is_chosen_on_validation_not_on_test(rows):
    table = ht.cells(rows, ["cora"], list(PLAN))
    # the GCN has the best validation mean, the MLP the best test mean: the GCN is the strongest baseline
    assert table[("cora", "mlp")]["mean"] > table[("cora", "gcn")]["mean"]
    assert ht.strongest(table, "cora", ["mlp", "gcn", "resnet"]) == "gcn"
    assert ht.strongest(table, "cora", ["mlp", "resnet"]) == "resnet"
    assert ht.strongest(table, "cora", ["resgcn"]) is None


def test_markdown_marks_the_best_mean_an_unconverged_cell_a_failed_one_and_a_missing_one(rows):
    models = ["mlp", "gcn", "resnet", "fagcn", "resgcn"]
    table = ht.cells(rows, ["cora"], models)
    lines = ht.markdown(table, ["cora"], models, labels={"mlp": "MLP"}, names={"cora": "Cora"})
    assert lines[0] == "| model | Cora |" and lines[1] == "|---|---:|"
    body = dict(line.strip("| ").split(" | ") for line in lines[2:])
    mlp = table[("cora", "mlp")]
    assert body["MLP"] == f"**{100 * mlp['mean']:.1f} ± {100 * mlp['std']:.1f}**"  # the best test mean, in bold
    assert not body["gcn"].startswith("**")
    assert body["resnet"].endswith(" †")  # its median best epoch (950) lies within the patience of the cap
    assert body["fagcn"] == "failed (20)" and body["resgcn"] == "…"
    assert body["configurations tried"] == "10"


def test_comparisons_are_the_corrected_test_on_seed_means_with_holm(rows):
    table = ht.cells(rows, ["cora"], list(PLAN))
    got = ht.comparisons(table, [("cora", "gcn", "mlp"), ("cora", "resnet", "mlp")], {"cora": 0.5})
    by_hand = stats.corrected_resampled_ttest([100 * s for s in table[("cora", "gcn")]["split_scores"]],
                                              [100 * s for s in table[("cora", "mlp")]["split_scores"]],
                                              test_train_ratio=0.5)
    first = got[("cora", "gcn", "mlp")]
    assert first["comparison"] == by_hand and first["comparison"].mean_diff == pytest.approx(-10.0)
    assert first["p_holm"] >= first["comparison"].p
    with pytest.raises(ValueError, match="incomplete or failed"):
        ht.comparisons(table, [("cora", "fagcn", "mlp")], {"cora": 0.5})
    with pytest.raises(ValueError, match="ratio"):
        ht.comparisons(table, [("cora", "gcn", "mlp")], {})
    assert ht.comparisons(table, [], {}) == {}


def test_names_outside_the_table_are_refused(rows):
    with pytest.raises(ValueError, match="not in the headline table"):
        ht.cells(rows, ["chameleon"], ["gcn"])
    with pytest.raises(ValueError, match="not in the headline table"):
        ht.markdown({}, ["cora"], ["gin"])
