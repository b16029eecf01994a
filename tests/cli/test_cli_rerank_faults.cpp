// `nasrank rerank` SIGKILLed at random moments, then resumed: the store
// always opens, every planned run ends up stored exactly once, and no run the
// killed attempts reported finished is lost or changed.
#include "rerank_test_util.h"
#include "test_paths.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <thread>

namespace nasrank::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Processes whose parent is `parent` (the re-rank's workers).
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // pid (comm) state ppid ...; comm may hold spaces, so parse after the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(line.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == parent)
      children.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return children;
}

// Still running (a zombie waiting for its new parent to reap it is not).
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

struct KillPlan {
  std::size_t lines_before = 0;  // wait for this many finished runs ...
  double delay_seconds = 0;      // ... then this long, then SIGKILL
};

struct Attempt {
  std::vector<std::string> lines;  // stderr
  bool killed = false;             // killed while still running
  int exit_code = -1;              // when it ended by itself
  std::size_t workers_at_kill = 0;
  double orphans_lived_seconds = 0;  // until the last orphaned worker exited
  double seconds_per_run = 0;        // observed spacing of finished runs (0 if fewer than two)
};

Attempt run_rerank(const std::vector<std::string>& args, const std::optional<KillPlan>& plan) {
  const RunningCli cli = start_cli(args);
  const pid_t pid = cli.pid;

  Attempt attempt;
  std::string buffer;
  bool open = true;
  auto read_some = [&](int timeout_ms) {
    pollfd fd{cli.stderr_fd, POLLIN, 0};
    if (::poll(&fd, 1, timeout_ms) <= 0) return;
    char chunk[4096];
    const ssize_t n = ::read(cli.stderr_fd, chunk, sizeof chunk);
    if (n <= 0) {
      open = false;
      return;
    }
    buffer.append(chunk, static_cast<std::size_t>(n));
    for (std::size_t newline; (newline = buffer.find('\n')) != std::string::npos;) {
      attempt.lines.push_back(buffer.substr(0, newline));
      buffer.erase(0, newline + 1);
    }
  };

  const auto started = Clock::now();
  Clock::time_point first_line{}, threshold_reached{};
  bool reached = false;
  std::size_t seen = 0;
  while (open) {
    read_some(20);
    if (attempt.lines.size() > seen) {
      if (seen == 0) first_line = Clock::now();
      seen = attempt.lines.size();
      if (seen >= 2) attempt.seconds_per_run = seconds_since(first_line) / static_cast<double>(seen - 1);
    }
    if (!plan) continue;
    if (!reached && seen >= plan->lines_before) {
      reached = true;
      threshold_reached = Clock::now();
    }
    if (reached && seconds_since(threshold_reached) >= plan->delay_seconds) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {  // it finished first
        attempt.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        while (open) read_some(1000);
        ::close(cli.stderr_fd);
        return attempt;
      }
      const std::vector<pid_t> workers = children_of(pid);
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      attempt.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
      attempt.workers_at_kill = workers.size();
      const auto killed_at = Clock::now();
      // Workers die with their re-rank (PR_SET_PDEATHSIG), not after their
      // current run; 10 s leaves room for a loaded machine.
      while (seconds_since(killed_at) < 10 &&
             std::any_of(workers.begin(), workers.end(), [](pid_t w) { return alive(w); }))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      attempt.orphans_lived_seconds = seconds_since(killed_at);
      for (pid_t w : workers) EXPECT_FALSE(alive(w)) << "worker " << w << " outlived its killed re-rank by 10 s";
      while (open) read_some(1000);
      ::close(cli.stderr_fd);
      return attempt;
    }
    if (seconds_since(started) > 600) ADD_FAILURE() << "re-rank attempt did not end within 10 minutes";
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  attempt.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  ::close(cli.stderr_fd);
  return attempt;
}

// "#<index> <compact> <protocol> seed <seed>: <status>[, ori-test <acc>%]"
struct FinishedLine {
  int benchmark_index = -1;
  std::string protocol;
  std::int64_t seed = -1;
  std::string status;
  std::string accuracy;  // as printed; empty when absent
};

std::optional<FinishedLine> parse_finished(const std::string& text) {
  static const std::regex pattern(R"(^#(\d+) \S+ (\S+) seed (\d+): (\w+)(?:, ori-test ([0-9.]+)%)?$)");
  std::smatch m;
  if (!std::regex_match(text, m, pattern)) return std::nullopt;
  return FinishedLine{std::stoi(m[1]), m[2], std::stoll(m[3]), m[4], m[5]};
}

TEST(CliRerankFaults, SigkillAtRandomMomentsThenResumeLosesNothing) {
  ScratchDir dir;
  const fs::path protocol = tiny_protocol(dir.path(), "tiny-benchmark", {{"fixed", 0.05}}, {1, 2});
  const std::vector<std::string> archs{kConvChain, kDisconnected, kIsoA, kWide, kConvPool, kIsoB};
  const fs::path store = dir / "runs.h5";
  const auto args = rerank_args(archs, {protocol}, store, {"--no-report"});
  constexpr std::size_t kPlanned = 12;

  std::mt19937 random(20250301);
  std::uniform_int_distribution<std::size_t> lines_before(0, 2);
  std::uniform_real_distribution<double> fraction(0.0, 1.5);
  double seconds_per_run = 1.0;  // refined from what the attempts show
  std::vector<Attempt> attempts;
  int killed = 0;
  for (int round = 0; round < 5; ++round) {
    const KillPlan plan{lines_before(random), fraction(random) * seconds_per_run};
    Attempt a = run_rerank(args, plan);
    if (a.seconds_per_run > 0) seconds_per_run = a.seconds_per_run;
    killed += a.killed ? 1 : 0;
    std::cout << "round " << round << ": waited for " << plan.lines_before << " runs + " << plan.delay_seconds << " s; "
              << a.lines.size() << " runs finished; " << (a.killed ? "killed" : "ended by itself") << "; "
              << a.workers_at_kill << " workers orphaned, gone after " << a.orphans_lived_seconds << " s\n";
    // Whatever the moment, the store is readable afterwards.
    if (fs::exists(store)) {
      EXPECT_LE(export_rows(store).size(), kPlanned) << "round " << round;
    }
    attempts.push_back(std::move(a));
  }
  EXPECT_GE(killed, 3) << "most kills must land while the re-rank is running";

  const std::size_t stored_before = fs::exists(store) ? export_rows(store).size() : 0;
  const Attempt last = run_rerank(args, std::nullopt);
  ASSERT_EQ(last.exit_code, 0);
  EXPECT_EQ(last.lines.size(), kPlanned - stored_before);
  attempts.push_back(last);

  const json rows = export_rows(store);
  ASSERT_EQ(rows.size(), kPlanned);
  EXPECT_EQ(run_ids(rows), planned_ids(archs, {"tiny-benchmark"}, {1, 2}));
  std::map<std::tuple<int, std::string, std::int64_t>, json> by_run;
  for (const auto& row : rows)
    by_run[{row["benchmark_index"].get<int>(), row["protocol"].get<std::string>(), row["seed"].get<std::int64_t>()}] =
        row;

  // Every run any attempt reported finished is stored with what was reported,
  // and was reported once: a stored run is never trained again.
  std::map<std::tuple<int, std::string, std::int64_t>, int> reported;
  for (std::size_t k = 0; k < attempts.size(); ++k) {
    for (std::size_t i = 0; i < attempts[k].lines.size(); ++i) {
      const ProgressLine p = parse_progress_line(attempts[k].lines[i]);
      ASSERT_EQ(p.done, i + 1) << "attempt " << k << ": " << attempts[k].lines[i];
      const auto finished = parse_finished(p.text);
      ASSERT_TRUE(finished) << attempts[k].lines[i];
      const auto key = std::make_tuple(finished->benchmark_index, finished->protocol, finished->seed);
      ++reported[key];
      ASSERT_TRUE(by_run.count(key)) << attempts[k].lines[i];
      const json& row = by_run[key];
      EXPECT_EQ(row["status"], finished->status) << attempts[k].lines[i];
      if (!finished->accuracy.empty()) {
        EXPECT_EQ(printed_accuracy(row["accuracy:ori-test"].get<double>()), finished->accuracy) << attempts[k].lines[i];
      }
    }
  }
  for (const auto& [key, count] : reported) EXPECT_EQ(count, 1) << std::get<0>(key) << " seed " << std::get<2>(key);
  EXPECT_FALSE(fs::exists(store.string() + ".tmp"));
  EXPECT_FALSE(fs::exists(store.string() + ".lock"));
}

}  // namespace
}  // namespace nasrank::testing
