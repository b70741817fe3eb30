# Faces and Styles, instructor and developer set-up: `make lab` or `make test`
# (learners use the bundle that `make student-bundle` builds).
# Both create .venv when it is missing and (re)install the project when
# pyproject.toml changes.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.faces-and-styles-installed
ASSIGNMENT ?=
PYTEST_ARGS ?=

.PHONY: install lab test release execute-solutions autograde \
	feedback export student-bundle prepare release-assignment collect \
	generate-feedback release-feedback

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# JupyterLab, with the course's Content-Security-Policy; LAB_DIR=. serves
# the course root, where nbgrader's formgrader (Manual Grading) works.
LAB_DIR ?= notebooks
lab: $(STAMP)
	$(BIN)/jupyter lab --config=jupyter_server_config.py \
		--notebook-dir=$(LAB_DIR)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Instructor commands -------------------------------------------------------

# Regenerate notebooks/ from solutions/ (all assignments, or ASSIGNMENT=...).
release: $(STAMP)
	$(BIN)/python -m instructor.course release $(ASSIGNMENT)

# Re-run the solution notebooks in the quick configuration and keep the
# outputs that nbval compares.
execute-solutions: $(STAMP)
	$(BIN)/python -m instructor.course execute-solutions $(ASSIGNMENT)

# The learner bundle: released notebooks, helpers, environment files and a
# learner README, without solutions or hidden tests (dist/, git-ignored).
student-bundle: $(STAMP)
	$(BIN)/python -m instructor.course student-bundle

# Fill the data cache that sandboxed grading reads (autograde does it too).
prepare: $(STAMP)
	$(BIN)/python -m instructor.course prepare

# The exchange (docs/instructors.md): put the released notebooks where
# students fetch them, then collect their latest submissions into
# submitted/.
release-assignment: $(STAMP)
	$(BIN)/python -m instructor.course release-assignment $(ASSIGNMENT)

collect: $(STAMP)
	$(BIN)/python -m instructor.course collect $(ASSIGNMENT)

# Grade every submission in submitted/ (ASSIGNMENT=... for one assignment),
# each in its own bubblewrap sandbox, spread over a Dask LocalCluster (one
# worker per core; WORKERS=N) or over the running cluster at
# DASK_SCHEDULER=tcp://host:8786.  Resumable: a rerun grades only what is
# left or changed.
WORKERS ?=
autograde: $(STAMP)
	$(BIN)/python -m instructor.course autograde $(ASSIGNMENT) \
		$(if $(WORKERS),--workers=$(WORKERS))

feedback: $(STAMP)
	$(BIN)/python -m instructor.course feedback $(ASSIGNMENT)

generate-feedback: feedback

# Put each student's feedback into the exchange (students fetch_feedback).
release-feedback: $(STAMP)
	$(BIN)/python -m instructor.course release-feedback $(ASSIGNMENT)

export: $(STAMP)
	$(BIN)/nbgrader export
