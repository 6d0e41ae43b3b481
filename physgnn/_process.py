"""Process helpers shared by ``bench``, ``reproduce`` and the experiments: peak memory and fresh-process runs.

A process's peak resident memory only ever grows, so a measurement of one configuration's peak needs a process of
its own: :func:`run_fresh` calls ``module.function(*args)`` in a new Python interpreter and returns the JSON object
that the function printed last.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys

__all__ = ["peak_rss_mb", "reset_peak", "run_fresh"]


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB.

    On Linux this is ``VmHWM`` from ``/proc/self/status``: the high-water mark of the current address space, which
    starts afresh when a process ``exec``s (and which :func:`reset_peak` resets). ``ru_maxrss`` (the fallback
    where ``/proc`` is missing) is *not* reset by ``exec``: a child of a large parent, such as a notebook kernel,
    would report the parent's peak. It is in KiB on Linux and bytes on macOS.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def reset_peak() -> None:
    """Reset this process's peak (Linux: writing 5 to ``/proc/self/clear_refs``); elsewhere nothing happens."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def run_fresh(module: str, function: str, *args) -> dict:
    """``module.function(*args)`` in a fresh Python process; returns the JSON object it printed on its last line.

    ``args`` must be literals (``repr`` round-trips them). A failing child raises ``RuntimeError`` with the end of
    its standard error.
    """
    call = f"from {module} import {function} as f; f({', '.join(map(repr, args))})"
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", call], capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout.strip():
        raise RuntimeError(f"{module}.{function} failed in its own process:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
