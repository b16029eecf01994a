// The store commands on the real benchmark exports in ../shared/data/nb201.
#include "cli_runner.h"
#include "test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace nasrank::testing {
namespace {

std::string scratch(const std::string& tag) {
  const auto path =
      std::filesystem::temp_directory_path() / ("nasrank-cli-shared-" + tag + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path.string();
}

nlohmann::json query_json(const std::vector<std::string>& args) {
  std::vector<std::string> full{"query"};
  full.insert(full.end(), args.begin(), args.end());
  full.insert(full.end(), {"--format", "json"});
  const CliResult result = run_cli(full);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return result.exit_code == 0 ? nlohmann::json::parse(result.out) : nlohmann::json::array();
}

TEST(CliStoreShared, ImportsTheRealCsvExportsAndAnswersKnownValues) {
  NASRANK_REQUIRE_SHARED_DATA();
  const std::string dir = scratch("csv");
  const std::string store = dir + "/ref.h5";
  const auto data = shared_nb201_dir();
  const CliResult a =
      run_cli({"import", "csv", (data / "nats_bench_200ep_test.csv").string(), "--out", store, "--arch-column",
               "ArchitectureString", "--metric", "CIFAR10TestAccuracy200Epochs=cifar10", "--metric",
               "CIFAR100TestAccuracy200Epochs=cifar100", "--metric", "ImageNetTestAccuracy200Epochs=ImageNet16-120",
               "--seeds-averaged", "777,888,999"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const CliResult b =
      run_cli({"import", "csv", (data / "mini_nasbench201_12ep.csv").string(), "--out", store, "--arch-column", "arch",
               "--metric", "cifar10-test=cifar10", "--metric", "cifar10-val=cifar10-valid:valid", "--metric",
               "cifar100-test=cifar100", "--metric", "cifar100-val=cifar100:valid", "--metric",
               "imagenet-test=ImageNet16-120", "--metric", "imagenet-val=ImageNet16-120:valid"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(b.err.find("the store now holds 109375 runs"), std::string::npos) << b.err;

  const auto best = query_json({store, "--dataset", "cifar10", "--budget", "200", "--top", "1"});
  ASSERT_EQ(best.size(), 1u);
  EXPECT_EQ(best[0]["index"], 6111);
  EXPECT_NEAR(best[0]["accuracy"].get<double>(), 94.3733, 5e-5);
  EXPECT_EQ(best[0]["split"], "ori-test");
  EXPECT_EQ(best[0]["budget_epochs"], 200);

  EXPECT_EQ(query_json({store, "--index", "11472", "--dataset", "cifar10", "--budget", "200"})[0]["accuracy"], 93.91);
  const auto zero = query_json({store, "--index", "1651", "--dataset", "cifar10", "--budget", "200"});
  EXPECT_EQ(zero[0]["accuracy"].get<double>(), 10.0);
  EXPECT_EQ(zero[0]["status"], "disconnected");
  const auto twelve = query_json({store, "--index", "0", "--dataset", "cifar10", "--budget", "12"});
  EXPECT_EQ(twelve[0]["accuracy"], 69.55);
  const auto valid =
      query_json({store, "--index", "0", "--dataset", "ImageNet16-120", "--budget", "12", "--split", "valid"});
  EXPECT_EQ(valid[0]["split"], "x-valid");
  EXPECT_NEAR(valid[0]["accuracy"].get<double>(), 18.466666661580405, 1e-12);

  const CliResult no_budget = run_cli({"query", store, "--index", "0"});
  EXPECT_EQ(no_budget.exit_code, 2);
  EXPECT_NE(no_budget.err.find("budgets 12 and 200 epochs"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(CliStoreShared, ImportsNatsFixtures) {
  NASRANK_REQUIRE_SHARED_DATA();
  const std::string dir = scratch("nats");
  const std::string store = dir + "/nats.h5";
  const CliResult imported =
      run_cli({"import", "nats", (shared_nb201_dir() / "nats-tss-fixtures").string(), "--out", store});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.err.find("3 of 15625 architecture files present"), std::string::npos) << imported.err;
  EXPECT_NE(imported.err.find("51 new"), std::string::npos) << imported.err;

  const auto mean = query_json({store, "--index", "0", "--dataset", "cifar10", "--budget", "200"});
  ASSERT_EQ(mean.size(), 1u);
  EXPECT_NEAR(mean[0]["accuracy"].get<double>(), 85.86333333333334, 1e-9);
  EXPECT_EQ(mean[0]["seeds"], "777,888,999");
  EXPECT_EQ(mean[0]["n_seeds"], 3);
  EXPECT_EQ(mean[0]["params_m"], 0.129306);
  const auto seed = query_json({store, "--index", "0", "--dataset", "cifar10", "--budget", "200", "--seed", "888"});
  ASSERT_EQ(seed.size(), 1u);
  EXPECT_EQ(seed[0]["accuracy"], 86.18);
  const auto per_seed =
      query_json({store, "--index", "11", "--dataset", "cifar10-valid", "--budget", "12", "--per-seed"});
  EXPECT_EQ(per_seed.size(), 2u);
  std::filesystem::remove_all(dir);
}

TEST(CliStoreShared, WrongArchitecturePickleLayout) {
  NASRANK_REQUIRE_SHARED_DATA();
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "SKIPPED: needs /usr/bin/python3";
  const std::string dir = scratch("badpickle");
  std::filesystem::create_directories(dir + "/nats");
  std::filesystem::copy_file(shared_nb201_dir() / "nats-tss-fixtures" / "meta.pickle.pbz2",
                             dir + "/nats/meta.pickle.pbz2");
  const std::string make =
      "/usr/bin/python3 -c \"import bz2, pickle; open('" + dir +
      "/nats/000000.pickle.pbz2', 'wb').write(bz2.compress(pickle.dumps({'12': 5}, protocol=4)))\"";
  ASSERT_EQ(std::system(make.c_str()), 0);
  const CliResult result = run_cli({"import", "nats", dir + "/nats", "--out", dir + "/ref.h5"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("000000.pickle.pbz2"), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/ref.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/ref.h5.tmp"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nasrank::testing
