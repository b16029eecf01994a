// build_comparison on small stores written here: how diverged runs enter the
// ranking, which seeds the noise ceiling compares, and dataset names.
#include "nasrank/rerank/compare.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"
#include "nasrank/common/error.h"
#include "nasrank/store/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

namespace nasrank::rerank {
namespace {

namespace fs = std::filesystem;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The first `count` connected benchmark cells.
std::vector<int> connected_indices(std::size_t count) {
  std::vector<int> indices;
  for (int index = 0; indices.size() < count; ++index)
    if (!cell::is_disconnected(cell::from_benchmark_index(index))) indices.push_back(index);
  return indices;
}

store::RunRecord run(int index, const std::string& protocol, std::int64_t seed, double accuracy,
                     store::RunStatus status = store::RunStatus::Ok) {
  store::RunRecord r;
  r.benchmark_index = index;
  r.dataset = "cifar10";
  r.protocol = protocol;
  r.budget_epochs = 12;
  r.seed = seed;
  r.status = status;
  r.final_metrics["ori-test"].accuracy = accuracy;
  r.init = protocol == "principled" ? "principled" : "benchmark";
  r.learning_rate = protocol == "principled" ? 0.2 + 0.01 * index : 0.1;
  return r;
}

class Compare : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nasrank-compare-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    indices_ = connected_indices(12);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, std::vector<store::RunRecord> runs) {
    const fs::path path = dir_ / name;
    auto results = store::ResultStore::open(path, store::OpenMode::Truncate);
    results.add(std::move(runs));
    results.commit();
    return path;
  }

  // Accuracy of architecture k under seed s: a clear order with small noise.
  static double accuracy(std::size_t k, std::int64_t seed) {
    return 50.0 + 3.0 * static_cast<double>(k) +
           0.4 * static_cast<double>((k * 7 + static_cast<std::size_t>(seed) * 3) % 5);
  }

  std::vector<store::RunRecord> side(const std::string& protocol, const std::vector<std::int64_t>& seeds) {
    std::vector<store::RunRecord> runs;
    for (std::size_t k = 0; k < indices_.size(); ++k)
      for (const auto seed : seeds) runs.push_back(run(indices_[k], protocol, seed, accuracy(k, seed)));
    return runs;
  }

  static ComparisonOptions options(const std::string& diverged = "chance") {
    ComparisonOptions o;
    o.dataset = "cifar10";
    o.diverged = diverged;
    o.analysis.bootstrap.resamples = 50;
    return o;
  }

  static std::size_t position(const analyze::ComparisonInput& in, int index) {
    for (std::size_t i = 0; i < in.details.size(); ++i)
      if (in.details[i].benchmark_index == index) return i;
    ADD_FAILURE() << "index " << index << " is not matched";
    return 0;
  }

  fs::path dir_;
  std::vector<int> indices_;
};

TEST_F(Compare, DivergedRunRanksBelowEveryFinishedRunAtChanceByDefault) {
  auto candidate = side("principled", {1, 2});
  // The best architecture diverges under both seeds; the second best under one.
  for (auto& r : candidate) {
    if (r.benchmark_index == indices_[11])
      r.status = store::RunStatus::Diverged, r.final_metrics["ori-test"].accuracy = kNaN;
    if (r.benchmark_index == indices_[10] && r.seed == 1) r.status = store::RunStatus::Diverged;
  }
  const fs::path a = write("a.h5", side("benchmark", {1, 2}));
  const fs::path b = write("b.h5", candidate);
  const auto in = build_comparison({a, std::nullopt, std::nullopt, ""}, {b, std::nullopt, std::nullopt, ""}, options());
  ASSERT_EQ(in.keys.size(), 12u) << "diverged architectures stay in the ranking";
  EXPECT_EQ(in.diverged.policy, "chance");
  EXPECT_EQ(in.diverged.reference, 0u);
  EXPECT_EQ(in.diverged.candidate, 2u);
  EXPECT_EQ(in.counts.diverged, 2u);
  EXPECT_NE(in.diverged.description.find("chance accuracy (10% on cifar10)"), std::string::npos)
      << in.diverged.description;
  const std::size_t worst = position(in, indices_[11]);
  EXPECT_DOUBLE_EQ(in.candidate_values[worst], 10.0);
  EXPECT_EQ(*std::min_element(in.candidate_values.begin(), in.candidate_values.end()), 10.0);
  const std::size_t half = position(in, indices_[10]);
  EXPECT_DOUBLE_EQ(in.candidate_values[half], 0.5 * (10.0 + accuracy(10, 2)));
  EXPECT_TRUE(in.details[half].candidate_diverged);
  EXPECT_EQ(in.details[half].candidate_seed_values, (std::vector<double>{10.0, accuracy(10, 2)}));
  // The tau without them is computed over the other ten.
  EXPECT_EQ(in.diverged.alternate_reference.size(), 10u);
  EXPECT_NE(in.diverged.alternate_description.find("without"), std::string::npos);
  const analyze::Report report = analyze::build_report(in);
  EXPECT_DOUBLE_EQ(report.candidate_ranks[worst], 12.0);
  EXPECT_TRUE(report.diverged_alternate_supported);
}

TEST_F(Compare, ExcludePolicyLeavesThemOutAndStatesTheTauWithThem) {
  auto candidate = side("principled", {1});
  for (auto& r : candidate)
    if (r.benchmark_index == indices_[3]) r.status = store::RunStatus::Diverged;
  const fs::path a = write("a.h5", side("benchmark", {1}));
  const fs::path b = write("b.h5", candidate);
  const auto in =
      build_comparison({a, std::nullopt, std::nullopt, ""}, {b, std::nullopt, std::nullopt, ""}, options("exclude"));
  EXPECT_EQ(in.keys.size(), 11u);
  EXPECT_EQ(in.diverged.candidate, 1u);
  EXPECT_EQ(in.diverged.alternate_reference.size(), 12u);
  EXPECT_NE(in.diverged.alternate_description.find("at chance"), std::string::npos);
  EXPECT_EQ(*std::min_element(in.diverged.alternate_candidate.begin(), in.diverged.alternate_candidate.end()), 10.0);
}

TEST_F(Compare, LastFinitePolicyTakesTheLastFiniteAccuracyMeasured) {
  auto candidate = side("principled", {1});
  for (auto& r : candidate)
    if (r.benchmark_index == indices_[5]) {
      r.status = store::RunStatus::Diverged;
      r.final_metrics["ori-test"].accuracy = kNaN;
      r.curves.eval_accuracy["ori-test"] = {30.0, 42.5, kNaN};
      r.curves.train_loss = {2.0, 1.5, kNaN};
    }
  const fs::path a = write("a.h5", side("benchmark", {1}));
  const fs::path b = write("b.h5", candidate);
  const auto in = build_comparison({a, std::nullopt, std::nullopt, ""}, {b, std::nullopt, std::nullopt, ""},
                                   options("last-finite"));
  ASSERT_EQ(in.keys.size(), 12u);
  EXPECT_DOUBLE_EQ(in.candidate_values[position(in, indices_[5])], 42.5);
  EXPECT_THROW(
      build_comparison({a, std::nullopt, std::nullopt, ""}, {b, std::nullopt, std::nullopt, ""}, options("drop")),
      InputError);
}

TEST_F(Compare, NoiseCeilingComparesDisjointHalvesOfTheSeeds) {
  const fs::path a = write("a.h5", side("benchmark", {1, 2, 3, 4}));
  const fs::path b = write("b.h5", side("principled", {5, 6, 7, 8}));
  const auto in =
      build_comparison({a, std::nullopt, std::nullopt, "bench"}, {b, std::nullopt, std::nullopt, "princ"}, options());
  ASSERT_TRUE(in.noise_ceiling);
  EXPECT_EQ(in.noise_ceiling->seeds_per_half, 2u);
  EXPECT_EQ(in.noise_ceiling->description,
            "bench: mean of seeds 1, 2 vs mean of seeds 3, 4 (two disjoint halves of 2 seeds)");
  EXPECT_EQ(in.noise_ceiling->other_description, "princ: mean of seeds 5, 6");
  ASSERT_EQ(in.noise_ceiling->seed_a.size(), 12u);  // every architecture has every seed: same order as keys
  const std::size_t first = position(in, indices_[0]);
  EXPECT_DOUBLE_EQ(in.noise_ceiling->seed_a[first], 0.5 * (accuracy(0, 1) + accuracy(0, 2)));
  EXPECT_DOUBLE_EQ(in.noise_ceiling->seed_b[first], 0.5 * (accuracy(0, 3) + accuracy(0, 4)));
  EXPECT_DOUBLE_EQ(in.noise_ceiling->other[first], 0.5 * (accuracy(0, 5) + accuracy(0, 6)));
}

TEST_F(Compare, WithTwoSeedsTheCeilingSaysSingleSeedsOnBothSides) {
  const fs::path a = write("a.h5", side("benchmark", {1, 2, 3, 4}));
  const fs::path b = write("b.h5", side("principled", {9}));
  const auto in =
      build_comparison({a, std::nullopt, std::nullopt, "bench"}, {b, std::nullopt, std::nullopt, "princ"}, options());
  ASSERT_TRUE(in.noise_ceiling);
  // The other side has one seed, so the halves shrink to one seed each.
  EXPECT_EQ(in.noise_ceiling->seeds_per_half, 1u);
  EXPECT_EQ(in.noise_ceiling->description, "bench: seed 1 vs seed 2 (single seeds on both sides)");
  EXPECT_EQ(in.noise_ceiling->other_description, "princ: seed 9");
}

TEST_F(Compare, StoredMeansOnTheOtherSideAreNamed) {
  std::vector<store::RunRecord> means;
  for (std::size_t k = 0; k < indices_.size(); ++k) {
    means.push_back(run(indices_[k], "nb201", store::kMeanOverSeeds, accuracy(k, 0)));
    means.back().seeds_averaged = "777,888,999";
  }
  const fs::path a = write("a.h5", means);
  const fs::path b = write("b.h5", side("principled", {1, 2}));
  const auto in =
      build_comparison({a, std::nullopt, std::nullopt, "nb201"}, {b, std::nullopt, std::nullopt, "princ"}, options());
  ASSERT_TRUE(in.noise_ceiling);
  EXPECT_EQ(in.noise_ceiling->description, "princ: seed 1 vs seed 2 (single seeds on both sides)");
  EXPECT_NE(in.noise_ceiling->other_description.find("nb201: its stored mean over 3 seeds (at least as many as a half"),
            std::string::npos)
      << in.noise_ceiling->other_description;
}

TEST_F(Compare, DatasetNamesAreMatchedCaseInsensitivelyOrListed) {
  const fs::path a = write("a.h5", side("benchmark", {1}));
  const fs::path b = write("b.h5", side("principled", {1}));
  ComparisonOptions spelled = options();
  spelled.dataset = "CIFAR-10";
  const auto in = build_comparison({a, std::nullopt, std::nullopt, ""}, {b, std::nullopt, std::nullopt, ""}, spelled);
  EXPECT_EQ(in.dataset, "cifar10");
  EXPECT_EQ(in.keys.size(), 12u);
  spelled.dataset = "cifar100";
  try {
    build_comparison({a, std::nullopt, std::nullopt, ""}, {b, std::nullopt, std::nullopt, ""}, spelled);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("has no dataset 'cifar100' (it has: cifar10)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nasrank::rerank
