#include <carepath/engine/isolate.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <vector>

namespace carepath::engine {
namespace {

constexpr char kOk = 'O';
constexpr char kError = 'E';

void flush_all() {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

/// Body of a child: runs `fn`, sends a status byte and the payload, and never returns.
[[noreturn]] void child_main(int fd, const std::function<std::string()>& fn) {
  std::signal(SIGINT, SIG_DFL);
  std::string payload;
  char status = kOk;
  try {
    payload = fn();
  } catch (const std::exception& e) {
    status = kError;
    payload = e.what();
  } catch (...) {
    status = kError;
    payload = "unknown exception (not derived from std::exception)";
  }
  flush_all();
  const bool ok = write_all(fd, &status, 1) && write_all(fd, payload.data(), payload.size());
  ::close(fd);
  ::_exit(ok && status == kOk ? 0 : 1);
}

std::string describe_status(int wstatus) {
  if (WIFEXITED(wstatus)) return "exit status " + std::to_string(WEXITSTATUS(wstatus));
  if (WIFSIGNALED(wstatus)) {
    const int sig = WTERMSIG(wstatus);
    const char* name = ::strsignal(sig);
    return "signal " + std::to_string(sig) + " (" + (name != nullptr ? name : "?") + ")";
  }
  return "status " + std::to_string(wstatus);
}

/// Turns what a child sent and how it ended into its result, or throws.
std::string decode(const std::string& received, int wstatus, const std::string& who) {
  const bool exited_ok = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
  if (exited_ok && !received.empty() && received[0] == kOk) return received.substr(1);
  std::string msg = who + " failed (" + describe_status(wstatus) + ")";
  if (!received.empty() && received[0] == kError) {
    msg += ": " + received.substr(1);
  } else if (exited_ok) {
    msg += ": no result received";
  }
  throw std::runtime_error(msg);
}

pid_t waitpid_retry(pid_t pid, int* wstatus) {
  for (;;) {
    const pid_t r = ::waitpid(pid, wstatus, 0);
    if (r >= 0 || errno != EINTR) return r;
  }
}

struct Child {
  pid_t pid;
  int fd;
  int task;
  std::string received;
};

/// Forks a child that runs `fn`; returns its pid and the read end of its pipe.
Child spawn_child(const std::function<std::string()>& fn, int task) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe failed: ") + std::strerror(errno));
  }
  flush_all();
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error(std::string("fork failed: ") + std::strerror(err));
  }
  if (pid == 0) {
    // A child never outlives the parent (an OOM kill, `kill PID`, a closed terminal): it gets
    // SIGKILL when the parent dies, and exits at once if the parent died before the prctl.
    // Orphans would otherwise keep writing parts that a re-run needs.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(1);
    ::close(fds[0]);
    child_main(fds[1], fn);
  }
  ::close(fds[1]);
  return Child{pid, fds[0], task, {}};
}

/// Reads what is available; returns false at end of file.
bool read_some(Child& c) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(c.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;  // treat read errors as end of data; the exit status tells the rest
    }
    if (n == 0) return false;
    c.received.append(buf, static_cast<std::size_t>(n));
    return true;
  }
}

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_sigint(int /*sig*/) {
  g_interrupted = 1;
}

}  // namespace

std::string run_isolated_bytes(const std::function<std::string()>& fn) {
  Child c = spawn_child(fn, 0);
  while (read_some(c)) {
  }
  ::close(c.fd);
  int wstatus = 0;
  if (waitpid_retry(c.pid, &wstatus) < 0) {
    throw std::runtime_error(std::string("waitpid failed: ") + std::strerror(errno));
  }
  return decode(c.received, wstatus, "isolated child");
}

void ProcessPool::run(int tasks, int jobs, const Work& work, const Done& on_done) {
  if (jobs < 1) jobs = 1;
  std::vector<Child> active;
  auto kill_all = [&active]() {
    for (auto& c : active) ::kill(c.pid, SIGKILL);
    for (auto& c : active) {
      int ws = 0;
      ::close(c.fd);
      waitpid_retry(c.pid, &ws);
    }
    active.clear();
  };

  struct sigaction sa {};
  struct sigaction old_sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: poll() returns EINTR
  g_interrupted = 0;
  ::sigaction(SIGINT, &sa, &old_sa);
  auto restore = [&old_sa]() { ::sigaction(SIGINT, &old_sa, nullptr); };

  try {
    int next = 0;
    while (next < tasks || !active.empty()) {
      while (next < tasks && static_cast<int>(active.size()) < jobs) {
        const int task = next++;
        active.push_back(spawn_child([&work, task]() { return work(task); }, task));
      }
      std::vector<pollfd> pfds(active.size());
      for (std::size_t i = 0; i < active.size(); ++i) pfds[i] = pollfd{active[i].fd, POLLIN, 0};
      const int r = ::poll(pfds.data(), pfds.size(), -1);
      if (g_interrupted != 0) {
        kill_all();
        restore();
        std::raise(SIGINT);
        throw std::runtime_error("process pool interrupted by SIGINT");
      }
      if (r < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error(std::string("poll failed: ") + std::strerror(errno));
      }
      for (std::size_t i = pfds.size(); i-- > 0;) {
        if ((pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        Child& c = active[i];
        if (read_some(c)) continue;
        ::close(c.fd);
        int wstatus = 0;
        waitpid_retry(c.pid, &wstatus);
        Child done = std::move(c);
        active.erase(active.begin() + static_cast<std::ptrdiff_t>(i));
        std::string result = decode(done.received, wstatus, "task " + std::to_string(done.task));
        on_done(done.task, std::move(result));
      }
    }
  } catch (...) {
    kill_all();
    restore();
    throw;
  }
  restore();
}

}  // namespace carepath::engine
