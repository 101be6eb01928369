#include <carepath/engine/ziggurat.hpp>

#include <cmath>

namespace carepath::engine::ziggurat {

double exponential_rest(std::uint64_t bits, RandomStream& more) {
  for (;;) {
    const std::uint64_t layer = bits & 0xffU;
    const std::uint64_t u = bits >> 8;
    const double x = static_cast<double>(u) * kExponential.width[layer];
    if (u < kExponential.inner[layer]) return x;
    if (layer == 0) {
      // Beyond r the exponential is r plus a fresh Exp(1) (memorylessness), drawn by inversion.
      return kExponentialR - std::log(more.uniform_open());
    }
    // The layer's wedge: accept the point (x, y), y uniform between the layer's heights, if it
    // lies under the density; else start again with a new word.
    const double low = kExponential.height[layer];
    const double high = kExponential.height[layer - 1];
    if (low + more.uniform() * (high - low) < std::exp(-x)) return x;
    bits = more.next_u64();
  }
}

double normal_rest(std::uint64_t bits, RandomStream& more) {
  for (;;) {
    const std::uint64_t layer = bits & 0xffU;
    const bool negative = (bits & 0x100U) != 0;
    const std::uint64_t u = bits >> 9;
    double x = static_cast<double>(u) * kNormal.width[layer];
    if (u < kNormal.inner[layer]) return negative ? -x : x;
    if (layer == 0) {
      // Marsaglia's tail method: r + a, a = Exp(1) / r, accepted with probability
      // exp(-a^2 / 2) (b = Exp(1) > a^2 / 2).
      double a = 0.0;
      double b = 0.0;
      do {
        a = -std::log(more.uniform_open()) / kNormalR;
        b = -std::log(more.uniform_open());
      } while (b + b <= a * a);
      x = kNormalR + a;
      return negative ? -x : x;
    }
    const double low = kNormal.height[layer];
    const double high = kNormal.height[layer - 1];
    if (low + more.uniform() * (high - low) < std::exp(-0.5 * x * x)) return negative ? -x : x;
    bits = more.next_u64();
  }
}

}  // namespace carepath::engine::ziggurat
