"""Student notebooks, the public pages of the graded problem sets, and the two packs that ``make course`` builds.

    python scripts/course.py student   [--out _build/course]

Sources
-------
* ``book/course/instructor/ps*.ipynb``: the graded problem sets with worked solutions, rubric notes and auto-checks:
  the single source. They are not in the table of contents, so the site never shows them.
* ``book/course/self_test.ipynb``: self-study, ungraded; its solutions stay on the site behind toggles.

Outputs
-------
* ``book/course/ps*.ipynb`` (committed, generated): the student version of each graded set, which is what the site
  shows (not executed: its checks fail until a student fills in the cells) and what its Colab link opens. A test
  fails when they are out of date with their sources; ``make course`` rewrites them.
* ``_build/course/student/``: the student pack: those notebooks and a README (the self-test stays on the site).
* ``_build/course/instructor/``: the instructor pack: the source notebooks with solutions, ``keys.md`` (model answers
  and rubric notes for the work graded by hand) and a README.

The student version of a notebook
---------------------------------
A cell tagged ``solution`` becomes an exercise cell (tagged ``exercise``):

* a code cell keeps everything outside nbgrader-style ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers (so a
  function's signature and docstring survive) and gets ``# your solution here`` between them, plus
  ``raise NotImplementedError`` when the markers sit inside a function; without markers the whole cell is replaced
  (its opening comment line is kept). At the top level the stub names the variables the auto-checks expect;
* a Markdown cell becomes an empty answer box.

Cells tagged ``check`` and all other cells are kept, outputs are cleared, MyST is turned into plain Markdown (Jupyter
and Colab render no MyST; ``{doc}`` links go to the published site, citations become author-year), the setup cell
installs the tagged release ``v<version>`` of physgnn instead of the main branch, and the Colab link points at that
release.
"""

from __future__ import annotations

import ast
import copy
import re
import shutil
import textwrap
from pathlib import Path

import nbformat

from myst import plain_markdown
from paths import BRANCH, COURSE, INSTRUCTOR, PACKS, REPO, REPO_URL, SITE_URL, colab_url, release_tag, version

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = "# your solution here"
ANSWER_BOX = "**Your answer.** *Write your derivation or explanation here (Markdown and $\\LaTeX$ both work).*"
SITE_ONLY_TAGS = {"solution", "hide-cell", "hide-input", "hide-output"}
BADGE = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"


def banner() -> str:
    return (f"> **Student version** for physgnn {version()}. Fill in the cells marked *your solution here* (a function "
            "keeps its signature and docstring) and run the auto-check after each one; a check prints a line when "
            "everything passes and otherwise says what is wrong.")


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def graded_sources() -> list[Path]:
    return sorted(INSTRUCTOR.glob("ps*.ipynb"))


# ---------------------------------------------------------------------------------------------------------------
# Stripping solutions
# ---------------------------------------------------------------------------------------------------------------
def _names(code: str, context: type) -> set[str]:
    """The names that ``code`` loads (``ast.Load``) or stores (``ast.Store``)."""
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, context)}


def _assigned(code: str, wanted: set[str]) -> list[str]:
    """Names assigned at the top level of ``code`` that are in ``wanted``, in order of appearance."""
    try:
        body = ast.parse(textwrap.dedent(code)).body
    except SyntaxError:
        return []
    names = [n.id for node in body if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign))
             for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
             for n in ast.walk(target) if isinstance(n, ast.Name)]
    return [n for n in dict.fromkeys(names) if n in wanted]


def _stub(indent: str, names: list[str]) -> list[str]:
    line = indent + STUB + (f"; the auto-check uses {', '.join(names)}" if names else "")
    # inside a function, make a call fail clearly instead of returning None
    return [line, indent + "raise NotImplementedError"] if indent else [line]


def stub_code(source: str, checks: set[str] = frozenset()) -> str:
    """The student's version of a solution code cell (see the module docstring). At the top level the stub names the
    variables the solution must define for the auto-checks (``checks``: the names they use but do not define)."""
    lines = source.splitlines()
    if not any(line.strip() == BEGIN for line in lines):
        title = lines[:1] if lines and lines[0].startswith("# ") else []  # the opening comment says what it is for
        return "\n".join(title + _stub("", _assigned(source, checks)))
    out, region, indent = [], None, ""  # region: the solution lines being dropped (None outside a solution)
    for line in lines:
        if line.strip() == BEGIN:
            indent, region = line[: len(line) - len(line.lstrip())], []
        elif line.strip() == END:
            out += _stub(indent, [] if indent else _assigned("\n".join(region), checks))
            region = None
        elif region is not None:
            region.append(line)
        else:
            out.append(line)
    if region is not None:
        raise ValueError(f"{BEGIN!r} without {END!r} in:\n{source}")
    return "\n".join(out)


def setup_for_release(source: str) -> str:
    """The setup cell with the install line pinned to the release tag instead of the branch."""
    branch_line = f"git+{REPO_URL}@{BRANCH}\""
    if branch_line not in source:
        raise ValueError(f"the setup cell must install physgnn with {branch_line!r}; got:\n{source}")
    return source.replace(branch_line, f"git+{REPO_URL}@{release_tag()}\"")


def make_student(nb, name: str):
    """The student copy of a course notebook ``name`` (its file name in book/course/): solutions stripped, outputs
    cleared, MyST as plain Markdown, the setup cell and the Colab link on the release tag."""
    nb = copy.deepcopy(nb)
    check_cells = [c.source for c in nb.cells if "check" in tags(c)]
    checks = set().union(*(_names(c, ast.Load) - _names(c, ast.Store) for c in check_cells))
    first_code = True
    for i, cell in enumerate(nb.cells):
        cell_tags = tags(cell)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if first_code:
                cell.source, first_code = setup_for_release(cell.source), False
        if "solution" in cell_tags:
            cell.source = stub_code(cell.source, checks) if cell.cell_type == "code" else ANSWER_BOX
            cell.metadata.pop("mystnb", None)
            cell_tags = [t for t in cell_tags if t not in SITE_ONLY_TAGS] + ["exercise"]
        elif cell.cell_type == "markdown":
            cell.source = plain_markdown(cell.source, base="book/course")
        if cell_tags:
            cell.metadata["tags"] = cell_tags
        else:
            cell.metadata.pop("tags", None)
        if i == 0 and cell.cell_type == "markdown":
            lines = [ln for ln in cell.source.splitlines() if "colab-badge.svg" not in ln]
            badge = BADGE.format(url=colab_url(f"book/course/{name}", release_tag()))
            rest = "\n".join(lines[1:]).strip()
            cell.source = "\n\n".join([lines[0], badge, banner(), rest])
    # the site shows the page without running it: its checks fail until the cells are filled in
    nb.metadata["mystnb"] = {"execution_mode": "off"}
    return nb


# ---------------------------------------------------------------------------------------------------------------
# The outputs
# ---------------------------------------------------------------------------------------------------------------
def site_pages(out: Path = COURSE) -> list[Path]:
    """Write the student version of every graded problem set to ``out`` (the site's pages); return the paths."""
    written = []
    for src in graded_sources():
        nbformat.write(make_student(nbformat.read(src, as_version=4), src.name), out / src.name)
        written.append(out / src.name)
    return written


STUDENT_README = """# {title}: student pack (physgnn {version})

| notebook | what it is |
|---|---|
{rows}

Before the first lecture, take the self-test of the prerequisites: {site}book/course/self_test.html.

Open a notebook in Jupyter (`make lab` in a copy of the repository) or on Colab (the link in its first cell). The first
code cell installs physgnn {version} (release tag `{tag}`) when it is missing, so the checks run against the version the
material was built with. Fill in the cells marked *your solution here* and run the auto-check after each one. Submit
as the assessment page of the course says.
"""

INSTRUCTOR_README = """# {title}: instructor pack (physgnn {version})

Keep this folder private: it holds the worked solutions.

| file | what it is |
|---|---|
{rows}
| `keys.md` | model answers and rubric notes for every part graded by hand (derivations, explanations, Problem 3.6) |

The notebooks are the sources in `book/course/instructor/`, with their worked solutions and auto-checks; they run
top to bottom without error (tests/test_course.py checks it). The student versions in the student pack are made from
them by `make course`.
"""


def student_pack(out: Path) -> list[Path]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    written = []
    for page in site_pages():
        shutil.copy2(page, out / page.name)
        written.append(out / page.name)
    rows = "\n".join(f"| `{p.name}` | {_title(p)} |" for p in graded_sources())
    (out / "README.md").write_text(STUDENT_README.format(title="Forces on Graphs", version=version(),
                                                         tag=release_tag(), rows=rows, site=SITE_URL), encoding="utf-8")
    return written + [out / "README.md"]


def instructor_pack(out: Path) -> list[Path]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    written = []
    for src in graded_sources():
        shutil.copy2(src, out / src.name)
        written.append(out / src.name)
    shutil.copy2(INSTRUCTOR / "keys.md", out / "keys.md")
    rows = "\n".join(f"| `{p.name}` | {_title(p)}, with worked solutions |" for p in graded_sources())
    (out / "README.md").write_text(INSTRUCTOR_README.format(title="Forces on Graphs", version=version(), rows=rows),
                                   encoding="utf-8")
    return written + [out / "keys.md", out / "README.md"]


def build(out: Path = PACKS) -> list[Path]:
    """``make course``: the site's student pages, the student pack and the instructor pack."""
    return student_pack(out / "student") + instructor_pack(out / "instructor")


def _title(path: Path) -> str:
    first = nbformat.read(path, as_version=4).cells[0].source.strip().splitlines()[0]
    return first.lstrip("# ").strip()


def relative(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
