# Two commands do everything on a fresh machine:
#   make book   set up .venv (if needed), execute every chapter, build the site with warnings as errors
#   make test   set up .venv (if needed), run the unit tests and every chapter notebook (nbval) in fast mode
#   make test-full   the same with every chapter at full size (PHYSGNN_FAST=0)
# Other targets: make lab (JupyterLab on the chapters), make bench, make course (student notebooks),
# make instructor-pack PRIVATE=folder (the private course folder), make grade SUBMISSIONS=folder,
# make slides (reveal.js lecture decks), make sitecheck, make clean, make constraints.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.physgnn-installed

# Exact tested versions for every pip call (torch pinned, so pip never pulls a CUDA build).
export PIP_CONSTRAINT := $(CURDIR)/constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Offline data: raw files are copied from this read-only mirror when present (../shared/data here).
MIRROR ?= $(abspath $(CURDIR)/../shared/data)
ifneq ($(wildcard $(MIRROR)),)
export PHYSGNN_DATA_MIRROR ?= $(MIRROR)
endif
# One thread per torch process: 2 cores, and bit-for-bit repeatable numbers.
export OMP_NUM_THREADS ?= 1

# Chapter notebooks under nbval; the course notebooks are run (instructor and student versions) by tests/test_course.py.
NOTEBOOKS := $(sort $(wildcard chapters/*.ipynb) $(wildcard book/*.ipynb))
PKG_SOURCES := $(shell find physgnn -name '*.py' 2>/dev/null)

.PHONY: book test test-full unit notebooks lab bench clean setup constraints sitecheck course slides grade instructor-pack

setup: $(STAMP)

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=23"
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-build-isolation --no-deps -e .
	$(PY) -m pip check
	@touch $@

# Executed notebooks are cached by their code only; when the package changes, drop the cache so that
# every chapter runs against the new physgnn.
_build/.physgnn-sources: $(PKG_SOURCES)
	@rm -rf _build/.jupyter_cache _build/jupyter_execute
	@mkdir -p _build && touch $@

# MathJax served by the site itself (no CDN): fetched from the npm registry at build time, never committed.
MATHJAX_VERSION := 3.2.2
MATHJAX := _build/mathjax/mathjax/tex-chtml-full.js
$(MATHJAX):
	@rm -rf _build/npm _build/mathjax && mkdir -p _build/npm _build/mathjax/mathjax
	npm install --no-save --no-audit --no-fund --silent --prefix _build/npm mathjax@$(MATHJAX_VERSION)
	cd _build/npm/node_modules/mathjax/es5 && cp -r tex-chtml-full.js input output ui a11y $(CURDIR)/_build/mathjax/mathjax/

book: $(STAMP) _build/.physgnn-sources $(MATHJAX)
	@if [ -n "$$CI" ]; then rm -rf _build/.jupyter_cache _build/jupyter_execute _build/html; fi
	$(PY) scripts/execute_notebooks.py --jobs 2
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium) || echo "no Chromium: the book is built without its PDF"
	@rm -rf _build/pdf && mkdir -p _build/pdf
	$(VENV)/bin/jupyter-book build . --builder singlehtml -n --keep-going -q
	$(PY) scripts/make_pdf.py
	$(VENV)/bin/jupyter-book build . -W -n --keep-going
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

unit: $(STAMP)
	$(PY) -m pytest -q tests

# Fast mode unless the caller sets PHYSGNN_FAST=0 (make test-full does).
notebooks: $(STAMP)
	PHYSGNN_FAST=$${PHYSGNN_FAST:-1} PHYSGNN_OFFLINE=1 $(PY) -m pytest -q -p no:cacheprovider -n 2 --dist loadfile --nbval-lax --timeout=900 $(NOTEBOOKS)

test: unit notebooks

test-full: $(STAMP)
	$(MAKE) unit
	PHYSGNN_FAST=0 $(MAKE) notebooks

# The built site in a real browser (headless Chromium from Debian, driven by Playwright).
sitecheck: $(STAMP)
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	$(PY) -m pip install -q playwright
	$(PY) scripts/site_check.py

lab: $(STAMP)
	$(VENV)/bin/jupyter lab chapters

# Teaching: the site's student pages of the problem sets, the student pack and the (private) instructor pack in
# _build/course/, and one reveal.js deck per lecture.
course: $(STAMP)
	$(PY) scripts/course.py student
	$(PY) scripts/course.py autograder

# A private course folder (outside this public repository): student pack, instructor pack with solutions and keys,
# autograders. Keep it in a private repository (book/course/instructor-guide.md, "Where the solutions are kept").
instructor-pack: $(STAMP)
	@test -n "$(PRIVATE)" || (echo "usage: make instructor-pack PRIVATE=folder-outside-this-repository" && false)
	$(PY) scripts/course.py instructor-pack $(PRIVATE)

# Grade a folder of submitted problem-set notebooks with Otter-Grader (locally, no containers): SUBMISSIONS/grades.csv.
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || (echo "usage: make grade SUBMISSIONS=folder" && false)
	PHYSGNN_FAST=$${PHYSGNN_FAST:-1} $(PY) scripts/course.py grade $(SUBMISSIONS)

# Decks use the chapters' fast-mode figures (as the site does) unless PHYSGNN_FAST=0 is set.
slides: $(STAMP)
	PHYSGNN_FAST=$${PHYSGNN_FAST:-1} $(PY) scripts/course.py slides

bench: $(STAMP)
	$(PY) -m physgnn.bench

constraints:
	$(PY) -m pip freeze --exclude-editable | sed 's/+cpu//' > constraints.new && echo "review constraints.new"

clean:
	rm -rf _build .pytest_cache
