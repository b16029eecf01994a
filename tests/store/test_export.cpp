// Long-format and per-epoch tables of a store, and dataset names.
#include "nasrank/store/export.h"
#include "nasrank/store/query.h"

#include "nasrank/common/error.h"
#include "store_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

namespace nasrank::store {
namespace {

using testing::sample_run;
using testing::ScratchDir;

std::size_t column(const std::vector<std::string>& columns, const std::string& name) {
  const auto it = std::find(columns.begin(), columns.end(), name);
  EXPECT_NE(it, columns.end()) << name;
  return static_cast<std::size_t>(it - columns.begin());
}

ResultStore two_runs(const ScratchDir& dir) {
  auto store = ResultStore::open(dir.path() / "runs.h5", OpenMode::Truncate);
  RunRecord imported = sample_run(7, kMeanOverSeeds);
  imported.curves = {};
  imported.seeds_averaged = "777,888";
  imported.provenance.imported = true;
  imported.provenance.source_path = "/data/benchmark.csv";
  imported.provenance.note = std::string(400, 'n');
  RunRecord imported_too = imported;
  imported_too.benchmark_index = 8;
  store.add({sample_run(3, 1), imported, imported_too});
  store.commit();
  return ResultStore::open(dir.path() / "runs.h5", OpenMode::Read);
}

TEST(LongTable, OneRowPerRunAndSplitWithProvenanceListedOnce) {
  ScratchDir dir("export-long");
  const ResultStore store = two_runs(dir);
  const LongTable table = long_table(store);
  ASSERT_EQ(table.rows.size(), 6u);  // 3 runs x (train, ori-test)
  const std::size_t split = column(table.columns, "split");
  const std::size_t accuracy = column(table.columns, "accuracy");
  const std::size_t provenance = column(table.columns, "provenance_id");
  EXPECT_EQ(std::count(table.columns.begin(), table.columns.end(), "accuracy"), 1);
  for (const auto& name : table.columns) EXPECT_EQ(name.find("accuracy:"), std::string::npos) << name;
  std::size_t test_rows = 0;
  for (const auto& row : table.rows) {
    test_rows += row[split] == "ori-test" ? 1 : 0;
    EXPECT_TRUE(row[accuracy].is_number());
  }
  EXPECT_EQ(test_rows, 3u);
  // The trained run and the two imported rows: two distinct provenances, the
  // long note stored once.
  ASSERT_EQ(table.provenance.size(), 2u);
  EXPECT_EQ(table.provenance[1]["note"].get<std::string>().size(), 400u);
  EXPECT_EQ(table.rows[2][provenance], 1);
  EXPECT_EQ(table.rows[4][provenance], 1);
  EXPECT_EQ(table.configurations.size(), 1u);
}

TEST(CurveTable, OneRowPerRunAndEpochWithGapsAsNull) {
  ScratchDir dir("export-curves");
  const ResultStore store = two_runs(dir);
  const FlatTable table = curve_table(store);
  ASSERT_EQ(table.rows.size(), 3u);  // only the trained run has curves
  const std::size_t epoch = column(table.columns, "epoch");
  const std::size_t test = column(table.columns, "accuracy:ori-test");
  const std::size_t loss = column(table.columns, "train_loss");
  EXPECT_EQ(table.rows[2][epoch], 2);
  EXPECT_TRUE(table.rows[0][test].is_null());  // evaluated after the last epoch only
  EXPECT_DOUBLE_EQ(table.rows[2][test].get<double>(), sample_run(3, 1).final_metrics.at("ori-test").accuracy);
  EXPECT_DOUBLE_EQ(table.rows[1][loss].get<double>(), 1.9);
}

TEST(MatchDataset, CommonSpellingsFindTheStoredKeyAndUnknownNamesListThem) {
  ScratchDir dir("match-dataset");
  {
    auto store = ResultStore::open(dir.path() / "runs.h5", OpenMode::Truncate);
    store.add({sample_run(1, 1, "cifar10"), sample_run(1, 1, "ImageNet16-120")});
    store.commit();
  }
  const ResultStore store = ResultStore::open(dir.path() / "runs.h5", OpenMode::Read);
  EXPECT_EQ(match_dataset(store, "cifar10"), "cifar10");
  EXPECT_EQ(match_dataset(store, "CIFAR10"), "cifar10");
  EXPECT_EQ(match_dataset(store, "cifar-10"), "cifar10");
  EXPECT_EQ(match_dataset(store, "imagenet16-120"), "ImageNet16-120");
  EXPECT_EQ(match_dataset(store, "ImageNet16_120"), "ImageNet16-120");
  const std::string message = testing::error_of([&] { match_dataset(store, "cifar100"); });
  EXPECT_NE(message.find("has no dataset 'cifar100' (it has: cifar10, ImageNet16-120)"), std::string::npos) << message;
}

}  // namespace
}  // namespace nasrank::store

namespace nasrank::store {
namespace {

long resident_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// Streaming keeps a block of runs in memory, not the table: on a store of
// 20,000 runs its resident memory grows by a fraction of what the collected
// table takes.
TEST(FlatTable, StreamingDoesNotHoldTheTable) {
#if defined(__SANITIZE_ADDRESS__)
  constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  constexpr bool kAddressSanitizer = true;
#else
  constexpr bool kAddressSanitizer = false;
#endif
#else
  constexpr bool kAddressSanitizer = false;
#endif
  // ASan keeps freed blocks in quarantine instead of reusing them, so resident
  // memory grows with everything a stream ever allocated: no measure of what
  // it holds. The Release build runs this test.
  if (kAddressSanitizer) GTEST_SKIP() << "SKIPPED: resident memory is not measurable under AddressSanitizer";
  ScratchDir dir("export-stream");
  const auto path = dir / "runs.h5";
  {
    auto store = ResultStore::open(path, OpenMode::Truncate);
    std::vector<RunRecord> runs;
    for (int i = 0; i < 20000; ++i) {
      runs.push_back(sample_run(i % 15625, i / 15625, "cifar10", 1));
      runs.back().curves = {};
    }
    store.add(std::move(runs));
    store.commit();
  }
  const ResultStore store = ResultStore::open(path, OpenMode::Read);
  const long before = resident_kb();
  ASSERT_GT(before, 0) << "no /proc/self/status";
  long peak = before;
  std::size_t rows = 0;
  std::size_t columns = 0;
  stream_flat_table(
      store, {}, [&](const std::vector<std::string>& names) { columns = names.size(); },
      [&](const std::vector<nlohmann::json>& row) {
        EXPECT_EQ(row.size(), columns);
        if (++rows % 256 == 0) peak = std::max(peak, resident_kb());
      });
  EXPECT_EQ(rows, 20000u);
  const long streamed_kb = peak - before;
  const FlatTable table = flat_table(store);
  const long collected_kb = resident_kb() - before;
  ASSERT_EQ(table.rows.size(), 20000u);
  RecordProperty("streamed_kb", std::to_string(streamed_kb));
  RecordProperty("collected_kb", std::to_string(collected_kb));
  EXPECT_LT(streamed_kb * 4, collected_kb)
      << "streaming grew by " << streamed_kb << " kB, the table by " << collected_kb;
}

}  // namespace
}  // namespace nasrank::store
