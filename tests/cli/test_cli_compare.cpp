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
    const CliResult r =
        run_cli({"import", "csv", (dir_ / csv).string(), "--out", (dir_ / store).string(), "--arch-column", "index",
                 "--metric", "acc=cifar10", "--budget", "200", "--split", "test", "--protocol", protocol});
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
  EXPECT_NE(
      r.out.find("matched " + std::to_string(matched) + " (disconnected left out: " + std::to_string(disconnected)),
      std::string::npos)
      << r.out;
  for (const char* name : {"report.html", "report.md", "report.json"})
    EXPECT_TRUE(fs::exists(dir_ / "cmp" / name)) << name;
  std::ifstream json_file(dir_ / "cmp" / "report.json");
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
  EXPECT_TRUE(fs::exists(dir_ / "out" / "retrained-vs-reference" / "report.html"));
  // One protocol and no reference: nothing to compare.
  const CliResult none =
      run_cli({"report", (dir_ / "store.h5").string(), "--dataset", "cifar10", "-o", (dir_ / "x").string()});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("nothing to compare"), std::string::npos) << none.err;
  const CliResult wrong =
      run_cli({"compare", (dir_ / "ref.h5").string(), (dir_ / "store.h5").string(), "--dataset", "cifar100"});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("has no dataset 'cifar100' (it has: cifar10)"), std::string::npos) << wrong.err;
}

TEST_F(CliCompare, DatasetSpellingsLabelsAndTheOutputFolder) {
  import("a.csv", "a.h5", "nb201");
  import("b.csv", "b.h5", "retrained");
  const fs::path out = dir_ / "deep" / "cmp";
  const CliResult r =
      run_cli({"compare", (dir_ / "a.h5").string(), (dir_ / "b.h5").string(), "--dataset", "CIFAR-10", "--bootstrap",
               "50", "--label-a", "NB201 | 200 ep", "--label-b", "mine", "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(std::ifstream(out / "report.json"));
  EXPECT_EQ(doc["dataset"], "cifar10");
  EXPECT_EQ(doc["reference"]["label"], "NB201 | 200 ep");
  std::stringstream md;
  md << std::ifstream(out / "report.md").rdbuf();
  EXPECT_NE(md.str().find("| rank NB201 \\| 200 ep |"), std::string::npos);
  // A failing comparison creates no folder.
  const CliResult failed = run_cli({"compare", (dir_ / "a.h5").string(), (dir_ / "b.h5").string(), "--dataset", "mnist",
                                    "-o", (dir_ / "never").string()});
  EXPECT_EQ(failed.exit_code, 2);
  EXPECT_FALSE(fs::exists(dir_ / "never"));
  // An empty -o is refused, not read as hidden files in the current folder.
  const CliResult empty =
      run_cli({"compare", (dir_ / "a.h5").string(), (dir_ / "b.h5").string(), "--dataset", "cifar10", "-o", ""});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("-o needs a folder name"), std::string::npos) << empty.err;
  EXPECT_TRUE(empty.out.empty()) << empty.out;
}

TEST_F(CliCompare, TooFewArchitecturesIsAWarningNotANumber) {
  std::ofstream a(dir_ / "small-a.csv"), b(dir_ / "small-b.csv");
  a << "index,acc\n0,50\n1,60\n2,70\n";
  b << "index,acc\n0,51\n1,61\n2,71\n";
  a.close();
  b.close();
  import("small-a.csv", "a.h5", "nb201");
  import("small-b.csv", "b.h5", "retrained");
  const CliResult r = run_cli({"compare", (dir_ / "a.h5").string(), (dir_ / "b.h5").string(), "--dataset", "cifar10",
                               "--bootstrap", "50", "-o", (dir_ / "small").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: only 3 architectures matched (min n = 8)"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("Too few architectures to compare rankings: 3 matched"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Kendall tau-b n too small (n=3)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("1.0000"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("exceeds"), std::string::npos) << r.out;
  const auto doc = nlohmann::json::parse(std::ifstream(dir_ / "small" / "report.json"));
  EXPECT_TRUE(doc["statistics"]["correlation"]["kendall"].is_null());
  // A smaller minimum is an option.
  const CliResult lowered =
      run_cli({"compare", (dir_ / "a.h5").string(), (dir_ / "b.h5").string(), "--dataset", "cifar10", "--bootstrap",
               "50", "--min-n", "3", "--top-k", "1", "-o", (dir_ / "small").string()});
  ASSERT_EQ(lowered.exit_code, 0) << lowered.err;
  EXPECT_NE(lowered.out.find("Kendall tau-b 1.0000"), std::string::npos) << lowered.out;
}

}  // namespace
}  // namespace nasrank::testing
