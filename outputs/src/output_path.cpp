// --out checks, the output lock and stale temporaries (outputs/include/.../output_path.hpp).
#include <carepath/outputs/output_path.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

namespace fs = std::filesystem;

namespace carepath::outputs {

std::string output_path_problem(const fs::path& path) {
  if (path.empty()) return "is empty; give a file name such as results.h5";
  const std::string text = path.string();
  if (text.back() == '/') return "names a folder; give a file name such as results.h5";
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);  // follows symbolic links
  if (ec && st.type() != fs::file_type::not_found) {
    return "cannot be examined: " + ec.message();
  }
  switch (st.type()) {
    case fs::file_type::not_found:
    case fs::file_type::regular:
      return "";
    case fs::file_type::directory:
      return "is a folder; give a file name such as " + (path / "results.h5").string();
    case fs::file_type::character:
      return "is a character device, not a regular file";
    case fs::file_type::block:
      return "is a block device, not a regular file";
    case fs::file_type::fifo:
      return "is a FIFO, not a regular file";
    case fs::file_type::socket:
      return "is a socket, not a regular file";
    default:
      return "is not a regular file";
  }
}

void check_output_path(const fs::path& path) {
  if (const std::string why = output_path_problem(path); !why.empty()) {
    throw std::invalid_argument("--out '" + path.string() + "' " + why);
  }
}

namespace {

long read_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  return std::strtol(buf, nullptr, 10);
}

}  // namespace

OutputLock::OutputLock(const fs::path& out) : path_(out.string() + ".lock") {
  // Retry when the file we locked was removed (and maybe re-created) by its previous holder
  // between our open() and flock(): the lock must be on the file that is under the name.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      throw std::runtime_error(path_.string() +
                               ": cannot create the lock file: " + std::strerror(errno));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      const long holder = read_pid(fd);
      ::close(fd);
      if (err == EWOULDBLOCK) {
        throw OutputLockedError(out.string() + " is being written by another carepath run (PID " +
                                (holder > 0 ? std::to_string(holder) : std::string("unknown")) +
                                ", lock " + path_.string() +
                                "); wait for it to finish, or give another --out");
      }
      throw std::runtime_error(path_.string() + ": cannot lock: " + std::strerror(err));
    }
    struct stat held {};
    struct stat named {};
    if (::fstat(fd, &held) != 0 || ::stat(path_.c_str(), &named) != 0 ||
        held.st_ino != named.st_ino || held.st_dev != named.st_dev) {
      ::close(fd);  // the previous holder removed it under us: lock the current file
      continue;
    }
    taken_over_from_ = read_pid(fd);  // a dead holder's PID, if it left the file behind
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
      const int err = errno;
      ::close(fd);
      throw std::runtime_error(path_.string() +
                               ": cannot write the lock file: " + std::strerror(err));
    }
    fd_ = fd;
    return;
  }
  throw std::runtime_error(path_.string() + ": cannot take the lock (it keeps changing)");
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());  // while still locked: a waiting run then re-opens a fresh file
  ::close(fd_);
}

std::size_t remove_stale_temporaries(const fs::path& parts_dir) {
  std::size_t removed = 0;
  std::error_code ec;
  if (!fs::is_directory(parts_dir, ec)) return 0;
  for (const auto& e : fs::directory_iterator(parts_dir, ec)) {
    if (e.path().extension() == ".tmp" && fs::remove(e.path(), ec)) ++removed;
  }
  return removed;
}

}  // namespace carepath::outputs
