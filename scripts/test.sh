#!/usr/bin/env bash
# Set up with the test extras and run everything: lint, types, the import-layer contract and the
# whole test suite, including the slow, browser and benchmark tests that a plain `pytest` skips.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "dev,st,ray,lab"
.venv/bin/ruff check .
.venv/bin/mypy -p citaat
.venv/bin/lint-imports
.venv/bin/python -m pytest -q -m "" "$@"
