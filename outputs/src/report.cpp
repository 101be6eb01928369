// Text and CSV for the compare / export / summary / run commands.
#include <carepath/outputs/report.hpp>

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

// ==================================================================== compare

std::string compare_table(const ResultSet& results, const std::string& baseline) {
  const ScenarioResults& base = results.at(baseline);
  std::vector<Comparison> comps;
  for (const auto& s : results.scenarios) {
    if (s.name != baseline) comps.push_back(compare_scenarios(results, s, base));
  }
  std::ostringstream out;
  out << "Scenarios compared with baseline \"" << baseline
      << "\": delta = scenario - baseline,\nmean over replications paired by common random "
         "numbers, with the 95% CI of the mean paired\ndifference (Student t, n - 1 df).\n";
  if (comps.empty()) {
    out << "\n(no other scenario to compare)\n";
    return out.str();
  }
  const std::size_t ny = results.years.size();
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"year", "scenario", "kpi", "unit", "n", "baseline", "scenario_mean", "delta",
                  "ci95_low", "ci95_high", "var_red", "sig"});
  for (std::size_t y = 0; y < ny; ++y) {
    if (y > 0) rows.emplace_back();
    for (const auto& c : comps) {
      for (std::size_t k = 0; k < c.kpis.size(); ++k) {
        const ComparisonRow& row = c.rows[k * ny + y];
        const PairedComparison& p = row.stats;
        const int d = decimals_for(p.paired_half_width, p.mean_diff);
        const int dm =
            decimals_for(p.welch_half_width, std::max(std::fabs(p.mean_a), std::fabs(p.mean_b)));
        const bool sig = std::isfinite(p.paired_low) && (p.paired_low > 0 || p.paired_high < 0);
        rows.push_back({cell(row.year), cell(c.scenario), cell(row.kpi), cell(row.unit),
                        std::to_string(p.n), fixed(p.mean_a, dm), fixed(p.mean_b, dm),
                        fixed(p.mean_diff, d, true), fixed(p.paired_low, d, true),
                        fixed(p.paired_high, d, true), fixed(p.variance_reduction, 2),
                        sig ? "*" : "-"});
      }
    }
  }
  out << '\n'
      << render(rows,
                {false, false, false, false, true, true, true, true, true, true, true, false});
  out << "\nsig: * = the 95% CI of the paired difference excludes 0.\n"
         "var_red: variance reduction from pairing, 1 - var(paired mean diff) / var(unpaired "
         "mean diff);\n         near 1 = common random numbers removed most of the noise.\n";
  return out.str();
}

std::string compare_table(const ResultReader& reader, std::string baseline) {
  return compare_table(reader.results(), resolve_baseline(reader, std::move(baseline)));
}

// ==================================================================== summary

std::string summary_text(const ResultReader& reader) {
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
  for (const auto& s : reader.results().scenarios) {
    out << "\nScenario " << s.name << ": mean over " << s.replications.size()
        << " replications, 95% CI (Student t)\n";
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"year", "kpi", "unit", "n", "mean", "sd", "ci95_low", "ci95_high"});
    const auto& summary = reader.summary(s.name);
    const std::size_t ny = reader.years().size();
    for (std::size_t y = 0; y < ny; ++y) {
      if (y > 0) rows.emplace_back();
      for (std::size_t k = 0; k * ny + y < summary.size(); ++k) {
        const SummaryRow& r = summary[k * ny + y];
        const Summary& st = r.stats;
        const int d = decimals_for(st.half_width, st.mean);
        rows.push_back({cell(r.year), cell(r.kpi), cell(r.unit), std::to_string(st.n),
                        fixed(st.mean, d), fixed(st.sd, d + 1), fixed(st.ci_low, d),
                        fixed(st.ci_high, d)});
      }
    }
    out << render(rows, {false, false, false, true, true, true, true, true});
  }
  return out.str();
}

namespace {

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
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
    o << "]}";
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

std::string headline_table(const ResultSet& results, const std::vector<std::string>& kpis_in) {
  std::vector<std::string> kpis = kpis_in;
  if (kpis.empty() && !results.scenarios.empty()) {
    for (const auto& k : results.scenarios.front().kpis) kpis.push_back(k.name);
  }
  // Unit of each selected KPI, from the first scenario that has it.
  std::vector<std::string> units(kpis.size());
  for (std::size_t i = 0; i < kpis.size(); ++i) {
    for (const auto& s : results.scenarios) {
      const std::size_t k = s.kpi_index(kpis[i]);
      if (k != std::string::npos) {
        units[i] = s.kpis[k].unit;
        break;
      }
    }
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head{"scenario", "year"};
  std::vector<std::string> unit_row{"", ""};
  for (std::size_t i = 0; i < kpis.size(); ++i) {
    head.push_back(kpis[i]);
    unit_row.push_back(units[i].empty() ? "" : "(" + units[i] + ")");
  }
  rows.push_back(head);
  rows.push_back(unit_row);
  const std::size_t ny = results.years.size();
  for (const auto& s : results.scenarios) {
    for (std::size_t y = 0; y < ny; ++y) {
      std::vector<std::string> r{s.name, results.years[y]};
      for (const auto& kpi : kpis) {
        const std::size_t k = s.kpi_index(kpi);
        if (k == std::string::npos) {
          r.emplace_back("n/a");
          continue;
        }
        const Summary st = summarise(s.column(y, k, ny));
        const int d = decimals_for(st.half_width, st.mean);
        if (st.n < 2 || !std::isfinite(st.half_width)) {
          r.push_back(fixed(st.mean, d) + " (n=" + std::to_string(st.n) + ")");
        } else {
          const std::string lo = fixed(st.ci_low, d);
          const std::string hi = fixed(st.ci_high, d);
          const bool negative = lo.front() == '-' || hi.front() == '-';
          r.push_back(fixed(st.mean, d) + " (" + lo + (negative ? " to " : "-") + hi + ")");
        }
      }
      rows.push_back(std::move(r));
    }
  }
  std::vector<bool> right(head.size(), true);
  right[0] = false;
  right[1] = false;
  std::ostringstream out;
  out << "Mean over replications (95% CI)\n" << render(rows, right);
  return out.str();
}

std::string headline_table(const ResultReader& reader, const std::vector<std::string>& kpis) {
  return headline_table(reader.results(), kpis);
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
    f.row({"scenario", "kpi", "unit", "description"});
    for (const auto& s : set.scenarios) {
      for (const auto& k : s.kpis) f.row({s.name, k.name, k.unit, k.description});
    }
    f.close();
    written.push_back(dir / "kpis.csv");
  }
  {
    CsvFile f(dir / "kpi_values.csv");
    f.row({"scenario", "replication", "year", "kpi", "unit", "value"});
    for (const auto& s : set.scenarios) {
      for (std::size_t r = 0; r < s.replications.size(); ++r) {
        const std::string rep = std::to_string(s.replications[r]);
        for (std::size_t y = 0; y < ny; ++y) {
          for (std::size_t k = 0; k < s.kpis.size(); ++k) {
            f.row({s.name, rep, set.years[y], s.kpis[k].name, s.kpis[k].unit,
                   format_number(s.value(r, y, k, ny))});
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
           "half_width"});
    for (const auto& s : set.scenarios) {
      for (const auto& r : reader.summary(s.name)) {
        const Summary& st = r.stats;
        f.row({s.name, r.year, r.kpi, r.unit, std::to_string(st.n), format_number(st.mean),
               format_number(st.sd), format_number(st.ci_low), format_number(st.ci_high),
               format_number(st.half_width)});
      }
    }
    f.close();
    written.push_back(dir / "summary.csv");
  }
  {
    CsvFile f(dir / "comparisons.csv");
    f.row({"scenario", "baseline", "year", "kpi", "unit", "n", "mean_baseline", "mean_scenario",
           "mean_diff", "sd_diff", "paired_ci95_low", "paired_ci95_high", "paired_half_width",
           "welch_ci95_low", "welch_ci95_high", "welch_half_width", "welch_df",
           "variance_reduction"});
    CsvFile g(dir / "paired_differences.csv");
    g.row({"scenario", "baseline", "replication", "year", "kpi", "unit", "difference"});
    for (const auto& c : reader.comparisons()) {
      for (const auto& r : c.rows) {
        const PairedComparison& p = r.stats;
        f.row({c.scenario, c.baseline, r.year, r.kpi, r.unit, std::to_string(p.n),
               format_number(p.mean_a), format_number(p.mean_b), format_number(p.mean_diff),
               format_number(p.sd_diff), format_number(p.paired_low), format_number(p.paired_high),
               format_number(p.paired_half_width), format_number(p.welch_low),
               format_number(p.welch_high), format_number(p.welch_half_width),
               format_number(p.welch_df), format_number(p.variance_reduction)});
      }
      const ScenarioResults& s = set.at(c.scenario);
      for (std::size_t r = 0; r < c.replications.size(); ++r) {
        const std::string rep = std::to_string(c.replications[r]);
        for (std::size_t y = 0; y < ny; ++y) {
          for (std::size_t k = 0; k < c.kpis.size(); ++k) {
            const std::size_t ki = s.kpi_index(c.kpis[k]);
            g.row({c.scenario, c.baseline, rep, set.years[y], c.kpis[k],
                   ki == std::string::npos ? "" : s.kpis[ki].unit,
                   format_number(c.differences[(r * ny + y) * c.kpis.size() + k])});
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
    export_vidigi_csv(reader, dir / "events_vidigi.csv");
    written.push_back(dir / "events_vidigi.csv");
  }
  return written;
}

// ==================================================================== vidigi

std::uint64_t export_vidigi_csv(const ResultReader& reader, const fs::path& file) {
  if (file.has_parent_path()) fs::create_directories(file.parent_path());
  CsvFile f(file);
  f.row({"scenario", "run", "patient", "pathway", "site", "event_type", "event", "time",
         "resource_id"});
  std::uint64_t n_rows = 0;
  auto emit = [&](std::string_view scenario, std::string_view run, std::uint32_t patient,
                  std::string_view pathway, std::string_view site, std::string_view type,
                  const std::string& event, double time, std::uint32_t resource_id) {
    f.row({scenario, run, std::to_string(patient), pathway, site, type, event, format_number(time),
           resource_id == 0 ? std::string() : std::to_string(resource_id)});
    ++n_rows;
  };
  for (const auto& s : reader.results().scenarios) {
    for (const std::uint32_t rep : s.replications) {
      if (!reader.has_events(s.name, rep)) continue;
      const auto cohorts = reader.event_cohorts(s.name, rep);
      const auto sites = reader.event_sites(s.name, rep);
      const std::string run = std::to_string(rep);
      // Pass 1: each patient's last event row (patient events only).
      std::unordered_map<std::uint32_t, std::uint64_t> last_row;
      std::uint64_t row = 0;
      reader.for_each_event_block(s.name, rep, [&](std::span<const EventRecord> block) {
        for (const auto& e : block) {
          if (e.event != EventCode::capacity_change) last_row[e.patient] = row;
          ++row;
        }
      });
      // Pass 2: translate, allocating the lowest free resource_id (1-based) per site.
      struct SiteSlots {
        std::priority_queue<std::uint32_t, std::vector<std::uint32_t>, std::greater<>> free;
        std::uint32_t next = 1;
        std::uint32_t take() {
          if (free.empty()) return next++;
          const std::uint32_t id = free.top();
          free.pop();
          return id;
        }
      };
      std::vector<SiteSlots> slots(sites.size() + 1);
      std::unordered_map<std::uint64_t, std::uint32_t> held;  // (patient << 16 | site) -> slot
      std::unordered_map<std::uint32_t, bool> arrived;
      row = 0;
      reader.for_each_event_block(s.name, rep, [&](std::span<const EventRecord> block) {
        for (const auto& e : block) {
          const std::uint64_t this_row = row++;
          if (e.event == EventCode::capacity_change) continue;
          const std::string_view site =
              e.site < sites.size() ? std::string_view(sites[e.site]) : std::string_view("?");
          const std::string_view pathway = e.cohort < cohorts.size()
                                               ? std::string_view(cohorts[e.cohort])
                                               : std::string_view("?");
          const std::size_t si = std::min<std::size_t>(e.site, sites.size());
          const std::uint64_t key = (std::uint64_t{e.patient} << 16) | e.site;
          const std::string site_s(site);
          if (!arrived[e.patient]) {
            arrived[e.patient] = true;
            emit(s.name, run, e.patient, pathway, site, "arrival_departure", "arrival", e.time, 0);
          }
          auto release = [&] {
            const auto it = held.find(key);
            if (it == held.end()) return;
            emit(s.name, run, e.patient, pathway, site, "resource_use_end", site_s + "_ends",
                 e.time, it->second);
            slots[si].free.push(it->second);
            held.erase(it);
          };
          switch (e.event) {
            case EventCode::arrive:
              emit(s.name, run, e.patient, pathway, site, "queue", site_s + "_wait_begins", e.time,
                   0);
              break;
            case EventCode::start: {
              release();  // a start while holding (should not happen) restarts cleanly
              const std::uint32_t id = slots[si].take();
              held[key] = id;
              emit(s.name, run, e.patient, pathway, site, "resource_use", site_s + "_begins",
                   e.time, id);
              break;
            }
            case EventCode::leave:
              release();
              break;
            case EventCode::preempt:
              release();
              emit(s.name, run, e.patient, pathway, site, "queue", site_s + "_wait_begins", e.time,
                   0);
              break;
            case EventCode::block:
            case EventCode::unblock:
            case EventCode::renege:
            case EventCode::baulk:
            case EventCode::capacity_change:
              break;
          }
          const bool exits = e.event == EventCode::leave || e.event == EventCode::renege ||
                             e.event == EventCode::baulk;
          if (exits && last_row[e.patient] == this_row) {
            emit(s.name, run, e.patient, pathway, site, "arrival_departure", "depart", e.time, 0);
          }
        }
      });
    }
  }
  f.close();
  return n_rows;
}

}  // namespace carepath::outputs
