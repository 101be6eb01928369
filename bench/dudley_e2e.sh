#!/usr/bin/env bash
# End-to-end timings of the Dudley model (prints figures; asserts nothing):
#  1. one 5-year replication of one scenario on one core (goal: under 10 s), and
#  2. the 4 scenarios x 10 replications with -j 2, as tools/run-dudley.sh runs them.
# Usage: bash bench/dudley_e2e.sh [path/to/carepath] [--one]   (--one: skip the 4 x 10 run)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/release/app/carepath}
[ -x "$bin" ] || { echo "build carepath first (cmake --build --preset release)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
# Wall time, and CPU time (user + system, children included): the CPU figure is the one to
# compare on a shared machine.
TIMEFORMAT='%R s wall, %U s user + %S s sys'
for scenario in do-nothing best; do
  t=$( { time "$bin" run "scenarios/dudley/$scenario.yaml" --replications 1 -j 1 --no-timeseries \
          --out "$tmp/one-$scenario.h5" >/dev/null 2>"$tmp/err"; } 2>&1 )
  echo "one 5-year replication of $scenario (incl. warm-up), 1 core: ${t}"
done
t=$( { time "$bin" run scenarios/dudley/base.yaml --replications 1 -j 1 \
        --out "$tmp/one-ts.h5" >/dev/null 2>"$tmp/err"; } 2>&1 )
echo "same for base, with hourly time series written: ${t}"
[ "${2:-}" = "--one" ] && exit 0
t=$( { time "$bin" run scenarios/dudley --replications 10 -j 2 --out "$tmp/all.h5" \
        >/dev/null 2>"$tmp/err"; } 2>&1 )
echo "4 scenarios x 10 replications, -j 2: ${t} ($(du -h "$tmp/all.h5" | cut -f1) result file)"
