#pragma once
// Combining stores (e.g. the shard files of parallel workers) into one.
#include "nasrank/store/store.h"

#include <filesystem>
#include <string>
#include <vector>

namespace nasrank::store {

struct MergeOptions {
  // Conflicting duplicates: Fail (default), KeepExisting (the first input
  // that has the run wins) or Replace (the last one wins). Identical
  // duplicates are only reported.
  DuplicatePolicy policy = DuplicatePolicy::Fail;
  // Replace an existing output that is not one of the inputs.
  bool overwrite = false;
  // Also read inputs of store format 1 (OpenMode::ReadFormat1; see there why
  // only trusted ones). The output is always written in the current format.
  bool upgrade = false;
};

struct MergeDuplicate {
  RunKey key;
  bool identical = false;
  std::filesystem::path input;  // where the second copy came from
};

struct MergeReport {
  std::size_t inputs = 0;
  std::size_t runs_read = 0;
  std::size_t added = 0;
  std::size_t identical_duplicates = 0;
  std::size_t conflicting_duplicates = 0;
  std::vector<MergeDuplicate> duplicates;
  std::size_t total = 0;  // runs in the output afterwards
};

// Writes `output` (atomically, see store.h) with every run of `inputs`. The
// output may also be listed as an input, which merges into it; otherwise an
// existing output is an InputError unless options.overwrite. Nothing is
// written when an input cannot be read or a conflict fails the merge.
MergeReport merge_stores(const std::filesystem::path& output, const std::vector<std::filesystem::path>& inputs,
                         const MergeOptions& options = {});

}  // namespace nasrank::store
