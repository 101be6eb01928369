#!/usr/bin/env bash
# Fuzzes the loader (YAML text -> validated model, with overlays and CSV tables) for a bounded
# time: tools/fuzz.sh [SECONDS] (default 60). Builds the `fuzz` preset (clang, libFuzzer, ASan,
# UBSan), seeds the corpus from scenarios/ and tests/data/, and exits non-zero on any crash,
# sanitizer report, leak, timeout (> 10 s for one input) or other exception than ConfigErrors.
# -max_len is 128 KiB: the Dudley model (72 KiB) must fit whole, escalation block included.
# Findings go to build/fuzz/artifacts/ (replay one: build/fuzz/tests/fuzz/fuzz_loader FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
bash tools/setup.sh
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake --preset fuzz "${launcher[@]}" >/dev/null
cmake --build --preset fuzz
out=build/fuzz
seeds=$out/seeds
rm -rf "$seeds"
mkdir -p "$seeds" "$out/corpus" "$out/artifacts"
i=0
while IFS= read -r f; do
  cp "$f" "$seeds/file-$i"
  i=$((i + 1))
done < <(find scenarios tests/data -name '*.yaml' | sort)
# A scenario with its model, lever and CSV table (the four files of one input, see
# tests/fuzz/fuzz_loader.cpp).
{
  cat tests/data/scenario.yaml
  printf '\n#%%%%\n'
  cat tests/data/model.yaml
  printf '\n#%%%%\n'
  cat tests/data/levers/more-beds.yaml
  printf '\n#%%%%\n'
  cat tests/data/los.csv
} > "$seeds/scenario-model-lever-csv"
# The Dudley model (escalation block, staffed-hour costs) under a scenario that extends it.
{
  printf 'scenario: {name: dudley, extends: model.yaml}\n#%%%%\n'
  cat scenarios/dudley/model.yaml
} > "$seeds/dudley-scenario-model"
exec "$out/tests/fuzz/fuzz_loader" "$out/corpus" "$seeds" -max_total_time="$seconds" \
  -timeout=10 -rss_limit_mb=2048 -max_len=131072 -print_final_stats=1 \
  -artifact_prefix="$out/artifacts/"
