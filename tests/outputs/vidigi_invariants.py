#!/usr/bin/python3
"""The invariants vidigi's preparation code relies on, checked on a short Dudley run.

usage: vidigi_invariants.py CAREPATH SOURCE_DIR OUT_DIR

Runs scenarios/dudley/best.yaml for 1 year, 1 replication, with the event log; exports the
vidigi log for two weeks of every site and for a month of the acute and community beds, and
checks, for each export:
  - every entity has exactly one arrival, at most one depart, and no rows outside them;
    no depart <=> present_at_end = 1 on every row of the entity;
  - every resource_use has a later resource_use_end (same entity, site, resource_id) unless the
    entity is still present at the end; no end without a begin; no slot used twice at once;
  - no entity holds two resources at once (after each time stamp);
  - at every hour of the window, the number of entities whose latest event (vidigi's rule:
    the last row at or before the snapshot time) is '<site>_begins' equals the simulation's own
    hourly occupancy of that site, so vidigi draws as many patients in a site as it holds
    (which the engine never lets exceed the site's capacity).
Exits non-zero on a failure.
"""
import collections
import csv
import os
import subprocess
import sys

import h5py
import numpy as np

carepath, src, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)
h5 = os.path.join(out, "dudley-best-events.h5")
subprocess.run([carepath, "run", os.path.join(src, "scenarios/dudley/best.yaml"), "--years", "1",
                "--replications", "1", "--events", "-j", "1", "--out", h5], check=True,
               stdout=subprocess.DEVNULL)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


with h5py.File(h5, "r") as f:
    rep = f["/scenarios/best/replications/r0000"]
    ts = rep["timeseries"]
    ts_sites = [s.decode() if isinstance(s, bytes) else s for s in ts.attrs["sites"]]
    occupancy = ts[:, :, 0]


def minutes(date):  # horizon.start of the Dudley model: 2014-04-01
    import datetime
    return (datetime.date.fromisoformat(date) - datetime.date(2014, 4, 1)).days * 1440.0


def check_export(name, extra, t_from, t_to, sites):
    path = os.path.join(out, name + ".csv")
    subprocess.run([carepath, "export", h5, "--vidigi-out", path, *extra], check=True,
                   stdout=subprocess.DEVNULL)
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    check(len(rows) > 1000, "%s: only %d rows" % (name, len(rows)))
    arrivals = collections.Counter()
    departs = collections.Counter()
    first = {}
    last = {}
    at_end = {}
    open_use = {}  # (entity, site, slot) -> row
    slot_busy = set()  # (site, slot)
    held = collections.defaultdict(set)  # entity -> {(site, slot)}
    latest = {}  # entity -> event
    present = set()
    hour = int(t_from // 60) + 1
    hours_checked = 0
    mismatches = []
    prev_time = None
    touched = set()

    def snapshot(t):
        nonlocal hours_checked
        counts = collections.Counter(latest[e] for e in present)
        for s in sites:
            i = ts_sites.index(s)
            h = int(t // 60)
            if h >= occupancy.shape[0]:
                return
            want = int(occupancy[h, i])
            got = counts[s + "_begins"]
            if got != want:
                mismatches.append((t, s, got, want))
        hours_checked += 1

    def end_of_stamp():
        for e in touched:
            check(len(held[e]) <= 1, "%s: entity %s holds %s at once" % (name, e, held[e]))
        touched.clear()

    for k, r in enumerate(rows):
        t = float(r["time"])
        e = r["patient"]
        if prev_time is not None and t != prev_time:
            end_of_stamp()
            # hourly snapshots strictly between time stamps (no ties with events)
            while hour * 60.0 < t and hour * 60.0 <= t_to:
                if hour * 60.0 > prev_time:
                    snapshot(hour * 60.0)
                hour += 1
        prev_time = t
        touched.add(e)
        et, ev = r["event_type"], r["event"]
        check(t_from <= t <= t_to, "%s: row %d at %s outside the window" % (name, k, t))
        at_end.setdefault(e, r["present_at_end"])
        check(at_end[e] == r["present_at_end"], "%s: present_at_end varies for %s" % (name, e))
        if et == "arrival_departure" and ev == "arrival":
            arrivals[e] += 1
            first[e] = t
            present.add(e)
            latest[e] = ev
            continue
        check(e in first, "%s: row %d of %s before its arrival" % (name, k, e))
        check(departs[e] == 0, "%s: row %d of %s after its depart" % (name, k, e))
        if et == "arrival_departure" and ev == "depart":
            departs[e] += 1
            last[e] = t
            present.discard(e)
            check(not held[e], "%s: %s departs holding %s" % (name, e, held[e]))
            continue
        latest[e] = ev
        if et == "resource_use":
            key = (r["site"], r["resource_id"])
            check(key not in slot_busy, "%s: slot %s used twice at %s" % (name, key, t))
            slot_busy.add(key)
            held[e].add(key)
            open_use[(e,) + key] = k
        elif et == "resource_use_end":
            key = (r["site"], r["resource_id"])
            check((e,) + key in open_use, "%s: end without begin, row %d" % (name, k))
            open_use.pop((e,) + key, None)
            slot_busy.discard(key)
            held[e].discard(key)
    end_of_stamp()
    for e, n in arrivals.items():
        check(n == 1, "%s: %s has %d arrivals" % (name, e, n))
        d = departs[e]
        check(d <= 1, "%s: %s has %d departs" % (name, e, d))
        check((d == 0) == (at_end[e] == "1"), "%s: %s depart %d but present_at_end %s"
              % (name, e, d, at_end[e]))
    for (e, s, slot), k in open_use.items():
        check(at_end[e] == "1", "%s: %s never ends its use of %s/%s" % (name, e, s, slot))
    check(hours_checked > 100, "%s: only %d hourly snapshots" % (name, hours_checked))
    check(not mismatches, "%s: %d of %d site-hours differ from the occupancy, e.g. %s"
          % (name, len(mismatches), hours_checked * len(sites), mismatches[:3]))
    n_end = sum(1 for e in arrivals if at_end[e] == "1")
    n_start = sum(1 for e in arrivals if first[e] == t_from)
    print("%s: %d rows, %d entities, %d present at the start, %d at the end, %d hourly "
          "snapshots x %d sites equal to the occupancy" % (name, len(rows), len(arrivals),
                                                          n_start, n_end, hours_checked,
                                                          len(sites)))


beds = ["acute_ward", "stroke_unit", "community_beds", "care_home", "ed", "virtual_ward"]
check_export("first-two-weeks", ["--to", "2014-04-15"], 0.0, minutes("2014-04-15"), beds)
check_export("two-weeks", ["--from", "2014-06-01", "--to", "2014-06-15"], minutes("2014-06-01"),
             minutes("2014-06-15"), beds)
check_export("beds-month", ["--sites", "acute_ward,community_beds", "--from", "2014-06-01",
                            "--to", "2014-07-01", "--replication", "0"], minutes("2014-06-01"),
             minutes("2014-07-01"), ["acute_ward", "community_beds"])
if failures:
    print("%d failures" % len(failures))
    sys.exit(1)
print("vidigi invariants: ok")
