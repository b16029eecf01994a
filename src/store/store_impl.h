#pragma once
// ResultStore's internals, shared with the query engine, which reads single
// columns instead of whole records to stay fast on large stores.
#include "nasrank/store/store.h"
#include "store/durable.h"
#include "store/h5.h"
#include "store/journal.h"
#include "store/layout.h"

#include <map>
#include <optional>
#include <type_traits>
#include <unordered_map>

namespace nasrank::store {

// What the /runs column `name` holds for `run` (as the file would return it).
struct RunCell {
  std::string text;
  double number = kNotMeasured;
  std::int64_t integer = 0;
  std::uint64_t hash = 0;
};
RunCell run_cell(const RunRecord& run, const std::string& name);
template <class T>
T run_value(const RunRecord& run, const std::string& name) {
  const RunCell cell = run_cell(run, name);
  if constexpr (std::is_same_v<T, std::string>) {
    return cell.text;
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(cell.number);
  } else if constexpr (std::is_same_v<T, std::uint64_t>) {
    return cell.hash;
  } else {
    return static_cast<T>(cell.integer);
  }
}

struct ResultStore::Impl {
  std::filesystem::path path;  // as the user spelled it, for messages
  // `path` with symlinks and relative parts resolved: what writers lock and
  // replace, so that every spelling of one store shares one lock and a
  // symlink keeps pointing at the store.
  std::filesystem::path real_path;
  std::filesystem::path temporary;
  OpenMode mode = OpenMode::Read;
  std::optional<durable::WriterLock> lock;

  bool format_1_allowed = false;              // OpenMode::ReadFormat1
  bool format_1 = false;                      // the open store is of format 1 (read-only)
  bool committed_file = false;                // `path` holds the base of the next transaction
  bool transaction = false;                   // `temporary` is open for writing
  h5::Id file;                                // what reads go to: `path`, or `temporary` during a transaction
  std::map<std::string, h5::Column> columns;  // open datasets by path
  std::map<std::string, std::vector<std::string>> split_lists;  // group -> split datasets in it

  // Rows: the store is the HDF5 file (`file_rows` rows) with the journal's
  // runs and the staged runs on top (`overlay`), which replace file rows or
  // append rows file_rows.. in order. `rows` counts both.
  std::size_t rows = 0;
  std::size_t file_rows = 0;
  std::size_t committed_file_rows = 0;  // file_rows of the committed file (restored when a fold fails)
  std::size_t committed_rows = 0;       // rows made durable (file and journal)
  std::vector<journal::Entry> overlay;  // journal entries first, then the staged ones
  std::size_t journal_entries = 0;      // leading entries of `overlay` that are in the journal
  std::unordered_map<std::size_t, std::size_t> overlay_at;  // row -> its latest entry in `overlay`
  std::int64_t store_id = 0;                                // the file's journal_id (0: none, commits fold)
  std::optional<journal::Writer> journal_writer;
  std::uint64_t journal_bytes = 0;   // size of the journal (0 = none yet)
  std::uint64_t fold_bytes = 0;      // fold when the journal would reach this size
  std::vector<std::string> notices;  // what open() repaired
  std::size_t pending() const { return overlay.size() - journal_entries; }
  void set_rows();                                       // rows from file_rows and overlay
  void load_journal(const journal::Contents& contents);  // after the file is open
  void drop_staged();
  void fold(std::size_t entries);         // writes overlay[0, entries) into a new file
  std::optional<std::size_t> curve_rows;  // length of the /curves datasets, read when first needed
  std::size_t curve_count();

  // Whole columns kept in memory once a selection needed them entirely.
  std::optional<std::vector<std::uint64_t>> hash_cache;
  std::map<std::string, std::vector<std::string>> text_cache;  // dataset, protocol
  std::map<std::string, std::vector<std::int64_t>> int_cache;  // budget_epochs, seed
  std::optional<std::unordered_map<std::string, std::size_t>> key_rows;
  struct SourceTable {
    std::vector<Provenance> rows;
    std::unordered_map<std::string, std::int32_t> index;  // provenance text -> row
  };
  std::optional<SourceTable> sources;

  ~Impl();

  // ---- file handling ----
  hid_t handle();
  void open_committed();
  void open_checked();  // open_committed, explaining a file that is not HDF5
  void validate_layout(const std::string& name);
  void close_file();
  void begin_transaction();
  void abort_transaction() noexcept;
  void write_root_attributes();
  void write_index();
  // Rows whose arch_key_fnv1a64 is `hash`, by binary search in /index.
  std::vector<std::size_t> rows_with_hash(std::uint64_t hash);

  // ---- columns ----
  h5::Column& column(const std::string& group, const layout::ColumnInfo& info);
  // Opens a column and checks its length, without keeping it in `columns`.
  h5::Column open_column(const std::string& group, const layout::ColumnInfo& info);
  // Values of a column at `rows`. The dataset stays open only if it already
  // was: a query reads most columns once, and a closed dataset's memory
  // serves the next one (fresh pages are most of a short query's cost).
  // Any rows of /runs; rows of the other groups must be file rows.
  template <class T>
  std::vector<T> read_once(const std::string& group, const layout::ColumnInfo& info,
                           const std::vector<std::size_t>& rows) {
    auto from_file = [&](const std::vector<std::size_t>& file_rows_wanted) {
      if (auto it = columns.find(group + "/" + info.name); it != columns.end())
        return it->second.read_rows<T>(file_rows_wanted);
      return open_column(group, info).read_rows<T>(file_rows_wanted);
    };
    if (group != layout::kRunsGroup) return from_file(rows);
    return merge_overlay<T>(rows, from_file, [&](const RunRecord& r) { return run_value<T>(r, info.name); });
  }
  // /runs/final_accuracy/<split> and the like; nullptr when the split has no dataset.
  h5::Column* split_column(const std::string& group, const std::string& split);
  // read_once for /runs/final_accuracy/<split> and the like; nullopt when
  // the split has no dataset.
  std::optional<std::vector<double>> read_split_once(const std::string& group, const std::string& split,
                                                     const std::vector<std::size_t>& rows);
  h5::Column& create_split_column(const std::string& group, const std::string& split, const layout::ColumnInfo& info,
                                  std::size_t size);
  std::vector<std::string>& splits(const std::string& group);  // sorted
  std::string where(const std::string& dataset_path) const;

  // ---- overlay ----
  // Values at `wanted` (any rows): file rows through `from_file`, rows in the
  // overlay through `from_run` applied to their record.
  template <class T, class FromFile, class FromRun>
  std::vector<T> merge_overlay(const std::vector<std::size_t>& wanted, FromFile from_file, FromRun from_run) {
    if (overlay_at.empty()) return from_file(wanted);
    std::vector<T> values(wanted.size());
    std::vector<std::size_t> in_file, positions;
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      if (auto it = overlay_at.find(wanted[i]); it != overlay_at.end()) {
        values[i] = from_run(overlay[it->second].run);
      } else {
        in_file.push_back(wanted[i]);
        positions.push_back(i);
      }
    }
    if (!in_file.empty()) {
      auto read = from_file(in_file);
      for (std::size_t j = 0; j < positions.size(); ++j) values[positions[j]] = std::move(read[j]);
    }
    return values;
  }
  // Splits of /runs/final_accuracy or /runs/final_loss in the file or the overlay.
  std::vector<std::string> all_splits(const std::string& group);

  // ---- caches ----
  void clear_caches();
  void clear_file_caches();
  const std::vector<std::uint64_t>& arch_hashes();  // of the file rows
  // Values of the run columns that selections filter on (dataset, protocol:
  // text; budget_epochs, seed: integers) at `rows`. A column is read whole
  // and cached when `rows` covers a good part of it, else only at `rows`.
  std::vector<std::string> scan_text(const layout::ColumnInfo& info, const std::vector<std::size_t>& rows);
  std::vector<std::int64_t> scan_int(const layout::ColumnInfo& info, const std::vector<std::size_t>& rows);
  std::vector<std::string> scan_file_text(const layout::ColumnInfo& info, const std::vector<std::size_t>& rows);
  std::vector<std::int64_t> scan_file_int(const layout::ColumnInfo& info, const std::vector<std::size_t>& rows);
  // The file rows `rows` of /runs column `info`, from `cache` when it holds
  // the column or `rows` makes it worth reading whole (store_caches.cpp).
  template <class T>
  std::vector<T> scan_file_column(std::map<std::string, std::vector<T>>& cache, const layout::ColumnInfo& info,
                                  const std::vector<std::size_t>& rows);
  std::unordered_map<std::string, std::size_t>& keys();
  SourceTable& source_table();

  // ---- records ----
  // `rows` sorted ascending.
  std::vector<RunRecord> read_rows(const std::vector<std::size_t>& rows, const ReadOptions& options);
  std::vector<RunRecord> read_file_rows(const std::vector<std::size_t>& rows, const ReadOptions& options);
  void read_curves(const std::vector<std::size_t>& rows, std::vector<RunRecord>& records);
  // Writes records at rows first_row.. (appending or overwriting).
  void write_block(std::size_t first_row, const std::vector<const RunRecord*>& records);
  void write_curves(const std::vector<const RunRecord*>& records, std::vector<std::int64_t>& offsets,
                    std::vector<std::int32_t>& lengths);
  void write_split_metrics(std::size_t first_row, std::size_t end_row, const std::vector<const RunRecord*>& records);
  std::vector<std::int32_t> assign_sources(const std::vector<const RunRecord*>& records);
  std::vector<std::size_t> select(const RunFilter& filter);
};

// Row-level access for the query engine and the exporter.
namespace detail {
struct StoreAccess {
  static ResultStore::Impl& impl(const ResultStore& store) { return *store.impl_; }
};
}  // namespace detail

// Text key of a run, for hashing ("\x1f"-separated fields of RunKey).
std::string key_text(const std::string& arch_key, const std::string& dataset, const std::string& protocol,
                     std::int64_t budget, std::int64_t seed);

}  // namespace nasrank::store
