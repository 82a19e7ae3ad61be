#!/usr/bin/env bash
# Install what the tests need and run the whole suite: scripts/setup.sh, then the test-only system
# packages (PostgreSQL for the `postgres` tier, Chromium for the report screenshot), a throwaway
# PostgreSQL cluster on 127.0.0.1, and pytest, including the real-model end-to-end tests (marked slow)
# and the sandbox attack suite.  Lean tests skip with a reason where Lean is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
need=()
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ "${#need[@]}" -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing test-only packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null || \
    echo "warning: could not install ${need[*]}; the tests that need them will skip" >&2
fi

if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && [ -z "${MATHAGENT_TEST_PG_URL:-}" ]; then
  MATHAGENT_TEST_PG_URL="$(bash scripts/postgres.sh start)"
  export MATHAGENT_TEST_PG_URL
  trap 'bash scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT
fi

# (not `python -m pytest`: that puts the checkout on sys.path, where the top-level
# folders datasets/, eval/, tools/ would shadow packages of the same name)
.venv/bin/pytest -p no:cacheprovider "$@"
