// nasrank-torch: the LibTorch half of the command line — training,
// calibration and re-rank workers. `nasrank train|calibrate` lands here.
#include "cli_common.h"

#include "nasrank/common/error.h"
#include "nasrank/common/version.h"
#include "nasrank/train/worker.h"

#include <iostream>
#include <memory>

int main(int argc, char** argv) {
  using namespace nasrank::cli;
  CLI::App app{"nasrank-torch: training, calibration and re-rank workers of nasrank (LibTorch)"};
  app.set_version_flag("--version", nasrank::build_description());
  app.require_subcommand(1);

  CommandRunner run;
  add_train_command(app, run);
  add_calibrate_command(app, run);

  auto worker_options = std::make_shared<nasrank::train::WorkerOptions>();
  auto* worker = app.add_subcommand("worker", "Serve re-rank jobs: JSON lines on stdin, JSON-line events on stdout");
  worker->add_option("--threads", worker_options->threads, "Intra-op threads")->default_val(1)->check(positive_number());
  worker->add_option("--device", worker_options->device, "auto, cpu or cuda")
      ->default_val("auto")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  worker->callback([&run, worker_options] {
    run = [worker_options] { return nasrank::train::serve_training_jobs(std::cin, std::cout, *worker_options); };
  });

  return parse_and_run(app, argc, argv, run);
}
