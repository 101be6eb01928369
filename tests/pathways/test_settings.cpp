// --set PATH=VALUE: applied through the same merge and checks as a lever, errors name the option.
#include <carepath/pathways/loader.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace carepath::pathways;

namespace {

const std::string kModel = std::string(CAREPATH_SOURCE_DIR) + "/tests/data/model.yaml";

LoadOptions with_sets(std::vector<std::string> sets) {
  LoadOptions o;
  o.sets = std::move(sets);
  return o;
}

std::string errors_with(std::vector<std::string> sets) {
  try {
    load_model(kModel, with_sets(std::move(sets)));
  } catch (const ConfigErrors& e) {
    return e.what();
  }
  return "(loaded without error)";
}

const SiteSpec& site(const ModelSpec& m, const std::string& name) {
  const int i = m.site_index(name);
  REQUIRE(i >= 0);
  return m.sites[static_cast<std::size_t>(i)];
}

}  // namespace

TEST_CASE("a --set value changes the model as an overlay would, with units", "[pathways][loader]") {
  const ModelSpec base = load_model(kModel);
  const ModelSpec m = load_model(
      kModel, with_sets({"sites.ed.capacity=20", "arrivals.ed_walk_in.volume=73000/year"}));
  CHECK(site(m, "ed").capacity.at(0) == 20);
  CHECK(site(base, "ed").capacity.at(0) == 12);
  CHECK(m.arrivals.front().volume_per_year.at(0) ==
        Approx(2 * base.arrivals.front().volume_per_year.at(0)));
  // The resolved YAML carries the value, so it reloads to the same model (and hashes apart).
  CHECK(m.resolved_yaml != base.resolved_yaml);
  const ModelSpec again = load_model_from_string(m.resolved_yaml, kModel);
  CHECK(site(again, "ed").capacity.at(0) == 20);
  // Later settings win, like later levers.
  CHECK(site(load_model(kModel, with_sets({"sites.ed.capacity=20", "sites.ed.capacity=21"})), "ed")
            .capacity.at(0) == 21);
  // A map value reads as YAML.
  CHECK(site(load_model(kModel, with_sets({"sites.ed.capacity={by_year: [5, 6, 7]}"})), "ed")
            .capacity.at(1) == 6);
}

TEST_CASE("a bad --set names the option and suggests names", "[pathways][loader][validation]") {
  CHECK(errors_with({"sites.ed_x.capacity=52"}) ==
        "--set sites.ed_x.capacity=52: error: unknown site 'ed_x' in 'sites' (did you mean 'ed'?)");
  CHECK(errors_with({"sites.ed.capcity=52"}) ==
        "--set sites.ed.capcity=52: error: unknown key 'capcity' in site 'ed' (did you mean "
        "'capacity'?)");
  CHECK(errors_with({"arrivals.ed_walk_in.volume=120000"})
            .rfind("--set arrivals.ed_walk_in.volume=120000: error: ", 0) == 0);
  CHECK(errors_with({"sitse.ed.capacity=3"}) ==
        "--set sitse.ed.capacity=3: error: unknown key 'sitse' (did you mean 'sites'?)");
  CHECK(errors_with({"sites.ed.capacity"}) ==
        "--set sites.ed.capacity: error: expected PATH=VALUE, e.g. "
        "sites.community_beds.capacity=52");
  CHECK(errors_with({"sites.ed.capacity.x=3"}) ==
        "--set sites.ed.capacity.x=3: error: 'sites.ed.capacity' is not a map, so it has no 'x'");
}
