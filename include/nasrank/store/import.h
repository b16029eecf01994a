#pragma once
// Importing published benchmark results into a store: NATS-Bench "simple"
// directories (per seed, per epoch) and CSV tables of per-architecture means.
// Every imported row carries its provenance (source file, sha256, size,
// mtime, declared split) and an explicit budget, so 12- and 200-epoch numbers
// can never be mixed up later.
#include "nasrank/cell/graph.h"
#include "nasrank/io/nats.h"
#include "nasrank/store/store.h"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nasrank::store {

struct ImportReport {
  std::size_t sources_read = 0;  // CSV data rows, or architecture files
  std::size_t runs = 0;          // records handed to the store
  AddReport added;
  std::vector<std::string> notes;  // what was decided and why (one line each)
};

// ---- CSV -------------------------------------------------------------------

// `--metric COLUMN=DATASET[:SPLIT]`: a column of accuracies (percent) on one
// dataset and split; the split defaults to the import's split.
struct MetricColumn {
  std::string column;
  std::string dataset;  // a benchmark dataset key (benchmark_datasets())
  std::string split;    // empty = the import's default
};
MetricColumn parse_metric_mapping(std::string_view text);

// Parameters and FLOPs, in millions, of a network.
struct NetworkSize {
  double params_m = 0.0;
  double flops_m = 0.0;
};
// The size of the benchmark's network (C=16, N=5) built with `cell` for a
// dataset. The store does not build networks; its caller (the CLI: the train
// module's network_cost) knows how to count them.
using NetworkSizeFunction = std::function<NetworkSize(const cell::CellGraph& cell, const std::string& dataset)>;

struct CsvImportOptions {
  std::filesystem::path file;
  // Column naming the architecture. Each value is auto-detected: an integer
  // is a benchmark index, text starting with '|' an arch string.
  std::string arch_column;
  std::vector<MetricColumn> metrics;
  // Training budget of every number in the file. When absent it is inferred
  // from the metric column names, then the file name ("200Epochs", "12ep"),
  // and the import fails if that is not unambiguous.
  std::optional<int> budget_epochs;
  std::string split = "test";              // "test", "valid" (benchmark meaning, see resolve_split) or an exact split
  std::string seeds_averaged = "unknown";  // which seeds the file's means are over
  std::string protocol = "nb201";
  // A CSV of the benchmark's own results carries accuracies only. When this
  // is set and the protocol is nb201, every row gets the params_m and flops_m
  // it returns (and the provenance note says they were computed); otherwise
  // they stay unknown (NaN): other protocols may train other networks.
  NetworkSizeFunction benchmark_network_size;
};

// Reads and validates the whole file before anything is stored. InputError
// names the file, the line, the column and the problem (missing column, not a
// number, unknown architecture, a repeated architecture).
std::vector<RunRecord> read_csv_runs(const CsvImportOptions& options, ImportReport* report = nullptr);
// read_csv_runs + store.add (the caller commits).
ImportReport import_csv(ResultStore& store, const CsvImportOptions& options,
                        DuplicatePolicy policy = DuplicatePolicy::Fail);

// ---- NATS-Bench topology space, "simple" directory --------------------------

struct NatsImportOptions {
  std::filesystem::path directory;       // holds meta.pickle.pbz2 and NNNNNN.pickle.pbz2 files
  std::vector<int> budgets = {12, 200};  // which budgets to import
  std::string protocol = "nb201";
  // Memory and decompression bounds of each file read.
  io::NatsReadLimits limits;
  // Called after each architecture file: (files done, files total).
  std::function<void(std::size_t, std::size_t)> progress;
};

// One record per (architecture, budget, dataset, seed) with the per-epoch
// curves, for every architecture file present in the directory (each one is
// checked against meta.pickle.pbz2 and the benchmark index order). Records are
// staged architecture by architecture, so memory stays bounded; the caller
// commits.
ImportReport import_nats(ResultStore& store, const NatsImportOptions& options,
                         DuplicatePolicy policy = DuplicatePolicy::Fail);

// Lowercase hex SHA-256 of a file's bytes (FIPS 180-4).
std::string sha256_file(const std::filesystem::path& path);
std::string sha256_hex(std::string_view bytes);

}  // namespace nasrank::store
