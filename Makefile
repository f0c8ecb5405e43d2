# Two commands for a new machine:  `make book`  and  `make test`.
# Each creates .venv (Python 3.11+) and installs requirements.txt and lossguide itself.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export JUPYTER_PLATFORM_DIRS := 1
export TF_CPP_MIN_LOG_LEVEL  := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export PYTHONDONTWRITEBYTECODE := 1
# Strict: warnings are errors, missing references are errors, report them all.
JB_BUILD := $(BIN)/jupyter-book build . --builder html --all -W -n --keep-going
# The same book as one HTML page, which headless Chromium prints to the PDF.
JB_SINGLE := $(BIN)/jupyter-book build . --builder singlehtml --all -W -n --keep-going
PDF := _build/pdf/lossguide.pdf
# Steps 1 and 2 of make test run on two pytest-xdist workers, a whole file (one notebook: one
# kernel, its cells in order) per worker: 0.63 and 0.64 of the serial time on 2 cores
# (benchmarks/test_steps.py; nbval passing that way is the check that outputs stay identical).
# `make test WORKERS=` runs them serially.
WORKERS ?= -n 2 --dist loadfile

.PHONY: book book-exec pdf test test-package test-notebooks test-build lab clean venv lock

# The virtualenv is (re)installed whenever requirements.txt, constraints.txt or
# pyproject.toml is newer than it. constraints.txt pins the whole working set.
$(STAMP): requirements.txt constraints.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt \
	    -c constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

venv: $(STAMP)

## make book: build the HTML book from the committed chapter outputs
book: $(STAMP)
	$(JB_BUILD)
	@echo "The book is at $(CURDIR)/_build/html/index.html"

## make book-exec: re-execute every chapter in a fresh kernel (in place), then build
book-exec: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 book/*.ipynb
	$(JB_BUILD)
	@echo "The book is at $(CURDIR)/_build/html/index.html"

## make pdf: the whole book as one PDF (single-page HTML printed by headless Chromium)
pdf: $(STAMP)
	$(JB_SINGLE)
	$(BIN)/python tests/browser_check.py --print-pdf $(PDF) _build/singlehtml
	@echo "The PDF is at $(CURDIR)/$(PDF)"

## make test: package tests and doctests, nbval on every chapter, strict build, browser
## check (every page, and its width), the PDF and its check
test: test-package test-notebooks test-build
	@echo "make test: all checks passed"

test-package: $(STAMP)
	@echo "== 1/6 pytest: tests/ and doctests of lossguide =="
	$(BIN)/python -m pytest tests --doctest-modules lossguide -q -ra --ignore=tests/test_pdf.py \
	    $(WORKERS)

test-notebooks: $(STAMP)
	@echo "== 2/6 nbval: every chapter re-executed and compared cell by cell =="
	$(BIN)/python -m pytest --nbval --nbval-current-env book -q -ra $(WORKERS)

## make test-build: steps 3-6 alone (the strict builds and everything that reads them)
test-build: $(STAMP)
	@echo "== 3/6 strict book build (-W -n --keep-going), API reference included =="
	$(JB_BUILD)
	@echo "== 4/6 browser check: every page in headless Chromium, offline, at 1280 and 390 px =="
	$(BIN)/python tests/browser_check.py _build/html
	@echo "== 5/6 make pdf: the single-page build printed to $(PDF) =="
	$(JB_SINGLE)
	$(BIN)/python tests/browser_check.py --print-pdf $(PDF) _build/singlehtml
	@echo "== 6/6 the PDF: pages, rendered math, Chinese terms, links inside it =="
	LOSSGUIDE_PDF=$(PDF) $(BIN)/python -m pytest tests/test_pdf.py -q -ra

## make lab: open the chapters in JupyterLab, in this environment
lab: $(STAMP)
	$(BIN)/jupyter lab book/

## make lock: re-resolve requirements.txt in a fresh virtualenv and rewrite constraints.txt
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	{ sed -n '/^#/p' constraints.txt; \
	  .lock-venv/bin/python -m pip freeze --disable-pip-version-check --exclude-editable; \
	} > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf .lock-venv
	@echo "constraints.txt rewritten: review the diff, run make test, commit both"

clean:
	rm -rf _build
