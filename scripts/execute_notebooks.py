"""Execute the book's notebooks in parallel into Jupyter Book's execution cache, before `jupyter-book build`.

    python scripts/execute_notebooks.py [--jobs 2] [--cache _build/.jupyter_cache] [--timeout 600] [NOTEBOOK ...]

Jupyter Book (myst-nb, ``execute_notebooks: cache``) runs notebooks one at a time while Sphinx reads them. This
script fills the same jupyter-cache database first, ``--jobs`` kernels at a time, with the same settings myst-nb
uses (working directory = the notebook's folder, errors not allowed, the configured timeout), so the build then
finds every notebook cached and only renders. A notebook whose code is already cached from a run in the same
mode is not run again. A notebook whose metadata sets ``mystnb.execution_mode: off`` (the student pages of the
problem sets, whose checks fail until a student fills them in) is not run, as myst-nb does not run it either.

Each kernel inherits this process's environment (PHYSGNN_FAST, PHYSGNN_DATA_MIRROR, OMP_NUM_THREADS, ...). If a
notebook fails, its traceback is printed and the script exits with status 1 (the book would fail on it anyway).
With each executed notebook the cache stores what the book's execution-status page shows
(book/_ext/exec_status.py): the wall-clock seconds, the mode the kernel ran in (``fast`` or ``full``, by the rule
of ``physgnn.utils.fast_mode``: ``PHYSGNN_FAST=1``, or ``CI`` set and ``PHYSGNN_FAST`` not ``0``), the number of
kernels running side by side, and when the run finished (UTC). A full-size run of a chapter also writes its run
time to ``physgnn/chapter_times.json``, which the chapter's setup cell reads back for a reader on a CPU runtime
(``physgnn.runtimes``): commit that file after a full-size build.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_notebooks(toc: Path = ROOT / "_toc.yml") -> list[Path]:
    """Every .ipynb page listed in the table of contents, in reading order."""
    files: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    data = yaml.safe_load(toc.read_text())
    files.append(data["root"])
    walk(data.get("parts", data.get("chapters", [])))
    out = []
    for f in files:
        p = ROOT / (f if f.endswith(".ipynb") else f + ".ipynb")
        if p.is_file() and p not in out:
            out.append(p)
    return out


def _execute(path: str, timeout: int):
    """Run one notebook in a fresh kernel; return (path, executed notebook, seconds, error text or None)."""
    from jupyter_cache.executors.utils import single_nb_execution

    nb = nbformat.read(path, as_version=4)
    result = single_nb_execution(nb, cwd=str(Path(path).parent), timeout=timeout, allow_errors=False, meta_override=True)
    return path, nb, result.time, (result.exc_string if result.err is not None else None)


def run_mode() -> str:
    """"fast" or "full": the mode every kernel started by this process runs in (they inherit its environment)."""
    sys.path.insert(0, str(ROOT))
    from physgnn.utils import fast_mode

    return "fast" if fast_mode() else "full"


def run_record(seconds: float, mode: str, jobs: int) -> dict:
    """What the cache keeps about one run: ``execution_seconds`` is the key myst-nb itself reads."""
    if mode not in ("fast", "full"):
        raise ValueError(f"mode must be 'fast' or 'full', got {mode!r}")
    finished = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return {"execution_seconds": round(float(seconds), 1), "physgnn_mode": mode, "physgnn_jobs": int(jobs),
            "physgnn_finished": finished}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2, help="kernels at a time (default 2)")
    parser.add_argument("--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache", help="jupyter-cache folder")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (as execute.timeout in _config.yml)")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="only these notebooks (default: every notebook in _toc.yml, in reading order)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")

    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(args.cache))
    todo = []
    chosen = [p.resolve() for p in args.notebooks] or toc_notebooks()
    missing = [str(p) for p in chosen if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    mode = run_mode()
    for path in chosen:
        nb = nbformat.read(path, as_version=4)
        if nb.metadata.get("mystnb", {}).get("execution_mode") == "off":
            continue  # a page shown without running it (myst-nb skips it too), e.g. a problem set's student version
        try:
            record = cache.match_cache_notebook(nb)
        except KeyError:
            todo.append(path)
            continue
        if (record.data or {}).get("physgnn_mode") != mode:  # cached from a run in the other mode (or unrecorded)
            todo.append(path)
    if not todo:
        print(f"execute_notebooks: every notebook is cached from a {mode}-mode run")
        return 0
    print(f"execute_notebooks: running {len(todo)} notebooks in {mode} mode, {args.jobs} at a time")
    start, failed = time.perf_counter(), []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(_execute, str(p), args.timeout) for p in todo]
        for fut in as_completed(futures):
            path, nb, seconds, error = fut.result()
            rel = Path(path).relative_to(ROOT)
            if error is not None:
                failed.append(rel)
                print(f"FAILED {rel} after {seconds:.0f} s\n{error}", file=sys.stderr)
                continue
            uri = cache.add_nb_to_project(path).uri
            record = run_record(seconds, mode, args.jobs)
            cache.cache_notebook_bundle(CacheBundleIn(nb, uri, data=record), check_validity=False, overwrite=True)
            if mode == "full" and rel.parts[0] == "chapters":  # what a reader on a CPU runtime is told (physgnn.runtimes)
                from physgnn.runtimes import record as record_time

                record_time(rel.stem, seconds, record["physgnn_finished"], args.jobs)
            print(f"  {seconds:6.1f} s  {rel}", flush=True)
    print(f"execute_notebooks: {len(todo) - len(failed)} of {len(todo)} notebooks in {time.perf_counter() - start:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
