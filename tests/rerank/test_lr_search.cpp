#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "nasrank/rerank/lr_search.h"
#include "nasrank/scale/scaler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace nasrank::rerank {
namespace {

LrSearchOptions dag_options() {
  LrSearchOptions o;
  o.selection.space = "dag";
  o.selection.explicit_list = {"dag:1_01_001_0001", "dag:1_01_001_0002", "dag:2_02_002_0002", "dag:2_22_222_2222"};
  o.protocol = "lr-search-dag-mlp";
  o.dataset = "synthetic";
  o.seeds = {1, 2};
  o.grid = {0.05, 0.1, 0.2, 0.4};
  return o;
}

TEST(LrSearchPlan, EveryArchitectureRateAndSeedOnceAndShardsPartitionThem) {
  const LrSearchPlan plan = plan_lr_search(dag_options());
  EXPECT_EQ(plan.search_id, "lr-search-dag-mlp");
  EXPECT_EQ(plan.architectures.size(), 4u);
  EXPECT_EQ(plan.runs.size(), 4u * 4u * 2u);
  EXPECT_EQ(plan.predictors.front(), "dag-reference");
  EXPECT_NE(std::find(plan.predictors.begin(), plan.predictors.end(), "longest path only"), plan.predictors.end());
  // The shallowest network predicts the base rate (factor 1).
  scale::ScalerOptions base;
  base.base_lr = 1.0;
  base.convention = scale::DepthConvention::DagReference;
  EXPECT_DOUBLE_EQ(plan.predicted[0][0],
                   scale::learning_rate(cell::parse_encoding("dag:1_01_001_0001"), base).learning_rate);
  EXPECT_DOUBLE_EQ(plan.predicted[0][0], 1.0);  // all skip: one path of the base depth
  std::multiset<std::tuple<std::size_t, std::size_t, std::uint64_t>> all, from_shards;
  for (const auto& r : plan.runs) all.emplace(r.architecture, r.protocol, r.seed);
  for (int i = 0; i < 3; ++i) {
    LrSearchOptions o = dag_options();
    o.shard = {i, 3};
    for (const auto& r : plan_lr_search(o).runs) from_shards.emplace(r.architecture, r.protocol, r.seed);
  }
  EXPECT_EQ(all, from_shards);
}

TEST(LrSearchPlan, BadInputIsRefusedBeforeAnyTraining) {
  auto refused = [](LrSearchOptions o, const std::string& expected) {
    try {
      plan_lr_search(o);
      ADD_FAILURE() << "accepted; expected: " << expected;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  };
  LrSearchOptions o = dag_options();
  o.grid = {0.1, 0.2};
  refused(o, "need at least 3");
  o.grid = {0.1, 0.2, 0.0};
  refused(o, "is not > 0");
  o.grid = {0.1, 0.2, -3};
  refused(o, "is not > 0");
  o = dag_options();
  o.dataset = "no-such-data";
  refused(o, "dataset 'no-such-data' is unknown");
  o = dag_options();
  o.selection.explicit_list = {"dag:0_00_000_0000"};  // disconnected: nothing to search
  refused(o, "no connected architecture");
  o = dag_options();
  o.protocol = "no-such-protocol";
  refused(o, "no-such-protocol");
  o = dag_options();
  o.epochs = 0;
  refused(o, "--epochs 0");
}

TEST(LrSearchPlan, DefaultGridReachesBelowTheDeepestAndAboveTheShallowest) {
  const std::vector<double> grid = default_rate_grid(0.5, {1.0, 0.25}, 10);
  ASSERT_EQ(grid.size(), 10u);
  EXPECT_NEAR(grid.front(), 0.5 * 0.25 / 16, 1e-12);
  EXPECT_NEAR(grid.back(), 0.5 * 8, 1e-12);
  for (std::size_t k = 1; k < grid.size(); ++k) EXPECT_NEAR(grid[k] / grid[k - 1], grid[1] / grid[0], 1e-9);
  EXPECT_THROW(default_rate_grid(0.5, {1.0}, 2), InputError);
  LrSearchOptions o = dag_options();
  o.grid.clear();
  EXPECT_EQ(plan_lr_search(o).grid.size(), 12u);
}

TEST(LrSearchSample, StratifiedSampleSpansAtLeastFourfoldInPredictedRate) {
  const auto sample = stratified_dag_sample(5, 16, 2024);
  ASSERT_EQ(sample.size(), 16u);
  EXPECT_EQ(sample, stratified_dag_sample(5, 16, 2024));
  EXPECT_EQ(std::set<std::string>(sample.begin(), sample.end()).size(), 16u);
  double low = INFINITY, high = 0;
  std::set<std::size_t> path_counts;
  for (const auto& code : sample) {
    scale::ScalerOptions options;
    options.base_lr = 1.0;
    options.convention = scale::DepthConvention::DagReference;
    const auto r = scale::learning_rate(cell::parse_encoding(code), options);
    ASSERT_EQ(r.status, scale::ScaleStatus::Ok) << code;
    low = std::min(low, r.learning_rate);
    high = std::max(high, r.learning_rate);
    path_counts.insert(r.path_depths.size());
  }
  EXPECT_GE(high / low, 4.0);
  EXPECT_GE(path_counts.size(), 3u);  // single- to many-path
  EXPECT_THROW(stratified_dag_sample(3, 1000, 1), InputError);
}

}  // namespace
}  // namespace nasrank::rerank
