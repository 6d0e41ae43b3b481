"""Where the course material lives, and the repository settings every course tool shares."""

from __future__ import annotations

import re
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
    text = (REPO / "physgnn" / "_version.py").read_text()
    return re.search(r'^RELEASE = "([^"]+)"', text, re.M).group(1)


def release_tag() -> str:
    return f"v{version()}"


def colab_url(rel_path: str, ref: str) -> str:
    return f"https://colab.research.google.com/github/{OWNER}/{NAME}/blob/{ref}/{rel_path}"
