// --out checks, the output lock, stale temporaries; part checksums at the library level.
#include <carepath/outputs/output_path.hpp>
#include <carepath/outputs/result_file.hpp>

#include "sample_run.hpp"

#include <hdf5.h>
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

using namespace carepath::outputs;
using carepath::outputs::testing::SampleRun;
using carepath::outputs::testing::scratch_dir;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

TEST_CASE("output paths: a regular file or a new path only", "[outputs][safety]") {
  const auto dir = scratch_dir("outpath");
  CHECK(output_path_problem(dir / "new.h5").empty());
  std::ofstream(dir / "old.h5") << "x";
  CHECK(output_path_problem(dir / "old.h5").empty());
  CHECK_THAT(output_path_problem(""), Contains("is empty"));
  CHECK_THAT(output_path_problem(dir), Contains("is a folder"));
  CHECK_THAT(output_path_problem(dir.string() + "/x/"), Contains("names a folder"));
  CHECK_THAT(output_path_problem("/dev/null"), Contains("character device"));
  fs::create_symlink("/dev/null", dir / "link.h5");
  CHECK_THAT(output_path_problem(dir / "link.h5"), Contains("character device"));
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  CHECK_THAT(output_path_problem(dir / "fifo"), Contains("FIFO"));
  CHECK_THROWS_WITH(check_output_path("/dev/null"),
                    "--out '/dev/null' is a character device, not a regular file");
  fs::remove_all(dir);
}

TEST_CASE("the output lock: one holder, named, a dead holder's lock is taken over",
          "[outputs][safety]") {
  const auto dir = scratch_dir("lock");
  const fs::path out = dir / "out.h5";
  {
    const OutputLock a(out);
    CHECK(a.taken_over_from() == 0);
    std::ifstream in(a.path());
    long pid = 0;
    in >> pid;
    CHECK(pid == ::getpid());
    CHECK_THROWS_AS(OutputLock(out), OutputLockedError);
    CHECK_THROWS_WITH(OutputLock(out), Contains("(PID " + std::to_string(::getpid()) + ","));
    // Another process is refused too.
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      try {
        const OutputLock b(out);
        ::_exit(0);
      } catch (const OutputLockedError&) {
        ::_exit(3);
      }
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WEXITSTATUS(status) == 3);
  }
  CHECK_FALSE(fs::exists(dir / "out.h5.lock"));
  // A holder that died without cleaning up (its lock went with it).
  const pid_t dead = fork();
  REQUIRE(dead >= 0);
  if (dead == 0) {
    const OutputLock c(out);
    ::_exit(0);  // no destructor: the lock file stays, the kernel drops the lock
  }
  REQUIRE(::waitpid(dead, nullptr, 0) == dead);
  REQUIRE(fs::exists(dir / "out.h5.lock"));
  const OutputLock d(out);
  CHECK(d.taken_over_from() == dead);
  fs::remove_all(dir);
}

TEST_CASE("stale temporary parts are removed, finished parts kept", "[outputs][safety]") {
  const auto dir = scratch_dir("stale");
  std::ofstream(dir / "a.r0000.part.h5.tmp") << "x";
  std::ofstream(dir / "a.r0001.part.h5") << "x";
  CHECK(remove_stale_temporaries(dir) == 1);
  CHECK(fs::exists(dir / "a.r0001.part.h5"));
  CHECK(remove_stale_temporaries(dir / "missing") == 0);
  fs::remove_all(dir);
}

TEST_CASE("a part with one damaged KPI value is not reusable", "[outputs][safety]") {
  const auto dir = scratch_dir("damage");
  SampleRun run;
  run.samples = 10;
  run.patients = 5;
  const auto p = run.write_part(dir, 0, 1);
  REQUIRE(part_is_reusable(p, run.part_spec(0, 1)));
  haddr_t offset = 0;
  {
    const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t d = H5Dopen2(f, "kpi_values", H5P_DEFAULT);
    offset = H5Dget_offset(d);
    H5Dclose(d);
    H5Fclose(f);
  }
  REQUIRE(offset != HADDR_UNDEF);
  {
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    char byte = 0;
    f.seekg(static_cast<std::streamoff>(offset + 8));
    f.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x01);  // a single bit of the second value
    f.seekp(static_cast<std::streamoff>(offset + 8));
    f.write(&byte, 1);
    REQUIRE(f);
  }
  CHECK_THAT(part_reuse_problem(p, run.part_spec(0, 1)),
             Contains("damaged part (content checksum mismatch)"));
  CHECK_THROWS_WITH(read_part_info(p), Contains("checksum"));
  fs::remove_all(dir);
}
