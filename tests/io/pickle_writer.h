#pragma once
// Test helper: writes pickles the way CPython's protocol-4 pickler lays them
// out (MEMOIZE after each new object, STACK_GLOBAL, batches of 1000 items per
// SETITEMS/APPENDS), from PickleValue trees or opcode by opcode.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "nasrank/io/pickle.h"

namespace nasrank::testing {

class PickleWriter {
 public:
  // Strings for which `share` returns true are written once and referenced
  // with BINGET afterwards, like the interned key strings CPython shares
  // between records; all other strings are written fresh each time.
  explicit PickleWriter(std::function<bool(std::string_view)> share = nullptr) : share_(std::move(share)) {}

  std::string& bytes() { return out_; }

  PickleWriter& raw(std::string_view data) {
    out_.append(data);
    return *this;
  }
  PickleWriter& op(unsigned char code) {
    out_ += static_cast<char>(code);
    return *this;
  }
  PickleWriter& proto(int protocol) {
    op(0x80);
    return op(static_cast<unsigned char>(protocol));
  }
  PickleWriter& mark() { return op('('); }
  PickleWriter& stop() { return op('.'); }
  PickleWriter& empty_dict() {
    op('}');
    return memoize();
  }
  PickleWriter& setitems() { return op('u'); }
  PickleWriter& setitem() { return op('s'); }
  PickleWriter& empty_set() {
    op(0x8f);
    return memoize();
  }
  PickleWriter& additems() { return op(0x90); }

  PickleWriter& memoize() {
    op(0x94);
    ++next_memo_;
    return *this;
  }
  PickleWriter& get(std::uint32_t id) {
    if (id < 256) {
      op('h');
      return op(static_cast<unsigned char>(id));
    }
    op('j');
    return le(id, 4);
  }

  PickleWriter& integer(std::int64_t v) {
    if (v >= 0 && v < 256) {
      op('K');
      return op(static_cast<unsigned char>(v));
    }
    if (v >= 0 && v < 65536) {
      op('M');
      return le(static_cast<std::uint64_t>(v), 2);
    }
    if (v >= INT32_MIN && v <= INT32_MAX) {
      op('J');
      return le(static_cast<std::uint32_t>(static_cast<std::int32_t>(v)), 4);
    }
    op(0x8a);
    op(8);
    return le(static_cast<std::uint64_t>(v), 8);
  }

  PickleWriter& real(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    op('G');
    for (int i = 7; i >= 0; --i) op(static_cast<unsigned char>(bits >> (8 * i)));
    return *this;
  }

  PickleWriter& str(std::string_view s) {
    const bool shared = share_ && share_(s);
    if (shared) {
      if (auto it = strings_.find(std::string(s)); it != strings_.end()) return get(it->second);
    }
    text(s.size() < 256 ? 0x8c : 'X', s);
    if (shared) strings_.emplace(std::string(s), next_memo_);
    return memoize();
  }

  PickleWriter& bytes_value(std::string_view s) {
    text(s.size() < 256 ? 'C' : 'B', s);
    return memoize();
  }

  PickleWriter& global(const std::string& module, const std::string& name) {
    const std::string key = module + "." + name;
    if (auto it = globals_.find(key); it != globals_.end()) return get(it->second);
    text(0x8c, module);
    memoize();
    text(0x8c, name);
    memoize();
    op(0x93);
    globals_.emplace(key, next_memo_);
    return memoize();
  }

  // Writes a whole value tree.
  PickleWriter& value(const io::PickleValue& v) {
    using io::PickleType;
    switch (v.type()) {
      case PickleType::None:
        return op('N');
      case PickleType::Bool:
        return op(v.as_bool() ? 0x88 : 0x89);
      case PickleType::Int:
        return integer(v.as_int());
      case PickleType::Float:
        return real(v.as_double());
      case PickleType::Str:
        return str(v.as_str());
      case PickleType::Bytes:
        return bytes_value(v.as_bytes());
      case PickleType::List: {
        op(']');
        memoize();
        const auto& items = v.as_list();
        for (std::size_t begin = 0; begin < items.size(); begin += 1000) {
          const std::size_t end = std::min(items.size(), begin + 1000);
          if (end - begin == 1) {
            value(items[begin]);
            op('a');
            continue;
          }
          mark();
          for (std::size_t i = begin; i < end; ++i) value(items[i]);
          op('e');
        }
        return *this;
      }
      case PickleType::Tuple: {
        const auto& items = v.as_tuple();
        if (items.empty()) return op(')');
        if (items.size() <= 3) {
          for (const auto& item : items) value(item);
          op(static_cast<unsigned char>(0x84 + items.size()));
        } else {
          mark();
          for (const auto& item : items) value(item);
          op('t');
        }
        return memoize();
      }
      case PickleType::Dict: {
        if (v.as_dict().ordered()) {
          global("collections", "OrderedDict");
          op(')');
          op('R');
          memoize();
        } else {
          empty_dict();
        }
        const auto& items = v.as_dict().items();
        for (std::size_t begin = 0; begin < items.size(); begin += 1000) {
          const std::size_t end = std::min(items.size(), begin + 1000);
          if (end - begin == 1) {
            value(items[begin].first);
            value(items[begin].second);
            setitem();
            continue;
          }
          mark();
          for (std::size_t i = begin; i < end; ++i) {
            value(items[i].first);
            value(items[i].second);
          }
          setitems();
        }
        return *this;
      }
      case PickleType::Set: {
        if (v.as_set().frozen()) {
          mark();
          for (const auto& item : v.as_set()) value(item);
          op(0x91);
          return memoize();
        }
        empty_set();
        if (!v.as_set().empty()) {
          mark();
          for (const auto& item : v.as_set()) value(item);
          additems();
        }
        return *this;
      }
      case PickleType::NumpyDtype:
        return dtype(v.as_numpy_dtype());
      case PickleType::NumpyScalar:
        global("numpy.core.multiarray", "scalar");
        dtype(v.as_numpy_scalar().dtype);
        bytes_value(v.as_numpy_scalar().raw);
        op(0x86);
        memoize();
        op('R');
        return memoize();
      case PickleType::NumpyArray: {
        const io::NumpyArray& a = v.as_ndarray();
        global("numpy.core.multiarray", "_reconstruct");
        global("numpy", "ndarray");
        integer(0);
        op(0x85);
        memoize();
        bytes_value("b");
        op(0x87);
        memoize();
        op('R');
        memoize();
        mark();
        integer(1);
        mark();
        for (const std::int64_t d : a.shape) integer(d);
        op('t');
        memoize();
        dtype(a.dtype);
        op(0x89);
        bytes_value(a.raw());
        op('t');
        memoize();
        return op('b');
      }
      case PickleType::Global: {
        const std::string& name = v.global_name();
        const std::size_t dot = name.rfind('.');
        return global(name.substr(0, dot), name.substr(dot + 1));
      }
    }
    return *this;
  }

 private:
  PickleWriter& le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) op(static_cast<unsigned char>(v >> (8 * i)));
    return *this;
  }

  void text(unsigned char code, std::string_view s) {
    op(code);
    if (code == 0x8c || code == 'C')
      op(static_cast<unsigned char>(s.size()));
    else
      le(s.size(), 4);
    out_.append(s);
  }

  PickleWriter& dtype(const io::NumpyDtype& d) {
    const std::string spec = d.str();
    if (auto it = dtypes_.find(spec); it != dtypes_.end()) return get(it->second);
    global("numpy", "dtype");
    str(spec.substr(1));
    integer(0);
    integer(1);
    op(0x87);
    memoize();
    op('R');
    const std::uint32_t id = next_memo_;
    memoize();
    mark();
    integer(3);
    str(spec.substr(0, 1));
    op('N');
    op('N');
    op('N');
    integer(-1);
    integer(-1);
    integer(0);
    op('t');
    memoize();
    op('b');
    dtypes_.emplace(spec, id);
    return *this;
  }

  std::function<bool(std::string_view)> share_;
  std::string out_;
  std::uint32_t next_memo_ = 0;
  std::unordered_map<std::string, std::uint32_t> strings_;
  std::unordered_map<std::string, std::uint32_t> globals_;
  std::unordered_map<std::string, std::uint32_t> dtypes_;
};

}  // namespace nasrank::testing
