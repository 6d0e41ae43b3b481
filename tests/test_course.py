"""The teaching layer (book/course/ and scripts/course/).

* The course notebooks (the self-test and the instructor sources of the graded sets in book/course/instructor/) keep
  their conventions: no outputs, a Colab badge, the chapters' setup cell, worked solutions, auto-checks that assert.
* Student notebooks: ``course.py student`` strips every solution, and a student notebook runs up to its auto-checks.
  The only cells allowed to fail are auto-checks (tag ``check``), with AssertionError, NameError or
  NotImplementedError, and every one of them does fail: no check passes without the student's work. The site's pages
  of the graded sets (book/course/ps*.ipynb) are these student versions, up to date with their sources.
* The student pack holds no solution; the instructor pack holds them all; the public pages give no model answer away.
* Instructor notebooks (the sources, with solutions) run without any error.
* Slides: ``course.py slides`` writes one reveal.js deck per lecture, and the cell-selection rules (tags, slideshow
  metadata, the default rule for untagged chapters) do what scripts/course.py documents.

Notebooks run in fast mode, two kernels at a time (one thread each); the whole file took about 70 s on two cores
shared with other jobs. The instructor notebooks also run under nbval in ``make notebooks``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import re
from html import unescape
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "book" / "course"
INSTRUCTOR = COURSE / "instructor"
GRADED = sorted(INSTRUCTOR.glob("ps*.ipynb"))
SOURCES = [COURSE / "self_test.ipynb"] + GRADED
CONFIG = yaml.safe_load((REPO / "_config.yml").read_text())
REPO_URL, BRANCH = CONFIG["repository"]["url"].rstrip("/"), CONFIG["repository"]["branch"]
ALLOWED_FAILURES = {"AssertionError", "NameError", "NotImplementedError"}
SETUP_LINES = ("try:", "import physgnn", "except ImportError:", f"git+{REPO_URL}@{BRANCH}", "seed_everything(0)",
               "FAST = fast_mode()")


sys.path.insert(0, str(REPO / "scripts" / "course"))
import myst  # noqa: E402
import slides as course  # noqa: E402
import student  # noqa: E402
import paths  # noqa: E402
from paths import pack_ref, version  # noqa: E402


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


# ---------------------------------------------------------------------------------------------------------------
# Conventions (no kernel)
# ---------------------------------------------------------------------------------------------------------------
def test_there_are_course_notebooks():
    assert len(GRADED) >= 3, "book/course/instructor holds the three graded problem sets"
    assert sorted(p.name for p in COURSE.glob("ps*.ipynb")) == [p.name for p in GRADED], "one site page per graded set"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_course_notebook_conventions(path):
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    first = cells[0].source
    assert first.startswith("# "), "the first cell is the title"
    badge = f"https://colab.research.google.com/github/{REPO_URL.split('github.com/')[1]}/blob/{BRANCH}/book/course/{path.name}"
    assert badge in first, f"the Colab badge must point at {badge}"
    assert "Learning objectives" in first and "Prerequisites" in first
    code = [c for c in cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "save course notebooks without outputs"
    assert all(line in code[0].source for line in SETUP_LINES), "the first code cell is the chapters' setup cell"
    solutions = [c for c in cells if "solution" in tags(c)]
    checks = [c for c in cells if "check" in tags(c)]
    assert solutions and checks, "a course notebook has worked solutions and auto-checks"
    for c in checks:
        assert c.cell_type == "code" and re.search(r"^\s*assert\b", c.source, re.M), "an auto-check asserts"
    for c in solutions:
        if c.cell_type == "code":
            assert "hide-cell" in tags(c), "a code solution is hidden behind a toggle on the site (tag hide-cell)"
            assert c.source.count(student.BEGIN) == c.source.count(student.END), "balanced solution markers"
        else:
            assert c.source.startswith(":::{admonition}") and ":class: dropdown" in c.source, \
                "a written solution is a dropdown admonition on the site"
    # every problem ("## Problem" or "## Exercise" section) has a solution and an auto-check
    section, seen = None, {}
    for c in cells:
        if c.cell_type == "markdown" and re.match(r"## (Problem|Exercise) ", c.source):
            section = c.source.splitlines()[0]
            seen[section] = set()
        elif section:
            seen[section] |= {t for t in tags(c) if t in ("solution", "check")}
    assert seen and all(kinds >= {"solution"} for kinds in seen.values()), f"problems without a solution: {seen}"
    assert sum("check" in kinds for kinds in seen.values()) >= len(seen) - 1, "at most one problem is graded by hand"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_student_version_strips_every_solution(path):
    source = nbformat.read(path, as_version=4)
    stu_nb = student.make_student(source, path.name)
    assert len(stu_nb.cells) == len(source.cells)
    first = stu_nb.cells[0].source
    assert student.banner() in first
    assert f"blob/{BRANCH}/book/course/{path.name}" in first, "the Colab link opens the site's page on its branch"
    setup = next(c.source for c in stu_nb.cells if c.cell_type == "code")
    assert f"git+{REPO_URL}@{BRANCH}\"" in setup, "the site's page installs the branch the site is built from"
    for i, (src, stu) in enumerate(zip(source.cells, stu_nb.cells)):
        if "solution" in tags(src):
            assert "exercise" in tags(stu) and "solution" not in tags(stu) and "hide-cell" not in tags(stu)
            assert student.BEGIN not in stu.source and "Worked solution" not in stu.source
            # everything between the markers, or the whole cell but its opening comment
            hidden = src.source.split(student.BEGIN)[1:] if student.BEGIN in src.source else [src.source.split("\n", 1)[-1]]
            for part in hidden:
                body = part.split(student.END)[0]
                for line in body.splitlines():
                    if len(line.strip()) > 25:  # no line of the worked solution survives
                        assert line.strip() not in stu.source, f"solution line leaked: {line.strip()!r}"
        elif src.cell_type == "markdown":
            for raw in ("{doc}", "{cite}", "{eq}", "{term}", ":::{", "```{"):
                assert raw not in stu.source, f"cell {i}: MyST markup {raw!r} left for Jupyter and Colab"
        elif i > 0 and stu.source != setup:
            assert stu.source == src.source, "code cells other than solutions and the setup cell are kept as they are"
    markdown = "\n".join(c.source for c in stu_nb.cells if c.cell_type == "markdown")
    for where in ("course site", "worked solution", "instructor") if path in GRADED else ():  # the self-test is self-study
        assert where not in markdown.lower(), f"the student version speaks of {where!r}"
    assert nbformat.validate(stu_nb) is None


@pytest.mark.parametrize("path", GRADED, ids=lambda p: p.name)
def test_site_pages_are_the_student_versions(path):
    """book/course/ps*.ipynb is what the site shows and Colab opens: the current student version, not executed."""
    page = nbformat.read(COURSE / path.name, as_version=4)
    expected = student.make_student(nbformat.read(path, as_version=4), path.name)
    assert page == expected, f"book/course/{path.name} is out of date: run `make course`"
    assert page.metadata["mystnb"]["execution_mode"] == "off"


def test_packs(tmp_path):
    """make course: the student pack holds no solution and says nothing of where solutions are; the instructor pack
    holds the worked solutions and the keys; the public pages give away no model answer."""
    written = student.build(tmp_path, ref="0123abc")
    assert all(p.is_file() for p in written)
    stu_dir, ins_dir = tmp_path / "student", tmp_path / "instructor"
    assert sorted(p.name for p in stu_dir.glob("*.ipynb")) == [p.name for p in GRADED]
    for path in stu_dir.iterdir():
        text = path.read_text()
        assert student.BEGIN not in text and "Worked solution" not in text and "solution\"" not in text, path.name
        assert "instructor" not in text.lower() and "course site" not in text.lower(), path.name
    readme = (stu_dir / "README.md").read_text()
    assert f"physgnn {version()}" in readme and "`0123abc`" in readme, "the pack says which physgnn it was built with"
    for path in GRADED:
        source, packed = nbformat.read(path, as_version=4), nbformat.read(ins_dir / path.name, as_version=4)
        for i, (a, b) in enumerate(zip(source.cells, packed.cells, strict=True)):
            expected = student.setup_for_ref(a.source, "0123abc") if i == _setup_index(source) else a.source
            assert b.source == expected, f"the instructor pack holds the source of {path.name} (cell {i})"
        for nb in (packed, nbformat.read(stu_dir / path.name, as_version=4)):
            setup = nb.cells[_setup_index(nb)].source
            assert f"git+{REPO_URL}@0123abc\"" in setup and f"@{BRANCH}\"" not in setup, "packs install the pack's ref"
        first = nbformat.read(stu_dir / path.name, as_version=4).cells[0].source
        assert "colab.research.google.com/github" not in first and "`0123abc`" in first, \
            "a pack's notebook is uploaded to Colab as it is, not opened from the public page"
    keys = (ins_dir / "keys.md").read_text()
    public = (COURSE / "assessment.md").read_text() + (COURSE / "instructor-guide.md").read_text()
    for answer in ("48 % of the labelled nodes", "1/37 \\approx 2.7", "maximiser $x^\\ast", "Texas's labelled nodes on Cornell"):
        assert answer in keys, f"keys.md lacks {answer!r}"
        assert answer not in public, f"a public page gives away {answer!r}"


def _setup_index(nb) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")


# ---------------------------------------------------------------------------------------------------------------
# Every outcome has a graded item
# ---------------------------------------------------------------------------------------------------------------
def _table_rows(text: str, heading: str) -> list[list[str]]:
    """The body rows of the first Markdown table after ``heading``, as lists of stripped cells."""
    after = text.split(heading, 1)[1]
    rows = []
    for line in after.splitlines():
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif rows:
            break
    return [r for r in rows[2:]]                      # drop the header and the |---| line


def _problems() -> dict[str, str]:
    """{"1.8": its heading} for every problem of the graded sets."""
    out = {}
    for path in GRADED:
        for cell in nbformat.read(path, as_version=4).cells:
            m = re.match(r"## Problem (\d+\.\d+)", cell.source)
            if m:
                out[m.group(1)] = cell.source.splitlines()[0]
    return out


def outcome_gaps(syllabus: str, guide: str) -> list[str]:
    """What keeps the outcome table from being complete: outcomes of the syllabus missing from the guide's table (or the
    other way round), outcomes with no graded problem, problems that do not exist or that the syllabus does not name
    for that outcome, and project-only outcomes without a real project topic."""
    gaps, problems = [], _problems()
    stated = {}
    for lecture in (1, 2, 3, 4):
        heading = next(h for h in re.findall(r"^### Lecture \d.*$", syllabus, re.M) if h.startswith(f"### Lecture {lecture}"))
        for row in _table_rows(syllabus, heading):
            stated[(str(lecture), row[0])] = row[2]
    mapped = {(row[0], row[1]): row[2] for row in _table_rows(guide, "## Outcomes and the graded work that assesses them")}
    gaps += [f"not in the guide's table: lecture {k[0]}, {k[1]!r}" for k in stated.keys() - mapped.keys()]
    gaps += [f"not an outcome of the syllabus: lecture {k[0]}, {k[1]!r}" for k in mapped.keys() - stated.keys()]
    for key, item in mapped.items():
        named = re.findall(r"\b(\d\.\d)\b", item)
        if not re.match(r"problems? \d\.\d", item) or not named:
            gaps.append(f"no graded problem for {key[1]!r}: {item!r}")
        for number in named:
            if number not in problems:
                gaps.append(f"{key[1]!r}: problem {number} does not exist")
            elif key in stated and number not in stated[key]:
                gaps.append(f"{key[1]!r}: the syllabus does not name problem {number} for it")
    topics = set(re.findall(r"^\*\*([A-Z])\. ", (COURSE / "project.md").read_text(), re.M))
    for row in _table_rows(syllabus, "### Going further, in the project"):
        topic = re.fullmatch(r"project topic ([A-Z])", row[2])
        if not topic or topic.group(1) not in topics:
            gaps.append(f"going further: {row[0]!r} names no project topic: {row[2]!r}")
    return gaps


def test_every_outcome_maps_to_a_graded_item():
    syllabus, guide = (COURSE / "syllabus.md").read_text(), (COURSE / "instructor-guide.md").read_text()
    assert outcome_gaps(syllabus, guide) == []
    assert len(_table_rows(guide, "## Outcomes and the graded work that assesses them")) >= 19
    # an outcome added to the syllabus without a graded item, or mapped to the self-test alone, is caught
    extra = "| compute the adjusted homophily | Chapter 1, §1.5 | {doc}`self-test <self_test>` 5 |"
    lecture_1 = _table_rows(syllabus, "### Lecture 1")[-1]
    last = "| " + " | ".join(lecture_1) + " |"
    assert last in syllabus
    gaps = outcome_gaps(syllabus.replace(last, last + "\n" + extra), guide)
    assert gaps == ["not in the guide's table: lecture 1, 'compute the adjusted homophily'"]
    row = "| 1 | compute the adjusted homophily | self-test 5 | the self-test's check |"
    gaps = outcome_gaps(syllabus.replace(last, last + "\n" + extra), guide.replace("| 1 | store", row + "\n| 1 | store", 1))
    assert gaps == ["no graded problem for 'compute the adjusted homophily': 'self-test 5'"]
    assert outcome_gaps(syllabus, guide.replace("| problem 1.8 |", "| problem 1.9 |", 1)) == [
        "'compute edge, node and class-insensitive homophily, and read a homophily value against its chance level as "
        "the benchmark table does': problem 1.9 does not exist"]


# ---------------------------------------------------------------------------------------------------------------
# Which physgnn the setup cells install
# ---------------------------------------------------------------------------------------------------------------
def test_setup_cells_match_what_the_build_produces():
    """The site's pages install the branch that the Pages workflow deploys (so page, Colab copy and package agree), and
    every setup cell's BOOK_RELEASE is physgnn's RELEASE (what the built pages print as physgnn's version)."""
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "pages.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))              # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == [BRANCH], "the site deploys from _config.yml's repository.branch"
    release = re.search(r'^RELEASE = "([^"]+)"', (REPO / "physgnn" / "_version.py").read_text(), re.M).group(1)
    for path in SOURCES + [COURSE / p.name for p in GRADED]:
        nb = nbformat.read(path, as_version=4)
        setup = nb.cells[_setup_index(nb)].source
        assert f'BOOK_RELEASE = "{release}"' in setup, f"{path.name}: BOOK_RELEASE is not physgnn's release {release}"
        assert f"git+{REPO_URL}@{BRANCH}\"" in setup, f"{path.name}: the site's pages install {BRANCH}"
        assert "@v" not in setup, f"{path.name}: no tag is assumed to exist"
    wrong = nbformat.read(GRADED[0], as_version=4)
    wrong.cells[_setup_index(wrong)].source = wrong.cells[_setup_index(wrong)].source.replace(release, "9.9.9")
    with pytest.raises(ValueError, match="BOOK_RELEASE"):
        student.make_student(wrong, GRADED[0].name)


def _git(repo, *args):
    import subprocess
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def test_pack_ref_is_the_tag_at_head_or_the_commit(tmp_path):
    """pack_ref in a throwaway repository: the commit's hash; the tag v<RELEASE> once it points at HEAD; the hash again
    after a new commit; an error when physgnn/ has uncommitted changes or there is no repository."""
    repo = tmp_path / "clone"
    (repo / "physgnn").mkdir(parents=True)
    (repo / "physgnn" / "_version.py").write_text('RELEASE = "0.3.0"\n')
    _git(tmp_path, "init", "-q", str(repo))
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one")
    first = _git(repo, "rev-parse", "HEAD")
    assert paths.pack_ref(repo) == first and len(first) == 40
    _git(repo, "tag", "v0.2.0")                                     # another release's tag is not ours
    assert paths.pack_ref(repo) == first
    _git(repo, "tag", "v0.3.0")
    assert paths.pack_ref(repo) == "v0.3.0"
    (repo / "physgnn" / "x.py").write_text("")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "two")
    assert paths.pack_ref(repo) == _git(repo, "rev-parse", "HEAD") != first
    (repo / "physgnn" / "x.py").write_text("changed = True\n")
    with pytest.raises(ValueError, match="uncommitted"):
        paths.pack_ref(repo)
    with pytest.raises(ValueError, match="not a git checkout"):
        paths.pack_ref(tmp_path / "nowhere")


# ---------------------------------------------------------------------------------------------------------------
# Solutions stay private
# ---------------------------------------------------------------------------------------------------------------
def _solution_lines() -> set[str]:
    """Every substantial line of a worked solution of a graded set (code between the markers or the whole cell, and
    the written solutions), and of keys.md; a line that a statement or a check also holds is public anyway."""
    lines, public = set(), set()
    for path in GRADED:
        for cell in nbformat.read(path, as_version=4).cells:
            if "solution" not in tags(cell):
                public |= {ln.strip() for ln in cell.source.splitlines()}
                continue
            if cell.cell_type == "code" and student.BEGIN in cell.source:
                parts = [p.split(student.END)[0] for p in cell.source.split(student.BEGIN)[1:]]
            else:
                parts = [cell.source.split("\n", 1)[-1]]
            lines |= {ln.strip() for part in parts for ln in part.splitlines()}
    keys = (INSTRUCTOR / "keys.md").read_text()
    lines |= {ln.strip() for ln in keys.splitlines() if not ln.startswith("#")}
    return {ln for ln in lines - public if len(ln) > 30}


def test_no_solution_reaches_the_public_site():
    """The site builds only its table of contents, which holds no instructor file, and excludes the instructor folder;
    no line of a worked solution or of keys.md is on a page the site builds from book/course/ (the self-test is
    self-study, with its solutions on the page by design)."""
    assert CONFIG.get("only_build_toc_files") is True
    assert "book/course/instructor" in CONFIG["exclude_patterns"]
    toc = (REPO / "_toc.yml").read_text()
    assert "instructor/" not in toc and "keys" not in toc
    secret = _solution_lines()
    assert len(secret) > 100, f"only {len(secret)} solution lines found: the collection is broken"
    pages = [p for p in COURSE.iterdir() if p.suffix in (".md", ".ipynb") and p.stem != "self_test"]
    assert {p.name for p in pages} >= {"assessment.md", "instructor-guide.md", "syllabus.md", "ps1_diffusion.ipynb"}
    for page in pages:
        text = page.read_text() if page.suffix == ".md" else "\n".join(
            c.source for c in nbformat.read(page, as_version=4).cells)
        assert not _leaks(text, secret), f"{page.name} carries solution text: {_leaks(text, secret)[:3]}"
    # and the scan does catch a worked line on a page
    planted = next(ln for ln in sorted(secret) if "return" in ln)
    assert _leaks((COURSE / "assessment.md").read_text() + "\n" + planted, secret) == [planted]


def _leaks(text: str, secret: set[str]) -> list[str]:
    return sorted(ln for ln in secret if ln in text)


def test_private_folder_is_outside_the_public_repository(tmp_path):
    with pytest.raises(ValueError, match="inside the public repository"):
        student.private_folder(REPO / "private-course", ref="0123abc")
    written = student.private_folder(tmp_path / "course-private", ref="0123abc")
    root = tmp_path / "course-private"
    assert (root / ".git").is_dir() and all(p.is_file() for p in written)
    assert sorted(p.name for p in (root / "autograder").glob("autograder-*.zip")) == \
        [f"autograder-{p.stem}.zip" for p in GRADED]
    assert "private" in (root / "README.md").read_text() and (root / "instructor" / "keys.md").is_file()
    student_text = "\n".join(p.read_text() for p in (root / "student").iterdir())
    assert not [ln for ln in _solution_lines() if ln in student_text], "the student pack holds no solution"


# ---------------------------------------------------------------------------------------------------------------
# Running the notebooks: instructor and student versions, two kernels at a time
# ---------------------------------------------------------------------------------------------------------------
async def _execute_all(notebooks, env, limit=2):
    gate = asyncio.Semaphore(limit)

    async def run(nb):
        async with gate:
            client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                                    resources={"metadata": {"path": str(INSTRUCTOR)}})
            await client.async_execute(env=env)

    await asyncio.gather(*(run(nb) for nb in notebooks))


@pytest.fixture(scope="module")
def executed(tmp_path_factory, mirror):
    """{name: (instructor notebook, student notebook)}, both executed in fast mode (kernels in book/course/instructor,
    next to the sources; the student notebooks find physgnn installed, so their setup cells install nothing)."""
    env = dict(os.environ, PHYSGNN_FAST="1", PHYSGNN_OFFLINE="1", OMP_NUM_THREADS="1",
               PHYSGNN_DATA_MIRROR=str(mirror), MPLBACKEND="Agg")
    pairs = {p.name: (nbformat.read(p, as_version=4), student.make_student(nbformat.read(p, as_version=4), p.name))
             for p in SOURCES}
    asyncio.run(_execute_all([nb for pair in pairs.values() for nb in pair], env))
    return pairs


def _errors(cell):
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


@pytest.mark.parametrize("name", [p.name for p in SOURCES])
def test_instructor_notebook_runs_fully(executed, name):
    instructor, _ = executed[name]
    failed = [(i, e.ename, e.evalue[:200]) for i, c in enumerate(instructor.cells) for e in _errors(c)]
    assert not failed, f"{name}: cells failed in the instructor version: {failed}"


@pytest.mark.parametrize("name", [p.name for p in SOURCES])
def test_student_notebook_runs_up_to_the_checks(executed, name):
    _, student = executed[name]
    code = [(i, c) for i, c in enumerate(student.cells) if c.cell_type == "code"]
    assert all(c.execution_count is not None for _, c in code), "every cell of the student notebook was run"
    for i, c in code:
        errors = _errors(c)
        if "check" in tags(c):
            assert errors, f"{name}, cell {i}: an auto-check passes without the student's solution"
            assert errors[0].ename in ALLOWED_FAILURES, f"{name}, cell {i}: unexpected {errors[0].ename}: {errors[0].evalue}"
        else:
            assert not errors, f"{name}, cell {i} ({tags(c) or 'untagged'}) fails in the student version: " \
                               f"{errors[0].ename}: {errors[0].evalue}"


# ---------------------------------------------------------------------------------------------------------------
# Slides
# ---------------------------------------------------------------------------------------------------------------
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def _sections(html: str) -> int:
    return html.count("<section")


def test_slides_for_every_lecture(tmp_path):
    decks = course.slides(out=tmp_path, execute="never", reveal="cdn")
    assert [d.name for d in decks] == [f"lecture-{n}.slides.html" for n in course.LECTURES]
    for n, deck in zip(course.LECTURES, decks):
        html = unescape(deck.read_text())
        assert "Reveal.initialize" in html and _sections(html) > 5, f"lecture {n}: {_sections(html)} sections"
        for prefix in course.LECTURES[n][1]:
            path = course.chapter_path(prefix)
            if path is None:
                assert f"Chapter {int(prefix)}" in html and "not in the book yet" in html
            else:
                assert course._chapter_title(path) in html, f"lecture {n} misses the title of {path.name}"
        for raw in ("{cite}", "{term}", "```{", ":::{"):
            assert raw not in html, f"lecture {n}: MyST markup {raw!r} left on a slide"


def test_slide_rules_on_a_small_notebook(tmp_path):
    """Tags override the default rule; the default rule keeps headings, figures, captions, definitions, equations,
    short notes and takeaways, and drops long prose, text output, exercises and the setup cell."""
    md, new_code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    long = " ".join(["lengthy"] * 130)
    figure = new_code("plt.plot()", metadata={"mystnb": {"image": {"alt": "ALT-TEXT of the figure"}}})
    figure.outputs = [nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})]
    shown = new_code("print('SHOWN-CODE')", metadata={"tags": ["slide"]})
    shown.outputs = [nbformat.v4.new_output("stream", name="stdout", text="SHOWN-OUTPUT\n")]
    table = new_code("display(Markdown(caption))")
    table.outputs = [nbformat.v4.new_output("display_data", data={
        "text/markdown": "| a |\n|---|\n| TABLE-CELL |\n\nTable 1.1. TABLE-CAPTION {cite}`kipf2017gcn`.",
        "text/plain": "<Markdown>"})]
    quiet = new_code("print('x')")
    quiet.outputs = [nbformat.v4.new_output("stream", name="stdout", text="QUIET-OUTPUT\n")]
    cells = [
        md("# Test chapter\n\n[![Open In Colab](x)](y)\n\nINTRO-PROSE " + long + "\n\n**Learning objectives**\n\n- OBJ-ONE\n\n"
           "**Prerequisites**\n\n- none"),
        new_code("import physgnn  # SETUP-CELL"),
        md("## 1.1 First section\n\n**The question.** QUESTION-LINE?\n\nLONG-PROSE " + long + "\n\n```{prf:definition} "
           "Thing\n:label: def-thing\n\nA {term}`thing <Thing>` is DEF-BODY.\n```\n\n$$\nx = EQUATION\n$$ (eq-label)\n"),
        figure,
        md("**Figure 1.1.** CAPTION-TEXT {cite}`kipf2017gcn`."),
        md("SKIPPED-PROSE " + long),
        md("A short KEEP-ME remark."),
        md("TAGGED-SKIP", metadata={"tags": ["skip"]}),
        md("SPEAKER-NOTE", metadata={"tags": ["notes"]}),
        md("METADATA-SKIP", metadata={"slideshow": {"slide_type": "skip"}}),
        shown,
        table,
        quiet,
        md("Check: CHECK-NOTE."),
        md("## Exercises\n\n```{exercise} One\n:label: ex-one\n\nEXERCISE-TEXT\n```"),
        md("EXERCISE-MORE"),
        md("## Key takeaways\n\n- TAKEAWAY " + long),
    ]
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    path = tmp_path / "99_test.ipynb"
    nbformat.write(nb, path)
    deck = course.build_deck([path], ["Chapter 99"], "Lecture X", "test", "AFTER-TEXT", tmp_path / "deck.html",
                             execute="never", reveal="cdn")
    html = deck.read_text()
    present = ["Test chapter", "OBJ-ONE", "QUESTION-LINE", "Definition (Thing).", "DEF-BODY", "x = EQUATION",
               'alt="ALT-TEXT of the figure"', "CAPTION-TEXT (Kipf and Welling, 2017)", "KEEP-ME", "SHOWN-CODE", "SHOWN-OUTPUT",
               "TAKEAWAY", "AFTER-TEXT", "TABLE-CELL", "TABLE-CAPTION (Kipf and Welling, 2017)"]
    absent = ["INTRO-PROSE", "SETUP-CELL", "LONG-PROSE", "SKIPPED-PROSE", "TAGGED-SKIP", "METADATA-SKIP", "QUIET-OUTPUT",
              "CHECK-NOTE", "EXERCISE-TEXT", "EXERCISE-MORE", "(eq-label)", "{term}", "{cite}", ":label:"]
    shown = re.sub(r'<aside class="notes">.*?</aside>', "", html, flags=re.S)       # what the room sees
    notes = "".join(re.findall(r'<aside class="notes">(.*?)</aside>', html, flags=re.S))
    assert not [p for p in present if p not in html], [p for p in present if p not in html]
    assert not [a for a in absent if a in shown], [a for a in absent if a in shown]
    for prose in ("LONG-PROSE", "SKIPPED-PROSE"):
        assert prose in notes, f"prose left off a slide goes to the speaker notes: {prose}"
    for raw in ("CHECK-NOTE", "EXERCISE-TEXT", "SETUP-CELL", "{cite}"):
        assert raw not in html, raw
    assert re.search(r'<aside class="notes">.*?SPEAKER-NOTE', html, re.S), "notes go to the speaker view"
    # title slide, chapter title, section 1.1 (+ the figure below it), the tagged code slide, takeaways, closing slide
    assert _sections(html) >= 7


def test_slides_split_headings_budget_words_and_drop_printed_above(tmp_path):
    """Two sections in one cell give two slides; no slide shows more than 60 words of prose (the rest is in the
    notes); a caption never points at printed output; equations carry their numbers."""
    md = nbformat.v4.new_markdown_cell
    words = " ".join(f"word{k}" for k in range(90))
    cells = [md("# Test chapter\n\n**Learning objectives**\n\n- one"),
             md("## 9.1 First\n\nFIRST-BODY short.\n\n## 9.2 Second\n\nSECOND-BODY " + words + "\n\n$$\nE = 1\n$$ (ch2-euler)"),
             md("**Figure 9.1.** The gap (printed above) is CAPTION-END.")]
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    path = tmp_path / "99_test.ipynb"
    nbformat.write(nb, path)
    deck = course.build_deck([path], ["Chapter 99"], "Lecture X", "test", "AFTER", tmp_path / "deck.html",
                             execute="never", reveal="cdn")
    html = deck.read_text()
    sections = re.findall(r"<section[^>]*>(.*?)</section>", html, flags=re.S)
    first = [s for s in sections if "9.1 First" in s]
    assert first and "9.2 Second" not in first[0], "every heading starts its own slide"
    for sec in sections:
        text = re.sub(r'<aside class="notes">.*?</aside>|<[^>]+>', " ", sec, flags=re.S)
        assert course._words(unescape(text)) <= course.WORDS + 12, f"a slide with {course._words(text)} words"
    notes = "".join(re.findall(r'<aside class="notes">(.*?)</aside>', html, flags=re.S))
    assert "word89" in notes, "the overflow goes to the speaker notes"
    assert "printed above" not in html and "CAPTION-END" in html
    assert "\\tag{" + myst.equation_numbers()["ch2-euler"] + "}" in html, "a labelled equation shows its number"


def test_slides_keep_objectives_and_takeaways_on_the_slide(tmp_path):
    """A long list of learning objectives, or of takeaways in the cell after their heading, shows the first sentence of
    each item on the slide (within the word budget) and the whole list in the notes, instead of an empty slide."""
    md = nbformat.v4.new_markdown_cell
    tail = " ".join(f"detail{k}" for k in range(30))
    objectives = "\n".join(f"- OBJ{k} comes first. {tail}" for k in range(4))
    takeaways = "\n".join(f"- TAKE{k} is the point; {tail}" for k in range(5))
    cells = [md("# Test chapter\n\n**Learning objectives**\n\n" + objectives), md("## Key takeaways"), md(takeaways)]
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    nbformat.write(nb, tmp_path / "98_test.ipynb")
    deck = course.build_deck([tmp_path / "98_test.ipynb"], ["Chapter 98"], "Lecture X", "test", "AFTER",
                             tmp_path / "deck.html", execute="never", reveal="cdn")
    sections = re.findall(r"<section[^>]*>(.*?)</section>", deck.read_text(), flags=re.S)
    for label, n in (("OBJ", 4), ("TAKE", 5)):
        slide = next(s for s in sections if f"{label}0" in re.sub(r'<aside class="notes">.*?</aside>', "", s, flags=re.S))
        shown = unescape(re.sub(r'<aside class="notes">.*?</aside>|<[^>]+>', " ", slide, flags=re.S))
        notes = "".join(re.findall(r'<aside class="notes">(.*?)</aside>', slide, flags=re.S))
        assert all(f"{label}{k}" in shown for k in range(n)), f"every {label} item has its head on the slide"
        assert "detail29" not in shown and "detail29" in notes, "the rest of each item is in the notes"
        assert course._words(shown) <= course.WORDS + 12


def test_slides_serve_reveal_locally(tmp_path):
    for f in course.VENDOR_FILES:  # stand-ins for the files course.vendor() fetches from npm
        (tmp_path / "vendor" / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "vendor" / f).write_text("/* stand-in */")
    (deck,) = course.slides(lectures=[1], out=tmp_path, execute="never", reveal="local")
    html = deck.read_text()
    assert 'src="vendor/reveal.js/dist/reveal.js"' in html and 'src="vendor/mathjax/tex-chtml-full.js"' in html
    remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html)
    assert not remote, f"an offline deck loads nothing from the web: {remote}"


def test_executing_a_chapter_keeps_its_figures(tmp_path, monkeypatch):
    """The Makefile exports MPLBACKEND=Agg, with which a kernel draws no figures; course.executed must not inherit it."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([0, 1])\nplt.show()")],
                                  metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    path = tmp_path / "98_figure.ipynb"
    nbformat.write(nb, path)
    ran = course.executed(path, "always", tmp_path / "cache")
    assert any("image/png" in o.get("data", {}) for o in ran.cells[0].outputs), "the figure is missing"
    assert os.environ["MPLBACKEND"] == "Agg", "the environment is restored"
    assert (tmp_path / "cache" / course.mode() / path.name).is_file(), "executed chapters are cached, one folder per mode"


def test_schedule_is_feasible():
    """In the two-week plan every graded deadline has its own day, and the text has no stale promises."""
    text = (COURSE / "schedule.md").read_text()
    table = text.split("## Two weeks")[1].split("\n## ")[0]
    rows = [r.split("|")[1:-1] for r in table.splitlines() if r.startswith("| W")]
    assert len(rows) >= 10
    dues = [(r[0].strip(), r[-1].strip()) for r in rows if r[-1].strip()]
    assert all(";" not in due and " and " not in due for _, due in dues), f"one deadline a day: {dues}"
    assert len({day for day, _ in dues}) == len(dues)
    pages = " ".join((COURSE / name).read_text() for name in ("schedule.md", "syllabus.md", "slides.md", "instructor-guide.md"))
    for stale in ("when available", "still being written", "appeared after these measurements", "does not exist yet"):
        assert stale not in pages, f"stale text: {stale!r}"
