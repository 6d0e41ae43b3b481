"""Number equations, theorems, definitions and exercises per chapter: Chapter 3's first equation is (3.1).

Sphinx numbers every enumerable thing (``displaymath`` under ``math_numfig``, sphinx-proof's blocks, sphinx-exercise's
exercises, figures, tables) by walking the table of contents; without numbered section headings in the toctree the
counter runs through the whole book, so Chapter 1's first equation came out as (3) and Chapter 8's exercises as 37-40.
Every renderer and every cross-reference (``{eq}``, ``{numref}``, ``{prf:ref}``, ``{ref}`` to an exercise) reads the
numbers from ``env.toc_fignumbers``, so this extension rewrites that table once Sphinx has filled it: within each
page, each kind is counted again from 1 in reading order and prefixed with the page's chapter number, taken from the
file name (``chapters/03_heterophily`` -> 3). Pages listed in ``physgnn_number_prefixes`` get that prefix instead
(the notation page's equations are N.1, N.2, ...); any other page counts from 1 without a prefix.
"""

from __future__ import annotations

import re

CHAPTER = re.compile(r"(?:^|/)chapters/0*(\d+)_")


def page_prefix(docname: str, prefixes: dict) -> tuple:
    """The number every counter on this page starts with: (3,) for chapters/03_*, a configured prefix, or ()."""
    if docname in prefixes:
        return (prefixes[docname],)
    m = CHAPTER.search(docname)
    return (int(m.group(1)),) if m else ()


def renumber(fignumbers: dict, prefixes: dict) -> dict:
    """Per-page numbering for a ``{docname: {kind: {id: tuple}}}`` table, keeping each page's reading order."""
    out = {}
    for docname, kinds in fignumbers.items():
        prefix = page_prefix(docname, prefixes)
        out[docname] = {}
        for kind, ids in kinds.items():
            ordered = sorted(ids.items(), key=lambda item: item[1])
            out[docname][kind] = {node_id: prefix + (i,) for i, (node_id, _) in enumerate(ordered, start=1)}
    return out


def _per_chapter(app, env):
    new = renumber(env.toc_fignumbers, app.config.physgnn_number_prefixes)
    changed = [doc for doc in new if new[doc] != env.toc_fignumbers.get(doc)]
    env.toc_fignumbers = new
    return changed


def setup(app):
    app.add_config_value("physgnn_number_prefixes", {}, "env")
    # after Sphinx's toctree collector (priority 500) has assigned the book-wide numbers
    app.connect("env-get-updated", _per_chapter, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
