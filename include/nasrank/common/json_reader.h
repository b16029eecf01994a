#pragma once
// The one strict reader of JSON configuration objects (protocols, analysis,
// dataset and loader settings, calibrations, results, graph JSON): every key
// is read through a typed getter with its allowed range, whatever is left
// unread is an unknown key, and every message names the input and the key
// path inside it:
//
//   protocol 'p.json': key 'optimizer.momentum' = 1.5: must be in [0, 1)
//   protocol 'p.json': unknown key 'optimizer.momentun' = 0.9 (known keys: type, momentum, nesterov, weight_decay)
//
//   JsonObjectReader reader(json, "protocol 'p.json'");
//   reader.read("epochs", protocol.epochs, 1, 100000);
//   read_network(reader.child("network"));
//   reader.finish();
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace nasrank {

// An interval of allowed numbers; open ends exclude the bound.
struct NumberRange {
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
  bool low_open = false;
  bool high_open = false;
};

class JsonObjectReader {
 public:
  // `context` names the input in every message ("protocol 'p.json'",
  // "analysis options"); `path` is this object's key path inside it ("" at
  // the top). A value that is not an object is an InputError.
  JsonObjectReader(const nlohmann::json& object, std::string context, std::string path = "");

  bool has(const std::string& key) const { return object_->contains(key); }
  // The value of `key` (nullptr when absent); the key counts as known.
  const nlohmann::json* find(const std::string& key);
  // The value of a key that must be there: "<context>: missing key '<path>'".
  const nlohmann::json& required(const std::string& key);

  // Each getter leaves `out` as it is when the key is absent, and throws
  // InputError naming the key path when the value has the wrong type or is
  // out of range.
  void read(const std::string& key, bool& out);
  void read(const std::string& key, std::string& out);
  void read(const std::string& key, double& out, const NumberRange& range = {});
  void read(const std::string& key, std::vector<double>& out);  // finite numbers
  // A number, or null read as NaN (JSON has no NaN; writers put null).
  void read_nullable(const std::string& key, double& out);
  // Integer literals only (2.5 and 2.0e0 are refused), within [low, high].
  template <typename Int>
  void read(const std::string& key, Int& out, long long low, long long high) {
    out = static_cast<Int>(read_integer(key, static_cast<long long>(out), low, high));
  }
  // Non-negative integer literals up to 2^64 - 1 (seeds, counts).
  void read(const std::string& key, std::uint64_t& out);
  void read_count(const std::string& key, std::size_t& out);

  // The object under `key`, for nested settings; an absent key reads as {}.
  JsonObjectReader child(const std::string& key);

  // Throws InputError for the first key no getter asked for.
  void finish() const;

  // "<context>: key '<path>' = <value>: <problem>"
  [[noreturn]] void fail(const std::string& key, const nlohmann::json& value, const std::string& problem) const;
  std::string key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const std::string& context() const { return context_; }
  const nlohmann::json& object() const { return *object_; }

 private:
  long long read_integer(const std::string& key, long long current, long long low, long long high);

  const nlohmann::json* object_;
  std::string context_;
  std::string path_;
  std::vector<std::string> known_;  // keys asked for, in the order asked
};

// A value as messages quote it: compact JSON, cut at 60 characters.
std::string short_json(const nlohmann::json& value);

}  // namespace nasrank
