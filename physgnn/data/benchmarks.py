"""Real benchmark graphs, loaded through PyG's own dataset classes, checked before and after.

Where the files come from, in order:

1. ``root`` (the argument), else ``$PHYSGNN_DATA``, else a per-user cache
   (``$XDG_CACHE_HOME/physgnn/data`` or ``~/.cache/physgnn/data``). PyG writes its ``processed/`` folders here.
2. Raw files missing there are *copied* from ``$PHYSGNN_DATA_MIRROR``, a read-only folder laid out like PyG's
   roots (``Planetoid/Cora/geom-gcn/raw``, ``WebKB/texas/raw``, ...). The mirror is only ever read; a data
   root inside it is refused.
3. Otherwise PyG downloads them (this works on Colab). With ``PHYSGNN_OFFLINE=1`` no download is tried.

What is checked (see :mod:`.rawfiles`, :mod:`.processed`, :mod:`.validate`): every raw file against the
size and SHA-256 in ``manifest.json`` (a damaged copy is replaced from the mirror when the mirror's copy is
good); no symlinks; PyG's processed files only when safe to unpickle and stamped by us; the loaded graph
against the shape in its spec. A dataset that cannot be found raises :class:`DatasetNotAvailableError`; one
whose files are wrong raises :class:`DatasetDamagedError`. Both name the dataset, the file and the fix.
There is never a silent fallback to another dataset.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data
from torch_geometric.utils import coalesce, remove_self_loops, to_undirected

try:
    import fcntl
except ImportError:  # Windows: no locking (one process at a time)
    fcntl = None

from ..utils import offline
from . import manifest, processed
from .errors import DatasetDamagedError, DatasetNotAvailableError
from .rawfiles import drop_processed, mirror_root, prepare, refuse_root_in_mirror
from .specs import DATASETS, _Spec, raw_files
from .validate import check_graph

__all__ = [
    "DATASETS",
    "DatasetNotAvailableError",
    "DatasetDamagedError",
    "load",
    "select_split",
    "data_root",
    "dataset_names",
    "display_name",
]

FILTERED_URL = "https://github.com/yandex-research/heterophilous-graphs/raw/main/data/{}.npz"


def dataset_names(offline_only: bool = False) -> list[str]:
    """Valid names for :func:`load`; with ``offline_only`` just those in the project's offline mirror."""
    return [n for n, s in DATASETS.items() if s.offline or not offline_only]


# How the book writes each dataset's name in figures, tables and prose (the names of the papers that made them).
_DISPLAY = {"cora": "Cora", "citeseer": "CiteSeer", "pubmed": "PubMed", "texas": "Texas", "cornell": "Cornell",
            "wisconsin": "Wisconsin", "chameleon": "Chameleon", "squirrel": "Squirrel", "actor": "Actor",
            "minesweeper": "Minesweeper", "tolokers": "Tolokers"}


def display_name(name: str) -> str:
    """The name a reader sees for the dataset ``name`` of :func:`load`: ``"citeseer"`` → ``"CiteSeer"``,
    ``"chameleon-filtered"`` → ``"Chameleon (filtered)"``. Raises ``ValueError`` for a name ``load`` does not
    know."""
    key = name.lower() if isinstance(name, str) else None
    if key not in DATASETS:
        raise ValueError(f"display_name: unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    base, filtered = (key[: -len("-filtered")], True) if key.endswith("-filtered") else (key, False)
    return _DISPLAY[base] + (" (filtered)" if filtered else "")


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The writable folder datasets live in: ``root``, else ``$PHYSGNN_DATA``, else the per-user cache."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("PHYSGNN_DATA")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "physgnn" / "data"


def _not_available(name: str, spec: _Spec, root: Path, missing: list[str], cause: BaseException | None) -> DatasetNotAvailableError:
    mirror = mirror_root()
    looked = [str(root / spec.raw_dir)]
    if mirror is not None:
        looked.append(str(mirror / spec.raw_dir) + " (PHYSGNN_DATA_MIRROR)")
    shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
    msg = (
        f"dataset {name!r} is not available: {len(missing)} of its {len(raw_files(spec))} raw files ({shown}) "
        f"are in neither {' nor '.join(looked)}"
        + (f", and the download failed ({type(cause).__name__}: {cause})" if cause else ", and downloads are off (PHYSGNN_OFFLINE is set)")
        + ". Fix: set PHYSGNN_DATA_MIRROR to a folder holding the raw files (in this project: ../shared/data), "
        "or PHYSGNN_DATA / root= to a folder that has them, or run once with internet access."
    )
    if not spec.offline:
        msg += f" Note: {name!r} is not part of the offline data; it needs a download."
    return DatasetNotAvailableError(msg)


_CHATTER = ("Processing...", "Done!")


@contextlib.contextmanager
def _pyg_output():
    """Filter what PyG writes to stderr: its "Processing..."/"Done!" lines are dropped, "Downloading"/"Extracting"
    lines go to stdout (a notebook shows them as ordinary output), anything else (warnings, errors) to stderr."""
    buf = io.StringIO()
    try:
        with contextlib.redirect_stderr(buf):
            yield
    finally:
        for line in buf.getvalue().splitlines(keepends=True):
            if line.strip() in _CHATTER:
                continue
            (sys.stdout if line.startswith(("Downloading", "Extracting")) else sys.stderr).write(line)


def _build_pyg(name: str, spec: _Spec, root: Path):
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
        return _read_filtered(name, spec, root)
    raise AssertionError(spec.kind)  # unreachable: every spec kind is handled above


def _read_filtered(name: str, spec: _Spec, root: Path) -> Data:
    """Platonov et al.'s de-duplicated Chameleon/Squirrel: one npz, no PyG class."""
    path = root / spec.raw_dir / raw_files(spec)[0]
    if not path.is_file():
        from torch_geometric.data import download_url

        download_url(FILTERED_URL.format(spec.pyg_name), str(path.parent))
    keys = ("node_features", "node_labels", "edges", "train_masks", "val_masks", "test_masks")
    try:
        with np.load(path) as z:  # allow_pickle stays False: an npz of plain arrays
            a = {k: z[k] for k in keys}
    except Exception as err:  # noqa: BLE001 - BadZipFile, KeyError, ValueError...: all mean a damaged file
        raise DatasetDamagedError(
            f"dataset {name!r}: cannot read {path} ({type(err).__name__}: {err}); it must be an npz with the arrays {', '.join(keys)}. "
            f"Fix: delete {path} and load again (it is copied from PHYSGNN_DATA_MIRROR or downloaded)"
        ) from err
    return Data(
        x=torch.from_numpy(a["node_features"]).float(),
        y=torch.from_numpy(a["node_labels"]).long(),
        edge_index=torch.from_numpy(a["edges"].T.astype(np.int64)),
        train_mask=torch.from_numpy(a["train_masks"]).bool().T.contiguous(),
        val_mask=torch.from_numpy(a["val_masks"]).bool().T.contiguous(),
        test_mask=torch.from_numpy(a["test_masks"]).bool().T.contiguous(),
    )


def _raw_hashes(spec: _Spec, root: Path) -> dict[str, str]:
    return {f: manifest.sha256(root / spec.raw_dir / f) for f in raw_files(spec)}


@contextlib.contextmanager
def _locked(root: Path, key: str):
    """Hold an exclusive lock on dataset ``key`` under ``root`` across processes (``reproduce --jobs``, notebooks
    executed in parallel): one process checks, repairs and builds while the others wait, then find it done."""
    if fcntl is None:
        yield
        return
    path = root / ".locks" / f"{key}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _load_checked(key: str, spec: _Spec, root: Path) -> Data:
    """The graph as PyG builds it from checked raw files, itself checked against the spec (see module docstring)."""
    no_downloads = offline()  # read first: a bad PHYSGNN_OFFLINE is an error even when nothing is missing
    mirror = mirror_root()
    refuse_root_in_mirror(key, spec, root, mirror)
    with _locked(root, key):
        return _load_locked(key, spec, root, mirror, no_downloads)


def _load_locked(key: str, spec: _Spec, root: Path, mirror: Path | None, no_downloads: bool) -> Data:
    missing = prepare(key, spec, root, mirror)
    if missing:
        if no_downloads:
            raise _not_available(key, spec, root, missing, None)
        drop_processed(spec, root)  # built from other raw files, or half-built; PyG rebuilds it after the download
    else:
        processed.guard(key, spec, root, _raw_hashes(spec, root))
    folder = root / spec.raw_dir
    try:
        with _pyg_output():
            data = _build_pyg(key, spec, root)
        if missing:  # downloaded now: the new files must pass the same checks as copied ones
            still = prepare(key, spec, root, None)
            if still:
                raise FileNotFoundError(f"the download left {', '.join(still)} missing")
    except DatasetDamagedError:
        drop_processed(spec, root)
        raise
    except Exception as err:  # noqa: BLE001 - re-raised with the dataset, the folder and the fix
        drop_processed(spec, root)
        if missing:
            raise _not_available(key, spec, root, missing, err) from err
        raise DatasetDamagedError(
            f"dataset {key!r}: PyG could not build it from the raw files in {folder} ({type(err).__name__}: {err}). "
            f"Fix: delete {folder} and load again (the files are copied from PHYSGNN_DATA_MIRROR or downloaded)"
        ) from err
    processed.stamp(spec, root, _raw_hashes(spec, root))
    try:
        check_graph(key, spec, data, root)
    except DatasetDamagedError:
        drop_processed(spec, root)
        raise
    return data


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

    Raises:
        ValueError: an unknown name or split, a ``PHYSGNN_OFFLINE`` value other than 1/0/true/false/yes/no/on/off,
            or a data root inside the read-only mirror.
        DatasetNotAvailableError: raw files are missing and cannot be copied or downloaded; lists them.
        DatasetDamagedError: a raw file fails its checksum or cannot be read, the graph has the wrong shape,
            or a path is a symlink; names the file and the fix. A damaged copy is replaced from the mirror
            instead (with a :class:`DataRepairedWarning`) when the mirror's copy is good.
    """
    if not isinstance(name, str):
        raise ValueError(f"load: name must be a string, one of {dataset_names()}; got {name!r}")
    key = name.strip().lower().replace("_", "-")
    key = {"film": "actor"}.get(key, key)
    if key not in DATASETS:
        raise ValueError(f"load: unknown dataset {name!r}; valid names are {', '.join(dataset_names())}")
    spec = DATASETS[key]
    root = data_root(root)
    data = _load_checked(key, spec, root)

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
