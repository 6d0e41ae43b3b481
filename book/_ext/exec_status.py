"""The execution-status table: for every executed page, the mode it ran in, how long it took, when, and whether it
succeeded, as recorded at run time.

``scripts/execute_notebooks.py`` stores with each notebook it runs into Jupyter Book's cache the wall-clock seconds,
the mode (``fast`` or ``full``), the number of kernels side by side, and the finishing time. This directive,
``{physgnn-exec-table}``, reads those records back for every page that myst-nb executed or took from the cache, so
the page says what happened in the build that made it, never a sentence written in advance. A notebook that
myst-nb ran itself during the build (not through the script) has its time but no recorded mode, and says so.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

NOT_RECORDED = "not recorded"
HEADERS = ("Page", "Mode", "Run time (s)", "Finished", "Status")


class exec_status_node(nodes.General, nodes.Element):
    """Placeholder, replaced once every page has been read."""


class ExecStatusTable(SphinxDirective):
    def run(self):
        self.env.note_dependency(__file__)
        return [exec_status_node()]


def cache_records(cache_path: str | None, sources: dict) -> dict:
    """{docname: the jupyter-cache record's data} for each .ipynb source found in the cache."""
    if not cache_path or not Path(cache_path).is_dir():
        return {}
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(cache_path)
    out = {}
    for docname, path in sources.items():
        if not str(path).endswith(".ipynb"):
            continue
        try:
            out[docname] = dict(cache.match_cache_notebook(nbformat.read(path, as_version=4)).data or {})
        except (KeyError, OSError, ValueError):
            continue
    return out


def rows(exec_data: dict, records: dict) -> list[tuple]:
    """One row per executed page: (docname, mode, seconds, finished, succeeded, kernels side by side)."""
    out = []
    for docname in sorted(exec_data):
        data, rec = exec_data[docname], records.get(docname, {})
        seconds = rec.get("execution_seconds", data.get("runtime"))
        out.append((docname, rec.get("physgnn_mode", NOT_RECORDED), seconds, rec.get("physgnn_finished", ""),
                    bool(data.get("succeeded")), rec.get("physgnn_jobs")))
    return out


def summary(table: list[tuple]) -> str:
    """One sentence over the table: how many pages ran in each mode and their summed run time."""
    if not table:
        return ("No notebook was executed for this build of the site (execution was switched off), so there is "
                "nothing to report.")
    parts = []
    for mode in ("fast", "full", NOT_RECORDED):
        chosen = [r for r in table if r[1] == mode]
        if chosen:
            total = sum(r[2] or 0.0 for r in chosen)
            label = f"in {mode} mode" if mode != NOT_RECORDED else "with no recorded mode"
            parts.append(f"{len(chosen)} {label} ({total:.0f} s of run time in all)")
    jobs = sorted({r[5] for r in table if r[5]})
    side = f", {' or '.join(map(str, jobs))} at a time" if jobs else ""
    failed = sum(1 for r in table if not r[4])
    tail = f"; {failed} failed" if failed else "; every one succeeded"
    return (f"The pages of this build show the outputs of {len(table)} notebook runs{side}: " + ", ".join(parts)
            + tail + ".")


class ExecStatusTransform(SphinxPostTransform):
    default_priority = 8  # before the reference resolvers, so the page links resolve

    def run(self, **kwargs):
        placeholders = list(self.document.findall(exec_status_node))
        if not placeholders:
            return
        env = self.env
        meta = getattr(env, "nb_metadata", {}) or {}
        exec_data = {d: v["exec_data"] for d, v in meta.items() if isinstance(v, dict) and v.get("exec_data")}
        sources = {d: env.doc2path(d) for d in exec_data}
        config = getattr(env, "mystnb_config", None)  # myst-nb's settings, with the cache folder it resolved
        table = rows(exec_data, cache_records(getattr(config, "execution_cache_path", None), sources))
        for node in placeholders:
            node.replace_self([nodes.paragraph(text=summary(table)), self.make_table(table)])

    def make_table(self, table):
        tab = nodes.table(classes=["colwidths-auto"])
        group = nodes.tgroup(cols=len(HEADERS))
        tab += group
        for _ in HEADERS:
            group += nodes.colspec(colwidth=1)
        head = nodes.thead()
        group += head
        head += nodes.row("", *[nodes.entry("", nodes.paragraph(text=h)) for h in HEADERS])
        body = nodes.tbody()
        group += body
        here = self.env.docname
        for docname, mode, seconds, finished, ok, _ in table:
            link = pending_xref(refdoc=here, reftarget=posixpath.relpath(docname, posixpath.dirname(here)),
                                reftype="doc", refdomain="std", refexplicit=True, refwarn=True)
            title = self.env.titles.get(docname)
            link += nodes.inline(text=title.astext() if title is not None else docname)
            cells = [nodes.paragraph("", "", link), nodes.paragraph(text=mode),
                     nodes.paragraph(text="-" if seconds is None else f"{seconds:.0f}"),
                     nodes.paragraph(text=finished or "-"), nodes.paragraph(text="succeeded" if ok else "FAILED")]
            body += nodes.row("", *[nodes.entry("", c) for c in cells])
        return tab


def _always_rewrite(app, env):
    # the table reports on every other page's execution: write it again in every build
    return [d for d in env.found_docs if d.endswith("execution-status")]


def setup(app):
    app.add_node(exec_status_node)
    app.add_directive("physgnn-exec-table", ExecStatusTable)
    app.add_post_transform(ExecStatusTransform)
    app.connect("env-updated", _always_rewrite)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
