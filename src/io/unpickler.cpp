// The pickle virtual machine, restricted to plain data (see pickle.h).
// Opcode semantics follow CPython's Lib/pickle.py (_Unpickler); the only
// callables are the whitelisted constructors, emulated here.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "nasrank/common/error.h"
#include "pickle_node.h"

namespace nasrank::io {
namespace detail {
namespace {

constexpr std::size_t kBufferSize = 256 * 1024;
constexpr std::size_t kMaxLine = 4096;
// Memo ids this far past the last one go to the sparse map instead of growing the dense one.
constexpr std::uint64_t kMaxMemoGap = 65536;

struct WhitelistEntry {
  const char* module;
  const char* name;
  GlobalId id;
};

constexpr WhitelistEntry kWhitelist[] = {
    {"collections", "OrderedDict", GlobalId::OrderedDict},
    {"builtins", "set", GlobalId::Set},
    {"__builtin__", "set", GlobalId::Set},
    {"builtins", "frozenset", GlobalId::FrozenSet},
    {"__builtin__", "frozenset", GlobalId::FrozenSet},
    {"builtins", "bytes", GlobalId::Bytes},
    {"__builtin__", "bytes", GlobalId::Bytes},
    {"_codecs", "encode", GlobalId::CodecsEncode},
    {"numpy", "dtype", GlobalId::NumpyDtype},
    {"numpy", "ndarray", GlobalId::NumpyNdarray},
    {"numpy.core.multiarray", "scalar", GlobalId::NumpyScalar},
    {"numpy._core.multiarray", "scalar", GlobalId::NumpyScalar},
    {"numpy.core.multiarray", "_reconstruct", GlobalId::NumpyReconstruct},
    {"numpy._core.multiarray", "_reconstruct", GlobalId::NumpyReconstruct},
    {"numpy.core.numeric", "_frombuffer", GlobalId::NumpyFromBuffer},
    {"numpy._core.numeric", "_frombuffer", GlobalId::NumpyFromBuffer},
};

const char* opcode_name(unsigned char op) {
  switch (op) {
    case '(':
      return "MARK";
    case '.':
      return "STOP";
    case '0':
      return "POP";
    case '1':
      return "POP_MARK";
    case '2':
      return "DUP";
    case 'F':
      return "FLOAT";
    case 'I':
      return "INT";
    case 'J':
      return "BININT";
    case 'K':
      return "BININT1";
    case 'L':
      return "LONG";
    case 'M':
      return "BININT2";
    case 'N':
      return "NONE";
    case 'P':
      return "PERSID";
    case 'Q':
      return "BINPERSID";
    case 'R':
      return "REDUCE";
    case 'S':
      return "STRING";
    case 'T':
      return "BINSTRING";
    case 'U':
      return "SHORT_BINSTRING";
    case 'V':
      return "UNICODE";
    case 'X':
      return "BINUNICODE";
    case 'a':
      return "APPEND";
    case 'b':
      return "BUILD";
    case 'c':
      return "GLOBAL";
    case 'd':
      return "DICT";
    case '}':
      return "EMPTY_DICT";
    case 'e':
      return "APPENDS";
    case 'g':
      return "GET";
    case 'h':
      return "BINGET";
    case 'i':
      return "INST";
    case 'j':
      return "LONG_BINGET";
    case 'l':
      return "LIST";
    case ']':
      return "EMPTY_LIST";
    case 'o':
      return "OBJ";
    case 'p':
      return "PUT";
    case 'q':
      return "BINPUT";
    case 'r':
      return "LONG_BINPUT";
    case 's':
      return "SETITEM";
    case 't':
      return "TUPLE";
    case ')':
      return "EMPTY_TUPLE";
    case 'u':
      return "SETITEMS";
    case 'G':
      return "BINFLOAT";
    case 'B':
      return "BINBYTES";
    case 'C':
      return "SHORT_BINBYTES";
    case 0x80:
      return "PROTO";
    case 0x81:
      return "NEWOBJ";
    case 0x82:
      return "EXT1";
    case 0x83:
      return "EXT2";
    case 0x84:
      return "EXT4";
    case 0x85:
      return "TUPLE1";
    case 0x86:
      return "TUPLE2";
    case 0x87:
      return "TUPLE3";
    case 0x88:
      return "NEWTRUE";
    case 0x89:
      return "NEWFALSE";
    case 0x8a:
      return "LONG1";
    case 0x8b:
      return "LONG4";
    case 0x8c:
      return "SHORT_BINUNICODE";
    case 0x8d:
      return "BINUNICODE8";
    case 0x8e:
      return "BINBYTES8";
    case 0x8f:
      return "EMPTY_SET";
    case 0x90:
      return "ADDITEMS";
    case 0x91:
      return "FROZENSET";
    case 0x92:
      return "NEWOBJ_EX";
    case 0x93:
      return "STACK_GLOBAL";
    case 0x94:
      return "MEMOIZE";
    case 0x95:
      return "FRAME";
    case 0x96:
      return "BYTEARRAY8";
    case 0x97:
      return "NEXT_BUFFER";
    case 0x98:
      return "READONLY_BUFFER";
    default:
      return nullptr;
  }
}

std::uint64_t load_le(const unsigned char* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

// Two's-complement little-endian integer of any length (LONG1/LONG4), if it fits in int64.
std::optional<std::int64_t> decode_long(const unsigned char* p, std::size_t n) {
  if (n == 0) return 0;
  const unsigned char sign_fill = (p[n - 1] & 0x80) ? 0xff : 0x00;
  if (n > 8) {
    for (std::size_t i = 8; i < n; ++i)
      if (p[i] != sign_fill) return std::nullopt;
    if (((p[7] & 0x80) ? 0xff : 0x00) != sign_fill) return std::nullopt;
    n = 8;
  }
  std::uint64_t v = load_le(p, n);
  if (n < 8 && sign_fill) v |= ~std::uint64_t{0} << (8 * n);
  return static_cast<std::int64_t>(v);
}

bool is_ascii(std::string_view s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::optional<NumpyDtype> parse_dtype_spec(std::string_view spec) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"bool", "b1"},    {"int8", "i1"},    {"int16", "i2"},     {"int32", "i4"},       {"int64", "i8"},
      {"uint8", "u1"},   {"uint16", "u2"},  {"uint32", "u4"},    {"uint64", "u8"},      {"float16", "f2"},
      {"float32", "f4"}, {"float64", "f8"}, {"complex64", "c8"}, {"complex128", "c16"}, {"?", "b1"},
  };
  for (const auto& [name, code] : kNames)
    if (spec == name) {
      spec = code;
      break;
    }
  NumpyDtype dtype;
  if (!spec.empty() && std::string_view("<>|=").find(spec[0]) != std::string_view::npos) {
    dtype.big_endian = spec[0] == '>';
    spec.remove_prefix(1);
  }
  if (spec.size() < 2) return std::nullopt;
  dtype.kind = spec[0];
  int size = 0;
  const auto result = std::from_chars(spec.data() + 1, spec.data() + spec.size(), size);
  if (result.ec != std::errc() || result.ptr != spec.data() + spec.size()) return std::nullopt;
  dtype.itemsize = size;
  const bool ok = (dtype.kind == 'b' && size == 1) ||
                  ((dtype.kind == 'i' || dtype.kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8)) ||
                  (dtype.kind == 'f' && (size == 2 || size == 4 || size == 8)) ||
                  (dtype.kind == 'c' && (size == 8 || size == 16));
  if (!ok) return std::nullopt;
  if (size == 1) dtype.big_endian = false;
  return dtype;
}

}  // namespace

class Unpickler {
 public:
  Unpickler(std::string name, const PickleOptions& options) : name_(std::move(name)), options_(options) {}
  Unpickler(const Unpickler&) = delete;
  Unpickler& operator=(const Unpickler&) = delete;

  ~Unpickler() {
    if (stream_) return;  // handed-out values may be shared with other threads: plain release
    for (PickleValue& v : memo_dense_) Access::release_exclusive(v);
    for (auto& entry : memo_sparse_) Access::release_exclusive(entry.second);
  }

  void use_memory(std::string_view bytes) {
    cur_ = reinterpret_cast<const unsigned char*>(bytes.data());
    end_ = cur_ + bytes.size();
    end_offset_ = bytes.size();
  }

  void use_stream(InputStream* in) {
    in_ = in;
    buffer_.resize(kBufferSize);
    cur_ = end_ = buffer_.data();
    end_offset_ = in->position();
  }

  void stream_items(const PickleItemStream* stream, PickleStreamStats* stats) {
    stream_ = stream;
    stats_ = stats;
  }

  PickleValue run();

  // After STOP: data left over is an error (it also makes decompressors check their trailer).
  void expect_end() {
    op_offset_ = offset();
    if (fill(1)) fail("data continues after the pickle's STOP opcode");
  }

 private:
  // ---- errors ----
  [[noreturn]] void fail(const std::string& problem, const std::string& suffix = "") const {
    throw InputError("pickle '" + name_ + "': " + problem + " at byte " + std::to_string(op_offset_) + suffix);
  }
  std::string op_label() const {
    const char* name = opcode_name(op_);
    return name ? name : "opcode";
  }
  [[noreturn]] void fail_truncated(std::size_t needed) const {
    fail("data ends inside " + op_label() + " (" + std::to_string(needed) + " bytes needed, " +
         std::to_string(available()) + " left; the file is truncated)");
  }

  // ---- memory budget (PickleOptions::max_decode_bytes) ----
  // A heap node with its allocator overhead, and one value slot.
  static constexpr std::uint64_t kNodeBytes = 64;
  static constexpr std::uint64_t kSlotBytes = sizeof(PickleValue);
  // Bytes a dict / set entry adds (the item plus its share of the hash index).
  static constexpr std::uint64_t kDictItemBytes = 2 * kSlotBytes + 16;
  static constexpr std::uint64_t kSetItemBytes = kSlotBytes + 16;

  std::uint64_t live_bytes() const { return built_ - released_ + kept_bytes_ + stack_bytes_; }
  [[noreturn, gnu::noinline, gnu::cold]] void fail_budget(std::uint64_t needed) const {
    fail("decoding needs more than " + std::to_string(options_.max_decode_bytes) +
         " bytes of memory, the budget for one decode (" + std::to_string(needed) + " would be in use; " +
         options_.decode_budget_hint + ")");
  }
  void charge(std::uint64_t bytes) {
    built_ += bytes;
    if (live_bytes() > options_.max_decode_bytes) fail_budget(live_bytes());
  }
  // A transient allocation: a copy made and dropped within one opcode.
  void require(std::uint64_t bytes) const {
    const std::uint64_t live = live_bytes();
    if (live > options_.max_decode_bytes || bytes > options_.max_decode_bytes - live) fail_budget(live + bytes);
  }
  // An upper bound on the bytes reachable from `v` (a part shared by several
  // paths counts once per path); stops counting once past `limit`.
  std::uint64_t footprint(const PickleValue& v, std::uint64_t limit) const;

  // ---- input ----
  std::size_t available() const { return static_cast<std::size_t>(end_ - cur_); }
  std::uint64_t offset() const { return end_offset_ - available(); }

  // Makes at least n (<= kBufferSize) bytes available; false if the data ends first.
  bool fill(std::size_t n) {
    if (available() >= n) return true;
    if (!in_) return false;
    const std::size_t have = available();
    std::memmove(buffer_.data(), cur_, have);
    cur_ = buffer_.data();
    end_ = cur_ + have;
    while (available() < n) {
      const std::size_t got = in_->read(buffer_.data() + available(), buffer_.size() - available());
      if (got == 0) return false;
      end_ += got;
      end_offset_ += got;
    }
    return true;
  }

  const unsigned char* take(std::size_t n) {
    if (!fill(n)) fail_truncated(n);
    const unsigned char* p = cur_;
    cur_ += n;
    return p;
  }

  // A '\n'-terminated argument of the text opcodes, valid until the next read.
  std::string_view read_line() {
    std::size_t scanned = 0;
    for (;;) {
      if (const void* nl = std::memchr(cur_ + scanned, '\n', available() - scanned)) {
        const auto length = static_cast<std::size_t>(static_cast<const unsigned char*>(nl) - cur_);
        std::string_view line(reinterpret_cast<const char*>(cur_), length);
        cur_ += length + 1;
        return line;
      }
      scanned = available();
      if (scanned >= kMaxLine)
        fail(op_label() + " has an argument line longer than " + std::to_string(kMaxLine) + " bytes");
      if (!fill(scanned + 1)) fail("data ends inside the text argument of " + op_label() + " (the file is truncated)");
    }
  }

  // Reads a declared-length payload without trusting the length: memory grows
  // only as the data actually arrives.
  void check_declared_length(std::uint64_t length) const {
    if (length > options_.max_object_bytes)
      fail(op_label() + " declares a length of " + std::to_string(length) + " bytes, more than the limit of " +
           std::to_string(options_.max_object_bytes));
    if (!in_ && length > available())
      fail(op_label() + " declares " + std::to_string(length) + " bytes but only " + std::to_string(available()) +
           " remain (the file is truncated or corrupt)");
  }

  // Charges the bytes to the budget as they arrive: a declared length is
  // not trusted, so a truncated file is reported as truncated.
  std::string read_payload(std::uint64_t length) {
    check_declared_length(length);
    std::string out;
    const std::size_t first = static_cast<std::size_t>(std::min<std::uint64_t>(length, available()));
    charge(first);
    out.assign(reinterpret_cast<const char*>(cur_), first);
    cur_ += first;
    while (out.size() < length) {
      const std::size_t have = out.size();
      const std::size_t chunk = static_cast<std::size_t>(
          std::min<std::uint64_t>(length - have, std::max<std::size_t>(std::size_t{1} << 20, have)));
      charge(chunk);
      out.resize(have + chunk);
      std::size_t got = 0;
      while (got < chunk) {
        const std::size_t n = in_->read(out.data() + have + got, chunk - got);
        if (n == 0)
          fail(op_label() + " declares " + std::to_string(length) + " bytes but the data ends after " +
               std::to_string(have + got) + " (the file is truncated)");
        got += n;
      }
      end_offset_ += chunk;
    }
    return out;
  }

  // A str/bytes payload: straight from the buffer when it is all there (the
  // usual case), else through read_payload.
  PickleValue text_payload(std::uint64_t length) {
    charge(kNodeBytes);
    if (length <= available() && length <= options_.max_object_bytes) {
      charge(length);
      const std::string_view view(reinterpret_cast<const char*>(cur_), static_cast<std::size_t>(length));
      if (const std::size_t bad = find_invalid_utf8(view); bad != std::string::npos)
        fail(op_label() + " holds invalid UTF-8 (byte " + std::to_string(bad) + " of the string)");
      cur_ += length;
      return PickleValue::str(std::string(view));
    }
    return text_value(read_payload(length));
  }

  PickleValue bytes_payload(std::uint64_t length) {
    charge(kNodeBytes);
    if (length <= available() && length <= options_.max_object_bytes) {
      charge(length);
      std::string data(reinterpret_cast<const char*>(cur_), static_cast<std::size_t>(length));
      cur_ += length;
      return PickleValue::bytes(std::move(data));
    }
    return PickleValue::bytes(read_payload(length));
  }

  PickleValue text_value(std::string text) {
    if (const std::size_t bad = find_invalid_utf8(text); bad != std::string::npos)
      fail(op_label() + " holds invalid UTF-8 (byte " + std::to_string(bad) + " of the string)");
    return PickleValue::str(std::move(text));
  }

  PickleValue py2_string_value(std::string data) {
    if (options_.py2_strings == Py2Strings::Bytes) return PickleValue::bytes(std::move(data));
    if (is_ascii(data)) return PickleValue::str(std::move(data));
    charge(data.size());  // UTF-8 takes up to twice the Latin-1 bytes
    return PickleValue::str(latin1_to_utf8(data));
  }

  // Bytes from a bytes value, or from a str written by Python 2 (Latin-1 decoded).
  std::optional<std::string> binary_of(const PickleValue& v) {
    if (v.type() == PickleType::Bytes) {
      require(v.as_bytes().size());
      return v.as_bytes();
    }
    if (v.type() == PickleType::Str) {
      require(v.as_str().size());
      return utf8_to_latin1(v.as_str());
    }
    return std::nullopt;
  }

  // A second reference to a value of this parse. Without streaming nothing
  // leaves the parse before it ends, so no bus-locked increment is needed.
  PickleValue share(const PickleValue& v) const { return stream_ ? v : Access::copy_exclusive(v); }

  // ---- stack ----
  std::size_t frame_start() const { return marks_.empty() ? 0 : marks_.back(); }

  void check_usable(const PickleValue& v) const {
    if (Access::state(v) == kHandedOut)
      fail(op_label() + " uses a dict item that was already handed to the streaming callback");
  }

  [[noreturn, gnu::noinline, gnu::cold]] void fail_stack_full() const {
    fail("the stack holds more than " + std::to_string(options_.max_stack) + " values");
  }

  [[gnu::always_inline]] void push(PickleValue v) {
    if (stack_.size() >= options_.max_stack) fail_stack_full();
    if (stack_.size() == stack_.capacity()) grow_stack();
    stack_.push_back(std::move(v));
  }

  // The stack keeps its capacity for the whole decode: counted apart from
  // the objects, and never given back.
  [[gnu::noinline]] void grow_stack() {
    const std::size_t capacity = std::max<std::size_t>(2 * stack_.capacity(), 256);
    stack_bytes_ = kSlotBytes * capacity;
    if (live_bytes() > options_.max_decode_bytes) fail_budget(live_bytes());
    stack_.reserve(capacity);
  }

  PickleValue pop() {
    if (stack_.size() <= frame_start()) fail(op_label() + " needs a value but the stack is empty (stack underflow)");
    check_usable(stack_.back());
    PickleValue v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }

  PickleValue& top() {
    if (stack_.size() <= frame_start()) fail(op_label() + " needs a value but the stack is empty (stack underflow)");
    check_usable(stack_.back());
    return stack_.back();
  }

  void mark() {
    if (marks_.size() >= options_.max_depth)
      fail("more than " + std::to_string(options_.max_depth) + " MARKs are open (nesting too deep)");
    marks_.push_back(stack_.size());
    peak_stack_ = std::max(peak_stack_, stack_.size());
    if (stream_) on_mark();
  }

  // Pops the topmost MARK; returns where its values start.
  std::size_t pop_mark() {
    if (marks_.empty()) fail(op_label() + " needs a MARK but none is open (stack underflow)");
    if (frame_active_ && marks_.size() == frame_marks_) frame_active_ = false;
    const std::size_t start = marks_.back();
    marks_.pop_back();
    return start;
  }

  // Values from `start` to the top (after pop_mark), moved out of the stack.
  PickleValue::List take_from(std::size_t start) {
    PickleValue::List items;
    items.reserve(stack_.size() - start);
    for (std::size_t i = start; i < stack_.size(); ++i) {
      check_usable(stack_[i]);
      items.push_back(std::move(stack_[i]));
    }
    stack_.resize(start);
    return items;
  }

  // The container right below a MARK's values.
  PickleValue& container_below(std::size_t start) {
    if (start <= frame_start()) fail(op_label() + " has no container below its MARK (stack underflow)");
    check_usable(stack_[start - 1]);
    return stack_[start - 1];
  }

  // ---- containers ----
  void check_insert(const PickleValue& parent, const PickleValue& child) {
    if (!Access::sealed(parent) && !Access::is_container(child)) return;  // the common case
    const std::string problem = Access::insertion_problem(parent, child, options_.max_depth);
    if (!problem.empty()) fail(op_label() + " " + problem);
  }

  void check_hashable(const PickleValue& key) {
    if (!Access::is_container(key) && key.type() != PickleType::Set) return;
    const std::string problem = Access::unhashable_reason(key);
    if (!problem.empty()) fail(op_label() + ": " + problem);
  }

  void list_append(PickleValue& list, PickleValue item) {
    if (list.type() != PickleType::List)
      fail(op_label() + " appends to a " + std::string(list.type_name()) + " (only lists take APPEND)");
    check_insert(list, item);
    Access::note_insertion(list, item);
    auto& items = Access::items(list);
    if (items.size() == items.capacity()) charge(kSlotBytes * std::max<std::size_t>(items.size(), 1));
    items.push_back(std::move(item));
  }

  void dict_set(PickleValue& dict, PickleValue key, PickleValue value) {
    if (dict.type() != PickleType::Dict)
      fail(op_label() + " sets an item on a " + std::string(dict.type_name()) + " (only dicts take items)");
    if (!Access::sealed(dict) && !Access::is_container(key) && key.type() != PickleType::Set &&
        !Access::is_container(value)) {  // the common case: nothing to check
      charge(kDictItemBytes);
      Access::dict_insert(dict, std::move(key), std::move(value));
      return;
    }
    check_hashable(key);
    check_insert(dict, key);
    check_insert(dict, value);
    Access::note_insertion(dict, key);
    Access::note_insertion(dict, value);
    charge(kDictItemBytes);
    Access::dict_insert(dict, std::move(key), std::move(value));
  }

  void set_add(PickleValue& set, PickleValue item) {
    check_hashable(item);
    check_insert(set, item);
    Access::note_insertion(set, item);
    charge(kSetItemBytes);
    Access::set_insert(set, std::move(item));
  }

  PickleValue make_tuple(PickleValue::List items) {
    for (const PickleValue& item : items)
      if (Access::is_container(item) && Access::height(item) + 1 > options_.max_depth)
        fail(op_label() + " nests containers more than " + std::to_string(options_.max_depth) + " levels deep");
    charge(kNodeBytes + kSlotBytes * items.size());
    return PickleValue::tuple(std::move(items));
  }

  PickleValue make_set(bool frozen, const PickleValue::List& items) {
    charge(kNodeBytes);
    PickleValue set = PickleValue::set(frozen);
    for (const PickleValue& item : items) set_add(set, item);
    return set;
  }

  // A new empty container (or other node-held value) on the stack.
  void push_node(PickleValue v) {
    charge(kNodeBytes);
    push(std::move(v));
  }

  // ---- memo ----
  void memo_put(std::uint64_t id, PickleValue v);
  const PickleValue& memo_get(std::uint64_t id);
  std::size_t memo_entries() const { return memo_dense_.size() + memo_sparse_.size(); }

  // ---- globals and calls ----
  void push_global(const std::string& module, const std::string& name);
  PickleValue call(const PickleValue& callable, const PickleValue::List& args);
  [[noreturn]] void fail_args(const std::string& callable, const PickleValue::List& args, const std::string& expected) {
    fail(op_label() + " calls " + callable + " with arguments " + PickleValue::tuple(args).repr(60) + " (expected " +
         expected + ")");
  }
  PickleValue new_object(const PickleValue& cls, const PickleValue::List& args);
  void build(PickleValue& object, const PickleValue& state);
  void build_dtype(PickleValue& dtype, const PickleValue& state);
  void build_array(PickleValue& array, const PickleValue& state);
  NumpyDtype dtype_arg(const PickleValue& v, const char* what);
  std::vector<std::int64_t> shape_arg(const PickleValue& v, int itemsize, std::size_t data_size);

  // ---- streaming ----
  void on_mark();
  bool is_stream_target(std::size_t pos);
  bool at_path(std::size_t pos, std::size_t depth) const;
  void start_streaming();
  void track_frame();
  bool item_looks_complete(std::size_t key_pos) const;
  void hand_out(std::size_t key_pos);
  void deliver(PickleValue key, PickleValue value, std::uint64_t item_memo_start, std::uint64_t item_built_start);
  void release_memo_below(std::uint64_t id);

  [[gnu::always_inline]] void step(unsigned char op);

  std::string name_;
  PickleOptions options_;

  InputStream* in_ = nullptr;
  std::vector<unsigned char> buffer_;
  const unsigned char* cur_ = nullptr;
  const unsigned char* end_ = nullptr;
  std::uint64_t end_offset_ = 0;  // input offset of end_

  std::uint64_t op_offset_ = 0;
  unsigned char op_ = 0;
  bool stopped_ = false;

  std::vector<PickleValue> stack_;
  std::vector<std::size_t> marks_;
  std::size_t peak_stack_ = 0;

  // Memo ids [window_base_, window_base_ + size) live in the dense vector; ids
  // kept below the window (streaming) and far-away ids in the sparse map.
  std::vector<PickleValue> memo_dense_;
  std::vector<std::uint8_t> memo_promoted_;
  std::unordered_map<std::uint64_t, PickleValue> memo_sparse_;
  std::uint64_t window_base_ = 0;
  std::uint64_t memo_count_ = 0;  // distinct ids written: what MEMOIZE uses, like len(memo)
  std::size_t peak_memo_ = 0;

  const PickleItemStream* stream_ = nullptr;
  PickleStreamStats* stats_ = nullptr;
  PickleNode* target_ = nullptr;  // the streamed dict, once recognised
  bool streaming_started_ = false;
  bool frame_active_ = false;     // the target's SETITEMS batch is the innermost open MARK
  std::size_t frame_marks_ = 0;   // marks_.size() while that batch is open
  std::size_t next_key_pos_ = 0;  // stack position of the first key not handed out yet
  // For each stack slot of the open batch: the memo id the next MEMOIZE had
  // when the slot was pushed, i.e. where that item's memo entries begin.
  std::vector<std::uint64_t> slot_memo_start_;
  // Memo entries below this id belong to items already handed out; reading
  // one marks it as shared between items, so it is kept.
  std::uint64_t promote_below_ = 0;
  std::uint64_t items_handed_out_ = 0;
  // For each slot of the open batch: built_ when it was pushed, where that
  // item's bytes begin (as slot_memo_start_ for memo ids).
  std::vector<std::uint64_t> slot_built_start_;
  std::uint64_t setitem_built_start_ = 0;  // built_ after the last SETITEM of the streamed dict

  // Memory budget: bytes built so far, bytes of streamed items given back,
  // bytes of memo entries kept for good (streaming), and the stack's capacity.
  std::uint64_t built_ = 0;
  std::uint64_t released_ = 0;
  std::uint64_t kept_bytes_ = 0;
  std::uint64_t stack_bytes_ = 0;
  std::uint64_t built_at_stream_start_ = 0;  // bytes built before the first item: kept for good
};

// ---- memo ----------------------------------------------------------------------

void Unpickler::memo_put(std::uint64_t id, PickleValue v) {
  const std::uint64_t dense_end = window_base_ + memo_dense_.size();
  if (id >= window_base_ && id < dense_end) {
    PickleValue& slot = memo_dense_[id - window_base_];
    if (Access::state(slot) == kUnsetMemo) ++memo_count_;
    slot = std::move(v);
  } else if (id == dense_end && memo_sparse_.empty()) {  // the usual MEMOIZE
    charge(kSlotBytes + 1);
    memo_dense_.push_back(std::move(v));
    memo_promoted_.push_back(0);
    ++memo_count_;
  } else if (id >= dense_end && id - dense_end <= kMaxMemoGap && memo_sparse_.count(id) == 0) {
    charge((id - dense_end + 1) * (kSlotBytes + 1));
    memo_dense_.resize(id - window_base_ + 1, Access::with_state(kUnsetMemo));
    memo_promoted_.resize(memo_dense_.size(), 0);
    memo_dense_.back() = std::move(v);
    ++memo_count_;
  } else if (id < window_base_ && memo_sparse_.count(id) == 0) {
    fail(op_label() + " writes memo entry " + std::to_string(id) +
         ", which was released after its dict item was handed out");
  } else {
    if (memo_sparse_.count(id) == 0) charge(4 * kSlotBytes);  // a hash-map node
    auto [it, inserted] = memo_sparse_.insert_or_assign(id, std::move(v));
    (void)it;
    if (inserted) ++memo_count_;
  }
  peak_memo_ = std::max(peak_memo_, memo_entries());
}

const PickleValue& Unpickler::memo_get(std::uint64_t id) {
  if (id >= window_base_ && id - window_base_ < memo_dense_.size()) {
    const std::size_t i = static_cast<std::size_t>(id - window_base_);
    if (Access::state(memo_dense_[i]) != kUnsetMemo) {
      // A later item refers to an object of an item already handed out: keep it for good.
      if (id < promote_below_ && !memo_promoted_[i]) {
        memo_promoted_[i] = 1;
        // Its item's bytes are given back when the item is gone; this part stays.
        kept_bytes_ += footprint(memo_dense_[i], options_.max_decode_bytes + 1);
        if (live_bytes() > options_.max_decode_bytes) fail_budget(live_bytes());
      }
      return memo_dense_[i];
    }
  } else if (auto it = memo_sparse_.find(id); it != memo_sparse_.end()) {
    return it->second;
  } else if (streaming_started_ && id < window_base_) {
    fail(op_label() + " refers to memo entry " + std::to_string(id) +
         ", which was released after its dict item was handed out (the streaming reader keeps only the "
         "previous item's objects)");
  }
  fail(op_label() + " refers to memo entry " + std::to_string(id) + ", which is not defined (the memo holds " +
       std::to_string(memo_count_) + " entries)");
}

// ---- memory budget ----------------------------------------------------------------

std::uint64_t Unpickler::footprint(const PickleValue& v, std::uint64_t limit) const {
  std::uint64_t total = kNodeBytes;
  auto add_all = [&](const auto& values) {
    for (const PickleValue& item : values) {
      if (total > limit) return;
      total += kSlotBytes + (item.type() >= PickleType::Str ? footprint(item, limit - total) : 0);
    }
  };
  switch (v.type()) {
    case PickleType::None:
    case PickleType::Bool:
    case PickleType::Int:
    case PickleType::Float:
      return 0;
    case PickleType::Str:
      return total + v.as_str().size();
    case PickleType::Bytes:
      return total + v.as_bytes().size();
    case PickleType::List:
    case PickleType::Tuple:
      add_all(v.as_sequence());
      return total;
    case PickleType::Dict:
      for (const auto& [key, value] : v.as_dict()) {
        if (total > limit) break;
        total += kDictItemBytes - 2 * kSlotBytes + footprint(key, limit - total);
        if (total <= limit) total += footprint(value, limit - total);
      }
      return total;
    case PickleType::Set:
      add_all(v.as_set().items());
      return total;
    case PickleType::NumpyScalar:
      return total + v.as_numpy_scalar().raw.size();
    case PickleType::NumpyArray:
      return total + v.as_ndarray().raw().size() + 8 * v.as_ndarray().shape.size();
    case PickleType::NumpyDtype:
    case PickleType::Global:
      return total;
  }
  return total;
}

// ---- globals and calls ---------------------------------------------------------------

void Unpickler::push_global(const std::string& module, const std::string& name) {
  for (const WhitelistEntry& entry : kWhitelist)
    if (module == entry.module && name == entry.name) {
      push_node(Access::global(entry.id, module + "." + name));
      return;
    }
  fail("refuses global " + quote_for_message(module + "." + name), " (only plain data is accepted)");
}

NumpyDtype Unpickler::dtype_arg(const PickleValue& v, const char* what) {
  if (v.type() != PickleType::NumpyDtype)
    fail(std::string(what) + " needs a numpy dtype, found " + std::string(v.type_name()) + " " + v.repr(40));
  return v.as_numpy_dtype();
}

std::vector<std::int64_t> Unpickler::shape_arg(const PickleValue& v, int itemsize, std::size_t data_size) {
  if (v.type() != PickleType::Tuple && v.type() != PickleType::List)
    fail("numpy array shape must be a tuple, found " + std::string(v.type_name()) + " " + v.repr(40));
  std::vector<std::int64_t> shape;
  std::uint64_t bytes = static_cast<std::uint64_t>(itemsize);
  for (const PickleValue& d : v.as_sequence()) {
    if (d.type() != PickleType::Int && !(d.type() == PickleType::NumpyScalar && d.is_number()))
      fail("numpy array shape " + v.repr(40) + " holds a non-integer");
    const std::int64_t n = d.as_int();
    if (n < 0) fail("numpy array shape " + v.repr(40) + " has a negative dimension");
    if (n != 0 && bytes > options_.max_object_bytes / static_cast<std::uint64_t>(n))
      fail("numpy array shape " + v.repr(40) + " is larger than the limit of " +
           std::to_string(options_.max_object_bytes) + " bytes");
    bytes *= static_cast<std::uint64_t>(n);
    shape.push_back(n);
  }
  if (bytes != data_size)
    fail("numpy array of shape " + v.repr(40) + " and itemsize " + std::to_string(itemsize) + " needs " +
         std::to_string(bytes) + " bytes of data but has " + std::to_string(data_size));
  return shape;
}

PickleValue Unpickler::call(const PickleValue& callable, const PickleValue::List& args) {
  if (callable.type() != PickleType::Global)
    fail(op_label() + " calls a " + std::string(callable.type_name()) + " " + callable.repr(40) +
         ", which is not a whitelisted constructor (only plain data is accepted)");
  const std::string& name = callable.global_name();
  switch (Access::global_id(callable)) {
    case GlobalId::OrderedDict: {
      charge(kNodeBytes);
      PickleValue dict = PickleValue::dict(true);
      if (args.empty()) return dict;
      if (args.size() != 1) fail_args(name, args, "no argument or one sequence of pairs");
      if (args[0].type() == PickleType::Dict) {
        for (const auto& [k, v] : args[0].as_dict()) dict_set(dict, k, v);
        return dict;
      }
      if (args[0].type() != PickleType::List && args[0].type() != PickleType::Tuple)
        fail_args(name, args, "no argument or one sequence of pairs");
      for (const PickleValue& pair : args[0].as_sequence()) {
        if ((pair.type() != PickleType::List && pair.type() != PickleType::Tuple) || pair.as_sequence().size() != 2)
          fail_args(name, args, "a sequence of (key, value) pairs");
        dict_set(dict, pair.as_sequence()[0], pair.as_sequence()[1]);
      }
      return dict;
    }
    case GlobalId::Set:
    case GlobalId::FrozenSet: {
      const bool frozen = Access::global_id(callable) == GlobalId::FrozenSet;
      if (args.empty()) {
        charge(kNodeBytes);
        return PickleValue::set(frozen);
      }
      if (args.size() != 1) fail_args(name, args, "no argument or one sequence");
      if (args[0].type() == PickleType::List || args[0].type() == PickleType::Tuple)
        return make_set(frozen, args[0].as_sequence());
      if (args[0].type() == PickleType::Set) return make_set(frozen, args[0].as_set().items());
      fail_args(name, args, "no argument or one list, tuple or set");
    }
    case GlobalId::Bytes:
      if (!args.empty()) fail_args(name, args, "no arguments");
      charge(kNodeBytes);
      return PickleValue::bytes({});
    case GlobalId::CodecsEncode: {
      if (args.size() != 2 || args[0].type() != PickleType::Str || args[1].type() != PickleType::Str)
        fail_args(name, args, "(str, 'latin1')");
      std::string encoding = args[1].as_str();
      std::transform(encoding.begin(), encoding.end(), encoding.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (encoding != "latin1" && encoding != "latin-1" && encoding != "iso-8859-1" && encoding != "iso8859-1")
        fail_args(name, args, "the 'latin1' encoding, which is how Python writes bytes at protocol 2");
      // Each call makes a new copy: a memoized large str passed to it again
      // and again would multiply memory, so every copy counts.
      charge(kNodeBytes + args[0].as_str().size());
      auto bytes = utf8_to_latin1(args[0].as_str());
      if (!bytes) fail(op_label() + " encodes text with characters above U+00FF as latin1");
      return PickleValue::bytes(std::move(*bytes));
    }
    case GlobalId::NumpyDtype: {
      if (args.empty() || args.size() > 3) fail_args(name, args, "(type string, align, copy)");
      const std::optional<std::string> spec = binary_of(args[0]);
      if (!spec) fail_args(name, args, "a dtype string such as 'f8'");
      for (std::size_t i = 1; i < args.size(); ++i)
        if (args[i].type() != PickleType::Int && args[i].type() != PickleType::Bool)
          fail_args(name, args, "integer flags");
      const auto dtype = parse_dtype_spec(*spec);
      if (!dtype)
        fail("numpy dtype " + quote_for_message(*spec) +
             " is not supported (only bool, int, uint, float and complex types are)");
      charge(kNodeBytes);
      return PickleValue::numpy_dtype(*dtype);
    }
    case GlobalId::NumpyScalar: {
      if (args.size() != 2) fail_args(name, args, "(dtype, raw bytes)");
      const NumpyDtype dtype = dtype_arg(args[0], "numpy scalar");
      std::optional<std::string> raw = binary_of(args[1]);
      if (!raw) fail_args(name, args, "(dtype, raw bytes)");
      if (raw->size() != static_cast<std::size_t>(dtype.itemsize))
        fail("numpy scalar of dtype '" + dtype.str() + "' has " + std::to_string(raw->size()) + " bytes instead of " +
             std::to_string(dtype.itemsize));
      charge(kNodeBytes + raw->size());
      return PickleValue::numpy_scalar(dtype, std::move(*raw));
    }
    case GlobalId::NumpyReconstruct: {
      if (args.size() != 3 || args[0].type() != PickleType::Global ||
          Access::global_id(args[0]) != GlobalId::NumpyNdarray)
        fail_args(name, args, "(numpy.ndarray, shape, typecode); ndarray subclasses are not supported");
      NumpyDtype placeholder{'i', 1, false};
      charge(2 * kNodeBytes);
      return PickleValue::numpy_array(placeholder, {0}, {});
    }
    case GlobalId::NumpyFromBuffer: {
      if (args.size() != 4) fail_args(name, args, "(buffer, dtype, shape, order)");
      if (args[0].type() != PickleType::Bytes) fail_args(name, args, "a bytes buffer");
      const NumpyDtype dtype = dtype_arg(args[1], "numpy array");
      const std::optional<std::string> order = binary_of(args[3]);
      if (!order || (*order != "C" && *order != "F")) fail_args(name, args, "order 'C' or 'F'");
      std::vector<std::int64_t> shape = shape_arg(args[2], dtype.itemsize, args[0].as_bytes().size());
      if (*order == "F" && shape.size() > 1) fail("Fortran-ordered numpy arrays are not supported");
      charge(2 * kNodeBytes + 8 * shape.size());
      PickleValue array = PickleValue::numpy_array(dtype, {0}, {});
      NumpyArray& a = Access::array(array);
      a.shape = std::move(shape);
      a.data = Access::share_bytes(args[0]);
      return array;
    }
    case GlobalId::NumpyNdarray:
      fail(op_label() + " calls numpy.ndarray directly, which is not supported (arrays come from _reconstruct)");
  }
  NASRANK_CHECK(false, "unhandled whitelisted global " + name);
}

PickleValue Unpickler::new_object(const PickleValue& cls, const PickleValue::List& args) {
  if (cls.type() != PickleType::Global)
    fail(op_label() + " instantiates a " + std::string(cls.type_name()) + ", which is not a whitelisted class");
  switch (Access::global_id(cls)) {
    case GlobalId::OrderedDict:
      charge(kNodeBytes);
      return PickleValue::dict(true);  // OrderedDict.__new__ ignores its arguments
    case GlobalId::Set:
      charge(kNodeBytes);
      return PickleValue::set(false);
    case GlobalId::FrozenSet:
    case GlobalId::Bytes:
      return call(cls, args);
    default:
      fail(op_label() + " of " + quote_for_message(cls.global_name()) + " is not supported");
  }
}

void Unpickler::build_dtype(PickleValue& dtype, const PickleValue& state) {
  if (state.type() != PickleType::Tuple) fail("BUILD state of a numpy dtype must be a tuple, found " + state.repr(40));
  const auto& s = state.as_tuple();
  if (s.size() < 8 || s[0].type() != PickleType::Int || (s[0].as_int() != 3 && s[0].as_int() != 4) ||
      s.size() != static_cast<std::size_t>(s[0].as_int() == 3 ? 8 : 9))
    fail("BUILD state of a numpy dtype has an unknown layout " + state.repr(60));
  if (!s[2].is_none() || !s[3].is_none() || !s[4].is_none())
    fail("structured and sub-array numpy dtypes are not supported");
  const std::optional<std::string> order = binary_of(s[1]);
  if (!order || order->size() != 1 || std::string_view("<>|=").find((*order)[0]) == std::string_view::npos)
    fail("BUILD state of a numpy dtype has an invalid byte order " + s[1].repr(20));
  NumpyDtype& d = Access::dtype(dtype);
  d.big_endian = (*order)[0] == '>' && d.itemsize > 1;
}

void Unpickler::build_array(PickleValue& array, const PickleValue& state) {
  if (state.type() != PickleType::Tuple) fail("BUILD state of a numpy array must be a tuple, found " + state.repr(40));
  const auto& s = state.as_tuple();
  std::size_t base = 0;
  if (s.size() == 5) {
    if (s[0].type() != PickleType::Int || s[0].as_int() != 1)
      fail("BUILD state of a numpy array has an unknown version " + s[0].repr(20));
    base = 1;
  } else if (s.size() != 4) {
    fail("BUILD state of a numpy array has an unknown layout " + state.repr(60));
  }
  const NumpyDtype dtype = dtype_arg(s[base + 1], "numpy array");
  const PickleValue& fortran = s[base + 2];
  if (fortran.type() != PickleType::Bool && fortran.type() != PickleType::Int)
    fail("BUILD state of a numpy array has a non-boolean Fortran flag " + fortran.repr(20));
  const PickleValue& data = s[base + 3];
  std::shared_ptr<const std::string> bytes;
  if (data.type() == PickleType::Bytes) {
    bytes = Access::share_bytes(data);
  } else if (data.type() == PickleType::Str) {
    charge(kNodeBytes + data.as_str().size());
    auto converted = utf8_to_latin1(data.as_str());
    if (!converted) fail("numpy array data given as text has characters above U+00FF");
    bytes = std::make_shared<const std::string>(std::move(*converted));
  } else {
    fail("numpy array data must be bytes, found " + std::string(data.type_name()) +
         " (object arrays are not supported)");
  }
  std::vector<std::int64_t> shape = shape_arg(s[base], dtype.itemsize, bytes->size());
  if (fortran.as_int() != 0 && shape.size() > 1) fail("Fortran-ordered numpy arrays are not supported");
  NumpyArray& a = Access::array(array);
  charge(8 * shape.size());
  a.dtype = dtype;
  a.shape = std::move(shape);
  a.data = std::move(bytes);
}

void Unpickler::build(PickleValue& object, const PickleValue& state) {
  switch (object.type()) {
    case PickleType::NumpyDtype:
      build_dtype(object, state);
      return;
    case PickleType::NumpyArray:
      if (Access::sealed(object)) fail("BUILD changes a numpy array that is already inside a container");
      build_array(object, state);
      return;
    case PickleType::Dict:
    case PickleType::Set:
      // OrderedDict and set carry no extra state when pickled from plain data.
      if (state.is_none() || (state.type() == PickleType::Dict && state.as_dict().empty())) return;
      fail("BUILD sets attributes on a " + std::string(object.type_name()) + ", which plain data never has");
    default:
      fail("BUILD on a " + std::string(object.type_name()) +
           " is not allowed (only numpy dtypes and arrays take a state)");
  }
}

// ---- streaming --------------------------------------------------------------------

// Is the value at stack position `pos` the dict at stream_->dict_path[0, depth)?
bool Unpickler::at_path(std::size_t pos, std::size_t depth) const {
  if (stack_[pos].type() != PickleType::Dict) return false;
  if (depth == 0) return pos == 0;
  // The frame (MARK) that holds `pos`: its dict is right below it.
  const auto it = std::upper_bound(marks_.begin(), marks_.end(), pos);
  if (it == marks_.begin()) return false;
  const std::size_t start = *(it - 1);
  if ((pos - start) % 2 == 0 || start == 0) return false;  // a key slot, or no container below
  const PickleValue& key = stack_[pos - 1];
  if (key.type() != PickleType::Str || key.as_str() != stream_->dict_path[depth - 1]) return false;
  return at_path(start - 1, depth - 1);
}

bool Unpickler::is_stream_target(std::size_t pos) {
  if (target_) return Access::node(stack_[pos]) == target_;
  if (!at_path(pos, stream_->dict_path.size())) return false;
  target_ = Access::node(stack_[pos]);
  return true;
}

void Unpickler::on_mark() {
  const std::size_t start = marks_.back();
  const std::size_t below = marks_.size() >= 2 ? marks_[marks_.size() - 2] : 0;
  if (start == 0 || start - 1 < below) return;
  if (!is_stream_target(start - 1)) return;
  if (Access::sealed(stack_[start - 1])) return;
  if (!streaming_started_) start_streaming();
  frame_active_ = true;
  frame_marks_ = marks_.size();
  next_key_pos_ = start;
  slot_memo_start_.clear();
  slot_built_start_.clear();
}

void Unpickler::start_streaming() {
  // Everything memoized before the first item is kept for good.
  for (std::size_t i = 0; i < memo_dense_.size(); ++i)
    if (Access::state(memo_dense_[i]) != kUnsetMemo) memo_sparse_.emplace(window_base_ + i, std::move(memo_dense_[i]));
  window_base_ += memo_dense_.size();
  memo_dense_.clear();
  memo_promoted_.clear();
  promote_below_ = window_base_;
  streaming_started_ = true;
  built_at_stream_start_ = built_;
  setitem_built_start_ = built_;
}

// Called after each opcode while the target's batch is the innermost frame.
//
// When exactly a value is complete cannot be known before SETITEMS: the
// pickler writes key, value, key, value, ..., and a value under construction
// can also have helper values above it (a class and its arguments, a single
// item still to be APPENDed or SETITEM-ed). So an item is handed out early
// only on strong evidence: its value is a container and an atom of the key's
// type sits right above it, AND the next item looks the same way. A wrong
// guess cannot corrupt data silently: the handed-out slot becomes a tombstone
// and the value is sealed, so any later use or change of it is an InputError.
void Unpickler::track_frame() {
  const std::size_t start = marks_.back();
  const std::size_t height = stack_.size() - start;
  if (slot_memo_start_.size() > height) slot_memo_start_.resize(height);
  while (slot_memo_start_.size() < height) slot_memo_start_.push_back(memo_count_);
  if (slot_built_start_.size() > height) slot_built_start_.resize(height);
  while (slot_built_start_.size() < height) slot_built_start_.push_back(built_);
  while (item_looks_complete(next_key_pos_) && item_looks_complete(next_key_pos_ + 2)) {
    hand_out(next_key_pos_);
    next_key_pos_ += 2;
  }
}

bool Unpickler::item_looks_complete(std::size_t key_pos) const {
  if (key_pos + 2 >= stack_.size()) return false;
  const PickleValue& key = stack_[key_pos];
  const PickleValue& value = stack_[key_pos + 1];
  const PickleValue& next = stack_[key_pos + 2];
  const bool atom_key =
      key.type() == PickleType::Int || key.type() == PickleType::Str || key.type() == PickleType::Bytes;
  return atom_key && next.type() == key.type() && Access::state(value) == kNormal && Access::is_container(value);
}

void Unpickler::hand_out(std::size_t key_pos) {
  const std::size_t start = marks_.back();
  const std::uint64_t item_start = slot_memo_start_.at(key_pos - start);
  const std::uint64_t built_start = slot_built_start_.at(key_pos - start);
  PickleValue value = std::move(stack_[key_pos + 1]);
  stack_[key_pos + 1] = Access::with_state(kHandedOut);
  const std::size_t next = key_pos + 2 - start;
  promote_below_ = next < slot_memo_start_.size() ? slot_memo_start_[next] : memo_count_;
  deliver(stack_[key_pos], std::move(value), item_start, built_start);
}

void Unpickler::deliver(PickleValue key, PickleValue value, std::uint64_t item_memo_start,
                        std::uint64_t item_built_start) {
  check_hashable(key);
  Access::seal(value);
  ++items_handed_out_;
  stream_->on_item(std::move(key), std::move(value));
  release_memo_below(item_memo_start);
  // Everything built for earlier items is gone now (their values were handed
  // out, their memo entries released; the entries kept count in kept_bytes_).
  if (item_built_start > built_at_stream_start_ + released_) released_ = item_built_start - built_at_stream_start_;
}

// Drops memo entries of items handed out before the current one, except
// those a later item used, and classes and dtypes (tiny, shared by all).
void Unpickler::release_memo_below(std::uint64_t id) {
  if (id <= window_base_) return;
  const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(id - window_base_, memo_dense_.size()));
  for (std::size_t i = 0; i < count; ++i) {
    PickleValue& v = memo_dense_[i];
    if (Access::state(v) == kUnsetMemo) continue;
    if (memo_promoted_[i] || v.type() == PickleType::Global || v.type() == PickleType::NumpyDtype)
      memo_sparse_.emplace(window_base_ + i, std::move(v));
  }
  memo_dense_.erase(memo_dense_.begin(), memo_dense_.begin() + static_cast<std::ptrdiff_t>(count));
  memo_promoted_.erase(memo_promoted_.begin(), memo_promoted_.begin() + static_cast<std::ptrdiff_t>(count));
  window_base_ += count;
}

// ---- the machine ---------------------------------------------------------------------

inline void Unpickler::step(unsigned char op) {
  switch (op) {
    case 0x80: {  // PROTO
      const int protocol = *take(1);
      if (protocol > 5) fail("unsupported pickle protocol " + std::to_string(protocol) + " (this reader knows 0 to 5)");
      return;
    }
    case 0x95:  // FRAME: only a read-ahead hint
      take(8);
      return;
    case '.':
      if (stack_.size() <= frame_start()) fail("STOP with an empty stack (stack underflow)");
      stopped_ = true;
      return;
    case '(':
      mark();
      return;
    case '0':  // POP: like CPython, pops a MARK when the current frame is empty
      if (stack_.size() > frame_start())
        pop();
      else
        pop_mark();
      return;
    case '1':  // POP_MARK
      stack_.resize(pop_mark());
      return;
    case '2': {  // DUP
      PickleValue copy = share(top());
      push(std::move(copy));
      return;
    }
    case 'N':
      push(PickleValue());
      return;
    case 0x88:
      push(PickleValue::boolean(true));
      return;
    case 0x89:
      push(PickleValue::boolean(false));
      return;
    case 'I': {  // INT (text): also protocol 0's booleans
      const std::string_view line = read_line();
      if (line == "00" || line == "01") {
        push(PickleValue::boolean(line == "01"));
        return;
      }
      std::int64_t v = 0;
      const auto r = std::from_chars(line.data(), line.data() + line.size(), v);
      if (r.ec != std::errc() || r.ptr != line.data() + line.size())
        fail("INT argument " + quote_for_message(line) + " is not an integer that fits in 64 bits");
      push(PickleValue::integer(v));
      return;
    }
    case 'L': {  // LONG (text)
      std::string_view line = read_line();
      if (!line.empty() && line.back() == 'L') line.remove_suffix(1);
      std::int64_t v = 0;
      const auto r = std::from_chars(line.data(), line.data() + line.size(), v);
      if (r.ec != std::errc() || r.ptr != line.data() + line.size())
        fail("LONG argument " + quote_for_message(line) + " is not an integer that fits in 64 bits");
      push(PickleValue::integer(v));
      return;
    }
    case 'J': {
      const unsigned char* p = take(4);
      push(PickleValue::integer(static_cast<std::int32_t>(static_cast<std::uint32_t>(load_le(p, 4)))));
      return;
    }
    case 'K':
      push(PickleValue::integer(*take(1)));
      return;
    case 'M':
      push(PickleValue::integer(static_cast<std::int64_t>(load_le(take(2), 2))));
      return;
    case 0x8a:    // LONG1
    case 0x8b: {  // LONG4
      std::uint64_t n = 0;
      if (op == 0x8a) {
        n = *take(1);
      } else {
        const auto signed_n = static_cast<std::int32_t>(static_cast<std::uint32_t>(load_le(take(4), 4)));
        if (signed_n < 0) fail("LONG4 declares a negative length");
        n = static_cast<std::uint64_t>(signed_n);
      }
      const std::string digits = read_payload(n);
      const auto v = decode_long(reinterpret_cast<const unsigned char*>(digits.data()), digits.size());
      if (!v) fail(op_label() + " holds an integer that does not fit in 64 bits (not supported)");
      push(PickleValue::integer(*v));
      return;
    }
    case 'F': {  // FLOAT (text)
      const std::string_view line = read_line();
      double v = 0;
      const auto r = std::from_chars(line.data(), line.data() + line.size(), v);
      if (r.ec != std::errc() || r.ptr != line.data() + line.size())
        fail("FLOAT argument " + quote_for_message(line) + " is not a number");
      push(PickleValue::real(v));
      return;
    }
    case 'G': {  // BINFLOAT: big-endian IEEE 754
      const unsigned char* p = take(8);
      std::uint64_t bits = 0;
      for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];
      double v;
      std::memcpy(&v, &bits, sizeof v);
      push(PickleValue::real(v));
      return;
    }
    case 'X':
      push(text_payload(load_le(take(4), 4)));
      return;
    case 0x8c:
      push(text_payload(*take(1)));
      return;
    case 0x8d:
      push(text_payload(load_le(take(8), 8)));
      return;
    case 'B':
      push(bytes_payload(load_le(take(4), 4)));
      return;
    case 'C':
      push(bytes_payload(*take(1)));
      return;
    case 0x8e:
    case 0x96:  // BYTEARRAY8: kept as bytes
      push(bytes_payload(load_le(take(8), 8)));
      return;
    case 'T': {  // BINSTRING: Python 2 str
      const auto n = static_cast<std::int32_t>(static_cast<std::uint32_t>(load_le(take(4), 4)));
      if (n < 0) fail("BINSTRING declares a negative length");
      charge(kNodeBytes);
      push(py2_string_value(read_payload(static_cast<std::uint64_t>(n))));
      return;
    }
    case 'U': {
      const std::uint64_t n = *take(1);
      charge(kNodeBytes);
      push(py2_string_value(read_payload(n)));
      return;
    }
    case ')':
      push_node(PickleValue::tuple());
      return;
    case 0x85:
    case 0x86:
    case 0x87: {
      const std::size_t n = static_cast<std::size_t>(op - 0x84);
      if (stack_.size() < frame_start() + n)
        fail(op_label() + " needs " + std::to_string(n) + " values but the stack has fewer (stack underflow)");
      push(make_tuple(take_from(stack_.size() - n)));
      return;
    }
    case 't':
      push(make_tuple(take_from(pop_mark())));
      return;
    case ']':
      push_node(PickleValue::list());
      return;
    case 'l': {
      PickleValue::List items = take_from(pop_mark());
      charge(kNodeBytes);
      PickleValue list = PickleValue::list();
      for (PickleValue& item : items) list_append(list, std::move(item));
      push(std::move(list));
      return;
    }
    case 'a': {
      PickleValue item = pop();
      list_append(top(), std::move(item));
      return;
    }
    case 'e': {
      const std::size_t start = pop_mark();
      PickleValue& list = container_below(start);
      if (list.type() == PickleType::List) {
        auto& items = Access::items(list);
        const std::size_t wanted = items.size() + (stack_.size() - start);
        if (items.capacity() < wanted) {
          const std::size_t capacity = std::max(wanted, 2 * items.size());
          charge(kSlotBytes * (capacity - items.capacity()));
          items.reserve(capacity);
        }
      }
      for (std::size_t i = start; i < stack_.size(); ++i) {
        check_usable(stack_[i]);
        list_append(list, std::move(stack_[i]));
      }
      stack_.resize(start);
      return;
    }
    case '}':
      push_node(PickleValue::dict());
      return;
    case 'd': {
      PickleValue::List items = take_from(pop_mark());
      if (items.size() % 2) fail("DICT has an odd number of values (a key without a value)");
      charge(kNodeBytes);
      PickleValue dict = PickleValue::dict();
      for (std::size_t i = 0; i < items.size(); i += 2) dict_set(dict, std::move(items[i]), std::move(items[i + 1]));
      push(std::move(dict));
      return;
    }
    case 's': {
      PickleValue value = pop();
      PickleValue key = pop();
      PickleValue& dict = top();
      if (stream_ && dict.type() == PickleType::Dict && !Access::sealed(dict) && is_stream_target(stack_.size() - 1)) {
        if (!streaming_started_) start_streaming();
        const std::uint64_t item_start = promote_below_;
        promote_below_ = memo_count_;
        const std::uint64_t built_start = setitem_built_start_;
        setitem_built_start_ = built_;
        deliver(std::move(key), std::move(value), item_start, built_start);
        return;
      }
      dict_set(dict, std::move(key), std::move(value));
      return;
    }
    case 'u': {
      const bool streamed = frame_active_ && marks_.size() == frame_marks_;
      const std::size_t start = pop_mark();
      PickleValue& dict = container_below(start);
      if ((stack_.size() - start) % 2) fail("SETITEMS has an odd number of values (a key without a value)");
      if (streamed) {
        // The batch is over: every value left in it is complete.
        for (std::size_t i = next_key_pos_; i < stack_.size(); i += 2) {
          check_usable(stack_[i + 1]);
          const std::size_t slot = i - start;
          const std::uint64_t item_start = slot < slot_memo_start_.size() ? slot_memo_start_[slot] : memo_count_;
          const std::uint64_t built_start = slot < slot_built_start_.size() ? slot_built_start_[slot] : built_;
          promote_below_ = slot + 2 < slot_memo_start_.size() ? slot_memo_start_[slot + 2] : memo_count_;
          deliver(std::move(stack_[i]), std::move(stack_[i + 1]), item_start, built_start);
        }
        stack_.resize(start);
        return;
      }
      if (dict.type() == PickleType::Dict) Access::dict_reserve(dict, (stack_.size() - start) / 2);
      for (std::size_t i = start; i < stack_.size(); i += 2) {
        check_usable(stack_[i]);
        check_usable(stack_[i + 1]);
        dict_set(dict, std::move(stack_[i]), std::move(stack_[i + 1]));
      }
      stack_.resize(start);
      return;
    }
    case 0x8f:
      push_node(PickleValue::set());
      return;
    case 0x90: {  // ADDITEMS
      const std::size_t start = pop_mark();
      PickleValue& set = container_below(start);
      if (set.type() != PickleType::Set || set.as_set().frozen())
        fail("ADDITEMS adds to a " + std::string(set.type_name()) + " (only sets take ADDITEMS)");
      PickleValue::List items = take_from(start);
      for (PickleValue& item : items) set_add(set, std::move(item));
      return;
    }
    case 0x91:  // FROZENSET
      push(make_set(true, take_from(pop_mark())));
      return;
    case 'c': {  // GLOBAL
      const std::string module(read_line());
      const std::string name(read_line());
      push_global(module, name);
      return;
    }
    case 0x93: {  // STACK_GLOBAL
      PickleValue name = pop();
      PickleValue module = pop();
      if (name.type() != PickleType::Str || module.type() != PickleType::Str)
        fail("STACK_GLOBAL needs two str values (module, name), found " + std::string(module.type_name()) + " and " +
             std::string(name.type_name()));
      push_global(module.as_str(), name.as_str());
      return;
    }
    case 'R': {  // REDUCE
      PickleValue args = pop();
      PickleValue callable = pop();
      if (args.type() != PickleType::Tuple)
        fail("REDUCE needs a tuple of arguments, found " + std::string(args.type_name()) + " " + args.repr(40));
      push(call(callable, args.as_tuple()));
      return;
    }
    case 0x81: {  // NEWOBJ
      PickleValue args = pop();
      PickleValue cls = pop();
      if (args.type() != PickleType::Tuple) fail("NEWOBJ needs a tuple of arguments, found " + args.repr(40));
      push(new_object(cls, args.as_tuple()));
      return;
    }
    case 0x92: {  // NEWOBJ_EX
      PickleValue kwargs = pop();
      PickleValue args = pop();
      PickleValue cls = pop();
      if (args.type() != PickleType::Tuple || kwargs.type() != PickleType::Dict || !kwargs.as_dict().empty())
        fail("NEWOBJ_EX needs an argument tuple and no keyword arguments");
      push(new_object(cls, args.as_tuple()));
      return;
    }
    case 'b': {  // BUILD
      PickleValue state = pop();
      build(top(), state);
      return;
    }
    case 'p': {  // PUT (text)
      const std::string_view line = read_line();
      std::uint64_t id = 0;
      const auto r = std::from_chars(line.data(), line.data() + line.size(), id);
      if (r.ec != std::errc() || r.ptr != line.data() + line.size())
        fail("PUT argument " + quote_for_message(line) + " is not a memo index");
      memo_put(id, share(top()));
      return;
    }
    case 'q':
      memo_put(*take(1), share(top()));
      return;
    case 'r':
      memo_put(load_le(take(4), 4), share(top()));
      return;
    case 0x94:
      memo_put(memo_count_, share(top()));
      return;
    case 'g': {  // GET (text)
      const std::string_view line = read_line();
      std::uint64_t id = 0;
      const auto r = std::from_chars(line.data(), line.data() + line.size(), id);
      if (r.ec != std::errc() || r.ptr != line.data() + line.size())
        fail("GET argument " + quote_for_message(line) + " is not a memo index");
      push(share(memo_get(id)));
      return;
    }
    case 'h':
      push(share(memo_get(*take(1))));
      return;
    case 'j':
      push(share(memo_get(load_le(take(4), 4))));
      return;
    case 'i':
    case 'o':
      fail("refuses opcode " + op_label() + " (it instantiates a class by name)", " (only plain data is accepted)");
    case 'P':
    case 'Q':
      fail("refuses opcode " + op_label() + " (persistent references to outside objects)",
           " (only plain data is accepted)");
    case 0x82:
    case 0x83:
    case 0x84:
      fail("refuses opcode " + op_label() + " (extension registry codes name arbitrary classes)",
           " (only plain data is accepted)");
    case 0x97:
    case 0x98:
      fail("uses " + op_label() + ": out-of-band buffers are not supported");
    case 'S':
    case 'V':
      fail("uses " + op_label() + ": protocol 0 text strings are not supported (re-save with protocol 2 or newer)");
    default: {
      static const char* hex = "0123456789abcdef";
      fail(std::string("unknown opcode 0x") + hex[op >> 4] + hex[op & 15] + " (not a pickle, or corrupt)");
    }
  }
}

PickleValue Unpickler::run() {
  stack_.reserve(256);
  memo_dense_.reserve(1024);
  memo_promoted_.reserve(1024);
  while (!stopped_) {
    op_offset_ = offset();
    if (!fill(1)) fail("data ends before the STOP opcode (the file is truncated or empty)");
    op_ = *cur_++;
    step(op_);
    if (frame_active_ && marks_.size() == frame_marks_) track_frame();
  }
  if (stats_) {
    stats_->items = items_handed_out_;
    stats_->peak_memo_entries = peak_memo_;
    stats_->peak_stack = peak_stack_;
  }
  return pop();
}

}  // namespace detail

namespace {

PickleValue read_whole(detail::Unpickler& unpickler) {
  PickleValue value = unpickler.run();
  unpickler.expect_end();
  return value;
}

}  // namespace

PickleValue read_pickle(InputStream& in, const PickleOptions& options) {
  detail::Unpickler unpickler(in.name(), options);
  unpickler.use_stream(&in);
  return read_whole(unpickler);
}

PickleValue read_pickle(const std::filesystem::path& path, const PickleOptions& options) {
  const auto in = open_input(path);
  return read_pickle(*in, options);
}

PickleValue parse_pickle(std::string_view bytes, std::string_view name, const PickleOptions& options) {
  detail::Unpickler unpickler(std::string(name), options);
  unpickler.use_memory(bytes);
  return read_whole(unpickler);
}

PickleValue read_pickle_streaming(InputStream& in, const PickleItemStream& stream, const PickleOptions& options,
                                  PickleStreamStats* stats) {
  NASRANK_CHECK(static_cast<bool>(stream.on_item), "read_pickle_streaming needs an on_item callback");
  detail::Unpickler unpickler(in.name(), options);
  unpickler.use_stream(&in);
  unpickler.stream_items(&stream, stats);
  return read_whole(unpickler);
}

}  // namespace nasrank::io
