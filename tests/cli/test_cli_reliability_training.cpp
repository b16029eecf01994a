// A full disk under the commands that train (issue 18): `train --out`,
// `calibrate --out` and rerank's commit of each finished run. Slow: each limit trains the tiny
// protocol of the rerank tests again (about a second a run).
#include "full_disk.h"
#include "rerank_test_util.h"

#include <gtest/gtest.h>

namespace nasrank::testing {
namespace {

const nlohmann::json kFixedRate{{"fixed", 0.05}};

TEST(CliReliabilityTraining, FullDiskFailsTrainOutCleanly) {
  ScratchDir dir;
  const fs::path protocol = tiny_protocol(dir.path(), "tiny-benchmark", kFixedRate, {1});
  const std::vector<std::string> args{"train",     kConvChain,  "--protocol", protocol.string(),
                                      "--dataset", "synthetic", "--threads",  "1",
                                      "--device",  "cpu",       "--out",      (dir / "run.json").string()};
  // The run record is a few kB: these limits stop it at different bytes.
  EXPECT_GE(run_on_a_full_disk(args, dir.path(), {512, 2048}, "train --out"), 2);
  // Over an earlier record.
  ASSERT_EQ(run_cli(args).exit_code, 0);
  EXPECT_GE(run_on_a_full_disk(args, dir.path(), {512}, "train --out over an earlier record"), 1);
}

TEST(CliReliabilityTraining, FullDiskFailsCalibrateOutCleanly) {
  ScratchDir dir;
  const fs::path protocol = tiny_protocol(dir.path(), "tiny-benchmark", kFixedRate, {1});
  const std::vector<std::string> args{
      "calibrate", "--dataset",  "synthetic", "--protocol", protocol.string(),
      "--grid",    "0.01,0.1,1", "--seed",    "1",          "--threads",
      "1",         "--device",   "cpu",       "--out",      (dir / "calibration.json").string()};
  EXPECT_EQ(run_on_a_full_disk(args, dir.path(), {512}, "calibrate --out"), 1);
}

TEST(CliReliabilityTraining, FullDiskStopsRerankWithItsCommittedRunsKept) {
  ScratchDir dir;
  const fs::path protocol = tiny_protocol(dir.path(), "tiny-benchmark", kFixedRate, {1, 2});
  const fs::path store = dir / "rerank.h5";
  ASSERT_EQ(run_cli(rerank_args({kConvChain}, {protocol}, store, {"--no-report", "--seeds", "1"})).exit_code, 0);
  const auto stored = run_ids(export_rows(store));
  // A commit appends the run to the store's journal (docs/store-format.md):
  // under a 64- or 512-byte limit the journal's 32-byte header fits and the
  // run's record (about a kilobyte) does not, so the first new run's commit
  // fails.
  const auto args = rerank_args({kConvChain, kWide}, {protocol}, store, {"--no-report"});
  EXPECT_EQ(run_on_a_full_disk(args, dir.path(), {64, 512}, "rerank", {"rerank.h5.workers.log"}), 2);
  EXPECT_EQ(run_ids(export_rows(store)), stored);
}

}  // namespace
}  // namespace nasrank::testing
