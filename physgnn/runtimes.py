"""How long each chapter takes at full size on a CPU, from recorded runs, and what a reader on a CPU runtime is told.

The record is ``physgnn/chapter_times.json`` (shipped with the package, so Colab has it): for each chapter, the
wall-clock seconds of its last full-size run by ``scripts/execute_notebooks.py`` (which writes it after every
successful full-size run, with the date and how many kernels shared the machine). A chapter without a record says
so; no time is ever guessed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch

__all__ = ["RECORD", "recorded", "record", "cpu_note"]

RECORD = Path(__file__).with_name("chapter_times.json")

FAST_SWITCH = ("For a quick run with shrunk experiments (fast mode), run `%env PHYSGNN_FAST=1` in a cell and then "
               "this cell again; Colab does not set CI, which switches fast mode on in the book's own test runs.")


def _chapter(chapter: str) -> str:
    if not isinstance(chapter, str) or not chapter or "/" in chapter or chapter.endswith(".ipynb"):
        raise ValueError(f"chapter must be a notebook's name without folder or suffix, like '02_diffusion', got {chapter!r}")
    return chapter


def _load(path: Path) -> dict:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a JSON object {{chapter: record}}")
    return data


def recorded(chapter: str, path: Path = RECORD) -> dict | None:
    """The recorded full-size CPU run of ``chapter`` (``{"seconds", "finished", "jobs"}``), or ``None``."""
    return _load(path).get(_chapter(chapter))


def record(chapter: str, seconds: float, finished: str, jobs: int, path: Path = RECORD) -> None:
    """Store the full-size CPU run time of ``chapter`` (replacing an older record)."""
    seconds = float(seconds)
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"record: seconds must be a positive number, got {seconds!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"record: jobs must be a positive integer (kernels side by side), got {jobs!r}")
    data = _load(path)
    data[_chapter(chapter)] = {"seconds": round(seconds, 1), "finished": str(finished), "jobs": jobs}
    path.write_text(json.dumps(dict(sorted(data.items())), indent=1) + "\n")


def cpu_note(chapter: str, device: torch.device, fast: bool, path: Path = RECORD) -> str:
    """What a reader computing on the CPU at full size should know before running ``chapter``: how long it took on
    the machine that built the book, and how to switch to fast mode. Empty on a GPU or in fast mode."""
    chapter = _chapter(chapter)
    if torch.device(device).type != "cpu" or fast:
        return ""
    rec = recorded(chapter, path)
    if rec is None:
        took = "This chapter runs at full size on the CPU; no full-size run time is recorded for it yet."
    else:
        minutes = max(1, round(rec["seconds"] / 60))
        shared = f", {rec['jobs']} chapters at a time" if rec.get("jobs", 1) > 1 else ""
        took = (f"At full size on a CPU this chapter took about {minutes} min on the two-core machine that built the "
                f"book ({rec['finished']}{shared}).")
    return f"{took} {FAST_SWITCH}"
