#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine, then run all of it:
# ruff, domain + state/view tests, real-browser tests (Debian's Chromium) and notebooks.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    echo "== installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing: run 'sudo apt-get install -y chromium' (browser tests need it)" >&2
    exit 1
  fi
fi

if [ -z "${VIRTUAL_ENV:-}" ]; then
  [ -d .venv ] || "${PYTHON:-python3}" -m venv .venv
  # shellcheck disable=SC1091
  . .venv/bin/activate
fi
echo "== installing the workbench with its test dependencies"
python -m pip install -q --upgrade pip >/dev/null
python -m pip install -q -e ".[test]"

echo "== ruff"
ruff check workbench tests benchmarks
echo "== pytest"
python -m pytest "$@"
