#include <carepath/outputs/experiment_report.hpp>
#include <carepath/outputs/report.hpp>
#include <carepath/outputs/results.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace carepath::outputs {

namespace {

namespace fs = std::filesystem;

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// "mean ±hw" with decimals matching two significant digits of the half-width.
std::string estimate(const Summary& s) {
  char buf[96];
  if (s.n < 2 || !std::isfinite(s.half_width)) {
    std::snprintf(buf, sizeof buf, "%.6g (n=%zu)", s.mean, s.n);
    return buf;
  }
  const int d = s.half_width > 0
                    ? std::clamp(1 - static_cast<int>(std::floor(std::log10(s.half_width))), 0, 6)
                    : 2;
  std::snprintf(buf, sizeof buf, "%.*f ±%.*f", d, s.mean, d, s.half_width);
  return buf;
}

std::string render(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& r : rows) {
    if (width.size() < r.size()) width.resize(r.size(), 0);
    for (std::size_t i = 0; i < r.size(); ++i) {
      // Count UTF-8 code points, so "±" takes one column.
      std::size_t n = 0;
      for (const char c : r[i]) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
      width[i] = std::max(width[i], n);
    }
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      std::size_t n = 0;
      for (const char c : r[i]) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
      if (i > 0) line += "  ";
      line.append(width[i] - n, ' ');
      line += r[i];
    }
    out += line + "\n";
  }
  return out;
}

std::vector<std::string> interest(const ExperimentRecord& record, const ResultSet& set) {
  std::vector<std::string> out;
  std::stringstream ss(record.attribute("kpis"));
  std::string k;
  while (std::getline(ss, k, ',')) {
    if (!k.empty()) out.push_back(k);
  }
  if (out.empty() && !set.scenarios.empty()) {
    for (const auto& d : set.scenarios.front().kpis) out.push_back(d.name);
  }
  return out;
}

class Csv {
 public:
  explicit Csv(const fs::path& p) : out_(p, std::ios::binary | std::ios::trunc) {
    if (!out_) throw ResultFileError(p.string() + ": cannot create");
  }
  void row(const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out_ << ',';
      out_ << csv_field(fields[i]);
    }
    out_ << '\n';
  }

 private:
  std::ofstream out_;
};

}  // namespace

std::string sweep_table(const ResultReader& reader, const ExperimentRecord& record,
                        std::vector<std::string> kpis) {
  const ExperimentTable* points = record.table("points");
  if (points == nullptr) return "";
  const ResultSet& set = reader.results();
  if (kpis.empty()) kpis = interest(record, set);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head = points->columns;
  std::vector<std::string> units;
  for (const auto& u : points->units) units.push_back(u.empty() ? "" : "(" + u + ")");
  head.emplace_back("year");
  units.emplace_back("");
  for (const auto& k : kpis) {
    head.push_back(k);
    std::string unit;
    if (!set.scenarios.empty()) {
      const auto& s0 = set.scenarios.front();
      const std::size_t i = s0.kpi_index(k);
      if (i != std::string::npos) unit = s0.kpis[i].unit;
    }
    units.push_back(unit.empty() ? "" : "(" + unit + ")");
  }
  rows.push_back(head);
  rows.push_back(units);
  const std::size_t ny = set.years.size();
  for (std::size_t p = 0; p < points->rows.size(); ++p) {
    const ScenarioResults* s = set.find(points->rows[p]);
    if (s == nullptr) continue;
    for (std::size_t y = 0; y < ny; ++y) {
      std::vector<std::string> r;
      for (std::size_t c = 0; c < points->columns.size(); ++c)
        r.push_back(number(points->at(p, c)));
      r.push_back(set.years[y]);
      for (const auto& k : kpis) {
        const std::size_t i = s->kpi_index(k);
        r.push_back(i == std::string::npos ? "n/a" : estimate(summarise(s->column(y, i, ny))));
      }
      rows.push_back(std::move(r));
    }
  }
  return render(rows);
}

std::vector<fs::path> export_experiment_csv(const ResultReader& reader,
                                            const ExperimentRecord& record, const fs::path& dir) {
  fs::create_directories(dir);
  std::vector<fs::path> written;
  for (const auto& t : record.tables) {
    const fs::path p = dir / (t.name + ".csv");
    Csv csv(p);
    std::vector<std::string> head{"scenario"};
    for (std::size_t c = 0; c < t.columns.size(); ++c) head.push_back(t.columns[c]);
    csv.row(head);
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      std::vector<std::string> row{t.rows[r]};
      for (std::size_t c = 0; c < t.columns.size(); ++c) row.push_back(format_number(t.at(r, c)));
      csv.row(row);
    }
    written.push_back(p);
  }
  const ExperimentTable* points = record.table("points");
  if (points == nullptr) return written;
  const ResultSet& set = reader.results();
  const std::size_t ny = set.years.size();
  const fs::path kp = dir / "points_kpis.csv";
  const fs::path sp = dir / "points_summary.csv";
  Csv kcsv(kp);
  Csv scsv(sp);
  std::vector<std::string> khead{"scenario"};
  khead.insert(khead.end(), points->columns.begin(), points->columns.end());
  std::vector<std::string> shead = khead;
  for (const char* c : {"replication", "year", "kpi", "unit", "value"}) khead.emplace_back(c);
  for (const char* c : {"year", "kpi", "unit", "n", "mean", "sd", "ci_low", "ci_high"})
    shead.emplace_back(c);
  kcsv.row(khead);
  scsv.row(shead);
  for (std::size_t p = 0; p < points->rows.size(); ++p) {
    const ScenarioResults* s = set.find(points->rows[p]);
    if (s == nullptr) continue;
    std::vector<std::string> lead{points->rows[p]};
    for (std::size_t c = 0; c < points->columns.size(); ++c)
      lead.push_back(format_number(points->at(p, c)));
    for (std::size_t k = 0; k < s->kpis.size(); ++k) {
      for (std::size_t y = 0; y < ny; ++y) {
        for (std::size_t r = 0; r < s->replications.size(); ++r) {
          std::vector<std::string> row = lead;
          row.push_back(std::to_string(s->replications[r]));
          row.push_back(set.years[y]);
          row.push_back(s->kpis[k].name);
          row.push_back(s->kpis[k].unit);
          row.push_back(format_number(s->value(r, y, k, ny)));
          kcsv.row(row);
        }
        const Summary st = summarise(s->column(y, k, ny));
        std::vector<std::string> row = lead;
        row.push_back(set.years[y]);
        row.push_back(s->kpis[k].name);
        row.push_back(s->kpis[k].unit);
        row.push_back(std::to_string(st.n));
        for (const double v : {st.mean, st.sd, st.ci_low, st.ci_high})
          row.push_back(format_number(v));
        scsv.row(row);
      }
    }
  }
  written.push_back(kp);
  written.push_back(sp);
  return written;
}

}  // namespace carepath::outputs
