"""What a page is told when saved results are missing: physgnn.results.page_results."""

from __future__ import annotations

import pytest

from physgnn import results

NEEDS = {"beta_sweep.csv": "python -m physgnn experiment beta_sweep",
         "search.csv": "python -m physgnn reproduce --all --jobs 2"}


@pytest.fixture
def res(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSGNN_RESULTS", str(tmp_path))
    monkeypatch.setenv("PHYSGNN_OFFLINE", "1")
    return tmp_path


def test_a_missing_file_is_named_once_with_its_command_and_never_read_as_empty(res, capsys):
    (res / "search.csv").write_text("dataset,val\ntexas,0.5\n")
    page = results.page_results(NEEDS)
    out = capsys.readouterr().out
    assert out.count("Saved results missing") == 1 and "results/beta_sweep.csv" in out
    assert "python -m physgnn experiment beta_sweep" in out and "PHYSGNN_OFFLINE" in out and "PHYSGNN_RESULTS" in out
    assert "search.csv" not in out                                     # only what is missing
    assert "search.csv" in page and page["search.csv"] == [{"dataset": "texas", "val": "0.5"}]
    assert "beta_sweep.csv" not in page and page.missing == {"beta_sweep.csv": NEEDS["beta_sweep.csv"]}
    assert page.get("beta_sweep.csv") is None
    with pytest.raises(results.ResultsUnavailable, match="beta_sweep.csv"):
        page["beta_sweep.csv"]                                          # a page that reads it anyway stops, plainly
    with pytest.raises(KeyError, match="not one of the saved results"):
        page["other.csv"]


def test_nothing_is_printed_when_every_file_is_there(res, capsys):
    for name in NEEDS:
        (res / name).write_text("a\n1\n")
    page = results.page_results(NEEDS)
    assert capsys.readouterr().out == "" and page.note() == "" and set(page) == set(NEEDS)


def test_page_results_refuses_bad_requests(res):
    for bad in ({}, ["search.csv"], {"results/search.csv": "x"}, {"search.txt": "x"}, {"search.csv": " "}):
        with pytest.raises(ValueError, match="page_results"):
            results.page_results(bad)


def test_a_damaged_saved_file_is_an_error_not_a_missing_one(res):
    (res / "search.csv").write_text("a,b\n1,2\n1\n3,4\n")
    with pytest.raises(ValueError, match="damaged"):
        results.page_results({"search.csv": "x"})


def test_files_made_by_one_command_are_named_together_with_the_command_once(res, capsys):
    one = "python -m physgnn reproduce --all --jobs 2, about 3 hours on two cores"
    page = results.page_results({"search.csv": one, "beta_sweep.csv": "python -m physgnn experiment beta_sweep",
                                 "reproduce.csv": one})
    out = capsys.readouterr().out
    assert out.count(one) == 1 and out.count("Saved results missing") == 1
    assert "results/search.csv, results/reproduce.csv (made by: " + one + ")" in out
    assert "results/beta_sweep.csv (made by: python -m physgnn experiment beta_sweep)" in out
    assert set(page.missing) == {"search.csv", "beta_sweep.csv", "reproduce.csv"} and not page
