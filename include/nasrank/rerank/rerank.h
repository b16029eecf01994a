#pragma once
// The main job: train a selection of architectures under one or more
// protocols and seeds, record every run in a store, and write the comparison
// reports. Resumable (runs already stored are skipped; a re-run after Ctrl-C,
// SIGKILL or machine loss loses at most the runs in flight), parallel (worker
// processes), and shardable for a cluster (see plan.h).
#include "nasrank/rerank/compare.h"
#include "nasrank/rerank/placement.h"
#include "nasrank/rerank/plan.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nasrank::rerank {

struct RerankOptions {
  ArchitectureSelection selection;
  std::vector<std::string> protocols;  // names (data/protocols) or files
  std::string dataset = "fashion-mnist";
  std::string data_dir;                             // empty: $NASRANK_DATA_DIR / the dataset's default
  std::optional<std::vector<std::uint64_t>> seeds;  // override every protocol's seeds
  Shard shard;
  std::filesystem::path store = "rerank.h5";
  ExecutionOptions execution;           // device, workers and threads (placement.h)
  std::filesystem::path worker_binary;  // the nasrank-torch executable
  // Reports at the end (skipped when report_dir is empty or a shard < n runs).
  std::filesystem::path report_dir;
  std::optional<std::filesystem::path> reference;
  std::optional<int> reference_budget;
  ComparisonOptions comparison;
  // Protocol overrides applied to every protocol after loading (JSON merge
  // patch), e.g. the demo's calibration file.
  std::optional<std::string> calibration;  // scaler protocols' calibration file
};

struct Progress {
  std::size_t done = 0;   // runs finished in this invocation (trained, recorded or failed)
  std::size_t total = 0;  // runs to do in this invocation (planned minus already stored)
  std::size_t failed = 0;
  std::string current;    // architecture of the most recent event
  std::string last_line;  // one line about the run that just finished (empty otherwise)
  double runs_per_hour = 0.0;
  double eta_seconds = 0.0;
};
using ProgressCallback = std::function<void(const Progress&)>;

struct RerankSummary {
  std::size_t architectures = 0;
  std::size_t planned = 0;  // runs of this shard
  std::size_t already_stored = 0;
  std::size_t trained = 0;  // status ok
  std::size_t diverged = 0;
  std::size_t disconnected = 0;  // recorded without training
  std::size_t failed = 0;        // recorded with their error
  bool interrupted = false;
  std::vector<WrittenReport> reports;
  std::string report_error;  // why no report was written, when it failed
  // Per protocol that carries the reference's CIFAR-10 base onto another
  // dataset ("principled-12e: base 0.46 from CIFAR-10 (reference), not
  // calibrated on fashion-mnist"); every run records such notes either way.
  std::vector<std::string> notes;
};

// Validates everything (protocols, dataset key, store lock) before starting
// any worker: bad input throws InputError and nothing is written.
RerankSummary run_rerank(const RerankOptions& options, const ProgressCallback& progress = {});

// Asks a running run_rerank to stop after the runs in flight are abandoned
// (async-signal-safe; the CLI calls it from SIGINT/SIGTERM handlers).
void request_stop();

}  // namespace nasrank::rerank
