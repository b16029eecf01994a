#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "nasrank/store/import.h"
#include "nasrank/store/query.h"
#include "benchmark_network_size.h"
#include "store_test_util.h"

#include <gtest/gtest.h>

#include <cmath>

namespace nasrank::store {
namespace {

using testing::benchmark_network_size;
using testing::error_of;
using testing::ScratchDir;
using testing::write_text;

std::string arch_of(int index) { return *cell::to_arch_string(cell::from_benchmark_index(index)); }

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(MetricMapping, ParsesDatasetAndSplit) {
  const MetricColumn plain = parse_metric_mapping("CIFAR10TestAccuracy200Epochs=cifar10");
  EXPECT_EQ(plain.column, "CIFAR10TestAccuracy200Epochs");
  EXPECT_EQ(plain.dataset, "cifar10");
  EXPECT_EQ(plain.split, "");
  const MetricColumn with_split = parse_metric_mapping("imagenet-val=imagenet16-120:valid");
  EXPECT_EQ(with_split.dataset, "ImageNet16-120");
  EXPECT_EQ(with_split.split, "valid");
  EXPECT_NE(error_of([] { parse_metric_mapping("acc"); }).find("expected COLUMN=DATASET"), std::string::npos);
  EXPECT_NE(error_of([] { parse_metric_mapping("acc=mnist"); }).find("unknown dataset 'mnist'"), std::string::npos);
  EXPECT_NE(error_of([] { parse_metric_mapping("acc=cifar10:final"); }).find("unknown split 'final'"),
            std::string::npos);
}

class CsvImport : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    write_text(path, text);
    return path;
  }
  CsvImportOptions index_options(const std::filesystem::path& file) {
    CsvImportOptions options;
    options.file = file;
    options.arch_column = "arch";
    options.metrics = {parse_metric_mapping("c10-test=cifar10"), parse_metric_mapping("c10-val=cifar10-valid:valid")};
    options.benchmark_network_size = benchmark_network_size;
    return options;
  }
  ScratchDir dir_{"csv"};
};

TEST_F(CsvImport, IndexColumnAndBudgetFromTheFileName) {
  const auto file = write("table_12ep.csv",
                          "arch,cellstr,c10-test,c10-val\n"
                          "0," +
                              arch_of(0) +
                              ",69.55,63.364\n"
                              "1651," +
                              arch_of(1651) + ",10.0,\n");
  ImportReport report;
  const auto runs = read_csv_runs(index_options(file), &report);
  ASSERT_EQ(runs.size(), 3u) << "1651 has no cifar10-valid value, so no record for it";
  EXPECT_EQ(runs[0].benchmark_index, 0);
  EXPECT_EQ(runs[0].arch, arch_of(0));
  EXPECT_EQ(runs[0].dataset, "cifar10");
  EXPECT_EQ(runs[0].final_metrics.at("ori-test").accuracy, 69.55);
  EXPECT_EQ(runs[1].dataset, "cifar10-valid");
  EXPECT_EQ(runs[1].final_metrics.at("x-valid").accuracy, 63.364);
  EXPECT_EQ(runs[2].final_metrics.at("ori-test").accuracy, 10.0);
  for (const auto& r : runs) {
    EXPECT_EQ(r.budget_epochs, 12);
    EXPECT_EQ(r.seed, kMeanOverSeeds);
    EXPECT_EQ(r.seeds_averaged, "unknown");
    EXPECT_TRUE(r.provenance.imported);
    EXPECT_EQ(r.provenance.source_format, "csv");
    EXPECT_EQ(r.provenance.source_split, "test");
    EXPECT_EQ(r.provenance.source_sha256, sha256_hex(testing::read_text(file)));
    EXPECT_EQ(r.provenance.source_size, static_cast<std::int64_t>(std::filesystem::file_size(file)));
    EXPECT_EQ(r.provenance.source_path, std::filesystem::absolute(file).string());
    EXPECT_NE(r.provenance.note.find("column 'c10-val' -> cifar10-valid x-valid"), std::string::npos);
  }
  ASSERT_FALSE(report.notes.empty());
  EXPECT_NE(report.notes[0].find("budget 12 epochs (inferred from the file name 'table_12ep.csv')"), std::string::npos);
  EXPECT_NE(report.notes.back().find("1 empty or NaN values were skipped"), std::string::npos);
}

// The benchmark's CSVs have no parameter or FLOP counts; nasrank computes
// them for the benchmark's network. For cell 0 they equal what NAS-Bench-201
// publishes (NATS-Bench record 000000: 0.129306 M parameters and 15.64737 M
// FLOPs on CIFAR-10, 0.135156 / 15.65322 on CIFAR-100).
TEST_F(CsvImport, ParamsAndFlopsOfTheBenchmarkNetwork) {
  const auto file = write("table_12ep.csv", "arch,c10-test,c10-val,c100-test\n0,69.55,63.364,31.55\n");
  CsvImportOptions options = index_options(file);
  options.metrics.push_back(parse_metric_mapping("c100-test=cifar100"));
  const auto runs = read_csv_runs(options);
  ASSERT_EQ(runs.size(), 3u);
  for (const auto& r : runs) {
    EXPECT_EQ(r.params_m, r.dataset == "cifar100" ? 0.135156 : 0.129306) << r.dataset;
    EXPECT_EQ(r.flops_m, r.dataset == "cifar100" ? 15.65322 : 15.64737) << r.dataset;
    EXPECT_NE(r.provenance.note.find("params_m and flops_m computed by nasrank"), std::string::npos);
  }
  // Another protocol's network is not known to be the benchmark's.
  options.protocol = "my-protocol";
  for (const auto& r : read_csv_runs(options)) {
    EXPECT_TRUE(std::isnan(r.params_m));
    EXPECT_TRUE(std::isnan(r.flops_m));
    EXPECT_EQ(r.provenance.note.find("params_m"), std::string::npos);
  }
}

TEST_F(CsvImport, ArchStringColumnAndBudgetFromTheColumns) {
  const auto file = write("t.csv",
                          "Acc200Epochs,Arch\r\n"
                          "\"94.37\",\"" +
                              arch_of(6111) +
                              "\"\r\n"
                              "93.91," +
                              arch_of(11472) + "\r\n\r\n");
  CsvImportOptions options;
  options.file = file;
  options.arch_column = "Arch";
  options.metrics = {parse_metric_mapping("Acc200Epochs=cifar100")};
  options.seeds_averaged = "777,888,999";
  const auto runs = read_csv_runs(options);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].benchmark_index, 6111);
  EXPECT_EQ(runs[1].benchmark_index, 11472);
  EXPECT_EQ(runs[0].budget_epochs, 200);
  EXPECT_EQ(runs[0].final_metrics.at("x-test").accuracy, 94.37);
  EXPECT_EQ(runs[0].seeds_averaged, "777,888,999");

  options.budget_epochs = 12;
  EXPECT_NE(error_of([&] {
              read_csv_runs(options);
            }).find("--budget 12 contradicts the column 'Acc200Epochs', which says 200 epochs"),
            std::string::npos);
  options.budget_epochs = 200;
  EXPECT_EQ(read_csv_runs(options).size(), 2u);
}

TEST_F(CsvImport, BudgetMustBeKnown) {
  const auto file = write("plain.csv", "arch,c10-test,c10-val\n0,1,2\n");
  const std::string message = error_of([&] { read_csv_runs(index_options(file)); });
  EXPECT_NE(message.find("pass --budget EPOCHS"), std::string::npos) << message;
  const auto both = write("both.csv", "arch,a12ep,b200ep\n0,1,2\n");
  CsvImportOptions options;
  options.file = both;
  options.arch_column = "arch";
  options.metrics = {parse_metric_mapping("a12ep=cifar10"), parse_metric_mapping("b200ep=cifar100")};
  EXPECT_NE(error_of([&] { read_csv_runs(options); }).find("mention several budgets (12 and 200 epochs)"),
            std::string::npos);
}

TEST_F(CsvImport, BadInputNamesFileLineAndColumn) {
  auto options_for = [&](const std::string& text) {
    CsvImportOptions options = index_options(write("bad_12ep.csv", text));
    return options;
  };
  auto message = [&](const std::string& text) { return error_of([&] { read_csv_runs(options_for(text)); }); };

  EXPECT_NE(message("arch,c10-test\n0,1\n").find("bad_12ep.csv' has no column 'c10-val'"), std::string::npos);
  EXPECT_NE(message("arch,c10-test\n0,1\n").find("its columns are 'arch', 'c10-test'"), std::string::npos);
  EXPECT_NE(message("arch,c10-test,c10-val\n0,1,2\n1,abc,2\n")
                .find("bad_12ep.csv' line 3 column 'c10-test': 'abc' is not a number"),
            std::string::npos);
  EXPECT_NE(message("arch,c10-test,c10-val\n0,1,2\nresnet,1,2\n").find("line 3 column 'arch': 'resnet' is neither"),
            std::string::npos);
  EXPECT_NE(message("arch,c10-test,c10-val\n15625,1,2\n").find("line 2 column 'arch'"), std::string::npos);
  // Hex, infinities and too many digits are not read as numbers.
  EXPECT_NE(message("arch,c10-test,c10-val\n0,0x10,2\n").find("'0x10' is not a number"), std::string::npos);
  EXPECT_NE(message("arch,c10-test,c10-val\n0,infinity,2\n").find("'infinity' is not a number"), std::string::npos);
  EXPECT_NE(message("arch,c10-test,c10-val\n99999999999999999999999,1,2\n")
                .find("benchmark index 99999999999999999999999 is out of range (0..15624)"),
            std::string::npos);
  EXPECT_NE(message("arch,c10-test,c10-val\n" + arch_of(3) + ",1,2\n3,1,2\n")
                .find("line 3: architecture 3 already appeared on line 2"),
            std::string::npos);
  EXPECT_NE(message("arch,c10-test,c10-val\n0,101,2\n").find("not an accuracy in percent"), std::string::npos);
  EXPECT_NE(message("arch,c10-test,c10-val\n0,1\n").find("line 2: 2 fields, but the header has 3"), std::string::npos);
  EXPECT_NE(message("arch,c10-test,c10-val\n0,\"1,2\n").find("line 2: a quoted field is never closed"),
            std::string::npos);
  EXPECT_NE(message("").find("is empty"), std::string::npos);
  EXPECT_NE(error_of([&] {
              CsvImportOptions options = index_options(dir_ / "absent_12ep.csv");
              read_csv_runs(options);
            }).find("absent_12ep.csv"),
            std::string::npos);
}

TEST_F(CsvImport, ImportsIntoAStoreAndReportsDuplicates) {
  const auto file = write("t_12ep.csv", "arch,c10-test,c10-val\n0,69.55,63.364\n5,70,60\n");
  ResultStore store = ResultStore::open(dir_ / "ref.h5", OpenMode::Append);
  const ImportReport first = import_csv(store, index_options(file));
  EXPECT_EQ(first.added.added, 4u);
  store.commit();
  const ImportReport again = import_csv(store, index_options(file));
  EXPECT_EQ(again.added.added, 0u);
  EXPECT_EQ(again.added.identical_duplicates, 4u);
  EXPECT_EQ(store.count(), 4u);
  write_text(file, "arch,c10-test,c10-val\n0,69.56,63.364\n");
  EXPECT_NE(error_of([&] { import_csv(store, index_options(file)); }).find("already present with different results"),
            std::string::npos);
  const ImportReport replaced = import_csv(store, index_options(file), DuplicatePolicy::Replace);
  EXPECT_EQ(replaced.added.replaced, 1u);
  store.commit();
  QuerySpec spec;
  spec.arch_key = arch_key("nb201", arch_of(0));
  spec.dataset = "cifar10";
  spec.budget_epochs = 12;
  const auto rows = run_query(ResultStore::open(dir_ / "ref.h5", OpenMode::Read), spec);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].accuracy, 69.56);
}

TEST(NatsImport, RejectsWhatIsNotANatsDirectory) {
  ScratchDir dir("nats-bad");
  ResultStore store = ResultStore::open(dir / "ref.h5", OpenMode::Append);
  NatsImportOptions options;
  options.directory = dir / "missing";
  EXPECT_NE(error_of([&] { import_nats(store, options); }).find("is not a directory"), std::string::npos);
  options.directory = dir.path();
  EXPECT_NE(error_of([&] { import_nats(store, options); }).find("has no meta.pickle.pbz2"), std::string::npos);
  write_text(dir / "meta.pickle.pbz2", "not bzip2 and not a pickle");
  EXPECT_NE(error_of([&] { import_nats(store, options); }).find("meta.pickle.pbz2"), std::string::npos);
  EXPECT_EQ(store.count(), 0u);
}

}  // namespace
}  // namespace nasrank::store
