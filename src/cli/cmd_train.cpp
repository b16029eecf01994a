// `nasrank train ENCODING --protocol P --dataset NAME`: train one
// architecture under one protocol and write the JSON run record.
#include "cli_common.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "nasrank/train/process.h"
#include "nasrank/train/trainer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

namespace nasrank::cli {
namespace {

struct TrainOptions {
  std::string encoding;
  std::string protocol;
  std::string dataset;
  std::string data_dir;
  std::optional<std::uint64_t> seed;
  std::string device = "auto";
  int threads = 0;
  std::string edges = "pruned";
  std::string out;
};

std::string percent(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f%%", value);
  return text;
}

std::string epoch_line(const train::EpochRecord& r, int epochs) {
  char head[160];
  std::snprintf(head, sizeof head, "epoch %d/%d  lr %.5g  train loss %.4f acc %s  %.1f s", r.epoch + 1, epochs,
                r.learning_rate, r.train_loss, percent(r.train_accuracy).c_str(), r.train_seconds);
  std::string line = head;
  for (const auto& [split, m] : r.evaluations) line += "  " + split + " " + percent(m.accuracy);
  return line;
}

void write_result(const std::string& path, const train::TrainResult& result) {
  const std::string text = train::to_json(result).dump(2) + "\n";
  if (path.empty() || path == "-") {
    write_stdout(text);
    return;
  }
  const std::string tmp = path + ".tmp";
  bool written = false;
  {
    std::ofstream out(tmp);
    out << text;
    written = static_cast<bool>(out.flush());
  }
  std::error_code error;
  if (written) std::filesystem::rename(tmp, path, error);
  if (!written || error) {
    const std::string reason = !written ? std::strerror(errno) : error.message();
    std::filesystem::remove(tmp, error);
    // The disk, not the input: exit 1, nothing left behind.
    throw IoError("--out '" + path + "': the result could not be written (" + reason + ")");
  }
}

int run_train(const TrainOptions& options) {
  const int threads = train::configure_process(options.threads);
  train::TrainRequest request;
  request.architecture = options.encoding;
  request.graph = cell::parse_encoding(options.encoding);
  request.protocol = train::load_protocol(options.protocol);
  request.seed = options.seed.value_or(request.protocol.seeds.front());
  request.runtime.device = train::parse_device(options.device);
  request.runtime.edges = options.edges == "every" ? train::EdgeBuild::EveryEdge : train::EdgeBuild::Pruned;
  check_output_file("--out", options.out, "run.json");
  request.on_epoch = [](const train::EpochRecord& record, int epochs) {
    std::cerr << epoch_line(record, epochs) << "\n" << std::flush;
  };
  std::cerr << "loading " << options.dataset << " ...\n";
  const dataset::BenchmarkData data = train::load_training_data(options.dataset, options.data_dir, request.protocol);
  std::cerr << "training " << options.encoding << " on " << options.dataset << " with protocol "
            << request.protocol.name << ", seed " << request.seed << ", " << threads << " threads\n";
  const train::TrainResult result = train::train(request, data);
  std::cerr << "status " << train::run_status_name(result.status);
  if (!result.status_detail.empty()) std::cerr << " (" << result.status_detail << ")";
  for (const auto& [split, m] : result.final_metrics) std::cerr << "  " << split << " " << percent(m.accuracy);
  std::cerr << "  " << static_cast<long long>(result.images_per_second) << " images/s\n";
  write_result(options.out, result);
  return kExitOk;
}

}  // namespace

void add_train_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<TrainOptions>();
  auto* command = app.add_subcommand(
      "train", "Train one architecture under a protocol and write its JSON run record (progress on stderr)");
  add_encoding_argument(*command, options->encoding);
  command
      ->add_option("--protocol", options->protocol,
                   "Protocol name (nb201-200e, nb201-12e, principled-200e, principled-12e, cpu-small-benchmark, "
                   "cpu-small-principled) or a protocol JSON file")
      ->required();
  add_dataset_option(*command, options->dataset, "Dataset key")->required();
  add_data_dir_option(*command, options->data_dir);
  command->add_option("--seed", options->seed, "Seed (default: the protocol's first)");
  add_training_runtime_options(*command, options->device, options->threads);
  command
      ->add_option("--edges", options->edges,
                   "pruned: skip dead and none edges (same function at initialization, faster); every: compute every "
                   "edge as the benchmark's network does")
      ->check(CLI::IsMember({"pruned", "every"}))
      ->capture_default_str();
  command->add_option("--out", options->out, "Result JSON file (default: stdout)");
  command->callback([&run, options] { run = [options] { return run_train(*options); }; });
}

}  // namespace nasrank::cli
