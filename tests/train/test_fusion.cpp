// ConvFusion::Fused (conv edges out of one vertex with one kernel run as one
// convolution and one BatchNorm) must compute the same network as Separate:
// same parameters under the same names, outputs, gradients, BatchNorm
// statistics and training trajectories, for every edge pattern and both
// initializations.
#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"
#include "nasrank/common/error.h"
#include "nasrank/train/network.h"
#include "nasrank/train/process.h"
#include "nasrank/train/trainer.h"
#include "train/edge_patterns.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace nasrank::train {
namespace {

// Every pattern of both lists and a sample of real benchmark cells.
std::vector<std::string> cells_to_compare() {
  std::vector<std::string> codes;
  for (const test::Pattern& p : test::kDeadEdgePatterns) codes.push_back(std::string("compact:") + p.code);
  for (const test::Pattern& p : test::kFusionPatterns) codes.push_back(std::string("compact:") + p.code);
  for (int index : {0, 11, 40, 1651, 3456, 11472, 15624}) codes.push_back("index:" + std::to_string(index));
  return codes;
}

using test::small_spec;

std::vector<float> random_images(const NetworkSpec& spec, std::int64_t batch, unsigned seed) {
  std::mt19937 engine(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> images(
      static_cast<std::size_t>(batch * spec.input_channels * spec.input_height * spec.input_width));
  for (float& x : images) x = normal(engine);
  return images;
}

// |a - b| within `relative` of the largest magnitude of a (a value that is
// zero in exact arithmetic comes out as float noise of the sums around it).
void expect_same_values(const std::vector<float>& a, const std::vector<float>& b, float relative,
                        const std::string& what, float floor = 0.0f) {
  ASSERT_EQ(a.size(), b.size()) << what;
  float scale = floor;
  for (float v : a) scale = std::max(scale, std::abs(v));
  for (std::size_t k = 0; k < a.size(); ++k) ASSERT_NEAR(a[k], b[k], relative * scale) << what << "[" << k << "]";
}

float largest_gradient(const ForwardBackward& pass) {
  float largest = 0.0f;
  for (const auto& [name, gradient] : pass.gradients)
    for (float g : gradient) largest = std::max(largest, std::abs(g));
  return largest;
}

std::vector<std::string> batch_norm_buffers(const Network& network) {
  std::vector<std::string> names;
  for (const ParameterInfo& p : network.parameters()) {
    const auto dot = p.name.rfind(".bn.weight");
    if (dot != std::string::npos && dot + 10 == p.name.size()) {
      const std::string module = p.name.substr(0, dot + 3);
      for (const char* buffer : {".running_mean", ".running_var", ".num_batches_tracked"})
        names.push_back(module + buffer);
    }
  }
  return names;
}

TEST(ConvFusion, SameParametersOutputsGradientsAndStatistics) {
  const NetworkSpec spec = small_spec();
  const std::int64_t batch = 6;
  const std::vector<float> images = random_images(spec, batch, 3);
  std::vector<std::int64_t> labels;
  for (std::int64_t k = 0; k < batch; ++k) labels.push_back(k % spec.num_classes);
  for (const std::string& code : cells_to_compare()) {
    const cell::CellGraph graph = cell::parse_encoding(code);
    for (Initialization init : {Initialization::Benchmark, Initialization::Principled}) {
      const std::string label = code + ", " + std::string(initialization_name(init)) + " init";
      Network separate(graph, spec, 11, EdgeBuild::Pruned, ConvFusion::Separate);
      Network fused(graph, spec, 11, EdgeBuild::Pruned, ConvFusion::Fused);
      separate.initialize(init, scale::ScalerOptions{}, 21);
      fused.initialize(init, scale::ScalerOptions{}, 21);
      const std::vector<ParameterInfo> names = separate.parameters();
      ASSERT_EQ(names.size(), fused.parameters().size()) << label;
      for (const ParameterInfo& p : names)
        ASSERT_EQ(separate.parameter_values(p.name), fused.parameter_values(p.name)) << label << ": " << p.name;
      // Two passes, so the second runs on running statistics the first updated.
      for (int pass = 0; pass < 2; ++pass) {
        const std::string at = label + ", pass " + std::to_string(pass);
        const ForwardBackward a = separate.forward_backward(images.data(), labels.data(), batch);
        const ForwardBackward b = fused.forward_backward(images.data(), labels.data(), batch);
        expect_same_values(a.logits, b.logits, 1e-5f, at + ": logits");
        EXPECT_NEAR(a.loss, b.loss, 1e-6 * std::max(1.0, a.loss)) << at;
        ASSERT_EQ(a.gradients.size(), b.gradients.size()) << at;
        // A gradient that is zero in exact arithmetic (the bias of an edge
        // into a cell's output, which the head's BatchNorm centres) comes out
        // as float noise of the sums around it: compare it on the scale of the
        // network's gradients.
        const float floor = 1e-2f * largest_gradient(a);
        for (const auto& [name, gradient] : a.gradients)
          expect_same_values(gradient, b.gradients.at(name), 1e-5f, at + ": gradient of " + name, floor);
        for (const std::string& buffer : batch_norm_buffers(separate))
          expect_same_values(separate.buffer_values(buffer), fused.buffer_values(buffer), 1e-5f, at + ": " + buffer);
      }
    }
  }
}

TEST(ConvFusion, FusesConvEdgesThatShareSourceAndKernel) {
  const NetworkSpec spec = small_spec();  // N = 1: cells 0, 2 and 4 (1 and 3 are the basic blocks)
  const auto fused_in_cell_0 = [&](const char* code, ConvFusion fusion) {
    const Network network(cell::parse_encoding(code), spec, 1, EdgeBuild::Pruned, fusion);
    std::vector<std::string> out;
    for (const std::string& line : network.fused_convolutions())
      if (line.rfind("cells.0: ", 0) == 0) out.push_back(line.substr(9));
    EXPECT_EQ(network.fused_convolutions().size(), 3 * out.size()) << code << ": every cell alike";
    return out;
  };
  using Lines = std::vector<std::string>;
  EXPECT_EQ(fused_in_cell_0("3_33_333", ConvFusion::Fused),
            (Lines{"edge_0_1+edge_0_2+edge_0_3 (3x3)", "edge_1_2+edge_1_3 (3x3)"}));
  EXPECT_EQ(fused_in_cell_0("2_32_233", ConvFusion::Fused), (Lines{"edge_0_1+edge_0_3 (1x1)"}));
  // Out of a zero vertex a conv edge is BatchNorm's bias alone: nothing to fuse.
  EXPECT_EQ(fused_in_cell_0("0_33_033", ConvFusion::Fused), Lines{});
  // The conv into vertex 2, which reaches no output, is not built.
  EXPECT_EQ(fused_in_cell_0("3_30_330", ConvFusion::Fused), (Lines{"edge_0_1+edge_0_3 (3x3)"}));
  EXPECT_EQ(fused_in_cell_0("3_33_333", ConvFusion::Separate), Lines{});
}

// Auto fuses every cell of a network of C <= kAutoFusionMaxChannels and
// none of a wider one.
TEST(ConvFusion, AutoFusesOnlyNarrowNetworks) {
  const cell::CellGraph graph = cell::parse_encoding("compact:3_00_310");
  NetworkSpec spec = small_spec();
  spec.channels = kAutoFusionMaxChannels;
  EXPECT_EQ(Network(graph, spec, 1, EdgeBuild::Pruned, ConvFusion::Auto).fused_convolutions(),
            (std::vector<std::string>{"cells.0: edge_0_1+edge_0_3 (3x3)", "cells.2: edge_0_1+edge_0_3 (3x3)",
                                      "cells.4: edge_0_1+edge_0_3 (3x3)"}));
  EXPECT_EQ(Network(graph, spec, 1).fused_convolutions().size(), 3u) << "Auto is the default";
  spec.channels = kAutoFusionMaxChannels + 1;
  EXPECT_TRUE(Network(graph, spec, 1, EdgeBuild::Pruned, ConvFusion::Auto).fused_convolutions().empty());
  EXPECT_EQ(Network(graph, spec, 1, EdgeBuild::Pruned, ConvFusion::Fused).fused_convolutions().size(), 3u);
}

TEST(ConvFusion, ParsesItsNames) {
  for (ConvFusion fusion : {ConvFusion::Auto, ConvFusion::Fused, ConvFusion::Separate})
    EXPECT_EQ(parse_conv_fusion(conv_fusion_name(fusion)), fusion);
  try {
    parse_conv_fusion("yes");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'yes'"), std::string::npos) << e.what();
  }
}

TEST(ConvFusion, CheckpointsMoveBetweenFusedAndSeparate) {
  const cell::CellGraph graph = cell::parse_encoding("compact:3_33_333");
  Network separate(graph, small_spec(), 5, EdgeBuild::Pruned, ConvFusion::Separate);
  Network fused(graph, small_spec(), 6, EdgeBuild::Pruned, ConvFusion::Fused);
  ASSERT_NE(separate.parameter_values("cells.0.edge_0_2.conv.weight"),
            fused.parameter_values("cells.0.edge_0_2.conv.weight"));
  fused.copy_parameters_from(separate);
  for (const ParameterInfo& p : separate.parameters())
    EXPECT_EQ(separate.parameter_values(p.name), fused.parameter_values(p.name)) << p.name;
  separate.copy_parameters_from(fused);
}

const dataset::BenchmarkData& tiny_data() {
  static const dataset::BenchmarkData data =
      dataset::load_benchmark_data("synthetic", test::tiny_data_config(96, 32, 5));
  return data;
}

// Two SGD steps per epoch (momentum, weight decay), evaluation after each.
TrainResult train_with(const std::string& code, Initialization init, ConvFusion fusion, bool channels_last) {
  TrainRequest request = test::request_for(code, test::tiny_protocol("conv-fusion", 48, 3, 0.05, init), 9);
  request.runtime.channels_last = channels_last;
  request.runtime.fusion = fusion;
  return train(request, tiny_data());
}

void expect_close(double a, double b, const std::string& what) {
  EXPECT_LE(std::abs(a - b), 1e-5 * std::max(1.0, std::abs(a))) << what << ": separate " << a << ", fused " << b;
}

// The losses agree to about 1e-7 here; a larger rate (0.2) let rounding
// differences grow to 1e-4 within six steps on some cells (in a tiny network
// a BatchNorm channel of almost zero variance amplifies them), whatever
// their source.
TEST(ConvFusion, TrainsLikeSeparateConvsStepByStep) {
  std::set<std::string> fusing;
  for (const test::Pattern& p : test::kFusionPatterns) fusing.insert(std::string("compact:") + p.code);
  for (const std::string& code : cells_to_compare()) {
    if (cell::is_disconnected(cell::parse_encoding(code))) continue;  // not trained
    for (Initialization init : {Initialization::Benchmark, Initialization::Principled})
      for (bool channels_last : {true, false}) {
        if (!channels_last && !fusing.count(code)) continue;  // NCHW: the fusion patterns suffice
        const std::string label =
            code + ", " + std::string(initialization_name(init)) + " init, " + (channels_last ? "NHWC" : "NCHW");
        const TrainResult separate = train_with(code, init, ConvFusion::Separate, channels_last);
        const TrainResult fused = train_with(code, init, ConvFusion::Fused, channels_last);
        ASSERT_EQ(separate.status, RunStatus::Ok) << label;
        ASSERT_EQ(fused.status, RunStatus::Ok) << label;
        ASSERT_EQ(separate.history.size(), fused.history.size()) << label;
        ASSERT_EQ(separate.final_step_losses.size(), fused.final_step_losses.size()) << label;
        for (std::size_t k = 0; k < separate.final_step_losses.size(); ++k)
          expect_close(separate.final_step_losses[k], fused.final_step_losses[k],
                       label + ", last epoch's step " + std::to_string(k));
        for (std::size_t e = 0; e < separate.history.size(); ++e) {
          expect_close(separate.history[e].train_loss, fused.history[e].train_loss,
                       label + ", training loss of epoch " + std::to_string(e));
          for (const auto& [split, metrics] : separate.history[e].evaluations)
            expect_close(metrics.loss, fused.history[e].evaluations.at(split).loss,
                         label + ", " + split + " loss after epoch " + std::to_string(e));
        }
      }
  }
}

TEST(ConvFusion, FusedTrainingIsDeterministic) {
  for (Initialization init : {Initialization::Benchmark, Initialization::Principled}) {
    const TrainResult a = train_with("compact:3_33_333", init, ConvFusion::Fused, true);
    const TrainResult b = train_with("compact:3_33_333", init, ConvFusion::Fused, true);
    ASSERT_EQ(a.history.size(), b.history.size());
    for (std::size_t e = 0; e < a.history.size(); ++e) {
      EXPECT_EQ(a.history[e].train_loss, b.history[e].train_loss) << e;
      for (const auto& [split, metrics] : a.history[e].evaluations)
        EXPECT_EQ(metrics.loss, b.history[e].evaluations.at(split).loss) << split << " " << e;
    }
    EXPECT_EQ(a.final_step_losses, b.final_step_losses);
    EXPECT_EQ(a.config["runtime"]["conv_fusion"], "fused");
  }
}

}  // namespace
}  // namespace nasrank::train
