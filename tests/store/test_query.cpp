#include "nasrank/common/error.h"
#include "nasrank/store/query.h"
#include "store_test_util.h"

#include <gtest/gtest.h>

#include <cmath>

namespace nasrank::store {
namespace {

using testing::error_of;
using testing::sample_run;
using testing::ScratchDir;

TEST(ResolveSplit, FollowsTheBenchmark) {
  EXPECT_EQ(resolve_split("cifar10", "test"), "ori-test");
  EXPECT_EQ(resolve_split("cifar10-valid", "test"), "ori-test");
  EXPECT_EQ(resolve_split("cifar100", "test"), "x-test");
  EXPECT_EQ(resolve_split("ImageNet16-120", "test"), "x-test");
  EXPECT_EQ(resolve_split("cifar100", "valid"), "x-valid");
  EXPECT_EQ(resolve_split("cifar10-valid", "valid"), "x-valid");
  EXPECT_EQ(resolve_split("cifar100", "ori-test"), "ori-test");
  EXPECT_EQ(resolve_split("fashion-mnist", "test"), "ori-test");
  EXPECT_EQ(resolve_split("synthetic", "valid"), "x-valid");
  EXPECT_EQ(resolve_split("cifar10", "train"), "train");
}

TEST(ParseCondition, AcceptsComparisons) {
  const Condition c = parse_condition("flops<50");
  EXPECT_EQ(c.field, "flops");
  EXPECT_EQ(c.op, Condition::Op::Less);
  EXPECT_EQ(c.value, 50);
  EXPECT_EQ(parse_condition(" accuracy >= 93.5 ").op, Condition::Op::GreaterEqual);
  EXPECT_EQ(parse_condition("accuracy>=93.5").value, 93.5);
  EXPECT_EQ(parse_condition("index==11").op, Condition::Op::Equal);
  EXPECT_EQ(parse_condition("index=11").op, Condition::Op::Equal);
  EXPECT_EQ(parse_condition("params!=0.5").op, Condition::Op::NotEqual);
  EXPECT_EQ(parse_condition("lr>1e-2").value, 0.01);
}

TEST(ParseCondition, RejectsWithClearMessages) {
  EXPECT_NE(error_of([] { parse_condition("flopz<50"); }).find("unknown field 'flopz' (known: accuracy"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_condition("flops"); }).find("expected FIELD OP NUMBER"), std::string::npos);
  EXPECT_NE(error_of([] { parse_condition("flops<fifty"); }).find("'fifty' after the operator is not a number"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_condition("<5"); }).find("no field name"), std::string::npos);
  EXPECT_NE(error_of([] { parse_condition("flops<"); }).find("is not a number"), std::string::npos);
  EXPECT_NE(error_of([] { parse_condition("flops!5"); }).find("not an operator"), std::string::npos);
}

class QueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ResultStore store = ResultStore::open(dir_ / "q.h5", OpenMode::Append);
    std::vector<RunRecord> runs;
    // Cells 0..4 on cifar10 with three seeds at budget 3, and one seed at budget 5.
    for (int index = 0; index < 5; ++index) {
      for (std::int64_t seed : {777, 888, 999}) {
        RunRecord r = sample_run(index, seed, "cifar10", 3);
        r.final_metrics["ori-test"].accuracy = 80.0 + index + (seed - 888) / 111.0;  // mean 80+index
        runs.push_back(r);
      }
      runs.push_back(sample_run(index, 1, "cifar10", 5));
    }
    // cifar100: test is x-test, valid is x-valid.
    RunRecord c100 = sample_run(2, 777, "cifar100", 3);
    c100.final_metrics.clear();
    c100.final_metrics["x-test"] = {61.0, 1.1};
    c100.final_metrics["x-valid"] = {60.0, 1.2};
    c100.final_metrics["ori-test"] = {60.5, 1.15};
    runs.push_back(c100);
    // A stored mean of cell 2 (imported): its own row, never averaged with runs.
    RunRecord mean = sample_run(2, kMeanOverSeeds, "cifar10", 3);
    mean.seeds_averaged = "777,888,999";
    mean.protocol = "nb201";
    mean.curves = {};
    mean.final_metrics = {{"ori-test", {70.0, kNotMeasured}}};
    mean.provenance.imported = true;
    runs.push_back(mean);
    // A diverged seed of cell 4 at budget 3 under another protocol.
    RunRecord diverged = sample_run(4, 777, "cifar10", 3);
    diverged.protocol = "short";
    diverged.status = RunStatus::Diverged;
    RunRecord fine = sample_run(4, 888, "cifar10", 3);
    fine.protocol = "short";
    runs.push_back(diverged);
    runs.push_back(fine);
    store.add(runs);
    store.commit();
  }

  ResultStore open() const { return ResultStore::open(dir_ / "q.h5", OpenMode::Read); }

  ScratchDir dir_{"query"};
};

std::string arch_key_of(int index) {
  RunRecord r = sample_run(index, 1);
  canonicalize(r);
  return arch_key("nb201", r.arch);
}

TEST_F(QueryTest, MeansOverSeedsByDefault) {
  const ResultStore store = open();
  QuerySpec spec;
  spec.arch_key = arch_key_of(3);
  spec.dataset = "cifar10";
  spec.budget_epochs = 3;
  const auto rows = run_query(store, spec);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].benchmark_index, 3);
  EXPECT_NEAR(rows[0].accuracy, 83.0, 1e-12);
  EXPECT_NEAR(rows[0].accuracy_std, 1.0, 1e-12);
  EXPECT_EQ(rows[0].n_seeds, 3);
  EXPECT_EQ(rows[0].seeds, "777,888,999");
  EXPECT_EQ(rows[0].split, "ori-test");
  EXPECT_EQ(rows[0].budget_epochs, 3);
  EXPECT_FALSE(rows[0].pre_averaged);
  EXPECT_EQ(arch_key("nb201", rows[0].arch), arch_key_of(3));
}

TEST_F(QueryTest, BudgetsAreNeverMixed) {
  const ResultStore store = open();
  QuerySpec spec;
  spec.arch_key = arch_key_of(1);
  EXPECT_NE(error_of([&] { run_query(store, spec); }).find("needs the training budget"), std::string::npos);
  EXPECT_EQ(budgets_matching(store, spec), (std::vector<int>{3, 5}));
  spec.budget_epochs = 5;
  const auto rows = run_query(store, spec);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].n_seeds, 1);
  EXPECT_EQ(rows[0].seeds, "1");
  EXPECT_EQ(rows[0].budget_epochs, 5);
}

TEST_F(QueryTest, PerSeedAndOneSeed) {
  const ResultStore store = open();
  QuerySpec spec;
  spec.arch_key = arch_key_of(3);
  spec.budget_epochs = 3;
  spec.per_seed = true;
  const auto rows = run_query(store, spec);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].seed, 777);
  EXPECT_EQ(rows[2].seed, 999);
  EXPECT_NEAR(rows[2].accuracy, 84.0, 1e-12);
  spec.per_seed = false;
  spec.seed = 888;
  const auto one = run_query(store, spec);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].seed, 888);
  EXPECT_NEAR(one[0].accuracy, 83.0, 1e-12);
}

TEST_F(QueryTest, StoredMeansStayTheirOwnRow) {
  const ResultStore store = open();
  QuerySpec spec;
  spec.arch_key = arch_key_of(2);
  spec.dataset = "cifar10";
  spec.budget_epochs = 3;
  spec.detail = true;
  const auto rows = run_query(store, spec);
  ASSERT_EQ(rows.size(), 2u);
  const QueryRow& trained = rows[0].pre_averaged ? rows[1] : rows[0];
  const QueryRow& stored = rows[0].pre_averaged ? rows[0] : rows[1];
  EXPECT_NEAR(trained.accuracy, 82.0, 1e-12);
  EXPECT_EQ(stored.accuracy, 70.0);
  EXPECT_EQ(stored.seeds, "777,888,999");
  EXPECT_EQ(stored.n_seeds, 3);
  EXPECT_TRUE(stored.imported);
}

TEST_F(QueryTest, TestAndValidFollowTheDataset) {
  const ResultStore store = open();
  QuerySpec spec;
  spec.dataset = "cifar100";
  spec.budget_epochs = 3;
  auto rows = run_query(store, spec);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].split, "x-test");
  EXPECT_EQ(rows[0].accuracy, 61.0);
  EXPECT_EQ(rows[0].loss, 1.1);
  EXPECT_TRUE(std::isnan(rows[0].valid_accuracy)) << "secondary fields are read only when needed";
  spec.where = {parse_condition("valid_accuracy>59.5")};
  rows = run_query(store, spec);
  ASSERT_EQ(rows.size(), 1u) << "a condition on a secondary field reads it";
  EXPECT_EQ(rows[0].valid_accuracy, 60.0);
  spec.where = {parse_condition("valid_accuracy>60.5")};
  EXPECT_TRUE(run_query(store, spec).empty());
  spec.where.clear();
  spec.detail = true;
  rows = run_query(store, spec);
  EXPECT_EQ(rows[0].valid_accuracy, 60.0);
  EXPECT_EQ(rows[0].test_accuracy, 61.0);
  EXPECT_TRUE(std::isnan(rows[0].train_accuracy)) << "this run recorded no train split";
  spec.detail = false;
  spec.split = "valid";
  rows = run_query(store, spec);
  EXPECT_EQ(rows[0].split, "x-valid");
  EXPECT_EQ(rows[0].accuracy, 60.0);
  spec.split = "ori-test";
  EXPECT_EQ(run_query(store, spec)[0].accuracy, 60.5);
  spec.split = "x-nothing";
  rows = run_query(store, spec);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(std::isnan(rows[0].accuracy));
  EXPECT_EQ(rows[0].n_seeds, 0);
}

TEST_F(QueryTest, TopKWhereAndOrder) {
  const ResultStore store = open();
  QuerySpec spec;
  spec.dataset = "cifar10";
  spec.protocol = "nb201";
  spec.budget_epochs = 3;
  spec.order_by = "accuracy";
  spec.limit = 2;
  auto rows = run_query(store, spec);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].benchmark_index, 4);
  EXPECT_EQ(rows[1].benchmark_index, 3);

  spec.where = {parse_condition("flops<12.5"), parse_condition("n_seeds>=3")};
  spec.limit.reset();
  spec.ascending = true;
  rows = run_query(store, spec);
  // flops = 10 + index: cells 0, 1, 2, plus the stored mean of cell 2 (70 %), smallest accuracy first.
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_TRUE(rows[0].pre_averaged);
  EXPECT_EQ(rows[0].accuracy, 70.0);
  EXPECT_EQ(rows[1].benchmark_index, 0);
  EXPECT_EQ(rows[3].benchmark_index, 2);

  spec.where = {parse_condition("accuracy>1000")};
  EXPECT_TRUE(run_query(store, spec).empty());
  spec.where.clear();
  spec.order_by = "nonsense";
  EXPECT_NE(error_of([&] { run_query(store, spec); }).find("cannot order by 'nonsense'"), std::string::npos);
}

TEST_F(QueryTest, UnknownValuesSatisfyNoCondition) {
  const ResultStore store = open();
  QuerySpec spec;
  spec.arch_key = arch_key_of(2);
  spec.dataset = "cifar10";
  spec.budget_epochs = 3;
  spec.where = {parse_condition("loss<100")};
  const auto rows = run_query(store, spec);
  ASSERT_EQ(rows.size(), 1u) << "the stored mean has no loss";
  EXPECT_FALSE(rows[0].pre_averaged);
}

TEST_F(QueryTest, MixedStatusesAreShown) {
  const ResultStore store = open();
  QuerySpec spec;
  spec.protocol = "short";
  spec.budget_epochs = 3;
  const auto rows = run_query(store, spec);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, "mixed(diverged:1,ok:1)");
  EXPECT_EQ(rows[0].n_seeds, 2);
}

}  // namespace
}  // namespace nasrank::store
