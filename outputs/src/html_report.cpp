// The HTML report: data gathered from a result file and the model, written as one page with
// the Vega modules inlined (see report_assets.cpp for the charts).
#include <carepath/outputs/html_report.hpp>

#include "extra_tables.hpp"
#include "flow_layout.hpp"
#include "report_assets.hpp"

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

namespace {

constexpr const char* kPalette[] = {"#005eb8", "#da291c", "#009639", "#ed8b00",
                                    "#7c2855", "#00a9ce", "#425563", "#ae2573"};
constexpr const char* kKinds[] = {"source", "triage", "service", "team", "beds", "delay", "exit"};
constexpr const char* kKindColours[] = {"#425563", "#00a9ce", "#005eb8", "#009639",
                                        "#7c2855", "#ed8b00", "#768692"};

// ------------------------------------------------------------------ text helpers

std::string html(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// JSON string; '<' escaped so that "</script>" in a name cannot end the data block.
std::string js(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '<') {
      out += "\\u003c";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Digits from the CI: two significant digits of the half-width.
int decimals(double half_width, double value) {
  if (std::isfinite(half_width) && half_width > 0) {
    return std::clamp(1 - static_cast<int>(std::floor(std::log10(half_width))), 0, 4);
  }
  const double a = std::fabs(value);
  if (!std::isfinite(a) || a >= 100 || a == std::round(a)) return 0;
  return a >= 1 ? 1 : 3;
}

// 12,345.6 style; "–" for NaN; Unicode minus.
std::string pretty(double v, int d, bool plus = false) {
  if (!std::isfinite(v)) return "&ndash;";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", d, std::fabs(v));
  std::string digits = buf;
  const auto dot = digits.find('.');
  std::string whole = digits.substr(0, dot);
  std::string grouped;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += ',';
    grouped += whole[i];
  }
  if (dot != std::string::npos) grouped += digits.substr(dot);
  const bool zero = grouped.find_first_not_of("0.,") == std::string::npos;
  if (v < 0 && !zero) return "&minus;" + grouped;
  if (plus && !zero) return "+" + grouped;
  return grouped;
}

std::string ci_text(double mean, double lo, double hi, double hw, bool plus = false) {
  const int d = decimals(hw, mean);
  if (!std::isfinite(hw)) return pretty(mean, d, plus);
  if (hw == 0) return pretty(mean, d, plus);
  return pretty(mean, d, plus) + " <span class=\"note\">(" + pretty(lo, d) + " to " +
         pretty(hi, d) + ")</span>";
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  std::size_t n = 0;
  for (const double x : v) {
    if (std::isfinite(x)) {
      s += x;
      ++n;
    }
  }
  return n > 0 ? s / static_cast<double>(n) : std::nan("");
}

// ------------------------------------------------------------------ the page

class Page {
 public:
  Page(const ResultReader& reader, const ReportModel& model, const HtmlReportOptions& options)
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

  void write(std::ostream& out) {
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

 private:
  [[nodiscard]] std::string title() const {
    return (m_.name.empty() ? std::string("carepath") : m_.name) + " results";
  }

  [[nodiscard]] std::string kpi_unit(const std::string& kpi) const {
    for (const auto& k : headline_) {
      if (k.name == kpi) return k.unit;
    }
    return "";
  }

  // Mean of a KPI over replications (NaN if absent).
  [[nodiscard]] double kpi_mean(const std::string& scenario, const std::string& kpi,
                                const std::string& year) const {
    const auto& ks = r_.kpis(scenario);
    if (std::none_of(ks.begin(), ks.end(), [&](const KpiDef& k) { return k.name == kpi; })) {
      return std::nan("");
    }
    return mean_of(r_.values(scenario, kpi, year));
  }

  void header(std::ostream& b) {
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
    for (std::size_t i = 0; i < scenarios_.size(); ++i)
      data_ << (i ? "," : "") << js(scenarios_[i]);
    data_ << "],\"years\":[";
    for (std::size_t i = 0; i < years_.size(); ++i) data_ << (i ? "," : "") << js(years_[i]);
    data_ << "],\"baseline\":" << js(baseline_) << ",\"lastYear\":" << last_year_
          << ",\"pngExport\":" << (o_.png_export ? "true" : "false") << ",\"palette\":[";
    for (std::size_t i = 0; i < std::size(kPalette); ++i)
      data_ << (i ? "," : "") << js(kPalette[i]);
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
  [[nodiscard]] std::string scenario_key() const {
    std::string out = "<p class=\"key\">";
    for (std::size_t i = 0; i < scenarios_.size(); ++i) {
      out += "<span><i style=\"background:" + std::string(kPalette[i % std::size(kPalette)]) +
             "\"></i>" + html(scenarios_[i]) + (scenarios_[i] == baseline_ ? " (baseline)" : "") +
             "</span>";
    }
    return out + "</p>";
  }

  void section_headline(std::ostream& b) {
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
          if (std::none_of(ks.begin(), ks.end(),
                           [&](const KpiDef& d) { return d.name == k.name; })) {
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
    b << "</table></div></section>\n";
  }

  void section_deltas(std::ostream& b) {
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
    data_ << "],\"targets\":[]";
    b << "<p class=\"note\">Plan targets: the model language has no way to declare a target yet, "
         "so none are marked.</p></section>\n";
  }

  void section_sites(std::ostream& b) {
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

  void heat_maps(std::ostream& b) {
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
                const auto how =
                    static_cast<std::size_t>(((hour / 24 + dow0) % 7) * 24 + hour % 24);
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

  void section_flows(std::ostream& b) {
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
    const FlowLayout lay = layout_flows(
        edges, kind, label, 1250, std::clamp(20.0 * static_cast<double>(nodes), 300.0, 900.0));
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
          b << "<td>" << (it == m.end() ? std::string("&ndash;") : pretty(it->second, 0))
            << "</td>";
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

  void section_extras(std::ostream& b) {
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
  std::size_t extra_charts(std::ostream& b, const ExtraTable& t, std::size_t offset) {
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

  void section_provenance(std::ostream& b) {
    const RunMeta& meta = r_.meta();
    char start[16];
    std::snprintf(start, sizeof start, "%04d-%02d-%02d", m_.start_year, m_.start_month,
                  m_.start_day);
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
  void stress_des(std::ostream& b, const char* start) {
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

  const ResultReader& r_;
  const ReportModel& m_;
  const HtmlReportOptions& o_;
  std::vector<std::string> scenarios_;
  std::vector<std::string> years_;
  std::string baseline_;
  std::size_t last_year_ = 0;
  std::vector<KpiDef> headline_;
  std::map<std::string, const ReportSite*> site_of_;
  std::ostringstream data_;
  const std::vector<KpiDef> empty_kpis_;
  const std::string empty_;
};

}  // namespace

void write_html_report(const ResultReader& reader, const ReportModel& model,
                       const HtmlReportOptions& options, std::ostream& out) {
  Page page(reader, model, options);
  page.write(out);
}

}  // namespace carepath::outputs
