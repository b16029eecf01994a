#pragma once
// Forward-only byte streams over plain, gzip and bzip2 files (or memory).
// Decompression happens on demand through fixed-size buffers, so reading a
// file of any decompressed size needs a bounded amount of memory; nothing is
// slurped unless read_all() is asked for.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace nasrank::io {

enum class Compression {
  Auto,  // decide from the first bytes: "BZh" = bzip2, 1f 8b = gzip, else plain
  None,
  Gzip,   // one or more concatenated gzip members
  Bzip2,  // one or more concatenated bzip2 streams (.bz2, .pbz2)
};

std::string_view to_string(Compression compression);

// Bounds on what a compressed file may expand to, checked as it decompresses,
// so that a few hundred bytes of bzip2 cannot make gigabytes of input. Real
// data is far inside both: a NATS-Bench record decompresses 4-fold (85 KB to
// 326 KB), its meta file 39-fold, gzipped IDX images about 3-fold.
struct DecompressionLimits {
  // Most decompressed bytes the file may deliver.
  std::uint64_t max_output_bytes = ~std::uint64_t{0};
  // Most decompressed bytes per compressed byte, checked once the output
  // passes ratio_checked_from bytes (a tiny file may expand a lot harmlessly).
  std::uint64_t max_ratio = 200;
  std::uint64_t ratio_checked_from = std::uint64_t{16} << 20;
};

// Compression announced by the magic bytes at the start of a file (never Auto).
Compression detect_compression(std::string_view first_bytes);

class InputStream {
 public:
  InputStream(const InputStream&) = delete;
  InputStream& operator=(const InputStream&) = delete;
  virtual ~InputStream() = default;

  // Reads up to `size` bytes; returns how many arrived, 0 only at the end of
  // the data. Corrupt or truncated compressed data throws InputError naming
  // the source and the compressed byte offset.
  std::size_t read(void* buffer, std::size_t size);

  // What the stream reads, as used in error messages (usually the path).
  const std::string& name() const { return name_; }
  Compression compression() const { return compression_; }
  // Decompressed bytes delivered so far.
  std::uint64_t position() const { return position_; }

 protected:
  InputStream(std::string name, Compression compression) : name_(std::move(name)), compression_(compression) {}
  virtual std::size_t read_some(void* buffer, std::size_t size) = 0;

 private:
  std::string name_;
  Compression compression_;
  std::uint64_t position_ = 0;
};

// Opens a file; a missing or unreadable file throws InputError.
// Compressed data that exceeds `limits` throws InputError naming the limit.
std::unique_ptr<InputStream> open_input(const std::filesystem::path& path, Compression compression = Compression::Auto,
                                        const DecompressionLimits& limits = {});

// A stream over bytes already in memory; `name` is used in error messages.
std::unique_ptr<InputStream> open_memory_input(std::string bytes, std::string name,
                                               Compression compression = Compression::Auto,
                                               const DecompressionLimits& limits = {});

// Runs `inner` on a background thread, up to `chunks` pieces of `chunk_bytes`
// ahead of the reader, so that decompression overlaps with whatever consumes
// the bytes. Errors of `inner` surface from read() as they would have. Opt-in:
// it pays off only with a core to spare (on a loaded 2-core machine it was
// slower than reading in one thread).
std::unique_ptr<InputStream> read_ahead(std::unique_ptr<InputStream> inner, std::size_t chunk_bytes = 64 * 1024,
                                        std::size_t chunks = 16);

// Reads exactly `size` bytes, or throws InputError saying the data is truncated.
void read_exact(InputStream& in, void* buffer, std::size_t size);

// Reads the rest of the stream. More than `max_bytes` throws InputError, which
// guards against decompression bombs.
std::string read_all(InputStream& in, std::uint64_t max_bytes);

}  // namespace nasrank::io
