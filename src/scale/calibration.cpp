#include "nasrank/scale/calibration.h"

#include "nasrank/common/error.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>

namespace nasrank::scale {
namespace {

nlohmann::json losses_json(const std::vector<double>& losses) {
  nlohmann::json out = nlohmann::json::array();
  for (double loss : losses) out.push_back(std::isfinite(loss) ? nlohmann::json(loss) : nlohmann::json(nullptr));
  return out;
}

std::vector<double> losses_from(const nlohmann::json& values) {
  std::vector<double> out;
  for (const auto& v : values) out.push_back(v.is_null() ? std::nan("") : v.get<double>());
  return out;
}

GridEdge parse_edge(const std::string& text) {
  for (GridEdge edge : {GridEdge::None, GridEdge::Lower, GridEdge::Upper})
    if (grid_edge_name(edge) == text) return edge;
  throw InputError("grid edge '" + text + "': expected none, lower or upper");
}

}  // namespace

std::string calibration_rule_name(const Calibration& c) { return c.tolerance > 0.0 ? "within-tolerance" : "smallest-loss"; }

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
  auto fail = [&](const std::string& problem) -> void { throw InputError("calibration '" + source + "': " + problem); };
  if (!doc.is_object()) fail("expected a JSON object");
  static const std::set<std::string> known{"base_lr",  "dataset",   "protocol", "base_architecture", "seeds",
                                           "loss",     "rule",      "tolerance", "curve",            "interpolated_lr",
                                           "grid_edge", "tool_version", "last_steps_k",
                                           // files written before the curve was kept
                                           "grid", "final_losses", "seed"};
  for (const auto& item : doc.items())
    if (!known.count(item.key())) fail("unknown key '" + item.key() + "'");
  if (!doc.contains("base_lr") || !doc["base_lr"].is_number()) fail("missing numeric key 'base_lr'");
  Calibration c;
  c.base_lr = doc["base_lr"].get<double>();
  if (!std::isfinite(c.base_lr) || c.base_lr <= 0.0) fail("'base_lr' is " + doc["base_lr"].dump() + " (expected > 0)");
  try {
    c.dataset = doc.value("dataset", "");
    c.protocol = doc.value("protocol", "");
    c.base_architecture = doc.value("base_architecture", "");
    c.tolerance = doc.value("tolerance", 0.0);
    c.tool_version = doc.value("tool_version", "");
    c.interpolated_lr = doc.value("interpolated_lr", 0.0);
    c.edge = parse_edge(doc.value("grid_edge", "none"));
    c.loss = parse_loss_choice(doc.value("loss", "epoch-mean"));
    if (c.loss.kind == LossChoice::Kind::EpochMean) c.loss.steps = doc.value("last_steps_k", c.loss.steps);
    if (doc.contains("curve")) {
      c.seeds = doc.value("seeds", std::vector<std::uint64_t>{});
      for (const auto& point : doc["curve"]) {
        CalibrationPoint p;
        p.rate = point.at("rate").get<double>();
        p.epoch_mean = losses_from(point.at("epoch_mean"));
        p.last_steps = losses_from(point.value("last_steps", nlohmann::json::array()));
        p.diverged = point.at("diverged").get<std::vector<bool>>();
        if (p.epoch_mean.size() != p.diverged.size() || (!p.last_steps.empty() && p.last_steps.size() != p.diverged.size()))
          fail("curve point at rate " + std::to_string(p.rate) + ": per-seed lists of different lengths");
        if (p.last_steps.empty()) p.last_steps.assign(p.diverged.size(), std::nan(""));
        c.curve.push_back(std::move(p));
      }
    } else {
      // One seed; the loss was the epoch mean.
      const auto grid = doc.value("grid", std::vector<double>{});
      const auto losses = losses_from(doc.value("final_losses", nlohmann::json::array()));
      if (grid.size() != losses.size()) fail("'grid' and 'final_losses' have different lengths");
      if (doc.contains("seed")) c.seeds = {doc["seed"].get<std::uint64_t>()};
      for (std::size_t k = 0; k < grid.size(); ++k)
        c.curve.push_back({grid[k], {losses[k]}, {std::nan("")}, {!std::isfinite(losses[k])}});
    }
  } catch (const nlohmann::json::exception& e) {
    fail(std::string("wrong type: ") + e.what());
  } catch (const InputError& e) {
    fail(e.what());
  }
  if (!(c.tolerance >= 0.0) || !std::isfinite(c.tolerance)) fail("'tolerance' must be >= 0");
  if (doc.contains("rule") && doc["rule"] != calibration_rule_name(c))
    fail("'rule' is " + doc["rule"].dump() + " but tolerance " + std::to_string(c.tolerance) + " means '" +
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
