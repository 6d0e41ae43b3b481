"""physgnn.rerun: a fresh run's trials against the committed ones — identical only when scores and best epoch agree."""

import pytest

from physgnn import rerun


def _row(split, val="0.8", test="0.7", best="10", cpu="2.0", seconds="9.0", settings='{"a": 1}'):
    return dict(dataset="texas", model="gcn", settings=settings, split=str(split), val=val, test=test, best_epoch=best,
                cpu_seconds=cpu, seconds=seconds)


def test_compare_counts_identical_trials_and_cpu():
    committed = [_row(0, test="", cpu=""), _row(1), _row(2, best="11")]
    fresh = [_row(0), _row(1, test="0.6"), _row(2), _row(3)]
    (s,) = rerun.compare(fresh, committed)
    assert (s["trials"], s["matched"], s["identical"]) == (4, 3, 1)  # split 0 only: 1 differs in test, 2 in best epoch
    assert s["differing"] == ['{"a": 1} split 1', '{"a": 1} split 2']
    assert s["cpu_fresh"] == 6.0 and s["cpu_committed"] == 9.0 + 2.0 + 2.0  # wall seconds where cpu is missing


def test_a_run_diverged_in_both_encodings_is_one_outcome_not_identical():
    committed = [_row(0, val="0.0", test="", best="0"), _row(1, val="0.0", test="", best="0")]
    fresh = [_row(0, val="nan", test="nan", best="-1"), _row(1, val="0.4", best="-1")]
    (s,) = rerun.compare(fresh, committed)
    assert (s["identical"], s["diverged"], s["differing"]) == (0, 1, ['{"a": 1} split 1'])


def test_main_refuses_the_projects_own_folder_and_a_missing_one(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSGNN_RESULTS", str(tmp_path))
    with pytest.raises(SystemExit):
        rerun.main(["--fresh", str(tmp_path)])
    with pytest.raises(SystemExit):
        rerun.main(["--fresh", str(tmp_path / "nowhere")])
