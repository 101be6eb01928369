#include <carepath/pathways/units.hpp>

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace carepath::pathways {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  out.append(s);
  out.push_back('"');
  return out;
}

/// Splits "2.5h" into a number and the rest ("h"); nullopt if the text does not start with a
/// number.
struct Split {
  double number = 0;
  std::string_view number_text;
  std::string_view rest;
};

std::optional<Split> split_number(std::string_view s) {
  std::size_t i = 0;
  const auto digit = [&](std::size_t k) {
    return k < s.size() && std::isdigit(static_cast<unsigned char>(s[k])) != 0;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const std::size_t start_digits = i;
  while (digit(i)) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (digit(i)) ++i;
  }
  const std::size_t mantissa_end = i;
  // At least one digit in the mantissa.
  bool any_digit = false;
  for (std::size_t k = start_digits; k < mantissa_end; ++k)
    if (std::isdigit(static_cast<unsigned char>(s[k])) != 0) any_digit = true;
  if (!any_digit) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t k = i + 1;
    if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
    if (digit(k)) {
      while (digit(k)) ++k;
      i = k;
    }
  }
  Split out;
  out.number_text = s.substr(0, i);
  std::string_view num = out.number_text;
  if (!num.empty() && num.front() == '+') num.remove_prefix(1);
  const auto res = std::from_chars(num.data(), num.data() + num.size(), out.number);
  if (res.ec != std::errc() || res.ptr != num.data() + num.size() || !std::isfinite(out.number))
    return std::nullopt;
  out.rest = trim(s.substr(i));
  return out;
}

constexpr std::string_view kDurationUnits = "(min, h, d or w)";
constexpr std::string_view kRateUnits = "(/year, /week, /day or /hour)";

std::optional<double> rate_unit_per_year(std::string_view unit) {
  if (unit == "/year") return 1.0;
  if (unit == "/week") return 365.0 / 7.0;
  if (unit == "/day") return 365.0;
  if (unit == "/hour") return 365.0 * 24.0;
  return std::nullopt;
}

bool is_rate_unit(std::string_view rest) {
  return !rest.empty() && rest.front() == '/';
}
bool is_growth_unit(std::string_view rest) {
  return !rest.empty() && rest.front() == '%';
}

}  // namespace

std::optional<double> duration_unit_minutes(std::string_view unit) {
  if (unit == "min") return 1.0;
  if (unit == "h") return 60.0;
  if (unit == "d") return 1440.0;
  if (unit == "w") return 7.0 * 1440.0;
  return std::nullopt;
}

Parsed<double> parse_duration(std::string_view text) {
  const std::string_view s = trim(text);
  const auto sp = split_number(s);
  if (!sp) {
    return Parsed<double>::fail(quote(s) + ": not a duration; write a number and a unit " +
                                std::string(kDurationUnits) + ", e.g. 15min");
  }
  if (sp->rest.empty()) {
    return Parsed<double>::fail(quote(s) + ": a duration needs a unit " +
                                std::string(kDurationUnits) + ", e.g. " +
                                std::string(sp->number_text) + "min");
  }
  const auto factor = duration_unit_minutes(sp->rest);
  if (!factor) {
    if (is_rate_unit(sp->rest)) {
      return Parsed<double>::fail(quote(s) + ": expected a duration " +
                                  std::string(kDurationUnits) + ", not a rate");
    }
    if (is_growth_unit(sp->rest)) {
      return Parsed<double>::fail(quote(s) + ": expected a duration " +
                                  std::string(kDurationUnits) + ", not a percentage");
    }
    return Parsed<double>::fail(quote(s) + ": unknown duration unit '" + std::string(sp->rest) +
                                "'; use min, h, d or w");
  }
  if (sp->number < 0) return Parsed<double>::fail(quote(s) + ": a duration cannot be negative");
  if (sp->number * *factor > kMaxDurationMinutes)
    return Parsed<double>::fail(quote(s) + ": a duration cannot exceed 100 years");
  return Parsed<double>::ok(sp->number * *factor);
}

Parsed<double> parse_rate(std::string_view text) {
  const std::string_view s = trim(text);
  const auto sp = split_number(s);
  if (!sp) {
    return Parsed<double>::fail(quote(s) + ": not a rate; write a number and a unit " +
                                std::string(kRateUnits) + ", e.g. 8000/year");
  }
  if (sp->rest.empty()) {
    return Parsed<double>::fail(quote(s) + ": a rate needs a unit " + std::string(kRateUnits) +
                                ", e.g. " + std::string(sp->number_text) + "/year");
  }
  const auto factor = rate_unit_per_year(sp->rest);
  if (!factor) {
    if (duration_unit_minutes(sp->rest)) {
      return Parsed<double>::fail(quote(s) + ": expected a rate " + std::string(kRateUnits) +
                                  ", not a duration");
    }
    if (is_growth_unit(sp->rest)) {
      return Parsed<double>::fail(quote(s) + ": expected a rate " + std::string(kRateUnits) +
                                  ", not a growth rate");
    }
    return Parsed<double>::fail(quote(s) + ": unknown rate unit '" + std::string(sp->rest) +
                                "'; use /year, /week, /day or /hour");
  }
  if (sp->number < 0) return Parsed<double>::fail(quote(s) + ": a rate cannot be negative");
  if (!(sp->number * *factor <= kMaxRatePerYear)) {
    return Parsed<double>::fail(quote(s) +
                                ": a rate cannot exceed 1e9/year (a billion events a year)");
  }
  return Parsed<double>::ok(sp->number * *factor);
}

Parsed<Volume> parse_volume(std::string_view text) {
  const Parsed<double> checked = parse_rate(text);  // the same checks and messages
  if (!checked) return Parsed<Volume>::fail(checked.error());
  const auto sp = split_number(trim(text));
  Volume v;
  if (sp->rest == "/year") {
    v.per_year = sp->number;
  } else if (sp->rest == "/week") {
    v.per_day = sp->number / 7.0;
  } else if (sp->rest == "/day") {
    v.per_day = sp->number;
  } else {  // "/hour"
    v.per_day = sp->number * 24.0;
  }
  return Parsed<Volume>::ok(v);
}

Parsed<double> parse_growth(std::string_view text) {
  const std::string_view s = trim(text);
  const auto sp = split_number(s);
  if (!sp) {
    return Parsed<double>::fail(quote(s) + ": not a growth rate; write a percentage per year, " +
                                "e.g. 3.5%/year");
  }
  const std::string example = std::string(sp->number_text) + "%/year";
  if (sp->rest.empty()) {
    return Parsed<double>::fail(quote(s) + ": a growth rate needs a unit (%/year), e.g. " +
                                example);
  }
  std::string_view rest = sp->rest;
  if (rest.front() != '%') {
    return Parsed<double>::fail(quote(s) + ": a growth rate is a percentage per year, e.g. " +
                                example);
  }
  rest.remove_prefix(1);
  rest = trim(rest);
  if (rest != "/year") {
    return Parsed<double>::fail(quote(s) + ": a growth rate is a percentage per year, e.g. " +
                                example);
  }
  if (sp->number <= -100)
    return Parsed<double>::fail(quote(s) + ": a growth rate must be above -100%/year");
  if (sp->number > 100)
    return Parsed<double>::fail(quote(s) + ": a growth rate cannot exceed 100%/year");
  return Parsed<double>::ok(sp->number / 100.0);
}

Parsed<double> parse_time_of_day(std::string_view text) {
  const std::string_view s = trim(text);
  const auto bad = [&] {
    return Parsed<double>::fail(quote(s) +
                                ": not a time of day; write HH:MM between 00:00 and 24:00");
  };
  const auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() != colon + 3)
    return bad();
  int h = 0;
  int m = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == colon) continue;
    if (std::isdigit(static_cast<unsigned char>(s[i])) == 0) return bad();
    (i < colon ? h : m) = (i < colon ? h : m) * 10 + (s[i] - '0');
  }
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return bad();
  return Parsed<double>::ok(h * 60.0 + m);
}

Parsed<Date> parse_date(std::string_view text) {
  const std::string_view s = trim(text);
  const auto bad = [&](const std::string& why) {
    return Parsed<Date>::fail(quote(s) + ": " + why);
  };
  if (s.size() != 10 || s[4] != '-' || s[7] != '-')
    return bad("not a date; write YYYY-MM-DD, e.g. 2014-04-01");
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i != 4 && i != 7 && std::isdigit(static_cast<unsigned char>(s[i])) == 0)
      return bad("not a date; write YYYY-MM-DD, e.g. 2014-04-01");
  }
  const auto num = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  Date d{num(0, 4), num(5, 2), num(8, 2)};
  if (d.year < 1900) return bad("a year before 1900 is not supported");
  if (d.month < 1 || d.month > 12) return bad("no such month");
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
  const int max_day = kDays[static_cast<std::size_t>(d.month - 1)] + (d.month == 2 && leap ? 1 : 0);
  if (d.day < 1 || d.day > max_day) return bad("no such day in that month");
  return Parsed<Date>::ok(d);
}

Parsed<double> parse_number(std::string_view text) {
  const std::string_view s = trim(text);
  const auto sp = split_number(s);
  if (!sp) return Parsed<double>::fail(quote(s) + ": expected a number");
  if (!sp->rest.empty()) return Parsed<double>::fail(quote(s) + ": expected a plain number");
  return Parsed<double>::ok(sp->number);
}

Parsed<long long> parse_integer(std::string_view text) {
  std::string_view s = trim(text);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  long long v = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size())
    return Parsed<long long>::fail(quote(trim(text)) + ": expected an integer");
  return Parsed<long long>::ok(v);
}

Parsed<bool> parse_bool(std::string_view text) {
  const std::string_view s = trim(text);
  if (s == "true") return Parsed<bool>::ok(true);
  if (s == "false") return Parsed<bool>::ok(false);
  return Parsed<bool>::fail(quote(s) + ": expected true or false");
}

std::string format_number(double v) {
  if (v == 0) return "0";  // also -0
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), "%.10g", v);
  return std::string(buf.data());
}

std::string format_duration(double minutes) {
  const auto whole = [](double x) { return std::fabs(x - std::round(x)) < 1e-9; };
  if (minutes != 0) {
    if (whole(minutes / (7 * 1440.0))) return format_number(minutes / (7 * 1440.0)) + "w";
    if (whole(minutes / 1440.0)) return format_number(minutes / 1440.0) + "d";
    if (whole(minutes / 60.0)) return format_number(minutes / 60.0) + "h";
  }
  return format_number(minutes) + "min";
}

}  // namespace carepath::pathways
