"""The platonov_cost experiment: a resumable CSV of step costs, and a projection that never extrapolates."""

import pytest

from physgnn import results
from physgnn.experiments import platonov_cost


def test_experiment_writes_a_resumable_csv(data_env, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PHYSGNN_RESULTS", str(tmp_path))
    argv = ["--datasets", "chameleon-filtered", "--models", "gcn", "--depths", "1", "--steps", "1"]
    assert platonov_cost.main(argv) == 0
    rows = results.read_csv(platonov_cost.CSV)
    assert len(rows) == 1 and {"step_seconds", "steps", "run_cpu_hours", "peak_rss_mb", "command", "torch"} <= set(rows[0])
    r = rows[0]
    assert float(r["step_seconds"]) >= 0  # a difference of two timings, floored at 0
    assert float(r["run_cpu_hours"]) == pytest.approx(float(r["step_seconds"]) * 1000 / 3600, abs=1e-5)
    assert platonov_cost.main(argv) == 0  # resumes: nothing new
    assert len(results.read_csv(platonov_cost.CSV)) == 1
    out = capsys.readouterr().out
    assert "0 new rows (1 already present)" in out and "some depths missing" in out


def _rows(hours):
    """Rows whose step costs make one 1000-step run cost ``hours[depth]`` CPU hours."""
    return [{"dataset": "d", "model": "gcn", "num_layers": l, "step_seconds": h * 3.6} for l, h in hours.items()]


def test_projection_adds_every_depth_over_the_splits():
    rows = _rows({1: 0.1, 2: 0.2, 3: 0.3, 4: 0.4, 5: 0.5})
    assert platonov_cost.projection(rows)[("d", "gcn")] == pytest.approx(15.0)  # 10 x 1.5
    assert platonov_cost.projection(rows, splits=3, depths=(2,))[("d", "gcn")] == pytest.approx(0.6)


def test_projection_leaves_out_a_pair_with_a_missing_depth():
    assert platonov_cost.projection(_rows({1: 0.1, 3: 0.3}))[("d", "gcn")] is None


@pytest.mark.parametrize("splits", [0, -1, 2.5, True])
def test_projection_rejects_bad_splits(splits):
    with pytest.raises(ValueError, match="splits"):
        platonov_cost.projection(_rows({1: 0.1}), splits=splits)


def test_run_one_rejects_bad_steps():
    with pytest.raises(ValueError, match="steps"):
        platonov_cost.run_one(None, "gcn", 1, steps=0)
