#pragma once
// A training protocol: every setting that decides what a run computes, kept
// as data (data/protocols/*.json) so that a result can always be traced to
// the exact settings that made it. The JSON form mirrors the structs below
// key by key; missing keys keep the defaults shown (NAS-Bench-201's 200-epoch
// protocol), unknown keys and out-of-range values throw InputError naming the
// file, the key and the value.
//
//   {"name": "nb201-200e", "description": "...",
//    "network": {"channels": 16, "cells_per_stage": 5, "dag_network": "mlp", "kernel_size": 3},
//    "optimizer": {"type": "sgd", "momentum": 0.9, "nesterov": true, "weight_decay": 0.0005},
//    "batch_size": 256, "epochs": 200,
//    "learning_rate": {"fixed": 0.1 [, "degree": "source" | "target" (principled init)]}
//        or {"scaler": {"base_lr": 0.46 | "calibration": "file.json",
//                       "convention": "nb201-reference", "degree": "source"}},
//    "schedule": {"type": "cosine", "warmup_epochs": 0, "update": "epoch" | "step"},
//    "initialization": "benchmark" | "principled",
//    "augmentation": true,
//    "data": {"train_subset": 0, "holdout": 0, "evaluation_splits": [], "eval_subset": 0,
//             "eval_every": 1, "eval_batch_size": 512, "loader_workers": 1},
//    "seeds": [777, 888, 999], "loss": "cross-entropy"}
#include "nasrank/scale/scaler.h"
#include "nasrank/train/network.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nasrank::train {

struct NetworkConfig {
  int channels = 16;                                 // NAS-Bench-201 C / DAG width
  int cells_per_stage = 5;                           // NAS-Bench-201 N
  DagNetworkKind dag_network = DagNetworkKind::Mlp;  // what a DAG code is built into
  int kernel_size = 3;                               // DAG CNN kernel q
};

struct OptimizerConfig {
  std::string type = "sgd";    // only SGD (the benchmark's)
  double momentum = 0.9;       // in [0, 1)
  bool nesterov = true;        // needs momentum > 0
  double weight_decay = 5e-4;  // on every parameter, BN included (as the benchmark)
};

struct LearningRateRule {
  enum class Kind { Fixed, Scaler };
  Kind kind = Kind::Fixed;
  double fixed = 0.1;  // Kind::Fixed: the same rate for every architecture
  // Kind::Scaler: lr = scale::learning_rate(graph, options) with base_lr taken
  // from `base_lr` or from the calibration file (exactly one of the two).
  std::optional<double> base_lr;
  std::string calibration;                           // path; relative paths resolve against the protocol file's folder
  std::optional<scale::DepthConvention> convention;  // unset: the space's default
  scale::DegreeChoice degree = scale::DegreeChoice::Source;
};

struct ScheduleConfig {
  enum class Kind { Cosine, Constant };
  // Cosine, per EPOCH as the benchmark: lr_e = lr / 2 * (1 + cos(pi * e / T)).
  Kind kind = Kind::Cosine;
  // Linear warm-up: epochs e < W run at lr * (e + 1) / (W + 1); the cosine
  // then spans the remaining T - W epochs. 0 = none (the benchmark).
  int warmup_epochs = 0;
  // The cosine is updated once per epoch (the benchmark) or after every
  // step, reaching 0 at the end of training: a short budget with few epochs
  // otherwise ends at a high rate, with BatchNorm's running statistics behind
  // the weights.
  enum class Update { Epoch, Step };
  Update update = Update::Epoch;
};

struct DataBudget {
  std::int64_t train_subset = 0;               // train images used (a fixed random subset); 0 = all
  std::int64_t holdout = 0;                    // fashion-mnist / mnist / synthetic: train images held out as x-valid
  std::vector<std::string> evaluation_splits;  // splits evaluated; empty = every split the dataset has
  std::int64_t eval_subset = 0;                // images per evaluation split (first ones); 0 = all
  int eval_every = 1;                          // evaluate every k epochs (the last epoch always)
  int eval_batch_size = 512;                   // evaluation batch size (does not change results)
  int loader_workers = 1;                      // background batch builders (does not change results)
};

struct Protocol {
  std::string name;         // file stem for the shipped protocols
  std::string description;  // one line for humans
  NetworkConfig network;
  OptimizerConfig optimizer;
  int batch_size = 256;
  int epochs = 200;
  LearningRateRule learning_rate;
  ScheduleConfig schedule;
  Initialization initialization = Initialization::Benchmark;
  bool augmentation = true;  // the dataset's training augmentation (crop + flip)
  DataBudget data;
  std::vector<std::uint64_t> seeds{777, 888, 999};
  std::string loss = "cross-entropy";  // only cross-entropy
  // Where the protocol was read from (not part of the JSON); relative
  // calibration paths resolve against its folder.
  std::string source;
};

// The one place protocols are converted. `where` names the input in errors.
Protocol protocol_from_json(const nlohmann::json& doc, const std::string& where);
nlohmann::json to_json(const Protocol& protocol);

// `name_or_path`: an existing file, or a name looked up as NAME.json in
// protocol_directory(). Unknown names throw InputError listing the shipped ones.
Protocol load_protocol(const std::string& name_or_path);
// $NASRANK_PROTOCOL_DIR, else the source tree's data/protocols.
std::filesystem::path protocol_directory();
std::vector<std::string> shipped_protocol_names();

// The calibration file a scaler rule refers to, resolved (empty path for
// base_lr rules and fixed rates).
std::filesystem::path calibration_path(const Protocol& protocol);

// The learning rate of epoch `epoch` (0-based) of `epochs` for peak rate `peak`.
double scheduled_learning_rate(const ScheduleConfig& schedule, double peak, int epoch, int epochs);
// The rate of step `step` of `steps_per_epoch` within `epoch`: the per-epoch
// rate above, or under Update::Step the cosine at the step's fraction of training.
double scheduled_learning_rate(const ScheduleConfig& schedule, double peak, int epoch, int epochs, std::size_t step,
                               std::size_t steps_per_epoch);

}  // namespace nasrank::train
