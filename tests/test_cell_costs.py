"""What batching the small graphs saves, as the cost model counts it: the projection of the table's CPU hours, the
batch that bench --protocol measures, and the README's numbers against the saved results."""

import pathlib
import re

import pytest

from physgnn import results
from physgnn.costs import batching_projection, cell_seconds, latest_rerun

REPO = pathlib.Path(__file__).resolve().parents[1]


def _rerun(model, fresh, committed):
    return dict(dataset="texas", model=model, cpu_fresh=str(fresh), cpu_committed=str(committed))


def test_projection_arithmetic_and_the_latest_rerun():
    complete = {("texas", "gcn"): 3600.0, ("cora", "gcn"): 3600.0, ("squirrel", "gcn"): 7200.0}
    rows = [_rerun("gcn", 50, 100), _rerun("mlp", 10, 100), _rerun("gcn", 20, 100)]  # gcn rerun twice: the later counts
    assert [r["cpu_fresh"] for r in latest_rerun(rows)] == ["20", "10"]
    p = batching_projection(complete, rows)
    assert p["ratio"] == pytest.approx(0.15)
    assert p["before"] == pytest.approx(4.0) and p["small"] == pytest.approx(2.0)
    assert p["after"] == pytest.approx(2.0 + 2.0 * 0.15)  # the larger graphs are not batched: unchanged
    with pytest.raises(ValueError, match="rerun_rows is empty"):
        batching_projection(complete, [])
    with pytest.raises(ValueError, match="sum to zero"):
        batching_projection(complete, [_rerun("gcn", 1, 0)])


def test_protocol_measures_the_batch_reproduce_trains(data_env):
    from physgnn.bench import batch_members
    from physgnn.data import load
    from physgnn.reproduce import settings_grid

    texas, cora = load("texas"), load("cora")
    assert batch_members("texas", "acmp-gcn", settings_grid("acmp-gcn", "texas")[-1], texas) == 10  # all ten search splits
    assert batch_members("cora", "gcn", settings_grid("gcn", "cora")[-1], cora) == 2
    assert batch_members("texas", "gat", settings_grid("gat", "texas")[-1], texas) == 1  # GAT does not stack
    assert batch_members("texas", "gcn", settings_grid("gcn", "texas")[-1], texas, device="cuda") == 1
    assert batch_members("squirrel", "gcn", settings_grid("gcn", "squirrel")[-1], None) == 1  # a larger graph


def test_readme_states_the_projection_of_the_saved_results(monkeypatch):
    monkeypatch.setenv("PHYSGNN_RESULTS", str(REPO / "results"))
    names = ("search.csv", "reproduce.csv", "reproduce_budget.csv", "batched_rerun.csv")
    if not all((REPO / "results" / n).is_file() for n in names):
        pytest.skip("the saved results are not in this checkout")
    per_cell = cell_seconds(*(results.read_csv(n) for n in names[:3]))
    complete = {k: s for k, (s, runs) in per_cell.items() if runs >= 10}
    p = batching_projection(complete, results.read_csv("batched_rerun.csv"))
    text = " ".join((REPO / "README.md").read_text().split())
    found = re.search(r"the whole table's complete cells at ([\d.]+) CPU hours run separately and ([\d.]+) with the small "
                      r"graphs batched \(CPU ratio ([\d.]+)", text)
    assert found, "README states the table's CPU hours before and after batching"
    assert found.groups() == (f"{p['before']:.1f}", f"{p['after']:.1f}", f"{p['ratio']:.2f}")
