#pragma once
// Readers for NATS-Bench topology ("tss") files in the "simple" format: a
// directory with meta.pickle.pbz2 plus one NNNNNN.pickle.pbz2 per architecture,
// and the single-file variant (one big pickle holding every record).
//
// Each file is a bzip2-compressed pickle of plain data (dicts, OrderedDict,
// lists, tuples, sets, str, int, float, bool, None, numpy scalars). meta holds
// {meta_archs: [arch string per index], total_archs, evaluated_indexes}; an
// architecture file maps each budget ('12', '200') to {arch_index, arch_str,
// all_results}, and all_results maps (dataset, seed) to one run: per-epoch
// train_acc1es / train_losses / train_times, eval_acc1es / eval_losses /
// eval_times keyed 'split@epoch', params, flop, epochs.
//
// All numbers are kept as the benchmark stored them (accuracies in percent,
// params in millions, FLOPs in millions, times in seconds). Per-epoch series
// are indexed by epoch 0..epochs-1; an epoch the benchmark did not record is
// NaN (e.g. the 200-epoch cifar10-valid runs evaluate ori-test only at the
// last epoch).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "nasrank/io/stream.h"

namespace nasrank::io {

class PickleValue;

struct NatsMeta {
  std::vector<std::string> arch_strings;        // 'meta_archs': arch string per benchmark index
  std::int64_t total_archs = 0;                 // 'total_archs' (15625 for the topology space)
  std::vector<std::int64_t> evaluated_indexes;  // 'evaluated_indexes', in file order
};

// One evaluation split of one run: "x-valid", "x-test" or "ori-test".
struct NatsEvalSeries {
  std::string name;
  std::vector<double> accuracy;  // per epoch, percent; NaN = not recorded
  std::vector<double> loss;      // per epoch; NaN = not recorded
  std::vector<double> time;      // per epoch, seconds; NaN = not recorded
};

// One training run: a dataset key and a seed.
struct NatsTrial {
  std::string dataset;  // "cifar10-valid", "cifar10", "cifar100", "ImageNet16-120"
  int seed = 0;
  int epochs = 0;
  double params = 0;            // millions of parameters ('params')
  double flops = 0;             // millions of FLOPs ('flop')
  std::vector<double> latency;  // inference latency in seconds, as stored ('latency')
  // 'arch_config'
  int channel = 0;
  int num_cells = 0;
  int class_num = 0;
  std::string config_arch_str;
  // Per epoch; empty when the benchmark stored None (train_acc5 of the 200-epoch runs).
  std::vector<double> train_acc1;
  std::vector<double> train_acc5;
  std::vector<double> train_loss;
  std::vector<double> train_time;
  std::vector<NatsEvalSeries> evals;  // in the order of 'eval_names'

  const NatsEvalSeries* find_eval(std::string_view name) const;
};

// All runs of one architecture under one training budget ("12" or "200").
struct NatsBudget {
  std::string budget;  // "12" or "200" (epochs)
  int arch_index = -1;
  std::string arch_str;
  std::vector<NatsTrial> trials;  // in file order
  // 'dataset_seed': dataset -> seeds trained, in file order.
  std::vector<std::pair<std::string, std::vector<int>>> dataset_seeds;
  bool clear_net_done = false;

  const NatsTrial* find_trial(std::string_view dataset, int seed) const;
};

struct NatsArchRecord {
  int index = -1;
  std::string arch_str;
  std::vector<NatsBudget> budgets;  // in file order (usually "12", "200")

  const NatsBudget* find_budget(std::string_view budget) const;
  // Throws InputError naming the record when the budget is absent.
  const NatsBudget& budget(std::string_view budget) const;
};

// Bounds on the resources one file may take, far above what real files need:
// an official record decompresses to 326 KB and decodes within 1.9 MB of
// budget, the meta file to 1.4 MB and 2.9 MB (tests/io/test_nats_fixtures.cpp).
struct NatsReadLimits {
  // PickleOptions::max_decode_bytes of one file (one record, in the single-file variant).
  std::uint64_t max_decode_bytes = std::uint64_t{256} << 20;
  // Most decompressed bytes of one meta or per-architecture file (not the single-file variant).
  std::uint64_t max_file_bytes = std::uint64_t{64} << 20;
  // How the user raises max_decode_bytes, for the error message.
  std::string raise_hint = "NatsReadLimits::max_decode_bytes";
};

// meta.pickle.pbz2 (or any compression open_input understands).
NatsMeta read_nats_meta(const std::filesystem::path& path, const NatsReadLimits& limits = {});

// One NNNNNN.pickle.pbz2. When the file name starts with digits they must
// match the record's arch_index.
NatsArchRecord read_nats_arch(const std::filesystem::path& path, const NatsReadLimits& limits = {});

// Converts one already-decoded per-architecture value (the OrderedDict
// {'12': ..., '200': ...}); `index` is the expected arch_index or -1, and
// `source` names it in error messages.
NatsArchRecord nats_arch_from_pickle(const PickleValue& value, int index, const std::string& source);

// The single-file variant (e.g. NATS-tss-v1_0-3ffb9.pickle.pbz2): a dict
// {meta_archs, total_archs, arch2infos: {index: record}, evaluated_indexes}.
// Each record goes to on_record as soon as it is decoded and is then freed, so
// memory does not grow with the file. Returns the meta part.
NatsMeta stream_nats_single_file(const std::filesystem::path& path,
                                 const std::function<void(NatsArchRecord&& record)>& on_record,
                                 const NatsReadLimits& limits = {});
NatsMeta stream_nats_single_file(InputStream& in, const std::function<void(NatsArchRecord&& record)>& on_record,
                                 const NatsReadLimits& limits = {});

}  // namespace nasrank::io
