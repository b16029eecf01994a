#include "nasrank/common/error.h"
#include "nasrank/rerank/plan.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"
#include "nasrank/cell/space.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

namespace nasrank::rerank {
namespace {

TEST(SelectArchitectures, WholeSpaceAndUniqueClasses) {
  ArchitectureSelection all;
  const auto every = select_architectures(all);
  EXPECT_EQ(every.size(), 15625U);
  EXPECT_EQ(every[1].encoding,
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|");
  ArchitectureSelection benchmark_classes;
  benchmark_classes.unique = true;
  benchmark_classes.benchmark_classes = true;
  EXPECT_EQ(select_architectures(benchmark_classes).size(), 6466U);
  ArchitectureSelection unique;
  unique.unique = true;
  const auto classes = select_architectures(unique);
  ASSERT_EQ(classes.size(), static_cast<std::size_t>(cell::count_nb201_space().exact_classes));
  std::size_t represented = 0, disconnected = 0;
  for (const auto& a : classes) {
    represented += a.represents.size();
    disconnected += a.disconnected ? 1 : 0;
    EXPECT_EQ(a.represents.front(), a.benchmark_index);  // lowest index represents its class
  }
  EXPECT_EQ(represented, 15625U);  // every cell is stood for exactly once
  EXPECT_GE(disconnected, 1U);
}

TEST(SelectArchitectures, SeededSampleIsDeterministicAndSorted) {
  ArchitectureSelection s;
  s.sample = 50;
  s.sample_seed = 3;
  const auto a = select_architectures(s);
  const auto b = select_architectures(s);
  ASSERT_EQ(a.size(), 50U);
  for (std::size_t k = 0; k < a.size(); ++k) EXPECT_EQ(a[k].benchmark_index, b[k].benchmark_index);
  for (std::size_t k = 1; k < a.size(); ++k) EXPECT_LT(a[k - 1].benchmark_index, a[k].benchmark_index);
  s.sample_seed = 4;
  const auto c = select_architectures(s);
  std::size_t same = 0;
  for (std::size_t k = 0; k < a.size(); ++k) same += a[k].benchmark_index == c[k].benchmark_index ? 1 : 0;
  EXPECT_LT(same, 10U);
  s.sample = 20000;
  EXPECT_THROW(select_architectures(s), InputError);
}

TEST(SelectArchitectures, ExplicitListMergesIsomorphicCellsWhenUnique) {
  ArchitectureSelection s;
  // 3_00_100 and 0_00_100 differ only in a dead conv: the same class.
  s.explicit_list = {"3_00_100", "0_00_100", "1"};
  EXPECT_EQ(select_architectures(s).size(), 3U);
  s.unique = true;
  const auto merged = select_architectures(s);
  ASSERT_EQ(merged.size(), 2U);
  EXPECT_EQ(merged[0].represents.size(), 2U);
  s.explicit_list = {"dag:2_02_002"};
  EXPECT_THROW(select_architectures(s), InputError);  // a DAG in the nb201 space
  s.space = "dag";
  EXPECT_EQ(select_architectures(s).at(0).encoding, "dag:2_02_002");
}

TEST(SelectArchitectures, DagSpace) {
  ArchitectureSelection s;
  s.space = "dag";
  s.dag_vertices = 4;
  EXPECT_EQ(select_architectures(s).size(), 729U);
  s.space = "resnet";
  EXPECT_THROW(select_architectures(s), InputError);
}

TEST(Shards, PartitionThePlanExactly) {
  const std::vector<ProtocolPlan> protocols{{"a", "fashion-mnist", 2, {1, 2}}, {"b", "fashion-mnist", 2, {1, 2, 3}}};
  const auto whole = plan_runs(7, protocols);
  EXPECT_EQ(whole.size(), 7U * 5U);
  std::multiset<std::tuple<std::size_t, std::size_t, std::uint64_t>> seen;
  for (int i = 0; i < 4; ++i)
    for (const auto& r : plan_runs(7, protocols, Shard{i, 4})) seen.insert({r.architecture, r.protocol, r.seed});
  EXPECT_EQ(seen.size(), whole.size());
  for (const auto& r : whole) EXPECT_EQ(seen.count({r.architecture, r.protocol, r.seed}), 1U);
}

TEST(Shards, ParseAndReject) {
  EXPECT_EQ(parse_shard("2/5").index, 2);
  EXPECT_EQ(parse_shard("2/5").count, 5);
  for (const char* bad : {"5/5", "-1/3", "1", "a/b", "1/0", "1/3x", ""})
    EXPECT_THROW(parse_shard(bad), InputError) << bad;
}

TEST(ArchitectureList, ReadsLinesAndNamesBadOnes) {
  const std::string path = "/tmp/nasrank-test-archs.txt";
  std::ofstream(path) << "# cells\n1\n\n  3_34_131  \n";
  EXPECT_EQ(read_architecture_list(path), (std::vector<std::string>{"1", "3_34_131"}));
  std::ofstream(path) << "1\n3_35_131\n";
  try {
    read_architecture_list(path);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2: compact code '3_35_131'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nasrank::rerank

namespace nasrank::rerank {
namespace {

TEST(SelectArchitectures, ConnectedOnlyLeavesOutDisconnectedCellsBeforeSampling) {
  ArchitectureSelection connected;
  connected.connected_only = true;
  EXPECT_EQ(select_architectures(connected).size(), 15625U - 341U);
  connected.sample = 200;
  connected.sample_seed = 1;
  const auto sample = select_architectures(connected);
  ASSERT_EQ(sample.size(), 200U);
  for (const auto& a : sample) EXPECT_FALSE(a.disconnected) << a.encoding;
}

}  // namespace
}  // namespace nasrank::rerank

namespace nasrank::rerank {
namespace {

int convolutions_with_effect(const std::string& arch) {
  const cell::CellGraph graph = cell::parse_encoding(arch);
  const auto edges = graph.edges();
  const auto effects = cell::edge_effects(graph);
  int convs = 0;
  for (std::size_t k = 0; k < edges.size(); ++k)
    convs += cell::is_parameterized(edges[k].op) && effects[k] != cell::EdgeEffect::NoEffect ? 1 : 0;
  return convs;
}

TEST(SampleAcrossConvCounts, SpansZeroToSixConvolutionsDeterministically) {
  const auto sample = nb201_sample_across_conv_counts(10, 2024);
  ASSERT_EQ(sample.size(), 10u);
  EXPECT_EQ(sample, nb201_sample_across_conv_counts(10, 2024));
  EXPECT_NE(sample, nb201_sample_across_conv_counts(10, 2025));
  std::multiset<int> counts;
  std::set<std::string> distinct(sample.begin(), sample.end());
  EXPECT_EQ(distinct.size(), 10u);
  for (const auto& arch : sample) {
    EXPECT_FALSE(cell::is_disconnected(cell::parse_encoding(arch))) << arch;
    counts.insert(convolutions_with_effect(arch));
  }
  // round(6k / 9) for k = 0..9
  EXPECT_EQ(counts, (std::multiset<int>{0, 1, 1, 2, 3, 3, 4, 5, 5, 6}));
  EXPECT_THROW(nb201_sample_across_conv_counts(1, 0), InputError);
}

}  // namespace
}  // namespace nasrank::rerank
