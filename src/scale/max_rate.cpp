#include "nasrank/scale/max_rate.h"

#include "nasrank/common/enum_names.h"
#include "nasrank/common/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace nasrank::scale {

std::string loss_choice_name(const LossChoice& choice) {
  if (choice.kind == LossChoice::Kind::EpochMean) return "epoch-mean";
  return "last-steps:" + std::to_string(choice.steps);
}

LossChoice parse_loss_choice(std::string_view text) {
  const std::string given(text);
  if (text == "epoch-mean") return {};
  const std::string prefix = "last-steps:";
  if (given.rfind(prefix, 0) == 0) {
    const std::string digits = given.substr(prefix.size());
    const bool numeric = !digits.empty() && digits.size() <= 4 &&
                         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    const int steps = numeric ? std::stoi(digits) : 0;
    if (steps >= 1 && steps <= kRecordedTailSteps) return {LossChoice::Kind::LastSteps, steps};
    throw InputError("loss '" + given + "': K in last-steps:K must be an integer in 1.." +
                     std::to_string(kRecordedTailSteps));
  }
  throw InputError("loss '" + given + "': expected epoch-mean or last-steps:K");
}

double run_loss(const LossChoice& choice, double epoch_mean, const std::vector<double>& tail_losses) {
  if (choice.kind == LossChoice::Kind::EpochMean) return epoch_mean;
  if (tail_losses.empty())
    throw InputError("loss " + loss_choice_name(choice) +
                     ": the run kept no step losses of its final epoch (made by an older nasrank); use epoch-mean");
  const std::size_t n = std::min(tail_losses.size(), static_cast<std::size_t>(choice.steps));
  const double sum = std::accumulate(tail_losses.end() - static_cast<std::ptrdiff_t>(n), tail_losses.end(), 0.0);
  return sum / static_cast<double>(n);
}

std::string_view grid_edge_name(GridEdge edge) {
  static constexpr EnumNames<GridEdge, 3> kGridEdgeNames{
      {{{GridEdge::None, "none"}, {GridEdge::Lower, "lower"}, {GridEdge::Upper, "upper"}}}};
  return kGridEdgeNames.name(edge, "none");
}

namespace {

void validate(const RateCurve& curve, double tolerance) {
  if (curve.rates.empty()) throw InputError("learning-rate curve: the grid is empty");
  if (curve.losses.size() != curve.rates.size())
    throw InputError("learning-rate curve: " + std::to_string(curve.rates.size()) + " rates but " +
                     std::to_string(curve.losses.size()) + " loss rows");
  for (std::size_t k = 0; k < curve.rates.size(); ++k) {
    const double rate = curve.rates[k];
    if (!(rate > 0.0) || !std::isfinite(rate))
      throw InputError("learning-rate curve: rate " + std::to_string(rate) + " must be > 0 and finite");
    if (k > 0 && !(rate > curve.rates[k - 1]))
      throw InputError("learning-rate curve: rates must be ascending and distinct");
    if (curve.losses[k].empty() || curve.losses[k].size() != curve.losses.front().size())
      throw InputError("learning-rate curve: every rate needs the same number of seeds (at least one)");
  }
  if (!(tolerance >= 0.0) || !std::isfinite(tolerance))
    throw InputError("tolerance " + std::to_string(tolerance) + ": must be >= 0");
}

struct SeedStats {
  double mean = std::numeric_limits<double>::infinity();
  double variance = 0.0;  // sample variance; 0 with one seed
};

SeedStats seed_stats(const std::vector<double>& losses) {
  SeedStats s;
  for (double loss : losses)
    if (!std::isfinite(loss)) return s;
  const double n = static_cast<double>(losses.size());
  s.mean = std::accumulate(losses.begin(), losses.end(), 0.0) / n;
  if (losses.size() > 1) {
    double squares = 0.0;
    for (double loss : losses) squares += (loss - s.mean) * (loss - s.mean);
    s.variance = squares / (n - 1.0);
  }
  return s;
}

}  // namespace

MaxRateEstimate estimate_max_rate(const RateCurve& curve, double tolerance) {
  validate(curve, tolerance);
  MaxRateEstimate e;
  const std::size_t n = curve.rates.size();
  e.seeds = curve.losses.front().size();
  std::vector<SeedStats> stats;
  for (std::size_t k = 0; k < n; ++k) {
    stats.push_back(seed_stats(curve.losses[k]));
    e.mean_losses.push_back(stats.back().mean);
    e.diverged_seeds.push_back(static_cast<int>(
        std::count_if(curve.losses[k].begin(), curve.losses[k].end(), [](double v) { return !std::isfinite(v); })));
  }
  const double best = *std::min_element(e.mean_losses.begin(), e.mean_losses.end());
  if (!std::isfinite(best)) return e;
  e.found = true;
  const double threshold = best + tolerance * std::fabs(best);
  // Ascending rates: the last one at or under the threshold is the largest.
  for (std::size_t k = 0; k < n; ++k)
    if (e.mean_losses[k] <= threshold) e.index = k;
  e.rate = curve.rates[e.index];
  e.interpolated = e.rate;
  if (n > 1 && e.index == 0) e.edge = GridEdge::Lower;
  if (n > 1 && e.index + 1 == n) e.edge = GridEdge::Upper;

  if (tolerance == 0.0 && e.index > 0 && e.index + 1 < n && std::isfinite(e.mean_losses[e.index - 1]) &&
      std::isfinite(e.mean_losses[e.index + 1])) {
    const double x0 = std::log(curve.rates[e.index - 1]), x1 = std::log(curve.rates[e.index]),
                 x2 = std::log(curve.rates[e.index + 1]);
    const double f0 = e.mean_losses[e.index - 1], f1 = e.mean_losses[e.index], f2 = e.mean_losses[e.index + 1];
    // Vertex of the parabola through three points (Newton's divided differences).
    const double d01 = (f1 - f0) / (x1 - x0), d12 = (f2 - f1) / (x2 - x1);
    const double curvature = (d12 - d01) / (x2 - x0);
    if (curvature > 0.0) {
      const double vertex = 0.5 * (x0 + x1) - d01 / (2.0 * curvature);
      e.interpolated = std::exp(std::clamp(vertex, x0, x2));
      e.interpolation_used = true;
    }
  }

  const auto indistinguishable = [&](std::size_t k) {
    if (!std::isfinite(stats[k].mean)) return false;
    if (k == e.index) return true;
    const double s = static_cast<double>(e.seeds);
    const double margin = 2.0 * std::sqrt(stats[k].variance / s + stats[e.index].variance / s);
    return stats[k].mean - stats[e.index].mean <= margin;
  };
  std::size_t low = e.index, high = e.index;
  while (low > 0 && indistinguishable(low - 1)) --low;
  while (high + 1 < n && indistinguishable(high + 1)) ++high;
  e.lower = std::min(curve.rates[low], e.interpolated);
  e.upper = std::max(curve.rates[high], e.interpolated);
  return e;
}

}  // namespace nasrank::scale
