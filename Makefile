# Every target sets itself up: a fresh machine needs only python3 (>= 3.11) and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Pinned so that a fresh machine here takes the local CPU build, never a multi-GB CUDA download.
# For a GPU build: make TORCH_SPEC='torch==2.13.0 --index-url <your CUDA wheel index>' ...
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.installed
RUN_DIR ?= out

.PHONY: run test lint bench clean package test-packaging

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $(TORCH_SPEC)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/genai-studio

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check genai_studio tests benchmarks

bench: $(STAMP)
	$(PY) benchmarks/train_throughput.py

# The installer: its own build venv (.venv-build), PyInstaller, then dist/GenAI-Studio/, the
# .tar.gz and the .deb (Linux x86-64). Needs only python3 (>= 3.11); see README "Building the installer".
# PACKAGE_ARGS: e.g. --cuda (not run here), --no-installers, --if-stale.
package:
	$(PYTHON) packaging/build.py --torch-spec '$(TORCH_SPEC)' $(PACKAGE_ARGS)

# Builds the bundle if anything changed, then runs it (slow: kept out of `make test`).
test-packaging: $(STAMP)
	GENAI_PACKAGING_TESTS=1 $(PY) -m pytest -q -m packaging tests/packaging

clean:
	rm -rf $(VENV) .venv-build .venv-build-cuda build dist .pytest_cache
