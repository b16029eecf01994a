#include "nasrank/cell/encoding.h"
#include "nasrank/cell/space.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace nasrank::cell {
namespace {

TEST(Encoding, WholeNb201SpaceRoundTripsThroughEveryEncoding) {
  for (int index = 0; index < kNb201SpaceSize; ++index) {
    const CellGraph graph = from_benchmark_index(index);
    const std::string arch = *to_arch_string(graph);
    const std::string code = *to_compact_code(graph);
    ASSERT_EQ(parse_arch_string(arch), graph) << arch;
    ASSERT_EQ(*to_arch_string(parse_arch_string(arch)), arch);
    ASSERT_EQ(parse_compact_code(code), graph) << code;
    ASSERT_EQ(*to_benchmark_index(parse_arch_string(arch)), index);
    ASSERT_EQ(*to_benchmark_index(parse_compact_code(code)), index);
    ASSERT_EQ(parse_graph_json(to_graph_json(graph)), graph);
    ASSERT_EQ(parse_encoding(std::to_string(index)), graph);
  }
}

TEST(Encoding, AllFiveVertexDagCodesRoundTrip) {
  std::uint64_t count = 0;
  for_each_dag(5, [&](const CellGraph& graph) {
    const std::string code = *to_dag_code(graph);
    EXPECT_EQ(parse_dag_code(code), graph) << code;
    EXPECT_EQ(*to_dag_code(parse_dag_code(code)), code);
    EXPECT_EQ(parse_graph_json(to_graph_json(graph)), graph) << code;
    EXPECT_EQ(parse_encoding("dag:" + code), graph);
    ++count;
    return true;
  });
  EXPECT_EQ(count, 59049U);
}

TEST(Encoding, CompactCodeMatchesDocumentedArchString) {
  EXPECT_EQ(*to_arch_string(parse_compact_code("3_34_131")),
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|");
}

TEST(Encoding, DetectsEachKind) {
  EXPECT_EQ(detect_encoding("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"), EncodingKind::ArchString);
  EXPECT_EQ(detect_encoding("15624"), EncodingKind::BenchmarkIndex);
  EXPECT_EQ(detect_encoding("3_34_131"), EncodingKind::CompactCode);
  EXPECT_EQ(detect_encoding("2_02_002_0000"), EncodingKind::DagCode);
  EXPECT_EQ(detect_encoding("dag:2_02_002"), EncodingKind::DagCode);
  EXPECT_EQ(detect_encoding(R"({"vertices": 2, "edges": []})"), EncodingKind::GraphJson);
  EXPECT_EQ(parse_encoding("dag:2_02_002").space(), Space::Dag);
  EXPECT_EQ(parse_encoding("2_02_002").space(), Space::Nb201);
}

TEST(Encoding, DagCodesOfAnySize) {
  const CellGraph seven = parse_dag_code("2_02_002_2222_11111_000002");
  EXPECT_EQ(seven.num_vertices(), 7);
  EXPECT_EQ(seven.op(5, 6), Op::Linear);
  EXPECT_EQ(seven.op(0, 5), Op::Skip);
  EXPECT_EQ(seven.op(0, 6), Op::None);
  EXPECT_EQ(parse_dag_code("2").num_vertices(), 2);
  EXPECT_FALSE(to_arch_string(seven).has_value());
  EXPECT_FALSE(to_dag_code(parse_compact_code("3_34_131")).has_value());
  EXPECT_EQ(*to_dag_code(parse_compact_code("1_01_001")), "1_01_001");
}

TEST(Encoding, GraphJsonListsNonZeroEdgesAndDefaultsToNone) {
  const CellGraph g = parse_graph_json(R"({"space":"dag","vertices":3,"edges":[{"from":0,"to":2,"op":"linear"}]})");
  EXPECT_EQ(g.op(0, 2), Op::Linear);
  EXPECT_EQ(g.op(0, 1), Op::None);
  const auto doc = nlohmann::json::parse(to_graph_json(g));
  EXPECT_EQ(doc["edges"].size(), 1U);
  EXPECT_EQ(doc["edges"][0]["op"], "linear");
}

TEST(Encoding, DotMarksDeadEdgesAndOmitsNone) {
  // 0->1 conv feeds vertex 1, which has no way on to the output: dead.
  const std::string dot = to_dot(parse_compact_code("3_00_100"), "t");
  EXPECT_NE(dot.find("0 -> 1 [label=\"nor_conv_3x3\", style=dashed"), std::string::npos) << dot;
  EXPECT_NE(dot.find("0 -> 3 [label=\"skip_connect\"]"), std::string::npos) << dot;
  EXPECT_EQ(dot.find("none"), std::string::npos);
}

}  // namespace
}  // namespace nasrank::cell
