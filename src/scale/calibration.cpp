#include "nasrank/scale/calibration.h"

#include "nasrank/common/error.h"
#include "nasrank/common/json_reader.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

namespace nasrank::scale {
namespace {

nlohmann::json losses_json(const std::vector<double>& losses) {
  nlohmann::json out = nlohmann::json::array();
  for (double loss : losses) out.push_back(std::isfinite(loss) ? nlohmann::json(loss) : nlohmann::json(nullptr));
  return out;
}

GridEdge parse_edge(const std::string& text) {
  for (GridEdge edge : {GridEdge::None, GridEdge::Lower, GridEdge::Upper})
    if (grid_edge_name(edge) == text) return edge;
  throw InputError("grid edge '" + text + "': expected none, lower or upper");
}

}  // namespace

std::string calibration_rule_name(const Calibration& c) {
  return c.tolerance > 0.0 ? "within-tolerance" : "smallest-loss";
}

RateCurve calibration_curve(const Calibration& c, const LossChoice& choice) {
  RateCurve curve;
  for (const CalibrationPoint& p : c.curve) {
    curve.rates.push_back(p.rate);
    curve.losses.push_back(choice.kind == LossChoice::Kind::EpochMean ? p.epoch_mean : p.last_steps);
  }
  return curve;
}

nlohmann::json calibration_summary(const Calibration& c) {
  return {{"base_lr", c.base_lr},
          {"dataset", c.dataset},
          {"protocol", c.protocol},
          {"base_architecture", c.base_architecture},
          {"rule", calibration_rule_name(c)},
          {"tolerance", c.tolerance},
          {"loss", loss_choice_name(c.loss)},
          {"seeds", c.seeds},
          {"grid_edge", std::string(grid_edge_name(c.edge))}};
}

nlohmann::json to_json(const Calibration& c) {
  nlohmann::json curve = nlohmann::json::array();
  for (const CalibrationPoint& p : c.curve)
    curve.push_back({{"rate", p.rate},
                     {"epoch_mean", losses_json(p.epoch_mean)},
                     {"last_steps", losses_json(p.last_steps)},
                     {"diverged", p.diverged}});
  return {{"base_lr", c.base_lr},
          {"dataset", c.dataset},
          {"protocol", c.protocol},
          {"base_architecture", c.base_architecture},
          {"seeds", c.seeds},
          {"loss", loss_choice_name(c.loss)},
          {"last_steps_k", c.loss.steps},
          {"rule", calibration_rule_name(c)},
          {"tolerance", c.tolerance},
          {"curve", curve},
          {"interpolated_lr", c.interpolated_lr},
          {"grid_edge", std::string(grid_edge_name(c.edge))},
          {"tool_version", c.tool_version}};
}

Calibration calibration_from_json(const nlohmann::json& doc, const std::string& source) {
  JsonObjectReader reader(doc, "calibration '" + source + "'");
  auto fail = [&](const std::string& problem) -> void { throw InputError(reader.context() + ": " + problem); };
  // Per-seed losses of one grid point; null is a diverged run's loss.
  auto losses_at = [](JsonObjectReader& object, const std::string& key) {
    std::vector<double> out;
    const nlohmann::json* values = object.find(key);
    if (!values) return out;
    if (!values->is_array()) object.fail(key, *values, "must be a list of numbers or null");
    for (const auto& v : *values) {
      if (!v.is_null() && !v.is_number()) object.fail(key, *values, "must be a list of numbers or null");
      out.push_back(v.is_null() ? std::nan("") : v.get<double>());
    }
    return out;
  };
  Calibration c;
  const nlohmann::json& base = reader.required("base_lr");
  reader.read("base_lr", c.base_lr);
  if (!(c.base_lr > 0.0)) reader.fail("base_lr", base, "must be > 0");
  reader.read("dataset", c.dataset);
  reader.read("protocol", c.protocol);
  reader.read("base_architecture", c.base_architecture);
  reader.read("tolerance", c.tolerance);
  if (!(c.tolerance >= 0.0)) reader.fail("tolerance", c.tolerance, "must be >= 0");
  reader.read("tool_version", c.tool_version);
  reader.read("interpolated_lr", c.interpolated_lr);
  std::string edge = "none";
  reader.read("grid_edge", edge);
  std::string loss = "epoch-mean";
  reader.read("loss", loss);
  std::string rule;
  reader.read("rule", rule);
  try {
    c.edge = parse_edge(edge);
    c.loss = parse_loss_choice(loss);
  } catch (const InputError& e) {
    fail(e.what());
  }
  int steps = c.loss.steps;
  reader.read("last_steps_k", steps, 0, std::numeric_limits<int>::max());
  if (c.loss.kind == LossChoice::Kind::EpochMean) c.loss.steps = steps;
  if (const nlohmann::json* curve = reader.find("curve")) {
    if (const nlohmann::json* seeds = reader.find("seeds")) {
      if (!seeds->is_array()) reader.fail("seeds", *seeds, "must be a list of integers >= 0");
      for (const auto& seed : *seeds) {
        if (!seed.is_number_unsigned()) reader.fail("seeds", *seeds, "must be a list of integers >= 0");
        c.seeds.push_back(seed.get<std::uint64_t>());
      }
    }
    if (!curve->is_array()) reader.fail("curve", *curve, "must be a list of grid points");
    for (std::size_t k = 0; k < curve->size(); ++k) {
      JsonObjectReader point((*curve)[k], reader.context(), "curve[" + std::to_string(k) + "]");
      CalibrationPoint p;
      point.required("rate");
      point.read("rate", p.rate);
      point.required("epoch_mean");
      p.epoch_mean = losses_at(point, "epoch_mean");
      p.last_steps = losses_at(point, "last_steps");
      const nlohmann::json& diverged = point.required("diverged");
      if (!diverged.is_array()) point.fail("diverged", diverged, "must be a list of true or false");
      for (const auto& flag : diverged) {
        if (!flag.is_boolean()) point.fail("diverged", diverged, "must be a list of true or false");
        p.diverged.push_back(flag.get<bool>());
      }
      point.finish();
      if (p.epoch_mean.size() != p.diverged.size() ||
          (!p.last_steps.empty() && p.last_steps.size() != p.diverged.size()))
        fail("curve point at rate " + std::to_string(p.rate) + ": per-seed lists of different lengths");
      if (p.last_steps.empty()) p.last_steps.assign(p.diverged.size(), std::nan(""));
      c.curve.push_back(std::move(p));
    }
  } else {
    // Files written before the curve was kept: one seed; the loss was the epoch mean.
    std::vector<double> grid;
    reader.read("grid", grid);
    const std::vector<double> losses = losses_at(reader, "final_losses");
    if (grid.size() != losses.size()) fail("'grid' and 'final_losses' have different lengths");
    std::uint64_t seed = 0;
    if (reader.find("seed")) {
      reader.read("seed", seed);
      c.seeds = {seed};
    }
    for (std::size_t k = 0; k < grid.size(); ++k)
      c.curve.push_back({grid[k], {losses[k]}, {std::nan("")}, {!std::isfinite(losses[k])}});
  }
  reader.finish();
  if (!rule.empty() && rule != calibration_rule_name(c))
    fail("'rule' is \"" + rule + "\" but tolerance " + std::to_string(c.tolerance) + " means '" +
         calibration_rule_name(c) + "'");
  return c;
}

Calibration read_calibration(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw InputError("calibration '" + path.string() + "': cannot open the file");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError("calibration '" + path.string() + "': not valid JSON at byte " + std::to_string(e.byte));
  } catch (const nlohmann::json::out_of_range& e) {  // a number beyond the range of a double ("1e999")
    throw InputError("calibration '" + path.string() + "': not valid JSON: " + e.what());
  }
  return calibration_from_json(doc, path.string());
}

void write_calibration(const std::filesystem::path& path, const Calibration& calibration) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) throw InputError("calibration '" + path.string() + "': cannot write " + tmp.string());
    out << to_json(calibration).dump(2) << "\n";
    if (!out.flush()) {
      // The disk, not the input (a full disk, a quota): exit 1, no .tmp left.
      const std::string reason = std::strerror(errno);
      out.close();
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      throw IoError("calibration '" + path.string() + "': write failed (" + reason + "); the calibration is not saved");
    }
  }
  std::error_code error;
  std::filesystem::rename(tmp, path, error);
  if (error) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw IoError("calibration '" + path.string() + "': cannot rename " + tmp.string() + " (" + error.message() + ")");
  }
}

}  // namespace nasrank::scale
