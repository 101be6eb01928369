// The language's keys (scenarios/README.md is their reference) and the JSON Schema written from
// them.
#include <carepath/pathways/key_table.hpp>

#include <sstream>
#include <stdexcept>

namespace carepath::pathways {
namespace {

const char* const kSumMetrics =
    "one_of:arrivals|accepted|served|baulked|reneged|blocked|bed_days|blocked_days|cost|"
    "cost_activity|cost_beds|cost_staff|staffed_hours|escalation_bed_days|appointments_offered|"
    "appointments_booked|unmet_requests";

std::vector<SectionSpec> build() {
  return {
      {"root",
       "A carepath model, scenario or lever file (scenarios/README.md)",
       {
           {"scenario", "section:scenario", "This file is a scenario: a model plus levers"},
           {"overlay", "section:overlay", "This file is a lever (overlay) for scenarios"},
           {"model", "section:model", "Name, description and population", true},
           {"horizon", "section:horizon", "Start date and length of the simulated period", true},
           {"run", "section:run", "Default replications, seed and warm-up"},
           {"cohorts", "map:section:cohort", "Patient groups with attributes and priority", true},
           {"profiles", "map:section:profile", "Time-of-week and seasonal shapes of arrivals"},
           {"arrivals", "map:section:arrival", "Arrival streams (volumes with units)", true},
           {"sites", "map:section:site", "Services, beds, teams, triage points and exits", true},
           {"kpis", "map:section:kpi", "Declared KPIs (one form each)"},
           {"escalation", "map:section:escalation",
            "Escalation policies (OPEL-style), run as system processes"},
           {"parameters", "map:parameter",
            "Named values (levers) that other values compute from with \"=expression\""},
           {"targets", "map:section:plan_target",
            "Plan targets on KPIs (met / not met / uncertain)"},
       }},
      {"plan_target",
       "A plan target: a KPI's bound, in its unit, in some or all years",
       {
           {"kpi", "text", "The KPI (declared or built-in, e.g. site.ed.wait_p95)", true},
           {"at_least", "number", "The KPI must be at least this (in its unit)"},
           {"at_most", "number", "The KPI must be at most this (in its unit)"},
           {"years", "list:text", "Year labels it applies to (e.g. [2018/19]); default all"},
           {"label", "text", "What the target is and its source"},
       }},
      {"parameter",
       "A parameter: its value (with units) and what it means",
       {
           {"value", "any", "The value: 15, 35%, 12d, 8142/year or text (mon-fri)", true},
           {"unit", "text", "Unit shown with the value"},
           {"description", "text", "What the parameter is and its source"},
           {"min", "any", "Least allowed value (same units)"},
           {"max", "any", "Greatest allowed value (same units)"},
       }},
      {"scenario",
       "A scenario: the model it extends and the levers it applies, in order",
       {
           {"name", "text", "Scenario name (a column of every table)"},
           {"extends", "text", "The model (or scenario) file this one changes"},
           {"overlays", "list:text", "Lever files applied in order"},
           {"description", "text", "What the scenario is, with its source"},
       }},
      {"overlay",
       "A lever: a named change listed in scenarios' overlays",
       {
           {"name", "text", "Lever name"},
           {"description", "text", "What it changes and why (sources, assumptions)"},
       }},
      {"model",
       "The model's name and population",
       {
           {"name", "text", "Model name", true},
           {"description", "text", "One paragraph"},
           {"population", "number", "Registered population (denominator of per_100k KPIs)"},
       }},
      {"horizon",
       "The simulated period: financial years from the start date",
       {
           {"start", "date", "First day (YYYY-MM-DD), 00:00", true},
           {"years", "integer", "Whole years (KPI windows)"},
           {"length", "duration", "Or a length (26w, 400d), not both"},
       }},
      {"run",
       "Defaults for carepath run (the command line overrides them)",
       {
           {"replications", "integer", "Replications per scenario"},
           {"seed", "integer", "Master seed; random streams are named per purpose"},
           {"warmup", "duration", "Simulated before horizon.start, then discarded (e.g. 90d)"},
       }},
      {"cohort",
       "A patient group",
       {
           {"attributes", "map:any", "Attribute values matched by route guards (when:)"},
           {"priority", "integer", "Queue priority (higher first) where queue: priority"},
       }},
      {"profile",
       "Relative arrival weights (normalised to mean 1)",
       {
           {"day_of_week", "list:number", "7 weights, Monday first"},
           {"hour_of_day", "list:number", "24 weights, 00:00 first"},
           {"hour_of_week", "list:number", "168 weights, Monday 00:00 first"},
           {"month_of_year", "list:number", "12 weights, January first"},
       }},
      {"arrival",
       "An arrival stream",
       {
           {"to", "text", "The site patients arrive at", true},
           {"volume", "yearly:rate", "Arrivals per period with units (8142/year, 22/day)", true},
           {"growth", "growth", "Yearly growth of the volume (1%/year)"},
           {"profile", "text", "A profile name (time-of-week and seasonality)"},
           {"cohorts", "map:yearly:share", "Share of arrivals in each cohort (sum 1)"},
       }},
      {"site",
       "A site: service, beds, team, triage, delay or exit",
       {
           {"kind", "one_of:service|beds|team|triage|delay|exit", "What the site is", true},
           {"label", "text", "Name for reports"},
           {"capacity", "yearly:count", "Servers, beds or caseload places (or unlimited)"},
           {"roster", "list:section:shift", "Opening hours; closed outside them"},
           {"on_close", "one_of:finish|preempt", "What happens to patients in service at closing"},
           {"queue", "one_of:fifo|priority", "Order of the line"},
           {"preemptive", "boolean", "A higher priority interrupts service"},
           {"queue_limit", "count", "Places in the line; arrivals beyond it overflow"},
           {"service", "distribution", "Service time or length of stay"},
           {"service_scale", "yearly:number", "Multiplier on service times, per year"},
           {"patience", "distribution", "Time a patient waits before leaving unseen"},
           {"renege_to", "text", "Where patients who leave unseen go (default: they leave)"},
           {"overflow", "text", "Where patients go when closed, full or out of appointments"},
           {"routes", "list:section:route", "Where patients go next (first matching rule)"},
           {"cost", "section:cost", "Unit costs in pounds"},
           {"service_by_cohort", "map:distribution", "A cohort's own service time"},
           {"hold_scale", "yearly:number", "Multiplier on this site's route hold times"},
           {"initial", "section:initial", "Patients present at the start (warm start)"},
           {"patience_by_cohort", "map:distribution", "A cohort's own patience"},
           {"appointments", "section:appointments", "A same-day appointment book"},
       }},
      {"shift",
       "A roster shift",
       {
           {"days", "text_or_list", "mon-fri, all, sat-sun, mon, ... or a list of days"},
           {"from", "time_of_day", "Opening time (HH:MM)", true},
           {"to", "time_of_day", "Closing time (HH:MM, 24:00 allowed)", true},
           {"capacity", "yearly:count", "Capacity during the shift (default: the site's)"},
       }},
      {"route",
       "A route rule: the first whose guard matches the patient applies",
       {
           {"when", "map:any", "Guard: cohort and attribute values"},
           {"to", "map:target", "Next sites with probabilities (sum 1)", true},
       }},
      {"target",
       "A route target with options",
       {
           {"p", "yearly:share", "Probability (or by_year)"},
           {"mode", "one_of:queue|block|divert", "Join the line, wait in place, or divert"},
           {"hold", "distribution", "Time held in place before leaving (delayed transfer)"},
           {"travel", "distribution", "Travel time to the next site"},
       }},
      {"cost",
       "Unit costs in pounds",
       {
           {"per_arrival", "number", "Activity: per patient arriving"},
           {"per_day", "number", "Per occupied bed-day (or caseload day)"},
           {"per_staffed_hour", "number",
            "Staff: per server, bed or place in service per hour, occupied or idle"},
       }},
      {"initial",
       "Patients at the site at the start",
       {
           {"occupied", "integer", "Places occupied"},
           {"waiting", "integer", "Patients waiting in the line"},
           {"cohort", "text", "Their cohort"},
       }},
      {"appointments",
       "A same-day appointment book",
       {
           {"per_day", "yearly:count", "Appointments a day", true},
           {"release", "list:time_of_day", "Release times (equal tranches), default 08:00"},
       }},
      {"kpi",
       "A declared KPI: exactly one form, plus options",
       {
           {"sum", kSumMetrics, "Sum over the sites of a site metric in the year"},
           {"mean", "one_of:occupancy|queue|wait|time_in_site", "Mean over the year"},
           {"share_within", "duration", "Percentage whose time (or wait) was at most this"},
           {"p95", "one_of:wait|time_in_site", "95th percentile"},
           {"ratio", "list:text", "[a, b]: KPI a / KPI b x scale"},
           {"per_100k", "text", "A KPI per 100,000 population"},
           {"count_over", "duration", "Number whose time (or wait) exceeded this"},
           {"time_at_least", "any", "Percentage of time with at least K places occupied (or full)"},
           {"time_at", "integer", "Percentage of time with exactly K places occupied"},
           {"profile", "one_of:arrivals|occupancy|wait", "By hour of day or day of week"},
           {"sites", "sites", "Site names, or all"},
           {"unit", "text", "Unit shown in tables"},
           {"description", "text", "What it measures"},
           {"headline", "boolean", "Shown in the run table"},
           {"scale", "number", "Multiplier (ratio and sum)"},
           {"of", "one_of:wait|time_in_site|occupancy|present", "What the form measures"},
           {"cohorts", "list:text", "Restrict to these cohorts"},
           {"by", "one_of:hour_of_day|day_of_week", "Profile grouping"},
       }},
      {"escalation",
       "An escalation policy (scenarios/README.md, Escalation)",
       {
           {"watch", "section:escalation_watch", "The site and measure watched", true},
           {"open", "section:escalation_open", "When it opens", true},
           {"close", "section:escalation_close", "When it closes", true},
           {"add", "section:escalation_add", "Extra places while open"},
           {"divert", "section:escalation_divert", "Patients diverted while open"},
           {"cost", "section:escalation_cost", "Cost of the extra places"},
           {"check_every", "duration", "Time between checks (default 15min)"},
           {"label", "text", "Name for reports"},
       }},
      {"escalation_watch",
       "What an escalation policy watches",
       {
           {"site", "text", "Watched site", true},
           {"measure", "one_of:occupancy|queue|boarding|present", "What is counted"},
       }},
      {"escalation_open",
       "When an escalation policy opens",
       {
           {"at_least", "threshold", "A count, or a percentage of capacity (98%)", true},
           {"for", "duration", "Sustained for this long"},
           {"after", "duration", "Delay from the decision to opening"},
       }},
      {"escalation_close",
       "When an escalation policy closes",
       {
           {"below", "threshold", "A count, or a percentage of capacity", true},
           {"for", "duration", "Calm for this long"},
       }},
      {"escalation_add",
       "Extra places while open",
       {
           {"site", "text", "Site given places (default: the watched one)"},
           {"places", "integer", "Extra places", true},
       }},
      {"escalation_divert",
       "Diversion while open",
       {
           {"from", "text_or_list",
            "Sites whose patients, moving to the watched site, may be diverted", true},
           {"share", "share", "Probability of diversion", true},
           {"to", "text", "Where diverted patients go", true},
       }},
      {"escalation_cost",
       "Cost of escalation places",
       {
           {"per_bed_day", "number", "Pounds per day of each extra place open"},
       }},
      {"distribution",
       "A distribution: one kind with its parameters (durations carry units), or a plain duration",
       {
           {"fixed", "duration", "Always this long"},
           {"exponential", "section:dist_mean", "Exponential with this mean"},
           {"uniform", "section:dist_min_max", "Uniform between min and max"},
           {"triangular", "section:dist_min_mode_max", "Triangular"},
           {"pert", "section:dist_min_mode_max", "PERT (beta) on min, mode, max"},
           {"normal", "section:dist_mean_sd", "Normal (must stay above 0)"},
           {"lognormal", "section:dist_lognormal", "Lognormal: mean and sd, or median and p95"},
           {"gamma", "section:dist_gamma", "Gamma: mean and coefficient of variation"},
           {"weibull", "section:dist_weibull", "Weibull: shape and scale"},
           {"erlang", "section:dist_erlang", "Erlang: k phases, mean"},
           {"empirical", "map:any", "Discrete values with probabilities"},
           {"empirical_cdf", "map:any", "Piecewise-linear cumulative distribution"},
           {"csv", "map:any", "Values from a CSV file: file, kind, unit"},
           {"mixture", "list:any", "Components with p"},
           {"truncate", "section:dist_truncate", "Truncation to [min, max]"},
           {"p", "share", "Weight of a mixture component"},
       }},
      {"dist_mean", "Parameters", {{"mean", "duration", "Mean", true}}},
      {"dist_min_max",
       "Parameters",
       {{"min", "duration", "Least value", true}, {"max", "duration", "Greatest value", true}}},
      {"dist_min_mode_max",
       "Parameters",
       {{"min", "duration", "Least value", true},
        {"mode", "duration", "Most likely value", true},
        {"max", "duration", "Greatest value", true}}},
      {"dist_mean_sd",
       "Parameters",
       {{"mean", "duration", "Mean", true}, {"sd", "duration", "Standard deviation", true}}},
      {"dist_lognormal",
       "Parameters",
       {{"mean", "duration", "Mean"},
        {"sd", "duration", "Standard deviation"},
        {"median", "duration", "Median"},
        {"p95", "duration", "95th percentile"}}},
      {"dist_gamma",
       "Parameters",
       {{"mean", "duration", "Mean", true}, {"cv", "number", "Coefficient of variation", true}}},
      {"dist_weibull",
       "Parameters",
       {{"shape", "number", "Shape", true}, {"scale", "duration", "Scale", true}}},
      {"dist_erlang",
       "Parameters",
       {{"k", "integer", "Phases", true}, {"mean", "duration", "Mean", true}}},
      {"dist_truncate",
       "Truncation",
       {{"min", "duration", "Least value"}, {"max", "duration", "Greatest value"}}},
      {"sweep_root",
       "A carepath sweep file (scenarios/README.md, Sweeps)",
       {
           {"sweep", "section:sweep_head", "Name and description"},
           {"scenarios", "text_or_list", "Base scenario file(s)", true},
           {"parameters", "map:section:sweep_parameter", "Parameters and their values", true},
           {"design", "any", "grid, {latin_hypercube: {points, seed}} or {points: [...]}"},
           {"replications", "integer", "Replications per point"},
           {"seed", "integer", "Master seed"},
           {"kpis", "list:text", "KPIs in the points table"},
       }},
      {"sweep_head",
       "A sweep's name",
       {
           {"name", "text", "Sweep name"},
           {"description", "text", "What it explores"},
       }},
      {"sweep_parameter",
       "A sweep parameter",
       {
           {"set", "text", "A --set path (sites.ed.capacity)"},
           {"levers", "map:text", "Value -> lever file"},
           {"values", "list:any", "Values"},
           {"range", "section:sweep_range", "from, to, step"},
           {"unit", "text", "Unit shown in tables"},
       }},
      {"sweep_range",
       "A range of values",
       {
           {"from", "any", "First value (a number or a quantity with units)", true},
           {"to", "any", "Last value", true},
           {"step", "any", "Step"},
       }},
      {"latin_hypercube",
       "A Latin hypercube design",
       {
           {"points", "integer", "Number of points", true},
           {"seed", "integer", "Seed of the design"},
       }},
  };
}

// ---- JSON Schema ----

/// The values of an enumeration written "a|b|c".
std::vector<std::string> split_choices(std::string_view list) {
  std::vector<std::string> out;
  for (;;) {
    const std::size_t bar = list.find('|');
    out.emplace_back(list.substr(0, bar));
    if (bar == std::string_view::npos) return out;
    list = list.substr(bar + 1);
  }
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const char* const kNumber = R"("^\\s*[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?\\s*)";

std::string pattern(std::string_view unit_regex) {
  const std::string p = kNumber;  // an opening quote, no closing one
  return "{\"type\": \"string\", \"pattern\": " + p + std::string(unit_regex) + "\\\\s*$\"}";
}

std::string type_schema(std::string_view type);

std::string distribution_schema() {
  // A plain duration is a fixed time; otherwise one kind with its parameters.
  return "{\"oneOf\": [" + type_schema("duration") + ", " + type_schema("section:distribution") +
         "]}";
}

/// A leaf type, or an "=expression" computed from parameters.
std::string or_expression(const std::string& leaf) {
  return R"({"anyOf": [)" + leaf + R"(, {"type": "string", "pattern": "^="}]})";
}

std::string type_schema(std::string_view type) {
  const auto prefixed = [&](std::string_view p) { return type.substr(0, p.size()) == p; };
  // yaml-cpp reads every scalar as text: a label of 999 is the text "999".
  if (type == "text") return R"({"type": ["string", "number"]})";
  if (type == "number") return or_expression(R"({"type": "number"})");
  if (type == "integer") return or_expression(R"({"type": "integer"})");
  if (type == "boolean") return R"({"type": "boolean"})";
  if (type == "any") return "{}";
  if (type == "share") return or_expression(R"({"type": "number", "minimum": 0, "maximum": 1})");
  if (type == "date") return R"({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})";
  if (type == "time_of_day")
    return or_expression(R"({"type": "string", "pattern": "^([01][0-9]|2[0-4]):[0-5][0-9]$"})");
  if (type == "duration") return or_expression(pattern("(min|h|d|w)"));
  if (type == "rate") return or_expression(pattern("/(year|week|day|hour)"));
  if (type == "growth") return pattern("%/year");
  if (type == "threshold")
    return "{\"oneOf\": [{\"type\": \"number\", \"minimum\": 0}, " + pattern("%") + "]}";
  if (type == "count") {
    return or_expression(
        R"({"oneOf": [{"type": "integer", "minimum": 0}, {"const": "unlimited"}]})");
  }
  if (type == "parameter") {
    return "{\"oneOf\": [" + type_schema("section:parameter") +
           R"(, {"type": ["number", "string"]}]})";
  }
  if (type == "distribution") return distribution_schema();
  if (type == "sites")
    return R"({"oneOf": [{"const": "all"}, {"type": "array", "items": {"type": "string"}}]})";
  if (type == "text_or_list")
    return R"({"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]})";
  if (type == "target") {
    return "{\"oneOf\": [" + type_schema("yearly:share") + ", " + type_schema("section:target") +
           "]}";
  }
  if (prefixed("one_of:")) {
    std::string out;
    for (const std::string& c : split_choices(type.substr(7)))
      out += (out.empty() ? "" : ", ") + quoted(c);
    return "{\"enum\": [" + out + "]}";
  }
  if (prefixed("yearly:")) {
    const std::string one = type_schema(type.substr(7));
    return "{\"oneOf\": [" + one +
           ", {\"type\": \"object\", \"properties\": {\"by_year\": {\"type\": \"array\", "
           "\"items\": " +
           one + "}}, \"required\": [\"by_year\"], \"additionalProperties\": false}]}";
  }
  if (prefixed("list:"))
    return "{\"type\": \"array\", \"items\": " + type_schema(type.substr(5)) + "}";
  if (prefixed("map:")) {
    // A null entry (~) removes a site, stream, target or KPI in a scenario or lever.
    return "{\"type\": \"object\", \"additionalProperties\": {\"anyOf\": [" +
           type_schema(type.substr(4)) + ", {\"type\": \"null\"}]}}";
  }
  if (prefixed("section:"))
    return "{\"$ref\": \"#/definitions/" + std::string(type.substr(8)) + "\"}";
  throw std::logic_error("key table: unknown type '" + std::string(type) + "'");
}

std::string required_of(const SectionSpec& s);

std::string section_schema(const SectionSpec& s) {
  std::string props;
  for (const KeySpec& k : s.keys) {
    // The key's type, or null: `key: ~` (and --set key=) removes it in a scenario or lever.
    const std::string t = "{\"description\": " + quoted(k.description) + ", \"anyOf\": [" +
                          type_schema(k.type) + ", {\"type\": \"null\"}]}";
    if (!props.empty()) props += ",\n      ";
    props += quoted(k.name) + ": " + t;
  }
  // Distribution parameters are always given whole (a lever replaces a distribution).
  const bool whole = s.name.substr(0, 5) == "dist_";
  return "{\"type\": \"object\", \"description\": " + quoted(s.description) +
         ",\n     \"properties\": {\n      " + props + "},\n     \"additionalProperties\": false" +
         (whole ? ", \"required\": " + required_of(s) : "") + "}";
}

std::string required_of(const SectionSpec& s) {
  std::string out;
  for (const KeySpec& k : s.keys)
    if (k.required) out += (out.empty() ? "" : ", ") + quoted(k.name);
  return "[" + out + "]";
}

/// What each kind of site needs in a complete model (the loader's `require` calls).
std::string kind_requirements() {
  const std::pair<const char*, const char*> kinds[] = {
      {"service", R"(["capacity", "service", "routes"])"},
      {"beds", R"(["capacity", "service", "routes"])"},
      {"team", R"(["capacity", "service", "routes"])"},
      {"delay", R"(["service", "routes"])"},
      {"triage", R"(["routes"])"},
  };
  std::string out;
  for (const auto& [kind, required] : kinds) {
    if (!out.empty()) out += ", ";
    out += R"({"if": {"properties": {"kind": {"const": ")" + std::string(kind) +
           R"("}}}, "then": {"required": )" + required + "}}";
  }
  return out;
}

}  // namespace

const std::vector<SectionSpec>& key_table() {
  static const std::vector<SectionSpec> kTable = build();
  return kTable;
}

std::vector<std::string> keys_of(std::string_view section) {
  for (const SectionSpec& s : key_table()) {
    if (s.name != section) continue;
    std::vector<std::string> out;
    out.reserve(s.keys.size());
    for (const KeySpec& k : s.keys) out.emplace_back(k.name);
    return out;
  }
  throw std::out_of_range("key table: no section '" + std::string(section) + "'");
}

std::vector<std::string> choices_of(std::string_view section, std::string_view key) {
  for (const SectionSpec& s : key_table()) {
    if (s.name != section) continue;
    for (const KeySpec& k : s.keys) {
      if (k.name == key && k.type.substr(0, 7) == "one_of:") return split_choices(k.type.substr(7));
    }
  }
  throw std::out_of_range("key table: no enumerated key '" + std::string(key) + "' in '" +
                          std::string(section) + "'");
}

std::string json_schema(SchemaKind kind) {
  const auto find = [](std::string_view name) -> const SectionSpec& {
    for (const SectionSpec& s : key_table())
      if (s.name == name) return s;
    throw std::out_of_range("key table: no section '" + std::string(name) + "'");
  };
  const bool sweep = kind == SchemaKind::sweep;
  const SectionSpec& root = find(sweep ? "sweep_root" : "root");
  std::ostringstream out;
  out << "{\n  \"$schema\": \"http://json-schema.org/draft-07/schema#\",\n"
      << "  \"$id\": \"https://carepath.example/schema/" << (sweep ? "sweep" : "model")
      << ".json\",\n  \"title\": " << quoted(root.description) << ",\n";
  const std::string body = section_schema(root);
  // The root's properties and additionalProperties, inlined.
  out << "  " << body.substr(1, body.size() - 2) << ",\n";
  if (!sweep) {
    // A complete model (a file with model:) needs its required sections, and each site a kind and
    // each arrival stream a destination and volume; scenario and lever files change only what they
    // name, so they may leave anything out.
    out << "  \"if\": {\"required\": [\"model\"]},\n  \"then\": {\"required\": "
        << required_of(root) << ",\n    \"properties\": {\n"
        << "      \"sites\": {\"additionalProperties\": {\"required\": "
        << required_of(find("site")) << ", \"allOf\": [" << kind_requirements() << "]}},\n"
        << "      \"arrivals\": {\"additionalProperties\": {\"required\": "
        << required_of(find("arrival")) << "}}}},\n";
  } else {
    out << "  \"required\": " << required_of(root) << ",\n";
  }
  out << "  \"definitions\": {";
  bool first = true;
  for (const SectionSpec& s : key_table()) {
    if (s.name == "root" || s.name == "sweep_root") continue;
    const bool sweep_section = s.name.substr(0, 5) == "sweep" || s.name == "latin_hypercube";
    if (sweep_section != sweep) continue;
    out << (first ? "\n    " : ",\n    ") << quoted(s.name) << ": " << section_schema(s);
    first = false;
  }
  out << "\n  }\n}\n";
  return out.str();
}

}  // namespace carepath::pathways
