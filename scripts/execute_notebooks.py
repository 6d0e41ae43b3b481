"""Execute the book's notebooks in parallel into Jupyter Book's execution cache, before `jupyter-book build`.

    python scripts/execute_notebooks.py [--jobs 2] [--cache _build/.jupyter_cache] [--timeout 600]

Jupyter Book (myst-nb, ``execute_notebooks: cache``) runs notebooks one at a time while Sphinx reads them. This
script fills the same jupyter-cache database first, ``--jobs`` kernels at a time, with the same settings myst-nb
uses (working directory = the notebook's folder, errors not allowed, the configured timeout), so the build then
finds every notebook cached and only renders. A notebook whose code is already cached is not run again.

Each kernel inherits this process's environment (PHYSGNN_FAST, PHYSGNN_DATA_MIRROR, OMP_NUM_THREADS, ...). If a
notebook fails, its traceback is printed and the script exits with status 1 (the book would fail on it anyway).
The run times are the ones the book's execution-status page shows.
"""

from __future__ import annotations

import argparse
import sys
import time
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2, help="kernels at a time (default 2)")
    parser.add_argument("--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache", help="jupyter-cache folder")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (as execute.timeout in _config.yml)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")

    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(args.cache))
    todo = []
    for path in toc_notebooks():
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            todo.append(path)
    if not todo:
        print("execute_notebooks: every notebook is cached")
        return 0
    print(f"execute_notebooks: running {len(todo)} notebooks, {args.jobs} at a time")
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
            cache.cache_notebook_bundle(CacheBundleIn(nb, uri, data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            print(f"  {seconds:6.1f} s  {rel}", flush=True)
    print(f"execute_notebooks: {len(todo) - len(failed)} of {len(todo)} notebooks in {time.perf_counter() - start:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
