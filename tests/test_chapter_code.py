"""Chapter code fits the text column: the site shows about 88 characters of a code line, so no line of a code cell
is longer (black's and ruff's default), in the chapters and in the course notebooks (the self-test, the problem sets'
student pages and their instructor sources, from which ``make course`` generates the student pages). IPython magics
(``%pip install ...`` in the setup cell) are the exception: a magic is one line and cannot be continued; the setup
cell is folded on the site."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "chapters").glob("*.ipynb"))
COURSE = sorted((REPO / "book" / "course").glob("*.ipynb")) + sorted(
    (REPO / "book" / "course" / "instructor").glob("*.ipynb")
)
LIMIT = 88


def long_lines(source: str, limit: int = LIMIT) -> list[tuple[int, int, str]]:
    """(line number, length, start of the line) of every line longer than ``limit``, magics excepted."""
    return [
        (k, len(line), line.strip()[:60])
        for k, line in enumerate(source.split("\n"), 1)
        if len(line) > limit and not line.lstrip().startswith(("%", "!"))
    ]


def test_the_check_rejects_a_long_line_and_lets_a_magic_through():
    long = "y = " + "1 + " * 30 + "1"
    assert [(k, n) for k, n, _ in long_lines("x = 1\n" + long)] == [(2, len(long))]
    assert not long_lines('    %pip install -q "' + "x" * 100 + '"')
    assert not long_lines("z = 2  # " + "a" * (LIMIT - 9))


def test_the_course_notebooks_are_checked():
    names = [str(p.relative_to(REPO / "book" / "course")) for p in COURSE]
    assert "self_test.ipynb" in names and "ps1_diffusion.ipynb" in names, names
    assert "instructor/ps1_diffusion.ipynb" in names, names


@pytest.mark.parametrize(
    "path", NOTEBOOKS + COURSE, ids=lambda p: str(p.relative_to(REPO)).removeprefix("book/")
)
def test_chapter_code_lines_fit_the_column(path):
    cells = json.loads(path.read_text())["cells"]
    bad = {
        f"cell {i} ({c.get('id', '?')})": found
        for i, c in enumerate(cells)
        if c["cell_type"] == "code" and (found := long_lines("".join(c["source"])))
    }
    where = path.relative_to(REPO)
    assert not bad, f"{where}: code lines longer than {LIMIT} characters (wrap them): {bad}"


FOLDED = {"hide-input", "hide-cell", "remove-input"}


def plumbing(cell: dict, index: int) -> str | None:
    """Why a code cell is plumbing a reader should find folded (Jupyter Book's cell tags), or None: the setup cell,
    figure cells ("# Figure 2.1: ..."), the asserted claims ("# Claims of ..."), and cells that render a table."""
    source = "".join(cell["source"])
    first = source.split("\n", 1)[0]
    if index == 1 and first.startswith("# Setup"):
        return "the setup cell"
    if re.match(r"# Figure \d+\.\d+", first):
        return "a figure cell"
    if re.match(r"# Claims?\b", first):
        return "a cell of asserted claims"
    if "Markdown(" in source:
        return "a cell that renders a table"
    return None


def test_the_plumbing_rule_finds_figures_claims_and_tables():
    cell = lambda src: {"cell_type": "code", "source": src, "metadata": {}}  # noqa: E731
    assert plumbing(cell("# Figure 4.7: the slider\nplot()"), 30) == "a figure cell"
    assert plumbing(cell("# Claims of Figure 2.1.\nassert x"), 30) == "a cell of asserted claims"
    assert plumbing(cell("rows = []\ndisplay(Markdown(t))"), 30) == "a cell that renders a table"
    assert plumbing(cell("# Setup: install\nimport physgnn"), 1) == "the setup cell"
    assert plumbing(cell("# A GCN layer by hand\nH = A @ X @ W"), 14) is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_plumbing_is_folded(path):
    """The reader's eye stays on the ideas: set-up, figure, claim and table-building cells carry a folding tag (their
    outputs, the figures and tables, stay on the page; the claims are stated in the prose beside them)."""
    cells = json.loads(path.read_text())["cells"]
    unfolded = [
        f"cell {i} ({why})"
        for i, c in enumerate(cells)
        if c["cell_type"] == "code" and (why := plumbing(c, i)) and not FOLDED & set(c["metadata"].get("tags", []))
    ]
    assert not unfolded, f"{path.name}: plumbing shown in full (tag it hide-input): {unfolded}"


VISIBLE_LIMIT = 40
UNCHECKED: set[str] = set()  # notebooks outside this rule (none)


def long_visible_cells(cells: list[dict], limit: int = VISIBLE_LIMIT) -> list[tuple[str, int]]:
    """(id, lines) of every code cell shown in full on the page (no folding tag) with more than ``limit`` lines."""
    return [
        (c.get("id", "?"), n)
        for c in cells
        if c["cell_type"] == "code"
        and not FOLDED & set(c["metadata"].get("tags", []))
        and (n := len("".join(c["source"]).rstrip("\n").split("\n"))) > limit
    ]


def test_the_length_rule_finds_a_long_shown_cell_and_lets_a_folded_one_through():
    cell = lambda n, tags=(): {  # noqa: E731
        "cell_type": "code", "id": f"c{n}", "metadata": {"tags": list(tags)}, "source": "x = 1\n" * n,
    }
    assert long_visible_cells([cell(VISIBLE_LIMIT), cell(VISIBLE_LIMIT + 1)]) == [(f"c{VISIBLE_LIMIT + 1}", 41)]
    assert not long_visible_cells([cell(80, ["hide-input"]), cell(80, ["remove-input"])])
    assert not long_visible_cells([{"cell_type": "markdown", "metadata": {}, "source": "text\n" * 80}])


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name not in UNCHECKED], ids=lambda p: p.name)
def test_shown_code_cells_are_short(path):
    """A cell shown in full holds one idea: at most 40 lines. Longer set-up, loading and figure plumbing goes into
    physgnn or into a folded cell; a long calculation is split where its steps are."""
    found = long_visible_cells(json.loads(path.read_text())["cells"])
    assert not found, f"{path.name}: code cells shown in full with more than {VISIBLE_LIMIT} lines: {found}"
