# Two commands on a fresh Debian 12 machine (see README.md):
#   make run    install, migrate, seed the demo data, serve http://127.0.0.1:5000
#   make test   install (with the test tools), run the whole test suite
# Both install what is missing: Debian packages (apt-get, with sudo unless root), the .venv.

SHELL := /bin/bash
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
FLASK := $(BIN)/flask --app app
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Python; WeasyPrint's libraries (libharfbuzz-subset0 makes PDFs ~8x faster) and a CJK font.
RUN_DEBS := python3 python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	fonts-wqy-zenhei
# The suite also starts its own PostgreSQL and Redis, drives Chromium and reads PDFs back.
TEST_DEBS := $(RUN_DEBS) postgresql redis-server chromium poppler-utils

.PHONY: run test

run: DEBS := $(RUN_DEBS)
run: $(VENV)/.installed-run
	PATH="$(BIN):$$PATH" bash translations/compile.sh
	$(FLASK) db upgrade
	$(FLASK) wuye seed-demo
	$(FLASK) run --host 127.0.0.1 --port 5000

test: DEBS := $(TEST_DEBS)
test: $(VENV)/.installed-test
	PATH="$(BIN):$$PATH" bash translations/compile.sh
	$(BIN)/python -m pytest

# Debian packages not installed yet, then the virtualenv; redone when pyproject.toml changes.
$(VENV)/.installed-%: pyproject.toml
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
		| grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "apt-get install" $$missing; \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends $$missing; \
	fi
	[ -x $(BIN)/python ] || /usr/bin/python3 -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e $(if $(filter test,$*),'.[test]',.)
	touch $@
