# Two entry points, as in the README:
#   make run   -> install into .venv (pinned), run the main job on the embedded data, and
#                 write the HTML report results/report.html
#   make test  -> install into .venv (pinned) and run the test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= 2

.PHONY: install run test lint clean

$(BIN)/.installed: requirements.txt pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and exactly pinned: an unpinned torch pulls gigabytes of CUDA wheels
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/snakemake --cores $(CORES)
	$(BIN)/snakemake --report results/report.html

test: install
	$(BIN)/python -m pytest -q -n auto --dist loadgroup

lint: install
	$(BIN)/snakemake --lint

clean:
	rm -rf $(VENV) .snakemake results logs benchmarks/rules
