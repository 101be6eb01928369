#!/usr/bin/env bash
# Installs what is missing, builds carepath (release preset, warnings as errors) and runs every test.
# With no arguments (the README's and CI's command) it then also
#   - builds the asan-ubsan preset and runs the fast tests under AddressSanitizer and
#     UndefinedBehaviorSanitizer: every suite (engine., pathways., outputs., validation., e2e.)
#     except acceptance. (the Dudley model, minutes) and scenario. (runs of every shipped model);
#   - fuzzes the loader for 60 s (tools/fuzz.sh 60; clang, libFuzzer, ASan + UBSan).
# Arguments are passed to the release ctest only (e.g. tools/test.sh -R pathways), and then the
# two steps above are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release "$@"
if [ $# -gt 0 ]; then
  exit 0
fi
cmake --preset asan-ubsan >/dev/null
cmake --build --preset asan-ubsan
ctest --preset asan-ubsan -E '^(acceptance|scenario)[.]'
bash tools/fuzz.sh 60
