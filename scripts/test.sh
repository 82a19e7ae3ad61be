#!/usr/bin/env bash
# Install what the tests need (scripts/setup.sh) and run the whole suite,
# including the real-model end-to-end tests (marked slow) and the sandbox
# attack suite.  Lean tests skip with a reason where Lean is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# (not `python -m pytest`: that puts the checkout on sys.path, where the top-level
# folders datasets/, eval/, tools/ would shadow packages of the same name)
exec .venv/bin/pytest -p no:cacheprovider "$@"
