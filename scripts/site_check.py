"""Check the built site as a reader's browser sees it (headless Chromium driven by Playwright).

    python scripts/site_check.py [--html _build/html] [--out _build/site-check]

Serves the site on 127.0.0.1 and, for every page: no JavaScript errors and no failed local requests; math typeset
(MathJax ran and no raw TeX is left outside code); every local image and animation loads and has alt text; every
internal link and anchor resolves; each chapter's Colab button points at that chapter's notebook on the configured
repository and branch, the page shows at least one figure and links its .ipynb download, which serves the notebook;
the page weight (bytes of all local resources); at 1280 px and at 390 px (a phone), no code block, output, table,
figure, animation or equation (display or inline) wider than the text column (``WIDE_JS``: a box that reaches past
the column, or code, an output or a table that hides part of itself behind a scrollbar; math may scroll in its own
box). Then: the book's PDF exists and has pages, the search page finds each
chapter by a word from its title, no page's prose (outside code and outputs) shows a raw MyST role, an internal
label, or a stale or internal string (``stale_text``), the beta slider (if present) reacts, and screenshots of the landing page, every
chapter and one chapter in dark mode are saved in --out. Exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import yaml

REPO = Path(__file__).resolve().parents[1]


# Text a reader must never see: MyST roles left unrendered, internal labels of exercises and equations
# (chapter-prefixed, e.g. ch2-ex-open), and strings about our build machine or drafts.
STALE = [
    (re.compile(r"\{(?:term|eq|ref|numref|doc|cite(?::\w+)?|prf:ref|download|glue(?::\w+)?)\}"), "a raw MyST role"),
    (re.compile(r"\bch\d+-[a-z0-9]+(?:-[a-z0-9]+)*\b"), "an internal label"),
    (re.compile(r"\(when available\)|, when available\b", re.I), "a promise of missing material"),
    (re.compile(r"\.\./shared/|shared with other jobs", re.I), "a detail of the build machine"),
    (re.compile(r"first draft|an earlier draft", re.I), "draft history"),
]


# Strings allowed on one page only, by page (a path without suffix, e.g. ``book/course/project``): none today; any
# entry must say why (tests/test_site_text.py checks the sources against the same list).
KNOWN: dict[str, list[str]] = {}


# Widths at which every page must fit: a desktop window and a phone.
WIDTHS = (1280, 390)

# Every visible block a reader must see whole, measured against the article column. Display math may scroll inside its
# own box (it has a scrollbar as the cue), so for math only a box reaching past the column counts; code, outputs and
# tables must not hide anything behind a scrollbar either. Returns one description per offender.
WIDE_JS = r"""() => {
  const col = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const c = col.getBoundingClientRect();
  const sel = 'div.highlight pre, .cell_output pre, .cell_output table, .cell_output img, .cell_output .animation, '
    + '.cell_output .output, article table, article figure img, mjx-container';
  const out = [];
  for (const e of col.querySelectorAll(sel)) {
    if (!e.offsetParent && getComputedStyle(e).position !== 'fixed') continue;  // folded or hidden
    const r = e.getBoundingClientRect();
    if (r.width === 0) continue;
    const past = r.right > c.right + 1 || r.left < c.left - 1;
    const isMath = e.tagName.toLowerCase() === 'mjx-container';
    const hidden = !isMath && e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0;
    if (past || hidden) {
      const what = isMath ? (e.getAttribute('display') === 'true' ? 'display math' : 'inline math') : e.matches('pre') ? (e.closest('.cell_output') ? 'text output' : 'code')
        : e.matches('table') ? 'table' : e.matches('img') ? 'image' : e.matches('.animation') ? 'animation' : 'output';
      const txt = (e.innerText || e.getAttribute('alt') || '').replace(/\s+/g, ' ').trim().slice(0, 60);
      const w = Math.max(r.width, e.scrollWidth);
      out.push(`${what} ${Math.round(w)} px wide in a ${Math.round(c.width)} px column: "${txt}"`);
    }
  }
  return out;
}"""


def stale_text(text: str, page: str = "") -> list[str]:
    """Every stale or internal string in ``text``, each with a little context and what it is; ``page`` (a path
    without suffix, e.g. ``book/course/project``) lets through that page's ``KNOWN`` strings."""
    allowed = KNOWN.get(page, [])
    out = []
    for pattern, what in STALE:
        for m in pattern.finditer(text):
            context = re.sub(r"\s+", " ", text[max(0, m.start() - 30):m.end() + 30])
            if not any(k in context for k in allowed):
                out.append(f"{what}: ...{context}...")
    return out


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])


def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(errors="replace"))
    return p


def check_links(html: Path) -> list[str]:
    """Every internal href points at an existing file, and its #fragment at an existing id."""
    errors, parsed = [], {}
    pages = sorted(p for p in html.rglob("*.html") if "_static" not in p.parts)
    for page in pages:
        info = parsed.setdefault(page, _parse(page))
        for href in info.links:
            u = urlparse(href)
            if u.scheme or href.startswith(("mailto:", "javascript:", "//")):
                continue
            target = page if not u.path else (page.parent / unquote(u.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                errors.append(f"{page.relative_to(html)}: broken link {href}")
                continue
            if u.fragment and target.suffix == ".html":
                ids = parsed.setdefault(target, _parse(target)).ids
                if unquote(u.fragment) not in ids:
                    errors.append(f"{page.relative_to(html)}: missing anchor {href}")
    return errors


def serve(root: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--html", default=str(REPO / "_build" / "html"))
    ap.add_argument("--out", default=str(REPO / "_build" / "site-check"))
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args(argv)
    html, out = Path(args.html), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    repo_url, branch = config["repository"]["url"].rstrip("/"), config["repository"]["branch"]
    toc = (REPO / "_toc.yml").read_text()
    chapters = re.findall(r"file: (chapters/\S+)", toc)

    failures = check_links(html)
    pdf = html / "forces-on-graphs.pdf"
    if not pdf.is_file() or pdf.read_bytes()[:5] != b"%PDF-":
        failures.append("forces-on-graphs.pdf: the book's PDF is missing or not a PDF (scripts/make_pdf.py needs Chromium)")
    else:
        pages_in_pdf = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
        print(f"PDF: {pdf.stat().st_size / 2**20:.1f} MB, {pages_in_pdf} pages")
        if pages_in_pdf < 10 * max(1, len(chapters)):
            failures.append(f"forces-on-graphs.pdf has only {pages_in_pdf} pages for {len(chapters)} chapters")
    from playwright.sync_api import sync_playwright

    base, server = serve(html)
    pages = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html") if "_static" not in p.parts and p.name not in ("genindex.html", "search.html"))
    weights = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        for rel in pages:
            ctx = browser.new_context(viewport={"width": 1280, "height": 1800})  # fresh cache: true page weight
            page = ctx.new_page()
            errs = []
            page.on("pageerror", lambda e, errs=errs: errs.append(f"JS error: {e}"))
            page.on("requestfailed", lambda r, errs=errs: errs.append(f"failed request {r.url}") if r.url.startswith(base) else None)

            def on_response(r, errs=errs):
                if r.url.startswith(base) and r.status >= 400:
                    errs.append(f"HTTP {r.status} for {r.url}")

            page.on("response", on_response)
            page.add_init_script("performance.setResourceTimingBufferSize(100000)")
            page.goto(base + rel, wait_until="networkidle")
            page.wait_for_timeout(300)
            has_math = page.evaluate("document.querySelectorAll('.math, mjx-container').length > 0")
            if has_math:
                ok = page.evaluate("async () => { if (!window.MathJax || !MathJax.startup) return false; await MathJax.startup.promise; return document.querySelectorAll('mjx-container').length > 0; }")
                if not ok:
                    errs.append("math not typeset (MathJax missing or rendered nothing)")
            raw = page.evaluate(r"""() => { const c = document.querySelector('main') || document.body; const clone = c.cloneNode(true);
                clone.querySelectorAll('pre, code, mjx-container, script, style, .highlight, .cell_output').forEach(e => e.remove());
                const t = clone.innerText; const m = t.match(/\\\(|\\\[|\$\$|\\begin\{|\\frac|\\mathbb/); return m ? t.substr(Math.max(0, m.index - 40), 100) : null; }""")
            if raw:
                errs.append(f"raw TeX left on the page: ...{raw}...")
            prose = page.evaluate("""() => { const c = (document.querySelector('main') || document.body).cloneNode(true);
                c.querySelectorAll('pre, .highlight, .cell_output, script, style').forEach(e => e.remove()); return c.innerText; }""")
            errs += stale_text(prose, page=rel.rsplit(".", 1)[0])
            imgs = page.evaluate(f"""() => Array.from(document.images).filter(i => i.src.startsWith({base!r}) || i.src.startsWith('data:')).map(i => [i.src, i.complete && i.naturalWidth > 0, i.alt || ''])""")
            for src, loaded, alt in imgs:
                if not loaded:
                    errs.append(f"image does not load: {src}")
                in_content = "/_images/" in src or src.startswith("data:")
                if in_content and (not alt.strip() or re.fullmatch(r"[\w./-]+\.(png|svg|jpg)", alt.strip())):
                    errs.append(f"image without alt text: {src}")
            anim = page.evaluate("() => Array.from(document.querySelectorAll('.animation img')).map(i => i.naturalWidth > 0)")
            if anim and not all(anim):
                errs.append("an animation does not show its frames")
            if rel.startswith("chapters/"):
                figures = [src for src, _, _ in imgs if "/_images/" in src or src.startswith("data:")] + anim
                if not figures:
                    errs.append("no figure on this chapter page (were the notebooks executed with a non-interactive backend?)")
                downloads = page.evaluate("() => Array.from(document.querySelectorAll('a')).map(a => a.href).filter(h => h.endsWith('.ipynb') && !h.includes('colab'))")
                if not downloads:
                    errs.append("no .ipynb download link")
                for href in sorted(set(downloads)):
                    if href.startswith(base):
                        got = page.request.get(href)
                        if got.status != 200 or '"cells"' not in got.text():
                            errs.append(f"the .ipynb download {href} does not serve the notebook (HTTP {got.status})")
                nb = rel[: -len(".html")] + ".ipynb"
                want = f"https://colab.research.google.com/github/{urlparse(repo_url).path.strip('/')}/blob/{branch}/{nb}"
                hrefs = page.evaluate("() => Array.from(document.querySelectorAll('a')).map(a => a.href).filter(h => h.includes('colab.research.google.com/github'))")
                if want not in hrefs:
                    errs.append(f"no Colab button to {want} (found {hrefs})")
                page.screenshot(path=str(out / (Path(rel).stem + ".png")), full_page=False)
                if page.query_selector("#beta-slider input[type=range]"):
                    before = page.inner_html("#beta-slider")
                    page.eval_on_selector("#beta-slider input[type=range]", "e => { e.value = e.max; e.dispatchEvent(new Event('input', {bubbles: true})); }")
                    page.wait_for_timeout(200)
                    if page.inner_html("#beta-slider") == before:
                        errs.append("the beta slider does not change the figure")
            if rel == "index.html" or rel.endswith("/intro.html"):
                page.screenshot(path=str(out / "landing.png"))
            if rel == (chapters[0] + ".html" if chapters else ""):
                # dark mode: the theme switches on html[data-theme]; figures keep their own white background
                page.evaluate("() => { document.documentElement.dataset.theme = 'dark'; document.documentElement.dataset.mode = 'dark'; }")
                page.wait_for_timeout(200)
                fig = page.query_selector("img[src*='_images/']")
                if fig:
                    fig.scroll_into_view_if_needed()
                page.screenshot(path=str(out / "dark-mode.png"))
            # page weight: the document (with any images embedded in it) plus every resource it loaded, from the
            # browser's own resource timing (decoded sizes; the local server does not compress)
            weight = page.evaluate("""() => { const nav = performance.getEntriesByType('navigation')[0];
                let total = nav ? nav.decodedBodySize : 0;
                for (const r of performance.getEntriesByType('resource')) total += r.decodedBodySize || 0;
                return total; }""")
            weights.append((rel, weight))
            # nothing off-screen: at each width every block fits the column (the phone screenshot is saved too)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 1800})
                page.wait_for_timeout(300)
                errs += [f"at {width} px: {w}" for w in page.evaluate(WIDE_JS)]
                if width < 1000 and rel.startswith("chapters/"):
                    page.screenshot(path=str(out / (Path(rel).stem + f"-{width}.png")), full_page=False)
            failures += [f"{rel}: {e}" for e in errs]
            ctx.close()
        ctx = browser.new_context(viewport={"width": 1280, "height": 1800})
        # search: each chapter is found by a word of its title
        for ch in chapters:
            page = ctx.new_page()
            page.goto(base + ch + ".html")
            title = page.evaluate("document.querySelector('h1').innerText")
            word = max(re.findall(r"[A-Za-z]{5,}", title), key=len)
            page.goto(base + f"search.html?q={word}", wait_until="load")
            try:
                page.wait_for_selector(f"#search-results a[href*='{Path(ch).name}']", timeout=15000)
            except Exception:  # noqa: BLE001
                failures.append(f"search for {word!r} does not find {ch}")
            page.close()
        browser.close()
    server.shutdown()
    print(f"{'page':<48}{'weight (MB)':>12}")
    for rel, b in sorted(weights, key=lambda t: -t[1]):
        print(f"{rel:<48}{b / 2**20:>12.2f}")
    heavy = [(r, b) for r, b in weights if b > 12 * 2**20]
    failures += [f"{r}: page weighs {b / 2**20:.1f} MB (limit 12 MB)" for r, b in heavy]
    print(f"\n{len(pages)} pages checked, screenshots in {out}")
    if failures:
        print(f"\n{len(failures)} problem(s):")
        print("\n".join("  " + f for f in failures))
        return 1
    print("site check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
