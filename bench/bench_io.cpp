// Decoding NATS-Bench records: the three official fixture records
// (../shared/data/nb201/nats-tss-fixtures) cycled to the 15,625 entries of the
// topology space. bench/io_peer.py measures the same with CPython's bz2 +
// pickle. Peak RSS is a process-wide high-water mark: run one benchmark per
// process (--benchmark_filter=...) to read it.
//
//   BM_Bz2Decompress       bz2 alone, per record (the same libbz2 as Python's)
//   BM_PickleParse         pickle -> PickleValue tree, per record (decompressed input)
//   BM_NatsRecordDecode    pickle -> NatsArchRecord, per record
//   BM_NatsRecordFromPbz2  .pickle.pbz2 bytes -> NatsArchRecord, per record, one thread
//   BM_NatsRecordFromPbz2ReadAhead  the same with bzip2 on a read-ahead thread (wall time)
//   BM_Stream15625         15,625 records decoded one after another, a summary kept
//   BM_Hold1000            1,000 records decoded and all kept (what a loaded benchmark holds)
//   BM_SingleFile15625     the single-file layout with 15,625 records (about 5 GB of
//                          pickle, generated on the fly) through stream_nats_single_file
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <cstring>

#include <benchmark/benchmark.h>

#include "nasrank/io/nats.h"
#include "nasrank/io/pickle.h"
#include "pickle_writer.h"

namespace {

using namespace nasrank::io;

constexpr int kSpaceSize = 15625;

std::filesystem::path fixture_dir() {
  const char* env = std::getenv("NASRANK_SHARED_DIR");
  const std::filesystem::path shared =
      env ? std::filesystem::path(env) : std::filesystem::path(NASRANK_SOURCE_DIR).parent_path() / "shared";
  return shared / "data" / "nb201" / "nats-tss-fixtures";
}

struct Fixtures {
  std::array<std::string, 3> compressed;
  std::array<std::string, 3> pickled;
  std::array<int, 3> index{0, 11, 284};
  bool ok = false;
};

const Fixtures& fixtures() {
  static const Fixtures f = [] {
    Fixtures out;
    for (std::size_t i = 0; i < 3; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "%06d.pickle.pbz2", out.index[i]);
      std::ifstream in(fixture_dir() / name, std::ios::binary);
      if (!in) return out;
      std::ostringstream bytes;
      bytes << in.rdbuf();
      out.compressed[i] = bytes.str();
      out.pickled[i] = read_all(*open_memory_input(out.compressed[i], name), 1u << 30);
    }
    out.ok = true;
    return out;
  }();
  return f;
}

bool need_fixtures(benchmark::State& state) {
  if (fixtures().ok) return true;
  state.SkipWithError(("needs the NATS fixtures in " + fixture_dir().string()).c_str());
  return false;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// What a ranking study keeps from a record: the seed-mean 200-epoch CIFAR-10 test accuracy.
double summary(const NatsArchRecord& record) {
  double sum = 0;
  int n = 0;
  for (const NatsTrial& trial : record.budget("200").trials)
    if (trial.dataset == "cifar10") {
      sum += trial.find_eval("ori-test")->accuracy.back();
      ++n;
    }
  return sum / n;
}

void BM_Bz2Decompress(benchmark::State& state) {
  if (!need_fixtures(state)) return;
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string& packed = fixtures().compressed[i++ % 3];
    benchmark::DoNotOptimize(read_all(*open_memory_input(packed, "record.pbz2"), 1u << 30));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}
BENCHMARK(BM_Bz2Decompress)->Unit(benchmark::kMillisecond);

void BM_PickleParse(benchmark::State& state) {
  if (!need_fixtures(state)) return;
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(parse_pickle(fixtures().pickled[i++ % 3], "record"));
  state.SetItemsProcessed(state.iterations());
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}
BENCHMARK(BM_PickleParse)->Unit(benchmark::kMillisecond);

void BM_NatsRecordDecode(benchmark::State& state) {
  if (!need_fixtures(state)) return;
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ % 3;
    benchmark::DoNotOptimize(
        nats_arch_from_pickle(parse_pickle(fixtures().pickled[k], "record"), fixtures().index[k], "record"));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}
BENCHMARK(BM_NatsRecordDecode)->Unit(benchmark::kMillisecond);

void BM_NatsRecordFromPbz2(benchmark::State& state) {
  if (!need_fixtures(state)) return;
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ % 3;
    const PickleValue tree = read_pickle(*open_memory_input(fixtures().compressed[k], "record.pbz2"));
    benchmark::DoNotOptimize(nats_arch_from_pickle(tree, fixtures().index[k], "record.pbz2"));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}
BENCHMARK(BM_NatsRecordFromPbz2)->Unit(benchmark::kMillisecond);

// The same through read_ahead(): bzip2 on a second thread while this one
// decodes. Wall time; it helps only when a core is free.
void BM_NatsRecordFromPbz2ReadAhead(benchmark::State& state) {
  if (!need_fixtures(state)) return;
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ % 3;
    const auto in = read_ahead(open_memory_input(fixtures().compressed[k], "record.pbz2"));
    benchmark::DoNotOptimize(nats_arch_from_pickle(read_pickle(*in), fixtures().index[k], "record.pbz2"));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}
BENCHMARK(BM_NatsRecordFromPbz2ReadAhead)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Stream15625(benchmark::State& state) {
  if (!need_fixtures(state)) return;
  for (auto _ : state) {
    double total = 0;
    for (int i = 0; i < kSpaceSize; ++i) {
      const std::size_t k = static_cast<std::size_t>(i) % 3;
      total +=
          summary(nats_arch_from_pickle(parse_pickle(fixtures().pickled[k], "record"), fixtures().index[k], "record"));
    }
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * kSpaceSize);
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}
BENCHMARK(BM_Stream15625)->Unit(benchmark::kSecond)->Iterations(1);

void BM_Hold1000(benchmark::State& state) {
  if (!need_fixtures(state)) return;
  for (auto _ : state) {
    std::vector<NatsArchRecord> kept;
    kept.reserve(1000);
    for (int i = 0; i < 1000; ++i) {
      const std::size_t k = static_cast<std::size_t>(i) % 3;
      kept.push_back(
          nats_arch_from_pickle(parse_pickle(fixtures().pickled[k], "record"), fixtures().index[k], "record"));
    }
    state.counters["peak_rss_MiB"] = peak_rss_mib();
    benchmark::DoNotOptimize(kept.data());
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_Hold1000)->Unit(benchmark::kSecond)->Iterations(1);

// Produces the single-file layout {meta_archs, total_archs, arch2infos: {i:
// record}, evaluated_indexes} for `count` records on the fly, written like
// CPython's pickler would (shared key strings, batches of 1000).
class SingleFileGenerator final : public InputStream {
 public:
  SingleFileGenerator(int count, std::array<PickleValue, 3> records)
      : InputStream("generated single file", Compression::None),
        count_(count),
        records_(std::move(records)),
        writer_([](std::string_view s) { return s.find('@') == std::string_view::npos; }) {
    writer_.proto(4).empty_dict().mark();
    PickleValue archs = PickleValue::list();
    for (int i = 0; i < count_; ++i)
      archs.append(PickleValue::str(records_[static_cast<std::size_t>(i) % 3].get("12").get("arch_str").as_str()));
    writer_.str("meta_archs").value(archs).str("total_archs").integer(count_).str("arch2infos").empty_dict();
  }

  std::uint64_t generated() const { return generated_; }

 protected:
  std::size_t read_some(void* buffer, std::size_t size) override {
    std::string& pending = writer_.bytes();
    while (pending.size() - served_ < size && next_ <= count_) produce();
    const std::size_t n = std::min(size, pending.size() - served_);
    std::memcpy(buffer, pending.data() + served_, n);
    served_ += n;
    generated_ += n;
    if (served_ > (1u << 20)) {
      pending.erase(0, served_);
      served_ = 0;
    }
    return n;
  }

 private:
  void produce() {
    if (next_ == count_) {
      if (next_ % 1000 != 0) writer_.setitems();
      writer_.str("evaluated_indexes").empty_set().mark();
      for (int i = 0; i < count_; ++i) writer_.integer(i);
      writer_.additems().setitems().stop();
      ++next_;
      return;
    }
    if (next_ % 1000 == 0) {
      if (next_ > 0) writer_.setitems();
      writer_.mark();
    }
    // The record of one of the three fixtures, with this entry's arch_index.
    PickleValue record = PickleValue::dict(true);
    for (const auto& [budget, info] : records_[static_cast<std::size_t>(next_) % 3].as_dict()) {
      PickleValue renumbered = PickleValue::dict();
      for (const auto& [key, value] : info.as_dict())
        renumbered.set_item(key, key.as_str() == "arch_index" ? PickleValue::integer(next_) : value);
      record.set_item(budget, renumbered);
    }
    writer_.integer(next_).value(record);
    ++next_;
  }

  int count_;
  std::array<PickleValue, 3> records_;
  nasrank::testing::PickleWriter writer_;
  int next_ = 0;
  std::size_t served_ = 0;
  std::uint64_t generated_ = 0;
};

void BM_SingleFile15625(benchmark::State& state) {
  if (!need_fixtures(state)) return;
  for (auto _ : state) {
    state.PauseTiming();
    std::array<PickleValue, 3> records;
    for (std::size_t k = 0; k < 3; ++k) records[k] = parse_pickle(fixtures().pickled[k], "record");
    SingleFileGenerator in(kSpaceSize, records);
    state.ResumeTiming();
    int seen = 0;
    double total = 0;
    const NatsMeta meta = stream_nats_single_file(in, [&](NatsArchRecord&& record) {
      total += summary(record);
      ++seen;
    });
    benchmark::DoNotOptimize(total);
    state.counters["records"] = seen;
    state.counters["pickle_GB"] = static_cast<double>(in.generated()) / 1e9;
    state.counters["meta_archs"] = static_cast<double>(meta.arch_strings.size());
  }
  state.SetItemsProcessed(state.iterations() * kSpaceSize);
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}
BENCHMARK(BM_SingleFile15625)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
