// The HTML report: data gathered from a result file and the model, written as one page with
// the Vega modules inlined (see report_assets.cpp for the charts).
#include <carepath/outputs/html_report.hpp>
#include <carepath/outputs/report.hpp>

#include "page_text.hpp"
#include "report_assets.hpp"
#include "report_page.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

namespace fs = std::filesystem;

namespace carepath::outputs {

#ifndef CAREPATH_VEGA_DIR
#define CAREPATH_VEGA_DIR "/usr/share/javascript/vega"
#endif

fs::path find_vega_dir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("CAREPATH_VEGA_DIR"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
  candidates.emplace_back(CAREPATH_VEGA_DIR);
  candidates.emplace_back("/usr/share/javascript/vega");
  for (const auto& c : candidates) {
    if (fs::exists(c / "vega-view.min.js")) return c;
  }
  throw ResultFileError("the Vega JavaScript modules are missing (looked for vega-view.min.js in " +
                        candidates.front().string() +
                        "): install the Debian package libjs-vega, or set CAREPATH_VEGA_DIR");
}

std::vector<std::string> line_diff(const std::string& from, const std::string& to,
                                   std::size_t context) {
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  };
  const auto a = split(from);
  const auto b = split(to);
  // Trim the common head and tail, then LCS on the middle (scenario files differ in a few places).
  std::size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  std::size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head &&
         a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) {
    ++tail;
  }
  const std::size_t n = a.size() - head - tail;
  const std::size_t m = b.size() - head - tail;
  if (n == 0 && m == 0) return {};
  std::vector<std::vector<std::uint32_t>> lcs(n + 1, std::vector<std::uint32_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t j = m; j-- > 0;) {
      lcs[i][j] = a[head + i] == b[head + j] ? lcs[i + 1][j + 1] + 1
                                             : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  // Full edit script with all lines, then keep changes plus `context` lines around them.
  std::vector<std::string> script;
  for (std::size_t i = 0; i < head; ++i) script.push_back("  " + a[i]);
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[head + i] == b[head + j]) {
      script.push_back("  " + a[head + i]);
      ++i;
      ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      script.push_back("- " + a[head + i++]);  // removals before additions
    } else {
      script.push_back("+ " + b[head + j++]);
    }
  }
  for (std::size_t t = a.size() - tail; t < a.size(); ++t) script.push_back("  " + a[t]);
  std::vector<bool> keep(script.size(), false);
  for (std::size_t k = 0; k < script.size(); ++k) {
    if (script[k][0] == ' ') continue;
    const std::size_t lo = k >= context ? k - context : 0;
    const std::size_t hi = std::min(script.size() - 1, k + context);
    for (std::size_t q = lo; q <= hi; ++q) keep[q] = true;
  }
  std::vector<std::string> out;
  bool gap = false;
  for (std::size_t k = 0; k < script.size(); ++k) {
    if (!keep[k]) {
      gap = true;
      continue;
    }
    if (gap && !out.empty()) out.emplace_back("...");
    gap = false;
    out.push_back(script[k]);
  }
  return out;
}

using namespace page_text;

Page::Page(const ResultReader& reader, const ReportModel& model, const HtmlReportOptions& options)
    : r_(reader), m_(model), o_(options) {
  scenarios_ = r_.scenarios();
  years_ = r_.years();
  baseline_ = r_.meta().baseline;
  if (baseline_.empty() && !scenarios_.empty()) baseline_ = scenarios_.front();
  last_year_ = years_.empty() ? 0 : years_.size() - 1;
  const auto& kpis = scenarios_.empty() ? empty_kpis_ : r_.kpis(scenarios_.front());
  for (const auto& name : m_.headline) {
    for (const auto& k : kpis) {
      if (k.name == name) headline_.push_back(k);
    }
  }
  if (headline_.empty()) {
    for (std::size_t i = 0; i < kpis.size() && i < 8; ++i) headline_.push_back(kpis[i]);
  }
  for (const auto& s : m_.sites) site_of_[s.name] = &s;
}

void Page::write(std::ostream& out) {
  std::ostringstream body;
  header(body);
  section_headline(body);
  section_deltas(body);
  section_sites(body);
  section_flows(body);
  section_extras(body);
  section_provenance(body);
  data_ << "}";
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<title>" << html(title()) << "</title>\n<style>" << assets::style() << "</style>\n"
      << "<script>" << assets::prelude() << "</script>\n";
  const fs::path dir = o_.vega_dir.empty() ? find_vega_dir() : o_.vega_dir;
  for (const char* const* m = assets::vega_modules(); *m != nullptr; ++m) {
    const fs::path file = dir / (std::string(*m) + ".min.js");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ResultFileError(file.string() + ": cannot read (install libjs-vega)");
    std::ostringstream whole;
    whole << in.rdbuf();
    std::string text = whole.str();
    // A module must not close the script element early.
    for (std::size_t p = 0; (p = text.find("</script", p)) != std::string::npos; p += 9) {
      text.replace(p, 2, "<\\/");
    }
    out << "<script>/* " << *m << " (Debian libjs-vega) */\n(function(exports,module,require){\n"
        << text << "\n})(__m['" << *m << "']={},{},__r);</script>\n";
  }
  out << "<script>" << assets::vega_glue() << "</script>\n</head>\n<body>\n"
      << body.str()
      << "<div id=\"report-status\">rendering&hellip;</div>\n<script>window.D = " << data_.str()
      << ";</script>\n<script>" << assets::charts() << "</script>\n</body></html>\n";
}

std::string Page::title() const {
  return (m_.name.empty() ? std::string("carepath") : m_.name) + " results";
}

std::string Page::kpi_unit(const std::string& kpi) const {
  for (const auto& k : headline_) {
    if (k.name == kpi) return k.unit;
  }
  return "";
}

// Mean of a KPI over replications (NaN if absent).
double Page::kpi_mean(const std::string& scenario, const std::string& kpi,
                      const std::string& year) const {
  const auto& ks = r_.kpis(scenario);
  if (std::none_of(ks.begin(), ks.end(), [&](const KpiDef& k) { return k.name == kpi; })) {
    return std::nan("");
  }
  return mean_of(r_.values(scenario, kpi, year));
}

void Page::header(std::ostream& b) {
  const RunMeta& meta = r_.meta();
  b << "<header><h1>" << html(title()) << "</h1><p>" << scenarios_.size() << " scenarios, "
    << years_.size() << " years (" << html(years_.empty() ? "" : years_.front()) << " to "
    << html(years_.empty() ? "" : years_.back()) << "), " << meta.replications
    << " replications each; baseline <b>" << html(baseline_) << "</b>. Means with 95% confidence "
    << "intervals (Student t over replications). carepath " << html(meta.carepath_version)
    << ", file " << html(r_.path().filename().string()) << ".</p></header>\n"
    << "<nav><a href=\"#headline\">Headline</a><a href=\"#deltas\">Scenario deltas</a>"
    << "<a href=\"#sites\">Sites</a><a href=\"#flows\">Flows</a>"
    << "<a href=\"#sweeps\">Sweeps and sizing</a><a href=\"#provenance\">Model and "
       "provenance</a></nav>\n<main>\n";
  data_ << "{\"scenarios\":[";
  for (std::size_t i = 0; i < scenarios_.size(); ++i) data_ << (i ? "," : "") << js(scenarios_[i]);
  data_ << "],\"years\":[";
  for (std::size_t i = 0; i < years_.size(); ++i) data_ << (i ? "," : "") << js(years_[i]);
  data_ << "],\"baseline\":" << js(baseline_) << ",\"lastYear\":" << last_year_
        << ",\"pngExport\":" << (o_.png_export ? "true" : "false") << ",\"palette\":[";
  for (std::size_t i = 0; i < std::size(kPalette); ++i) data_ << (i ? "," : "") << js(kPalette[i]);
  data_ << "],\"kinds\":[";
  for (std::size_t i = 0; i < std::size(kKinds); ++i) data_ << (i ? "," : "") << js(kKinds[i]);
  data_ << "],\"kindColours\":[";
  for (std::size_t i = 0; i < std::size(kKindColours); ++i) {
    data_ << (i ? "," : "") << js(kKindColours[i]);
  }
  data_ << "],\"headline\":[";
  for (std::size_t i = 0; i < headline_.size(); ++i) {
    data_ << (i ? "," : "") << "{\"kpi\":" << js(headline_[i].name)
          << ",\"unit\":" << js(headline_[i].unit) << "}";
  }
  data_ << "]";
}

// Colour key of the scenarios (the charts share it, so it is drawn once per section).
std::string Page::scenario_key() const {
  std::string out = "<p class=\"key\">";
  for (std::size_t i = 0; i < scenarios_.size(); ++i) {
    out += "<span><i style=\"background:" + std::string(kPalette[i % std::size(kPalette)]) +
           "\"></i>" + html(scenarios_[i]) + (scenarios_[i] == baseline_ ? " (baseline)" : "") +
           "</span>";
  }
  return out + "</p>";
}

void Page::section_headline(std::ostream& b) {
  b << "<section id=\"headline\"><h2>Headline</h2><p class=\"note\">Each scenario's mean over "
       "replications per year; the band and bars are the 95% confidence interval of the mean.";
  if (m_.headline.empty()) b << " The model marks no headline KPIs: the first KPIs are shown.";
  b << "</p>" << scenario_key() << "<div class=\"grid\">";
  for (std::size_t i = 0; i < headline_.size(); ++i) {
    b << "<div class=\"chart\" id=\"chart-h-" << i << "\"></div>";
  }
  b << "</div>\n<h3>Table: mean (95% CI)</h3><div class=\"scroll\"><table><tr><th "
       "class=\"l\">KPI</th><th class=\"l\">unit</th><th class=\"l\">year</th>";
  for (const auto& s : scenarios_) b << "<th>" << html(s) << "</th>";
  b << "</tr>";
  data_ << ",\"summary\":[";
  bool first = true;
  for (const auto& k : headline_) {
    for (std::size_t y = 0; y < years_.size(); ++y) {
      b << "<tr><td class=\"l\">" << html(k.name) << "</td><td class=\"l\">" << html(k.unit)
        << "</td><td class=\"l\">" << html(years_[y]) << "</td>";
      for (const auto& s : scenarios_) {
        const auto& ks = r_.kpis(s);
        if (std::none_of(ks.begin(), ks.end(), [&](const KpiDef& d) { return d.name == k.name; })) {
          b << "<td>n/a</td>";
          continue;
        }
        const Summary st = summarise(r_.values(s, k.name, years_[y]));
        b << "<td>" << ci_text(st.mean, st.ci_low, st.ci_high, st.half_width) << "</td>";
        data_ << (first ? "" : ",") << "{\"kpi\":" << js(k.name) << ",\"scenario\":" << js(s)
              << ",\"year\":" << js(years_[y]) << ",\"yi\":" << y << ",\"mean\":" << num(st.mean)
              << ",\"lo\":" << num(std::isfinite(st.ci_low) ? st.ci_low : st.mean)
              << ",\"hi\":" << num(std::isfinite(st.ci_high) ? st.ci_high : st.mean) << "}";
        first = false;
      }
      b << "</tr>";
    }
  }
  data_ << "]";
  b << "</table></div>";
  section_targets(b);
  b << "</section>\n";
}

// The plan targets (scenarios/README.md, Targets): a line on the headline charts (D.targets)
// and a table of their status per scenario and year.
void Page::section_targets(std::ostream& b) {
  std::vector<TargetRow> rows;
  std::vector<std::string> scenario_of;
  std::vector<TargetDef> lines;
  for (const auto& s : r_.results().scenarios) {
    for (auto& t : evaluate_targets(s, r_.summary(s.name))) {
      rows.push_back(std::move(t));
      scenario_of.push_back(s.name);
    }
    for (const auto& t : s.targets)
      if (std::find(lines.begin(), lines.end(), t) == lines.end()) lines.push_back(t);
  }
  data_ << ",\"targets\":[";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    data_ << (i ? "," : "") << "{\"name\":" << js(lines[i].name) << ",\"kpi\":" << js(lines[i].kpi)
          << ",\"year\":" << js(lines[i].year) << ",\"bound\":" << num(lines[i].bound)
          << ",\"at_least\":" << (lines[i].at_least ? "true" : "false") << "}";
  }
  data_ << "]";
  if (rows.empty()) return;
  b << "<h3>Plan targets</h3><p class=\"note\">Dashed red lines on the charts above. Met: the "
       "whole 95% CI of the mean is on the target's side of the bound; not met: wholly on the "
       "other side; uncertain: the CI straddles the bound (more replications needed).</p>"
       "<div class=\"scroll\"><table><tr><th class=\"l\">scenario</th><th class=\"l\">target"
       "</th><th class=\"l\">KPI</th><th class=\"l\">year</th><th>bound</th><th>mean (95% CI)"
       "</th><th class=\"l\">status</th><th class=\"l\">label</th></tr>";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& t = rows[i];
    b << "<tr><td class=\"l\">" << html(scenario_of[i]) << "</td><td class=\"l\">"
      << html(t.target.name) << "</td><td class=\"l\">" << html(t.target.kpi)
      << "</td><td class=\"l\">" << html(t.year) << "</td><td>"
      << (t.target.at_least ? "&ge; " : "&le; ") << html(format_number(t.target.bound))
      << "</td><td>" << ci_text(t.stats.mean, t.stats.ci_low, t.stats.ci_high, t.stats.half_width)
      << "</td><td class=\"l\">" << target_status_name(t.status) << "</td><td class=\"l\">"
      << html(t.target.label) << "</td></tr>";
  }
  b << "</table></div>";
}

void Page::section_deltas(std::ostream& b) {
  b << "<section id=\"deltas\"><h2>Scenario deltas</h2>";
  data_ << ",\"deltas\":[";
  const auto& comps = r_.comparisons();
  if (comps.empty()) {
    b << "<p class=\"note\">No comparisons in this file (one scenario, or no baseline).</p>";
  } else {
    b << "<p class=\"note\">Difference scenario &minus; <b>" << html(baseline_)
      << "</b>, replications paired by common random numbers; 95% CI of the mean paired "
         "difference (Student t). Bold: the CI excludes 0. The first chart puts every headline "
         "KPI on one scale, as % of the baseline's mean in "
      << html(years_[last_year_]) << ".</p>" << scenario_key();
    b << "<div class=\"chart\" id=\"chart-d-pct\"></div><h3>Per KPI and year (in the KPI's "
         "unit)</h3><div class=\"grid\">";
    for (std::size_t i = 0; i < headline_.size(); ++i) {
      b << "<div class=\"chart\" id=\"chart-d-" << i << "\"></div>";
    }
    b << "</div><h3>Table: " << html(years_[last_year_])
      << ", difference (95% CI)</h3><table><tr><th class=\"l\">KPI</th><th "
         "class=\"l\">unit</th><th>"
      << html(baseline_) << " (mean)</th>";
    for (const auto& c : comps) b << "<th>" << html(c.scenario) << "</th>";
    b << "</tr>";
    bool first = true;
    for (const auto& k : headline_) {
      b << "<tr><td class=\"l\">" << html(k.name) << "</td><td class=\"l\">" << html(k.unit)
        << "</td><td>";
      bool base_done = false;
      std::ostringstream cells;
      for (const auto& c : comps) {
        const auto it = std::find(c.kpis.begin(), c.kpis.end(), k.name);
        if (it == c.kpis.end()) {
          cells << "<td>n/a</td>";
          continue;
        }
        const std::size_t ki = static_cast<std::size_t>(it - c.kpis.begin());
        for (std::size_t y = 0; y < years_.size(); ++y) {
          const PairedComparison& p = c.rows[ki * years_.size() + y].stats;
          const bool sig = std::isfinite(p.paired_low) && (p.paired_low > 0 || p.paired_high < 0);
          const double scale = p.mean_a != 0 ? 100.0 / std::fabs(p.mean_a) : std::nan("");
          data_ << (first ? "" : ",") << "{\"kpi\":" << js(k.name)
                << ",\"scenario\":" << js(c.scenario) << ",\"year\":" << js(years_[y])
                << ",\"yi\":" << y << ",\"diff\":" << num(p.mean_diff)
                << ",\"lo\":" << num(std::isfinite(p.paired_low) ? p.paired_low : p.mean_diff)
                << ",\"hi\":" << num(std::isfinite(p.paired_high) ? p.paired_high : p.mean_diff)
                << ",\"pct\":" << num(p.mean_diff * scale) << ",\"pct_lo\":"
                << num((std::isfinite(p.paired_low) ? p.paired_low : p.mean_diff) * scale)
                << ",\"pct_hi\":"
                << num((std::isfinite(p.paired_high) ? p.paired_high : p.mean_diff) * scale)
                << ",\"sig\":" << (sig ? "true" : "false") << "}";
          first = false;
          if (y != last_year_) continue;
          if (!base_done) {
            b << pretty(p.mean_a, decimals(p.welch_half_width, p.mean_a));
            base_done = true;
          }
          cells << "<td" << (sig ? (p.mean_diff > 0 ? " class=\"up\"" : " class=\"down\"") : "")
                << ">" << (sig ? "<b>" : "")
                << ci_text(p.mean_diff, p.paired_low, p.paired_high, p.paired_half_width, true)
                << (sig ? "</b>" : "") << "</td>";
        }
      }
      b << "</td>" << cells.str() << "</tr>";
    }
    b << "</table><p class=\"note\">Colours only mark direction (red = higher than the baseline, "
         "green = lower), not whether that is good.</p>";
  }
  data_ << "]";
  b << "<p class=\"note\">Plan targets are shown with the headline charts (a bound on a KPI's "
       "level, not on a change).</p></section>\n";
}

void Page::section_provenance(std::ostream& b) {
  const RunMeta& meta = r_.meta();
  char start[16];
  std::snprintf(start, sizeof start, "%04d-%02d-%02d", m_.start_year, m_.start_month, m_.start_day);
  b << "<section id=\"provenance\"><h2>Model and provenance</h2><table class=\"kv\">"
    << "<tr><td>model</td><td><b>" << html(m_.name) << "</b> " << html(m_.description)
    << "</td></tr><tr><td>carepath</td><td>" << html(meta.carepath_version) << " (commit "
    << html(meta.git_commit) << ")</td></tr><tr><td>command</td><td><code>"
    << html(meta.command_line) << "</code></td></tr><tr><td>written</td><td>"
    << html(meta.created_utc) << " UTC</td></tr><tr><td>master seed</td><td>" << meta.master_seed
    << "</td></tr><tr><td>replications</td><td>" << meta.replications
    << " per scenario</td></tr><tr><td>horizon</td><td>" << start << " (time zero of the "
    << "file), " << years_.size() << " financial years ("
    << html(years_.empty() ? "" : years_.front()) << " to "
    << html(years_.empty() ? "" : years_.back()) << ")</td></tr><tr><td>warm-up</td><td>"
    << pretty(m_.warmup_days, 1) << " days before the horizon start, not reported</td></tr>"
    << "<tr><td>scenarios</td><td>";
  for (const auto& c : r_.scenario_configs()) {
    b << html(c.name) << " <span class=\"badge\">fnv1a64 " << html(c.hash) << "</span> ";
  }
  b << "</td></tr></table>";
  // Scenario differences from the baseline's resolved model.
  const auto& configs = r_.scenario_configs();
  const auto base = std::find_if(configs.begin(), configs.end(),
                                 [&](const ScenarioConfig& c) { return c.name == baseline_; });
  if (base != configs.end()) {
    b << "<h3>What each scenario changes</h3><p class=\"note\">Line differences of each "
         "scenario's resolved model (as simulated, stored in /meta/scenarios) from <b>"
      << html(baseline_) << "</b>'s.</p>";
    for (const auto& c : configs) {
      if (c.name == baseline_) continue;
      const auto diff = line_diff(base->yaml, c.yaml, 1);
      std::size_t changes = 0;
      for (const auto& l : diff) changes += (l[0] == '+' || l[0] == '-') ? 1 : 0;
      b << "<details><summary>" << html(c.name) << ": " << changes
        << " changed lines</summary><pre class=\"diff\">";
      for (std::size_t i = 0; i < diff.size() && i < 600; ++i) {
        const char k = diff[i][0];
        b << (k == '+'   ? "<span class=\"a\">"
              : k == '-' ? "<span class=\"r\">"
                         : "<span>")
          << html(diff[i]) << "</span>\n";
      }
      if (diff.size() > 600) b << "... (" << diff.size() - 600 << " more lines)\n";
      b << "</pre></details>";
    }
  }
  b << "<h3>Assumptions</h3>";
  if (m_.assumptions.empty()) {
    b << "<p class=\"note\">No ASSUMPTION lines found"
      << (m_.model_files.empty() ? " (the model files were not found: pass --model PATH)" : "")
      << ".</p>";
  } else {
    b << "<details><summary>" << m_.assumptions.size()
      << " lines marked ASSUMPTION in the model files</summary><div class=\"scroll\"><table>";
    for (const auto& a : m_.assumptions) {
      b << "<tr><td class=\"l\"><code>" << html(a.where) << "</code></td><td class=\"l\">"
        << html(a.text) << "</td></tr>";
    }
    b << "</table></div></details>";
  }
  stress_des(b, start);
  b << "</section>\n</main>\n";
}

// STRESS-DES (Monks et al. 2019) sections 4 (experimentation) and 5 (implementation).
void Page::stress_des(std::ostream& b, const char* start) {
  const RunMeta& meta = r_.meta();
  b << "<h3>STRESS-DES checklist, sections 4 and 5 (filled in from this file)</h3><table "
       "class=\"kv\"><tr><th class=\"l\">item</th><th class=\"l\">report</th></tr>"
    << "<tr><td>4.1 Initialisation</td><td>Warm-up of " << pretty(m_.warmup_days, 1)
    << " days simulated before the horizon start (" << start
    << ") and discarded: no KPI, time-series sample or event-log row comes from it. Sites "
       "with an <code>initial</code> census start with those patients in place.</td></tr>"
    << "<tr><td>4.2 Run length</td><td>" << years_.size() << " financial years per replication";
  if (!years_.empty()) b << " (" << html(years_.front()) << " to " << html(years_.back()) << ")";
  b << "; terminating runs, KPIs reported per financial year.</td></tr>"
    << "<tr><td>4.3 Estimation approach</td><td>" << meta.replications
    << " independent replications per scenario; 95% confidence intervals of each KPI's mean "
       "by Student t (n &minus; 1 df); scenarios compared with "
    << html(baseline_)
    << " by paired differences over common random numbers (the same replication uses the "
       "same streams in every scenario), with the unpaired Welch interval and the variance "
       "reduction kept in the file.</td></tr>"
    << "<tr><td>5.1 Software</td><td>carepath " << html(meta.carepath_version) << " (commit "
    << html(meta.git_commit)
    << "), C++20; SimGrid 3.32 as the clock of system processes; HDF5 result file; this "
       "report drawn with Vega (Debian libjs-vega).</td></tr>"
    << "<tr><td>5.2 Random sampling</td><td>Master seed " << meta.master_seed
    << "; one random stream per purpose derived from (seed, replication, stream name); each "
       "patient's draws from substreams keyed by arrival stream, arrival number and visit, so "
       "scenarios share them (common random numbers).</td></tr>"
    << "<tr><td>5.3 Model execution</td><td>Discrete-event simulation: patients are data on "
       "carepath's own event calendar (4-ary heap, ties ordered by time, priority and "
       "sequence); rosters and yearly changes run as SimGrid processes. Each replication runs "
       "in its own process; results are bit-identical whatever the number of processes (this "
       "run used "
    << meta.processes << ").</td></tr>"
    << "<tr><td>5.4 System specification</td><td>Not recorded in the result file (the "
       "results do not depend on it). Command: <code>"
    << html(meta.command_line) << "</code>.</td></tr></table>";
}

void write_html_report(const ResultReader& reader, const ReportModel& model,
                       const HtmlReportOptions& options, std::ostream& out) {
  Page page(reader, model, options);
  page.write(out);
}

}  // namespace carepath::outputs
