// A writer that runs out of space: a full disk (here a file-size limit, the
// same EFBIG/ENOSPC path through write()) must end in a clear exception, not
// a signal, and must leave the last committed store intact.
#include "nasrank/store/store.h"
#include "store_test_util.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace nasrank::store {
namespace {

constexpr std::size_t kCommittedRuns = 20;

struct ChildOutcome {
  bool exited = false;  // ended by exit(), not by a signal
  int exit_code = -1;
  int signal = 0;
  std::string message;  // what() of the exception it caught
};

// In a child limited to `limit_bytes` per file: append many runs to `path`
// and commit. Exit 0 = the commit went through, 1 = an exception (its message
// is sent back), 3 = the exception was not a std::exception.
ChildOutcome add_under_file_size_limit(const std::filesystem::path& path, rlim_t limit_bytes) {
  int message_pipe[2];
  if (::pipe(message_pipe) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(message_pipe[0]);
    const rlimit limit{limit_bytes, limit_bytes};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    // Without this the first write past the limit kills the process; with it
    // write() fails with EFBIG, as it fails with ENOSPC on a full disk.
    ::signal(SIGXFSZ, SIG_IGN);
    int code = 0;
    std::string message;
    try {
      ResultStore store = ResultStore::open(path, OpenMode::Append);
      for (int batch = 0; batch < 10; ++batch) {
        std::vector<RunRecord> runs;
        for (int i = 0; i < 200; ++i) runs.push_back(testing::sample_run(batch * 200 + i, 1000 + batch, "cifar10", 50));
        store.add(std::move(runs));
      }
      store.commit();
    } catch (const std::exception& e) {
      code = 1;
      message = e.what();
    } catch (...) {
      code = 3;
    }
    if (!message.empty() && ::write(message_pipe[1], message.data(), message.size()) < 0) code = 4;
    ::_exit(code);
  }
  ::close(message_pipe[1]);
  ChildOutcome outcome;
  char chunk[4096];
  for (ssize_t n; (n = ::read(message_pipe[0], chunk, sizeof chunk)) > 0;)
    outcome.message.append(chunk, static_cast<std::size_t>(n));
  ::close(message_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  outcome.exited = WIFEXITED(status);
  outcome.exit_code = outcome.exited ? WEXITSTATUS(status) : -1;
  outcome.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return outcome;
}

void expect_committed_store_intact(const std::filesystem::path& path) {
  const ResultStore store = ResultStore::open(path, OpenMode::Read);
  EXPECT_EQ(store.count(), kCommittedRuns);
  const auto runs = store.list();
  ASSERT_EQ(runs.size(), kCommittedRuns);
  for (std::size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i].benchmark_index, static_cast<int>(i));
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp")) << "the failed transaction's copy is left behind";
}

class StoreFullDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_store(path, testing::sample_runs(static_cast<int>(kCommittedRuns), 1, "cifar10", 50));
    committed_bytes = std::filesystem::file_size(path);
  }
  testing::ScratchDir dir{"full-disk"};
  std::filesystem::path path = dir / "runs.h5";
  std::uintmax_t committed_bytes = 0;
};

TEST_F(StoreFullDisk, NoRoomForTheWorkingCopy) {
  const ChildOutcome child = add_under_file_size_limit(path, committed_bytes / 2);
  RecordProperty("error", child.message);
  ASSERT_TRUE(child.exited) << "killed by signal " << child.signal;
  EXPECT_EQ(child.exit_code, 1) << child.message;
  EXPECT_NE(child.message.find(path.string() + ".tmp"), std::string::npos) << child.message;
  EXPECT_NE(child.message.find(std::strerror(EFBIG)), std::string::npos) << child.message;
  expect_committed_store_intact(path);
}

TEST_F(StoreFullDisk, NoRoomForTheNewRuns) {
  // The copy fits; 2000 runs with 50-epoch curves (megabytes) do not.
  const ChildOutcome child = add_under_file_size_limit(path, committed_bytes + 64 * 1024);
  RecordProperty("error", child.message);
  ASSERT_TRUE(child.exited) << "killed by signal " << child.signal;
  EXPECT_EQ(child.exit_code, 1) << child.message;
  // What failed, why, and what it means for the data; no raw HDF5 driver
  // dump (a timestamp with a newline, a buffer address, byte counts).
  EXPECT_EQ(child.message.rfind("results store '" + path.string() +
                                    "': commit failed, so the 2000 run(s) added since the "
                                    "last commit are not stored (the store keeps its 20 committed runs): ",
                                0),
            0u)
      << child.message;
  // HDF5 says "file write failed" or "unable to extend file properly",
  // depending on which write hits the limit.
  EXPECT_NE(child.message.find(": " + std::string(std::strerror(EFBIG))), std::string::npos) << child.message;
  EXPECT_EQ(child.message.find("errno = "), std::string::npos) << child.message;
  EXPECT_EQ(child.message.find('\n'), std::string::npos) << child.message;
  EXPECT_EQ(child.message.find("buf = "), std::string::npos) << child.message;
  expect_committed_store_intact(path);

  // The lock was released with the process and the store takes writes again.
  ResultStore store = ResultStore::open(path, OpenMode::Append);
  store.add({testing::sample_run(100, 7)});
  EXPECT_EQ(store.commit(), kCommittedRuns + 1);
}

}  // namespace
}  // namespace nasrank::store
