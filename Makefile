# make run  — the demo on embedded defaults (SQLite, filesystem broker) at http://127.0.0.1:8000
# make test — the whole test suite (the tests start PostgreSQL and Redis themselves)
# make messages — refresh the uk/ru catalogs from the code and compile them (needs gettext)
SHELL := /bin/bash
PYTHON ?= python3
export PYTHON

.PHONY: help run test messages

help:
	@echo "make run   venv, migrate, seed the demo, then web server + Celery worker + beat (DEBUG=1)"
	@echo "make test  install what the tests need (Debian packages, venv), then run the whole suite"
	@echo "make messages  update locale/ and notifications/locale/ (uk, ru) from the code, then compile the .mo files"

run:
	@bash scripts/system-deps.sh run
	@bash scripts/venv.sh requirements.txt
	DEBUG=1 bash scripts/run.sh

test:
	@bash scripts/system-deps.sh test
	@bash scripts/venv.sh requirements-dev.txt
	HYPOTHESIS_PROFILE=ci .venv/bin/python -m pytest $(PYTEST_ARGS)

# The project catalog (locale/) takes marketplace/, orders/, sellers/ and templates/; the
# notifications app keeps its own catalog, so it is extracted from inside the app.
MAKEMESSAGES = makemessages -l uk -l ru -e html,txt,py --no-obsolete
messages:
	DEBUG=1 .venv/bin/python manage.py $(MAKEMESSAGES) --ignore=.venv --ignore=var --ignore=bench --ignore=tests --ignore=notifications
	cd notifications && DEBUG=1 ../.venv/bin/python ../manage.py $(MAKEMESSAGES)
	DEBUG=1 .venv/bin/python manage.py compilemessages -l uk -l ru --ignore=.venv
