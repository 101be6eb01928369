#!/usr/bin/env bash
# The HTML report opened in a real browser (headless Debian chromium): fails on any console
# error, uncaught exception or empty chart; keeps a screenshot as an artefact.
# usage: report_in_browser.sh CAREPATH SOURCE_DIR ARTEFACT_DIR
set -euo pipefail
carepath=$1
src=$2
out=$3
if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium is not installed (tools/setup.sh installs it): skipped"
  exit 77
fi
rm -rf "$out"
mkdir -p "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
browser() {
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
    --virtual-time-budget=60000 "$@"
}

# Renders REPORT.html, checks its status line and the console; prints the chart count.
check_report() {
  local html=$1 name=$2
  browser --enable-logging=stderr --v=0 --dump-dom "file://$html" >"$out/$name.dom.html" \
    2>"$out/$name.console.log" || true
  local status
  status=$(grep -o '<div id="report-status"[^>]*>[^<]*' "$out/$name.dom.html" || true)
  echo "$name: $status"
  [[ $status == *'data-done="1"'* ]] || { echo "FAIL: $name did not finish rendering"; exit 1; }
  [[ $status == *'data-errors="0"'* ]] || { echo "FAIL: $name has errors"; exit 1; }
  [[ $status == *'data-empty=""'* ]] || { echo "FAIL: $name has empty charts"; exit 1; }
  local charts rendered
  charts=$(sed -n 's/.*data-charts="\([0-9]*\)".*/\1/p' <<<"$status")
  rendered=$(sed -n 's/.*data-rendered="\([0-9]*\)".*/\1/p' <<<"$status")
  [[ $charts -gt 0 && $charts == "$rendered" ]] || { echo "FAIL: $name rendered $rendered of $charts charts"; exit 1; }
  if grep -E 'CONSOLE.*(Error|error|Uncaught|Failed)' "$out/$name.console.log"; then
    echo "FAIL: console errors in $name"
    exit 1
  fi
  # Nothing may come from the network: the page is self-contained.
  if grep -E '<script[^>]+src=|<link[^>]+href=' "$html"; then
    echo "FAIL: $name loads external resources"
    exit 1
  fi
  CHARTS=$charts
}

# Four Dudley scenarios, one short year, two replications (deltas, sites, derived flows).
"$carepath" run "$src/scenarios/dudley" --years 1 --replications 2 -j 2 --out "$out/dudley.h5" >/dev/null
"$carepath" report "$out/dudley.h5" -o "$out/dudley-report.html" --model "$src/scenarios/dudley"
check_report "$out/dudley-report.html" dudley
grep -q 'badge derived' "$out/dudley-report.html" || { echo "FAIL: flows not marked derived"; exit 1; }
grep -q 'ASSUMPTION in the model files' "$out/dudley-report.html" || { echo "FAIL: no assumptions"; exit 1; }
grep -q '4.1 Initialisation' "$out/dudley-report.html" || { echo "FAIL: no STRESS-DES"; exit 1; }
browser --window-size=1400,2600 --hide-scrollbars --screenshot="$out/dudley-report.png" \
  "file://$out/dudley-report.html" 2>/dev/null
[[ -s $out/dudley-report.png ]] || { echo "FAIL: no screenshot"; exit 1; }
dudley_charts=$CHARTS

# --png: one PNG per chart.
"$carepath" report "$out/dudley.h5" --png "$out/png" --model "$src/scenarios/dudley" >/dev/null
pngs=$(find "$out/png" -name '*.png' -size +1k | wc -l)
echo "png: $pngs files for $dudley_charts charts"
[[ $pngs == "$dudley_charts" ]] || { echo "FAIL: $pngs PNGs"; exit 1; }
head -c 8 "$out/png/flows.png" | od -An -c | grep -q 'P   N   G' || { echo "FAIL: not a PNG"; exit 1; }

# A file with sweep and sizing results (layout as the sweep/size commands may write it: compound
# tables under /sweep and /sizing): their section draws KPI against parameter with the CI.
cp "$out/dudley.h5" "$out/sweep.h5"
/usr/bin/python3 - "$out/sweep.h5" <<'PY'
import sys
import h5py
import numpy as np
dt = np.dtype([("hub_hours", "<f8"), ("kpi", "S32"), ("mean", "<f8"), ("ci95_low", "<f8"),
               ("ci95_high", "<f8")])
rows = [(h, b"ed_attendances", 100000 - 300 * h, 99500 - 300 * h, 100500 - 300 * h)
        for h in (8, 10, 12, 14)]
with h5py.File(sys.argv[1], "a") as f:
    f.create_dataset("/sweep/summary", data=np.array(rows, dtype=dt))
    d = f.create_dataset("/sizing/curve", data=np.array(rows, dtype=dt))
    d.attrs["answer"] = 12.0
PY
"$carepath" report "$out/sweep.h5" -o "$out/sweep-report.html" --model "$src/scenarios/dudley" >/dev/null
check_report "$out/sweep-report.html" sweep
grep -q 'chart-x-1' "$out/sweep-report.html" || { echo "FAIL: no sweep/sizing charts"; exit 1; }

# One scenario with an event log: measured flows, no deltas.
"$carepath" run "$src/scenarios/examples/hub-and-ed.yaml" --replications 2 --events -j 2 \
  --out "$out/hub.h5" >/dev/null
"$carepath" report "$out/hub.h5" -o "$out/hub-report.html" >/dev/null 2>&1
check_report "$out/hub-report.html" hub
grep -q 'badge measured' "$out/hub-report.html" || { echo "FAIL: flows not measured"; exit 1; }
echo "ok: screenshot $out/dudley-report.png"
