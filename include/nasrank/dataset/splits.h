#pragma once
// The benchmark's split files and its recipe for random splits.
//
// A split file is JSON of the form {"train": ["int", ["0", "5", ...]], ...}:
// each key maps to a type tag (only "int") and a list of decimal index strings.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace nasrank::dataset {

struct SplitFile {
  std::string source;                                                    // path or name, for messages and provenance
  std::vector<std::pair<std::string, std::vector<std::size_t>>> splits;  // in file order

  // The indices of `key`; a missing key throws InputError listing the keys.
  const std::vector<std::size_t>& indices(const std::string& key) const;
};

// Parses a split file. Malformed JSON, a wrong shape, a non-integer or
// duplicate index throw InputError naming the source, the key and the position.
SplitFile parse_split_file(const std::string& text, const std::string& source);
SplitFile read_split_file(const std::filesystem::path& path);

// Checks that every index of `key` is < dataset_size; throws InputError naming
// the file, the key, the position and the value otherwise.
void check_split_range(const SplitFile& file, const std::string& key, std::size_t dataset_size);

// The directory holding the benchmark's split files. `configured` (when not
// empty) must exist. Otherwise the first existing one of: $NASRANK_SPLITS_DIR,
// $NASRANK_SHARED_DIR/data/nb201/splits, ../shared/data/nb201/splits relative
// to the working directory, and ../shared/data/nb201/splits beside the source
// tree this library was built from. None found throws InputError listing them.
std::filesystem::path find_splits_dir(const std::string& configured = "");

// The benchmark's random split of range(n): CPython random.seed(seed);
// random.shuffle(list(range(n))); `first` = the first `first_count` entries
// sorted, `second` = the rest sorted. (seed 1021, n 50000, 25000 reproduces
// cifar-split.txt.)
struct IndexSplit {
  std::vector<std::size_t> first;
  std::vector<std::size_t> second;
};
IndexSplit python_shuffle_split(std::size_t n, std::size_t first_count, std::uint64_t seed);

}  // namespace nasrank::dataset
