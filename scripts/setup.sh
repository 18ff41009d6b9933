#!/usr/bin/env bash
# Set up everything weakspot needs on a fresh machine: Debian's Fashion-MNIST package (real
# offline data for the demo, tests and benchmarks) and a virtual environment at .venv/ with the
# package and its extras installed. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -e /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]; then
  echo "==> installing Debian's dataset-fashion-mnist"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
echo "==> installing weakspot and its extras into .venv"
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
# torch pinned: this version is a CPU build; an unpinned torch pulls a CUDA build of several GB.
.venv/bin/python -m pip install -q --disable-pip-version-check "torch==2.13.0" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[torch,onnx,fairness,labels,dev]" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import weakspot, torch" || { echo "setup failed: weakspot or torch does not import" >&2; exit 1; }
echo "==> ready: .venv/bin/weakspot"
