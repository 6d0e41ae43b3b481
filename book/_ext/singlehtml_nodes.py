"""Let the single-page HTML builder render every node the HTML builder can.

Several extensions register how to write their nodes for the ``html`` builder only (sphinx-proof's theorems and
definitions, myst-nb's hidden-code containers), so ``jupyter-book build --builder singlehtml``, which ``make book``
prints to the book's PDF (scripts/make_pdf.py), stops at the first one with "unknown node type". Both builders write
HTML with the same translator, so the ``html`` handlers apply unchanged: when the builder is ``singlehtml``, this
extension copies every ``html`` handler it lacks.
"""


def _share_html_handlers(app):
    if app.builder.name != "singlehtml":
        return
    handlers = app.registry.translation_handlers
    single = handlers.setdefault("singlehtml", {})
    for name, pair in handlers.get("html", {}).items():
        single.setdefault(name, pair)


def setup(app):
    app.connect("builder-inited", _share_html_handlers)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
