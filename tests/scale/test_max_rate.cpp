#include "nasrank/common/error.h"
#include "nasrank/scale/max_rate.h"

#include <gtest/gtest.h>

#include <cmath>

namespace nasrank::scale {
namespace {

const double kDiverged = std::nan("");

RateCurve one_seed(const std::vector<double>& rates, const std::vector<double>& losses) {
  RateCurve curve;
  curve.rates = rates;
  for (double loss : losses) curve.losses.push_back({loss});
  return curve;
}

// The shipped Fashion-MNIST calibration before the paper's rule: 0.46 has the
// smallest loss, 0.7 is within 2% of it. The 2% tolerance picked 0.7.
const std::vector<double> kGrid{0.02, 0.05, 0.1, 0.2, 0.3, 0.46, 0.7, 1.0, 1.5};
const std::vector<double> kShipped{2.2249886837, 2.1050847063, 1.9080103626, 1.6829511318, 1.5722095012,
                                   1.4877219471, 1.4957866764, 2.0371053638, 2.0123029003};

TEST(MaxRate, PaperRulePicksTheSmallestLossNotANearbyLargerRate) {
  const MaxRateEstimate e = estimate_max_rate(one_seed(kGrid, kShipped));
  ASSERT_TRUE(e.found);
  EXPECT_EQ(e.rate, 0.46);
  EXPECT_EQ(e.edge, GridEdge::None);
  // The tolerance is still there when asked for, and then picks the larger rate.
  EXPECT_EQ(estimate_max_rate(one_seed(kGrid, kShipped), 0.02).rate, 0.7);
}

TEST(MaxRate, AmongEqualLossesTheLargestRate) {
  const MaxRateEstimate e = estimate_max_rate(one_seed({0.1, 0.2, 0.4, 0.8}, {1.0, 0.5, 0.5, 0.9}));
  EXPECT_EQ(e.rate, 0.4);
  EXPECT_EQ(e.index, 2u);
}

TEST(MaxRate, RanksByTheMeanOverSeedsAndADivergedSeedDisqualifiesTheRate) {
  RateCurve curve;
  curve.rates = {0.1, 0.2, 0.4, 0.8};
  // Seed 1 alone would pick 0.2, seed 2 alone 0.4; the means pick 0.4.
  // 0.8 has the smallest loss for one seed but diverged for the other.
  curve.losses = {{1.0, 1.0}, {0.60, 0.80}, {0.65, 0.70}, {0.10, kDiverged}};
  const MaxRateEstimate e = estimate_max_rate(curve);
  EXPECT_EQ(e.rate, 0.4);
  EXPECT_TRUE(std::isinf(e.mean_losses[3]));
  EXPECT_EQ(e.diverged_seeds, (std::vector<int>{0, 0, 0, 1}));
  EXPECT_EQ(e.seeds, 2u);
}

TEST(MaxRate, DivergenceAtHighRatesIsNotAMinimum) {
  const MaxRateEstimate e =
      estimate_max_rate(one_seed({0.1, 0.2, 0.4, 0.8, 1.6}, {1.0, 0.8, 0.7, kDiverged, kDiverged}));
  EXPECT_EQ(e.rate, 0.4);
  // The rate above diverged: no parabola; the estimate stays on the grid.
  EXPECT_FALSE(e.interpolation_used);
  EXPECT_EQ(e.interpolated, 0.4);
  EXPECT_EQ(e.edge, GridEdge::None);
  EXPECT_FALSE(estimate_max_rate(one_seed({0.1, 0.2, 0.4}, {kDiverged, kDiverged, kDiverged})).found);
}

TEST(MaxRate, MinimumAtAGridEdgeIsFlagged) {
  EXPECT_EQ(estimate_max_rate(one_seed({0.1, 0.2, 0.4}, {0.5, 0.6, 0.9})).edge, GridEdge::Lower);
  EXPECT_EQ(estimate_max_rate(one_seed({0.1, 0.2, 0.4}, {0.9, 0.6, 0.5})).edge, GridEdge::Upper);
  EXPECT_EQ(estimate_max_rate(one_seed({0.1, 0.2, 0.4}, {0.9, 0.5, 0.6})).edge, GridEdge::None);
}

TEST(MaxRate, LogParabolaRecoversAKnownMinimumBetweenGridPoints) {
  // loss = (log r - log 0.3)^2 + 0.5 is a parabola in log r: its vertex is
  // found exactly from the three grid points around it.
  std::vector<double> rates{0.05, 0.1, 0.2, 0.4, 0.8}, losses;
  for (double r : rates) losses.push_back(std::pow(std::log(r) - std::log(0.3), 2) + 0.5);
  const MaxRateEstimate e = estimate_max_rate(one_seed(rates, losses));
  EXPECT_EQ(e.rate, 0.4);  // log 0.3 is closer to log 0.4 than to log 0.2
  EXPECT_TRUE(e.interpolation_used);
  EXPECT_NEAR(e.interpolated, 0.3, 1e-12);
}

TEST(MaxRate, SeedIntervalCoversRatesTheSeedsCannotTellApart) {
  RateCurve curve;
  curve.rates = {0.1, 0.2, 0.4, 0.8, 1.6};
  // 0.2 and 0.8 differ from the best (0.4) by less than the seeds' spread;
  // 0.1 and 1.6 by far more.
  curve.losses = {{2.0, 2.1}, {0.62, 0.50}, {0.50, 0.60}, {0.52, 0.66}, {3.0, 3.1}};
  const MaxRateEstimate e = estimate_max_rate(curve);
  EXPECT_EQ(e.rate, 0.4);
  EXPECT_EQ(e.lower, 0.2);
  EXPECT_EQ(e.upper, 0.8);
  // One seed: no spread, so the interval is the estimate itself.
  const MaxRateEstimate single = estimate_max_rate(one_seed({0.1, 0.2, 0.4}, {0.9, 0.5, 0.6}));
  EXPECT_DOUBLE_EQ(single.lower, std::min(0.2, single.interpolated));
  EXPECT_DOUBLE_EQ(single.upper, std::max(0.2, single.interpolated));
}

TEST(MaxRate, BadCurvesAreInputErrors) {
  EXPECT_THROW(estimate_max_rate(RateCurve{}), InputError);
  EXPECT_THROW(estimate_max_rate(one_seed({0.2, 0.1}, {1, 1})), InputError);
  EXPECT_THROW(estimate_max_rate(one_seed({0.0, 0.1}, {1, 1})), InputError);
  EXPECT_THROW(estimate_max_rate(one_seed({0.1, 0.2}, {1, 1}), -0.1), InputError);
  RateCurve ragged;
  ragged.rates = {0.1, 0.2};
  ragged.losses = {{1.0}, {1.0, 2.0}};
  EXPECT_THROW(estimate_max_rate(ragged), InputError);
}

TEST(LossChoice, EpochMeanOrTheMeanOfTheLastSteps) {
  EXPECT_EQ(run_loss(parse_loss_choice("epoch-mean"), 1.5, {9.0}), 1.5);
  EXPECT_DOUBLE_EQ(run_loss(parse_loss_choice("last-steps:2"), 1.5, {3.0, 1.0, 2.0}), 1.5);
  // Fewer recorded steps than asked: all of them.
  EXPECT_DOUBLE_EQ(run_loss(parse_loss_choice("last-steps:10"), 1.5, {3.0, 1.0}), 2.0);
  EXPECT_THROW(run_loss(parse_loss_choice("last-steps:2"), 1.5, {}), InputError);
  EXPECT_EQ(loss_choice_name(parse_loss_choice("last-steps:20")), "last-steps:20");
  for (const char* bad : {"last", "last-steps:0", "last-steps:999", "last-steps:x", "mean"})
    EXPECT_THROW(parse_loss_choice(bad), InputError) << bad;
}

}  // namespace
}  // namespace nasrank::scale
