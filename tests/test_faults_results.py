"""Fault injection on saved results: cut lines, damaged rows, resumes under other options, duplicate arguments,
two runs into one folder, foreign or linked results folders, and a killed ``--jobs`` parent. Each case shows the
behaviour that keeps a row from being lost, merged, duplicated or wrongly taken as done."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from physgnn import experiments, reproduce, results
from physgnn.experiments import _runner

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def res(tmp_path, monkeypatch):
    """An empty results folder."""
    folder = tmp_path / "results"
    folder.mkdir()
    monkeypatch.setenv("PHYSGNN_RESULTS", str(folder))
    return folder


def _lines(path: Path) -> list[str]:
    return path.read_bytes().decode().splitlines()


# --- a cut last line ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cut", [1, 2, 4, 8])  # the line end only, its "\r" too, into the last field, into the first
def test_a_cut_last_line_is_quarantined_never_merged_and_never_done(res, cut):
    results.append_row("t.csv", dict(a="x1", b=1, c=10))
    path = results.append_row("t.csv", dict(a="x2", b=2, c=20))
    data = path.read_bytes()
    path.write_bytes(data[:-cut])
    with pytest.warns(RuntimeWarning, match="t.csv: its last line is incomplete"):
        assert results.done("t.csv", ("a",)) == {("x1",)}            # the cut row is not done
    with pytest.warns(RuntimeWarning, match="incomplete"):
        assert results.read_csv("t.csv") == [{"a": "x1", "b": "1", "c": "10"}]
    with pytest.warns(RuntimeWarning, match=r"moved to .*t\.csv\.quarantine"):
        results.append_row("t.csv", dict(a="x3", b=3, c=30))
    assert _lines(path) == ["a,b,c", "x1,1,10", "x3,3,30"]           # the next row on its own line, nothing merged
    assert (res / "t.csv.quarantine").read_bytes() == data[len(data) - len("x2,2,20\r\n"):-cut].rstrip(b"\r") + b"\n"
    assert results.done("t.csv", ("a",)) == {("x1",), ("x3",)}


def test_a_cut_header_is_quarantined_and_written_again(res):
    path = res / "t.csv"
    path.write_bytes(b"a,b")
    with pytest.warns(RuntimeWarning, match="quarantine"):
        results.append_row("t.csv", dict(a=1, b=2))
    assert _lines(path) == ["a,b", "1,2"] and (res / "t.csv.quarantine").read_text() == "a,b\n"


def test_a_last_line_with_too_few_fields_is_quarantined(res):
    path = results.append_row("t.csv", dict(a=1, b=2, c=3))
    with path.open("ab") as f:
        f.write(b"4,5\r\n")                                           # a line end, but a field short
    with pytest.warns(RuntimeWarning):
        assert results.done("t.csv", ("a",)) == {results.key(1)}
    with pytest.warns(RuntimeWarning, match="quarantine"):
        results.append_row("t.csv", dict(a=6, b=7, c=8))
    assert _lines(path) == ["a,b,c", "1,2,3", "6,7,8"]


def test_a_damaged_row_inside_a_file_is_a_clear_error(res):
    path = res / "t.csv"
    path.write_bytes(b"a,b,c\r\n1,2,3\r\n4,56,7,8\r\n9,10,11\r\n")   # a row merged with part of another (old bug)
    for call in (lambda: results.read_csv("t.csv"), lambda: results.done("t.csv", ("a",)),
                 lambda: results.append_row("t.csv", dict(a=1, b=2, c=3))):
        with pytest.raises(ValueError, match=r"t\.csv: the row on line 3 has 4 fields, the header 3.*quarantine"):
            call()
    assert path.read_bytes().endswith(b"9,10,11\r\n")                 # nothing written after the damage


def test_each_row_is_one_complete_write_synced_to_disk(res, monkeypatch):
    writes, syncs = [], []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: syncs.append(fd) or real_fsync(fd))
    real_open = open

    class Recording:
        def __init__(self, f):
            self.f = f

        def write(self, data):
            writes.append(bytes(data))
            return self.f.write(data)

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    monkeypatch.setattr("builtins.open", lambda *a, **k: Recording(real_open(*a, **k)))
    results.append_row("t.csv", dict(a=1, b="two, quoted"))
    results.append_row("t.csv", dict(a=3, b=4))
    assert writes == [b'a,b\r\n1,"two, quoted"\r\n', b"3,4\r\n"] and len(syncs) == 2


def test_a_cut_search_row_does_not_break_the_next_search(res, monkeypatch):
    """A cut search.csv row (here with its ``val`` missing) made every later search fail with "could not convert
    string to float: ''"; now it is set aside and its trial is trained again."""
    path = res / "search.csv"
    trained = []

    def fake_fit(model, data, progress, **budget):
        trained.append(1)
        return SimpleNamespace(val=0.5, test=0.4, best_epoch=3, epochs_run=9, seconds=0.1, cpu_seconds=0.1)

    monkeypatch.setattr(reproduce, "fit", fake_fit)
    monkeypatch.setattr(reproduce, "select_split", lambda data, split: data)
    monkeypatch.setattr(reproduce, "build", lambda model, settings, data: None)
    reproduce.search("texas", "mlp", None, splits=(0,), progress=False)  # two settings on one split
    data = path.read_bytes()
    cut = data.rindex(b'}",0,') + len(b'}",0,')
    path.write_bytes(data[:cut])                                        # the last trial cut after its split
    with pytest.warns(RuntimeWarning, match="quarantine"):
        best = reproduce.search("texas", "mlp", None, splits=(0,), progress=False)
    assert best["dropout"] == 0.2 and len(trained) == 3                 # the cut trial trained again, once
    rows = results.read_csv("search.csv")
    assert len(rows) == 2 and all(r["val"] == "0.5" for r in rows)
    assert (res / "search.csv.quarantine").read_bytes().endswith(b'}",0,\n')


# --- resume keyed on every option that changes a result ----------------------------------------------------------

def _depth_rows():
    return [(r["dataset"], r["depth"], r["split"], r["epochs"]) for r in results.read_csv("gcn_depth.csv")]


def test_rows_made_with_other_training_options_are_not_taken_as_done(res, data_env):
    gcn_depth = experiments.get("gcn_depth")
    base = ["--datasets", "texas", "--depths", "2", "--splits", "0"]
    assert gcn_depth.main(base + ["--epochs", "2"]) == 0
    assert gcn_depth.main(base + ["--epochs", "3"]) == 0                # was: "0 new rows"
    assert gcn_depth.main(base + ["--epochs", "2"]) == 0                # both done now: nothing new
    assert gcn_depth.main(base + ["--epochs", "2", "--lr", "0.05"]) == 0
    assert _depth_rows() == [("texas", "2", "0", "2"), ("texas", "2", "0", "3"), ("texas", "2", "0", "2")]
    assert [r["lr"] for r in results.read_csv("gcn_depth.csv")] == ["0.01", "0.01", "0.05"]


def test_an_old_row_without_an_option_column_gets_it_from_its_command(res):
    """beta_sweep's rows hold ``epochs`` and ``patience`` only in their command; the module's defaults fill what the
    command leaves out, and a row whose command cannot be read matches no run."""
    beta_sweep = experiments.get("beta_sweep")
    parser_options = {}

    def parser_of(argv):
        import argparse

        real = argparse.ArgumentParser.parse_args

        def spy(self, args=None, namespace=None):
            parser_options["parser"] = self
            return real(self, args, namespace)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(argparse.ArgumentParser, "parse_args", spy)
            mp.setattr(beta_sweep, "sweep", lambda *a, **k: [])
            beta_sweep.main(argv)
        return parser_options["parser"]

    derive = _runner.command_options(parser_of(["--seeds", "0"]))
    assert derive({"command": "python -m physgnn experiment beta_sweep"})["epochs"] == 150
    assert derive({"command": "python -m physgnn experiment beta_sweep --epochs 3"})["epochs"] == 3
    assert derive({"command": "pytest -q tests"}) == {}
    row = {"homophily": 0.1, "beta0": 0.0, "learn_beta": False, "seed": 0, "command": "python -m physgnn experiment beta_sweep --epochs 3"}
    results.append_row("b.csv", row)
    keys = beta_sweep.KEYS + beta_sweep.OPTIONS
    assert results.done("b.csv", keys, derive) == {results.key(0.1, 0.0, False, 0, 3, 50)}
    assert results.done("b.csv", keys) == {results.key(0.1, 0.0, False, 0, None, None)}  # unknown: matches no run


class WouldRun(Exception):
    pass


def _raise(*args, **kwargs):
    raise WouldRun


#: every experiment, with the command of its committed rows and one changed option that changes its results
COMMANDS = [("gcn_depth --datasets texas", "--epochs 3"), ("gcn_depth --datasets cora --splits 0 1 2", "--hidden 8"),
            ("real_gcn_vs_mlp", "--dropout 0.2"), ("filtered_vs_original", "--weight-decay 0"), ("csbm_sweep", "--patience 5"),
            ("beta_sweep", "--epochs 3"), ("depth_as_time", "--patience 5"), ("adjoint_memory", "--repeats 2"),
            ("learned_beta --datasets texas wisconsin cornell cora citeseer chameleon actor --splits 0 1 2", "TRAINING epochs=3"),
            ("platonov_sanity --datasets chameleon-filtered --models gcn --depths 1 --splits 0 1 2 3 4 5", "--steps 500"),
            ("platonov_cost --datasets chameleon-filtered squirrel-filtered minesweeper", "--steps 5"),
            ("platonov_cost --datasets tolokers --models resnet gcn", "--steps 5"),
            ("headline_cost --epochs 2", "--epochs 3"),
            ("official_protocol", "--epochs 50"), ("planetoid_protocol --models gcn mlp", "--seed 1"),
            ("planetoid_protocol --datasets cora --models official-acmp", "--split-seed 1"),
            ("planetoid_protocol --datasets citeseer --models official-acmp --splits 0 1 2 3 4 5 6", "--epochs 50")]


@pytest.mark.parametrize("command,changed", COMMANDS, ids=[c.split()[0] + "-" + c.split()[-1] for c, _ in COMMANDS])
def test_committed_rows_are_done_for_their_options_and_only_for_them(tmp_path, monkeypatch, command, changed):
    """Every saved row of the repository's results is recognised as done by the command that made it (nothing to
    run), and none is when an option that changes results differs."""
    shutil.copytree(REPO / "results", tmp_path / "results")
    monkeypatch.setenv("PHYSGNN_RESULTS", str(tmp_path / "results"))
    name, *argv = command.split()
    module = experiments.get(name)
    monkeypatch.setattr(_runner, "load", _raise)
    monkeypatch.setattr("physgnn.data.load", _raise)
    for work in ("make_graph", "run_one", "peak_memory"):
        if hasattr(module, work):
            monkeypatch.setattr(module, work, _raise)
    assert module.main(argv) == 0                                       # nothing to run
    if changed.startswith("TRAINING"):
        monkeypatch.setitem(module.TRAINING, "epochs", 3)
        changed = []
    else:
        changed = changed.split()
    with pytest.raises(WouldRun):
        module.main(argv + changed)


#: experiments without committed rows yet, with a one-row command
FRESH = {"depth_diagnosis": "--datasets texas --depths 2 --dropouts 0 --splits 0 --epochs 2",
         "acmp_ablation": "--datasets texas --variants official --splits 0 --epochs 2",
         "planetoid_protocol": "--datasets cora --models mlp --settings 0 --splits 0 --epochs 2"}


@pytest.mark.parametrize("name", sorted(FRESH))
def test_a_fresh_experiment_resumes_only_with_the_same_options(res, data_env, capsys, name):
    """Run, resume (nothing new), change an option (a new row), and back."""
    module = experiments.get(name)
    argv = FRESH[name].split()
    for extra, new in (([], 1), ([], 0), (["--seed", "1"], 1), (["--patience", "1"], 1), (["--seed", "1"], 0)):
        assert module.main(argv + extra) == 0
        assert f"{name}: {new} new rows" in capsys.readouterr().out
    assert len(results.read_csv(module.CSV)) == 3


#: experiments whose resuming is tested in their own module, because one command writes many rows (a search)
OWN_TESTS = {"headline": "tests/test_headline_protocol.py::test_the_search_chooses_on_validation_and_the_final_stage_reuses_search_runs"}


def test_every_experiment_is_checked_here():
    assert {c.split()[0] for c, _ in COMMANDS} | set(FRESH) | set(OWN_TESTS) == set(experiments.names())
    for test in OWN_TESTS.values():
        path, name = test.split("::")
        assert f"def {name}(" in (REPO / path).read_text(), test


# --- duplicate arguments and runs --------------------------------------------------------------------------------

@pytest.mark.parametrize("argv,message", [(["--datasets", "texas", "texas"], "--datasets gives texas twice"),
                                          (["--datasets", "texas", "TEXAS"], "--datasets gives texas twice"),
                                          (["--splits", "2", "2"], "--splits gives 2 twice"),
                                          (["--datasets", "nowhere"], "unknown dataset 'nowhere'")])
def test_duplicate_or_unknown_experiment_arguments_are_refused(res, capsys, argv, message):
    with pytest.raises(SystemExit) as exit_:
        experiments.get("gcn_depth").main(argv + ["--depths", "2"])
    assert exit_.value.code == 2 and message in capsys.readouterr().err
    assert not (res / "gcn_depth.csv").exists()


def test_dataset_names_in_capitals_are_the_same_runs(res, data_env):
    gcn_depth = experiments.get("gcn_depth")
    argv = ["--depths", "2", "--splits", "0", "--epochs", "2"]
    assert gcn_depth.main(["--datasets", "TEXAS"] + argv) == 0
    assert gcn_depth.main(["--datasets", "TEXAS"] + argv) == 0
    assert gcn_depth.main(["--datasets", "texas"] + argv) == 0
    assert _depth_rows() == [("texas", "2", "0", "2")]


@pytest.mark.parametrize("argv", [["--dataset", "texas", "texas", "--model", "mlp"], ["--dataset", "texas", "--model", "mlp", "mlp"],
                                  ["--dataset", "texas", "--model", "mlp", "--splits", "2", "2"],
                                  ["--dataset", "texas", "--model", "mlp", "--search-splits", "0", "0"]])
def test_duplicate_reproduce_arguments_are_refused(res, capsys, argv):
    with pytest.raises(SystemExit) as exit_:
        reproduce.main(argv)
    assert exit_.value.code == 2 and "gives a value twice" in capsys.readouterr().err
    assert list(res.iterdir()) == []


def test_a_grid_given_twice_runs_each_point_once(monkeypatch):
    monkeypatch.setattr(_runner, "load", lambda name: name)
    runs = []
    _runner.over_grid("t", [("a", 0), ("a", 0), ("a", 1.0), ("a", 1)], lambda d, s: runs.append(s) or {}, progress=False)
    assert runs == [0, 1.0]


def test_a_row_already_saved_is_not_appended_again(res):
    assert results.append_row("t.csv", dict(a=1, b=2), unique=("a",)) is not None
    assert results.append_row("t.csv", dict(a="1.0", b=3), unique=("a",)) is None   # same key, another spelling
    assert results.append_row("t.csv", dict(a=2, b=3), unique=("a",)) is not None
    assert _lines(res / "t.csv") == ["a,b", "1,2", "2,3"]


def test_a_second_run_into_the_same_folder_is_refused_while_the_first_runs(res, capsys):
    with results.run_lock("reproduce.csv"), results.run_lock("gcn_depth.csv"):
        with pytest.raises(SystemExit) as exit_:
            reproduce.main(["--dataset", "texas", "--model", "mlp"])
        assert exit_.value.code == 2
        assert "another run is writing" in capsys.readouterr().err
        with pytest.raises(SystemExit) as exit_:
            experiments.get("gcn_depth").main(["--datasets", "texas"])
        assert exit_.value.code == 2
        assert "another run is writing" in capsys.readouterr().err
    results.run_lock("reproduce.csv").close()                           # free again


def test_two_identical_reproduce_runs_at_once_save_each_row_once(res, data_env, tmp_path):
    argv = [sys.executable, "-m", "physgnn", "reproduce", "--dataset", "texas", "--model", "mlp", "--splits", "0", "1",
            "--search-splits", "0"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    procs = [subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes[0] == 0 and codes[1] in (0, 2), outs
    if codes[1] == 2:                                                   # refused while the other ran
        assert any("another run is writing" in err for _, err in outs)
    search, runs = results.read_csv("search.csv"), results.read_csv("reproduce.csv")
    assert len(search) == 2 and len(runs) == 2                           # 2 settings x 1 split; splits 0 and 1
    assert len(results.read_csv("reproduce_budget.csv")) == 1
    again = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)   # and again, after
    assert again.returncode == 0
    assert len(results.read_csv("search.csv")) == 2 and len(results.read_csv("reproduce.csv")) == 2
    assert len(results.read_csv("reproduce_budget.csv")) == 1            # no new run, no new cost row


def test_the_cost_of_a_run_saved_twice_counts_once():
    settings = reproduce._key(reproduce.settings_grid("mlp", "texas")[0])
    trial = dict(dataset="texas", model="mlp", settings=settings, split="0", seconds="1", cpu_seconds="1")
    run = dict(dataset="texas", model="mlp", settings=settings, split="5", seconds="7", cpu_seconds="7")
    once = reproduce.cell_seconds([trial], [run])
    twice = reproduce.cell_seconds([trial, trial], [run, run])
    assert once == twice == {("texas", "mlp"): (8.0, 1)}


# --- the results folder ------------------------------------------------------------------------------------------

def test_results_go_to_this_project_never_to_an_unrelated_parent_project(tmp_path, monkeypatch):
    monkeypatch.delenv("PHYSGNN_RESULTS", raising=False)
    other = tmp_path / "other"
    (other / "results").mkdir(parents=True)
    (other / "pyproject.toml").write_text('[project]\nname = "other"\n')
    work = other / "sub"
    work.mkdir()
    monkeypatch.chdir(work)
    assert results.results_dir() == work / "results"                     # not other/results
    ours = other / "vendored" / "physgnn"
    (ours / "chapters").mkdir(parents=True)
    (ours / "pyproject.toml").write_text('[build-system]\nrequires = []\n\n[project]\nname = "physgnn"\n')
    monkeypatch.chdir(ours / "chapters")
    assert results.results_dir() == ours / "results"
    monkeypatch.chdir(REPO / "chapters")
    assert results.results_dir() == REPO / "results"


def test_a_results_folder_or_file_that_is_a_link_is_refused(tmp_path, monkeypatch):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    monkeypatch.setenv("PHYSGNN_RESULTS", str(tmp_path / "link"))
    with pytest.raises(ValueError, match="is a symbolic link"):
        results.append_row("t.csv", dict(a=1))
    monkeypatch.setenv("PHYSGNN_RESULTS", str(real))
    (real / "t.csv").symlink_to(tmp_path / "elsewhere.csv")
    with pytest.raises(ValueError, match=r"results file .*t\.csv is a symbolic link"):
        results.append_row("t.csv", dict(a=1))
    assert list(real.iterdir()) == [real / "t.csv"] and not (tmp_path / "elsewhere.csv").exists()


# --- a killed --jobs parent --------------------------------------------------------------------------------------

def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as f:
            return "\nState:\tZ" not in f.read()
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_jobs_workers_die_with_a_killed_parent(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent("""
        import os, time
        from physgnn.reproduce import _pool

        def job(seconds):
            print(os.getpid(), flush=True)
            time.sleep(seconds)

        if __name__ == "__main__":
            with _pool(2) as pool:
                pool.map(job, [120, 120])
    """))
    parent = subprocess.Popen([sys.executable, str(script)], cwd=REPO, stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=str(REPO)))
    workers = []
    try:
        workers += [int(parent.stdout.readline()) for _ in range(2)]    # both busy in a job
        assert all(_alive(pid) for pid in workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 20
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in workers), "a worker outlived its killed parent"
    finally:
        parent.kill()
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
