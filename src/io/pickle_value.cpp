#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <type_traits>

#include "nasrank/common/enum_names.h"
#include "nasrank/common/error.h"
#include "pickle_node.h"

namespace nasrank::io {

// Containers hold vectors of these; keep them two words.
static_assert(sizeof(PickleValue) == 16, "PickleValue should stay 16 bytes");

namespace {

using detail::Access;

// Dicts and sets up to this size are searched linearly; larger ones get a hash index.
constexpr std::size_t kLinearLimit = 8;
// Bounds the work of comparing values whose containers are shared many times over.
constexpr std::uint64_t kComparisonBudget = 10'000'000;

template <typename T>
T load(const unsigned char* p, bool big_endian) {
  unsigned char bytes[sizeof(T)];
  std::memcpy(bytes, p, sizeof(T));
  if (big_endian) std::reverse(bytes, bytes + sizeof(T));
  T value;
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

double half_to_double(std::uint16_t h) {
  const int sign = (h >> 15) & 1;
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  double value;
  if (exponent == 0) {
    value = std::ldexp(mantissa, -24);
  } else if (exponent == 31) {
    value = mantissa ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  } else {
    value = std::ldexp(mantissa + 1024, exponent - 25);
  }
  return sign ? -value : value;
}

// A number as Python compares it.
struct Numeric {
  enum Kind { Int, UInt, Real } kind;
  std::int64_t i = 0;
  std::uint64_t u = 0;  // only for values above INT64_MAX
  double d = 0;
};

std::optional<Numeric> numeric_of(const PickleValue& v) {
  switch (v.type()) {
    case PickleType::Bool:
      return Numeric{Numeric::Int, v.as_bool() ? 1 : 0};
    case PickleType::Int:
      return Numeric{Numeric::Int, v.as_int()};
    case PickleType::Float:
      return Numeric{Numeric::Real, 0, 0, v.as_double()};
    case PickleType::NumpyScalar: {
      const NumpyScalar& s = v.as_numpy_scalar();
      const auto* p = reinterpret_cast<const unsigned char*>(s.raw.data());
      switch (s.dtype.kind) {
        case 'b':
          return Numeric{Numeric::Int, p[0] != 0 ? 1 : 0};
        case 'i':
          return Numeric{Numeric::Int, s.to_int64()};
        case 'u': {
          if (s.dtype.itemsize == 8) {
            const auto u = load<std::uint64_t>(p, s.dtype.big_endian);
            if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
              return Numeric{Numeric::UInt, 0, u};
          }
          return Numeric{Numeric::Int, s.to_int64()};
        }
        case 'f':
          return Numeric{Numeric::Real, 0, 0, s.to_double()};
        default:
          return std::nullopt;
      }
    }
    default:
      return std::nullopt;
  }
}

constexpr double kTwo63 = 9223372036854775808.0;
constexpr double kTwo64 = 18446744073709551616.0;

bool numeric_equal(const Numeric& a, const Numeric& b) {
  if (a.kind == Numeric::Real && b.kind == Numeric::Real) return a.d == b.d;
  if (a.kind != Numeric::Real && b.kind != Numeric::Real)
    return a.kind == b.kind && (a.kind == Numeric::Int ? a.i == b.i : a.u == b.u);
  const Numeric& real = a.kind == Numeric::Real ? a : b;
  const Numeric& integer = a.kind == Numeric::Real ? b : a;
  const double d = real.d;
  if (!std::isfinite(d) || d != std::trunc(d)) return false;
  if (integer.kind == Numeric::Int) return d >= -kTwo63 && d < kTwo63 && static_cast<std::int64_t>(d) == integer.i;
  return d >= kTwo63 && d < kTwo64 && static_cast<std::uint64_t>(d) == integer.u;
}

// Seeded per process, as CPython does, so that a hostile file cannot be
// crafted to make every key collide in the hash index.
const std::uint64_t kHashSeed = [] {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device() ^ 0x9e3779b97f4a7c15ULL;
}();

std::size_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return static_cast<std::size_t>(x);
}

std::size_t numeric_hash(const Numeric& n) {
  switch (n.kind) {
    case Numeric::Int:
      return mix(static_cast<std::uint64_t>(n.i) ^ kHashSeed);
    case Numeric::UInt:
      return mix(n.u ^ kHashSeed);
    case Numeric::Real:
      break;
  }
  const double d = n.d;
  if (std::isfinite(d) && d == std::trunc(d)) {
    if (d >= -kTwo63 && d < kTwo63) return mix(static_cast<std::uint64_t>(static_cast<std::int64_t>(d)) ^ kHashSeed);
    if (d >= kTwo63 && d < kTwo64) return mix(static_cast<std::uint64_t>(d) ^ kHashSeed);
  }
  std::uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return mix(bits ^ 0x5bd1e9955bd1e995ULL);
}

std::size_t text_hash(std::string_view text, bool is_bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::uint64_t h = kHashSeed ^ (n * 0x9ddfea08eb382d69ULL) ^ (is_bytes ? 0x5851f42d4c957f2dULL : 0);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t chunk;
    std::memcpy(&chunk, p + i, 8);
    h = (h ^ chunk) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
  }
  // The last bytes with whole-word loads (overlapping if need be): copying
  // them byte by byte into a word stalls the store-to-load forwarding.
  const std::size_t rest = n - i;
  std::uint64_t tail = 0;
  if (rest > 0 && n >= 8) {
    std::memcpy(&tail, p + n - 8, 8);
  } else if (rest >= 4) {
    std::uint32_t first, last;
    std::memcpy(&first, p, 4);
    std::memcpy(&last, p + n - 4, 4);
    tail = (static_cast<std::uint64_t>(first) << 32) | last;
  } else if (rest > 0) {
    tail = (static_cast<std::uint64_t>(p[0]) << 16) | (static_cast<std::uint64_t>(p[rest >> 1]) << 8) | p[rest - 1];
  }
  // A full finalizer: the index takes its slot from the low bits, and the
  // bytes that differ between keys like 'x-valid@12' sit in the high bits.
  return mix(h ^ (tail * 0x9e3779b97f4a7c15ULL));
}

const std::string& text_of(const PickleValue& v) { return static_cast<const detail::TextNode*>(Access::node(v))->text; }

// nullopt = unhashable in Python.
std::optional<std::size_t> try_hash(const PickleValue& v);

std::optional<std::size_t> try_hash(const PickleValue& v) {
  switch (v.type()) {  // the usual keys first
    case PickleType::Int:
      return mix(static_cast<std::uint64_t>(v.as_int()) ^ kHashSeed);
    case PickleType::Str:
      return text_hash(text_of(v), false);
    default:
      break;
  }
  if (auto n = numeric_of(v)) return numeric_hash(*n);
  switch (v.type()) {
    case PickleType::None:
      return 0x9e3779b97f4a7c15ULL;
    case PickleType::Str:
      return text_hash(v.as_str(), false);
    case PickleType::Bytes:
      return text_hash(v.as_bytes(), true);
    case PickleType::NumpyScalar: {  // complex
      const NumpyScalar& s = v.as_numpy_scalar();
      return std::hash<std::string_view>()(s.raw) ^ std::hash<std::string>()(s.dtype.str());
    }
    case PickleType::NumpyDtype:
      return std::hash<std::string>()(v.as_numpy_dtype().str()) ^ 0xd7e;
    case PickleType::Global:
      return std::hash<std::string>()(v.global_name()) ^ 0x61;
    case PickleType::Tuple: {
      auto* node = static_cast<detail::SequenceNode*>(Access::node(v));
      if (node->cached_hash) return node->cached_hash;
      std::size_t h = 0x345678;
      for (const PickleValue& item : node->items) {
        const auto item_hash = try_hash(item);
        if (!item_hash) return std::nullopt;
        h = mix(h * 1000003 ^ *item_hash);
      }
      if (node->sealed) node->cached_hash = h;
      return h;
    }
    case PickleType::Set: {
      auto* node = static_cast<detail::SetNode*>(Access::node(v));
      if (!node->set.frozen()) return std::nullopt;
      if (node->cached_hash) return node->cached_hash;
      std::size_t h = 0x8f;
      for (const PickleValue& item : node->set.items()) h += mix(*try_hash(item));  // order-independent
      if (node->sealed) node->cached_hash = h;
      return h;
    }
    default:
      return std::nullopt;
  }
}

std::size_t hash_key(const PickleValue& key) {
  if (key.type() == PickleType::Int) return mix(static_cast<std::uint64_t>(key.as_int()) ^ kHashSeed);
  if (key.type() == PickleType::Str) return text_hash(text_of(key), false);
  const auto h = try_hash(key);
  NASRANK_CHECK(h.has_value(), "an unhashable value reached a dict/set index");
  return *h;
}

bool equal(const PickleValue& a, const PickleValue& b, std::uint64_t& budget);

bool dicts_equal(const PickleDict& a, const PickleDict& b, std::uint64_t& budget) {
  if (a.size() != b.size()) return false;
  if (a.ordered() && b.ordered()) {
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!equal(a.items()[i].first, b.items()[i].first, budget) ||
          !equal(a.items()[i].second, b.items()[i].second, budget))
        return false;
    return true;
  }
  for (const auto& [key, value] : a) {
    const PickleValue* other = b.find(key);
    if (!other || !equal(value, *other, budget)) return false;
  }
  return true;
}

bool equal(const PickleValue& a, const PickleValue& b, std::uint64_t& budget) {
  if (budget-- == 0)
    throw InputError("comparing two pickle values needs more than " + std::to_string(kComparisonBudget) +
                     " steps (containers shared too many times over)");
  if (Access::node(a) && Access::node(a) == Access::node(b)) return true;
  const auto na = numeric_of(a);
  const auto nb = numeric_of(b);
  if (na || nb) return na && nb && numeric_equal(*na, *nb);
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case PickleType::None:
      return true;
    case PickleType::Str:
      return a.as_str() == b.as_str();
    case PickleType::Bytes:
      return a.as_bytes() == b.as_bytes();
    case PickleType::List:
    case PickleType::Tuple: {
      const auto& x = a.as_sequence();
      const auto& y = b.as_sequence();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!equal(x[i], y[i], budget)) return false;
      return true;
    }
    case PickleType::Dict:
      return dicts_equal(a.as_dict(), b.as_dict(), budget);
    case PickleType::Set: {
      const PickleSet& x = a.as_set();
      const PickleSet& y = b.as_set();
      if (x.size() != y.size()) return false;
      for (const PickleValue& item : x)
        if (!y.contains(item)) return false;
      return true;
    }
    case PickleType::NumpyDtype:
      return a.as_numpy_dtype() == b.as_numpy_dtype();
    case PickleType::NumpyScalar:
      return a.as_numpy_scalar().dtype == b.as_numpy_scalar().dtype &&
             a.as_numpy_scalar().raw == b.as_numpy_scalar().raw;
    case PickleType::NumpyArray: {
      const NumpyArray& x = a.as_ndarray();
      const NumpyArray& y = b.as_ndarray();
      return x.dtype == y.dtype && x.shape == y.shape && x.raw() == y.raw();
    }
    case PickleType::Global:
      return a.global_name() == b.global_name();
    default:
      return false;
  }
}

std::uint32_t hash32(std::size_t h) { return static_cast<std::uint32_t>(h ^ (static_cast<std::uint64_t>(h) >> 32)); }

// Key equality with the common cases first.
bool keys_equal(const PickleValue& a, const PickleValue& b) {
  if (a.type() == b.type()) {
    if (a.type() == PickleType::Str || a.type() == PickleType::Bytes)
      return static_cast<const detail::TextNode*>(Access::node(a))->text ==
             static_cast<const detail::TextNode*>(Access::node(b))->text;
    if (a.type() == PickleType::Int) return a.as_int() == b.as_int();
  }
  return a == b;
}

// Open addressing with linear probing; a slot holds (32-bit hash << 32) | (item index + 1), 0 = empty.
void place(std::vector<std::uint64_t>& slots, std::uint64_t entry) {
  const std::size_t mask = slots.size() - 1;
  std::size_t pos = static_cast<std::size_t>(entry >> 32) & mask;
  while (slots[pos] != 0) pos = (pos + 1) & mask;
  slots[pos] = entry;
}

std::uint64_t slot_entry(std::size_t hash, std::size_t item_index) {
  return (static_cast<std::uint64_t>(hash32(hash)) << 32) | static_cast<std::uint64_t>(item_index + 1);
}

std::size_t capacity_for(std::size_t count) {
  std::size_t capacity = 16;
  while (capacity < count * 2) capacity *= 2;
  return capacity;
}

template <typename KeyAt>
void build_index(std::vector<std::uint64_t>& slots, std::size_t count, KeyAt key_at) {
  slots.assign(capacity_for(count), 0);
  for (std::size_t i = 0; i < count; ++i) place(slots, slot_entry(hash_key(key_at(i)), i));
}

// Adds item `count - 1` (hash `hash`), growing the table without rehashing keys.
void index_new_item(std::vector<std::uint64_t>& slots, std::size_t count, std::size_t hash) {
  if (count * 2 > slots.size()) {
    std::vector<std::uint64_t> grown(capacity_for(count), 0);
    for (const std::uint64_t entry : slots)
      if (entry != 0) place(grown, entry);
    slots.swap(grown);
  }
  place(slots, slot_entry(hash, count - 1));
}

template <typename KeyAt, typename Matches>
std::size_t probe(const std::vector<std::uint64_t>& slots, std::size_t count, std::size_t hash, KeyAt key_at,
                  Matches matches) {
  const std::size_t mask = slots.size() - 1;
  const std::uint32_t fragment = hash32(hash);
  for (std::size_t pos = fragment & mask;; pos = (pos + 1) & mask) {
    const std::uint64_t entry = slots[pos];
    if (entry == 0) return count;
    const std::size_t index = static_cast<std::size_t>(entry & 0xffffffffu) - 1;
    if (static_cast<std::uint32_t>(entry >> 32) == fragment && matches(key_at(index))) return index;
  }
}

// The position of `key` among the `count` keys (`count` if absent): a linear
// scan while the table `slots` is not built, else a probe for `hash`.
template <typename KeyAt>
std::size_t find_key(const std::vector<std::uint64_t>& slots, std::size_t count, std::size_t hash, KeyAt key_at,
                     const PickleValue& key) {
  if (slots.empty()) {
    for (std::size_t i = 0; i < count; ++i)
      if (keys_equal(key_at(i), key)) return i;
    return count;
  }
  return probe(slots, count, hash, key_at, [&key](const PickleValue& candidate) { return keys_equal(candidate, key); });
}

// The hash to look `key` up with: none needed (0) while the table `slots` is
// not built; nothing when `key` is unhashable, which no dict or set can hold.
std::optional<std::size_t> lookup_hash(const std::vector<std::uint64_t>& slots, const PickleValue& key) {
  if (slots.empty()) return std::size_t{0};
  return try_hash(key);
}

// Appends a Python-like repr of `v` to `out`, giving up (with "...") past `limit` characters.
void repr_into(const PickleValue& v, std::string& out, std::size_t limit);

void repr_text(std::string_view text, bool is_bytes, std::string& out, std::size_t limit) {
  if (is_bytes) out += 'b';
  out += '\'';
  for (const char c : text) {
    if (out.size() > limit) return;
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20 || u == 0x7f || (is_bytes && u >= 0x80)) {
          static const char* hex = "0123456789abcdef";
          out += "\\x";
          out += hex[u >> 4];
          out += hex[u & 15];
        } else {
          out += c;
        }
    }
  }
  out += '\'';
}

std::string format_double(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, d);
  std::string s(buffer, result.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

void repr_items(const PickleValue::List& items, std::string& out, std::size_t limit) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (out.size() > limit) return;
    if (i) out += ", ";
    repr_into(items[i], out, limit);
  }
}

void repr_into(const PickleValue& v, std::string& out, std::size_t limit) {
  if (out.size() > limit) return;
  switch (v.type()) {
    case PickleType::None:
      out += "None";
      return;
    case PickleType::Bool:
      out += v.as_bool() ? "True" : "False";
      return;
    case PickleType::Int:
      out += std::to_string(v.as_int());
      return;
    case PickleType::Float:
      out += format_double(v.as_double());
      return;
    case PickleType::Str:
      repr_text(v.as_str(), false, out, limit);
      return;
    case PickleType::Bytes:
      repr_text(v.as_bytes(), true, out, limit);
      return;
    case PickleType::List:
      out += '[';
      repr_items(v.as_list(), out, limit);
      out += ']';
      return;
    case PickleType::Tuple:
      out += '(';
      repr_items(v.as_tuple(), out, limit);
      if (v.as_tuple().size() == 1) out += ',';
      out += ')';
      return;
    case PickleType::Dict: {
      const PickleDict& d = v.as_dict();
      out += d.ordered() ? "OrderedDict({" : "{";
      bool first = true;
      for (const auto& [key, value] : d) {
        if (out.size() > limit) break;
        if (!first) out += ", ";
        first = false;
        repr_into(key, out, limit);
        out += ": ";
        repr_into(value, out, limit);
      }
      out += d.ordered() ? "})" : "}";
      return;
    }
    case PickleType::Set: {
      const PickleSet& s = v.as_set();
      if (s.empty()) {
        out += s.frozen() ? "frozenset()" : "set()";
        return;
      }
      out += s.frozen() ? "frozenset({" : "{";
      repr_items(s.items(), out, limit);
      out += s.frozen() ? "})" : "}";
      return;
    }
    case PickleType::NumpyDtype:
      out += "dtype('" + v.as_numpy_dtype().str() + "')";
      return;
    case PickleType::NumpyScalar: {
      const NumpyScalar& s = v.as_numpy_scalar();
      out += "numpy." + std::string(v.type_name().substr(6)) + "(";
      if (s.dtype.kind == 'c')
        out += "<complex>";
      else if (s.dtype.kind == 'f')
        out += format_double(s.to_double());
      else if (s.dtype.kind == 'b')
        out += s.to_int64() ? "True" : "False";
      else if (s.dtype.kind == 'u' && s.dtype.itemsize == 8)
        out += std::to_string(
            load<std::uint64_t>(reinterpret_cast<const unsigned char*>(s.raw.data()), s.dtype.big_endian));
      else
        out += std::to_string(s.to_int64());
      out += ")";
      return;
    }
    case PickleType::NumpyArray: {
      const NumpyArray& a = v.as_ndarray();
      out += "array(shape=(";
      for (std::size_t i = 0; i < a.shape.size(); ++i) {
        if (i) out += ", ";
        out += std::to_string(a.shape[i]);
      }
      if (a.shape.size() == 1) out += ',';
      out += "), dtype='" + a.dtype.str() + "')";
      return;
    }
    case PickleType::Global:
      out += "<" + v.global_name() + ">";
      return;
  }
}

[[noreturn]] void type_mismatch(const PickleValue& v, std::string_view expected) {
  throw InputError("expected " + std::string(expected) + ", found " + std::string(v.type_name()) + " " + v.repr(60));
}

// The building API is for values our own code makes (the reader applies its
// own depth limit and reports an input error): a cycle is a bug of the caller.
void check_insertable(const PickleValue& container, const PickleValue& part) {
  const std::string problem = Access::insertion_problem(container, part, std::numeric_limits<std::uint32_t>::max());
  NASRANK_CHECK(problem.empty(), problem);
}

// The node of `v`, which must be of type `type` (`expected` names it for the error).
template <typename Node>
const Node& node_as(const PickleValue& v, PickleType type, std::string_view expected) {
  if (v.type() != type) type_mismatch(v, expected);
  return *static_cast<const Node*>(Access::node(v));
}

std::string_view numpy_scalar_name(const NumpyDtype& d) {
  switch (d.kind) {
    case 'b':
      return "numpy.bool_";
    case 'i':
      return d.itemsize == 1   ? "numpy.int8"
             : d.itemsize == 2 ? "numpy.int16"
             : d.itemsize == 4 ? "numpy.int32"
                               : "numpy.int64";
    case 'u':
      return d.itemsize == 1   ? "numpy.uint8"
             : d.itemsize == 2 ? "numpy.uint16"
             : d.itemsize == 4 ? "numpy.uint32"
                               : "numpy.uint64";
    case 'f':
      return d.itemsize == 2 ? "numpy.float16" : d.itemsize == 4 ? "numpy.float32" : "numpy.float64";
    case 'c':
      return d.itemsize == 8 ? "numpy.complex64" : "numpy.complex128";
    default:
      return "numpy.generic";
  }
}

}  // namespace

// ---- names ------------------------------------------------------------------

constexpr EnumNames<PickleType, 14> kPickleTypeNames{{{{PickleType::None, "None"},
                                                       {PickleType::Bool, "bool"},
                                                       {PickleType::Int, "int"},
                                                       {PickleType::Float, "float"},
                                                       {PickleType::Str, "str"},
                                                       {PickleType::Bytes, "bytes"},
                                                       {PickleType::List, "list"},
                                                       {PickleType::Tuple, "tuple"},
                                                       {PickleType::Dict, "dict"},
                                                       {PickleType::Set, "set"},
                                                       {PickleType::NumpyDtype, "numpy dtype"},
                                                       {PickleType::NumpyScalar, "numpy scalar"},
                                                       {PickleType::NumpyArray, "numpy array"},
                                                       {PickleType::Global, "global"}}}};

std::string_view to_string(PickleType type) { return kPickleTypeNames.name(type); }

std::string NumpyDtype::str() const {
  const char order = itemsize == 1 ? '|' : (big_endian ? '>' : '<');
  return std::string(1, order) + kind + std::to_string(itemsize);
}

// ---- numpy ------------------------------------------------------------------

namespace {

// Calls `use` with the integer element at `p` (numpy kind 'i' or 'u', 1, 2, 4
// or 8 bytes) as the C++ type it is; false for any other dtype.
template <typename Use>
bool visit_integer(const NumpyDtype& dtype, const unsigned char* p, Use&& use) {
  const bool be = dtype.big_endian;
  const bool is_signed = dtype.kind == 'i';
  if (!is_signed && dtype.kind != 'u') return false;
  switch (dtype.itemsize) {
    case 1:
      is_signed ? use(static_cast<std::int8_t>(p[0])) : use(static_cast<std::uint8_t>(p[0]));
      return true;
    case 2:
      is_signed ? use(load<std::int16_t>(p, be)) : use(load<std::uint16_t>(p, be));
      return true;
    case 4:
      is_signed ? use(load<std::int32_t>(p, be)) : use(load<std::uint32_t>(p, be));
      return true;
    case 8:
      is_signed ? use(load<std::int64_t>(p, be)) : use(load<std::uint64_t>(p, be));
      return true;
  }
  return false;
}

}  // namespace

namespace detail {

double numpy_element_to_double(const NumpyDtype& dtype, const unsigned char* p) {
  const bool be = dtype.big_endian;
  switch (dtype.kind) {
    case 'b':
      return p[0] != 0 ? 1.0 : 0.0;
    case 'i':
    case 'u': {
      double value = 0.0;
      if (visit_integer(dtype, p, [&value](auto integer) { value = static_cast<double>(integer); })) return value;
      break;
    }
    case 'f':
      switch (dtype.itemsize) {
        case 2:
          return half_to_double(load<std::uint16_t>(p, be));
        case 4:
          return load<float>(p, be);
        case 8:
          return load<double>(p, be);
      }
      break;
    case 'c':
      throw InputError("numpy value of dtype '" + dtype.str() + "' is complex, not a real number");
  }
  NASRANK_CHECK(false, "unexpected numpy dtype " + dtype.str());
}

}  // namespace detail

namespace {

std::int64_t numpy_element_to_int64(const NumpyDtype& dtype, const unsigned char* p) {
  if (dtype.kind == 'b') return p[0] != 0;
  std::int64_t value = 0;
  const bool integer = visit_integer(dtype, p, [&value](auto element) {
    if constexpr (std::is_same_v<decltype(element), std::uint64_t>) {
      if (element > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        throw InputError("numpy uint64 value " + std::to_string(element) + " does not fit in int64");
    }
    value = static_cast<std::int64_t>(element);
  });
  if (integer) return value;
  throw InputError("numpy value of dtype '" + dtype.str() + "' is not an integer");
}

}  // namespace

double NumpyScalar::to_double() const {
  return detail::numpy_element_to_double(dtype, reinterpret_cast<const unsigned char*>(raw.data()));
}

std::int64_t NumpyScalar::to_int64() const {
  return numpy_element_to_int64(dtype, reinterpret_cast<const unsigned char*>(raw.data()));
}

std::size_t NumpyArray::size() const {
  std::size_t n = 1;
  for (const std::int64_t d : shape) n *= static_cast<std::size_t>(d);
  return n;
}

std::vector<double> NumpyArray::to_doubles() const {
  const std::size_t n = size();
  std::vector<double> out(n);
  const auto* p = reinterpret_cast<const unsigned char*>(raw().data());
  for (std::size_t i = 0; i < n; ++i) out[i] = detail::numpy_element_to_double(dtype, p + i * dtype.itemsize);
  return out;
}

std::vector<std::int64_t> NumpyArray::to_int64s() const {
  const std::size_t n = size();
  std::vector<std::int64_t> out(n);
  const auto* p = reinterpret_cast<const unsigned char*>(raw().data());
  for (std::size_t i = 0; i < n; ++i) out[i] = numpy_element_to_int64(dtype, p + i * dtype.itemsize);
  return out;
}

// ---- PickleValue --------------------------------------------------------------

PickleValue PickleValue::str(std::string utf8) {
  return Access::adopt(PickleType::Str, new detail::TextNode(std::move(utf8)));
}

PickleValue PickleValue::bytes(std::string data) {
  return Access::adopt(PickleType::Bytes, new detail::TextNode(std::move(data)));
}

PickleValue PickleValue::list(List items) {
  PickleValue v = Access::adopt(PickleType::List, new detail::SequenceNode(List{}));
  for (PickleValue& item : items) v.append(std::move(item));
  return v;
}

PickleValue PickleValue::tuple(List items) {
  auto* node = new detail::SequenceNode(List{});
  PickleValue v = Access::adopt(PickleType::Tuple, node);
  for (const PickleValue& item : items) Access::note_insertion(v, item);
  node->items = std::move(items);
  return v;
}

PickleValue PickleValue::dict(bool ordered) { return Access::adopt(PickleType::Dict, new detail::DictNode(ordered)); }

PickleValue PickleValue::set(bool frozen) { return Access::adopt(PickleType::Set, new detail::SetNode(frozen)); }

PickleValue PickleValue::numpy_dtype(NumpyDtype dtype) {
  return Access::adopt(PickleType::NumpyDtype, new detail::DtypeNode(dtype));
}

PickleValue PickleValue::numpy_scalar(NumpyDtype dtype, std::string raw) {
  NASRANK_CHECK(raw.size() == static_cast<std::size_t>(dtype.itemsize), "numpy scalar raw size != itemsize");
  return Access::adopt(PickleType::NumpyScalar, new detail::ScalarNode(NumpyScalar{dtype, std::move(raw)}));
}

PickleValue PickleValue::numpy_array(NumpyDtype dtype, std::vector<std::int64_t> shape, std::string raw) {
  NumpyArray array{dtype, std::move(shape), std::make_shared<const std::string>(std::move(raw))};
  NASRANK_CHECK(array.size() * static_cast<std::size_t>(dtype.itemsize) == array.raw().size(),
                "numpy array raw size does not match its shape");
  return Access::adopt(PickleType::NumpyArray, new detail::ArrayNode(std::move(array)));
}

std::string_view PickleValue::type_name() const {
  switch (type()) {
    case PickleType::None:
      return "NoneType";
    case PickleType::Dict:
      return as_dict().ordered() ? "OrderedDict" : "dict";
    case PickleType::Set:
      return as_set().frozen() ? "frozenset" : "set";
    case PickleType::NumpyDtype:
      return "numpy.dtype";
    case PickleType::NumpyScalar:
      return numpy_scalar_name(as_numpy_scalar().dtype);
    case PickleType::NumpyArray:
      return "numpy.ndarray";
    case PickleType::Global:
      return "type";
    default:
      return to_string(type());
  }
}

bool PickleValue::is_number() const {
  switch (type()) {
    case PickleType::Bool:
    case PickleType::Int:
    case PickleType::Float:
      return true;
    case PickleType::NumpyScalar:
      return as_numpy_scalar().dtype.kind != 'c';
    default:
      return false;
  }
}

bool PickleValue::as_bool() const {
  if (type() == PickleType::Bool) return payload_.boolean;
  if (type() == PickleType::NumpyScalar && as_numpy_scalar().dtype.kind == 'b') return as_numpy_scalar().raw[0] != 0;
  type_mismatch(*this, "a bool");
}

std::int64_t PickleValue::as_int() const {
  switch (type()) {
    case PickleType::Int:
      return payload_.integer;
    case PickleType::Bool:
      return payload_.boolean ? 1 : 0;
    case PickleType::NumpyScalar: {
      const char kind = as_numpy_scalar().dtype.kind;
      if (kind == 'b' || kind == 'i' || kind == 'u') return as_numpy_scalar().to_int64();
      break;
    }
    default:
      break;
  }
  type_mismatch(*this, "an integer");
}

double PickleValue::as_double() const {
  switch (type()) {
    case PickleType::Float:
      return payload_.real;
    case PickleType::Int:
      return static_cast<double>(payload_.integer);
    case PickleType::Bool:
      return payload_.boolean ? 1.0 : 0.0;
    case PickleType::NumpyScalar:
      if (as_numpy_scalar().dtype.kind != 'c') return as_numpy_scalar().to_double();
      break;
    default:
      break;
  }
  type_mismatch(*this, "a number");
}

const std::string& PickleValue::as_str() const {
  return node_as<detail::TextNode>(*this, PickleType::Str, "a str").text;
}

const std::string& PickleValue::as_bytes() const {
  return node_as<detail::TextNode>(*this, PickleType::Bytes, "bytes").text;
}

const PickleValue::List& PickleValue::as_list() const {
  return node_as<detail::SequenceNode>(*this, PickleType::List, "a list").items;
}

const PickleValue::List& PickleValue::as_tuple() const {
  return node_as<detail::SequenceNode>(*this, PickleType::Tuple, "a tuple").items;
}

const PickleValue::List& PickleValue::as_sequence() const {
  if (type() != PickleType::List && type() != PickleType::Tuple) type_mismatch(*this, "a list or tuple");
  return static_cast<const detail::SequenceNode*>(payload_.node)->items;
}

const PickleDict& PickleValue::as_dict() const {
  return node_as<detail::DictNode>(*this, PickleType::Dict, "a dict").dict;
}

const PickleSet& PickleValue::as_set() const { return node_as<detail::SetNode>(*this, PickleType::Set, "a set").set; }

const NumpyDtype& PickleValue::as_numpy_dtype() const {
  return node_as<detail::DtypeNode>(*this, PickleType::NumpyDtype, "a numpy dtype").dtype;
}

const NumpyScalar& PickleValue::as_numpy_scalar() const {
  return node_as<detail::ScalarNode>(*this, PickleType::NumpyScalar, "a numpy scalar").scalar;
}

const NumpyArray& PickleValue::as_ndarray() const {
  return node_as<detail::ArrayNode>(*this, PickleType::NumpyArray, "a numpy array").array;
}

const std::string& PickleValue::global_name() const {
  return node_as<detail::GlobalNode>(*this, PickleType::Global, "a class or function").name;
}

const PickleValue& PickleValue::get(std::string_view key) const { return as_dict().get(key); }
const PickleValue* PickleValue::find(std::string_view key) const { return as_dict().find(key); }

std::string PickleValue::repr(std::size_t max_chars) const {
  std::string out;
  repr_into(*this, out, max_chars);
  if (out.size() > max_chars) {
    out.resize(max_chars);
    out += "...";
  }
  return out;
}

void PickleValue::append(PickleValue item) {
  NASRANK_CHECK(type() == PickleType::List, "append() on a " + std::string(type_name()));
  check_insertable(*this, item);
  Access::note_insertion(*this, item);
  Access::items(*this).push_back(std::move(item));
}

void PickleValue::set_item(PickleValue key, PickleValue value) {
  NASRANK_CHECK(type() == PickleType::Dict, "set_item() on a " + std::string(type_name()));
  NASRANK_CHECK(Access::unhashable_reason(key).empty(), Access::unhashable_reason(key));
  check_insertable(*this, key);
  check_insertable(*this, value);
  Access::note_insertion(*this, key);
  Access::note_insertion(*this, value);
  Access::dict_insert(*this, std::move(key), std::move(value));
}

void PickleValue::add(PickleValue item) {
  NASRANK_CHECK(type() == PickleType::Set, "add() on a " + std::string(type_name()));
  NASRANK_CHECK(Access::unhashable_reason(item).empty(), Access::unhashable_reason(item));
  check_insertable(*this, item);
  Access::note_insertion(*this, item);
  Access::set_insert(*this, std::move(item));
}

bool operator==(const PickleValue& a, const PickleValue& b) {
  std::uint64_t budget = kComparisonBudget;
  return equal(a, b, budget);
}

// ---- PickleDict / PickleSet ---------------------------------------------------

std::size_t PickleDict::lookup(const PickleValue& key, std::size_t hash) const {
  return find_key(
      index_, items_.size(), hash, [this](std::size_t i) -> const PickleValue& { return items_[i].first; }, key);
}

void PickleDict::rebuild_index() {
  build_index(index_, items_.size(), [this](std::size_t i) -> const PickleValue& { return items_[i].first; });
}

void PickleDict::insert_or_assign(PickleValue key, PickleValue value) {
  const bool indexed = !index_.empty();
  const std::size_t hash = indexed ? hash_key(key) : 0;
  const std::size_t pos = lookup(key, hash);
  if (pos < items_.size()) {
    items_[pos].second = std::move(value);
    return;
  }
  NASRANK_CHECK(items_.size() < std::numeric_limits<std::uint32_t>::max() - 1, "dict too large");
  items_.emplace_back(std::move(key), std::move(value));
  if (indexed)
    index_new_item(index_, items_.size(), hash);
  else if (items_.size() > kLinearLimit)
    rebuild_index();
}

void PickleDict::reserve(std::size_t extra_items) {
  const std::size_t wanted = items_.size() + extra_items;
  if (items_.capacity() < wanted) items_.reserve(std::max(wanted, 2 * items_.size()));
  if (wanted > kLinearLimit && index_.size() < capacity_for(wanted)) {
    std::vector<std::uint64_t> grown(capacity_for(wanted), 0);
    if (index_.empty()) {
      for (std::size_t i = 0; i < items_.size(); ++i) place(grown, slot_entry(hash_key(items_[i].first), i));
    } else {
      for (const std::uint64_t entry : index_)
        if (entry != 0) place(grown, entry);
    }
    index_.swap(grown);
  }
}

const PickleValue* PickleDict::find(const PickleValue& key) const {
  const auto hash = lookup_hash(index_, key);
  if (!hash) return nullptr;
  const std::size_t pos = lookup(key, *hash);
  return pos < items_.size() ? &items_[pos].second : nullptr;
}

const PickleValue* PickleDict::find(std::string_view key) const {
  for (const bool as_bytes : {false, true}) {
    const PickleType wanted = as_bytes ? PickleType::Bytes : PickleType::Str;
    auto matches = [&](const PickleValue& candidate) {
      return candidate.type() == wanted && static_cast<const detail::TextNode*>(Access::node(candidate))->text == key;
    };
    std::size_t pos = items_.size();
    if (index_.empty()) {
      for (std::size_t i = 0; i < items_.size(); ++i)
        if (matches(items_[i].first)) {
          pos = i;
          break;
        }
    } else {
      pos = probe(
          index_, items_.size(), text_hash(key, as_bytes),
          [this](std::size_t i) -> const PickleValue& { return items_[i].first; }, matches);
    }
    if (pos < items_.size()) return &items_[pos].second;
  }
  return nullptr;
}

const PickleValue& PickleDict::get(std::string_view key) const {
  if (const PickleValue* value = find(key)) return *value;
  throw InputError("missing key " + PickleValue::str(std::string(key)).repr(60) + " in " +
                   (ordered_ ? "OrderedDict" : "dict") + " with keys " + keys_summary());
}

const PickleValue& PickleDict::get(const PickleValue& key) const {
  if (const PickleValue* value = find(key)) return *value;
  throw InputError("missing key " + key.repr(60) + " in " + (ordered_ ? "OrderedDict" : "dict") + " with keys " +
                   keys_summary());
}

std::string PickleDict::keys_summary(std::size_t max_keys) const {
  std::string out = "[";
  for (std::size_t i = 0; i < items_.size() && i < max_keys; ++i) {
    if (i) out += ", ";
    out += items_[i].first.repr(30);
  }
  if (items_.size() > max_keys) out += ", ... (" + std::to_string(items_.size()) + " keys)";
  return out + "]";
}

std::size_t PickleSet::lookup(const PickleValue& item, std::size_t hash) const {
  return find_key(
      index_, items_.size(), hash, [this](std::size_t i) -> const PickleValue& { return items_[i]; }, item);
}

void PickleSet::rebuild_index() {
  build_index(index_, items_.size(), [this](std::size_t i) -> const PickleValue& { return items_[i]; });
}

void PickleSet::insert(PickleValue item) {
  const bool indexed = !index_.empty();
  const std::size_t hash = indexed ? hash_key(item) : 0;
  if (lookup(item, hash) < items_.size()) return;
  NASRANK_CHECK(items_.size() < std::numeric_limits<std::uint32_t>::max() - 1, "set too large");
  items_.push_back(std::move(item));
  if (indexed)
    index_new_item(index_, items_.size(), hash);
  else if (items_.size() > kLinearLimit)
    rebuild_index();
}

bool PickleSet::contains(const PickleValue& item) const {
  const auto hash = lookup_hash(index_, item);
  return hash && lookup(item, *hash) < items_.size();
}

// ---- reader support -------------------------------------------------------------

namespace detail {

void destroy_node(PickleNodeBase* node, PickleType type) noexcept {
  switch (type) {
    case PickleType::Str:
    case PickleType::Bytes:
      delete static_cast<TextNode*>(node);
      return;
    case PickleType::List:
    case PickleType::Tuple:
      delete static_cast<SequenceNode*>(node);
      return;
    case PickleType::Dict:
      delete static_cast<DictNode*>(node);
      return;
    case PickleType::Set:
      delete static_cast<SetNode*>(node);
      return;
    case PickleType::NumpyDtype:
      delete static_cast<DtypeNode*>(node);
      return;
    case PickleType::NumpyScalar:
      delete static_cast<ScalarNode*>(node);
      return;
    case PickleType::NumpyArray:
      delete static_cast<ArrayNode*>(node);
      return;
    case PickleType::Global:
      delete static_cast<GlobalNode*>(node);
      return;
    case PickleType::None:
    case PickleType::Bool:
    case PickleType::Int:
    case PickleType::Float:
      break;
  }
}

namespace {

// Free lists of node-sized blocks, one per 16-byte size class and thread. A
// block freed on another thread simply joins that thread's list; each list
// keeps at most kMaxFreeBlocks, so idle memory is bounded and goes back to
// malloc beyond that.
constexpr std::size_t kSizeClass = 16;
constexpr std::size_t kPooledClasses = 10;  // blocks up to 160 bytes
constexpr std::size_t kMaxFreeBlocks = 1 << 14;

struct FreeBlock {
  FreeBlock* next;
};

// Nodes may die after this thread's lists (a static PickleValue at exit):
// they then go straight back to the global allocator.
thread_local bool free_lists_gone = false;

struct FreeLists {
  FreeBlock* head[kPooledClasses] = {};
  std::size_t count[kPooledClasses] = {};
  ~FreeLists() {
    free_lists_gone = true;
    for (FreeBlock* block : head)
      while (block) {
        FreeBlock* next = block->next;
        ::operator delete(block);
        block = next;
      }
  }
};

thread_local FreeLists free_lists;

}  // namespace

void* PickleNodeBase::operator new(std::size_t size) {
  const std::size_t size_class = (size + kSizeClass - 1) / kSizeClass;
  if (size_class >= kPooledClasses || free_lists_gone) return ::operator new(size_class* kSizeClass);
  FreeLists& lists = free_lists;
  if (FreeBlock* block = lists.head[size_class]) {
    lists.head[size_class] = block->next;
    --lists.count[size_class];
    return block;
  }
  return ::operator new(size_class* kSizeClass);
}

void PickleNodeBase::operator delete(void* p, std::size_t size) noexcept {
  const std::size_t size_class = (size + kSizeClass - 1) / kSizeClass;
  if (size_class >= kPooledClasses || free_lists_gone) {
    ::operator delete(p);
    return;
  }
  FreeLists& lists = free_lists;
  if (lists.count[size_class] >= kMaxFreeBlocks) {
    ::operator delete(p);
    return;
  }
  auto* block = static_cast<FreeBlock*>(p);
  block->next = lists.head[size_class];
  lists.head[size_class] = block;
  ++lists.count[size_class];
}

PickleValue Access::global(GlobalId id, std::string name) {
  return adopt(PickleType::Global, new GlobalNode(id, std::move(name)));
}

std::string Access::insertion_problem(const PickleValue& parent, const PickleValue& child, std::size_t max_depth) {
  if (node(parent)->sealed)
    return "changes a " + std::string(parent.type_name()) +
           " that is already inside another container (self-referencing structures are not supported)";
  if (node(child) == node(parent))
    return "puts a " + std::string(parent.type_name()) +
           " inside itself (self-referencing structures are not supported)";
  if (is_container(child) && static_cast<std::size_t>(node(child)->height) + 1 > max_depth)
    return "nests containers more than " + std::to_string(max_depth) + " levels deep";
  return {};
}

void Access::note_insertion(const PickleValue& parent, const PickleValue& child) {
  if (!is_container(child)) return;
  node(parent)->height = std::max(node(parent)->height, node(child)->height + 1);
  node(child)->sealed = true;
}

std::string Access::unhashable_reason(const PickleValue& v) {
  if (try_hash(v)) return {};
  std::string_view culprit = v.type_name();
  if (v.type() == PickleType::Tuple)
    for (const PickleValue& item : v.as_tuple())
      if (!try_hash(item)) culprit = item.type_name();
  return "unhashable type '" + std::string(culprit) + "' used as a dict key or set element";
}

std::shared_ptr<const std::string> Access::share_bytes(const PickleValue& bytes) {
  // The array keeps its own reference to the bytes' node.
  auto* text_node = static_cast<TextNode*>(node(bytes));
  text_node->refs.fetch_add(1, std::memory_order_relaxed);
  return std::shared_ptr<const std::string>(&text_node->text, [text_node](const std::string*) {
    if (text_node->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy_node(text_node, PickleType::Bytes);
  });
}

std::size_t find_invalid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // ASCII runs, eight bytes at a time.
    while (i + 8 <= n) {
      std::uint64_t chunk;
      std::memcpy(&chunk, s + i, 8);
      if (chunk & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length;
    std::uint32_t code;
    if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
      code = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      code = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
      code = c & 0x07;
    } else {
      return i;
    }
    if (i + length > n) return i;
    for (std::size_t k = 1; k < length; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return i;
      code = (code << 6) | (s[i + k] & 0x3f);
    }
    // Overlong forms and values past U+10FFFF; surrogates pass (Python writes them with 'surrogatepass').
    if ((length == 3 && code < 0x800) || (length == 4 && (code < 0x10000 || code > 0x10ffff))) return i;
    i += length;
  }
  return std::string_view::npos;
}

std::string latin1_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80) {
      out += c;
    } else {
      out += static_cast<char>(0xc0 | (u >> 6));
      out += static_cast<char>(0x80 | (u & 0x3f));
    }
  }
  return out;
}

std::optional<std::string> utf8_to_latin1(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (u < 0x80) {
      out += text[i];
    } else if ((u == 0xc2 || u == 0xc3) && i + 1 < text.size()) {
      out += static_cast<char>(((u & 0x03) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3f));
      ++i;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::string quote_for_message(std::string_view text, std::size_t max_chars) {
  std::string out = "'";
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (out.size() > max_chars) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(text[i]);
    if (u >= 0x20 && u < 0x7f && u != '\'' && u != '\\') {
      out += text[i];
    } else {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out + "'";
}

}  // namespace detail
}  // namespace nasrank::io
