#include "nasrank/cell/encoding.h"
#include "nasrank/scale/scaler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace nasrank::scale {
namespace {

std::map<std::string, LayerInit> by_name(const std::vector<LayerInit>& layers) {
  std::map<std::string, LayerInit> out;
  for (const auto& layer : layers) out[layer.name] = layer;
  return out;
}

// All-conv3x3 cell 3_33_333: vertex 2 has in-degree 2, so only the conv on
// 2->3 is divided by 2 under the reference (source) choice.
TEST(LayerInit, FullNb201NetworkReferenceValues) {
  const auto layers = layer_init_table(cell::parse_encoding("3_33_333"), NetworkShape{}, ScalerOptions{});
  EXPECT_EQ(layers.size(), 1U + 15 * 6 + 2 * 3 + 1);
  const auto named = by_name(layers);
  EXPECT_DOUBLE_EQ(named.at("cells.0.edge_2_3.conv.weight").stddev, std::sqrt(2.0 / (16 * 9 * 2)));
  EXPECT_EQ(named.at("cells.0.edge_2_3.conv.weight").in_degree, 2);
  for (const char* name :
       {"cells.0.edge_0_1.conv.weight", "cells.4.edge_1_2.conv.weight", "cells.3.edge_0_3.conv.weight"})
    EXPECT_DOUBLE_EQ(named.at(name).stddev, std::sqrt(2.0 / (16 * 9))) << name;
  EXPECT_DOUBLE_EQ(named.at("classifier.weight").stddev, 2.0 / 64);
  EXPECT_EQ(named.at("classifier.weight").shape, (std::vector<std::int64_t>{10, 64}));
  EXPECT_DOUBLE_EQ(named.at("stem.conv.weight").stddev, std::sqrt(2.0 / 27));
  // Reduction blocks are cells 5 and 11; reference degrees 2 / 1 / 2.
  EXPECT_DOUBLE_EQ(named.at("cells.5.conv_a.conv.weight").stddev, std::sqrt(2.0 / (16 * 9 * 2)));
  EXPECT_DOUBLE_EQ(named.at("cells.5.conv_b.conv.weight").stddev, std::sqrt(2.0 / (32 * 9)));
  EXPECT_DOUBLE_EQ(named.at("cells.11.shortcut.conv.weight").stddev, std::sqrt(2.0 / (32 * 2)));
  EXPECT_EQ(named.at("cells.11.shortcut.conv.weight").shape, (std::vector<std::int64_t>{64, 32, 1, 1}));
  EXPECT_EQ(named.at("cells.16.edge_2_3.conv.weight").shape, (std::vector<std::int64_t>{64, 64, 3, 3}));
  EXPECT_DOUBLE_EQ(named.at("cells.16.edge_2_3.conv.weight").stddev, std::sqrt(2.0 / (64 * 9 * 2)));
  EXPECT_EQ(named.count("cells.5.edge_0_1.conv.weight"), 0U);
}

TEST(LayerInit, TargetDegreeUsesTheEdgesTargetVertex) {
  ScalerOptions options;
  options.degree = DegreeChoice::Target;
  const auto named = by_name(layer_init_table(cell::parse_encoding("3_33_333"), NetworkShape{}, options));
  EXPECT_EQ(named.at("cells.0.edge_0_3.conv.weight").in_degree, 3);
  EXPECT_EQ(named.at("cells.0.edge_0_2.conv.weight").in_degree, 2);
  EXPECT_EQ(named.at("cells.0.edge_0_1.conv.weight").in_degree, 1);
  EXPECT_DOUBLE_EQ(named.at("cells.0.edge_1_3.conv.weight").stddev, std::sqrt(2.0 / (16 * 9 * 3)));
}

TEST(LayerInit, DeadAndPoolingEdges) {
  // 3_00_100: the conv on 0->1 is dead (vertex 1 reaches no output): it has a
  // row, marked as not computed by the default build; the only path is the skip 0->3.
  const auto layers = layer_init_table(cell::parse_encoding("3_00_100"), NetworkShape{}, ScalerOptions{});
  EXPECT_EQ(layers.size(), 1U + 2 * 3 + 1 + 15);
  EXPECT_FALSE(by_name(layers).at("cells.0.edge_0_1.conv.weight").computed);
  EXPECT_TRUE(by_name(layers).at("cells.5.conv_a.conv.weight").computed);
  // 0_33_003: the conv 1 -> 2 leaves a zero vertex but adds BN's bias: computed.
  EXPECT_TRUE(by_name(layer_init_table(cell::parse_encoding("0_33_003"), NetworkShape{}, ScalerOptions{}))
                  .at("cells.0.edge_1_2.conv.weight")
                  .computed);
  // 4_21_211: convs 1x1 on 0->2 and 0->3, pooling elsewhere.
  const auto named = by_name(layer_init_table(cell::parse_encoding("4_21_211"), NetworkShape{}, ScalerOptions{}));
  EXPECT_EQ(named.at("cells.0.edge_0_2.conv.weight").shape, (std::vector<std::int64_t>{16, 16, 1, 1}));
  EXPECT_DOUBLE_EQ(named.at("cells.0.edge_0_2.conv.weight").stddev, std::sqrt(2.0 / 16));
  EXPECT_EQ(named.count("cells.0.edge_0_1.conv.weight"), 0U);
}

TEST(LayerInit, ShapeFollowsChannelsCellsInputsAndClasses) {
  NetworkShape shape;
  shape.channels = 8;
  shape.cells_per_stage = 1;
  shape.input_channels = 1;
  shape.num_classes = 120;
  const auto named = by_name(layer_init_table(cell::parse_encoding("1_01_003"), shape, ScalerOptions{}));
  EXPECT_EQ(named.at("stem.conv.weight").shape, (std::vector<std::int64_t>{8, 1, 3, 3}));
  EXPECT_EQ(named.at("classifier.weight").shape, (std::vector<std::int64_t>{120, 32}));
  EXPECT_EQ(named.count("cells.4.edge_2_3.conv.weight"), 1U);  // cells 0, (1 red.), 2, (3 red.), 4
  EXPECT_EQ(named.count("cells.1.conv_a.conv.weight"), 1U);
}

TEST(LayerInit, DagMlpAndCnn) {
  NetworkShape shape;
  shape.channels = 64;
  shape.input_channels = 784;
  const auto mlp = by_name(layer_init_table(cell::parse_encoding("dag:2_12_002_2222"), shape, ScalerOptions{}));
  EXPECT_EQ(mlp.at("stem.weight").shape, (std::vector<std::int64_t>{64, 784}));
  // The reference's DAG networks draw with fan_out: the stem's is the width.
  EXPECT_DOUBLE_EQ(mlp.at("stem.weight").stddev, std::sqrt(2.0 / 64));
  EXPECT_EQ(mlp.at("stem.weight").rule, "he-fan-out");
  // vertex 2 receives 0->2 (skip) and 1->2 (linear): in-degree 2.
  EXPECT_EQ(mlp.at("edge_2_4.weight").in_degree, 2);
  EXPECT_DOUBLE_EQ(mlp.at("edge_2_4.weight").stddev, std::sqrt(2.0 / (64 * 2)));
  EXPECT_EQ(mlp.count("edge_0_2.weight"), 0U);  // skip: no weights
  // Readout: std = 2 / fan_out = 2 / classes, whatever the width.
  EXPECT_DOUBLE_EQ(mlp.at("readout.weight").stddev, 2.0 / 10);
  EXPECT_EQ(mlp.at("readout.weight").rule, "output-2/fan_out");
  for (int q : {1, 3, 5, 7}) {
    ScalerOptions options;
    options.kernel_size = q;
    NetworkShape image = shape;
    image.input_channels = 3;
    const auto cnn = by_name(layer_init_table(cell::parse_encoding("dag:2_12_002_2222"), image, options));
    EXPECT_EQ(cnn.at("edge_1_2.weight").shape, (std::vector<std::int64_t>{64, 64, q, q}));
    EXPECT_DOUBLE_EQ(cnn.at("edge_1_2.weight").stddev, std::sqrt(2.0 / (64.0 * q * q)));
    EXPECT_EQ(cnn.at("stem.weight").fan_in, 3 * q * q);
    EXPECT_EQ(cnn.at("stem.weight").fan_out, 64 * q * q);
    EXPECT_DOUBLE_EQ(cnn.at("stem.weight").stddev, std::sqrt(2.0 / (64.0 * q * q)));
  }
}

}  // namespace
}  // namespace nasrank::scale
