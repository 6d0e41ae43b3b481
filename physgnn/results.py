"""Saved results of full-scale runs: one CSV per experiment under ``results/``, each row with the exact command
that made it and the package versions, so a chapter can plot them and say how to regenerate them.

Where results live: ``$PHYSGNN_RESULTS`` if set; else the ``results/`` folder of the nearest physgnn project (a
folder whose ``pyproject.toml`` names the project ``physgnn``) holding the working directory, so a chapter run in
``chapters/`` finds the repository's ``results/`` and never another project's; else ``./results``. A results folder
or file that is a symbolic link is refused. On Colab, where the repository is not checked out, :func:`read_csv`
fetches the file from the repository on GitHub.

The files are append-only and survive a crash: :func:`append_row` writes each row as one ``write`` of a complete
line, flushed and synced to disk, under an exclusive lock, and first moves a cut last line (a crash or a full disk
in the middle of a write) to ``NAME.quarantine`` next to the CSV, with a warning. Readers skip such a line, so a cut
row never counts as done. A run resumes by :func:`done`, whose keys should hold every option that changes a result;
``append_row(..., unique=keys)`` checks under the lock that the row's key is not yet in the file, so two runs of
the same command cannot write a row twice.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import shlex
import sys
import urllib.request
import warnings
from pathlib import Path
from typing import Callable, Iterable

from .utils import offline

try:
    import fcntl
except ImportError:  # Windows: no locking (one process at a time)
    fcntl = None

__all__ = ["results_dir", "append_row", "read_csv", "saved", "ResultsUnavailable", "PageResults", "page_results", "done",
           "key", "run_lock", "versions", "command_line", "RAW_URL"]

RAW_URL = "https://raw.githubusercontent.com/physgnn/physgnn/main/results/{}"


def _is_physgnn_project(folder: Path) -> bool:
    """Whether ``folder/pyproject.toml`` declares ``[project] name = "physgnn"``."""
    try:
        text = (folder / "pyproject.toml").read_text()
    except OSError:
        return False
    try:
        import tomllib
    except ImportError:  # Python < 3.11: the name line of the [project] table
        match = re.search(r'^\[project\][^\[]*?^name\s*=\s*["\']([^"\']+)', text, re.M | re.S)
        return bool(match) and match.group(1) == "physgnn"
    try:
        return tomllib.loads(text).get("project", {}).get("name") == "physgnn"
    except tomllib.TOMLDecodeError:
        return False


def _refuse_link(path: Path, what: str) -> None:
    if path.is_symlink():
        raise ValueError(f"{what} {path} is a symbolic link (to {os.readlink(path)}); results are only written to a "
                         "real folder: point PHYSGNN_RESULTS at the link's target instead")


def results_dir(create: bool = False) -> Path:
    """The results folder (see the module docstring). ``create`` makes it when it does not exist."""
    env = os.environ.get("PHYSGNN_RESULTS")
    if env:
        path = Path(env)
    else:
        here = Path.cwd().resolve()
        root = next((p for p in (here, *here.parents) if _is_physgnn_project(p)), None)
        path = (root or here) / "results"
    _refuse_link(path, "the results folder")
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def versions() -> dict:
    import torch
    import torch_geometric
    import torchdiffeq

    from . import __version__

    return {"physgnn": __version__, "torch": torch.__version__, "torch_geometric": torch_geometric.__version__, "torchdiffeq": torchdiffeq.__version__}


def command_line(argv: list[str] | None = None, prog: str | None = None) -> str:
    """The command that is running, as a user would type it (``python -m physgnn ...``). With ``prog``, the command
    ``prog argv...`` (``argv`` defaults to ``sys.argv[1:]``): a ``main(argv)`` called from Python or from the
    ``physgnn`` command records the options it was given, and a resume can read them back."""
    if prog is not None:
        argv = sys.argv[1:] if argv is None else argv
        return " ".join([prog] + [shlex.quote(str(a)) for a in argv])
    argv = list(sys.argv)
    prog = Path(argv[0]).name if argv else "physgnn"
    if prog in ("__main__.py", "cli.py"):
        prog = "python -m physgnn"
    return " ".join([prog] + [shlex.quote(a) for a in argv[1:]])


def key(*values) -> tuple[str, ...]:
    """The values of a row's key as comparable strings: numbers in one spelling (``1``, ``1.0`` and ``"1.0"`` all
    give ``"1.0"``), anything else as ``str``. :func:`done` returns such tuples; build the key of a run with this."""
    out = []
    for v in values:
        s = str(v)
        if not isinstance(v, bool) and s not in ("True", "False"):
            try:
                f = float(s)
                s = repr(f) if math.isfinite(f) else s
            except ValueError:
                pass
        out.append(s)
    return tuple(out)


def _split(data: bytes, path: Path) -> tuple[list[str] | None, list[list[str]], bytes]:
    """(header, complete rows, cut tail) of a CSV file's bytes. The tail is the last record when it has no line end
    or a field count other than the header's (a write cut short); a damaged record anywhere else raises."""
    text = data.decode("utf-8", errors="surrogateescape")  # bytes round-trip exactly
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]  # the part after the last line end: "" for a complete file
    reader = csv.reader(line for line in lines if line)
    records, start = [], 0  # (fields, index of the record's first line)
    for fields in reader:
        if fields:  # blank lines carry no row
            records.append((fields, start))
        start = reader.line_num
    header = records[0][0] if records else None
    if records and (not text.endswith("\n") or len(records[-1][0]) != len(header)):
        fields, first = records.pop()
        tail = "".join(lines[first:])
        header = records[0][0] if records else None
    else:
        tail = ""
    rows = [fields for fields, _ in records[1:]]
    for fields, first in records[1:]:
        if len(fields) != len(header):
            raise ValueError(f"{path}: the row on line {first + 1} has {len(fields)} fields, the header "
                             f"{len(header)}; the file is damaged: move that line to {path.name}.quarantine (or delete "
                             "it) and rerun the command to redo its run")
    return header, rows, tail.encode("utf-8", errors="surrogateescape")


def _read(path: Path) -> tuple[list[str] | None, list[dict], bytes]:
    header, rows, tail = _split(path.read_bytes(), path)
    if tail:
        warnings.warn(f"{path}: its last line is incomplete (a write cut short) and is left out; the next write "
                      f"moves it to {path.name}.quarantine", RuntimeWarning, stacklevel=3)
    return header, [dict(zip(header, r)) for r in rows], tail


def _quarantine(fd: int, path: Path, tail: bytes) -> None:
    """Move the cut last line ``tail`` of the locked, open file ``fd`` to ``path.quarantine``."""
    qpath = path.with_name(path.name + ".quarantine")
    _refuse_link(qpath, "the quarantine file")
    with qpath.open("ab") as q:
        q.write(tail.rstrip(b"\r\n") + b"\n")
        q.flush()
        os.fsync(q.fileno())
    os.ftruncate(fd, os.fstat(fd).st_size - len(tail))
    warnings.warn(f"{path}: its last line was incomplete (a write cut short: a crash or a full disk); moved to "
                  f"{qpath} and left out, so its run is done again", RuntimeWarning, stacklevel=3)


def append_row(name: str, row: dict, unique: Iterable[str] | None = None,
               derive: Callable[[dict], dict] | None = None) -> Path | None:
    """Append ``row`` to ``results/<name>`` (a CSV), writing the header first if the file is new.

    Values go under the existing header by field name, whatever the order of the row's keys; a row whose fields
    are not exactly the header's raises ``ValueError`` (it would misalign the file). ``unique``: key columns; the
    row is not written when a row with the same key is already there (checked under the lock; ``derive`` as in
    :func:`done`). Returns the file's path, or ``None`` when the row was not written."""
    path = results_dir(create=True) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    _refuse_link(path, "the results file")
    with open(path, "a+b", buffering=0) as f:  # unbuffered: one write() is one system call
        if fcntl is not None:  # several processes (reproduce --jobs) append to the same file
            fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        header, rows, tail = _split(f.read(), path)
        if tail:
            _quarantine(f.fileno(), path, tail)
        if header is not None and set(header) != set(row):
            raise ValueError(f"append_row: the row's fields do not match the header of {path}: missing "
                             f"{sorted(set(header) - set(row))}, unknown {sorted(set(row) - set(header))}; "
                             "write to a new file or results folder (PHYSGNN_RESULTS) when the columns change")
        if unique is not None and header is not None:
            unique = tuple(unique)
            if _key_of(row, unique, derive) in {_key_of(dict(zip(header, r)), unique, derive) for r in rows}:
                return None
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=header or list(row))
        if header is None:
            writer.writeheader()
        writer.writerow(row)
        data = text.getvalue().encode("utf-8")
        if f.write(data) != len(data):
            raise OSError(f"append_row: a short write to {path} (is the disk full?)")
        os.fsync(f.fileno())
    return path


def read_csv(name: str) -> list[dict]:
    """Rows of ``results/<name>`` as dicts of strings; from GitHub when there is no local copy (Colab). A cut
    last line (see the module docstring) is left out with a warning."""
    path = results_dir() / name
    if path.is_file():
        return _read(path)[1]
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


def _key_of(row: dict, keys: tuple[str, ...], derive) -> tuple[str, ...]:
    missing = [k for k in keys if row.get(k, "") in ("", None)]
    extra = derive(row) if missing and derive is not None else {}
    return key(*(extra.get(k) if k in missing else row[k] for k in keys))


def done(name: str, keys: Iterable[str], derive: Callable[[dict], dict] | None = None) -> set[tuple[str, ...]]:
    """The keys (as :func:`key` spells them) of the complete rows of ``results/<name>``, for resumable runs.

    ``keys`` should name every option that changes a result. ``derive(row)`` gives the values of key columns that
    a row lacks (rows written before the column existed), e.g. from its ``command``; without it they are ``None``,
    which matches no run."""
    path = results_dir() / name
    if not path.is_file():
        return set()
    keys = tuple(keys)
    return {_key_of(row, keys, derive) for row in _read(path)[1]}


def run_lock(name: str) -> io.TextIOBase:
    """Lock ``results/.<name>.lock`` for a whole run (``with run_lock(name): ...``, or close the returned file), so
    that a second run writing the same CSV at the same time is refused with a clear ``RuntimeError`` instead of doing
    the same work twice. The lock goes with the file, and with the process when it dies."""
    folder = results_dir(create=True)
    path = folder / f".{name}.lock"
    _refuse_link(path, "the lock file")
    f = open(path, "a+")
    if fcntl is not None:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            f.close()
            raise RuntimeError(f"another run is writing {folder / name} ({holder}); wait for it to finish (a run "
                               "resumes where it stops), or write to another results folder (PHYSGNN_RESULTS)") from None
    f.seek(0)
    f.truncate()
    f.write(f"pid {os.getpid()}: {command_line()}\n")
    f.flush()
    return f


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


class PageResults(dict):
    """The saved results one page reads, loaded once: ``{file name: rows}`` for the files that could be read, and
    ``missing``, ``{file name: command that makes it}``, for those that could not.

    A page asks ``if name in SAVED`` before it shows or asserts anything about a file's numbers, so a missing file
    skips those claims instead of feeding them empty or stand-in rows; :meth:`note` is the one plain sentence that
    says what is missing and how to get it. ``SAVED[name]`` of a missing file raises :class:`ResultsUnavailable`
    with that sentence.
    """

    def __init__(self, rows: dict, missing: dict, reasons: dict):
        super().__init__(rows)
        self.missing = dict(missing)
        self._reasons = dict(reasons)

    def __missing__(self, name):
        if name in self.missing:
            raise ResultsUnavailable(self.note())
        raise KeyError(f"{name!r} is not one of the saved results this page declared: {sorted(self) + sorted(self.missing)}")

    def note(self) -> str:
        """One paragraph: which files are missing, why, and the command that makes each ("" when none is). Files
        that one command makes are listed together; a command may say how long it takes (``"python -m physgnn
        reproduce --all --jobs 2, about 3 hours on two cores"``)."""
        if not self.missing:
            return ""
        by_command: dict[str, list[str]] = {}  # files one command makes are named together, the command once
        for name, command in self.missing.items():
            by_command.setdefault(command, []).append(f"results/{name}")
        files = "; ".join(f"{', '.join(names)} (made by: {command})" for command, names in by_command.items())
        reasons = " ".join(sorted(set(self._reasons.values())))
        return (f"Saved results missing: {files}. {reasons} The cells below that need them show and check nothing "
                "about them. To get them, point PHYSGNN_RESULTS at the results/ folder of a clone of the physgnn "
                "repository, or run those commands in a terminal.")


def _why(err: Exception) -> str:
    """Why ``name`` could not be read, without the file name (the note lists the files)."""
    folder = results_dir()
    if offline():
        return f"They are not in {folder}, and PHYSGNN_OFFLINE forbids downloading them."
    cause = err.__cause__ or err
    return f"They are not in {folder} and could not be downloaded from GitHub ({cause})."


def page_results(needs: dict) -> PageResults:
    """Read every saved file a page needs, ``{file name: command that makes it}``, and print :meth:`PageResults.note`
    once when any is missing (nothing when all are there). Files are read as :func:`read_csv` reads them: locally,
    or from GitHub on Colab."""
    if not isinstance(needs, dict) or not needs:
        raise ValueError(f"page_results: needs must be a non-empty dict {{file name: command that makes it}}, got {needs!r}")
    for name, command in needs.items():
        if not (isinstance(name, str) and name.endswith(".csv") and "/" not in name):
            raise ValueError(f"page_results: {name!r} is not a file name of results/ (like 'beta_sweep.csv')")
        if not (isinstance(command, str) and command.strip()):
            raise ValueError(f"page_results: the command that makes {name} must be a non-empty string, got {command!r}")
    rows, missing, reasons = {}, {}, {}
    for name, command in needs.items():
        try:
            rows[name] = read_csv(name)
        except FileNotFoundError as err:
            missing[name], reasons[name] = command.strip(), _why(err)
    page = PageResults(rows, missing, reasons)
    if page.missing:
        print(page.note())
    return page
