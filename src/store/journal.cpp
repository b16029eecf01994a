#include "store/journal.h"

#include "nasrank/common/error.h"
#include "store/durable.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>

namespace nasrank::store::journal {
namespace {

// Journal header: magic, the store's journal_id, a reserved word, checksum of
// the first 24 bytes. Record header: magic, reserved, payload length,
// checksum of the payload, checksum of the first 24 header bytes. All
// integers little-endian; checksums are FNV-1a 64.
constexpr char kFileMagic[8] = {'N', 'R', 'J', 'O', 'U', 'R', 'N', '1'};
constexpr char kRecordMagic[4] = {'N', 'R', 'J', 'R'};
constexpr std::size_t kFileHeaderBytes = 32;
constexpr std::size_t kRecordHeaderBytes = 32;

std::uint64_t fnv1a(const char* data, std::size_t size) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(data[i]);
    hash *= 1099511628211ULL;
  }
  return hash;
}

void put_u64(std::string& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}
std::uint64_t get_u64(const char* at) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(at[i]);
  return value;
}

// The bytes of a field follow from its C++ type: integers as 8 bytes (the
// row too), status and flags as 1, doubles as their bits, text and series
// with their length first, maps as a count then (key, value) pairs.
class Encoder {
 public:
  void operator()(const std::string& s) {
    put_u64(out, s.size());
    out += s;
  }
  void operator()(std::int64_t v) { put_u64(out, static_cast<std::uint64_t>(v)); }
  void operator()(int v) { (*this)(static_cast<std::int64_t>(v)); }
  void operator()(std::size_t row) { (*this)(static_cast<std::int64_t>(row)); }
  void operator()(bool v) { out.push_back(static_cast<char>(v ? 1 : 0)); }
  void operator()(RunStatus v) { out.push_back(static_cast<char>(v)); }
  void operator()(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    put_u64(out, bits);
  }
  void operator()(const std::vector<double>& values) {
    put_u64(out, values.size());
    for (double v : values) (*this)(v);
  }
  template <class Value, class Fields>
  void each(const std::map<std::string, Value>& map, Fields fields) {
    put_u64(out, map.size());
    for (const auto& [key, value] : map) {
      (*this)(key);
      fields(value);
    }
  }
  std::string out;
};

// Reads what Encoder wrote; any overrun or impossible value is an error
// (the caller names the record).
class Decoder {
 public:
  Decoder(const char* data, std::size_t size) : at_(data), end_(data + size) {}
  void operator()(std::string& s) {
    const std::uint64_t n = u64();
    need(n);
    s.assign(at_, static_cast<std::size_t>(n));
    at_ += n;
  }
  void operator()(std::int64_t& v) { v = static_cast<std::int64_t>(u64()); }
  void operator()(int& v) { v = static_cast<int>(static_cast<std::int64_t>(u64())); }
  void operator()(std::size_t& row) {
    const auto value = static_cast<std::int64_t>(u64());
    if (value < 0) throw std::out_of_range("negative row");
    row = static_cast<std::size_t>(value);
  }
  void operator()(bool& v) { v = u8() != 0; }
  void operator()(RunStatus& v) {
    const std::uint8_t status = u8();
    if (status > static_cast<std::uint8_t>(RunStatus::Failed)) throw std::out_of_range("unknown status");
    v = static_cast<RunStatus>(status);
  }
  void operator()(double& v) {
    const std::uint64_t bits = u64();
    std::memcpy(&v, &bits, sizeof v);
  }
  void operator()(std::vector<double>& values) {
    const std::uint64_t n = u64();
    need(n * 8);
    values.resize(static_cast<std::size_t>(n));
    for (double& v : values) (*this)(v);
  }
  template <class Value, class Fields>
  void each(std::map<std::string, Value>& map, Fields fields) {
    const std::uint64_t n = u64();
    for (std::uint64_t i = 0; i < n; ++i) {
      std::string key;
      (*this)(key);
      fields(map[std::move(key)]);
    }
  }
  bool done() const { return at_ == end_; }

 private:
  std::uint8_t u8() {
    need(1);
    return static_cast<std::uint8_t>(*at_++);
  }
  std::uint64_t u64() {
    need(8);
    const std::uint64_t v = get_u64(at_);
    at_ += 8;
    return v;
  }
  void need(std::uint64_t n) const {
    if (n > static_cast<std::uint64_t>(end_ - at_)) throw std::out_of_range("record ends early");
  }
  const char* at_;
  const char* end_;
};

// Every field of a record, in the order of its bytes: the one list that
// encoding (Encoder, const Entry) and decoding (Decoder, Entry) both walk, so
// that the two directions cannot disagree.
template <class Codec, class EntryType>
void entry_fields(Codec& c, EntryType& entry) {
  c(entry.row);
  auto& r = entry.run;
  c(r.space);
  c(r.benchmark_index);
  c(r.arch);
  c(r.unique_string);
  c(r.dataset);
  c(r.protocol);
  c(r.budget_epochs);
  c(r.seed);
  c(r.seeds_averaged);
  c(r.status);
  c(r.error_message);
  c.each(r.final_metrics, [&](auto& metrics) {
    c(metrics.accuracy);
    c(metrics.loss);
  });
  auto& curves = r.curves;
  c(curves.train_loss);
  c(curves.train_accuracy);
  c.each(curves.eval_accuracy, [&](auto& series) { c(series); });
  c.each(curves.eval_loss, [&](auto& series) { c(series); });
  c(curves.learning_rate);
  c(curves.epoch_seconds);
  c(r.learning_rate);
  c(r.init);
  c(r.params_m);
  c(r.flops_m);
  c(r.wall_seconds);
  c(r.images_per_second);
  c(r.config_json);
  c(r.tool_version);
  auto& p = r.provenance;
  c(p.imported);
  c(p.source_path);
  c(p.source_sha256);
  c(p.source_size);
  c(p.source_mtime);
  c(p.source_format);
  c(p.source_split);
  c(p.note);
  c(r.created_at);
}

std::string file_header(std::int64_t store_id) {
  std::string header(kFileMagic, sizeof kFileMagic);
  put_u64(header, static_cast<std::uint64_t>(store_id));
  put_u64(header, 0);
  put_u64(header, fnv1a(header.data(), header.size()));
  return header;
}

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

[[noreturn]] void fail(const std::string& what) { throw IoError(what + ": " + std::strerror(errno)); }

}  // namespace

std::filesystem::path journal_path(const std::filesystem::path& store) { return store.string() + ".journal"; }

std::string encode(const std::vector<const Entry*>& entries) {
  std::string out;
  for (const Entry* entry : entries) {
    Encoder e;
    entry_fields(e, *entry);
    std::string header(kRecordMagic, sizeof kRecordMagic);
    header.append(4, '\0');
    put_u64(header, e.out.size());
    put_u64(header, fnv1a(e.out.data(), e.out.size()));
    put_u64(header, fnv1a(header.data(), header.size()));
    out += header;
    out += e.out;
  }
  return out;
}

Contents read(const std::filesystem::path& path) {
  Contents contents;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code error;
    if (std::filesystem::exists(path, error))
      throw InputError("journal " + quoted(path) + " cannot be read: " + std::strerror(errno));
    return contents;
  }
  contents.exists = true;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  contents.file_bytes = bytes.size();
  if (bytes.size() < kFileHeaderBytes) return contents;
  const auto damaged = [&](std::uint64_t offset, const std::string& what) {
    return InputError("journal " + quoted(path) + " is damaged at byte " + std::to_string(offset) + " (" + what +
                      "); the runs committed from there on cannot be trusted. Move the journal aside to open the store "
                      "without them (docs/store-format.md, \"The commit journal\")");
  };
  if (std::memcmp(bytes.data(), kFileMagic, sizeof kFileMagic) != 0 ||
      get_u64(bytes.data() + 24) != fnv1a(bytes.data(), 24))
    throw damaged(0, "its header has a wrong signature or checksum");
  contents.store_id = static_cast<std::int64_t>(get_u64(bytes.data() + 8));
  std::uint64_t at = kFileHeaderBytes;
  contents.valid_bytes = at;
  while (at < bytes.size()) {
    const std::uint64_t remaining = bytes.size() - at;
    if (remaining < kRecordHeaderBytes) break;  // torn
    const char* header = bytes.data() + at;
    if (std::memcmp(header, kRecordMagic, sizeof kRecordMagic) != 0 || get_u64(header + 24) != fnv1a(header, 24)) {
      // A crash can leave a zero-filled tail on some file systems; anything
      // else before the end is damage.
      if (std::all_of(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.end(), [](char c) { return c == 0; }))
        break;
      throw damaged(at, "a record header has a wrong signature or checksum");
    }
    const std::uint64_t length = get_u64(header + 8);
    if (length > remaining - kRecordHeaderBytes) break;  // torn: the payload was cut
    const char* payload = header + kRecordHeaderBytes;
    const std::uint64_t end = at + kRecordHeaderBytes + length;
    if (get_u64(header + 16) != fnv1a(payload, static_cast<std::size_t>(length))) {
      if (end == bytes.size()) break;  // the last write, cut short
      throw damaged(at, "a record's checksum does not match its runs");
    }
    try {
      Decoder decoder(payload, static_cast<std::size_t>(length));
      Entry entry;
      entry_fields(decoder, entry);
      if (!decoder.done()) throw std::out_of_range("trailing bytes");
      contents.entries.push_back(std::move(entry));
    } catch (const std::out_of_range& e) {
      throw damaged(at, std::string("a record that passes its checksum does not decode: ") + e.what());
    }
    at = end;
    contents.valid_bytes = at;
  }
  return contents;
}

Writer Writer::create(const std::filesystem::path& path, std::int64_t store_id) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create the journal " + quoted(path));
  Writer writer(path, fd, 0);
  writer.append(file_header(store_id));
  durable::fsync_directory(std::filesystem::absolute(path).parent_path());
  return writer;
}

Writer Writer::resume(const std::filesystem::path& path, std::uint64_t valid_bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open the journal " + quoted(path));
  Writer writer(path, fd, valid_bytes);
  struct stat info {};
  if (::fstat(fd, &info) != 0) fail("cannot stat the journal " + quoted(path));
  if (static_cast<std::uint64_t>(info.st_size) != valid_bytes) {
    if (::ftruncate(fd, static_cast<off_t>(valid_bytes)) != 0 || ::fsync(fd) != 0)
      fail("cannot cut the torn end of the journal " + quoted(path));
  }
  return writer;
}

Writer::Writer(Writer&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_), size_(other.size_) {
  other.fd_ = -1;
}

Writer& Writer::operator=(Writer&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = other.fd_;
    size_ = other.size_;
    other.fd_ = -1;
  }
  return *this;
}

Writer::~Writer() {
  if (fd_ >= 0) ::close(fd_);
}

void Writer::append(const std::string& records) {
  const char* data = records.data();
  std::size_t left = records.size();
  std::uint64_t at = size_;
  auto undo_and_fail = [&](const std::string& what) {
    const int error = errno;
    // Cut the partial record so that the next commit does not append after
    // garbage (which a reader would then take for damage).
    if (::ftruncate(fd_, static_cast<off_t>(size_)) == 0) ::fsync(fd_);
    errno = error;
    fail(what);
  };
  while (left > 0) {
    const ssize_t written = ::pwrite(fd_, data, left, static_cast<off_t>(at));
    if (written < 0) {
      if (errno == EINTR) continue;
      undo_and_fail("writing the journal " + quoted(path_));
    }
    data += written;
    left -= static_cast<std::size_t>(written);
    at += static_cast<std::uint64_t>(written);
  }
  if (::fdatasync(fd_) != 0) undo_and_fail("fsync the journal " + quoted(path_));
  size_ = at;
}

}  // namespace nasrank::store::journal
