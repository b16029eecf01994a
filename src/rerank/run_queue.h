#pragma once
// The execution half shared by `rerank` and `lr-search`: skip what a store
// already holds, train the rest on a pool of worker processes, and make each
// finished run durable in the store before reporting it. A run killed midway
// loses at most the runs in flight; the same call resumes.
#include "nasrank/rerank/placement.h"
#include "nasrank/rerank/plan.h"
#include "nasrank/rerank/rerank.h"
#include "nasrank/train/protocol.h"

#include <filesystem>
#include <string>
#include <vector>

namespace nasrank::rerank {

struct RunQueueOptions {
  std::filesystem::path store;
  std::string dataset;
  std::string data_dir;
  WorkerPlacement placement;  // one entry per worker (place_workers)
  int threads = 0;            // per worker; 0 = cores / workers
  std::string device = "auto";
  std::filesystem::path worker_binary;
};

struct RunQueueCounts {
  std::size_t already_stored = 0;
  std::size_t trained = 0;
  std::size_t diverged = 0;
  std::size_t disconnected = 0;
  std::size_t failed = 0;
  bool interrupted = false;
};

// The queue settings of a command that trains through workers (`rerank`,
// `lr-search`): refuses a worker program that does not exist, then places the
// workers on this machine's GPUs and cores.
RunQueueOptions worker_queue(const std::filesystem::path& store, const std::string& dataset,
                             const std::string& data_dir, const ExecutionOptions& execution,
                             const std::filesystem::path& worker_binary);

// `runs` index into `archs` and `protocols` (protocols are sent to the
// workers as they are; their names key the stored runs).
RunQueueCounts run_queue(const std::vector<PlannedArchitecture>& archs, const std::vector<train::Protocol>& protocols,
                         const std::vector<PlannedRun>& runs, const RunQueueOptions& options,
                         const ProgressCallback& progress);

// Clears a stop asked for by an earlier request_stop() (start of a job).
void reset_stop();

}  // namespace nasrank::rerank
