# make run  — the demo on embedded defaults (SQLite, filesystem broker) at http://127.0.0.1:8000
# make test — the whole test suite (the tests start PostgreSQL and Redis themselves)
# make test-fast — the suite without the browser tests
# make lint — ruff (lint and format check), import-linter (the layers), makemigrations --check
# make lock — requirements*.txt (with hashes) from requirements*.in; make upgrade — the same, newest releases
# make messages — refresh the uk/ru catalogs from the code and compile them (needs gettext)
SHELL := /bin/bash
PYTHON ?= python3
export PYTHON

.PHONY: help run test test-fast lint lock upgrade messages

help:
	@echo "make run   venv, migrate, seed the demo, then web server + Celery worker + beat (DEBUG=1)"
	@echo "make test  install what the tests need (Debian packages, venv), then run the whole suite"
	@echo "make test-fast  the same without the browser tests (-m 'not browser')"
	@echo "make lint  ruff check, ruff format --check, lint-imports (layers), makemigrations --check"
	@echo "make lock  compile requirements.txt and requirements-dev.txt (pinned, hashed) from the .in files"
	@echo "make upgrade  the same, moving every package to the newest release the .in files allow"
	@echo "make messages  update locale/ and notifications/locale/ (uk, ru) from the code, then compile the .mo files"

run:
	@bash scripts/system-deps.sh run
	@bash scripts/venv.sh requirements.txt
	DEBUG=1 bash scripts/run.sh

test:
	@bash scripts/system-deps.sh test
	@bash scripts/venv.sh requirements-dev.txt
	HYPOTHESIS_PROFILE=ci .venv/bin/python -m pytest $(PYTEST_ARGS)

test-fast:
	@bash scripts/system-deps.sh test
	@bash scripts/venv.sh requirements-dev.txt
	HYPOTHESIS_PROFILE=ci .venv/bin/python -m pytest -m "not browser" $(PYTEST_ARGS)

lint:
	@bash scripts/venv.sh requirements-dev.txt
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports
	DEBUG=1 .venv/bin/python manage.py makemigrations --check --dry-run

# The lock files: every package pinned with its hashes (scripts/venv.sh installs them with
# --require-hashes). requirements-dev.in includes requirements.in and is constrained by
# requirements.txt, so the dev set holds the runtime set at the same versions: compile it second.
PIP_COMPILE = .venv/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links
lock:
	@bash scripts/venv.sh requirements-dev.txt
	$(PIP_COMPILE) $(LOCK_ARGS) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) $(LOCK_ARGS) --output-file requirements-dev.txt requirements-dev.in

upgrade:
	@$(MAKE) --no-print-directory lock LOCK_ARGS=--upgrade

# The project catalog (locale/) takes marketplace/, orders/, sellers/ and templates/; the
# notifications app keeps its own catalog, so it is extracted from inside the app.
MAKEMESSAGES = makemessages -l uk -l ru -e html,txt,py --no-obsolete
messages:
	DEBUG=1 .venv/bin/python manage.py $(MAKEMESSAGES) --ignore=.venv --ignore=var --ignore=bench --ignore=tests --ignore=notifications
	cd notifications && DEBUG=1 ../.venv/bin/python ../manage.py $(MAKEMESSAGES)
	DEBUG=1 .venv/bin/python manage.py compilemessages -l uk -l ru --ignore=.venv
