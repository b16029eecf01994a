#pragma once
// Does the paper's law hold? The maximal learning rate of an architecture
// scales as (sum over input-output paths of L_p^3)^(-1/2): on log axes the
// empirical maximal rates of many architectures lie on a line of slope 1
// against the predicted ones, and the intercept is the base rate. This fits
// that line, with bootstrap intervals over architectures, for any predictor
// (the paper's conventions and simpler null rules alike). Plain C++.
#include "nasrank/analyze/stats.h"

#include <cstddef>
#include <string>
#include <vector>

namespace nasrank::analyze {

struct LawFit {
  std::string predictor;  // e.g. "dag-reference", "longest path only"
  std::size_t n = 0;
  // Correlations of log(empirical) with log(predicted), percentile bootstrap
  // intervals over architectures (resampled with replacement).
  double pearson = 0.0;
  Interval pearson_interval;
  double spearman = 0.0;
  Interval spearman_interval;
  // Least squares log(empirical) = intercept + slope * log(predicted). The
  // law predicts slope 1; exp(intercept) is the fitted rate of an
  // architecture whose predicted factor is 1 (the base architecture).
  double slope = 0.0;
  Interval slope_interval;
  double intercept = 0.0;
  // The law itself (slope fixed at 1, only the base rate fitted): the share
  // of the variance of log(empirical) it explains, 1 - SS_res / SS_tot.
  // Negative when the law does worse than one constant rate for all.
  double explained_slope_one = 0.0;
  double base_rate_slope_one = 0.0;         // exp(mean(log emp - log pred))
  std::vector<double> residuals_slope_one;  // log(empirical) - log(base * predicted), per architecture
};

// Predicted values are the scaler's factors (any positive scale: the fitted
// intercept absorbs it). InputError for fewer than 3 points, vectors of
// different lengths, or a value that is not > 0 and finite. A constant
// predictor has no slope: slope and correlations are NaN.
LawFit fit_law(const std::string& predictor, const std::vector<double>& empirical, const std::vector<double>& predicted,
               const BootstrapOptions& bootstrap = {});

// Residuals grouped by an integer property (number of paths, longest depth).
struct ResidualGroup {
  int value = 0;
  std::size_t n = 0;
  double mean = 0.0;
  double min = 0.0;
  double max = 0.0;
};
std::vector<ResidualGroup> group_residuals(const std::vector<double>& residuals, const std::vector<int>& groups);

}  // namespace nasrank::analyze
