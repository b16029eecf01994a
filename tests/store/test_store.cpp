#include "nasrank/common/error.h"
#include "nasrank/store/store.h"
#include "store_test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>

namespace nasrank::store {
namespace {

using testing::error_of;
using testing::imported_mean;
using testing::sample_run;
using testing::ScratchDir;

TEST(ResultStore, RoundTripsEveryField) {
  ScratchDir dir("roundtrip");
  const auto path = dir / "runs.h5";
  std::vector<RunRecord> runs{sample_run(0, 777), sample_run(11, 888, "cifar100", 5),
                              imported_mean(6111, "cifar100", 73.22)};
  RunRecord dag;
  dag.space = "dag";
  dag.arch = "2_02_002";
  dag.dataset = "fashion-mnist";
  dag.protocol = "mlp-short";
  dag.budget_epochs = 1;
  dag.seed = 0;
  dag.status = RunStatus::Failed;
  dag.error_message = "loss became NaN at step 7";
  runs.push_back(dag);
  {
    ResultStore store = ResultStore::open(path, OpenMode::Append);
    const AddReport report = store.add(runs);
    EXPECT_EQ(report.added, 4u);
    EXPECT_EQ(store.pending(), 4u);
    EXPECT_EQ(store.commit(), 4u);
    EXPECT_EQ(store.pending(), 0u);
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "runs.h5.tmp"));
  const ResultStore store = ResultStore::open(path, OpenMode::Read);
  ASSERT_EQ(store.count(), 4u);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    RunRecord expected = runs[i];
    canonicalize(expected);
    const RunRecord got = store.read(i);
    EXPECT_TRUE(same_result(expected, got)) << "row " << i;
    EXPECT_EQ(got.provenance, expected.provenance) << "row " << i;
    EXPECT_FALSE(got.created_at.empty());
    EXPECT_FALSE(got.tool_version.empty());
  }
  const RunRecord first = store.read(0);
  EXPECT_EQ(first.arch,
            "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|");
  EXPECT_EQ(first.curves.epochs(), 3u);
  EXPECT_TRUE(std::isnan(first.curves.eval_accuracy.at("ori-test")[0]));
  EXPECT_DOUBLE_EQ(first.curves.eval_accuracy.at("ori-test")[2], first.final_metrics.at("ori-test").accuracy);
  const RunRecord failed = store.read(3);
  EXPECT_EQ(failed.status, RunStatus::Failed);
  EXPECT_EQ(failed.error_message, "loss became NaN at step 7");
  EXPECT_EQ(failed.benchmark_index, -1);
  EXPECT_TRUE(failed.final_metrics.empty());
  EXPECT_EQ(failed.curves.epochs(), 0u);
  const RunRecord mean = store.read(2);
  EXPECT_EQ(mean.seed, kMeanOverSeeds);
  EXPECT_EQ(mean.seeds_averaged, "777,888,999");
  EXPECT_TRUE(mean.provenance.imported);
  EXPECT_FALSE(store.read(0, ReadOptions{false}).curves.epochs() > 0);
}

TEST(ResultStore, CanonicalizesArchitectures) {
  RunRecord by_index = sample_run(6111, 1);
  canonicalize(by_index);
  EXPECT_EQ(by_index.arch,
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|");
  RunRecord by_string = sample_run(0, 1);
  by_string.benchmark_index = -1;
  by_string.arch = by_index.arch;
  canonicalize(by_string);
  EXPECT_EQ(by_string.benchmark_index, 6111);
  EXPECT_EQ(by_string.unique_string, by_index.unique_string);

  RunRecord mismatch = sample_run(5, 1);
  mismatch.arch = by_index.arch;
  EXPECT_NE(error_of([&] { canonicalize(mismatch); }).find("benchmark index 5 is not the index"), std::string::npos);

  RunRecord all_none = sample_run(1651, 1);
  canonicalize(all_none);
  EXPECT_EQ(all_none.status, RunStatus::Disconnected);

  RunRecord bad = sample_run(0, 1);
  bad.benchmark_index = -1;
  bad.arch = "|conv5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|";
  EXPECT_NE(error_of([&] { canonicalize(bad); }).find("conv5x5"), std::string::npos);

  RunRecord no_budget = sample_run(0, 1);
  no_budget.budget_epochs = 0;
  EXPECT_NE(error_of([&] { canonicalize(no_budget); }).find("budget 0"), std::string::npos);

  RunRecord ragged = sample_run(0, 1);
  ragged.curves.train_loss.pop_back();
  EXPECT_NE(error_of([&] { canonicalize(ragged); }).find("train_loss"), std::string::npos);
}

TEST(ResultStore, DuplicatesAreNeverStoredTwice) {
  ScratchDir dir("dups");
  const auto path = dir / "runs.h5";
  ResultStore store = ResultStore::open(path, OpenMode::Append);
  store.add({sample_run(1, 777), sample_run(2, 777)});
  store.commit();

  AddReport identical = store.add({sample_run(1, 777)});
  EXPECT_EQ(identical.added, 0u);
  EXPECT_EQ(identical.identical_duplicates, 1u);
  ASSERT_EQ(identical.duplicates.size(), 1u);
  EXPECT_TRUE(identical.duplicates[0].identical);
  EXPECT_EQ(store.count(), 2u);

  RunRecord changed = sample_run(1, 777);
  changed.final_metrics["ori-test"].accuracy = 12.5;
  const std::string message = error_of([&] { store.add({sample_run(3, 777), changed}); });
  EXPECT_NE(message.find("1 run(s) already present with different results"), std::string::npos) << message;
  EXPECT_NE(message.find("seed 777"), std::string::npos) << message;
  EXPECT_EQ(store.count(), 2u) << "a failed batch adds nothing, not even its new runs";

  AddReport kept = store.add({changed}, DuplicatePolicy::KeepExisting);
  EXPECT_EQ(kept.conflicting_duplicates, 1u);
  EXPECT_EQ(kept.replaced, 0u);
  RunRecord probe = sample_run(1, 777);
  canonicalize(probe);
  EXPECT_NE(store.find(run_key(probe))->final_metrics.at("ori-test").accuracy, 12.5);

  changed.curves.train_loss.assign(changed.curves.train_loss.size(), 9.0);
  AddReport replaced = store.add({changed}, DuplicatePolicy::Replace);
  EXPECT_EQ(replaced.replaced, 1u);
  store.commit();
  EXPECT_EQ(store.count(), 2u);

  const ResultStore reread = ResultStore::open(path, OpenMode::Read);
  ASSERT_EQ(reread.count(), 2u);
  const auto found = reread.find(run_key(probe));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->final_metrics.at("ori-test").accuracy, 12.5);
  EXPECT_EQ(found->curves.train_loss.front(), 9.0);
  EXPECT_EQ(reread.read(1).benchmark_index, 2) << "the other run is untouched";
}

TEST(ResultStore, DuplicatesInsideOneBatch) {
  ScratchDir dir("batchdups");
  ResultStore store = ResultStore::open(dir / "runs.h5", OpenMode::Truncate);
  RunRecord changed = sample_run(4, 1);
  changed.params_m = 99;
  const AddReport report = store.add({sample_run(4, 1), sample_run(4, 1), changed}, DuplicatePolicy::Replace);
  EXPECT_EQ(report.added, 1u);
  EXPECT_EQ(report.identical_duplicates, 1u);
  EXPECT_EQ(report.conflicting_duplicates, 1u);
  EXPECT_EQ(store.count(), 1u);
  EXPECT_EQ(store.read(0).params_m, 99);
}

TEST(ResultStore, UncommittedRunsAreDiscarded) {
  ScratchDir dir("discard");
  const auto path = dir / "runs.h5";
  {
    ResultStore store = ResultStore::open(path, OpenMode::Append);
    store.add({sample_run(1, 1)});
    store.commit();
    std::error_code ignored;
    const auto journal_size = std::filesystem::file_size(dir / "runs.h5.journal", ignored);
    store.add({sample_run(2, 1)});
    EXPECT_EQ(store.count(), 2u);
    // Staged runs live in memory until commit() writes them.
    EXPECT_FALSE(std::filesystem::exists(dir / "runs.h5.tmp"));
    EXPECT_EQ(std::filesystem::file_size(dir / "runs.h5.journal", ignored), journal_size);
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "runs.h5.tmp"));
  EXPECT_EQ(ResultStore::open(path, OpenMode::Read).count(), 1u);
}

TEST(ResultStore, StaleTemporaryFromAKilledWriterIsIgnored) {
  ScratchDir dir("stale");
  const auto path = dir / "runs.h5";
  testing::write_store(path, {sample_run(1, 1)});
  testing::write_text(dir / "runs.h5.tmp", "half-written garbage");
  EXPECT_EQ(ResultStore::open(path, OpenMode::Read).count(), 1u);
  ResultStore store = ResultStore::open(path, OpenMode::Append);
  store.add({sample_run(2, 1)});
  EXPECT_EQ(store.commit(), 2u);
}

TEST(ResultStore, SecondWriterIsRefusedWithThePid) {
  ScratchDir dir("lock");
  const auto path = dir / "runs.h5";
  ResultStore writer = ResultStore::open(path, OpenMode::Append);
  // flock locks belong to the open file description, so a second open in the
  // same process conflicts exactly like another process would.
  const std::string message = error_of([&] { ResultStore::open(path, OpenMode::Append); });
  EXPECT_NE(message.find("already open for writing"), std::string::npos) << message;
  EXPECT_NE(message.find("pid " + std::to_string(::getpid())), std::string::npos) << message;
  EXPECT_NE(message.find("runs.h5.lock"), std::string::npos) << message;
  EXPECT_NO_THROW(ResultStore::open(dir / "other.h5", OpenMode::Append));
}

TEST(ResultStore, ReadersSeeTheLastCommit) {
  ScratchDir dir("readers");
  const auto path = dir / "runs.h5";
  ResultStore writer = ResultStore::open(path, OpenMode::Append);
  writer.add({sample_run(1, 1)});
  writer.commit();
  writer.add({sample_run(2, 1)});
  EXPECT_EQ(ResultStore::open(path, OpenMode::Read).count(), 1u);
  writer.commit();
  EXPECT_EQ(ResultStore::open(path, OpenMode::Read).count(), 2u);
}

TEST(ResultStore, TruncateReplacesOnCommit) {
  ScratchDir dir("truncate");
  const auto path = dir / "runs.h5";
  testing::write_store(path, {sample_run(1, 1), sample_run(2, 1)});
  {
    ResultStore store = ResultStore::open(path, OpenMode::Truncate);
    EXPECT_EQ(store.count(), 0u);
    store.add({sample_run(3, 1)});
    EXPECT_EQ(ResultStore::open(path, OpenMode::Read).count(), 2u) << "old content until the commit";
    store.commit();
  }
  const ResultStore store = ResultStore::open(path, OpenMode::Read);
  ASSERT_EQ(store.count(), 1u);
  EXPECT_EQ(store.read(0).benchmark_index, 3);
}

TEST(ResultStore, EmptyCommitCreatesAReadableStore) {
  ScratchDir dir("empty");
  {
    ResultStore store = ResultStore::open(dir / "empty.h5", OpenMode::Append);
    EXPECT_EQ(store.commit(), 0u);
  }
  const ResultStore store = ResultStore::open(dir / "empty.h5", OpenMode::Read);
  EXPECT_EQ(store.count(), 0u);
  EXPECT_TRUE(store.list().empty());
}

TEST(ResultStore, SelectsAndFinds) {
  ScratchDir dir("select");
  ResultStore store = ResultStore::open(dir / "runs.h5", OpenMode::Append);
  std::vector<RunRecord> runs;
  for (int index : {0, 1, 2})
    for (std::int64_t seed : {777, 888})
      for (const char* dataset : {"cifar10", "cifar100"}) runs.push_back(sample_run(index, seed, dataset));
  store.add(runs);
  store.commit();
  RunRecord one = sample_run(1, 888, "cifar100");
  canonicalize(one);
  RunFilter by_arch;
  by_arch.arch_key = arch_key("nb201", one.arch);
  EXPECT_EQ(store.select(by_arch).size(), 4u);
  by_arch.dataset = "cifar100";
  EXPECT_EQ(store.select(by_arch).size(), 2u);
  by_arch.seed = 888;
  const auto rows = store.select(by_arch);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(store.read(rows[0]).seed, 888);
  RunFilter budget;
  budget.budget_epochs = 4;
  EXPECT_TRUE(store.select(budget).empty());
  ASSERT_TRUE(store.find(run_key(one)));
  one.seed = 999;
  EXPECT_FALSE(store.find(run_key(one)));
  std::size_t visited = 0;
  store.for_each(
      [&](std::size_t, const RunRecord& r) {
        EXPECT_EQ(r.dataset, "cifar10");
        return ++visited < 2;
      },
      RunFilter{std::nullopt, std::string("cifar10"), std::nullopt, std::nullopt, std::nullopt});
  EXPECT_EQ(visited, 2u);
}

TEST(ResultStore, IndexFindsEveryArchitectureAcrossWindows) {
  // 100 cells x 30 seeds: each cell's 30 index entries are contiguous in hash
  // order, and with 3000 entries a lookup reads only part of the index.
  ScratchDir dir("index");
  const auto path = dir / "runs.h5";
  {
    ResultStore store = ResultStore::open(path, OpenMode::Append);
    std::vector<RunRecord> runs;
    for (int index = 0; index < 100; ++index)
      for (std::int64_t seed = 0; seed < 30; ++seed) {
        RunRecord r = sample_run(index * 7, seed, "cifar10", 1);
        r.curves = {};
        runs.push_back(r);
      }
    store.add(runs);
    store.commit();
  }
  const ResultStore store = ResultStore::open(path, OpenMode::Read);
  for (int index = 0; index < 100; ++index) {
    RunRecord probe = sample_run(index * 7, 0);
    canonicalize(probe);
    RunFilter filter;
    filter.arch_key = arch_key("nb201", probe.arch);
    const auto rows = store.select(filter);
    ASSERT_EQ(rows.size(), 30u) << "cell " << index * 7;
    EXPECT_EQ(rows.front(), static_cast<std::size_t>(index) * 30);
    EXPECT_EQ(rows.back(), static_cast<std::size_t>(index) * 30 + 29);
  }
  RunFilter absent;
  absent.arch_key = arch_key("nb201", "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|");
  EXPECT_TRUE(store.select(absent).empty());
}

TEST(ResultStore, IndexFindsARunLongerThanTheLookupWindow) {
  // One cell with 1,500 seeds among 30 cells with 50: no window read around
  // the cell's estimated position can hold all its entries, so the lookup
  // must fall back to the sampled search and still find every one.
  ScratchDir dir("long-run");
  const auto path = dir / "runs.h5";
  auto cell_runs = [](int index, int seeds) {
    std::vector<RunRecord> runs;
    for (std::int64_t seed = 0; seed < seeds; ++seed) {
      RunRecord r = sample_run(index, seed, "cifar10", 1);
      r.curves = {};
      runs.push_back(r);
    }
    return runs;
  };
  {
    ResultStore store = ResultStore::open(path, OpenMode::Append);
    store.add(cell_runs(5, 1500));
    for (int index = 100; index < 130; ++index) store.add(cell_runs(index, 50));
    store.commit();
  }
  const ResultStore store = ResultStore::open(path, OpenMode::Read);
  auto rows_of = [&](int index) {
    RunRecord probe = sample_run(index, 0);
    canonicalize(probe);
    RunFilter filter;
    filter.arch_key = arch_key("nb201", probe.arch);
    return store.select(filter);
  };
  const auto long_run = rows_of(5);
  ASSERT_EQ(long_run.size(), 1500u);
  EXPECT_EQ(long_run.front(), 0u);
  EXPECT_EQ(long_run.back(), 1499u);
  for (int index = 100; index < 130; ++index) {
    const auto rows = rows_of(index);
    ASSERT_EQ(rows.size(), 50u) << "cell " << index;
    EXPECT_EQ(rows.front(), 1500u + static_cast<std::size_t>(index - 100) * 50) << "cell " << index;
  }
}

TEST(ResultStore, SplitsAddedLaterReadAsAbsentForOlderRuns) {
  ScratchDir dir("splits");
  const auto path = dir / "runs.h5";
  ResultStore store = ResultStore::open(path, OpenMode::Append);
  store.add({sample_run(1, 1)});
  store.commit();
  RunRecord later = sample_run(2, 1);
  later.final_metrics["x-valid"] = {42.0, 1.5};
  later.curves.eval_accuracy["x-valid"] = {40.0, 41.0, 42.0};
  store.add({later});
  store.commit();
  const ResultStore reread = ResultStore::open(path, OpenMode::Read);
  const RunRecord old = reread.read(0);
  EXPECT_EQ(old.final_metrics.count("x-valid"), 0u);
  EXPECT_EQ(old.curves.eval_accuracy.count("x-valid"), 0u);
  const RunRecord fresh = reread.read(1);
  EXPECT_EQ(fresh.final_metrics.at("x-valid").accuracy, 42.0);
  EXPECT_EQ(fresh.curves.eval_accuracy.at("x-valid")[1], 41.0);
}

TEST(ResultStore, OverlongNamesAreRejected) {
  ScratchDir dir("widths");
  ResultStore store = ResultStore::open(dir / "runs.h5", OpenMode::Append);
  RunRecord r = sample_run(1, 1);
  r.dataset = std::string(40, 'd');
  EXPECT_NE(error_of([&] { store.add({r}); }).find("longer than the 32 bytes"), std::string::npos);
  EXPECT_EQ(store.count(), 0u);
}

TEST(ResultStore, ReadOnlyStoresRefuseWrites) {
  ScratchDir dir("readonly");
  const auto path = dir / "runs.h5";
  {
    ResultStore store = ResultStore::open(path, OpenMode::Append);
    store.commit();
  }
  ResultStore store = ResultStore::open(path, OpenMode::Read);
  EXPECT_NE(error_of([&] { store.add({sample_run(1, 1)}); }).find("read-only"), std::string::npos);
}

// ---- files that are not stores ---------------------------------------------------

TEST(ResultStoreErrors, MissingFile) {
  ScratchDir dir("missing");
  const std::string message = error_of([&] { ResultStore::open(dir / "nope.h5", OpenMode::Read); });
  EXPECT_NE(message.find("nope.h5' does not exist"), std::string::npos) << message;
}

TEST(ResultStoreErrors, TextFileNamedH5) {
  ScratchDir dir("text");
  testing::write_text(dir / "table.h5", "arch,acc\n1,2\n");
  for (OpenMode mode : {OpenMode::Read, OpenMode::Append}) {
    const std::string message = error_of([&] { ResultStore::open(dir / "table.h5", mode); });
    EXPECT_NE(message.find("table.h5' is not an HDF5 file"), std::string::npos) << message;
  }
  EXPECT_EQ(testing::read_text(dir / "table.h5"), "arch,acc\n1,2\n") << "Append never touches a foreign file";
}

TEST(ResultStoreErrors, EmptyFile) {
  ScratchDir dir("emptyfile");
  testing::write_text(dir / "zero.h5", "");
  EXPECT_NE(error_of([&] { ResultStore::open(dir / "zero.h5", OpenMode::Read); }).find("is empty"), std::string::npos);
}

TEST(ResultStoreErrors, ForeignHdf5File) {
  // Written by h5py: the store library holds the only HDF5 in this program.
  ScratchDir dir("foreign");
  const auto path = dir / "foreign.h5";
  const std::string make = "/usr/bin/python3 -c \"import h5py; f = h5py.File('" + path.string() +
                           "', 'w'); f['accuracy'] = [1.0, 2.0]; f.close()\" 2>/dev/null";
  if (std::system(make.c_str()) != 0) GTEST_SKIP() << "SKIPPED: needs /usr/bin/python3 with h5py (python3-h5py)";
  const std::string message = error_of([&] { ResultStore::open(path, OpenMode::Read); });
  EXPECT_NE(message.find("foreign.h5' is an HDF5 file but not a nasrank results store"), std::string::npos) << message;
}

TEST(ResultStoreErrors, TruncatedStore) {
  ScratchDir dir("truncated");
  const auto path = dir / "runs.h5";
  testing::write_store(path, testing::sample_runs(50, 1));
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size / 2);
  const std::string message = error_of([&] {
    const ResultStore store = ResultStore::open(path, OpenMode::Read);
    store.list();
  });
  EXPECT_NE(message.find("runs.h5'"), std::string::npos) << message;
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
}

TEST(ResultStoreErrors, OverwrittenBytesAreDetected) {
  ScratchDir dir("corrupt");
  const auto path = dir / "runs.h5";
  testing::write_store(path, testing::sample_runs(200, 1, "cifar10", 20));
  std::string bytes = testing::read_text(path);
  for (std::size_t i = bytes.size() / 4; i < bytes.size() * 3 / 4; ++i) bytes[i] = static_cast<char>(i * 131 + 7);
  testing::write_text(path, bytes);
  const std::string message = error_of([&] {
    const ResultStore store = ResultStore::open(path, OpenMode::Read);
    store.list();
  });
  EXPECT_NE(message.find("runs.h5'"), std::string::npos) << message;
}

}  // namespace
}  // namespace nasrank::store
