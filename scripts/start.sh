#!/usr/bin/env bash
# Installs what is missing, then starts Parley (embedded SQLite in ./data, no outside services).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
exec npm start
