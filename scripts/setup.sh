#!/usr/bin/env bash
# Set up everything mathagent needs on a fresh Debian/Ubuntu machine:
# bubblewrap + libseccomp (the calculator's sandbox), a virtual environment in
# .venv with mathagent, llama-cpp-python (built from source with portable CPU
# flags) and the embedded default model's weight wheels, plus the test tools.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

if ! command -v bwrap >/dev/null 2>&1 || ! ldconfig -p 2>/dev/null | grep -q 'libseccomp.so.2'; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "==> installing bubblewrap and libseccomp (apt)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq bubblewrap libseccomp2 >/dev/null
  else
    echo "error: bubblewrap and libseccomp2 are required; install them with your package manager" >&2
    exit 1
  fi
fi

PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "error: Python >= 3.11 is required (found $("$PY" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip wheel setuptools 2>&1 | grep -v '^WARNING: Location' || true

# llama-cpp-python has no binary wheel on PyPI: build it with portable flags
# (a native build can die with an illegal instruction on another CPU).
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"
echo "==> installing mathagent with the local model and test extras (first run builds llama.cpp: minutes)"
.venv/bin/python -m pip install -q -e ".[local,dev]" 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -c "import llama_cpp, mathagent.cli" || { echo "error: installation failed" >&2; exit 1; }
echo "==> ready: .venv/bin/mathagent"
