#include "cli_runner.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

namespace nasrank::testing {
namespace {

TEST(CliScale, WorkedValuesAsJson) {
  const CliResult r = run_cli({"scale", "--format", "json", "0", "1462", "0_00_000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto docs = nlohmann::json::parse(r.out);
  EXPECT_NEAR(docs[0]["learning_rate"].get<double>(), 0.1084230398, 1e-10);
  EXPECT_NEAR(docs[1]["learning_rate"].get<double>(), 0.04098005709, 1e-11);
  EXPECT_EQ(docs[1]["path_depths"], (nlohmann::json{4, 3, 3, 2}));
  EXPECT_TRUE(docs[2]["learning_rate"].is_null());
  EXPECT_EQ(docs[2]["status"], "disconnected");
}

TEST(CliScale, WholeSpaceCsvHasOneRowPerCellAnd341Disconnected) {
  const CliResult r = run_cli({"scale", "--space", "nb201", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 15626);
  std::size_t disconnected = 0;
  for (std::size_t pos = 0; (pos = r.out.find(",disconnected\n", pos)) != std::string::npos; ++pos) ++disconnected;
  EXPECT_EQ(disconnected, 341U);
}

TEST(CliScale, LayersAndOptions) {
  const CliResult r =
      run_cli({"scale", "3_33_333", "--layers", "--format", "json", "--degree", "target", "--base-lr", "0.1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out).at(0);
  EXPECT_EQ(doc["layers"].size(), 98U);
  EXPECT_EQ(doc["degree"], "target");
  EXPECT_NEAR(doc["learning_rate"].get<double>(), 0.1 / std::sqrt(126.0), 1e-12);
}

TEST(CliScale, CalibrationFileSetsTheBase) {
  const std::string path = "/tmp/nasrank-cli-scale-calibration.json";
  std::ofstream(path) << R"({"base_lr": 0.2, "dataset": "fashion-mnist"})";
  const CliResult r = run_cli({"scale", "1_01_001", "--calibration", path, "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(",0.2,ok"), std::string::npos) << r.out;
  std::remove(path.c_str());
}

TEST(CliScale, BadOptionsExitTwoWithAMessage) {
  const CliResult r = run_cli({"scale", "1", "--depth-convention", "deep"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("depth convention 'deep' is unknown"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(run_cli({"scale"}).exit_code, 2);
  EXPECT_EQ(run_cli({"scale", "1", "--kernel-size", "0"}).exit_code, 2);
}

TEST(CliScale, RefusedInputPrintsNothingOnStdout) {
  // A finite base that overflows once scaled (3/q = 3 with q = 1).
  const CliResult overflow =
      run_cli({"scale", "dag:2", "--base-lr", "1.79e308", "--depth-convention", "relu-count", "--kernel-size", "1"});
  EXPECT_EQ(overflow.exit_code, 2);
  EXPECT_TRUE(overflow.out.empty()) << overflow.out;
  EXPECT_NE(overflow.err.find("error: base learning rate 1.79e+308 scaled by 3 is not a finite learning rate"),
            std::string::npos)
      << overflow.err;
  const CliResult bad = run_cli({"scale", "no-such-cell"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(bad.out.empty()) << bad.out;
}

}  // namespace
}  // namespace nasrank::testing
