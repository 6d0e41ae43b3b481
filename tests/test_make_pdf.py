"""scripts/make_pdf.py: what the single-page HTML gets before Chromium prints it (no browser needed)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
import make_pdf  # noqa: E402

TOC = """<html><head></head><body>
<div id="jb-print-docs-body" class="onlyprint"><h1>Forces on Graphs</h1>
<div id="print-main-content"><div id="jb-print-toc">
<div>
    <h2> Contents </h2>
</div>
<nav aria-label="Page">
<p aria-level="2" class="caption" role="heading"><span class="caption-text">Part I: Why deep GNNs forget</span></p>
<ul class="nav section-nav flex-column"><li><a href="#document-chapters/01_x">One</a></li></ul>
</nav></div></div></div>
<p aria-level="2" class="caption" role="heading"><span class="caption-text">Sidebar caption</span></p>
<span id="document-chapters/01_x"></span><section id="one"><h2>Graphs</h2><h3>1.1 Graphs as data</h3></section>
</body></html>"""


def table(rows: int, cls: str | None = "table") -> str:
    attr = f' class="{cls}"' if cls else ""
    body = "".join(f"<tr><td>{i}</td></tr>" for i in range(rows))
    return f"<table{attr}><thead><tr><th>n</th></tr></thead><tbody>{body}</tbody></table>"


def test_toc_title_and_part_captions_are_not_headings():
    """The first sheet's contents list made one bookmark per caption, all pointing at sheet 1; after prepare the
    contents list has no heading left, while the book's own headings (and headings outside the list) remain."""
    before = make_pdf.heading_texts(TOC)
    assert "Contents" in before and "Part I: Why deep GNNs forget" in before
    page = make_pdf.prepare(TOC, parts=[])
    after = make_pdf.heading_texts(page)
    assert "Contents" not in after and "Part I: Why deep GNNs forget" not in after
    assert after == ["Forces on Graphs", "Sidebar caption", "Chapter 1 · Graphs", "1.1 Graphs as data"]
    assert '<p class="pdf-toc-title">Contents</p>' in page
    assert "Part I: Why deep GNNs forget" in page  # still printed, as a plain line


def test_long_tables_may_break_and_short_ones_stay_whole():
    rows = make_pdf.LONG_TABLE_ROWS
    html = f"<body>{table(3)}<p>x</p>{table(rows + 5)}<p>y</p>{table(rows + 1, cls=None)}{table(rows - 1)}</body>"
    out = make_pdf._mark_long_tables(html)
    openings = re.findall(r"<table\b[^>]*>", out)
    assert openings == ['<table class="table">', '<table class="pdf-long-table table">',
                        '<table class="pdf-long-table">', '<table class="table">']
    # a few rows of long sentences fill a sheet too
    wordy = "<table><tr><td>" + "word " * (make_pdf.LONG_TABLE_CHARS // 5 + 5) + "</td></tr></table>"
    assert make_pdf._mark_long_tables(wordy).startswith('<table class="pdf-long-table">')
    short = "<table><tr><td>" + "word " * (make_pdf.LONG_TABLE_CHARS // 5 - 5) + "</td></tr></table>"
    assert make_pdf._mark_long_tables(short) == short
    # the cells themselves are untouched
    assert re.sub(r"<table\b[^>]*>", "<table>", out) == re.sub(r"<table\b[^>]*>", "<table>", html)


def test_the_print_css_lets_marked_tables_break():
    """The theme keeps every table whole in print; the PDF's style releases the marked ones."""
    assert re.search(r"table\.pdf-long-table\s*\{\s*break-inside:\s*auto", make_pdf.PDF_CSS)
    page = make_pdf.prepare(f"<html><head></head><body>{table(make_pdf.LONG_TABLE_ROWS + 1)}</body></html>", [])
    assert "pdf-long-table" in page and make_pdf.PDF_CSS in page


def test_output_outside_the_repository_is_reported(tmp_path, capsys, monkeypatch):
    """--out may point anywhere (e.g. /tmp): the final message must not assume a path inside the repository."""
    html_file = tmp_path / "index.html"
    html_file.write_text(TOC)
    out = tmp_path / "book.pdf"

    def fake_run(cmd, **kwargs):
        target = next(a.split("=", 1)[1] for a in cmd if a.startswith("--print-to-pdf="))
        Path(target).write_bytes(b"%PDF-1.3\n%%EOF\n")

    monkeypatch.setattr(make_pdf, "find_chromium", lambda explicit=None: "/bin/true")
    monkeypatch.setattr(make_pdf.subprocess, "run", fake_run)
    monkeypatch.setattr(make_pdf, "clean_outline", lambda pdf, headings: 0)
    monkeypatch.setattr(make_pdf, "drop_trailing_blank_pages", lambda pdf: 0)
    monkeypatch.setattr(make_pdf, "bookmark_pages", lambda pdf: [])
    monkeypatch.setattr(make_pdf, "toc_parts", lambda toc=None: [])
    assert make_pdf.main(["--html", str(html_file), "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF-")
    assert str(out) in capsys.readouterr().out


def test_wide_equations_and_tables_are_fitted_not_left_to_overflow():
    """Content wider than the column makes Chromium shrink every sheet of the book; the PDF's page clips the
    containers that may overflow and carries the script that scales their content to the column when printing."""
    page = make_pdf.prepare("<html><head></head><body><article><p>x</p></article></body></html>", [])
    assert page.count(make_pdf.FIT_SCRIPT) == 1 and page.index(make_pdf.FIT_SCRIPT) < page.index("</body>")
    rule = re.search(r"([^{}]*)\{\s*overflow:\s*hidden", make_pdf.PDF_CSS)
    assert rule, "the PDF's style must keep overflowing containers inside the column"
    for selector in ('mjx-container[display="true"]', ".cell_output .output", ".pst-scrollable-table-container"):
        assert selector in rule.group(1)
    assert 'mjx-container[display="true"] > mjx-math' in make_pdf.FIT_SCRIPT and "article table" in make_pdf.FIT_SCRIPT
    assert 'matchMedia("print")' in make_pdf.FIT_SCRIPT
    # blocks taller than a third of a sheet (A4: 297 mm less the @page margins, 16 + 18 mm) may break
    assert "var SHEET = 994;" in make_pdf.FIT_SCRIPT and "margin: 16mm 15mm 18mm 15mm" in make_pdf.PDF_CSS
    assert 'setProperty("break-inside", "auto"' in make_pdf.FIT_SCRIPT


def _pdf(tmp_path, pattern: str) -> Path:
    """A PDF with one sheet per character of ``pattern``: "x" has text drawn on it, "." is empty."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    font_ref = writer._add_object(font)
    for ch in pattern:
        page = writer.add_blank_page(width=200, height=200)
        if ch == "x":
            stream = DecodedStreamObject()
            stream.set_data(b"BT /F1 12 Tf 20 100 Td (page) Tj ET")
            page[NameObject("/Contents")] = writer._add_object(stream)
            page[NameObject("/Resources")] = DictionaryObject(
                {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_ref})})
    path = tmp_path / f"{pattern.replace('.', 'o')}.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def test_empty_sheets_at_the_end_are_removed_and_nothing_else(tmp_path):
    from pypdf import PdfReader

    pdf = _pdf(tmp_path, "x.x..")
    assert make_pdf.drop_trailing_blank_pages(pdf) == 2
    pages = PdfReader(str(pdf)).pages
    assert len(pages) == 3  # the empty sheet between two written ones stays
    assert [p.extract_text().strip() for p in pages] == ["page", "", "page"]
    assert make_pdf.drop_trailing_blank_pages(pdf) == 0
    full = _pdf(tmp_path, "xx")
    assert make_pdf.drop_trailing_blank_pages(full) == 0 and len(PdfReader(str(full)).pages) == 2


def test_contents_list_gets_each_pages_sheet_number():
    toc = ('<div id="jb-print-toc"><nav>'
           '<li class="toctree-l1 toc-h1 nav-item toc-entry"><a class="reference internal nav-link" '
           'href="#document-book/how-to-run">How to run the book</a></li>'
           '<li class="toctree-l1 nav-item toc-entry"><a class="reference internal nav-link" '
           'href="#document-chapters/01_x">Graphs, message passing and homophily</a></li>'
           '<li class="toctree-l1 nav-item toc-entry"><a class="reference internal nav-link" '
           'href="#document-book/slides">Lecture slides</a></li>'
           '</nav></div><li class="toctree-l1 nav-item toc-entry"><a href="#document-book/how-to-run">How to run the '
           'book</a></li>')
    bookmarks = [("Forces on Graphs", 1), ("How to run the book", 7), ("On the web", 7),
                 ("Chapter 1 · Graphs, message passing and homophily", 17), ("1.1 Graphs as data", 18)]
    out, count = make_pdf.number_toc(toc, bookmarks)
    assert count == 2
    assert re.findall(r'<span class="pdf-toc-page">(\d+)</span>', out) == ["7", "17"]
    assert out.count("pdf-toc-numbered") == 2
    # the entry without a bookmark keeps its line unnumbered, and nothing outside the contents list changes
    assert "Lecture slides</a></li>" in out
    assert out.split("</nav>")[1] == toc.split("</nav>")[1]
    assert make_pdf.number_toc(toc, []) == (toc, 0)


def test_long_code_blocks_may_break_and_short_ones_stay_whole():
    def block(n):
        code = "\n".join(f"x{i} = {i}" for i in range(n))
        return f'<div class="highlight-ipython3 notranslate"><div class="highlight"><pre><span></span>{code}\n</pre></div></div>'

    n = make_pdf.LONG_CODE_LINES
    html = block(5) + "<p>between</p>" + block(n + 10) + block(n - 1)
    out = make_pdf._mark_long_code(html)
    assert re.findall(r'<div class="([^"]*)">\s*<div class="highlight">', out) == [
        "highlight-ipython3 notranslate", "pdf-long-code highlight-ipython3 notranslate", "highlight-ipython3 notranslate"]
    assert out.replace("pdf-long-code ", "") == html
    assert re.search(r"div\.pdf-long-code[^{]*\{\s*break-inside:\s*auto", make_pdf.PDF_CSS)
