"""One helper module for peak memory and fresh-process runs (physgnn._process), and no import circle between
``bench`` and ``reproduce`` (issue 19)."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from physgnn import _process

PACKAGE = Path(__file__).resolve().parents[1] / "physgnn"
# what reading a peak or starting a fresh interpreter looks like in code (comments and docstrings may name them)
OWN_COPY = re.compile(r"""open\(["']/proc/self/(status|clear_refs)["']|getrusage\(|subprocess\.\w+\(\[sys\.executable""")


def _code(path: Path) -> str:
    """The file without its docstrings and comments."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body[0].value.value = ""
    return ast.unparse(tree)


def _unparsed(source: str) -> str:
    return ast.unparse(ast.parse(source))       # as _code gives it: quotes normalised


def test_the_check_finds_an_own_copy():
    assert OWN_COPY.search('with open("/proc/self/status") as f:')
    assert OWN_COPY.search(_unparsed('open("/proc/self/clear_refs", "w").write("5")'))
    assert OWN_COPY.search("peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss")
    assert OWN_COPY.search('out = subprocess.run([sys.executable, "-c", call])')
    assert not OWN_COPY.search("peak = peak_rss_mb()")


def test_peak_memory_and_fresh_processes_live_in_one_module():
    copies = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                    if p.name != "_process.py" and OWN_COPY.search(_code(p)))
    assert not copies, f"own copies of the peak-memory reader or of run_fresh (use physgnn._process): {copies}"


def _imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.add(node.module or "")
            found.update(f"{node.module or ''}.{a.name}".lstrip(".") for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_bench_and_reproduce_do_not_import_each_other():
    assert not any("reproduce" in name for name in _imports("bench")), _imports("bench")
    assert not any("bench" in name for name in _imports("reproduce")), _imports("reproduce")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM and its reset are Linux's")
def test_the_peak_grows_with_an_allocation_and_resets():
    import mmap

    _process.reset_peak()
    before = _process.peak_rss_mb()
    # 64 MiB of fresh pages, every page touched: an anonymous map, not the allocator, which in a long test session
    # may hand out freed memory that is still resident (and so would not raise the peak)
    block = mmap.mmap(-1, 64 * 2**20)
    view = np.frombuffer(block, dtype=np.uint8)
    view[::4096] = 1
    grown = _process.peak_rss_mb()
    assert grown - before > 48, (before, grown)
    del view
    block.close()
    _process.reset_peak()
    assert _process.peak_rss_mb() < grown - 48     # the reset starts from the current (smaller) size


def test_run_fresh_returns_the_childs_last_json_line_and_reports_a_failure():
    assert _process.run_fresh("builtins", "print", '{"peak_mb": 12.5}') == {"peak_mb": 12.5}
    with pytest.raises(RuntimeError, match="in its own process"):
        _process.run_fresh("builtins", "len", 3)           # a child that fails (len(3) is a TypeError)
