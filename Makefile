# The two fresh-machine commands (README): `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export DO_NOT_TRACK := 1
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home

.PHONY: setup manifest demo test ui clean

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

setup: $(VENV)/.installed manifest

# dagster-dbt reads dbt_style_sql/target/manifest.json when definitions load.
manifest: $(VENV)/.installed
	$(PY) -c "from cs_pipeline.lib.dbt_env import prepare_manifest; prepare_manifest('dbt_style_sql', force=True)"

demo: setup
	$(PY) -m cs_pipeline.demo

test: setup
	$(PY) -m pytest -n 2 --dist loadfile

# runs started from the UI measure the demo's as-at date (the synthetic extract's), unless CS_PIPELINE_AS_AT is set
DEMO_AS_AT = $(shell $(PY) -c "import json; from cs_pipeline.config import demo_dir; \
	print(json.loads((demo_dir() / 'ground_truth' / 'manifest.json').read_text())['as_at'])" 2>/dev/null)

ui: setup
	$(PY) -c "from cs_pipeline.demo import ensure_dagster_home; ensure_dagster_home()"
	CS_PIPELINE_AS_AT=$${CS_PIPELINE_AS_AT:-$(DEMO_AS_AT)} $(VENV)/bin/dagster dev -w workspace.yaml

clean:
	rm -rf data dbt_style_sql/target .dagster_home
