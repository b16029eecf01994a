#pragma once
// Shared by the `nasrank rerank` end-to-end tests: scratch folders, tiny
// protocols on the synthetic data, the command line, and reading back what
// the run left in its store and on stderr.
#include "cli_runner.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace nasrank::testing {

namespace fs = std::filesystem;

// NAS-Bench-201 cells the tests train. kIsoA (index 82) and kIsoB (8941) are
// one isomorphism class (same unique string, zeros considered: node 2 is
// conv(x0) either way); kDisconnected (1651) has no input-to-output path.
inline const std::string kDisconnected = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
inline const std::string kIsoA = "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|nor_conv_3x3~1|nor_conv_3x3~2|";
inline const std::string kIsoB = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|nor_conv_3x3~1|nor_conv_3x3~2|";
inline const std::string kConvChain =
    "|nor_conv_1x1~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|none~1|nor_conv_3x3~2|";
inline const std::string kConvPool =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|";
inline const std::string kWide =
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|";
// Its only input-to-output path is one identity: no parameterized edge, so a
// scaled learning rate is undefined for it.
inline const std::string kIdentityOnly = "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|";

// A fresh folder named after the running test, removed at the end.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / ("nasrank_cli_rerank_" + std::string(info->test_suite_name()) + "_" +
                                         info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// A protocol that trains a tiny network on a slice of the synthetic data in
// about a second. `overrides` is merged over the defaults.
inline fs::path tiny_protocol(const fs::path& dir, const std::string& name, const nlohmann::json& learning_rate,
                              const std::vector<int>& seeds,
                              const nlohmann::json& overrides = nlohmann::json::object()) {
  const fs::path path = dir / (name + ".json");
  nlohmann::json doc{{"name", name},
                     {"network", {{"channels", 4}, {"cells_per_stage", 1}}},
                     {"batch_size", 64},
                     {"epochs", 2},
                     {"learning_rate", learning_rate},
                     {"data", {{"train_subset", 256}, {"eval_subset", 128}, {"loader_workers", 0}}},
                     {"seeds", seeds}};
  doc.merge_patch(overrides);
  std::ofstream(path) << doc.dump();
  return path;
}

// `nasrank rerank` on the synthetic data with two single-threaded CPU workers.
inline std::vector<std::string> rerank_args(const std::vector<std::string>& archs,
                                            const std::vector<fs::path>& protocols, const fs::path& store,
                                            const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"rerank"};
  for (const auto& a : archs) {
    args.push_back("--arch");
    args.push_back(a);
  }
  for (const auto& p : protocols) {
    args.push_back("--protocol");
    args.push_back(p.string());
  }
  for (const char* a : {"--dataset", "synthetic", "--workers", "2", "--threads", "1", "--device", "cpu", "--store"})
    args.emplace_back(a);
  args.push_back(store.string());
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// Every row of the store, as `nasrank export --format json` prints it.
inline nlohmann::json export_rows(const fs::path& store) {
  const CliResult r = run_cli({"export", store.string(), "--format", "json"});
  if (r.exit_code != 0) {
    ADD_FAILURE() << "nasrank export " << store << " failed (" << r.exit_code << "): " << r.err;
    return nlohmann::json::array();
  }
  return nlohmann::json::parse(r.out);
}

// (arch, protocol, seed) of every row, with its multiplicity kept.
using RunId = std::tuple<std::string, std::string, std::int64_t>;
inline std::multiset<RunId> run_ids(const nlohmann::json& rows) {
  std::multiset<RunId> ids;
  for (const auto& row : rows)
    ids.emplace(row["arch"].get<std::string>(), row["protocol"].get<std::string>(), row["seed"].get<std::int64_t>());
  return ids;
}

inline std::multiset<RunId> planned_ids(const std::vector<std::string>& archs,
                                        const std::vector<std::string>& protocols,
                                        const std::vector<std::int64_t>& seeds) {
  std::multiset<RunId> ids;
  for (const auto& a : archs)
    for (const auto& p : protocols)
      for (std::int64_t s : seeds) ids.emplace(a, p, s);
  return ids;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// A "[k/N] what" progress line: k, N and the text; k = 0 when the line is not one.
struct ProgressLine {
  std::size_t done = 0;
  std::size_t total = 0;
  std::string text;
};
inline ProgressLine parse_progress_line(const std::string& line) {
  static const std::regex pattern(R"(^\[(\d+)/(\d+)\] (.+)$)");
  std::smatch m;
  if (!std::regex_match(line, m, pattern)) return {};
  return {std::stoul(m[1]), std::stoul(m[2]), m[3]};
}

// The executor prints an accuracy as the first five characters of std::to_string.
inline std::string printed_accuracy(double accuracy) { return std::to_string(accuracy).substr(0, 5); }

}  // namespace nasrank::testing
