"""Raw files in the writable data folder: checked against the manifest, copied from the mirror, repaired.

Two folders are involved, laid out alike (``WebKB/texas/raw/...``):

* the **data root** (``root=``, ``$PHYSGNN_DATA`` or the per-user cache), writable; PyG processes here;
* the **mirror** (``$PHYSGNN_DATA_MIRROR``), read-only: files are only ever copied *out* of it.

For every raw file a dataset needs, :func:`prepare` makes sure the data root holds a copy whose size and
SHA-256 equal the manifest's. A missing copy is taken from the mirror; a damaged copy is replaced from the
mirror when the mirror's copy is good (with a :class:`DataRepairedWarning`); otherwise a
:class:`DatasetDamagedError` names the file and the fix. Symlinks are refused in both folders: a link can
point anywhere, so a checked name would not mean a checked file.
"""

from __future__ import annotations

import os
import shutil
import warnings
import zipfile
from pathlib import Path

from . import manifest
from .errors import DatasetDamagedError, DataRepairedWarning
from .specs import _Spec, processed_dir, raw_files

__all__ = ["mirror_root", "refuse_root_in_mirror", "refuse_symlinks", "prepare", "drop_processed"]


def mirror_root() -> Path | None:
    """``$PHYSGNN_DATA_MIRROR`` as a path, or ``None`` when unset."""
    env = os.environ.get("PHYSGNN_DATA_MIRROR", "").strip()
    return Path(env).expanduser() if env else None


def refuse_root_in_mirror(name: str, spec: _Spec, root: Path, mirror: Path | None) -> None:
    """Raise ``ValueError`` when anything :func:`load` writes for ``spec`` would land inside the mirror."""
    if mirror is None or not mirror.exists():
        return
    m = mirror.resolve()
    for target in (root, root / spec.raw_dir):
        t = target.resolve()
        if t == m or m in t.parents:
            raise ValueError(
                f"load({name!r}): the data root {root} is inside the read-only mirror PHYSGNN_DATA_MIRROR={mirror}; "
                "files are written into the data root (raw copies and PyG's processed/ folders), never into the "
                "mirror. Fix: set PHYSGNN_DATA (or root=) to a writable folder outside the mirror, e.g. ~/.cache/physgnn/data"
            )


def refuse_symlinks(name: str, base: Path, rel: str | Path, where: str, fix: str) -> None:
    """Raise :class:`DatasetDamagedError` if any component of ``base/rel`` below ``base`` is a symlink."""
    path = base
    for part in Path(rel).parts:
        path = path / part
        if path.is_symlink():
            raise DatasetDamagedError(
                f"dataset {name!r}: {path} in the {where} is a symlink (to {os.readlink(path)}); symlinks are refused "
                f"because a link can point at any file. Fix: {fix}"
            )


def drop_processed(spec: _Spec, root: Path) -> Path | None:
    """Delete PyG's ``processed/`` folder of ``spec`` under ``root`` (if any); return its path when deleted."""
    rel = processed_dir(spec)
    if rel is None:
        return None
    folder = root / rel
    if folder.is_symlink():
        folder.unlink()
        return folder
    if folder.exists():
        shutil.rmtree(folder)
        return folder
    return None


def _mismatch(path: Path, want: tuple[int, str] | None) -> str | None:
    """Why ``path`` differs from the manifest entry ``want`` (``None`` if it matches or there is no entry)."""
    if want is None:
        return None
    size = path.stat().st_size
    if size != want[0]:
        return f"it has {size:,} bytes, the manifest says {want[0]:,}"
    if manifest.sha256(path) != want[1]:
        return "its SHA-256 differs from the manifest's (same size, different content)"
    return None


def _unreadable_zip(path: Path) -> str | None:
    """Why the npz (zip) archive ``path`` cannot be read whole, or ``None``: every member's CRC is checked."""
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        return f"not a readable npz/zip archive: {err}"
    return None if bad is None else f"member {bad} fails its CRC check"


def _copy(src: Path, dst: Path, want: tuple[int, str] | None) -> str | None:
    """Copy ``src`` to ``dst`` atomically; return why the copy differs from the manifest (and then leave no copy)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".partial")
    shutil.copyfile(src, tmp)
    why = _mismatch(tmp, want)
    if why is not None:
        tmp.unlink()
        return why
    os.replace(tmp, dst)
    return None


def prepare(name: str, spec: _Spec, root: Path, mirror: Path | None) -> list[str]:
    """Make every raw file of ``spec`` present and good under ``root``; return the names still missing.

    Raises:
        DatasetDamagedError: a copy is damaged and the mirror cannot replace it, the mirror's own copy is
            damaged, or a path is a symlink. The message names the file and the fix.
    """
    want = manifest.expected(name)
    cache_dir = root / spec.raw_dir
    delete_fix = f"delete {cache_dir} and load again"
    missing, repaired = [], []
    for fname in raw_files(spec):
        rel = Path(spec.raw_dir) / fname
        refuse_symlinks(name, root, rel, "data folder (PHYSGNN_DATA)", f"delete the link ({delete_fix})")
        src = None
        if mirror is not None:
            refuse_symlinks(name, mirror, rel, "data mirror (PHYSGNN_DATA_MIRROR)", "replace the link by a copy of the file it points to")
            src = mirror / rel if (mirror / rel).is_file() else None
        dst = root / rel
        if dst.exists() and not dst.is_file():
            raise DatasetDamagedError(f"dataset {name!r}: {dst} is not a regular file. Fix: {delete_fix}")
        if dst.is_file():
            why = _mismatch(dst, want.get(fname))
            if why is None:
                continue
            if src is None:
                raise DatasetDamagedError(
                    f"dataset {name!r}: the raw file {dst} is damaged ({why}). Fix: {delete_fix} (it is then "
                    "copied from PHYSGNN_DATA_MIRROR, or downloaded when PHYSGNN_OFFLINE is off)"
                )
            why_src = _copy(src, dst, want.get(fname))
            if why_src is not None:
                raise DatasetDamagedError(
                    f"dataset {name!r}: the raw file {dst} is damaged ({why}), and so is the mirror's copy {src} "
                    f"({why_src}). Fix: restore {src} from upstream (the mirror's README lists the source of every file)"
                )
            repaired.append(f"{fname} ({why})")
        elif src is not None:
            why_src = _copy(src, dst, want.get(fname))
            if why_src is not None:
                raise DatasetDamagedError(
                    f"dataset {name!r}: the mirror's copy {src} is damaged ({why_src}); it was not copied. "
                    "Fix: restore it from upstream (the mirror's README lists the source of every file)"
                )
        else:
            missing.append(fname)
            continue
        if fname not in want and fname.endswith(".npz"):  # no checksum to go by: at least a whole zip archive
            why = _unreadable_zip(dst)
            if why is not None:
                raise DatasetDamagedError(f"dataset {name!r}: the raw file {dst} is damaged ({why}). Fix: {delete_fix}")
    if repaired:
        dropped = drop_processed(spec, root)
        warnings.warn(
            f"dataset {name!r}: replaced damaged raw file(s) in {cache_dir} with the mirror's good copies: "
            + "; ".join(repaired)
            + (f". Deleted {dropped}, which PyG had built from them; it is rebuilt now." if dropped else "."),
            DataRepairedWarning,
            stacklevel=3,
        )
    return missing
