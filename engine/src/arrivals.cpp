#include <carepath/engine/arrivals.hpp>
#include <carepath/engine/ziggurat.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace carepath::engine {

namespace {

constexpr std::array<int, 12> kDaysInMonth = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
// Days in the year before the first of each month (non-leap year).
constexpr std::array<int, 12> kDaysBeforeMonth = {0,   31,  59,  90,  120, 151,
                                                  181, 212, 243, 273, 304, 334};
constexpr std::int64_t kDaysPer400Years = 146097;
constexpr std::int64_t kDaysPer100Years = 36524;  // a century whose last year is not leap
constexpr std::int64_t kDaysPer4Years = 1461;

std::string num(double v) {
  std::ostringstream os;
  os.precision(10);
  os << v;
  return os.str();
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

/// Days from 0001-01-01 (proleptic Gregorian, a Monday) to y-m-d.
std::int64_t days_from_civil(int y, int m, int d) {
  const std::int64_t py = static_cast<std::int64_t>(y) - 1;
  std::int64_t days = py * 365 + floor_div(py, 4) - floor_div(py, 100) + floor_div(py, 400);
  days += kDaysBeforeMonth[static_cast<std::size_t>(m - 1)];
  if (m > 2 && is_leap_year(y)) ++days;
  return days + d - 1;
}

struct Ymd {
  int y, m, d;
};

/// Inverse of days_from_civil.
Ymd civil_from_days(std::int64_t n) {
  const std::int64_t q400 = floor_div(n, kDaysPer400Years);
  std::int64_t r = n - q400 * kDaysPer400Years;  // [0, 146096]
  const std::int64_t q100 = std::min<std::int64_t>(r / kDaysPer100Years, 3);
  r -= q100 * kDaysPer100Years;
  const std::int64_t q4 = r / kDaysPer4Years;
  r -= q4 * kDaysPer4Years;
  const std::int64_t q1 = std::min<std::int64_t>(r / 365, 3);
  r -= q1 * 365;  // day of year, 0-based
  const auto y = static_cast<int>(q400 * 400 + q100 * 100 + q4 * 4 + q1 + 1);
  int m = 1;
  auto doy = static_cast<int>(r);
  for (;;) {
    const int dim = days_in_month(y, m);
    if (doy < dim) break;
    doy -= dim;
    ++m;
  }
  return Ymd{y, m, doy + 1};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Free date helpers

bool is_leap_year(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  if (month == 2 && is_leap_year(year)) return 29;
  return kDaysInMonth[static_cast<std::size_t>(month - 1)];
}

bool is_valid_date(int y, int m, int d) {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

bool parse_date(std::string_view s, int& y, int& m, int& d) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  auto digits = [&s](std::size_t from, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  if (!digits(0, 4, y) || !digits(5, 2, m) || !digits(8, 2, d)) return false;
  return is_valid_date(y, m, d);
}

// ---------------------------------------------------------------------------------------------
// CivilCalendar

CivilCalendar::CivilCalendar(int year, int month, int day) : year_(year), month_(month), day_(day) {
  if (!is_valid_date(year, month, day)) {
    throw std::invalid_argument("CivilCalendar: invalid start date " + std::to_string(year) + "-" +
                                std::to_string(month) + "-" + std::to_string(day));
  }
  start_days_ = days_from_civil(year, month, day);
}

std::int64_t CivilCalendar::hour_index(Time t) {
  return static_cast<std::int64_t>(std::floor(t / kMinutesPerHour));
}

CivilCalendar::Civil CivilCalendar::civil_of_hours(std::int64_t hours) const {
  const Ymd c = civil_from_days(start_days_ + floor_div(hours, 24));
  return Civil{c.y, c.m, c.d};
}

int CivilCalendar::day_of_week(Time t) const {
  const std::int64_t days = start_days_ + floor_div(hour_index(t), 24);
  return static_cast<int>(days - floor_div(days, 7) * 7);  // 0001-01-01 was a Monday
}

int CivilCalendar::hour_of_day(Time t) const {
  const std::int64_t h = hour_index(t);
  return static_cast<int>(h - floor_div(h, 24) * 24);
}

int CivilCalendar::hour_of_week(Time t) const {
  return day_of_week(t) * 24 + hour_of_day(t);
}

int CivilCalendar::month_of_year(Time t) const {
  return civil_of_hours(hour_index(t)).m - 1;
}

int CivilCalendar::day_of_month(Time t) const {
  return civil_of_hours(hour_index(t)).d;
}

int CivilCalendar::civil_year(Time t) const {
  return civil_of_hours(hour_index(t)).y;
}

Time CivilCalendar::year_start(int k) const {
  const int y = year_ + k;
  const int d = std::min(day_, days_in_month(y, month_));
  return static_cast<Time>(days_from_civil(y, month_, d) - start_days_) * kMinutesPerDay;
}

int CivilCalendar::year_index(Time t) const {
  // Compare whole hours so that the year agrees with every other civil field of t.
  const std::int64_t h = hour_index(t);
  auto start_hours = [this](int k) {
    return static_cast<std::int64_t>(year_start(k) / kMinutesPerHour);
  };
  auto k = static_cast<int>(std::floor(static_cast<double>(floor_div(h, 24)) / 365.2425));
  while (start_hours(k) > h) --k;
  while (start_hours(k + 1) <= h) ++k;
  return k;
}

std::string CivilCalendar::date_string(Time t) const {
  const std::int64_t h = hour_index(t);
  const Civil c = civil_of_hours(h);
  const auto hod = static_cast<int>(h - floor_div(h, 24) * 24);
  auto minute = static_cast<int>(std::floor(t - static_cast<double>(h) * kMinutesPerHour));
  minute = std::clamp(minute, 0, 59);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d", c.y, c.m, c.d, hod, minute);
  return buf;
}

Time CivilCalendar::time_of(int year, int month, int day, int hour, int minute) const {
  if (!is_valid_date(year, month, day)) {
    throw std::invalid_argument("CivilCalendar::time_of: invalid date " + std::to_string(year) +
                                "-" + std::to_string(month) + "-" + std::to_string(day));
  }
  return static_cast<Time>(days_from_civil(year, month, day) - start_days_) * kMinutesPerDay +
         hour * kMinutesPerHour + minute;
}

// ---------------------------------------------------------------------------------------------
// NhppArrivals

NhppArrivals::NhppArrivals(const CivilCalendar& calendar, const RateProfile& profile,
                           std::vector<double> annual_volume_by_year)
    : calendar_(calendar), profile_(profile), volumes_(std::move(annual_volume_by_year)) {
  auto check_weights = [](const auto& w, const char* name) {
    bool any = false;
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (!std::isfinite(w[i]) || w[i] < 0.0) {
        throw std::invalid_argument("NhppArrivals: " + std::string(name) + "[" + std::to_string(i) +
                                    "] must be finite and >= 0 (got " + num(w[i]) + ")");
      }
      any = any || w[i] > 0.0;
    }
    if (!any) {
      throw std::invalid_argument("NhppArrivals: " + std::string(name) +
                                  " weights must not all be 0");
    }
  };
  check_weights(profile_.hour_of_week, "hour_of_week");
  check_weights(profile_.month_of_year, "month_of_year");
  if (volumes_.empty()) {
    throw std::invalid_argument("NhppArrivals: annual_volume_by_year must not be empty");
  }
  for (std::size_t i = 0; i < volumes_.size(); ++i) {
    if (!std::isfinite(volumes_[i]) || volumes_[i] < 0.0) {
      throw std::invalid_argument("NhppArrivals: annual_volume_by_year[" + std::to_string(i) +
                                  "] must be finite and >= 0 (got " + num(volumes_[i]) + ")");
    }
    if (volumes_[i] > 0.0) last_positive_ = static_cast<int>(i);
  }
  start_hour_of_week_ = calendar_.hour_of_week(0.0);
}

double NhppArrivals::annual_volume(int k) const {
  if (k < 0) return 0.0;
  return volumes_[std::min(static_cast<std::size_t>(k), volumes_.size() - 1)];
}

double NhppArrivals::weight_at_hours(std::int64_t hours) const {
  const Time t = static_cast<Time>(hours) * kMinutesPerHour;
  return profile_.hour_of_week[static_cast<std::size_t>(calendar_.hour_of_week(t))] *
         profile_.month_of_year[static_cast<std::size_t>(calendar_.month_of_year(t))];
}

NhppArrivals::YearInfo NhppArrivals::compute_year(int k) const {
  YearInfo info;
  info.begin = calendar_.year_start(k);
  info.end = calendar_.year_start(k + 1);
  info.end_hours = CivilCalendar::hour_index(info.end);
  const double volume = annual_volume(k);
  if (volume <= 0.0) return info;
  const Time begin = info.begin;
  const Time end = info.end;
  double weight_minutes = 0.0;  // integral of how x moy over the year, in minutes
  double max_weight = 0.0;
  double min_weight = std::numeric_limits<double>::infinity();
  for (Time day = begin; day < end; day += kMinutesPerDay) {
    const int month = calendar_.month_of_year(day);
    const double moy = profile_.month_of_year[static_cast<std::size_t>(month)];
    const std::int64_t day_hours = CivilCalendar::hour_index(day);
    if (day == begin || month != calendar_.month_of_year(day - kMinutesPerDay)) {
      info.months.push_back(MonthSpan{day_hours, day_hours + 24, moy});
    } else {
      info.months.back().end_hours = day_hours + 24;
    }
    const std::size_t first = static_cast<std::size_t>(calendar_.day_of_week(day)) * 24;
    double day_sum = 0.0;
    for (std::size_t h = first; h < first + 24; ++h) {
      const double w = profile_.hour_of_week[h] * moy;
      day_sum += w;
      max_weight = std::max(max_weight, w);
      min_weight = std::min(min_weight, w);
    }
    weight_minutes += day_sum * kMinutesPerHour;
  }
  // Every month contains every hour of the week, so weight_minutes > 0 (checked weights).
  info.base = volume / weight_minutes;
  info.max_weight = max_weight;
  info.max_gap = info.base > 0.0 && max_weight > 0.0 ? 1.0 / (info.base * max_weight) : 0.0;
  info.flat = min_weight == max_weight;
  // Inversion walks the hours between arrivals; thinning draws max/mean candidates an arrival.
  // Inversion wins unless arrivals are hours apart (about 1 in 4 hours or fewer).
  const double hours = static_cast<double>(info.end_hours - CivilCalendar::hour_index(begin));
  info.sampler = volume >= kInversionPerHour * hours ? kInversion : kThinning;
  return info;
}

NhppArrivals::YearInfo NhppArrivals::year_info(int k) const {
  if (k >= 0 && static_cast<std::size_t>(k) < cache_.size()) {
    return cache_[static_cast<std::size_t>(k)];
  }
  return compute_year(k);
}

const NhppArrivals::YearInfo& NhppArrivals::cached_year(int k) {
  while (cache_.size() <= static_cast<std::size_t>(k)) {
    cache_.push_back(compute_year(static_cast<int>(cache_.size())));
  }
  return cache_[static_cast<std::size_t>(k)];
}

double NhppArrivals::rate_at(Time t) const {
  if (!(t >= 0.0) || std::isinf(t)) return 0.0;
  const YearInfo y = year_info(calendar_.year_index(t));
  if (y.base == 0.0) return 0.0;
  return y.base * weight_at_hours(CivilCalendar::hour_index(t));
}

double NhppArrivals::expected_count(Time a, Time b) const {
  if (std::isnan(a) || std::isnan(b) || a > b) {
    throw std::invalid_argument("NhppArrivals::expected_count: need a <= b (got a=" + num(a) +
                                ", b=" + num(b) + ")");
  }
  a = std::max(a, 0.0);
  if (std::isinf(a)) return 0.0;
  if (std::isinf(b)) {
    if (volumes_.back() > 0.0) return std::numeric_limits<double>::infinity();
    b = calendar_.year_start(last_positive_ + 1);  // no mass after the last positive year
  }
  if (!(b > a)) return 0.0;
  double total = 0.0;
  const int k_first = calendar_.year_index(a);
  const int k_last = calendar_.year_index(b);
  for (int k = k_first; k <= k_last; ++k) {
    const Time ys = calendar_.year_start(k);
    const Time ye = calendar_.year_start(k + 1);
    const Time lo = std::max(a, ys);
    const Time hi = std::min(b, ye);
    if (!(hi > lo)) continue;
    if (lo == ys && hi == ye) {
      total += annual_volume(k);
      continue;
    }
    const YearInfo y = year_info(k);
    if (y.base == 0.0) continue;
    double weighted = 0.0;
    for (std::int64_t h = CivilCalendar::hour_index(lo);; ++h) {
      const Time h_lo = static_cast<Time>(h) * kMinutesPerHour;
      if (h_lo >= hi) break;
      const Time h_hi = h_lo + kMinutesPerHour;
      const double len = std::min(hi, h_hi) - std::max(lo, h_lo);
      if (len > 0.0) weighted += weight_at_hours(h) * len;
    }
    total += y.base * weighted;
  }
  return total;
}

const NhppArrivals::MonthSpan& NhppArrivals::month_at(const YearInfo& y, std::int64_t h) {
  if (month_hint_ >= y.months.size() || h < y.months[month_hint_].begin_hours) month_hint_ = 0;
  while (h >= y.months[month_hint_].end_hours) ++month_hint_;
  return y.months[month_hint_];
}

Time NhppArrivals::next_general(Time now, RandomStream& rs) {
  if (std::isnan(now)) throw std::invalid_argument("NhppArrivals::next: now is NaN");
  if (std::isinf(now)) return kForever;
  return next_from(std::max(now, 0.0), rs);
}

Time NhppArrivals::next_from(Time t, RandomStream& rs) {
  for (;;) {
    // The year of t: the cached year of the last call, or a date computation when t leaves it.
    const YearInfo* y = nullptr;
    if (year_hint_ < cache_.size() && t >= cache_[year_hint_].begin && t < cache_[year_hint_].end) {
      y = &cache_[year_hint_];
    } else {
      const int k = calendar_.year_index(t);
      if (k > last_positive_ && volumes_.back() <= 0.0) return kForever;
      y = &cached_year(k);
      year_hint_ = static_cast<std::size_t>(k);
      month_hint_ = 0;
    }
    if (y->base > 0.0) {
      const Time found = y->flat                    ? next_flat(*y, t, rs)
                         : y->sampler == kInversion ? next_inversion(*y, t, rs)
                                                    : next_thinning(*y, t, rs);
      if (found < y->end) return found;
    }
    t = y->end;  // restart at the boundary: exact by memorylessness
  }
}

Time NhppArrivals::next_flat(const YearInfo& y, Time t, RandomStream& rs) {
  // One rate all year: the gap is exponential (one draw an arrival).
  t += ziggurat::exponential(rs) * y.max_gap;  // a multiply: no division on the arrival chain
  return t < y.end ? t : kForever;
}

Time NhppArrivals::next_inversion(const YearInfo& y, Time t, RandomStream& rs) {
  // Inversion of the cumulative rate: an Exp(1) amount of expected arrivals is used up hour by
  // hour (the rate is constant on each hour); the arrival falls where it runs out.
  double mass = ziggurat::exponential(rs);
  std::int64_t h = CivilCalendar::hour_index(t);
  auto how = static_cast<std::size_t>((start_hour_of_week_ + h) % 168);
  for (;;) {
    if (h >= y.end_hours) return kForever;
    const double rate = y.base * profile_.hour_of_week[how] * month_at(y, h).weight;
    const Time hour_end = static_cast<Time>(h + 1) * kMinutesPerHour;
    const double in_hour = rate * (hour_end - t);
    if (mass < in_hour) {  // within this hour (rounding must not carry it into the next)
      return std::min(t + mass / rate, std::nextafter(hour_end, 0.0));
    }
    mass -= in_hour;
    t = hour_end;
    ++h;
    how = how == 167 ? 0 : how + 1;
  }
}

Time NhppArrivals::next_thinning(const YearInfo& y, Time t, RandomStream& rs) {
  for (;;) {
    t += ziggurat::exponential(rs) * y.max_gap;  // candidates at the year's largest rate
    if (t >= y.end) return kForever;
    const std::int64_t h = CivilCalendar::hour_index(t);
    if (h >= y.end_hours) return kForever;
    // Accept with probability lambda(t) / lambda* = w(t) / w*, w = how x moy.
    const auto how = static_cast<std::size_t>((start_hour_of_week_ + h) % 168);
    const double w = profile_.hour_of_week[how] * month_at(y, h).weight;
    if (rs.uniform() < w / y.max_weight) return t;
  }
}

}  // namespace carepath::engine
