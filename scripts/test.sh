#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs the whole suite.
#   bash scripts/test.sh [pytest args]
# - two test processes (pytest-xdist, one file per process at a time): FMNIST_TEST_WORKERS=0
#   runs everything in this process (e.g. to debug with -s or --pdb)
# - Python packages from requirements-dev.txt (into the active Python / venv)
# - Debian's Chromium for the real-browser test, when missing and apt-get can run
# The real Fashion-MNIST files are used when FMNIST_DATA_DIR points at them (or Debian's
# dataset-fashion-mnist is installed); otherwise those tests skip and say why.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null; } \
    || echo "note: could not install chromium; the browser test will be skipped" >&2
fi

export FMNIST_OFFLINE="${FMNIST_OFFLINE:-1}"
WORKERS="${FMNIST_TEST_WORKERS:-2}"
if [ "$WORKERS" = "0" ]; then
  exec python -m pytest "$@"
fi
exec python -m pytest -n "$WORKERS" --dist loadfile "$@"
