"""The book's Sphinx extensions (book/_ext): per-chapter numbers, told-apart citations, the local Colab badge."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pybtex.database

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "book" / "_ext"))
import chapter_numbers  # noqa: E402
import citation_years  # noqa: E402
import local_badges  # noqa: E402


def test_numbers_restart_in_each_chapter_in_reading_order():
    # what Sphinx assigns without numbered sections: one counter through the whole book
    book_wide = {
        "chapters/01_message_passing": {"displaymath": {"equation-a": (1,), "equation-b": (2,)}},
        "chapters/03_heterophily": {"displaymath": {"equation-d": (4,), "equation-c": (3,)},
                                    "exercise": {"ex-y": (9,), "ex-x": (8,)}},
        "book/notation": {"displaymath": {"equation-n": (5,)}},
        "book/glossary": {"displaymath": {"equation-g": (6,)}},
    }
    new = chapter_numbers.renumber(book_wide, {"book/notation": "N"})
    assert new["chapters/01_message_passing"]["displaymath"] == {"equation-a": (1, 1), "equation-b": (1, 2)}
    assert new["chapters/03_heterophily"]["displaymath"] == {"equation-c": (3, 1), "equation-d": (3, 2)}
    assert new["chapters/03_heterophily"]["exercise"] == {"ex-x": (3, 1), "ex-y": (3, 2)}
    assert new["book/notation"]["displaymath"] == {"equation-n": ("N", 1)}
    assert new["book/glossary"]["displaymath"] == {"equation-g": (1,)}  # unnumbered page: counts from 1


def test_the_chapter_number_comes_from_the_file_name():
    assert chapter_numbers.page_prefix("chapters/09_beyond", {}) == (9,)
    assert chapter_numbers.page_prefix("chapters/12_more", {}) == (12,)
    assert chapter_numbers.page_prefix("book/course/ps1_diffusion", {}) == ()


def _bib(text: str):
    return pybtex.database.parse_string(text, "bibtex").entries


def test_citations_that_would_read_alike_get_letters_in_bibliography_order():
    entries = _bib("""
    @article{p1, author = {Platonov, O. and Kuznedelev, D. and Babenko, A.}, title = {Characterizing graph datasets}, year = {2023}}
    @article{p2, author = {Platonov, O. and Kuznedelev, D. and Diskin, M.}, title = {A critical look}, year = {2023}}
    @article{p3, author = {Platonov, O.}, title = {Alone}, year = {2023}}
    @article{r1, author = {Rusch, T. and Bronstein, M.}, title = {Survey}, year = {2023}}
    @article{r2, author = {Rusch, T. and Chamberlain, B. and Mahoney, M.}, title = {Gradient gating}, year = {2023}}
    """)
    got = citation_years.suffix_years(entries)
    # p1 and p2 both read "Platonov et al., 2023"; p3 reads "Platonov, 2023", r1 "Rusch and Bronstein, 2023";
    # the bibliography sorts by every author: Babenko (p1) before Diskin (p2)
    assert got == {"p1": "2023a", "p2": "2023b"}


def test_every_notebook_badge_is_the_one_the_site_replaces():
    """The extension swaps exactly Colab's badge image; a chapter using another address would go unswapped."""
    notebooks = sorted((REPO / "chapters").glob("*.ipynb"))
    for nb in notebooks:
        first = "".join(json.loads(nb.read_text())["cells"][0]["source"])
        images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", first)
        assert images and all(local_badges.local_uri(u) for u in images), f"{nb.name}: badge image {images}"
    assert local_badges.local_uri("https://example.org/badge.svg") is None
    assert (REPO / local_badges.LOCAL_BADGE.lstrip("/")).is_file()
