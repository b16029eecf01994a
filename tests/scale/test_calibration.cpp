#include "nasrank/common/error.h"
#include "nasrank/scale/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace nasrank::scale {
namespace {

TEST(Calibration, RoundTripsThroughAFile) {
  Calibration c;
  c.base_lr = 0.31;
  c.dataset = "fashion-mnist";
  c.grid = {0.1, 0.2, 0.31, 0.5};
  c.final_losses = {0.9, 0.7, 0.71, std::nan("")};
  c.tolerance = 0.05;
  c.seed = 7;
  const auto path = std::filesystem::temp_directory_path() / "nasrank-calibration-test.json";
  write_calibration(path, c);
  const Calibration back = read_calibration(path);
  EXPECT_DOUBLE_EQ(back.base_lr, 0.31);
  EXPECT_EQ(back.dataset, "fashion-mnist");
  EXPECT_EQ(back.grid, c.grid);
  ASSERT_EQ(back.final_losses.size(), 4U);
  EXPECT_TRUE(std::isnan(back.final_losses[3]));
  std::filesystem::remove(path);
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
    EXPECT_STREQ(e.what(), "calibration 'cal.json': unknown key 'colour'");
  }
}

}  // namespace
}  // namespace nasrank::scale
