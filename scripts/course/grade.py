"""An Otter-Grader autograder for the graded problem sets: export the tests, grade a folder of submissions to a CSV.

    python scripts/course.py autograder [--out _build/course/instructor/autograder]
    python scripts/course.py grade SUBMISSIONS [--csv SUBMISSIONS/grades.csv]       # make grade SUBMISSIONS=folder

Why Otter-Grader: it grades one notebook with ``otter run``, locally and without containers, from a zip of plain
Python test files; nbgrader needs a course database, a fixed folder layout and its own cell metadata in the sources.

The autograder of a problem set (``autograder-<set>.zip``, made by ``otter generate``) holds one test file per
auto-checked problem, ``q<set>_<problem>.py``:

* **public** test cases: the problem's auto-checks, exactly as the instructor source has them. They are run by the
  grader, not taken from the submission, so a student who edits a check cell changes nothing (the checks are locked);
* **hidden** test cases (``HIDDEN`` below): small cases with answers computed by hand, not shown to students;
* points: the coding points of the problem (``POINTS``, from the assessment page's table); derivations and explanations
  are graded by a reader with keys.md.

``grade`` picks each submission's problem set by its title, runs ``otter run`` on it (the submission is executed; a
cell that fails does not stop it) and writes one CSV row per submission: the score of every problem, the total, and
the maximum. Runs use the current environment (set PHYSGNN_FAST=1 and the data variables as for the notebooks).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from paths import PACKS
from student import graded_sources, tags

# the auto-graded (coding) points of each problem; the rest of its points are read by hand (assessment page)
POINTS = {"1.1": 4, "1.2": 3, "1.3": 3, "1.4": 4, "1.5": 2, "1.6": 2, "1.7": 3, "1.8": 3,
          "2.1": 4, "2.2": 3, "2.3": 4, "2.4": 2, "2.5": 3, "2.6": 2, "2.7": 5,
          "3.1": 3, "3.2": 4, "3.3": 4, "3.4": 5, "3.5": 3, "3.7": 5}
HIDDEN_SHARE = 0.25   # of a problem's points, when it has hidden cases

# hidden cases: small inputs whose answers are worked out by hand
HIDDEN = {
    "1.1": "L, d = laplacian(torch.tensor([[0, 1], [1, 0]]), 3)\n"
           "assert torch.allclose(L, torch.tensor([[0.5, -0.5, 0], [-0.5, 0.5, 0], [0, 0, 0]], dtype=torch.float64))\n"
           "assert torch.allclose(d, torch.tensor([2.0, 2.0, 1.0], dtype=torch.float64))",
    "1.2": "assert abs(mu_of(torch.tensor([0.0, 0.5, 1.9], dtype=torch.float64)) - 0.9) < 1e-12",
    "1.3": "assert count_components(torch.tensor([0.0, 1e-12, 0.3], dtype=torch.float64)) == 2\n"
           "assert torch.allclose(ring_eigenvalues(3), torch.tensor([0.0, 1.0, 1.0], dtype=torch.float64), atol=1e-12)\n"
           "assert abs(energy_decay_rate(torch.tensor([0.0, 1e-12, 0.3, 1.2], dtype=torch.float64)) - 0.6) < 1e-12",
    "1.5": "X = torch.ones(2, 1, dtype=torch.float64)\n"
           "assert torch.allclose(gcn_limit(X, torch.tensor([1.0, 4.0], dtype=torch.float64)), "
           "torch.tensor([[0.6], [1.2]], dtype=torch.float64))",
    "1.7": "x = torch.tensor([[0.0], [2.0]], dtype=torch.float64)\n"
           "assert torch.allclose(AHatPropagate()(x, torch.tensor([[0, 1], [1, 0]])), torch.ones(2, 1, dtype=torch.float64))",
    "1.8": "ei, y = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]]), torch.tensor([0, 0, 0, 1])  # a path\n"
           "assert abs(edge_homophily(ei, y) - 4 / 6) < 1e-12 and abs(node_homophily(ei, y) - 0.625) < 1e-12\n"
           "assert abs(class_insensitive_homophily(ei, y) - 0.05) < 1e-12 and verdict(ei, y) == 'random'",
    "2.4": "import math\n"
           "x = double_well_solution(torch.tensor(0.5, dtype=torch.float64), torch.tensor(math.log(2), dtype=torch.float64))\n"
           "assert abs(float(x) - 1 / math.sqrt(1.75)) < 1e-12",
    "2.7": "x = torch.tensor([[0.0], [1.0]], dtype=torch.float64)\n"
           "out = ACMPConv(1.0, 0.5, 0.0)(x, torch.tensor([[0, 1], [1, 0]]), torch.ones(2, dtype=torch.float64))\n"
           "assert torch.allclose(out, torch.tensor([[0.5], [-0.5]], dtype=torch.float64))",
    "3.1": "assert abs(rk4_factor(-1.0) - 0.375) < 1e-12",
    "3.4": "assert select_by_validation({'x': [(0.2, 0.9)], 'y': [(0.3, 0.1)]}) == 'y'",
    "3.7": "one = rk4(lambda t, x: torch.ones_like(x), torch.zeros(1, 1, dtype=torch.float64), 1.0, 0.3)\n"
           "assert abs(one.item() - 1.0) < 1e-12",
}

TEST_FILE = '''"""Problem {problem}: {n_public} public case(s) (the auto-checks), {n_hidden} hidden."""
from otter.test_files import test_case

OK_FORMAT = False
name = {name!r}
points = {points!r}
{cases}'''

CASE = '''

@test_case(points={points!r}, hidden={hidden!r})
def {func}(env):
    exec(compile({source!r}, {label!r}, "exec"), env)
'''


def checks_by_problem(nb) -> dict[str, list[str]]:
    """{"1.2": [source of each auto-check of problem 1.2]} for an instructor notebook."""
    out: dict[str, list[str]] = {}
    for cell in nb.cells:
        m = re.match(r"# Auto-check (\d+\.\d+)", cell.source)
        if "check" in tags(cell) and m:
            out.setdefault(m.group(1), []).append(cell.source)
    return out


def test_file(problem: str, checks: list[str]) -> str:
    total = POINTS[problem]
    hidden = HIDDEN.get(problem)
    hidden_points = round(total * HIDDEN_SHARE, 2) if hidden else 0
    public_each = round((total - hidden_points) / len(checks), 4)
    cases = "".join(CASE.format(points=public_each, hidden=False, func=f"test_check_{k}", source=src,
                                label=f"auto-check {problem}") for k, src in enumerate(checks))
    if hidden:
        cases += CASE.format(points=hidden_points, hidden=True, func="test_hidden", source=hidden,
                             label=f"hidden test {problem}")
    return TEST_FILE.format(problem=problem, n_public=len(checks), n_hidden=int(bool(hidden)),
                            name="q" + problem.replace(".", "_"), points=total, cases=cases)


def export(out: Path = PACKS / "instructor" / "autograder") -> list[Path]:
    """Write tests/<set>/q*.py and autograder-<set>.zip for every graded set; return the zips."""
    otter = _otter()
    zips = []
    for src in graded_sources():
        nb = nbformat.read(src, as_version=4)
        tests = out / "tests" / src.stem
        shutil.rmtree(tests, ignore_errors=True)
        tests.mkdir(parents=True)
        problems = checks_by_problem(nb)
        missing = sorted(set(problems) - set(POINTS))
        if missing:
            raise ValueError(f"{src.name}: auto-checked problems {missing} have no points in grade.POINTS")
        for problem, checks in problems.items():
            (tests / f"q{problem.replace('.', '_')}.py").write_text(test_file(problem, checks), encoding="utf-8")
        zip_path = out / f"autograder-{src.stem}.zip"
        subprocess.run([otter, "generate", "-t", str(tests), "-o", str(zip_path.resolve()), "--no-requirements",
                        "--no-environment", "--no-config"], check=True, cwd=out, capture_output=True, text=True)
        zips.append(zip_path)
    return zips


def which_set(nb) -> str:
    """The stem of the problem set a submission belongs to, from its title."""
    title = nb.cells[0].source.strip().splitlines()[0] if nb.cells else ""
    for src in graded_sources():
        if nbformat.read(src, as_version=4).cells[0].source.strip().splitlines()[0] == title:
            return src.stem
    raise ValueError(f"cannot tell which problem set this is: its first line is {title!r}; expected a problem set title")


def grade(submissions: Path, csv_path: Path | None = None, autograder: Path | None = None) -> Path:
    """Grade every *.ipynb in ``submissions`` with ``otter run``; write and return the CSV."""
    if not submissions.is_dir():
        raise ValueError(f"grade: SUBMISSIONS must be a folder of notebooks, got {submissions}")
    notebooks = sorted(p for p in submissions.glob("*.ipynb"))
    if not notebooks:
        raise ValueError(f"grade: no *.ipynb in {submissions}")
    csv_path = csv_path or submissions / "grades.csv"
    with tempfile.TemporaryDirectory() as tmp:
        zips = autograder or Path(tmp) / "autograder"
        if not any(zips.glob("autograder-*.zip")):
            export(zips)
        rows = [_grade_one(nb_path, zips, Path(tmp) / nb_path.stem) for nb_path in notebooks]
    problems = sorted({p for row in rows for p in row["scores"]}, key=lambda p: tuple(map(int, p.split("."))))
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", "problem_set"] + problems + ["total", "max"])
        for row in rows:
            writer.writerow([row["submission"], row["set"]] + [row["scores"].get(p, "") for p in problems]
                            + [row["total"], row["max"]])
    return csv_path


def _grade_one(path: Path, zips: Path, out: Path) -> dict:
    which = which_set(nbformat.read(path, as_version=4))
    out.mkdir(parents=True)
    run = subprocess.run([_otter(), "run", "--no-logo", "-a", str(zips / f"autograder-{which}.zip"), "-o", str(out),
                          str(path.resolve())], capture_output=True, text=True, cwd=path.parent)
    results = out / "results.json"
    if not results.is_file():
        raise RuntimeError(f"otter run failed on {path.name}:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    tests = [t for t in json.loads(results.read_text())["tests"] if t.get("name", "").startswith("q")]
    scores = {t["name"][1:].replace("_", "."): round(float(t["score"]), 2) for t in tests}
    return {"submission": path.name, "set": which, "scores": scores, "total": round(sum(scores.values()), 2),
            "max": round(sum(float(t["max_score"]) for t in tests), 2)}


def _otter() -> str:
    exe = shutil.which("otter", path=str(Path(sys.executable).parent)) or shutil.which("otter")
    if exe is None:
        raise SystemExit("course.py grade: otter-grader is not installed (pip install otter-grader, see requirements.txt)")
    return exe
