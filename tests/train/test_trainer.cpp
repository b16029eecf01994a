#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "nasrank/scale/scaler.h"
#include "nasrank/train/cost.h"
#include "nasrank/train/process.h"
#include "nasrank/train/trainer.h"
#include "train/edge_patterns.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

namespace nasrank::train {
namespace {

// Tiny, learnable and quick: 1x8x8 images of 4 classes.
const dataset::BenchmarkData& tiny_data() {
  static const dataset::BenchmarkData data = [] {
    dataset::DataConfig config = test::tiny_data_config(384, 128, 3);
    config.holdout = 64;
    return dataset::load_benchmark_data("synthetic", config);
  }();
  return data;
}

Protocol tiny_protocol() {
  Protocol p;
  p.name = "tiny";
  p.network.channels = 4;
  p.network.cells_per_stage = 1;
  p.batch_size = 32;
  p.epochs = 3;
  p.learning_rate.fixed = 0.05;
  p.data.loader_workers = 0;
  p.seeds = {1};
  return p;
}

using test::request_for;

// The record minus what legitimately varies between identical runs.
nlohmann::json without_timings(TrainResult result) {
  result.wall_seconds = result.train_seconds = result.images_per_second = 0.0;
  for (EpochRecord& e : result.history) e.train_seconds = e.eval_seconds = 0.0;
  return to_json(result);
}

TEST(Trainer, RecordsEveryEpochAndTheSetup) {
  int callbacks = 0;
  TrainRequest request = request_for("index:11", tiny_protocol());
  request.on_epoch = [&](const EpochRecord& record, int epochs) {
    EXPECT_EQ(record.epoch, callbacks);
    EXPECT_EQ(epochs, 3);
    ++callbacks;
  };
  const TrainResult r = train(request, tiny_data());
  EXPECT_EQ(callbacks, 3);
  EXPECT_EQ(r.status, RunStatus::Ok);
  ASSERT_EQ(r.history.size(), 3u);
  for (int e = 0; e < 3; ++e) {
    EXPECT_DOUBLE_EQ(r.history[e].learning_rate, scheduled_learning_rate(ScheduleConfig{}, 0.05, e, 3));
    EXPECT_EQ(r.history[e].train_images, 320);  // 384 minus the 64 held out
    EXPECT_EQ(r.history[e].evaluations.size(), 2u);
    EXPECT_TRUE(std::isfinite(r.history[e].train_loss));
  }
  EXPECT_EQ(r.benchmark_index, 11);
  EXPECT_EQ(r.dataset, "synthetic");
  EXPECT_EQ(r.final_metrics.at("x-valid").images, 64);
  EXPECT_EQ(r.final_metrics.at("ori-test").images, 128);
  EXPECT_EQ(r.final_metrics.at("ori-test").accuracy, r.history.back().evaluations.at("ori-test").accuracy);
  EXPECT_EQ(r.learning_rate, 0.05);
  EXPECT_EQ(r.learning_rate_rule, "fixed");
  EXPECT_TRUE(r.scaler.is_null());
  EXPECT_EQ(r.device, "cpu");
  EXPECT_EQ(r.threads, 1);
  EXPECT_EQ(r.config["protocol"], to_json(request.protocol));
  const NetworkCost cost = network_cost(request.graph, network_spec(request.protocol, tiny_data().train));
  EXPECT_DOUBLE_EQ(r.params_m, cost.benchmark.params_m());
  EXPECT_GT(r.images_per_second, 0.0);
  // The record survives its own JSON form.
  EXPECT_EQ(to_json(train_result_from_json(to_json(r), "mem")), to_json(r));
}

TEST(Trainer, SameSeedGivesABitwiseIdenticalRun) {
  Protocol protocol = tiny_protocol();
  protocol.epochs = 2;
  protocol.data.train_subset = 128;
  protocol.data.eval_subset = 64;
  // Two intra-op threads, as real runs use: the split of the work must not
  // change the numbers either.
  TrainRequest request = request_for("index:1", protocol, 5);
  configure_process(2);
  const TrainResult a = train(request, tiny_data());
  const TrainResult b = train(request, tiny_data());
  EXPECT_EQ(without_timings(a).dump(), without_timings(b).dump());
  // Loader workers only change who builds the batches.
  request.protocol.data.loader_workers = 2;
  const TrainResult c = train(request, tiny_data());
  EXPECT_EQ(c.history.back().train_loss, a.history.back().train_loss);
  EXPECT_EQ(c.final_metrics.at("ori-test").loss, a.final_metrics.at("ori-test").loss);
  const TrainResult other = train(request_for("index:1", protocol, 6), tiny_data());
  EXPECT_NE(other.history.back().train_loss, a.history.back().train_loss);
}

TEST(Trainer, DivergenceStopsTheRun) {
  Protocol protocol = tiny_protocol();
  protocol.learning_rate.fixed = 1e6;
  protocol.epochs = 5;
  const TrainResult r = train(request_for("index:1462", protocol), tiny_data());
  EXPECT_EQ(r.status, RunStatus::Diverged);
  EXPECT_LT(r.history.size(), 5u);
  EXPECT_FALSE(std::isfinite(r.history.back().train_loss));
  EXPECT_NE(r.status_detail.find("training loss became"), std::string::npos);
  EXPECT_EQ(to_json(r)["status"], "diverged");
}

TEST(Trainer, DisconnectedCellIsNotTrainedAndScoresChance) {
  const TrainResult r = train(request_for("index:1651", tiny_protocol()), tiny_data());  // all `none`
  EXPECT_EQ(r.status, RunStatus::Disconnected);
  EXPECT_TRUE(r.history.empty());
  EXPECT_DOUBLE_EQ(r.final_metrics.at("ori-test").accuracy, 25.0);
  EXPECT_DOUBLE_EQ(r.final_metrics.at("x-valid").accuracy, 25.0);
  EXPECT_DOUBLE_EQ(r.final_metrics.at("ori-test").loss, std::log(4.0));
}

TEST(Trainer, LearnsTheSyntheticTask) {
  Protocol protocol = tiny_protocol();
  protocol.epochs = 6;
  protocol.learning_rate.fixed = 0.1;
  const TrainResult r = train(request_for("index:11472", protocol), tiny_data());
  ASSERT_EQ(r.status, RunStatus::Ok);
  EXPECT_GT(r.final_metrics.at("ori-test").accuracy, 60.0);  // chance is 25
  EXPECT_LT(r.history.back().train_loss, r.history.front().train_loss);
}

TEST(Trainer, ScalerRuleUsesTheArchitectureAwareRate) {
  Protocol protocol = tiny_protocol();
  protocol.epochs = 1;
  protocol.learning_rate.kind = LearningRateRule::Kind::Scaler;
  protocol.learning_rate.base_lr = 0.46;
  protocol.initialization = Initialization::Principled;
  const TrainResult r = train(request_for("index:0", protocol), tiny_data());
  EXPECT_NEAR(r.learning_rate, 0.1084230398, 1e-9);  // paper-notes worked value for index 0
  EXPECT_EQ(r.initialization, "principled");
  EXPECT_EQ(r.scaler["path_depths"], (std::vector<int>{1, 1, 2, 2}));
  EXPECT_EQ(r.history[0].learning_rate, r.learning_rate);
}

TEST(Trainer, CalibrationOnAnotherDatasetIsRefused) {
  const auto path = std::filesystem::temp_directory_path() / "nasrank_test_calibration_cifar.json";
  scale::Calibration calibration;
  calibration.base_lr = 0.3;
  calibration.dataset = "cifar10";
  scale::write_calibration(path, calibration);
  Protocol protocol = tiny_protocol();
  protocol.learning_rate.kind = LearningRateRule::Kind::Scaler;
  protocol.learning_rate.calibration = path.string();
  EXPECT_THROW(train(request_for("index:0", protocol), tiny_data()), InputError);
  calibration.dataset = "synthetic";
  scale::write_calibration(path, calibration);
  const ResolvedLearningRate lr = resolve_learning_rate(cell::from_benchmark_index(0), protocol,
                                                        network_spec(protocol, tiny_data().train), "synthetic");
  EXPECT_NEAR(lr.learning_rate, 0.3 * 0.1084230398 / 0.46, 1e-9);
  std::filesystem::remove(path);
}

TEST(Trainer, UnknownEvaluationSplitIsAnInputError) {
  Protocol protocol = tiny_protocol();
  protocol.data.evaluation_splits = {"x-test"};
  EXPECT_THROW(train(request_for("index:0", protocol), tiny_data()), InputError);
}

TEST(Calibration, PaperRuleByDefaultRankedByTheMeanOverSeeds) {
  CalibrationRequest request;
  request.protocol = tiny_protocol();
  request.protocol.initialization = Initialization::Principled;
  request.grid = {1e6, 0.02, 0.2, 0.05};
  request.seeds = {2, 3};
  request.loss.steps = 3;  // of the 10 steps in an epoch here
  request.base_architecture = calibration_architecture(cell::Space::Nb201, scale::DepthConvention::Nb201Reference);
  configure_process(1);
  int reported = 0;
  request.on_run = [&](double, std::uint64_t, double) { ++reported; };
  const scale::Calibration c = calibrate(request, tiny_data());
  EXPECT_EQ(reported, 8);
  ASSERT_EQ(c.curve.size(), 4u);
  EXPECT_EQ(c.curve[3].rate, 1e6);
  EXPECT_EQ(c.curve[3].diverged, (std::vector<bool>{true, true}));
  EXPECT_EQ(c.seeds, request.seeds);
  EXPECT_EQ(c.tolerance, 0.0);
  // The rate with the smallest mean epoch loss, not a larger one near it.
  double best = INFINITY;
  double expected = 0;
  for (const auto& point : c.curve) {
    ASSERT_EQ(point.epoch_mean.size(), 2u);
    ASSERT_EQ(point.last_steps.size(), 2u);
    const double mean = (point.epoch_mean[0] + point.epoch_mean[1]) / 2;
    if (mean <= best) {
      best = mean;
      expected = point.rate;
    }
  }
  EXPECT_EQ(c.base_lr, expected);
  EXPECT_EQ(c.dataset, "synthetic");
  EXPECT_EQ(c.base_architecture, "compact:1_01_001");
  // Both loss definitions are measured; the last-steps one is the tail of the epoch.
  EXPECT_NE(c.curve[0].epoch_mean[0], c.curve[0].last_steps[0]);
  EXPECT_EQ(scale::loss_choice_name(c.loss), "epoch-mean");
  EXPECT_EQ(c.loss.steps, 3);
}

TEST(Calibration, GridOfFewerThanThreeRatesIsRefusedBeforeTraining) {
  CalibrationRequest request;
  request.protocol = tiny_protocol();
  request.grid = {0.1, 0.2};
  request.seeds = {1};
  request.base_architecture = "compact:1_01_001";
  EXPECT_THROW(calibrate(request, tiny_data()), InputError);
  request.grid = {0.1, 0.2, -1.0};
  EXPECT_THROW(calibrate(request, tiny_data()), InputError);
}

TEST(Trainer, RunsRecordTheCalibrationRuleAndAnUncalibratedBase) {
  const auto path = std::filesystem::temp_directory_path() / "nasrank_test_calibration_rule.json";
  scale::Calibration calibration;
  calibration.base_lr = 0.3;
  calibration.dataset = "synthetic";
  calibration.tolerance = 0.02;
  scale::write_calibration(path, calibration);
  Protocol protocol = tiny_protocol();
  protocol.learning_rate.kind = LearningRateRule::Kind::Scaler;
  protocol.learning_rate.calibration = path.string();
  const NetworkSpec spec = network_spec(protocol, tiny_data().train);
  const ResolvedLearningRate calibrated =
      resolve_learning_rate(cell::from_benchmark_index(0), protocol, spec, "synthetic");
  EXPECT_EQ(calibrated.scaler["calibration"]["rule"], "within-tolerance");
  EXPECT_EQ(calibrated.scaler["calibration"]["tolerance"], 0.02);
  EXPECT_EQ(calibrated.scaler["calibration"]["loss"], "epoch-mean");
  std::filesystem::remove(path);

  // principled-* carry the reference's CIFAR-10 base: never silently elsewhere.
  const Protocol principled = load_protocol("principled-12e");
  EXPECT_EQ(
      resolve_learning_rate(cell::from_benchmark_index(0), principled, spec, "fashion-mnist").scaler["base_lr_note"],
      "base 0.46 from CIFAR-10 (reference), not calibrated on fashion-mnist");
  EXPECT_EQ(resolve_learning_rate(cell::from_benchmark_index(0), principled, spec, "cifar10").scaler["base_lr_note"],
            "base 0.46 from CIFAR-10 (reference)");
  EXPECT_EQ(resolve_learning_rate(cell::from_benchmark_index(0), principled, spec, "cifar100").scaler["base_lr_note"],
            "base 0.46 from CIFAR-10 (reference), not calibrated on cifar100");
}

TEST(Trainer, KeepsTheLossesOfTheFinalEpochsLastSteps) {
  const TrainResult r = train(request_for("index:0", tiny_protocol()), tiny_data());
  // 320 training images at batch 32: 10 steps in the final epoch.
  ASSERT_EQ(r.final_step_losses.size(), 10u);
  double sum = 0;
  for (double loss : r.final_step_losses) sum += loss;
  // Equal batches, so the epoch's running average is the mean of its steps.
  EXPECT_NEAR(sum / 10, r.history.back().train_loss, 1e-6);
  const TrainResult back = train_result_from_json(to_json(r), "round trip");
  EXPECT_EQ(back.final_step_losses, r.final_step_losses);
}

TEST(Calibration, BaseArchitectureHasTheBaseDepths) {
  for (auto convention : {scale::DepthConvention::Nb201Reference, scale::DepthConvention::ReluCount}) {
    const auto graph = cell::parse_encoding(calibration_architecture(cell::Space::Nb201, convention));
    scale::ScalerOptions options;
    options.convention = convention;
    options.base_lr = 0.3;
    EXPECT_DOUBLE_EQ(scale::learning_rate(graph, options).learning_rate, 0.3);
  }
  for (auto convention : {scale::DepthConvention::DagReference, scale::DepthConvention::ReluCount}) {
    const auto graph = cell::parse_encoding(calibration_architecture(cell::Space::Dag, convention));
    scale::ScalerOptions options;
    options.convention = convention;
    options.base_lr = 0.3;
    EXPECT_DOUBLE_EQ(scale::learning_rate(graph, options).learning_rate, 0.3);
  }
}

}  // namespace
}  // namespace nasrank::train
