"""Compare a fresh run of ``python -m physgnn reproduce`` (another results folder) with the committed rows.

    python -m physgnn.rerun --fresh /tmp/fresh-results --record batched_rerun.csv

For every (dataset, model) that the fresh folder's ``search.csv`` holds, each fresh trial is matched with the
committed trial of the same dataset, model, settings and split. A trial is *identical* when its validation score and
best epoch are equal, and its test score too where both rows record one (older committed rows do not). The CPU
seconds of the matched trials are summed on both sides. A run that diverged in its first epoch is recorded as NaN with
best epoch −1 by today's :func:`physgnn.train.fit` and as 0.0 with best epoch 0 in rows written before that change;
two such rows count as the same outcome (``diverged``), not as identical scores. The CPU seconds are summed over all
matched trials: the committed rows' ``cpu_seconds``, or their wall-clock
``seconds`` where they predate that column (measured with one job per core, so close to CPU time). One row per
(dataset, model) goes to ``results/<record>`` with the fresh folder's command, the date and the package versions:
this is how the book measures that a change of engine (the batched cells of :func:`physgnn.reproduce.train_cell`)
changes no result and what it saves.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import pathlib

from . import results

__all__ = ["compare", "main"]

_KEY = ("dataset", "model", "settings", "split")


def _read(path: pathlib.Path) -> list[dict]:
    if not path.is_file():
        raise ValueError(f"rerun: {path} not found; give the results folder of the fresh run (it must hold search.csv)")
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _cpu(row: dict) -> float:
    value = row.get("cpu_seconds") or row.get("seconds") or ""
    if value == "":
        raise ValueError(f"rerun: a row of {row.get('dataset')}/{row.get('model')} records neither cpu_seconds nor seconds")
    return float(value)


def _diverged(row: dict) -> bool:
    """A trial that never had a finite epoch: NaN and best epoch −1 (today), or 0.0 and best epoch 0 (older rows)."""
    return row["best_epoch"] in ("-1", "0") and row["val"] in ("nan", "0.0", "0")


def compare(fresh_rows, committed_rows) -> list[dict]:
    """One summary per (dataset, model) of ``fresh_rows``: trials, matched, identical, diverged (in both), fresh and
    committed CPU seconds of the matched trials, and the list of splits/settings that differ (``differing``)."""
    committed = {tuple(r[k] for k in _KEY): r for r in committed_rows}
    out: dict = {}
    for r in fresh_rows:
        s = out.setdefault((r["dataset"], r["model"]), dict(dataset=r["dataset"], model=r["model"], trials=0, matched=0,
                                                            identical=0, diverged=0, cpu_fresh=0.0, cpu_committed=0.0, differing=[]))
        s["trials"] += 1
        old = committed.get(tuple(r[k] for k in _KEY))
        if old is None:
            continue
        s["matched"] += 1
        same = (r["val"], r["best_epoch"]) == (old["val"], old["best_epoch"])
        if r.get("test") and old.get("test"):
            same = same and r["test"] == old["test"]
        both_diverged = not same and _diverged(r) and _diverged(old)
        s["identical"] += same
        s["diverged"] += both_diverged
        if not (same or both_diverged):
            s["differing"].append(f"{r['settings']} split {r['split']}")
        s["cpu_fresh"] += _cpu(r)
        s["cpu_committed"] += _cpu(old)
    return list(out.values())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physgnn.rerun", description=__doc__.split("\n\n")[0])
    parser.add_argument("--fresh", required=True, type=pathlib.Path, help="results folder of the fresh run")
    parser.add_argument("--record", default=None, help="append one row per (dataset, model) to results/RECORD")
    args = parser.parse_args(argv)
    if args.fresh.resolve() == results.results_dir().resolve():
        parser.error("--fresh is this project's own results folder; give the folder of the fresh run")
    try:
        fresh = _read(args.fresh / "search.csv")
    except ValueError as err:
        parser.error(str(err))
    rows = compare(fresh, results.read_csv("search.csv"))
    command = fresh[0].get("command", "") if fresh else ""
    for s in rows:
        ratio = s["cpu_fresh"] / s["cpu_committed"] if s["cpu_committed"] else float("nan")
        print(f"{s['dataset']}/{s['model']}: {s['identical']} of {s['matched']} matched trials identical,"
              f" {s['diverged']} diverged in both"
              f" ({s['trials']} fresh); CPU {s['cpu_fresh']:.0f} s against {s['cpu_committed']:.0f} s ({ratio:.2f}x)")
        if args.record:
            results.append_row(args.record, dict(
                date=datetime.date.today().isoformat(), dataset=s["dataset"], model=s["model"], trials=s["trials"],
                matched=s["matched"], identical=s["identical"], diverged=s["diverged"], cpu_fresh=round(s["cpu_fresh"], 1),
                cpu_committed=round(s["cpu_committed"], 1), differing="; ".join(s["differing"]), command=command,
                **results.versions()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
