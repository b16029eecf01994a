#include "nasrank/analyze/lr_law.h"

#include "nasrank/common/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace nasrank::analyze {
namespace {

double mean_of(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// Least-squares slope of y on x; NaN when x is constant.
double ols_slope(const std::vector<double>& x, const std::vector<double>& y) {
  const double mx = mean_of(x), my = mean_of(y);
  double sxy = 0.0, sxx = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  return sxx > 0.0 ? sxy / sxx : std::numeric_limits<double>::quiet_NaN();
}

double quantile(std::vector<double> values, double q) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }), values.end());
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const double position = q * static_cast<double>(values.size() - 1);
  const auto low = static_cast<std::size_t>(std::floor(position));
  const std::size_t high = std::min(low + 1, values.size() - 1);
  return values[low] + (position - static_cast<double>(low)) * (values[high] - values[low]);
}

Interval percentile_interval(const std::vector<double>& replicates, double level) {
  return {quantile(replicates, (1.0 - level) / 2.0), quantile(replicates, 1.0 - (1.0 - level) / 2.0)};
}

}  // namespace

LawFit fit_law(const std::string& predictor, const std::vector<double>& empirical, const std::vector<double>& predicted,
               const BootstrapOptions& bootstrap) {
  if (empirical.size() != predicted.size())
    throw InputError("law fit '" + predictor + "': " + std::to_string(empirical.size()) + " empirical rates but " +
                     std::to_string(predicted.size()) + " predicted");
  if (empirical.size() < 3)
    throw InputError("law fit '" + predictor + "': " + std::to_string(empirical.size()) +
                     " architectures; need at least 3 for a slope with an interval");
  if (bootstrap.resamples < 1 || !(bootstrap.level > 0.0 && bootstrap.level < 1.0))
    throw InputError("law fit '" + predictor + "': bootstrap needs >= 1 resample and a level in (0, 1)");
  std::vector<double> x, y;
  for (std::size_t i = 0; i < empirical.size(); ++i) {
    for (double v : {empirical[i], predicted[i]})
      if (!(v > 0.0) || !std::isfinite(v))
        throw InputError("law fit '" + predictor + "': architecture " + std::to_string(i) + " has rate " +
                         std::to_string(v) + " (must be > 0 and finite)");
    y.push_back(std::log(empirical[i]));
    x.push_back(std::log(predicted[i]));
  }
  LawFit fit;
  fit.predictor = predictor;
  fit.n = x.size();
  const bool constant = std::all_of(x.begin(), x.end(), [&](double v) { return v == x.front(); });
  const double nan = std::numeric_limits<double>::quiet_NaN();
  fit.pearson = constant ? nan : pearson_r(x, y);
  fit.spearman = constant ? nan : spearman_rho(x, y);
  fit.slope = ols_slope(x, y);
  fit.intercept = std::isfinite(fit.slope) ? mean_of(y) - fit.slope * mean_of(x) : nan;

  std::vector<double> shifted(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) shifted[i] = y[i] - x[i];
  const double log_base = mean_of(shifted);
  fit.base_rate_slope_one = std::exp(log_base);
  const double my = mean_of(y);
  double ss_res = 0.0, ss_tot = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    fit.residuals_slope_one.push_back(shifted[i] - log_base);
    ss_res += fit.residuals_slope_one.back() * fit.residuals_slope_one.back();
    ss_tot += (y[i] - my) * (y[i] - my);
  }
  fit.explained_slope_one = ss_tot > 0.0 ? 1.0 - ss_res / ss_tot : nan;

  std::vector<double> pearsons, spearmans, slopes;
  std::vector<double> bx(x.size()), by(y.size());
  for (std::size_t b = 0; b < bootstrap.resamples && !constant; ++b) {
    const std::vector<std::size_t> pick = bootstrap_indices(bootstrap.seed, b, x.size());
    for (std::size_t i = 0; i < pick.size(); ++i) {
      bx[i] = x[pick[i]];
      by[i] = y[pick[i]];
    }
    const bool flat_x = std::all_of(bx.begin(), bx.end(), [&](double v) { return v == bx.front(); });
    const bool flat_y = std::all_of(by.begin(), by.end(), [&](double v) { return v == by.front(); });
    // A resample with one distinct architecture has no slope; it is skipped (NaN).
    slopes.push_back(flat_x ? nan : ols_slope(bx, by));
    pearsons.push_back(flat_x || flat_y ? nan : pearson_r(bx, by));
    spearmans.push_back(flat_x || flat_y ? nan : spearman_rho(bx, by));
  }
  fit.pearson_interval = percentile_interval(pearsons, bootstrap.level);
  fit.spearman_interval = percentile_interval(spearmans, bootstrap.level);
  fit.slope_interval = percentile_interval(slopes, bootstrap.level);
  return fit;
}

std::vector<ResidualGroup> group_residuals(const std::vector<double>& residuals, const std::vector<int>& groups) {
  if (residuals.size() != groups.size())
    throw InputError("residual groups: " + std::to_string(residuals.size()) + " residuals but " +
                     std::to_string(groups.size()) + " group values");
  std::map<int, std::vector<double>> by_group;
  for (std::size_t i = 0; i < residuals.size(); ++i) by_group[groups[i]].push_back(residuals[i]);
  std::vector<ResidualGroup> out;
  for (const auto& [value, members] : by_group)
    out.push_back({value, members.size(), mean_of(members), *std::min_element(members.begin(), members.end()),
                   *std::max_element(members.begin(), members.end())});
  return out;
}

}  // namespace nasrank::analyze
