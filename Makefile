# Quick start: `make demo` (install + run the demo), `make test` (install + tests).
# Both build the virtualenv on first use (tools/install.sh) and reuse it after.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: install demo test bench bench-labels clean-venv

install:
	MMDD_VENV=$(VENV) bash tools/install.sh

demo: install
	$(PY) tools/demo.py

test: install
	$(PY) -m pytest tests $(PYTEST_ARGS)

bench: install
	$(PY) bench/generation_overhead.py

bench-labels: install
	$(PY) bench/label_quality.py

clean-venv:
	rm -rf $(VENV)
