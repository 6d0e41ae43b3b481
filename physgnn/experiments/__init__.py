"""Full-scale experiments behind the chapters' figures, run as ``python -m physgnn experiment NAME [options]``.

Each module here has a docstring saying what it measures and which chapter plots it, and a ``main(argv)``
that runs it with a progress bar and appends its rows to ``results/<NAME>.csv`` (see :mod:`physgnn.results`).
In fast mode (``PHYSGNN_FAST=1``) the chapters call the same functions on a smaller grid.
"""

import importlib
import pkgutil


def names() -> list[str]:
    """Experiments available to ``python -m physgnn experiment``."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def get(name: str):
    if name not in names():
        raise ValueError(f"unknown experiment {name!r}; available: {', '.join(names()) or '(none)'}")
    return importlib.import_module(f"{__name__}.{name}")
