"""The version of physgnn: the release, plus the git commit it was built from when that is known.

``RELEASE`` is the only hand-edited number (pyproject.toml reads it). :func:`version` adds the commit as a PEP 440
local label, ``0.1.0+g1a2b3c4``: from ``git`` when the package is imported from a checkout (``+dirty`` when files
differ from the commit), else from the record pip keeps of a ``pip install "physgnn @ git+URL@REF"`` (its
``direct_url.json``), which needs no git at run time. A plain release install gives ``RELEASE`` alone.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

__all__ = ["RELEASE", "version", "commit"]

RELEASE = "0.1.0"


def _from_git() -> str | None:
    top = Path(__file__).resolve().parent.parent
    if not (top / ".git").exists() or not (top / "pyproject.toml").is_file():
        return None
    try:
        sha = subprocess.run(["git", "-C", str(top), "rev-parse", "--short=7", "HEAD"], capture_output=True, text=True, timeout=5)
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(top), "status", "--porcelain", "--untracked-files=no", "--", "physgnn"],
                               capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return sha.stdout.strip() + (".dirty" if dirty.returncode == 0 and dirty.stdout.strip() else "")


def _from_pip() -> str | None:
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        text = distribution("physgnn").read_text("direct_url.json")
    except (ImportError, PackageNotFoundError, OSError):
        return None
    if not text:
        return None
    try:
        sha = json.loads(text).get("vcs_info", {}).get("commit_id")
    except ValueError:
        return None
    return sha[:7] if sha else None


def commit() -> str | None:
    """The short commit physgnn was built from (``None`` when unknown)."""
    return _from_git() or _from_pip()


def version() -> str:
    """``RELEASE``, plus ``+g<commit>`` when the commit is known."""
    sha = commit()
    return f"{RELEASE}+g{sha}" if sha else RELEASE
