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
	feedback export student-bundle prepare

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

test: $(STAMP)
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

# Grade every submission in submitted/ (ASSIGNMENT=... for one assignment),
# each in its own bubblewrap sandbox.
autograde: $(STAMP)
	$(BIN)/python -m instructor.course autograde $(ASSIGNMENT)

feedback: $(STAMP)
	$(BIN)/python -m instructor.course feedback $(ASSIGNMENT)

export: $(STAMP)
	$(BIN)/nbgrader export
