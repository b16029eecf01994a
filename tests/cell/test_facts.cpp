// Paths, depths and dead edges of hand-drawn cells (worked out on paper; the
// comment above each case lists the edges).
#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"

#include "nasrank/cell/nb201_space.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace nasrank::cell {
namespace {

std::vector<std::vector<int>> path_vertices(const CellFacts& facts) {
  std::vector<std::vector<int>> out;
  for (const auto& p : facts.paths) out.push_back(p.vertices);
  return out;
}

std::vector<int> path_depths(const CellFacts& facts) {
  std::vector<int> out;
  for (const auto& p : facts.paths) out.push_back(p.parameterized_edges);
  return out;
}

// 3_34_131 (index 1): 1<-0 conv3; 2<-0 conv3, 2<-1 pool; 3<-0 skip, 3<-1 conv3, 3<-2 skip.
TEST(CellFacts, BenchmarkIndexOne) {
  const CellFacts f = analyze(from_benchmark_index(1));
  EXPECT_EQ(path_vertices(f), (std::vector<std::vector<int>>{{0, 1, 2, 3}, {0, 1, 3}, {0, 2, 3}, {0, 3}}));
  EXPECT_EQ(path_depths(f), (std::vector<int>{1, 2, 1, 0}));
  EXPECT_EQ(f.in_degree, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(f.num_nonzero_edges, 6);
  EXPECT_FALSE(f.disconnected);
  EXPECT_TRUE(f.dead_edges.empty());
  EXPECT_EQ(f.unique_string, "((0)@nor_conv_3x3)@avg_pool_3x3+(0)@nor_conv_3x3+((0)@nor_conv_3x3)@nor_conv_3x3+0");
}

// 4_21_211 (index 0): 1<-0 pool; 2<-0 conv1, 2<-1 skip; 3<-0 conv1, 3<-1 skip, 3<-2 skip.
TEST(CellFacts, BenchmarkIndexZero) {
  const CellFacts f = analyze(from_benchmark_index(0));
  EXPECT_EQ(path_depths(f), (std::vector<int>{0, 0, 1, 1}));
  EXPECT_EQ(f.paths[0].ops, (std::vector<Op>{Op::AvgPool3x3, Op::Skip, Op::Skip}));
  EXPECT_EQ(f.unique_string, "(0)@avg_pool_3x3+(0)@avg_pool_3x3+(0)@nor_conv_1x1+(0)@nor_conv_1x1");
}

// 3_00_100: 1<-0 conv3 but vertex 1 feeds nothing; 3<-0 skip is the only path.
TEST(CellFacts, ConvIntoADeadEndIsADeadEdge) {
  const CellFacts f = analyze(parse_compact_code("3_00_100"));
  EXPECT_EQ(path_vertices(f), (std::vector<std::vector<int>>{{0, 3}}));
  EXPECT_EQ(f.in_degree, (std::vector<int>{0, 1, 0, 1}));
  ASSERT_EQ(f.dead_edges.size(), 1U);
  EXPECT_EQ(f.dead_edges[0], (Edge{0, 1, Op::Conv3x3}));
  EXPECT_EQ(f.unique_string, "#+#+0");
}

// 1_00_003: 1<-0 skip (vertex 1 reaches nothing), 3<-2 conv3 (vertex 2 has no input).
TEST(CellFacts, NoPathMeansDisconnectedAndEveryEdgeDead) {
  const CellFacts f = analyze(parse_compact_code("1_00_003"));
  EXPECT_TRUE(f.disconnected);
  EXPECT_TRUE(f.paths.empty());
  EXPECT_EQ(f.dead_edges, (std::vector<Edge>{{0, 1, Op::Skip}, {2, 3, Op::Conv3x3}}));
  EXPECT_TRUE(is_disconnected(parse_compact_code("1_00_003")));
}

TEST(CellFacts, AllNoneCell) {
  const CellFacts f = analyze(parse_compact_code("0_00_000"));
  EXPECT_TRUE(f.disconnected);
  EXPECT_EQ(f.num_nonzero_edges, 0);
  EXPECT_TRUE(f.dead_edges.empty());
  EXPECT_EQ(f.unique_string, "#+#+#");
}

// 2_02_002 (DAG): 1<-0 linear; 2<-1 linear; 3<-2 linear, 3<-0/3<-1 zero: one chain.
TEST(CellFacts, DagChainHasOnePathOfDepthThree) {
  const CellFacts f = analyze(parse_dag_code("2_02_002"));
  EXPECT_EQ(path_vertices(f), (std::vector<std::vector<int>>{{0, 1, 2, 3}}));
  EXPECT_EQ(path_depths(f), (std::vector<int>{3}));
  // The benchmark's algorithm keeps "#" terms inside a sum ("#+x" is not
  // "#"), so zero edges still show in the string; reproduced on purpose.
  EXPECT_EQ(f.unique_string, "#+#+(#+((0)@linear)@linear)@linear");
}

// Seven vertices, every edge skip or linear: paths double with each vertex.
TEST(CellFacts, CompleteSevenVertexDagHas32Paths) {
  const CellFacts f = analyze(parse_dag_code("1_11_111_1111_11111_111111"));
  EXPECT_EQ(f.paths.size(), 32U);  // 2^(n-2) for a complete DAG on n vertices
  EXPECT_EQ(f.in_degree, (std::vector<int>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(f.unique_string_ignoring_zeros, f.unique_string);
}

TEST(CellFacts, IgnoringZerosSeparatesCellsThatDifferOnlyInZeroBranches) {
  // Both cells compute conv3(x) at the output; the second also has a conv on
  // 0->1 whose result reaches the output only through none edges, which only
  // the zero-aware string erases.
  const CellGraph a = parse_compact_code("0_00_300");
  const CellGraph b = parse_compact_code("3_00_300");
  EXPECT_EQ(unique_string(a, true), unique_string(b, true));
  EXPECT_NE(unique_string(a, false), unique_string(b, false));
}

}  // namespace
}  // namespace nasrank::cell

namespace nasrank::cell {
namespace {

// 0_33_003 (benchmark #4740): 1<-0 none; 2<-0 conv3, 2<-1 conv3; 3<-2 conv3.
// Vertex 1 is identically zero, so the conv 1 -> 2 adds BatchNorm's bias.
TEST(EdgeEffects, ConvOutOfAZeroVertexAddsAConstant) {
  const CellGraph g = parse_encoding("0_33_003");
  EXPECT_EQ(vertex_values(g),
            (std::vector<VertexValue>{VertexValue::Input, VertexValue::Zero, VertexValue::Input, VertexValue::Input}));
  const CellFacts f = analyze(g);
  ASSERT_EQ(f.dead_edges.size(), 1u);
  EXPECT_EQ(f.constant_edges, (std::vector<Edge>{{1, 2, Op::Conv3x3}}));
  // 0_03_103: vertex 2 holds only that constant; the conv 2 -> 3 over it is computed.
  const std::vector<EdgeEffect> e = edge_effects(parse_encoding("0_03_103"));
  const std::vector<Edge> edges = parse_encoding("0_03_103").edges();
  for (std::size_t k = 0; k < edges.size(); ++k) {
    const Edge& edge = edges[k];
    const EdgeEffect expected = edge.op == Op::None              ? EdgeEffect::NoEffect
                                : edge.from == 1 && edge.to == 2 ? EdgeEffect::ConstantFromZero
                                                                 : EdgeEffect::Computed;
    EXPECT_EQ(e[k], expected) << edge.from << "->" << edge.to;
  }
  EXPECT_EQ(vertex_values(parse_encoding("0_03_103"))[2], VertexValue::Constant);
}

// 3_10_100: the conv into vertex 1 reaches no output; the skip 1 -> 2 leaves
// a vertex that reaches nothing either. Neither can change the output.
TEST(EdgeEffects, EdgesIntoVerticesThatReachNoOutputHaveNoEffect) {
  const CellGraph g = parse_encoding("3_10_100");
  const std::vector<EdgeEffect> e = edge_effects(g);
  const std::vector<Edge> edges = g.edges();
  for (std::size_t k = 0; k < edges.size(); ++k)
    EXPECT_EQ(e[k], edges[k].from == 0 && edges[k].to == 3 ? EdgeEffect::Computed : EdgeEffect::NoEffect)
        << edges[k].from << "->" << edges[k].to;
  EXPECT_TRUE(analyze(g).constant_edges.empty());
}

TEST(ExactClassKey, SeparatesWhatTrainsDifferently) {
  auto key = [](const char* code) { return exact_class_key(parse_encoding(code)); };
  auto benchmark = [](const char* code) { return unique_string(parse_encoding(code), true); };
  // A trained bias the benchmark's string drops.
  EXPECT_EQ(benchmark("0_33_003"), benchmark("0_30_003"));
  EXPECT_NE(key("0_33_003"), key("0_30_003"));
  // Either conv kernel out of a zero vertex is just BatchNorm's bias.
  EXPECT_EQ(key("0_32_003"), key("0_33_003"));
  // A skip out of a zero vertex adds nothing but raises vertex 2's in-degree,
  // which the principled init of the conv 2 -> 3 divides by.
  EXPECT_EQ(benchmark("0_31_003"), benchmark("0_30_003"));
  EXPECT_NE(key("0_31_003"), key("0_30_003"));
  // What cannot reach the output does not matter.
  EXPECT_EQ(key("3_00_100"), key("2_00_100"));
  // Zeros are zeros however many edges sum them.
  EXPECT_EQ(key("0_00_000"), "#");
}

// Over the whole space: cells of one exact class have the same path depths,
// so the same learning rate under every depth convention.
TEST(ExactClassKey, ClassesShareTheirPathDepths) {
  std::map<std::string, std::vector<int>> depths_of_class;
  for (int index = 0; index < kNb201SpaceSize; ++index) {
    const CellFacts f = analyze(from_benchmark_index(index));
    std::vector<int> depths;
    for (const Path& p : f.paths) depths.push_back(p.parameterized_edges);
    std::sort(depths.begin(), depths.end());
    const auto [it, inserted] = depths_of_class.emplace(f.exact_class_key, depths);
    if (!inserted) {
      EXPECT_EQ(it->second, depths) << "index " << index << " in class " << f.exact_class_key;
    }
  }
  EXPECT_GT(depths_of_class.size(), 6466u);  // finer than the benchmark's classes
}

}  // namespace
}  // namespace nasrank::cell
