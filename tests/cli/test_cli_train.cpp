// `nasrank cost`, `train` and `calibrate` as a user runs them.
#include "cli_runner.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace nasrank::testing {
namespace {

namespace fs = std::filesystem;

fs::path temp_file(const std::string& name) { return fs::temp_directory_path() / ("nasrank_cli_train_" + name); }

// A protocol that trains a tiny network on a slice of the synthetic data in
// about a second.
fs::path tiny_protocol(const std::string& name, const nlohmann::json& learning_rate) {
  const fs::path path = temp_file(name + ".json");
  std::ofstream(path) << nlohmann::json{
      {"name", name},
      {"network", {{"channels", 4}, {"cells_per_stage", 1}}},
      {"batch_size", 64},
      {"epochs", 2},
      {"learning_rate", learning_rate},
      {"data", {{"train_subset", 256}, {"eval_subset", 128}, {"loader_workers", 0}}},
      {"seeds", {4}}}.dump();
  return path;
}

TEST(CliCost, BenchmarkNumbers) {
  const CliResult r = run_cli({"cost", "index:0", "index:11", "--dataset", "cifar10", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = nlohmann::json::parse(r.out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NEAR(rows[0]["params_m"].get<double>(), 0.129306, 1e-12);
  EXPECT_NEAR(rows[0]["flops_m"].get<double>(), 15.64737, 1e-9);
  EXPECT_NEAR(rows[1]["params_m"].get<double>(), 0.802426, 1e-12);
  EXPECT_NEAR(rows[1]["flops_m"].get<double>(), 113.95137, 1e-9);
  const CliResult imagenet = run_cli({"cost", "0", "--dataset", "ImageNet16-120", "--format", "csv"});
  ASSERT_EQ(imagenet.exit_code, 0) << imagenet.err;
  EXPECT_NE(imagenet.out.find(",ImageNet16-120,0.136456,3.91948,0.136456,3.91948\n"), std::string::npos)
      << imagenet.out;
}

TEST(CliCost, BadInputsExitTwo) {
  const CliResult unknown = run_cli({"cost", "0", "--dataset", "cifar11"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("error: dataset 'cifar11': unknown key"), std::string::npos) << unknown.err;
  const CliResult bad_arch = run_cli({"cost", "0", "|nope~0|", "--dataset", "cifar10", "--format", "csv"});
  EXPECT_EQ(bad_arch.exit_code, 2);
  EXPECT_NE(bad_arch.out.find("0.129306"), std::string::npos);  // the good one is still reported
}

TEST(CliTrain, WritesTheRunRecord) {
  const fs::path protocol = tiny_protocol("fixed", {{"fixed", 0.05}});
  const fs::path out = temp_file("result.json");
  fs::remove(out);
  const CliResult r = run_cli({"train", "index:11", "--protocol", protocol.string(), "--dataset", "synthetic",
                               "--threads", "1", "--device", "cpu", "--out", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("epoch 1/2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("epoch 2/2"), std::string::npos) << r.err;
  std::ifstream in(out);
  const auto doc = nlohmann::json::parse(in);
  EXPECT_EQ(doc["status"], "ok");
  EXPECT_EQ(doc["seed"], 4);
  EXPECT_EQ(doc["history"].size(), 2u);
  EXPECT_EQ(doc["benchmark_index"], 11);
  EXPECT_EQ(doc["config"]["protocol"]["name"], "fixed");
  EXPECT_EQ(doc["threads"], 1);
  EXPECT_TRUE(doc["final"].contains("ori-test"));
  fs::remove(out);
  fs::remove(protocol);
}

TEST(CliTrain, DivergedAndDisconnectedAreStatuses) {
  const fs::path protocol = tiny_protocol("explode", {{"fixed", 1e6}});
  const CliResult diverged =
      run_cli({"train", "3_33_333", "--protocol", protocol.string(), "--dataset", "synthetic", "--threads", "1"});
  ASSERT_EQ(diverged.exit_code, 0) << diverged.err;
  EXPECT_EQ(nlohmann::json::parse(diverged.out)["status"], "diverged");
  const CliResult disconnected =
      run_cli({"train", "0_00_000", "--protocol", protocol.string(), "--dataset", "synthetic", "--threads", "1"});
  ASSERT_EQ(disconnected.exit_code, 0) << disconnected.err;
  const auto doc = nlohmann::json::parse(disconnected.out);
  EXPECT_EQ(doc["status"], "disconnected");
  EXPECT_EQ(doc["final"]["ori-test"]["accuracy"], 10.0);
  fs::remove(protocol);
}

TEST(CliTrain, OutputPathIsCheckedBeforeTraining) {
  const fs::path protocol = tiny_protocol("outcheck", {{"fixed", 0.05}});
  const fs::path folder = temp_file("out_folder");
  fs::create_directories(folder);
  const CliResult into_folder = run_cli({"train", "0", "--protocol", protocol.string(), "--dataset", "synthetic",
                                         "--threads", "1", "--out", folder.string()});
  EXPECT_EQ(into_folder.exit_code, 2);
  EXPECT_NE(into_folder.err.find("--out '" + folder.string() + "' is a folder"), std::string::npos) << into_folder.err;
  EXPECT_EQ(into_folder.err.find("training 0"), std::string::npos) << "trained before refusing: " << into_folder.err;
  EXPECT_FALSE(fs::exists(folder.string() + ".tmp"));
  const CliResult no_parent = run_cli({"train", "0", "--protocol", protocol.string(), "--dataset", "synthetic",
                                       "--threads", "1", "--out", (folder / "missing" / "run.json").string()});
  EXPECT_EQ(no_parent.exit_code, 2);
  EXPECT_NE(no_parent.err.find("does not exist"), std::string::npos) << no_parent.err;
  // calibrate checks its --out before training too.
  const CliResult calibrate_no_parent =
      run_cli({"calibrate", "--dataset", "synthetic", "--protocol", protocol.string(), "--grid", "0.01,0.1,1",
               "--threads", "1", "--out", (folder / "missing" / "calibration.json").string()});
  EXPECT_EQ(calibrate_no_parent.exit_code, 2);
  EXPECT_NE(calibrate_no_parent.err.find("does not exist"), std::string::npos) << calibrate_no_parent.err;
  EXPECT_EQ(calibrate_no_parent.err.find("calibrating on"), std::string::npos) << calibrate_no_parent.err;
  // A protocol path that is a folder is named as such.
  const CliResult protocol_folder =
      run_cli({"train", "0", "--protocol", folder.string() + "/", "--dataset", "synthetic"});
  EXPECT_EQ(protocol_folder.exit_code, 2);
  EXPECT_NE(protocol_folder.err.find("is a directory, not a protocol JSON file"), std::string::npos)
      << protocol_folder.err;
  fs::remove_all(folder);
  fs::remove(protocol);
}

TEST(CliTrain, BadProtocolIsAnInputError) {
  const fs::path protocol = temp_file("bad.json");
  std::ofstream(protocol) << R"({"epochs": 2, "optimiser": {}})";
  const CliResult r = run_cli({"train", "0", "--protocol", protocol.string(), "--dataset", "synthetic"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("error: protocol '" + protocol.string() + "': unknown key 'optimiser'"), std::string::npos)
      << r.err;
  const CliResult missing = run_cli({"train", "0", "--protocol", "no-such-protocol", "--dataset", "synthetic"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nb201-200e"), std::string::npos) << missing.err;  // lists the shipped ones
  fs::remove(protocol);
}

// The commands nasrank-torch runs, as tests/cli/test_cli_reliability.cpp
// checks the others: a refused input prints nothing on stdout.
TEST(CliTrain, FailedInputsPrintNothingOnStdout) {
  const fs::path protocol = tiny_protocol("stdout", {{"fixed", 0.05}});
  const std::vector<std::vector<std::string>> cases{
      {"train", "|conv9~0|", "--protocol", protocol.string(), "--dataset", "synthetic"},
      {"train", "0", "--protocol", "no-such-protocol", "--dataset", "synthetic"},
      {"calibrate", "--show", temp_file("no-such-calibration.json").string()},
  };
  for (const auto& args : cases) {
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << args[1] << ": " << r.err;
    EXPECT_EQ(r.out, "") << args[1];
    EXPECT_NE(r.err.find("error: "), std::string::npos) << r.err;
  }
  fs::remove(protocol);
}

TEST(CliCalibrate, WritesTheWholeCurveAndShowsIt) {
  const fs::path protocol = tiny_protocol("calib", {{"fixed", 0.1}});
  const fs::path out = temp_file("calibration.json");
  const CliResult r = run_cli({"calibrate", "--dataset", "synthetic", "--protocol", protocol.string(), "--grid",
                               "0.01,0.1,1e6", "--seed", "1", "--seed", "2", "--last-steps", "3", "--threads", "1",
                               "--out", out.string(), "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(out);
  const auto doc = nlohmann::json::parse(in);
  ASSERT_EQ(doc["curve"].size(), 3u);
  EXPECT_EQ(doc["curve"][2]["rate"], 1e6);
  EXPECT_EQ(doc["curve"][2]["diverged"], (nlohmann::json{true, true}));
  EXPECT_TRUE(doc["curve"][2]["epoch_mean"][0].is_null());
  EXPECT_EQ(doc["seeds"], (nlohmann::json{1, 2}));
  EXPECT_EQ(doc["rule"], "smallest-loss");
  EXPECT_EQ(doc["loss"], "epoch-mean");
  EXPECT_TRUE(doc["base_lr"] == 0.01 || doc["base_lr"] == 0.1);
  EXPECT_EQ(doc["base_architecture"], "compact:1_01_001");
  EXPECT_NE(r.out.find("learning_rate,loss_seed_1,loss_seed_2,epoch_mean,last_steps_3,diverged,chosen"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1000000.0,diverged,diverged,diverged,diverged,2/2,false"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("rule: smallest-loss (the paper's)"), std::string::npos) << r.err;
  const CliResult shown = run_cli({"calibrate", "--show", out.string(), "--format", "csv"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(shown.out, r.out);
  const CliResult bad_grid = run_cli({"calibrate", "--dataset", "synthetic", "--grid", "0.1,x", "--out", out.string()});
  EXPECT_EQ(bad_grid.exit_code, 2);
  const CliResult short_grid =
      run_cli({"calibrate", "--dataset", "synthetic", "--grid", "0.1,0.2", "--out", out.string()});
  EXPECT_EQ(short_grid.exit_code, 2);
  EXPECT_NE(short_grid.err.find("need at least 3"), std::string::npos) << short_grid.err;
  fs::remove(out);
  fs::remove(protocol);
}

}  // namespace
}  // namespace nasrank::testing
