#include "nasrank/cell/encoding.h"
#include "nasrank/cell/nb201_space.h"
#include "nasrank/cell/space.h"
#include "nasrank/common/error.h"
#include "nasrank/common/python_random.h"

#include <gtest/gtest.h>

#include <numeric>
#include <set>

namespace nasrank::cell {
namespace {

// The three indices the benchmark's own code asserts (NAS-Bench-201 API).
TEST(Nb201Index, MatchesTheBenchmarksAssertedIndices) {
  EXPECT_EQ(*to_arch_string(from_benchmark_index(0)),
            "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|");
  EXPECT_EQ(*to_arch_string(from_benchmark_index(9)),
            "|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|");
  EXPECT_EQ(*to_arch_string(from_benchmark_index(123)),
            "|avg_pool_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|");
}

TEST(Nb201Index, PaperCodesHaveTheirDocumentedIndices) {
  EXPECT_EQ(*to_compact_code(from_benchmark_index(0)), "4_21_211");
  EXPECT_EQ(*to_compact_code(from_benchmark_index(1)), "3_34_131");
  EXPECT_EQ(*to_compact_code(from_benchmark_index(1462)), "3_33_333");
  EXPECT_EQ(*to_benchmark_index(parse_compact_code("0_00_000")), 1651);  // all none: 10.0% in the benchmark
}

// The compiled-in order (generated at build time) is the shuffle itself.
TEST(Nb201Index, OrderIsCPythonsSeed88Shuffle) {
  std::vector<int> order(kNb201SpaceSize);
  std::iota(order.begin(), order.end(), 0);
  PythonRandom rng(88);
  rng.shuffle(order);
  for (int index = 0; index < kNb201SpaceSize; ++index)
    ASSERT_EQ(ordinal_of_index(index), order[static_cast<std::size_t>(index)]) << "index " << index;
}

TEST(Nb201Index, OrderIsAPermutation) {
  std::set<int> ordinals;
  for (int index = 0; index < kNb201SpaceSize; ++index) {
    const int ordinal = ordinal_of_index(index);
    ordinals.insert(ordinal);
    EXPECT_EQ(index_of_ordinal(ordinal), index);
  }
  EXPECT_EQ(ordinals.size(), static_cast<std::size_t>(kNb201SpaceSize));
}

TEST(Nb201Space, ClassCountsMatchTheBenchmark) {
  const Nb201SpaceCounts counts = count_nb201_space();
  EXPECT_EQ(counts.total, 15625);
  EXPECT_EQ(counts.unique_with_zeros, 6466);
  EXPECT_EQ(counts.unique_ignoring_zeros, 12751);
  EXPECT_EQ(counts.disconnected, 341);
}

TEST(Nb201Space, UniqueKeepsTheLowestIndexOfEachClass) {
  const auto unique = nb201_space(Isomorphism::UniqueWithZeros);
  ASSERT_EQ(unique.size(), 6466U);
  EXPECT_EQ(nb201_space(Isomorphism::UniqueIgnoringZeros).size(), 12751U);
  std::set<std::string> classes;
  int previous = -1;
  for (const auto& cell : unique) {
    EXPECT_GT(cell.index, previous);
    previous = cell.index;
    EXPECT_TRUE(classes.insert(cell.unique_string).second);
  }
  // Every cell's class representative has an index no larger than its own.
  const auto all = nb201_space();
  std::map<std::string, int> representative;
  for (const auto& cell : unique) representative[cell.unique_string] = cell.index;
  for (const auto& cell : all) EXPECT_LE(representative.at(cell.unique_string), cell.index);
}

TEST(DagSpace, FiveVerticesHave59049Codes) {
  EXPECT_EQ(dag_space_size(5), 59049U);
  std::uint64_t count = 0;
  std::string first, last;
  for_each_dag(5, [&](const CellGraph& g) {
    if (count == 0) first = *to_dag_code(g);
    last = *to_dag_code(g);
    ++count;
    return true;
  });
  EXPECT_EQ(count, 59049U);
  EXPECT_EQ(first, "0_00_000_0000");
  EXPECT_EQ(last, "2_22_222_2222");
}

TEST(DagSpace, DagAtFollowsTheEnumerationOrder) {
  for (int vertices = 2; vertices <= 4; ++vertices) {
    std::uint64_t ordinal = 0;
    for_each_dag(vertices, [&](const CellGraph& g) {
      EXPECT_EQ(dag_at(vertices, ordinal), g) << vertices << " vertices, ordinal " << ordinal;
      ++ordinal;
      return true;
    });
  }
  EXPECT_EQ(*to_dag_code(dag_at(5, 59048)), "2_22_222_2222");
  EXPECT_EQ(*to_dag_code(dag_at(4, 1)), "0_00_001");
}

TEST(DagSpace, DagAtRejectsAnOrdinalPastTheEnd) {
  EXPECT_THROW(dag_at(3, 27), InputError);
  EXPECT_THROW(dag_at(7, 0), InputError);
}

}  // namespace
}  // namespace nasrank::cell
