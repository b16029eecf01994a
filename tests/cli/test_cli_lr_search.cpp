// `nasrank lr-search` as a user runs it, on the synthetic data: the runs in
// the store, the report, bad input, and a resume after SIGKILL.
#include "rerank_test_util.h"
#include "test_paths.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <thread>

namespace nasrank::testing {
namespace {

using nlohmann::json;

const std::vector<std::string> kArchs{"dag:1_01_001_0002", "dag:2_02_002_0002", "dag:2_12_012_0012",
                                      "dag:2_22_222_2222"};

// A DAG MLP of width 8 on 256 synthetic images: about a tenth of a second a run.
fs::path tiny_search_protocol(const fs::path& dir) {
  return tiny_protocol(dir, "tiny-search", {{"scaler", {{"base_lr", 0.5}, {"convention", "dag-reference"}}}}, {1, 2},
                       {{"network", {{"channels", 8}, {"dag_network", "mlp"}}},
                        {"optimizer", {{"momentum", 0.0}, {"nesterov", false}, {"weight_decay", 0.0}}},
                        {"initialization", "principled"},
                        {"augmentation", false},
                        {"epochs", 1},
                        {"schedule", {{"type", "constant"}}}});
}

std::vector<std::string> search_args(const fs::path& protocol, const fs::path& store, const fs::path& out,
                                     const std::string& grid = "geom:0.005:5:10") {
  std::vector<std::string> args{"lr-search", "--space", "dag"};
  for (const auto& a : kArchs) {
    args.push_back("--arch");
    args.push_back(a);
  }
  for (const std::string& a : {std::string("--protocol"),
                               protocol.string(),
                               std::string("--dataset"),
                               std::string("synthetic"),
                               std::string("--grid"),
                               grid,
                               std::string("--seeds"),
                               std::string("1"),
                               std::string("2"),
                               std::string("--workers"),
                               std::string("2"),
                               std::string("--threads"),
                               std::string("1"),
                               std::string("--device"),
                               std::string("cpu"),
                               std::string("--bootstrap"),
                               std::string("200"),
                               std::string("--store"),
                               store.string(),
                               std::string("--out"),
                               out.string()})
    args.push_back(a);
  return args;
}

TEST(CliLrSearch, StoresEveryPointAndWritesTheReport) {
  ScratchDir dir;
  const fs::path protocol = tiny_search_protocol(dir.path());
  const CliResult r = run_cli(search_args(protocol, dir / "runs.h5", dir / "report"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json rows = export_rows(dir / "runs.h5");
  ASSERT_EQ(rows.size(), 4u * 10u * 2u);
  std::map<std::string, double> rate_of_point;
  for (const auto& row : rows) {
    const std::string point = row["protocol"];
    ASSERT_EQ(point.rfind("tiny-search@lr=", 0), 0u) << point;  // the search id and the rate
    rate_of_point[point] = row["learning_rate"];
  }
  EXPECT_EQ(rate_of_point.size(), 10u);
  EXPECT_EQ(rate_of_point.at("tiny-search@lr=0.005"), 0.005);
  EXPECT_DOUBLE_EQ(rate_of_point.at("tiny-search@lr=0.5"), 0.5);
  EXPECT_DOUBLE_EQ(rate_of_point.at("tiny-search@lr=5"), 5);
  for (const char* file : {"lr-search.html", "lr-search.md", "lr-search.json"})
    EXPECT_TRUE(fs::exists(dir / "report" / file)) << file;
  std::ifstream in(dir / "report" / "lr-search.json");
  const json report = json::parse(in);
  EXPECT_EQ(report["architectures"].size(), 4u);
  EXPECT_EQ(report["architectures"][0]["rates"].size(), 10u);
  EXPECT_EQ(report["architectures"][0]["losses"][0].size(), 2u);  // per seed
  EXPECT_EQ(report["rule"], "smallest-loss");
  EXPECT_EQ(report["loss"], "epoch-mean");
  EXPECT_FALSE(report["verdict"].get<std::string>().empty());
  EXPECT_NE(r.out.find(report["verdict"].get<std::string>()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("report: "), std::string::npos) << r.out;
  // Run again: everything is already stored, nothing is trained.
  const CliResult again = run_cli(search_args(protocol, dir / "runs.h5", dir / "report"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("80 already stored, 0 trained"), std::string::npos) << again.out;
  // The report from the store alone (after a cluster run and a merge).
  auto report_only = search_args(protocol, dir / "runs.h5", dir / "report2");
  report_only.push_back("--report-only");
  const CliResult from_store = run_cli(report_only);
  ASSERT_EQ(from_store.exit_code, 0) << from_store.err;
  EXPECT_TRUE(fs::exists(dir / "report2" / "lr-search.html"));
}

TEST(CliLrSearch, BadInputExitsTwoAndTrainsNothing) {
  ScratchDir dir;
  const fs::path protocol = tiny_search_protocol(dir.path());
  const fs::path store = dir / "runs.h5";
  auto expect_refused = [&](std::vector<std::string> args, const std::string& message) {
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(store)) << "a refused search wrote " << store;
  };
  expect_refused(search_args(protocol, store, dir / "r", "0.1,0.2"), "need at least 3");
  expect_refused(search_args(protocol, store, dir / "r", "0.1,0.2,0"), "is not > 0");
  expect_refused(search_args(protocol, store, dir / "r", "0.1,0.2,-0.3"), "is not > 0");
  auto no_data = search_args(protocol, store, dir / "r");
  for (std::size_t k = 0; k + 1 < no_data.size(); ++k)
    if (no_data[k] == "--dataset") no_data[k + 1] = "no-such-dataset";
  expect_refused(no_data, "dataset 'no-such-dataset' is unknown");
  expect_refused({"lr-search", "--protocol", protocol.string(), "--dataset", "synthetic", "--store", store.string()},
                 "the selection is empty");
  expect_refused({"lr-search", "--space", "dag", "--arch", "dag:0_00_000_0000", "--protocol", protocol.string(),
                  "--dataset", "synthetic", "--store", store.string()},
                 "no connected architecture");
}

TEST(CliLrSearch, SigkillThenResumeStoresEveryRunOnce) {
  ScratchDir dir;
  const fs::path protocol = tiny_search_protocol(dir.path());
  const auto args = search_args(protocol, dir / "runs.h5", dir / "report");
  const RunningCli cli = start_cli(args);
  const pid_t pid = cli.pid;
  // Kill it once a few runs are reported finished (durable by then).
  std::string seen;
  std::size_t finished = 0;
  const auto start = std::chrono::steady_clock::now();
  while (finished < 5 && std::chrono::steady_clock::now() - start < std::chrono::seconds(120)) {
    pollfd fd{cli.stderr_fd, POLLIN, 0};
    if (::poll(&fd, 1, 100) <= 0) continue;
    char chunk[4096];
    const ssize_t n = ::read(cli.stderr_fd, chunk, sizeof chunk);
    if (n <= 0) break;
    seen.append(chunk, static_cast<std::size_t>(n));
    finished = 0;
    for (const auto& line : lines_of(seen)) finished += parse_progress_line(line).done > 0 ? 1 : 0;
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(cli.stderr_fd);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the search ended before it could be killed:\n" << seen;
  ASSERT_GE(finished, 5u) << seen;
  const std::size_t stored_at_kill = export_rows(dir / "runs.h5").size();
  EXPECT_GE(stored_at_kill, finished);
  EXPECT_LT(stored_at_kill, 80u);

  const CliResult resumed = run_cli(args);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find(std::to_string(stored_at_kill) + " already stored"), std::string::npos) << resumed.out;
  const json rows = export_rows(dir / "runs.h5");
  std::multiset<RunId> ids = run_ids(rows);
  EXPECT_EQ(ids.size(), 80u);
  EXPECT_EQ(std::set<RunId>(ids.begin(), ids.end()).size(), 80u);  // each run once
}

}  // namespace
}  // namespace nasrank::testing
