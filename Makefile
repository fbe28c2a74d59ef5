# SalesDesk: two commands on a fresh machine, `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast venv system-deps fonts bench docs wheel clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[batch,test]'
	touch $(STAMP)

venv: $(STAMP)

## Build the demo workbook and run the monthly job end to end (outputs in demo-output/);
## installs the PDFs' font (Noto Sans CJK SC) when missing.
demo: $(STAMP) fonts
	$(VENV)/bin/salesdesk demo --out demo-output

## Install what the tests need (LibreOffice headless, poppler, Chromium, the font) and run the suite.
test: $(STAMP) system-deps
	$(PY) -m pytest -q -n 2

## While you work (under a minute on 2 cores: 45 s here): the engine, the registry, KPIs, reading, import, the
## command line's checks, chat posting and the code's shape; the end-to-end runs (reports, PDFs, mail,
## LibreOffice, Chromium) are in `make test`, which CI runs.
FAST_TESTS := registry xlsxout tiering demo_data planning kpis_funnel code_shape import import_drafts import_mapping \
              partial_workbook partial_reads_right cli rule_book reader commission_engine \
              kpi_catalogue targets_proposal chat periods
test-fast: $(STAMP)
	$(PY) -m pytest -q -n 2 -m "not libreoffice and not slow" $(FAST_TESTS:%=tests/test_%.py)

system-deps:
	bash scripts/system-deps.sh

fonts:
	bash scripts/system-deps.sh --fonts

## Benchmarks (slow; results go in bench/RESULTS.md by hand).
bench: $(STAMP)
	$(PY) bench/read_workbook.py

## The pure-Python wheel (py3-none-any) xlwings Lite installs: dist/salesdesk-*.whl
wheel: $(STAMP)
	$(PY) -m pip wheel --quiet --no-deps --no-build-isolation -w dist .

docs: $(STAMP)
	$(VENV)/bin/salesdesk docs

clean:
	rm -rf $(VENV) demo-output .pytest_cache dist build
