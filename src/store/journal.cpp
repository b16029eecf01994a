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

class Encoder {
 public:
  void u8(std::uint8_t v) { out.push_back(static_cast<char>(v)); }
  void i64(std::int64_t v) { put_u64(out, static_cast<std::uint64_t>(v)); }
  void f64(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    put_u64(out, bits);
  }
  void text(const std::string& s) {
    put_u64(out, s.size());
    out += s;
  }
  void series(const std::vector<double>& values) {
    put_u64(out, values.size());
    for (double v : values) f64(v);
  }
  void series_map(const std::map<std::string, std::vector<double>>& map) {
    put_u64(out, map.size());
    for (const auto& [name, values] : map) {
      text(name);
      series(values);
    }
  }
  std::string out;
};

// Reads what Encoder wrote; any overrun or impossible value is an error
// (the caller names the record).
class Decoder {
 public:
  Decoder(const char* data, std::size_t size) : at_(data), end_(data + size) {}
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
  std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  double f64() {
    const std::uint64_t bits = u64();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  std::string text() {
    const std::uint64_t n = u64();
    need(n);
    std::string s(at_, static_cast<std::size_t>(n));
    at_ += n;
    return s;
  }
  std::vector<double> series() {
    const std::uint64_t n = u64();
    need(n * 8);
    std::vector<double> values(static_cast<std::size_t>(n));
    for (double& v : values) v = f64();
    return values;
  }
  std::map<std::string, std::vector<double>> series_map() {
    const std::uint64_t n = u64();
    std::map<std::string, std::vector<double>> map;
    for (std::uint64_t i = 0; i < n; ++i) {
      std::string name = text();
      map[std::move(name)] = series();
    }
    return map;
  }
  bool done() const { return at_ == end_; }

 private:
  void need(std::uint64_t n) const {
    if (n > static_cast<std::uint64_t>(end_ - at_)) throw std::out_of_range("record ends early");
  }
  const char* at_;
  const char* end_;
};

void encode_entry(Encoder& e, const Entry& entry) {
  const RunRecord& r = entry.run;
  e.i64(static_cast<std::int64_t>(entry.row));
  e.text(r.space);
  e.i64(r.benchmark_index);
  e.text(r.arch);
  e.text(r.unique_string);
  e.text(r.dataset);
  e.text(r.protocol);
  e.i64(r.budget_epochs);
  e.i64(r.seed);
  e.text(r.seeds_averaged);
  e.u8(static_cast<std::uint8_t>(r.status));
  e.text(r.error_message);
  put_u64(e.out, r.final_metrics.size());
  for (const auto& [split, metrics] : r.final_metrics) {
    e.text(split);
    e.f64(metrics.accuracy);
    e.f64(metrics.loss);
  }
  e.series(r.curves.train_loss);
  e.series(r.curves.train_accuracy);
  e.series_map(r.curves.eval_accuracy);
  e.series_map(r.curves.eval_loss);
  e.series(r.curves.learning_rate);
  e.series(r.curves.epoch_seconds);
  e.f64(r.learning_rate);
  e.text(r.init);
  e.f64(r.params_m);
  e.f64(r.flops_m);
  e.f64(r.wall_seconds);
  e.f64(r.images_per_second);
  e.text(r.config_json);
  e.text(r.tool_version);
  const Provenance& p = r.provenance;
  e.u8(p.imported ? 1 : 0);
  e.text(p.source_path);
  e.text(p.source_sha256);
  e.i64(p.source_size);
  e.text(p.source_mtime);
  e.text(p.source_format);
  e.text(p.source_split);
  e.text(p.note);
  e.text(r.created_at);
}

Entry decode_entry(Decoder& d) {
  Entry entry;
  const std::int64_t row = d.i64();
  if (row < 0) throw std::out_of_range("negative row");
  entry.row = static_cast<std::size_t>(row);
  RunRecord& r = entry.run;
  r.space = d.text();
  r.benchmark_index = static_cast<int>(d.i64());
  r.arch = d.text();
  r.unique_string = d.text();
  r.dataset = d.text();
  r.protocol = d.text();
  r.budget_epochs = static_cast<int>(d.i64());
  r.seed = d.i64();
  r.seeds_averaged = d.text();
  const std::uint8_t status = d.u8();
  if (status > static_cast<std::uint8_t>(RunStatus::Failed)) throw std::out_of_range("unknown status");
  r.status = static_cast<RunStatus>(status);
  r.error_message = d.text();
  const std::uint64_t splits = d.u64();
  for (std::uint64_t i = 0; i < splits; ++i) {
    std::string split = d.text();
    SplitMetrics& m = r.final_metrics[std::move(split)];
    m.accuracy = d.f64();
    m.loss = d.f64();
  }
  r.curves.train_loss = d.series();
  r.curves.train_accuracy = d.series();
  r.curves.eval_accuracy = d.series_map();
  r.curves.eval_loss = d.series_map();
  r.curves.learning_rate = d.series();
  r.curves.epoch_seconds = d.series();
  r.learning_rate = d.f64();
  r.init = d.text();
  r.params_m = d.f64();
  r.flops_m = d.f64();
  r.wall_seconds = d.f64();
  r.images_per_second = d.f64();
  r.config_json = d.text();
  r.tool_version = d.text();
  Provenance& p = r.provenance;
  p.imported = d.u8() != 0;
  p.source_path = d.text();
  p.source_sha256 = d.text();
  p.source_size = d.i64();
  p.source_mtime = d.text();
  p.source_format = d.text();
  p.source_split = d.text();
  p.note = d.text();
  r.created_at = d.text();
  return entry;
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
    encode_entry(e, *entry);
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
      if (std::all_of(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.end(), [](char c) { return c == 0; })) break;
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
      Entry entry = decode_entry(decoder);
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
