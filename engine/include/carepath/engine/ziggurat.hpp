#pragma once
// Ziggurat samplers of the standard exponential and normal laws (Marsaglia & Tsang 2000, "The
// Ziggurat Method for Generating Random Variables", J. Stat. Software 5(8); 256 layers, one
// 64-bit word a draw).
//
// The area under the density is cut into 256 layers of equal area; a word's low 8 bits pick a
// layer and its other bits a point of it. About 98.9% of exponential and 99.3% of normal words
// land inside a layer's inner rectangle, under the density: the draw is then a multiply, with no
// logarithm (inversion, -log(u), costs a libm call on every draw). The other words take the
// exact rejection step of their layer, or the exact tail beyond the last boundary, and may read
// more words from the stream. Tables: engine/src/ziggurat_tables.cpp, written by
// tools/ziggurat_tables.py as hexadecimal floating point (the same bits on every machine).
#include <carepath/engine/random.hpp>

#include <cstdint>

namespace carepath::engine::ziggurat {

/// One law's layers (see tools/ziggurat_tables.py): the layer's width times 2^-bits, the
/// threshold below which a word's uniform bits fall in the inner rectangle, the density at the
/// layer's outer boundary (height[0] = f(0)).
struct Layers {
  double width[256];         // NOLINT(modernize-avoid-c-arrays): a generated constant table
  std::uint64_t inner[256];  // NOLINT(modernize-avoid-c-arrays)
  double height[256];        // NOLINT(modernize-avoid-c-arrays)
};
extern const Layers kExponential;  ///< f(x) = exp(-x); 56 uniform bits a word
extern const Layers kNormal;       ///< f(x) = exp(-x^2/2); a sign bit and 55 uniform bits

/// The exponential's last boundary: beyond it lies the tail (drawn exactly, as r + Exp(1)).
inline constexpr double kExponentialR = 7.69711747013104972;
/// The normal's last boundary: beyond it lies the tail (drawn by Marsaglia's tail method).
inline constexpr double kNormalR = 3.6541528853610088;

/// A standard exponential from `bits` alone, when they fall in an inner rectangle: returns
/// true and sets x. Otherwise exponential_rest(bits, stream) finishes the draw.
inline bool exponential_first(std::uint64_t bits, double& x) {
  const std::uint64_t layer = bits & 0xffU;
  const std::uint64_t u = bits >> 8;
  x = static_cast<double>(u) * kExponential.width[layer];
  return u < kExponential.inner[layer];
}
/// The draw from `bits` (as exponential_first) and, where needed, the stream's next words.
double exponential_rest(std::uint64_t bits, RandomStream& more);

/// A standard normal from `bits` alone (as exponential_first).
inline bool normal_first(std::uint64_t bits, double& x) {
  const std::uint64_t layer = bits & 0xffU;
  const std::uint64_t u = bits >> 9;
  const double magnitude = static_cast<double>(u) * kNormal.width[layer];
  x = (bits & 0x100U) != 0 ? -magnitude : magnitude;
  return u < kNormal.inner[layer];
}
double normal_rest(std::uint64_t bits, RandomStream& more);

/// Exp(1) from the stream (one word, about 1.1% of the time more).
inline double exponential(RandomStream& rs) {
  const std::uint64_t bits = rs.next_u64();
  double x = 0.0;
  return exponential_first(bits, x) ? x : exponential_rest(bits, rs);
}
/// N(0, 1) from the stream (one word, about 0.7% of the time more).
inline double normal(RandomStream& rs) {
  const std::uint64_t bits = rs.next_u64();
  double x = 0.0;
  return normal_first(bits, x) ? x : normal_rest(bits, rs);
}

/// exponential() of a fresh RandomStream::substream(key, entity, step), which is built only if
/// the first word does not suffice.
inline double substream_exponential(std::uint64_t key, std::uint64_t entity, std::uint64_t step) {
  const std::uint64_t bits = RandomStream::substream_first(key, entity, step);
  double x = 0.0;
  if (exponential_first(bits, x)) return x;
  RandomStream rs = RandomStream::substream(key, entity, step);
  rs.next_u64();  // the first word, already read
  return exponential_rest(bits, rs);
}

}  // namespace carepath::engine::ziggurat
