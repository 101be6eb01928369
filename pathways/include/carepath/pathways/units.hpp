#pragma once
// Parsers for the quantities of the model language (scenarios/README.md, "Units").
//
// Every parser takes the text of one YAML scalar and returns either a value or an error message
// that quotes the text, e.g. `"90": a duration needs a unit (min, h, d or w), e.g. 90min`.
// No exceptions: the loader turns the message into a ConfigError at the scalar's position.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace carepath::pathways {

/// A value or an error message.
template <class T>
class Parsed {
 public:
  static Parsed ok(T v) {
    Parsed p;
    p.value_ = std::move(v);
    return p;
  }
  static Parsed fail(const std::string& message) {
    Parsed p;
    p.error_ = message;
    return p;
  }
  [[nodiscard]] bool has_value() const { return value_.has_value(); }
  explicit operator bool() const { return value_.has_value(); }
  [[nodiscard]] const T& value() const { return *value_; }
  [[nodiscard]] const T& operator*() const { return *value_; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  std::optional<T> value_;
  std::string error_;
};

struct Date {
  int year = 0, month = 0, day = 0;
  friend bool operator==(const Date&, const Date&) = default;
};

/// The largest duration (100 years of 365.25 days, in minutes) and rate (per year) accepted:
/// beyond them a value is a typo, and would overflow the simulation's calendar.
inline constexpr double kMaxDurationMinutes = 100 * 365.25 * 1440;
inline constexpr double kMaxRatePerYear = 1e9;

/// `15min`, `2.5h`, `26d`, `6w` -> minutes (0 to 100 years). A space before the unit is allowed.
Parsed<double> parse_duration(std::string_view text);
/// `8142/year`, `160/week`, `22/day`, `6/hour` -> per 365-day year (0 to 1e9): a week is 365/7
/// days of a 365-day year, a day 1/365 year, an hour 1/8760 year. Arrival volumes use
/// parse_volume, which keeps a rate a rate (the count in a leap year is 366 days' worth).
Parsed<double> parse_rate(std::string_view text);
/// An arrival volume: a yearly count (`8142/year`) or a rate (`22/day`, `6/hour`, `160/week`).
struct Volume {
  double per_year = 0.0;  ///< a yearly count (0 if the volume is a rate)
  double per_day = 0.0;   ///< a rate, in arrivals per day (0 if the volume is a yearly count)
  /// Expected arrivals in a year of `days` days: a yearly count stays the same; a rate gives
  /// rate x the year's length (366 days in a leap year).
  [[nodiscard]] double in_year(int days) const { return per_year + per_day * days; }
};
/// `8142/year` -> a yearly count; `22/day`, `6/hour` (24 a day), `160/week` (1/7 a day) -> a rate
/// (at most 1e9 a year either way).
Parsed<Volume> parse_volume(std::string_view text);
/// `3.5%/year`, `-2%/year` -> 0.035, -0.02 (must be > -100% and <= 100%).
Parsed<double> parse_growth(std::string_view text);
/// `08:00`, `24:00` -> minutes after midnight (0..1440).
Parsed<double> parse_time_of_day(std::string_view text);
/// `2014-04-01` (a valid calendar date, year 1900 or later).
Parsed<Date> parse_date(std::string_view text);
/// A plain finite number (`0.26`, `1.15`, `-3`); text with a unit is an error.
Parsed<double> parse_number(std::string_view text);
/// A plain integer (`40`, `-1`).
Parsed<long long> parse_integer(std::string_view text);
/// `true` or `false`.
Parsed<bool> parse_bool(std::string_view text);
/// Minutes per unit for `min`, `h`, `d`, `w` (nullopt for anything else).
std::optional<double> duration_unit_minutes(std::string_view unit);

/// A number written for humans: up to 10 significant digits, no trailing zeros ("0.95", "75000").
std::string format_number(double v);
/// A duration in the largest unit that divides it exactly ("90min", "2h", "26d", "6w"),
/// else in minutes.
std::string format_duration(double minutes);

}  // namespace carepath::pathways
