#!/usr/bin/env bash
# The main job: set up, ingest the shared report into its own index (data/), start the chat.
#   bash scripts/run.sh                 the report alone
#   bash scripts/run.sh --voorbeelden   demo: the report plus the fictional example transcripts
#                                       (examples/transcripts, marked fictional) in data-voorbeelden/
# Other arguments go to `citaat chat`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
REPORT="${CITAAT_REPORT:-../shared/corpus/succesvol-samenwerken-bedrijfsvoering.pdf}"
if [[ "${1:-}" == "--voorbeelden" ]]; then
  shift
  .venv/bin/citaat ingest "$REPORT" --fictief examples/transcripts --out data-voorbeelden
  exec .venv/bin/citaat chat --index data-voorbeelden "$@"
fi
if [[ -f data/sources.json ]] && grep -q 'examples/transcripts/' data/sources.json; then
  echo "let op: data/ bevat nog de voorbeeldtranscripten van een eerdere versie van dit script; begin opnieuw" \
       "met 'rm -r data' (dat wist ook geüploade interviews en gesprekken) of bekijk de demo met --voorbeelden" >&2
fi
.venv/bin/citaat ingest "$REPORT" --out data
exec .venv/bin/citaat chat --index data "$@"
