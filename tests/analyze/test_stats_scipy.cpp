// Cross-check against scipy itself (label `slow`: it runs an external
// program). Skips when Debian's /usr/bin/python3 with scipy is not there.
#include "nasrank/analyze/stats.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

namespace nasrank::analyze {
namespace {

constexpr const char* kPython = "/usr/bin/python3";

struct Case {
  std::vector<double> x;
  std::vector<double> y;
};

std::string round_trip(double value) {
  char text[64];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

bool scipy_available() {
  const std::string probe = std::string(kPython) + " -c 'import scipy.stats' >/dev/null 2>&1";
  return std::filesystem::exists(kPython) && std::system(probe.c_str()) == 0;
}

std::vector<Case> make_cases() {
  std::vector<Case> cases;
  std::mt19937_64 engine(20240229);
  const std::vector<std::size_t> sizes = {2, 3, 5, 8, 20, 33, 34, 60, 250, 1000, 5000};
  for (const std::size_t n : sizes) {
    // levels 0 = continuous values (no ties: exercises the exact p-value for
    // n <= 33); otherwise that many distinct hundredths.
    for (const std::uint64_t levels : {0, 2, 7, 100, 10000}) {
      for (int repeat = 0; repeat < 4; ++repeat) {
        Case c;
        for (std::size_t i = 0; i < n; ++i) {
          if (levels == 0) {
            const double u = static_cast<double>(engine() >> 11) * 0x1.0p-53;
            const double v = static_cast<double>(engine() >> 11) * 0x1.0p-53;
            c.x.push_back(u);
            c.y.push_back(repeat % 2 == 0 ? v : u + 0.3 * v);
          } else {
            const auto a = uniform_below(engine, levels);
            const auto noise = uniform_below(engine, levels);
            c.x.push_back(static_cast<double>(a) / 100.0);
            c.y.push_back(static_cast<double>(repeat % 2 == 0 ? noise : (a * 3 + noise) / 4) / 100.0);
          }
        }
        cases.push_back(std::move(c));
      }
    }
  }
  return cases;
}

void expect_close(const nlohmann::json& expected, double actual, double tolerance, const std::string& what) {
  if (expected.is_null()) {
    EXPECT_TRUE(std::isnan(actual)) << what << ": scipy gives NaN, nasrank " << actual;
  } else {
    EXPECT_NEAR(actual, expected.get<double>(), tolerance) << what;
  }
}

TEST(StatsAgainstScipy, KendallSpearmanPearsonOnRandomCases) {
  if (!scipy_available()) GTEST_SKIP() << "SKIPPED: needs " << kPython << " with python3-scipy";
  const std::vector<Case> cases = make_cases();
  const std::filesystem::path input =
      std::filesystem::temp_directory_path() / ("nasrank_stats_cases_" + std::to_string(::getpid()) + ".txt");
  {
    std::ofstream out(input);
    for (const Case& c : cases) {
      for (const double v : c.x) out << round_trip(v) << ' ';
      out << '|';
      for (const double v : c.y) out << ' ' << round_trip(v);
      out << '\n';
    }
  }
  const std::string command =
      std::string(kPython) + " " + NASRANK_SOURCE_DIR + "/tests/analyze/scipy_reference.py " + input.string();
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  ASSERT_TRUE(pipe) << command;
  std::string output;
  char buffer[4096];
  while (const std::size_t got = std::fread(buffer, 1, sizeof buffer, pipe.get())) output.append(buffer, got);
  std::filesystem::remove(input);

  std::size_t line_start = 0;
  std::size_t index = 0;
  while (line_start < output.size()) {
    const std::size_t line_end = output.find('\n', line_start);
    const nlohmann::json expected = nlohmann::json::parse(output.substr(line_start, line_end - line_start));
    line_start = line_end == std::string::npos ? output.size() : line_end + 1;
    ASSERT_LT(index, cases.size());
    const Case& c = cases[index];
    const std::string what = "case " + std::to_string(index) + " (n=" + std::to_string(c.x.size()) + ")";
    const KendallResult kendall = kendall_tau_b(c.x, c.y);
    expect_close(expected["tau_b"], kendall.tau_b, 1e-12, what + " tau_b");
    // p-values: the same formulas in a different evaluation order.
    if (!expected["p_value"].is_null()) {
      const double p = expected["p_value"].get<double>();
      EXPECT_NEAR(kendall.p_value, p, 1e-14 + 1e-12 * p) << what << " p_value";
    }
    expect_close(expected["rho"], spearman_rho(c.x, c.y), 1e-12, what + " rho");
    expect_close(expected["r"], pearson_r(c.x, c.y), 1e-12, what + " r");
    ++index;
  }
  EXPECT_EQ(index, cases.size()) << "scipy answered " << index << " of " << cases.size() << " cases";
}

}  // namespace
}  // namespace nasrank::analyze
