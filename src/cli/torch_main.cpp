// nasrank-torch: the LibTorch half of the command line — training,
// calibration and re-rank workers. `nasrank train|calibrate` lands here.
#include "cli_common.h"

#include "nasrank/common/error.h"
#include "nasrank/common/version.h"
#include "nasrank/train/process.h"
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
  auto worker_threads = std::make_shared<int>(1);
  auto* worker = app.add_subcommand("worker", "Serve re-rank jobs: JSON lines on stdin, JSON-line events on stdout");
  worker->add_option("--threads", *worker_threads, "Intra-op threads")->default_val(1)->check(positive_number());
  worker->add_option("--device", worker_options->device, "auto, cpu or cuda")
      ->default_val("auto")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  worker->callback([&run, worker_options, worker_threads] {
    run = [worker_options, worker_threads] {
      nasrank::train::configure_process(*worker_threads);
      return nasrank::train::serve_training_jobs(std::cin, std::cout, *worker_options);
    };
  });

  // Process-wide settings are this program's, not the library's: training
  // and calibration restart once with passive OpenMP waits (process.h) before
  // they run; each command sets the thread count from its options.
  const CommandRunner run_command = [&] {
    if (app.got_subcommand("train") || app.got_subcommand("calibrate"))
      nasrank::train::restart_with_passive_openmp_wait();
    return run ? run() : kExitOk;
  };
  return parse_and_run(app, argc, argv, run_command);
}
