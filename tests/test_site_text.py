"""Nothing internal or stale reaches the reader: the page sources (book pages, course pages, chapter notebooks'
markdown) and the package docstrings that the API page renders are checked for cross-references that cannot
resolve, MyST roles quoted as code (they render as raw text), bare labels shown as code, and strings about our own
machine or drafts. scripts/site_check.py runs the same text check on the built pages (``stale_text``)."""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from site_check import KNOWN as KNOWN_BY_PAGE, stale_text  # noqa: E402

PAGES = sorted((REPO / "book").glob("*.md")) + sorted((REPO / "book" / "course").glob("*.md"))
NOTEBOOKS = sorted((REPO / "chapters").glob("*.ipynb")) + sorted((REPO / "book" / "course").glob("*.ipynb"))
MODULES = sorted((REPO / "physgnn").rglob("*.py"))

# Strings other changes are still rewriting, allowed per page (one list, in scripts/site_check.py).
KNOWN = {f"{page}{suffix}": strings for page, strings in KNOWN_BY_PAGE.items() for suffix in (".md", ".ipynb")}


def markdown(path: Path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return path.read_text()


def docstrings(path: Path) -> str:
    tree = ast.parse(path.read_text())
    nodes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    return "\n".join(ast.get_docstring(n, clean=False) or "" for n in nodes)


SOURCES = {p.relative_to(REPO).as_posix(): markdown(p) for p in PAGES + NOTEBOOKS}
DOCS = {p.relative_to(REPO).as_posix(): docstrings(p) for p in MODULES}


def labels() -> set[str]:
    """Every label a page defines: equations ``$$ (name)``, targets ``(name)=``, directive ``:label:``/``:name:``."""
    out = set()
    for text in SOURCES.values():
        out |= set(re.findall(r"^\s*\$\$\s*\(([^)\s]+)\)\s*$", text, re.M))
        out |= set(re.findall(r"^\s*\(([^)\s]+)\)=\s*$", text, re.M))
        out |= set(re.findall(r"^\s*:(?:label|name):\s*(\S+)\s*$", text, re.M))
    return out


def references(text: str, docstring: bool = False) -> list[str]:
    """Targets of {eq} {numref} {ref} {prf:ref} roles in MyST (``:eq:`` in reST docstrings); ``text <target>``
    forms give their target."""
    pattern = r":(?:eq|numref|ref):`([^`]+)`" if docstring else r"\{(?:eq|numref|ref|prf:ref)\}`([^`]+)`"
    out = []
    for raw in re.findall(pattern, text):
        m = re.search(r"<([^>]+)>\s*$", raw)
        out.append((m.group(1) if m else raw).strip())
    return out


def test_the_checks_catch_what_they_should():
    assert stale_text("see `{term}` references") and stale_text("Chapter 9 (when available)")
    assert stale_text("Chapter 9 (Beyond), when available;") and not stale_text("CUDA when available, else CPU")
    assert stale_text("the open exercise (ch2-ex-open)") and stale_text("files in ../shared/data")
    assert not stale_text("the Dirichlet energy (N.1) falls; Exercise 3.2 asks why")
    assert references("{eq}`ch5-step` and {ref}`the exercise <ch2-ex-open>`") == ["ch5-step", "ch2-ex-open"]
    assert references("book eq. :eq:`acmp`", docstring=True) == ["acmp"]
    assert "ch5-double-well" in labels()


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_page_cross_references_resolve(name):
    missing = sorted(set(references(SOURCES[name])) - labels())
    assert not missing, f"{name}: references to labels no page defines: {missing}"


def test_docstring_equation_references_resolve():
    """The API page renders the docstrings: an :eq: there must name a label some page defines."""
    bad = {name: sorted(set(references(text, docstring=True)) - labels()) for name, text in DOCS.items()}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"docstrings cite equation labels no page defines: {bad}"


def test_docstrings_do_not_show_labels_as_code():
    """``dirichlet-energy`` in a docstring renders as a bare internal label; cite it with :eq: instead."""
    names = {n for n in labels() if "-" in n}  # the book's labels are hyphenated; ``acmp`` is also a model key
    bad = {n: sorted(set(re.findall(r"``([^`]+)``", t)) & names) for n, t in DOCS.items()}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"docstrings show book labels as code (use :eq:`label`): {bad}"


def prose(text: str) -> str:
    """What of a MyST source is shown as written: roles with their targets, label definitions and directive
    lines (``{solution} label``, ``:label:``) removed."""
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", " ", text)
    text = re.sub(r"^\s*(?:\$\$\s*\([^)]*\)|\([^)\s]+\)=|:[\w-]+:.*|```+\{.*|:::+\{.*)\s*$", " ", text, flags=re.M)
    return text


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_page_has_no_stale_or_internal_strings(name):
    text = SOURCES[name]
    # a MyST role quoted as code, e.g. `{term}`, renders literally; a label in inline code shows the bare label
    found = stale_text(prose(text), page=name.rsplit(".", 1)[0])
    found += [m for m in re.findall(r"`(\{[a-z:]+\})`", text)]
    found += [m for m in re.findall(r"(?<![}`])`([^`\s]+)`", text) if m in labels()]
    unexpected = [f for f in found if not any(k in f for k in KNOWN.get(name, []))]
    assert not unexpected, f"{name}: internal or stale text a reader would see: {unexpected}"
