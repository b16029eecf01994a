#include "nasrank/analyze/report.h"
#include "nasrank/common/error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace nasrank::analyze {
namespace {

ComparisonInput sample_input(std::size_t n, bool with_ceiling) {
  ComparisonInput in;
  in.title = "benchmark vs principled";
  in.dataset = "fashion-mnist";
  in.metric = "test accuracy (ori-test), %";
  in.reference = {"benchmark", "a.h5", nlohmann::json{{"protocol", "cpu-small-benchmark"}, {"budget", 2}}};
  in.candidate = {"principled", "b.h5", nlohmann::json{{"protocol", "cpu-small-principled"}, {"budget", 2}}};
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0.0, 1.0);
  NoiseCeilingInput ceiling{"benchmark, seed 1 vs seed 2", {}, {}};
  for (std::size_t k = 0; k < n; ++k) {
    const double quality = 60.0 + 30.0 * static_cast<double>(k) / static_cast<double>(n);
    in.keys.push_back(std::to_string(k));
    in.labels.push_back("cell <" + std::to_string(k) + ">");  // exercises escaping
    in.reference_values.push_back(quality + noise(rng));
    in.candidate_values.push_back(quality + 0.5 + 3.0 * noise(rng));
    ceiling.seed_a.push_back(quality + 0.3 * noise(rng));
    ceiling.seed_b.push_back(quality + 0.3 * noise(rng));
  }
  in.counts.matched = n;
  in.counts.excluded_disconnected = 3;
  if (with_ceiling) in.noise_ceiling = ceiling;
  in.options.bootstrap.resamples = 200;
  in.options.bootstrap.seed = 11;
  return in;
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t hits = 0;
  for (std::size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++hits;
  return hits;
}

TEST(Report, JsonCarriesTheStatisticsAndTheCeiling) {
  const Report report = build_report(sample_input(300, true));
  const auto doc = report_json(report);
  EXPECT_DOUBLE_EQ(doc["statistics"]["correlation"]["kendall"]["tau_b"].get<double>(),
                   report.comparison.correlation.kendall.tau_b);
  EXPECT_EQ(doc["counts"]["matched"], 300);
  EXPECT_EQ(doc["counts"]["excluded_disconnected"], 3);
  EXPECT_EQ(doc["architectures"].size(), 300U);
  ASSERT_FALSE(doc["noise_ceiling"].is_null());
  // Seeds agree far better than the noisy candidate does: the change exceeds noise.
  EXPECT_TRUE(report.exceeds_seed_noise);
  EXPECT_GT(report.ceiling->kendall.tau_b, report.comparison.correlation.kendall.tau_b);
  EXPECT_EQ(report.ceiling_curve.size(), report.comparison.top_percent_curve.size());
  EXPECT_NE(doc["verdict"].get<std::string>().find("exceeds seed noise"), std::string::npos);
}

TEST(Report, HtmlIsSelfContainedWithThreeCharts) {
  const Report report = build_report(sample_input(250, true));
  const std::string html = report_html(report);
  EXPECT_EQ(count(html, "<svg "), 3U);
  EXPECT_EQ(count(html, "<circle cx="), 250U);  // one per architecture in the scatter
  EXPECT_NE(html.find("class=\"identity\""), std::string::npos);
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(count(html, "http://") + count(html, "https://"), count(html, "http://www.w3.org/2000/svg"));
  EXPECT_NE(html.find("cell &lt;"), std::string::npos);  // labels of the rank-move table, escaped
  EXPECT_EQ(html.find("cell <"), std::string::npos);
  char tau[32];
  std::snprintf(tau, sizeof tau, "%.4f", report.comparison.correlation.kendall.tau_b);
  EXPECT_NE(html.find(tau), std::string::npos);
}

TEST(Report, MarkdownWithoutCeilingSaysSo) {
  const Report report = build_report(sample_input(50, false));
  const std::string md = report_markdown(report);
  EXPECT_NE(md.find("No noise ceiling"), std::string::npos);
  EXPECT_NE(md.find("| Kendall tau-b |"), std::string::npos);
  EXPECT_NE(md.find("## Largest rank moves"), std::string::npos);
  EXPECT_FALSE(report_json(report)["noise_ceiling"].is_object());
}

TEST(Report, MarkdownEscapesLabelsFromTheUser) {
  ComparisonInput in = sample_input(20, false);
  in.title = "runs | *bold* [link](http://x)";
  in.reference.label = "ref\n# heading";
  for (std::string& label : in.labels) label = "|nor_conv_3x3~0|+|skip_connect~0|" + label;
  const std::string md = report_markdown(build_report(in));
  EXPECT_NE(md.find("# runs \\| \\*bold\\* \\[link\\](http://x)\n"), std::string::npos) << md.substr(0, 200);
  EXPECT_NE(md.find("**ref \\# heading**"), std::string::npos);
  EXPECT_EQ(md.find("\n# heading"), std::string::npos);
  // An arch string in the rank-move table stays one cell: six unescaped '|' per row.
  const std::size_t row = md.find("| \\|nor\\_conv\\_3x3\\~0\\|");
  ASSERT_NE(row, std::string::npos);
  const std::string line = md.substr(row, md.find('\n', row) - row);
  std::size_t bars = 0;
  for (std::size_t i = 0; i < line.size(); ++i) bars += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
  EXPECT_EQ(bars, 7u) << line;
}

TEST(Report, WriteReportWritesThreeFilesIntoAFolderOrAtAPrefix) {
  const auto dir = std::filesystem::temp_directory_path() / "nasrank-report-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const Report report = build_report(sample_input(20, true));
  EXPECT_EQ(write_report(report, dir), dir / "report.html");
  for (const char* name : {"report.html", "report.md", "report.json"}) EXPECT_TRUE(std::filesystem::exists(dir / name));
  EXPECT_EQ(write_report(report, dir / "cmp"), dir / "cmp.html");
  EXPECT_TRUE(std::filesystem::exists(dir / "cmp.json"));
  EXPECT_THROW(write_report(report, dir / "missing" / "report"), InputError);
  std::filesystem::remove_all(dir);
}

TEST(Report, TooFewMatchedArchitecturesIsAnInputError) {
  EXPECT_THROW(build_report(sample_input(1, false)), InputError);
}

}  // namespace
}  // namespace nasrank::analyze
