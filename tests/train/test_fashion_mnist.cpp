// End to end on the real Fashion-MNIST (Debian package dataset-fashion-mnist):
// the shipped CPU budgets must learn. Label `slow`.
#include "nasrank/cell/encoding.h"
#include "nasrank/train/process.h"
#include "nasrank/train/trainer.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace nasrank::train {
namespace {

// Two-thread runs here must not spin-wait (see process.h): restarts the test
// binary once with OMP_WAIT_POLICY=PASSIVE before any test runs.
const bool kPassiveOpenMp = (restart_with_passive_openmp_wait(), true);

const char* const kFashionMnist = "/usr/share/datasets/fashion-mnist";

#define REQUIRE_FASHION_MNIST()                                                                                      \
  do {                                                                                                               \
    if (!std::filesystem::exists(std::filesystem::path(kFashionMnist) / "train-images-idx3-ubyte.gz"))               \
      GTEST_SKIP() << "SKIPPED: needs Fashion-MNIST at " << kFashionMnist << " (apt install dataset-fashion-mnist)"; \
  } while (false)

TrainResult run(const std::string& protocol_name, const std::string& encoding) {
  TrainRequest request;
  request.architecture = encoding;
  request.graph = cell::parse_encoding(encoding);
  request.protocol = load_protocol(protocol_name);
  request.seed = request.protocol.seeds.front();
  request.runtime.device = Device::Cpu;
  configure_process(2);
  static const dataset::BenchmarkData data = load_training_data("fashion-mnist", "", request.protocol);
  return train(request, data);
}

TEST(FashionMnist, BenchmarkStyleBudgetLearns) {
  REQUIRE_FASHION_MNIST();
  // The demo's budget (cpu-small's 3 x 4,000 images at batch 128 ends at a
  // high rate with BatchNorm statistics behind: data/protocols/README.md).
  const TrainResult r = run("demo-benchmark", "index:11472");
  ASSERT_EQ(r.status, RunStatus::Ok) << r.status_detail;
  EXPECT_EQ(r.final_metrics.at("ori-test").images, 10000);
  EXPECT_GT(r.final_metrics.at("ori-test").accuracy, 75.0);  // chance: 10; measured 86.23 (2 threads)
  EXPECT_LT(r.history.back().train_loss, r.history.front().train_loss);
  std::cerr << "demo-benchmark, index 11472: ori-test " << r.final_metrics.at("ori-test").accuracy << "% in "
            << r.wall_seconds << " s (" << r.images_per_second << " images/s)\n";
}

TEST(FashionMnist, PrincipledBudgetLearns) {
  REQUIRE_FASHION_MNIST();
  const TrainResult r = run("demo-principled", "index:1462");
  ASSERT_EQ(r.status, RunStatus::Ok) << r.status_detail;
  EXPECT_GT(r.final_metrics.at("ori-test").accuracy, 75.0);  // measured 85.99 (2 threads)
  EXPECT_EQ(r.initialization, "principled");
  EXPECT_LT(r.learning_rate, r.scaler["base_lr"].get<double>());  // 3_33_333 is deeper than the base
  std::cerr << "demo-principled, index 1462: lr " << r.learning_rate << ", ori-test "
            << r.final_metrics.at("ori-test").accuracy << "% in " << r.wall_seconds << " s\n";
}

}  // namespace
}  // namespace nasrank::train
