#pragma once
// One point of a learning-rate search, shared by `nasrank calibrate` (one
// architecture) and `nasrank lr-search` (many): the protocol that point
// trains and the loss that ranks it. Plain C++; no LibTorch.
#include "nasrank/scale/max_rate.h"
#include "nasrank/train/protocol.h"
#include "nasrank/train/result.h"

#include <string>
#include <vector>

namespace nasrank::train {

// `base` at the constant rate `rate` for `epochs` epochs (the paper's search:
// one epoch at a constant rate), everything else unchanged. Named
// "<search_id>@lr=<rate_text(rate)>", so that every point of a search is its
// own protocol in a results store and a search never mixes with the runs of
// another. InputError for a rate that is not > 0 or epochs < 1.
Protocol rate_point_protocol(const Protocol& base, double rate, int epochs, const std::string& search_id);

// "0.046" for 0.046: six significant digits, enough to tell the points of a
// grid apart (validate_rate_grid checks that they are).
std::string rate_text(double rate);

// Ascending and distinct after sorting, every rate > 0 and finite, at least
// `minimum` of them, and no two with the same rate_text. InputError naming
// `what` and the bad rate otherwise. Returns the sorted grid.
std::vector<double> validate_rate_grid(std::vector<double> grid, std::size_t minimum, const std::string& what);

// "a,b,c" or "geom:LOW:HIGH:COUNT" (COUNT rates evenly spaced in log scale).
std::vector<double> parse_rate_grid(const std::string& text);

// What a scaler rule's base rate was NOT calibrated for, said wherever it is
// used: a protocol that sets base_lr itself (no calibration file) on
// `dataset_key`. The reference's 0.46 is "base 0.46 from CIFAR-10
// (reference)" plus ", not calibrated on DATASET" off CIFAR-10; another
// protocol base is "base X set by protocol 'P', not calibrated on DATASET".
// Empty for fixed rates and calibration files.
std::string uncalibrated_base_note(const Protocol& protocol, const std::string& dataset_key);

// The loss of a run under `choice`: NaN unless it finished (status ok).
double run_loss(const TrainResult& result, const scale::LossChoice& choice);

}  // namespace nasrank::train
