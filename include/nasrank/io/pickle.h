#pragma once
// A safe reader for Python pickles (protocols 2 to 5) that never executes code.
//
// A pickle is a program for a stack machine whose GLOBAL/REDUCE instructions
// can call any Python function (os.system included). This reader runs only
// the data instructions and builds a plain value tree; the only callables it
// knows are a fixed whitelist of constructors of plain data, which it
// emulates itself:
//   collections.OrderedDict, builtins.set / frozenset, builtins.bytes (empty),
//   _codecs.encode(text, 'latin1') (how Python 3 writes bytes at protocol 2),
//   numpy.dtype, numpy.core.multiarray.scalar, numpy.core.multiarray._reconstruct
//   + numpy.ndarray, numpy.core.numeric._frombuffer (numpy arrays at protocol 5);
//   the numpy 2 spellings numpy._core.* and Python 2's __builtin__.* are the same.
// Any other global is refused with an InputError naming it and its byte offset.
//
// Representation choices:
//  * Integers must fit in int64; a larger one (LONG1/LONG4) is an InputError
//    rather than a silently rounded double.
//  * str is kept as UTF-8. Python 2 `str` (BINSTRING) follows
//    PickleOptions::py2_strings, like pickle.load(encoding=...).
//  * Containers are shared like Python references: copying a PickleValue
//    aliases the same list/dict. A container becomes immutable once it is put
//    into another one; this rejects self-referencing structures, which plain
//    data never needs, and keeps the tree acyclic.
//  * numpy arrays keep dtype, shape and the raw C-order bytes (not copied from
//    the pickle's buffer). Numeric dtypes only (bool, int, uint, float, complex).
//  * A PickleValue is 16 bytes; str, containers and numpy values live in
//    reference-counted nodes. Reading and copying one tree from several
//    threads is safe, as with std::shared_ptr; changing it is not.
//  * The nesting limit (PickleOptions::max_depth) also bounds the recursion of
//    destruction, comparison and repr(), so keep it in the thousands.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nasrank/io/stream.h"

namespace nasrank::io {

enum class PickleType : std::uint8_t {
  None,
  Bool,
  Int,
  Float,
  Str,  // this and all below are held in a heap node (see PickleValue::holds_node)
  Bytes,
  List,
  Tuple,
  Dict,  // dict or collections.OrderedDict
  Set,   // set or frozenset
  NumpyDtype,
  NumpyScalar,
  NumpyArray,
  Global,  // a whitelisted class or function itself, e.g. a pickled `set` type
};

std::string_view to_string(PickleType type);

struct NumpyDtype {
  char kind = 'f';          // 'b' bool, 'i' signed int, 'u' unsigned int, 'f' float, 'c' complex
  int itemsize = 8;         // bytes per element
  bool big_endian = false;  // byte order of the raw data (single-byte types: false)

  // numpy's spelling, e.g. "<f8", ">i4", "|u1".
  std::string str() const;
  friend bool operator==(const NumpyDtype& a, const NumpyDtype& b) {
    return a.kind == b.kind && a.itemsize == b.itemsize && a.big_endian == b.big_endian;
  }
  friend bool operator!=(const NumpyDtype& a, const NumpyDtype& b) { return !(a == b); }
};

// A numpy scalar such as numpy.float64(0.129306): dtype plus its raw bytes.
struct NumpyScalar {
  NumpyDtype dtype;
  std::string raw;  // exactly dtype.itemsize bytes, in the dtype's byte order

  double to_double() const;       // bool/int/uint/float kinds
  std::int64_t to_int64() const;  // bool/int/uint kinds; InputError when it does not fit
};

// A numpy ndarray of a numeric dtype, in C (row-major) order.
struct NumpyArray {
  NumpyDtype dtype;
  std::vector<std::int64_t> shape;
  std::shared_ptr<const std::string> data;  // raw element bytes, shared with the pickle's buffer

  std::size_t size() const;  // number of elements
  std::string_view raw() const { return data ? std::string_view(*data) : std::string_view(); }
  // Elements converted (and byte-swapped when needed). to_int64s() accepts
  // bool/int/uint kinds and throws InputError for a uint64 above INT64_MAX.
  std::vector<double> to_doubles() const;
  std::vector<std::int64_t> to_int64s() const;
};

class PickleDict;
class PickleSet;
namespace detail {
struct Access;
// What every heap-held value (str, containers, numpy objects) shares: an
// intrusive reference count, so that a PickleValue is 16 bytes.
struct PickleNodeBase {
  PickleNodeBase() = default;
  PickleNodeBase(const PickleNodeBase&) = delete;
  PickleNodeBase& operator=(const PickleNodeBase&) = delete;
  // Nodes come from per-thread free lists: a parse creates and frees tens of
  // thousands of them, and malloc was a sixth of the decoding time.
  static void* operator new(std::size_t size);
  static void operator delete(void* p, std::size_t size) noexcept;
  std::atomic<std::uint32_t> refs{1};
};
// Deletes a node whose count reached zero; no vtable (8 bytes per node), the
// value's type says what the node is.
void destroy_node(PickleNodeBase* node, PickleType type) noexcept;
}  // namespace detail

class PickleValue {
 public:
  using List = std::vector<PickleValue>;

  PickleValue() = default;  // None
  PickleValue(const PickleValue& other) noexcept : payload_(other.payload_), tag_(other.tag_) {
    if (holds_node()) payload_.node->refs.fetch_add(1, std::memory_order_relaxed);
  }
  PickleValue(PickleValue&& other) noexcept : payload_(other.payload_), tag_(other.tag_) {
    other.tag_ = 0;
    other.payload_.integer = 0;
  }
  PickleValue& operator=(const PickleValue& other) noexcept {
    PickleValue copy(other);
    swap(copy);
    return *this;
  }
  PickleValue& operator=(PickleValue&& other) noexcept {
    PickleValue taken(std::move(other));
    swap(taken);
    return *this;
  }
  ~PickleValue() {
    if (holds_node() && payload_.node->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
      detail::destroy_node(payload_.node, type());
  }
  void swap(PickleValue& other) noexcept {
    std::swap(tag_, other.tag_);
    std::swap(payload_, other.payload_);
  }

  static PickleValue none() { return PickleValue(); }
  static PickleValue boolean(bool value) {
    PickleValue v;
    v.tag_ = static_cast<std::uint16_t>(PickleType::Bool);
    v.payload_.boolean = value;
    return v;
  }
  static PickleValue integer(std::int64_t value) {
    PickleValue v;
    v.tag_ = static_cast<std::uint16_t>(PickleType::Int);
    v.payload_.integer = value;
    return v;
  }
  static PickleValue real(double value) {
    PickleValue v;
    v.tag_ = static_cast<std::uint16_t>(PickleType::Float);
    v.payload_.real = value;
    return v;
  }
  static PickleValue str(std::string utf8);
  static PickleValue bytes(std::string data);
  static PickleValue list(List items = {});
  static PickleValue tuple(List items = {});
  static PickleValue dict(bool ordered = false);  // ordered = collections.OrderedDict
  static PickleValue set(bool frozen = false);
  static PickleValue numpy_dtype(NumpyDtype dtype);
  static PickleValue numpy_scalar(NumpyDtype dtype, std::string raw);
  static PickleValue numpy_array(NumpyDtype dtype, std::vector<std::int64_t> shape, std::string raw);

  PickleType type() const { return static_cast<PickleType>(tag_ & 0xff); }
  // The Python type name: "NoneType", "int", "str", "OrderedDict", "frozenset", "numpy.ndarray", ...
  std::string_view type_name() const;

  bool is_none() const { return type() == PickleType::None; }
  bool is_str() const { return type() == PickleType::Str; }
  bool is_dict() const { return type() == PickleType::Dict; }
  bool is_list() const { return type() == PickleType::List; }
  bool is_tuple() const { return type() == PickleType::Tuple; }
  // bool, int, float, or a numpy bool/int/uint/float scalar.
  bool is_number() const;

  // Typed access; the wrong type throws InputError ("expected a dict, found list [1, 2]").
  bool as_bool() const;               // bool or numpy bool scalar
  std::int64_t as_int() const;        // int, bool, numpy bool/int/uint scalar (exact)
  double as_double() const;           // any number (see is_number)
  const std::string& as_str() const;  // UTF-8
  const std::string& as_bytes() const;
  const List& as_list() const;
  const List& as_tuple() const;
  const List& as_sequence() const;  // list or tuple
  const PickleDict& as_dict() const;
  const PickleSet& as_set() const;
  const NumpyDtype& as_numpy_dtype() const;
  const NumpyScalar& as_numpy_scalar() const;
  const NumpyArray& as_ndarray() const;
  const std::string& global_name() const;  // e.g. "collections.OrderedDict"

  // Dict shortcuts: as_dict().get(key) / as_dict().find(key).
  const PickleValue& get(std::string_view key) const;
  const PickleValue* find(std::string_view key) const;

  // A Python-like repr, cut to about max_chars with "...".
  std::string repr(std::size_t max_chars = 80) const;

  // Builders. They follow Python semantics (a repeated dict key replaces the
  // value, a repeated set element is ignored); putting a container into one
  // that already sits inside another, or into itself, is a bug (NASRANK_CHECK).
  void append(PickleValue item);                      // list
  void set_item(PickleValue key, PickleValue value);  // dict
  void add(PickleValue item);                         // set or frozenset

  // Python ==: numbers compare by value across bool/int/float/numpy scalars,
  // str never equals bytes, containers compare element-wise.
  friend bool operator==(const PickleValue& a, const PickleValue& b);
  friend bool operator!=(const PickleValue& a, const PickleValue& b) { return !(a == b); }

 private:
  friend class PickleDict;
  friend class PickleSet;
  friend struct detail::Access;

  // str, bytes, containers, numpy values and globals live in a heap node.
  bool holds_node() const { return type() >= PickleType::Str; }

  union Payload {
    std::int64_t integer;
    double real;
    bool boolean;
    detail::PickleNodeBase* node;  // owned reference when holds_node()
  } payload_{};
  // Low byte: the PickleType; high byte: reader-internal marks (unset memo
  // slot, item handed out). One field, so that it is written and read whole.
  std::uint16_t tag_ = 0;
};

// dict / collections.OrderedDict, in insertion order.
class PickleDict {
 public:
  using Item = std::pair<PickleValue, PickleValue>;

  bool ordered() const { return ordered_; }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const std::vector<Item>& items() const { return items_; }
  std::vector<Item>::const_iterator begin() const { return items_.begin(); }
  std::vector<Item>::const_iterator end() const { return items_.end(); }

  // A str key matches first, then a bytes key with the same bytes (Python 2
  // pickles such as the CIFAR batches have bytes keys).
  const PickleValue* find(std::string_view key) const;
  const PickleValue* find(const PickleValue& key) const;
  // Missing keys throw InputError: "missing key 'x' in dict with keys ['a', 'b']".
  const PickleValue& get(std::string_view key) const;
  const PickleValue& get(const PickleValue& key) const;
  // "['a', 'b', ... (12 keys)]" for messages.
  std::string keys_summary(std::size_t max_keys = 8) const;

  explicit PickleDict(bool ordered) : ordered_(ordered) {}

 private:
  friend class PickleValue;
  friend struct detail::Access;
  void insert_or_assign(PickleValue key, PickleValue value);
  void reserve(std::size_t extra_items);
  std::size_t lookup(const PickleValue& key, std::size_t hash) const;  // index or size()
  void rebuild_index();

  std::vector<Item> items_;
  // Open-addressing slots, built from 9 items on: (32-bit hash << 32) | (item index + 1); 0 = empty.
  std::vector<std::uint64_t> index_;
  bool ordered_;
};

// set / frozenset, in insertion order.
class PickleSet {
 public:
  bool frozen() const { return frozen_; }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const std::vector<PickleValue>& items() const { return items_; }
  std::vector<PickleValue>::const_iterator begin() const { return items_.begin(); }
  std::vector<PickleValue>::const_iterator end() const { return items_.end(); }
  bool contains(const PickleValue& item) const;

  explicit PickleSet(bool frozen) : frozen_(frozen) {}

 private:
  friend class PickleValue;
  friend struct detail::Access;
  void insert(PickleValue item);
  std::size_t lookup(const PickleValue& item, std::size_t hash) const;
  void rebuild_index();

  std::vector<PickleValue> items_;
  std::vector<std::uint64_t> index_;  // as in PickleDict
  bool frozen_;
};

// How Python 2 `str` objects (BINSTRING / SHORT_BINSTRING) are decoded; the
// same choice as pickle.load(..., encoding=...).
enum class Py2Strings {
  Latin1Str,  // str, each byte one code point (encoding='latin1')
  Bytes,      // bytes (encoding='bytes')
};

struct PickleOptions {
  // Deepest container nesting, and most MARKs open at once.
  std::size_t max_depth = 1000;
  // Largest single str/bytes payload; a larger declared length is refused
  // before anything is allocated.
  std::uint64_t max_object_bytes = std::uint64_t{1} << 30;
  // Most values on the machine's stack at once.
  std::size_t max_stack = std::size_t{1} << 24;
  // Memory budget of one decode: the bytes of every str/bytes payload, node,
  // container slot, memo entry and stack slot built, counted as they are
  // built (transient copies too), so a small file cannot make the reader
  // allocate gigabytes through shared references, memo copies or whitelisted
  // calls. A whole-file decode counts everything it built (pickle's memo
  // keeps almost all of it alive until the end anyway); the streaming reader
  // takes back an item's bytes once the item and its memo entries are gone.
  // A file that needs more is refused with an InputError naming the budget.
  std::uint64_t max_decode_bytes = std::uint64_t{1} << 30;
  // Appended to the budget error: how the caller lets the user raise it.
  std::string decode_budget_hint = "PickleOptions::max_decode_bytes";
  Py2Strings py2_strings = Py2Strings::Latin1Str;
};

// Reads a (possibly compressed, see open_input) file or stream holding exactly
// one pickle. Data after its STOP opcode is an error, which also makes the
// decompressor verify the whole file.
PickleValue read_pickle(const std::filesystem::path& path, const PickleOptions& options = {});
PickleValue read_pickle(InputStream& in, const PickleOptions& options = {});
// One pickle from memory; `name` is used in error messages.
PickleValue parse_pickle(std::string_view bytes, std::string_view name, const PickleOptions& options = {});

// Hands out the items of one big dict one at a time instead of building it.
struct PickleItemStream {
  // str keys leading from the top-level dict to the streamed dict; empty
  // means the top-level dict itself.
  std::vector<std::string> dict_path;
  // Called once per item, as soon as its value is complete.
  std::function<void(PickleValue key, PickleValue value)> on_item;
};

struct PickleStreamStats {
  std::uint64_t items = 0;            // items handed to on_item
  std::size_t peak_memo_entries = 0;  // most memo entries alive at once
  std::size_t peak_stack = 0;         // most values on the stack at once (sampled at each MARK)
};

// Like read_pickle, but the dict at stream.dict_path is not built: each of its
// items goes to stream.on_item once it is complete and is then dropped. The
// returned tree holds that dict empty.
//
// Pickle writes a dict as batches of up to 1000 `key value` pairs closed by
// SETITEMS, and nothing in the format says where a value ends before the batch
// does. An item whose value is a container (dict, list, set, array) followed
// by a key of the same type as its own is handed out as soon as the next item
// looks complete too, so memory stays at about three items however many the
// file holds. Other items are handed out at the end of their batch. A wrong
// guess never yields wrong data: the handed-out value is sealed and its stack
// slot becomes a tombstone, so any later use or change is an InputError.
//
// Pickle's memo keeps every object alive for back-references. Here the memo
// entries of an item are dropped two items later, except those that a later
// item referred to meanwhile (e.g. key strings shared by all items) and all
// classes and dtypes, which are kept for good. A later reference to a dropped
// entry is an InputError that says so.
PickleValue read_pickle_streaming(InputStream& in, const PickleItemStream& stream, const PickleOptions& options = {},
                                  PickleStreamStats* stats = nullptr);

}  // namespace nasrank::io
