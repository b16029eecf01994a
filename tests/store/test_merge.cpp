#include "nasrank/common/error.h"
#include "nasrank/store/merge.h"
#include "store_test_util.h"

#include <gtest/gtest.h>

namespace nasrank::store {
namespace {

using testing::error_of;
using testing::sample_run;
using testing::ScratchDir;

void write_store(const std::filesystem::path& path, const std::vector<RunRecord>& runs) {
  ResultStore store = ResultStore::open(path, OpenMode::Truncate);
  store.add(runs);
  store.commit();
}

class MergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_store(dir_ / "a.h5", {sample_run(1, 777), sample_run(2, 777), sample_run(3, 777)});
    conflicting_ = sample_run(3, 777);
    conflicting_.final_metrics["ori-test"].accuracy = 1.5;
    write_store(dir_ / "b.h5", {sample_run(3, 777), sample_run(4, 777)});  // 3 identical
    write_store(dir_ / "c.h5", {conflicting_, sample_run(5, 777)});        // 3 conflicting
  }
  ScratchDir dir_{"merge"};
  RunRecord conflicting_;
};

TEST_F(MergeTest, IdenticalDuplicatesAreReportedNotDoubled) {
  const MergeReport report = merge_stores(dir_ / "out.h5", {dir_ / "a.h5", dir_ / "b.h5"});
  EXPECT_EQ(report.inputs, 2u);
  EXPECT_EQ(report.runs_read, 5u);
  EXPECT_EQ(report.added, 4u);
  EXPECT_EQ(report.identical_duplicates, 1u);
  EXPECT_EQ(report.conflicting_duplicates, 0u);
  ASSERT_EQ(report.duplicates.size(), 1u);
  EXPECT_EQ(report.duplicates[0].input, dir_ / "b.h5");
  EXPECT_EQ(report.total, 4u);
  EXPECT_EQ(ResultStore::open(dir_ / "out.h5", OpenMode::Read).count(), 4u);
}

TEST_F(MergeTest, ConflictsFailByDefaultAndWriteNothing) {
  const std::string message = error_of([&] { merge_stores(dir_ / "out.h5", {dir_ / "a.h5", dir_ / "c.h5"}); });
  EXPECT_NE(message.find("merging into '" + (dir_ / "out.h5").string() +
                         "': 1 run(s) already present with different "
                         "results (in an earlier input or the output); nothing was written. First: nb201:"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("in '" + (dir_ / "c.h5").string() + "'. Choose which to keep: --on-conflict keep-first"),
            std::string::npos)
      << message;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out.h5.tmp"));
}

// Every conflict of every input is counted (not only the first batch's).
TEST_F(MergeTest, ConflictsAreCountedOverAllInputsAndBatches) {
  std::vector<RunRecord> many;
  for (int i = 0; i < 5000; ++i) many.push_back(sample_run(i, 1, "cifar10", 1));
  write_store(dir_ / "many.h5", many);
  for (RunRecord& r : many) r.final_metrics["ori-test"].accuracy += 1;
  write_store(dir_ / "many-changed.h5", many);
  const std::string message = error_of([&] {
    merge_stores(dir_ / "out.h5", {dir_ / "a.h5", dir_ / "many.h5", dir_ / "c.h5", dir_ / "many-changed.h5"});
  });
  EXPECT_NE(message.find(": 5001 run(s) already present with different results"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out.h5"));
}

TEST_F(MergeTest, KeepFirstOrKeepLast) {
  MergeOptions options;
  RunRecord probe = sample_run(3, 777);
  canonicalize(probe);
  options.policy = DuplicatePolicy::KeepExisting;
  MergeReport report = merge_stores(dir_ / "first.h5", {dir_ / "a.h5", dir_ / "c.h5"}, options);
  EXPECT_EQ(report.conflicting_duplicates, 1u);
  EXPECT_EQ(report.total, 4u);
  EXPECT_NE(
      ResultStore::open(dir_ / "first.h5", OpenMode::Read).find(run_key(probe))->final_metrics.at("ori-test").accuracy,
      1.5);
  options.policy = DuplicatePolicy::Replace;
  report = merge_stores(dir_ / "last.h5", {dir_ / "a.h5", dir_ / "c.h5"}, options);
  EXPECT_EQ(report.total, 4u);
  EXPECT_EQ(
      ResultStore::open(dir_ / "last.h5", OpenMode::Read).find(run_key(probe))->final_metrics.at("ori-test").accuracy,
      1.5);
}

TEST_F(MergeTest, ExistingOutputNeedsToBeAnInputOrOverwritten) {
  write_store(dir_ / "out.h5", {sample_run(9, 1)});
  EXPECT_NE(error_of([&] { merge_stores(dir_ / "out.h5", {dir_ / "a.h5"}); }).find("already exists"),
            std::string::npos);
  EXPECT_EQ(ResultStore::open(dir_ / "out.h5", OpenMode::Read).count(), 1u);

  const MergeReport into = merge_stores(dir_ / "out.h5", {dir_ / "out.h5", dir_ / "a.h5"});
  EXPECT_EQ(into.total, 4u);

  MergeOptions overwrite;
  overwrite.overwrite = true;
  EXPECT_EQ(merge_stores(dir_ / "out.h5", {dir_ / "b.h5"}, overwrite).total, 2u);
}

TEST_F(MergeTest, AnUnreadableInputLeavesNoOutput) {
  testing::write_text(dir_ / "junk.h5", "not a store");
  const std::string message = error_of([&] { merge_stores(dir_ / "out.h5", {dir_ / "a.h5", dir_ / "junk.h5"}); });
  EXPECT_NE(message.find("junk.h5' is not an HDF5 file"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out.h5"));
  EXPECT_NE(error_of([&] {
              merge_stores(dir_ / "out.h5", {dir_ / "a.h5", dir_ / "a.h5"});
            }).find("listed twice"),
            std::string::npos);
}

TEST_F(MergeTest, CurvesAndProvenanceSurvive) {
  merge_stores(dir_ / "out.h5", {dir_ / "a.h5"});
  const ResultStore in = ResultStore::open(dir_ / "a.h5", OpenMode::Read);
  const ResultStore out = ResultStore::open(dir_ / "out.h5", OpenMode::Read);
  ASSERT_EQ(in.count(), out.count());
  for (std::size_t i = 0; i < in.count(); ++i) {
    const RunRecord a = in.read(i);
    const RunRecord b = out.read(i);
    EXPECT_TRUE(same_result(a, b));
    EXPECT_EQ(a.created_at, b.created_at);
    EXPECT_EQ(a.provenance, b.provenance);
  }
}

}  // namespace
}  // namespace nasrank::store
