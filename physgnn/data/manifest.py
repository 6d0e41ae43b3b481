"""The checksum manifest: the size and SHA-256 of every raw file each offline dataset needs.

``manifest.json`` (next to this file) is written from the project's read-only data mirror by::

    python -m physgnn.data.manifest /path/to/shared/data            # write physgnn/data/manifest.json
    python -m physgnn.data.manifest /path/to/shared/data --check    # compare the mirror with it; exit 1 on a mismatch

:func:`physgnn.data.load` checks every raw file against it when the file is copied from the mirror and every
time a cached copy is used, so a cut, emptied or edited file is caught before PyG reads it. Regenerate it only
when the mirror is known to be good (its README lists the upstream git blob of every file).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import sys
from pathlib import Path

from .specs import DATASETS, raw_files

__all__ = ["MANIFEST", "sha256", "expected", "build", "main"]

MANIFEST = Path(__file__).with_name("manifest.json")

_hashes: dict[tuple, str] = {}


def sha256(path: Path) -> str:
    """The SHA-256 of a file, hex. Remembered per (path, inode, size, mtime, ctime): any write changes ctime."""
    st = os.stat(path)
    key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if key not in _hashes:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _hashes[key] = h.hexdigest()
    return _hashes[key]


@functools.lru_cache(maxsize=1)
def _read() -> dict:
    return json.loads(MANIFEST.read_text())["datasets"]


def expected(name: str) -> dict[str, tuple[int, str]]:
    """``{file name: (bytes, sha256)}`` for the raw files of dataset ``name``; empty if it is not in the manifest."""
    entry = _read().get(name)
    if entry is None:
        return {}
    return {f: (int(v["bytes"]), v["sha256"]) for f, v in entry["files"].items()}


def build(mirror: Path) -> dict:
    """The manifest of ``mirror``: every raw file of every offline dataset (a missing file is an error)."""
    out = {}
    for name, spec in DATASETS.items():
        if not spec.offline:
            continue
        files = {}
        for fname in raw_files(spec):
            path = mirror / spec.raw_dir / fname
            if not path.is_file() or path.is_symlink():
                raise FileNotFoundError(f"manifest: {path} is missing or not a regular file; the mirror is incomplete")
            files[fname] = {"bytes": path.stat().st_size, "sha256": sha256(path)}
        out[name] = {"raw_dir": spec.raw_dir, "files": files}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physgnn.data.manifest", description=__doc__.split("\n\n")[0])
    parser.add_argument("mirror", nargs="?", default=os.environ.get("PHYSGNN_DATA_MIRROR"), help="the data mirror (default: $PHYSGNN_DATA_MIRROR)")
    parser.add_argument("--check", action="store_true", help="compare the mirror with manifest.json instead of writing it")
    args = parser.parse_args(argv)
    if not args.mirror:
        parser.error("give the mirror folder or set PHYSGNN_DATA_MIRROR")
    found = build(Path(args.mirror).expanduser())
    if args.check:
        bad = [f"{n}/{f}" for n, e in found.items() for f in e["files"] if e["files"][f] != _read()[n]["files"].get(f)]
        bad += [n for n in _read() if n not in found]
        print("manifest matches the mirror" if not bad else "differs from manifest.json: " + ", ".join(bad))
        return 1 if bad else 0
    doc = {
        "about": "Size and SHA-256 of every raw file each offline dataset needs; written by `python -m physgnn.data.manifest MIRROR`.",
        "datasets": found,
    }
    MANIFEST.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    n = sum(len(e["files"]) for e in found.values())
    print(f"wrote {MANIFEST} ({len(found)} datasets, {n} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
