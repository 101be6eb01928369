#!/bin/sh
# A killed MPI sweep resumes: SIGTERM mpirun once the first parts are written, run the same
# command again, and check that it reuses the finished parts and that the result equals a clean
# -j 1 run dataset by dataset.
# Usage: mpi_resume.sh MPIRUN CAREPATH SAME_DATASETS SWEEP DIR
set -u
mpirun=$1 carepath=$2 same=$3 sweep=$4 dir=$5
rm -rf "$dir" && mkdir -p "$dir" || exit 1
out=$dir/np3.h5
run_np3() {
  "$mpirun" --allow-run-as-root --oversubscribe -np 3 "$carepath" sweep "$sweep" --years 1 \
    --replications 2 --out "$out"
}
count_parts() { ls "$out.parts" 2>/dev/null | grep -c '\.part\.h5$'; }

# mpirun itself in the background (not a subshell), so that the signal reaches it.
"$mpirun" --allow-run-as-root --oversubscribe -np 3 "$carepath" sweep "$sweep" --years 1 \
  --replications 2 --out "$out" >"$dir/killed.log" 2>&1 &
pid=$!
waited=0
while [ "$(count_parts)" -lt 2 ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: the run ended before it could be killed"; cat "$dir/killed.log"; exit 1
  fi
  sleep 0.1
  waited=$((waited + 1))
  [ "$waited" -lt 1200 ] || { echo "FAIL: no part after 120 s"; kill -TERM "$pid"; exit 1; }
done
kill -TERM "$pid"
wait "$pid"
echo "killed mpirun (exit $?) with $(count_parts) of 12 parts written"
if [ -e "$out" ]; then echo "FAIL: $out exists after the kill"; exit 1; fi
kept=$(count_parts)
if [ "$kept" -ge 12 ]; then echo "FAIL: every part was written before the kill"; exit 1; fi

run_np3 >"$dir/resumed.log" 2>&1 || { echo "FAIL: the re-run failed"; cat "$dir/resumed.log"; exit 1; }
reused=$(sed -n 's/^carepath: reused \([0-9]*\) finished.*/\1/p' "$dir/resumed.log")
echo "re-run reused ${reused:-0} part(s)"
if [ -z "$reused" ] || [ "$reused" -lt "$kept" ]; then
  echo "FAIL: the re-run should reuse the $kept parts kept"; cat "$dir/resumed.log"; exit 1
fi
"$carepath" sweep "$sweep" --years 1 --replications 2 -j 1 --out "$dir/j1.h5" >"$dir/j1.log" 2>&1 ||
  { echo "FAIL: -j 1 run"; cat "$dir/j1.log"; exit 1; }
"$same" "$out" "$dir/j1.h5"
