#pragma once
// What the training tests share: NAS-Bench-201 cells, one per pattern of
// edges the builds treat differently (compact codes: group i = edges into
// vertex i, one digit per source; 0 none, 1 skip, 2 conv1x1, 3 conv3x3,
// 4 avg_pool), and the tiny networks, data and runs they train.
#include "nasrank/cell/encoding.h"
#include "nasrank/train/network.h"
#include "nasrank/train/process.h"
#include "nasrank/train/trainer.h"

#include <cstdint>
#include <string>
#include <utility>

namespace nasrank::train::test {

struct Pattern {
  const char* code;
  const char* what;
};

inline constexpr Pattern kDeadEdgePatterns[] = {
    {"0_33_003", "conv out of a zero vertex adds BN's bias beside a live conv (benchmark #4740)"},
    {"4_00_103", "conv out of a zero vertex is the only term of the output's input vertex"},
    {"0_03_103", "a vertex holding only a trained constant feeds a conv3x3 (zero padding makes borders differ)"},
    {"0_02_102", "the same through conv1x1"},
    {"0_31_003", "a skip out of a zero vertex adds nothing but counts in the in-degree"},
    {"3_00_100", "conv into a vertex that reaches no output"},
    {"3_03_100", "dead target and dead source together"},
    {"3_00_000", "disconnected: no input-to-output path"},
    {"0_00_000", "`none` only"},
    {"3_33_333", "nothing to prune"},
};

// Conv edges sharing a source vertex and a kernel (fused by ConvFusion::Fused).
inline constexpr Pattern kFusionPatterns[] = {
    {"3_33_333", "three 3x3 convs out of the input, two out of vertex 1"},
    {"2_22_222", "the same with 1x1 convs"},
    {"2_32_233", "mixed kernels out of the input: the two 1x1 convs fuse, the 3x3 stays alone"},
    {"3_31_334", "three 3x3 convs out of the input beside a skip and pooling"},
    {"3_03_033", "vertex 1 feeds two 3x3 convs; the input feeds one"},
    {"0_33_033", "convs out of a zero vertex (BN's bias alone) are not fused"},
    {"3_30_330", "a fused pair out of the input; its third conv, into a vertex that reaches no output, is pruned"},
    {"2_22_202", "three 1x1 convs out of the input, one into a vertex whose conv out is its only use"},
};

// 4 channels, one cell per stage, 3x8x8 images of 5 classes.
inline NetworkSpec small_spec() {
  NetworkSpec spec;
  spec.channels = 4;
  spec.cells_per_stage = 1;
  spec.input_channels = 3;
  spec.input_height = 8;
  spec.input_width = 8;
  spec.num_classes = 5;
  return spec;
}

// Synthetic 1x8x8 images of 4 classes: tiny, learnable and quick.
inline dataset::DataConfig tiny_data_config(std::size_t train_size, std::size_t test_size, std::uint64_t seed) {
  dataset::DataConfig config;
  config.synthetic.train_size = train_size;
  config.synthetic.test_size = test_size;
  config.synthetic.channels = 1;
  config.synthetic.height = 8;
  config.synthetic.width = 8;
  config.synthetic.num_classes = 4;
  config.synthetic.seed = seed;
  return config;
}

// A network of 4 channels and one cell per stage at a fixed rate, without
// augmentation or loader threads, seed 1.
inline Protocol tiny_protocol(std::string name, int batch_size, int epochs, double rate, Initialization init) {
  Protocol p;
  p.name = std::move(name);
  p.network.channels = 4;
  p.network.cells_per_stage = 1;
  p.batch_size = batch_size;
  p.epochs = epochs;
  p.learning_rate.fixed = rate;
  p.initialization = init;
  p.augmentation = false;
  p.data.loader_workers = 0;
  p.seeds = {1};
  return p;
}

// A run of `encoding` on the CPU with one intra-op thread (what a program's
// main sets; the trainer records it).
inline TrainRequest request_for(const std::string& encoding, const Protocol& protocol, std::uint64_t seed = 1) {
  TrainRequest request;
  request.architecture = encoding;
  request.graph = cell::parse_encoding(encoding);
  request.protocol = protocol;
  request.seed = seed;
  request.runtime.device = Device::Cpu;
  configure_process(1);
  return request;
}

}  // namespace nasrank::train::test
