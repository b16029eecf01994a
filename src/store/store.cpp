// ResultStore itself: opening, adding, committing and reading runs. Its Impl
// is spread over store_*.cpp, one file per section (store_internal.h).
#include "nasrank/common/error.h"
#include "nasrank/common/utc_time.h"
#include "nasrank/common/version.h"
#include "store/store_internal.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>

namespace nasrank::store {

using layout::ColumnInfo;
namespace runs = layout::runs;

namespace {

void check_width(const RunRecord& record, const char* field, const std::string& value, std::size_t width) {
  if (value.size() > width)
    throw InputError("run " + run_key(record).to_string() + ": " + field + " '" + value + "' is longer than the " +
                     std::to_string(width) + " bytes the store allows");
}

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
  for (auto* series :
       {&r.curves.train_loss, &r.curves.train_accuracy, &r.curves.learning_rate, &r.curves.epoch_seconds})
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
    throw InputError("results store " + quoted(impl_->path) + ": row " + std::to_string(row) +
                     " requested but it has " + std::to_string(impl_->rows) + " runs");
  return std::move(impl_->read_rows({row}, options).front());
}

std::vector<std::size_t> ResultStore::select(const RunFilter& filter) const { return impl_->select(filter); }

void ResultStore::for_each(const std::function<bool(std::size_t, const RunRecord&)>& visit, const RunFilter& filter,
                           const ReadOptions& options) const {
  const std::vector<std::size_t> rows = impl_->select(filter);
  constexpr std::size_t kBlock = 4096;
  for (std::size_t first = 0; first < rows.size(); first += kBlock) {
    const std::vector<std::size_t> block(
        rows.begin() + static_cast<std::ptrdiff_t>(first),
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
  const std::string now = utc_now();
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
    const std::string message =
        "results store " + quoted(s.path) + ": commit failed, so the " + std::to_string(uncommitted) +
        " run(s) added since the last commit are not stored (" +
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
