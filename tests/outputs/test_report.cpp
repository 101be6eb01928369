// compare / summary / headline text and CSV exports.
#include <carepath/outputs/html_report.hpp>
#include <carepath/outputs/report.hpp>
#include <carepath/outputs/vidigi_export.hpp>

#include "sample_run.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace carepath::outputs;
using carepath::outputs::testing::SampleRun;
using carepath::outputs::testing::scratch_dir;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Minimal RFC 4180 reader (quoted fields, doubled quotes, no embedded newlines needed here).
std::vector<std::vector<std::string>> read_csv(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> row;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quoted) {
        if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else if (c == '"') {
          quoted = false;
        } else {
          field += c;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        row.push_back(field);
        field.clear();
      } else {
        field += c;
      }
    }
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

struct Fixture {
  fs::path dir;
  SampleRun run;
  fs::path file;
  Fixture() : dir(scratch_dir("report")) {
    run.samples = 48;
    run.patients = 60;
    run.replications = 4;
    file = dir / "results.h5";
    run.assemble(file, run.write_parts(dir / "parts", run.natural_order()));
  }
  ~Fixture() { fs::remove_all(dir); }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;
};

}  // namespace

TEST_CASE("csv_field and format_number", "[outputs][report]") {
  CHECK(csv_field("plain") == "plain");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(format_number(0.1) == "0.1");
  CHECK(format_number(120000) == "120000");
  CHECK(format_number(-2.5e-7) == "-2.5e-07");
  CHECK(format_number(std::nan("")) == "NaN");
  CHECK(std::stod(format_number(1.0 / 3.0)) == 1.0 / 3.0);
}

TEST_CASE("compare table: one aligned row per year x KPI, a delta column per scenario",
          "[outputs][report]") {
  Fixture fx;
  const ResultReader r(fx.file);
  const std::string text = compare_table(r);
  INFO(text);
  const auto lines = lines_of(text);
  // Header row, then 3 years x 4 KPIs rows, blank lines between years.
  std::size_t header = 0;
  while (header < lines.size() && lines[header].rfind("year", 0) != 0) ++header;
  REQUIRE(header < lines.size());
  CHECK_THAT(lines[header], Contains("do-nothing"));
  CHECK_THAT(lines[header], Contains("best"));
  std::vector<std::string> data;
  for (std::size_t i = header + 1; i < lines.size() && lines[i].rfind('*', 0) != 0; ++i) {
    if (!lines[i].empty()) data.push_back(lines[i]);
  }
  REQUIRE(data.size() == std::size_t{3} * 4);
  // Plain ASCII; every data row splits into year, kpi, unit, baseline + 2 deltas, aligned.
  for (const char c : text) CHECK(static_cast<unsigned char>(c) < 128);
  for (const auto& l : data) {
    std::istringstream in(l);
    std::vector<std::string> cells;
    for (std::string c; in >> c;) cells.push_back(c);
    CHECK(cells.size() == 6);
    CHECK(l.size() == data.front().size());
  }
  // best vs do-nothing on ED attendances: delta ~ -2000, clearly significant.
  std::vector<std::string> head_cells;
  {
    std::istringstream in(lines[header]);
    for (std::string c; in >> c;) head_cells.push_back(c);
  }
  const auto best_col = static_cast<std::size_t>(
      std::find(head_cells.begin(), head_cells.end(), "best") - head_cells.begin());
  REQUIRE(best_col < head_cells.size());
  bool found = false;
  for (const auto& l : data) {
    if (l.find("2015/16") == 0 && l.find("ed_attendances") != std::string::npos) {
      found = true;
      std::istringstream in(l);
      std::vector<std::string> cells;
      for (std::string c; in >> c;) cells.push_back(c);
      CHECK_THAT(cells[best_col], Contains("-20"));
      CHECK(cells[best_col].back() == '*');
    }
  }
  CHECK(found);
  // Selection: one KPI by glob, one year.
  KpiSelection sel;
  sel.patterns = {"ed_4h*"};
  sel.years = {"2015"};
  const auto one = lines_of(compare_table(r, "", sel));
  CHECK(std::count_if(one.begin(), one.end(),
                      [](const std::string& l) { return l.rfind("2015/16", 0) == 0; }) == 1);
  sel.patterns = {"nothing_like_this*"};
  CHECK_THROWS_AS(compare_table(r, "", sel), std::invalid_argument);
  sel.patterns.clear();
  sel.years = {"1999"};
  CHECK_THROWS_AS(compare_table(r, "", sel), std::invalid_argument);
  // Headline selection shows only those.
  KpiSelection head;
  head.headline = {"ed_4h_pct"};
  CHECK(lines_of(compare_table(r, "", head)).size() < lines.size());
  // Another baseline; unknown baseline throws.
  CHECK_THAT(compare_table(r, "best"), Contains("baseline \"best\""));
  CHECK_THROWS_AS(compare_table(r, "nope"), std::invalid_argument);
}

TEST_CASE("glob_match", "[outputs][report]") {
  CHECK(glob_match("ed_*", "ed_4h_pct"));
  CHECK(glob_match("site.*.wait_p95", "site.ed.wait_p95"));
  CHECK(glob_match("ed_4h_pc?", "ed_4h_pct"));
  CHECK_FALSE(glob_match("ed_*", "site.ed.wait"));
  CHECK(glob_match("*", ""));
  CHECK_FALSE(glob_match("a*b", "acbd"));
}

TEST_CASE("headline table from memory and from a file agree", "[outputs][report]") {
  Fixture fx;
  const ResultReader r(fx.file);
  const std::vector<std::string> kpis{"ed_4h_pct", "delayed_transfer_bed_days", "missing"};
  const std::string from_file = headline_table(r, kpis);
  // In memory: the same values as the run's parent has them before writing anything.
  ResultSet set;
  set.years = fx.run.years;
  for (std::size_t s = 0; s < fx.run.scenarios.size(); ++s) {
    ScenarioResults sr;
    sr.name = fx.run.scenarios[s];
    sr.kpis = fx.run.kpis;
    for (std::uint32_t rep = 1; rep <= fx.run.replications; ++rep) {
      sr.replications.push_back(rep);
      for (std::size_t y = 0; y < set.years.size(); ++y) {
        for (std::size_t k = 0; k < sr.kpis.size(); ++k) {
          sr.values.push_back(fx.run.value(s, rep, y, k));
        }
      }
    }
    set.scenarios.push_back(std::move(sr));
  }
  CHECK(headline_table(set, kpis) == from_file);
  INFO(from_file);
  const auto lines = lines_of(from_file);
  // Title, header, then 3 years x 3 KPIs with a blank line between years.
  REQUIRE(lines.size() == 2 + 3 * 3 + 2);
  CHECK_THAT(lines[1], Contains("do-nothing"));
  CHECK_THAT(lines[2], Contains("ed_4h_pct"));
  CHECK_THAT(lines[2], Contains("%"));
  CHECK_THAT(lines[3], Contains("bed-days"));
  CHECK_THAT(lines[4], Contains("missing"));
  CHECK_THAT(lines[4], Contains("n/a"));
  // "mean+-h": the summary's mean and CI half-width, at the CI's precision.
  std::vector<std::string> head;
  {
    std::istringstream in(lines[1]);
    for (std::string c; in >> c;) head.push_back(c);
  }
  std::vector<std::string> cells;
  {
    std::istringstream in(lines[2]);
    for (std::string c; in >> c;) cells.push_back(c);
  }
  REQUIRE(cells.size() == head.size());
  const auto col =
      static_cast<std::size_t>(std::find(head.begin(), head.end(), "do-nothing") - head.begin());
  REQUIRE(col < cells.size());
  const Summary st = summarise(r.values("do-nothing", "ed_4h_pct", "2014/15"));
  const std::string& c = cells[col];
  const std::size_t pm = c.find("+-");
  REQUIRE(pm != std::string::npos);
  CHECK(std::fabs(std::stod(c.substr(0, pm)) - st.mean) <=
        0.01 * st.half_width + 1e-9 + 0.5 * std::pow(10, -2));
  CHECK(std::fabs(std::stod(c.substr(pm + 2)) - st.half_width) < 0.1 * st.half_width);
}

TEST_CASE("summary text and JSON", "[outputs][report]") {
  Fixture fx;
  const ResultReader r(fx.file);
  const std::string text = summary_text(r);
  CHECK_THAT(text, Contains("master seed    20240501"));
  CHECK_THAT(text, Contains("best"));
  CHECK_THAT(text, Contains("site.ed.wait_p95"));  // no headline given: every KPI
  const std::string json = summary_json(r);
  CHECK_THAT(json, Contains("\"master_seed\": 20240501"));
  CHECK_THAT(json, Contains("\"unit\": \"bed-days\""));
  CHECK_THAT(json, Contains("\\\"all\\\""));  // quotes in a KPI description are escaped
  // Balanced braces and brackets outside strings.
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    REQUIRE(depth >= 0);
  }
  CHECK(depth == 0);
}

TEST_CASE("CSV export: tidy tables of the right shape", "[outputs][report]") {
  Fixture fx;
  const ResultReader r(fx.file);
  const fs::path out = fx.dir / "csv";
  const auto files = export_csv(r, out, ExportOptions{true, true, true, {"ed_4h_pct"}});
  CHECK(files.size() == 9);
  const std::size_t n_s = 3, n_r = 4, n_y = 3, n_k = 4;  // scenarios, replications, years, KPIs

  const auto kv = read_csv(out / "kpi_values.csv");
  REQUIRE(kv.size() == 1 + n_s * n_r * n_y * n_k);
  CHECK(kv[0] == std::vector<std::string>{"scenario", "replication", "year", "kpi", "unit", "value",
                                          "headline"});
  for (const auto& row : kv) CHECK(row.size() == 7);
  CHECK(kv[1] == std::vector<std::string>{"do-nothing", "1", "2014/15", "ed_attendances", "count",
                                          format_number(fx.run.value(0, 1, 0, 0)), "0"});
  // The headline KPI is marked in every KPI table.
  CHECK(std::count_if(kv.begin(), kv.end(), [](const auto& row) {
          return row[3] == "ed_4h_pct" && row[6] == "1";
        }) == static_cast<std::ptrdiff_t>(n_s * n_r * n_y));
  CHECK(std::stod(kv[1][5]) == fx.run.value(0, 1, 0, 0));  // round-trips exactly

  const auto kp = read_csv(out / "kpis.csv");
  REQUIRE(kp.size() == 1 + n_s * n_k);
  CHECK(kp[4][3] == "95th percentile of the wait for ED treatment, \"all\"");  // quoted field

  const auto sm = read_csv(out / "summary.csv");
  REQUIRE(sm.size() == 1 + n_s * n_k * n_y);
  CHECK(sm[0].size() == 11);
  CHECK(sm[0].back() == "headline");
  const auto cp = read_csv(out / "comparisons.csv");
  REQUIRE(cp.size() == 1 + (n_s - 1) * n_k * n_y);
  CHECK(cp[0].size() == 19);
  for (const auto& row : cp) CHECK(row.size() == 19);
  const auto pd = read_csv(out / "paired_differences.csv");
  REQUIRE(pd.size() == 1 + (n_s - 1) * n_r * n_y * n_k);

  const auto ts = read_csv(out / "timeseries.csv");
  REQUIRE(ts.size() == 1 + n_s * n_r * fx.run.samples * 2 * 3);
  CHECK(ts[0] ==
        std::vector<std::string>{"scenario", "replication", "hour", "site", "variable", "value"});
  // hour 1, site ucc, queue of do-nothing replication 1
  CHECK(ts[1 + 1 * 6 + 1 * 3 + 1] ==
        std::vector<std::string>{"do-nothing", "1", "1", "ucc", "queue",
                                 std::to_string(SampleRun::sample(0, 1, 1, 1).queue)});

  const auto ev = read_csv(out / "events.csv");
  const std::size_t per_rep = fx.run.patients * 3 - fx.run.patients / 11 + 1;
  REQUIRE(ev.size() == 1 + n_s * n_r * per_rep);
  // Time order: patient 1 arrives at 4, patient 2 at 7, patient 1 starts at 9.
  CHECK(ev[3] ==
        std::vector<std::string>{"do-nothing", "1", "1", "child, under 16", "ed", "start", "9"});
  fs::remove_all(out);
}

TEST_CASE("vidigi event log follows vidigi's event vocabulary", "[outputs][report]") {
  Fixture fx;
  const ResultReader r(fx.file);
  const fs::path out = fx.dir / "vidigi.csv";
  const VidigiSummary sum = export_vidigi_csv(r, out, VidigiOptions{});
  const auto rows = read_csv(out);
  REQUIRE(rows.size() == sum.rows + 1);
  CHECK(rows[0] == std::vector<std::string>{"scenario", "run", "patient", "patient_serial",
                                            "pathway", "site", "event_type", "event", "time",
                                            "resource_id", "present_at_end"});
  const std::set<std::string> types{"arrival_departure", "queue", "resource_use",
                                    "resource_use_end"};
  std::map<std::string, int> count;
  std::map<std::string, int> in_use;  // site -> patients holding a resource now (run 1, best)
  std::map<std::string, int> peak;
  std::map<std::string, std::set<std::string>> ids;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    REQUIRE(row.size() == 11);
    CHECK(types.count(row[6]) == 1);
    ++count[row[7]];
    if (row[0] == "best" && row[1] == "1") {
      if (row[6] == "resource_use") {
        CHECK(row[7] == row[5] + "_begins");
        CHECK_FALSE(row[9].empty());
        ids[row[5]].insert(row[9]);
        peak[row[5]] = std::max(peak[row[5]], ++in_use[row[5]]);
      } else if (row[6] == "resource_use_end") {
        CHECK(row[7] == row[5] + "_ends");
        --in_use[row[5]];
      } else {
        CHECK(row[9].empty());
      }
    }
  }
  // Per replication: every patient arrives once and departs once (all leave or renege),
  // 1/11 renege without service.
  const int reps = 3 * 4;
  const int p = static_cast<int>(fx.run.patients);
  CHECK(count["arrival"] == reps * p);
  CHECK(count["depart"] == reps * p);
  CHECK(sum.present_at_end == 0);
  CHECK(count["ed_wait_begins"] + count["ucc_wait_begins"] == reps * p);
  CHECK(count["ed_begins"] + count["ucc_begins"] == reps * (p - p / 11));
  CHECK(count["ed_ends"] + count["ucc_ends"] == reps * (p - p / 11));
  // Slots are reused: as many distinct resource_ids as the peak concurrent use.
  for (const auto& [site, set] : ids) CHECK(set.size() == static_cast<std::size_t>(peak[site]));
  CHECK(peak["ed"] > 1);
}

TEST_CASE("a count's interval is shown truncated at 0", "[outputs][report]") {
  // Rare events: 0, 0, 0 and 4 reneged patients. The t-interval's lower bound is negative
  // (1 - 3.18 * 2 / 2 < 0); the table shows 0, never a negative count.
  ResultSet set;
  set.years = {"2014/15"};
  ScenarioResults sr;
  sr.name = "base";
  sr.kpis = {KpiDef{"reneged", "patients", "patients who left unseen"}};
  sr.replications = {1, 2, 3, 4};
  sr.values = {0, 0, 0, 4};
  set.scenarios.push_back(sr);
  REQUIRE(summarise(sr.values).ci_low < 0);
  const std::string table = headline_table(set, {"reneged"});
  INFO(table);
  CHECK_THAT(table, Contains("1.0 (0.0-4.2)"));
}

TEST_CASE("line_diff: changed lines with context", "[outputs][report]") {
  const auto d = line_diff("a\nb\nc\nd\ne\nf\ng\n", "a\nb\nC\nd\ne\nf\nG\n", 1);
  CHECK(d == std::vector<std::string>{"  b", "- c", "+ C", "  d", "...", "  f", "- g", "+ G"});
  CHECK(line_diff("x\ny\n", "x\ny\n").empty());
  CHECK(line_diff("", "new\n") == std::vector<std::string>{"+ new"});
}

TEST_CASE("HTML report: one self-contained page with every section", "[outputs][report]") {
  Fixture fx;
  const ResultReader r(fx.file);
  HtmlReportOptions o;
  try {
    o.vega_dir = find_vega_dir();
  } catch (const ResultFileError& e) {
    WARN(e.what());  // libjs-vega absent: the browser test is skipped too
    return;
  }
  ReportModel m;
  m.name = "Sample";
  m.headline = {"ed_4h_pct", "ed_attendances"};
  m.sites = {{"ed", "Emergency department", "service", 10}, {"ucc", "UCC", "service", -1}};
  m.routes = {{"ucc", "ed", 0.1, "route"}};
  m.arrivals = {{"walk-ins", "ucc", 1000}};
  m.start_year = 2014;
  m.start_month = 4;
  m.start_day = 1;
  std::ostringstream out;
  write_html_report(r, m, o, out);
  const std::string html = out.str();
  for (const char* id : {"headline", "deltas", "sites", "flows", "sweeps", "provenance"}) {
    CHECK_THAT(html, Contains(std::string("<section id=\"") + id + "\""));
  }
  CHECK_THAT(html, Contains("chart-h-0"));
  CHECK_THAT(html, Contains("chart-h-1"));
  CHECK_THAT(html, Contains("chart-d-pct"));
  CHECK_THAT(html, Contains("4.3 Estimation approach"));
  CHECK_THAT(html, Contains("window.D = {"));
  CHECK_THAT(html, !Contains("<script src"));
  // Only the Vega modules' own text may hold "</script": none is left unescaped inside them.
  std::size_t scripts = 0;
  for (std::size_t p = 0; (p = html.find("<script>", p)) != std::string::npos; ++p) ++scripts;
  std::size_t ends = 0;
  for (std::size_t p = 0; (p = html.find("</script>", p)) != std::string::npos; ++p) ++ends;
  CHECK(scripts == ends);
}
