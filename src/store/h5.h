#pragma once
// The only place that talks to HDF5's C API. Every call is checked; a failure
// throws with the file and object it concerns plus HDF5's own diagnosis, and
// every identifier is owned by an Id that closes it.
//
// Failures while reading a store are the user's file being wrong (truncated,
// damaged, foreign), so reads throw InputError; failures while writing the
// temporary copy (disk full, permissions) throw std::runtime_error.
#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nasrank::store::h5 {

enum class Failure { Input, Runtime };

// What HDF5 said about the most recent failure ("truncated file: eof = ...").
// Clears HDF5's error stack.
std::string take_error_detail();
[[noreturn]] void fail(Failure kind, const std::string& context);

class Id {
 public:
  using Closer = herr_t (*)(hid_t);
  Id() = default;
  Id(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  Id(Id&& other) noexcept : id_(other.id_), closer_(other.closer_) { other.id_ = H5I_INVALID_HID; }
  Id& operator=(Id&& other) noexcept;
  ~Id() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset();
  // Closes now and throws (Runtime) when HDF5 reports a failure; used for the
  // file being committed, where a failed close means unwritten data.
  void close_checked(const std::string& context);

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// ---- files and groups ------------------------------------------------------

bool is_hdf5_file(const std::filesystem::path& path);
Id open_file(const std::filesystem::path& path, bool writable);  // Input failure
Id create_file(const std::filesystem::path& path);               // Runtime failure, truncates
void flush_file(hid_t file, const std::string& context);

bool link_exists(hid_t location, const std::string& name);
Id open_group(hid_t location, const std::string& name, const std::string& context);
Id create_group(hid_t location, const std::string& name, const std::string& context);
// Names of the links in a group, sorted.
std::vector<std::string> member_names(hid_t group, const std::string& context);

// ---- attributes (scalar; text is variable-length UTF-8, readable as str in h5py)

void write_attribute(hid_t object, const std::string& name, std::string_view text);
void write_attribute(hid_t object, const std::string& name, std::int64_t value);
std::optional<std::string> read_text_attribute(hid_t object, const std::string& name, const std::string& context);
std::optional<std::int64_t> read_int_attribute(hid_t object, const std::string& name, const std::string& context);

// ---- one-dimensional extendible columns --------------------------------------

enum class Kind { F64, I32, I64, U8, U64, FixedText, Text };

struct ColumnType {
  Kind kind = Kind::F64;
  std::size_t width = 0;  // bytes, FixedText only
};

struct ColumnCreation {
  std::size_t chunk_rows = 8192;
  bool filtered = true;  // shuffle + deflate + Fletcher-32 checksum; never for Text
};

class Column {
 public:
  Column() = default;
  // A new dataset of `rows` rows (fill value: NaN for F64, -1 for signed
  // integers, 0 otherwise) that can grow without limit.
  static Column create(hid_t location, const std::string& name, ColumnType type, std::size_t rows,
                       const ColumnCreation& creation, const std::string& context);
  // Checks that the dataset is one-dimensional and of the expected class.
  // Without a chunk cache, HDF5 reads unfiltered chunks straight into the
  // caller's buffer instead of staging each one in a fresh allocation, and
  // frees a filtered chunk once it is copied out instead of keeping it (and
  // a 521-slot table per dataset): far less fresh memory for a reader that
  // reads each chunk about once. Writers keep the cache: their successive
  // writes often land in the same chunk.
  static Column open(hid_t location, const std::string& name, ColumnType type, const std::string& context,
                     bool chunk_cache = true);

  std::size_t size() const { return rows_; }
  const std::string& context() const { return context_; }
  hid_t id() const { return dataset_.get(); }
  void resize(std::size_t rows);

  template <class T>
  void write(std::size_t first_row, const std::vector<T>& values);
  template <class T>
  std::vector<T> read_all() const;
  template <class T>
  std::vector<T> read_range(std::size_t first_row, std::size_t count) const;
  // Rows first, first + stride, ... (count of them).
  template <class T>
  std::vector<T> read_strided(std::size_t first, std::size_t stride, std::size_t count) const;
  // Rows in any order, duplicates allowed; values come back in that order.
  template <class T>
  std::vector<T> read_rows(const std::vector<std::size_t>& rows) const;

 private:
  Id dataset_;
  ColumnType type_;
  std::size_t rows_ = 0;
  std::string context_;
};

// Memory-side element types supported by Column::read/write.
extern template void Column::write(std::size_t, const std::vector<double>&);
extern template void Column::write(std::size_t, const std::vector<std::int32_t>&);
extern template void Column::write(std::size_t, const std::vector<std::int64_t>&);
extern template void Column::write(std::size_t, const std::vector<std::uint8_t>&);
extern template void Column::write(std::size_t, const std::vector<std::uint64_t>&);
extern template void Column::write(std::size_t, const std::vector<std::string>&);
extern template std::vector<double> Column::read_all() const;
extern template std::vector<std::int32_t> Column::read_all() const;
extern template std::vector<std::int64_t> Column::read_all() const;
extern template std::vector<std::uint8_t> Column::read_all() const;
extern template std::vector<std::uint64_t> Column::read_all() const;
extern template std::vector<std::string> Column::read_all() const;
extern template std::vector<double> Column::read_range(std::size_t, std::size_t) const;
extern template std::vector<std::int32_t> Column::read_range(std::size_t, std::size_t) const;
extern template std::vector<std::int64_t> Column::read_range(std::size_t, std::size_t) const;
extern template std::vector<std::uint8_t> Column::read_range(std::size_t, std::size_t) const;
extern template std::vector<std::uint64_t> Column::read_range(std::size_t, std::size_t) const;
extern template std::vector<std::string> Column::read_range(std::size_t, std::size_t) const;
extern template std::vector<double> Column::read_rows(const std::vector<std::size_t>&) const;
extern template std::vector<std::int32_t> Column::read_rows(const std::vector<std::size_t>&) const;
extern template std::vector<std::int64_t> Column::read_rows(const std::vector<std::size_t>&) const;
extern template std::vector<std::uint8_t> Column::read_rows(const std::vector<std::size_t>&) const;
extern template std::vector<std::uint64_t> Column::read_rows(const std::vector<std::size_t>&) const;
extern template std::vector<std::string> Column::read_rows(const std::vector<std::size_t>&) const;
extern template std::vector<std::uint64_t> Column::read_strided(std::size_t, std::size_t, std::size_t) const;

}  // namespace nasrank::store::h5
