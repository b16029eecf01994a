#include "nasrank/train/rate_search.h"

#include "nasrank/common/error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

namespace nasrank::train {

std::string rate_text(double rate) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", rate);
  return buffer;
}

Protocol rate_point_protocol(const Protocol& base, double rate, int epochs, const std::string& search_id) {
  if (!(rate > 0.0) || !std::isfinite(rate))
    throw InputError("learning rate " + rate_text(rate) + ": must be > 0 and finite");
  if (epochs < 1) throw InputError("search budget " + std::to_string(epochs) + " epochs: must be at least 1");
  Protocol p = base;
  p.name = search_id + "@lr=" + rate_text(rate);
  p.description = "learning-rate search '" + search_id + "' point lr=" + rate_text(rate) + " of protocol '" +
                  base.name + "': " + std::to_string(epochs) + " epoch(s) at a constant rate";
  p.epochs = epochs;
  // The convention and in-degree choice stay: principled init reads them.
  p.learning_rate.kind = LearningRateRule::Kind::Fixed;
  p.learning_rate.fixed = rate;
  p.learning_rate.base_lr.reset();
  p.learning_rate.calibration.clear();
  p.schedule = ScheduleConfig{ScheduleConfig::Kind::Constant, 0};
  return p;
}

std::vector<double> validate_rate_grid(std::vector<double> grid, std::size_t minimum, const std::string& what) {
  for (double rate : grid)
    if (!(rate > 0.0) || !std::isfinite(rate))
      throw InputError(what + ": rate " + rate_text(rate) +
                       " is not > 0 (every learning rate must be positive and finite)");
  std::sort(grid.begin(), grid.end());
  grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
  if (grid.size() < minimum)
    throw InputError(what + ": " + std::to_string(grid.size()) + " distinct rate(s); need at least " +
                     std::to_string(minimum) + " to locate a minimum");
  std::set<std::string> texts;
  for (double rate : grid)
    if (!texts.insert(rate_text(rate)).second)
      throw InputError(what + ": two rates print as " + rate_text(rate) +
                       " (six significant digits); space them further");
  return grid;
}

namespace {
double parse_rate(const std::string& text, const std::string& grid) {
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  throw InputError("--grid '" + grid + "': '" + text + "' is not a number");
}
}  // namespace

std::vector<double> parse_rate_grid(const std::string& text) {
  const bool geometric = text.rfind("geom:", 0) == 0;
  std::vector<std::string> parts;
  std::stringstream in(geometric ? text.substr(5) : text);
  for (std::string part; std::getline(in, part, geometric ? ':' : ',');) parts.push_back(part);
  std::vector<double> grid;
  if (geometric) {
    if (parts.size() != 3) throw InputError("--grid '" + text + "': expected geom:LOW:HIGH:COUNT");
    const double low = parse_rate(parts[0], text);
    const double high = parse_rate(parts[1], text);
    const double count = parse_rate(parts[2], text);
    if (!(low > 0) || !(high > low) || count < 2 || count != std::floor(count) || count > 1000)
      throw InputError("--grid '" + text + "': need 0 < LOW < HIGH and an integer COUNT in 2..1000");
    for (int k = 0; k < static_cast<int>(count); ++k) grid.push_back(low * std::pow(high / low, k / (count - 1)));
    return grid;
  }
  for (const std::string& part : parts) grid.push_back(parse_rate(part, text));
  return grid;
}

std::string uncalibrated_base_note(const Protocol& protocol, const std::string& dataset_key) {
  const LearningRateRule& rule = protocol.learning_rate;
  if (rule.kind != LearningRateRule::Kind::Scaler || !rule.base_lr) return "";
  const bool cifar10 = dataset_key.rfind("cifar10", 0) == 0 && dataset_key.rfind("cifar100", 0) != 0;
  if (*rule.base_lr == scale::kDefaultNb201BaseLr)
    return "base 0.46 from CIFAR-10 (reference)" + (cifar10 ? std::string() : ", not calibrated on " + dataset_key);
  return "base " + rate_text(*rule.base_lr) + " set by protocol '" + protocol.name + "', not calibrated on " +
         dataset_key;
}

double run_loss(const TrainResult& result, const scale::LossChoice& choice) {
  if (result.status != RunStatus::Ok || result.history.empty()) return std::nan("");
  const double loss = scale::run_loss(choice, result.history.back().train_loss, result.final_step_losses);
  return std::isfinite(loss) ? loss : std::nan("");
}

}  // namespace nasrank::train
