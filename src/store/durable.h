#pragma once
// The file-system half of crash safety: copies, fsync, atomic replacement and
// the single-writer lock. POSIX only.
#include <filesystem>
#include <string>

namespace nasrank::store::durable {

// `<store>.tmp` and `<store>.lock` beside the store.
std::filesystem::path temporary_path(const std::filesystem::path& store);
std::filesystem::path lock_path(const std::filesystem::path& store);

// Byte copy of `from` onto `to` (created or truncated, with from's mode).
void copy_file(const std::filesystem::path& from, const std::filesystem::path& to);
void fsync_file(const std::filesystem::path& path);
void fsync_directory(const std::filesystem::path& directory);
// fsync(temporary), rename(temporary, target), fsync(target's directory):
// after it returns the new content survives a crash; before, the old does.
void replace_atomically(const std::filesystem::path& temporary, const std::filesystem::path& target);
// Removes a file, ignoring a missing one.
void remove_if_exists(const std::filesystem::path& path) noexcept;

// Exclusive flock() on `<store>.lock`, held for the object's lifetime; the
// file holds the owner's pid for the refusal message and is removed on
// release. The kernel releases the lock when the process dies, so a killed
// writer never blocks the next one (its lock file stays, unlocked).
class WriterLock {
 public:
  // InputError when another process holds it: names the store, the lock file
  // and the pid written there.
  explicit WriterLock(const std::filesystem::path& store);
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;
  WriterLock(WriterLock&& other) noexcept;
  WriterLock& operator=(WriterLock&& other) noexcept;
  ~WriterLock();

 private:
  void release() noexcept;
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace nasrank::store::durable
