// Paths, depths and dead edges of hand-drawn cells (worked out on paper; the
// comment above each case lists the edges).
#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"

#include <gtest/gtest.h>

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
