#pragma once
// Named random streams.
//
// Seed policy (as in ns-3, the policy is part of the API):
//  * A run has one master seed (fixed by default: results are reproducible unless you change it)
//    and a replication number, kept separate from the seed.
//  * Every random quantity draws from its own stream, named by purpose: "arrivals/ed",
//    "service/ucc", "route/acute", "renege/ed". A stream's state is derived only from
//    (master seed, replication, stream name), by hashing the name (FNV-1a 64) and mixing the
//    three with SplitMix64. Adding a stream, a site or a scenario therefore never changes what any
//    other stream draws, and scenarios of one model share common random numbers wherever their
//    streams have the same names.
//  * Per-entity substreams give common random numbers patient by patient: the numbers a patient
//    draws for a purpose at its k-th step come from substream(key(purpose), patient, k). A patient
//    who takes the same path in two scenarios draws the same service times and routing choices
//    on it, even when other patients' paths differ (a sequential stream per purpose would shift
//    every later draw as soon as one patient's path changed).
//  * The generator is xoshiro256** (2^256 - 1 period); sampling code is carepath's own (no
//    std::*_distribution), so a seed gives bit-identical numbers with any compiler or library.
#include <array>
#include <cstdint>
#include <string_view>

namespace carepath::engine {

/// FNV-1a 64-bit hash of a stream name.
constexpr std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

/// SplitMix64 step: advances `state` and returns a well-mixed 64-bit value.
constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// One random stream (xoshiro256**).
class RandomStream {
 public:
  /// The stream named "" of replication 0 under seed 0 (a placeholder until assigned).
  RandomStream() : RandomStream(0, 0, "") {}
  /// The stream named `name` of replication `replication` under `master_seed`.
  RandomStream(std::uint64_t master_seed, std::uint64_t replication, std::string_view name) {
    std::uint64_t sm = master_seed;
    std::uint64_t mix = splitmix64(sm);
    mix ^= fnv1a64(name);
    sm = mix;
    mix = splitmix64(sm) ^ (replication * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
    sm = mix;
    for (auto& word : s_) word = splitmix64(sm);
  }

  /// The 64-bit key of the stream `name` of `replication` under `master_seed`.
  static std::uint64_t key(std::uint64_t master_seed, std::uint64_t replication,
                           std::string_view name) {
    std::uint64_t sm = master_seed;
    std::uint64_t k = splitmix64(sm) ^ fnv1a64(name);
    sm = k ^ (replication * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
    return splitmix64(sm);
  }
  /// Substream `step` of entity `entity` under a stream key (see the policy above).
  static RandomStream substream(std::uint64_t key, std::uint64_t entity, std::uint64_t step) {
    RandomStream r;
    std::uint64_t sm = key ^ (entity * 0x9e3779b97f4a7c15ULL);
    sm = splitmix64(sm) ^ (step * 0xbf58476d1ce4e5b9ULL);
    for (auto& word : r.s_) word = splitmix64(sm);
    return r;
  }

  /// next_u64() of a fresh substream(key, entity, step), computed from the one state word the
  /// first output reads: the same bits, without building the stream. A sampler that inverts
  /// one uniform (Distribution::sample_first) or a route choice needs nothing more, and the
  /// bits can be drawn ahead of their use (a patient's service when it joins a site).
  static std::uint64_t substream_first(std::uint64_t key, std::uint64_t entity,
                                       std::uint64_t step) {
    std::uint64_t sm = key ^ (entity * 0x9e3779b97f4a7c15ULL);
    sm = splitmix64(sm) ^ (step * 0xbf58476d1ce4e5b9ULL);
    sm += 0x9e3779b97f4a7c15ULL;  // the first word's step, skipped
    return output(splitmix64(sm));
  }
  /// The first uniform() of substream(key, entity, step).
  static double substream_uniform(std::uint64_t key, std::uint64_t entity, std::uint64_t step) {
    return uniform_of(substream_first(key, entity, step));
  }
  /// uniform() and uniform_open() of raw bits (as the stream converts its next_u64()).
  static double uniform_of(std::uint64_t bits) {
    return static_cast<double>(bits >> 11) * 0x1.0p-53;
  }
  static double uniform_open_of(std::uint64_t bits) {
    return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53;
  }

  /// Next raw 64 random bits.
  std::uint64_t next_u64() {
    const std::uint64_t result = output(s_[1]);
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform on [0, 1), 53 bits.
  double uniform() { return uniform_of(next_u64()); }
  /// Uniform on (0, 1): never 0, safe for log().
  double uniform_open() { return uniform_open_of(next_u64()); }
  /// Uniform integer in [0, n), n > 0 (Lemire's multiply-shift with rejection, unbiased).
  std::uint64_t below(std::uint64_t n);
  /// Bernoulli(p).
  bool bernoulli(double p) { return uniform() < p; }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  /// xoshiro256**'s output function of the state's second word.
  static constexpr std::uint64_t output(std::uint64_t s1) { return rotl(s1 * 5, 7) * 9; }
  std::array<std::uint64_t, 4> s_{};
};

__extension__ typedef unsigned __int128 Uint128;  // NOLINT(modernize-use-using)

inline std::uint64_t RandomStream::below(std::uint64_t n) {
  // 128-bit product; rejection keeps it unbiased.
  Uint128 m = static_cast<Uint128>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<Uint128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

/// Hands out named streams for one replication.
class StreamFactory {
 public:
  StreamFactory(std::uint64_t master_seed, std::uint64_t replication)
      : seed_(master_seed), replication_(replication) {}
  [[nodiscard]] RandomStream stream(std::string_view name) const {
    return RandomStream(seed_, replication_, name);
  }
  [[nodiscard]] std::uint64_t seed() const { return seed_; }
  [[nodiscard]] std::uint64_t replication() const { return replication_; }

 private:
  std::uint64_t seed_;
  std::uint64_t replication_;
};

}  // namespace carepath::engine
