#include "nasrank/common/error.h"
#include "store/store_internal.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

namespace nasrank::store {

using layout::ColumnInfo;
namespace runs = layout::runs;

// ---- Impl: journal and overlay --------------------------------------------------------

namespace {

std::int64_t new_store_id() {
  std::random_device random;
  for (;;) {
    const std::uint64_t value = (static_cast<std::uint64_t>(random()) << 32) ^ random();
    const auto id = static_cast<std::int64_t>(value >> 1);
    if (id != 0) return id;
  }
}

}  // namespace

RunCell run_cell(const RunRecord& r, const std::string& name) {
  RunCell cell;
  auto is = [&](const ColumnInfo& info) { return name == info.name; };
  if (is(runs::space))
    cell.text = r.space;
  else if (is(runs::benchmark_index))
    cell.integer = r.benchmark_index;
  else if (is(runs::arch))
    cell.text = r.arch;
  else if (is(runs::arch_key_hash))
    cell.hash = layout::arch_key_hash(arch_key(r.space, r.arch));
  else if (is(runs::unique_string))
    cell.text = r.unique_string;
  else if (is(runs::dataset))
    cell.text = r.dataset;
  else if (is(runs::protocol))
    cell.text = r.protocol;
  else if (is(runs::budget_epochs))
    cell.integer = r.budget_epochs;
  else if (is(runs::seed))
    cell.integer = r.seed;
  else if (is(runs::seeds_averaged))
    cell.text = r.seeds_averaged;
  else if (is(runs::status))
    cell.text = std::string(status_name(r.status));
  else if (is(runs::error_message))
    cell.text = r.error_message;
  else if (is(runs::learning_rate))
    cell.number = r.learning_rate;
  else if (is(runs::init))
    cell.text = r.init;
  else if (is(runs::params_m))
    cell.number = r.params_m;
  else if (is(runs::flops_m))
    cell.number = r.flops_m;
  else if (is(runs::wall_seconds))
    cell.number = r.wall_seconds;
  else if (is(runs::images_per_second))
    cell.number = r.images_per_second;
  else if (is(runs::config_json))
    cell.text = r.config_json;
  else if (is(runs::tool_version))
    cell.text = r.tool_version;
  else if (is(runs::created_at))
    cell.text = r.created_at;
  else if (is(runs::imported))
    cell.integer = r.provenance.imported ? 1 : 0;
  else if (is(runs::curve_length))
    cell.integer = static_cast<std::int64_t>(r.curves.epochs());
  else
    NASRANK_CHECK(false, "column '" + name + "' has no value for a journaled run");
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

std::optional<std::vector<double>> ResultStore::Impl::read_split_once(const std::string& group,
                                                                      const std::string& split,
                                                                      const std::vector<std::size_t>& rows) {
  bool in_file = false;
  if (committed_file || transaction) {
    const auto& names = splits(group);
    in_file = std::binary_search(names.begin(), names.end(), split);
  }
  if (!in_file && overlay.empty()) return std::nullopt;
  ColumnInfo info =
      group == kFinalAccuracy || group == kEvalAccuracy ? layout::final_accuracy_info() : layout::final_loss_info();
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

}  // namespace nasrank::store
