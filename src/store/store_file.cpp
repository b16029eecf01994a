#include "nasrank/common/error.h"
#include "nasrank/common/utc_time.h"
#include "nasrank/common/version.h"
#include "store/store_internal.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

namespace nasrank::store {

using layout::ColumnInfo;
namespace runs = layout::runs;

namespace {

void describe_column(hid_t dataset, const ColumnInfo& info) {
  if (*info.units) h5::write_attribute(dataset, "units", info.units);
  h5::write_attribute(dataset, "meaning", info.meaning);
}

void create_columns(hid_t file, const std::string& group, const std::vector<const ColumnInfo*>& columns,
                    std::size_t chunk_rows) {
  for (const ColumnInfo* info : columns) {
    const std::string name = group + "/" + info->name;
    const h5::ColumnCreation creation =
        info->raw ? h5::ColumnCreation{layout::kRawChunkRows, false} : h5::ColumnCreation{chunk_rows, true};
    h5::Column column = h5::Column::create(file, name, info->type, 0, creation, "creating '/" + name + "'");
    describe_column(column.id(), *info);
  }
}

void create_layout(hid_t file) {
  using namespace layout;
  h5::write_attribute(file, "format", kFormatName);
  h5::write_attribute(file, "format_version", kFormatVersion);
  h5::write_attribute(file, "run_count", std::int64_t{0});
  h5::write_attribute(file, "description",
                      "NAS results: one row per (architecture, dataset, protocol, budget, seed) run in the "
                      "columns of /runs, per-epoch curves in /curves, provenance of imports in /sources");
  h5::write_attribute(file, "documentation", "docs/store-format.md in the nasrank repository");

  auto group = [&](const char* name, const char* description) {
    h5::Id id = h5::create_group(file, name, std::string("creating '/") + name + "'");
    h5::write_attribute(id.get(), "description", description);
  };
  group(kRunsGroup,
        "one row per run; every dataset here has run_count rows. A run is identified by (space:arch, dataset, "
        "protocol, budget_epochs, seed)");
  group(kFinalAccuracyGroup,
        "one dataset per split (train, x-valid, x-test, ori-test, ...), run_count rows: top-1 accuracy in percent "
        "after the last epoch, NaN where the run has no value for the split");
  group(kFinalLossGroup, "one dataset per split, run_count rows: mean cross-entropy after the last epoch, NaN = none");
  group(kCurvesGroup,
        "per-epoch series of all runs concatenated: run i owns rows runs/curve_offset[i] .. "
        "runs/curve_offset[i] + runs/curve_length[i] - 1, and row - curve_offset[i] is the epoch (0-based)");
  group(kEvalAccuracyGroup, "one dataset per split, aligned with /curves: top-1 accuracy in percent after each epoch");
  group(kEvalLossGroup, "one dataset per split, aligned with /curves: mean cross-entropy after each epoch");
  group(kSourcesGroup, "provenance of imported runs, one row per distinct source; runs/source_id indexes these rows");
  group(kIndexGroup, "lookup index: the runs sorted by arch_key_fnv1a64 (binary search finds one architecture)");

  create_columns(file, kRunsGroup, run_columns(), kRunChunkRows);
  create_columns(file, kCurvesGroup, curve_columns(), kCurveChunkRows);
  create_columns(file, kSourcesGroup, source_columns(), kSourceChunkRows);
  create_columns(file, kIndexGroup, index_columns(), kRawChunkRows);
}

// A readable, non-empty HDF5 file, or an InputError that says what it is instead.
void require_hdf5(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    throw InputError(quoted(path) + " is a directory, not a results store file");
  const auto size = std::filesystem::file_size(path, error);
  if (error) throw InputError(quoted(path) + " cannot be read: " + error.message());
  if (size == 0) throw InputError(quoted(path) + " is empty, not a results store");
  if (!h5::is_hdf5_file(path))
    throw InputError(quoted(path) +
                     " is not an HDF5 file (no HDF5 signature at its start); a results store is written by nasrank "
                     "import, merge or training");
}

}  // namespace

// ---- Impl: files -------------------------------------------------------------

ResultStore::Impl::~Impl() {
  if (transaction) abort_transaction();
  // Closing a writer folds its journal, so that the HDF5 file alone (what
  // h5py reads) holds every run again. A failure leaves the journal, whose
  // runs stay durable and visible to nasrank.
  if (journal_entries > 0 && lock) {
    try {
      fold(journal_entries);
    } catch (...) {
    }
  }
}

hid_t ResultStore::Impl::handle() {
  if (!file.valid()) {
    NASRANK_CHECK(committed_file, "reading a store that has no file yet");
    open_committed();
  }
  return file.get();
}

void ResultStore::Impl::open_committed() {
  file = h5::open_file(path, false);
  validate_layout(path.string());
}

void ResultStore::Impl::open_checked() {
  try {
    open_committed();
  } catch (const InputError&) {
    require_hdf5(path);  // a clearer message when the file is not HDF5 at all
    throw;
  }
}

void ResultStore::Impl::validate_layout(const std::string& name) {
  const hid_t id = file.get();
  const std::string where = "'" + name + "'";
  // The version first: it is an integer, whereas reading a format 1 store's
  // text attributes means parsing its unchecksummed global heap.
  const auto version = h5::read_int_attribute(id, "format_version", where + ": reading attribute 'format_version'");
  if (!version)
    throw InputError(where + " is an HDF5 file but not a nasrank results store: its root group has no integer " +
                     "attribute 'format_version' (layout: docs/store-format.md)");
  if (*version == 1 && !format_1_allowed)
    throw InputError(where + " is a results store of format 1 (nasrank 0.1.0), whose text HDF5 reads without " +
                     "checksums, so a damaged one can crash it; this nasrank reads format " +
                     std::to_string(layout::kFormatVersion) + ". Convert it once with 'nasrank merge NEW.h5 " + name +
                     " --upgrade' (only for a store you trust) and use NEW.h5 from then on");
  if (*version > layout::kFormatVersion || *version < 1)
    throw InputError(where + ": store format version " + std::to_string(*version) + " is not supported (this nasrank " +
                     "reads version " + std::to_string(layout::kFormatVersion) + ")");
  format_1 = *version == 1;
  const auto format = h5::read_text_attribute(id, "format", where + ": reading attribute 'format' of '/'", format_1);
  if (!format || *format != layout::kFormatName)
    throw InputError(where + " is an HDF5 file but not a nasrank results store: its root group has no attribute " +
                     "format = '" + layout::kFormatName + "' (layout: docs/store-format.md)");
  const auto count = h5::read_int_attribute(id, "run_count", where + ": reading attribute 'run_count'");
  if (!count || *count < 0)
    throw InputError(where + ": attribute 'run_count' of '/' is missing or negative (damaged store)");
  // Each run stores at least its 8-byte architecture hash, so a count above
  // the file's size is damage; trusted, it sized buffers of that many rows
  // (found by fuzz_store_open: run_count 2^31 in a 1.6 MB file).
  std::error_code size_error;
  const std::uintmax_t file_bytes = std::filesystem::file_size(path, size_error);
  if (!size_error && static_cast<std::uintmax_t>(*count) > file_bytes)
    throw InputError(where + ": attribute 'run_count' of '/' = " + std::to_string(*count) +
                     " is more runs than a file of " + std::to_string(file_bytes) + " bytes holds (damaged store)");
  // Parents come before their subgroups: link_exists() walks a parent's
  // header only after it was checked.
  for (const std::string& group :
       {kRuns, kFinalAccuracy, kFinalLoss, kCurves, kEvalAccuracy, kEvalLoss, kSources, kIndex}) {
    if (!h5::link_exists(id, group))
      throw InputError(where + ": group '/" + group + "' is missing (damaged store, or not written by nasrank)");
    h5::require_checksummed_object(id, group, where);
  }
  const auto journal_id = h5::read_int_attribute(file.get(), "journal_id", where + ": reading attribute 'journal_id'");
  store_id = journal_id.value_or(0);
  columns.clear();
  split_lists.clear();
  file_rows = static_cast<std::size_t>(*count);
  curve_rows.reset();
}

std::size_t ResultStore::Impl::curve_count() {
  if (!curve_rows) curve_rows = column(kCurves, layout::curves::train_loss).size();
  return *curve_rows;
}

void ResultStore::Impl::close_file() {
  columns.clear();
  split_lists.clear();
  file.reset();
}

void ResultStore::Impl::begin_transaction() {
  close_file();
  durable::remove_if_exists(temporary);
  try {
    if (committed_file) {
      durable::copy_file(path, temporary);
      file = h5::open_file(temporary, true);
      validate_layout(path.string());
    } else {
      file = h5::create_file(temporary);
      create_layout(file.get());
      file_rows = 0;
      curve_rows = 0;
    }
  } catch (...) {
    if (file.valid()) h5::discard_pending_writes(file.get());
    close_file();
    durable::remove_if_exists(temporary);
    throw;
  }
  transaction = true;
}

void ResultStore::Impl::abort_transaction() noexcept {
  if (file.valid()) h5::discard_pending_writes(file.get());
  close_file();
  durable::remove_if_exists(temporary);
  transaction = false;
  file_rows = committed_file ? committed_file_rows : 0;
  clear_file_caches();
}

void ResultStore::Impl::write_root_attributes() {
  const hid_t id = handle();
  h5::write_attribute(id, "run_count", static_cast<std::int64_t>(file_rows));
  h5::write_attribute(id, "written_by", "nasrank " + version());
  h5::write_attribute(id, "last_commit_utc", utc_now());
}

// ---- Impl: columns -------------------------------------------------------------

std::string ResultStore::Impl::where(const std::string& dataset_path) const {
  return quoted(path) + " dataset '/" + dataset_path + "'";
}

h5::Column& ResultStore::Impl::column(const std::string& group, const ColumnInfo& info) {
  const std::string key = group + "/" + info.name;
  if (auto it = columns.find(key); it != columns.end()) return it->second;
  return columns.emplace(key, open_column(group, info)).first->second;
}

h5::Column ResultStore::Impl::open_column(const std::string& group, const ColumnInfo& info) {
  const std::string key = group + "/" + info.name;
  h5::Column opened = h5::Column::open(handle(), key, info.type, where(key), transaction && !info.raw, format_1);
  if (!transaction) {
    const bool per_run = group == kRuns || group == kFinalAccuracy || group == kFinalLoss || group == kIndex;
    // /curves/train_loss defines the curve length, which the others must match.
    const bool per_epoch = group == kEvalAccuracy || group == kEvalLoss ||
                           (group == kCurves && info.name != std::string(layout::curves::train_loss.name));
    const std::size_t expected = per_run ? file_rows : per_epoch ? curve_count() : 0;
    if ((per_run || per_epoch) && opened.size() != expected)
      throw InputError(where(key) + " has " + std::to_string(opened.size()) + " rows but the store needs " +
                       std::to_string(expected) + " (damaged store)");
  }
  return opened;
}

std::vector<std::string>& ResultStore::Impl::splits(const std::string& group) {
  auto it = split_lists.find(group);
  if (it == split_lists.end()) {
    h5::Id id = h5::open_group(handle(), group, where(group));
    it = split_lists.emplace(group, h5::member_names(id.get(), where(group))).first;
  }
  return it->second;
}

h5::Column* ResultStore::Impl::split_column(const std::string& group, const std::string& split) {
  const auto& names = splits(group);
  if (!std::binary_search(names.begin(), names.end(), split)) return nullptr;
  ColumnInfo info =
      group == kFinalAccuracy || group == kEvalAccuracy ? layout::final_accuracy_info() : layout::final_loss_info();
  info.name = split.c_str();
  return &column(group, info);
}

h5::Column& ResultStore::Impl::create_split_column(const std::string& group, const std::string& split,
                                                   const ColumnInfo& info, std::size_t size) {
  const std::string key = group + "/" + split;
  const bool per_epoch = group == kEvalAccuracy || group == kEvalLoss;
  h5::Column created = h5::Column::create(
      handle(), key, info.type, size, {per_epoch ? layout::kCurveChunkRows : layout::kRunChunkRows, true}, where(key));
  describe_column(created.id(), info);
  h5::write_attribute(created.id(), "split", split);
  std::vector<std::string>& list = splits(group);
  list.insert(std::upper_bound(list.begin(), list.end(), split), split);
  return columns.emplace(key, std::move(created)).first->second;
}

}  // namespace nasrank::store
