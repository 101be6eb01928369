#!/usr/bin/python3
"""Analytic flow balance for carepath models (calibration aid, no simulation).

Loads a model or scenario exactly as scenarios/README.md describes (extends + overlays + deep merge,
`~` removal, by_year values, units), then, for every financial year of the horizon, pushes the expected
annual volume of every arrival stream through the routing graph and reports the expected arrivals at
every site.

What is modelled:
  * routing probabilities (first matching rule by cohort / attribute, yearly values);
  * closure overflow: each stream's hour-of-week profile is followed through the graph on a 30-minute
    grid; the share of a flow that reaches a rostered (or capacity-0) site while it is closed goes to
    the site's `overflow` (or is lost) and, as in the runtime, is not counted as an arrival there. Short stays (< 1 day) shift the time-of-week profile by their
    mean; long stays (beds, teams, delays >= 1 day) flatten it;
  * reneging, roughly: an M/M/c (Erlang C) waiting-time tail at the site's mean open-hours load,
    integrated over the patience distribution (priority queues are NOT modelled, so the ED figure is
    an upper bound for urgent cohorts and a lower bound for minors);
Loads (--sites, --cohorts) weight `service_by_cohort` by each cohort's arrivals and scale holds by `hold_scale`.
What is not: capacity losses (queue_limit overflow, blocking), travel times, month-of-year effects
(profiles rescale to the annual volume, so annual counts do not depend on them).

Usage:
  /usr/bin/python3 tools/flow_balance.py                       # the four Dudley scenarios
  /usr/bin/python3 tools/flow_balance.py FILE.yaml ... [--sites] [--overlay LEVER.yaml ...]
  /usr/bin/python3 tools/flow_balance.py --levers scenarios/dudley/best.yaml \
        --baseline scenarios/dudley/demography-only.yaml     # one-lever-at-a-time attribution table
  /usr/bin/python3 tools/flow_balance.py --cohorts acute_ward FILE.yaml ...   # a site's arrivals by cohort,
        with its mean stay (`service_by_cohort` aware) and offered load
"""
import argparse
import copy
import math
import os
import re
import sys

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("flow_balance.py needs PyYAML (python3 -m pip install pyyaml, or apt-get install python3-yaml)")
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SLOTS = 336  # half-hours in a week, Monday 00:00 first
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
YEAR_MIN = 365 * 1440.0

# ----------------------------------------------------------------------------------------- loading


def _merge(base, over):
    """Deep merge: maps key by key, lists and scalars replace, None removes."""
    if not isinstance(base, dict) or not isinstance(over, dict):
        return copy.deepcopy(over)
    out = dict(base)
    for k, v in over.items():
        if v is None:
            out.pop(k, None)
        elif k in out and isinstance(out[k], dict) and isinstance(v, dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _strip_nulls(x):
    if isinstance(x, dict):
        return {k: _strip_nulls(v) for k, v in x.items() if v is not None}
    if isinstance(x, list):
        return [_strip_nulls(v) for v in x]
    return x


def load(path, extra_overlays=()):
    path = os.path.abspath(path)
    with open(path) as f:
        doc = yaml.safe_load(f) or {}
    here = os.path.dirname(path)
    if "scenario" in doc:
        sc = doc["scenario"] or {}
        merged = load(os.path.join(here, sc["extends"])) if sc.get("extends") else {}
        for ov in sc.get("overlays", []) or []:
            merged = _merge(merged, _body(os.path.join(here, ov)))
        body = {k: v for k, v in doc.items() if k != "scenario"}
        merged = _merge(merged, body)
        merged.setdefault("_scenario", sc.get("name", os.path.basename(path)))
        merged["_scenario"] = sc.get("name", os.path.basename(path))
    else:
        merged = {k: v for k, v in doc.items() if k != "overlay"}
        merged["_scenario"] = os.path.splitext(os.path.basename(path))[0]
    for ov in extra_overlays:
        merged = _merge(merged, _body(ov))
    merged["_file"] = path
    return _strip_nulls(merged)


def _body(path):
    with open(path) as f:
        doc = yaml.safe_load(f) or {}
    return {k: v for k, v in doc.items() if k not in ("overlay", "scenario")}


# ------------------------------------------------------------------------------------------- units

DUR = {"min": 1.0, "h": 60.0, "d": 1440.0, "w": 10080.0}
RATE = {"year": 1.0, "week": 365.0 / 7.0, "day": 365.0, "hour": 365.0 * 24.0}


def duration(v):
    m = re.fullmatch(r"\s*([-+0-9.eE]+)\s*(min|h|d|w)\s*", str(v))
    if not m:
        raise ValueError(f"not a duration: {v!r}")
    return float(m.group(1)) * DUR[m.group(2)]


def rate(v):
    m = re.fullmatch(r"\s*([-+0-9.eE]+)\s*/\s*(year|week|day|hour)\s*", str(v))
    if not m:
        raise ValueError(f"not a rate: {v!r}")
    return float(m.group(1)) * RATE[m.group(2)]


def growth(v):
    m = re.fullmatch(r"\s*([-+0-9.eE]+)\s*%\s*/\s*year\s*", str(v))
    if not m:
        raise ValueError(f"not a growth: {v!r}")
    return float(m.group(1)) / 100.0


def tod(v):
    h, m = str(v).split(":")
    return int(h) * 60 + int(m)


def yearly(v, y, conv=lambda x: x):
    if isinstance(v, dict) and "by_year" in v:
        vals = v["by_year"]
        return conv(vals[min(y, len(vals) - 1)])
    return conv(v)


def cap_value(v, y):
    c = yearly(v, y)
    if isinstance(c, str) and c == "unlimited":
        return math.inf
    return float(c)


# ---------------------------------------------------------------------------------- distributions

_rng = np.random.default_rng(12345)


def _sampler(d):
    """numpy sampler for a distribution map (minutes where durations)."""
    def num(x):
        try:
            return duration(x)
        except (ValueError, TypeError):
            return float(x)
    kinds = [k for k in d if k not in ("truncate",)]
    k = kinds[0]
    a = d[k]
    if k == "fixed":
        v = num(a)
        return lambda n: np.full(n, v)
    if k == "exponential":
        mu = num(a["mean"])
        return lambda n: _rng.exponential(mu, n)
    if k == "uniform":
        lo, hi = num(a["min"]), num(a["max"])
        return lambda n: _rng.uniform(lo, hi, n)
    if k in ("triangular", "pert"):
        lo, mo, hi = num(a["min"]), num(a["mode"]), num(a["max"])
        if k == "triangular":
            return lambda n: _rng.triangular(lo, mo, hi, n)
        al = 1 + 4 * (mo - lo) / (hi - lo)
        be = 1 + 4 * (hi - mo) / (hi - lo)
        return lambda n: lo + (hi - lo) * _rng.beta(al, be, n)
    if k == "normal":
        mu, sd = num(a["mean"]), num(a["sd"])
        return lambda n: np.maximum(0, _rng.normal(mu, sd, n))
    if k == "lognormal":
        if "median" in a:
            med, p95 = num(a["median"]), num(a["p95"])
            s = math.log(p95 / med) / 1.6448536
            mu = math.log(med)
        else:
            m, sd = num(a["mean"]), num(a["sd"])
            s = math.sqrt(math.log(1 + (sd / m) ** 2))
            mu = math.log(m) - s * s / 2
        return lambda n: _rng.lognormal(mu, s, n)
    if k == "gamma":
        m, cv = num(a["mean"]), float(a["cv"])
        shape = 1 / (cv * cv)
        return lambda n: _rng.gamma(shape, m / shape, n)
    if k == "weibull":
        sh, sc = float(a["shape"]), num(a["scale"])
        return lambda n: sc * _rng.weibull(sh, n)
    if k == "erlang":
        kk, m = int(a["k"]), num(a["mean"])
        return lambda n: _rng.gamma(kk, m / kk, n)
    if k == "empirical":
        vals = np.array([num(x) for x in a["values"]])
        pr = np.array(a["probs"], dtype=float)
        return lambda n: _rng.choice(vals, n, p=pr / pr.sum())
    if k == "empirical_cdf":
        xs = np.array([num(x) for x in a["x"]])
        cdf = np.array(a["cdf"], dtype=float)
        return lambda n: np.interp(_rng.uniform(0, 1, n), cdf, xs)
    if k == "mixture":
        parts = [(float(c["p"]), _sampler({kk: vv for kk, vv in c.items() if kk != "p"})) for c in a]
        def mix(n):
            ps = np.array([p for p, _ in parts])
            idx = _rng.choice(len(parts), n, p=ps / ps.sum())
            out = np.empty(n)
            for i, (_, s) in enumerate(parts):
                sel = idx == i
                out[sel] = s(int(sel.sum()))
            return out
        return mix
    raise ValueError(f"distribution {k!r} not supported by flow_balance.py (csv is not)")


_cache = {}


def samples(d, n=40000):
    key = repr(d)
    if key not in _cache:
        x = _sampler(d)(n)
        t = d.get("truncate")
        if t:
            lo = duration(t["min"]) if "min" in t else -np.inf
            hi = duration(t["max"]) if "max" in t else np.inf
            x = x[(x >= lo) & (x <= hi)]  # truncation = conditioning
        _cache[key] = x
    return _cache[key]


def mean_of(d):
    return float(samples(d).mean()) if d else 0.0


# ---------------------------------------------------------------------------------------- profiles


def profile_vec(p):
    if p is None:
        return np.full(SLOTS, 1.0 / SLOTS)
    if "hour_of_week" in p:
        how = np.array(p["hour_of_week"], dtype=float)
    else:
        dow = np.array(p.get("day_of_week", [1] * 7), dtype=float)
        hod = np.array(p.get("hour_of_day", [1] * 24), dtype=float)
        how = np.outer(dow, hod).reshape(168)
    v = np.repeat(how, 2) / 2.0
    return v / v.sum()


def parse_days(days):
    if days == "all":
        return set(range(7))
    if isinstance(days, list):
        return {DAYS.index(d) for d in days}
    if "-" in str(days):
        a, b = str(days).split("-")
        return set(range(DAYS.index(a), DAYS.index(b) + 1))
    return {DAYS.index(str(days))}


def open_mask(site, y):
    kind = site["kind"]
    if kind in ("triage", "delay", "exit"):
        return np.ones(SLOTS)
    cap = cap_value(site.get("capacity", 0), y)
    roster = site.get("roster")
    if not roster:
        return np.full(SLOTS, 1.0 if cap > 0 else 0.0)
    m = np.zeros(SLOTS)
    for sh in roster:
        c = cap_value(sh["capacity"], y) if "capacity" in sh else cap
        if c <= 0:
            continue
        lo, hi = tod(sh["from"]), tod(sh["to"])
        for d in parse_days(sh["days"]):
            for k in range(48):
                a, b = k * 30, k * 30 + 30
                ov = max(0, min(b, hi) - max(a, lo)) / 30.0
                m[d * 48 + k] = max(m[d * 48 + k], ov)
    return m


def mean_capacity_open(site, y):
    cap = cap_value(site.get("capacity", 0), y)
    roster = site.get("roster")
    if not roster:
        return cap
    tot, n = 0.0, 0.0
    for sh in roster:
        c = cap_value(sh["capacity"], y) if "capacity" in sh else cap
        hrs = (tod(sh["to"]) - tod(sh["from"])) / 60.0 * len(parse_days(sh["days"]))
        if c > 0:
            tot += c * hrs
            n += hrs
    return tot / n if n else 0.0


# ------------------------------------------------------------------------------------------ engine


class Model:
    def __init__(self, doc):
        self.doc = doc
        self.name = doc.get("_scenario", "?")
        self.years = int(doc["horizon"]["years"])
        self.sites = doc["sites"]
        self.cohorts = doc.get("cohorts", {})
        self.profiles = {k: profile_vec(v) for k, v in (doc.get("profiles") or {}).items()}
        self.start = str(doc["horizon"]["start"])

    def year_label(self, y):
        sy = int(self.start[:4])
        return f"{sy + y}/{(sy + y + 1) % 100:02d}"

    def matches(self, rule, cohort):
        w = rule.get("when")
        if not w:
            return True
        if "cohort" in w and cohort not in w["cohort"]:
            return False
        attrs = (self.cohorts.get(cohort) or {}).get("attributes", {})
        for k, v in w.items():
            if k == "cohort":
                continue
            allowed = v if isinstance(v, list) else [v]
            if str(attrs.get(k)) not in [str(a) for a in allowed]:
                return False
        return True

    def rule_for(self, site, cohort):
        for r in self.sites[site].get("routes", []) or []:
            if self.matches(r, cohort):
                return r
        raise ValueError(f"site {site}: no route rule matches cohort {cohort}")

    def renege_prob(self, s, y, arrivals):
        site = self.sites[s]
        if "patience" not in site or site["kind"] not in ("service", "team", "beds"):
            return 0.0
        c = mean_capacity_open(site, y)
        if not math.isfinite(c) or c <= 0:
            return 0.0
        mask = open_mask(site, y)
        open_min = YEAR_MIN * mask.mean()
        if open_min <= 0:
            return 0.0
        lam = arrivals / open_min
        mu = 1.0 / (mean_of(site.get("service")) * yearly(site.get("service_scale", 1), y, float))
        a = lam / mu
        ci = int(round(c))
        if a >= ci:
            return 0.5  # overloaded on average: flag-worthy; crude
        # Erlang C
        term, s_ = 1.0, 1.0
        for k in range(1, ci):
            term *= a / k
            s_ += term
        term *= a / ci
        last = term * ci / (ci - a)
        pw = last / (s_ + last)
        pat = samples(site["patience"])
        return float(np.mean(pw * np.exp(-(ci * mu - lam) * pat)))

    def run_year(self, y, renege):
        sites = self.sites
        arr = {s: 0.0 for s in sites}
        self.arr_cohort = {}  # (site, cohort) -> arrivals this year (for service_by_cohort loads)
        lost = {s: 0.0 for s in sites}
        closed = {s: 0.0 for s in sites}
        masks = {s: open_mask(sites[s], y) for s in sites}
        shifts = {}
        for s, site in sites.items():
            if site["kind"] in ("triage", "exit"):
                shifts[s] = 0
            else:
                m = mean_of(site.get("service")) if site.get("service") else 0.0
                shifts[s] = None if m >= 1440 else int(round(m / 30.0))
        pending = {}

        def push(s, c, v):
            if s not in sites:
                raise ValueError(f"unknown site {s!r}")
            key = (s, c)
            pending[key] = pending[key] + v if key in pending else v.copy()

        for name, st in (self.doc.get("arrivals") or {}).items():
            vol = st["volume"]
            if isinstance(vol, dict):
                v = yearly(vol, y, rate)
            else:
                v = rate(vol) * (1 + growth(st["growth"])) ** y if "growth" in st else rate(vol)
            prof = self.profiles[st["profile"]] if st.get("profile") else profile_vec(None)
            for c, sh in (st.get("cohorts") or {}).items():
                share = yearly(sh, y, float)
                if share > 0:
                    push(st["to"], c, v * share * prof)
        rounds = 0
        while pending and rounds < 500:
            rounds += 1
            cur, pending = pending, {}
            for (s, c), v in cur.items():
                tot = v.sum()
                if tot < 1e-9:
                    continue
                site = sites[s]
                if site["kind"] == "exit":
                    arr[s] += tot
                    continue
                m = masks[s]
                vc = v * (1 - m)
                vo = v * m
                arr[s] += vo.sum()  # as the runtime: patients overflowed while closed count at the next site
                self.arr_cohort[(s, c)] = self.arr_cohort.get((s, c), 0.0) + vo.sum()
                if vc.sum() > 1e-12:
                    closed[s] += vc.sum()
                    if site.get("overflow"):
                        push(site["overflow"], c, vc)
                    else:
                        lost[s] += vc.sum()
                r = renege.get(s, 0.0)
                if r > 0:
                    if site.get("renege_to"):
                        push(site["renege_to"], c, vo * r)
                    else:
                        lost[s] += vo.sum() * r
                    vo = vo * (1 - r)
                sh = shifts[s]
                vo = np.full(SLOTS, vo.sum() / SLOTS) if sh is None else np.roll(vo, sh)
                rule = self.rule_for(s, c)
                for t, spec in rule["to"].items():
                    p = yearly(spec["p"] if isinstance(spec, dict) else spec, y, float)
                    if p > 0:
                        push(t, c, vo * p)
        return arr, lost, closed

    def run(self, passes=3):
        out = []
        self.cohort_arrivals = []  # per year: {(site, cohort): arrivals}
        for y in range(self.years):
            renege = {}
            for _ in range(passes):
                arr, lost, closed = self.run_year(y, renege)
                renege = {s: self.renege_prob(s, y, arr[s]) for s in self.sites}
            out.append((arr, lost, closed, renege))
            self.cohort_arrivals.append(dict(self.arr_cohort))
        return out

    def mean_stay(self, s, y):
        """Arrival-weighted mean service time (minutes) of site s in year y: `service` or the cohort's
        `service_by_cohort`, times `service_scale`."""
        site = self.sites[s]
        scale = yearly(site.get("service_scale", 1), y, float)
        by = site.get("service_by_cohort") or {}
        if not by or not getattr(self, "cohort_arrivals", None):
            return mean_of(site["service"]) * scale
        tot = num = 0.0
        for (ss, c), a in self.cohort_arrivals[y].items():
            if ss != s or a <= 0:
                continue
            tot += a
            num += a * mean_of(by.get(c) or site["service"])
        return (num / tot if tot else mean_of(site["service"])) * scale

    def load_table(self, y, arr):
        """Offered load vs capacity (utilisation of open hours), including holds of outgoing routes."""
        rows = []
        for s, site in self.sites.items():
            if site["kind"] not in ("service", "beds", "team"):
                continue
            cap = mean_capacity_open(site, y)
            if not site.get("service"):
                continue
            los = self.mean_stay(s, y)
            hold = 0.0
            for r in site.get("routes", []) or []:
                for t, spec in r["to"].items():
                    if isinstance(spec, dict) and "hold" in spec:
                        hold = max(hold, mean_of(spec["hold"]))
            hold *= yearly(site.get("hold_scale", 1), y, float)
            om = YEAR_MIN * open_mask(site, y).mean()
            if site["kind"] != "service":
                om = YEAR_MIN * (1.0 if open_mask(site, y).mean() > 0 else 0.0)
            busy = arr[s] * los
            util = busy / (cap * om) if cap and math.isfinite(cap) and om else float("nan")
            rows.append((s, arr[s], los / 1440.0, cap, util, hold / 1440.0))
        return rows


EA_SITES = ["acute_ward", "stroke_unit"]


def _named(model, prefix, kind):
    """Sites called `prefix` or `prefix_<x>` of this kind (one ED `ed`, or several: `ed_kgh`, `ed_queens`)."""
    return [s for s, site in model.sites.items()
            if (s == prefix or s.startswith(prefix + "_")) and site.get("kind") == kind]


def headline(model, res):
    rows = []
    ed_sites = _named(model, "ed", "service")
    for y, (arr, lost, closed, ren) in enumerate(res):
        ed = sum(arr.get(s, 0) for s in ed_sites)
        ea = sum(arr.get(s, 0) for s in EA_SITES)
        rows.append((model.year_label(y), ed, ea, arr))
    return rows


def print_model(model, res, show_sites):
    print(f"\n== {model.name}")
    print(f"{'year':8}{'ED attend':>12}{'emerg adm':>12}{'ED conv%':>9}{'UCC':>9}{'WIC':>9}{'hubs':>9}"
          f"{'111':>9}{'care home':>10}{'readmit':>9}")
    hubs = [s for s in model.sites if s.startswith("hub_")]
    ucc_sites = _named(model, "ucc", "service")
    prev = None
    for y, (lab, ed, ea, arr) in enumerate(headline(model, res)):
        g = "" if not (prev and prev[0] and prev[1]) else \
            f"  (ED {100 * (ed / prev[0] - 1):+.1f}%, EA {100 * (ea / prev[1] - 1):+.1f}%)"
        conv = 100 * arr.get("_x", 0)
        ed_adm = 0.0
        print(f"{lab:8}{ed:12.0f}{ea:12.0f}{100 * ea / ed if ed else 0:9.1f}{sum(arr.get(s, 0) for s in ucc_sites):9.0f}"
              f"{arr.get('walk_in_centre', 0):9.0f}{sum(arr[h] for h in hubs):9.0f}{arr.get('nhs111', 0):9.0f}"
              f"{arr.get('care_home', 0):10.0f}{arr.get('awaiting_readmission', 0):9.0f}{g}")
        prev = (ed, ea)
        del conv, ed_adm
    if show_sites:
        for y in (0, model.years - 1):
            arr, lost, closed, ren = res[y]
            print(f"  -- {model.year_label(y)}: site, arrivals/yr, mean stay (d), capacity, utilisation, "
                  f"max hold (d), closed-overflow/yr, renege%")
            for s, a, los, cap, util, hold in model.load_table(y, arr):
                print(f"  {s:28}{a:10.0f}{los:9.2f}{cap:8.0f}{util:8.2f}{hold:7.1f}{closed[s]:10.0f}"
                      f"{100 * ren.get(s, 0):7.2f}")
            print(f"  lost (no overflow): {sum(lost.values()):.0f}  "
                  + ", ".join(f"{k} {v:.0f}" for k, v in lost.items() if v > 0.5))


def delta(a, b):
    ra, rb = headline(*a), headline(*b)
    return ra[-1][1] - rb[-1][1], ra[-1][2] - rb[-1][2]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--overlay", action="append", default=[], help="extra lever file applied last")
    ap.add_argument("--sites", action="store_true", help="per-site arrivals and utilisation")
    ap.add_argument("--baseline", default=os.path.join(ROOT, "scenarios/dudley/demography-only.yaml"))
    ap.add_argument("--levers", help="scenario whose overlays are attributed one at a time on --baseline")
    ap.add_argument("--origin", help="SITE: break its first-year arrivals down by arrival stream")
    ap.add_argument("--cohorts", help="SITE: break its arrivals down by cohort, with the mean stay and load")
    args = ap.parse_args()

    if args.cohorts:
        for f in args.files:
            m = Model(load(f, args.overlay))
            res = m.run()
            site = m.sites[args.cohorts]
            by = site.get("service_by_cohort") or {}
            print(f"== {m.name}: arrivals at {args.cohorts} by cohort")
            for y in (0, m.years - 1):
                ca = {c: a for (s, c), a in m.cohort_arrivals[y].items() if s == args.cohorts}
                tot = sum(ca.values())
                print(f"  {m.year_label(y)}: total {tot:.0f}, mean stay {m.mean_stay(args.cohorts, y) / 1440:.2f} d, "
                      f"offered load {tot * m.mean_stay(args.cohorts, y) / YEAR_MIN:.0f} places")
                for c, a in sorted(ca.items(), key=lambda kv: -kv[1]):
                    los = mean_of(by.get(c) or site["service"]) / 1440
                    print(f"    {c:22}{a:9.0f}{100 * a / tot:7.1f}%{los:8.2f} d")
        return

    if args.origin:
        for f in args.files:
            doc = load(f, args.overlay)
            print(f"== {doc['_scenario']}: arrivals at {args.origin} in year 1 by stream")
            for st in doc["arrivals"]:
                d = dict(doc)
                d["arrivals"] = {st: doc["arrivals"][st]}
                m = Model(d)
                arr = m.run_year(0, {})[0]
                if arr.get(args.origin, 0) > 0.5:
                    print(f"  {st:34}{arr[args.origin]:10.0f}")
        return

    if args.levers:
        base = Model(load(args.baseline))
        bres = base.run()
        with open(args.levers) as f:
            sc = yaml.safe_load(f)["scenario"]
        here = os.path.dirname(os.path.abspath(args.levers))
        print(f"one lever at a time on {base.name}, {base.year_label(base.years - 1)} (analytic):")
        print(f"{'lever':42}{'ED delta':>10}{'EA delta':>10}")
        sum_ed = sum_ea = 0.0
        for ov in sc.get("overlays", []) or []:
            m = Model(load(args.baseline, [os.path.join(here, ov)]))
            ded, dea = delta((m, m.run()), (base, bres))
            sum_ed += ded
            sum_ea += dea
            print(f"{ov:42}{ded:10.0f}{dea:10.0f}")
        full = Model(load(args.levers))
        ded, dea = delta((full, full.run()), (base, bres))
        print(f"{'sum of single levers':42}{sum_ed:10.0f}{sum_ea:10.0f}")
        print(f"{'whole scenario ' + full.name:42}{ded:10.0f}{dea:10.0f}")
        return

    files = args.files or [os.path.join(ROOT, "scenarios/dudley", f + ".yaml")
                           for f in ("demography-only", "do-nothing", "base", "best")]
    results = {}
    for f in files:
        m = Model(load(f, args.overlay))
        r = m.run()
        results[m.name] = (m, r)
        print_model(m, r, args.sites)
    base_name = None
    for n, (m, _) in results.items():
        if os.path.abspath(m.doc["_file"]) == os.path.abspath(args.baseline):
            base_name = n
    if base_name is None and os.path.exists(args.baseline):
        bm = Model(load(args.baseline))
        results.setdefault(bm.name, (bm, bm.run()))
        base_name = bm.name
    if base_name:
        print(f"\nDeltas vs {base_name} in the last year (target for best, SOURCE #37: ED -24,145, EA -1,574):")
        for n, mr in results.items():
            if n == base_name:
                continue
            ded, dea = delta(mr, results[base_name])
            print(f"  {n:20} ED {ded:+9.0f}   emergency admissions {dea:+8.0f}")


if __name__ == "__main__":
    main()
