#pragma once
// The execution options `rerank` and `lr-search` share (where the store is,
// which shard, how many worker processes on which device): one set of
// options, one conversion to rerank::ExecutionOptions.
#include "nasrank/rerank/placement.h"

#include <CLI/CLI.hpp>

#include <string>

namespace nasrank::cli {

struct ExecutionFlags {
  std::string store;
  std::string shard = "0/1";
  int workers = 0;
  int workers_per_gpu = 0;
  int threads = 0;
  std::string device = "auto";
};

// `store_help` names the command's default store.
void add_execution_options(CLI::App& command, ExecutionFlags& flags, const std::string& store_help);

rerank::ExecutionOptions to_execution(const ExecutionFlags& flags);

}  // namespace nasrank::cli
