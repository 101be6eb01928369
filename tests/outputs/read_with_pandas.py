#!/usr/bin/python3
"""Reads a carepath result file written by make_sample_h5 with h5py + pandas and checks it.

Run with Debian's /usr/bin/python3 (python3-h5py, python3-pandas). Exits non-zero on mismatch.
Values written by make_sample_h5 for scenario s, replication r (1..5), year y, KPI k:
    1000 (s + 1) + 100 k + 10 y + r + 0.25 k r^2
"""
import math
import sys

import h5py
import numpy as np
import pandas as pd

T_975_DF4 = 2.7764451051977987  # t(0.975, 4), 5 replications
SCENARIOS = ["do-nothing", "base", "best"]
YEARS = ["2014/15", "2015/16"]
KPIS = ["ed_attendances", "ed_4h_pct", "site.ed.wait_p95"]
UNITS = ["count", "%", "minutes"]

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def text(x):
    return x.decode("utf-8") if isinstance(x, bytes) else str(x)


def fnv1a64_hex(s):
    h = 0xCBF29CE484222325
    for byte in s.encode("utf-8"):
        h ^= byte
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def main(path):
    with h5py.File(path, "r") as f:
        check(f.attrs["complete"] == 1, "complete attribute")
        check(text(f.attrs["format"]) == "carepath-results", "format attribute")
        meta = f["meta"]
        check(int(meta.attrs["master_seed"]) == 42, "master_seed")
        check(int(meta.attrs["replications"]) == 5, "replications")
        check([text(s) for s in meta.attrs["scenarios"]] == SCENARIOS, "scenario order")
        check([text(y) for y in f["years"][()]] == YEARS, "years")
        for s in SCENARIOS:
            yaml = text(f["meta/scenarios/" + s][()])
            check(yaml == "name: %s\n" % s, "yaml of " + s)
            check(text(f["meta/scenarios/" + s].attrs["fnv1a64"]) == fnv1a64_hex(yaml),
                  "hash of " + s)

        for si, s in enumerate(SCENARIOS):
            g = f["scenarios/" + s]
            kpis = pd.DataFrame(g["kpis"][()])
            names = [text(n) for n in kpis["name"]]
            check(names == KPIS, "KPI index of " + s)
            check(list(kpis.columns) == ["name", "unit", "description", "headline"],
                  "KPI index columns of " + s)
            rows = pd.DataFrame(g["rows"][()])
            rows["year"] = rows["year"].str.decode("utf-8")
            check(g["kpi_values"].shape == (len(rows), len(KPIS)), "kpi_values shape of " + s)
            kv = pd.concat([rows, pd.DataFrame(g["kpi_values"][()], columns=names)], axis=1)
            check(list(kv.columns) == ["replication", "year"] + KPIS, "columns of " + s)
            # one KPI's column alone (what a user of a 500-site model does)
            k = names.index("ed_4h_pct")
            check(np.array_equal(g["kpi_values"][:, k], kv["ed_4h_pct"].to_numpy()), "column read")
            check(len(kv) == 5 * len(YEARS), "rows of " + s)
            for _, row in kv.iterrows():
                r, y = int(row["replication"]), YEARS.index(row["year"])
                for k, kpi in enumerate(KPIS):
                    expect = 1000 * (si + 1) + 100 * k + 10 * y + r + 0.25 * k * r * r
                    check(row[kpi] == expect, "%s r%d %s %s" % (s, r, row["year"], kpi))

            check([text(u) for u in kpis["unit"]] == UNITS, "units of " + s)

            summ = pd.DataFrame(f["scenarios/%s/summary" % s][()])
            for col in ("kpi", "unit", "year"):
                summ[col] = summ[col].str.decode("utf-8")
            check(len(summ) == len(KPIS) * len(YEARS), "summary rows of " + s)
            long = kv.melt(id_vars=["replication", "year"], var_name="kpi")
            stats = long.groupby(["kpi", "year"])["value"].agg(["mean", "std", "count"])
            for _, row in summ.iterrows():
                ref = stats.loc[(row["kpi"], row["year"])]
                check(row["n"] == ref["count"] == 5, "n")
                check(abs(row["mean"] - ref["mean"]) < 1e-9, "mean %s %s" % (s, row["kpi"]))
                check(abs(row["sd"] - ref["std"]) < 1e-9, "sd %s %s" % (s, row["kpi"]))
                hw = T_975_DF4 * ref["std"] / math.sqrt(5)
                check(abs(row["half_width"] - hw) < 1e-9, "half_width %s %s" % (s, row["kpi"]))
                check(abs(row["ci95_low"] - (ref["mean"] - hw)) < 1e-9, "ci95_low")
                check(abs(row["ci95_high"] - (ref["mean"] + hw)) < 1e-9, "ci95_high")

            ts = f["scenarios/%s/replications/r0003/timeseries" % s]
            check(ts.shape == (48, 2, 3), "timeseries shape")
            check([text(x) for x in ts.attrs["sites"]] == ["ed", "ucc"], "timeseries sites")
            check(np.array_equal(ts[:, 0, 0], np.arange(48)), "ed occupancy")
            check(np.all(ts[:, 0, 2] == 3), "ed in_service = replication")

        check(text(f["comparisons"].attrs["baseline"]) == "do-nothing", "baseline")
        for si, s in enumerate(SCENARIOS[1:], start=1):
            comp = pd.DataFrame(f["comparisons/%s/summary" % s][()])
            check(np.allclose(comp["mean_diff"], 1000.0 * si), "mean_diff of " + s)
            check(np.allclose(comp["paired_half_width"], 0.0), "paired CI of identical noise")
            check(np.allclose(comp["variance_reduction"], 1.0), "variance reduction")
            cg = f["comparisons/" + s]
            cols = [text(n) for n in cg["kpis"]["name"]]
            diffs = pd.DataFrame(cg["paired_differences"][()], columns=cols)
            check(len(cg["rows"]) == len(diffs), "paired difference rows")
            check(np.allclose(diffs[KPIS].to_numpy(), 1000.0 * si), "paired differences")

    if failures:
        for what in failures:
            print("MISMATCH:", what, file=sys.stderr)
        return 1
    print("read_with_pandas: OK (%s)" % path)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: read_with_pandas.py FILE.h5", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
