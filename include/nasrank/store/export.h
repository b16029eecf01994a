#pragma once
// A store as one flat table: one row per run, one column per field and per
// split metric (accuracy:<split>, loss:<split>). Curves are left out; they
// are read with ResultStore::read or straight from the HDF5 file.
#include "nasrank/store/store.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace nasrank::store {

struct FlatTable {
  std::vector<std::string> columns;
  std::vector<std::vector<nlohmann::json>> rows;  // numbers, strings, booleans; null = not measured
};

FlatTable flat_table(const ResultStore& store, const RunFilter& filter = {});

// The same table streamed: `columns` once, then `row` for each run in store
// order. Runs are read in blocks, so memory does not grow with the store
// (beyond the row numbers of the selection, 8 bytes per run).
void stream_flat_table(const ResultStore& store, const RunFilter& filter,
                       const std::function<void(const std::vector<std::string>& columns)>& columns,
                       const std::function<void(const std::vector<nlohmann::json>& row)>& row);

// The same runs in long format, the shape pandas wants: one row per run and
// split (columns `split`, `accuracy`, `loss`), plus one row with an empty
// split for a run that measured nothing. What is the same for many runs is
// listed once in `provenance` and `configurations` and referenced by id
// (`provenance_id`, `configuration_id`; null when the run has none), instead
// of being repeated on every row.
struct LongTable {
  std::vector<std::string> columns;
  std::vector<std::vector<nlohmann::json>> rows;
  std::vector<nlohmann::json> provenance;      // id = position: source file, sha256, note, tool version ...
  std::vector<nlohmann::json> configurations;  // id = position: a run's resolved configuration
};

LongTable long_table(const ResultStore& store, const RunFilter& filter = {});

// long_table streamed: `columns` once, then the rows; a provenance or
// configuration is passed to `provenance` / `configuration` (with its id)
// just before the first row that refers to it. Memory grows with the
// distinct provenances and configurations, not with the runs.
struct LongTableStream {
  std::function<void(const std::vector<std::string>& columns)> columns;
  std::function<void(std::size_t id, const nlohmann::json& provenance)> provenance;
  std::function<void(std::size_t id, const nlohmann::json& configuration)> configuration;
  std::function<void(const std::vector<nlohmann::json>& row)> row;
};
void stream_long_table(const ResultStore& store, const RunFilter& filter, const LongTableStream& out);

// Per-epoch curves of the matching runs: one row per run and epoch (epoch
// 0-based), columns train_loss, train_accuracy, learning_rate, epoch_seconds
// and accuracy:<split> / loss:<split> for every evaluated split; null where
// an epoch was not measured. Runs that stored no curve (imported means)
// contribute no rows.
FlatTable curve_table(const ResultStore& store, const RunFilter& filter = {});

}  // namespace nasrank::store
