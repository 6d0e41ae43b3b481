"""What each benchmark is: the PyG class that builds it, where its raw files live, and the shape it must have.

The expected shapes are the published ones (PyG's docstrings and the papers; they are also the table in the
offline mirror's README). ``edges`` counts ``edge_index`` columns exactly as PyG stores them (before
:func:`physgnn.data.load` makes the graph undirected); for the filtered sets it is the npz's one direction
per edge.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DATASETS", "raw_files", "processed_dir"]


@dataclass(frozen=True)
class _Spec:
    """One dataset: how to build it, where its raw files are, and its expected shape.

    Attributes:
        kind: ``"planetoid"``, ``"webkb"``, ``"wikipedia"``, ``"actor"``, ``"heterophilous"`` or ``"filtered"``.
        pyg_name: the ``name`` given to the PyG class (for ``"filtered"``: the npz's stem).
        raw_dir: the raw folder, relative to the data root; the mirror has the same layout.
        nodes, edges, features, classes, splits: the shape ``load(name, undirected=False)`` must have:
            ``x`` [nodes, features], ``edge_index`` [2, edges], ``y`` in ``0..classes-1`` with ``classes-1``
            the largest label, masks [nodes, splits].
    """

    kind: str
    pyg_name: str | None
    raw_dir: str
    nodes: int
    edges: int
    features: int
    classes: int
    splits: int = 10
    metric: str = "accuracy"
    note: str = ""
    offline: bool = True  # raw files are in the project's offline mirror (and in manifest.json)
    bag_of_words: bool = True  # features are counts/indicators, row-normalised by convention


DATASETS: dict[str, _Spec] = {
    "cora": _Spec("planetoid", "Cora", "Planetoid/Cora/geom-gcn/raw", 2708, 10556, 1433, 7, note="citation graph, 10 Geom-GCN splits"),
    "citeseer": _Spec("planetoid", "CiteSeer", "Planetoid/CiteSeer/geom-gcn/raw", 3327, 9104, 3703, 6, note="citation graph, 10 Geom-GCN splits"),
    "pubmed": _Spec("planetoid", "PubMed", "Planetoid/PubMed/geom-gcn/raw", 19717, 88648, 500, 3, note="needs a download", offline=False),
    "texas": _Spec("webkb", "Texas", "WebKB/texas/raw", 183, 325, 1703, 5, note="WebKB web pages"),
    "cornell": _Spec("webkb", "Cornell", "WebKB/cornell/raw", 183, 298, 1703, 5, note="WebKB web pages"),
    "wisconsin": _Spec("webkb", "Wisconsin", "WebKB/wisconsin/raw", 251, 515, 1703, 5, note="WebKB web pages"),
    "chameleon": _Spec("wikipedia", "chameleon", "WikipediaNetwork/chameleon/geom_gcn/raw", 2277, 36101, 2325, 5, note="Wikipedia pages (has duplicate nodes)"),
    "squirrel": _Spec("wikipedia", "squirrel", "WikipediaNetwork/squirrel/geom_gcn/raw", 5201, 217073, 2089, 5, note="Wikipedia pages (has duplicate nodes)"),
    "actor": _Spec("actor", None, "Actor/raw", 7600, 30019, 932, 5, note="actor co-occurrence (also called Film)"),
    "minesweeper": _Spec("heterophilous", "Minesweeper", "HeterophilousGraphDataset/minesweeper/raw", 10000, 78804, 7, 2, metric="roc_auc", bag_of_words=False, note="synthetic grid, 2 classes"),
    "tolokers": _Spec("heterophilous", "Tolokers", "HeterophilousGraphDataset/tolokers/raw", 11758, 1038000, 10, 2, metric="roc_auc", bag_of_words=False, note="crowd workers, 2 classes"),
    "chameleon-filtered": _Spec("filtered", "chameleon_filtered", "Filtered/raw", 890, 8854, 2325, 5, note="duplicates removed (Platonov et al.)"),
    "squirrel-filtered": _Spec("filtered", "squirrel_filtered", "Filtered/raw", 2223, 46998, 2089, 5, note="duplicates removed (Platonov et al.)"),
}


def _geom_gcn_splits(stem: str, n: int) -> list[str]:
    return [f"{stem}_split_0.6_0.2_{i}.npz" for i in range(n)]


def raw_files(spec: _Spec) -> tuple[str, ...]:
    """The names of every raw file ``spec`` needs, inside ``spec.raw_dir`` (what PyG's ``process()`` reads)."""
    if spec.kind == "planetoid":
        stem = spec.pyg_name.lower()
        ind = [f"ind.{stem}.{part}" for part in ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index")]
        return tuple(ind + _geom_gcn_splits(stem, spec.splits))
    if spec.kind in ("webkb", "wikipedia", "actor"):
        stem = "film" if spec.kind == "actor" else spec.pyg_name.lower()
        return ("out1_node_feature_label.txt", "out1_graph_edges.txt", *_geom_gcn_splits(stem, spec.splits))
    if spec.kind == "heterophilous":
        return (spec.pyg_name.lower().replace("-", "_") + ".npz",)
    if spec.kind == "filtered":
        return (f"{spec.pyg_name}.npz",)
    raise AssertionError(spec.kind)  # unreachable: every kind is listed above


def processed_dir(spec: _Spec) -> str | None:
    """Where PyG writes its processed files for ``spec`` (relative to the data root); ``None`` for our npz reader."""
    if spec.kind == "filtered":
        return None
    return spec.raw_dir.rsplit("/", 1)[0] + "/processed"
