#pragma once
// A results store: one HDF5 file holding many RunRecords in columns, laid out
// as docs/store-format.md describes so that h5py can read it without nasrank,
// plus a commit journal beside it while a writer works.
//
// Durability: commit() appends the staged runs to `<store>.journal` and
// fsyncs it; a commit therefore costs what its runs cost, not what the store
// holds. Once the journal reaches an eighth of the file's size (and when the
// writer is destroyed) the writer folds it into the HDF5 file: it copies the
// file to `<store>.tmp`, appends there, fsyncs the copy, rename()s it over the
// store, fsyncs the directory and only then removes the journal. A process
// killed at any moment leaves the last complete commit: runs are complete
// exactly when commit() has returned. Every reader sees the file and the
// journal together.
//
// Concurrency: one writer per file, enforced with flock() on `<store>.lock`
// (a second writer gets an InputError naming the file and the holder's pid).
// Readers take no lock and always see the last committed version. Parallel
// workers write separate shard files and merge them (merge.h).
#include "nasrank/store/run.h"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nasrank::store {

enum class OpenMode {
  Read,  // the store must exist; nothing can be added
  // Read, and also accept a store of format 1 (nasrank 0.1.0). Format 1 kept
  // text in HDF5 variable-length strings, which HDF5 1.10 parses without a
  // checksum: a damaged one can crash or hang HDF5 itself. Only for
  // converting a store one trusts (nasrank merge --upgrade).
  ReadFormat1,
  Append,    // creates the store if missing; adds to what is there
  Truncate,  // starts empty; the first commit replaces whatever file exists
};

// What add() does with a run whose key is already stored (or appears earlier
// in the same batch). Duplicates with the same result (same_result) are never
// stored twice and never an error; they are only counted.
enum class DuplicatePolicy {
  Fail,          // a conflicting duplicate throws InputError; nothing of the batch is added
  KeepExisting,  // keep the stored run, drop the new one
  Replace,       // the new run replaces the stored one
};

struct DuplicateReport {
  RunKey key;
  bool identical = false;  // same_result() with the stored run
};

struct AddReport {
  std::size_t added = 0;     // new rows
  std::size_t replaced = 0;  // conflicting duplicates that replaced the stored run
  std::size_t identical_duplicates = 0;
  std::size_t conflicting_duplicates = 0;
  std::vector<DuplicateReport> duplicates;  // every duplicate found
};

// Rows to read. Every field that is set must match.
struct RunFilter {
  std::optional<std::string> arch_key;  // see arch_key() in run.h
  std::optional<std::string> dataset;
  std::optional<std::string> protocol;
  std::optional<int> budget_epochs;
  std::optional<std::int64_t> seed;
};

struct ReadOptions {
  bool curves = true;  // per-epoch series are the bulk of a store; skip them when not needed
};

namespace detail {
struct StoreAccess;
}

class ResultStore {
 public:
  // Opens (or prepares to create) the store at `path`. Read fails with an
  // InputError for a missing file, a file that is not HDF5, a truncated or
  // damaged file and an HDF5 file without this layout; the message names the
  // file, the object and the problem. Append/Truncate also take the writer
  // lock.
  static ResultStore open(const std::filesystem::path& path, OpenMode mode);

  ResultStore(ResultStore&&) noexcept;
  ResultStore& operator=(ResultStore&&) noexcept;
  // Uncommitted runs are discarded, a writer folds its journal into the file
  // (a failure leaves the journal, whose runs stay stored), the lock is released.
  ~ResultStore();

  const std::filesystem::path& path() const;
  OpenMode mode() const;

  // Runs stored, including added but not yet committed ones.
  std::size_t count() const;
  // Runs added since the last commit.
  std::size_t pending() const;
  // What opening for writing repaired, one sentence each: a journal's torn
  // end (a commit a crash interrupted, never reported) that was dropped.
  const std::vector<std::string>& notices() const;

  // Row `row` (0 <= row < count()).
  RunRecord read(std::size_t row, const ReadOptions& options = {}) const;
  // Every matching row in store order; `visit` returns false to stop.
  void for_each(const std::function<bool(std::size_t row, const RunRecord&)>& visit, const RunFilter& filter = {},
                const ReadOptions& options = {}) const;
  std::vector<RunRecord> list(const RunFilter& filter = {}, const ReadOptions& options = {}) const;
  // Row numbers of the matching runs, without reading them.
  std::vector<std::size_t> select(const RunFilter& filter) const;
  std::optional<RunRecord> find(const RunKey& key, const ReadOptions& options = {}) const;

  // Canonicalizes and stages a batch (see canonicalize() in run.h). An
  // InputError (bad record, conflicting duplicate under Fail) leaves the
  // store as it was before the call.
  AddReport add(std::vector<RunRecord> runs, DuplicatePolicy policy = DuplicatePolicy::Fail);
  // Makes every staged run durable (see the top of this file). With nothing
  // staged it still writes an empty store if none exists yet (or Truncate was
  // asked). Returns count().
  std::size_t commit();

 private:
  friend struct detail::StoreAccess;
  struct Impl;
  explicit ResultStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nasrank::store
