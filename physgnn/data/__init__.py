"""Graphs for the book: real benchmarks through PyG (:func:`load`) and synthetic graphs that need no files."""

from .benchmarks import DATASETS, data_root, dataset_names, display_name, load, select_split
from .errors import DataRepairedWarning, DatasetDamagedError, DatasetNotAvailableError
from .planetoid_splits import planetoid_random_splits
from .synthetic import contextual_sbm, grid_graph, random_split, ring_graph

__all__ = [
    "DATASETS",
    "DataRepairedWarning",
    "DatasetDamagedError",
    "DatasetNotAvailableError",
    "contextual_sbm",
    "data_root",
    "dataset_names",
    "display_name",
    "grid_graph",
    "load",
    "planetoid_random_splits",
    "random_split",
    "ring_graph",
    "select_split",
]
