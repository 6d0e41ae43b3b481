"""The Otter-Grader path end to end: export the autograder of problem set 1, grade a folder with a correct and a
wrong submission, read the CSV. Offline, no containers (``otter run``). About a minute on two cores."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts" / "course"))
import grade  # noqa: E402
import student  # noqa: E402

pytest.importorskip("otter", reason="otter-grader is in requirements.txt")
PS1 = REPO / "book" / "course" / "instructor" / "ps1_diffusion.ipynb"


def test_test_files_hold_the_locked_checks():
    nb = nbformat.read(PS1, as_version=4)
    problems = grade.checks_by_problem(nb)
    assert set(problems) == {"1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8"}
    text = grade.test_file("1.2", problems["1.2"])
    assert "hidden=True" in text and "hidden=False" in text and "points = 3" in text
    compile(text, "q1_2.py", "exec")
    for problem, checks in problems.items():
        for source in checks:
            assert repr(source) in grade.test_file(problem, checks), "the test runs the instructor's check as it is"


def test_grade_a_folder(tmp_path, monkeypatch, mirror):
    monkeypatch.setenv("PHYSGNN_FAST", "1")
    monkeypatch.setenv("PHYSGNN_OFFLINE", "1")
    monkeypatch.setenv("PHYSGNN_DATA_MIRROR", str(mirror))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    folder = tmp_path / "submissions"
    folder.mkdir()
    correct = nbformat.read(PS1, as_version=4)
    nbformat.write(correct, folder / "alice.ipynb")
    wrong = nbformat.read(PS1, as_version=4)
    for cell in wrong.cells:                      # a student who fills mu_of with a number and edits the check away
        if "def mu_of(" in cell.source:
            cell.source = cell.source.replace("return float((1 - lam[lam > zero]).abs().max())", "return 0.999")
        if cell.source.startswith("# Auto-check 1.2"):
            cell.source = "# Auto-check 1.2\nprint('Problem 1.2: all checks passed')"
    unfilled = student.make_student(nbformat.read(PS1, as_version=4), PS1.name)
    nbformat.write(wrong, folder / "bob.ipynb")
    nbformat.write(unfilled, folder / "carol.ipynb")
    out = tmp_path / "autograder"
    assert [z.name for z in grade.export(out) if "ps1" in z.name] == ["autograder-ps1_diffusion.zip"]
    csv_path = grade.grade(folder, autograder=out)
    rows = {r["submission"]: r for r in csv.DictReader(csv_path.open())}
    assert set(rows) == {"alice.ipynb", "bob.ipynb", "carol.ipynb"}
    full = sum(v for k, v in grade.POINTS.items() if k.startswith("1."))
    assert float(rows["alice.ipynb"]["total"]) == float(rows["alice.ipynb"]["max"]) == full, rows["alice.ipynb"]
    assert float(rows["bob.ipynb"]["1.2"]) < grade.POINTS["1.2"], "the locked check 1.2 rejects mu_of = 0.999"
    assert float(rows["bob.ipynb"]["1.1"]) == grade.POINTS["1.1"], "bob's other answers are right"
    assert float(rows["carol.ipynb"]["total"]) == 0, "an unfilled student notebook scores nothing"
    assert all(r["problem_set"] == "ps1_diffusion" for r in rows.values())
