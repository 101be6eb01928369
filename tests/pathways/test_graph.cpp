// The care graph: structural checks and Graphviz output.
#include <carepath/pathways/graph.hpp>
#include <carepath/pathways/loader.hpp>

#include <catch2/catch.hpp>

#include <sstream>
#include <string>

using namespace carepath::pathways;

namespace {

const std::string kData = std::string(CAREPATH_SOURCE_DIR) + "/tests/data";

/// A model with the given sites (YAML under `sites:`); one stream into `ed`.
ModelSpec model_with(const std::string& sites) {
  return load_model_from_string(
      "model: {name: G}\n"
      "horizon: {start: 2014-04-01, years: 2}\n"
      "cohorts: {everyone: {}}\n"
      "arrivals:\n"
      "  walk_in: {to: ed, volume: 1000/year}\n"
      "sites:\n" +
          sites,
      "graph.yaml");
}

const Check& check(const std::vector<Check>& checks, const std::string& name) {
  for (const Check& c : checks)
    if (c.name == name) return c;
  FAIL("no check named " << name);
  throw;  // not reached
}

const std::string kEd =
    "  ed:\n"
    "    kind: service\n"
    "    capacity: 4\n"
    "    service: 1h\n";

}  // namespace

TEST_CASE("a well-formed model passes every check", "[pathways][graph]") {
  const ModelSpec m = load_model(kData + "/model.yaml");
  const CareGraph g(m);
  CHECK(g.vertex_count() == m.sites.size() + m.arrivals.size());
  const auto checks = g.validate();
  REQUIRE(checks.size() == 11);
  for (const Check& c : checks) {
    INFO(c.name << ": " << c.detail);
    CHECK((c.ok || c.warning));
  }
  CHECK_FALSE(has_failures(checks));
  const std::string report = validation_report(checks);
  CHECK(report ==
        "[ok]   arrivals reach every site\n"
        "[ok]   every site receives patients\n"
        "[ok]   every site reaches an exit\n"
        "[ok]   route probabilities sum to 1\n"
        "[ok]   every cohort has a route\n"
        "[ok]   no zero-capacity site without overflow\n"
        "[ok]   every starting census fits its site\n"
        "[warn] closed roster hours have an overflow: patients arriving while closed wait for "
        "opening (or are lost where there is no waiting room) at walk_in_centre\n"
        "[ok]   no blocking cycle\n"
        "[ok]   no zero-time cycle\n"
        "[ok]   some site has capacity\n");
}

TEST_CASE("unreachable sites are named", "[pathways][graph]") {
  const ModelSpec m = model_with(kEd +
                                 "    routes: [{to: {home: 1}}]\n"
                                 "  orphan:\n"
                                 "    kind: service\n"
                                 "    capacity: 1\n"
                                 "    service: 1h\n"
                                 "    routes: [{to: {home: 1}}]\n"
                                 "  home: {kind: exit}\n");
  const auto checks = CareGraph(m).validate();
  const Check& c = check(checks, "arrivals reach every site");
  CHECK_FALSE(c.ok);
  CHECK(c.detail == "no arrival stream reaches orphan");
  CHECK(has_failures(checks));
  CHECK(validation_report(checks).find("[FAIL] arrivals reach every site: no arrival stream "
                                       "reaches orphan\n") != std::string::npos);
  // The report names where the orphan was written (line 12 of the model: "  orphan:").
  REQUIRE(c.where.size() == 1);
  CHECK(c.where.front().line == 12);
  CHECK(validation_report(checks).find("reaches orphan\n       at " + c.where.front().str() +
                                       "\n") != std::string::npos);
}

TEST_CASE("sites reached only through switched-off routes give a warning", "[pathways][graph]") {
  const ModelSpec m = model_with(kEd +
                                 "    routes: [{to: {hub: {by_year: [0, 0]}, home: 1}}]\n"
                                 "  hub:\n"
                                 "    kind: service\n"
                                 "    capacity: 1\n"
                                 "    service: 1h\n"
                                 "    routes: [{to: {home: 1}}]\n"
                                 "  home: {kind: exit}\n");
  const auto checks = CareGraph(m).validate();
  CHECK(check(checks, "arrivals reach every site").ok);
  const Check& c = check(checks, "every site receives patients");
  CHECK_FALSE(c.ok);
  CHECK(c.warning);
  CHECK(c.detail == "only routes with probability 0 in every year lead to hub");
  CHECK_FALSE(has_failures(checks));
}

TEST_CASE("sites with no path to an exit are named", "[pathways][graph]") {
  const ModelSpec m = model_with(kEd +
                                 "    routes: [{to: {loop_a: 0.5, home: 0.5}}]\n"
                                 "  loop_a:\n"
                                 "    kind: delay\n"
                                 "    service: 1d\n"
                                 "    routes: [{to: {loop_b: 1}}]\n"
                                 "  loop_b:\n"
                                 "    kind: triage\n"
                                 "    routes: [{to: {loop_a: 1}}]\n"
                                 "  home: {kind: exit}\n");
  const Check c = check(CareGraph(m).validate(), "every site reaches an exit");
  CHECK_FALSE(c.ok);
  CHECK(c.detail == "no route leads to an exit from loop_a, loop_b");
}

TEST_CASE("blocking cycles between finite-capacity sites are reported", "[pathways][graph]") {
  const ModelSpec m = model_with(kEd +
                                 "    routes: [{to: {ward_a: 1}}]\n"
                                 "  ward_a:\n"
                                 "    kind: beds\n"
                                 "    capacity: 10\n"
                                 "    service: 2d\n"
                                 "    routes: [{to: {ward_b: {p: 0.5, mode: block}, home: 0.5}}]\n"
                                 "  ward_b:\n"
                                 "    kind: beds\n"
                                 "    capacity: 5\n"
                                 "    service: 2d\n"
                                 "    routes: [{to: {ward_a: {p: 0.2, mode: block}, home: 0.8}}]\n"
                                 "  unlimited_c:\n"
                                 "    kind: beds\n"
                                 "    capacity: unlimited\n"
                                 "    service: 2d\n"
                                 "    routes: [{to: {home: 1}}]\n"
                                 "  home: {kind: exit}\n");
  const Check c = check(CareGraph(m).validate(), "no blocking cycle");
  CHECK_FALSE(c.ok);
  CHECK(c.detail == "sites that block each other (mode: block) may deadlock: {ward_a, ward_b}");

  // The same cycle through a site with unlimited capacity cannot deadlock.
  const ModelSpec ok = model_with(kEd +
                                  "    routes: [{to: {ward_a: 1}}]\n"
                                  "  ward_a:\n"
                                  "    kind: beds\n"
                                  "    capacity: 10\n"
                                  "    service: 2d\n"
                                  "    routes: [{to: {ward_b: {p: 0.5, mode: block}, home: 0.5}}]\n"
                                  "  ward_b:\n"
                                  "    kind: beds\n"
                                  "    capacity: unlimited\n"
                                  "    service: 2d\n"
                                  "    routes: [{to: {ward_a: {p: 0.2, mode: block}, home: 0.8}}]\n"
                                  "  home: {kind: exit}\n");
  CHECK(check(CareGraph(ok).validate(), "no blocking cycle").ok);
}

TEST_CASE("capacity 0 without overflow fails, roster gaps without overflow warn",
          "[pathways][graph]") {
  const ModelSpec m = model_with(
      "  ed:\n"
      "    kind: service\n"
      "    capacity: {by_year: [4, 0]}\n"
      "    service: 1h\n"
      "    routes: [{to: {gp: 1}}]\n"
      "  gp:\n"
      "    kind: service\n"
      "    capacity: 2\n"
      "    roster: [{days: mon-fri, from: \"08:00\", to: \"18:00\"}]\n"
      "    service: 15min\n"
      "    routes: [{to: {home: 1}}]\n"
      "  home: {kind: exit}\n");
  const auto checks = CareGraph(m).validate();
  const Check& cap = check(checks, "no zero-capacity site without overflow");
  CHECK_FALSE(cap.ok);
  CHECK(cap.detail == "capacity 0 and no overflow (patients are lost): 'ed' in year 2 (2015/16)");
  const Check& roster = check(checks, "closed roster hours have an overflow");
  CHECK_FALSE(roster.ok);
  CHECK(roster.warning);
  CHECK(roster.detail ==
        "patients arriving while closed wait for opening (or are lost where there is no waiting "
        "room) at gp");
  CHECK(validation_report(checks).find("[warn] closed roster hours have an overflow: patients "
                                       "arriving while closed wait for opening") !=
        std::string::npos);
}

TEST_CASE("probabilities and cohort coverage are re-checked on the spec", "[pathways][graph]") {
  ModelSpec m = load_model(kData + "/model.yaml");
  SiteSpec& ed = m.sites[static_cast<std::size_t>(m.site_index("ed"))];
  ed.routes[1].to[0].p.values[1] = 0.5;  // 0.5 + 0.75 in year 2
  ed.routes[1].when.cohorts = {0};       // frail75 is caught by rule 1, adult by rule 2
  ed.routes[0].when.cohorts = {0};       // ... and now nothing catches frail75
  const auto checks = CareGraph(m).validate();
  const Check& p = check(checks, "route probabilities sum to 1");
  CHECK_FALSE(p.ok);
  CHECK(p.detail == "rule 2 of 'ed' sums to 1.25 in year 2 (2015/16)");
  const Check& c = check(checks, "every cohort has a route");
  CHECK_FALSE(c.ok);
  CHECK(c.detail == "no rule matches some cohorts at 'ed' (frail75)");
}

TEST_CASE("DOT output labels sites, streams and edges", "[pathways][graph]") {
  const ModelSpec m = load_model(kData + "/model.yaml");
  std::ostringstream out;
  CareGraph(m).write_dot(out);
  const std::string dot = out.str();
  INFO(dot);
  CHECK(dot.rfind("digraph G {", 0) == 0);
  CHECK(dot.find("label=\"Mini\";") != std::string::npos);
  CHECK(dot.find("ed[label=\"ed\\nservice, 12\"]") != std::string::npos);
  CHECK(dot.find("acute_ward[label=\"acute_ward\\nbeds, 40..36\"]") != std::string::npos);
  CHECK(dot.find("community_beds[label=\"community_beds\\nbeds, unlimited\"]") !=
        std::string::npos);
  CHECK(dot.find("walk_in_centre[label=\"walk_in_centre\\nservice, 2 (rostered)\"]") !=
        std::string::npos);
  CHECK(dot.find("assessment[label=\"assessment\\ntriage\", shape=diamond]") != std::string::npos);
  CHECK(dot.find("home[label=\"home\\nexit\", shape=doublecircle]") != std::string::npos);
  CHECK(dot.find("\"arrivals/ed_walk_in\"[label=\"ed_walk_in\\n36500..44165/year\", shape=box]") !=
        std::string::npos);
  CHECK(
      dot.find("\"arrivals/gp_referrals\"[label=\"gp_referrals\\n7300..7320/year\", shape=box]") !=
      std::string::npos);
  CHECK(dot.find("\"arrivals/ed_walk_in\"->ed [style=bold]") != std::string::npos);
  CHECK(dot.find("ed->acute_ward [label=\"[cohort=frail75] 0.45\\nblock\\nhold fixed(120)\", "
                 "color=red]") != std::string::npos);
  CHECK(dot.find("ed->acute_ward [label=\"0.2 (0.2..0.3)\\nblock\", color=red]") !=
        std::string::npos);
  CHECK(dot.find("ed->home [label=\"0.8 (0.7..0.8)\\ntravel fixed(30)\"]") != std::string::npos);
  CHECK(dot.find("assessment->acute_ward [label=\"[frail=yes] 1\"]") != std::string::npos);
  CHECK(dot.find("ed->walk_in_centre [label=\"overflow\", style=dashed]") != std::string::npos);
}

TEST_CASE("a starting census that does not fit its site is refused", "[pathways][graph]") {
  LoadOptions options;
  // A census above capacity is refused by the loader, at the option that set it.
  options.sets = {"sites.ed.initial={occupied: 13, cohort: adult}"};  // ed has 12 places
  CHECK_THROWS_WITH(load_model(kData + "/model.yaml", options),
                    Catch::Contains("--set sites.ed.initial={occupied: 13, cohort: adult}: error: "
                                    "initial of site 'ed' has 13 occupied places, more than its "
                                    "capacity (12)"));
  // A waiting census above the waiting room is the graph check's.
  options.sets = {"sites.ed.queue_limit=2", "sites.ed.initial={waiting: 3, cohort: adult}"};
  const auto checks = CareGraph(load_model(kData + "/model.yaml", options)).validate();
  CHECK(has_failures(checks));
  CHECK(validation_report(checks).find("[FAIL] every starting census fits its site: the initial "
                                       "census does not fit at the start: 'ed' (3 waiting, "
                                       "queue_limit 2)") != std::string::npos);
  options.sets = {"sites.ed.initial={occupied: 12, cohort: adult}"};
  CHECK_FALSE(has_failures(CareGraph(load_model(kData + "/model.yaml", options)).validate()));
}
