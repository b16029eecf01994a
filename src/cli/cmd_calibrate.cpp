// `nasrank calibrate --dataset NAME --out FILE`: the paper's base learning
// rate — one epoch per grid rate and seed on the shallowest network, the rate
// with the smallest mean final training loss (the largest among equal ones).
// `--show FILE` prints a calibration's whole curve without training.
#include "cli_common.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "nasrank/train/rate_search.h"
#include "nasrank/train/process.h"
#include "nasrank/train/trainer.h"

#include <cmath>
#include <iostream>
#include <memory>
#include <numeric>

namespace nasrank::cli {
namespace {

struct CalibrateOptions {
  std::string dataset;
  std::string data_dir;
  std::string protocol = "principled-200e";
  std::string grid = "0.02,0.05,0.1,0.2,0.3,0.46,0.7,1.0,1.5";
  std::string loss = "epoch-mean";
  int last_steps = 50;
  double tolerance = 0.0;
  std::string arch;
  std::string space = "nb201";
  std::vector<std::uint64_t> seeds;
  std::string device = "auto";
  int threads = 0;
  std::string out;
  std::string show;
  Format format = Format::Table;
};

nlohmann::json loss_cell(double loss) {
  return std::isfinite(loss) ? nlohmann::json(loss) : nlohmann::json("diverged");
}

double mean_or_nan(const std::vector<double>& values) {
  for (double v : values)
    if (!std::isfinite(v)) return std::nan("");
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

// The whole curve: per rate the ranking loss of every seed, the means under
// both loss definitions, how many seeds diverged, and the chosen rate.
std::string render_calibration(const scale::Calibration& c, Format format) {
  std::vector<std::string> columns{"learning_rate"};
  const bool by_epoch_mean = c.loss.kind == scale::LossChoice::Kind::EpochMean;
  for (std::size_t s = 0; s < c.seeds.size(); ++s) columns.push_back("loss_seed_" + std::to_string(c.seeds[s]));
  scale::LossChoice last = c.loss;
  last.kind = scale::LossChoice::Kind::LastSteps;
  for (const std::string& column : {std::string("epoch_mean"), "last_steps_" + std::to_string(last.steps),
                                    std::string("diverged"), std::string("chosen")})
    columns.push_back(column);
  ResultTable table(columns);
  for (const scale::CalibrationPoint& p : c.curve) {
    std::vector<nlohmann::json> row{p.rate};
    const auto& ranked = by_epoch_mean ? p.epoch_mean : p.last_steps;
    for (std::size_t s = 0; s < c.seeds.size(); ++s)
      row.push_back(s < ranked.size() ? loss_cell(ranked[s]) : nlohmann::json(nullptr));
    row.push_back(loss_cell(mean_or_nan(p.epoch_mean)));
    row.push_back(loss_cell(mean_or_nan(p.last_steps)));
    row.push_back(std::to_string(std::count(p.diverged.begin(), p.diverged.end(), true)) + "/" +
                  std::to_string(p.diverged.size()));
    row.push_back(p.rate == c.base_lr);
    table.add_row(std::move(row));
  }
  return table.render(format);
}

// What each loss definition would choose on this curve, so a reader sees
// whether the definition matters.
void explain_choice(const scale::Calibration& c) {
  scale::LossChoice last = c.loss;
  last.kind = scale::LossChoice::Kind::LastSteps;
  for (const scale::LossChoice& choice : {scale::LossChoice{scale::LossChoice::Kind::EpochMean, c.loss.steps}, last}) {
    std::cerr << "  " << scale::loss_choice_name(choice) << ": ";
    try {
      const scale::MaxRateEstimate e = scale::estimate_max_rate(scale::calibration_curve(c, choice), c.tolerance);
      if (!e.found) {
        std::cerr << "every rate diverged or was not recorded\n";
        continue;
      }
      std::cerr << "rate " << e.rate << " (interpolated " << e.interpolated << ", seeds cannot tell apart [" << e.lower
                << ", " << e.upper << "])";
      if (e.edge != scale::GridEdge::None)
        std::cerr << "; at the " << scale::grid_edge_name(e.edge) << " edge of the grid: widen it";
      std::cerr << "\n";
    } catch (const InputError& e) {
      std::cerr << e.what() << "\n";
    }
  }
  std::cerr << "rule: " << scale::calibration_rule_name(c)
            << (c.tolerance > 0 ? " (tolerance " + std::to_string(c.tolerance) + ", not the paper's rule)"
                                : " (the paper's)")
            << ", ranked by " << scale::loss_choice_name(c.loss) << ", mean over " << c.seeds.size() << " seed(s)\n";
}

int run_calibrate(const CalibrateOptions& options) {
  if (!options.show.empty()) {
    const scale::Calibration c = scale::read_calibration(options.show);
    write_stdout(render_calibration(c, options.format));
    std::cerr << "base_lr " << c.base_lr << " (" << c.dataset << ", protocol " << c.protocol << ", "
              << c.base_architecture << ")\n";
    explain_choice(c);
    return kExitOk;
  }
  if (options.dataset.empty() || options.out.empty())
    throw InputError("calibrate: give --dataset and --out (or --show FILE to print a calibration)");
  check_output_file("--out", options.out, "calibration.json");
  train::CalibrationRequest request;
  request.protocol = train::load_protocol(options.protocol);
  request.grid = train::validate_rate_grid(train::parse_rate_grid(options.grid), 3, "--grid '" + options.grid + "'");
  request.loss = scale::parse_loss_choice(options.loss);
  if (request.loss.kind == scale::LossChoice::Kind::EpochMean) {
    request.loss.steps = scale::parse_loss_choice("last-steps:" + std::to_string(options.last_steps)).steps;
  }
  request.tolerance = options.tolerance;
  request.seeds = options.seeds.empty() ? request.protocol.seeds : options.seeds;
  if (!options.arch.empty()) {
    request.base_architecture = options.arch;
  } else {
    const cell::Space space = options.space == "dag" ? cell::Space::Dag : cell::Space::Nb201;
    const scale::DepthConvention convention =
        request.protocol.learning_rate.convention.value_or(scale::default_convention(space));
    request.base_architecture = train::calibration_architecture(space, convention);
  }
  const int threads = train::configure_process(options.threads);
  request.runtime.device = train::parse_device(options.device);
  request.on_run = [](double rate, std::uint64_t seed, double loss) {
    std::cerr << "lr " << rate << "  seed " << seed << "  final training loss "
              << (std::isfinite(loss) ? std::to_string(loss) : "diverged") << "\n";
  };
  std::cerr << "loading " << options.dataset << " ...\n";
  const dataset::BenchmarkData data = train::load_training_data(options.dataset, options.data_dir, request.protocol);
  std::cerr << "calibrating on " << request.base_architecture << " (" << request.grid.size() << " rates x "
            << request.seeds.size() << " seed(s), one epoch each, " << threads << " threads)\n";
  const scale::Calibration calibration = train::calibrate(request, data);
  scale::write_calibration(options.out, calibration);
  write_stdout(render_calibration(calibration, options.format));
  explain_choice(calibration);
  std::cerr << "base_lr " << calibration.base_lr << " written to " << options.out << "\n";
  return kExitOk;
}

}  // namespace

void add_calibrate_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<CalibrateOptions>();
  auto* command = app.add_subcommand(
      "calibrate", "Find the base learning rate: a grid of rates, one epoch each on the shallowest network");
  add_dataset_option(*command, options->dataset, "Dataset key");
  add_data_dir_option(*command, options->data_dir);
  command
      ->add_option("--protocol", options->protocol,
                   "Protocol whose network, batch, optimizer, init and data budget are used (its rate rule is not)")
      ->capture_default_str();
  command->add_option("--grid", options->grid, "Rates (at least 3): a,b,c or geom:LOW:HIGH:COUNT")
      ->capture_default_str();
  command
      ->add_option("--loss", options->loss,
                   "Final training loss that ranks the rates: epoch-mean (the epoch's mean step loss, as the "
                   "reference records it) or last-steps:K (mean of the epoch's last K steps)")
      ->capture_default_str();
  command->add_option("--last-steps", options->last_steps, "K of the last-steps loss shown next to the epoch mean")
      ->capture_default_str();
  command
      ->add_option("--tolerance", options->tolerance,
                   "Deviation from the paper's rule, recorded in the file and in every run that uses it: the largest "
                   "rate whose loss is at most (1 + t) times the smallest (0 = the paper's rule)")
      ->check(non_negative_number())
      ->capture_default_str();
  command->add_option("--arch", options->arch,
                      "Base architecture (default: the one whose path depths are the convention's base: NAS-Bench-201 "
                      "1_01_001, DAG code 1)");
  command->add_option("--space", options->space, "Search space of the default base architecture: nb201 or dag")
      ->check(CLI::IsMember({"nb201", "dag"}))
      ->capture_default_str();
  command->add_option("--seed,--seeds", options->seeds,
                      "Seeds (repeatable; default: the protocol's); rates are ranked by the mean over seeds");
  add_training_runtime_options(*command, options->device, options->threads);
  command->add_option("--out", options->out, "Calibration JSON to write");
  command->add_option("--show", options->show, "Print the curve of this calibration file instead of calibrating")
      ->check(CLI::ExistingFile);
  add_format_option(*command, options->format);
  command->callback([&run, options] { run = [options] { return run_calibrate(*options); }; });
}

}  // namespace nasrank::cli
