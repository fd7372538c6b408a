#!/usr/bin/env bash
# The test command: install (with test tools and Debian packages), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/ruff check .
# The house's floors, no import circles, ui/ only through kg.app (pyproject.toml).
.venv/bin/lint-imports --no-logo
# Two workers (this machine has two cores), one test file per worker at a time so that a
# file's module fixtures are built once; KG_TEST_WORKERS=0 runs in one process.
workers=${KG_TEST_WORKERS:-2}
if [ "$workers" = "0" ]; then
  exec .venv/bin/python -m pytest "$@"
fi
exec .venv/bin/python -m pytest -n "$workers" --dist loadfile "$@"
