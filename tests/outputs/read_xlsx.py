#!/usr/bin/python3
"""Exports the make_sample_h5 result file to Excel with `carepath export --xlsx` and reads the
workbook back with openpyxl (Debian python3-openpyxl): sheet order, units in the header row,
frozen panes, number formats, values, and the daily aggregation past the row limit.

usage: read_xlsx.py CAREPATH SAMPLE_H5 OUT_DIR. Exits non-zero on a mismatch.
Values of make_sample_h5 (scenario s, replication r = 1..5, year y, KPI k):
    1000 (s + 1) + 100 k + 10 y + r + 0.25 k r^2;  hourly samples h = 0..47:
    ed occupancy h, ed queue h % 5, ucc occupancy 2h.
"""
import math
import os
import subprocess
import sys

import openpyxl

carepath, sample, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def export(name, *extra):
    path = os.path.join(out, name)
    subprocess.run([carepath, "export", sample, "--xlsx", path, *extra], check=True,
                   stdout=subprocess.DEVNULL)
    return openpyxl.load_workbook(path)


T_975_DF4 = 2.7764451051977987
wb = export("sample.xlsx")
check(wb.sheetnames == ["Headline", "Deltas", "Sites", "All KPIs", "Time series", "About"],
      "sheets: %s" % wb.sheetnames)

h = wb["Headline"]
head = [c.value for c in h[1]]
check(head[:2] == ["scenario", "year"], "headline key columns %s" % head[:2])
check("ed_attendances (count) mean" in head, "unit in the header: %s" % head)
check("ed_4h_pct (%) 95% CI low" in head, "CI columns: %s" % head)
check(h.freeze_panes == "C2", "headline frozen at %s" % h.freeze_panes)
rows = {(r[0].value, r[1].value): r for r in h.iter_rows(min_row=2)}
row = rows[("do-nothing", "2014/15")]
col = head.index("ed_attendances (count) mean")
mean = row[col].value
half = T_975_DF4 * math.sqrt(2.5) / math.sqrt(5)  # values 1001..1005
check(abs(mean - 1003) < 1e-9, "do-nothing ed_attendances mean %s" % mean)
check(abs(row[col + 1].value - (1003 - half)) < 1e-9, "CI low %s" % row[col + 1].value)
check(abs(row[col + 2].value - (1003 + half)) < 1e-9, "CI high %s" % row[col + 2].value)
check(row[col].number_format not in ("General", ""), "number format %s" % row[col].number_format)
check(len(rows) == 3 * 2, "headline rows %d" % len(rows))

d = wb["Deltas"]
dhead = [c.value for c in d[1]]
drows = {(r[0].value, r[1].value): r for r in d.iter_rows(min_row=2)}
check(set(drows) == {("base", "2014/15"), ("base", "2015/16"), ("best", "2014/15"),
                     ("best", "2015/16")}, "delta rows %s" % sorted(drows))
dc = dhead.index("ed_attendances (count) difference")
check(abs(drows[("best", "2015/16")][dc].value - 2000) < 1e-9, "best - do-nothing = 2000")
check(d.freeze_panes == "C2", "deltas frozen at %s" % d.freeze_panes)

s = wb["Sites"]
shead = [c.value for c in s[1]]
check(shead[:3] == ["scenario", "year", "site"] and "wait_p95 (minutes)" in shead,
      "sites header %s" % shead)
check(s.freeze_panes == "D2", "sites frozen at %s" % s.freeze_panes)

a = wb["All KPIs"]
check(a.max_row == 1 + 3 * 2 * 3, "all KPIs rows %d" % a.max_row)

t = wb["Time series"]
thead = [c.value for c in t[1]]
check("ed occupancy (patients)" in thead and "ucc queue (patients)" in thead,
      "time-series header %s" % thead)
check(t.max_row == 1 + 3 * 5 * 48, "hourly rows %d" % t.max_row)
oc = thead.index("ed occupancy (patients)")
r5 = [c.value for c in t[1 + 6]]  # do-nothing, replication 1, hour 5
check(r5[0] == "do-nothing" and r5[1] == 1 and r5[2] == 5 and r5[oc] == 5, "hour 5 row %s" % r5)
check(t.freeze_panes == "E2", "time series frozen at %s" % t.freeze_panes)

# Past the row limit: daily means.
wb2 = export("sample-daily.xlsx", "--max-rows", "100")
check("Time series (daily)" in wb2.sheetnames, "daily sheet: %s" % wb2.sheetnames)
t2 = wb2["Time series (daily)"]
thead2 = [c.value for c in t2[1]]
check(t2.max_row == 1 + 3 * 5 * 2, "daily rows %d" % t2.max_row)
oc2 = thead2.index("ed occupancy (patients, daily mean)")
qc2 = thead2.index("ed queue (patients, daily mean)")
day0 = [c.value for c in t2[2]]
day1 = [c.value for c in t2[3]]
check(abs(day0[oc2] - 11.5) < 1e-9 and abs(day1[oc2] - 35.5) < 1e-9,
      "daily mean occupancy %s %s" % (day0[oc2], day1[oc2]))
check(abs(day0[qc2] - 46 / 24) < 1e-9, "daily mean queue %s" % day0[qc2])

if failures:
    print("FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("xlsx read back: ok")
