# Every target sets itself up: a fresh machine needs only python3 (>= 3.11) and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Pinned so that a fresh machine here takes the local CPU build, never a multi-GB CUDA download.
# For a GPU build: make TORCH_SPEC='torch==2.13.0 --index-url <your CUDA wheel index>' ...
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.installed
RUN_DIR ?= out

.PHONY: run test lint bench clean package test-packaging test-faults fuzz

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $(TORCH_SPEC)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/genai-studio

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# The fault matrix (disk full, kill -9 mid-save, concurrent runs, signals, FIFOs, memory
# bombs): ~30 child processes, about two minutes on 2 cores, so a step of its own (CI runs it).
test-faults: $(STAMP)
	GENAI_FAULT_TESTS=1 QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q tests/reliability/test_faults.py

# Twenty times the fuzzing of `make test`, with fresh random inputs each run (~10 min).
fuzz: $(STAMP)
	GENAI_FUZZ_SCALE=20 $(PY) -m pytest -q tests/reliability/test_fuzz.py

lint: $(STAMP)
	$(VENV)/bin/ruff check genai_studio tests benchmarks

bench: $(STAMP)
	$(PY) benchmarks/train_throughput.py

# The installer: its own build venv (.venv-build), PyInstaller, then dist/GenAI-Studio/, the
# .tar.xz and the .deb (Linux x86-64; setup.exe on Windows, .dmg on macOS). Needs only
# python3 (>= 3.11); see README "Building the installer".
# PACKAGE_ARGS: e.g. --cuda (not run here), --no-installers, --if-stale.
package:
	$(PYTHON) packaging/build.py --torch-spec '$(TORCH_SPEC)' $(PACKAGE_ARGS)

# Builds the bundle if anything changed, then runs it (slow: kept out of `make test`).
test-packaging: $(STAMP)
	GENAI_PACKAGING_TESTS=1 $(PY) -m pytest -q -m packaging tests/packaging

clean:
	rm -rf $(VENV) .venv-build .venv-build-cuda build dist .pytest_cache
