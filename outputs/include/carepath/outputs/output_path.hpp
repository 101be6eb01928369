#pragma once
// Safety of the files a run writes: which --out paths are acceptable, one run per --out at a
// time (a lock naming its holder), and clean-up of temporaries left by dead processes.
#include <filesystem>
#include <stdexcept>
#include <string>

namespace carepath::outputs {

/// Why `path` cannot be the result file of a run ("" if it can): it is empty, names a folder
/// (an existing directory or a trailing '/'), or exists and is not a regular file (after
/// following symbolic links: /dev/null, character and block devices, FIFOs, sockets). carepath
/// replaces its output by renaming a temporary file over it, so only a regular file or a new
/// path is safe.
[[nodiscard]] std::string output_path_problem(const std::filesystem::path& path);

/// Throws std::invalid_argument("--out '<path>': <problem>") if output_path_problem() is not "".
void check_output_path(const std::filesystem::path& path);

/// Another live process holds the lock of the same --out path.
class OutputLockedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An exclusive lock on a result path, held for the whole run: `<out>.lock`, locked with
/// flock(2) and holding the holder's PID. A second run on the same --out is refused at once
/// (OutputLockedError naming the holder's PID). The kernel drops the lock when its holder dies
/// however it dies, so a lock left by a dead run is simply taken over. Forked children share the
/// lock; they die with the parent (engine::ProcessPool), so they cannot keep it.
class OutputLock {
 public:
  explicit OutputLock(const std::filesystem::path& out);
  ~OutputLock();  ///< removes the lock file and releases the lock
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;
  OutputLock(OutputLock&&) = delete;
  OutputLock& operator=(OutputLock&&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  /// PID recorded by a previous holder that died without removing the lock file (0 if none).
  [[nodiscard]] long taken_over_from() const { return taken_over_from_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  long taken_over_from_ = 0;
};

/// Removes the `*.tmp` files in `parts_dir` (temporary parts of processes that died before
/// finishing them). Call only while holding the OutputLock of the run that owns `parts_dir`.
/// Returns how many were removed.
std::size_t remove_stale_temporaries(const std::filesystem::path& parts_dir);

}  // namespace carepath::outputs
