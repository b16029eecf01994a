// Worked values from docs (paper-notes, reference convention, lr_base 0.46),
// asserted to 9 significant digits.
#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "nasrank/scale/scaler.h"

#include <gtest/gtest.h>

#include <cmath>

namespace nasrank::scale {
namespace {

using cell::from_benchmark_index;
using cell::parse_encoding;

void expect_9_digits(double actual, double expected) { EXPECT_NEAR(actual, expected, std::abs(expected) * 5e-10); }

double lr_of(const cell::CellGraph& graph, ScalerOptions options = {}) {
  return learning_rate(graph, options).learning_rate;
}

TEST(LearningRate, WorkedNb201ValuesByIndex) {
  expect_9_digits(lr_of(from_benchmark_index(0)), 0.1084230398);
  expect_9_digits(lr_of(from_benchmark_index(1)), 0.06934760925);
  expect_9_digits(lr_of(from_benchmark_index(1462)), 0.04098005709);
  expect_9_digits(lr_of(from_benchmark_index(25)), 0.46);
  expect_9_digits(lr_of(from_benchmark_index(1835)), 0.23);
  expect_9_digits(lr_of(from_benchmark_index(8251)), 0.08852704128);
}

TEST(LearningRate, WorkedNb201ValuesByCode) {
  const auto r = learning_rate(parse_encoding("3_34_131"), {});
  EXPECT_EQ(r.path_depths, (std::vector<int>{2, 3, 2, 1}));  // enumerate_paths order
  EXPECT_EQ(r.base_depths, (std::vector<int>{1}));
  EXPECT_DOUBLE_EQ(r.sum_cubed_depths, 8 + 27 + 8 + 1);
  EXPECT_EQ(r.convention, DepthConvention::Nb201Reference);
  expect_9_digits(lr_of(parse_encoding("1_01_001")), 0.46);
  expect_9_digits(lr_of(parse_encoding("1_11_111")), 0.23);
  expect_9_digits(lr_of(parse_encoding("4_21_211")), 0.1084230398);
}

TEST(LearningRate, Nb201ReferenceIgnoresKernelSizeAndScalesWithBase) {
  ScalerOptions options;
  options.kernel_size = 7;
  options.base_lr = 0.92;
  expect_9_digits(lr_of(parse_encoding("3_34_131"), options), 2 * 0.06934760925);
}

TEST(LearningRate, DisconnectedCellsGetAStatusNotAnException) {
  const auto r = learning_rate(parse_encoding("0_00_000"), {});
  EXPECT_EQ(r.status, ScaleStatus::Disconnected);
  EXPECT_EQ(r.learning_rate, 0.0);
  EXPECT_TRUE(r.path_depths.empty());
  EXPECT_EQ(status_name(r.status), "disconnected");
}

TEST(LearningRate, DagReferenceAddsThreeAndUsesBaseThree) {
  // One chain of three linear edges: L = 3 + 3 = 6, base 3.
  const auto r = learning_rate(parse_encoding("dag:2_02_002"), {});
  EXPECT_EQ(r.convention, DepthConvention::DagReference);
  EXPECT_EQ(r.path_depths, (std::vector<int>{6}));
  expect_9_digits(r.learning_rate, 0.46 * std::sqrt(27.0 / 216.0));
}

TEST(LearningRate, DagReferenceKernelFactorIsThreeOverQ) {
  const double mlp = lr_of(parse_encoding("dag:2_02_002_2222"));
  for (int q : {1, 3, 5, 7}) {
    ScalerOptions options;
    options.kernel_size = q;
    expect_9_digits(lr_of(parse_encoding("dag:2_02_002_2222"), options), mlp * 3.0 / q);
  }
}

TEST(LearningRate, AllSkipDagCollapsesToTheBasePath) {
  const auto five = learning_rate(parse_encoding("dag:1_11_111_1111"), {});
  EXPECT_EQ(five.path_depths, (std::vector<int>{3}));
  expect_9_digits(five.learning_rate, 0.46);
  const auto seven = learning_rate(parse_encoding("dag:1_11_111_1111_11111_111111"), {});
  EXPECT_EQ(seven.path_depths, (std::vector<int>{3}));
}

TEST(LearningRate, CompleteSevenVertexLinearDag) {
  // 32 paths; a path through k of the 5 inner vertices has k+1 linear edges,
  // so L = k + 4 under the DAG reference convention.
  double sum = 0.0;
  const int choose[] = {1, 5, 10, 10, 5, 1};
  for (int k = 0; k <= 5; ++k) sum += choose[k] * std::pow(k + 4.0, 3.0);
  const auto r = learning_rate(parse_encoding("dag:2_22_222_2222_22222_222222"), {});
  EXPECT_EQ(r.path_depths.size(), 32U);
  EXPECT_DOUBLE_EQ(r.sum_cubed_depths, sum);
  expect_9_digits(r.learning_rate, 0.46 * std::sqrt(27.0 / sum));
}

TEST(LearningRate, ReluCountConvention) {
  ScalerOptions options;
  options.convention = DepthConvention::ReluCount;
  const auto r = learning_rate(parse_encoding("3_34_131"), options);
  EXPECT_EQ(r.path_depths, (std::vector<int>{1, 2, 1, 0}));
  expect_9_digits(r.learning_rate, 0.46 / std::sqrt(10.0));
  options.kernel_size = 5;  // the paper's CNN rule applies under this convention
  expect_9_digits(lr_of(parse_encoding("3_34_131"), options), 0.46 / std::sqrt(10.0) * 0.6);
  // Only skip paths: every depth is 0 and no finite rate exists.
  options.kernel_size.reset();
  EXPECT_EQ(learning_rate(parse_encoding("1_01_001"), options).status, ScaleStatus::NoParameterizedPath);
}

TEST(LearningRate, ConventionOverridesTheSpaceDefault) {
  ScalerOptions options;
  options.convention = DepthConvention::Nb201Reference;
  const auto r = learning_rate(parse_encoding("dag:2_02_002"), options);
  EXPECT_EQ(r.path_depths, (std::vector<int>{4}));
  expect_9_digits(r.learning_rate, 0.46 / 8.0);
}

TEST(LearningRate, BadOptionsAreInputErrors) {
  ScalerOptions options;
  options.base_lr = -1;
  EXPECT_THROW(learning_rate(parse_encoding("1"), options), InputError);
  options.base_lr = 0.1;
  options.kernel_size = 4;
  EXPECT_THROW(learning_rate(parse_encoding("1"), options), InputError);
  EXPECT_THROW(parse_convention("resnet"), InputError);
  EXPECT_THROW(parse_degree("both"), InputError);
  EXPECT_EQ(parse_convention("dag-reference"), DepthConvention::DagReference);
  // Finite base, infinite rate once scaled by 3/q = 3.
  options.base_lr = 1.79e308;
  options.kernel_size = 1;
  options.convention = DepthConvention::DagReference;
  EXPECT_THROW(learning_rate(parse_encoding("dag:2"), options), InputError);
}

}  // namespace
}  // namespace nasrank::scale
