"""Numbered tables with captions, for the chapters' results.

A chapter builds a Markdown pipe table (a header row, a separator row, one row per line) and shows it with
:func:`table`: the caption, numbered per chapter like the figures ("Table 7.2."), stands above the table, and a long
listing can be folded behind a one-line summary that still shows the caption, so a reader sees what the table holds
without scrolling past all of it. The output is Markdown (MyST), so math in headers and cells (``$h$``) renders as
in the text.

Shapes:
    - ``rows``: a Markdown table as one string or a list of lines: ``| a | b |``, ``|---|---:|``, then rows with
      the same number of cells
"""

from __future__ import annotations

import re
from typing import Sequence

__all__ = ["table", "count_cells"]

_NUMBER = re.compile(r"\d+\.\d+|[A-Z]\.\d+")
_SEPARATOR = re.compile(r"^\|(\s*:?-{3,}:?\s*\|)+$")


def count_cells(line: str) -> int:
    """Number of cells of one pipe-table row (``|`` escaped as ``\\|`` inside a cell does not count)."""
    body = line.strip()
    if not (body.startswith("|") and body.endswith("|")):
        raise ValueError(f"table: every row must start and end with '|', got {line!r}")
    return len(re.split(r"(?<!\\)\|", body[1:-1]))


def table(rows: str | Sequence[str], number: str, caption: str, *, fold: bool = False):
    """A captioned Markdown table, ``IPython.display.Markdown``.

    Args:
        rows: the pipe table (see Shapes above), without caption.
        number: its number in the chapter, ``"7.2"`` (rendered "Table 7.2.").
        caption: one or two sentences saying what the table shows.
        fold: fold the rows behind a summary line ("Table 7.2: 85 rows, click to show"); for long listings.

    Raises ``ValueError`` when the table has no header and separator, rows of different widths, or a missing
    number or caption.
    """
    from IPython.display import Markdown

    lines = rows.strip().split("\n") if isinstance(rows, str) else [str(r) for r in rows]
    lines = [ln.strip() for ln in lines if ln.strip()]
    if not isinstance(number, str) or not _NUMBER.fullmatch(number):
        raise ValueError(f"table: number must look like '7.2' (chapter.table), got {number!r}")
    if not isinstance(caption, str) or not caption.strip():
        raise ValueError("table: caption must be a non-empty sentence saying what the table shows")
    if len(lines) < 2 or not _SEPARATOR.match(lines[1].replace(" ", "")):
        raise ValueError("table: rows must start with a header row and a separator row such as '|---|---:|'")
    widths = {count_cells(ln) for ln in lines}
    if len(widths) != 1:
        bad = [i for i, ln in enumerate(lines) if count_cells(ln) != count_cells(lines[0])]
        raise ValueError(f"table: every row must have {count_cells(lines[0])} cells like the header; rows {bad} do not")
    head = f"**Table {number}.** {caption.strip()}"
    body = "\n".join(lines)
    if not fold:
        return Markdown(f"{head}\n\n{body}\n")
    n = len(lines) - 2
    return Markdown(
        f"{head}\n\n<details class=\"table-fold\">\n<summary>Table {number}: {n} rows (show them)</summary>\n\n"
        f"{body}\n\n</details>\n"
    )
