#include "nasrank/common/json_reader.h"

#include "nasrank/common/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace nasrank {
namespace {

std::string number_text(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

const nlohmann::json& empty_object() {
  static const nlohmann::json empty = nlohmann::json::object();
  return empty;
}

}  // namespace

std::string short_json(const nlohmann::json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

JsonObjectReader::JsonObjectReader(const nlohmann::json& object, std::string context, std::string path)
    : object_(&object), context_(std::move(context)), path_(std::move(path)) {
  if (object_->is_object()) return;
  if (path_.empty()) throw InputError(context_ + ": expected a JSON object, got " + short_json(*object_));
  throw InputError(context_ + ": key '" + path_ + "' = " + short_json(*object_) + ": must be a JSON object");
}

const nlohmann::json* JsonObjectReader::find(const std::string& key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.push_back(key);
  const auto it = object_->find(key);
  return it == object_->end() ? nullptr : &*it;
}

const nlohmann::json& JsonObjectReader::required(const std::string& key) {
  if (const nlohmann::json* v = find(key)) return *v;
  throw InputError(context_ + ": missing key '" + key_path(key) + "'");
}

void JsonObjectReader::fail(const std::string& key, const nlohmann::json& value, const std::string& problem) const {
  throw InputError(context_ + ": key '" + key_path(key) + "' = " + short_json(value) + ": " + problem);
}

void JsonObjectReader::read(const std::string& key, bool& out) {
  if (const nlohmann::json* v = find(key)) {
    if (!v->is_boolean()) fail(key, *v, "must be true or false");
    out = v->get<bool>();
  }
}

void JsonObjectReader::read(const std::string& key, std::string& out) {
  if (const nlohmann::json* v = find(key)) {
    if (!v->is_string()) fail(key, *v, "must be a string");
    out = v->get<std::string>();
  }
}

void JsonObjectReader::read(const std::string& key, double& out, const NumberRange& range) {
  const nlohmann::json* v = find(key);
  if (!v) return;
  if (!v->is_number()) fail(key, *v, "must be a number");
  const double x = v->get<double>();
  const bool above = range.low_open ? x > range.low : x >= range.low;
  const bool below = range.high_open ? x < range.high : x <= range.high;
  if (!above || !below)
    fail(key, *v,
         std::string("must be in ") + (range.low_open ? "(" : "[") + number_text(range.low) + ", " +
             number_text(range.high) + (range.high_open ? ")" : "]"));
  if (!std::isfinite(x)) fail(key, *v, "must be a finite number");
  out = x;
}

void JsonObjectReader::read(const std::string& key, std::vector<double>& out) {
  const nlohmann::json* v = find(key);
  if (!v) return;
  std::vector<double> values;
  if (!v->is_array()) fail(key, *v, "must be an array of numbers");
  for (const nlohmann::json& element : *v) {
    if (!element.is_number() || !std::isfinite(element.get<double>())) fail(key, *v, "must be an array of numbers");
    values.push_back(element.get<double>());
  }
  out = std::move(values);
}

void JsonObjectReader::read_nullable(const std::string& key, double& out) {
  const nlohmann::json* v = find(key);
  if (!v) return;
  if (v->is_null()) {
    out = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  if (!v->is_number()) fail(key, *v, "must be a number or null");
  out = v->get<double>();
}

long long JsonObjectReader::read_integer(const std::string& key, long long current, long long low, long long high) {
  const nlohmann::json* v = find(key);
  if (!v) return current;
  // is_number_integer, not get<long long>: nlohmann would truncate 2.5 to 2
  // and wrap an unsigned 2^63 to a negative number without a word.
  if (!v->is_number_integer() ||
      (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(high)))
    fail(key, *v,
         v->is_number_integer() ? "must be in " + std::to_string(low) + ".." + std::to_string(high)
                                : "must be an integer");
  const long long x = v->get<long long>();
  if (x < low || x > high) fail(key, *v, "must be in " + std::to_string(low) + ".." + std::to_string(high));
  return x;
}

void JsonObjectReader::read(const std::string& key, std::uint64_t& out) {
  if (const nlohmann::json* v = find(key)) {
    // Non-negative integers only: nlohmann would otherwise turn -1 into
    // 2^64-1 and truncate 2.5 to 2. A parsed 3 is unsigned, json(3) built in
    // C++ is signed; both are fine.
    const bool non_negative = v->is_number_unsigned() || (v->is_number_integer() && v->get<std::int64_t>() >= 0);
    if (!non_negative) fail(key, *v, "must be a non-negative integer");
    out = v->get<std::uint64_t>();
  }
}

void JsonObjectReader::read_count(const std::string& key, std::size_t& out) {
  std::uint64_t value = out;
  read(key, value);
  out = static_cast<std::size_t>(value);
}

JsonObjectReader JsonObjectReader::child(const std::string& key) {
  const nlohmann::json* v = find(key);
  return JsonObjectReader(v ? *v : empty_object(), context_, key_path(key));
}

void JsonObjectReader::finish() const {
  for (const auto& item : object_->items()) {
    if (std::find(known_.begin(), known_.end(), item.key()) != known_.end()) continue;
    std::string list;
    for (const std::string& key : known_) list += (list.empty() ? "" : ", ") + key;
    throw InputError(context_ + ": unknown key '" + key_path(item.key()) + "' = " + short_json(item.value()) +
                     (list.empty() ? std::string(" (this object takes no keys)") : " (known keys: " + list + ")"));
  }
}

}  // namespace nasrank
