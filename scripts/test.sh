#!/usr/bin/env bash
# Set up with the test extras and run lint, type checks and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "dev,st"
.venv/bin/ruff check .
.venv/bin/mypy -p citaat
.venv/bin/python -m pytest -q "$@"
