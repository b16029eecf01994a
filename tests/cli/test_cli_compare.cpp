// `nasrank compare` and `nasrank report` end to end on small stores imported
// from CSV tables written here.
#include "cli_runner.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace nasrank::testing {
namespace {

namespace fs = std::filesystem;

class CliCompare : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nasrank-cli-compare-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // Benchmark indices 0..39 with accuracies that agree in order except for
    // a few swaps; index 1651 (all none, disconnected) is in both tables.
    std::ofstream a(dir_ / "a.csv"), b(dir_ / "b.csv");
    a << "index,acc\n";
    b << "index,acc\n";
    for (int k = 0; k < 40; ++k) {
      a << k << "," << 50 + k << "\n";
      b << k << "," << 50 + k + ((k % 7 == 0) ? 9 : 0) << "\n";
    }
    a << "1651,10\n";
    b << "1651,10\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  void import(const std::string& csv, const std::string& store, const std::string& protocol) {
    const CliResult r = run_cli({"import", "csv", (dir_ / csv).string(), "--out", (dir_ / store).string(), "--arch-column",
                                 "index", "--metric", "acc=cifar10", "--budget", "200", "--split", "test", "--protocol", protocol});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  fs::path dir_;
};

TEST_F(CliCompare, WritesTheThreeReportFilesWithTheSameNumbers) {
  import("a.csv", "a.h5", "nb201");
  import("b.csv", "b.h5", "retrained");
  const CliResult r = run_cli({"compare", (dir_ / "a.h5").string(), (dir_ / "b.h5").string(), "--dataset", "cifar10",
                               "--bootstrap", "100", "-o", (dir_ / "cmp").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::size_t disconnected = 1;  // 1651, and those among 0..39:
  for (int k = 0; k < 40; ++k) disconnected += cell::is_disconnected(cell::from_benchmark_index(k)) ? 1 : 0;
  const std::size_t matched = 41 - disconnected;
  EXPECT_NE(r.out.find("matched " + std::to_string(matched) + " (disconnected left out: " + std::to_string(disconnected)),
            std::string::npos)
      << r.out;
  for (const char* ext : {".html", ".md", ".json"}) EXPECT_TRUE(fs::exists(dir_ / (std::string("cmp") + ext))) << ext;
  std::ifstream json_file(dir_ / "cmp.json");
  const auto doc = nlohmann::json::parse(json_file);
  EXPECT_EQ(doc["counts"]["matched"], matched);
  EXPECT_EQ(doc["counts"]["excluded_disconnected"], disconnected);
  const double tau = doc["statistics"]["correlation"]["kendall"]["tau_b"].get<double>();
  EXPECT_GT(tau, 0.8);
  EXPECT_LT(tau, 1.0);
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", tau);
  EXPECT_NE(r.out.find(text), std::string::npos);
}

TEST_F(CliCompare, ReportAgainstAReferenceAndClearErrors) {
  import("a.csv", "ref.h5", "nb201");
  import("b.csv", "store.h5", "retrained");
  const CliResult r = run_cli({"report", (dir_ / "store.h5").string(), "--reference", (dir_ / "ref.h5").string(),
                               "--dataset", "cifar10", "--bootstrap", "50", "-o", (dir_ / "out").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "out" / "retrained-vs-reference.html"));
  // One protocol and no reference: nothing to compare.
  const CliResult none = run_cli({"report", (dir_ / "store.h5").string(), "--dataset", "cifar10", "-o", (dir_ / "x").string()});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("nothing to compare"), std::string::npos) << none.err;
  const CliResult wrong = run_cli({"compare", (dir_ / "ref.h5").string(), (dir_ / "store.h5").string(), "--dataset", "cifar100"});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("has no runs for dataset 'cifar100'"), std::string::npos) << wrong.err;
}

}  // namespace
}  // namespace nasrank::testing
