# The two commands of the README. Each installs what it needs first.
#   make train   trains the MMD-VAE on Fashion-MNIST (vae train model=mmd dataset=fashion)
#   make test    runs the test suite: everything but the long end-to-end tests (under 10 minutes on 2 cores)
#   make test-fast  the tests not marked slow: a quick check before the suite
#   make test-long  the long end-to-end tests (@pytest.mark.long); CI runs them after `make test`
#   make lint    ruff (lint, import order), the layers (.importlinter) and mypy: what CI requires
#   make docs    builds the documentation site into site/ (mkdocs build --strict); make docs-serve serves it
# ARGS passes extra overrides: make train ARGS="trainer.epochs=5"

VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: install data browser train test test-fast test-long lint docs docs-serve bench clean

$(BIN)/vae: pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test,lint,sweep,slurm,ray,track,docs]"
	@touch $@

install: $(BIN)/vae

# Debian packages, where apt is there: the full Fashion-MNIST (elsewhere tensorflow-datasets
# downloads it on first use), and chromium for the report's browser test (skipped without it).
# Only the packages dpkg does not know are installed, and --no-upgrade leaves every installed package
# (perl, systemd, ...) at its version: a test run is no system upgrade.
APT_INSTALL = if command -v apt-get >/dev/null; then \
		missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
		[ -z "$$missing" ] || ($$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-upgrade $$missing) \
			|| echo "could not install $$missing"; \
	fi

data:
	@[ -d /usr/share/datasets/fashion-mnist ] || { $(call APT_INSTALL,dataset-fashion-mnist); }

browser:
	@command -v chromedriver >/dev/null || { $(call APT_INSTALL,chromium chromium-driver); }

train: install data
	$(BIN)/vae train model=mmd dataset=fashion $(ARGS)

test: install data browser
	$(BIN)/python -m pytest -n auto --maxprocesses=8 --dist loadfile -m "not long" $(ARGS)

# Half a minute to two each (@pytest.mark.long): a study's sweeps, kill-and-resume loops, Ray, Optuna, tf.distribute.
test-long: install data browser
	$(BIN)/python -m pytest -n auto --maxprocesses=8 --dist loadfile -m long $(ARGS)

# No training and no `vae` subprocesses (@pytest.mark.slow): minutes, not half an hour (docs/getting-started.md).
test-fast: install data browser
	$(BIN)/python -m pytest -n auto --maxprocesses=8 --dist loadfile -m "not slow" $(ARGS)

# The gate: ruff's rules and import order, the layers without cycles (.importlinter), mypy (pyproject.toml).
lint: install
	$(BIN)/ruff check vaecli tests docs/hooks
	$(BIN)/lint-imports
	$(BIN)/mypy

# The documentation site: strict, so a broken link, a missing page or an unknown table marker fails.
# NO_MKDOCS_2_WARNING: Material's banner about its successor, which says nothing about this site.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

docs-serve: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

clean:
	rm -rf $(VENV) build dist *.egg-info site
