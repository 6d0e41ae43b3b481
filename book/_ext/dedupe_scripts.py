"""Drop duplicate <script> entries from every page.

With Jupyter Book 1.0.4, sphinx-thebe registers its inline configuration script twice, and the second copy
fails in the browser ("Identifier 'THEBE_JS_URL' has already been declared"). Removing exact duplicates from
the builder's script list, once all documents are read, keeps every page free of JavaScript errors
(scripts/site_check.py checks this).
"""


def _key(js):
    return (str(getattr(js, "filename", js) or ""), tuple(sorted((k, str(v)) for k, v in getattr(js, "attributes", {}).items())))


def _dedupe(app, pagename, templatename, context, doctree):
    files = context.get("script_files")
    if not isinstance(files, list):
        return
    seen, unique = set(), []
    for js in files:
        if _key(js) not in seen:
            seen.add(_key(js))
            unique.append(js)
    files[:] = unique


def setup(app):
    # last in line: the duplicate is added by another html-page-context handler
    app.connect("html-page-context", _dedupe, priority=999)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

