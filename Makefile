# make run  — the demo on embedded defaults (SQLite, filesystem broker) at http://127.0.0.1:8000
# make test — the whole test suite (the tests start PostgreSQL and Redis themselves)
SHELL := /bin/bash
PYTHON ?= python3
export PYTHON

.PHONY: help run test

help:
	@echo "make run   venv, migrate, seed the demo, then web server + Celery worker + beat (DEBUG=1)"
	@echo "make test  install what the tests need (Debian packages, venv), then run the whole suite"

run:
	@bash scripts/system-deps.sh run
	@bash scripts/venv.sh requirements.txt
	DEBUG=1 bash scripts/run.sh

test:
	@bash scripts/system-deps.sh test
	@bash scripts/venv.sh requirements-dev.txt
	.venv/bin/python -m pytest $(PYTEST_ARGS)
