#!/usr/bin/env bash
# The main job: set up, ingest the shared report (and the example transcripts), start the chat.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
REPORT="${CITAAT_REPORT:-../shared/corpus/succesvol-samenwerken-bedrijfsvoering.pdf}"
.venv/bin/citaat ingest "$REPORT" examples/transcripts --out data
exec .venv/bin/citaat chat --index data "$@"
