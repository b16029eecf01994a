#pragma once
// The commit journal `<store>.journal`: finished runs appended (and fsynced)
// one commit at a time beside the HDF5 file, so that a commit costs what its
// own runs cost instead of a copy of the whole store. A writer folds the
// journal into the HDF5 file in batches (store_overlay.cpp, ResultStore::Impl::fold);
// readers apply it on top of the file. Format and guarantees:
// docs/store-format.md, "The commit journal".
#include "nasrank/store/run.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace nasrank::store::journal {

std::filesystem::path journal_path(const std::filesystem::path& store);

// A run and the store row it is written to: the row count (append) or an
// existing row (replace).
struct Entry {
  std::size_t row = 0;
  RunRecord run;
};

struct Contents {
  bool exists = false;
  std::int64_t store_id = 0;  // journal_id of the HDF5 file the journal extends
  std::vector<Entry> entries;
  std::uint64_t valid_bytes = 0;  // header and whole records; the rest is a torn tail
  std::uint64_t file_bytes = 0;
  bool torn() const { return valid_bytes < file_bytes; }
};

// Reads a journal. A missing file, or one shorter than its header (a creation
// cut short, so it holds no run), is empty. An incomplete last record (a
// commit that a crash interrupted, never reported) ends the entries. Damage
// anywhere else (a bad header, a record whose checksum fails with data after
// it) is an InputError naming the journal and the byte offset: the runs from
// there on cannot be trusted.
Contents read(const std::filesystem::path& path);

// Serialized records, ready to append.
std::string encode(const std::vector<const Entry*>& entries);

// Appends to a journal while the writer lock is held.
class Writer {
 public:
  // A new journal for the HDF5 file whose journal_id is `store_id`
  // (replacing any file at `path`); durable when this returns.
  static Writer create(const std::filesystem::path& path, std::int64_t store_id);
  // Continues `path` after its first `valid_bytes` (cutting a torn tail).
  static Writer resume(const std::filesystem::path& path, std::uint64_t valid_bytes);
  Writer(Writer&& other) noexcept;
  Writer& operator=(Writer&& other) noexcept;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer();

  // Appends `records` (from encode) and fdatasyncs: durable when it returns.
  // On failure (full disk) the journal is cut back to its previous length
  // and an IoError is thrown.
  void append(const std::string& records);
  std::uint64_t size() const { return size_; }

 private:
  Writer(std::filesystem::path path, int fd, std::uint64_t size) : path_(std::move(path)), fd_(fd), size_(size) {}
  std::filesystem::path path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace nasrank::store::journal
