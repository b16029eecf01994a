// Cross-checks against the real benchmark export in ../shared: its rows are in
// index order and carry the benchmark's own canonical strings.
#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"
#include "test_paths.h"

#include <gtest/gtest.h>

#include <fstream>

namespace nasrank::cell {
namespace {

TEST(SharedExports, ArchStringsAndUniqueStringsMatchTheBenchmark) {
  NASRANK_REQUIRE_SHARED_DATA();
  std::ifstream in(testing::shared_nb201_dir() / "nats_bench_200ep_test.csv");
  ASSERT_TRUE(in) << "cannot open nats_bench_200ep_test.csv";
  std::string line;
  std::getline(in, line);  // header
  int index = 0;
  while (std::getline(in, line)) {
    // CIFAR10,CIFAR100,ImageNet,ArchitectureString,UniqueString
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (int k = 0; k < 4; ++k) {
      const std::size_t comma = line.find(',', start);
      fields.push_back(line.substr(start, comma - start));
      start = comma + 1;
    }
    fields.push_back(line.substr(start));
    const CellGraph graph = from_benchmark_index(index);
    ASSERT_EQ(*to_arch_string(graph), fields[3]) << "row " << index;
    ASSERT_EQ(unique_string(graph, true), fields[4]) << "row " << index;
    ++index;
  }
  EXPECT_EQ(index, kNb201SpaceSize);
}

}  // namespace
}  // namespace nasrank::cell
