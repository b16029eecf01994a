#include "nasrank/analyze/report.h"
#include "nasrank/common/error.h"
#include "analyze/svg.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
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
  NoiseCeilingInput ceiling;
  ceiling.description = "benchmark: seed 1 vs seed 2 (single seeds on both sides)";
  ceiling.other_description = "principled: seed 1";
  for (std::size_t k = 0; k < n; ++k) {
    const double quality = 60.0 + 30.0 * static_cast<double>(k) / static_cast<double>(n);
    in.keys.push_back(std::to_string(k));
    in.labels.push_back("cell <" + std::to_string(k) + ">");  // exercises escaping
    in.reference_values.push_back(quality + noise(rng));
    in.candidate_values.push_back(quality + 0.5 + 3.0 * noise(rng));
    ceiling.seed_a.push_back(quality + 0.3 * noise(rng));
    ceiling.seed_b.push_back(quality + 0.3 * noise(rng));
    ceiling.other.push_back(quality + 0.5 + 3.0 * noise(rng));
    ArchitectureDetail detail;
    detail.benchmark_index = static_cast<int>(1000 + k);
    detail.arch =
        "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|#" + std::to_string(k);
    detail.reference_seeds = {1, 2};
    detail.reference_seed_values = {in.reference_values.back() - 0.1, in.reference_values.back() + 0.1};
    detail.candidate_seeds = {1};
    detail.candidate_seed_values = {in.candidate_values.back()};
    detail.candidate_lr = 0.1 + 0.01 * static_cast<double>(k % 5);
    detail.candidate_init = "principled";
    detail.paths = static_cast<int>(k % 4);
    detail.longest_depth = static_cast<int>(k % 3);
    in.details.push_back(detail);
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
  EXPECT_NE(doc["headline"].get<std::string>().find("exceeds seed noise"), std::string::npos);
  EXPECT_TRUE(doc["noise_ceiling"]["test"]["exceeds"].get<bool>());
}

TEST(Report, HtmlIsSelfContainedWithEveryChart) {
  const Report report = build_report(sample_input(250, true));
  const std::string html = report_html(report);
  // accuracy scatter, rank scatter, top-K% curve, gaps, and the rank move
  // against learning rate, paths and longest path
  EXPECT_EQ(count(html, "<svg "), 7U);
  EXPECT_EQ(count(html, "<circle cx="), 5 * 250U);  // one per architecture in each scatter
  EXPECT_NE(html.find("class=\"identity\""), std::string::npos);
  EXPECT_NE(html.find("content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\""),
            std::string::npos);
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
  EXPECT_NE(md.find("no seed-noise verdict (it needs two seeds of one protocol)"), std::string::npos);
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

TEST(Report, WriteReportAlwaysWritesReportFilesIntoAFolder) {
  const auto dir = std::filesystem::temp_directory_path() / "nasrank-report-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const Report report = build_report(sample_input(20, true));
  EXPECT_EQ(write_report(report, dir), dir / "report.html");
  for (const char* name : {"report.html", "report.md", "report.json"}) EXPECT_TRUE(std::filesystem::exists(dir / name));
  // A new folder (and its parents) is created, never a prefix.
  EXPECT_EQ(write_report(report, dir / "new" / "cmp"), dir / "new" / "cmp" / "report.html");
  EXPECT_TRUE(std::filesystem::exists(dir / "new" / "cmp" / "report.json"));
  EXPECT_FALSE(std::filesystem::exists(dir / "new" / "cmp.html"));
  std::ofstream(dir / "file") << "x";
  EXPECT_THROW(write_report(report, dir / "file"), InputError);
  std::filesystem::remove_all(dir);
}

TEST(Report, BelowTheMinimumEveryRankStatisticSaysNTooSmall) {
  const Report report = build_report(sample_input(5, true));
  EXPECT_FALSE(report.comparison.supported);
  EXPECT_NE(report.headline.find("Too few architectures to compare rankings: 5 matched"), std::string::npos);
  ASSERT_FALSE(report.warnings.empty());
  const std::string md = report_markdown(report);
  EXPECT_NE(md.find("| Kendall tau-b | 5 | n too small (n=5) |"), std::string::npos) << md;
  EXPECT_EQ(md.find("exceeds seed noise"), std::string::npos);
  EXPECT_EQ(md.find("1.0000"), std::string::npos) << "no correlation may be printed";
  const auto doc = report_json(report);
  EXPECT_TRUE(doc["statistics"]["correlation"]["kendall"].is_null());
  EXPECT_EQ(doc["statistics"]["correlation"]["n"], 5);
  EXPECT_FALSE(doc["noise_ceiling"]["test"]["supported"].get<bool>());
  EXPECT_FALSE(doc["exceeds_seed_noise"].get<bool>());
  for (const auto& point : doc["statistics"]["top_percent_curve"]) {
    EXPECT_TRUE(point["kendall"].is_null());
    EXPECT_GE(point["count"].get<int>(), 2);
  }
  const std::string html = report_html(report);
  EXPECT_NE(html.find("n too small (n=5)"), std::string::npos);
}

TEST(Report, HeadlineStatesResultIntervalAndVerdictWithTheUsersLabels) {
  const Report report = build_report(sample_input(120, true));
  const auto& c = report.comparison.correlation;
  char expected[160];
  std::snprintf(expected, sizeof expected,
                "principled against benchmark over 120 architectures: Kendall tau-b %.4f [%.4f, %.4f]", c.kendall.tau_b,
                c.tau_b_interval.lower, c.tau_b_interval.upper);
  EXPECT_EQ(report.headline.rfind(expected, 0), 0u) << report.headline;
  EXPECT_NE(report.headline.find("seed noise"), std::string::npos);
  const std::string html = report_html(report);
  EXPECT_NE(html.find(">principled vs benchmark</text>"), std::string::npos) << "curve legend uses the labels";
  EXPECT_EQ(html.find("reference vs candidate"), std::string::npos);
  EXPECT_NE(html.find("Rank 1 is the best"), std::string::npos);
  EXPECT_NE(report_markdown(report).find("Rank 1 is the best"), std::string::npos);
}

TEST(Report, JsonNamesEveryArchitectureAndMoveByIndexAndKey) {
  const Report report = build_report(sample_input(30, true));
  const auto doc = report_json(report);
  ASSERT_EQ(doc["architectures"].size(), 30U);
  const auto& first = doc["architectures"][0];
  EXPECT_EQ(first["benchmark_index"], 1000);
  EXPECT_EQ(first["key"], "0");
  EXPECT_EQ(first["reference"]["seeds"], nlohmann::json::array({1, 2}));
  EXPECT_EQ(first["reference"]["per_seed"].size(), 2U);
  EXPECT_NEAR(first["reference"]["std"].get<double>(), std::sqrt(0.02), 1e-9);
  EXPECT_TRUE(first["candidate"]["std"].is_null());
  EXPECT_DOUBLE_EQ(first["reference"]["rank"].get<double>(), report.reference_ranks[0]);
  EXPECT_DOUBLE_EQ(first["rank_move"].get<double>(), report.reference_ranks[0] - report.candidate_ranks[0]);
  // Rank 1 is the best.
  const auto best = std::max_element(report.input.reference_values.begin(), report.input.reference_values.end()) -
                    report.input.reference_values.begin();
  EXPECT_DOUBLE_EQ(report.reference_ranks[static_cast<std::size_t>(best)], 1.0);
  for (const auto& move : doc["statistics"]["rank_moves"]) {
    ASSERT_TRUE(move.contains("key"));
    ASSERT_TRUE(move.contains("benchmark_index"));
    EXPECT_FALSE(move.contains("index")) << "moves must not point into an array";
    const int index = move["benchmark_index"];
    EXPECT_EQ(move["key"], std::to_string(index - 1000));
  }
}

TEST(Report, MarkdownEscapesPipesInCells) {
  ComparisonInput in = sample_input(12, true);
  for (auto& label : in.labels) label = "|nor_conv_3x3~0|+|skip_connect~0|" + label;
  in.reference.label = "bench|mark";
  const std::string md = report_markdown(build_report(in));
  EXPECT_NE(md.find("\\|nor\\_conv\\_3x3\\~0\\|+\\|skip\\_connect\\~0\\|cell \\<"), std::string::npos) << md;
  EXPECT_NE(md.find("| rank bench\\|mark |"), std::string::npos);
  EXPECT_EQ(markdown_text("a|b\nc"), "a\\|b c");
}

TEST(Report, ScatterMarkersCarryTooltipsAndScaleWithN) {
  const Report small = build_report(sample_input(10, true));
  const std::string html = report_html(small);
  EXPECT_NE(html.find("<title>cell &lt;3&gt;\nbenchmark: "), std::string::npos);
  EXPECT_GT(svg::marker_radius(10), 2.5 * svg::marker_radius(100000) - 1e-9);
  EXPECT_GT(svg::marker_opacity(10), svg::marker_opacity(15000));
  EXPECT_NE(html.find("r=\"" +
                      [] {
                        char b[16];
                        std::snprintf(b, sizeof b, "%.1f", svg::marker_radius(10));
                        return std::string(b);
                      }() +
                      "\""),
            std::string::npos);
}

TEST(Report, PerArchitectureTableIsSortableWithoutExternalScripts) {
  const std::string html = report_html(build_report(sample_input(15, true)));
  EXPECT_NE(html.find("<table class=\"sortable per-arch\">"), std::string::npos);
  EXPECT_EQ(count(html, "<script>"), 1U);
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_NE(html.find("<td data-v=\"1003.000000\">1003</td>"), std::string::npos);
  EXPECT_NE(html.find("1: "), std::string::npos);  // per-seed values
}

TEST(Report, DivergedRunsAreCountedWithTheTauBothWays) {
  ComparisonInput in = sample_input(40, false);
  in.diverged.policy = "chance";
  in.diverged.description = "a diverged run counts as chance accuracy (10% on cifar10)";
  in.diverged.candidate = 3;
  in.diverged.alternate_description = "without the architectures that diverged on either side";
  in.diverged.alternate_reference.assign(in.reference_values.begin() + 3, in.reference_values.end());
  in.diverged.alternate_candidate.assign(in.candidate_values.begin() + 3, in.candidate_values.end());
  const Report report = build_report(in);
  EXPECT_EQ(report.diverged_alternate.n, 37U);
  EXPECT_DOUBLE_EQ(report.diverged_alternate.tau_b,
                   kendall_tau_b(in.diverged.alternate_reference, in.diverged.alternate_candidate).tau_b);
  const auto doc = report_json(report);
  EXPECT_EQ(doc["diverged"]["policy"], "chance");
  EXPECT_EQ(doc["diverged"]["candidate"], 3);
  EXPECT_EQ(doc["diverged"]["alternate"]["n"], 37);
  const std::string md = report_markdown(report);
  EXPECT_NE(md.find("Policy **chance**"), std::string::npos);
  EXPECT_NE(md.find("0 on benchmark, 3 on principled"), std::string::npos) << md;
}

TEST(Report, TooFewMatchedArchitecturesIsAnInputError) {
  EXPECT_THROW(build_report(sample_input(1, false)), InputError);
}

}  // namespace
}  // namespace nasrank::analyze
