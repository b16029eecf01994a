#include "nasrank/analyze/lr_law.h"
#include "nasrank/analyze/lr_search_report.h"
#include "nasrank/common/error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace nasrank::analyze {
namespace {

std::vector<double> factors(std::size_t n) {
  std::vector<double> f;
  for (std::size_t i = 0; i < n; ++i) f.push_back(std::pow(0.1, static_cast<double>(i) / static_cast<double>(n - 1)));
  return f;
}

TEST(LawFit, ExactLawHasSlopeOneAndItsBaseRate) {
  const std::vector<double> predicted = factors(12);
  std::vector<double> empirical;
  for (double f : predicted) empirical.push_back(0.5 * f);
  const LawFit fit = fit_law("dag-reference", empirical, predicted);
  EXPECT_NEAR(fit.slope, 1.0, 1e-12);
  EXPECT_NEAR(std::exp(fit.intercept), 0.5, 1e-12);
  EXPECT_NEAR(fit.base_rate_slope_one, 0.5, 1e-12);
  EXPECT_NEAR(fit.explained_slope_one, 1.0, 1e-12);
  EXPECT_NEAR(fit.pearson, 1.0, 1e-12);
  EXPECT_NEAR(fit.slope_interval.lower, 1.0, 1e-9);
  EXPECT_NEAR(fit.slope_interval.upper, 1.0, 1e-9);
}

TEST(LawFit, RecoversAKnownSlopeWithAnIntervalThatCoversIt) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 0.05);
  const std::vector<double> predicted = factors(40);
  std::vector<double> empirical;
  for (double f : predicted) empirical.push_back(0.3 * std::pow(f, 0.7) * std::exp(noise(rng)));
  BootstrapOptions bootstrap;
  bootstrap.resamples = 2000;
  bootstrap.seed = 3;
  const LawFit fit = fit_law("dag-reference", empirical, predicted, bootstrap);
  EXPECT_NEAR(fit.slope, 0.7, 0.05);
  EXPECT_LT(fit.slope_interval.lower, 0.7);
  EXPECT_GT(fit.slope_interval.upper, 0.7);
  EXPECT_LT(fit.slope_interval.upper, 1.0);  // the law's slope is excluded
  EXPECT_NEAR(std::exp(fit.intercept), 0.3, 0.05);
  // With slope forced to 1 the fit is worse than the free one.
  EXPECT_LT(fit.explained_slope_one, fit.pearson * fit.pearson);
  EXPECT_LE(fit.pearson_interval.lower, fit.pearson);
  EXPECT_GE(fit.pearson_interval.upper, fit.pearson);
  // Same seed, same interval.
  EXPECT_EQ(fit_law("x", empirical, predicted, bootstrap).slope_interval.lower, fit.slope_interval.lower);
}

TEST(LawFit, AConstantRuleExplainsNothing) {
  const std::vector<double> empirical{0.1, 0.2, 0.4, 0.3};
  const LawFit fit = fit_law("constant rate", empirical, {1, 1, 1, 1});
  EXPECT_TRUE(std::isnan(fit.slope));
  EXPECT_TRUE(std::isnan(fit.pearson));
  EXPECT_NEAR(fit.explained_slope_one, 0.0, 1e-12);
}

TEST(LawFit, BadInputIsAnInputError) {
  EXPECT_THROW(fit_law("x", {0.1, 0.2}, {1, 2}), InputError);
  EXPECT_THROW(fit_law("x", {0.1, 0.2, 0.3}, {1, 2}), InputError);
  EXPECT_THROW(fit_law("x", {0.1, -0.2, 0.3}, {1, 2, 3}), InputError);
  EXPECT_THROW(fit_law("x", {0.1, 0.2, 0.3}, {1, 2, std::nan("")}), InputError);
}

TEST(LawFit, ResidualsGroupByValue) {
  const auto groups = group_residuals({0.1, -0.1, 0.3, 0.5}, {1, 1, 2, 2});
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].value, 1);
  EXPECT_EQ(groups[0].n, 2u);
  EXPECT_NEAR(groups[0].mean, 0.0, 1e-12);
  EXPECT_NEAR(groups[1].mean, 0.4, 1e-12);
  EXPECT_EQ(groups[1].max, 0.5);
}

// Synthetic searches: every architecture's loss is a parabola in log rate
// with its minimum at `true_rate`, diverging 4x above it.
SearchedArchitecture synthetic(const std::string& key, double factor, double true_rate, const std::vector<double>& grid,
                               int paths, int depth) {
  SearchedArchitecture a;
  a.key = key;
  a.paths = paths;
  a.longest_depth = depth;
  a.seeds = {1, 2};
  a.curve.rates = grid;
  for (double rate : grid) {
    const double d = std::log(rate) - std::log(true_rate);
    if (rate > 4 * true_rate)
      a.curve.losses.push_back({std::nan(""), std::nan("")});
    else
      a.curve.losses.push_back({0.5 + d * d, 0.5 + d * d + 0.001});
  }
  a.predicted = {{"dag-reference", factor}, {"constant rate", 1.0}};
  return a;
}

TEST(LrSearchReport, LawThatHoldsIsFoundAndEdgeMinimaAreLeftOut) {
  std::vector<double> grid;
  for (int k = 0; k < 14; ++k) grid.push_back(0.01 * std::pow(2.0, k * 0.5));
  LrSearchInput in;
  in.search_id = "synthetic";
  in.dataset = "synthetic";
  in.protocol = "tiny";
  in.predictors = {"dag-reference", "constant rate"};
  const std::vector<double> fs{1.0, 0.7, 0.5, 0.35, 0.25, 0.18};
  for (std::size_t i = 0; i < fs.size(); ++i)
    in.architectures.push_back(synthetic("dag:" + std::to_string(i), fs[i], 0.4 * fs[i], grid,
                                         static_cast<int>(i % 3 + 1), static_cast<int>(i / 2 + 1)));
  // Its minimum lies below the grid: flagged and left out, not fitted.
  in.architectures.push_back(synthetic("dag:edge", 0.01, 0.008, grid, 4, 4));
  BootstrapOptions bootstrap;
  bootstrap.resamples = 500;
  const LrSearchReport r = analyze_lr_search(in, bootstrap);
  ASSERT_EQ(r.estimates.size(), 7u);
  EXPECT_FALSE(r.estimates.back().used_in_fit);
  EXPECT_EQ(r.estimates.back().estimate.edge, scale::GridEdge::Lower);
  EXPECT_EQ(r.estimates.back().excluded_because, "minimum at the lowest rate of the grid");
  ASSERT_EQ(r.fits.size(), 2u);
  EXPECT_EQ(r.fits[0].n, 6u);
  EXPECT_NEAR(r.fits[0].slope, 1.0, 1e-6);
  EXPECT_NEAR(r.fits[0].base_rate_slope_one, 0.4, 1e-6);
  for (const auto& e : r.estimates)
    if (e.used_in_fit) {
      EXPECT_NEAR(e.estimate.interpolated, 0.4 * e.architecture.predicted.at("dag-reference"), 1e-9);
    }
  EXPECT_NE(r.verdict.find("agree with the law"), std::string::npos) << r.verdict;
  EXPECT_NE(r.verdict.find("1 of 7 architectures were left out"), std::string::npos) << r.verdict;
  EXPECT_FALSE(r.residuals_by_paths.empty());
  const std::string html = lr_search_html(r);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("class=\"identity\""), std::string::npos);
  EXPECT_NE(html.find("class=\"fit\""), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  const std::string md = lr_search_markdown(r);
  EXPECT_NE(md.find("| dag-reference | 6 | 100% | 1.00"), std::string::npos) << md;
  const auto json = to_json(r);
  EXPECT_EQ(json["fits"][0]["predictor"], "dag-reference");
  EXPECT_EQ(json["architectures"].size(), 7u);
  EXPECT_EQ(json["rule"], "smallest-loss");
}

TEST(LrSearchReport, RatesUnrelatedToThePredictionAreSaidToBreakTheLaw) {
  std::vector<double> grid;
  for (int k = 0; k < 12; ++k) grid.push_back(0.01 * std::pow(2.0, k * 0.5));
  LrSearchInput in;
  in.search_id = "flat";
  in.predictors = {"dag-reference"};
  // Every architecture has the same maximal rate whatever its prediction.
  for (int i = 0; i < 8; ++i)
    in.architectures.push_back(
        synthetic("dag:" + std::to_string(i), std::pow(0.7, i), 0.1 * (1.0 + 0.05 * (i % 2)), grid, 1, 1));
  const LrSearchReport r = analyze_lr_search(in, BootstrapOptions{});
  EXPECT_NE(r.verdict.find("the law does not hold here"), std::string::npos) << r.verdict;
  EXPECT_LT(r.fits[0].explained_slope_one, 0.0);
}

TEST(LrSearchReport, TooFewUsableArchitecturesAreReportedNotFitted) {
  LrSearchInput in;
  in.search_id = "few";
  in.predictors = {"dag-reference"};
  in.architectures.push_back(synthetic("dag:1", 1.0, 0.1, {0.05, 0.1, 0.2}, 1, 1));
  in.architectures.push_back(synthetic("dag:2", 0.5, 0.01, {0.05, 0.1, 0.2}, 1, 2));  // below the grid
  const LrSearchReport r = analyze_lr_search(in, BootstrapOptions{});
  EXPECT_TRUE(r.fits.empty());
  ASSERT_EQ(r.skipped_predictors.size(), 1u);
  EXPECT_NE(r.verdict.find("cannot be tested"), std::string::npos) << r.verdict;
  EXPECT_NE(r.verdict.find("only 1 of 2"), std::string::npos) << r.verdict;
  EXPECT_NE(lr_search_html(r).find("<svg"), std::string::npos);                      // the curves are still shown
  EXPECT_THROW(analyze_lr_search(LrSearchInput{}, BootstrapOptions{}), InputError);  // nothing to test
}

}  // namespace
}  // namespace nasrank::analyze
