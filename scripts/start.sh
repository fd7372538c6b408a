#!/usr/bin/env bash
# The main command: install, build the graph from the embedded survey, start the app.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/kg build
