#pragma once
// A store as one flat table: one row per run, one column per field and per
// split metric (accuracy:<split>, loss:<split>). Curves are left out; they
// are read with ResultStore::read or straight from the HDF5 file.
#include "nasrank/store/store.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace nasrank::store {

struct FlatTable {
  std::vector<std::string> columns;
  std::vector<std::vector<nlohmann::json>> rows;  // numbers, strings, booleans; null = not measured
};

FlatTable flat_table(const ResultStore& store, const RunFilter& filter = {});

}  // namespace nasrank::store
