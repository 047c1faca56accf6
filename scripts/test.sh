#!/usr/bin/env bash
# Installs what is missing (npm packages, SIPp, tshark, sox, espeak-ng, PostgreSQL, Redis),
# then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh --test
npx tsc -p tsconfig.json --noEmit
node scripts/build-if-stale.mjs
exec npm test
