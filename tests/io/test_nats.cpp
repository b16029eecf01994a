#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

#include <gtest/gtest.h>

#include "compress.h"
#include "nasrank/common/error.h"
#include "nasrank/io/nats.h"
#include "nasrank/io/pickle.h"
#include "pickle_writer.h"
#include "io_test_util.h"
#include "test_paths.h"

namespace nasrank::io {
namespace {

using nasrank::testing::fixture;

using nasrank::testing::PickleWriter;

const char* kTinyArch2 =
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|";

// ---- records in the NATS layout, built in C++ ----------------------------------

using Fields = std::vector<std::pair<std::string, PickleValue>>;

PickleValue dict_of(const Fields& fields, bool ordered = false) {
  PickleValue d = PickleValue::dict(ordered);
  for (const auto& [key, value] : fields) d.set_item(PickleValue::str(key), value);
  return d;
}

PickleValue f64(double v) {
  std::string raw(8, '\0');
  std::memcpy(raw.data(), &v, 8);
  return PickleValue::numpy_scalar({'f', 8, false}, raw);
}

PickleValue per_epoch(int epochs, double base) {
  PickleValue d = PickleValue::dict();
  for (int e = 0; e < epochs; ++e) d.set_item(PickleValue::integer(e), PickleValue::real(base + e));
  return d;
}

// `edit` may change the fields of every trial before it is built.
PickleValue make_trial(const std::string& dataset, int seed, int epochs, const std::string& arch, int index,
                       const std::function<void(Fields&)>& edit) {
  const std::vector<std::string> splits =
      dataset == "cifar10" ? std::vector<std::string>{"ori-test"} : std::vector<std::string>{"x-valid", "ori-test"};
  PickleValue acc = PickleValue::dict(), loss = PickleValue::dict(), time = PickleValue::dict();
  PickleValue names = PickleValue::list();
  for (const std::string& split : splits) {
    names.append(PickleValue::str(split));
    for (int e = 0; e < epochs; ++e) {
      const std::string key = split + "@" + std::to_string(e);
      acc.set_item(PickleValue::str(key), PickleValue::real(50.0 + index + e));
      loss.set_item(PickleValue::str(key), PickleValue::real(1.0 / (e + 1)));
      time.set_item(PickleValue::str(key), PickleValue::real(0.25));
    }
  }
  Fields fields = {
      {"name", PickleValue::str(dataset)},
      {"train_acc1es", per_epoch(epochs, 20.0 + index)},
      {"train_acc5es", per_epoch(epochs, 60.0)},
      {"train_losses", per_epoch(epochs, 1.0)},
      {"train_times", per_epoch(epochs, 7.0)},
      {"arch_config", dict_of({{"channel", PickleValue::integer(16)},
                               {"num_cells", PickleValue::integer(5)},
                               {"arch_str", PickleValue::str(arch)},
                               {"class_num", PickleValue::integer(10)}})},
      {"params", f64(0.1 + index / 1000.0)},
      {"flop", PickleValue::real(15.5 + index)},
      {"seed", PickleValue::str((seed < 1000 ? "0" : "") + std::to_string(seed))},
      {"epochs", PickleValue::integer(epochs)},
      {"latency", PickleValue::list({f64(0.0125)})},
      {"eval_names", names},
      {"eval_acc1es", acc},
      {"eval_times", time},
      {"eval_losses", loss},
      {"net_state_dict", PickleValue()},
  };
  if (edit) edit(fields);
  return dict_of(fields);
}

PickleValue make_record(int index, const std::string& arch, int small_epochs, int big_epochs,
                        const std::function<void(Fields&)>& edit_trial = nullptr, int index_in_200 = -1) {
  PickleValue record = PickleValue::dict(true);
  for (const auto& [budget, epochs] : {std::pair<std::string, int>{"12", small_epochs}, {"200", big_epochs}}) {
    PickleValue results = PickleValue::dict();
    PickleValue seeds = PickleValue::dict();
    for (const auto& [dataset, seed] : {std::pair<std::string, int>{"cifar10-valid", 777}, {"cifar10", 888}}) {
      results.set_item(PickleValue::tuple({PickleValue::str(dataset), PickleValue::integer(seed)}),
                       make_trial(dataset, seed, epochs, arch, index, edit_trial));
      seeds.set_item(PickleValue::str(dataset), PickleValue::list({PickleValue::integer(seed)}));
    }
    const int arch_index = budget == "200" && index_in_200 >= 0 ? index_in_200 : index;
    record.set_item(PickleValue::str(budget), dict_of({{"arch_index", PickleValue::integer(arch_index)},
                                                       {"arch_str", PickleValue::str(arch)},
                                                       {"all_results", results},
                                                       {"dataset_seed", seeds},
                                                       {"clear_net_done", PickleValue::boolean(true)}}));
  }
  return record;
}

std::string pickled(const PickleValue& v) {
  PickleWriter w;
  w.proto(4).value(v).stop();
  return w.bytes();
}

std::string conversion_error(const PickleValue& record) {
  try {
    nats_arch_from_pickle(parse_pickle(pickled(record), "bad.pkl"), -1, "bad.pkl");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// ---- tests ---------------------------------------------------------------------------

TEST(Nats, ReadsTheTinyMetaFile) {
  const NatsMeta meta = read_nats_meta(fixture("nats_tiny_meta.pickle.pbz2"));
  ASSERT_EQ(meta.arch_strings.size(), 3u);
  EXPECT_EQ(meta.arch_strings[2], kTinyArch2);
  EXPECT_EQ(meta.total_archs, 3);
  EXPECT_TRUE(meta.evaluated_indexes.empty());
}

TEST(Nats, ReadsEveryFieldOfATinyRecord) {
  const NatsArchRecord record = read_nats_arch(fixture("000002.pickle.pbz2"));
  EXPECT_EQ(record.index, 2);
  EXPECT_EQ(record.arch_str, kTinyArch2);
  ASSERT_EQ(record.budgets.size(), 2u);
  EXPECT_EQ(record.budgets[0].budget, "12");
  const NatsBudget& small = record.budget("12");
  EXPECT_EQ(small.arch_index, 2);
  EXPECT_TRUE(small.clear_net_done);
  ASSERT_EQ(small.dataset_seeds.size(), 2u);
  EXPECT_EQ(small.dataset_seeds[1].first, "cifar10");
  EXPECT_EQ(small.dataset_seeds[1].second, std::vector<int>{111});

  const NatsTrial* valid = small.find_trial("cifar10-valid", 777);
  ASSERT_NE(valid, nullptr);
  EXPECT_EQ(valid->epochs, 2);
  EXPECT_DOUBLE_EQ(valid->params, 0.1 + 2 / 1000.0);
  EXPECT_EQ(valid->flops, 17.5);
  EXPECT_EQ(valid->latency, std::vector<double>{0.0125});
  EXPECT_EQ(valid->channel, 16);
  EXPECT_EQ(valid->num_cells, 5);
  EXPECT_EQ(valid->class_num, 10);
  EXPECT_EQ(valid->config_arch_str, kTinyArch2);
  EXPECT_EQ(valid->train_acc1, (std::vector<double>{22.0, 23.0}));
  EXPECT_EQ(valid->train_acc5, (std::vector<double>{52.0, 53.0}));
  EXPECT_EQ(valid->train_loss, (std::vector<double>{2.0, 1.5}));
  EXPECT_EQ(valid->train_time, (std::vector<double>{7.25, 7.25}));
  ASSERT_EQ(valid->evals.size(), 2u);
  EXPECT_EQ(valid->evals[0].name, "x-valid");
  EXPECT_EQ(valid->find_eval("x-valid")->accuracy, (std::vector<double>{9.5, 19.5}));
  EXPECT_EQ(valid->find_eval("ori-test")->accuracy, (std::vector<double>{10.5, 20.5}));
  EXPECT_EQ(valid->find_eval("ori-test")->loss, (std::vector<double>{0.105, 0.205}));
  EXPECT_EQ(valid->find_eval("ori-test")->time, (std::vector<double>{0.5, 0.5}));
  EXPECT_EQ(valid->find_eval("x-test"), nullptr);
  EXPECT_EQ(small.find_trial("cifar10-valid", 111), nullptr);

  const NatsTrial* c100 = record.budget("200").find_trial("cifar100", 777);
  ASSERT_NE(c100, nullptr);
  EXPECT_EQ(c100->epochs, 3);
  EXPECT_EQ(c100->class_num, 100);
  EXPECT_TRUE(c100->train_acc5.empty());  // None in the file
  EXPECT_EQ(c100->find_eval("x-test")->accuracy, (std::vector<double>{8.5, 18.5, 28.5}));
  EXPECT_EQ(c100->train_acc1, (std::vector<double>{22.0, 23.0, 24.0}));
  EXPECT_EQ(record.find_budget("90"), nullptr);
  try {
    record.budget("90");
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "NATS record 2 has no budget '90' (it has '12', '200')");
  }
}

TEST(Nats, StreamsTheTinySingleFile) {
  std::vector<NatsArchRecord> records;
  const NatsMeta meta = stream_nats_single_file(fixture("nats_tiny_single.pickle.pbz2"),
                                                [&](NatsArchRecord&& r) { records.push_back(std::move(r)); });
  EXPECT_EQ(meta.arch_strings.size(), 3u);
  EXPECT_EQ(meta.evaluated_indexes, (std::vector<std::int64_t>{0, 1, 2}));
  ASSERT_EQ(records.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(records[i].index, i);
    EXPECT_EQ(records[i].arch_str, meta.arch_strings[i]);
  }
  const NatsArchRecord separate = read_nats_arch(fixture("000002.pickle.pbz2"));
  EXPECT_EQ(records[2].budget("200").find_trial("cifar100", 777)->find_eval("x-valid")->loss,
            separate.budget("200").find_trial("cifar100", 777)->find_eval("x-valid")->loss);
  EXPECT_EQ(records[1].budget("12").find_trial("cifar10", 111)->train_acc1, (std::vector<double>{21.0, 22.0}));
}

TEST(Nats, MissingEvaluationsAreNaN) {
  const PickleValue record = make_record(4, kTinyArch2, 3, 4, [](Fields& fields) {
    for (auto& [key, value] : fields)
      if (key == "eval_acc1es") {
        // Keep only the last epoch of each split, as the 200-epoch cifar10-valid runs do for ori-test.
        PickleValue last = PickleValue::dict();
        for (const auto& [k, v] : value.as_dict())
          if (k.as_str().size() > 2 && k.as_str().substr(k.as_str().size() - 2) == "@3") last.set_item(k, v);
        value = last;
      }
  });
  const NatsArchRecord r = nats_arch_from_pickle(parse_pickle(pickled(record), "r"), 4, "r");
  const NatsEvalSeries* series = r.budget("200").find_trial("cifar10", 888)->find_eval("ori-test");
  ASSERT_EQ(series->accuracy.size(), 4u);
  EXPECT_TRUE(std::isnan(series->accuracy[0]));
  EXPECT_EQ(series->accuracy[3], 57.0);
  EXPECT_EQ(series->loss[0], 1.0);  // losses were all kept
}

TEST(Nats, LayoutErrorsNameTheFileAndThePlace) {
  const std::string trial = "NATS file 'bad.pkl': ['12']['all_results'][('cifar10-valid', 777)]";
  auto drop = [](const std::string& name) {
    return [name](Fields& f) {
      f.erase(std::remove_if(f.begin(), f.end(), [&](const auto& p) { return p.first == name; }), f.end());
    };
  };
  auto set = [](const std::string& name, PickleValue v) {
    return [name, v](Fields& f) {
      for (auto& [key, value] : f)
        if (key == name) value = v;
    };
  };
  std::string m = conversion_error(make_record(2, kTinyArch2, 12, 20, drop("params")));
  EXPECT_EQ(m.rfind(trial + ": missing key 'params' (keys: ['name', 'train_acc1es',", 0), 0u) << m;
  m = conversion_error(make_record(2, kTinyArch2, 12, 20, set("params", PickleValue::str("x"))));
  EXPECT_EQ(m, trial + "['params']: expected a number, found str 'x'");
  m = conversion_error(make_record(2, kTinyArch2, 12, 20, [](Fields& f) { f.emplace_back("bogus", PickleValue()); }));
  EXPECT_EQ(m, trial + ": unexpected key 'bogus' (this reader knows the NATS-Bench simple layout)");
  m = conversion_error(make_record(2, kTinyArch2, 12, 20, set("train_acc1es", per_epoch(13, 0))));
  EXPECT_EQ(m, trial + "['train_acc1es']: epoch 12 is outside 0..11");
  m = conversion_error(
      make_record(2, kTinyArch2, 12, 20, set("eval_names", PickleValue::list({PickleValue::str("x-valid")}))));
  EXPECT_EQ(m, trial + "['eval_acc1es']: key 'ori-test@0' names a split that is not in 'eval_names'");
  m = conversion_error(make_record(2, kTinyArch2, 12, 20, set("name", PickleValue::str("cifar100"))));
  EXPECT_EQ(m, trial + "['name']: names dataset 'cifar100' but the run is filed under 'cifar10-valid'");
  m = conversion_error(make_record(2, kTinyArch2, 12, 20, set("seed", PickleValue::str("0778"))));
  EXPECT_EQ(m, trial + "['seed']: differs from the seed 777 the run is filed under");
  m = conversion_error(make_record(2, kTinyArch2, 12, 20, nullptr, 3));
  EXPECT_EQ(m, "NATS file 'bad.pkl': ['200']['arch_index']: is 3 but the record is for index 2");
  m = conversion_error(PickleValue::list());
  EXPECT_EQ(m, "NATS file 'bad.pkl': top level: expected a dict, found list []");
}

TEST(Nats, FileNameIndexMustMatchTheRecord) {
  const auto dir = std::filesystem::temp_directory_path() / ("nasrank_io_nats_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "000003.pickle.pbz2";
  {
    std::ofstream out(path, std::ios::binary);
    out << nasrank::testing::bzip2_compress(pickled(make_record(2, kTinyArch2, 2, 3)));
  }
  try {
    read_nats_arch(path);
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "NATS file '" + path.string() + "': ['12']['arch_index']: is 2 but the record is for index 3");
  }
  std::filesystem::remove_all(dir);
}

TEST(Nats, RefusesTheWrongKindOfFile) {
  const auto single = fixture("nats_tiny_single.pickle.pbz2");
  try {
    read_nats_meta(single);
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "NATS file '" + single.string() +
                                         "' holds the architecture records too (the single-file variant); read it "
                                         "with stream_nats_single_file");
  }
  EXPECT_THROW(read_nats_arch(fixture("hostile_system_p4.pkl")), InputError);
  EXPECT_THROW(read_nats_arch(fixture("nats_tiny_meta.pickle.pbz2")), InputError);
}

// The single-file variant, written the way CPython would: shared key
// strings, fresh 'split@epoch' strings per record, batches of 1000 records.
std::string synthetic_single_file(int records, int small_epochs, int big_epochs) {
  PickleWriter w([](std::string_view s) {
    return s.find('@') == std::string_view::npos && s.find('|') == std::string_view::npos;
  });
  w.proto(4).empty_dict().mark();
  PickleValue archs = PickleValue::list();
  for (int i = 0; i < records; ++i) archs.append(PickleValue::str("|arch" + std::to_string(i) + "|"));
  w.str("meta_archs").value(archs);
  w.str("total_archs").integer(records);
  w.str("arch2infos").empty_dict();
  for (int begin = 0; begin < records; begin += 1000) {
    w.mark();
    for (int i = begin; i < std::min(records, begin + 1000); ++i)
      w.integer(i).value(make_record(i, "|arch" + std::to_string(i) + "|", small_epochs, big_epochs));
    w.setitems();
  }
  w.str("evaluated_indexes").empty_set().mark();
  for (int i = 0; i < records; ++i) w.integer(i);
  w.additems().setitems().stop();
  return w.bytes();
}

struct StreamRun {
  int records = 0;
  std::size_t peak_heap_growth = 0;
  NatsMeta meta;
};

StreamRun stream_and_measure(const std::string& bytes) {
  StreamRun run;
  auto in = open_memory_input(bytes, "synthetic.pickle", Compression::None);  // a copy: before the baseline
  malloc_trim(0);
  const std::size_t baseline = mallinfo2().uordblks;
  run.meta = stream_nats_single_file(*in, [&](NatsArchRecord&& record) {
    EXPECT_EQ(record.index, run.records);
    ++run.records;
    const std::size_t now = mallinfo2().uordblks;
    if (now > baseline) run.peak_heap_growth = std::max(run.peak_heap_growth, now - baseline);
  });
  return run;
}

TEST(NatsStream, MemoryDoesNotGrowWithTheFile) {
  const std::string one = pickled(make_record(0, "|arch0|", 6, 10));
  const std::size_t before = mallinfo2().uordblks;
  std::size_t record_tree_bytes = 0;
  {
    const PickleValue tree = parse_pickle(one, "one");
    record_tree_bytes = mallinfo2().uordblks - before;
  }
  const std::string small = synthetic_single_file(250, 6, 10);
  const std::string large = synthetic_single_file(2000, 6, 10);  // 8 times the records
  const StreamRun a = stream_and_measure(small);
  const StreamRun b = stream_and_measure(large);
  EXPECT_EQ(a.records, 250);
  EXPECT_EQ(b.records, 2000);
  EXPECT_EQ(b.meta.arch_strings.size(), 2000u);
  EXPECT_EQ(b.meta.evaluated_indexes.size(), 2000u);
  // Without streaming the large file would hold 2000 decoded records (about
  // 2000 * record_tree_bytes); a batch-wise reader would hold 1000 of them.
  EXPECT_LT(b.peak_heap_growth, 12 * record_tree_bytes + (1u << 20))
      << "record tree " << record_tree_bytes << " bytes, large file " << large.size() << " bytes";
  EXPECT_LT(b.peak_heap_growth, a.peak_heap_growth + 2 * record_tree_bytes + (512u << 10))
      << "small file peak " << a.peak_heap_growth << ", large file peak " << b.peak_heap_growth;
  RecordProperty("record_tree_bytes", static_cast<int>(record_tree_bytes));
  RecordProperty("peak_growth_small", static_cast<int>(a.peak_heap_growth));
  RecordProperty("peak_growth_large", static_cast<int>(b.peak_heap_growth));
}

}  // namespace
}  // namespace nasrank::io
