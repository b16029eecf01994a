#include "nasrank/common/error.h"
#include "nasrank/train/result.h"

#include <gtest/gtest.h>

#include <cmath>

namespace nasrank::train {
namespace {

TrainResult sample() {
  TrainResult r;
  r.architecture = "index:11";
  r.space = "nb201";
  r.canonical = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|";
  r.benchmark_index = 11;
  r.unique_string = "u";
  r.dataset = "cifar10-valid";
  r.protocol = "nb201-12e";
  r.epochs = 12;
  r.seed = 777;
  r.status = RunStatus::Diverged;
  r.status_detail = "training loss became nan";
  EpochRecord e;
  e.epoch = 0;
  e.learning_rate = 0.1;
  e.train_loss = 1.25;
  e.train_accuracy = 55.5;
  e.train_images = 25000;
  e.train_seconds = 3.5;
  e.eval_seconds = 0.5;
  e.evaluations["x-valid"] = SplitMetrics{1.5, 44.25, 25000};
  r.history.push_back(e);
  e.epoch = 1;
  e.train_loss = std::nan("");
  e.evaluations.clear();
  r.history.push_back(e);
  r.final_metrics["train"] = SplitMetrics{std::nan(""), 12.0, 100};
  r.final_metrics["ori-test"] = SplitMetrics{2.0, 30.0, 10000};
  r.learning_rate = 0.1;
  r.learning_rate_rule = "fixed";
  r.initialization = "benchmark";
  r.params_m = 0.802426;
  r.flops_m = 113.95137;
  r.params_built_m = 0.8;
  r.flops_built_m = 113.0;
  r.wall_seconds = 9.0;
  r.train_seconds = 7.0;
  r.images_per_second = 1000.0;
  r.device = "cpu";
  r.threads = 2;
  r.config = {{"protocol", {{"epochs", 12}}}};
  r.data = {{"train", {{"images", 25000}}}};
  r.tool_version = "0.1.0";
  r.build = "nasrank 0.1.0";
  return r;
}

TEST(TrainResult, JsonRoundTripKeepsEveryField) {
  const TrainResult r = sample();
  const nlohmann::json j = to_json(r);
  EXPECT_EQ(j["status"], "diverged");
  EXPECT_TRUE(j["history"][1]["train_loss"].is_null());  // NaN is written as null
  const TrainResult back = train_result_from_json(nlohmann::json::parse(j.dump()), "mem");
  EXPECT_EQ(to_json(back).dump(), j.dump());
  EXPECT_TRUE(std::isnan(back.history[1].train_loss));
  EXPECT_EQ(back.benchmark_index, 11);
  EXPECT_EQ(back.history[0].evaluations.at("x-valid").accuracy, 44.25);
}

TEST(TrainResult, ReaderNamesBadKeys) {
  nlohmann::json j = to_json(sample());
  j.erase("seed");
  try {
    train_result_from_json(j, "r.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "train result r.json: missing key 'seed'");
  }
  j = to_json(sample());
  j["status"] = "great";
  EXPECT_THROW(train_result_from_json(j, "r.json"), InputError);
  j = to_json(sample());
  j["history"][0]["extra"] = 1;
  try {
    train_result_from_json(j, "r.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "train result r.json: unknown key 'history[0].extra' = 1 (known keys: epoch, learning_rate, train_loss, "
              "train_accuracy, train_images, train_seconds, eval_seconds, evaluations)");
  }
}

}  // namespace
}  // namespace nasrank::train
