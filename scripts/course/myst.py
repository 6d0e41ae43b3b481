"""MyST to plain Markdown, for readers that know only CommonMark and MathJax (Jupyter, Colab, reveal.js).

* roles: ``{cite}`a,b``` → "(Kipf and Welling, 2017; Wang et al., 2023)" from book/references.bib;
  ``{eq}`label``` and a bare ```label``` of a chapter's equation → "(k)", its number on the chapter's page; ``{doc}`text <path>``` → a link to the published
  page (``site=True``) or the bare text; ``{term}``, ``{numref}``, ``{ref}`` → their text;
* directives: definition/theorem/... blocks and admonitions → block quotes headed **Definition (title).**; exercise and
  solution blocks are dropped, and proofs too unless ``proofs``; ``$$ ... $$ (label)`` → ``$$ ... \\tag{k} $$``.
"""

from __future__ import annotations

import functools
import json
import posixpath
import re
from pathlib import Path

from paths import CHAPTERS, REPO, SITE_URL

ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
FENCE = re.compile(r"^(`{3,}|:{3,})\{([\w:-]+)\}\s*(.*)$")
BLOCK_NAMES = {"prf:definition": "Definition", "prf:theorem": "Theorem", "prf:proposition": "Proposition",
               "prf:lemma": "Lemma", "prf:corollary": "Corollary", "prf:remark": "Remark", "prf:example": "Example"}
LABELLED_EQ = re.compile(r"^[ \t]*\$\$[ \t]*\(([\w:.-]+)\)[ \t]*$", re.M)


# ---------------------------------------------------------------------------------------------------------------
# Citations: author-year from the book's BibTeX file
# ---------------------------------------------------------------------------------------------------------------
def _last_name(author: str) -> str:
    author = re.sub(r"\\[`'^\"~=.uvHcdbtk]\{?(\w)\}?", r"\1", author)     # LaTeX accents: {\'e} -> e
    author = author.replace("{", "").replace("}", "").strip()
    return author.split(",")[0].strip() if "," in author else author.split()[-1]


@functools.lru_cache(maxsize=None)
def bibliography(path: Path = REPO / "book" / "references.bib") -> dict[str, str]:
    """{key: "Kipf and Welling, 2017"} for every entry of a BibTeX file."""
    out = {}
    for entry in re.split(r"\n(?=@)", path.read_text(encoding="utf-8")):
        key = re.match(r"@\w+\{([^,]+),", entry.strip())
        author = re.search(r"\bauthor\s*=\s*\{(.*)\},?\s*$", entry, re.M)
        year = re.search(r"\byear\s*=\s*\{?(\d{4})", entry)
        if not (key and author and year):
            continue
        names = [_last_name(a) for a in re.split(r"\s+and\s+", author.group(1))]
        who = names[0] if len(names) == 1 else " and ".join(names) if len(names) == 2 else f"{names[0]} et al."
        out[key.group(1).strip()] = f"{who}, {year.group(1)}"
    return out


def cite(keys: str) -> str:
    bib = bibliography()
    return "(" + "; ".join(bib.get(k.strip(), k.strip()) for k in keys.split(",")) + ")"


# ---------------------------------------------------------------------------------------------------------------
# Equation numbers: Sphinx (math_numfig, an unnumbered table of contents) numbers a page's labelled equations 1, 2, ...
# ---------------------------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def equation_numbers() -> dict[str, str]:
    numbers = {}
    for path in sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        labels = LABELLED_EQ.findall(text)
        for k, label in enumerate(dict.fromkeys(labels), start=1):
            numbers[label] = str(k)
    return numbers


# ---------------------------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def block_numbers() -> dict[str, str]:
    """{label: "Exercise k" / "Theorem k" ...}: sphinx-exercise and sphinx-proof number a page's blocks 1, 2, ..."""
    names = {"exercise": "Exercise", **BLOCK_NAMES}
    numbers = {}
    for path in sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        counts: dict[str, int] = {}
        for kind, label in re.findall(r"^(?:`{3,}|:{3,})\{([\w:]+)\}[^\n]*\n:label: (\S+)", text, flags=re.M):
            if kind in names:
                counts[kind] = counts.get(kind, 0) + 1
                numbers[label] = f"{names[kind]} {counts[kind]}"
    return numbers


@functools.lru_cache(maxsize=None)
def page_title(rel_path: str) -> str:
    """The title of a page of the book ("chapters/04_forces" → "Chapter 4: Attraction and repulsion")."""
    for suffix in (".ipynb", ".md"):
        path = REPO / (rel_path + suffix)
        if path.is_file():
            if suffix == ".ipynb":
                text = "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"])
            else:
                text = path.read_text(encoding="utf-8")
            title = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ")), rel_path)
            number = re.match(r"chapters/(\d\d)_", rel_path)
            return f"Chapter {int(number.group(1))}: {title}" if number else title
    return rel_path.rsplit("/", 1)[-1]


def _doc_url(target: str, base: str) -> str:
    path = posixpath.normpath(posixpath.join(base, target))
    return SITE_URL + path.removesuffix(".ipynb").removesuffix(".md") + ".html"


def _role(match: re.Match, base: str | None) -> str:
    kind, text = match.groups()
    target = re.match(r"(.*?)\s*<([^>]*)>$", text, re.S)
    shown = target.group(1) if target else text
    if kind == "cite" or kind.startswith("cite:"):
        return cite(text)
    if kind == "eq":
        number = equation_numbers().get(text.strip())
        return f"({number})" if number else f"({shown})"
    if kind in ("ref", "numref", "prf:ref") and not target:
        return block_numbers().get(text.strip(), text)
    if kind == "doc":
        path = target.group(2) if target else text
        label = shown if target else page_title(posixpath.normpath(posixpath.join(base or "book/course", path)))
        return f"[{label}]({_doc_url(path, base)})" if base is not None else label
    return shown


def plain_markdown(text: str, proofs: bool = True, base: str | None = None) -> str:
    """MyST roles and directives as plain Markdown; exercises and solutions dropped, and proofs unless ``proofs``.
    ``base``: the page's folder relative to the book root (e.g. "book/course"); then {doc} links go to the site."""
    lines, out, i = text.splitlines(), [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        fence, name, title = m.groups()
        j, body = i + 1, []
        while j < len(lines) and lines[j].strip() != fence:
            body.append(lines[j])
            j += 1
        i = j + 1
        body = [ln for ln in body if not re.match(r"^:[\w-]+:", ln)]  # directive options (:label:, :class:)
        inner = plain_markdown("\n".join(body), proofs, base).strip()
        if name in ("exercise", "solution") or (name == "prf:proof" and not proofs):
            continue
        if name in BLOCK_NAMES:
            head = f"**{BLOCK_NAMES[name]}{f' ({title})' if title else ''}.**"
        elif name == "prf:proof":
            head = "*Proof.*"
        else:  # note, tip, warning, admonition, ...
            head = f"**{title or name.capitalize()}.**"
        # a block quote: one paragraph for the slide condenser, and a framed box on the page
        out += [""] + [f"> {ln}".rstrip() for ln in f"{head} {inner}".splitlines()] + [""]
    text = "\n".join(out)
    text = ROLE.sub(lambda m: _role(m, base), text)
    text = re.sub(r"(\b[A-Za-z]+\s+)?`(ch\d+-[\w-]+)`", _bare_label, text)       # "eq. `ch2-euler`" in prose
    text = _tag_equations(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _bare_label(m: re.Match) -> str:
    """A label in backticks: "eq. `ch2-euler`" → "eq. (4)", "Theorem `ch5-thm-euler`" → "Theorem 2"."""
    word, label = m.group(1) or "", m.group(2)
    if label in equation_numbers():
        return f"{word}({equation_numbers()[label]})"
    if label in block_numbers():
        kind, number = block_numbers()[label].split()
        return f"{word}{number}" if word.strip().lower() == kind.lower() else f"{word}{kind} {number}"
    return m.group(0)


def _tag_equations(text: str) -> str:
    """``$$ ... $$ (label)`` → the display with ``\\tag{k}`` (no number when the label is unknown)."""
    def repl(m: re.Match) -> str:
        number = equation_numbers().get(m.group(2))
        return m.group(1).rstrip() + (f"\n\\tag{{{number}}}" if number else "") + "\n$$"
    return re.sub(r"(\$\$\n(?:(?![ \t]*\$\$).*\n)*?)[ \t]*\$\$[ \t]*\(([\w:.-]+)\)[ \t]*$", repl, text, flags=re.M)
