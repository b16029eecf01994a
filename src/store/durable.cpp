#include "store/durable.h"

#include "nasrank/common/error.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace nasrank::store::durable {
namespace {

std::string errno_text() { return std::strerror(errno); }

[[noreturn]] void fail(const std::string& what) { throw IoError(what + ": " + errno_text()); }

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  void close_checked(const std::string& what) {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail(what);
  }

 private:
  int fd_;
};

void write_all(int fd, const char* data, std::size_t size, const std::string& what) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      fail(what);
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
}

}  // namespace

std::filesystem::path temporary_path(const std::filesystem::path& store) { return store.string() + ".tmp"; }
std::filesystem::path lock_path(const std::filesystem::path& store) { return store.string() + ".lock"; }

void copy_file(const std::filesystem::path& from, const std::filesystem::path& to) {
  Fd source(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (source.get() < 0) fail("cannot read '" + from.string() + "'");
  struct stat info {};
  if (::fstat(source.get(), &info) != 0) fail("cannot stat '" + from.string() + "'");
  Fd target(::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, info.st_mode & 0777));
  if (target.get() < 0) fail("cannot create '" + to.string() + "'");
  const std::string what = "copying '" + from.string() + "' to '" + to.string() + "'";
  off_t remaining = info.st_size;
  bool kernel_copy = true;
  while (remaining > 0 && kernel_copy) {
    const ssize_t copied =
        ::copy_file_range(source.get(), nullptr, target.get(), nullptr, static_cast<std::size_t>(remaining), 0);
    if (copied < 0) {
      if (errno == EINTR) continue;
      if (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP) {
        kernel_copy = false;
        break;
      }
      fail(what);
    }
    if (copied == 0) break;
    remaining -= copied;
  }
  if (!kernel_copy) {
    std::vector<char> buffer(1 << 20);
    for (;;) {
      const ssize_t got = ::read(source.get(), buffer.data(), buffer.size());
      if (got < 0) {
        if (errno == EINTR) continue;
        fail(what);
      }
      if (got == 0) break;
      write_all(target.get(), buffer.data(), static_cast<std::size_t>(got), what);
    }
  }
  target.close_checked(what);
}

void fsync_file(const std::filesystem::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail("cannot open '" + path.string() + "' to sync it");
  if (::fsync(fd.get()) != 0) fail("fsync '" + path.string() + "'");
}

void fsync_directory(const std::filesystem::path& directory) {
  Fd fd(::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) fail("cannot open directory '" + directory.string() + "' to sync it");
  if (::fsync(fd.get()) != 0 && errno != EINVAL) fail("fsync directory '" + directory.string() + "'");
}

void replace_atomically(const std::filesystem::path& temporary, const std::filesystem::path& target) {
  fsync_file(temporary);
  if (::rename(temporary.c_str(), target.c_str()) != 0)
    fail("cannot rename '" + temporary.string() + "' to '" + target.string() + "'");
  fsync_directory(std::filesystem::absolute(target).parent_path());
}

void remove_if_exists(const std::filesystem::path& path) noexcept { ::unlink(path.c_str()); }

WriterLock::WriterLock(const std::filesystem::path& store) : path_(lock_path(store)) {
  // The holder unlinks the lock file before releasing it, so a lock taken on a
  // file that is no longer at the path is stale: retry on the current one.
  for (;;) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("cannot create the lock file '" + path_.string() + "'");
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      std::string holder;
      char text[32] = {0};
      if (::pread(fd_, text, sizeof text - 1, 0) > 0) {
        holder = text;
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
      }
      ::close(fd_);
      fd_ = -1;
      if (error != EWOULDBLOCK) {
        errno = error;
        fail("cannot lock '" + path_.string() + "'");
      }
      throw InputError("results store '" + store.string() + "' is already open for writing by another process (" +
                       (holder.empty() ? std::string("pid unknown") : "pid " + holder) + ", lock file '" +
                       path_.string() +
                       "'); one writer per file: give parallel workers their own shard files and merge them");
    }
    struct stat held {
    }, current{};
    if (::fstat(fd_, &held) == 0 && ::stat(path_.c_str(), &current) == 0 && held.st_ino == current.st_ino &&
        held.st_dev == current.st_dev)
      break;
    ::close(fd_);
    fd_ = -1;
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  // The pid only improves the refusal message; the lock is held either way.
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd_, pid.data(), pid.size(), 0);
  }
}

WriterLock::WriterLock(WriterLock&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) { other.fd_ = -1; }

WriterLock& WriterLock::operator=(WriterLock&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

WriterLock::~WriterLock() { release(); }

void WriterLock::release() noexcept {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());
  ::close(fd_);
  fd_ = -1;
}

}  // namespace nasrank::store::durable
