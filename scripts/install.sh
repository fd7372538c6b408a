#!/usr/bin/env bash
# Install everything the project needs into .venv (idempotent; quick when done before).
# Usage: scripts/install.sh [--test]   (--test adds the test tools and Debian packages)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
extras=""
if [ "${1:-}" = "--test" ]; then
  extras="[test]"
  # Debian packages for the real consumers in the tests: a browser, LaTeX, Graphviz, poppler
  # (pdftoppm: PDFs rendered to PNG), and
  # Virtuoso (a second real SPARQL endpoint; its service is not started, tests run their own).
  need=()
  command -v chromium >/dev/null || need+=(chromium)
  command -v chromedriver >/dev/null || need+=(chromium-driver)
  command -v dot >/dev/null || need+=(graphviz)
  command -v pdflatex >/dev/null || need+=(texlive-latex-base texlive-latex-recommended texlive-latex-extra)
  command -v bibtex >/dev/null || need+=(texlive-binaries)
  command -v virtuoso-t >/dev/null || need+=(virtuoso-opensource)
  command -v pdftoppm >/dev/null || need+=(poppler-utils)
  if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi
stamp=".venv/.installed$extras"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  # torch is named in the same command so pip takes the CPU wheel on this machine's disk.
  .venv/bin/pip install -q --disable-pip-version-check "torch==2.13.0" -e ".$extras"
  touch "$stamp"
fi
# The query path without torch: export the embedding model (KG_MODEL) to ONNX once, from
# the packaged weights, into the cache (kg.onnx_embed; quick when the export is current).
HF_HUB_OFFLINE=1 .venv/bin/python -m kg.onnx_embed
