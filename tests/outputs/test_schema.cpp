// outputs/SCHEMA.md and the files agree: every object, dtype, compound field and attribute of a
// written result (and part) file is documented, and everything documented is written.
#include <carepath/outputs/result_file.hpp>

#include "sample_run.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace carepath::outputs;
using carepath::outputs::testing::SampleRun;
using carepath::outputs::testing::scratch_dir;
namespace fs = std::filesystem;

namespace {

struct Entry {
  std::string path;  // with {placeholders}
  bool optional = false;
  bool is_dataset = false;
  std::string dtype;                // "-" for groups
  std::vector<std::string> fields;  // compound fields; last may be "{kpi}..."
  std::set<std::string> required_attrs;
  std::set<std::string> optional_attrs;
  std::regex pattern;
};

std::vector<Entry> parse_schema_block(const std::string& block_name) {
  std::ifstream in(std::string(CAREPATH_SOURCE_DIR) + "/outputs/SCHEMA.md");
  REQUIRE(in);
  std::vector<Entry> out;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (!inside) {
      inside = line == "```" + block_name;
      continue;
    }
    if (line == "```") break;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    Entry e;
    std::string kind;
    std::string dtype;
    ls >> e.path >> kind >> dtype;
    if (e.path.back() == '?') {
      e.optional = true;
      e.path.pop_back();
    }
    REQUIRE((kind == "group" || kind == "dataset"));
    e.is_dataset = kind == "dataset";
    if (const auto open = dtype.find('('); open != std::string::npos) {
      std::string fields = dtype.substr(open + 1, dtype.size() - open - 2);
      dtype = dtype.substr(0, open);
      std::istringstream field_stream(fields);
      for (std::string f; std::getline(field_stream, f, ',');) e.fields.push_back(f);
    }
    e.dtype = dtype;
    for (std::string a; ls >> a;) {
      if (a.back() == '?') {
        a.pop_back();
        e.optional_attrs.insert(a);
      } else {
        e.required_attrs.insert(a);
      }
    }
    const std::string re =
        std::regex_replace(e.path, std::regex(R"(\{[a-z_]+\})"), std::string("[^/]+"));
    e.pattern = std::regex("^" + re + "$");
    out.push_back(std::move(e));
  }
  REQUIRE(inside);
  REQUIRE_FALSE(out.empty());
  return out;
}

void check_against(const std::vector<Entry>& schema, const fs::path& file,
                   bool all_optional_present) {
  const auto objects = inspect_file(file);
  std::vector<int> hits(schema.size(), 0);
  for (const auto& obj : objects) {
    INFO("object " << obj.path);
    const Entry* match = nullptr;
    for (std::size_t i = 0; i < schema.size(); ++i) {
      if (std::regex_match(obj.path, schema[i].pattern)) {
        CHECK(match == nullptr);  // documented once
        match = &schema[i];
        ++hits[i];
      }
    }
    REQUIRE(match != nullptr);  // undocumented object
    CHECK(obj.is_dataset == match->is_dataset);
    if (match->is_dataset) CHECK(obj.dtype == match->dtype);
    if (!match->fields.empty()) {
      const bool open_ended = match->fields.back() == "{kpi}...";
      const std::size_t fixed_n = match->fields.size() - (open_ended ? 1 : 0);
      REQUIRE(obj.fields.size() >= fixed_n);
      if (!open_ended) CHECK(obj.fields.size() == fixed_n);
      for (std::size_t f = 0; f < fixed_n; ++f) CHECK(obj.fields[f] == match->fields[f]);
      if (open_ended) CHECK(obj.fields.size() > fixed_n);
    }
    const std::set<std::string> attrs(obj.attributes.begin(), obj.attributes.end());
    for (const auto& a : match->required_attrs) {
      INFO("required attribute " << a);
      CHECK(attrs.count(a) == 1);
    }
    for (const auto& a : attrs) {
      INFO("undocumented attribute " << a);
      CHECK((match->required_attrs.count(a) + match->optional_attrs.count(a)) == 1);
    }
  }
  for (std::size_t i = 0; i < schema.size(); ++i) {
    INFO("documented path " << schema[i].path);
    if (!schema[i].optional || all_optional_present) CHECK(hits[i] > 0);
  }
}

}  // namespace

TEST_CASE("result files match outputs/SCHEMA.md", "[outputs][schema]") {
  const auto schema = parse_schema_block("schema");
  const auto dir = scratch_dir("schema");
  SampleRun run;
  run.samples = 30;
  run.patients = 20;
  run.replications = 2;
  run.targets = {{"four_hour", "ed_4h_pct", "", 95, true, "NHS 4-hour standard"}};
  const auto parts = run.write_parts(dir / "parts", run.natural_order());
  run.assemble(dir / "full.h5", parts);
  check_against(schema, dir / "full.h5", /*all_optional_present=*/true);
  // KPI matrices are [rows, K]: as many rows as the group's `rows`, columns as its `kpis`.
  {
    const auto objects = inspect_file(dir / "full.h5");
    const auto shape_of = [&](const std::string& path) {
      for (const auto& o : objects) {
        if (o.path == path) return o.shape;
      }
      FAIL("missing " << path);
      return std::vector<std::uint64_t>{};
    };
    int matrices = 0;
    for (const auto& o : objects) {
      const auto slash = o.path.rfind('/');
      const std::string leaf = o.path.substr(slash + 1);
      if (leaf != "kpi_values" && leaf != "paired_differences") continue;
      INFO(o.path);
      const std::string group = o.path.substr(0, slash);
      REQUIRE(o.shape.size() == 2);
      CHECK(o.shape[0] == shape_of(group + "/rows").at(0));
      CHECK(o.shape[1] == shape_of(group + "/kpis").at(0));
      CHECK(o.shape[1] == run.kpis.size());
      ++matrices;
    }
    CHECK(matrices == 5);  // 3 scenarios + 2 comparisons
  }

  // Without time series, events and baseline: still valid, optional objects absent.
  SampleRun lean = run;
  lean.targets.clear();
  lean.time_series = false;
  lean.events = false;
  const auto lean_parts = lean.write_parts(dir / "lean", lean.natural_order());
  {
    RunMeta m = lean.meta();
    m.baseline.clear();
    ResultAssembler a(dir / "lean.h5", m);
    for (const auto& s : lean.scenarios) a.add_scenario(s, lean.yaml(s));
    for (const auto& p : lean_parts) a.add_part(p);
    a.write();
  }
  check_against(schema, dir / "lean.h5", false);
  for (const auto& o : inspect_file(dir / "lean.h5")) {
    CHECK(o.path.find("/comparisons") == std::string::npos);
    CHECK(o.path.find("/replications") == std::string::npos);
  }

  // The schema check can fail: an undocumented object is caught.
  auto trimmed = schema;
  trimmed.erase(std::remove_if(trimmed.begin(), trimmed.end(),
                               [](const Entry& e) { return e.path == "/years"; }),
                trimmed.end());
  const auto objects = inspect_file(dir / "full.h5");
  CHECK_FALSE(std::all_of(objects.begin(), objects.end(), [&](const ObjectInfo& o) {
    return std::any_of(trimmed.begin(), trimmed.end(),
                       [&](const Entry& e) { return std::regex_match(o.path, e.pattern); });
  }));
  fs::remove_all(dir);
}

TEST_CASE("part files match outputs/SCHEMA.md", "[outputs][schema]") {
  const auto schema = parse_schema_block("schema-part");
  const auto dir = scratch_dir("schema_part");
  SampleRun run;
  run.samples = 10;
  run.patients = 5;
  check_against(schema, run.write_part(dir, 0, 1), true);
  run.time_series = false;
  run.events = false;
  check_against(schema, run.write_part(dir, 0, 2), false);
  fs::remove_all(dir);
}
