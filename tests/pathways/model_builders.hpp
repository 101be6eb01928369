#pragma once
// Small builders for hand-made models in the pathways tests (no YAML involved).
#include <carepath/pathways/model_spec.hpp>

#include <string>

namespace carepath::pathways::testing {

/// A site with a constant capacity; beds get no waiting room, as the loader does.
inline SiteSpec site(const std::string& name, SiteKind kind, int capacity, int years) {
  SiteSpec s;
  s.name = name;
  s.label = name;
  s.kind = kind;
  s.capacity = Yearly<int>(capacity, years);
  s.service_scale = Yearly<double>(1.0, years);
  s.queue_limit = kind == SiteKind::beds ? 0 : kUnlimited;
  return s;
}

/// A route rule sending everyone to `target`.
inline RouteRule to_one(int target, int years, EntryMode mode = EntryMode::queue) {
  RouteRule r;
  RouteTarget t;
  t.site = target;
  t.p = Yearly<double>(1.0, years);
  t.mode = mode;
  r.to.push_back(t);
  return r;
}

/// A flat arrival stream of one cohort (index 0).
inline ArrivalSpec stream(const std::string& name, int to, double per_year, int years) {
  ArrivalSpec a;
  a.name = name;
  a.to = to;
  a.volume_per_year = Yearly<double>(per_year, years);
  a.cohorts = {0};
  a.shares = {Yearly<double>(1.0, years)};
  return a;
}

}  // namespace carepath::pathways::testing
