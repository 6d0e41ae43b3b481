"""Lecture slides: one reveal.js deck per lecture from the executed chapter notebooks.

    python scripts/course.py slides    [--lectures 1 2 3 4] [--execute auto|always|never]
                                       [--reveal local|cdn] [--out _build/slides]

One reveal.js deck per lecture, ``_build/slides/lecture-N.slides.html``, built with nbconvert from the *executed*
chapter notebooks of that lecture (Jupyter Book's copies in _build/jupyter_execute are reused when they hold outputs
and their code matches the chapter; otherwise the chapter is executed once, without MPLBACKEND=Agg, which would
suppress every figure, and cached in _build/slides/executed). For every cell the first
rule that applies decides what the slide shows:

1. a cell tag: ``slide`` (new slide), ``subslide`` (new slide below the current one), ``fragment`` (appears on the
   next click), ``continue`` (on the current slide), ``notes`` (speaker notes, key S), ``skip`` (left out);
2. the cell's Jupyter slideshow metadata (``metadata.slideshow.slide_type``, set in JupyterLab's property inspector);
3. the default rule, made for chapters nobody has tagged:

   * the title cell becomes a slide with the title and the learning objectives;
   * a ``##`` heading starts a slide and a ``###`` heading a slide below it; a long heading cell is condensed to the
     heading, the "The question." line, definitions, theorems and displayed equations (proofs are left to the board);
   * a code cell whose output is a figure, an animation, a table or an interactive widget becomes a slide of its own
     (output only, no code), and the "**Figure N.k.**" caption after it joins it;
   * other Markdown joins the current slide when it is short (at most 50 words), else only its definitions and
     displayed equations do; "Check:" notes (they describe assert cells) and other code cells are skipped;
   * "Key takeaways" and "Further reading" are kept whole (their cells too); the "Exercises" section is skipped;
   * at most 60 words of prose per slide; the rest goes to the speaker notes. A bullet list that does not fit shows the
     first sentence of each item (within the budget; the full list in the notes), so that the learning objectives and
     the takeaways stay on the slide.

Cells chosen by a tag or by metadata are shown as they are: Markdown uncondensed, code with its source unless the
cell also has Jupyter Book's ``remove-input`` or ``hide-input`` tag. MyST roles and directives ({cite}, {term},
{eq}, prf blocks, admonitions) are turned into plain Markdown, since reveal.js knows no MyST; so are the roles in a
code cell's Markdown output (a table's caption with a citation).

reveal.js is served from the deck's folder (``--reveal local``, the default): reveal.js and MathJax are fetched from
the npm registry into _build/npm-slides once, at build time, and copied to _build/slides/vendor (never committed).
``--reveal cdn`` points at unpkg and jsDelivr instead (no fetching; the decks then need the internet).
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from myst import BLOCK_NAMES, plain_markdown
from paths import BUILD, CHAPTERS, REPO


# ---------------------------------------------------------------------------------------------------------------
# Slides: which chapters each lecture covers
# ---------------------------------------------------------------------------------------------------------------
# (title, chapter number prefixes, what follows the lecture). A chapter is chapters/<prefix>_*.ipynb.
LECTURES = {
    1: ("Message passing is diffusion", ["01", "02"],
        "Problem set 1 (diffusion and oversmoothing) is out: try problems 1.1-1.2 before Lab 1."),
    2: ("Heterophily, attraction and repulsion", ["03", "04"],
        "Lab 1: problem set 1 (problems 1.3-1.7), then problem set 2 (problems 2.1-2.3). Project topics are out; "
        "the proposal is due on Friday."),
    3: ("Allen-Cahn and continuous depth", ["05", "06"],
        "Lab 2: problem set 2 (problems 2.4-2.7), then problem set 3 (problems 3.1-3.3). Problem set 2 is due on "
        "Wednesday."),
    4: ("ACMP on real graphs, and a critical look", ["07", "08"],
        "Project talks on Friday; problem set 3 is due on Sunday, the report on Wednesday. Chapter 9 (other "
        "physics-inspired models) is optional reading."),
}
SLIDE_TAGS = ("slide", "subslide", "fragment", "continue", "notes", "skip")
KEEP_WHOLE = ("key takeaways", "further reading", "where this leads")
RICH = ("image/png", "image/svg+xml", "image/jpeg", "text/html", "text/markdown")
SHORT = 50  # words: a Markdown cell up to this long joins the current slide as it is
WORDS = 60  # words of prose on one slide; what does not fit goes to the speaker notes


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def chapter_path(prefix: str) -> Path | None:
    found = sorted(CHAPTERS.glob(f"{prefix}_*.ipynb"))
    return found[0] if found else None


def _blocks(text: str) -> list[str]:
    """Paragraphs, keeping $$ ... $$ displays whole even when they contain blank lines."""
    blocks, current, in_math = [], [], False
    for line in text.splitlines():
        if line.strip() == "" and not in_math:
            if current:
                blocks.append("\n".join(current))
            current = []
            continue
        current.append(line)
        in_math ^= line.count("$$") % 2 == 1
    if current:
        blocks.append("\n".join(current))
    return blocks


def _words(text: str) -> int:
    return len(re.findall(r"[A-Za-z]{2,}", re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", text, flags=re.S)))


def condense(text: str) -> str:
    """Headings, "The question." lines, definitions and theorems, and displayed equations: what a slide needs."""
    return condense_split(text)[0]


def condense_split(text: str) -> tuple[str, list[str]]:
    """(what condense keeps, the prose it leaves out: the speaker notes)."""
    keep = ("#", "**The question.**", "$$") + tuple(f"> **{n}" for n in BLOCK_NAMES.values())
    blocks = _blocks(text)
    return ("\n\n".join(b for b in blocks if b.lstrip().startswith(keep)),
            [b for b in blocks if not b.lstrip().startswith(keep)])


PRINTED_ABOVE = [(re.compile(r"\s*\((?:[^()]*?\s)?printed above\)"), ""),       # "(printed above)", "(numbers printed above)"
                 (re.compile(r",\s*printed above,"), ""),                          # "the measure, printed above, is"
                 (re.compile(r"\s+printed above\b"), "")]                          # "the eigenvalue printed above sets"


def without_printed_above(text: str) -> str:
    """A slide shows no printed output, so a caption must not point at it."""
    for pattern, repl in PRINTED_ABOVE:
        text = pattern.sub(repl, text)
    return text


def split_at_headings(cells) -> list:
    """Untagged Markdown cells cut before every heading (outside code fences), so that every section gets a slide."""
    out = []
    for cell in cells:
        if cell.cell_type != "markdown" or explicit_type(cell) is not None:
            out.append(cell)
            continue
        parts, current, fence = [], [], False
        for line in cell.source.splitlines():
            if line.lstrip().startswith(("```", "~~~")):
                fence = not fence
            if not fence and re.match(r"#{1,3} ", line) and any(ln.strip() for ln in current):
                parts.append("\n".join(current))
                current = []
            current.append(line)
        parts.append("\n".join(current))
        for k, part in enumerate(parts):
            piece = copy.deepcopy(cell)
            piece.source = part.strip()
            piece["id"] = f"{cell.get('id', 'cell')}-{k}"
            out.append(piece)
    return out


def _first_sentences(block: str, words: int) -> tuple[str, str]:
    """The longest run of whole sentences of ``block`` within ``words`` words (at least one), and the rest."""
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z*$(])", block)
    k, used = 0, 0
    while k < len(sentences) and (k == 0 or used + _words(sentences[k]) <= words):
        used += _words(sentences[k])
        k += 1
    head, rest = " ".join(sentences[:k]), " ".join(sentences[k:])
    if _words(head) > words and "$$" not in head:          # one sentence longer than a slide: cut it, go on in the notes
        tokens = head.split()
        cut = len(tokens)
        while cut and (_words(" ".join(tokens[:cut])) > words or " ".join(tokens[:cut]).count("$") % 2):
            cut -= 1
        head, rest = " ".join(tokens[:cut]) + " …", ("… " + " ".join(tokens[cut:]) + " " + rest).strip()
    return head, rest


LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+")


def _is_list(block: str) -> bool:
    return bool(LIST_ITEM.match(block))


def list_heads(block: str, words: int) -> tuple[str, str]:
    """A bullet list cut to fit a slide: the first sentence of each item (at most 14 words, then an ellipsis), as many
    items as ``words`` allows (at least one); and the items left out, for the notes."""
    items, current = [], []
    for line in block.splitlines():
        if LIST_ITEM.match(line) and current:
            items.append(" ".join(current))
            current = []
        current.append(line.strip())
    items.append(" ".join(current))
    shown, used = [], 0
    for k, item in enumerate(items):
        marker = LIST_ITEM.match(item).group(0).strip()
        head = re.split(r"(?<!et al\.)(?<=[.!?;])\s+", LIST_ITEM.sub("", item), maxsplit=1)[0]
        tokens = head.split()
        if _words(head) > 14:
            tokens = tokens[:14]
            while _words(" ".join(tokens)) > 14 or " ".join(tokens).count("$") % 2:
                tokens.pop()
            head = " ".join(tokens).rstrip(",;:") + " …"
        if shown and used + _words(head) > words:
            return "\n".join(shown), "\n".join(items[k:])
        shown.append(f"{marker} {head}")
        used += _words(head)
    return "\n".join(shown), ""


def within_budget(cells, words: int = WORDS) -> list:
    """At most ``words`` words of prose per slide; blocks beyond that (and the prose the default rule condensed away)
    go to a speaker-notes cell after the cell. Displayed equations and headings always stay."""
    out, used, overflowing = [], 0, False
    for cell in cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type")
        if kind in ("slide", "subslide"):
            used, overflowing = 0, False
        if cell.cell_type != "markdown" or not cell.metadata.pop("slides-default", False):
            out.append(cell)
            continue
        shown, notes = [], list(cell.metadata.pop("slides-notes", []))
        for block in _blocks(cell.source):
            n = _words(block)
            if block.lstrip().startswith("#") or n == 0 or (not overflowing and used + n <= words):
                shown.append(block)
                used += 0 if block.lstrip().startswith("#") else n      # headings always stay, and cost nothing
            elif _is_list(block) and not overflowing and used + 3 <= words:   # a list: the head of each item that fits
                head, _ = list_heads(block, words - used)
                shown.append(head)
                used, overflowing = used + _words(head), True
                notes.append(block)
            elif used == 0 and not overflowing:      # a slide with a heading alone: its first sentences, the rest noted
                head, rest = _first_sentences(block, words)
                shown.append(head)
                used, overflowing = _words(head), True
                notes.append(rest) if rest else None
            else:
                overflowing = True
                notes.append(block)
        if shown or kind in ("slide", "subslide"):
            cell.source = "\n\n".join(shown)
            out.append(cell)
        if notes:
            out.append(nbformat.v4.new_markdown_cell("\n\n".join(notes), metadata={"slideshow": {"slide_type": "notes"}}))
    return out


def title_slide(text: str) -> str:
    """A chapter's first cell: the title and the learning objectives."""
    blocks = _blocks(text)
    out = [blocks[0]]
    for k, b in enumerate(blocks):
        if b.startswith("**Learning objectives**"):
            out += blocks[k : k + 2]
    return "\n\n".join(out)


# ---------------------------------------------------------------------------------------------------------------
# Choosing the cells
# ---------------------------------------------------------------------------------------------------------------
def explicit_type(cell) -> str | None:
    for t in SLIDE_TAGS:
        if t in tags(cell):
            return "-" if t == "continue" else t
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def _rich(cell) -> bool:
    return any(o.get("output_type") in ("display_data", "execute_result") and any(k in o.get("data", {}) for k in RICH)
               for o in cell.get("outputs", []))


def slide_cells(nb) -> list:
    """The cells of one executed chapter as slide cells, each with ``metadata.slideshow.slide_type`` set."""
    out, skipping_section, whole_section = [], False, False
    for index, cell in enumerate(split_at_headings(nb.cells)):
        cell = copy.deepcopy(cell)
        cell_tags = tags(cell)
        kind = explicit_type(cell)
        text = cell.source.strip() if cell.cell_type == "markdown" else ""
        if text.startswith("## "):
            skipping_section = text[3:].strip().lower().startswith("exercises")
            whole_section = any(k in text.split("\n", 1)[0].lower() for k in KEEP_WHOLE)
        if kind is not None:  # a tag or slideshow metadata decides; show the cell as it is
            if kind == "skip":
                continue
            if cell.cell_type == "markdown":
                cell.source = without_printed_above(plain_markdown(cell.source))
            elif "remove-input" in cell_tags or "hide-input" in cell_tags:
                cell.metadata["tags"] = cell_tags + ["slides-hide-input"]
            if "remove-output" in cell_tags:
                cell.outputs = []
        elif skipping_section:
            continue
        elif cell.cell_type == "markdown":
            plain = without_printed_above(plain_markdown(cell.source, proofs=False))
            heading = text.split("\n", 1)[0].lower()
            dropped: list[str] = []
            if index == 0 and text.startswith("# "):
                kind, cell.source = "slide", title_slide(plain)
            elif text.startswith(("## ", "### ")):
                kind = "slide" if text.startswith("## ") else "subslide"
                whole = any(k in heading for k in KEEP_WHOLE) or _words(plain) <= 2 * SHORT
                cell.source, dropped = (plain, []) if whole else condense_split(plain)
            elif text.startswith("Check"):  # describes an assert cell, which slides leave out
                continue
            elif text.startswith("**Figure") or _words(plain) <= SHORT or whole_section:
                kind, cell.source = "-", plain
            else:
                kind, (cell.source, dropped) = "-", condense_split(plain)
            if not cell.source and not dropped:
                continue
            cell.metadata["slides-default"], cell.metadata["slides-notes"] = True, dropped
        elif cell.cell_type == "code" and _rich(cell):
            kind = "subslide"
            cell.outputs = [o for o in cell.outputs if o.get("output_type") in ("display_data", "execute_result")
                            and any(k in o.get("data", {}) for k in RICH)]
            for o in cell.outputs:  # a table's caption may cite: the site renders MyST in Markdown output, reveal.js not
                if "text/markdown" in o["data"]:
                    o["data"]["text/markdown"] = plain_markdown(o["data"]["text/markdown"])
            cell.metadata["tags"] = cell_tags + ["slides-hide-input"]
        else:
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        cell.metadata["slideshow"] = {"slide_type": kind}
        out.append(cell)
    return within_budget(out)


# ---------------------------------------------------------------------------------------------------------------
# Executed chapters
# ---------------------------------------------------------------------------------------------------------------
def _code(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


def mode() -> str:
    """"fast" or "full": the size the chapters run at here (physgnn.utils.fast_mode reads CI and PHYSGNN_FAST)."""
    from physgnn.utils import fast_mode

    return "fast" if fast_mode() else "full"


def executed(path: Path, execute: str = "auto", cache: Path = BUILD / "slides" / "executed"):
    """The chapter with outputs: an executed copy with the chapter's code, run in the current mode, when one exists,
    else run it (``execute``: auto/always/never). The cache has one folder per mode, so a full-size deck never shows
    fast-mode figures; Jupyter Book's copies (the site runs in fast mode) count only in fast mode and only when they
    hold outputs (with its cache they may not)."""
    source = nbformat.read(path, as_version=4)
    cache = cache / mode()
    if execute != "always":
        site_copy = [BUILD / "jupyter_execute" / "chapters" / path.name] if mode() == "fast" else []
        for copy_path in (*site_copy, cache / path.name):
            if copy_path.is_file():
                nb = nbformat.read(copy_path, as_version=4)
                ran = any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
                if ran and _code(nb) == _code(source):
                    return nb
        if execute == "never":
            print(f"  {path.name}: no executed copy matches the chapter; slides without outputs", file=sys.stderr)
            return source
    from nbclient import NotebookClient

    print(f"  executing {path.name} ...", file=sys.stderr)
    backend = os.environ.pop("MPLBACKEND", None)  # with MPLBACKEND=Agg the kernel would draw no figures at all
    try:
        NotebookClient(source, timeout=1800, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        if backend is not None:
            os.environ["MPLBACKEND"] = backend
    cache.mkdir(parents=True, exist_ok=True)
    nbformat.write(source, cache / path.name)
    return source


# ---------------------------------------------------------------------------------------------------------------
# reveal.js and MathJax, local or from a CDN
# ---------------------------------------------------------------------------------------------------------------
REVEAL_VERSION, MATHJAX_VERSION = "4.6.1", "3.2.2"
CDN = {"reveal": f"https://unpkg.com/reveal.js@{REVEAL_VERSION}",
       "mathjax": f"https://cdn.jsdelivr.net/npm/mathjax@{MATHJAX_VERSION}/es5/tex-chtml-full.js"}
LOCAL = {"reveal": "vendor/reveal.js", "mathjax": "vendor/mathjax/tex-chtml-full.js"}
VENDOR_FILES = ("reveal.js/dist/reveal.js", "reveal.js/dist/reveal.css", "reveal.js/dist/theme/simple.css",
                "reveal.js/plugin/notes/notes.js", "mathjax/tex-chtml-full.js")


def vendor(out: Path, npm_prefix: Path = BUILD / "npm-slides") -> None:
    """Make ``out/vendor`` hold reveal.js and MathJax, fetching them from the npm registry when missing."""
    dest = out / "vendor"
    if all((dest / f).is_file() for f in VENDOR_FILES):
        return
    modules = npm_prefix / "node_modules"
    if not ((modules / "reveal.js").is_dir() and (modules / "mathjax").is_dir()):
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("course.py slides: npm is needed to fetch reveal.js (or use --reveal cdn)")
        npm_prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund", "--silent", "--prefix", str(npm_prefix),
                        f"reveal.js@{REVEAL_VERSION}", f"mathjax@{MATHJAX_VERSION}"], check=True)
    shutil.rmtree(dest, ignore_errors=True)
    for part in ("dist", "plugin"):
        shutil.copytree(modules / "reveal.js" / part, dest / "reveal.js" / part)
    (dest / "mathjax").mkdir(parents=True)
    for part in ("tex-chtml-full.js", "input", "output", "ui", "a11y"):
        src = modules / "mathjax" / "es5" / part
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / "mathjax" / part)


# nbconvert's reveal template with five changes: MathJax 3 instead of 2 (the book's version); no jQuery, require.js
# or mermaid (nothing here uses them, and offline they are failed requests); figures keep the chapter's alt text; long
# slides scroll; the buttons of matplotlib's animations get plain Unicode symbols instead of Font Awesome icons from a
# CDN (render() drops that stylesheet link).
TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{% block html_head_js_jquery %}{% endblock html_head_js_jquery %}
{% block html_head_js_requirejs %}{% endblock html_head_js_requirejs %}
{% block html_head_js_mermaidjs %}{% endblock html_head_js_mermaidjs %}
{% block html_head_js_mathjax %}
<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\(', '\\)']]}};</script>
<script src="{{ resources.mathjax_url }}"></script>
<style>.reveal .slides section { height: 100%; overflow-y: auto; } .reveal .slides img { max-height: 560px; }
.jp-InputPrompt, .jp-OutputPrompt { display: none; }
.fa { font-style: normal; } .fa-fast-backward::before { content: "\23EE"; } .fa-step-backward::before { content: "\23F4"; }
.fa-play::before { content: "\25B6"; } .fa-pause::before { content: "\23F8"; } .fa-step-forward::before { content: "\23F5"; }
.fa-fast-forward::before { content: "\23ED"; } .fa-minus::before { content: "\2212"; } .fa-plus::before { content: "+"; }
.fa-flip-horizontal { display: inline-block; transform: scaleX(-1); }</style>
{% endblock html_head_js_mathjax %}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output"><img src="data:image/png;base64,{{ output.data['image/png'] }}"
 alt="{{ cell.metadata.get('mystnb', {}).get('image', {}).get('alt', 'figure') | escape_html }}"></div>
{% endblock data_png %}
{% block footer_js %}
<script src="{{ resources.reveal.url_prefix }}/dist/reveal.js"></script>
<script src="{{ resources.reveal.url_prefix }}/plugin/notes/notes.js"></script>
<script>
Reveal.initialize({controls: true, progress: true, hash: true, slideNumber: "c/t", transition: "slide",
                   width: 1280, height: 800, plugins: [RevealNotes]});
</script>
{% endblock footer_js %}
"""


def render(nb, title: str, reveal: str) -> str:
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    urls = LOCAL if reveal == "local" else CDN
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_input_tags = {"slides-hide-input"}
    exporter = SlidesExporter(config=config, raw_template=TEMPLATE, reveal_url_prefix=urls["reveal"],
                              mathjax_url=urls["mathjax"], reveal_theme="simple", exclude_input_prompt=True,
                              exclude_output_prompt=True)
    nb.metadata["title"] = title
    html, _ = exporter.from_notebook_node(nb)
    return re.sub(r"<link[^>]*font-awesome[^>]*>", "", html)


def build_deck(chapters: list[Path | None], labels: list[str], title: str, subtitle: str, after: str, out_file: Path,
               execute: str = "auto", reveal: str = "local") -> Path:
    """One deck: a title slide, the slides of each chapter (a notice for a missing one), a closing slide."""
    new = nbformat.v4.new_markdown_cell
    cells = [new(f"# {title}\n\n*Forces on Graphs* · {subtitle}\n\n" + "\n".join(f"- {lab}" for lab in labels),
                 metadata={"slideshow": {"slide_type": "slide"}})]
    for path, label in zip(chapters, labels):
        if path is None:
            cells.append(new(f"## {label}\n\n*This chapter is not in the book yet; the deck will include it once it "
                             f"exists.*", metadata={"slideshow": {"slide_type": "slide"}}))
            continue
        cells += slide_cells(executed(path, execute, out_file.parent / "executed"))
    cells.append(new(f"## After this lecture\n\n{after}\n\nSyllabus, schedule and problem sets: the *Teaching* part of "
                     f"the book.", metadata={"slideshow": {"slide_type": "slide"}}))
    for k, cell in enumerate(cells):
        cell["id"] = f"slide-cell-{k}"
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                        "language": "python"}})
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(render(nb, title, reveal), encoding="utf-8")
    return out_file


def slides(lectures=tuple(LECTURES), out: Path = BUILD / "slides", execute: str = "auto", reveal: str = "local") -> list[Path]:
    """Build ``out/lecture-N.slides.html`` for each lecture N; return the paths."""
    if reveal == "local":
        vendor(out)
    written = []
    for n in lectures:
        title, prefixes, after = LECTURES[n]
        paths = [chapter_path(p) for p in prefixes]
        labels = [f"Chapter {int(p)}" + (f": {_chapter_title(path)}" if path else "") for p, path in zip(prefixes, paths)]
        print(f"lecture {n}: {', '.join(p.name if p else f'chapter {q} (missing)' for p, q in zip(paths, prefixes))}",
              file=sys.stderr)
        written.append(build_deck(paths, labels, f"Lecture {n}: {title}", "chapters " + "–".join(
            str(int(p)) for p in (prefixes[0], prefixes[-1])), after, out / f"lecture-{n}.slides.html", execute, reveal))
    return written


def _chapter_title(path: Path) -> str:
    first = nbformat.read(path, as_version=4).cells[0].source.strip().splitlines()[0]
    return first.lstrip("# ").strip()
