#include "nasrank/common/error.h"
#include "nasrank/scale/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace nasrank::scale {
namespace {

TEST(Calibration, RoundTripsTheWholeCurveThroughAFile) {
  Calibration c;
  c.base_lr = 0.2;
  c.dataset = "fashion-mnist";
  c.seeds = {1, 2};
  c.loss = parse_loss_choice("last-steps:20");
  c.tolerance = 0.0;
  c.curve = {{0.1, {0.9, 0.95}, {0.8, 0.85}, {false, false}},
             {0.2, {0.7, 0.72}, {0.6, 0.61}, {false, false}},
             {0.5, {0.71, std::nan("")}, {0.5, std::nan("")}, {false, true}}};
  c.interpolated_lr = 0.21;
  c.edge = GridEdge::None;
  const auto path = std::filesystem::temp_directory_path() / "nasrank-calibration-test.json";
  write_calibration(path, c);
  const Calibration back = read_calibration(path);
  EXPECT_DOUBLE_EQ(back.base_lr, 0.2);
  EXPECT_EQ(back.dataset, "fashion-mnist");
  EXPECT_EQ(back.seeds, c.seeds);
  EXPECT_EQ(loss_choice_name(back.loss), "last-steps:20");
  ASSERT_EQ(back.curve.size(), 3U);
  EXPECT_EQ(back.curve[1].epoch_mean, c.curve[1].epoch_mean);
  EXPECT_EQ(back.curve[1].last_steps, c.curve[1].last_steps);
  EXPECT_TRUE(std::isnan(back.curve[2].epoch_mean[1]));
  EXPECT_EQ(back.curve[2].diverged, (std::vector<bool>{false, true}));
  EXPECT_EQ(calibration_rule_name(back), "smallest-loss");
  // The ranking curve follows the loss definition.
  EXPECT_EQ(calibration_curve(back, LossChoice{}).losses[0], (std::vector<double>{0.9, 0.95}));
  EXPECT_EQ(calibration_curve(back, back.loss).losses[0], (std::vector<double>{0.8, 0.85}));
  const auto doc = to_json(back);
  EXPECT_EQ(doc["rule"], "smallest-loss");
  EXPECT_EQ(doc["tolerance"], 0.0);
  std::filesystem::remove(path);
}

TEST(Calibration, ATolerancIsNamedAsTheRuleEverywhere) {
  Calibration c;
  c.base_lr = 0.7;
  c.tolerance = 0.02;
  EXPECT_EQ(calibration_rule_name(c), "within-tolerance");
  EXPECT_EQ(calibration_summary(c)["rule"], "within-tolerance");
  EXPECT_EQ(calibration_summary(c)["tolerance"], 0.02);
  // A file whose rule contradicts its tolerance is refused.
  nlohmann::json doc = to_json(c);
  doc["rule"] = "smallest-loss";
  EXPECT_THROW(calibration_from_json(doc, "x"), InputError);
}

TEST(Calibration, ReadsFilesWrittenBeforeTheCurveWasKept) {
  const Calibration c = calibration_from_json(nlohmann::json{{"base_lr", 0.7},
                                                             {"grid", {0.46, 0.7, 1.0}},
                                                             {"final_losses", {1.48, 1.49, nullptr}},
                                                             {"seed", 1},
                                                             {"tolerance", 0.02}},
                                              "old.json");
  EXPECT_EQ(c.seeds, (std::vector<std::uint64_t>{1}));
  ASSERT_EQ(c.curve.size(), 3U);
  EXPECT_EQ(c.curve[0].epoch_mean, (std::vector<double>{1.48}));
  EXPECT_EQ(c.curve[2].diverged, (std::vector<bool>{true}));
  EXPECT_EQ(calibration_rule_name(c), "within-tolerance");
}

TEST(Calibration, RejectsBadFiles) {
  EXPECT_THROW(calibration_from_json(nlohmann::json{{"base_lr", -0.1}}, "x"), InputError);
  EXPECT_THROW(calibration_from_json(nlohmann::json{{"lr", 0.1}}, "x"), InputError);
  EXPECT_THROW(calibration_from_json(nlohmann::json{{"base_lr", 0.1}, {"grid", "many"}}, "x"), InputError);
  EXPECT_THROW(read_calibration("/nonexistent/calibration.json"), InputError);
  // A number beyond a double makes nlohmann::json throw out_of_range, not parse_error.
  const auto beyond_double = std::filesystem::temp_directory_path() / "nasrank_test_calibration_1e999.json";
  std::ofstream(beyond_double) << R"({"base_lr": 1e999})";
  EXPECT_THROW(read_calibration(beyond_double), InputError);
  std::filesystem::remove(beyond_double);
  try {
    calibration_from_json(nlohmann::json{{"base_lr", 0.1}, {"colour", 1}}, "cal.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("calibration 'cal.json': unknown key 'colour' = 1 (known keys: base_lr, "),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace nasrank::scale
