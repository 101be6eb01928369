#pragma once
// Text helpers of the HTML report (private to carepath_outputs): HTML and JSON escaping, numbers
// with the digits their CIs justify, and the colours shared by the page and its charts.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace carepath::outputs::page_text {

constexpr const char* kPalette[] = {"#005eb8", "#da291c", "#009639", "#ed8b00",
                                    "#7c2855", "#00a9ce", "#425563", "#ae2573"};
constexpr const char* kKinds[] = {"source", "triage", "service", "team", "beds", "delay", "exit"};
constexpr const char* kKindColours[] = {"#425563", "#00a9ce", "#005eb8", "#009639",
                                        "#7c2855", "#ed8b00", "#768692"};

// ------------------------------------------------------------------ text helpers

inline std::string html(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// JSON string; '<' escaped so that "</script>" in a name cannot end the data block.
inline std::string js(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '<') {
      out += "\\u003c";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

inline std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Digits from the CI: two significant digits of the half-width.
inline int decimals(double half_width, double value) {
  if (std::isfinite(half_width) && half_width > 0) {
    return std::clamp(1 - static_cast<int>(std::floor(std::log10(half_width))), 0, 4);
  }
  const double a = std::fabs(value);
  if (!std::isfinite(a) || a >= 100 || a == std::round(a)) return 0;
  return a >= 1 ? 1 : 3;
}

// 12,345.6 style; "–" for NaN; Unicode minus.
inline std::string pretty(double v, int d, bool plus = false) {
  if (!std::isfinite(v)) return "&ndash;";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", d, std::fabs(v));
  std::string digits = buf;
  const auto dot = digits.find('.');
  std::string whole = digits.substr(0, dot);
  std::string grouped;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += ',';
    grouped += whole[i];
  }
  if (dot != std::string::npos) grouped += digits.substr(dot);
  const bool zero = grouped.find_first_not_of("0.,") == std::string::npos;
  if (v < 0 && !zero) return "&minus;" + grouped;
  if (plus && !zero) return "+" + grouped;
  return grouped;
}

inline std::string ci_text(double mean, double lo, double hi, double hw, bool plus = false) {
  const int d = decimals(hw, mean);
  if (!std::isfinite(hw)) return pretty(mean, d, plus);
  if (hw == 0) return pretty(mean, d, plus);
  return pretty(mean, d, plus) + " <span class=\"note\">(" + pretty(lo, d) + " to " +
         pretty(hi, d) + ")</span>";
}

inline double mean_of(const std::vector<double>& v) {
  double s = 0;
  std::size_t n = 0;
  for (const double x : v) {
    if (std::isfinite(x)) {
      s += x;
      ++n;
    }
  }
  return n > 0 ? s / static_cast<double>(n) : std::nan("");
}

// ------------------------------------------------------------------ the page

}  // namespace carepath::outputs::page_text
