"""The Colab path: the setup cell's install command, pointed at this repository, works in a fresh environment.

Colab already has torch, so the fresh environment gets torch first; the install must then keep it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def setup_cell_install_line() -> str:
    nb = sorted((REPO / "chapters").glob("*.ipynb"))[0]
    first_code = next(c for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code")
    src = "".join(first_code["source"])
    fresh, replace = [ln.strip() for ln in src.splitlines() if ln.strip().startswith("%pip install")]
    return fresh


def test_setup_cells_name_this_release_and_replace_physgnn_alone():
    """Every notebook's setup cell installs physgnn when missing and replaces an install of another release without
    touching torch (``--no-deps``); the release it names is the package's."""
    from physgnn._version import RELEASE

    notebooks = sorted((REPO / "chapters").glob("*.ipynb")) + sorted((REPO / "book" / "course").glob("*.ipynb"))
    assert notebooks
    for nb in notebooks:
        first_code = next(c for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code")
        src = "".join(first_code["source"])
        assert f'BOOK_RELEASE = "{RELEASE}"' in src, nb.name
        fresh, replace = [ln.strip() for ln in src.splitlines() if ln.strip().startswith("%pip install")]
        assert "--no-deps" in replace and "--force-reinstall" in replace and "--no-deps" not in fresh, nb.name


def test_version_names_the_release_and_the_commit_of_a_checkout():
    import physgnn
    from physgnn._version import RELEASE

    assert physgnn.__version__.split("+")[0] == RELEASE
    if shutil.which("git") and (REPO / ".git").exists():
        sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short=7", "HEAD"], capture_output=True, text=True).stdout.strip()
        assert physgnn.__version__.startswith(f"{RELEASE}+g{sha}")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed for a git+file:// install")
def test_setup_cell_installs_physgnn_from_git(tmp_path):
    from physgnn._version import RELEASE

    line = setup_cell_install_line()
    m = re.search(r'"physgnn @ (git\+\S+)@(\S+)"', line)
    assert m, f"unexpected install line: {line}"
    if subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True).returncode != 0:
        pytest.skip("the repository has no commit yet")
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    url = f"git+file://{REPO}@{sha}"
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_CONSTRAINT")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    pip = [py, "-m", "pip", "install", "-q"]
    # Colab ships a recent pip and torch; emulate that (the python's own pip 23.2 rejects a git+file:// URL with a
    # ref), then run the setup cell's command with the URL swapped.
    subprocess.run(pip + ["--upgrade", "pip"], check=True, env=env)
    subprocess.run(pip + ["torch==2.13.0"], check=True, env=env)
    before = subprocess.run([py, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True, env=env, check=True).stdout
    cmd = line.replace("%pip install -q", "").strip().strip('"').replace(f"{m.group(1)}@{m.group(2)}", url)
    done = subprocess.run(pip + [cmd], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    after = subprocess.run([py, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True, env=env, check=True).stdout
    assert before == after, f"installing physgnn replaced torch ({before.strip()} -> {after.strip()})"
    check = "import physgnn, physgnn.data as d; g = d.contextual_sbm(200, seed=0); print(physgnn.__version__, g.num_nodes)"
    out = subprocess.run([py, "-c", check], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    version, nodes = out.stdout.split()
    assert nodes == "200"
    assert version == f"{RELEASE}+g{sha[:7]}", version   # the installed wheel names its commit (from pip's record, no git)


def test_missing_saved_results_stop_a_page_with_what_and_how(tmp_path, monkeypatch):
    """Offline (or when the download fails) a page gets one plain error naming the file and two ways to get it,
    never an empty list to print as a result."""
    from physgnn import results

    monkeypatch.setenv("PHYSGNN_RESULTS", str(tmp_path))
    monkeypatch.setenv("PHYSGNN_OFFLINE", "1")
    with pytest.raises(results.ResultsUnavailable, match=r"search\.csv are unavailable.*PHYSGNN_RESULTS.*reproduce --all") as err:
        results.saved("search.csv", "python -m physgnn reproduce --all --jobs 2")
    assert isinstance(err.value, FileNotFoundError)
    (tmp_path / "search.csv").write_text("dataset,val\ntexas,0.5\n")
    assert results.saved("search.csv", "unused") == [{"dataset": "texas", "val": "0.5"}]
