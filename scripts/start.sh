#!/usr/bin/env bash
# The main command: install, build the graph from the embedded survey, start the app.
# The app listens on KG_PORT (default 8501) at KG_ADDRESS (default 127.0.0.1; set 0.0.0.0 to serve other machines).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/kg build
exec .venv/bin/streamlit run ui/app.py --server.headless true --server.port "${KG_PORT:-8501}" --server.address "${KG_ADDRESS:-127.0.0.1}" --server.fileWatcherType none --browser.gatherUsageStats false --client.toolbarMode minimal "$@"
