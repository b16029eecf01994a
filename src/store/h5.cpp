#include "store/h5.h"

#include "nasrank/common/error.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
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
// HDF5 closes whatever is still open from an atexit hook, and a file whose
// close already failed (a full disk) crashes it there. Every handle is owned
// by an Id and closed before exit, so the hook has nothing left to do: turn
// it off (only possible before the library initialises).
[[maybe_unused]] const bool kNoExitTimeCleanup = [] {
  H5dont_atexit();
  return true;
}();

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
// too large', buf = 0x..., ..." or "unable to extend file properly, errno =
// 27, error message = 'File too large'"; a user needs only what failed and
// the system's reason.
std::string condensed_io_error(const std::string& line) {
  constexpr std::string_view kReason = "error message = '";
  const auto colon = std::min(line.find(": time = "), line.find(", errno = "));
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

Id make_plist(hid_t cls) {
  return Id(check_id(H5Pcreate(cls), Failure::Runtime, "creating a property list"), H5Pclose);
}

// See create_group. (Groups and datasets: attributes; groups: links.)
void keep_in_object_header(hid_t create_plist, const std::string& context) {
  constexpr unsigned kMany = 4096;
  check_status(H5Pset_attr_phase_change(create_plist, kMany, kMany), Failure::Runtime, context);
  if (H5Pisa_class(create_plist, H5P_GROUP_CREATE) > 0)
    check_status(H5Pset_link_phase_change(create_plist, kMany, kMany), Failure::Runtime, context);
}

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
    case Kind::F64:
      return copy(H5T_IEEE_F64LE);
    case Kind::I32:
      return copy(H5T_STD_I32LE);
    case Kind::I64:
      return copy(H5T_STD_I64LE);
    case Kind::U8:
      return copy(H5T_STD_U8LE);
    case Kind::U64:
      return copy(H5T_STD_U64LE);
    case Kind::FixedText:
      return text_type(type.width);
    case Kind::Text:
      return text_type(0);
  }
  NASRANK_CHECK(false, "unknown column kind");
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::F64:
      return "64-bit float";
    case Kind::I32:
      return "32-bit integer";
    case Kind::I64:
      return "64-bit integer";
    case Kind::U8:
      return "8-bit unsigned integer";
    case Kind::U64:
      return "64-bit unsigned integer";
    case Kind::FixedText:
      return "fixed-length string";
    case Kind::Text:
      return "variable-length string";
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
    if (id < 0 || H5Pset_buffer(id, 16 * 1024, nullptr, nullptr) < 0)
      fail(Failure::Runtime, "creating a transfer property list");
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
  throw IoError(message);
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

namespace {

constexpr std::uint64_t kUndefinedAddress = ~std::uint64_t{0};

std::uint64_t little_endian_u64(const unsigned char* bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

// The 4 bytes at `address`, or "" when the file ends before them.
std::string signature_at(int descriptor, std::uint64_t address) {
  char bytes[4];
  if (address > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max()) - 4) return {};
  const ssize_t got = ::pread(descriptor, bytes, sizeof bytes, static_cast<off_t>(address));
  return got == static_cast<ssize_t>(sizeof bytes) ? std::string(bytes, sizeof bytes) : std::string();
}

class Descriptor {
 public:
  explicit Descriptor(const std::filesystem::path& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// See open_file. The superblock (version 2/3, 8-byte addresses, layout in
// the HDF5 File Format Specification, section II.A) is 48 bytes: signature,
// version, sizes of offsets and lengths, flags, then the base address, the
// superblock extension's address, the end-of-file address, the root group's
// object header address and the checksum.
void require_checksummed_start(const std::filesystem::path& path) {
  const std::string name = "'" + path.string() + "'";
  Descriptor file(path);
  if (file.get() < 0) throw InputError(name + " cannot be read: " + std::strerror(errno));
  std::array<unsigned char, 48> superblock{};
  const ssize_t got = ::pread(file.get(), superblock.data(), superblock.size(), 0);
  static constexpr unsigned char kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  if (got != static_cast<ssize_t>(superblock.size()) || std::memcmp(superblock.data(), kSignature, 8) != 0)
    throw InputError(name + " cannot be opened as an HDF5 file: no HDF5 superblock at its start");
  const int version = superblock[8];
  if (version < 2 || version > 3)
    throw InputError(name +
                     " is an HDF5 file but not a nasrank results store, or a damaged one: its superblock is version " +
                     std::to_string(version) +
                     " (nasrank writes version 3, whose structures all carry checksums; h5repack without "
                     "--latest rewrites a store with the older, unchecked ones)");
  if (superblock[9] != 8 || superblock[10] != 8 || little_endian_u64(&superblock[12]) != 0)
    throw InputError(name + " is an HDF5 file but not a nasrank results store, or a damaged one: its superblock has " +
                     std::to_string(superblock[9]) + "-byte addresses, " + std::to_string(superblock[10]) +
                     "-byte lengths and base address " + std::to_string(little_endian_u64(&superblock[12])) +
                     " (nasrank writes 8, 8 and 0)");
  const std::uint64_t extension = little_endian_u64(&superblock[20]);
  const std::uint64_t root = little_endian_u64(&superblock[36]);
  auto require_header = [&](std::uint64_t address, const char* what) {
    if (signature_at(file.get(), address) != "OHDR")
      throw InputError(name + " is damaged: the " + what + " at byte " + std::to_string(address) +
                       " is not a checksummed (version 2) HDF5 object header");
  };
  require_header(root, "root group");
  if (extension != kUndefinedAddress) require_header(extension, "superblock extension");
}

}  // namespace

void require_checksummed_object(hid_t location, const std::string& name, const std::string& context) {
  NASRANK_CHECK(H5Iget_type(location) == H5I_FILE, "require_checksummed_object needs a file identifier");
  unsigned intent = 0;
  check_status(H5Fget_intent(location, &intent), Failure::Input, context);
  // A writable file's objects were either made by this process (and may not
  // be on disk yet) or copied from a file require_checksummed_tree passed.
  if (intent & H5F_ACC_RDWR) return;
  void* handle = nullptr;
  check_status(H5Fget_vfd_handle(location, H5P_DEFAULT, &handle), Failure::Input, context);
  const int descriptor = *static_cast<int*>(handle);
  for (std::size_t end = name.find('/');; end = name.find('/', end + 1)) {
    const std::string prefix = name.substr(0, end);
    H5L_info_t link{};
    if (H5Lget_info(location, prefix.c_str(), &link, H5P_DEFAULT) < 0) {
      const std::string detail = take_error_detail();
      throw InputError(context + ": '/" + prefix + "' is missing" + (detail.empty() ? "" : " (" + detail + ")"));
    }
    if (link.type != H5L_TYPE_HARD)
      throw InputError(context + ": '/" + prefix +
                       "' is a soft or external link, which nasrank never writes (damaged "
                       "store, or not written by nasrank)");
    if (signature_at(descriptor, link.u.address) != "OHDR")
      throw InputError(context + ": the object header of '/" + prefix + "' at byte " + std::to_string(link.u.address) +
                       " is not a checksummed (version 2) one (damaged store)");
    if (end == std::string::npos) break;
  }
}

void require_checksummed_tree(hid_t file, const std::string& context) {
  std::vector<std::string> groups{""};
  while (!groups.empty()) {
    const std::string group = groups.back();
    groups.pop_back();
    Id id = group.empty() ? Id(check_id(H5Gopen2(file, "/", H5P_DEFAULT), Failure::Input, context), H5Gclose)
                          : open_group(file, group, context);
    for (const std::string& name : member_names(id.get(), context)) {
      const std::string path = group.empty() ? name : group + "/" + name;
      require_checksummed_object(file, path, context);
      Id object(check_id(H5Oopen(file, path.c_str(), H5P_DEFAULT), Failure::Input, context), H5Oclose);
      if (H5Iget_type(object.get()) == H5I_GROUP) groups.push_back(path);
    }
  }
}

Id open_file(const std::filesystem::path& path, bool writable) {
  silence_hdf5();
  require_checksummed_start(path);
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
  keep_in_object_header(fcpl.get(), "creating '" + path.string() + "'");
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get());
  if (id < 0) fail(Failure::Runtime, "cannot create '" + path.string() + "'");
  return Id(id, H5Fclose);
}

void flush_file(hid_t file, const std::string& context) {
  check_status(H5Fflush(file, H5F_SCOPE_GLOBAL), Failure::Runtime, context);
}

void discard_pending_writes(hid_t file) noexcept {
  void* handle = nullptr;
  if (H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) < 0 || handle == nullptr) {
    H5Eclear2(H5E_DEFAULT);
    return;
  }
  // The sec2 driver's handle is its file descriptor. Pointing it at
  // /dev/null lets the close write what it must without failing.
  const int fd = *static_cast<int*>(handle);
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) return;
  ::dup2(null, fd);
  ::close(null);
}

bool link_exists(hid_t location, const std::string& name) {
  const htri_t result = H5Lexists(location, name.c_str(), H5P_DEFAULT);
  H5Eclear2(H5E_DEFAULT);
  return result > 0;
}

Id open_group(hid_t location, const std::string& name, const std::string& context) {
  require_checksummed_object(location, name, context);
  return Id(check_id(H5Gopen2(location, name.c_str(), H5P_DEFAULT), Failure::Input, context), H5Gclose);
}

Id create_group(hid_t location, const std::string& name, const std::string& context) {
  Id gcpl = make_plist(H5P_GROUP_CREATE);
  check_status(H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED), Failure::Runtime, context);
  keep_in_object_header(gcpl.get(), context);
  return Id(
      check_id(H5Gcreate2(location, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), Failure::Runtime, context),
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
  if (H5Aexists(object, name.c_str()) > 0) check_status(H5Adelete(object, name.c_str()), Failure::Runtime, context);
  // Fixed length, stored inside the object's checksummed header (see Kind).
  const std::string padded = text.empty() ? std::string(1, '\0') : std::string(text);
  Id type = text_type(padded.size());
  Id space(check_id(H5Screate(H5S_SCALAR), Failure::Runtime, context), H5Sclose);
  Id attribute(check_id(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                        Failure::Runtime, context),
               H5Aclose);
  check_status(H5Awrite(attribute.get(), type.get(), padded.data()), Failure::Runtime, context);
}

void write_attribute(hid_t object, const std::string& name, std::int64_t value) {
  const std::string context = "writing attribute '" + name + "'";
  if (H5Aexists(object, name.c_str()) > 0) check_status(H5Adelete(object, name.c_str()), Failure::Runtime, context);
  Id space(check_id(H5Screate(H5S_SCALAR), Failure::Runtime, context), H5Sclose);
  Id attribute(check_id(H5Acreate2(object, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                        Failure::Runtime, context),
               H5Aclose);
  check_status(H5Awrite(attribute.get(), H5T_NATIVE_INT64, &value), Failure::Runtime, context);
}

std::optional<std::string> read_text_attribute(hid_t object, const std::string& name, const std::string& context,
                                               bool variable_length_allowed) {
  const htri_t exists = H5Aexists(object, name.c_str());
  if (exists < 0) fail(Failure::Input, context);
  if (exists == 0) return std::nullopt;
  Id attribute(check_id(H5Aopen(object, name.c_str(), H5P_DEFAULT), Failure::Input, context), H5Aclose);
  Id stored(check_id(H5Aget_type(attribute.get()), Failure::Input, context), H5Tclose);
  if (H5Tget_class(stored.get()) != H5T_STRING) return std::nullopt;
  if (H5Tis_variable_str(stored.get()) > 0) {
    if (!variable_length_allowed)
      throw InputError(context +
                       ": a variable-length string, which nasrank stores of format 2 never hold "
                       "(damaged store, or not written by nasrank)");
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

namespace {

// Fill value (what rows read as before they are written): NaN for F64, -1
// for signed integers unless `fill_zero`, 0 otherwise.
Id create_dataset(hid_t location, const std::string& name, ColumnType type, std::size_t rows,
                  const ColumnCreation& creation, const std::string& context, bool fill_zero = false) {
  Id ftype = file_type(type);
  const hsize_t dims[1] = {static_cast<hsize_t>(rows)};
  const hsize_t max_dims[1] = {H5S_UNLIMITED};
  Id space(check_id(H5Screate_simple(1, dims, max_dims), Failure::Runtime, context), H5Sclose);
  Id dcpl = make_plist(H5P_DATASET_CREATE);
  keep_in_object_header(dcpl.get(), context);
  const hsize_t chunk[1] = {static_cast<hsize_t>(std::max<std::size_t>(creation.chunk_rows, 1))};
  check_status(H5Pset_chunk(dcpl.get(), 1, chunk), Failure::Runtime, context);
  if (creation.filtered && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
    check_status(H5Pset_shuffle(dcpl.get()), Failure::Runtime, context);
    check_status(H5Pset_deflate(dcpl.get(), 4), Failure::Runtime, context);
  }
  // A checksum per chunk turns silent corruption into a read error.
  if (creation.filtered || creation.checksum) check_status(H5Pset_fletcher32(dcpl.get()), Failure::Runtime, context);
  if (type.kind == Kind::F64) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    check_status(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, &nan), Failure::Runtime, context);
  } else if ((type.kind == Kind::I32 || type.kind == Kind::I64) && !fill_zero) {
    const std::int64_t minus_one = -1;
    check_status(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_INT64, &minus_one), Failure::Runtime, context);
  }
  return Id(check_id(H5Dcreate2(location, name.c_str(), ftype.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                     Failure::Runtime, context),
            H5Dclose);
}

std::size_t extent(hid_t dataset, const std::string& context) {
  Id space(check_id(H5Dget_space(dataset), Failure::Input, context), H5Sclose);
  if (H5Sget_simple_extent_ndims(space.get()) != 1) throw InputError(context + ": expected a one-dimensional dataset");
  hsize_t dims[1] = {0};
  check_status(H5Sget_simple_extent_dims(space.get(), dims, nullptr), Failure::Input, context);
  return static_cast<std::size_t>(dims[0]);
}

struct OpenedDataset {
  Id id;
  std::size_t rows = 0;
};

// Opens `name` (a path from the file `location`) after checking its object
// header, and checks its shape and type class. `type.width` becomes the
// stored width for FixedText.
OpenedDataset open_dataset(hid_t location, const std::string& name, ColumnType& type, const std::string& context,
                           bool chunk_cache, bool variable_length_allowed) {
  require_checksummed_object(location, name, context);
  const hid_t dataset = H5Dopen2(location, name.c_str(), access_plist(chunk_cache));
  if (dataset < 0) fail(Failure::Input, context);
  OpenedDataset opened{Id(dataset, H5Dclose)};
  opened.rows = extent(opened.id.get(), context);
  Id stored(check_id(H5Dget_type(opened.id.get()), Failure::Input, context), H5Tclose);
  const H5T_class_t cls = H5Tget_class(stored.get());
  bool matches = false;
  switch (type.kind) {
    case Kind::F64:
      matches = cls == H5T_FLOAT;
      break;
    case Kind::I32:
    case Kind::I64:
    case Kind::U8:
    case Kind::U64:
      matches = cls == H5T_INTEGER;
      break;
    case Kind::FixedText:
      matches = cls == H5T_STRING && H5Tis_variable_str(stored.get()) == 0;
      if (matches) type.width = H5Tget_size(stored.get());
      break;
    case Kind::Text:
      matches = variable_length_allowed && cls == H5T_STRING && H5Tis_variable_str(stored.get()) > 0;
      break;
  }
  H5Eclear2(H5E_DEFAULT);
  if (!matches)
    throw InputError(
        context + ": expected a " +
        (type.kind == Kind::Text ? std::string("group of text (start, length, utf8)") : kind_name(type.kind)) +
        " dataset");
  return opened;
}

ColumnType text_index_type() { return {Kind::I64}; }
ColumnType text_bytes_type() { return {Kind::U8}; }

}  // namespace

Column Column::create(hid_t location, const std::string& name, ColumnType type, std::size_t rows,
                      const ColumnCreation& creation, const std::string& context) {
  Column column;
  column.type_ = type;
  column.rows_ = rows;
  column.context_ = context;
  if (type.kind != Kind::Text) {
    column.object_ = create_dataset(location, name, type, rows, creation, context);
    return column;
  }
  column.object_ = create_group(location, name, context);
  const ColumnCreation per_row{creation.chunk_rows, true};
  // Rows not yet written read as empty strings (start 0, length 0).
  column.starts_ = create_dataset(column.object_.get(), "start", text_index_type(), rows, per_row, context, true);
  column.lengths_ = create_dataset(column.object_.get(), "length", text_index_type(), rows, per_row, context, true);
  column.bytes_ = create_dataset(column.object_.get(), "utf8", text_bytes_type(), 0, {kTextChunkBytes, true}, context);
  return column;
}

Column Column::open(hid_t location, const std::string& name, ColumnType type, const std::string& context,
                    bool chunk_cache, bool variable_length_allowed) {
  Column column;
  column.context_ = context;
  if (type.kind != Kind::Text) {
    OpenedDataset opened = open_dataset(location, name, type, context, chunk_cache, false);
    column.object_ = std::move(opened.id);
    column.rows_ = opened.rows;
    column.type_ = type;
    return column;
  }
  require_checksummed_object(location, name, context);
  Id object(check_id(H5Oopen(location, name.c_str(), H5P_DEFAULT), Failure::Input, context), H5Oclose);
  if (H5Iget_type(object.get()) == H5I_GROUP) {
    column.object_ = std::move(object);
    auto part = [&](const char* part_name, ColumnType part_type) {
      return open_dataset(location, name + "/" + part_name, part_type, context + ": '" + part_name + "'", chunk_cache,
                          false);
    };
    OpenedDataset starts = part("start", text_index_type());
    OpenedDataset lengths = part("length", text_index_type());
    OpenedDataset bytes = part("utf8", text_bytes_type());
    if (lengths.rows != starts.rows)
      throw InputError(context + ": 'start' and 'length' differ in length (damaged store)");
    column.starts_ = std::move(starts.id);
    column.lengths_ = std::move(lengths.id);
    column.bytes_ = std::move(bytes.id);
    column.rows_ = starts.rows;
    column.byte_count_ = bytes.rows;
  } else {
    object.reset();
    OpenedDataset opened = open_dataset(location, name, type, context, chunk_cache, variable_length_allowed);
    column.object_ = std::move(opened.id);
    column.rows_ = opened.rows;
    column.variable_length_ = true;
  }
  column.type_ = type;
  return column;
}

namespace {

void set_extent(hid_t dataset, std::size_t rows, const std::string& context) {
  const hsize_t dims[1] = {static_cast<hsize_t>(rows)};
  check_status(H5Dset_extent(dataset, dims), Failure::Runtime, context + ": resizing");
}

// Selects `count` rows from `first` in a copy of the dataset's file space.
Id range_selection(hid_t dataset, std::size_t first, std::size_t count, Failure kind, const std::string& context) {
  Id space(check_id(H5Dget_space(dataset), kind, context), H5Sclose);
  const hsize_t start[1] = {static_cast<hsize_t>(first)};
  const hsize_t size[1] = {static_cast<hsize_t>(count)};
  check_status(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, size, nullptr), kind, context);
  return space;
}

void write_range(hid_t dataset, hid_t memory_type, std::size_t first, std::size_t count, const void* values,
                 const std::string& context) {
  Id file_space = range_selection(dataset, first, count, Failure::Runtime, context);
  Id memory_space = simple_space(count);
  check_status(H5Dwrite(dataset, memory_type, memory_space.get(), file_space.get(), transfer_plist(), values),
               Failure::Runtime, context);
}

}  // namespace

void Column::resize(std::size_t rows) {
  NASRANK_CHECK(!variable_length_, context_ + ": a format 1 text column is read-only");
  set_extent(row_dataset(), rows, context_);
  if (type_.kind == Kind::Text) set_extent(lengths_.get(), rows, context_);
  rows_ = rows;
}

template <class T>
void Column::write(std::size_t first_row, const std::vector<T>& values) {
  if (values.empty()) return;
  NASRANK_CHECK(first_row + values.size() <= rows_, context_ + ": write past the end");
  NASRANK_CHECK(!variable_length_, context_ + ": a format 1 text column is read-only");
  const std::string context = context_ + ": writing rows";
  if constexpr (std::is_same_v<T, std::string>) {
    if (type_.kind == Kind::Text) {
      std::vector<std::int64_t> starts, lengths;
      std::string bytes;
      for (const std::string& value : values) {
        starts.push_back(static_cast<std::int64_t>(byte_count_ + bytes.size()));
        lengths.push_back(static_cast<std::int64_t>(value.size()));
        bytes += value;
      }
      if (!bytes.empty()) {
        set_extent(bytes_.get(), byte_count_ + bytes.size(), context_);
        write_range(bytes_.get(), H5T_NATIVE_UINT8, byte_count_, bytes.size(), bytes.data(), context);
        byte_count_ += bytes.size();
      }
      write_range(starts_.get(), H5T_NATIVE_INT64, first_row, values.size(), starts.data(), context);
      write_range(lengths_.get(), H5T_NATIVE_INT64, first_row, values.size(), lengths.data(), context);
    } else {
      NASRANK_CHECK(type_.kind == Kind::FixedText, context_ + ": text written to a numeric column");
      std::vector<char> buffer(values.size() * type_.width, '\0');
      for (std::size_t i = 0; i < values.size(); ++i) {
        NASRANK_CHECK(values[i].size() <= type_.width, context_ + ": '" + values[i] + "' is wider than the column");
        std::memcpy(buffer.data() + i * type_.width, values[i].data(), values[i].size());
      }
      Id type = text_type(type_.width);
      write_range(object_.get(), type.get(), first_row, values.size(), buffer.data(), context);
    }
  } else {
    write_range(object_.get(), native_type<T>(), first_row, values.size(), values.data(), context);
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
std::vector<T> Column::read_selected(hid_t file_space, std::size_t count, const std::string& context) const {
  if constexpr (std::is_same_v<T, std::string>)
    if (type_.kind == Kind::Text && !variable_length_) return read_text(file_space, count, context);
  return read_selection<T>(object_.get(), type_, file_space, count, context);
}

std::vector<std::string> Column::read_text(hid_t file_space, std::size_t count, const std::string& context) const {
  const ColumnType index_type{Kind::I64};
  const auto starts = read_selection<std::int64_t>(starts_.get(), index_type, file_space, count, context);
  const auto lengths = read_selection<std::int64_t>(lengths_.get(), index_type, file_space, count, context);
  std::vector<std::size_t> order;  // the non-empty strings, by start
  for (std::size_t i = 0; i < count; ++i) {
    if (lengths[i] == 0) continue;
    if (starts[i] < 0 || lengths[i] < 0 ||
        static_cast<std::uint64_t>(lengths[i]) > byte_count_ - std::min<std::uint64_t>(byte_count_, starts[i]))
      throw InputError(context + ": a string at bytes " + std::to_string(starts[i]) + " + " +
                       std::to_string(lengths[i]) + " lies outside the " + std::to_string(byte_count_) +
                       " bytes of 'utf8' (damaged store)");
    order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return starts[a] < starts[b]; });
  // Strings less than a chunk apart are read in one piece: HDF5 reads (and
  // checks) whole chunks anyway.
  constexpr std::uint64_t kGap = kTextChunkBytes;
  std::vector<std::string> values(count);
  std::vector<char> buffer;
  for (std::size_t first = 0; first < order.size();) {
    const std::uint64_t begin = static_cast<std::uint64_t>(starts[order[first]]);
    std::uint64_t end = begin + static_cast<std::uint64_t>(lengths[order[first]]);
    std::size_t last = first + 1;
    for (; last < order.size() && static_cast<std::uint64_t>(starts[order[last]]) <= end + kGap; ++last)
      end = std::max(end, static_cast<std::uint64_t>(starts[order[last]] + lengths[order[last]]));
    Id space = range_selection(bytes_.get(), begin, end - begin, Failure::Input, context);
    buffer.resize(end - begin);
    Id memory_space = simple_space(buffer.size());
    check_status(
        H5Dread(bytes_.get(), H5T_NATIVE_UINT8, memory_space.get(), space.get(), transfer_plist(), buffer.data()),
        Failure::Input, context);
    for (std::size_t k = first; k < last; ++k) {
      const std::size_t row = order[k];
      values[row].assign(buffer.data() + (starts[row] - begin), static_cast<std::size_t>(lengths[row]));
    }
    first = last;
  }
  return values;
}

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
  Id space = range_selection(row_dataset(), first_row, count, Failure::Input, context);
  return read_selected<T>(space.get(), count, context);
}

template <class T>
std::vector<T> Column::read_strided(std::size_t first, std::size_t stride, std::size_t count) const {
  if (count == 0) return {};
  NASRANK_CHECK(stride > 0 && first + (count - 1) * stride < rows_, context_ + ": strided read past the end");
  const std::string context = context_ + ": reading";
  Id space(check_id(H5Dget_space(row_dataset()), Failure::Input, context), H5Sclose);
  const hsize_t start[1] = {static_cast<hsize_t>(first)};
  const hsize_t step[1] = {static_cast<hsize_t>(stride)};
  const hsize_t number[1] = {static_cast<hsize_t>(count)};
  check_status(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, step, number, nullptr), Failure::Input, context);
  return read_selected<T>(space.get(), count, context);
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
  Id space(check_id(H5Dget_space(row_dataset()), Failure::Input, context), H5Sclose);
  std::vector<hsize_t> coordinates(rows.begin(), rows.end());
  check_status(H5Sselect_elements(space.get(), H5S_SELECT_SET, coordinates.size(), coordinates.data()), Failure::Input,
               context);
  return read_selected<T>(space.get(), rows.size(), context);
}

#define NASRANK_H5_COLUMN_TYPE(T)                                             \
  template void Column::write(std::size_t, const std::vector<T>&);            \
  template std::vector<T> Column::read_all() const;                           \
  template std::vector<T> Column::read_range(std::size_t, std::size_t) const; \
  template std::vector<T> Column::read_rows(const std::vector<std::size_t>&) const;
NASRANK_H5_COLUMN_TYPE(double)
NASRANK_H5_COLUMN_TYPE(std::int32_t)
NASRANK_H5_COLUMN_TYPE(std::int64_t)
NASRANK_H5_COLUMN_TYPE(std::uint8_t)
NASRANK_H5_COLUMN_TYPE(std::uint64_t)
NASRANK_H5_COLUMN_TYPE(std::string)
#undef NASRANK_H5_COLUMN_TYPE

}  // namespace nasrank::store::h5
