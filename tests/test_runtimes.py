"""What a reader on a CPU runtime is told before a chapter runs at full size: physgnn.runtimes and the setup line."""

from __future__ import annotations

import json

import pytest
import torch

from physgnn import runtimes
from physgnn.utils import setup_line


def test_the_cpu_note_gives_the_recorded_time_and_the_fast_switch(tmp_path):
    path = tmp_path / "times.json"
    runtimes.record("03_heterophily", 473.0, "2026-12-01 20:00 UTC", 2, path=path)
    note = runtimes.cpu_note("03_heterophily", torch.device("cpu"), False, path=path)
    assert "about 8 min" in note and "2 chapters at a time" in note and "%env PHYSGNN_FAST=1" in note
    assert "no full-size run time is recorded" in runtimes.cpu_note("01_message_passing", "cpu", False, path=path)
    assert runtimes.cpu_note("03_heterophily", "cpu", True, path=path) == ""           # fast mode: nothing to warn
    assert runtimes.cpu_note("03_heterophily", torch.device("meta"), False, path=path) == ""   # not a CPU
    runtimes.record("03_heterophily", 300.0, "later", 1, path=path)                    # a newer run replaces it
    assert json.loads(path.read_text()) == {"03_heterophily": {"seconds": 300.0, "finished": "later", "jobs": 1}}
    for bad in (dict(seconds=0.0), dict(seconds=float("nan")), dict(jobs=0), dict(jobs=True)):
        with pytest.raises(ValueError, match="record"):
            runtimes.record("03_heterophily", **{"seconds": 1.0, "finished": "x", "jobs": 1, **bad}, path=path)
    with pytest.raises(ValueError, match="chapter"):
        runtimes.cpu_note("chapters/03_heterophily.ipynb", "cpu", False, path=path)


def test_every_chapter_setup_cell_names_itself_and_the_shipped_record_is_valid():
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    for nb in sorted((repo / "chapters").glob("*.ipynb")):
        first = next(c for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code")
        assert f'setup_line("{nb.stem}", DEVICE, FAST)' in "".join(first["source"]), nb.name
    shipped = json.loads(runtimes.RECORD.read_text())
    assert shipped and all((repo / "chapters" / f"{k}.ipynb").is_file() and v["seconds"] > 0 for k, v in shipped.items())
    line = setup_line("02_diffusion", torch.device("cpu"), False)
    assert line.startswith("physgnn ") and "fast mode: False" in line and "min" in line
    assert "\n" not in setup_line("02_diffusion", torch.device("cpu"), True)
