#!/bin/sh
# A failed task under MPI: the job does not abort; it exits non-zero naming the task, keeps the
# finished parts, writes no result file, and the same command resumes once the cause is fixed.
# The failure: a directory where replication 3 must write its temporary part, so that the task
# fails as it starts (the file cannot be created) on whichever worker runs it.
# With MPIRUN "-", the same on one machine with -j 2: both runners behave the same.
# Usage: mpi_failure.sh MPIRUN|- CAREPATH SAME_DATASETS MODEL DIR
set -u
mpirun=$1 carepath=$2 same=$3 model=$4 dir=$5
rm -rf "$dir" && mkdir -p "$dir" || exit 1
out=$dir/np3.h5
blocker=$out.parts/MMc_clinic.r0003.part.h5.tmp
mkdir -p "$blocker/in-the-way" || exit 1
run_np3() {
  if [ "$mpirun" = - ]; then
    "$carepath" run "$model" --replications 12 -j 2 --out "$out"
  else
    "$mpirun" --allow-run-as-root --oversubscribe -np 3 "$carepath" run "$model" \
      --replications 12 --out "$out"
  fi
}
where=" on rank [12]"
[ "$mpirun" != - ] || where=""
fail() { echo "FAIL: $1"; cat "$dir/$2"; exit 1; }

if run_np3 >"$dir/failed.log" 2>&1; then fail "the run succeeded" failed.log; fi
grep -q "error: task MMc clinic #3 failed$where: .*MMc_clinic.r0003.part.h5.tmp" "$dir/failed.log" ||
  fail "the failure is not named" failed.log
[ "$(grep -c 'error: task MMc clinic #3 failed' "$dir/failed.log")" -eq 1 ] ||
  fail "the failure should be named once (MPI: by rank 0)" failed.log
[ ! -e "$out" ] || fail "a result file under the final name" failed.log
# Tasks 0-2 were handed out before task 3, so they finished. Task 3 fails at once; the other
# worker can finish at most a task or two meanwhile, and nothing is handed out after it: the last
# tasks never start.
for r in 0 1 2; do
  [ -f "$out.parts/MMc_clinic.r000$r.part.h5" ] || fail "part $r was not kept" failed.log
done
for r in 08 09 10 11; do
  [ ! -e "$out.parts/MMc_clinic.r00$r.part.h5" ] || fail "task $r started after the failure" failed.log
done
echo "failed as expected; parts kept: $(ls "$out.parts" | tr '\n' ' ')"

rm -rf "$blocker"
run_np3 >"$dir/resumed.log" 2>&1 || fail "the re-run failed" resumed.log
grep -q "^carepath: reused [3-9] finished" "$dir/resumed.log" ||
  fail "the re-run did not reuse the kept parts" resumed.log
grep "^carepath: reused" "$dir/resumed.log"
"$carepath" run "$model" --replications 12 -j 1 --out "$dir/j1.h5" >"$dir/j1.log" 2>&1 ||
  fail "-j 1 run" j1.log
"$same" "$out" "$dir/j1.h5" || exit 1

# An error on rank 0 before any task (here: --out locked by another run) stops every rank: the
# command exits 1 naming the lock instead of leaving the other ranks waiting.
rm -rf "$out" "$out.parts"
# The holder: a sleep that inherited the locked descriptor (killing it releases the lock).
(exec 9>"$out.lock" && flock 9 && exec sleep 60) </dev/null >/dev/null 2>&1 &
holder=$!
sleep 1
if [ "$mpirun" = - ]; then
  timeout 60 "$carepath" run "$model" --replications 12 -j 2 --out "$out" >"$dir/locked.log" 2>&1
else
  timeout 60 "$mpirun" --allow-run-as-root --oversubscribe -np 3 "$carepath" run "$model" \
    --replications 12 --out "$out" >"$dir/locked.log" 2>&1
fi
status=$?
kill "$holder"
wait "$holder" 2>/dev/null
[ "$status" -eq 1 ] || fail "a locked --out should exit 1 (got $status; 124 is a hang)" locked.log
grep -q "is being written by another carepath run" "$dir/locked.log" ||
  fail "the lock is not named" locked.log
echo "locked --out: exit 1, lock named"
