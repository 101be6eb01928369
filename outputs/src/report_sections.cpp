// The HTML report's sites, flows and sweeps/sizing sections.
#include "flow_layout.hpp"
#include "page_text.hpp"
#include "report_page.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <set>
#include <unordered_map>

namespace carepath::outputs {

using namespace page_text;

void Page::section_sites(std::ostream& b) {
  const std::string& year = years_.empty() ? empty_ : years_[last_year_];
  b << "<section id=\"sites\"><h2>Sites</h2><p class=\"note\">Scenario <b>" << html(baseline_)
    << "</b>, " << html(year)
    << ", mean over replications of each site's yearly KPIs (site.&lt;name&gt;.*).</p>"
    << "<div class=\"grid\"><div class=\"chart\" id=\"chart-s-full\"></div><div "
       "class=\"chart\" id=\"chart-s-util\"></div></div>";
  struct Row {
    const ReportSite* site;
    double arrivals, occupancy, pct_full, wait_mean, wait_p95, queue_mean;
  };
  std::vector<Row> rows;
  for (const auto& s : m_.sites) {
    if (s.kind == "exit") continue;
    auto v = [&](const char* metric) {
      return kpi_mean(baseline_, "site." + s.name + "." + metric, year);
    };
    rows.push_back(Row{&s, v("arrivals"), v("occupancy_mean"), v("pct_time_full"), v("wait_mean"),
                       v("wait_p95"), v("queue_mean")});
  }
  data_ << ",\"full\":[";
  std::vector<const Row*> by_full;
  for (const auto& row : rows) {
    if (std::isfinite(row.pct_full) && row.pct_full > 0.05) by_full.push_back(&row);
  }
  std::sort(by_full.begin(), by_full.end(),
            [](const Row* a, const Row* b2) { return a->pct_full > b2->pct_full; });
  if (by_full.size() > 25) by_full.resize(25);
  for (std::size_t i = 0; i < by_full.size(); ++i) {
    data_ << (i ? "," : "") << "{\"site\":" << js(by_full[i]->site->name)
          << ",\"value\":" << num(by_full[i]->pct_full) << "}";
  }
  data_ << "],\"util\":[";
  std::vector<std::pair<std::string, double>> util;
  for (const auto& row : rows) {
    if (row.site->capacity > 0 && std::isfinite(row.occupancy)) {
      util.emplace_back(row.site->name, 100.0 * row.occupancy / row.site->capacity);
    }
  }
  std::sort(util.begin(), util.end(),
            [](const auto& a, const auto& c) { return a.second > c.second; });
  if (util.size() > 25) util.resize(25);
  for (std::size_t i = 0; i < util.size(); ++i) {
    data_ << (i ? "," : "") << "{\"site\":" << js(util[i].first)
          << ",\"value\":" << num(util[i].second) << "}";
  }
  data_ << "]";
  heat_maps(b);
  b << "<h3>Every site</h3><div class=\"scroll\"><table><tr><th class=\"l\">site</th><th "
       "class=\"l\">kind</th><th>capacity</th><th>arrivals</th><th>mean occupancy</th><th>% "
       "time full</th><th>mean wait (min)</th><th>95th pct wait (min)</th><th>mean "
       "queue</th></tr>";
  for (const auto& row : rows) {
    b << "<tr><td class=\"l\" title=\"" << html(row.site->label) << "\">" << html(row.site->name)
      << "</td><td class=\"l\">" << html(row.site->kind) << "</td><td>"
      << (row.site->capacity < 0 ? std::string("unlimited") : pretty(row.site->capacity, 0))
      << "</td><td>" << pretty(row.arrivals, 0) << "</td><td>" << pretty(row.occupancy, 1)
      << "</td><td>" << pretty(row.pct_full, 1) << "</td><td>" << pretty(row.wait_mean, 1)
      << "</td><td>" << pretty(row.wait_p95, 0) << "</td><td>" << pretty(row.queue_mean, 2)
      << "</td></tr>";
  }
  b << "</table></div></section>\n";
}

void Page::heat_maps(std::ostream& b) {
  // Bed sites and the emergency department, from the baseline's hourly time series.
  std::vector<std::string> wanted;
  for (const auto& s : m_.sites) {
    std::string label = s.label;
    std::transform(label.begin(), label.end(), label.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (s.kind == "beds" || s.name == "ed" ||
        label.find("emergency department") != std::string::npos ||
        label.find("a&e") != std::string::npos) {
      wanted.push_back(s.name);
    }
  }
  if (wanted.size() > 8) wanted.resize(8);
  data_ << ",\"heatSites\":[";
  std::ostringstream heat;
  std::size_t reps_read = 0;
  std::vector<std::string> shown;
  if (!scenarios_.empty() && !wanted.empty()) {
    using namespace std::chrono;
    const year_month_day start{year{m_.start_year}, month{static_cast<unsigned>(m_.start_month)},
                               day{static_cast<unsigned>(m_.start_day)}};
    const unsigned dow0 = (weekday{sys_days{start}}.c_encoding() + 6) % 7;  // Monday = 0
    std::vector<std::array<double, 168>> sum(wanted.size());
    std::vector<std::array<double, 168>> count(wanted.size());
    for (auto& a : sum) a.fill(0);
    for (auto& a : count) a.fill(0);
    for (const std::uint32_t rep : r_.replications(baseline_)) {
      if (reps_read >= o_.heat_map_replications) break;
      if (!r_.has_time_series(baseline_, rep)) continue;
      const TimeSeries h = r_.time_series_header(baseline_, rep);
      if (h.interval_minutes != 60) continue;
      std::vector<int> col(wanted.size(), -1);
      for (std::size_t w = 0; w < wanted.size(); ++w) {
        const auto it = std::find(h.sites.begin(), h.sites.end(), wanted[w]);
        if (it != h.sites.end()) col[w] = static_cast<int>(it - h.sites.begin());
      }
      const std::size_t ns = h.sites.size();
      r_.for_each_sample_block(
          baseline_, rep, [&](std::uint64_t first, std::span<const SiteSample> block) {
            for (std::size_t i = 0; i * ns < block.size(); ++i) {
              const std::uint64_t hour = first + i;
              const auto how = static_cast<std::size_t>(((hour / 24 + dow0) % 7) * 24 + hour % 24);
              for (std::size_t w = 0; w < wanted.size(); ++w) {
                if (col[w] < 0) continue;
                sum[w][how] += block[i * ns + static_cast<std::size_t>(col[w])].occupancy;
                count[w][how] += 1;
              }
            }
          });
      ++reps_read;
    }
    static const char* const kDays[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    bool first = true;
    for (std::size_t w = 0; w < wanted.size(); ++w) {
      if (count[w][0] == 0) continue;
      const auto site = site_of_.find(wanted[w]);
      const double cap = site != site_of_.end() ? site->second->capacity : -1;
      data_ << (shown.empty() ? "" : ",") << "{\"site\":" << js(wanted[w])
            << ",\"capacity\":" << num(cap) << "}";
      b << (shown.empty() ? "<h3>Occupancy by hour of the week</h3><p class=\"note\">From the "
                            "hourly time series of the first "
                          : "");
      if (shown.empty()) {
        b << reps_read << " replication(s) of " << html(baseline_)
          << ", over the whole horizon (hour 0 = horizon.start, a " << kDays[dow0]
          << ").</p><div class=\"grid\">";
      }
      b << "<div class=\"chart\" id=\"chart-s-heat-" << shown.size() << "\"></div>";
      shown.push_back(wanted[w]);
      for (std::size_t k = 0; k < 168; ++k) {
        heat << (first ? "" : ",") << "{\"site\":" << js(wanted[w]) << ",\"dow\":\""
             << kDays[k / 24] << "\",\"hour\":" << k % 24
             << ",\"occ\":" << num(sum[w][k] / std::max(count[w][k], 1.0)) << "}";
        first = false;
      }
    }
    if (!shown.empty()) b << "</div>";
  }
  if (shown.empty()) {
    b << "<p class=\"note\">No hour-of-week heat maps: the file has no hourly time series for "
         "bed or ED sites (run without --no-timeseries).</p>";
  }
  data_ << "],\"heat\":[" << heat.str() << "]";
}

void Page::section_flows(std::ostream& b) {
  b << "<section id=\"flows\"><h2>Flows</h2>";
  const LocalityMap loc = find_localities(m_.sites);
  std::map<std::pair<std::string, std::string>, double> volume;      // collapsed node ids
  std::map<std::string, std::map<std::string, double>> by_locality;  // node -> locality -> in
  bool measured = false;
  std::string how;
  // Measured: site-to-site moves in the event log of the baseline's first replication.
  for (const std::uint32_t rep : r_.replications(baseline_)) {
    if (!r_.has_events(baseline_, rep)) continue;
    const auto sites = r_.event_sites(baseline_, rep);
    std::unordered_map<std::uint32_t, std::uint16_t> last;
    std::map<std::pair<std::string, std::string>, double> raw;
    r_.for_each_event_block(baseline_, rep, [&](std::span<const EventRecord> block) {
      for (const auto& e : block) {
        if (e.event != EventCode::arrive || e.site >= sites.size()) continue;
        const auto it = last.find(e.patient);
        const std::string from = it == last.end() ? std::string() : sites[it->second];
        raw[{from, sites[e.site]}] += 1;
        last[e.patient] = e.site;
      }
    });
    // Patients whose last site is not an exit left from there: an edge to their outcome is
    // not in the log, so nothing is drawn for them.
    const double years = std::max<double>(1, static_cast<double>(years_.size()));
    for (const auto& [key, n] : raw) {
      const std::string a = key.first.empty() ? "" : loc.node_of(key.first);
      const std::string c = loc.node_of(key.second);
      if (a == c) continue;
      volume[{a, c}] += n / years;
      if (const auto l = loc.of_site.find(key.second); l != loc.of_site.end()) {
        by_locality[c][l->second.second] += n / years;
      }
    }
    measured = true;
    how = "Measured: every arrival at a site in the event log of " + baseline_ + " replication " +
          std::to_string(rep) +
          ", counted from the site the patient was at before (or from new demand), averaged "
          "over the horizon's years. Patients already in the system at the start have no "
          "earlier site and count as new demand at their site.";
    break;
  }
  if (!measured) {
    // Derived: arrival streams into entry sites; each site's patients served in the first
    // year times its mean routing probability to each target.
    const std::string year = years_.empty() ? empty_ : years_.front();
    for (const auto& a : m_.arrivals) {
      const std::string c = loc.node_of(a.to);
      volume[{"", c}] += a.per_year;
      if (const auto l = loc.of_site.find(a.to); l != loc.of_site.end()) {
        by_locality[c][l->second.second] += a.per_year;
      }
    }
    for (const auto& route : m_.routes) {
      auto metric = [&](const char* m) {
        return kpi_mean(baseline_, "site." + route.from + "." + m, year);
      };
      double served = metric("served");
      if (route.via == "overflow") {
        served = metric("arrivals") - metric("accepted");
      } else if (route.via == "renege") {
        served = metric("reneged");
      } else if (!std::isfinite(served)) {  // triage sites pass patients on at once
        served = metric("arrivals");
      }
      if (!std::isfinite(served) || served <= 0 || route.probability <= 0) continue;
      const std::string a = loc.node_of(route.from);
      const std::string c = loc.node_of(route.to);
      if (a == c) continue;
      volume[{a, c}] += served * route.probability;
      if (const auto l = loc.of_site.find(route.to); l != loc.of_site.end()) {
        by_locality[c][l->second.second] += served * route.probability;
      }
    }
    how =
        "Derived, not measured (this file has no event log; run with --events to measure "
        "flows): arrival streams' expected first-year volumes into their entry sites, and "
        "each site's patients served in " +
        year +
        " (site.*.served, measured) times its routing probability to each target, "
        "averaged over the route's rules (cohort-specific rules weigh equally, so "
        "cohort mixes are approximated).";
  }
  std::vector<FlowEdge> edges;
  double max_volume = 0;
  for (const auto& [key, v] : volume) {
    if (v < 0.5) continue;
    edges.push_back(FlowEdge{key.first, key.second, v});
    max_volume = std::max(max_volume, v);
  }
  std::map<std::string, std::string> kind, label;
  for (const auto& s : m_.sites) {
    const std::string node = loc.node_of(s.name);
    kind[node] = s.kind;
    if (node != s.name) {
      std::set<std::string> n;
      for (const auto& [site, g] : loc.of_site) {
        if (g.first == node) n.insert(g.second);
      }
      label[node] = node.substr(0, node.size() - 2) + " x" + std::to_string(n.size());
    }
  }
  kind[""] = "source";
  std::size_t nodes = 0;
  {
    std::set<std::string> ids;
    for (const auto& e : edges) {
      ids.insert(e.from);
      ids.insert(e.to);
    }
    nodes = ids.size();
  }
  const FlowLayout lay = layout_flows(edges, kind, label, 1250,
                                      std::clamp(20.0 * static_cast<double>(nodes), 300.0, 900.0));
  b << "<p class=\"note\"><span class=\"badge "
    << (measured ? "measured\">measured" : "derived\">derived") << "</span> " << html(how)
    << " Patients a year; band widths grow with the square root of the volume, so that small "
       "flows stay visible (the numbers are the volumes). Sites repeated per "
       "locality are drawn as one node (e.g. <i>hub x5</i>); the table below splits them by "
       "locality. Red dashed lines go back to an earlier stage (loops, e.g. readmissions).</p>"
    << "<p class=\"key\">";
  for (std::size_t i = 0; i < std::size(kKinds); ++i) {
    b << "<span><i style=\"background:" << kKindColours[i] << "\"></i>"
      << (i == 0 ? "new demand" : kKinds[i]) << "</span>";
  }
  b << "</p><div class=\"chart\" id=\"chart-f-flow\"></div>";
  data_ << ",\"flow\":{\"width\":" << num(lay.width) << ",\"height\":" << num(lay.height)
        << ",\"nodes\":[";
  for (std::size_t i = 0; i < lay.nodes.size(); ++i) {
    const FlowNode& n = lay.nodes[i];
    data_ << (i ? "," : "") << "{\"id\":" << js(n.id) << ",\"label\":" << js(n.label)
          << ",\"kind\":" << js(n.kind.empty() ? "service" : n.kind) << ",\"x\":" << num(n.x)
          << ",\"y\":" << num(n.y) << ",\"h\":" << num(n.height) << ",\"t\":" << num(n.throughput)
          << "}";
  }
  data_ << "],\"links\":[";
  for (std::size_t i = 0; i < lay.links.size(); ++i) {
    const FlowLink& l = lay.links[i];
    data_ << (i ? "," : "") << "{\"from\":" << js(l.from.empty() ? "new demand" : l.from)
          << ",\"to\":" << js(l.to) << ",\"fk\":" << js(kind[l.from])
          << ",\"v\":" << num(l.per_year) << ",\"w\":" << num(l.width) << ",\"sx\":" << num(l.sx)
          << ",\"sy\":" << num(l.sy) << ",\"tx\":" << num(l.tx) << ",\"ty\":" << num(l.ty)
          << ",\"back\":" << (l.backward ? "true" : "false")
          << ",\"lab\":" << (!l.backward && l.per_year >= 0.04 * max_volume ? "true" : "false")
          << "}";
  }
  data_ << "]}";
  // Tables: every flow, and the locality split.
  std::vector<FlowEdge> sorted = edges;
  std::sort(sorted.begin(), sorted.end(),
            [](const FlowEdge& a, const FlowEdge& c) { return a.per_year > c.per_year; });
  b << "<details><summary>Every flow (" << sorted.size()
    << " edges, patients a year)</summary><div class=\"scroll\"><table><tr><th "
       "class=\"l\">from</th><th class=\"l\">to</th><th>a year</th></tr>";
  for (const auto& e : sorted) {
    b << "<tr><td class=\"l\">" << html(e.from.empty() ? "new demand" : e.from)
      << "</td><td class=\"l\">" << html(e.to) << "</td><td>" << pretty(e.per_year, 0)
      << "</td></tr>";
  }
  b << "</table></div></details>";
  if (!by_locality.empty()) {
    std::set<std::string> locs;
    for (const auto& [node, m] : by_locality) {
      for (const auto& [l, v] : m) locs.insert(l);
    }
    b << "<h3>By locality: patients a year arriving</h3><table><tr><th class=\"l\">node</th>";
    for (const auto& l : locs) {
      const auto lab = loc.locality_label.find(l);
      b << "<th title=\"" << html(lab != loc.locality_label.end() ? lab->second : l) << "\">"
        << html(l) << "</th>";
    }
    b << "</tr>";
    for (const auto& [node, m] : by_locality) {
      b << "<tr><td class=\"l\">" << html(node) << "</td>";
      for (const auto& l : locs) {
        const auto it = m.find(l);
        b << "<td>" << (it == m.end() ? std::string("&ndash;") : pretty(it->second, 0)) << "</td>";
      }
      b << "</tr>";
    }
    b << "</table><p class=\"note\">Localities: ";
    bool first = true;
    for (const auto& [l, text] : loc.locality_label) {
      b << (first ? "" : "; ") << "<b>" << html(l) << "</b> " << html(text);
      first = false;
    }
    b << ".</p>";
  }
  b << "</section>\n";
}

void Page::section_extras(std::ostream& b) {
  b << "<section id=\"sweeps\"><h2>Sweeps and sizing</h2>";
  data_ << ",\"extras\":[";
  std::size_t charts = 0;
  bool any = false;
  for (const char* group : {"/sweep", "/sizing"}) {
    const auto tables = read_extra_tables(r_.path(), group);
    for (const auto& t : tables) {
      any = true;
      b << "<h3>" << html(t.path) << "</h3>";
      if (!t.attributes.empty()) {
        b << "<p class=\"note\">";
        for (const auto& [k, v] : t.attributes) b << html(k) << " = <b>" << html(v) << "</b>; ";
        b << "</p>";
      }
      b << "<div class=\"scroll\"><table><tr>";
      for (const auto& c : t.columns) b << "<th>" << html(c) << "</th>";
      b << "</tr>";
      for (std::size_t i = 0; i < std::min<std::size_t>(t.rows, 300); ++i) {
        b << "<tr>";
        for (std::size_t c = 0; c < t.columns.size(); ++c) {
          b << "<td>" << (t.numeric[c] ? num(t.numbers[c][i]) : html(t.texts[c][i])) << "</td>";
        }
        b << "</tr>";
      }
      b << "</table></div>";
      charts += extra_charts(b, t, charts);
    }
  }
  data_ << "]";
  if (!any) {
    b << "<p class=\"note\">This file holds no sweep or sizing results (groups /sweep and "
         "/sizing, written by the sweep and size commands).</p>";
  }
  b << "</section>\n";
}

// A KPI-against-parameter chart per series when a table has mean and CI columns.
std::size_t Page::extra_charts(std::ostream& b, const ExtraTable& t, std::size_t offset) {
  auto column = [&](const std::string& name) -> int {
    const auto it = std::find(t.columns.begin(), t.columns.end(), name);
    return it == t.columns.end() ? -1 : static_cast<int>(it - t.columns.begin());
  };
  const int y = column("mean");
  const int lo = column("ci95_low");
  const int hi = column("ci95_high");
  if (y < 0 || lo < 0 || hi < 0) return 0;
  static const std::set<std::string> kStats = {"mean",       "sd", "ci95_low",    "ci95_high",
                                               "half_width", "n",  "replication", "replications"};
  int x = -1;
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    if (t.numeric[c] && !kStats.contains(t.columns[c])) {
      x = static_cast<int>(c);
      break;
    }
  }
  if (x < 0) return 0;
  int series = column("kpi");
  std::string answer = "null";
  for (const auto& [k, v] : t.attributes) {
    if (k == "answer" || k == "recommended" || k == "capacity") answer = v;
  }
  std::map<std::string, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < t.rows; ++i) {
    groups[series >= 0 && !t.numeric[static_cast<std::size_t>(series)]
               ? t.texts[static_cast<std::size_t>(series)][i]
               : std::string()]
        .push_back(i);
  }
  std::size_t made = 0;
  b << "<div class=\"grid\">";
  for (const auto& [name, idx] : groups) {
    if (made >= 9) break;
    data_ << (offset + made ? "," : "")
          << "{\"title\":" << js(t.path + (name.empty() ? "" : ": " + name))
          << ",\"x\":" << js(t.columns[static_cast<std::size_t>(x)])
          << ",\"y\":" << js(name.empty() ? "mean" : name) << ",\"answer\":" << answer
          << ",\"rows\":[";
    for (std::size_t k = 0; k < idx.size(); ++k) {
      const std::size_t i = idx[k];
      data_ << (k ? "," : "") << "{\"x\":" << num(t.numbers[static_cast<std::size_t>(x)][i])
            << ",\"y\":" << num(t.numbers[static_cast<std::size_t>(y)][i])
            << ",\"lo\":" << num(t.numbers[static_cast<std::size_t>(lo)][i])
            << ",\"hi\":" << num(t.numbers[static_cast<std::size_t>(hi)][i]) << "}";
    }
    data_ << "]}";
    b << "<div class=\"chart\" id=\"chart-x-" << offset + made << "\"></div>";
    ++made;
  }
  b << "</div>";
  return made;
}

}  // namespace carepath::outputs
