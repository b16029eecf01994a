#pragma once
// Training one architecture under one protocol, and calibrating the base
// learning rate the scaler starts from. LibTorch stays behind this header.
#include "nasrank/cell/graph.h"
#include "nasrank/dataset/benchmark.h"
#include "nasrank/scale/calibration.h"
#include "nasrank/train/protocol.h"
#include "nasrank/train/result.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace nasrank::train {

enum class Device { Auto, Cpu, Cuda };  // Auto: CUDA when LibTorch sees a GPU, else CPU
std::string_view device_name(Device device);
Device parse_device(std::string_view name);  // "auto" | "cpu" | "cuda"

struct RuntimeOptions {
  Device device = Device::Auto;
  // Images and conv weights in NHWC order on the CPU: LibTorch's oneDNN
  // convolutions ran 1.2x (all-conv cells) to 2.2x (light cells) faster so
  // on this machine. The function is the same; the last bits of the numbers
  // differ from NCHW.
  bool channels_last = true;
  // Pruned (default) skips dead and `none` edges; EveryEdge computes them as
  // the benchmark's network does (see network.h for where the two differ).
  EdgeBuild edges = EdgeBuild::Pruned;
  // How conv edges out of one vertex are computed (network.h); the same
  // function either way.
  ConvFusion fusion = ConvFusion::Auto;
};

// Called after every epoch with the finished record (progress reporting).
using EpochCallback = std::function<void(const EpochRecord& record, int epochs)>;

struct TrainRequest {
  std::string architecture;  // encoding text, recorded as given
  cell::CellGraph graph{cell::Space::Nb201, cell::kNb201Vertices};
  Protocol protocol;
  std::uint64_t seed = 0;
  RuntimeOptions runtime;
  EpochCallback on_epoch;
};

// The data of a dataset key loaded with the protocol's holdout.
dataset::BenchmarkData load_training_data(const std::string& dataset_key, const std::string& data_dir,
                                          const Protocol& protocol);

// The network a protocol builds for a dataset (input shape and classes from
// the training split).
NetworkSpec network_spec(const Protocol& protocol, const dataset::ImageDataset& train);

// The peak learning rate of `graph` under the protocol's rule, and the
// scaler's details (null for a fixed rate). A scaler rule on a graph with no
// learning rate (disconnected) returns 0; a calibration made on another
// dataset than `dataset_key` is an InputError.
struct ResolvedLearningRate {
  double learning_rate = 0.0;
  nlohmann::json scaler;
};
ResolvedLearningRate resolve_learning_rate(const cell::CellGraph& graph, const Protocol& protocol,
                                           const NetworkSpec& spec, const std::string& dataset_key);

// Trains (or, for a disconnected graph, records chance) and returns the full
// record. Same seed, data, protocol and thread count on the same CPU give a
// bitwise identical record apart from timings.
TrainResult train(const TrainRequest& request, const dataset::BenchmarkData& data);

struct CalibrationRequest {
  Protocol protocol;                 // network, batch, optimizer, data budget, init (its lr rule is ignored)
  std::vector<double> grid;          // learning rates to try (any order; sorted in the output); at least 3
  std::vector<std::uint64_t> seeds;  // one run per rate and seed; rates are ranked by the mean over seeds
  scale::LossChoice loss;            // which final training loss ranks the rates
  double tolerance = 0.0;            // 0: the paper's rule; > 0: loss <= (1 + tolerance) * smallest
  std::string base_architecture;     // encoding of the base network (see calibration_architecture)
  RuntimeOptions runtime;
  // Progress: after every run, its rate, seed and loss under `loss` (NaN: diverged).
  std::function<void(double learning_rate, std::uint64_t seed, double loss)> on_run;
};

// The paper's "shallowest network" for a space and depth convention: the
// architecture whose path depths are the convention's base depths, so that
// the scaler gives it exactly base_lr:
//   NAS-Bench-201, nb201-reference: 1_01_001 (one identity path, L = [1]);
//     the network is stem -> basic blocks -> classifier.
//   NAS-Bench-201, relu-count: 0_00_300 (one nor_conv_3x3 edge, L = [1]).
//   DAG, dag-reference or relu-count: DAG code 2 (input -> one hidden layer
//     -> readout) for relu-count; 1 (stem -> readout) for dag-reference.
std::string calibration_architecture(cell::Space space, scale::DepthConvention convention);

// One epoch per grid rate and seed at a constant rate on the base
// architecture (rate_point_protocol), ranked by estimate_max_rate: the same
// points, loss and rule as `lr-search` with one architecture. The file keeps
// both loss definitions per seed. InputError when every rate diverged.
scale::Calibration calibrate(const CalibrationRequest& request, const dataset::BenchmarkData& data);

// Throughput of the training step alone (forward, backward, SGD step with
// the protocol's optimizer at its peak rate) on one fixed random batch, after
// `warmup` untimed steps; `steps` steps are timed `repeats` times and the
// fastest counts (robust to other load on the machine). What
// bench/bench_train compares with PyTorch.
struct StepBenchmark {
  int steps = 0;             // per timing
  std::int64_t images = 0;   // per timing
  double seconds = 0.0;      // wall time of the fastest timing
  double cpu_seconds = 0.0;  // CPU time of the whole process over them (all threads)
  double images_per_second = 0.0;
  double last_loss = 0.0;
};
StepBenchmark benchmark_training_steps(const cell::CellGraph& graph, const NetworkSpec& spec, const Protocol& protocol,
                                       int warmup, int steps, int repeats, std::uint64_t seed,
                                       const RuntimeOptions& runtime);

// Single-precision matrix-multiply throughput of this machine through
// LibTorch (torch::mm of two size x size matrices), best of `repeats`, in GFLOP/s.
double measure_sgemm_gflops(int size, int repeats);

}  // namespace nasrank::train
