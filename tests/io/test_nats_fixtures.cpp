// The official NATS-Bench test fixtures in ../shared (label `shared`).
#include <cmath>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "nasrank/common/error.h"
#include "nasrank/io/nats.h"
#include "nasrank/io/pickle.h"
#include "pickle_writer.h"
#include "test_paths.h"

namespace nasrank::io {
namespace {

std::filesystem::path fixtures() { return nasrank::testing::shared_nb201_dir() / "nats-tss-fixtures"; }

const char* kArch0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|";
const char* kArch11 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|";
const char* kArch284 = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|none~0|nor_conv_1x1~1|none~2|";

TEST(NatsFixtures, MetaListsAllArchitectures) {
  NASRANK_REQUIRE_SHARED_DATA();
  const NatsMeta meta = read_nats_meta(fixtures() / "meta.pickle.pbz2");
  ASSERT_EQ(meta.arch_strings.size(), 15625u);
  EXPECT_EQ(meta.total_archs, 15625);
  EXPECT_TRUE(meta.evaluated_indexes.empty());
  EXPECT_EQ(meta.arch_strings[0], kArch0);
  EXPECT_EQ(meta.arch_strings[11], kArch11);
  EXPECT_EQ(meta.arch_strings[284], kArch284);
  EXPECT_EQ(meta.arch_strings[15624],
            "|nor_conv_1x1~0|+|none~0|nor_conv_1x1~1|+|none~0|nor_conv_1x1~1|nor_conv_1x1~2|");
}

TEST(NatsFixtures, RecordsMatchTheMetaAndTheBenchmarkNumbers) {
  NASRANK_REQUIRE_SHARED_DATA();
  const NatsMeta meta = read_nats_meta(fixtures() / "meta.pickle.pbz2");
  for (const int index : {0, 11, 284}) {
    char name[32];
    std::snprintf(name, sizeof name, "%06d.pickle.pbz2", index);
    const NatsArchRecord r = read_nats_arch(fixtures() / name);
    EXPECT_EQ(r.index, index);
    EXPECT_EQ(r.arch_str, meta.arch_strings[static_cast<std::size_t>(index)]);
    ASSERT_EQ(r.budgets.size(), 2u);
    EXPECT_EQ(r.budget("12").trials.size(), 5u);
    EXPECT_EQ(r.budget("200").trials.size(), 12u);
    for (const NatsBudget& b : r.budgets) {
      EXPECT_EQ(b.arch_index, index);
      EXPECT_TRUE(b.clear_net_done);
      for (const NatsTrial& t : b.trials) EXPECT_EQ(t.config_arch_str, r.arch_str);
    }
  }
}

TEST(NatsFixtures, Index0Values) {
  NASRANK_REQUIRE_SHARED_DATA();
  const NatsArchRecord r = read_nats_arch(fixtures() / "000000.pickle.pbz2");
  const NatsBudget& full = r.budget("200");
  const NatsTrial* valid = full.find_trial("cifar10-valid", 777);
  ASSERT_NE(valid, nullptr);
  EXPECT_EQ(valid->params, 0.129306);
  EXPECT_EQ(valid->flops, 15.64737);
  EXPECT_EQ(valid->epochs, 200);
  EXPECT_EQ(valid->latency, std::vector<double>{0.0139359758611311});
  EXPECT_EQ(valid->train_acc1.at(0), 27.199999995727538);
  EXPECT_EQ(valid->train_loss.at(199), 0.3192037912273407);
  EXPECT_TRUE(valid->train_acc5.empty());  // None for the 200-epoch runs
  EXPECT_EQ(valid->find_eval("x-valid")->accuracy.at(199), 82.09199998291015);
  EXPECT_EQ(valid->find_eval("x-valid")->loss.at(199), 0.5618704555320739);
  EXPECT_EQ(valid->find_eval("ori-test")->accuracy.at(199), 81.52);
  EXPECT_TRUE(std::isnan(valid->find_eval("ori-test")->accuracy.at(0)));  // ori-test only at the end
  EXPECT_EQ(valid->find_eval("ori-test")->time.at(0), 1.0195916947864352);
  const NatsTrial* c10 = full.find_trial("cifar10", 777);
  EXPECT_EQ(c10->params, 0.129306);
  EXPECT_EQ(c10->flops, 15.64737);
  EXPECT_EQ(c10->class_num, 10);
  EXPECT_EQ(c10->find_eval("ori-test")->accuracy.at(199), 85.62);
  const NatsTrial* img = full.find_trial("ImageNet16-120", 777);
  EXPECT_EQ(img->params, 0.136456);
  EXPECT_EQ(img->flops, 3.91948);
  EXPECT_EQ(img->class_num, 120);
  EXPECT_EQ(img->find_eval("x-test")->accuracy.at(199), 27.033333257039388);
  EXPECT_EQ(full.dataset_seeds.size(), 4u);
  EXPECT_EQ(full.dataset_seeds[0].second, (std::vector<int>{777, 888, 999}));

  const NatsBudget& short_runs = r.budget("12");
  const NatsTrial* quick = short_runs.find_trial("cifar10-valid", 777);
  ASSERT_NE(quick, nullptr);
  EXPECT_EQ(quick->epochs, 12);
  EXPECT_EQ(quick->train_acc1.at(0), 28.172000009765625);
  EXPECT_EQ(quick->train_acc5.at(0), 82.29599999023438);
  EXPECT_EQ(quick->train_loss.at(11), 1.0051389471244812);
  EXPECT_EQ(quick->train_time.at(0), 7.221092998981476);
  EXPECT_EQ(quick->find_eval("x-valid")->accuracy.at(11), 62.71199997802734);
  EXPECT_EQ(quick->find_eval("ori-test")->accuracy.at(11), 62.82);
  EXPECT_EQ(short_runs.find_trial("cifar100", 111)->find_eval("x-test")->accuracy.at(11), 31.259999963378906);
  EXPECT_EQ(short_runs.dataset_seeds[0].second, (std::vector<int>{111, 777}));
}

TEST(NatsFixtures, Index11And284Values) {
  NASRANK_REQUIRE_SHARED_DATA();
  const NatsArchRecord r11 = read_nats_arch(fixtures() / "000011.pickle.pbz2");
  const NatsTrial* c10 = r11.budget("200").find_trial("cifar10", 777);
  EXPECT_EQ(c10->params, 0.802426);
  EXPECT_EQ(c10->flops, 113.95137);
  EXPECT_EQ(c10->find_eval("ori-test")->accuracy.at(199), 91.79);
  EXPECT_EQ(r11.budget("200").find_trial("ImageNet16-120", 777)->flops, 28.49548);
  const NatsArchRecord r284 = read_nats_arch(fixtures() / "000284.pickle.pbz2");
  const NatsTrial* v284 = r284.budget("12").find_trial("cifar10-valid", 777);
  EXPECT_EQ(v284->params, 0.101306);
  EXPECT_EQ(v284->flops, 11.71521);
  EXPECT_EQ(v284->find_eval("ori-test")->accuracy.at(11), 74.09);
  EXPECT_EQ(r284.budget("200").find_trial("ImageNet16-120", 777)->find_eval("x-valid")->accuracy.at(199),
            33.93333337402344);
}

// The 200-epoch test accuracies averaged over seeds must equal the exported
// table (../nats_bench_200ep_test.csv, one row per index).
TEST(NatsFixtures, SeedAveragesMatchTheExportedTable) {
  NASRANK_REQUIRE_SHARED_DATA();
  std::ifstream csv(nasrank::testing::shared_nb201_dir() / "nats_bench_200ep_test.csv");
  std::vector<std::string> rows;
  for (std::string line; std::getline(csv, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 15626u);
  for (const int index : {0, 11, 284}) {
    char name[32];
    std::snprintf(name, sizeof name, "%06d.pickle.pbz2", index);
    const NatsArchRecord r = read_nats_arch(fixtures() / name);
    const auto mean_test = [&](const char* dataset, const char* split) {
      double sum = 0;
      for (const int seed : {777, 888, 999})
        sum += r.budget("200").find_trial(dataset, seed)->find_eval(split)->accuracy.at(199);
      return sum / 3;
    };
    std::istringstream row(rows[static_cast<std::size_t>(index) + 1]);
    std::string c10, c100, imagenet, arch;
    std::getline(row, c10, ',');
    std::getline(row, c100, ',');
    std::getline(row, imagenet, ',');
    std::getline(row, arch, ',');
    EXPECT_EQ(arch, r.arch_str);
    EXPECT_NEAR(mean_test("cifar10", "ori-test"), std::stod(c10), 1e-9) << index;
    EXPECT_NEAR(mean_test("cifar100", "x-test"), std::stod(c100), 1e-9) << index;
    EXPECT_NEAR(mean_test("ImageNet16-120", "x-test"), std::stod(imagenet), 1e-9) << index;
  }
}

// Equal element by element, NaN (not recorded) matching NaN.
bool same_series(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  return true;
}

// The three real records packed into the single-file layout (as the 1 GB
// NATS-tss-v1_0-3ffb9.pickle.pbz2 holds them) stream out unchanged.
TEST(NatsFixtures, SingleFileLayoutOfTheRealRecords) {
  NASRANK_REQUIRE_SHARED_DATA();
  const NatsMeta meta = read_nats_meta(fixtures() / "meta.pickle.pbz2");
  nasrank::testing::PickleWriter w([](std::string_view s) { return s.find('@') == std::string_view::npos; });
  w.proto(4).empty_dict().mark();
  PickleValue archs = PickleValue::list();
  for (const std::string& a : meta.arch_strings) archs.append(PickleValue::str(a));
  w.str("meta_archs").value(archs).str("total_archs").integer(15625).str("arch2infos").empty_dict().mark();
  std::vector<NatsArchRecord> expected;
  for (const int index : {0, 11, 284}) {
    char name[32];
    std::snprintf(name, sizeof name, "%06d.pickle.pbz2", index);
    w.integer(index).value(read_pickle(fixtures() / name));
    expected.push_back(read_nats_arch(fixtures() / name));
  }
  w.setitems().str("evaluated_indexes").empty_set().mark().integer(0).integer(11).integer(284).additems();
  w.setitems().stop();

  std::vector<NatsArchRecord> streamed;
  const NatsMeta single_meta = stream_nats_single_file(*open_memory_input(w.bytes(), "single.pickle"),
                                                       [&](NatsArchRecord&& r) { streamed.push_back(std::move(r)); });
  EXPECT_EQ(single_meta.arch_strings, meta.arch_strings);
  EXPECT_EQ(single_meta.evaluated_indexes, (std::vector<std::int64_t>{0, 11, 284}));
  ASSERT_EQ(streamed.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(streamed[i].index, expected[i].index);
    ASSERT_EQ(streamed[i].budgets.size(), 2u);
    for (std::size_t b = 0; b < 2; ++b) {
      const auto& x = streamed[i].budgets[b];
      const auto& y = expected[i].budgets[b];
      ASSERT_EQ(x.trials.size(), y.trials.size());
      for (std::size_t t = 0; t < x.trials.size(); ++t) {
        EXPECT_EQ(x.trials[t].dataset, y.trials[t].dataset);
        EXPECT_EQ(x.trials[t].train_acc1, y.trials[t].train_acc1);
        EXPECT_EQ(x.trials[t].params, y.trials[t].params);
        ASSERT_EQ(x.trials[t].evals.size(), y.trials[t].evals.size());
        for (std::size_t e = 0; e < x.trials[t].evals.size(); ++e) {
          EXPECT_TRUE(same_series(x.trials[t].evals[e].accuracy, y.trials[t].evals[e].accuracy));
          EXPECT_TRUE(same_series(x.trials[t].evals[e].loss, y.trials[t].evals[e].loss));
        }
      }
    }
  }
}

TEST(NatsFixtures, RealFilesFitFarInsideTheDefaultLimits) {
  NASRANK_REQUIRE_SHARED_DATA();
  // A 32nd of each default still reads every official file: the defaults
  // stop bombs without coming near genuine data.
  const NatsReadLimits defaults;
  NatsReadLimits tight;
  tight.max_decode_bytes = defaults.max_decode_bytes / 32;
  tight.max_file_bytes = defaults.max_file_bytes / 32;
  EXPECT_EQ(read_nats_meta(fixtures() / "meta.pickle.pbz2", tight).arch_strings.size(), 15625u);
  for (const char* name : {"000000.pickle.pbz2", "000011.pickle.pbz2", "000284.pickle.pbz2"})
    EXPECT_FALSE(read_nats_arch(fixtures() / name, tight).budgets.empty()) << name;
  // and the decode budget is what a record needs (1.9 MB), not a formality.
  NatsReadLimits too_tight;
  too_tight.max_decode_bytes = 1u << 20;
  EXPECT_THROW(read_nats_arch(fixtures() / "000000.pickle.pbz2", too_tight), InputError);
}

}  // namespace
}  // namespace nasrank::io
