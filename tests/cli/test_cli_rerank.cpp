// `nasrank rerank` end to end: what a user runs, what the store holds
// afterwards, what is printed, resuming, failures, bad input and shards.
#include "rerank_test_util.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace nasrank::testing {
namespace {

using nlohmann::json;

const json kFixedRate = {{"fixed", 0.05}};
const json kScaledRate = {{"scaler", {{"base_lr", 0.05}}}};

// Every stderr line is a "[k/N] ..." line, k running 1..N once each (the
// report's "warning: ..." lines aside).
void expect_one_line_per_run(const std::string& err, std::size_t runs) {
  std::vector<std::string> lines;
  for (const auto& line : lines_of(err))
    if (line.rfind("warning: ", 0) != 0) lines.push_back(line);
  ASSERT_EQ(lines.size(), runs) << err;
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const ProgressLine p = parse_progress_line(lines[k]);
    EXPECT_EQ(p.done, k + 1) << lines[k];
    EXPECT_EQ(p.total, runs) << lines[k];
  }
}

std::string summary_line(std::size_t archs, std::size_t planned, std::size_t stored, std::size_t trained,
                         std::size_t diverged, std::size_t disconnected, std::size_t failed,
                         const std::string& shard = "0/1") {
  return "rerank: " + std::to_string(archs) + " architectures, " + std::to_string(planned) + " runs planned (shard " +
         shard + "): " + std::to_string(stored) + " already stored, " + std::to_string(trained) + " trained, " +
         std::to_string(diverged) + " diverged, " + std::to_string(disconnected) +
         " disconnected (recorded without training), " + std::to_string(failed) + " failed\n";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(CliRerank, TrainsStoresAndReportsEveryPlannedRun) {
  ScratchDir dir;
  const fs::path benchmark = tiny_protocol(dir.path(), "tiny-benchmark", kFixedRate, {1, 2});
  const fs::path principled =
      tiny_protocol(dir.path(), "tiny-principled", kScaledRate, {1, 2}, {{"initialization", "principled"}});
  const std::vector<std::string> archs{kDisconnected, kIsoA, kIsoB, kConvChain};
  const fs::path store = dir / "runs.h5";
  const fs::path reports = dir / "reports";
  const CliResult r = run_cli(rerank_args(archs, {benchmark, principled}, store, {"-o", reports.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  // 4 architectures x 2 protocols x 2 seeds, the disconnected cell recorded untrained.
  EXPECT_EQ(r.out.rfind(summary_line(4, 16, 0, 12, 0, 4, 0), 0), 0u) << r.out;
  expect_one_line_per_run(r.err, 16);

  const json rows = export_rows(store);
  ASSERT_EQ(rows.size(), 16u);
  EXPECT_EQ(run_ids(rows), planned_ids(archs, {"tiny-benchmark", "tiny-principled"}, {1, 2}));
  std::map<std::string, int> statuses;
  for (const auto& row : rows) {
    const std::string status = row["status"];
    ++statuses[status];
    EXPECT_EQ(row["dataset"], "synthetic");
    EXPECT_EQ(row["budget_epochs"], 2);
    EXPECT_EQ(status == "disconnected", row["arch"] == kDisconnected) << row.dump();
    if (status == "ok") {
      EXPECT_EQ(row["epochs_recorded"], 2) << row.dump();
      EXPECT_GT(row["accuracy:ori-test"].get<double>(), 0.0) << row.dump();
    }
  }
  EXPECT_EQ(statuses, (std::map<std::string, int>{{"disconnected", 4}, {"ok", 12}}));

  for (const char* name : {"report.html", "report.md", "report.json"})
    EXPECT_TRUE(fs::is_regular_file(reports / name)) << name;
  const json report = json::parse(read_file(reports / "report.json"));
  const std::string text = report.dump();
  EXPECT_NE(text.find("tiny-benchmark"), std::string::npos);
  EXPECT_NE(text.find("tiny-principled"), std::string::npos);
  EXPECT_NE(r.out.find("  report: " + fs::absolute(reports / "report.html").string()), std::string::npos) << r.out;
  // Three connected cells are too few for a rank statistic: said, not computed.
  EXPECT_NE(r.err.find("warning: only 3 architectures matched (min n = 8)"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("Too few architectures to compare rankings: 3 matched"), std::string::npos) << r.out;
  EXPECT_TRUE(report["statistics"]["correlation"]["kendall"].is_null());
}

TEST(CliRerank, TheReferenceBaseRateOnAnotherDatasetIsStatedEverywhere) {
  ScratchDir dir;
  const fs::path benchmark = tiny_protocol(dir.path(), "tiny-benchmark", kFixedRate, {1});
  // A principled-* protocol carries the reference's CIFAR-10 base, 0.46.
  const fs::path principled = tiny_protocol(dir.path(), "tiny-ref046", {{"scaler", {{"base_lr", 0.46}}}}, {1},
                                            {{"initialization", "principled"}});
  const fs::path store = dir / "runs.h5";
  const fs::path reports = dir / "reports";
  const CliResult r =
      run_cli(rerank_args({kIsoA, kConvChain, kConvPool}, {benchmark, principled}, store, {"-o", reports.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string note = "base 0.46 from CIFAR-10 (reference), not calibrated on synthetic";
  EXPECT_NE(r.err.find("rerank: note: tiny-ref046: " + note), std::string::npos) << r.err;
  for (const auto& row : export_rows(store)) {
    if (row["protocol"] != "tiny-ref046") continue;
    EXPECT_NE(row.dump().find(note), std::string::npos) << row.dump();  // the run's provenance
  }
  const std::string report = read_file(reports / "report.json");
  EXPECT_NE(report.find("tiny-ref046 (2 ep): " + note), std::string::npos) << report.substr(0, 2000);
}

TEST(CliRerank, UniqueTrainsEachIsomorphismClassOnce) {
  ScratchDir dir;
  const fs::path protocol = tiny_protocol(dir.path(), "tiny-benchmark", kFixedRate, {1, 2});
  const fs::path store = dir / "runs.h5";
  // kIsoB is kIsoA with two nodes swapped: one class, represented by the first listed.
  const CliResult r = run_cli(rerank_args({kIsoA, kConvChain, kIsoB}, {protocol}, store, {"--unique", "--no-report"}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind(summary_line(2, 4, 0, 4, 0, 0, 0), 0), 0u) << r.out;
  expect_one_line_per_run(r.err, 4);
  const json rows = export_rows(store);
  EXPECT_EQ(run_ids(rows), planned_ids({kIsoA, kConvChain}, {"tiny-benchmark"}, {1, 2}));

  // Without --unique both members of the class are planned.
  const fs::path all_store = dir / "all.h5";
  const CliResult all =
      run_cli(rerank_args({kIsoA, kConvChain, kIsoB}, {protocol}, all_store, {"--no-report", "--seeds", "1"}));
  ASSERT_EQ(all.exit_code, 0) << all.out << all.err;
  EXPECT_EQ(all.out.rfind(summary_line(3, 3, 0, 3, 0, 0, 0), 0), 0u) << all.out;
  EXPECT_EQ(run_ids(export_rows(all_store)), planned_ids({kIsoA, kConvChain, kIsoB}, {"tiny-benchmark"}, {1}));
}

TEST(CliRerank, SecondRunResumesAndTrainsNothing) {
  ScratchDir dir;
  const fs::path protocol = tiny_protocol(dir.path(), "tiny-benchmark", kFixedRate, {1, 2});
  const fs::path store = dir / "runs.h5";
  const auto args = rerank_args({kConvChain, kDisconnected}, {protocol}, store, {"--no-report"});
  const CliResult first = run_cli(args);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_EQ(first.out.rfind(summary_line(2, 4, 0, 2, 0, 2, 0), 0), 0u) << first.out;
  const json before = export_rows(store);
  ASSERT_EQ(before.size(), 4u);

  const CliResult second = run_cli(args);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_EQ(second.out.rfind(summary_line(2, 4, 4, 0, 0, 0, 0), 0), 0u) << second.out;
  EXPECT_EQ(second.err, "");  // no run finished, so no progress line
  // Not a single row rewritten: the same rows with the same creation times.
  EXPECT_EQ(export_rows(store), before);

  // A third seed adds exactly its own runs.
  const CliResult more =
      run_cli(rerank_args({kConvChain, kDisconnected}, {protocol}, store, {"--no-report", "--seeds", "1", "2", "3"}));
  ASSERT_EQ(more.exit_code, 0) << more.out << more.err;
  EXPECT_EQ(more.out.rfind(summary_line(2, 6, 4, 1, 0, 1, 0), 0), 0u) << more.out;
  EXPECT_EQ(run_ids(export_rows(store)), planned_ids({kConvChain, kDisconnected}, {"tiny-benchmark"}, {1, 2, 3}));
}

TEST(CliRerank, DivergedRunsAreRecordedAndTheBatchGoesOn) {
  ScratchDir dir;
  const fs::path good = tiny_protocol(dir.path(), "tiny-benchmark", kFixedRate, {1});
  const fs::path explode = tiny_protocol(dir.path(), "explode", {{"fixed", 1e6}}, {1});
  const fs::path store = dir / "runs.h5";
  const CliResult r = run_cli(rerank_args({kConvChain, kWide}, {explode, good}, store, {"--no-report"}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;  // divergence is a result, not a failure
  EXPECT_EQ(r.out.rfind(summary_line(2, 4, 0, 2, 2, 0, 0), 0), 0u) << r.out;
  expect_one_line_per_run(r.err, 4);
  const json rows = export_rows(store);
  ASSERT_EQ(rows.size(), 4u);
  for (const auto& row : rows) EXPECT_EQ(row["status"], row["protocol"] == "explode" ? "diverged" : "ok") << row.dump();
}

TEST(CliRerank, FailedRunIsStoredWithItsErrorAndExitIsNonZero) {
  ScratchDir dir;
  // Under the relu-count convention a cell whose only path is an identity has
  // no learning rate: its worker answers an error, the other cells train.
  const fs::path protocol =
      tiny_protocol(dir.path(), "tiny-relu", {{"scaler", {{"base_lr", 0.05}, {"convention", "relu-count"}}}}, {1},
                    {{"initialization", "principled"}});
  const fs::path store = dir / "runs.h5";
  const CliResult r = run_cli(rerank_args({kConvChain, kIdentityOnly, kWide}, {protocol}, store, {"--no-report"}));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out.rfind(summary_line(3, 3, 0, 2, 0, 0, 1), 0), 0u) << r.out;
  expect_one_line_per_run(r.err, 3);
  EXPECT_NE(r.err.find("FAILED #"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no path carries a parameterized edge"), std::string::npos) << r.err;
  const json rows = export_rows(store);
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& row : rows) {
    if (row["arch"] == kIdentityOnly) {
      EXPECT_EQ(row["status"], "failed");
      EXPECT_NE(row["error_message"].get<std::string>().find("no path carries a parameterized edge"), std::string::npos)
          << row.dump();
    } else {
      EXPECT_EQ(row["status"], "ok") << row.dump();
      EXPECT_EQ(row["error_message"], "") << row.dump();
    }
  }

  // A resume tries the failed run again (and only it); it fails the same way
  // and replaces its row instead of adding one.
  const CliResult again = run_cli(rerank_args({kConvChain, kIdentityOnly, kWide}, {protocol}, store, {"--no-report"}));
  EXPECT_EQ(again.exit_code, 1) << again.out << again.err;
  EXPECT_EQ(again.out.rfind(summary_line(3, 3, 2, 0, 0, 0, 1), 0), 0u) << again.out;
  EXPECT_EQ(export_rows(store).size(), 3u);
}

// MNIST files whose training images stop half-way through the declared data.
fs::path truncated_mnist(const fs::path& root) {
  const fs::path dir = root / "mnist";
  fs::create_directories(dir);
  auto be32 = [](std::uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                       static_cast<char>(v)};
  };
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
  };
  const std::uint32_t images = 8;
  write("train-images-idx3-ubyte",
        be32(0x803) + be32(images) + be32(28) + be32(28) + std::string(images * 28 * 28 / 2, '\x40'));
  write("train-labels-idx1-ubyte", be32(0x801) + be32(images) + std::string(images, '\x03'));
  write("t10k-images-idx3-ubyte", be32(0x803) + be32(2) + be32(28) + be32(28) + std::string(2 * 28 * 28, '\x40'));
  write("t10k-labels-idx1-ubyte", be32(0x801) + be32(2) + std::string(2, '\x01'));
  return root;
}

TEST(CliRerank, TruncatedDatasetFailsEveryRunAndKeepsEarlierRuns) {
  ScratchDir dir;
  const fs::path protocol = tiny_protocol(dir.path(), "tiny-benchmark", kFixedRate, {1});
  const fs::path store = dir / "runs.h5";
  const CliResult synthetic = run_cli(rerank_args({kConvChain}, {protocol}, store, {"--no-report"}));
  ASSERT_EQ(synthetic.exit_code, 0) << synthetic.out << synthetic.err;

  auto args = rerank_args({kConvChain, kWide}, {protocol}, store,
                          {"--no-report", "--data-dir", truncated_mnist(dir / "data").string()});
  *std::find(args.begin(), args.end(), "synthetic") = "mnist";
  const CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out.rfind(summary_line(2, 2, 0, 0, 0, 0, 2), 0), 0u) << r.out;
  expect_one_line_per_run(r.err, 2);
  const json rows = export_rows(store);
  ASSERT_EQ(rows.size(), 3u);
  std::size_t failed = 0;
  for (const auto& row : rows) {
    if (row["dataset"] == "synthetic") {
      EXPECT_EQ(row["status"], "ok") << row.dump();
      continue;
    }
    ++failed;
    EXPECT_EQ(row["status"], "failed") << row.dump();
    const std::string message = row["error_message"];
    EXPECT_NE(message.find("train-images-idx3-ubyte"), std::string::npos) << message;
    EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  }
  EXPECT_EQ(failed, 2u);
}

// Exit 2, an error naming the input, and no store (option-parser errors too).
void expect_rejected(const std::vector<std::string>& args, const fs::path& store, const std::string& named) {
  const CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(named), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(store)) << r.err;
  EXPECT_FALSE(fs::exists(store.string() + ".workers.log"));
}

TEST(CliRerank, BadInputIsRejectedBeforeAnyWork) {
  ScratchDir dir;
  const fs::path protocol = tiny_protocol(dir.path(), "tiny-benchmark", kFixedRate, {1});
  const fs::path store = dir / "runs.h5";
  const auto with = [&](const std::vector<std::string>& extra) {
    return rerank_args({kConvChain}, {protocol}, store, extra);
  };
  expect_rejected(rerank_args({kConvChain}, {"no-such-protocol"}, store), store, "protocol 'no-such-protocol'");
  expect_rejected(with({"--shard", "3/2"}), store, "shard '3/2'");
  expect_rejected(with({"--sample", "0"}), store, "--sample: '0' must be greater than zero");
  // One protocol and no reference: nothing to compare, refused before training.
  expect_rejected(with({}), store,
                  "only protocol 'tiny-benchmark' is given: add another --protocol, a --reference STORE");
  expect_rejected(with({"--arch", "|nope~0|"}), store, "|nope~0|");

  auto no_dataset = with({});
  const auto key = std::find(no_dataset.begin(), no_dataset.end(), "--dataset");
  no_dataset.erase(key, key + 2);
  expect_rejected(no_dataset, store, "--dataset");

  auto unknown_dataset = with({});
  *std::find(unknown_dataset.begin(), unknown_dataset.end(), "synthetic") = "cifar11";
  expect_rejected(unknown_dataset, store, "cifar11");
}

TEST(CliRerank, ShardsPartitionThePlanAndMergeIntoIt) {
  ScratchDir dir;
  const fs::path protocol = tiny_protocol(dir.path(), "tiny-benchmark", kFixedRate, {1, 2});
  const std::vector<std::string> archs{kConvChain, kDisconnected, kWide};
  const auto planned = planned_ids(archs, {"tiny-benchmark"}, {1, 2});
  std::multiset<RunId> union_of_shards;
  for (const std::string shard : {"0/2", "1/2"}) {
    const fs::path store = dir / ("shard" + shard.substr(0, 1) + ".h5");
    const CliResult r = run_cli(rerank_args(archs, {protocol}, store, {"--shard", shard}));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    // Runs alternate between the shards in plan order (architecture-major,
    // then protocol, then seed): each gets one seed of every architecture.
    EXPECT_EQ(r.out.rfind(summary_line(3, 3, 0, 2, 0, 1, 0, shard), 0), 0u) << r.out;
    const auto ids = run_ids(export_rows(store));
    EXPECT_EQ(ids.size(), 3u);
    for (const auto& id : ids) EXPECT_EQ(std::get<2>(id), shard == "0/2" ? 1 : 2);
    union_of_shards.insert(ids.begin(), ids.end());
    EXPECT_FALSE(fs::exists(dir / "report")) << "a shard of several writes no report";
  }
  EXPECT_EQ(union_of_shards, planned);

  const fs::path merged = dir / "merged.h5";
  const CliResult m = run_cli({"merge", merged.string(), (dir / "shard0.h5").string(), (dir / "shard1.h5").string()});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(run_ids(export_rows(merged)), planned);

  // The unsharded plan finds every one of its runs in the merged store.
  const CliResult whole = run_cli(rerank_args(archs, {protocol}, merged, {"--no-report"}));
  ASSERT_EQ(whole.exit_code, 0) << whole.out << whole.err;
  EXPECT_EQ(whole.out.rfind(summary_line(3, 6, 6, 0, 0, 0, 0), 0), 0u) << whole.out;
  EXPECT_EQ(export_rows(merged).size(), 6u);
}

}  // namespace
}  // namespace nasrank::testing
