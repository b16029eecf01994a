#include "nasrank/common/error.h"
#include "nasrank/rerank/demo.h"
#include "nasrank/rerank/plan.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace nasrank::rerank {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A stand-in for nasrank-torch: records its arguments, writes the calibration
// file it is asked for (the last argument) and exits with `code`.
fs::path fake_worker(const fs::path& dir, int code) {
  const fs::path script = dir / "fake-nasrank-torch";
  std::ofstream(script) << "#!/bin/sh\necho \"$@\" >> '" << (dir / "calls.txt").string()
                        << "'\nfor last; do :; done\n[ " << code << " = 0 ] && echo '{}' > \"$last\"\nexit " << code
                        << "\n";
  fs::permissions(script, fs::perms::owner_all);
  return script;
}

class DemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nasrank_test_demo_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    plan_ = demo_plan();
    plan_.dir = dir_ / "nasrank-demo";
    plan_.calibration = plan_.dir / "calibration.json";
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  DemoPlan plan_;
  std::vector<std::string> log_;
  std::function<void(const std::string&)> logger() {
    return [this](const std::string& line) { log_.push_back(line); };
  }
};

TEST(DemoPlan, TenCellsAcrossConvolutionCountsTwoProtocolsTwoSeeds) {
  const DemoPlan plan = demo_plan();
  EXPECT_EQ(plan.archs, nb201_sample_across_conv_counts(10, 2024));
  EXPECT_EQ(std::set<std::string>(plan.archs.begin(), plan.archs.end()).size(), 10U);
  EXPECT_EQ(plan.protocols, (std::vector<std::string>{"demo-benchmark", "demo-principled"}));
  EXPECT_EQ(plan.seeds, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(plan.dataset, "fashion-mnist");
  EXPECT_EQ(plan.store, fs::path("nasrank-demo/runs.h5"));
  EXPECT_EQ(plan.report_dir, fs::path("nasrank-demo"));
  EXPECT_EQ(plan.calibration, fs::path("nasrank-demo/calibration-fashion-mnist-demo.json"));
  EXPECT_EQ(describe_demo(plan),
            "10 NAS-Bench-201 cells with 0 to 6 convolutions (sample seed 2024) on Fashion-MNIST, protocols "
            "demo-benchmark and demo-principled, seeds 1 and 2");
}

TEST(DemoPlan, ReportAnalysisFitsTheSample) {
  const ComparisonOptions demo = rerank_comparison_options(true);
  // Top-k overlap needs n >= 2k.
  EXPECT_LE(2 * demo.analysis.top_k, demo_plan().archs.size());
  EXPECT_EQ(demo.analysis.top_k, 5U);
  const ComparisonOptions full = rerank_comparison_options(false);
  EXPECT_EQ(full.analysis.top_k, 10U);
  for (const ComparisonOptions& options : {demo, full}) {
    EXPECT_EQ(options.analysis.bootstrap.resamples, 1000U);
    EXPECT_EQ(options.analysis.bootstrap.threads, 2U);
  }
}

TEST_F(DemoTest, CalibratesOnceWithTheWorkerThenReuses) {
  const fs::path worker = fake_worker(dir_, 0);
  prepare_demo(plan_, worker, logger());
  EXPECT_TRUE(fs::is_directory(plan_.dir));
  EXPECT_EQ(read_file(dir_ / "calls.txt"),
            "calibrate --dataset fashion-mnist --protocol demo-principled --seeds 1 --out " +
                plan_.calibration.string() + "\n");
  ASSERT_TRUE(fs::exists(plan_.calibration));
  prepare_demo(plan_, worker, logger());
  EXPECT_EQ(read_file(dir_ / "calls.txt").find('\n'), read_file(dir_ / "calls.txt").size() - 1) << "ran twice";
  ASSERT_EQ(log_.size(), 2U);
  EXPECT_EQ(log_[0],
            "calibrating the base learning rate on fashion-mnist (cached in " + plan_.calibration.string() + ")");
  EXPECT_EQ(log_[1], "reusing the calibration in " + plan_.calibration.string());
}

TEST_F(DemoTest, NoCalibrationWhenTheUserGaveOne) {
  plan_.calibration.clear();
  prepare_demo(plan_, fake_worker(dir_, 0), logger());
  EXPECT_TRUE(fs::is_directory(plan_.dir));
  EXPECT_FALSE(fs::exists(dir_ / "calls.txt"));
  EXPECT_TRUE(log_.empty());
}

TEST_F(DemoTest, FailedOrMissingWorkerIsAnIoErrorNamingTheCommand) {
  for (const fs::path& worker : {fake_worker(dir_, 3), dir_ / "no-such-program"}) {
    try {
      prepare_demo(plan_, worker, logger());
      ADD_FAILURE() << "no error for " << worker;
    } catch (const IoError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("demo calibration failed: " + worker.string() + " calibrate --dataset fashion-mnist"),
                std::string::npos)
          << message;
    }
    EXPECT_FALSE(fs::exists(plan_.calibration));
  }
}

}  // namespace
}  // namespace nasrank::rerank
