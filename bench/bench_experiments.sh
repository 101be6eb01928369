#!/usr/bin/env bash
# Benchmarks of the experiments layer (printed, never asserted):
#  1. overhead per task: 200 replications of a near-empty model at -j 1 (fork, part file, reuse
#     check, assembly), wall time / 200;
#  2. parallel efficiency of a 40-task sweep (M/M/c clinic over 10 years, 8 points x 5
#     replications, ~0.5 s a task):
#     T(-j 1) / (2 x T(-j 2)), and under mpirun (-np 3 = 2 ranks running tasks + rank 0 handing
#     them out; -np 2 = 1 running rank): T(-j 1) / (workers x T(mpirun)).
# usage: bench/bench_experiments.sh [build/release/app/carepath]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exe=${1:-$here/../build/release/app/carepath}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }

t0=$(now)
"$exe" run "$here/data/near-empty.yaml" --replications 200 -j 1 --no-timeseries \
  --out "$work/empty.h5" >/dev/null
t1=$(now)
printf 'overhead per task (near-empty model, 200 tasks, -j 1): %.1f ms\n' \
  "$(echo "($(secs "$t0" "$t1")) * 1000 / 200" | bc -l)"

run_sweep() {  # label, options, then the launcher (if any)
  local out=$work/$1.h5 opts=$2; shift 2
  local s; s=$(now)
  # shellcheck disable=SC2086
  "$@" "$exe" sweep "$here/data/sweep-40.yaml" $opts --set horizon.years=10 --no-timeseries --out "$out" >/dev/null
  secs "$s" "$(now)"
}
tj1=$(run_sweep j1 "-j 1")
tj2=$(run_sweep j2 "-j 2")
printf '40-task sweep: -j 1 %.2f s, -j 2 %.2f s, efficiency %.0f%%\n' "$tj1" "$tj2" \
  "$(echo "100 * $tj1 / (2 * $tj2)" | bc -l)"
if command -v mpirun >/dev/null; then
  export OMPI_MCA_mpi_warn_on_fork=0
  mpi=(mpirun --allow-run-as-root --oversubscribe)
  tn2=$(run_sweep np2 "" "${mpi[@]}" -np 2)
  tn3=$(run_sweep np3 "" "${mpi[@]}" -np 3)
  printf 'mpirun -np 2 (1 running rank): %.2f s, efficiency %.0f%%\n' "$tn2" \
    "$(echo "100 * $tj1 / $tn2" | bc -l)"
  printf 'mpirun -np 3 (2 running ranks): %.2f s, efficiency %.0f%%\n' "$tn3" \
    "$(echo "100 * $tj1 / (2 * $tn3)" | bc -l)"
fi
