"""The whole book as one PDF: print Jupyter Book's single-page HTML build with headless Chromium.

    python scripts/make_pdf.py [--html _build/singlehtml/index.html] [--out _build/pdf/forces-on-graphs.pdf]

Jupyter Book's own PDF-via-HTML builder downloads a browser at build time and fails offline; the LaTeX builder needs
a TeX installation. Debian's Chromium prints the single-page build instead (`make book` builds it with
``jupyter-book build . --builder singlehtml`` from the same execution cache, so nothing runs twice). The page is
given time to typeset its math (MathJax is served from the site) before printing. The PDF lands in ``_build/pdf``,
which ``_config.yml`` lists in ``html_extra_path``: the site serves it at its root, and the intro links to it.

Without Chromium the script says how to install it and exits with status 0 (a local build without a PDF is still
a build); CI installs Chromium, and the browser check of the site then fails on the missing file.
"""

from __future__ import annotations

import argparse
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


def single_page(html: Path) -> Path:
    """The file to print. The single-page build's index.html only redirects to the root document (book/intro.html),
    whose links to _static/ and _images/ are written relative to the build's root; a copy at the root resolves them."""
    text = html.read_text(errors="replace")
    target = re.search(r'http-equiv="refresh"[^>]*url=([^"\s>]+)', text, re.I)
    if not target:
        return html
    page = html.parent / "print.html"
    page.write_text((html.parent / target.group(1)).read_text(errors="replace"))
    return page


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
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--run-all-compositor-stages-before-draw",
           f"--virtual-time-budget={args.budget}", "--no-pdf-header-footer", f"--print-to-pdf={tmp}",
           page.resolve().as_uri()]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)
    head = tmp.read_bytes()[:5] if tmp.is_file() else b""
    if head != b"%PDF-":
        print(f"make_pdf: Chromium did not write a PDF ({tmp})", file=sys.stderr)
        return 1
    tmp.replace(args.out)
    print(f"make_pdf: {args.out.relative_to(ROOT)} ({args.out.stat().st_size / 2**20:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
