"""Where the course material lives, and the repository settings every course tool shares."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
COURSE = REPO / "book" / "course"
INSTRUCTOR = COURSE / "instructor"          # the single source of the graded problem sets, with solutions
CHAPTERS = REPO / "chapters"
BUILD = REPO / "_build"
PACKS = BUILD / "course"                    # make course: PACKS/student and PACKS/instructor

_config = yaml.safe_load((REPO / "_config.yml").read_text())
REPO_URL = _config["repository"]["url"].rstrip("/")
BRANCH = _config["repository"]["branch"]
OWNER, NAME = REPO_URL.split("github.com/")[1].split("/")
SITE_URL = f"https://{OWNER}.github.io/{NAME}/"


def version() -> str:
    """physgnn's release, read from the source (``RELEASE`` in physgnn/_version.py, which pyproject.toml reads too)."""
    return version_of(REPO)


def release_tag() -> str:
    return f"v{version()}"


def pack_ref(repo: Path = REPO) -> str:
    """The git ref that the packs' setup cells install and their Colab links open: the release tag ``v<RELEASE>`` when it
    points at the checked-out commit, else that commit's full hash. Both exist once pushed, and both give exactly the
    physgnn the packs were built and tested with (the site's pages follow the branch instead, as the site does).

    Raises ValueError when ``repo`` is not a git checkout, or when physgnn/ has uncommitted changes (no ref would give
    the package the pack was built with)."""
    def git(*args: str) -> str | None:
        try:
            run = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return run.stdout.strip() if run.returncode == 0 else None

    head = git("rev-parse", "HEAD")
    if not head:
        raise ValueError(f"pack_ref: {repo} is not a git checkout; build the packs from a clone of {REPO_URL}")
    if git("status", "--porcelain", "--untracked-files=no", "--", "physgnn"):
        raise ValueError("pack_ref: physgnn/ has uncommitted changes, so no git ref installs the package these packs "
                         "are built with; commit (and push) them, or stash them, then run make course again")
    tag = f"v{version_of(repo)}"
    tagged = git("rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}")
    return tag if tagged == head else head


def version_of(repo: Path) -> str:
    text = (repo / "physgnn" / "_version.py").read_text()
    return re.search(r'^RELEASE = "([^"]+)"', text, re.M).group(1)


def colab_url(rel_path: str, ref: str) -> str:
    return f"https://colab.research.google.com/github/{OWNER}/{NAME}/blob/{ref}/{rel_path}"
