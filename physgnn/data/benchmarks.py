"""Real benchmark graphs, loaded through PyG's own dataset classes.

Where the files come from, in order:

1. ``root`` (the argument), else ``$PHYSGNN_DATA``, else a per-user cache
   (``$XDG_CACHE_HOME/physgnn/data`` or ``~/.cache/physgnn/data``). PyG writes its ``processed/`` folders here.
2. If the raw files are missing there and ``$PHYSGNN_DATA_MIRROR`` names a folder laid out like PyG's roots
   (``Planetoid/Cora/geom-gcn/raw``, ``WebKB/texas/raw``, ...), the raw files are *copied* from it. The mirror
   is only ever read.
3. Otherwise PyG downloads them (this works on Colab). With ``PHYSGNN_OFFLINE=1`` no download is tried.

A dataset that cannot be found raises :class:`DatasetNotAvailableError`, naming the dataset, the folder
looked at and the variable that fixes it. There is never a silent fallback to another dataset.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data
from torch_geometric.utils import coalesce, remove_self_loops, to_undirected

from ..utils import offline

__all__ = [
    "DATASETS",
    "DatasetNotAvailableError",
    "load",
    "select_split",
    "data_root",
    "dataset_names",
]

FILTERED_URL = "https://github.com/yandex-research/heterophilous-graphs/raw/main/data/{}.npz"


class DatasetNotAvailableError(FileNotFoundError):
    """The raw files of a dataset are neither on disk, nor in the mirror, nor downloadable."""


@dataclass(frozen=True)
class _Spec:
    """How to build one dataset: the PyG class (or our npz reader), its sub-root and raw folder."""

    kind: str  # "planetoid" | "webkb" | "wikipedia" | "actor" | "heterophilous" | "filtered"
    pyg_name: str | None
    raw_dir: str  # relative to the data root; what the mirror must hold
    metric: str = "accuracy"
    note: str = ""
    offline: bool = True  # raw files are in the project's offline mirror
    bag_of_words: bool = True  # features are counts/indicators, row-normalised by convention
    extra: dict = field(default_factory=dict)


DATASETS: dict[str, _Spec] = {
    "cora": _Spec("planetoid", "Cora", "Planetoid/Cora/geom-gcn/raw", note="citation graph, 10 Geom-GCN splits"),
    "citeseer": _Spec("planetoid", "CiteSeer", "Planetoid/CiteSeer/geom-gcn/raw", note="citation graph, 10 Geom-GCN splits"),
    "pubmed": _Spec("planetoid", "PubMed", "Planetoid/PubMed/geom-gcn/raw", note="needs a download", offline=False),
    "texas": _Spec("webkb", "Texas", "WebKB/texas/raw", note="WebKB web pages"),
    "cornell": _Spec("webkb", "Cornell", "WebKB/cornell/raw", note="WebKB web pages"),
    "wisconsin": _Spec("webkb", "Wisconsin", "WebKB/wisconsin/raw", note="WebKB web pages"),
    "chameleon": _Spec("wikipedia", "chameleon", "WikipediaNetwork/chameleon/geom_gcn/raw", note="Wikipedia pages (has duplicate nodes)"),
    "squirrel": _Spec("wikipedia", "squirrel", "WikipediaNetwork/squirrel/geom_gcn/raw", note="Wikipedia pages (has duplicate nodes)"),
    "actor": _Spec("actor", None, "Actor/raw", note="actor co-occurrence (also called Film)"),
    "minesweeper": _Spec("heterophilous", "Minesweeper", "HeterophilousGraphDataset/minesweeper/raw", metric="roc_auc", bag_of_words=False, note="synthetic grid, 2 classes"),
    "tolokers": _Spec("heterophilous", "Tolokers", "HeterophilousGraphDataset/tolokers/raw", metric="roc_auc", bag_of_words=False, note="crowd workers, 2 classes"),
    "chameleon-filtered": _Spec("filtered", "chameleon_filtered", "Filtered/raw", note="duplicates removed (Platonov et al.)"),
    "squirrel-filtered": _Spec("filtered", "squirrel_filtered", "Filtered/raw", note="duplicates removed (Platonov et al.)"),
}


def dataset_names(offline_only: bool = False) -> list[str]:
    """Valid names for :func:`load`; with ``offline_only`` just those in the project's offline mirror."""
    return [n for n, s in DATASETS.items() if s.offline or not offline_only]


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The writable folder datasets live in: ``root``, else ``$PHYSGNN_DATA``, else the per-user cache."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("PHYSGNN_DATA")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "physgnn" / "data"


def _raw_files_present(spec: _Spec, root: Path) -> bool:
    folder = root / spec.raw_dir
    if spec.kind == "filtered":
        return (folder / f"{spec.pyg_name}.npz").is_file()
    return folder.is_dir() and any(folder.iterdir())


def _copy_from_mirror(spec: _Spec, root: Path) -> bool:
    """Copy the raw files of ``spec`` from ``$PHYSGNN_DATA_MIRROR`` into ``root``. True if copied."""
    mirror = os.environ.get("PHYSGNN_DATA_MIRROR")
    if not mirror:
        return False
    src = Path(mirror).expanduser() / spec.raw_dir
    dst = root / spec.raw_dir
    if spec.kind == "filtered":
        src_file = src / f"{spec.pyg_name}.npz"
        if not src_file.is_file():
            return False
        dst.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src_file, dst / src_file.name)
        return True
    if not src.is_dir():
        return False
    if src.resolve() == dst.resolve():
        raise ValueError(
            f"PHYSGNN_DATA_MIRROR ({mirror}) and the data root ({root}) are the same folder; the mirror is "
            "read-only, so point PHYSGNN_DATA (or root=) at a writable folder instead"
        )
    dst.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.is_file() and not (dst / f.name).exists():
            shutil.copyfile(f, dst / f.name)
    return True


def _not_available(name: str, spec: _Spec, root: Path, cause: BaseException | None) -> DatasetNotAvailableError:
    mirror = os.environ.get("PHYSGNN_DATA_MIRROR")
    looked = [str(root / spec.raw_dir)]
    if mirror:
        looked.append(str(Path(mirror) / spec.raw_dir) + " (PHYSGNN_DATA_MIRROR)")
    msg = (
        f"dataset {name!r} is not available: its raw files were not found in {' or '.join(looked)}"
        + (f", and the download failed ({type(cause).__name__}: {cause})" if cause else ", and downloads are off (PHYSGNN_OFFLINE=1)")
        + ". Fix: set PHYSGNN_DATA_MIRROR to a folder holding the raw files (in this project: ../shared/data), "
        "or PHYSGNN_DATA / root= to a folder that has them, or run once with internet access."
    )
    if not spec.offline:
        msg += f" Note: {name!r} is not part of the offline data; it needs a download."
    return DatasetNotAvailableError(msg)


def _build_pyg(spec: _Spec, root: Path):
    from torch_geometric import datasets as D

    if spec.kind == "planetoid":
        return D.Planetoid(str(root / "Planetoid"), name=spec.pyg_name, split="geom-gcn")[0]
    if spec.kind == "webkb":
        return D.WebKB(str(root / "WebKB"), name=spec.pyg_name)[0]
    if spec.kind == "wikipedia":
        return D.WikipediaNetwork(str(root / "WikipediaNetwork"), name=spec.pyg_name, geom_gcn_preprocess=True)[0]
    if spec.kind == "actor":
        return D.Actor(str(root / "Actor"))[0]
    if spec.kind == "heterophilous":
        return D.HeterophilousGraphDataset(str(root / "HeterophilousGraphDataset"), name=spec.pyg_name)[0]
    if spec.kind == "filtered":
        return _read_filtered(spec, root)
    raise AssertionError(spec.kind)  # unreachable: every spec kind is handled above


def _read_filtered(spec: _Spec, root: Path) -> Data:
    """Platonov et al.'s de-duplicated Chameleon/Squirrel: one npz, no PyG class."""
    path = root / spec.raw_dir / f"{spec.pyg_name}.npz"
    if not path.is_file():
        from torch_geometric.data import download_url

        download_url(FILTERED_URL.format(spec.pyg_name), str(path.parent))
    z = np.load(path)
    edge_index = torch.from_numpy(z["edges"].T.astype(np.int64))
    return Data(
        x=torch.from_numpy(z["node_features"]).float(),
        y=torch.from_numpy(z["node_labels"]).long(),
        edge_index=edge_index,
        train_mask=torch.from_numpy(z["train_masks"]).bool().T.contiguous(),
        val_mask=torch.from_numpy(z["val_masks"]).bool().T.contiguous(),
        test_mask=torch.from_numpy(z["test_masks"]).bool().T.contiguous(),
    )


def select_split(data: Data, split: int) -> Data:
    """A copy of ``data`` whose ``train_mask``/``val_mask``/``test_mask`` are split ``split`` (1-D, [N]).

    Datasets with several splits store masks of shape [N, S]; this picks column ``split``.
    """
    masks = data.train_mask
    n_splits = 1 if masks.dim() == 1 else masks.size(1)
    if not isinstance(split, (int, np.integer)) or isinstance(split, bool) or not 0 <= split < n_splits:
        raise ValueError(f"select_split: split must be an integer in [0, {n_splits - 1}], got {split!r}")
    out = data.clone()
    if masks.dim() == 2:
        for key in ("train_mask", "val_mask", "test_mask"):
            out[key] = data[key][:, int(split)].clone()
    return out


def load(
    name: str,
    root: str | os.PathLike | None = None,
    *,
    split: int | None = None,
    undirected: bool = True,
    normalize_features: bool | None = None,
) -> Data:
    """Load a benchmark graph as a PyG ``Data``.

    Args:
        name: one of :func:`dataset_names` (case-insensitive; ``film`` is accepted for ``actor``).
        root: the writable data folder (default ``$PHYSGNN_DATA`` or the per-user cache).
        split: pick one of the 10 splits (masks become [N]); ``None`` keeps all (masks [N, 10]).
        undirected: add the reverse of every edge and drop self-loops (the physics in this book assumes a
            symmetric graph). ``False`` returns the edges exactly as PyG stores them.
        normalize_features: divide each feature row by its sum (PyG's ``NormalizeFeatures``). ``None``
            follows the dataset's convention: on for the bag-of-words sets (Planetoid, WebKB, Wikipedia,
            Actor and the filtered sets), off for Minesweeper and Tolokers.

    Returns:
        ``Data`` with ``x`` [N, F] (float), ``y`` [N], ``edge_index`` [2, E], masks, and the attributes
        ``name`` and ``metric`` (``"accuracy"`` or ``"roc_auc"``, the score used for this dataset).
    """
    if not isinstance(name, str):
        raise ValueError(f"load: name must be a string, one of {dataset_names()}; got {name!r}")
    key = name.strip().lower().replace("_", "-")
    key = {"film": "actor"}.get(key, key)
    if key not in DATASETS:
        raise ValueError(f"load: unknown dataset {name!r}; valid names are {', '.join(dataset_names())}")
    spec = DATASETS[key]
    root = data_root(root)

    had_files = _raw_files_present(spec, root) or _copy_from_mirror(spec, root)
    if not had_files and offline():
        raise _not_available(key, spec, root, None)
    try:
        # PyG reports "Downloading ..." / "Processing..." on stderr; send it to stdout, so that a notebook shows it
        # as ordinary output instead of a stderr warning (the book build treats stderr in a cell as an error).
        with contextlib.redirect_stderr(sys.stdout):
            data = _build_pyg(spec, root)
    except Exception as err:  # noqa: BLE001 - only a failed *download* is translated, see below
        if had_files:
            raise
        raise _not_available(key, spec, root, err) from err

    data.x = data.x.float()
    data.y = data.y.long().view(-1)
    for key_ in ("train_mask", "val_mask", "test_mask"):  # some raw files store masks as uint8
        if getattr(data, key_, None) is not None:
            setattr(data, key_, data[key_].bool())
    if normalize_features if normalize_features is not None else spec.bag_of_words:
        from torch_geometric.transforms import NormalizeFeatures

        data = NormalizeFeatures()(data)
    if undirected:
        ei, _ = remove_self_loops(data.edge_index)
        data.edge_index = coalesce(to_undirected(ei, num_nodes=data.num_nodes), num_nodes=data.num_nodes)
    data.name = key
    data.metric = spec.metric
    if split is not None:
        data = select_split(data, split)
    return data
