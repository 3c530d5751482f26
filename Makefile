VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

LOWEST := .venv-lowest

.PHONY: run test test-lowest bench lint golden sample picture pack-picture clean

$(PY):
	python3 -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[server,dev,pandas,report]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m kpi_cli.demo

test: $(STAMP)
	XLWINGS_LICENSE_KEY=noncommercial $(PY) -m pytest -q -n 2

# The lowest versions pyproject.toml allows (constraints-lowest.txt), in a venv of their own.
test-lowest:
	python3 -m venv $(LOWEST)
	$(LOWEST)/bin/python -m pip install -q --upgrade pip
	$(LOWEST)/bin/python -m pip install -q -c constraints-lowest.txt -e ".[server,dev,pandas,report]"
	$(LOWEST)/bin/python -m pip list --format=freeze | grep -iE "^(numpy|python.calamine|lxml|xlwings|tqdm|pandas|uvicorn|fastapi|pebble|pytest|hypothesis|xlsxwriter|openpyxl|httpx|python.docx|jinja2|matplotlib)="
	XLWINGS_LICENSE_KEY=noncommercial $(LOWEST)/bin/python -m pytest -q -n 2

# Byte-compile our modules first, as installing a wheel does: an editable install (and
# PYTHONDONTWRITEBYTECODE) would leave every run compiling them again, about 40 ms that
# openpyxl, installed normally, does not pay.
bench: $(STAMP)
	$(PY) -m compileall -q kpi_rules workbook addin kpi_cli
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# Write tests/golden/ again from what the writer produces now; review the diff before committing.
golden: $(STAMP)
	KPI_REGENERATE_GOLDEN=1 XLWINGS_LICENSE_KEY=noncommercial $(PY) -m pytest -q tests/test_golden.py
	git status --short tests/golden

lint: $(STAMP)
	$(VENV)/bin/ruff check kpi_rules workbook addin kpi_cli tests bench

sample: $(STAMP)
	$(PY) -m workbook.samples.make_sample

picture: $(STAMP)
	docs/render_picture.sh

pack-picture: $(STAMP)
	docs/render_pack_picture.sh

clean:
	rm -rf $(VENV) $(LOWEST) build *.egg-info
