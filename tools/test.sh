#!/usr/bin/env bash
# Installs what is missing, builds carepath (release preset, warnings as errors) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release "$@"
