#include "nasrank/dataset/splits.h"

#include "dataset/file_bytes.h"
#include "nasrank/common/error.h"
#include "nasrank/common/python_random.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <system_error>

namespace nasrank::dataset {
namespace {

using nlohmann::ordered_json;

std::size_t parse_index(const ordered_json& element, const std::string& where) {
  if (element.is_number_unsigned()) return element.get<std::size_t>();
  if (!element.is_string()) throw InputError(where + " = " + element.dump() + " is not an index string");
  const std::string& text = element.get_ref<const std::string&>();
  // At most 18 digits: no overflow, and far above any dataset size.
  if (text.empty() || text.size() > 18 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    throw InputError(where + " = \"" + text + "\" is not a non-negative decimal integer");
  return static_cast<std::size_t>(std::stoull(text));
}

bool directory_exists(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::is_directory(path, error);
}

}  // namespace

const std::vector<std::size_t>& SplitFile::indices(const std::string& key) const {
  for (const auto& [name, values] : splits)
    if (name == key) return values;
  std::string keys;
  for (const auto& split : splits) keys += (keys.empty() ? "'" : ", '") + split.first + "'";
  throw InputError("split file '" + source + "': no split '" + key + "' (it has " + (keys.empty() ? "none" : keys) +
                   ")");
}

SplitFile parse_split_file(const std::string& text, const std::string& source) {
  const std::string where = "split file '" + source + "'";
  ordered_json root;
  try {
    root = ordered_json::parse(text);
  } catch (const ordered_json::parse_error& error) {
    throw InputError(where + ": not valid JSON at byte " + std::to_string(error.byte) + ": " + error.what());
  } catch (const ordered_json::out_of_range& error) {  // a number beyond the range of a double ("1e999")
    throw InputError(where + ": not valid JSON: " + error.what());
  }
  if (!root.is_object())
    throw InputError(where + ": expected a JSON object of splits, found " + std::string(root.type_name()));
  SplitFile file;
  file.source = source;
  for (const auto& item : root.items()) {
    const std::string key_where = where + ": split '" + item.key() + "'";
    const ordered_json& value = item.value();
    if (!value.is_array() || value.size() != 2 || !value[0].is_string() || !value[1].is_array())
      throw InputError(key_where + ": expected [\"int\", [index, ...]], found " + value.dump().substr(0, 60));
    if (value[0].get<std::string>() != "int")
      throw InputError(key_where + ": type tag \"" + value[0].get<std::string>() + "\" is not \"int\"");
    std::vector<std::size_t> indices;
    indices.reserve(value[1].size());
    for (std::size_t position = 0; position < value[1].size(); ++position)
      indices.push_back(parse_index(value[1][position], key_where + " element " + std::to_string(position)));
    std::vector<std::size_t> sorted = indices;
    std::sort(sorted.begin(), sorted.end());
    if (const auto duplicate = std::adjacent_find(sorted.begin(), sorted.end()); duplicate != sorted.end()) {
      const auto first = std::find(indices.begin(), indices.end(), *duplicate);
      const auto second = std::find(first + 1, indices.end(), *duplicate);
      throw InputError(key_where + ": index " + std::to_string(*duplicate) + " appears twice (elements " +
                       std::to_string(first - indices.begin()) + " and " + std::to_string(second - indices.begin()) +
                       ")");
    }
    file.splits.emplace_back(item.key(), std::move(indices));
  }
  return file;
}

SplitFile read_split_file(const std::filesystem::path& path) {
  return parse_split_file(detail::read_file_bytes(path).bytes, path.string());
}

void check_split_range(const SplitFile& file, const std::string& key, std::size_t dataset_size) {
  const std::vector<std::size_t>& indices = file.indices(key);
  for (std::size_t position = 0; position < indices.size(); ++position)
    if (indices[position] >= dataset_size)
      throw InputError("split file '" + file.source + "': split '" + key + "' element " + std::to_string(position) +
                       " = " + std::to_string(indices[position]) + " is outside the dataset's " +
                       std::to_string(dataset_size) + " images; wrong dataset for this split?");
}

std::filesystem::path find_splits_dir(const std::string& configured) {
  if (!configured.empty()) {
    if (!directory_exists(configured)) throw InputError("splits directory '" + configured + "' does not exist");
    return configured;
  }
  std::vector<std::filesystem::path> candidates;
  if (const char* splits = std::getenv("NASRANK_SPLITS_DIR"); splits != nullptr && *splits != '\0')
    candidates.emplace_back(splits);
  if (const char* shared = std::getenv("NASRANK_SHARED_DIR"); shared != nullptr && *shared != '\0')
    candidates.push_back(std::filesystem::path(shared) / "data" / "nb201" / "splits");
  candidates.push_back(std::filesystem::path("..") / "shared" / "data" / "nb201" / "splits");
  candidates.push_back(std::filesystem::path(NASRANK_DATASET_SOURCE_DIR).parent_path() / "shared" / "data" / "nb201" /
                       "splits");
  std::string tried;
  for (const auto& candidate : candidates) {
    if (directory_exists(candidate)) return candidate;
    tried += (tried.empty() ? "'" : ", '") + candidate.string() + "'";
  }
  throw InputError("no split files found; tried " + tried +
                   " (set NASRANK_SPLITS_DIR to the folder of the benchmark's split files: "
                   "cifar-split.txt and the others NAS-Bench-201 publishes)");
}

IndexSplit python_shuffle_split(std::size_t n, std::size_t first_count, std::uint64_t seed) {
  if (first_count > n)
    throw InputError("random split: " + std::to_string(first_count) + " of " + std::to_string(n) + " items requested");
  if (n > 0xffffffffULL) throw InputError("random split: " + std::to_string(n) + " items exceed 2^32");
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  PythonRandom random(seed);
  random.shuffle(order);
  IndexSplit split;
  split.first.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(first_count));
  split.second.assign(order.begin() + static_cast<std::ptrdiff_t>(first_count), order.end());
  std::sort(split.first.begin(), split.first.end());
  std::sort(split.second.begin(), split.second.end());
  return split;
}

}  // namespace nasrank::dataset
