"""Saved results of full-scale runs: one CSV per experiment under ``results/``, each row with the exact command
that made it and the package versions, so a chapter can plot them and say how to regenerate them.

Where results live: ``$PHYSGNN_RESULTS`` if set, else the nearest ``results/`` folder in the working directory
or its parents (a chapter runs in ``chapters/``, so it finds the repository's ``results/``). On Colab, where
the repository is not checked out, :func:`read_csv` fetches the file from the repository on GitHub.
"""

from __future__ import annotations

import csv
import os
import shlex
import sys
import urllib.request
from pathlib import Path

from .utils import offline

try:
    import fcntl
except ImportError:  # Windows: no locking (one process at a time)
    fcntl = None

__all__ = ["results_dir", "append_row", "read_csv", "saved", "ResultsUnavailable", "done", "versions", "command_line", "RAW_URL"]

RAW_URL = "https://raw.githubusercontent.com/physgnn/physgnn/main/results/{}"


def results_dir(create: bool = False) -> Path:
    """The results folder (see the module docstring). ``create`` makes ``./results`` when none is found."""
    env = os.environ.get("PHYSGNN_RESULTS")
    if env:
        path = Path(env)
    else:
        here = Path.cwd().resolve()
        found = next((p / "results" for p in (here, *here.parents) if (p / "results").is_dir() and (p / "pyproject.toml").is_file()), None)
        path = found or here / "results"
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def versions() -> dict:
    import torch
    import torch_geometric
    import torchdiffeq

    from . import __version__

    return {"physgnn": __version__, "torch": torch.__version__, "torch_geometric": torch_geometric.__version__, "torchdiffeq": torchdiffeq.__version__}


def command_line() -> str:
    """The command that is running, as a user would type it (``python -m physgnn ...``)."""
    argv = list(sys.argv)
    prog = Path(argv[0]).name if argv else "physgnn"
    if prog in ("__main__.py", "cli.py"):
        prog = "python -m physgnn"
    return " ".join([prog] + [shlex.quote(a) for a in argv[1:]])


def append_row(name: str, row: dict) -> Path:
    """Append ``row`` to ``results/<name>`` (a CSV), writing the header first if the file is new.

    Values go under the existing header by field name, whatever the order of the row's keys; a row whose fields
    are not exactly the header's raises ``ValueError`` (it would misalign the file)."""
    path = results_dir(create=True) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", newline="") as f:
        if fcntl is not None:  # several processes (reproduce --jobs) append to the same file
            fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        header = next(csv.reader(f), None)
        if header is not None and set(header) != set(row):
            raise ValueError(f"append_row: the row's fields do not match the header of {path}: missing "
                             f"{sorted(set(header) - set(row))}, unknown {sorted(set(row) - set(header))}; "
                             "write to a new file or results folder (PHYSGNN_RESULTS) when the columns change")
        f.seek(0, os.SEEK_END)
        writer = csv.DictWriter(f, fieldnames=header or list(row))
        if header is None:
            writer.writeheader()
        writer.writerow(row)
        f.flush()
    return path


def read_csv(name: str) -> list[dict]:
    """Rows of ``results/<name>`` as dicts of strings; from GitHub when there is no local copy (Colab)."""
    path = results_dir() / name
    if path.is_file():
        with path.open(newline="") as f:
            return list(csv.DictReader(f))
    if offline():
        raise FileNotFoundError(f"saved results {name!r} not found in {path.parent}, and PHYSGNN_OFFLINE forbids fetching "
                                "them; regenerate them with the command given on the page, or set PHYSGNN_RESULTS to "
                                "the folder that holds them")
    try:
        with urllib.request.urlopen(RAW_URL.format(name), timeout=30) as resp:  # noqa: S310 - fixed https URL
            text = resp.read().decode()
    except Exception as err:  # noqa: BLE001
        raise FileNotFoundError(
            f"saved results {name!r} not found in {path.parent} and not downloadable ({err}); regenerate them with the "
            "command given on the page, or set PHYSGNN_RESULTS to the folder that holds them"
        ) from err
    return list(csv.DictReader(text.splitlines()))


def done(name: str, keys: tuple[str, ...]) -> set[tuple]:
    """The key tuples already present in ``results/<name>`` (for resumable runs)."""
    path = results_dir() / name
    if not path.is_file():
        return set()
    with path.open(newline="") as f:
        return {tuple(row[k] for k in keys) for row in csv.DictReader(f)}


class ResultsUnavailable(FileNotFoundError):
    """Saved results a page needs cannot be read. The message says which file, why, and how to get it; a page
    that meets it stops there instead of showing empty or stand-in numbers as results."""


def saved(name: str, command: str) -> list[dict]:
    """The rows of ``results/<name>`` (see :func:`read_csv`), or :class:`ResultsUnavailable` saying plainly what is
    missing and how to get it: the repository's ``results/`` folder (``PHYSGNN_RESULTS``), or ``command``."""
    try:
        return read_csv(name)
    except FileNotFoundError as err:
        raise ResultsUnavailable(
            f"The saved results {name} are unavailable, so this page stops here ({err}). To get them, point "
            f"PHYSGNN_RESULTS at the results/ folder of a clone of the physgnn repository, or regenerate them with: {command}"
        ) from None
