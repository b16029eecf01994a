#pragma once
// Internal: the heap nodes behind PickleValue and the operations the reader
// needs beyond the public API. Not installed; include only from src/io.
#include <cstdint>
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "nasrank/io/pickle.h"

namespace nasrank::io::detail {

// The whitelisted callables (see pickle.h).
enum class GlobalId : std::uint8_t {
  OrderedDict,
  Set,
  FrozenSet,
  Bytes,
  CodecsEncode,
  NumpyDtype,
  NumpyScalar,
  NumpyReconstruct,
  NumpyNdarray,
  NumpyFromBuffer,
};

struct PickleNode : PickleNodeBase {
  // Containers only: 1 + the height of the tallest child container.
  std::uint32_t height = 1;
  // Set once the container is inside another one; it may not change after that.
  bool sealed = false;
};

struct TextNode final : PickleNode {  // Str and Bytes
  explicit TextNode(std::string t) : text(std::move(t)) {}
  std::string text;
};

struct SequenceNode final : PickleNode {  // List and Tuple
  explicit SequenceNode(PickleValue::List i) : items(std::move(i)) {}
  PickleValue::List items;
  std::optional<std::size_t> cached_hash;  // tuples: immutable, so hashed once
};

struct DictNode final : PickleNode {
  explicit DictNode(bool ordered) : dict(ordered) {}
  PickleDict dict;
};

struct SetNode final : PickleNode {
  explicit SetNode(bool frozen) : set(frozen) {}
  PickleSet set;
  std::optional<std::size_t> cached_hash;  // frozensets
};

struct DtypeNode final : PickleNode {
  explicit DtypeNode(NumpyDtype d) : dtype(d) {}
  NumpyDtype dtype;
};

struct ScalarNode final : PickleNode {
  explicit ScalarNode(NumpyScalar s) : scalar(std::move(s)) {}
  NumpyScalar scalar;
};

struct ArrayNode final : PickleNode {
  explicit ArrayNode(NumpyArray a) : array(std::move(a)) {}
  NumpyArray array;
};

struct GlobalNode final : PickleNode {
  GlobalNode(GlobalId i, std::string n) : id(i), name(std::move(n)) {}
  GlobalId id;
  std::string name;  // "module.qualname"
};

// Reader-internal marks kept in the high byte of PickleValue::tag_.
enum ReaderState : std::uint8_t {
  kNormal = 0,
  kUnsetMemo = 1,  // a memo slot nobody wrote
  kHandedOut = 2,  // a stack slot whose value went to the streaming callback
};

struct Access {
  static PickleNode* node(const PickleValue& v) {
    return v.holds_node() ? static_cast<PickleNode*>(v.payload_.node) : nullptr;
  }
  // Takes ownership of a new node (its count starts at 1).
  static PickleValue adopt(PickleType type, PickleNode* node) {
    PickleValue v;
    v.tag_ = static_cast<std::uint16_t>(type);
    v.payload_.node = node;
    return v;
  }
  static std::uint8_t state(const PickleValue& v) { return static_cast<std::uint8_t>(v.tag_ >> 8); }
  static PickleValue with_state(std::uint8_t state) {
    PickleValue v;
    v.tag_ = static_cast<std::uint16_t>(state << 8);
    return v;
  }
  static PickleValue global(GlobalId id, std::string name);

  // Copy and release that update the reference count without a bus lock.
  // Only for nodes no other thread can reach: those of a parse in progress.
  static PickleValue copy_exclusive(const PickleValue& v) {
    PickleValue out;
    out.payload_ = v.payload_;
    out.tag_ = v.tag_;
    if (v.holds_node()) {
      auto& refs = v.payload_.node->refs;
      refs.store(refs.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    return out;
  }
  static void release_exclusive(PickleValue& v) {
    if (v.holds_node()) {
      auto& refs = v.payload_.node->refs;
      const std::uint32_t count = refs.load(std::memory_order_relaxed);
      if (count == 1)
        destroy_node(v.payload_.node, v.type());
      else
        refs.store(count - 1, std::memory_order_relaxed);
    }
    v.tag_ = 0;
    v.payload_.integer = 0;
  }
  static GlobalId global_id(const PickleValue& v) { return static_cast<const GlobalNode*>(node(v))->id; }

  static bool is_container(const PickleValue& v) {
    switch (v.type()) {
      case PickleType::List:
      case PickleType::Tuple:
      case PickleType::Dict:
      case PickleType::Set:
      case PickleType::NumpyArray:
        return true;
      default:
        return false;
    }
  }
  // Why `child` may not go into `parent` (empty when it may), given the depth limit.
  static std::string insertion_problem(const PickleValue& parent, const PickleValue& child, std::size_t max_depth);
  // Records that `child` now sits in `parent` (height, seal). Check first.
  static void note_insertion(const PickleValue& parent, const PickleValue& child);
  static bool sealed(const PickleValue& v) { return v.holds_node() && node(v)->sealed; }
  static void seal(const PickleValue& v) {
    if (v.holds_node()) node(v)->sealed = true;
  }
  static std::uint32_t height(const PickleValue& v) { return is_container(v) ? node(v)->height : 0; }

  // Python hashability: the reason a value cannot be a dict key / set element, or empty.
  static std::string unhashable_reason(const PickleValue& v);

  static PickleValue::List& items(PickleValue& v) { return static_cast<SequenceNode*>(node(v))->items; }
  static PickleDict& dict(PickleValue& v) { return static_cast<DictNode*>(node(v))->dict; }
  static PickleSet& set(PickleValue& v) { return static_cast<SetNode*>(node(v))->set; }
  static void dict_insert(PickleValue& d, PickleValue key, PickleValue value) {
    dict(d).insert_or_assign(std::move(key), std::move(value));
  }
  static void set_insert(PickleValue& s, PickleValue item) { set(s).insert(std::move(item)); }
  static void dict_reserve(PickleValue& d, std::size_t extra) { dict(d).reserve(extra); }
  static NumpyDtype& dtype(PickleValue& v) { return static_cast<DtypeNode*>(node(v))->dtype; }
  static NumpyArray& array(PickleValue& v) { return static_cast<ArrayNode*>(node(v))->array; }
  // Shares the bytes of a Bytes value (no copy) for an array's data.
  static std::shared_ptr<const std::string> share_bytes(const PickleValue& bytes);
};

// Element conversion shared by NumpyScalar and NumpyArray.
double numpy_element_to_double(const NumpyDtype& dtype, const unsigned char* p);

// Checks UTF-8 the way Python's 'surrogatepass' decoder does (encoded
// surrogates allowed); returns the offset of the first bad byte, or npos.
std::size_t find_invalid_utf8(std::string_view text);
// Latin-1 bytes -> UTF-8 text.
std::string latin1_to_utf8(std::string_view bytes);
// UTF-8 text whose code points are all below 256 -> Latin-1 bytes; nullopt otherwise.
std::optional<std::string> utf8_to_latin1(std::string_view text);

// Quotes untrusted text for an error message: escapes control and non-ASCII
// bytes and cuts it to max_chars.
std::string quote_for_message(std::string_view text, std::size_t max_chars = 60);

}  // namespace nasrank::io::detail
