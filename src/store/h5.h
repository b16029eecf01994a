#pragma once
// The only place that talks to HDF5's C API. Every call is checked; a failure
// throws with the file and object it concerns plus HDF5's own diagnosis, and
// every identifier is owned by an Id that closes it.
//
// Failures while reading a store are the user's file being wrong (truncated,
// damaged, foreign), so reads throw InputError; failures while writing the
// temporary copy (disk full, permissions) throw IoError.
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
// Input failure. Before HDF5 parses anything the file must start with a
// version 2 or 3 superblock whose root group has a version 2 object header:
// from there on every structure HDF5 1.10 reads in a store carries a
// checksum that HDF5 verifies before parsing it (see Column for the one
// exception nasrank avoids), so damage is an error, never a crash inside
// HDF5. Older structures (version 0/1 superblocks, version 1 object headers)
// have no checksums; they are refused.
Id open_file(const std::filesystem::path& path, bool writable);
Id create_file(const std::filesystem::path& path);  // Runtime failure, truncates
void flush_file(hid_t file, const std::string& context);
// For a file being abandoned after a failed write (a full disk): its later
// writes go nowhere, so closing it cannot fail. A close that fails leaves
// HDF5 holding a half-closed file, which crashes at the next touch.
void discard_pending_writes(hid_t file) noexcept;

bool link_exists(hid_t location, const std::string& name);
// Throws InputError unless every object on the path `name` (relative to
// `location`, '/'-separated) is a hard link to a checksummed (version 2)
// object header: called before HDF5 opens the object. One flipped byte turns
// a version 2 header ("OHDR") into a version 1 header, which HDF5 would parse
// unchecked.
void require_checksummed_object(hid_t location, const std::string& name, const std::string& context);
// require_checksummed_object for every object in a file opened read-only:
// run before a writer copies the file, since checks are skipped on writable
// files (their new objects are not on disk yet).
void require_checksummed_tree(hid_t file, const std::string& context);
Id open_group(hid_t location, const std::string& name, const std::string& context);
// Links and attributes stay in the group's object header however many there
// are. Past 8, HDF5 would move them to a fractal heap indexed by a B-tree:
// checksummed too, but two more structures to read and parse per lookup.
Id create_group(hid_t location, const std::string& name, const std::string& context);
// Names of the links in a group, sorted.
std::vector<std::string> member_names(hid_t group, const std::string& context);

// ---- attributes (scalar; text is fixed-length UTF-8 of the text's size)

void write_attribute(hid_t object, const std::string& name, std::string_view text);
void write_attribute(hid_t object, const std::string& name, std::int64_t value);
// nullopt when missing or not a string. A variable-length string (stores of
// format 1) lives in HDF5's global heap, which has no checksum; it is read
// only with `variable_length_allowed`, else an InputError.
std::optional<std::string> read_text_attribute(hid_t object, const std::string& name, const std::string& context,
                                               bool variable_length_allowed = false);
std::optional<std::int64_t> read_int_attribute(hid_t object, const std::string& name, const std::string& context);

// ---- one-dimensional extendible columns --------------------------------------

// Text is a column of strings of any length. HDF5's own variable-length
// strings live in its global heap, which has no checksum (a damaged one
// crashes or hangs HDF5 1.10.8: fuzz_store_open), so Text is stored as a
// group of three checksummed datasets instead: `utf8` (every string's bytes,
// appended), and per row `start` and `length` into it. A replaced row's old
// bytes stay unreferenced in `utf8`.
enum class Kind { F64, I32, I64, U8, U64, FixedText, Text };

struct ColumnType {
  Kind kind = Kind::F64;
  std::size_t width = 0;  // bytes, FixedText only
};

struct ColumnCreation {
  std::size_t chunk_rows = 8192;
  bool filtered = true;  // shuffle + deflate + Fletcher-32 checksum (always for Text)
  // Fletcher-32 checksum per chunk even when not `filtered`: a damaged chunk
  // is a read error instead of a wrong answer.
  bool checksum = true;
};

// Bytes per chunk of a Text column's `utf8` dataset.
inline constexpr std::size_t kTextChunkBytes = 32 * 1024;

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
  // `variable_length_allowed` accepts a Text column stored as HDF5
  // variable-length strings (format 1; unchecksummed, see Kind).
  static Column open(hid_t location, const std::string& name, ColumnType type, const std::string& context,
                     bool chunk_cache = true, bool variable_length_allowed = false);

  std::size_t size() const { return rows_; }
  const std::string& context() const { return context_; }
  // The dataset, or a Text column's group: where its attributes go.
  hid_t id() const { return object_.get(); }
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
  // The dataset whose rows are the column's rows: the column itself, or a
  // Text column's `start`.
  hid_t row_dataset() const { return type_.kind == Kind::Text && !variable_length_ ? starts_.get() : object_.get(); }
  // Reads the rows selected in `file_space` (a selection of row_dataset()).
  template <class T>
  std::vector<T> read_selected(hid_t file_space, std::size_t count, const std::string& context) const;
  std::vector<std::string> read_text(hid_t file_space, std::size_t count, const std::string& context) const;

  Id object_;
  Id starts_, lengths_, bytes_;   // Text only
  std::size_t byte_count_ = 0;    // Text only: size of `utf8`
  bool variable_length_ = false;  // a format 1 Text column
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
