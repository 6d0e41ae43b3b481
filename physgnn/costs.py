"""What the benchmark table costs: the CPU time of each (dataset, model) job from the saved rows, and the wall-clock
time of running the jobs on N processes (Chapter 7, "What the table cost"; ``bench --protocol`` measures it
ahead of a run instead)."""

from __future__ import annotations

from .protocols.table import BATCHED, ODE_MODELS, search_splits, settings_grid, settings_key

__all__ = ["job_order", "cell_seconds", "projected_wall", "latest_rerun", "batching_projection"]


def _slow_first(pair) -> tuple[bool, bool]:
    dataset, model = pair[:2]
    return model not in ODE_MODELS, dataset not in ("tolokers", "squirrel", "actor", "minesweeper")


def job_order(pairs) -> list[tuple[str, str]]:
    """The order in which ``--jobs N`` hands out (dataset, model) jobs: the ODE models first, and among them the
    largest graphs first, so that the slowest jobs start early and the processes finish together."""
    return sorted(pairs, key=_slow_first)


def cell_seconds(search_rows, repro_rows, budget_rows=()) -> dict:
    """CPU seconds of training that each (dataset, model) of the saved results costs under the current protocol: its
    search trials (the settings of :func:`settings_grid` on the splits of :func:`search_splits`) plus its runs of the
    setting used last, except runs that are one of those trials (:func:`run` reuses them). A row's cost is its
    ``cpu_seconds``; rows written before that column existed give wall-clock ``seconds``, scaled by the CPU/wall ratio
    of their job's latest row in ``budget_rows`` (reproduce_budget.csv) when there is one. Returns
    ``{(dataset, model): (seconds, runs)}``; rows of older protocols, and a trial or run given twice, count once."""
    ratio = {}
    for r in budget_rows:
        if float(r["wall_seconds"]) > 0:
            ratio[(r["dataset"], r["model"])] = min(1.0, float(r["cpu_seconds"]) / float(r["wall_seconds"]))

    def cost(r, key):
        if r.get("cpu_seconds", "") not in ("", None):
            return float(r["cpu_seconds"])
        return float(r["seconds"]) * ratio.get(key, 1.0)

    out = {}
    grids = {}
    trials = set()
    for r in search_rows:
        key = (r["dataset"], r["model"])
        if key not in grids:
            try:
                grids[key] = ({settings_key(st) for st in settings_grid(r["model"], r["dataset"])}, {str(s) for s in search_splits(r["dataset"])})
            except ValueError:
                grids[key] = (set(), set())
        settings, splits = grids[key]
        if r["settings"] in settings and str(r["split"]) in splits and (*key, r["settings"], str(r["split"])) not in trials:
            trials.add((*key, r["settings"], str(r["split"])))
            seconds, runs = out.get(key, (0.0, 0))
            out[key] = (seconds + cost(r, key), runs)
    latest = {(r["dataset"], r["model"]): r["settings"] for r in repro_rows}
    counted = set()  # each run once, should a file hold it twice
    for r in repro_rows:
        key = (r["dataset"], r["model"])
        if r["settings"] == latest[key] and (*key, r["settings"], str(r["split"])) not in counted:
            counted.add((*key, r["settings"], str(r["split"])))
            seconds, runs = out.get(key, (0.0, 0))
            free = (*key, r["settings"], str(r["split"])) in trials
            out[key] = (seconds + (0.0 if free else cost(r, key)), runs + 1)
    return out


def projected_wall(seconds: dict, jobs: int = 2) -> float:
    """Wall-clock seconds of running the (dataset, model) jobs ``{pair: seconds}`` with ``--jobs`` processes: each
    free process takes the next job in :func:`job_order` (as the pool of :func:`main` does)."""
    if jobs < 1:
        raise ValueError(f"projected_wall: jobs must be at least 1, got {jobs!r}")
    free = [0.0] * jobs
    for pair in job_order(seconds):
        i = free.index(min(free))
        free[i] += seconds[pair]
    return max(free)


def latest_rerun(rows) -> list[dict]:
    """The latest row per (dataset, model) of ``results/batched_rerun.csv`` (rows in file order: a later rerun of
    the same searches, after a change of engine, replaces the earlier one), in the order of first appearance."""
    latest = {}
    for r in rows:
        latest[(r["dataset"], r["model"])] = r
    return list(latest.values())


def batching_projection(complete: dict, rerun_rows) -> dict:
    """The CPU hours of the table's ``complete`` cells ``{(dataset, model): seconds}`` (from :func:`cell_seconds`)
    as run separately (``before``), and ``after`` the cells of the small graphs (``BATCHED``) train as stacked
    batches, at the CPU ratio batched / separate that the latest rerun of the searches measured (``ratio``: its
    summed CPU seconds, :func:`latest_rerun`). Also ``small``: the hours of the small graphs before."""
    rows = latest_rerun(rerun_rows)
    if not rows:
        raise ValueError("batching_projection: rerun_rows is empty; give the rows of results/batched_rerun.csv")
    committed = sum(float(r["cpu_committed"]) for r in rows)
    if committed <= 0:
        raise ValueError("batching_projection: the rerun's committed CPU seconds sum to zero; the ratio is undefined")
    ratio = sum(float(r["cpu_fresh"]) for r in rows) / committed
    before = sum(complete.values())
    small = sum(s for (dataset, _), s in complete.items() if dataset in BATCHED)
    after = before - small * (1 - ratio)
    return dict(before=before / 3600, small=small / 3600, after=after / 3600, ratio=ratio)
