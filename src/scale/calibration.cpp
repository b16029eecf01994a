#include "nasrank/scale/calibration.h"

#include "nasrank/common/error.h"

#include <cmath>
#include <fstream>
#include <set>

namespace nasrank::scale {

nlohmann::json to_json(const Calibration& c) {
  nlohmann::json losses = nlohmann::json::array();
  for (double loss : c.final_losses) losses.push_back(std::isfinite(loss) ? nlohmann::json(loss) : nlohmann::json(nullptr));
  return {{"base_lr", c.base_lr},   {"dataset", c.dataset}, {"protocol", c.protocol},
          {"base_architecture", c.base_architecture}, {"grid", c.grid}, {"final_losses", losses},
          {"tolerance", c.tolerance}, {"seed", c.seed}, {"tool_version", c.tool_version}};
}

Calibration calibration_from_json(const nlohmann::json& doc, const std::string& source) {
  auto fail = [&](const std::string& problem) -> void { throw InputError("calibration '" + source + "': " + problem); };
  if (!doc.is_object()) fail("expected a JSON object");
  static const std::set<std::string> known{"base_lr", "dataset",   "protocol", "base_architecture", "grid",
                                           "final_losses", "tolerance", "seed",     "tool_version"};
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
    c.grid = doc.value("grid", std::vector<double>{});
    for (const auto& loss : doc.value("final_losses", nlohmann::json::array()))
      c.final_losses.push_back(loss.is_null() ? std::nan("") : loss.get<double>());
    c.tolerance = doc.value("tolerance", 0.0);
    c.seed = doc.value("seed", std::uint64_t{0});
    c.tool_version = doc.value("tool_version", "");
  } catch (const nlohmann::json::exception& e) {
    fail(std::string("wrong type: ") + e.what());
  }
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
    if (!out.flush()) throw InputError("calibration '" + path.string() + "': write failed");
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace nasrank::scale
