// `nasrank calibrate --dataset NAME --out FILE`: the paper's base learning
// rate — one epoch per grid rate on the shallowest network, the largest rate
// whose final training loss is within a tolerance of the smallest.
#include "cli_common.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "nasrank/train/trainer.h"

#include <cmath>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

namespace nasrank::cli {
namespace {

struct CalibrateOptions {
  std::string dataset;
  std::string data_dir;
  std::string protocol = "principled-200e";
  std::string grid = "0.02,0.05,0.1,0.2,0.3,0.46,0.7,1.0,1.5";
  double tolerance = 0.02;
  std::string arch;
  std::string space = "nb201";
  std::optional<std::uint64_t> seed;
  std::string device = "auto";
  int threads = 0;
  std::string out;
  Format format = Format::Table;
};

double parse_rate(const std::string& text, const std::string& grid) {
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  throw InputError("--grid '" + grid + "': '" + text + "' is not a number");
}

// "a,b,c" or "geom:LOW:HIGH:COUNT" (COUNT rates spaced evenly in log scale).
std::vector<double> parse_grid(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text.rfind("geom:", 0) == 0 ? text.substr(5) : text);
  const char separator = text.rfind("geom:", 0) == 0 ? ':' : ',';
  for (std::string part; std::getline(in, part, separator);) parts.push_back(part);
  std::vector<double> grid;
  if (text.rfind("geom:", 0) == 0) {
    if (parts.size() != 3) throw InputError("--grid '" + text + "': expected geom:LOW:HIGH:COUNT");
    const double low = parse_rate(parts[0], text);
    const double high = parse_rate(parts[1], text);
    const double count = parse_rate(parts[2], text);
    if (!(low > 0) || !(high > low) || count < 2 || count != std::floor(count) || count > 1000)
      throw InputError("--grid '" + text + "': need 0 < LOW < HIGH and an integer COUNT in 2..1000");
    for (int k = 0; k < static_cast<int>(count); ++k)
      grid.push_back(low * std::pow(high / low, k / (count - 1)));
    return grid;
  }
  for (const std::string& part : parts) grid.push_back(parse_rate(part, text));
  return grid;
}

int run_calibrate(const CalibrateOptions& options) {
  train::restart_with_passive_openmp_wait();
  const int threads = train::configure_process(options.threads);
  train::CalibrationRequest request;
  request.protocol = train::load_protocol(options.protocol);
  request.grid = parse_grid(options.grid);
  request.tolerance = options.tolerance;
  request.seed = options.seed.value_or(request.protocol.seeds.front());
  request.runtime.device = train::parse_device(options.device);
  request.runtime.threads = threads;
  if (!options.arch.empty()) {
    request.base_architecture = options.arch;
  } else {
    const cell::Space space = options.space == "dag" ? cell::Space::Dag : cell::Space::Nb201;
    const scale::DepthConvention convention =
        request.protocol.learning_rate.convention.value_or(scale::default_convention(space));
    request.base_architecture = train::calibration_architecture(space, convention);
  }
  request.on_rate = [](double rate, double loss) {
    std::cerr << "lr " << rate << "  final training loss " << (std::isfinite(loss) ? std::to_string(loss) : "diverged")
              << "\n";
  };
  std::cerr << "loading " << options.dataset << " ...\n";
  const dataset::BenchmarkData data = train::load_training_data(options.dataset, options.data_dir, request.protocol);
  std::cerr << "calibrating on " << request.base_architecture << " (" << request.grid.size() << " rates, one epoch each, "
            << threads << " threads)\n";
  const scale::Calibration calibration = train::calibrate(request, data);
  scale::write_calibration(options.out, calibration);
  ResultTable table({"learning_rate", "final_loss", "chosen"});
  for (std::size_t k = 0; k < calibration.grid.size(); ++k) {
    const double loss = calibration.final_losses[k];
    table.add_row({calibration.grid[k], std::isfinite(loss) ? nlohmann::json(loss) : nlohmann::json("diverged"),
                   calibration.grid[k] == calibration.base_lr});
  }
  write_stdout(table.render(options.format));
  std::cerr << "base_lr " << calibration.base_lr << " written to " << options.out << "\n";
  return kExitOk;
}

}  // namespace

void add_calibrate_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<CalibrateOptions>();
  auto* command = app.add_subcommand(
      "calibrate", "Find the base learning rate: a grid of rates, one epoch each on the shallowest network");
  command->add_option("--dataset", options->dataset, "Dataset key (see `nasrank train --help`)")->required();
  command->add_option("--data-dir", options->data_dir, "Directory with the unpacked datasets (default $NASRANK_DATA_DIR)");
  command
      ->add_option("--protocol", options->protocol,
                   "Protocol whose network, batch, optimizer, init and data budget are used (its rate rule is not)")
      ->capture_default_str();
  command->add_option("--grid", options->grid, "Rates: a,b,c or geom:LOW:HIGH:COUNT")->capture_default_str();
  command
      ->add_option("--tolerance", options->tolerance,
                   "Relative: the chosen rate's loss is at most (1 + t) times the smallest")
      ->check(non_negative_number())
      ->capture_default_str();
  command->add_option("--arch", options->arch,
                      "Base architecture (default: the one whose path depths are the convention's base: NAS-Bench-201 "
                      "1_01_001, DAG code 1)");
  command->add_option("--space", options->space, "Search space of the default base architecture: nb201 or dag")
      ->check(CLI::IsMember({"nb201", "dag"}))
      ->capture_default_str();
  command->add_option("--seed", options->seed, "Seed (default: the protocol's first)");
  command->add_option("--device", options->device, "auto, cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  command->add_option("--threads", options->threads, "Intra-op threads (0 = every hardware thread)")
      ->check(non_negative_number())
      ->capture_default_str();
  command->add_option("--out", options->out, "Calibration JSON to write")->required();
  add_format_option(*command, options->format);
  command->callback([&run, options] { run = [options] { return run_calibrate(*options); }; });
}

}  // namespace nasrank::cli
