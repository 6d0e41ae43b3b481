"""The headline table as a reader sees it: its cells, the Markdown table, the strongest baseline and the paired
comparisons, all read from the rows of ``results/headline.csv`` (:mod:`physgnn.experiments.headline`).

Shapes:
    - ``rows``: dicts as :func:`physgnn.results.read_csv` reads them (or as the runner returns them);
    - a *cell*: :func:`physgnn.experiments.headline.summary` of one (dataset, model), with ``val`` added (the mean
      validation score of its final runs), or ``None`` while its search or final runs are incomplete;
    - ``split_scores``: ten test scores (fractions), each the mean over the final seeds of that split.

The strongest baseline of a dataset is picked on **validation** scores (the mean over the final runs), never on
test scores: picking the baseline with the best test mean and then testing against it would favour the baseline
by the luck of that choice.
"""

from __future__ import annotations

import math
import statistics
from typing import Mapping, Sequence

from . import stats
from .protocols import headline
from .experiments.headline import final_runs, summary

__all__ = ["cells", "strongest", "markdown", "comparisons"]


def _check_names(datasets, models) -> None:
    bad = [d for d in datasets if d not in headline.DATASETS] + [m for m in models if m not in headline.MODELS]
    if bad:
        raise ValueError(f"headline_table: not in the headline table: {', '.join(map(repr, bad))}")


def cells(rows, datasets: Sequence[str] = headline.DATASETS, models: Sequence[str] = headline.MODELS) -> dict:
    """``{(dataset, model): cell or None}`` for every pair of ``datasets`` × ``models`` (see Shapes)."""
    _check_names(datasets, models)
    rows = list(rows)
    out = {}
    for d in datasets:
        for m in models:
            cell = summary(rows, d, m)
            if cell is not None:
                key = headline.settings_key(cell["settings"])
                finals = {(int(r["split"]), int(r["seed"])): float(r["val"]) for r in rows
                          if r["dataset"] == d and r["model"] == m and r["settings"] == key}
                cell = dict(cell, val=statistics.fmean(finals[p] for p in final_runs()))
            out[(d, m)] = cell
    return out


def strongest(table: Mapping, dataset: str, candidates: Sequence[str]) -> str | None:
    """The model among ``candidates`` whose complete cell of ``dataset`` has the best mean validation score (the
    first of ``candidates`` on a tie), or ``None`` while none of them is complete. Failed cells (NaN) never win."""
    candidates = list(candidates)
    done = [m for m in candidates
            if table.get((dataset, m)) is not None and not math.isnan(table[(dataset, m)]["val"])]
    if not done:
        return None
    return max(done, key=lambda m: (table[(dataset, m)]["val"], -candidates.index(m)))


def _cell_text(cell) -> str:
    if cell is None:
        return "…"
    if cell["failed"]:
        return f"failed ({cell['failed']})"
    text = f"{100 * cell['mean']:.1f} ± {100 * cell['std']:.1f}"
    return text if cell["converged"] else text + " †"


def markdown(table: Mapping, datasets: Sequence[str], models: Sequence[str], *,
             labels: Mapping[str, str] | None = None, names: Mapping[str, str] | None = None) -> list[str]:
    """The pipe table of ``table`` (from :func:`cells`): one row per model, one column per dataset; a cell is
    "mean ± std" in percent over the ten splits, bold where it is the best test mean of its column, "†" where the
    cell did not converge (its median best epoch lies within the patience of the cap), "failed (k)" where k final
    runs never gave a finite score, and "…" while the cell is incomplete. ``labels``: model names to print,
    ``names``: dataset names to print (default: the keys). The last row counts the configurations each model tried
    on each dataset (the same for every model)."""
    _check_names(datasets, models)
    labels, names = dict(labels or {}), dict(names or {})
    head = "| model | " + " | ".join(names.get(d, d) for d in datasets) + " |"
    lines = [head, "|---|" + "---:|" * len(datasets)]
    best = {}
    for d in datasets:
        done = [table[(d, m)]["mean"] for m in models
                if table.get((d, m)) is not None and not table[(d, m)]["failed"]]
        best[d] = max(done) if done else None
    for m in models:
        row = []
        for d in datasets:
            cell = table.get((d, m))
            text = _cell_text(cell)
            if cell is not None and not cell["failed"] and cell["mean"] == best[d]:
                text = f"**{text}**"
            row.append(text)
        lines.append(f"| {labels.get(m, m)} | " + " | ".join(row) + " |")
    lines.append("| configurations tried | " + " | ".join(
        str(headline.configurations(models[0], d)) for d in datasets) + " |")
    return lines


def comparisons(table: Mapping, pairs: Sequence[tuple[str, str, str]], test_train_ratio: Mapping[str, float],
                alpha: float = 0.05) -> dict:
    """Paired comparisons ``(dataset, a, b)`` (model a against model b, split by split, on the seed means) with
    Nadeau and Bengio's corrected resampled t-test and Holm's method across all of ``pairs``
    (:func:`physgnn.stats.compare_family`); ``test_train_ratio``: n_test / n_train of each dataset's splits.
    Every cell named must be complete and finite."""
    data = {}
    for d, a, b in pairs:
        for m in (a, b):
            cell = table.get((d, m))
            if cell is None or cell["failed"]:
                raise ValueError(f"headline_table.comparisons: the cell ({d!r}, {m!r}) is incomplete or failed; "
                                 "compare complete cells only")
        if d not in test_train_ratio:
            raise ValueError(f"headline_table.comparisons: no test/train ratio for {d!r}")
        data[(d, a, b)] = ([100 * s for s in table[(d, a)]["split_scores"]],
                           [100 * s for s in table[(d, b)]["split_scores"]])
    if not data:
        return {}
    return stats.compare_family(data, test_train_ratio={k: test_train_ratio[k[0]] for k in data}, alpha=alpha)
