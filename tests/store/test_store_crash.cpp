// Crash safety: a writer SIGKILLed at random moments never leaves a store that
// cannot be opened and never loses a run it reported committed.
#include "nasrank/store/store.h"
#include "store_test_util.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>
#include <thread>

namespace nasrank::store {
namespace {

struct KilledWriter {
  std::size_t last_committed = 0;  // from the last "committed N" line; 0 if none
  std::size_t commits = 0;
  bool killed = false;            // still running when the signal came
  double seconds_per_commit = 0;  // observed before the kill (0 if fewer than two lines)
};

bool parse_committed(const std::string& line, std::size_t& value) {
  return std::sscanf(line.c_str(), "committed %zu", &value) == 1;
}

// Starts the writer, waits until it has reported `commits_before` commits
// (so the kill lands in later phases too, whatever the machine's speed), then
// sleeps `delay` and sends SIGKILL.
KilledWriter run_and_kill(const std::filesystem::path& store, int commits_before, std::chrono::microseconds delay,
                          const char* fold_bytes) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    if (fold_bytes) ::setenv("NASRANK_STORE_FOLD_BYTES", fold_bytes, 1);
    ::execl(NASRANK_CRASH_WRITER, NASRANK_CRASH_WRITER, store.c_str(), "100000", "4", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  FILE* out = ::fdopen(pipe_fds[0], "r");
  KilledWriter result;
  char line[256];
  using Clock = std::chrono::steady_clock;
  Clock::time_point first_line{};
  for (int seen = 0; seen < commits_before && std::fgets(line, sizeof line, out); ++seen) {
    std::size_t value = 0;
    if (!parse_committed(line, value)) continue;
    result.last_committed = value;
    if (++result.commits == 1) first_line = Clock::now();
  }
  if (result.commits >= 2)
    result.seconds_per_commit =
        std::chrono::duration<double>(Clock::now() - first_line).count() / static_cast<double>(result.commits - 1);
  std::this_thread::sleep_for(delay);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  while (std::fgets(line, sizeof line, out)) {
    std::size_t value = 0;
    if (parse_committed(line, value)) {
      result.last_committed = value;
      ++result.commits;
    }
  }
  std::fclose(out);
  return result;
}

// `fold_bytes`: NASRANK_STORE_FOLD_BYTES for the writer (nullptr = default:
// commits go to the journal; a small value makes every few commits a fold).
void kill_loop(const char* fold_bytes) {
  testing::ScratchDir dir("crash");
  const auto path = dir / "runs.h5";
  std::mt19937 random(20240521);
  std::uniform_int_distribution<int> commits_before(0, 3);
  std::uniform_real_distribution<double> fraction(0.0, 1.3);
  double seconds_per_commit = 0.05;  // refined from what the writer shows
  constexpr int kKills = 25;
  std::size_t previous = 0;
  std::size_t total_commits = 0;
  int killed_while_running = 0;
  for (int round = 0; round < kKills; ++round) {
    const auto delay = std::chrono::microseconds(static_cast<long>(fraction(random) * seconds_per_commit * 1e6));
    const KilledWriter writer = run_and_kill(path, commits_before(random), delay, fold_bytes);
    if (writer.seconds_per_commit > 0) seconds_per_commit = writer.seconds_per_commit;
    total_commits += writer.commits;
    killed_while_running += writer.killed ? 1 : 0;
    if (!std::filesystem::exists(path)) {
      EXPECT_EQ(writer.last_committed, 0u) << "round " << round << ": runs reported but no store";
      continue;
    }
    const ResultStore store = ResultStore::open(path, OpenMode::Read);
    const std::size_t count = store.count();
    EXPECT_GE(count, writer.last_committed) << "round " << round << ": a reported commit was lost";
    EXPECT_GE(count, previous) << "round " << round << ": the store shrank";
    // At most the one batch whose commit finished between rename and print.
    if (writer.commits > 0) {
      EXPECT_LE(count, writer.last_committed + 4) << "round " << round;
    }
    EXPECT_EQ(store.list().size(), count) << "round " << round << ": every run must be readable";
    previous = count;
  }
  EXPECT_EQ(killed_while_running, kKills) << "the writer must be killed mid-work, not after finishing";
  EXPECT_GT(total_commits, 10u) << "kills must also land between commits, not only before the first";
  EXPECT_GT(previous, 0u);
}

TEST(StoreCrashSafety, SigkillAtRandomMomentsNeverLosesCommittedRuns) { kill_loop(nullptr); }

// Each commit of 4 runs adds ~6 kB to the journal: a fold every few commits,
// so kills land in folds (copy, rename, journal removal) as well.
TEST(StoreCrashSafety, SigkillDuringFoldsNeverLosesCommittedRuns) { kill_loop("15000"); }

}  // namespace
}  // namespace nasrank::store
