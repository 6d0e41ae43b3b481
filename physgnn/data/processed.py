"""PyG's ``processed/`` folders: used only when they are exactly what physgnn wrote, and never unpickled unsafely.

PyG caches a processed dataset as ``processed/data.pt`` (plus ``pre_transform.pt`` and ``pre_filter.pt``) and
reads it back with ``torch.load``. In PyG 2.8 that read can run arbitrary code from a planted file:
``pre_transform.pt`` is loaded with ``weights_only=False``, and ``data.pt`` falls back to it when the safe
load fails. So before PyG sees a processed folder, :func:`guard` deletes it (PyG then rebuilds it from the
checked raw files) unless

1. every file in it loads with ``torch.load(..., weights_only=True)``, which only rebuilds tensors and
   allow-listed classes and can execute nothing, and
2. its stamp ``physgnn-stamp.json`` (written by :func:`stamp` right after PyG built the folder) lists exactly
   its files with their SHA-256, and the SHA-256 of the raw files they were built from, which must equal
   today's raw files.

A folder without a stamp (built before stamps existed) is rebuilt quietly; any other failure is reported with a
:class:`~physgnn.data.errors.DataRepairedWarning`.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import torch

from . import manifest
from .errors import DataRepairedWarning
from .rawfiles import drop_processed
from .specs import _Spec, processed_dir

__all__ = ["STAMP", "guard", "stamp"]

STAMP = "physgnn-stamp.json"


def _files(folder: Path) -> dict[str, str]:
    return {p.name: manifest.sha256(p) for p in sorted(folder.iterdir()) if p.name != STAMP}


def _distrust(folder: Path, raw: dict[str, str]) -> tuple[str, bool] | None:
    """Why ``folder`` cannot be used, and whether that deserves a warning; ``None`` if it can be used."""
    if folder.is_symlink():
        return "it is a symlink", True
    entries = sorted(folder.iterdir())
    for p in entries:
        if p.is_symlink() or not p.is_file():
            return f"{p.name} is a symlink or a folder", True
    for p in entries:
        if p.suffix == ".pt":
            try:
                torch.load(p, map_location="cpu", weights_only=True)
            except Exception as err:  # noqa: BLE001 - any failure means: do not let PyG unpickle it
                return f"{p.name} cannot be loaded safely ({type(err).__name__}: {str(err).splitlines()[0][:120]})", True
    path = folder / STAMP
    if not path.is_file():
        return "it has no physgnn stamp", False
    try:
        record = json.loads(path.read_text())
        recorded_raw, recorded_files = dict(record["raw"]), dict(record["processed"])
    except (ValueError, KeyError, TypeError) as err:
        return f"its stamp {STAMP} is unreadable ({err})", True
    if recorded_raw != raw:
        return "it was built from other raw files than the ones there now", True
    if recorded_files != _files(folder):
        return "its files differ from the ones physgnn recorded when PyG wrote them", True
    return None


def guard(name: str, spec: _Spec, root: Path, raw: dict[str, str]) -> None:
    """Delete the processed folder of ``spec`` unless it is safe and was built from the raw files ``raw``."""
    rel = processed_dir(spec)
    if rel is None:
        return
    folder = root / rel
    if not (folder.exists() or folder.is_symlink()):
        return
    verdict = _distrust(folder, raw)
    if verdict is None:
        return
    drop_processed(spec, root)
    reason, loud = verdict
    if loud:
        warnings.warn(
            f"dataset {name!r}: deleted {folder} because {reason}; PyG rebuilds it from the checked raw files now",
            DataRepairedWarning,
            stacklevel=3,
        )


def stamp(spec: _Spec, root: Path, raw: dict[str, str]) -> None:
    """Record the processed files PyG just wrote (and the raw files they came from), if not yet recorded."""
    rel = processed_dir(spec)
    if rel is None:
        return
    folder = root / rel
    path = folder / STAMP
    if path.is_file() or not folder.is_dir():
        return
    tmp = folder / (STAMP + ".partial")
    tmp.write_text(json.dumps({"raw": raw, "processed": _files(folder)}, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)
