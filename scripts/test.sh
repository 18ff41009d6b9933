#!/usr/bin/env bash
# Set up, then run lint, type checks and the test suite. Extra arguments go to pytest
# (e.g. `bash scripts/test.sh -m "not slow"` to skip the longer tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "==> ruff"
.venv/bin/ruff check weakspot tests bench
.venv/bin/ruff format --check weakspot tests bench
echo "==> mypy"
.venv/bin/mypy
echo "==> import layers"
.venv/bin/lint-imports
echo "==> pytest"
.venv/bin/python -m pytest "$@"
