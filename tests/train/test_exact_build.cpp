// The default (pruned) build must train exactly the benchmark's network: every
// cell pattern of dead edges, both initializations, a short real training run
// compared step by step with the build that computes every edge.
#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"
#include "nasrank/train/network.h"
#include "nasrank/train/process.h"
#include "nasrank/train/trainer.h"
#include "train/edge_patterns.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

namespace nasrank::train {
namespace {

using test::kDeadEdgePatterns;
using test::Pattern;
const auto& kPatterns = kDeadEdgePatterns;

const dataset::BenchmarkData& tiny_data() {
  static const dataset::BenchmarkData data =
      dataset::load_benchmark_data("synthetic", test::tiny_data_config(192, 64, 5));
  return data;
}

TrainResult train_with(const std::string& code, Initialization init, EdgeBuild build) {
  // One batch per epoch, so every epoch's training loss is one step's loss; a
  // rate high enough that the constant terms move.
  TrainRequest request = test::request_for(code, test::tiny_protocol("exact-build", 192, 6, 0.2, init), 9);
  request.runtime.channels_last = false;
  request.runtime.edges = build;
  return train(request, tiny_data());
}

void expect_close(double a, double b, const std::string& what) {
  EXPECT_LE(std::abs(a - b), 1e-5 * std::max(1.0, std::abs(a))) << what << ": every edge " << a << ", default " << b;
}

TEST(ExactBuild, DefaultBuildTrainsLikeEveryEdgeStepByStep) {
  for (const Pattern& pattern : kPatterns) {
    const cell::CellGraph graph = cell::parse_encoding(pattern.code);
    if (cell::is_disconnected(graph)) continue;  // not trained; its network is checked below
    for (Initialization init : {Initialization::Benchmark, Initialization::Principled}) {
      const std::string label =
          std::string(pattern.code) + " (" + pattern.what + "), " + std::string(initialization_name(init)) + " init";
      const TrainResult every = train_with(pattern.code, init, EdgeBuild::EveryEdge);
      const TrainResult pruned = train_with(pattern.code, init, EdgeBuild::Pruned);
      ASSERT_EQ(every.status, RunStatus::Ok) << label;
      ASSERT_EQ(pruned.status, RunStatus::Ok) << label;
      ASSERT_EQ(every.history.size(), pruned.history.size()) << label;
      for (std::size_t e = 0; e < every.history.size(); ++e) {
        expect_close(every.history[e].train_loss, pruned.history[e].train_loss,
                     label + ", training loss of step " + std::to_string(e));
        for (const auto& [split, metrics] : every.history[e].evaluations)
          expect_close(metrics.loss, pruned.history[e].evaluations.at(split).loss,
                       label + ", " + split + " loss after step " + std::to_string(e));
      }
    }
  }
}

std::set<std::string> names_of(const Network& network) {
  std::set<std::string> names;
  for (const ParameterInfo& p : network.parameters()) names.insert(p.name);
  return names;
}

// The images of tiny_data().
NetworkSpec small_spec() {
  NetworkSpec spec = test::small_spec();
  spec.input_channels = 1;
  spec.num_classes = 4;
  return spec;
}

// The two builds draw every parameter they share identically (draws keyed by
// the parameter's name), under both initializations.
TEST(ExactBuild, SharedParametersAreDrawnIdentically) {
  for (const Pattern& pattern : kPatterns) {
    const cell::CellGraph graph = cell::parse_encoding(pattern.code);
    for (Initialization init : {Initialization::Benchmark, Initialization::Principled}) {
      Network every(graph, small_spec(), 4, EdgeBuild::EveryEdge);
      Network pruned(graph, small_spec(), 4, EdgeBuild::Pruned);
      every.initialize(init, scale::ScalerOptions{}, 21);
      pruned.initialize(init, scale::ScalerOptions{}, 21);
      const std::set<std::string> every_names = names_of(every);
      for (const std::string& name : names_of(pruned)) {
        ASSERT_TRUE(every_names.count(name)) << pattern.code << ": " << name;
        EXPECT_EQ(every.parameter_values(name), pruned.parameter_values(name))
            << pattern.code << " " << initialization_name(init) << ": " << name;
      }
    }
  }
}

// Whatever the build, every parameter the network has gets its row of the
// scaler's table, and the builds differ only by edges that cannot change the
// output (they are in the table with computed = false).
TEST(ExactBuild, InitTableNamesEveryParameterOfEitherBuild) {
  for (const Pattern& pattern : kPatterns) {
    const cell::CellGraph graph = cell::parse_encoding(pattern.code);
    Network every(graph, small_spec(), 1, EdgeBuild::EveryEdge);
    Network pruned(graph, small_spec(), 1, EdgeBuild::Pruned);
    const auto table = every.initialize(Initialization::Principled, scale::ScalerOptions{}, 2);
    ASSERT_NO_THROW(pruned.initialize(Initialization::Principled, scale::ScalerOptions{}, 2)) << pattern.code;
    const std::set<std::string> every_names = names_of(every);
    const std::set<std::string> pruned_names = names_of(pruned);
    for (const scale::LayerInit& row : table) {
      EXPECT_TRUE(every_names.count(row.name)) << pattern.code << ": " << row.name;
      EXPECT_EQ(pruned_names.count(row.name) == 1, row.computed) << pattern.code << ": " << row.name;
    }
  }
}

// The constant term the benchmark's network keeps: 0_33_003's edge 1 -> 2
// leaves vertex 1, which only `none` feeds.
TEST(ExactBuild, ConstantTermsOfDeadSourceEdgesAreBuilt) {
  const Network pruned(cell::parse_encoding("0_33_003"), small_spec(), 1);
  EXPECT_TRUE(names_of(pruned).count("cells.0.edge_1_2.bn.bias"));
  const Network dead_target(cell::parse_encoding("3_00_100"), small_spec(), 1);
  EXPECT_FALSE(names_of(dead_target).count("cells.0.edge_0_1.conv.weight"));
}

}  // namespace
}  // namespace nasrank::train
