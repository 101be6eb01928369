#!/usr/bin/env bash
# Installs what is missing, builds carepath and runs the default Dudley scenarios
# (do-nothing, base, best and demography-only), writing out/dudley.h5 and printing the KPI tables.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target carepath
mkdir -p out
./build/release/app/carepath run scenarios/dudley --out out/dudley.h5 "$@"
