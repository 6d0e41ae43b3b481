"""Student notebooks, the public pages of the graded problem sets, and the two packs that ``make course`` builds.

    python scripts/course.py student   [--out _build/course] [--ref REF]         # make course
    python scripts/course.py instructor-pack PRIVATE [--ref REF]             # make instructor-pack PRIVATE=folder

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
* ``_build/course/student/``: the student pack: the student notebooks and a README (the self-test stays on the site).
* ``_build/course/instructor/``: the instructor pack: the source notebooks with solutions, ``keys.md`` (model answers
  and rubric notes for the work graded by hand) and a README.
* ``make instructor-pack PRIVATE=folder``: both packs and the Otter-Grader autograders in a folder outside this public
  repository (refused inside it), made a git repository, with a README on keeping it private.

The student version of a notebook
---------------------------------
A cell tagged ``solution`` becomes an exercise cell (tagged ``exercise``):

* a code cell keeps everything outside nbgrader-style ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers (so a
  function's signature and docstring survive) and gets ``# your solution here`` between them, plus
  ``raise NotImplementedError`` when the markers sit inside a function; without markers the whole cell is replaced
  (its opening comment line is kept). At the top level the stub names the variables the auto-checks expect;
* a Markdown cell becomes an empty answer box.

Cells tagged ``check`` and all other cells are kept, outputs are cleared, MyST is turned into plain Markdown (Jupyter
and Colab render no MyST; ``{doc}`` links go to the published site, citations become author-year), and the setup cell
and the Colab link use one git ref:

* the site's pages use the branch the site is built from (``repository.branch`` in _config.yml, the branch the Pages
  workflow deploys), so the page, its Colab copy and the physgnn it installs are the ones the site shows;
* the packs use :func:`paths.pack_ref`: the release tag ``v<RELEASE>`` when it points at the checked-out commit, else
  that commit's hash, so a course keeps the physgnn its material was built with while the site moves on.

The setup cell's ``BOOK_RELEASE`` must be physgnn's ``RELEASE`` (physgnn/_version.py); a mismatch is an error.
"""

from __future__ import annotations

import ast
import copy
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import nbformat

from myst import plain_markdown
from paths import BRANCH, COURSE, INSTRUCTOR, PACKS, REPO, REPO_URL, SITE_URL, colab_url, pack_ref, version

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


def setup_for_ref(source: str, ref: str = BRANCH) -> str:
    """The setup cell with its install lines on the git ``ref`` instead of the branch; checks that the cell's
    ``BOOK_RELEASE`` is physgnn's release."""
    branch_line = f"git+{REPO_URL}@{BRANCH}\""
    if branch_line not in source:
        raise ValueError(f"the setup cell must install physgnn with {branch_line!r}; got:\n{source}")
    release = re.search(r'^BOOK_RELEASE = "([^"]+)"', source, re.M)
    if not release or release.group(1) != version():
        found = release.group(1) if release else "no BOOK_RELEASE line"
        raise ValueError(f"the setup cell's BOOK_RELEASE must be physgnn's release {version()!r} (physgnn/_version.py), "
                         f"got {found!r}: update the setup cell of every course notebook")
    return source.replace(branch_line, f"git+{REPO_URL}@{ref}\"")


def make_student(nb, name: str, ref: str = BRANCH):
    """The student copy of a course notebook ``name`` (its file name in book/course/): solutions stripped, outputs
    cleared, MyST as plain Markdown, the setup cell and the Colab link on the git ``ref`` (the site's branch for the
    site's pages, :func:`paths.pack_ref` for the packs)."""
    nb = copy.deepcopy(nb)
    check_cells = [c.source for c in nb.cells if "check" in tags(c)]
    checks = set().union(*(_names(c, ast.Load) - _names(c, ast.Store) for c in check_cells))
    first_code = True
    for i, cell in enumerate(nb.cells):
        cell_tags = tags(cell)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if first_code:
                cell.source, first_code = setup_for_ref(cell.source, ref), False
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
            # the site's page at the branch installs that branch; a pack's notebook is uploaded as it is, so that its
            # first cell, not the public page, decides which physgnn is installed
            badge = (BADGE.format(url=colab_url(f"book/course/{name}", ref)) if ref == BRANCH else
                     f"*On Colab:* File → Upload notebook; the first code cell installs physgnn from git ref `{ref}`.")
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

Open a notebook in Jupyter or on Colab (the link in its first cell). The first code cell installs physgnn {version}
from git ref `{ref}` of {repo} when it is missing, so the checks run against the physgnn this material was built with.
Fill in the cells marked *your solution here* and run the auto-check after each one. Submit as the assessment page of
the course says.
"""

INSTRUCTOR_README = """# {title}: instructor pack (physgnn {version}, git ref `{ref}`)

Keep this folder private: it holds the worked solutions.

| file | what it is |
|---|---|
{rows}
| `keys.md` | model answers and rubric notes for every part graded by hand (derivations, explanations, Problem 3.6) |

The notebooks are the sources in `book/course/instructor/` of {repo} at `{ref}`, with their worked solutions and
auto-checks; their setup cells install physgnn from that ref, as the student versions do.
"""

PRIVATE_README = """# {title}: private course folder (physgnn {version}, git ref `{ref}`)

Made by `make instructor-pack PRIVATE=...` from {repo} at `{ref}`. Keep this folder in a **private** repository (a
private repository on your git host, shared with your teaching assistants only): it holds worked solutions and keys.

| folder | what it is | who sees it |
|---|---|---|
| `student/` | the problem sets without solutions, and a README | hand out through your learning platform |
| `instructor/` | the same notebooks with worked solutions, and `keys.md` for the parts graded by hand | teaching staff |
| `autograder/` | one Otter-Grader `autograder-<set>.zip` per problem set | teaching staff |

Every notebook installs physgnn from `{ref}`, which exists in the public repository once that commit (or tag) is
pushed there: the student notebooks and the checks stay on the physgnn they were built with while the book moves on.
To grade a folder of submissions, run `make grade SUBMISSIONS=folder` in a checkout of {repo} at `{ref}`. To update the
course to a later version of the book, check that version out and run `make instructor-pack PRIVATE=<this folder>`
again; git shows what changed.
"""


def student_pack(out: Path, ref: str) -> list[Path]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    written = []
    for src in graded_sources():
        nbformat.write(make_student(nbformat.read(src, as_version=4), src.name, ref), out / src.name)
        written.append(out / src.name)
    rows = "\n".join(f"| `{p.name}` | {_title(p)} |" for p in graded_sources())
    (out / "README.md").write_text(STUDENT_README.format(title="Forces on Graphs", version=version(), ref=ref, rows=rows,
                                                         site=SITE_URL, repo=REPO_URL), encoding="utf-8")
    return written + [out / "README.md"]


def instructor_pack(out: Path, ref: str) -> list[Path]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    written = []
    for src in graded_sources():
        nb = nbformat.read(src, as_version=4)
        setup = next(c for c in nb.cells if c.cell_type == "code")
        setup.source = setup_for_ref(setup.source, ref)
        nbformat.write(nb, out / src.name)
        written.append(out / src.name)
    shutil.copy2(INSTRUCTOR / "keys.md", out / "keys.md")
    rows = "\n".join(f"| `{p.name}` | {_title(p)}, with worked solutions |" for p in graded_sources())
    (out / "README.md").write_text(INSTRUCTOR_README.format(title="Forces on Graphs", version=version(), ref=ref,
                                                            rows=rows, repo=REPO_URL), encoding="utf-8")
    return written + [out / "keys.md", out / "README.md"]


def build(out: Path = PACKS, ref: str | None = None) -> list[Path]:
    """``make course``: the site's student pages, the student pack and the instructor pack (setup cells on ``ref``,
    by default :func:`paths.pack_ref`)."""
    ref = ref or pack_ref()
    return site_pages() + student_pack(out / "student", ref) + instructor_pack(out / "instructor", ref)


def private_folder(dest: Path, ref: str | None = None) -> list[Path]:
    """``make instructor-pack PRIVATE=dest``: the student pack, the instructor pack and the autograders in ``dest``, a
    folder outside this (public) repository, made a git repository if it is not one yet."""
    from grade import export  # grade imports this module

    dest = Path(dest).expanduser().resolve()
    if dest == REPO or REPO in dest.parents:
        raise ValueError(f"instructor-pack: PRIVATE={dest} is inside the public repository {REPO}, where the solutions "
                         "would be committed and published; give a folder outside it, e.g. PRIVATE=../my-course-private")
    if dest.exists() and not dest.is_dir():
        raise ValueError(f"instructor-pack: PRIVATE={dest} is a file; give a folder")
    ref = ref or pack_ref()
    dest.mkdir(parents=True, exist_ok=True)
    written = student_pack(dest / "student", ref) + instructor_pack(dest / "instructor", ref)
    shutil.rmtree(dest / "autograder", ignore_errors=True)
    written += export(dest / "autograder")
    (dest / "README.md").write_text(PRIVATE_README.format(title="Forces on Graphs", version=version(), ref=ref,
                                                          repo=REPO_URL), encoding="utf-8")
    written.append(dest / "README.md")
    if not (dest / ".git").exists():
        subprocess.run(["git", "init", "-q", str(dest)], check=True)
    return written


def _title(path: Path) -> str:
    first = nbformat.read(path, as_version=4).cells[0].source.strip().splitlines()[0]
    return first.lstrip("# ").strip()


def relative(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
