// Excel workbook export with libxlsxwriter (constant-memory mode: rows are streamed to disk).
#include <carepath/outputs/xlsx_export.hpp>

#include <xlsxwriter.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

namespace fs = std::filesystem;

namespace carepath::outputs {
namespace {

int decimals_of(double half_width, double value) {
  if (std::isfinite(half_width) && half_width > 0) {
    return std::clamp(1 - static_cast<int>(std::floor(std::log10(half_width))), 0, 4);
  }
  const double a = std::fabs(value);
  if (!std::isfinite(a) || a >= 100 || a == std::round(a)) return 0;
  return a >= 1 ? 2 : 4;
}

class Book {
 public:
  explicit Book(const fs::path& file) : file_(file) {
    lxw_workbook_options opts{};
    opts.constant_memory = LXW_TRUE;
    book_ = workbook_new_opt(file.c_str(), &opts);
    if (book_ == nullptr) throw ResultFileError(file.string() + ": cannot create the workbook");
    header_ = workbook_add_format(book_);
    format_set_bold(header_);
    format_set_text_wrap(header_);
    format_set_bg_color(header_, 0xE8EDEE);
    format_set_align(header_, LXW_ALIGN_VERTICAL_TOP);
    date_ = workbook_add_format(book_);
    format_set_num_format(date_, "yyyy-mm-dd hh:mm");
  }
  ~Book() {
    if (book_ != nullptr) workbook_close(book_);
  }
  Book(const Book&) = delete;
  Book& operator=(const Book&) = delete;

  lxw_worksheet* sheet(const std::string& name) {
    lxw_worksheet* s = workbook_add_worksheet(book_, name.c_str());
    if (s == nullptr) throw ResultFileError(file_.string() + ": cannot add sheet " + name);
    return s;
  }
  lxw_format* number(int decimals) {
    decimals = std::clamp(decimals, 0, 6);
    auto it = numbers_.find(decimals);
    if (it != numbers_.end()) return it->second;
    lxw_format* f = workbook_add_format(book_);
    static const char* const kPatterns[] = {"#,##0",      "#,##0.0",     "#,##0.00",    "#,##0.000",
                                            "#,##0.0000", "#,##0.00000", "#,##0.000000"};
    const std::string pattern = kPatterns[decimals];
    format_set_num_format(f, pattern.c_str());
    numbers_[decimals] = f;
    return f;
  }
  [[nodiscard]] lxw_format* header() const { return header_; }
  [[nodiscard]] lxw_format* date() const { return date_; }
  void close() {
    const lxw_error e = workbook_close(book_);
    book_ = nullptr;
    if (e != LXW_NO_ERROR) {
      throw ResultFileError(file_.string() + ": cannot write the workbook: " + lxw_strerror(e));
    }
  }

 private:
  fs::path file_;
  lxw_workbook* book_ = nullptr;
  lxw_format* header_ = nullptr;
  lxw_format* date_ = nullptr;
  std::map<int, lxw_format*> numbers_;
};

void header_row(Book& book, lxw_worksheet* s, const std::vector<std::string>& cells,
                lxw_row_t freeze_cols) {
  for (std::size_t c = 0; c < cells.size(); ++c) {
    worksheet_write_string(s, 0, static_cast<lxw_col_t>(c), cells[c].c_str(), book.header());
  }
  worksheet_freeze_panes(s, 1, static_cast<lxw_col_t>(freeze_cols));
}

void number_cell(lxw_worksheet* s, lxw_row_t row, lxw_col_t col, double v, lxw_format* f) {
  if (std::isfinite(v)) worksheet_write_number(s, row, col, v, f);
}

std::string with_unit(const std::string& name, const std::string& unit) {
  return unit.empty() ? name : name + " (" + unit + ")";
}

// Excel serial date of horizon.start (days since 1899-12-30), or NaN when unknown.
double excel_start(const XlsxOptions& o) {
  if (o.start_year <= 0) return std::nan("");
  using namespace std::chrono;
  const sys_days start{year{o.start_year} / month{static_cast<unsigned>(o.start_month)} /
                       day{static_cast<unsigned>(o.start_day)}};
  const sys_days epoch{year{1899} / December / day{30}};
  return static_cast<double>((start - epoch).count());
}

}  // namespace

XlsxSummary export_xlsx(const ResultReader& reader, const fs::path& file,
                        const XlsxOptions& options) {
  XlsxSummary out;
  Book book(file);
  const ResultSet& set = reader.results();
  const std::vector<std::string>& years = set.years;
  const std::size_t ny = years.size();
  std::string baseline = reader.meta().baseline;
  if (baseline.empty() && !set.scenarios.empty()) baseline = set.scenarios.front().name;
  const std::vector<KpiDef> no_kpis;
  const std::vector<KpiDef>& kpis = set.scenarios.empty() ? no_kpis : set.scenarios.front().kpis;
  std::vector<KpiDef> headline;
  for (const auto& name : options.headline) {
    for (const auto& k : kpis) {
      if (k.name == name) headline.push_back(k);
    }
  }
  if (headline.empty()) {
    for (std::size_t i = 0; i < kpis.size() && i < 8; ++i) headline.push_back(kpis[i]);
  }

  // ---- Headline: one row per scenario x year, mean and CI per headline KPI.
  {
    lxw_worksheet* s = book.sheet("Headline");
    out.sheets.emplace_back("Headline");
    std::vector<std::string> head{"scenario", "year"};
    for (const auto& k : headline) {
      head.push_back(with_unit(k.name, k.unit) + " mean");
      head.push_back(with_unit(k.name, k.unit) + " 95% CI low");
      head.push_back(with_unit(k.name, k.unit) + " 95% CI high");
    }
    header_row(book, s, head, 2);
    worksheet_set_row(s, 0, 48, nullptr);
    worksheet_set_column(s, 0, 0, 18, nullptr);
    worksheet_set_column(s, 2, static_cast<lxw_col_t>(head.size()), 14, nullptr);
    lxw_row_t row = 1;
    for (const auto& sc : set.scenarios) {
      for (std::size_t y = 0; y < ny; ++y, ++row) {
        worksheet_write_string(s, row, 0, sc.name.c_str(), nullptr);
        worksheet_write_string(s, row, 1, years[y].c_str(), nullptr);
        for (std::size_t i = 0; i < headline.size(); ++i) {
          const std::size_t k = sc.kpi_index(headline[i].name);
          if (k == std::string::npos) continue;
          const Summary st = summarise(sc.column(y, k, ny));
          lxw_format* f = book.number(decimals_of(st.half_width, st.mean));
          const auto col = static_cast<lxw_col_t>(2 + 3 * i);
          number_cell(s, row, col, st.mean, f);
          number_cell(s, row, col + 1, st.ci_low, f);
          number_cell(s, row, col + 2, st.ci_high, f);
        }
      }
    }
  }
  // ---- Deltas: paired differences from the baseline.
  {
    lxw_worksheet* s = book.sheet("Deltas");
    out.sheets.emplace_back("Deltas");
    std::vector<std::string> head{"scenario", "year", "baseline"};
    for (const auto& k : headline) {
      head.push_back(with_unit(k.name, k.unit) + " difference");
      head.push_back(with_unit(k.name, k.unit) + " 95% CI low");
      head.push_back(with_unit(k.name, k.unit) + " 95% CI high");
    }
    header_row(book, s, head, 2);
    worksheet_set_row(s, 0, 48, nullptr);
    worksheet_set_column(s, 0, 0, 18, nullptr);
    worksheet_set_column(s, 3, static_cast<lxw_col_t>(head.size()), 14, nullptr);
    lxw_row_t row = 1;
    for (const auto& c : reader.comparisons()) {
      for (std::size_t y = 0; y < ny; ++y, ++row) {
        worksheet_write_string(s, row, 0, c.scenario.c_str(), nullptr);
        worksheet_write_string(s, row, 1, years[y].c_str(), nullptr);
        worksheet_write_string(s, row, 2, c.baseline.c_str(), nullptr);
        for (std::size_t i = 0; i < headline.size(); ++i) {
          const auto it = std::find(c.kpis.begin(), c.kpis.end(), headline[i].name);
          if (it == c.kpis.end()) continue;
          const auto k = static_cast<std::size_t>(it - c.kpis.begin());
          const PairedComparison& p = c.rows[k * ny + y].stats;
          lxw_format* f = book.number(decimals_of(p.paired_half_width, p.mean_diff));
          const auto col = static_cast<lxw_col_t>(3 + 3 * i);
          number_cell(s, row, col, p.mean_diff, f);
          number_cell(s, row, col + 1, p.paired_low, f);
          number_cell(s, row, col + 2, p.paired_high, f);
        }
      }
    }
    if (reader.comparisons().empty()) {
      worksheet_write_string(s, 1, 0, "no comparisons in this file (one scenario or no baseline)",
                             nullptr);
    }
  }
  // ---- Targets: the plan targets and their status (only when a scenario declares some).
  std::vector<std::pair<std::string, TargetRow>> targets;
  for (const auto& sc : reader.results().scenarios)
    for (auto& t : evaluate_targets(sc, reader.summary(sc.name))) targets.emplace_back(sc.name, t);
  if (!targets.empty()) {
    lxw_worksheet* s = book.sheet("Targets");
    out.sheets.emplace_back("Targets");
    header_row(book, s,
               {"scenario", "target", "kpi", "year", "direction", "bound", "unit", "mean",
                "95% CI low", "95% CI high", "status", "label"},
               2);
    worksheet_set_column(s, 0, 2, 18, nullptr);
    worksheet_set_column(s, 11, 11, 60, nullptr);
    lxw_row_t row = 1;
    for (const auto& [scenario, t] : targets) {
      lxw_format* f = book.number(decimals_of(t.stats.half_width, t.stats.mean));
      worksheet_write_string(s, row, 0, scenario.c_str(), nullptr);
      worksheet_write_string(s, row, 1, t.target.name.c_str(), nullptr);
      worksheet_write_string(s, row, 2, t.target.kpi.c_str(), nullptr);
      worksheet_write_string(s, row, 3, t.year.c_str(), nullptr);
      worksheet_write_string(s, row, 4, t.target.at_least ? "at_least" : "at_most", nullptr);
      number_cell(s, row, 5, t.target.bound, nullptr);
      worksheet_write_string(s, row, 6, t.unit.c_str(), nullptr);
      number_cell(s, row, 7, t.stats.mean, f);
      number_cell(s, row, 8, t.stats.ci_low, f);
      number_cell(s, row, 9, t.stats.ci_high, f);
      worksheet_write_string(s, row, 10, target_status_name(t.status), nullptr);
      worksheet_write_string(s, row, 11, t.target.label.c_str(), nullptr);
      ++row;
    }
  }
  // ---- Sites: the site.<site>.<metric> KPIs, one row per scenario x year x site.
  {
    lxw_worksheet* s = book.sheet("Sites");
    out.sheets.emplace_back("Sites");
    std::vector<std::string> sites;
    std::vector<std::string> metrics;
    std::map<std::string, std::string> unit_of;
    for (const auto& k : kpis) {
      if (k.name.rfind("site.", 0) != 0) continue;
      const auto dot = k.name.rfind('.');
      if (dot <= 5) continue;
      const std::string site = k.name.substr(5, dot - 5);
      const std::string metric = k.name.substr(dot + 1);
      if (std::find(sites.begin(), sites.end(), site) == sites.end()) sites.push_back(site);
      if (std::find(metrics.begin(), metrics.end(), metric) == metrics.end()) {
        metrics.push_back(metric);
        unit_of[metric] = k.unit;
      }
    }
    std::vector<std::string> head{"scenario", "year", "site"};
    for (const auto& m : metrics) head.push_back(with_unit(m, unit_of[m]));
    header_row(book, s, head, 3);
    worksheet_set_row(s, 0, 32, nullptr);
    worksheet_set_column(s, 0, 0, 18, nullptr);
    worksheet_set_column(s, 2, 2, 22, nullptr);
    worksheet_set_column(s, 3, static_cast<lxw_col_t>(head.size()), 13, nullptr);
    lxw_row_t row = 1;
    for (const auto& sc : set.scenarios) {
      for (std::size_t y = 0; y < ny; ++y) {
        for (const auto& site : sites) {
          worksheet_write_string(s, row, 0, sc.name.c_str(), nullptr);
          worksheet_write_string(s, row, 1, years[y].c_str(), nullptr);
          worksheet_write_string(s, row, 2, site.c_str(), nullptr);
          for (std::size_t m = 0; m < metrics.size(); ++m) {
            const std::size_t k = sc.kpi_index("site." + site + "." + metrics[m]);
            if (k == std::string::npos) continue;
            const Summary st = summarise(sc.column(y, k, ny));
            number_cell(s, row, static_cast<lxw_col_t>(3 + m), st.mean,
                        book.number(decimals_of(st.half_width, st.mean)));
          }
          ++row;
        }
      }
    }
  }
  // ---- All KPIs, long.
  {
    lxw_worksheet* s = book.sheet("All KPIs");
    out.sheets.emplace_back("All KPIs");
    header_row(book, s,
               {"scenario", "year", "kpi", "unit", "headline", "n", "mean", "sd", "95% CI low",
                "95% CI high", "description"},
               3);
    worksheet_set_column(s, 0, 0, 18, nullptr);
    worksheet_set_column(s, 2, 2, 34, nullptr);
    worksheet_set_column(s, 6, 9, 13, nullptr);
    lxw_row_t row = 1;
    for (const auto& sc : set.scenarios) {
      for (std::size_t y = 0; y < ny; ++y) {
        for (std::size_t k = 0; k < sc.kpis.size(); ++k, ++row) {
          const KpiDef& d = sc.kpis[k];
          const Summary st = summarise(sc.column(y, k, ny));
          const bool is_headline = std::any_of(headline.begin(), headline.end(),
                                               [&](const KpiDef& h) { return h.name == d.name; });
          lxw_format* f = book.number(decimals_of(st.half_width, st.mean));
          worksheet_write_string(s, row, 0, sc.name.c_str(), nullptr);
          worksheet_write_string(s, row, 1, years[y].c_str(), nullptr);
          worksheet_write_string(s, row, 2, d.name.c_str(), nullptr);
          worksheet_write_string(s, row, 3, d.unit.c_str(), nullptr);
          worksheet_write_number(s, row, 4, is_headline ? 1 : 0, nullptr);
          worksheet_write_number(s, row, 5, static_cast<double>(st.n), nullptr);
          number_cell(s, row, 6, st.mean, f);
          number_cell(s, row, 7, st.sd, book.number(decimals_of(st.half_width, st.mean) + 1));
          number_cell(s, row, 8, st.ci_low, f);
          number_cell(s, row, 9, st.ci_high, f);
          worksheet_write_string(s, row, 10, d.description.c_str(), nullptr);
        }
      }
    }
  }
  // ---- Time series: hourly, or daily means when hourly would pass the row limit.
  {
    struct Part {
      std::string scenario;
      std::uint32_t replication;
      TimeSeries header;
    };
    std::vector<Part> parts;
    std::uint64_t hourly_rows = 0;
    std::vector<std::string> sites;
    for (const auto& sc : set.scenarios) {
      for (const std::uint32_t rep : sc.replications) {
        if (!reader.has_time_series(sc.name, rep)) continue;
        Part p{sc.name, rep, reader.time_series_header(sc.name, rep)};
        hourly_rows += p.header.samples;
        if (sites.empty()) sites = p.header.sites;
        parts.push_back(std::move(p));
      }
    }
    const std::uint64_t limit = std::max<std::uint64_t>(options.max_rows, 2) - 1;  // header
    out.daily = hourly_rows > limit;
    const std::string name = out.daily ? "Time series (daily)" : "Time series";
    lxw_worksheet* s = book.sheet(name);
    out.sheets.push_back(name);
    const double day0 = excel_start(options);
    std::vector<std::string> head{
        "scenario", "replication",
        out.daily ? "day (from horizon.start)" : "hour (from horizon.start)",
        std::isfinite(day0) ? "date" : "date (unknown)"};
    for (const auto& site : sites) {
      head.push_back(site + " occupancy (patients" +
                     std::string(out.daily ? ", daily mean)" : ")"));
      head.push_back(site + " queue (patients" + std::string(out.daily ? ", daily mean)" : ")"));
    }
    header_row(book, s, head, 4);
    worksheet_set_row(s, 0, 48, nullptr);
    worksheet_set_column(s, 0, 0, 18, nullptr);
    worksheet_set_column(s, 3, 3, 16, nullptr);
    worksheet_set_column(s, 4, static_cast<lxw_col_t>(head.size()), 11, nullptr);
    lxw_format* whole = book.number(0);
    lxw_format* one = book.number(1);
    lxw_row_t row = 1;
    for (const auto& p : parts) {
      if (p.header.sites != sites) continue;  // same model: same sites everywhere
      const std::size_t ns = sites.size();
      const double per_day = 1440.0 / p.header.interval_minutes;
      std::vector<double> sum(2 * ns, 0);
      std::uint64_t in_day = 0;
      std::uint64_t day = 0;
      auto write_row = [&](double index, double days, const double* values, lxw_format* f) {
        if (row > limit) {
          out.truncated = true;
          return;
        }
        worksheet_write_string(s, row, 0, p.scenario.c_str(), nullptr);
        worksheet_write_number(s, row, 1, p.replication, nullptr);
        worksheet_write_number(s, row, 2, index, nullptr);
        if (std::isfinite(day0)) worksheet_write_number(s, row, 3, day0 + days, book.date());
        for (std::size_t c = 0; c < 2 * ns; ++c) {
          worksheet_write_number(s, row, static_cast<lxw_col_t>(4 + c), values[c], f);
        }
        ++row;
        ++out.time_series_rows;
      };
      reader.for_each_sample_block(
          p.scenario, p.replication, [&](std::uint64_t first, std::span<const SiteSample> block) {
            std::vector<double> values(2 * ns);
            for (std::size_t i = 0; i * ns < block.size(); ++i) {
              const std::uint64_t sample = first + i;
              for (std::size_t k = 0; k < ns; ++k) {
                values[2 * k] = block[i * ns + k].occupancy;
                values[2 * k + 1] = block[i * ns + k].queue;
              }
              if (!out.daily) {
                write_row(static_cast<double>(sample) * p.header.interval_minutes / 60.0,
                          static_cast<double>(sample) / per_day, values.data(), whole);
                continue;
              }
              for (std::size_t c = 0; c < 2 * ns; ++c) sum[c] += values[c];
              if (++in_day >= static_cast<std::uint64_t>(per_day)) {
                for (double& v : sum) v /= static_cast<double>(in_day);
                write_row(static_cast<double>(day), static_cast<double>(day), sum.data(), one);
                std::fill(sum.begin(), sum.end(), 0);
                in_day = 0;
                ++day;
              }
            }
          });
      if (out.daily && in_day > 0) {  // a last, partial day
        for (double& v : sum) v /= static_cast<double>(in_day);
        write_row(static_cast<double>(day), static_cast<double>(day), sum.data(), one);
      }
    }
    if (parts.empty()) {
      worksheet_write_string(s, 1, 0, "no time series in this file (run without --no-timeseries)",
                             nullptr);
    } else if (out.truncated) {
      worksheet_write_string(
          s, static_cast<lxw_row_t>(limit), 0,
          "truncated: more rows than the sheet limit even as daily means; use export --csv",
          nullptr);
    }
  }
  // ---- About: provenance.
  {
    lxw_worksheet* s = book.sheet("About");
    out.sheets.emplace_back("About");
    const RunMeta& m = reader.meta();
    header_row(book, s, {"item", "value"}, 1);
    worksheet_set_column(s, 0, 0, 22, nullptr);
    worksheet_set_column(s, 1, 1, 90, nullptr);
    std::vector<std::pair<std::string, std::string>> rows = {
        {"result file", reader.path().string()},
        {"carepath", m.carepath_version + " (commit " + m.git_commit + ")"},
        {"written (UTC)", m.created_utc},
        {"command", m.command_line},
        {"master seed", std::to_string(m.master_seed)},
        {"replications", std::to_string(m.replications)},
        {"baseline", baseline},
        {"confidence intervals",
         "95%, Student t over replications; deltas paired by common "
         "random numbers"},
        {"time zero", "horizon.start: hours and days in Time series count from it"}};
    for (const auto& c : reader.scenario_configs()) {
      rows.emplace_back("scenario " + c.name, "config fnv1a64 " + c.hash);
    }
    lxw_row_t row = 1;
    for (const auto& [k, v] : rows) {
      worksheet_write_string(s, row, 0, k.c_str(), nullptr);
      worksheet_write_string(s, row, 1, v.c_str(), nullptr);
      ++row;
    }
  }
  book.close();
  return out;
}

}  // namespace carepath::outputs
