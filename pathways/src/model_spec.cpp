#include <carepath/pathways/model_spec.hpp>

namespace carepath::pathways {

std::string HorizonSpec::year_label(int k) const {
  const int y = start_year + k;
  // A horizon starting on 1 January runs in calendar years.
  if (start_month == 1 && start_day == 1) return std::to_string(y);
  const int next = (y + 1) % 100;
  return std::to_string(y) + "/" + (next < 10 ? "0" : "") + std::to_string(next);
}

int ModelSpec::site_index(const std::string& site_name) const {
  for (std::size_t i = 0; i < sites.size(); ++i)
    if (sites[i].name == site_name) return static_cast<int>(i);
  return -1;
}

int ModelSpec::cohort_index(const std::string& cohort_name) const {
  for (std::size_t i = 0; i < cohorts.size(); ++i)
    if (cohorts[i].name == cohort_name) return static_cast<int>(i);
  return -1;
}

}  // namespace carepath::pathways
