"""The whole book as one PDF: print Jupyter Book's single-page HTML build with headless Chromium.

    python scripts/make_pdf.py [--html _build/singlehtml/index.html] [--out _build/pdf/forces-on-graphs.pdf]

Jupyter Book's own PDF-via-HTML builder downloads a browser at build time and fails offline; the LaTeX builder needs
a TeX installation. Debian's Chromium prints the single-page build instead (`make book` builds it with
``jupyter-book build . --builder singlehtml`` from the same execution cache, so nothing runs twice). The page is
given time to typeset its math (MathJax is served from the site) before printing. Before printing, the page gets
the PDF's layout (``prepare``): A4 sheets numbered at the foot, the table of contents on the first sheet, a heading
for each part of the book and "Chapter N" before each chapter's title, each page of the book on a new sheet, code blocks and
small tables kept whole, wide equations and tables scaled to the column. Chromium writes the headings as the PDF's
bookmarks (``--generate-pdf-document-outline``); a second print puts each page's sheet number into the table of
contents (``number_toc``). The PDF lands in ``_build/pdf``,
which ``_config.yml`` lists in ``html_extra_path``: the site serves it at its root, and the intro links to it.

Without Chromium the script says how to install it and exits with status 0 (a local build without a PDF is still
a build); CI installs Chromium, and the browser check of the site then fails on the missing file.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "forces-on-graphs.pdf"


def find_chromium(explicit: str | None = None) -> str | None:
    for cand in ([explicit] if explicit else []) + ["chromium", "chromium-browser", "google-chrome"]:
        path = shutil.which(cand) if cand else None
        if path:
            return path
    return None


# Print layout of the PDF only (the site's own print rules live in book/_static/physgnn.css): A4 pages with the page
# number at the foot (CSS page-margin boxes, Chromium 131 or newer), the title page without one, each part and
# each page of the book starting on a new sheet, and no link markers after headings.
PDF_CSS = """
@page { size: A4; margin: 16mm 15mm 18mm 15mm;
        @bottom-center { content: counter(page); font-family: sans-serif; font-size: 9pt; color: #444; } }
@page :first { @bottom-center { content: none; } }
#jb-print-docs-body > h1 { break-before: avoid !important; }
.bd-main .bd-content .bd-article h1.pdf-part { display: block !important; break-before: page; font-size: 2.2em;
                                              margin-top: 30vh; }
h1.pdf-part + span[id^="document-"] + section { break-before: page; }
span[id^="document-"] + section { break-before: page; }
.headerlink { display: none !important; }
.bd-main .bd-content table.pdf-long-table { break-inside: auto; }
div.pdf-long-code, div.pdf-long-code div.highlight { break-inside: auto !important; }
/* nothing may stick out of the column (Chromium would shrink every sheet to fit it): FIT_SCRIPT scales it instead */
.cell_output .output, .pst-scrollable-table-container, mjx-container[display="true"] { overflow: hidden !important; }
#jb-print-toc p.pdf-toc-title { font-size: 2em; font-weight: 500; margin: 0.6em 0 0.3em; }
#jb-print-toc p.caption { font-weight: 600; margin: 0.6em 0 0.1em; }
.bd-main .bd-content #jb-print-toc .section-nav li.pdf-toc-numbered { display: flex !important; list-style: none; }
#jb-print-toc li.pdf-toc-numbered .pdf-toc-page { margin-left: auto; padding-left: 1em; color: #444; }
"""

# A code block (a cell's code or text output) with more lines than this may break across sheets: kept whole, it
# would leave most of the sheet before it empty and break anyway when it is longer than a sheet.
LONG_CODE_LINES = 40

# A table with more rows, or more characters of text, than this may break across sheets (between rows, its header
# repeated); a smaller one is kept whole, as the theme's print rules keep every table, which left a near-empty
# sheet before each long table (a table of a few rows of wrapped sentences can fill a sheet).
LONG_TABLE_ROWS = 12
LONG_TABLE_CHARS = 600

# Run in the page when Chromium lays it out for print (the "print" media query starts to match, with the sheet's
# column width): a display equation or a table wider than its column is scaled down to fit it. Left as they are,
# they would be cut at the column's edge (equations) or make Chromium shrink every sheet of the book to the widest
# one (tables).
FIT_SCRIPT = """<script>
(function () {
  var SHEET = __SHEET__;  // CSS pixels of text height on a sheet (A4 less the @page margins)
  function fit(el, box) {
    el.style.zoom = "";
    var room = box.clientWidth, need = el.scrollWidth;
    if (room > 0 && need > room + 1) { el.style.zoom = (Math.floor(1000 * room / need) / 1000).toString(); }
  }
  function fitAll() {
    document.querySelectorAll('mjx-container[display="true"] > mjx-math').forEach(function (m) {
      fit(m, m.parentElement);
    });
    document.querySelectorAll("article table").forEach(function (t) { fit(t, t.parentElement); });
    // A block taller than a third of a sheet may break across sheets: kept whole, it left most of a sheet empty.
    document.querySelectorAll('div[class*="highlight-"], div.highlight, article table, div.admonition').forEach(
      function (el) { if (el.offsetHeight > SHEET / 3) { el.style.setProperty("break-inside", "auto", "important"); } });
  }
  window.matchMedia("print").addEventListener("change", function (e) { if (e.matches) { fitAll(); } });
})();
</script>""".replace("__SHEET__", str(round((297 - 16 - 18) / 25.4 * 96)))

CHAPTER_FILE = re.compile(r"chapters/0*(\d+)_")


def toc_parts(toc: Path = ROOT / "_toc.yml") -> list[tuple[str, str]]:
    """(part caption, docname of the part's first page) for every part of the table of contents."""
    import yaml

    data = yaml.safe_load(toc.read_text())
    out = []
    for part in data.get("parts", []):
        chapters = part.get("chapters") or []
        if part.get("caption") and chapters and "file" in chapters[0]:
            out.append((part["caption"], re.sub(r"\.(md|ipynb)$", "", chapters[0]["file"])))
    return out


def prepare(text: str, parts: list[tuple[str, str]]) -> str:
    """The single-page HTML made ready to print: the PDF's page style, a heading for each part of the book (so
    the PDF's outline reads part > chapter > section), and "Chapter N" before each chapter's title."""
    text = text.replace("</head>", f"<style>{PDF_CSS}</style>\n</head>", 1)
    text = text.replace("</body>", f"{FIT_SCRIPT}\n</body>", 1)
    text = _toc_without_headings(text)
    text = _mark_long_tables(text)
    text = _mark_long_code(text)
    for caption, docname in parts:
        anchor = f'<span id="document-{docname}"></span>'
        if anchor in text:
            text = text.replace(anchor, f'<h1 class="pdf-part">{html.escape(caption)}</h1>\n{anchor}', 1)

    def number(match):
        return f"{match.group(1)}Chapter {int(match.group(2))} · "

    return re.sub(r'(<span id="document-chapters/0*(\d+)_[^"]*"></span>\s*<section[^>]*>\s*<h2>)', number, text)


def _toc_without_headings(text: str) -> str:
    """The printed table of contents on the first sheet with its title and part captions as plain paragraphs:
    as headings they became bookmarks that all pointed at the first sheet ("Contents", "Part I: ...")."""
    start = text.find('<div id="jb-print-toc">')
    if start < 0:
        return text
    end = text.find("</nav>", start)
    if end < 0:
        return text
    block = text[start:end]
    block = re.sub(r"<h2>\s*Contents\s*</h2>", '<p class="pdf-toc-title">Contents</p>', block)
    block = re.sub(r'\s(?:role="heading"|aria-level="\d+")', "", block)
    return text[:start] + block + text[end:]


def _mark_long_tables(text: str, rows: int = LONG_TABLE_ROWS, chars: int = LONG_TABLE_CHARS) -> str:
    """Give every table with more than ``rows`` rows or ``chars`` characters of text the class ``pdf-long-table``
    (allowed to break across sheets)."""

    def mark(match):
        table = match.group(0)
        words = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", table))).strip()
        if len(re.findall(r"<tr\b", table)) <= rows and len(words) <= chars:
            return table
        opening = re.match(r"<table\b[^>]*>", table).group(0)
        if 'class="' in opening:
            new = opening.replace('class="', 'class="pdf-long-table ', 1)
        else:
            new = opening[:-1] + ' class="pdf-long-table">'
        return new + table[len(opening):]

    return re.sub(r"<table\b.*?</table>", mark, text, flags=re.S)


def _mark_long_code(text: str, lines: int = LONG_CODE_LINES) -> str:
    """Give every code block (``<div class="highlight-...">`` around a ``<pre>``) with more than ``lines`` lines the
    class ``pdf-long-code`` (allowed to break across sheets)."""

    def mark(match):
        if match.group(3).count("\n") <= lines:
            return match.group(0)
        return f'{match.group(1)}pdf-long-code {match.group(2)}'

    return re.sub(r'(<div class=")(highlight-[^"]*">\s*<div class="highlight"><pre>(.*?)</pre>)', mark, text,
                  flags=re.S)


def single_page(html_file: Path, parts: list[tuple[str, str]] | None = None) -> Path:
    """The file to print, ``print.html`` beside the build's index. The single-page build's index.html only redirects
    to the root document (book/intro.html), whose links to _static/ and _images/ are written relative to the
    build's root; a copy at the root resolves them."""
    text = html_file.read_text(errors="replace")
    target = re.search(r'http-equiv="refresh"[^>]*url=([^"\s>]+)', text, re.I)
    if target:
        text = (html_file.parent / target.group(1)).read_text(errors="replace")
    page = html_file.parent / "print.html"
    page.write_text(prepare(text, toc_parts() if parts is None else parts))
    return page


def heading_texts(text: str) -> list[str]:
    """The plain text of every heading (h1-h6, and elements with role="heading") in an HTML page, in order."""
    out = []
    for m in re.finditer(r'<(h[1-6])\b[^>]*>(.*?)</\1>|<(\w+)\b[^>]*role="heading"[^>]*>(.*?)</\3>', text, re.S):
        inner = m.group(2) if m.group(2) is not None else m.group(4)
        inner = re.sub(r'<a class="headerlink".*?</a>', "", inner, flags=re.S)
        plain = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", inner))).strip()
        if plain:
            out.append(plain)
    return out


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def readable(heading: str) -> str:
    """A heading's text for a bookmark: inline math without delimiters or commands (\\(\\hat A\\) -> A)."""
    return re.sub(r"\s+", " ", re.sub(r"\\[()]|\\[A-Za-z]+", "", heading)).strip()


def clean_outline(pdf: Path, headings: list[str]) -> int:
    """Give each bookmark the text of the heading it was made from; return how many were changed.

    Chromium takes a bookmark's title from the laid-out lines of its heading: a title that wraps loses the space
    at the break ("message passingand"), a heading at the top of a sheet can come out partly twice, and inline
    math is left out. Bookmarks come in the headings' order, so each is matched to the next heading (a few may
    be skipped: headings hidden in print make no bookmark) whose text, ignoring whitespace and math, starts the
    same way, and takes that heading's text. Needs pypdf; without it the PDF keeps Chromium's titles."""
    try:
        from pypdf import PdfWriter
        from pypdf.generic import NameObject, TextStringObject
    except ImportError:
        print("make_pdf: pypdf is not installed, so the bookmarks keep Chromium's titles", file=sys.stderr)
        return 0
    keys = [_squash(re.sub(r"\\\(.*?\\\)", "", h)) for h in headings]
    writer = PdfWriter(clone_from=str(pdf))
    changed, pos = 0, 0

    def walk(node):
        nonlocal changed, pos
        while node is not None:
            node = node.get_object()
            title = str(node.get("/Title", ""))
            key = _squash(title)
            for j in range(pos, min(pos + 12, len(headings))):
                stem = keys[j][:16]
                if stem and key.startswith(stem):
                    if readable(headings[j]) != title:
                        node[NameObject("/Title")] = TextStringObject(readable(headings[j]))
                        changed += 1
                    pos = j + 1
                    break
            if "/First" in node:
                walk(node["/First"])
            node = node.get("/Next")

    root = writer._root_object
    if "/Outlines" in root and "/First" in root["/Outlines"].get_object():
        walk(root["/Outlines"].get_object()["/First"])
    if changed:
        tmp = pdf.with_suffix(".outline.pdf")
        with open(tmp, "wb") as fh:
            writer.write(fh)
        tmp.replace(pdf)
    return changed

def bookmark_pages(pdf: Path) -> list[tuple[str, int]]:
    """(title, 1-based sheet number) of every bookmark in the PDF, in order; empty without pypdf."""
    try:
        from pypdf import PdfReader
    except ImportError:
        return []
    reader = PdfReader(str(pdf))
    out = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append((str(item.title), reader.get_destination_page_number(item) + 1))

    walk(reader.outline)
    return out


def number_toc(text: str, bookmarks: list[tuple[str, int]]) -> tuple[str, int]:
    """The contents list on the first sheet with each entry's sheet number at its right; return the page and how many
    entries were numbered. An entry takes the sheet of the first bookmark whose title is the entry's text, or ends
    with it ("Chapter 1 · Graphs, ..." for "Graphs, ...")."""
    start = text.find('<div id="jb-print-toc">')
    end = text.find("</nav>", start)
    if start < 0 or end < 0 or not bookmarks:
        return text, 0
    keys = [(_squash(title), sheet) for title, sheet in bookmarks]
    count = 0

    def entry(match):
        nonlocal count
        label = _squash(html.unescape(re.sub(r"<[^>]+>", "", match.group(3))))
        sheet = next((s for k, s in keys if label and (k == label or k.endswith("·" + label))), None)
        if sheet is None:
            return match.group(0)
        count += 1
        li = match.group(1).replace('class="', 'class="pdf-toc-numbered ', 1)
        return f'{li}{match.group(2)}<span class="pdf-toc-page">{sheet}</span>'

    block = re.sub(r'(<li class="[^"]*toc-entry[^"]*">)(<a [^>]*href="#document-[^"]*"[^>]*>(.*?)</a>)', entry,
                   text[start:end], flags=re.S)
    return text[:start] + block + text[end:], count


def _is_blank(page) -> bool:
    """True for a sheet with nothing drawn on it: no content stream (or an empty one) and no fonts or images."""
    resources = page.get("/Resources") or {}
    resources = resources.get_object() if hasattr(resources, "get_object") else resources
    if "/Font" in resources or "/XObject" in resources:
        return False
    contents = page.get_contents()
    return contents is None or not contents.get_data().strip()


def drop_trailing_blank_pages(pdf: Path) -> int:
    """Remove empty sheets at the end of the PDF; return how many were removed.

    Chromium counts the sheets before the page's print-time script (FIT_SCRIPT) has scaled wide equations and
    tables down, so the book can end with a sheet that has nothing on it, not even its page number. Needs pypdf;
    without it the PDF is left as it is."""
    try:
        from pypdf import PdfReader, PdfWriter
    except ImportError:
        return 0
    reader = PdfReader(str(pdf))
    n = len(reader.pages)
    keep = n
    while keep > 1 and _is_blank(reader.pages[keep - 1]):
        keep -= 1
    if keep == n:
        return 0
    writer = PdfWriter(clone_from=reader)
    for i in range(n - 1, keep - 1, -1):
        writer.remove_page(i)
    tmp = pdf.with_suffix(".trim.pdf")
    with open(tmp, "wb") as fh:
        writer.write(fh)
    tmp.replace(pdf)
    return n - keep


def _print(browser: str, page: Path, pdf: Path, budget: int) -> bool:
    """Print ``page`` to ``pdf`` with headless Chromium (bookmarks from the headings); False if no PDF came out."""
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--run-all-compositor-stages-before-draw",
           f"--virtual-time-budget={budget}", "--no-pdf-header-footer", "--generate-pdf-document-outline",
           f"--print-to-pdf={pdf}", page.resolve().as_uri()]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)
    if not pdf.is_file() or pdf.read_bytes()[:5] != b"%PDF-":
        print(f"make_pdf: Chromium did not write a PDF ({pdf})", file=sys.stderr)
        return False
    return True


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--html", type=Path, default=ROOT / "_build" / "singlehtml" / "index.html")
    ap.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf" / NAME)
    ap.add_argument("--chromium", default=None, help="browser binary (default: chromium on PATH)")
    ap.add_argument("--budget", type=int, default=60000, help="virtual milliseconds to let the page typeset its math")
    args = ap.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not args.html.is_file():
        print(f"make_pdf: {args.html} not found; build it first with `jupyter-book build . --builder singlehtml`", file=sys.stderr)
        return 1
    page = single_page(args.html)
    browser = find_chromium(args.chromium)
    if browser is None:
        print("make_pdf: no Chromium found, so no PDF this time. Install it (Debian: `apt-get install chromium`) "
              "and run `make book` again.", file=sys.stderr)
        return 0
    tmp = args.out.with_suffix(".tmp.pdf")
    if not _print(browser, page, tmp, args.budget):
        return 1
    fixed = clean_outline(tmp, heading_texts(page.read_text(errors="replace")))
    # Second pass: the contents list gets the sheet numbers the first pass gave each page of the book. The numbers
    # sit on the entries' own lines, so the sheets do not move; a mismatch would be reported.
    numbered, count = number_toc(page.read_text(errors="replace"), bookmark_pages(tmp))
    if count:
        page.write_text(numbered)
        first = bookmark_pages(tmp)
        if not _print(browser, page, tmp, args.budget):
            return 1
        fixed = clean_outline(tmp, heading_texts(numbered))
        if bookmark_pages(tmp) != first:
            print("make_pdf: the contents list's page numbers moved the pages; check them", file=sys.stderr)
        print(f"make_pdf: {count} entries of the contents list numbered")
    dropped = drop_trailing_blank_pages(tmp)
    if dropped:
        print(f"make_pdf: {dropped} empty sheet(s) at the end removed")
    tmp.replace(args.out)
    if fixed:
        print(f"make_pdf: {fixed} bookmark titles set to their headings' text")
    shown = args.out.resolve()
    shown = shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown
    print(f"make_pdf: {shown} ({args.out.stat().st_size / 2**20:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
