#include "nasrank/io/stream.h"

#include <bzlib.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#include "nasrank/common/enum_names.h"
#include "nasrank/common/error.h"

namespace nasrank::io {
namespace {

constexpr std::size_t kCompressedChunk = 64 * 1024;

// Where compressed (or plain) bytes come from. Bytes peeked for the magic
// number are handed out again before the rest.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  std::size_t read(void* buffer, std::size_t size) {
    std::size_t n = 0;
    auto* out = static_cast<unsigned char*>(buffer);
    if (peeked_pos_ < peeked_.size()) {
      n = std::min(size, peeked_.size() - peeked_pos_);
      std::memcpy(out, peeked_.data() + peeked_pos_, n);
      peeked_pos_ += n;
    }
    if (n < size) n += read_raw(out + n, size - n);
    offset_ += n;
    return n;
  }
  std::string peek(std::size_t size) {
    while (peeked_.size() < size) {
      char chunk[16];
      const std::size_t got = read_raw(chunk, std::min(sizeof(chunk), size - peeked_.size()));
      if (got == 0) break;
      peeked_.append(chunk, got);
    }
    return peeked_.substr(0, size);
  }
  // Bytes handed out so far.
  std::uint64_t offset() const { return offset_; }

 protected:
  virtual std::size_t read_raw(void* buffer, std::size_t size) = 0;

 private:
  std::string peeked_;
  std::size_t peeked_pos_ = 0;
  std::uint64_t offset_ = 0;
};

class FileSource final : public ByteSource {
 public:
  explicit FileSource(const std::filesystem::path& path) : name_(path.string()) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      throw InputError("cannot open '" + name_ + "': it is a directory, not a file");
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) throw InputError("cannot open '" + name_ + "': " + std::strerror(errno));
  }
  ~FileSource() override { std::fclose(file_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

 protected:
  std::size_t read_raw(void* buffer, std::size_t size) override {
    const std::size_t n = std::fread(buffer, 1, size, file_);
    if (n < size && std::ferror(file_))
      throw InputError("cannot read '" + name_ + "' at byte " + std::to_string(offset() + n) + ": " +
                       std::strerror(errno));
    return n;
  }

 private:
  std::string name_;
  std::FILE* file_ = nullptr;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string bytes) : bytes_(std::move(bytes)) {}

 protected:
  std::size_t read_raw(void* buffer, std::size_t size) override {
    const std::size_t n = std::min(size, bytes_.size() - pos_);
    std::memcpy(buffer, bytes_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string bytes_;
  std::size_t pos_ = 0;
};

class PlainStream final : public InputStream {
 public:
  PlainStream(std::string name, std::unique_ptr<ByteSource> source)
      : InputStream(std::move(name), Compression::None), source_(std::move(source)) {}

 protected:
  std::size_t read_some(void* buffer, std::size_t size) override { return source_->read(buffer, size); }

 private:
  std::unique_ptr<ByteSource> source_;
};

// Shared parts of the two decompressors: the compressed input buffer and the
// error wording.
class DecompressingStream : public InputStream {
 public:
  void set_limits(const DecompressionLimits& limits) { limits_ = limits; }

 protected:
  DecompressingStream(std::string name, Compression compression, std::unique_ptr<ByteSource> source)
      : InputStream(std::move(name), compression), source_(std::move(source)), input_(kCompressedChunk) {}

  std::size_t read_some(void* buffer, std::size_t size) final {
    // Never ask for more than the output limit allows plus one byte, so an
    // overrun is seen before it is in memory.
    const std::uint64_t room = limits_.max_output_bytes - std::min(limits_.max_output_bytes, position());
    if (room < size) size = static_cast<std::size_t>(room + 1);
    const std::size_t n = decompress_some(buffer, size);
    check_limits(position() + n);
    return n;
  }
  virtual std::size_t decompress_some(void* buffer, std::size_t size) = 0;

  // Refills the input buffer; returns the number of bytes now available (0 at end of file).
  std::size_t refill() {
    input_size_ = source_->read(input_.data(), input_.size());
    return input_size_;
  }
  // The decoder's pending input (`next`, `available`), refilled once it is
  // used up; false at the end of the file.
  template <typename Byte>
  bool pending_input(Byte*& next, std::size_t& available) {
    if (available > 0) return true;
    available = refill();
    next = reinterpret_cast<Byte*>(input_.data());
    return available > 0;
  }
  // Compressed bytes consumed by the decoder, given how many it has not used yet.
  std::uint64_t compressed_offset(std::size_t unused_input) const { return source_->offset() - unused_input; }

  [[noreturn]] void fail(const std::string& problem, std::size_t unused_input, std::uint64_t produced) const {
    throw InputError("'" + name() + "': " + problem + " at compressed byte " +
                     std::to_string(compressed_offset(unused_input)) + " (after " +
                     std::to_string(position() + produced) + " decompressed bytes)");
  }

  std::unique_ptr<ByteSource> source_;
  std::vector<char> input_;
  std::size_t input_size_ = 0;

 private:
  void check_limits(std::uint64_t output) const {
    if (output > limits_.max_output_bytes)
      throw InputError("'" + name() + "': decompresses to more than " + std::to_string(limits_.max_output_bytes) +
                       " bytes, the limit for this kind of file (a decompression bomb, or not the file expected)");
    const std::uint64_t input = std::max<std::uint64_t>(source_->offset(), 1);
    if (output >= limits_.ratio_checked_from && output / input > limits_.max_ratio)
      throw InputError("'" + name() + "': " + std::to_string(input) + " compressed bytes expand to more than " +
                       std::to_string(output) + " (over " + std::to_string(limits_.max_ratio) +
                       " times; real data compresses far less: a decompression bomb)");
  }
  DecompressionLimits limits_;
};

// A codec's stream state, from its init call to its end call. The init call
// returns the codec's code: out of memory is std::bad_alloc, any other
// failure a bug of ours.
template <typename Stream, int (*End)(Stream*), int kOk, int kOutOfMemory>
class Decoder {
 public:
  template <typename Init>
  Decoder(const char* init_name, Init init) {
    const int rc = init(&stream_);
    if (rc == kOutOfMemory) throw std::bad_alloc();
    NASRANK_CHECK(rc == kOk, std::string(init_name) + " returned " + std::to_string(rc));
  }
  ~Decoder() { End(&stream_); }
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;
  Stream& get() { return stream_; }

  // One call of the codec's decompress step on the pending input (`next`,
  // `available`, both advanced) into `buffer` after its first `produced`
  // bytes (counted up); returns the step's code.
  template <typename Step>
  int feed(decltype(Stream::next_in)& next, std::size_t& available, void* buffer, std::size_t size,
           std::size_t& produced, Step step) {
    using Byte = std::remove_pointer_t<decltype(Stream::next_out)>;
    using Count = decltype(Stream::avail_in);
    stream_.next_in = next;
    stream_.avail_in = static_cast<Count>(available);
    stream_.next_out = static_cast<Byte*>(buffer) + produced;
    stream_.avail_out = static_cast<Count>(std::min<std::size_t>(size - produced, 1u << 30));
    const Count out_before = stream_.avail_out;
    const int rc = step(&stream_);
    produced += out_before - stream_.avail_out;
    next = stream_.next_in;
    available = stream_.avail_in;
    return rc;
  }

 private:
  Stream stream_{};
};

class BzDecoder final : public Decoder<bz_stream, BZ2_bzDecompressEnd, BZ_OK, BZ_MEM_ERROR> {
 public:
  BzDecoder() : Decoder("BZ2_bzDecompressInit", [](bz_stream* s) { return BZ2_bzDecompressInit(s, 0, 0); }) {}
};

class Bzip2Stream final : public DecompressingStream {
 public:
  Bzip2Stream(std::string name, std::unique_ptr<ByteSource> source)
      : DecompressingStream(std::move(name), Compression::Bzip2, std::move(source)),
        decoder_(std::make_unique<BzDecoder>()) {}

 protected:
  std::size_t decompress_some(void* buffer, std::size_t size) override {
    std::size_t produced = 0;
    while (produced == 0 && size > 0 && !finished_) {
      if (!pending_input(next_, available_)) {
        // A clean end only between two concatenated streams.
        if (decoder_) fail("bzip2 data ends early (file truncated)", 0, produced);
        finished_ = true;
        break;
      }
      if (!decoder_) decoder_ = std::make_unique<BzDecoder>();
      const int rc = decoder_->feed(next_, available_, buffer, size, produced, BZ2_bzDecompress);
      if (rc == BZ_STREAM_END) {
        decoder_.reset();  // a further stream may follow (pbzip2 writes several)
        ++streams_;
      } else if (rc != BZ_OK) {
        fail(describe(rc), available_, produced);
      }
    }
    return produced;
  }

 private:
  std::string describe(int rc) const {
    switch (rc) {
      case BZ_DATA_ERROR_MAGIC:
        return streams_ == 0 ? "not bzip2 data (bad magic)" : "trailing data after the bzip2 stream";
      case BZ_DATA_ERROR:
        return "corrupt bzip2 data (integrity check failed)";
      case BZ_MEM_ERROR:
        return "out of memory while decompressing bzip2 data";
      default:
        return "bzip2 decompression failed (code " + std::to_string(rc) + ")";
    }
  }

  std::unique_ptr<BzDecoder> decoder_;
  char* next_ = nullptr;
  std::size_t available_ = 0;
  int streams_ = 0;
  bool finished_ = false;
};

class ZDecoder final : public Decoder<z_stream, inflateEnd, Z_OK, Z_MEM_ERROR> {
 public:
  // 16 + MAX_WBITS: gzip wrapper only, with its CRC and length checks.
  ZDecoder() : Decoder("inflateInit2", [](z_stream* s) { return inflateInit2(s, 16 + MAX_WBITS); }) {}
};

class GzipStream final : public DecompressingStream {
 public:
  GzipStream(std::string name, std::unique_ptr<ByteSource> source)
      : DecompressingStream(std::move(name), Compression::Gzip, std::move(source)) {}

 protected:
  std::size_t decompress_some(void* buffer, std::size_t size) override {
    std::size_t produced = 0;
    while (produced == 0 && size > 0 && !finished_) {
      if (!pending_input(next_, available_)) {
        if (in_member_) fail("gzip data ends early (file truncated)", 0, produced);
        finished_ = true;
        break;
      }
      if (!in_member_) {
        if (members_ > 0) {
          // Zero padding after a member is allowed (gzip(1) and Python accept it).
          while (available_ > 0 && *next_ == 0) {
            ++next_;
            --available_;
          }
          if (available_ == 0) continue;
          if (*next_ != 0x1f) fail("trailing data after the gzip member", available_, produced);
        }
        NASRANK_CHECK(inflateReset(&decoder_.get()) == Z_OK, "inflateReset failed");
        in_member_ = true;
      }
      const int rc = decoder_.feed(next_, available_, buffer, size, produced,
                                   [](z_stream* stream) { return inflate(stream, Z_NO_FLUSH); });
      if (rc == Z_STREAM_END) {
        in_member_ = false;
        ++members_;
      } else if (rc == Z_BUF_ERROR) {
        continue;  // needs more input; the refill above tells truncation apart
      } else if (rc != Z_OK) {
        const std::string detail = decoder_.get().msg ? decoder_.get().msg : ("code " + std::to_string(rc));
        if (rc == Z_MEM_ERROR) throw std::bad_alloc();
        fail(members_ == 0 && position() + produced == 0 && rc == Z_DATA_ERROR ? "not gzip data (" + detail + ")"
                                                                               : "corrupt gzip data (" + detail + ")",
             available_, produced);
      }
    }
    return produced;
  }

 private:
  ZDecoder decoder_;
  unsigned char* next_ = nullptr;
  std::size_t available_ = 0;
  int members_ = 0;
  bool in_member_ = false;
  bool finished_ = false;
};

class ReadAheadStream final : public InputStream {
 public:
  ReadAheadStream(std::unique_ptr<InputStream> inner, std::size_t chunk_bytes, std::size_t chunks)
      : InputStream(inner->name(), inner->compression()),
        inner_(std::move(inner)),
        chunk_bytes_(std::max<std::size_t>(chunk_bytes, 1)),
        max_chunks_(std::max<std::size_t>(chunks, 1)),
        worker_([this] { produce(); }) {}

  ~ReadAheadStream() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    worker_.join();
  }

 protected:
  std::size_t read_some(void* buffer, std::size_t size) override {
    if (size == 0) return 0;
    if (offset_ == current_.size()) {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return !ready_.empty() || finished_; });
      if (ready_.empty()) {
        if (error_) std::rethrow_exception(error_);
        return 0;
      }
      current_ = std::move(ready_.front());
      ready_.pop_front();
      offset_ = 0;
      changed_.notify_all();
    }
    const std::size_t n = std::min(size, current_.size() - offset_);
    std::memcpy(buffer, current_.data() + offset_, n);
    offset_ += n;
    return n;
  }

 private:
  void produce() {
    try {
      for (;;) {
        std::string chunk(chunk_bytes_, '\0');
        std::size_t filled = 0;
        while (filled < chunk.size()) {
          const std::size_t n = inner_->read(chunk.data() + filled, chunk.size() - filled);
          if (n == 0) break;
          filled += n;
        }
        chunk.resize(filled);
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return ready_.size() < max_chunks_ || stopping_; });
        if (stopping_) return;
        if (filled == 0) break;
        ready_.push_back(std::move(chunk));
        changed_.notify_all();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    changed_.notify_all();
  }

  std::unique_ptr<InputStream> inner_;
  const std::size_t chunk_bytes_;
  const std::size_t max_chunks_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> ready_;
  std::string current_;
  std::size_t offset_ = 0;
  bool stopping_ = false;
  bool finished_ = false;
  std::exception_ptr error_;
  std::thread worker_;  // last: starts once everything above exists
};

std::unique_ptr<InputStream> make_stream(std::string name, std::unique_ptr<ByteSource> source, Compression compression,
                                         const DecompressionLimits& limits) {
  if (compression == Compression::Auto) compression = detect_compression(source->peek(3));
  std::unique_ptr<DecompressingStream> stream;
  switch (compression) {
    case Compression::Bzip2:
      stream = std::make_unique<Bzip2Stream>(std::move(name), std::move(source));
      stream->set_limits(limits);
      return stream;
    case Compression::Gzip:
      stream = std::make_unique<GzipStream>(std::move(name), std::move(source));
      stream->set_limits(limits);
      return stream;
    case Compression::None:
    case Compression::Auto:
      break;
  }
  return std::make_unique<PlainStream>(std::move(name), std::move(source));
}

}  // namespace

constexpr EnumNames<Compression, 4> kCompressionNames{{{{Compression::Auto, "auto"},
                                                        {Compression::None, "none"},
                                                        {Compression::Gzip, "gzip"},
                                                        {Compression::Bzip2, "bzip2"}}}};

std::string_view to_string(Compression compression) { return kCompressionNames.name(compression); }

Compression detect_compression(std::string_view first_bytes) {
  if (first_bytes.size() >= 3 && first_bytes.substr(0, 3) == "BZh") return Compression::Bzip2;
  if (first_bytes.size() >= 2 && static_cast<unsigned char>(first_bytes[0]) == 0x1f &&
      static_cast<unsigned char>(first_bytes[1]) == 0x8b)
    return Compression::Gzip;
  return Compression::None;
}

std::size_t InputStream::read(void* buffer, std::size_t size) {
  const std::size_t n = read_some(buffer, size);
  position_ += n;
  return n;
}

std::unique_ptr<InputStream> open_input(const std::filesystem::path& path, Compression compression,
                                        const DecompressionLimits& limits) {
  return make_stream(path.string(), std::make_unique<FileSource>(path), compression, limits);
}

std::unique_ptr<InputStream> open_memory_input(std::string bytes, std::string name, Compression compression,
                                               const DecompressionLimits& limits) {
  return make_stream(std::move(name), std::make_unique<MemorySource>(std::move(bytes)), compression, limits);
}

std::unique_ptr<InputStream> read_ahead(std::unique_ptr<InputStream> inner, std::size_t chunk_bytes,
                                        std::size_t chunks) {
  return std::make_unique<ReadAheadStream>(std::move(inner), chunk_bytes, chunks);
}

void read_exact(InputStream& in, void* buffer, std::size_t size) {
  auto* out = static_cast<char*>(buffer);
  std::size_t done = 0;
  while (done < size) {
    const std::size_t n = in.read(out + done, size - done);
    if (n == 0)
      throw InputError("'" + in.name() + "': data ends at byte " + std::to_string(in.position()) + ", " +
                       std::to_string(size - done) + " bytes short of the " + std::to_string(size) + " expected");
    done += n;
  }
}

std::string read_all(InputStream& in, std::uint64_t max_bytes) {
  std::string out;
  std::array<char, 64 * 1024> chunk{};
  for (;;) {
    const std::size_t n = in.read(chunk.data(), chunk.size());
    if (n == 0) break;
    if (out.size() + n > max_bytes)
      throw InputError("'" + in.name() + "': more than " + std::to_string(max_bytes) +
                       " bytes of data (the limit for reading it whole)");
    out.append(chunk.data(), n);
  }
  return out;
}

}  // namespace nasrank::io
