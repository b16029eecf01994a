#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "nasrank/common/version.h"
#include "store/store_impl.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <cstdlib>
#include <optional>
#include <random>
#include <set>
#include <system_error>
#include <utility>

namespace nasrank::store {

using layout::ColumnInfo;
namespace runs = layout::runs;

namespace {

constexpr char kSeparator = '\x1f';
const std::string kRuns = layout::kRunsGroup;
const std::string kCurves = layout::kCurvesGroup;
const std::string kSources = layout::kSourcesGroup;
const std::string kIndex = layout::kIndexGroup;
const std::string kFinalAccuracy = layout::kFinalAccuracyGroup;
const std::string kFinalLoss = layout::kFinalLossGroup;
const std::string kEvalAccuracy = layout::kEvalAccuracyGroup;
const std::string kEvalLoss = layout::kEvalLossGroup;

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

std::string provenance_text(const Provenance& p) {
  std::string text = p.source_path;
  for (const std::string* field : {&p.source_sha256, &p.source_mtime, &p.source_format, &p.source_split, &p.note}) {
    text += kSeparator;
    text += *field;
  }
  return text + kSeparator + std::to_string(p.source_size);
}

bool has_source(const Provenance& p) {
  return !p.source_path.empty() || !p.source_sha256.empty() || !p.source_format.empty() || !p.note.empty() ||
         !p.source_split.empty() || p.source_size >= 0;
}

void describe_column(hid_t dataset, const ColumnInfo& info) {
  if (*info.units) h5::write_attribute(dataset, "units", info.units);
  h5::write_attribute(dataset, "meaning", info.meaning);
}

void create_columns(hid_t file, const std::string& group, const std::vector<const ColumnInfo*>& columns,
                    std::size_t chunk_rows) {
  for (const ColumnInfo* info : columns) {
    const std::string name = group + "/" + info->name;
    const h5::ColumnCreation creation = info->raw ? h5::ColumnCreation{layout::kRawChunkRows, false}
                                                  : h5::ColumnCreation{chunk_rows, true};
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

// The benchmark index of an "nb201:<arch string>" key; nullopt for other spaces.
std::optional<int> benchmark_index_of(const std::string& key) {
  constexpr std::string_view prefix = "nb201:";
  if (key.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  try {
    return cell::to_benchmark_index(cell::parse_arch_string(std::string_view(key).substr(prefix.size())));
  } catch (const InputError&) {
    return std::nullopt;
  }
}

void check_width(const RunRecord& record, const char* field, const std::string& value, std::size_t width) {
  if (value.size() > width)
    throw InputError("run " + run_key(record).to_string() + ": " + field + " '" + value + "' is longer than the " +
                     std::to_string(width) + " bytes the store allows");
}

}  // namespace

std::string key_text(const std::string& arch_key, const std::string& dataset, const std::string& protocol,
                     std::int64_t budget, std::int64_t seed) {
  std::string text = arch_key;
  text += kSeparator;
  text += dataset;
  text += kSeparator;
  text += protocol;
  text += kSeparator;
  text += std::to_string(budget);
  text += kSeparator;
  text += std::to_string(seed);
  return text;
}

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
  const auto format =
      h5::read_text_attribute(id, "format", where + ": reading attribute 'format' of '/'", format_1);
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
  for (const std::string& group : {kRuns, kFinalAccuracy, kFinalLoss, kCurves, kEvalAccuracy, kEvalLoss, kSources, kIndex}) {
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

void ResultStore::Impl::write_index() {
  const auto& hashes = arch_hashes();
  const std::size_t count = file_rows;
  std::vector<std::pair<std::uint64_t, std::int64_t>> entries(count);
  for (std::size_t i = 0; i < count; ++i) entries[i] = {hashes[i], static_cast<std::int64_t>(i)};
  std::sort(entries.begin(), entries.end());
  std::vector<std::uint64_t> sorted(count);
  std::vector<std::int64_t> positions(count);
  for (std::size_t i = 0; i < count; ++i) {
    sorted[i] = entries[i].first;
    positions[i] = entries[i].second;
  }
  h5::Column& hash_column = column(kIndex, layout::index::sorted_hash);
  hash_column.resize(count);
  hash_column.write(0, sorted);
  h5::Column& row_column = column(kIndex, layout::index::rows);
  row_column.resize(count);
  row_column.write(0, positions);
}

namespace {

// Where the entries equal to `hash` lie in the sorted index, [first, first +
// count), if `window` (entries begin.. of `rows`) shows the whole run: it
// must start at entry 0 or with a smaller hash and end at the last entry or
// with a larger one.
std::optional<std::pair<std::size_t, std::size_t>> run_in_window(const std::vector<std::uint64_t>& window,
                                                                  std::size_t begin, std::size_t rows,
                                                                  std::uint64_t hash) {
  if (window.empty()) return std::nullopt;
  const bool starts_before = begin == 0 || window.front() < hash;
  const bool ends_after = begin + window.size() == rows || window.back() > hash;
  if (!starts_before || !ends_after) return std::nullopt;
  const auto [low, high] = std::equal_range(window.begin(), window.end(), hash);
  return std::make_pair(begin + static_cast<std::size_t>(low - window.begin()), static_cast<std::size_t>(high - low));
}

}  // namespace

std::vector<std::size_t> ResultStore::Impl::rows_with_hash(std::uint64_t hash) {
  const std::size_t indexed = file_rows;
  if (indexed == 0) return {};
  h5::Column& sorted = column(kIndex, layout::index::sorted_hash);
  // FNV-1a hashes spread evenly over 64 bits, so the entries equal to `hash`
  // sit within a few sqrt(rows) of position rows * hash / 2^64 (at most 810
  // entries away in the 109,426-run import of all NAS-Bench-201 exports):
  // one read of a window around there nearly always holds the whole run.
  const double position = static_cast<double>(hash) / 18446744073709551616.0 * static_cast<double>(indexed);
  const auto half_width = 256 + static_cast<std::size_t>(3 * std::sqrt(static_cast<double>(indexed)));
  const std::size_t center = std::min(indexed - 1, static_cast<std::size_t>(position));
  const std::size_t begin = center > half_width ? center - half_width : 0;
  const std::size_t end = std::min(indexed, center + half_width);
  auto run = run_in_window(sorted.read_range<std::uint64_t>(begin, end - begin), begin, indexed, hash);
  if (!run) {
    // A run longer than the window, or one far from its estimate: every
    // kStride-th sorted hash narrows the search to a window, then the window
    // itself; entries equal to `hash` lie in
    // [stride * (first sample >= hash, minus one), stride * (first sample > hash)).
    constexpr std::size_t kStride = 1024;
    const std::size_t samples = (indexed + kStride - 1) / kStride;
    const auto sample = sorted.read_strided<std::uint64_t>(0, kStride, samples);
    const auto at_least = static_cast<std::size_t>(std::lower_bound(sample.begin(), sample.end(), hash) - sample.begin());
    const auto above = static_cast<std::size_t>(std::upper_bound(sample.begin(), sample.end(), hash) - sample.begin());
    const std::size_t window_first = (at_least == 0 ? 0 : at_least - 1) * kStride;
    const std::size_t window_end = std::min(indexed, above * kStride);
    if (window_end <= window_first) return {};
    const auto window = sorted.read_range<std::uint64_t>(window_first, window_end - window_first);
    const auto [low, high] = std::equal_range(window.begin(), window.end(), hash);
    run = std::make_pair(window_first + static_cast<std::size_t>(low - window.begin()),
                         static_cast<std::size_t>(high - low));
  }
  const auto [first, count] = *run;
  std::vector<std::size_t> found;
  if (count == 0) return found;
  for (std::int64_t row : open_column(kIndex, layout::index::rows).read_range<std::int64_t>(first, count)) {
    if (row < 0 || static_cast<std::size_t>(row) >= indexed)
      throw InputError(where(kIndex + "/row") + ": row " + std::to_string(row) + " out of range (damaged store)");
    found.push_back(static_cast<std::size_t>(row));
  }
  std::sort(found.begin(), found.end());
  return found;
}

void ResultStore::Impl::write_root_attributes() {
  const hid_t id = handle();
  h5::write_attribute(id, "run_count", static_cast<std::int64_t>(file_rows));
  h5::write_attribute(id, "written_by", "nasrank " + version());
  h5::write_attribute(id, "last_commit_utc", utc_timestamp());
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
  ColumnInfo info = group == kFinalAccuracy || group == kEvalAccuracy ? layout::final_accuracy_info()
                                                                       : layout::final_loss_info();
  info.name = split.c_str();
  return &column(group, info);
}

h5::Column& ResultStore::Impl::create_split_column(const std::string& group, const std::string& split,
                                                   const ColumnInfo& info, std::size_t size) {
  const std::string key = group + "/" + split;
  const bool per_epoch = group == kEvalAccuracy || group == kEvalLoss;
  h5::Column created = h5::Column::create(
      handle(), key, info.type, size, {per_epoch ? layout::kCurveChunkRows : layout::kRunChunkRows, true},
      where(key));
  describe_column(created.id(), info);
  h5::write_attribute(created.id(), "split", split);
  std::vector<std::string>& list = splits(group);
  list.insert(std::upper_bound(list.begin(), list.end(), split), split);
  return columns.emplace(key, std::move(created)).first->second;
}

// ---- Impl: caches ----------------------------------------------------------------

void ResultStore::Impl::clear_caches() {
  clear_file_caches();
  key_rows.reset();
}

void ResultStore::Impl::clear_file_caches() {
  hash_cache.reset();
  text_cache.clear();
  int_cache.clear();
  sources.reset();
}

const std::vector<std::uint64_t>& ResultStore::Impl::arch_hashes() {
  if (!hash_cache)
    hash_cache = file_rows > 0 ? column(kRuns, runs::arch_key_hash).read_all<std::uint64_t>() : std::vector<std::uint64_t>();
  return *hash_cache;
}

namespace {
// Past this share of a column, reading it whole (and keeping it) is cheaper
// than a point selection.
bool worth_caching(std::size_t wanted, std::size_t total) { return wanted * 16 >= total; }

template <class T>
std::vector<T> pick(const std::vector<T>& all, const std::vector<std::size_t>& rows) {
  std::vector<T> picked;
  picked.reserve(rows.size());
  for (std::size_t row : rows) picked.push_back(all[row]);
  return picked;
}
}  // namespace

std::vector<std::string> ResultStore::Impl::scan_text(const ColumnInfo& info, const std::vector<std::size_t>& wanted) {
  return merge_overlay<std::string>(
      wanted, [&](const std::vector<std::size_t>& in_file) { return scan_file_text(info, in_file); },
      [&](const RunRecord& r) { return run_value<std::string>(r, info.name); });
}

std::vector<std::int64_t> ResultStore::Impl::scan_int(const ColumnInfo& info, const std::vector<std::size_t>& wanted) {
  return merge_overlay<std::int64_t>(
      wanted, [&](const std::vector<std::size_t>& in_file) { return scan_file_int(info, in_file); },
      [&](const RunRecord& r) { return run_value<std::int64_t>(r, info.name); });
}

std::vector<std::string> ResultStore::Impl::scan_file_text(const ColumnInfo& info, const std::vector<std::size_t>& wanted) {
  auto it = text_cache.find(info.name);
  if (it == text_cache.end() && worth_caching(wanted.size(), file_rows))
    it = text_cache.emplace(info.name, column(kRuns, info).read_all<std::string>()).first;
  if (it != text_cache.end()) return pick(it->second, wanted);
  return read_once<std::string>(kRuns, info, wanted);
}

std::vector<std::int64_t> ResultStore::Impl::scan_file_int(const ColumnInfo& info, const std::vector<std::size_t>& wanted) {
  auto it = int_cache.find(info.name);
  if (it == int_cache.end() && worth_caching(wanted.size(), file_rows))
    it = int_cache.emplace(info.name, column(kRuns, info).read_all<std::int64_t>()).first;
  if (it != int_cache.end()) return pick(it->second, wanted);
  return read_once<std::int64_t>(kRuns, info, wanted);
}

std::unordered_map<std::string, std::size_t>& ResultStore::Impl::keys() {
  if (!key_rows) {
    std::unordered_map<std::string, std::size_t> loaded;
    if (file_rows > 0) {
      std::vector<std::size_t> all(file_rows);
      for (std::size_t i = 0; i < file_rows; ++i) all[i] = i;
      const auto dataset = scan_file_text(runs::dataset, all);
      const auto protocol = scan_file_text(runs::protocol, all);
      const auto budget = scan_file_int(runs::budget_epochs, all);
      const auto seed = scan_file_int(runs::seed, all);
      const auto arch = column(kRuns, runs::arch).read_all<std::string>();
      const auto space = column(kRuns, runs::space).read_all<std::string>();
      loaded.reserve(rows * 2);
      for (std::size_t i = 0; i < file_rows; ++i)
        loaded[key_text(arch_key(space[i], arch[i]), dataset[i], protocol[i], budget[i], seed[i])] = i;
    }
    // A replacement keeps its row's key, so only appended rows add keys.
    for (const journal::Entry& entry : overlay)
      if (entry.row >= file_rows) {
        const RunRecord& r = entry.run;
        loaded[key_text(arch_key(r.space, r.arch), r.dataset, r.protocol, r.budget_epochs, r.seed)] = entry.row;
      }
    key_rows = std::move(loaded);
  }
  return *key_rows;
}

ResultStore::Impl::SourceTable& ResultStore::Impl::source_table() {
  if (!sources) {
    SourceTable table;
    if (file_rows > 0 || transaction) {
      namespace src = layout::sources;
      const auto paths = column(kSources, src::path).read_all<std::string>();
      const std::size_t n = paths.size();
      auto text = [&](const ColumnInfo& info) {
        auto values = column(kSources, info).read_all<std::string>();
        if (values.size() != n) throw InputError(where(kSources + "/" + info.name) + " has a different length than '/sources/path' (damaged store)");
        return values;
      };
      const auto sha = text(src::sha256);
      const auto mtime = text(src::mtime);
      const auto format = text(src::format);
      const auto split = text(src::split);
      const auto note = text(src::note);
      const auto size = column(kSources, src::size_bytes).read_all<std::int64_t>();
      if (size.size() != n) throw InputError(where(kSources + "/size_bytes") + " has a different length than '/sources/path' (damaged store)");
      for (std::size_t i = 0; i < n; ++i) {
        Provenance p;
        p.source_path = paths[i];
        p.source_sha256 = sha[i];
        p.source_size = size[i];
        p.source_mtime = mtime[i];
        p.source_format = format[i];
        p.source_split = split[i];
        p.note = note[i];
        table.index.emplace(provenance_text(p), static_cast<std::int32_t>(i));
        table.rows.push_back(std::move(p));
      }
    }
    sources = std::move(table);
  }
  return *sources;
}

std::vector<std::int32_t> ResultStore::Impl::assign_sources(const std::vector<const RunRecord*>& records) {
  SourceTable& table = source_table();
  std::vector<std::int32_t> ids;
  ids.reserve(records.size());
  const std::size_t first_new = table.rows.size();
  for (const RunRecord* record : records) {
    if (!has_source(record->provenance)) {
      ids.push_back(-1);
      continue;
    }
    const std::string text = provenance_text(record->provenance);
    auto it = table.index.find(text);
    if (it == table.index.end()) {
      it = table.index.emplace(text, static_cast<std::int32_t>(table.rows.size())).first;
      Provenance stored = record->provenance;
      stored.imported = false;
      table.rows.push_back(std::move(stored));
    }
    ids.push_back(it->second);
  }
  const std::size_t added = table.rows.size() - first_new;
  if (added > 0) {
    namespace src = layout::sources;
    std::vector<std::string> paths, sha, mtime, format, split, note;
    std::vector<std::int64_t> size;
    for (std::size_t i = first_new; i < table.rows.size(); ++i) {
      const Provenance& p = table.rows[i];
      paths.push_back(p.source_path);
      sha.push_back(p.source_sha256);
      mtime.push_back(p.source_mtime);
      format.push_back(p.source_format);
      split.push_back(p.source_split);
      note.push_back(p.note);
      size.push_back(p.source_size);
    }
    auto append = [&](const ColumnInfo& info, const auto& values) {
      h5::Column& c = column(kSources, info);
      c.resize(first_new + added);
      c.write(first_new, values);
    };
    append(src::path, paths);
    append(src::sha256, sha);
    append(src::size_bytes, size);
    append(src::mtime, mtime);
    append(src::format, format);
    append(src::split, split);
    append(src::note, note);
  }
  return ids;
}

// ---- Impl: writing -----------------------------------------------------------------

namespace {

template <class Get>
std::vector<double> concatenated(const std::vector<const RunRecord*>& records, const std::vector<std::int32_t>& lengths,
                                 std::size_t total, Get get) {
  std::vector<double> values(total, kNotMeasured);
  std::size_t at = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (const std::vector<double>* series = get(*records[i]))
      std::copy(series->begin(), series->end(), values.begin() + static_cast<std::ptrdiff_t>(at));
    at += static_cast<std::size_t>(lengths[i]);
  }
  return values;
}

const std::vector<double>* find_series(const std::map<std::string, std::vector<double>>& map, const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

}  // namespace

void ResultStore::Impl::write_curves(const std::vector<const RunRecord*>& records, std::vector<std::int64_t>& offsets,
                                     std::vector<std::int32_t>& lengths) {
  const std::size_t first = curve_count();
  std::size_t total = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::size_t epochs = records[i]->curves.epochs();
    offsets[i] = static_cast<std::int64_t>(first + total);
    lengths[i] = static_cast<std::int32_t>(epochs);
    total += epochs;
  }
  if (total == 0) return;
  const std::size_t end = first + total;
  auto append = [&](h5::Column& c, const std::vector<double>& values) {
    c.resize(end);
    c.write(first, values);
  };
  namespace cv = layout::curves;
  append(column(kCurves, cv::train_loss),
         concatenated(records, lengths, total, [](const RunRecord& r) { return &r.curves.train_loss; }));
  append(column(kCurves, cv::train_accuracy),
         concatenated(records, lengths, total, [](const RunRecord& r) { return &r.curves.train_accuracy; }));
  append(column(kCurves, cv::learning_rate),
         concatenated(records, lengths, total, [](const RunRecord& r) { return &r.curves.learning_rate; }));
  append(column(kCurves, cv::epoch_seconds),
         concatenated(records, lengths, total, [](const RunRecord& r) { return &r.curves.epoch_seconds; }));

  auto per_split = [&](const std::string& group, const ColumnInfo& info,
                       std::map<std::string, std::vector<double>> EpochCurves::*member) {
    std::set<std::string> names(splits(group).begin(), splits(group).end());
    for (const RunRecord* r : records)
      for (const auto& [split, series] : r->curves.*member) names.insert(split);
    for (const std::string& split : names) {
      h5::Column* c = split_column(group, split);
      if (!c) c = &create_split_column(group, split, info, first);
      append(*c, concatenated(records, lengths, total,
                              [&](const RunRecord& r) { return find_series(r.curves.*member, split); }));
    }
  };
  per_split(kEvalAccuracy, layout::eval_accuracy_info(), &EpochCurves::eval_accuracy);
  per_split(kEvalLoss, layout::eval_loss_info(), &EpochCurves::eval_loss);
  curve_rows = end;
}

void ResultStore::Impl::write_split_metrics(std::size_t first_row, std::size_t end_row,
                                            const std::vector<const RunRecord*>& records) {
  auto per_split = [&](const std::string& group, const ColumnInfo& info, double SplitMetrics::*member) {
    std::set<std::string> names(splits(group).begin(), splits(group).end());
    for (const RunRecord* r : records)
      for (const auto& [split, metrics] : r->final_metrics)
        if (!std::isnan(metrics.*member)) names.insert(split);
    for (const std::string& split : names) {
      h5::Column* c = split_column(group, split);
      if (!c) c = &create_split_column(group, split, info, file_rows);
      if (c->size() < end_row) c->resize(end_row);
      std::vector<double> values(records.size(), kNotMeasured);
      for (std::size_t i = 0; i < records.size(); ++i)
        if (auto it = records[i]->final_metrics.find(split); it != records[i]->final_metrics.end())
          values[i] = it->second.*member;
      c->write(first_row, values);
    }
  };
  per_split(kFinalAccuracy, layout::final_accuracy_info(), &SplitMetrics::accuracy);
  per_split(kFinalLoss, layout::final_loss_info(), &SplitMetrics::loss);
}

void ResultStore::Impl::write_block(std::size_t first_row, const std::vector<const RunRecord*>& records) {
  const std::size_t k = records.size();
  if (k == 0) return;
  const std::size_t end_row = std::max(file_rows, first_row + k);

  const std::vector<std::int32_t> source_ids = assign_sources(records);
  std::vector<std::int64_t> offsets(k);
  std::vector<std::int32_t> lengths(k);
  write_curves(records, offsets, lengths);

  auto put = [&](const ColumnInfo& info, const auto& values) {
    h5::Column& c = column(kRuns, info);
    if (c.size() < end_row) c.resize(end_row);
    c.write(first_row, values);
  };
  auto texts = [&](auto get) {
    std::vector<std::string> values;
    values.reserve(k);
    for (const RunRecord* r : records) values.push_back(get(*r));
    return values;
  };
  auto numbers = [&](auto get) {
    std::vector<double> values;
    values.reserve(k);
    for (const RunRecord* r : records) values.push_back(get(*r));
    return values;
  };
  std::vector<std::int32_t> index, budget;
  std::vector<std::int64_t> seed;
  std::vector<std::uint64_t> hash;
  std::vector<std::uint8_t> imported;
  for (const RunRecord* r : records) {
    index.push_back(r->benchmark_index);
    budget.push_back(r->budget_epochs);
    seed.push_back(r->seed);
    hash.push_back(layout::arch_key_hash(arch_key(r->space, r->arch)));
    imported.push_back(r->provenance.imported ? 1 : 0);
  }
  put(runs::space, texts([](const RunRecord& r) { return r.space; }));
  put(runs::benchmark_index, index);
  put(runs::arch, texts([](const RunRecord& r) { return r.arch; }));
  put(runs::arch_key_hash, hash);
  put(runs::unique_string, texts([](const RunRecord& r) { return r.unique_string; }));
  put(runs::dataset, texts([](const RunRecord& r) { return r.dataset; }));
  put(runs::protocol, texts([](const RunRecord& r) { return r.protocol; }));
  put(runs::budget_epochs, budget);
  put(runs::seed, seed);
  put(runs::seeds_averaged, texts([](const RunRecord& r) { return r.seeds_averaged; }));
  put(runs::status, texts([](const RunRecord& r) { return std::string(status_name(r.status)); }));
  put(runs::error_message, texts([](const RunRecord& r) { return r.error_message; }));
  put(runs::learning_rate, numbers([](const RunRecord& r) { return r.learning_rate; }));
  put(runs::init, texts([](const RunRecord& r) { return r.init; }));
  put(runs::params_m, numbers([](const RunRecord& r) { return r.params_m; }));
  put(runs::flops_m, numbers([](const RunRecord& r) { return r.flops_m; }));
  put(runs::wall_seconds, numbers([](const RunRecord& r) { return r.wall_seconds; }));
  put(runs::images_per_second, numbers([](const RunRecord& r) { return r.images_per_second; }));
  put(runs::config_json, texts([](const RunRecord& r) { return r.config_json; }));
  put(runs::tool_version, texts([](const RunRecord& r) { return r.tool_version; }));
  put(runs::created_at, texts([](const RunRecord& r) { return r.created_at; }));
  put(runs::imported, imported);
  put(runs::source_id, source_ids);
  put(runs::curve_offset, offsets);
  put(runs::curve_length, lengths);
  write_split_metrics(first_row, end_row, records);
}

// ---- Impl: reading -------------------------------------------------------------------

std::vector<RunRecord> ResultStore::Impl::read_rows(const std::vector<std::size_t>& wanted, const ReadOptions& options) {
  return merge_overlay<RunRecord>(
      wanted, [&](const std::vector<std::size_t>& in_file) { return read_file_rows(in_file, options); },
      [&](const RunRecord& r) {
        RunRecord copy = r;
        if (!options.curves) copy.curves = EpochCurves{};
        return copy;
      });
}

std::vector<RunRecord> ResultStore::Impl::read_file_rows(const std::vector<std::size_t>& wanted, const ReadOptions& options) {
  const std::size_t k = wanted.size();
  std::vector<RunRecord> records(k);
  if (k == 0) return records;
  auto texts = [&](const ColumnInfo& info, std::string RunRecord::*member) {
    auto values = column(kRuns, info).read_rows<std::string>(wanted);
    for (std::size_t i = 0; i < k; ++i) records[i].*member = std::move(values[i]);
  };
  auto numbers = [&](const ColumnInfo& info, double RunRecord::*member) {
    const auto values = column(kRuns, info).read_rows<double>(wanted);
    for (std::size_t i = 0; i < k; ++i) records[i].*member = values[i];
  };
  texts(runs::space, &RunRecord::space);
  texts(runs::arch, &RunRecord::arch);
  texts(runs::unique_string, &RunRecord::unique_string);
  texts(runs::dataset, &RunRecord::dataset);
  texts(runs::protocol, &RunRecord::protocol);
  texts(runs::seeds_averaged, &RunRecord::seeds_averaged);
  texts(runs::error_message, &RunRecord::error_message);
  texts(runs::init, &RunRecord::init);
  texts(runs::config_json, &RunRecord::config_json);
  texts(runs::tool_version, &RunRecord::tool_version);
  texts(runs::created_at, &RunRecord::created_at);
  numbers(runs::learning_rate, &RunRecord::learning_rate);
  numbers(runs::params_m, &RunRecord::params_m);
  numbers(runs::flops_m, &RunRecord::flops_m);
  numbers(runs::wall_seconds, &RunRecord::wall_seconds);
  numbers(runs::images_per_second, &RunRecord::images_per_second);

  const auto index = column(kRuns, runs::benchmark_index).read_rows<std::int32_t>(wanted);
  const auto budget = column(kRuns, runs::budget_epochs).read_rows<std::int32_t>(wanted);
  const auto seed = column(kRuns, runs::seed).read_rows<std::int64_t>(wanted);
  const auto status = column(kRuns, runs::status).read_rows<std::string>(wanted);
  const auto imported = column(kRuns, runs::imported).read_rows<std::uint8_t>(wanted);
  const auto source = column(kRuns, runs::source_id).read_rows<std::int32_t>(wanted);
  SourceTable* table = nullptr;
  for (std::size_t i = 0; i < k; ++i) {
    RunRecord& r = records[i];
    r.benchmark_index = index[i];
    r.budget_epochs = budget[i];
    r.seed = seed[i];
    try {
      r.status = parse_status(status[i]);
    } catch (const InputError& e) {
      throw InputError(where(kRuns + "/status") + " row " + std::to_string(wanted[i]) + ": " + e.what());
    }
    if (source[i] >= 0) {
      if (!table) table = &source_table();
      if (static_cast<std::size_t>(source[i]) >= table->rows.size())
        throw InputError(where(kRuns + "/source_id") + " row " + std::to_string(wanted[i]) + ": source " +
                         std::to_string(source[i]) + " does not exist (damaged store)");
      r.provenance = table->rows[static_cast<std::size_t>(source[i])];
    }
    r.provenance.imported = imported[i] != 0;
  }

  auto metrics = [&](const std::string& group, double SplitMetrics::*member) {
    for (const std::string& split : splits(group)) {
      const auto values = split_column(group, split)->read_rows<double>(wanted);
      for (std::size_t i = 0; i < k; ++i)
        if (!std::isnan(values[i])) records[i].final_metrics[split].*member = values[i];
    }
  };
  metrics(kFinalAccuracy, &SplitMetrics::accuracy);
  metrics(kFinalLoss, &SplitMetrics::loss);
  if (options.curves) read_curves(wanted, records);
  return records;
}

void ResultStore::Impl::read_curves(const std::vector<std::size_t>& wanted, std::vector<RunRecord>& records) {
  const auto offsets = column(kRuns, runs::curve_offset).read_rows<std::int64_t>(wanted);
  const auto lengths = column(kRuns, runs::curve_length).read_rows<std::int32_t>(wanted);
  std::size_t low = SIZE_MAX, high = 0, needed = 0;
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    if (lengths[i] <= 0) continue;
    if (offsets[i] < 0 || static_cast<std::size_t>(offsets[i]) + static_cast<std::size_t>(lengths[i]) > curve_count())
      throw InputError(where(kRuns + "/curve_offset") + " row " + std::to_string(wanted[i]) +
                       ": curve rows out of range (damaged store)");
    low = std::min(low, static_cast<std::size_t>(offsets[i]));
    high = std::max(high, static_cast<std::size_t>(offsets[i] + lengths[i]));
    needed += static_cast<std::size_t>(lengths[i]);
  }
  if (needed == 0) return;
  // One read of the spanned range unless it is mostly other runs' epochs.
  const bool one_span = high - low <= 2 * needed + layout::kCurveChunkRows;

  auto fill = [&](h5::Column& c, auto assign) {
    std::vector<double> span;
    if (one_span) span = c.read_range<double>(low, high - low);
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      if (lengths[i] <= 0) continue;
      const std::size_t offset = static_cast<std::size_t>(offsets[i]);
      const std::size_t length = static_cast<std::size_t>(lengths[i]);
      std::vector<double> series = one_span ? std::vector<double>(span.begin() + static_cast<std::ptrdiff_t>(offset - low),
                                                                  span.begin() + static_cast<std::ptrdiff_t>(offset - low + length))
                                            : c.read_range<double>(offset, length);
      if (std::all_of(series.begin(), series.end(), [](double v) { return std::isnan(v); })) continue;
      assign(records[i], std::move(series));
    }
  };
  namespace cv = layout::curves;
  fill(column(kCurves, cv::train_loss), [](RunRecord& r, std::vector<double> s) { r.curves.train_loss = std::move(s); });
  fill(column(kCurves, cv::train_accuracy),
       [](RunRecord& r, std::vector<double> s) { r.curves.train_accuracy = std::move(s); });
  fill(column(kCurves, cv::learning_rate),
       [](RunRecord& r, std::vector<double> s) { r.curves.learning_rate = std::move(s); });
  fill(column(kCurves, cv::epoch_seconds),
       [](RunRecord& r, std::vector<double> s) { r.curves.epoch_seconds = std::move(s); });
  for (const std::string& split : splits(kEvalAccuracy))
    fill(*split_column(kEvalAccuracy, split),
         [&](RunRecord& r, std::vector<double> s) { r.curves.eval_accuracy[split] = std::move(s); });
  for (const std::string& split : splits(kEvalLoss))
    fill(*split_column(kEvalLoss, split),
         [&](RunRecord& r, std::vector<double> s) { r.curves.eval_loss[split] = std::move(s); });
}

std::vector<std::size_t> ResultStore::Impl::select(const RunFilter& filter) {
  std::vector<std::size_t> selected;
  if (rows == 0) return selected;
  if (filter.arch_key) {
    const std::uint64_t hash = layout::arch_key_hash(*filter.arch_key);
    if (file_rows == 0) {
    } else if (hash_cache) {
      const auto& hashes = arch_hashes();
      for (std::size_t i = 0; i < file_rows; ++i)
        if (hashes[i] == hash) selected.push_back(i);
    } else {
      selected = rows_with_hash(hash);
    }
    // Rows appended by the overlay are not in the file's index; replaced
    // rows keep their key and so their place there.
    const std::size_t from_file = selected.size();
    for (const journal::Entry& entry : overlay)
      if (entry.row >= file_rows && layout::arch_key_hash(arch_key(entry.run.space, entry.run.arch)) == hash)
        selected.push_back(entry.row);
    std::sort(selected.begin() + static_cast<std::ptrdiff_t>(from_file), selected.end());
    selected.erase(std::unique(selected.begin(), selected.end()), selected.end());
  } else {
    selected.resize(rows);
    for (std::size_t i = 0; i < rows; ++i) selected[i] = i;
  }
  auto keep = [&](const auto& values, const auto& wanted) {
    std::vector<std::size_t> kept;
    for (std::size_t i = 0; i < selected.size(); ++i)
      if (values[i] == wanted) kept.push_back(selected[i]);
    selected = std::move(kept);
  };
  if (filter.dataset && !selected.empty()) keep(scan_text(runs::dataset, selected), *filter.dataset);
  if (filter.protocol && !selected.empty()) keep(scan_text(runs::protocol, selected), *filter.protocol);
  if (filter.budget_epochs && !selected.empty())
    keep(scan_int(runs::budget_epochs, selected), static_cast<std::int64_t>(*filter.budget_epochs));
  if (filter.seed && !selected.empty()) keep(scan_int(runs::seed, selected), *filter.seed);
  if (filter.arch_key && !selected.empty()) {
    // The hash only narrows the search; the architecture decides. A benchmark
    // cell is its index, which is cheaper to compare than the text (and only
    // nb201 runs have an index, see layout.h).
    const std::optional<int> index = benchmark_index_of(*filter.arch_key);
    std::vector<std::size_t> confirmed;
    if (index) {
      const auto indices = read_once<std::int32_t>(kRuns, runs::benchmark_index, selected);
      for (std::size_t i = 0; i < selected.size(); ++i)
        if (indices[i] == *index) confirmed.push_back(selected[i]);
    } else {
      const auto space = read_once<std::string>(kRuns, runs::space, selected);
      const auto arch = read_once<std::string>(kRuns, runs::arch, selected);
      for (std::size_t i = 0; i < selected.size(); ++i)
        if (arch_key(space[i], arch[i]) == *filter.arch_key) confirmed.push_back(selected[i]);
    }
    selected = std::move(confirmed);
  }
  return selected;
}

// ---- Impl: journal and overlay --------------------------------------------------------

namespace {

// Below this the journal is folded no earlier than at close: copying a small
// store costs less than the fsyncs a commit pays anyway.
constexpr std::uint64_t kMinFoldBytes = 1 << 20;

// NASRANK_STORE_FOLD_BYTES: fold once the journal reaches this many bytes
// (tests and benchmarks use it to make folds frequent); 0 or unset = automatic.
std::uint64_t fold_threshold_override() {
  const char* text = std::getenv("NASRANK_STORE_FOLD_BYTES");
  if (!text || !*text) return 0;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  return end && *end == '\0' ? value : 0;
}

std::int64_t new_store_id() {
  std::random_device random;
  for (;;) {
    const std::uint64_t value = (static_cast<std::uint64_t>(random()) << 32) ^ random();
    const auto id = static_cast<std::int64_t>(value >> 1);
    if (id != 0) return id;
  }
}

// A run as the HDF5 file returns it (reads must not depend on whether a run
// was folded yet): every series padded with NaN to the run's epochs, series
// and split metrics that hold no number dropped, no provenance without a source.
RunRecord stored_form(RunRecord r) {
  for (auto it = r.final_metrics.begin(); it != r.final_metrics.end();)
    it = std::isnan(it->second.accuracy) && std::isnan(it->second.loss) ? r.final_metrics.erase(it) : std::next(it);
  const std::size_t epochs = r.curves.epochs();
  auto normalize = [&](std::vector<double>& series) {
    series.resize(epochs, kNotMeasured);
    if (std::all_of(series.begin(), series.end(), [](double v) { return std::isnan(v); })) series.clear();
  };
  for (auto* series : {&r.curves.train_loss, &r.curves.train_accuracy, &r.curves.learning_rate, &r.curves.epoch_seconds})
    normalize(*series);
  for (auto* map : {&r.curves.eval_accuracy, &r.curves.eval_loss})
    for (auto it = map->begin(); it != map->end();) {
      normalize(it->second);
      it = it->second.empty() ? map->erase(it) : std::next(it);
    }
  if (!has_source(r.provenance)) {
    const bool imported = r.provenance.imported;
    r.provenance = Provenance{};
    r.provenance.imported = imported;
  }
  return r;
}

}  // namespace

RunCell run_cell(const RunRecord& r, const std::string& name) {
  RunCell cell;
  auto is = [&](const ColumnInfo& info) { return name == info.name; };
  if (is(runs::space)) cell.text = r.space;
  else if (is(runs::benchmark_index)) cell.integer = r.benchmark_index;
  else if (is(runs::arch)) cell.text = r.arch;
  else if (is(runs::arch_key_hash)) cell.hash = layout::arch_key_hash(arch_key(r.space, r.arch));
  else if (is(runs::unique_string)) cell.text = r.unique_string;
  else if (is(runs::dataset)) cell.text = r.dataset;
  else if (is(runs::protocol)) cell.text = r.protocol;
  else if (is(runs::budget_epochs)) cell.integer = r.budget_epochs;
  else if (is(runs::seed)) cell.integer = r.seed;
  else if (is(runs::seeds_averaged)) cell.text = r.seeds_averaged;
  else if (is(runs::status)) cell.text = std::string(status_name(r.status));
  else if (is(runs::error_message)) cell.text = r.error_message;
  else if (is(runs::learning_rate)) cell.number = r.learning_rate;
  else if (is(runs::init)) cell.text = r.init;
  else if (is(runs::params_m)) cell.number = r.params_m;
  else if (is(runs::flops_m)) cell.number = r.flops_m;
  else if (is(runs::wall_seconds)) cell.number = r.wall_seconds;
  else if (is(runs::images_per_second)) cell.number = r.images_per_second;
  else if (is(runs::config_json)) cell.text = r.config_json;
  else if (is(runs::tool_version)) cell.text = r.tool_version;
  else if (is(runs::created_at)) cell.text = r.created_at;
  else if (is(runs::imported)) cell.integer = r.provenance.imported ? 1 : 0;
  else if (is(runs::curve_length)) cell.integer = static_cast<std::int64_t>(r.curves.epochs());
  else NASRANK_CHECK(false, "column '" + name + "' has no value for a journaled run");
  return cell;
}

void ResultStore::Impl::set_rows() {
  rows = file_rows;
  for (const journal::Entry& entry : overlay) rows = std::max(rows, entry.row + 1);
}

void ResultStore::Impl::load_journal(const journal::Contents& contents) {
  set_rows();
  if (contents.exists && !contents.entries.empty() && store_id != 0 && contents.store_id == store_id) {
    for (const journal::Entry& entry : contents.entries) {
      if (entry.row > rows)
        throw InputError("journal '" + journal::journal_path(real_path.empty() ? path : real_path).string() +
                         "' writes row " + std::to_string(entry.row) + " of a store of " + std::to_string(rows) +
                         " runs (damaged, or the journal of another store)");
      overlay_at[entry.row] = overlay.size();
      overlay.push_back(entry);
      rows = std::max(rows, entry.row + 1);
    }
    journal_entries = overlay.size();
  }
  committed_rows = rows;
}

void ResultStore::Impl::drop_staged() {
  overlay.erase(overlay.begin() + static_cast<std::ptrdiff_t>(journal_entries), overlay.end());
  overlay_at.clear();
  for (std::size_t i = 0; i < overlay.size(); ++i) overlay_at[overlay[i].row] = i;
  set_rows();
  key_rows.reset();
}

void ResultStore::Impl::fold(std::size_t entries) {
  const std::int64_t previous_id = store_id;
  begin_transaction();
  try {
    // The copy's columns grow below; what was cached describes the old file.
    clear_file_caches();
    std::size_t i = 0;
    while (i < entries) {
      const std::size_t row = overlay[i].row;
      NASRANK_CHECK(row <= file_rows, "a journal entry past the end of the store");
      if (row < file_rows) {
        write_block(row, {&overlay[i].run});
        ++i;
        continue;
      }
      std::vector<const RunRecord*> block;
      for (; i < entries && overlay[i].row == file_rows + block.size(); ++i) block.push_back(&overlay[i].run);
      write_block(file_rows, block);
      file_rows += block.size();
    }
    hash_cache.reset();
    write_index();
    store_id = new_store_id();
    h5::write_attribute(file.get(), "journal_id", store_id);
    write_root_attributes();
    // A failed flush leaves the file intact for abort_transaction(); a failed
    // close would not, so the close must have nothing left to write.
    h5::flush_file(file.get(), "writing " + quoted(temporary));
    columns.clear();
    split_lists.clear();
    file.close_checked("closing " + quoted(temporary));
    durable::replace_atomically(temporary, real_path);
  } catch (...) {
    abort_transaction();
    store_id = previous_id;
    throw;
  }
  transaction = false;
  committed_file = true;
  committed_file_rows = file_rows;
  // The file now holds every journaled run and has a new journal_id, so a
  // journal left by a crash right here is stale: readers ignore it and the
  // next writer removes it.
  journal_writer.reset();
  journal_bytes = 0;
  durable::remove_if_exists(journal::journal_path(real_path));
  overlay.erase(overlay.begin(), overlay.begin() + static_cast<std::ptrdiff_t>(entries));
  overlay_at.clear();
  for (std::size_t k = 0; k < overlay.size(); ++k) overlay_at[overlay[k].row] = k;
  journal_entries = 0;
  clear_file_caches();
  set_rows();
}

std::vector<std::string> ResultStore::Impl::all_splits(const std::string& group) {
  std::set<std::string> names;
  if (committed_file || transaction)
    for (const std::string& split : splits(group)) names.insert(split);
  const bool accuracy = group == kFinalAccuracy;
  for (const journal::Entry& entry : overlay)
    for (const auto& [split, metrics] : entry.run.final_metrics)
      if (!std::isnan(accuracy ? metrics.accuracy : metrics.loss)) names.insert(split);
  return {names.begin(), names.end()};
}

std::optional<std::vector<double>> ResultStore::Impl::read_split_once(const std::string& group, const std::string& split,
                                                                      const std::vector<std::size_t>& rows) {
  bool in_file = false;
  if (committed_file || transaction) {
    const auto& names = splits(group);
    in_file = std::binary_search(names.begin(), names.end(), split);
  }
  if (!in_file && overlay.empty()) return std::nullopt;
  ColumnInfo info = group == kFinalAccuracy || group == kEvalAccuracy ? layout::final_accuracy_info()
                                                                       : layout::final_loss_info();
  info.name = split.c_str();
  const bool accuracy = group == kFinalAccuracy;
  return merge_overlay<double>(
      rows,
      [&](const std::vector<std::size_t>& file_rows_wanted) {
        if (!in_file) return std::vector<double>(file_rows_wanted.size(), kNotMeasured);
        if (auto it = columns.find(group + "/" + split); it != columns.end())
          return it->second.read_rows<double>(file_rows_wanted);
        return open_column(group, info).read_rows<double>(file_rows_wanted);
      },
      [&](const RunRecord& r) {
        const auto it = r.final_metrics.find(split);
        if (it == r.final_metrics.end()) return kNotMeasured;
        return accuracy ? it->second.accuracy : it->second.loss;
      });
}

// ---- ResultStore -----------------------------------------------------------------------

ResultStore::ResultStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ResultStore::ResultStore(ResultStore&&) noexcept = default;
ResultStore& ResultStore::operator=(ResultStore&&) noexcept = default;
ResultStore::~ResultStore() = default;

ResultStore ResultStore::open(const std::filesystem::path& path, OpenMode mode) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->temporary = durable::temporary_path(path);
  impl->mode = mode == OpenMode::ReadFormat1 ? OpenMode::Read : mode;
  impl->format_1_allowed = mode == OpenMode::ReadFormat1;
  std::error_code error;
  const bool exists = std::filesystem::exists(path, error);
  if (impl->mode == OpenMode::Read) {
    if (!exists) throw InputError("results store " + quoted(path) + " does not exist");
    impl->committed_file = true;
    // The journal before the file: a writer folds by renaming a new file over
    // the store before it removes the journal, so a journal read first either
    // belongs to the file read next or is stale (its runs are in that file,
    // and its store id no longer matches).
    // Beside the resolved path, where writers put it (a symlink to the store
    // has no journal of its own).
    const auto resolved = std::filesystem::weakly_canonical(std::filesystem::absolute(path), error);
    const journal::Contents contents = journal::read(journal::journal_path(error ? path : resolved));
    impl->open_checked();
    impl->committed_file_rows = impl->file_rows;
    impl->load_journal(contents);
    return ResultStore(std::move(impl));
  }
  if (exists && std::filesystem::is_directory(path, error))
    throw InputError(quoted(path) + " is a directory, not a results store file");
  impl->real_path = std::filesystem::weakly_canonical(std::filesystem::absolute(path), error);
  if (error) throw IoError("results store " + quoted(path) + ": cannot resolve the path: " + error.message());
  impl->temporary = durable::temporary_path(impl->real_path);
  if (exists) {
    // A commit replaces the file by renaming a new one over it, which would
    // split hard-linked names into different stores without a word.
    const auto links = std::filesystem::hard_link_count(impl->real_path, error);
    if (!error && links > 1)
      throw InputError("results store " + quoted(path) + " has " + std::to_string(links) +
                       " hard links; writing would replace only this name and leave the others with the old runs "
                       "(copy it, or write through one name after removing the others)");
  }
  impl->lock.emplace(impl->real_path);
  // A leftover of a writer killed mid-transaction; it was never part of the store.
  durable::remove_if_exists(impl->temporary);
  impl->fold_bytes = fold_threshold_override();
  if (mode == OpenMode::Append && exists) {
    impl->committed_file = true;
    const std::filesystem::path journal_file = journal::journal_path(impl->real_path);
    const journal::Contents contents = journal::read(journal_file);
    impl->open_checked();
    h5::require_checksummed_tree(impl->file.get(), quoted(path));
    impl->committed_file_rows = impl->file_rows;
    impl->load_journal(contents);
    if (impl->journal_entries > 0) {
      if (contents.torn())
        impl->notices.push_back("journal '" + journal_file.string() + "': dropped the last " +
                                std::to_string(contents.file_bytes - contents.valid_bytes) +
                                " bytes, a commit that a crash interrupted before it was complete (never reported "
                                "as stored)");
      impl->journal_writer = journal::Writer::resume(journal_file, contents.valid_bytes);
      impl->journal_bytes = contents.valid_bytes;
    } else if (contents.exists) {
      // Stale (its runs were folded into the file before a crash), empty or
      // cut short while being created: nothing in it is part of the store.
      durable::remove_if_exists(journal_file);
    }
  } else {
    impl->set_rows();
  }
  return ResultStore(std::move(impl));
}

const std::filesystem::path& ResultStore::path() const { return impl_->path; }
OpenMode ResultStore::mode() const { return impl_->mode; }
std::size_t ResultStore::count() const { return impl_->rows; }
std::size_t ResultStore::pending() const { return impl_->pending(); }
const std::vector<std::string>& ResultStore::notices() const { return impl_->notices; }

RunRecord ResultStore::read(std::size_t row, const ReadOptions& options) const {
  if (row >= impl_->rows)
    throw InputError("results store " + quoted(impl_->path) + ": row " + std::to_string(row) + " requested but it has " +
                     std::to_string(impl_->rows) + " runs");
  return std::move(impl_->read_rows({row}, options).front());
}

std::vector<std::size_t> ResultStore::select(const RunFilter& filter) const { return impl_->select(filter); }

void ResultStore::for_each(const std::function<bool(std::size_t, const RunRecord&)>& visit, const RunFilter& filter,
                           const ReadOptions& options) const {
  const std::vector<std::size_t> rows = impl_->select(filter);
  constexpr std::size_t kBlock = 4096;
  for (std::size_t first = 0; first < rows.size(); first += kBlock) {
    const std::vector<std::size_t> block(rows.begin() + static_cast<std::ptrdiff_t>(first),
                                         rows.begin() + static_cast<std::ptrdiff_t>(std::min(rows.size(), first + kBlock)));
    const std::vector<RunRecord> records = impl_->read_rows(block, options);
    for (std::size_t i = 0; i < block.size(); ++i)
      if (!visit(block[i], records[i])) return;
  }
}

std::vector<RunRecord> ResultStore::list(const RunFilter& filter, const ReadOptions& options) const {
  return impl_->read_rows(impl_->select(filter), options);
}

std::optional<RunRecord> ResultStore::find(const RunKey& key, const ReadOptions& options) const {
  RunFilter filter;
  filter.arch_key = key.arch_key;
  filter.dataset = key.dataset;
  filter.protocol = key.protocol;
  filter.budget_epochs = key.budget_epochs;
  filter.seed = key.seed;
  const std::vector<std::size_t> rows = impl_->select(filter);
  if (rows.empty()) return std::nullopt;
  return std::move(impl_->read_rows({rows.front()}, options).front());
}

AddReport ResultStore::add(std::vector<RunRecord> runs, DuplicatePolicy policy) {
  Impl& s = *impl_;
  if (s.mode == OpenMode::Read)
    throw InputError("results store " + quoted(s.path) + " was opened read-only; runs cannot be added");
  const std::string now = utc_timestamp();
  for (RunRecord& r : runs) {
    canonicalize(r);
    if (r.created_at.empty()) r.created_at = now;
    if (r.tool_version.empty()) r.tool_version = version();
    check_width(r, "space", r.space, layout::kSpaceWidth);
    check_width(r, "dataset", r.dataset, layout::kDatasetWidth);
    check_width(r, "protocol", r.protocol, layout::kProtocolWidth);
    check_width(r, "init", r.init, layout::kInitWidth);
    check_width(r, "tool_version", r.tool_version, layout::kVersionWidth);
    check_width(r, "created_at", r.created_at, layout::kTimestampWidth);
  }

  AddReport report;
  auto& stored_keys = s.keys();
  std::vector<const RunRecord*> fresh;
  std::vector<std::string> fresh_keys;
  std::unordered_map<std::string, std::size_t> fresh_index;
  std::vector<std::pair<std::size_t, const RunRecord*>> against_stored;
  std::vector<std::string> conflicts;

  auto conflict = [&](const RunRecord& r, const std::string& where) {
    ++report.conflicting_duplicates;
    report.duplicates.push_back({run_key(r), false});
    if (policy == DuplicatePolicy::Fail && conflicts.size() < 3) conflicts.push_back(run_key(r).to_string() + where);
  };

  for (const RunRecord& r : runs) {
    std::string key = key_text(arch_key(r.space, r.arch), r.dataset, r.protocol, r.budget_epochs, r.seed);
    if (auto it = fresh_index.find(key); it != fresh_index.end()) {
      if (same_result(*fresh[it->second], r)) {
        ++report.identical_duplicates;
        report.duplicates.push_back({run_key(r), true});
      } else {
        conflict(r, " (twice in the batch)");
        if (policy == DuplicatePolicy::Replace) fresh[it->second] = &r;
      }
    } else if (auto stored = stored_keys.find(key); stored != stored_keys.end()) {
      against_stored.emplace_back(stored->second, &r);
    } else {
      fresh_index.emplace(key, fresh.size());
      fresh.push_back(&r);
      fresh_keys.push_back(std::move(key));
    }
  }

  std::map<std::size_t, const RunRecord*> overwrites;
  if (!against_stored.empty()) {
    std::vector<std::size_t> rows;
    for (const auto& [row, record] : against_stored) rows.push_back(row);
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    const std::vector<RunRecord> stored = s.read_rows(rows, ReadOptions{true});
    for (const auto& [row, record] : against_stored) {
      const auto position = std::lower_bound(rows.begin(), rows.end(), row) - rows.begin();
      if (same_result(stored[static_cast<std::size_t>(position)], *record)) {
        ++report.identical_duplicates;
        report.duplicates.push_back({run_key(*record), true});
      } else {
        conflict(*record, " (stored row " + std::to_string(row) + ")");
        if (policy == DuplicatePolicy::Replace) overwrites[row] = record;
      }
    }
  }
  if (policy == DuplicatePolicy::Fail && report.conflicting_duplicates > 0) {
    std::string message = "results store " + quoted(s.path) + ": " + std::to_string(report.conflicting_duplicates) +
                          " run(s) already present with different results; nothing of this batch was added. First: ";
    for (std::size_t i = 0; i < conflicts.size(); ++i) message += (i ? "; " : "") + conflicts[i];
    throw InputError(message + ". Choose which to keep: the stored run (--on-conflict keep-first) or the new one " +
                     "(--on-conflict keep-last)");
  }
  if (fresh.empty() && overwrites.empty()) return report;

  // Staged in memory; commit() writes them to the journal or folds.
  const std::size_t first = s.rows;
  // Every pointer in fresh and overwrites is to a distinct element of
  // `runs`, which this call owns: move the records instead of copying them.
  auto stage = [&](std::size_t row, const RunRecord& record) {
    s.overlay_at[row] = s.overlay.size();
    s.overlay.push_back({row, stored_form(std::move(const_cast<RunRecord&>(record)))});
  };
  for (std::size_t i = 0; i < fresh.size(); ++i) stage(first + i, *fresh[i]);
  for (const auto& [row, record] : overwrites) stage(row, *record);
  for (std::size_t i = 0; i < fresh.size(); ++i) stored_keys.emplace(std::move(fresh_keys[i]), first + i);
  s.rows += fresh.size();
  report.added = fresh.size();
  report.replaced = overwrites.size();
  return report;
}

std::size_t ResultStore::commit() {
  Impl& s = *impl_;
  if (s.mode == OpenMode::Read)
    throw InputError("results store " + quoted(s.path) + " was opened read-only; there is nothing to commit");
  if (s.committed_file && s.pending() == 0) return s.rows;
  try {
    std::string records;
    bool fold = !s.committed_file || s.store_id == 0;
    if (!fold) {
      std::vector<const journal::Entry*> staged;
      for (std::size_t i = s.journal_entries; i < s.overlay.size(); ++i) staged.push_back(&s.overlay[i]);
      records = journal::encode(staged);
      // Folding copies the file: once the journal holds an eighth of the
      // file's size, the copy costs each journaled byte at most ~8 bytes.
      std::error_code error;
      const std::uintmax_t file_size = std::filesystem::file_size(s.real_path, error);
      const std::uint64_t threshold =
          s.fold_bytes > 0 ? s.fold_bytes : std::max<std::uint64_t>(kMinFoldBytes, error ? 0 : file_size / 8);
      fold = std::max<std::uint64_t>(s.journal_bytes, 32) + records.size() >= threshold;
    }
    if (fold) {
      s.fold(s.overlay.size());
    } else {
      if (!s.journal_writer) {
        s.journal_writer = journal::Writer::create(journal::journal_path(s.real_path), s.store_id);
        s.journal_bytes = s.journal_writer->size();
      }
      s.journal_writer->append(records);
      s.journal_bytes = s.journal_writer->size();
      s.journal_entries = s.overlay.size();
    }
  } catch (const std::exception& e) {
    // A full disk or quota lands here; say what it means for the user's data.
    const std::size_t uncommitted = s.pending();
    s.drop_staged();
    if (s.journal_writer && s.journal_entries == 0) {
      // A journal this commit started holds no run: a failed write leaves
      // the folder as it was.
      s.journal_writer.reset();
      s.journal_bytes = 0;
      std::error_code ignored;
      std::filesystem::remove(journal::journal_path(s.real_path), ignored);
    }
    const std::string message = "results store " + quoted(s.path) + ": commit failed, so the " +
                                std::to_string(uncommitted) + " run(s) added since the last commit are not stored (" +
                                (s.committed_file ? "the store keeps its " + std::to_string(s.committed_rows) + " committed runs"
                                                  : "no store file was written") +
                                "): " + e.what();
    if (dynamic_cast<const InputError*>(&e)) throw InputError(message);
    throw IoError(message);
  }
  s.committed_rows = s.rows;
  return s.rows;
}

}  // namespace nasrank::store
