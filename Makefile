# Every target sets itself up: a fresh clone needs only `make site` or `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# validation (and the other staff commands) need only the runtime packages, not the test extras
# (Playwright, pytest …): CI's validate job installs just these.
RUN_STAMP := $(VENV)/.installed-run
DATA ?= data
OUT ?= site
AS_OF ?=
AS_OF_ARG := $(if $(AS_OF),--as-of $(AS_OF),)

.PHONY: site validate test lint check-demo serve bench demo import export new-report import-report templates dictionary clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP) $(RUN_STAMP)

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $(RUN_STAMP)

site: $(STAMP)
	$(PY) -m generator build --data $(DATA) --out $(OUT) $(AS_OF_ARG)

validate: $(RUN_STAMP)
	$(PY) -m generator validate $(DATA) $(AS_OF_ARG) $(if $(DETAILS),--details,) $(if $(ERRORS_ONLY),--errors-only,) $(if $(RELEASE),--release,)

test: lint check-demo
	$(PY) -m pytest -q $(PYTEST_ARGS)

# The committed demo package is exactly what `make demo` writes today. The tests never read
# data/ (an adopter replaces it with their own: then there is nothing to compare).
check-demo: $(STAMP)
	@if grep -q '^x-fictional: true' $(DATA)/datapackage.yaml 2>/dev/null; then \
	  tmp=$$(mktemp -d) && $(PY) -m generator demo --scale county --seed 1 --out $$tmp/data > /dev/null && \
	  if diff -r -q -x README.md $(DATA) $$tmp/data; then rm -rf $$tmp; echo "check-demo: $(DATA)/ = make demo"; \
	  else rm -rf $$tmp; echo "$(DATA)/ differs from a fresh demo: run make demo and commit it (演示数据已过期，请运行 make demo 并提交)"; exit 1; fi; \
	else echo "check-demo: $(DATA)/ is not the fictional demo, nothing to compare"; fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The preview's throwaway build folder goes to memory (/dev/shm) when there is one: mkdocs
# serve deletes and rewrites every page on each rebuild, ~1 s of disk work on a county site.
serve: $(STAMP)
	TMPDIR=$${TMPDIR:-$$(test -w /dev/shm && echo /dev/shm)} $(PY) -m generator serve --data $(DATA)

bench: $(STAMP)
	$(PY) -m bench $(BENCH_ARGS)

demo: $(STAMP)
	$(PY) -m generator demo --scale county --seed 1 --out $(DATA)

import: $(RUN_STAMP)
	@test -n "$(FILE)" || { echo "用法 usage: make import FILE=workbook.xlsx"; exit 2; }
	$(PY) -m generator import "$(FILE)" --out $(DATA) $(AS_OF_ARG) $(if $(UPDATE),--update,) $(if $(YES),--yes,)

new-report: $(RUN_STAMP)
	@test -n "$(ID)" || { echo "用法 usage: make new-report ID=代表编号 [DATE=YYYY-MM-DD] [MANDATE=代表资格编号]"; exit 2; }
	$(PY) -m generator new-report "$(ID)" --data $(DATA) $(if $(DATE),--date $(DATE),) $(if $(MANDATE),--mandate $(MANDATE),)

import-report: $(RUN_STAMP)
	@test -n "$(FILE)" -a -n "$(ID)$(DEPUTY)" || { echo "用法 usage: make import-report FILE=报告.docx DEPUTY=代表编号 [DATE=YYYY-MM-DD] [MANDATE=代表资格编号]  或 or  make import-report FILE=报告.docx ID=报告编号 [YES=1]"; exit 2; }
	$(PY) -m generator import-report "$(FILE)" $(if $(DEPUTY),--deputy "$(DEPUTY)",--id "$(ID)") --data $(DATA) $(AS_OF_ARG) $(if $(DATE),--date $(DATE),) $(if $(MANDATE),--mandate $(MANDATE),) $(if $(YES),--yes,)

export: $(RUN_STAMP)
	@test -n "$(FILE)" || { echo "用法 usage: make export FILE=全部数据.xlsx"; exit 2; }
	$(PY) -m generator export "$(FILE)" --data $(DATA)

# Generated files kept in git (tests fail when they are stale): blank Excel template, data dictionary.
templates: $(STAMP)
	$(PY) -m generator.staff.xlsx_templates $(DATA) --out docs/templates/data-template.xlsx

dictionary: $(STAMP)
	$(PY) -m generator.dictionary $(DATA) --out docs/data-dictionary.md

clean:
	rm -rf $(OUT) .cache
