"""The book's shape: notebooks carry no outputs, every chapter keeps the chapter contract, _toc.yml matches the files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((REPO / "_config.yml").read_text())
TOC = yaml.safe_load((REPO / "_toc.yml").read_text())
CHAPTERS = sorted((REPO / "chapters").glob("*.ipynb"))
REPO_URL = CONFIG["repository"]["url"].rstrip("/")
BRANCH = CONFIG["repository"]["branch"]


def toc_files(node) -> list[str]:
    out = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("file", "root"):
                out.append(value)
            else:
                out += toc_files(value)
    elif isinstance(node, list):
        for item in node:
            out += toc_files(item)
    return out


def resolve(entry: str) -> Path | None:
    for suffix in ("", ".md", ".ipynb"):
        p = REPO / (entry + suffix)
        if p.is_file():
            return p
    return None


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_there_are_chapters():
    assert CHAPTERS, "no chapter notebooks found in chapters/"


def test_toc_lists_only_existing_pages_and_every_page():
    listed = toc_files(TOC)
    missing = [e for e in listed if resolve(e) is None]
    assert not missing, f"_toc.yml lists pages that do not exist: {missing}"
    listed_paths = {resolve(e) for e in listed}
    pages = set(CHAPTERS) | set((REPO / "book").glob("*.md")) | set((REPO / "book").glob("*.ipynb"))
    pages |= set((REPO / "book" / "course").glob("*.md")) | set((REPO / "book" / "course").glob("*.ipynb"))
    orphans = sorted(str(p.relative_to(REPO)) for p in pages - listed_paths)
    assert not orphans, f"pages missing from _toc.yml: {orphans}"


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.name)
def test_notebook_has_no_outputs(nb):
    dirty = [i for i, c in enumerate(cells(nb)) if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{nb.name}: code cells {dirty} carry outputs or execution counts; strip them"


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.name)
def test_chapter_contract(nb):
    cs = cells(nb)
    first = source(cs[0])
    rel = nb.relative_to(REPO).as_posix()
    assert first.lstrip().startswith("# "), "the first cell must be the chapter title"
    badge = f"https://colab.research.google.com/github/{REPO_URL.split('github.com/')[1]}/blob/{BRANCH}/{rel}"
    assert badge in first, f"the Colab badge must point at {badge}"
    assert "Learning objectives" in first and "Prerequisites" in first
    code = [source(c) for c in cs if c["cell_type"] == "code"]
    setup = code[0]
    assert "import physgnn" in setup and "except ImportError" in setup
    assert f"git+{REPO_URL}@{BRANCH}" in setup, "the setup cell installs physgnn from the configured repository"
    assert "seed_everything" in setup and "fast_mode" in setup and "device" in setup
    assert any(re.search(r"^\s*assert\b", c, re.M) for c in code[1:]), "a chapter checks its claims with assert cells"
    text = "\n".join(source(c) for c in cs if c["cell_type"] == "markdown")
    assert "Key takeaways" in text
    exercises = re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", text)
    solutions = re.findall(r"```\{solution\} (\S+)\n:class: dropdown", text)
    assert len(exercises) >= 4, f"{nb.name}: at least four exercises, found {len(exercises)}"
    assert set(exercises) <= set(solutions), f"{nb.name}: every exercise needs a solution in a dropdown"
    assert "{cite}" in text or "{cite:" in text, "a chapter cites its sources"


def test_repository_url_is_consistent_everywhere():
    """_config.yml holds the repository; the results fetcher and the how-to-run page must agree with it."""
    from physgnn.results import RAW_URL

    owner_repo = urlparse(REPO_URL).path.strip("/")
    assert RAW_URL.startswith(f"https://raw.githubusercontent.com/{owner_repo}/{BRANCH}/results/")
    assert f"git+{REPO_URL}@{BRANCH}" in (REPO / "book" / "how-to-run.md").read_text()
    owner, name = owner_repo.split("/")
    assert f"https://{owner}.github.io/{name}/" in (REPO / "README.md").read_text(), "README links the published book"
    workflow = (REPO / ".github" / "workflows" / "pages.yml").read_text()
    assert "run: make book" in workflow and "deploy-pages" in workflow, "the Pages workflow builds with the README's command"
