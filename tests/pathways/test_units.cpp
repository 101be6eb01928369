#include <carepath/pathways/units.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace carepath::pathways;

TEST_CASE("durations convert to minutes", "[pathways][units]") {
  struct Row {
    const char* text;
    double minutes;
  };
  const Row rows[] = {{"15min", 15},  {"2.5h", 150}, {"26d", 26 * 1440.0}, {"6w", 6 * 10080.0},
                      {"0min", 0},    {"1.5 h", 90}, {" 90min ", 90},      {"1e3min", 1000},
                      {"0.25d", 360}, {"+3h", 180}};
  for (const Row& r : rows) {
    INFO(r.text);
    const auto d = parse_duration(r.text);
    REQUIRE(d);
    CHECK(*d == Approx(r.minutes));
  }
}

TEST_CASE("duration errors quote the text and say what is expected", "[pathways][units]") {
  struct Row {
    const char* text;
    const char* message;
  };
  const Row rows[] = {
      {"90", "\"90\": a duration needs a unit (min, h, d or w), e.g. 90min"},
      {"2.5", "\"2.5\": a duration needs a unit (min, h, d or w), e.g. 2.5min"},
      {"22/day", "\"22/day\": expected a duration (min, h, d or w), not a rate"},
      {"3%/year", "\"3%/year\": expected a duration (min, h, d or w), not a percentage"},
      {"15mins", "\"15mins\": unknown duration unit 'mins'; use min, h, d or w"},
      {"-5min", "\"-5min\": a duration cannot be negative"},
      {"soon", "\"soon\": not a duration; write a number and a unit (min, h, d or w), e.g. 15min"},
      {"", "\"\": not a duration; write a number and a unit (min, h, d or w), e.g. 15min"},
  };
  for (const Row& r : rows) {
    INFO(r.text);
    const auto d = parse_duration(r.text);
    REQUIRE_FALSE(d);
    CHECK(d.error() == r.message);
  }
}

TEST_CASE("rates convert to per year", "[pathways][units]") {
  struct Row {
    const char* text;
    double per_year;
  };
  const Row rows[] = {{"8142/year", 8142},   {"22/day", 22 * 365.0}, {"6/hour", 6 * 8760.0},
                      {"7/week", 365.0},     {"0/year", 0},          {"2.5/day", 912.5},
                      {"75000 /year", 75000}};
  for (const Row& r : rows) {
    INFO(r.text);
    const auto v = parse_rate(r.text);
    REQUIRE(v);
    CHECK(*v == Approx(r.per_year));
  }
  CHECK(parse_rate("8142").error() ==
        "\"8142\": a rate needs a unit (/year, /week, /day or /hour), e.g. 8142/year");
  CHECK(parse_rate("15min").error() ==
        "\"15min\": expected a rate (/year, /week, /day or /hour), not a duration");
  CHECK(parse_rate("5/month").error() ==
        "\"5/month\": unknown rate unit '/month'; use /year, /week, /day or /hour");
  CHECK(parse_rate("-5/day").error() == "\"-5/day\": a rate cannot be negative");
}

TEST_CASE("an arrival volume per year stays yearly, per hour, day or week it is a rate",
          "[pathways][units]") {
  const auto year = parse_volume("8142/year");
  REQUIRE(year);
  CHECK(year.value().in_year(365) == 8142);
  CHECK(year.value().in_year(366) == 8142);
  const auto day = parse_volume("1000/day");
  REQUIRE(day);
  CHECK(day.value().in_year(365) == 365000);
  CHECK(day.value().in_year(366) == 366000);
  CHECK(parse_volume("6/hour").value().in_year(366) == Approx(6 * 24 * 366.0));
  CHECK(parse_volume("7/week").value().in_year(366) == Approx(366.0));
  CHECK(parse_volume("-5/day").error() == "\"-5/day\": a rate cannot be negative");
  CHECK(parse_volume("5/month").error() ==
        "\"5/month\": unknown rate unit '/month'; use /year, /week, /day or /hour");
}

TEST_CASE("growth is a percentage per year", "[pathways][units]") {
  CHECK(*parse_growth("3.5%/year") == Approx(0.035));
  CHECK(*parse_growth("-2%/year") == Approx(-0.02));
  CHECK(*parse_growth("0%/year") == 0.0);
  CHECK(parse_growth("3.5").error() ==
        "\"3.5\": a growth rate needs a unit (%/year), e.g. 3.5%/year");
  CHECK(parse_growth("0.035/year").error() ==
        "\"0.035/year\": a growth rate is a percentage per year, e.g. 0.035%/year");
  CHECK(parse_growth("3%").error() ==
        "\"3%\": a growth rate is a percentage per year, e.g. 3%/year");
  CHECK(parse_growth("-100%/year").error() ==
        "\"-100%/year\": a growth rate must be above -100%/year");
}

TEST_CASE("times of day and dates", "[pathways][units]") {
  CHECK(*parse_time_of_day("08:00") == 480);
  CHECK(*parse_time_of_day("18:30") == 1110);
  CHECK(*parse_time_of_day("00:00") == 0);
  CHECK(*parse_time_of_day("24:00") == 1440);
  CHECK(*parse_time_of_day("8:15") == 495);
  for (const char* bad : {"24:01", "25:00", "08:60", "0800", "8", "08:0", "ab:cd", "-1:00"}) {
    INFO(bad);
    const auto t = parse_time_of_day(bad);
    REQUIRE_FALSE(t);
    std::string expected = "\"";
    expected += bad;
    expected += "\": not a time of day; write HH:MM between 00:00 and 24:00";
    CHECK(t.error() == expected);
  }
  CHECK(*parse_date("2014-04-01") == Date{2014, 4, 1});
  CHECK(*parse_date("2016-02-29") == Date{2016, 2, 29});
  CHECK(parse_date("2015-02-29").error() == "\"2015-02-29\": no such day in that month");
  CHECK(parse_date("2015-13-01").error() == "\"2015-13-01\": no such month");
  CHECK(parse_date("1/4/2014").error() ==
        "\"1/4/2014\": not a date; write YYYY-MM-DD, e.g. 2014-04-01");
}

TEST_CASE("plain numbers, integers and booleans", "[pathways][units]") {
  CHECK(*parse_number("0.26") == 0.26);
  CHECK(*parse_number("-3") == -3);
  CHECK(parse_number("0.5h").error() == "\"0.5h\": expected a plain number");
  CHECK(parse_number("abc").error() == "\"abc\": expected a number");
  CHECK(parse_number("inf").error() == "\"inf\": expected a number");
  CHECK(*parse_integer("40") == 40);
  CHECK(parse_integer("40.5").error() == "\"40.5\": expected an integer");
  CHECK(*parse_bool("true"));
  CHECK_FALSE(*parse_bool("false"));
  CHECK(parse_bool("yes").error() == "\"yes\": expected true or false");
}

TEST_CASE("numbers and durations are formatted for people", "[pathways][units]") {
  CHECK(format_number(0.95) == "0.95");
  CHECK(format_number(0.1 + 0.2 + 0.6) == "0.9");
  CHECK(format_number(75000) == "75000");
  CHECK(format_duration(90) == "90min");
  CHECK(format_duration(120) == "2h");
  CHECK(format_duration(1440 * 26) == "26d");
  CHECK(format_duration(10080 * 6) == "6w");
}
