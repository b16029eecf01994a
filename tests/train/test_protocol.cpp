#include "nasrank/common/error.h"
#include "nasrank/train/protocol.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "test_paths.h"

namespace nasrank::train {
namespace {

using nlohmann::json;

std::string error_of(const json& doc) {
  try {
    protocol_from_json(doc, "'test.json'");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Protocol, ShippedProtocolsLoadAndRoundTrip) {
  const std::vector<std::string> names = shipped_protocol_names();
  for (const char* expected :
       {"nb201-200e", "nb201-12e", "principled-200e", "principled-12e", "cpu-small-benchmark", "cpu-small-principled"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  for (const std::string& name : names) {
    const Protocol protocol = load_protocol(name);
    EXPECT_EQ(protocol.name, name);
    const Protocol again = protocol_from_json(to_json(protocol), name);
    EXPECT_EQ(to_json(again), to_json(protocol)) << name;
  }
}

TEST(Protocol, BenchmarkProtocolIsNasBench201s) {
  const Protocol p = load_protocol("nb201-200e");
  EXPECT_EQ(p.epochs, 200);
  EXPECT_EQ(p.batch_size, 256);
  EXPECT_EQ(p.learning_rate.kind, LearningRateRule::Kind::Fixed);
  EXPECT_DOUBLE_EQ(p.learning_rate.fixed, 0.1);
  EXPECT_DOUBLE_EQ(p.optimizer.momentum, 0.9);
  EXPECT_TRUE(p.optimizer.nesterov);
  EXPECT_DOUBLE_EQ(p.optimizer.weight_decay, 5e-4);
  EXPECT_EQ(p.initialization, Initialization::Benchmark);
  EXPECT_EQ(p.seeds, (std::vector<std::uint64_t>{777, 888, 999}));
  EXPECT_EQ(load_protocol("nb201-12e").epochs, 12);
  const Protocol principled = load_protocol("principled-12e");
  EXPECT_EQ(principled.learning_rate.kind, LearningRateRule::Kind::Scaler);
  EXPECT_DOUBLE_EQ(principled.learning_rate.base_lr.value(), 0.46);
  EXPECT_EQ(principled.initialization, Initialization::Principled);
}

TEST(Protocol, CalibrationPathsResolveAgainstTheProtocolFile) {
  const Protocol p = load_protocol("cpu-small-principled");
  EXPECT_EQ(calibration_path(p), protocol_directory() / "calibrations" / "fashion-mnist-cpu-small.json");
  EXPECT_TRUE(std::filesystem::exists(calibration_path(p)));
}

TEST(Protocol, UnknownKeysAreErrorsNamingTheKey) {
  EXPECT_EQ(error_of({{"epoch", 3}}),
            "protocol 'test.json': unknown key 'epoch' = 3 (known keys: name, description, network, optimizer, "
            "batch_size, epochs, learning_rate, schedule, initialization, augmentation, data, seeds, loss)");
  EXPECT_EQ(error_of({{"optimizer", {{"momentun", 0.9}}}}),
            "protocol 'test.json': unknown key 'optimizer.momentun' = 0.9 (known keys: type, momentum, nesterov, "
            "weight_decay)");
  EXPECT_EQ(error_of({{"learning_rate", {{"scaler", {{"base_lr", 0.4}, {"kernel", 3}}}}}}),
            "protocol 'test.json': unknown key 'learning_rate.scaler.kernel' = 3 (known keys: base_lr, calibration, "
            "convention, degree)");
}

TEST(Protocol, OutOfRangeValuesAreErrorsNamingKeyAndValue) {
  EXPECT_EQ(error_of({{"optimizer", {{"momentum", 1.5}}}}),
            "protocol 'test.json': key 'optimizer.momentum' = 1.5: must be in [0, 1)");
  EXPECT_EQ(error_of({{"batch_size", 0}}), "protocol 'test.json': key 'batch_size' = 0: must be in 1..1048576");
  EXPECT_EQ(error_of({{"epochs", 2.5}}), "protocol 'test.json': key 'epochs' = 2.5: must be an integer");
  EXPECT_EQ(error_of({{"learning_rate", {{"fixed", -1}}}}),
            "protocol 'test.json': key 'learning_rate.fixed' = -1: must be in (0, 1e+09]");
  EXPECT_EQ(error_of({{"initialization", "xavier"}}),
            "protocol 'test.json': key 'initialization' = \"xavier\": must be \"benchmark\" or \"principled\"");
  EXPECT_EQ(error_of({{"epochs", 5}, {"schedule", {{"warmup_epochs", 5}}}}),
            "protocol 'test.json': key 'schedule.warmup_epochs' = 5: must be smaller than epochs (5)");
  EXPECT_EQ(error_of({{"seeds", json::array()}}),
            "protocol 'test.json': key 'seeds' = []: must be a non-empty list of integers >= 0");
  EXPECT_EQ(error_of({{"optimizer", {{"momentum", 0}, {"nesterov", true}}}}),
            "protocol 'test.json': key 'optimizer.nesterov' = true: Nesterov momentum needs momentum > 0");
  EXPECT_NE(error_of({{"learning_rate", {{"fixed", 0.1}, {"scaler", {{"base_lr", 0.4}}}}}}).find("exactly one"),
            std::string::npos);
  EXPECT_NE(error_of({{"learning_rate", {{"scaler", {{"convention", "paper"}, {"base_lr", 1}}}}}})
                .find("key 'learning_rate.scaler.convention' = \"paper\""),
            std::string::npos);
  EXPECT_EQ(error_of({{"network", {{"kernel_size", 4}}}}),
            "protocol 'test.json': key 'network.kernel_size' = 4: must be odd");
}

TEST(Protocol, MissingKeysKeepTheBenchmarkDefaults) {
  const Protocol p = protocol_from_json(json::object(), "empty");
  EXPECT_EQ(to_json(p), to_json(Protocol{}));
  EXPECT_EQ(p.epochs, 200);
  EXPECT_EQ(p.network.channels, 16);
}

TEST(Protocol, FileErrorsNameTheFile) {
  const auto path = std::filesystem::temp_directory_path() / "nasrank_test_protocol_bad.json";
  std::ofstream(path) << R"({"epochs": 3, "batch_size": -4})";
  try {
    load_protocol(path.string());
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "protocol '" + path.string() + "': key 'batch_size' = -4: must be in 1..1048576");
  }
  // A number beyond a double makes nlohmann::json throw out_of_range (found by fuzz_graph_json).
  std::ofstream(path) << R"({"epochs": 1e999})";
  try {
    load_protocol(path.string());
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("protocol file '" + path.string() + "' is not valid JSON"), std::string::npos)
        << e.what();
  }
  std::filesystem::remove(path);
  EXPECT_THROW(load_protocol("no-such-protocol"), InputError);
  EXPECT_THROW(load_protocol("/no/such/file.json"), InputError);
  // A folder given as the protocol: named, not a stream error.
  const auto folder = std::filesystem::temp_directory_path() / "nasrank_test_protocol_dir";
  std::filesystem::create_directories(folder);
  try {
    load_protocol(folder.string() + "/");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "protocol '" + folder.string() + "/' is a directory, not a protocol JSON file");
  }
  std::filesystem::remove(folder);
}

TEST(Schedule, CosinePerEpochAsTheBenchmark) {
  const ScheduleConfig cosine;
  // lr_e = 0.05 * (1 + cos(pi * e / 12)) for peak 0.1 and T = 12.
  const double expected[12] = {0.1,  0.098296291, 0.093301270, 0.085355339, 0.075,       0.062940952,
                               0.05, 0.037059048, 0.025,       0.014644661, 0.006698730, 0.001703709};
  for (int e = 0; e < 12; ++e) EXPECT_NEAR(scheduled_learning_rate(cosine, 0.1, e, 12), expected[e], 1e-9) << e;
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(cosine, 0.1, 0, 200), 0.1);
  EXPECT_NEAR(scheduled_learning_rate(cosine, 0.1, 100, 200), 0.05, 1e-15);
  EXPECT_GT(scheduled_learning_rate(cosine, 0.1, 199, 200), 0.0);
}

TEST(Schedule, WarmupThenCosineOverTheRest) {
  const ScheduleConfig warm{ScheduleConfig::Kind::Cosine, 3};
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(warm, 0.4, 0, 10), 0.1);
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(warm, 0.4, 1, 10), 0.2);
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(warm, 0.4, 2, 10), 0.3);
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(warm, 0.4, 3, 10), 0.4);
  EXPECT_NEAR(scheduled_learning_rate(warm, 0.4, 9, 10), 0.2 * (1 + std::cos(M_PI * 6 / 7)), 1e-15);
  const ScheduleConfig constant{ScheduleConfig::Kind::Constant, 0};
  for (int e = 0; e < 5; ++e) EXPECT_DOUBLE_EQ(scheduled_learning_rate(constant, 0.3, e, 5), 0.3);
}

}  // namespace
}  // namespace nasrank::train

namespace nasrank::train {
namespace {

TEST(Schedule, CosinePerStepAnnealsWithinEpochs) {
  ScheduleConfig per_step;
  per_step.update = ScheduleConfig::Update::Step;
  // 2 epochs of 4 steps: step s of epoch e is at fraction (e + s / 4) / 2.
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(per_step, 0.1, 0, 2, 0, 4), 0.1);
  EXPECT_NEAR(scheduled_learning_rate(per_step, 0.1, 0, 2, 2, 4), 0.05 * (1 + std::cos(M_PI * 0.25)), 1e-15);
  EXPECT_NEAR(scheduled_learning_rate(per_step, 0.1, 1, 2, 0, 4), 0.05, 1e-15);
  EXPECT_NEAR(scheduled_learning_rate(per_step, 0.1, 1, 2, 3, 4), 0.05 * (1 + std::cos(M_PI * 7.0 / 8.0)), 1e-15);
  // Per epoch (the benchmark) ignores the step.
  ScheduleConfig per_epoch;
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(per_epoch, 0.1, 0, 2, 3, 4), 0.1);
}

TEST(Schedule, UpdateIsReadWrittenAndChecked) {
  nlohmann::json doc = to_json(load_protocol("nb201-12e"));
  EXPECT_EQ(doc["schedule"]["update"], "epoch");
  doc["schedule"]["update"] = "step";
  EXPECT_EQ(protocol_from_json(doc, "test").schedule.update, ScheduleConfig::Update::Step);
  doc["schedule"]["update"] = "batch";
  try {
    protocol_from_json(doc, "test");
    FAIL() << "accepted schedule.update 'batch'";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("schedule.update"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nasrank::train
