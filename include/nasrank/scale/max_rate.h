#pragma once
// The paper's maximal learning rate of one architecture, read off a grid of
// short trainings (paper section 4, step 1: "the largest learning rate that
// reaches the smallest training loss after one epoch"). `nasrank calibrate`
// applies it to the base architecture, `nasrank lr-search` to every
// architecture of a selection; both go through estimate_max_rate with the
// same loss definition. Rules and their reasons: docs/method.md.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nasrank::scale {

// Which training loss of a run ranks the rates.
struct LossChoice {
  enum class Kind {
    // The mean loss over every step of the final epoch (what the reference
    // code and the benchmark record as the epoch's training loss).
    EpochMean,
    // The mean loss over the last `steps` steps of the final epoch (fewer
    // when the epoch is shorter): the loss reached at the end of training.
    LastSteps,
  };
  Kind kind = Kind::EpochMean;
  int steps = 50;  // LastSteps only; 1..kRecordedTailSteps
};
// Step losses a training run keeps of its final epoch (the tail).
inline constexpr int kRecordedTailSteps = 256;

std::string loss_choice_name(const LossChoice& choice);  // "epoch-mean" | "last-steps:50"
// "epoch-mean" or "last-steps:K"; InputError naming the text otherwise.
LossChoice parse_loss_choice(std::string_view text);

// The loss of one finished run under `choice`. `tail_losses` are the step
// losses of the final epoch's last steps, oldest first. LastSteps with no
// recorded steps is an InputError (a run stored before they were kept).
double run_loss(const LossChoice& choice, double epoch_mean, const std::vector<double>& tail_losses);

// Final losses of one architecture over a grid of rates and a set of seeds.
struct RateCurve {
  std::vector<double> rates;                // ascending, distinct, > 0
  std::vector<std::vector<double>> losses;  // [rate][seed]; NaN: that run diverged
};

enum class GridEdge {
  None,
  Lower,  // the smallest rate of the grid is chosen: the maximal rate may lie below the grid
  Upper,  // the largest rate of the grid is chosen: no larger rate was tried
};
std::string_view grid_edge_name(GridEdge edge);  // "none" | "lower" | "upper"

struct MaxRateEstimate {
  bool found = false;     // false when every rate diverged
  std::size_t index = 0;  // grid index of the chosen rate
  double rate = 0.0;      // the chosen grid rate
  // Vertex of the parabola through (log rate, mean loss) at the chosen rate
  // and its two neighbours, so the estimate is not quantized to grid steps;
  // equals `rate` when there is no such parabola (edge, diverged neighbour,
  // no curvature, or a tolerance rule).
  double interpolated = 0.0;
  bool interpolation_used = false;
  // The contiguous range of grid rates around the chosen one whose mean loss
  // is not distinguishable from the smallest by the seeds: mean - best <=
  // 2 * sqrt(s_r^2 / n + s_best^2 / n) (sample variances over the n seeds).
  // With one seed it is the chosen rate alone.
  double lower = 0.0;
  double upper = 0.0;
  GridEdge edge = GridEdge::None;
  // Per grid rate: the mean over seeds, +inf where any seed diverged (a rate
  // that diverges for some seed does not reach the smallest loss).
  std::vector<double> mean_losses;
  std::vector<int> diverged_seeds;  // per grid rate
  std::size_t seeds = 0;
};

// The paper's rule with tolerance 0: the rate with the smallest mean loss,
// among exactly equal losses the largest. tolerance > 0: the largest rate
// whose mean loss is at most best + tolerance * |best|. InputError for an
// empty grid, rates not ascending and positive, rows of different seed
// counts, or a negative tolerance.
MaxRateEstimate estimate_max_rate(const RateCurve& curve, double tolerance = 0.0);

}  // namespace nasrank::scale
