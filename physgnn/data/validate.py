"""Structural checks on a freshly loaded benchmark: the shape its spec promises, ids in range, usable splits.

The checksum manifest catches a damaged file among the ones it lists; these checks are the second line, for
files it does not list (a download, a dataset outside the offline mirror) and for a PyG that reads a good file
differently. Each failure names the dataset, what is wrong, the raw file it comes from and the fix.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch_geometric.data import Data

from .errors import DatasetDamagedError
from .specs import _Spec, raw_files

__all__ = ["check_graph"]


def _sources(spec: _Spec) -> dict[str, list[str]]:
    """Which raw files each part of ``Data`` is read from."""
    files = list(raw_files(spec))
    if spec.kind in ("heterophilous", "filtered"):
        return {"x": files, "y": files, "edge_index": files, "masks": files}
    splits = [f for f in files if f.endswith(".npz")]
    if spec.kind == "planetoid":
        ind = f"ind.{spec.pyg_name.lower()}."
        return {
            "x": [ind + p for p in ("x", "tx", "allx", "test.index")],
            "y": [ind + p for p in ("y", "ty", "ally", "test.index")],
            "edge_index": [ind + "graph"],
            "masks": splits,
        }
    return {"x": [files[0]], "y": [files[0]], "edge_index": [files[1]], "masks": splits}


def check_graph(name: str, spec: _Spec, data: Data, root: Path) -> None:
    """Raise :class:`DatasetDamagedError` unless ``data`` (as PyG built it) has the shape ``spec`` promises.

    Checks: ``x`` [nodes, features] and finite; ``y`` [nodes] with labels in ``0..classes-1`` and
    ``classes-1`` present; ``edge_index`` [2, edges] with every id in ``0..nodes-1``; ``train_mask``,
    ``val_mask``, ``test_mask`` [nodes, splits] (or [nodes] for one split), each split non-empty and the
    three masks of a split disjoint.
    """
    folder = root / spec.raw_dir
    src = _sources(spec)
    n = spec.nodes

    def fail(part: str, what: str, files: list[str] | None = None):
        names = ", ".join(files or src[part])
        raise DatasetDamagedError(
            f"dataset {name!r}: {what}. It is read from {names} in {folder}. Fix: delete {folder} and load "
            "again (the files are copied from PHYSGNN_DATA_MIRROR or downloaded); if the mirror's copy is the "
            "damaged one, restore it from upstream (the mirror's README lists the source of every file)"
        )

    x = data.x
    if x is None or x.dim() != 2 or tuple(x.shape) != (n, spec.features):
        fail("x", f"x has shape {None if x is None else list(x.shape)}, expected [{n}, {spec.features}]")
    if not torch.isfinite(x).all():
        bad = int((~torch.isfinite(x)).any(1).sum())
        fail("x", f"x has NaN or infinite entries in {bad} row(s)")
    y = data.y
    if y is None or y.numel() != n:
        fail("y", f"y has {0 if y is None else y.numel()} labels, expected {n}")
    y = y.view(-1)
    if int(y.min()) < 0 or int(y.max()) != spec.classes - 1:
        fail("y", f"labels range over {int(y.min())}..{int(y.max())}, expected 0..{spec.classes - 1}")
    ei = data.edge_index
    if ei is None or ei.dim() != 2 or ei.size(0) != 2 or ei.size(1) != spec.edges:
        fail("edge_index", f"edge_index has shape {None if ei is None else list(ei.shape)}, expected [2, {spec.edges}]")
    if ei.numel() and (int(ei.min()) < 0 or int(ei.max()) >= n):
        fail("edge_index", f"edge ids range over {int(ei.min())}..{int(ei.max())}, outside the node ids 0..{n - 1}")
    want = (n, spec.splits) if spec.splits > 1 else (n,)
    masks = {}
    for key in ("train_mask", "val_mask", "test_mask"):
        m = data[key] if key in data else None
        if m is None or tuple(m.shape) != want:
            fail("masks", f"{key} has shape {None if m is None else list(m.shape)}, expected {list(want)}")
        masks[key] = m.bool().view(n, -1)
    split_files = src["masks"] if len(src["masks"]) == spec.splits else None
    for s in range(spec.splits):
        files = [split_files[s]] if split_files else None
        for key, m in masks.items():
            if not m[:, s].any():
                fail("masks", f"split {s} has an empty {key}", files)
        overlap = (masks["train_mask"][:, s].int() + masks["val_mask"][:, s].int() + masks["test_mask"][:, s].int()) > 1
        if overlap.any():
            fail("masks", f"split {s} puts {int(overlap.sum())} node(s) in more than one of train/val/test", files)
