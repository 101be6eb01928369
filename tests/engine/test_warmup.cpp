// MSER warm-up truncation and Welch's moving average on constructed series.
#include <carepath/engine/distributions.hpp>
#include <carepath/engine/random.hpp>
#include <carepath/engine/warmup.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

using namespace carepath::engine;

namespace {

std::vector<double> noise(std::size_t n, double mean, double sd, const char* stream) {
  RandomStream rs(2024, 0, stream);
  const Distribution d = Distribution::normal(mean, sd);
  std::vector<double> x(n);
  for (double& v : x) v = d.sample(rs);
  return x;
}

}  // namespace

TEST_CASE("MSER on a hand-computed series", "[engine][warmup]") {
  // k = 10 observations, batch size 1; candidates d = 0 .. 5 (at least 5 kept).
  //   d = 0: mean 1.8, SS 13.6, MSER 0.136;  d = 1: mean 13/9, SS 20/9, MSER 20/729 = 0.02743
  //   d = 2: 2/64 = 0.03125;  d = 3: 12/343;  d = 4: 1.5/36;  d = 5: 1.2/25.
  const std::vector<double> x{5, 1, 2, 1, 2, 1, 2, 1, 2, 1};
  const MserResult r = mser(x, 1);
  CHECK(r.truncation == 1);
  CHECK(r.first_kept_observation() == 1);
  CHECK(r.batches == 10);
  CHECK(r.batch_size == 1);
  CHECK(r.mser == Approx(20.0 / 729.0).epsilon(1e-12));
  CHECK(r.reliable);
  // Deleted 5 vs kept mean 13/9; kept batch variance (20/9)/8; se = sqrt(var * (1 + 1/9)).
  const double se = std::sqrt(20.0 / 9.0 / 8.0 * (1.0 + 1.0 / 9.0));
  CHECK(r.transient_t == Approx((5.0 - 13.0 / 9.0) / se).epsilon(1e-12));

  // The same batch means from pairs, plus a trailing partial batch that must be ignored.
  const std::vector<double> y{4, 6, 0, 2, 2, 2, 0, 2, 1, 3, 1, 1, 3, 1, 0, 2, 2, 2, 1, 1, 1000};
  const MserResult b = mser(y, 2);
  CHECK(b.batches == 10);
  CHECK(b.truncation == 1);
  CHECK(b.first_kept_observation() == 2);
  CHECK(b.mser == Approx(20.0 / 729.0).epsilon(1e-12));
}

TEST_CASE("MSER-5 finds the end of a known initial transient", "[engine][warmup]") {
  // x_t = 10 exp(-t/50) + N(0, 1), t = 0 .. 1999: 400 batches of 5, batch-mean sd 1/sqrt(5).
  // MSER deletes a batch while its bias is above about sqrt(2) batch sds, so the first kept
  // observation t* must satisfy: bias(t*) <= 4 batch sds (t* >= 50 ln(10 sqrt(5) / 4) = 86),
  // and bias(t*) >= 0.1 batch sd (t <= 50 ln(100 sqrt(5)) = 270) up to MSER's over-deletion on
  // stationary data (20 batches = 100 observations, exceeded with probability < 1%): t* <= 370.
  std::vector<double> x = noise(2000, 0, 1, "warmup/transient");
  for (std::size_t t = 0; t < x.size(); ++t) x[t] += 10 * std::exp(-static_cast<double>(t) / 50);
  const MserResult r = mser(x);
  INFO("truncation " << r.truncation << " batches, t* = " << r.first_kept_observation());
  CHECK(r.batch_size == 5);
  CHECK(r.batches == 400);
  CHECK(r.first_kept_observation() >= 86);
  CHECK(r.first_kept_observation() <= 370);
  CHECK(r.reliable);
  CHECK(r.transient_t > 3.29);  // the deleted data are significantly higher

  // Without the transient the same noise needs (almost) no deletion.
  const std::vector<double> flat = noise(2000, 0, 1, "warmup/transient");
  const MserResult f = mser(flat);
  CHECK(f.first_kept_observation() < 86);
}

TEST_CASE("MSER-5 deletes little from a stationary series", "[engine][warmup]") {
  // 200 iid batches. MSER's truncation on stationary data has a heavy tail (a third of the time
  // it deletes >= 1 batch); >= 20 batches happens with probability about 0.6%.
  const std::vector<double> x = noise(1000, 5, 1, "warmup/stationary");
  const MserResult r = mser(x);
  INFO("truncation " << r.truncation);
  CHECK(r.batches == 200);
  CHECK(r.truncation < 20);
  CHECK(r.reliable);

  const std::vector<double> constant(100, 3.25);
  const MserResult c = mser(constant);
  CHECK(c.truncation == 0);
  CHECK(c.mser == 0.0);
  CHECK(c.reliable);
  CHECK(c.transient_t == 0.0);
}

TEST_CASE("MSER flags a series too short for its transient", "[engine][warmup]") {
  SECTION("a monotone ramp never settles") {
    std::vector<double> x(500);
    for (std::size_t t = 0; t < x.size(); ++t) x[t] = static_cast<double>(t);
    const MserResult r = mser(x);
    CHECK(r.truncation == r.batches - kMserMinKept);
    CHECK_FALSE(r.reliable);
  }
  SECTION("an exponential approach cut off long before it ends") {
    // Time constant 2000 observations, 500 observed: it rises by about 20 batch-mean sds over
    // its second half.
    std::vector<double> x = noise(500, 0, 0.1, "warmup/short");
    for (std::size_t t = 0; t < x.size(); ++t)
      x[t] += 10 * (1 - std::exp(-static_cast<double>(t) / 2000));
    const MserResult r = mser(x);
    INFO("truncation " << r.truncation << " of " << r.batches);
    CHECK(2 * r.truncation > r.batches);
    CHECK_FALSE(r.reliable);
  }
  SECTION("fewer than kMserMinBatches batches") {
    const std::vector<double> x = noise(5 * (kMserMinBatches - 1), 0, 1, "warmup/tiny");
    CHECK_FALSE(mser(x).reliable);
    const MserResult empty = mser(std::vector<double>{});
    CHECK(empty.batches == 0);
    CHECK_FALSE(empty.reliable);
    CHECK(std::isnan(empty.mser));
  }
  CHECK_THROWS_AS(mser(std::vector<double>{1, 2}, 0), std::invalid_argument);
}

TEST_CASE("Welch's moving average", "[engine][warmup]") {
  // Y = i^2, w = 2 (Law & Kelton's definition):
  //   i = 1: Y1 = 1;  i = 2: (1+4+9)/3 = 14/3;  i = 3: (1+4+9+16+25)/5 = 11;
  //   i = 4: (4+9+16+25+36)/5 = 18;  i = 5: (9+16+25+36+49)/5 = 27.
  const std::vector<double> y{1, 4, 9, 16, 25, 36, 49};
  const std::vector<double> w = welch_moving_average(y, 2);
  REQUIRE(w.size() == 5);
  CHECK(w[0] == Approx(1.0));
  CHECK(w[1] == Approx(14.0 / 3.0));
  CHECK(w[2] == Approx(11.0));
  CHECK(w[3] == Approx(18.0));
  CHECK(w[4] == Approx(27.0));
  CHECK(welch_moving_average(y, 0) == y);
  CHECK(welch_moving_average(y, 7).empty());
}
