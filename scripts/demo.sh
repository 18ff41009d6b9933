#!/usr/bin/env bash
# Set up, then run the demo analysis on Fashion-MNIST (offline) into demo-results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/weakspot demo --out demo-results
