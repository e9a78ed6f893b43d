# Quick start: `make demo` (install + run the demo), `make test` (install + all
# tests), `make test-fast` (the tests not marked slow), `make lint` (style).
# Each builds the virtualenv on first use (tools/install.sh) and reuses it.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
LINT_PATHS := mmdd tools tests bench configs setup.py

.PHONY: install demo test test-fast lint format bench bench-labels clean-venv

install:
	MMDD_VENV=$(VENV) bash tools/install.sh

# The demo lists how long each stage took, installing included.
demo:
	@start=$$(date +%s); MMDD_VENV=$(VENV) bash tools/install.sh && \
	$(PY) tools/demo.py --install-seconds $$(( $$(date +%s) - start ))

test: install
	$(PY) -m pytest tests $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest tests -m "not slow" $(PYTEST_ARGS)

lint: install
	$(PY) -m flake8 $(LINT_PATHS)
	$(PY) -m isort --check-only --diff $(LINT_PATHS)
	$(PY) -m yapf --diff --recursive $(LINT_PATHS)

format: install
	$(PY) -m isort $(LINT_PATHS)
	$(PY) -m yapf --in-place --recursive $(LINT_PATHS)

bench: install
	$(PY) -m bench.overhead.generation_overhead

bench-labels: install
	$(PY) -m bench.labels.label_quality

clean-venv:
	rm -rf $(VENV)
