// Text and CSV for the compare / export / summary / run commands.
#include <carepath/outputs/report.hpp>
#include <carepath/outputs/vidigi_export.hpp>

#include "page_text.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <queue>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <unordered_map>

namespace fs = std::filesystem;

namespace carepath::outputs {

// ==================================================================== formatting helpers

std::string format_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, res.ptr);
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

namespace {

// Decimals that match the precision of an estimate: two significant digits of the CI
// half-width; if there is no half-width, by the magnitude of the value.
int decimals_for(double half_width, double value) {
  if (std::isfinite(half_width) && half_width > 0) {
    const int d = 1 - static_cast<int>(std::floor(std::log10(half_width)));
    return std::clamp(d, 0, 6);
  }
  const double a = std::fabs(value);
  if (!std::isfinite(a) || a >= 100) return 0;
  if (a >= 1) return 2;
  return 4;
}

// The lower bound shown for a KPI's level: every KPI (counts, times, occupancies, percentages,
// costs) is non-negative, so its Student-t interval is shown truncated at 0. Differences between
// scenarios keep their full interval; CSV, JSON and HDF5 keep mean - half_width.
double shown_low(double ci_low) {
  return std::isfinite(ci_low) ? std::max(0.0, ci_low) : ci_low;
}

std::string fixed(double v, int decimals, bool plus = false) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, plus ? "%+.*f" : "%.*f", decimals, v);
  std::string s = buf;
  if (s == "-0" ||
      (s.size() > 1 && s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos)) {
    s = s.substr(1);  // no "-0.00"
  }
  if (plus && s.find_first_not_of("+-0.") == std::string::npos) s = s.substr(1);  // "0.00"
  return s;
}

std::string cell(std::string_view s) {
  if (s.empty()) return "-";
  std::string out(s);
  for (char& c : out) {
    if (c == ' ' || c == '\t') c = '_';
  }
  return out;
}

// Aligned plain-ASCII table: columns separated by two spaces, `right[i]` right-aligns column i,
// no trailing spaces. An empty row prints as an empty line.
std::string render(const std::vector<std::vector<std::string>>& rows,
                   const std::vector<bool>& right) {
  std::vector<std::size_t> width;
  for (const auto& r : rows) {
    if (width.size() < r.size()) width.resize(r.size(), 0);
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (i > 0) line += "  ";
      const std::size_t pad = width[i] - r[i].size();
      const bool ra = i < right.size() && right[i];
      if (ra) line.append(pad, ' ');
      line += r[i];
      if (!ra) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

std::string resolve_baseline(const ResultReader& reader, std::string baseline) {
  if (baseline.empty()) baseline = reader.meta().baseline;
  if (baseline.empty() && !reader.results().scenarios.empty()) {
    baseline = reader.results().scenarios.front().name;
  }
  return baseline;
}

}  // namespace

// ==================================================================== selection

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with one backtrack point for the last '*'.
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;
  std::size_t mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool KpiSelection::shows_kpi(std::string_view kpi) const {
  if (!patterns.empty()) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& g) { return glob_match(g, kpi); });
  }
  if (all || headline.empty()) return true;
  return std::find(headline.begin(), headline.end(), kpi) != headline.end();
}

bool KpiSelection::shows_year(std::string_view year) const {
  if (years.empty()) return true;
  return std::any_of(years.begin(), years.end(), [&](const std::string& y) {
    return y == year ||
           (year.size() > y.size() && year.substr(0, y.size()) == y && year[y.size()] == '/');
  });
}

std::vector<std::string> selected_kpis(const KpiSelection& selection,
                                       const std::vector<KpiDef>& kpis) {
  for (const auto& g : selection.patterns) {
    if (std::none_of(kpis.begin(), kpis.end(),
                     [&](const KpiDef& k) { return glob_match(g, k.name); })) {
      throw std::invalid_argument("--kpi " + g + ": no KPI matches (see summary --all)");
    }
  }
  std::vector<std::string> out;
  for (const auto& k : kpis) {
    if (selection.shows_kpi(k.name)) out.push_back(k.name);
  }
  return out;
}

std::vector<std::string> selected_years(const KpiSelection& selection,
                                        const std::vector<std::string>& years) {
  for (const auto& y : selection.years) {
    KpiSelection one;
    one.years = {y};
    if (std::none_of(years.begin(), years.end(),
                     [&](const std::string& label) { return one.shows_year(label); })) {
      std::string known;
      for (const auto& label : years) known += (known.empty() ? "" : ", ") + label;
      throw std::invalid_argument("--year " + y + ": no such year (the file has " + known + ")");
    }
  }
  std::vector<std::string> out;
  for (const auto& y : years) {
    if (selection.shows_year(y)) out.push_back(y);
  }
  return out;
}

namespace {

// "mean+-h" with digits following the CI; the mean alone when there is no CI.
std::string mean_cell(double mean, double half_width, bool plus = false) {
  if (half_width == 0) {  // no spread (often a structural 0): the value alone
    return fixed(mean, mean == std::round(mean) ? 0 : decimals_for(half_width, mean), plus);
  }
  const int d = decimals_for(half_width, mean);
  if (!std::isfinite(half_width)) return fixed(mean, d, plus);
  // A level (not a difference) is never negative: where mean - h < 0 the interval is shown
  // truncated at 0, as (0-high), never as a negative count.
  if (!plus && mean - half_width < 0) {
    return fixed(mean, d) + " (" + fixed(shown_low(mean - half_width), d) + "-" +
           fixed(mean + half_width, d) + ")";
  }
  return fixed(mean, d, plus) + "+-" + fixed(half_width, d);
}

std::size_t year_index(const std::vector<std::string>& years, const std::string& y) {
  return static_cast<std::size_t>(std::find(years.begin(), years.end(), y) - years.begin());
}

std::string unit_of(const ResultSet& results, const std::string& kpi) {
  for (const auto& s : results.scenarios) {
    const std::size_t k = s.kpi_index(kpi);
    if (k != std::string::npos) return s.kpis[k].unit;
  }
  return "";
}

}  // namespace

// ==================================================================== compare

std::string compare_table(const ResultSet& results, const std::string& baseline,
                          const KpiSelection& selection) {
  const ScenarioResults& base = results.at(baseline);
  std::vector<Comparison> comps;
  for (const auto& s : results.scenarios) {
    if (s.name != baseline) comps.push_back(compare_scenarios(results, s, base));
  }
  const std::size_t n =
      comps.empty() ? base.replications.size() : comps.front().replications.size();
  std::ostringstream out;
  out << "Scenarios against baseline \"" << baseline << "\": delta = scenario - baseline, mean of "
      << n << " replications\npaired by common random numbers, +- the 95% CI half-width "
      << "(Student t, n - 1 df).\n";
  if (comps.empty()) {
    out << "\n(no other scenario to compare)\n";
    return out.str();
  }
  const std::vector<std::string> kpis = selected_kpis(selection, base.kpis);
  const std::vector<std::string> years = selected_years(selection, results.years);
  const std::size_t ny = results.years.size();
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head{"year", "kpi", "unit", cell(baseline)};
  for (const auto& c : comps) head.push_back(cell(c.scenario));
  rows.push_back(head);
  for (const auto& y : years) {
    const std::size_t yi = year_index(results.years, y);
    if (rows.size() > 1) rows.emplace_back();
    for (const auto& kpi : kpis) {
      std::vector<std::string> r{cell(y), cell(kpi), cell(unit_of(results, kpi))};
      const std::size_t bk = base.kpi_index(kpi);
      const Summary bs = summarise(base.column(yi, bk, ny));
      r.push_back(bs.half_width == 0 ? mean_cell(bs.mean, 0)  // no spread: "0", not "0.0000"
                                     : fixed(bs.mean, decimals_for(bs.half_width, bs.mean)));
      for (const auto& c : comps) {
        const auto it = std::find(c.kpis.begin(), c.kpis.end(), kpi);
        if (it == c.kpis.end()) {
          r.emplace_back("n/a");
          continue;
        }
        const auto k = static_cast<std::size_t>(it - c.kpis.begin());
        const PairedComparison& p = c.rows[k * ny + yi].stats;
        const bool sig = std::isfinite(p.paired_low) && (p.paired_low > 0 || p.paired_high < 0);
        r.push_back(mean_cell(p.mean_diff, p.paired_half_width, true) + (sig ? "*" : ""));
      }
      rows.push_back(std::move(r));
    }
  }
  std::vector<bool> right(head.size(), true);
  right[0] = right[1] = right[2] = false;
  out << '\n' << render(rows, right);
  out << "\n* = the 95% CI of the paired difference excludes 0. " << kpis.size() << " of "
      << base.kpis.size() << " KPIs"
      << (selection.patterns.empty() && !selection.all ? " (headline; --all for every KPI)" : "")
      << ".\n";
  return out.str();
}

std::string compare_table(const ResultReader& reader, std::string baseline,
                          const KpiSelection& selection) {
  return compare_table(reader.results(), resolve_baseline(reader, std::move(baseline)), selection) +
         targets_table(reader);
}

// ==================================================================== summary

namespace {

// One row per (year, KPI), one "mean+-h" column per scenario.
std::string means_table(const ResultSet& results, const std::vector<std::string>& kpis,
                        const std::vector<std::string>& years) {
  const std::size_t ny = results.years.size();
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head{"year", "kpi", "unit"};
  for (const auto& s : results.scenarios) head.push_back(cell(s.name));
  rows.push_back(head);
  for (const auto& y : years) {
    const std::size_t yi = year_index(results.years, y);
    if (yi >= ny) continue;
    if (rows.size() > 1) rows.emplace_back();
    for (const auto& kpi : kpis) {
      std::vector<std::string> r{cell(y), cell(kpi), cell(unit_of(results, kpi))};
      for (const auto& s : results.scenarios) {
        const std::size_t k = s.kpi_index(kpi);
        if (k == std::string::npos) {
          r.emplace_back("n/a");
          continue;
        }
        const Summary st = summarise(s.column(yi, k, ny));
        r.push_back(mean_cell(st.mean, st.half_width));
      }
      rows.push_back(std::move(r));
    }
  }
  std::vector<bool> right(head.size(), true);
  right[0] = right[1] = right[2] = false;
  return render(rows, right);
}

}  // namespace

std::string targets_table(const ResultReader& reader) {
  std::vector<std::vector<std::string>> rows{
      {"scenario", "target", "kpi", "year", "bound", "mean+-95%CI", "unit", "status"}};
  for (const auto& s : reader.results().scenarios) {
    if (s.targets.empty()) continue;
    for (const auto& t : evaluate_targets(s, reader.summary(s.name))) {
      rows.push_back(
          {cell(s.name), cell(t.target.name), cell(t.target.kpi), cell(t.year),
           std::string(t.target.at_least ? ">= " : "<= ") + format_number(t.target.bound),
           mean_cell(t.stats.mean, t.stats.half_width), cell(t.unit),
           target_status_name(t.status)});
    }
  }
  if (rows.size() == 1) return "";
  return "\nPlan targets: met = the whole 95% CI on the target's side of the bound, not met = "
         "wholly on the other side, uncertain = the CI straddles the bound (more "
         "replications)\n\n" +
         render(rows, {false, false, false, false, true, true, false, false});
}

std::string summary_text(const ResultReader& reader, const KpiSelection& selection) {
  const RunMeta& m = reader.meta();
  std::ostringstream out;
  out << "Result file    " << reader.path().string() << '\n'
      << "carepath       " << m.carepath_version << " (commit " << m.git_commit << ")\n"
      << "written (UTC)  " << m.created_utc << '\n'
      << "command        " << m.command_line << '\n'
      << "master seed    " << m.master_seed << '\n'
      << "replications   " << m.replications << '\n'
      << "processes      " << m.processes << '\n'
      << "years          ";
  for (std::size_t i = 0; i < m.years.size(); ++i) out << (i ? ", " : "") << m.years[i];
  out << "\nbaseline       " << (m.baseline.empty() ? "(none)" : m.baseline) << '\n'
      << "scenarios\n";
  for (const auto& c : reader.scenario_configs()) {
    out << "  " << c.name << "  (config fnv1a64 " << c.hash << ")\n";
  }
  const ResultSet& set = reader.results();
  if (set.scenarios.empty()) return out.str();
  const auto& all_kpis = set.scenarios.front().kpis;
  const std::vector<std::string> kpis = selected_kpis(selection, all_kpis);
  out << "\nMean over replications +- the 95% CI half-width (Student t); " << kpis.size() << " of "
      << all_kpis.size() << " KPIs"
      << (selection.patterns.empty() && !selection.all ? " (headline; --all for every KPI)" : "")
      << "\n\n"
      << means_table(set, kpis, selected_years(selection, set.years)) << targets_table(reader);
  return out.str();
}

namespace {

// One JSON string writer for the whole layer (page_text::js, which the HTML report uses too).
std::string json_string(std::string_view s) {
  return page_text::js(s);
}

std::string json_number(double v) {
  return std::isfinite(v) ? format_number(v) : "null";
}

}  // namespace

std::string summary_json(const ResultReader& reader) {
  const RunMeta& m = reader.meta();
  std::ostringstream o;
  o << "{\n  \"file\": " << json_string(reader.path().string()) << ",\n  \"meta\": {"
    << "\"carepath_version\": " << json_string(m.carepath_version)
    << ", \"git_commit\": " << json_string(m.git_commit)
    << ", \"created_utc\": " << json_string(m.created_utc)
    << ", \"command_line\": " << json_string(m.command_line)
    << ", \"master_seed\": " << m.master_seed << ", \"replications\": " << m.replications
    << ", \"processes\": " << m.processes << ", \"baseline\": " << json_string(m.baseline)
    << "},\n  \"years\": [";
  for (std::size_t i = 0; i < m.years.size(); ++i) o << (i ? ", " : "") << json_string(m.years[i]);
  o << "],\n  \"scenarios\": [";
  const auto& configs = reader.scenario_configs();
  const auto& scen = reader.results().scenarios;
  for (std::size_t si = 0; si < scen.size(); ++si) {
    const auto& s = scen[si];
    o << (si ? "," : "") << "\n    {\"name\": " << json_string(s.name)
      << ", \"config_hash\": " << json_string(si < configs.size() ? configs[si].hash : "")
      << ", \"replications\": [";
    for (std::size_t i = 0; i < s.replications.size(); ++i) {
      o << (i ? ", " : "") << s.replications[i];
    }
    o << "],\n     \"kpis\": [";
    for (std::size_t k = 0; k < s.kpis.size(); ++k) {
      o << (k ? ", " : "") << "{\"name\": " << json_string(s.kpis[k].name)
        << ", \"unit\": " << json_string(s.kpis[k].unit)
        << ", \"description\": " << json_string(s.kpis[k].description) << "}";
    }
    o << "],\n     \"summary\": [";
    const auto& rows = reader.summary(s.name);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& st = rows[i].stats;
      o << (i ? "," : "") << "\n       {\"kpi\": " << json_string(rows[i].kpi)
        << ", \"unit\": " << json_string(rows[i].unit)
        << ", \"year\": " << json_string(rows[i].year) << ", \"n\": " << st.n
        << ", \"mean\": " << json_number(st.mean) << ", \"sd\": " << json_number(st.sd)
        << ", \"ci95_low\": " << json_number(st.ci_low)
        << ", \"ci95_high\": " << json_number(st.ci_high)
        << ", \"half_width\": " << json_number(st.half_width) << "}";
    }
    o << "]";
    if (!s.targets.empty()) {
      o << ",\n     \"targets\": [";
      const auto targets = evaluate_targets(s, rows);
      for (std::size_t i = 0; i < targets.size(); ++i) {
        const auto& t = targets[i];
        o << (i ? "," : "") << "\n       {\"name\": " << json_string(t.target.name)
          << ", \"kpi\": " << json_string(t.target.kpi) << ", \"year\": " << json_string(t.year)
          << ", \"direction\": " << json_string(t.target.at_least ? "at_least" : "at_most")
          << ", \"bound\": " << json_number(t.target.bound)
          << ", \"mean\": " << json_number(t.stats.mean)
          << ", \"ci95_low\": " << json_number(t.stats.ci_low)
          << ", \"ci95_high\": " << json_number(t.stats.ci_high)
          << ", \"status\": " << json_string(target_status_name(t.status))
          << ", \"label\": " << json_string(t.target.label) << "}";
      }
      o << "]";
    }
    o << "}";
  }
  o << "\n  ],\n  \"comparisons\": [";
  const auto& comps = reader.comparisons();
  for (std::size_t ci = 0; ci < comps.size(); ++ci) {
    const auto& c = comps[ci];
    o << (ci ? "," : "") << "\n    {\"scenario\": " << json_string(c.scenario)
      << ", \"baseline\": " << json_string(c.baseline) << ", \"rows\": [";
    for (std::size_t i = 0; i < c.rows.size(); ++i) {
      const auto& p = c.rows[i].stats;
      o << (i ? "," : "") << "\n       {\"kpi\": " << json_string(c.rows[i].kpi)
        << ", \"unit\": " << json_string(c.rows[i].unit)
        << ", \"year\": " << json_string(c.rows[i].year) << ", \"n\": " << p.n
        << ", \"mean_baseline\": " << json_number(p.mean_a)
        << ", \"mean_scenario\": " << json_number(p.mean_b)
        << ", \"mean_diff\": " << json_number(p.mean_diff)
        << ", \"sd_diff\": " << json_number(p.sd_diff)
        << ", \"paired_ci95_low\": " << json_number(p.paired_low)
        << ", \"paired_ci95_high\": " << json_number(p.paired_high)
        << ", \"welch_ci95_low\": " << json_number(p.welch_low)
        << ", \"welch_ci95_high\": " << json_number(p.welch_high)
        << ", \"welch_df\": " << json_number(p.welch_df)
        << ", \"variance_reduction\": " << json_number(p.variance_reduction) << "}";
    }
    o << "]}";
  }
  o << "\n  ]\n}\n";
  return o.str();
}

// ==================================================================== headline

std::string headline_table(const ResultSet& results, const std::vector<std::string>& kpis_in,
                           const std::vector<std::string>& years_in) {
  std::vector<std::string> kpis = kpis_in;
  if (kpis.empty() && !results.scenarios.empty()) {
    for (const auto& k : results.scenarios.front().kpis) kpis.push_back(k.name);
  }
  const std::vector<std::string>& years = years_in.empty() ? results.years : years_in;
  return "Mean over replications +- the 95% CI half-width\n" + means_table(results, kpis, years);
}

std::string headline_table(const ResultReader& reader, const std::vector<std::string>& kpis,
                           const std::vector<std::string>& years) {
  return headline_table(reader.results(), kpis, years);
}

// ==================================================================== CSV export

namespace {

// A CSV file written as `<name>.tmp` and renamed to `<name>` by close(), once complete: a full
// disk or a crash never leaves a half-written file under the final name.
class CsvFile {
 public:
  explicit CsvFile(const fs::path& p)
      : path_(p), tmp_(p.string() + ".tmp"), out_(tmp_, std::ios::binary | std::ios::trunc) {
    if (!out_) fail("cannot create");
  }
  ~CsvFile() {
    if (closed_) return;
    out_.close();
    std::error_code ec;
    fs::remove(tmp_, ec);
  }
  CsvFile(const CsvFile&) = delete;
  CsvFile& operator=(const CsvFile&) = delete;
  CsvFile& row(std::initializer_list<std::string_view> fields) {
    errno = 0;
    bool first = true;
    for (const auto f : fields) {
      if (!first) out_ << ',';
      out_ << csv_field(f);
      first = false;
    }
    out_ << '\n';
    if (!out_) fail("write failed");  // at once, while errno still says why
    return *this;
  }
  void close() {
    errno = 0;
    out_.flush();
    if (!out_) fail("write failed");
    out_.close();
    if (!out_) fail("write failed");
    std::error_code ec;
    fs::rename(tmp_, path_, ec);
    if (ec) throw ResultFileError(path_.string() + ": cannot rename from .tmp: " + ec.message());
    closed_ = true;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    const int err = errno;
    std::string msg = path_.string() + ": " + what;
    if (err == ENOSPC || err == EDQUOT) {
      msg += ": no space left on device";
    } else if (err != 0) {
      msg += std::string(": ") + std::strerror(err);
    }
    throw ResultFileError(msg);
  }

  fs::path path_;
  fs::path tmp_;
  std::ofstream out_;
  bool closed_ = false;
};

}  // namespace

std::vector<fs::path> export_csv(const ResultReader& reader, const fs::path& dir,
                                 const ExportOptions& options) {
  fs::create_directories(dir);
  std::vector<fs::path> written;
  const ResultSet& set = reader.results();
  const std::size_t ny = set.years.size();
  const auto headline = [&](std::string_view kpi) -> std::string_view {
    const auto& h = options.headline;
    return std::find(h.begin(), h.end(), kpi) != h.end() ? "1" : "0";
  };
  {
    CsvFile f(dir / "meta.csv");
    const RunMeta& m = reader.meta();
    f.row({"key", "value"});
    f.row({"carepath_version", m.carepath_version});
    f.row({"git_commit", m.git_commit});
    f.row({"created_utc", m.created_utc});
    f.row({"command_line", m.command_line});
    f.row({"master_seed", std::to_string(m.master_seed)});
    f.row({"replications", std::to_string(m.replications)});
    f.row({"processes", std::to_string(m.processes)});
    f.row({"baseline", m.baseline});
    for (const auto& c : reader.scenario_configs()) f.row({"config_hash." + c.name, c.hash});
    f.close();
    written.push_back(dir / "meta.csv");
  }
  {
    CsvFile f(dir / "kpis.csv");
    f.row({"scenario", "kpi", "unit", "description", "headline"});
    for (const auto& s : set.scenarios) {
      for (const auto& k : s.kpis) f.row({s.name, k.name, k.unit, k.description, headline(k.name)});
    }
    f.close();
    written.push_back(dir / "kpis.csv");
  }
  {
    CsvFile f(dir / "kpi_values.csv");
    f.row({"scenario", "replication", "year", "kpi", "unit", "value", "headline"});
    for (const auto& s : set.scenarios) {
      for (std::size_t r = 0; r < s.replications.size(); ++r) {
        const std::string rep = std::to_string(s.replications[r]);
        for (std::size_t y = 0; y < ny; ++y) {
          for (std::size_t k = 0; k < s.kpis.size(); ++k) {
            f.row({s.name, rep, set.years[y], s.kpis[k].name, s.kpis[k].unit,
                   format_number(s.value(r, y, k, ny)), headline(s.kpis[k].name)});
          }
        }
      }
    }
    f.close();
    written.push_back(dir / "kpi_values.csv");
  }
  {
    CsvFile f(dir / "summary.csv");
    f.row({"scenario", "year", "kpi", "unit", "n", "mean", "sd", "ci95_low", "ci95_high",
           "half_width", "headline"});
    for (const auto& s : set.scenarios) {
      for (const auto& r : reader.summary(s.name)) {
        const Summary& st = r.stats;
        f.row({s.name, r.year, r.kpi, r.unit, std::to_string(st.n), format_number(st.mean),
               format_number(st.sd), format_number(st.ci_low), format_number(st.ci_high),
               format_number(st.half_width), headline(r.kpi)});
      }
    }
    f.close();
    written.push_back(dir / "summary.csv");
  }
  if (std::any_of(set.scenarios.begin(), set.scenarios.end(),
                  [](const ScenarioResults& s) { return !s.targets.empty(); })) {
    CsvFile f(dir / "targets.csv");
    f.row({"scenario", "target", "kpi", "year", "direction", "bound", "unit", "n", "mean",
           "ci95_low", "ci95_high", "status", "label"});
    for (const auto& s : set.scenarios) {
      for (const auto& t : evaluate_targets(s, reader.summary(s.name))) {
        f.row({s.name, t.target.name, t.target.kpi, t.year,
               t.target.at_least ? "at_least" : "at_most", format_number(t.target.bound), t.unit,
               std::to_string(t.stats.n), format_number(t.stats.mean),
               format_number(t.stats.ci_low), format_number(t.stats.ci_high),
               target_status_name(t.status), t.target.label});
      }
    }
    f.close();
    written.push_back(dir / "targets.csv");
  }
  {
    CsvFile f(dir / "comparisons.csv");
    f.row({"scenario", "baseline", "year", "kpi", "unit", "n", "mean_baseline", "mean_scenario",
           "mean_diff", "sd_diff", "paired_ci95_low", "paired_ci95_high", "paired_half_width",
           "welch_ci95_low", "welch_ci95_high", "welch_half_width", "welch_df",
           "variance_reduction", "headline"});
    CsvFile g(dir / "paired_differences.csv");
    g.row({"scenario", "baseline", "replication", "year", "kpi", "unit", "difference", "headline"});
    for (const auto& c : reader.comparisons()) {
      for (const auto& r : c.rows) {
        const PairedComparison& p = r.stats;
        f.row({c.scenario, c.baseline, r.year, r.kpi, r.unit, std::to_string(p.n),
               format_number(p.mean_a), format_number(p.mean_b), format_number(p.mean_diff),
               format_number(p.sd_diff), format_number(p.paired_low), format_number(p.paired_high),
               format_number(p.paired_half_width), format_number(p.welch_low),
               format_number(p.welch_high), format_number(p.welch_half_width),
               format_number(p.welch_df), format_number(p.variance_reduction), headline(r.kpi)});
      }
      const ScenarioResults& s = set.at(c.scenario);
      for (std::size_t r = 0; r < c.replications.size(); ++r) {
        const std::string rep = std::to_string(c.replications[r]);
        for (std::size_t y = 0; y < ny; ++y) {
          for (std::size_t k = 0; k < c.kpis.size(); ++k) {
            const std::size_t ki = s.kpi_index(c.kpis[k]);
            g.row({c.scenario, c.baseline, rep, set.years[y], c.kpis[k],
                   ki == std::string::npos ? "" : s.kpis[ki].unit,
                   format_number(c.differences[(r * ny + y) * c.kpis.size() + k]),
                   headline(c.kpis[k])});
          }
        }
      }
    }
    f.close();
    g.close();
    written.push_back(dir / "comparisons.csv");
    written.push_back(dir / "paired_differences.csv");
  }
  if (options.time_series) {
    CsvFile f(dir / "timeseries.csv");
    f.row({"scenario", "replication", "hour", "site", "variable", "value"});
    static constexpr std::string_view kVars[3] = {"occupancy", "queue", "in_service"};
    for (const auto& s : set.scenarios) {
      for (const std::uint32_t rep : s.replications) {
        if (!reader.has_time_series(s.name, rep)) continue;
        const std::string rep_s = std::to_string(rep);
        const TimeSeries header = reader.time_series_header(s.name, rep);
        const std::vector<std::string>& sites = header.sites;
        const double interval = header.interval_minutes;
        if (sites.empty()) continue;
        reader.for_each_sample_block(
            s.name, rep, [&](std::uint64_t first, std::span<const SiteSample> block) {
              const std::size_t ns = sites.size();
              for (std::size_t i = 0; i < block.size(); ++i) {
                const std::uint64_t sample = first + i / ns;
                const std::string hour =
                    format_number(static_cast<double>(sample) * interval / 60.0);
                const SiteSample& v = block[i];
                const std::int32_t vals[3] = {v.occupancy, v.queue, v.in_service};
                for (int var = 0; var < 3; ++var) {
                  f.row(
                      {s.name, rep_s, hour, sites[i % ns], kVars[var], std::to_string(vals[var])});
                }
              }
            });
      }
    }
    f.close();
    written.push_back(dir / "timeseries.csv");
  }
  if (options.events) {
    CsvFile f(dir / "events.csv");
    f.row({"scenario", "replication", "patient", "cohort", "site", "event", "time_min"});
    for (const auto& s : set.scenarios) {
      for (const std::uint32_t rep : s.replications) {
        if (!reader.has_events(s.name, rep)) continue;
        const auto cohorts = reader.event_cohorts(s.name, rep);
        const auto sites = reader.event_sites(s.name, rep);
        const std::string rep_s = std::to_string(rep);
        reader.for_each_event_block(s.name, rep, [&](std::span<const EventRecord> block) {
          for (const auto& e : block) {
            f.row({s.name, rep_s, std::to_string(e.patient),
                   e.cohort < cohorts.size() ? std::string_view(cohorts[e.cohort])
                                             : std::string_view("?"),
                   e.site < sites.size() ? std::string_view(sites[e.site]) : std::string_view("?"),
                   event_code_name(e.event), format_number(e.time)});
          }
        });
      }
    }
    f.close();
    written.push_back(dir / "events.csv");
  }
  if (options.vidigi) {
    (void)export_vidigi_csv(reader, dir / "events_vidigi.csv", VidigiOptions{});
    written.push_back(dir / "events_vidigi.csv");
  }
  return written;
}

}  // namespace carepath::outputs
