#include "store/h5.h"

#include "nasrank/common/error.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace nasrank::store::h5 {
namespace {

// HDF5 prints its error stack to stderr by default; library code must not, so
// it is switched off once and the stack is turned into exception text instead.
void silence_hdf5() {
  static const bool silenced = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)silenced;
}

struct ErrorLines {
  std::vector<std::string> lines;
};

// The file driver reports a failed read or write as "file write failed: time
// = <date with a newline>, filename = ..., errno = 27, error message = 'File
// too large', buf = 0x..., ..."; a user needs only the system's reason.
std::string condensed_io_error(const std::string& line) {
  constexpr std::string_view kReason = "error message = '";
  const auto colon = line.find(": time = ");
  const auto reason = line.find(kReason);
  if (colon == std::string::npos || reason == std::string::npos) return line;
  const auto start = reason + kReason.size();
  const auto end = line.find('\'', start);
  if (end == std::string::npos) return line;
  return line.substr(0, colon) + ": " + line.substr(start, end - start);
}

herr_t collect_error(unsigned, const H5E_error2_t* error, void* data) {
  auto* out = static_cast<ErrorLines*>(data);
  std::string line = condensed_io_error(error->desc ? error->desc : "");
  char minor[256] = {0};
  if (H5Eget_msg(error->min_num, nullptr, minor, sizeof minor) > 0 && line.find(minor) == std::string::npos)
    line += line.empty() ? std::string(minor) : " (" + std::string(minor) + ")";
  if (!line.empty()) out->lines.push_back(std::move(line));
  return 0;
}

hid_t check_id(hid_t id, Failure kind, const std::string& context) {
  if (id < 0) fail(kind, context);
  return id;
}

void check_status(herr_t status, Failure kind, const std::string& context) {
  if (status < 0) fail(kind, context);
}

Id make_plist(hid_t cls) { return Id(check_id(H5Pcreate(cls), Failure::Runtime, "creating a property list"), H5Pclose); }

Id file_access_plist() {
  Id fapl = make_plist(H5P_FILE_ACCESS);
  // 1.10 structures: extensible-array chunk indexes for the growing columns
  // are much cheaper to look up than 1.8's B-trees. Readable by HDF5 >= 1.10
  // (Debian 12's h5py and h5dump included).
  check_status(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V110, H5F_LIBVER_LATEST), Failure::Runtime,
               "setting HDF5 format bounds");
  // Filesystems without flock() support (some network mounts) still work.
  check_status(H5Pset_file_locking(fapl.get(), true, true), Failure::Runtime, "setting HDF5 file locking");
  check_status(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), Failure::Runtime, "setting HDF5 close degree");
  return fapl;
}

Id text_type(std::size_t width) {
  Id type(check_id(H5Tcopy(H5T_C_S1), Failure::Runtime, "copying the string type"), H5Tclose);
  if (width == 0) {
    check_status(H5Tset_size(type.get(), H5T_VARIABLE), Failure::Runtime, "sizing a string type");
    check_status(H5Tset_strpad(type.get(), H5T_STR_NULLTERM), Failure::Runtime, "padding a string type");
  } else {
    check_status(H5Tset_size(type.get(), width), Failure::Runtime, "sizing a string type");
    check_status(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), Failure::Runtime, "padding a string type");
  }
  check_status(H5Tset_cset(type.get(), H5T_CSET_UTF8), Failure::Runtime, "setting UTF-8");
  return type;
}

Id file_type(const ColumnType& type) {
  auto copy = [](hid_t predefined) {
    return Id(check_id(H5Tcopy(predefined), Failure::Runtime, "copying a type"), H5Tclose);
  };
  switch (type.kind) {
    case Kind::F64: return copy(H5T_IEEE_F64LE);
    case Kind::I32: return copy(H5T_STD_I32LE);
    case Kind::I64: return copy(H5T_STD_I64LE);
    case Kind::U8: return copy(H5T_STD_U8LE);
    case Kind::U64: return copy(H5T_STD_U64LE);
    case Kind::FixedText: return text_type(type.width);
    case Kind::Text: return text_type(0);
  }
  NASRANK_CHECK(false, "unknown column kind");
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::F64: return "64-bit float";
    case Kind::I32: return "32-bit integer";
    case Kind::I64: return "64-bit integer";
    case Kind::U8: return "8-bit unsigned integer";
    case Kind::U64: return "64-bit unsigned integer";
    case Kind::FixedText: return "fixed-length string";
    case Kind::Text: return "variable-length string";
  }
  return "?";
}

template <class T>
hid_t native_type() {
  if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
  if constexpr (std::is_same_v<T, std::int32_t>) return H5T_NATIVE_INT32;
  if constexpr (std::is_same_v<T, std::int64_t>) return H5T_NATIVE_INT64;
  if constexpr (std::is_same_v<T, std::uint8_t>) return H5T_NATIVE_UINT8;
  if constexpr (std::is_same_v<T, std::uint64_t>) return H5T_NATIVE_UINT64;
}

// HDF5 allocates (and zeroes) its type-conversion buffer, whole, for every
// read that converts (variable-length strings, int32 -> int64), however few
// the rows: the default 1 MiB costs more than a whole one-architecture query.
// Conversions run in pieces of this size; 16 KiB (1024 strings) keeps bulk
// reads as fast and a small read to four fresh pages.
hid_t transfer_plist() {
  static const hid_t plist = [] {
    const hid_t id = H5Pcreate(H5P_DATASET_XFER);
    if (id < 0 || H5Pset_buffer(id, 16 * 1024, nullptr, nullptr) < 0) fail(Failure::Runtime, "creating a transfer property list");
    return id;
  }();
  return plist;
}

// Dataset access: the default chunk cache, or none (see Column::open). Made
// once per process, like the transfer list: a query opens about twenty
// datasets.
hid_t access_plist(bool chunk_cache) {
  auto make = [](bool cached) {
    const hid_t id = H5Pcreate(H5P_DATASET_ACCESS);
    if (id < 0 || (!cached && H5Pset_chunk_cache(id, 0, 0, H5D_CHUNK_CACHE_W0_DEFAULT) < 0))
      fail(Failure::Runtime, "creating a dataset access property list");
    return id;
  };
  static const hid_t cached = make(true);
  static const hid_t uncached = make(false);
  return chunk_cache ? cached : uncached;
}

Id simple_space(std::size_t rows) {
  const hsize_t dims[1] = {static_cast<hsize_t>(rows)};
  return Id(check_id(H5Screate_simple(1, dims, nullptr), Failure::Runtime, "creating a dataspace"), H5Sclose);
}

}  // namespace

std::string take_error_detail() {
  ErrorLines collected;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &collected);
  H5Eclear2(H5E_DEFAULT);
  if (collected.lines.empty()) return {};
  // The innermost entry says why; the outer ones only repeat which call failed.
  return collected.lines.back();
}

void fail(Failure kind, const std::string& context) {
  const std::string detail = take_error_detail();
  const std::string message = detail.empty() ? context : context + ": " + detail;
  if (kind == Failure::Input) throw InputError(message);
  throw std::runtime_error(message);
}

Id& Id::operator=(Id&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = other.id_;
    closer_ = other.closer_;
    other.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void Id::reset() {
  if (id_ >= 0 && closer_) {
    // An identifier already closed by a strong file close is not an error.
    if (H5Iis_valid(id_) > 0) closer_(id_);
    H5Eclear2(H5E_DEFAULT);
  }
  id_ = H5I_INVALID_HID;
}

void Id::close_checked(const std::string& context) {
  if (id_ < 0) return;
  const hid_t id = id_;
  id_ = H5I_INVALID_HID;
  if (closer_(id) < 0) fail(Failure::Runtime, context);
}

bool is_hdf5_file(const std::filesystem::path& path) {
  silence_hdf5();
  const htri_t result = H5Fis_hdf5(path.c_str());
  H5Eclear2(H5E_DEFAULT);
  return result > 0;
}

Id open_file(const std::filesystem::path& path, bool writable) {
  silence_hdf5();
  Id fapl = file_access_plist();
  const hid_t id = H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl.get());
  if (id < 0) fail(Failure::Input, "'" + path.string() + "' cannot be opened as an HDF5 file");
  return Id(id, H5Fclose);
}

Id create_file(const std::filesystem::path& path) {
  silence_hdf5();
  Id fapl = file_access_plist();
  Id fcpl = make_plist(H5P_FILE_CREATE);
  // Track creation order so h5py lists groups' members as they were written.
  check_status(H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED), Failure::Runtime,
               "setting link creation order");
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get());
  if (id < 0) fail(Failure::Runtime, "cannot create '" + path.string() + "'");
  return Id(id, H5Fclose);
}

void flush_file(hid_t file, const std::string& context) {
  check_status(H5Fflush(file, H5F_SCOPE_GLOBAL), Failure::Runtime, context);
}

bool link_exists(hid_t location, const std::string& name) {
  const htri_t result = H5Lexists(location, name.c_str(), H5P_DEFAULT);
  H5Eclear2(H5E_DEFAULT);
  return result > 0;
}

Id open_group(hid_t location, const std::string& name, const std::string& context) {
  return Id(check_id(H5Gopen2(location, name.c_str(), H5P_DEFAULT), Failure::Input, context), H5Gclose);
}

Id create_group(hid_t location, const std::string& name, const std::string& context) {
  Id gcpl = make_plist(H5P_GROUP_CREATE);
  check_status(H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED), Failure::Runtime, context);
  return Id(check_id(H5Gcreate2(location, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), Failure::Runtime,
                     context),
            H5Gclose);
}

namespace {
herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}
}  // namespace

std::vector<std::string> member_names(hid_t group, const std::string& context) {
  std::vector<std::string> names;
  hsize_t index = 0;
  check_status(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, collect_name, &names), Failure::Input, context);
  return names;
}

void write_attribute(hid_t object, const std::string& name, std::string_view text) {
  const std::string context = "writing attribute '" + name + "'";
  if (H5Aexists(object, name.c_str()) > 0)
    check_status(H5Adelete(object, name.c_str()), Failure::Runtime, context);
  Id type = text_type(0);
  Id space(check_id(H5Screate(H5S_SCALAR), Failure::Runtime, context), H5Sclose);
  Id attribute(check_id(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                        Failure::Runtime, context),
               H5Aclose);
  const std::string copy(text);
  const char* pointer = copy.c_str();
  check_status(H5Awrite(attribute.get(), type.get(), &pointer), Failure::Runtime, context);
}

void write_attribute(hid_t object, const std::string& name, std::int64_t value) {
  const std::string context = "writing attribute '" + name + "'";
  if (H5Aexists(object, name.c_str()) > 0)
    check_status(H5Adelete(object, name.c_str()), Failure::Runtime, context);
  Id space(check_id(H5Screate(H5S_SCALAR), Failure::Runtime, context), H5Sclose);
  Id attribute(check_id(H5Acreate2(object, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                        Failure::Runtime, context),
               H5Aclose);
  check_status(H5Awrite(attribute.get(), H5T_NATIVE_INT64, &value), Failure::Runtime, context);
}

std::optional<std::string> read_text_attribute(hid_t object, const std::string& name, const std::string& context) {
  const htri_t exists = H5Aexists(object, name.c_str());
  if (exists < 0) fail(Failure::Input, context);
  if (exists == 0) return std::nullopt;
  Id attribute(check_id(H5Aopen(object, name.c_str(), H5P_DEFAULT), Failure::Input, context), H5Aclose);
  Id stored(check_id(H5Aget_type(attribute.get()), Failure::Input, context), H5Tclose);
  if (H5Tget_class(stored.get()) != H5T_STRING) return std::nullopt;
  if (H5Tis_variable_str(stored.get()) > 0) {
    Id type = text_type(0);
    char* pointer = nullptr;
    check_status(H5Aread(attribute.get(), type.get(), &pointer), Failure::Input, context);
    std::string value = pointer ? pointer : "";
    H5free_memory(pointer);
    return value;
  }
  const std::size_t width = H5Tget_size(stored.get());
  Id type = text_type(width);
  std::string buffer(width, '\0');
  check_status(H5Aread(attribute.get(), type.get(), buffer.data()), Failure::Input, context);
  buffer.resize(std::strlen(buffer.c_str()));
  return buffer;
}

std::optional<std::int64_t> read_int_attribute(hid_t object, const std::string& name, const std::string& context) {
  const htri_t exists = H5Aexists(object, name.c_str());
  if (exists < 0) fail(Failure::Input, context);
  if (exists == 0) return std::nullopt;
  Id attribute(check_id(H5Aopen(object, name.c_str(), H5P_DEFAULT), Failure::Input, context), H5Aclose);
  Id stored(check_id(H5Aget_type(attribute.get()), Failure::Input, context), H5Tclose);
  if (H5Tget_class(stored.get()) != H5T_INTEGER) return std::nullopt;
  std::int64_t value = 0;
  check_status(H5Aread(attribute.get(), H5T_NATIVE_INT64, &value), Failure::Input, context);
  return value;
}

// ---- Column ------------------------------------------------------------------

Column Column::create(hid_t location, const std::string& name, ColumnType type, std::size_t rows,
                      const ColumnCreation& creation, const std::string& context) {
  Id ftype = file_type(type);
  const hsize_t dims[1] = {static_cast<hsize_t>(rows)};
  const hsize_t max_dims[1] = {H5S_UNLIMITED};
  Id space(check_id(H5Screate_simple(1, dims, max_dims), Failure::Runtime, context), H5Sclose);
  Id dcpl = make_plist(H5P_DATASET_CREATE);
  const hsize_t chunk[1] = {static_cast<hsize_t>(std::max<std::size_t>(creation.chunk_rows, 1))};
  check_status(H5Pset_chunk(dcpl.get(), 1, chunk), Failure::Runtime, context);
  const bool filtered = creation.filtered && type.kind != Kind::Text;
  if (filtered && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
    check_status(H5Pset_shuffle(dcpl.get()), Failure::Runtime, context);
    check_status(H5Pset_deflate(dcpl.get(), 4), Failure::Runtime, context);
  }
  // A checksum per chunk turns silent corruption into a read error.
  if (filtered) check_status(H5Pset_fletcher32(dcpl.get()), Failure::Runtime, context);
  if (type.kind == Kind::F64) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    check_status(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, &nan), Failure::Runtime, context);
  } else if (type.kind == Kind::I32 || type.kind == Kind::I64) {
    const std::int64_t minus_one = -1;
    check_status(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_INT64, &minus_one), Failure::Runtime, context);
  }
  Column column;
  column.dataset_ = Id(check_id(H5Dcreate2(location, name.c_str(), ftype.get(), space.get(), H5P_DEFAULT, dcpl.get(),
                                           H5P_DEFAULT),
                                Failure::Runtime, context),
                       H5Dclose);
  column.type_ = type;
  column.rows_ = rows;
  column.context_ = context;
  return column;
}

Column Column::open(hid_t location, const std::string& name, ColumnType type, const std::string& context,
                    bool chunk_cache) {
  Column column;
  column.context_ = context;
  // A missing dataset is told apart only when the open fails: checking the
  // link first would walk the group a second time for every column.
  const hid_t dataset = H5Dopen2(location, name.c_str(), access_plist(chunk_cache));
  if (dataset < 0) {
    const std::string detail = take_error_detail();
    if (!link_exists(location, name)) throw InputError(context + ": the dataset is missing");
    throw InputError(detail.empty() ? context : context + ": " + detail);
  }
  column.dataset_ = Id(dataset, H5Dclose);
  Id space(check_id(H5Dget_space(column.dataset_.get()), Failure::Input, context), H5Sclose);
  if (H5Sget_simple_extent_ndims(space.get()) != 1)
    throw InputError(context + ": expected a one-dimensional dataset");
  hsize_t dims[1] = {0};
  check_status(H5Sget_simple_extent_dims(space.get(), dims, nullptr), Failure::Input, context);
  column.rows_ = static_cast<std::size_t>(dims[0]);
  Id stored(check_id(H5Dget_type(column.dataset_.get()), Failure::Input, context), H5Tclose);
  const H5T_class_t cls = H5Tget_class(stored.get());
  bool matches = false;
  switch (type.kind) {
    case Kind::F64: matches = cls == H5T_FLOAT; break;
    case Kind::I32:
    case Kind::I64:
    case Kind::U8:
    case Kind::U64: matches = cls == H5T_INTEGER; break;
    case Kind::FixedText:
      matches = cls == H5T_STRING && H5Tis_variable_str(stored.get()) == 0;
      if (matches) type.width = H5Tget_size(stored.get());
      break;
    case Kind::Text: matches = cls == H5T_STRING && H5Tis_variable_str(stored.get()) > 0; break;
  }
  H5Eclear2(H5E_DEFAULT);
  if (!matches) throw InputError(context + ": expected a " + kind_name(type.kind) + " dataset");
  column.type_ = type;
  return column;
}

void Column::resize(std::size_t rows) {
  const hsize_t dims[1] = {static_cast<hsize_t>(rows)};
  check_status(H5Dset_extent(dataset_.get(), dims), Failure::Runtime, context_ + ": resizing");
  rows_ = rows;
}

namespace {

// Selects `count` rows from `first` in a copy of the dataset's file space.
Id range_selection(hid_t dataset, std::size_t first, std::size_t count, Failure kind, const std::string& context) {
  Id space(check_id(H5Dget_space(dataset), kind, context), H5Sclose);
  const hsize_t start[1] = {static_cast<hsize_t>(first)};
  const hsize_t size[1] = {static_cast<hsize_t>(count)};
  check_status(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, size, nullptr), kind, context);
  return space;
}

}  // namespace

template <class T>
void Column::write(std::size_t first_row, const std::vector<T>& values) {
  if (values.empty()) return;
  NASRANK_CHECK(first_row + values.size() <= rows_, context_ + ": write past the end");
  const std::string context = context_ + ": writing rows";
  Id file_space = range_selection(dataset_.get(), first_row, values.size(), Failure::Runtime, context);
  Id memory_space = simple_space(values.size());
  if constexpr (std::is_same_v<T, std::string>) {
    if (type_.kind == Kind::Text) {
      std::vector<const char*> pointers;
      pointers.reserve(values.size());
      for (const auto& value : values) pointers.push_back(value.c_str());
      Id type = text_type(0);
      check_status(H5Dwrite(dataset_.get(), type.get(), memory_space.get(), file_space.get(), transfer_plist(),
                            pointers.data()),
                   Failure::Runtime, context);
    } else {
      NASRANK_CHECK(type_.kind == Kind::FixedText, context_ + ": text written to a numeric column");
      std::vector<char> buffer(values.size() * type_.width, '\0');
      for (std::size_t i = 0; i < values.size(); ++i) {
        NASRANK_CHECK(values[i].size() <= type_.width, context_ + ": '" + values[i] + "' is wider than the column");
        std::memcpy(buffer.data() + i * type_.width, values[i].data(), values[i].size());
      }
      Id type = text_type(type_.width);
      check_status(
          H5Dwrite(dataset_.get(), type.get(), memory_space.get(), file_space.get(), transfer_plist(), buffer.data()),
          Failure::Runtime, context);
    }
  } else {
    check_status(H5Dwrite(dataset_.get(), native_type<T>(), memory_space.get(), file_space.get(), transfer_plist(),
                          values.data()),
                 Failure::Runtime, context);
  }
}

namespace {

// Owns the strings HDF5 allocates during one read of variable-length strings.
// A read that fails half-way (a damaged file) drops the strings HDF5 already
// converted without freeing them, so H5Dvlen_reclaim cannot reach them; here
// they are freed with the arena whatever happens (found by fuzz_store_open).
class StringArena {
 public:
  StringArena() = default;
  StringArena(const StringArena&) = delete;
  StringArena& operator=(const StringArena&) = delete;
  ~StringArena() {
    for (void* block : blocks_) std::free(block);
  }
  static void* allocate(std::size_t size, void* arena) noexcept {
    void* block = std::malloc(size);
    if (block == nullptr) return nullptr;
    try {
      static_cast<StringArena*>(arena)->blocks_.push_back(block);
    } catch (...) {
      std::free(block);
      return nullptr;
    }
    return block;
  }
  static void release(void*, void*) noexcept {}  // the destructor frees every block

 private:
  std::vector<void*> blocks_;
};

template <class T>
std::vector<T> read_selection(hid_t dataset, const ColumnType& type, hid_t file_space, std::size_t count,
                              const std::string& context) {
  std::vector<T> values(count);
  if (count == 0) return values;
  Id memory_space = simple_space(count);
  if constexpr (std::is_same_v<T, std::string>) {
    if (type.kind == Kind::Text) {
      std::vector<char*> pointers(count, nullptr);
      Id mtype = text_type(0);
      StringArena arena;
      Id plist(check_id(H5Pcopy(transfer_plist()), Failure::Runtime, context), H5Pclose);
      check_status(H5Pset_vlen_mem_manager(plist.get(), &StringArena::allocate, &arena, &StringArena::release, &arena),
                   Failure::Runtime, context);
      check_status(H5Dread(dataset, mtype.get(), memory_space.get(), file_space, plist.get(), pointers.data()),
                   Failure::Input, context);
      for (std::size_t i = 0; i < count; ++i)
        if (pointers[i]) values[i] = pointers[i];
    } else {
      std::vector<char> buffer(count * type.width + 1, '\0');
      Id mtype = text_type(type.width);
      check_status(H5Dread(dataset, mtype.get(), memory_space.get(), file_space, transfer_plist(), buffer.data()),
                   Failure::Input, context);
      for (std::size_t i = 0; i < count; ++i) {
        const char* start = buffer.data() + i * type.width;
        values[i].assign(start, strnlen(start, type.width));
      }
    }
  } else {
    check_status(H5Dread(dataset, native_type<T>(), memory_space.get(), file_space, transfer_plist(), values.data()),
                 Failure::Input, context);
  }
  return values;
}

}  // namespace

template <class T>
std::vector<T> Column::read_all() const {
  return read_range<T>(0, rows_);
}

template <class T>
std::vector<T> Column::read_range(std::size_t first_row, std::size_t count) const {
  if (first_row + count > rows_)
    throw InputError(context_ + ": rows " + std::to_string(first_row) + ".." + std::to_string(first_row + count) +
                     " requested but the dataset has " + std::to_string(rows_));
  const std::string context = context_ + ": reading";
  if (count == 0) return {};
  Id space = range_selection(dataset_.get(), first_row, count, Failure::Input, context);
  return read_selection<T>(dataset_.get(), type_, space.get(), count, context);
}

template <class T>
std::vector<T> Column::read_strided(std::size_t first, std::size_t stride, std::size_t count) const {
  if (count == 0) return {};
  NASRANK_CHECK(stride > 0 && first + (count - 1) * stride < rows_, context_ + ": strided read past the end");
  const std::string context = context_ + ": reading";
  Id space(check_id(H5Dget_space(dataset_.get()), Failure::Input, context), H5Sclose);
  const hsize_t start[1] = {static_cast<hsize_t>(first)};
  const hsize_t step[1] = {static_cast<hsize_t>(stride)};
  const hsize_t number[1] = {static_cast<hsize_t>(count)};
  check_status(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, step, number, nullptr), Failure::Input,
               context);
  return read_selection<T>(dataset_.get(), type_, space.get(), count, context);
}
template std::vector<std::uint64_t> Column::read_strided(std::size_t, std::size_t, std::size_t) const;

template <class T>
std::vector<T> Column::read_rows(const std::vector<std::size_t>& rows) const {
  if (rows.empty()) return {};
  if (!std::is_sorted(rows.begin(), rows.end())) {
    std::vector<std::size_t> order(rows.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return rows[a] < rows[b]; });
    std::vector<std::size_t> sorted(rows.size());
    for (std::size_t i = 0; i < order.size(); ++i) sorted[i] = rows[order[i]];
    std::vector<T> values = read_rows<T>(sorted);
    std::vector<T> placed(rows.size());
    for (std::size_t i = 0; i < order.size(); ++i) placed[order[i]] = std::move(values[i]);
    return placed;
  }
  if (rows.back() >= rows_)
    throw InputError(context_ + ": row " + std::to_string(rows.back()) + " requested but the dataset has " +
                     std::to_string(rows_));
  // Point selections cost per point; past a few percent of the column one
  // sequential read of the spanned range is faster.
  const std::size_t span = rows.back() - rows.front() + 1;
  if (rows.size() * 32 >= span) {
    const std::vector<T> all = read_range<T>(rows.front(), span);
    std::vector<T> picked;
    picked.reserve(rows.size());
    for (std::size_t row : rows) picked.push_back(all[row - rows.front()]);
    return picked;
  }
  const std::string context = context_ + ": reading";
  Id space(check_id(H5Dget_space(dataset_.get()), Failure::Input, context), H5Sclose);
  std::vector<hsize_t> coordinates(rows.begin(), rows.end());
  check_status(H5Sselect_elements(space.get(), H5S_SELECT_SET, coordinates.size(), coordinates.data()),
               Failure::Input, context);
  return read_selection<T>(dataset_.get(), type_, space.get(), rows.size(), context);
}

#define NASRANK_H5_COLUMN_TYPE(T)                                                      \
  template void Column::write(std::size_t, const std::vector<T>&);                     \
  template std::vector<T> Column::read_all() const;                                    \
  template std::vector<T> Column::read_range(std::size_t, std::size_t) const;          \
  template std::vector<T> Column::read_rows(const std::vector<std::size_t>&) const;
NASRANK_H5_COLUMN_TYPE(double)
NASRANK_H5_COLUMN_TYPE(std::int32_t)
NASRANK_H5_COLUMN_TYPE(std::int64_t)
NASRANK_H5_COLUMN_TYPE(std::uint8_t)
NASRANK_H5_COLUMN_TYPE(std::uint64_t)
NASRANK_H5_COLUMN_TYPE(std::string)
#undef NASRANK_H5_COLUMN_TYPE

}  // namespace nasrank::store::h5
