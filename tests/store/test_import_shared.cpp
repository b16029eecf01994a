// Imports of the real benchmark exports in ../shared/data/nb201.
#include "nasrank/cell/encoding.h"
#include "nasrank/store/import.h"
#include "nasrank/store/query.h"
#include "benchmark_network_size.h"
#include "store_test_util.h"
#include "test_paths.h"

#include <gtest/gtest.h>

#include <cmath>

namespace nasrank::store {
namespace {

using testing::benchmark_network_size;
using testing::ScratchDir;

std::string key_of(int index) { return arch_key("nb201", *cell::to_arch_string(cell::from_benchmark_index(index))); }

CsvImportOptions csv_200() {
  CsvImportOptions options;
  options.file = nasrank::testing::shared_nb201_dir() / "nats_bench_200ep_test.csv";
  options.arch_column = "ArchitectureString";
  options.metrics = {parse_metric_mapping("CIFAR10TestAccuracy200Epochs=cifar10"),
                     parse_metric_mapping("CIFAR100TestAccuracy200Epochs=cifar100"),
                     parse_metric_mapping("ImageNetTestAccuracy200Epochs=ImageNet16-120")};
  options.seeds_averaged = "777,888,999";
  options.benchmark_network_size = benchmark_network_size;
  return options;
}

CsvImportOptions csv_12() {
  CsvImportOptions options;
  options.file = nasrank::testing::shared_nb201_dir() / "mini_nasbench201_12ep.csv";
  options.arch_column = "arch";
  options.metrics = {
      parse_metric_mapping("cifar10-test=cifar10"),         parse_metric_mapping("cifar10-val=cifar10-valid:valid"),
      parse_metric_mapping("cifar100-test=cifar100"),       parse_metric_mapping("cifar100-val=cifar100:valid"),
      parse_metric_mapping("imagenet-test=ImageNet16-120"), parse_metric_mapping("imagenet-val=ImageNet16-120:valid")};
  options.benchmark_network_size = benchmark_network_size;
  return options;
}

QueryRow only_row(const ResultStore& store, int index, const std::string& dataset, int budget,
                  const std::string& split = "test") {
  QuerySpec spec;
  spec.arch_key = key_of(index);
  spec.dataset = dataset;
  spec.budget_epochs = budget;
  spec.split = split;
  const auto rows = run_query(store, spec);
  EXPECT_EQ(rows.size(), 1u) << index << " " << dataset;
  return rows.empty() ? QueryRow{} : rows.front();
}

TEST(SharedImport, Csv200EpochTestAccuracies) {
  NASRANK_REQUIRE_SHARED_DATA();
  ScratchDir dir("shared200");
  ImportReport report;
  {
    ResultStore store = ResultStore::open(dir / "ref.h5", OpenMode::Append);
    report = import_csv(store, csv_200());
    store.commit();
  }
  EXPECT_EQ(report.sources_read, 15625u);
  EXPECT_EQ(report.added.added, 3u * 15625u);
  EXPECT_NE(report.notes[0].find("budget 200 epochs (inferred from the column 'CIFAR10TestAccuracy200Epochs')"),
            std::string::npos);
  const ResultStore store = ResultStore::open(dir / "ref.h5", OpenMode::Read);

  QuerySpec best;
  best.dataset = "cifar10";
  best.budget_epochs = 200;
  best.order_by = "accuracy";
  best.limit = 1;
  const auto top = run_query(store, best);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].benchmark_index, 6111);
  EXPECT_NEAR(top[0].accuracy, 94.3733, 5e-5);
  EXPECT_EQ(top[0].split, "ori-test");
  EXPECT_EQ(top[0].seeds, "777,888,999");

  EXPECT_NEAR(only_row(store, 11472, "cifar10", 200).accuracy, 93.91, 1e-9);
  const QueryRow none = only_row(store, 1651, "cifar10", 200);
  EXPECT_EQ(none.accuracy, 10.0);
  EXPECT_EQ(none.status, "disconnected");
  EXPECT_EQ(only_row(store, 6111, "cifar100", 200).split, "x-test");
  EXPECT_NEAR(only_row(store, 6111, "cifar100", 200).accuracy, 73.22, 1e-9);

  const RunRecord first = store.read(0);
  EXPECT_EQ(first.provenance.source_sha256, sha256_file(csv_200().file));
  EXPECT_EQ(first.provenance.source_split, "test");
  EXPECT_NE(first.provenance.note.find("seeds averaged: 777,888,999"), std::string::npos);
}

TEST(SharedImport, Csv12EpochAndBothBudgetsInOneStore) {
  NASRANK_REQUIRE_SHARED_DATA();
  ScratchDir dir("shared12");
  ImportReport report;
  {
    ResultStore store = ResultStore::open(dir / "ref.h5", OpenMode::Append);
    report = import_csv(store, csv_12());
    import_csv(store, csv_200());
    store.commit();
  }
  EXPECT_EQ(report.added.added, 4u * 15625u);
  EXPECT_NE(report.notes[0].find("inferred from the file name 'mini_nasbench201_12ep.csv'"), std::string::npos);
  const ResultStore store = ResultStore::open(dir / "ref.h5", OpenMode::Read);
  EXPECT_EQ(store.count(), 7u * 15625u);
  EXPECT_EQ(only_row(store, 0, "cifar10", 12).accuracy, 69.55);
  EXPECT_NEAR(only_row(store, 0, "cifar10-valid", 12, "valid").accuracy, 63.36399998046875, 1e-12);
  EXPECT_NEAR(only_row(store, 0, "cifar100", 12).accuracy, 31.259999963378906, 1e-12);
  EXPECT_NEAR(only_row(store, 0, "cifar10", 200).accuracy, 85.86333333333334, 1e-12);

  QuerySpec any_budget;
  any_budget.arch_key = key_of(0);
  any_budget.dataset = "cifar10";
  EXPECT_EQ(budgets_matching(store, any_budget), (std::vector<int>{12, 200}));
}

TEST(SharedImport, NatsFixturesPerSeedPerEpoch) {
  NASRANK_REQUIRE_SHARED_DATA();
  ScratchDir dir("sharednats");
  ImportReport report;
  {
    ResultStore store = ResultStore::open(dir / "nats.h5", OpenMode::Append);
    NatsImportOptions options;
    options.directory = nasrank::testing::shared_nb201_dir() / "nats-tss-fixtures";
    report = import_nats(store, options);
    store.commit();
  }
  // Per file: 12 epochs = cifar10-valid x2 seeds + 3 datasets x1; 200 epochs = 4 datasets x 3 seeds.
  EXPECT_EQ(report.sources_read, 3u);
  EXPECT_EQ(report.added.added, 3u * 17u);
  const ResultStore store = ResultStore::open(dir / "nats.h5", OpenMode::Read);

  RunKey key{key_of(0), "cifar10", "nb201", 200, 777};
  const auto run = store.find(key);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->final_metrics.at("ori-test").accuracy, 85.62);
  EXPECT_EQ(run->params_m, 0.129306);
  EXPECT_EQ(run->flops_m, 15.64737);
  EXPECT_EQ(run->curves.epochs(), 200u);
  EXPECT_EQ(run->curves.train_accuracy.size(), 200u);
  EXPECT_EQ(run->curves.eval_accuracy.at("ori-test").back(), 85.62);
  EXPECT_TRUE(run->provenance.imported);
  EXPECT_EQ(run->provenance.source_format, "nats-tss-simple");
  const auto file = nasrank::testing::shared_nb201_dir() / "nats-tss-fixtures" / "000000.pickle.pbz2";
  EXPECT_EQ(run->provenance.source_sha256, sha256_file(file));
  EXPECT_EQ(run->provenance.source_size, static_cast<std::int64_t>(std::filesystem::file_size(file)));

  // cifar10-valid at 200 epochs evaluates ori-test only after the last epoch.
  const auto valid = store.find(RunKey{key_of(0), "cifar10-valid", "nb201", 200, 999});
  ASSERT_TRUE(valid);
  const auto& ori = valid->curves.eval_accuracy.at("ori-test");
  ASSERT_EQ(ori.size(), 200u);
  EXPECT_TRUE(std::isnan(ori[0]));
  EXPECT_TRUE(std::isnan(ori[198]));
  EXPECT_EQ(ori[199], 81.14);
  EXPECT_EQ(valid->curves.eval_accuracy.at("x-valid").size(), 200u);
  EXPECT_FALSE(std::isnan(valid->curves.eval_accuracy.at("x-valid")[0]));

  const auto short_run = store.find(RunKey{key_of(11), "cifar10-valid", "nb201", 12, 111});
  ASSERT_TRUE(short_run);
  EXPECT_NEAR(short_run->final_metrics.at("x-valid").accuracy, 62.58, 1e-6);
  EXPECT_EQ(short_run->curves.epochs(), 12u);

  // The seed means agree with the published CSV exports.
  EXPECT_NEAR(only_row(store, 0, "cifar10", 200).accuracy, 85.86333333333334, 1e-9);
  EXPECT_NEAR(only_row(store, 0, "cifar100", 200).accuracy, 52.913333294677734, 1e-9);
  EXPECT_NEAR(only_row(store, 0, "ImageNet16-120", 200).accuracy, 26.6333332739936, 1e-9);
  EXPECT_NEAR(only_row(store, 0, "cifar10-valid", 12, "valid").accuracy, 63.36399998046875, 1e-9);
  EXPECT_EQ(only_row(store, 0, "cifar10", 200).n_seeds, 3);
}

TEST(SharedImport, NatsOneBudget) {
  NASRANK_REQUIRE_SHARED_DATA();
  ScratchDir dir("sharednats12");
  ResultStore store = ResultStore::open(dir / "nats.h5", OpenMode::Append);
  NatsImportOptions options;
  options.directory = nasrank::testing::shared_nb201_dir() / "nats-tss-fixtures";
  options.budgets = {12};
  EXPECT_EQ(import_nats(store, options).added.added, 3u * 5u);
}

}  // namespace
}  // namespace nasrank::store
