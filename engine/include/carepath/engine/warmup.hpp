#pragma once
// Warm-up (initial transient) diagnostics: pure algorithms on output series, no model knowledge.
//
//  * MSER (White 1997; MSER-5 with batches of 5, Franklin & White 2008): delete the first d batch
//    means, where d minimises the marginal standard error
//        MSER(d) = sum_{j >= d} (z_j - zbar_d)^2 / (k - d)^2
//    of the k batch means z_j (zbar_d is the mean of the kept batches z_d .. z_{k-1}). It trades
//    the bias the transient leaves in the mean against the variance lost with the deleted data.
//  * Welch's moving average (Law & Kelton, "Simulation Modeling and Analysis", section 9.5.1) of
//    a series averaged over replications, for plotting and eyeballing the transient.
#include <cstddef>
#include <span>
#include <vector>

namespace carepath::engine {

struct MserResult {
  /// Index of the first kept batch: the first truncation * batch_size observations are deleted.
  std::size_t truncation = 0;
  /// MSER(truncation), in squared units of the series (NaN for an empty series).
  double mser = 0;
  std::size_t batch_size = 5;
  /// Number of complete batches the series made (a trailing partial batch is ignored).
  std::size_t batches = 0;
  /// False if the truncation point is in the second half of the batches (MSER's rule: the run is
  /// too short to see the end of the transient), or if there are fewer than
  /// kMserMinBatches batches to judge from.
  bool reliable = false;
  /// Transient significance: (mean of deleted batches - mean of kept batches) divided by its
  /// standard error, estimated from the kept batch means as if they were independent. 0 when
  /// nothing is deleted or the kept batches do not vary. MSER alone deletes a few batches of a
  /// perfectly stationary series about a third of the time (an outlying first batch lowers the
  /// statistic); a small |transient_t| says the deleted data are not distinguishable from noise.
  double transient_t = 0;
  /// First kept observation (in units of the series).
  [[nodiscard]] std::size_t first_kept_observation() const { return truncation * batch_size; }
};

/// Candidate truncations keep at least this many batches: the statistic over the last few batches
/// rests on almost no data and dips spuriously (as every published MSER implementation notes).
inline constexpr std::size_t kMserMinKept = 5;
/// Below this many batches the result is never reliable.
inline constexpr std::size_t kMserMinBatches = 2 * kMserMinKept;

/// MSER-`batch_size` (batch_size >= 1; 1 is plain MSER) on `series`. Every truncation d in
/// [0, k - kMserMinKept] is a candidate; the smallest d attaining the minimum wins. A series whose
/// batch means are all equal gives truncation 0, mser 0, reliable true (if long enough).
/// Throws std::invalid_argument if batch_size is 0.
MserResult mser(std::span<const double> series, std::size_t batch_size = 5);

/// Welch's moving average with window w of a series Y_1..Y_m averaged over replications:
///   Y_i(w) = (Y_{i-w} + ... + Y_{i+w}) / (2w + 1)      for i = w+1 .. m-w,
///   Y_i(w) = (Y_1 + ... + Y_{2i-1}) / (2i - 1)          for i = 1 .. w,
/// returned for i = 1 .. m - w (empty if w >= m). w = 0 returns the series unchanged.
std::vector<double> welch_moving_average(std::span<const double> averaged_series,
                                         std::size_t window);

}  // namespace carepath::engine
