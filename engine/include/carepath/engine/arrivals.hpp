#pragma once
// Civil time and non-homogeneous Poisson arrivals.
//
// CivilCalendar maps simulated time (MINUTES since 00:00 on a start date; the pathways layer's
// unit) to civil dates in the proleptic Gregorian calendar, with no time zones or daylight
// saving. It does its own date arithmetic (no <chrono> calendar dependence). Every field
// (hour, day, month, year) is derived from the whole hour floor(t / 60), so all of them change
// only on hour boundaries and agree with each other.
//
// NhppArrivals is a non-homogeneous Poisson process whose rate is constant on each hour:
//   lambda(t) = base_k * hour_of_week[how(t)] * month_of_year[month(t)]   (per minute)
// where k = year_index(t) and base_k makes the expected count over year k equal
// annual_volume_by_year[k] exactly. Each year is sampled exactly, restarting at each year
// boundary (exact by memorylessness): a flat year by exponential gaps; a year averaging at least
// one arrival in four hours by inversion of the cumulative rate (one Exp(1) draw an arrival,
// used up hour by hour); a sparser year by thinning (Lewis & Shedler) at the year's dominating
// rate, which skips empty hours in one step. Each year's bounds, month spans and rates are computed
// once and cached, so a candidate arrival costs a lookup, not date arithmetic.
#include <carepath/engine/calendar.hpp>
#include <carepath/engine/random.hpp>
#include <carepath/engine/ziggurat.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace carepath::engine {

inline constexpr double kMinutesPerHour = 60.0;
inline constexpr double kMinutesPerDay = 1440.0;
inline constexpr double kMinutesPerWeek = 10080.0;

/// True if `year` is a Gregorian leap year.
bool is_leap_year(int year);
/// Days in `month` (1..12) of `year`.
int days_in_month(int year, int month);
/// True if y-m-d is a valid date with 1 <= y <= 9999.
bool is_valid_date(int y, int m, int d);
/// Parses exactly "YYYY-MM-DD" into a valid date; returns false (leaving outputs unspecified)
/// otherwise.
bool parse_date(std::string_view s, int& y, int& m, int& d);

class CivilCalendar {
 public:
  /// Time 0 is 00:00 on y-m-d. Throws std::invalid_argument on an invalid date.
  CivilCalendar(int year, int month, int day);

  /// 0 = Monday ... 6 = Sunday.
  [[nodiscard]] int day_of_week(Time t) const;
  /// 0..167; Monday 00:00-01:00 is 0.
  [[nodiscard]] int hour_of_week(Time t) const;
  /// 0 = January ... 11 = December.
  [[nodiscard]] int month_of_year(Time t) const;
  /// 0..23.
  [[nodiscard]] int hour_of_day(Time t) const;
  /// 1..31.
  [[nodiscard]] int day_of_month(Time t) const;
  /// Calendar year (e.g. 2014).
  [[nodiscard]] int civil_year(Time t) const;
  /// Whole years since the start: year k spans [year_start(k), year_start(k+1)). For a 1 April
  /// start these are financial years. Negative before time 0.
  [[nodiscard]] int year_index(Time t) const;
  /// 00:00 on the start date k years later (k may be negative). For a 29 February start, years
  /// without that date start on 28 February.
  [[nodiscard]] Time year_start(int k) const;
  /// "2014-04-01 08:00" (minutes truncated).
  [[nodiscard]] std::string date_string(Time t) const;
  /// Time of hour:minute on y-m-d (may be negative before the start). Throws
  /// std::invalid_argument on an invalid date.
  [[nodiscard]] Time time_of(int year, int month, int day, int hour = 0, int minute = 0) const;

  [[nodiscard]] int start_year() const { return year_; }
  [[nodiscard]] int start_month() const { return month_; }
  [[nodiscard]] int start_day() const { return day_; }

  /// Whole hours since time 0, floor(t / 60): the index every civil field is derived from.
  /// Precondition: t finite.
  static std::int64_t hour_index(Time t);

 private:
  struct Civil {
    int y, m, d;
  };
  [[nodiscard]] Civil civil_of_hours(std::int64_t hours) const;

  int year_;
  int month_;
  int day_;
  std::int64_t start_days_;  ///< days since 0001-01-01 (a Monday)
};

/// Relative rate weights (non-negative; only ratios matter).
struct RateProfile {
  RateProfile() {
    hour_of_week.fill(1.0);
    month_of_year.fill(1.0);
  }
  std::array<double, 168> hour_of_week;  ///< index CivilCalendar::hour_of_week
  std::array<double, 12> month_of_year;  ///< index CivilCalendar::month_of_year
};

class NhppArrivals {
 public:
  /// Throws std::invalid_argument if the volume vector is empty, a volume or weight is negative
  /// or not finite, or all hour-of-week or all month weights are zero.
  NhppArrivals(const CivilCalendar& calendar, const RateProfile& profile,
               std::vector<double> annual_volume_by_year);

  /// The first arrival strictly after `now` (arrivals start at time 0; a negative `now` is
  /// treated as 0), or kForever if every year from now on has zero volume.
  Time next(Time now, RandomStream& rs) {
    // The common case inline: `now` in the flat year of the last call (NaN, infinite and
    // negative times fail the test and take the general path, which checks them).
    if (year_hint_ < cache_.size()) {
      const YearInfo& y = cache_[year_hint_];
      if (y.flat && y.base > 0.0 && now >= y.begin && now < y.end) {
        const Time t = now + ziggurat::exponential(rs) * y.max_gap;  // as next_flat
        return t < y.end ? t : next_from(y.end, rs);  // past the year: go on from its end
      }
    }
    return next_general(now, rs);
  }

  /// Rate per minute at t (0 before time 0).
  [[nodiscard]] double rate_at(Time t) const;
  /// Exact integral of the rate over [a, b] (a <= b; b may be kForever). Whole years contribute
  /// their volume exactly.
  [[nodiscard]] double expected_count(Time a, Time b) const;
  /// Volume of year k (the last given volume for years beyond the vector; 0 for k < 0).
  [[nodiscard]] double annual_volume(int k) const;

  [[nodiscard]] const CivilCalendar& calendar() const { return calendar_; }

 private:
  /// The part of a calendar month inside one year, in whole hours since time 0.
  struct MonthSpan {
    std::int64_t begin_hours;
    std::int64_t end_hours;
    double weight;  ///< month_of_year weight
  };
  struct YearInfo {
    double base = 0.0;        ///< per-minute rate for unit weights
    double max_weight = 0.0;  ///< largest hour weight (how x moy) occurring in the year
    double max_gap = 0.0;     ///< 1 / (base x max_weight): the mean gap at the largest rate
    bool flat = false;        ///< every hour of the year has the same weight: exponential gaps
    int sampler = 0;          ///< kInversion or kThinning (years that are not flat)
    Time begin = 0.0;         ///< year_start(k)
    Time end = 0.0;           ///< year_start(k + 1)
    std::int64_t end_hours = 0;
    std::vector<MonthSpan> months;  ///< in time order, covering [begin, end)
  };
  [[nodiscard]] YearInfo compute_year(int k) const;
  [[nodiscard]] YearInfo year_info(int k) const;  ///< cached if available
  const YearInfo& cached_year(int k);             ///< grows the cache
  [[nodiscard]] double weight_at_hours(std::int64_t hours) const;
  /// The month span of year y holding hour h (a cursor makes forward steps O(1)).
  const MonthSpan& month_at(const YearInfo& y, std::int64_t h);
  static constexpr int kInversion = 0;
  static constexpr int kThinning = 1;
  /// Years with at least this many arrivals an hour on average sample by inversion.
  static constexpr double kInversionPerHour = 0.25;
  Time next_general(Time now, RandomStream& rs);
  Time next_from(Time t, RandomStream& rs);  // next() from t (finite, >= 0)
  Time next_flat(const YearInfo& y, Time t, RandomStream& rs);
  Time next_inversion(const YearInfo& y, Time t, RandomStream& rs);
  Time next_thinning(const YearInfo& y, Time t, RandomStream& rs);

  CivilCalendar calendar_;
  RateProfile profile_;
  std::vector<double> volumes_;
  int last_positive_ = -1;  ///< last index with positive volume (-1 if none)
  std::vector<YearInfo> cache_;
  int start_hour_of_week_ = 0;  ///< hour of week at time 0
  std::size_t year_hint_ = 0;   ///< cache index of the last year used by next()
  std::size_t month_hint_ = 0;  ///< index in months of the last span used
};

}  // namespace carepath::engine
