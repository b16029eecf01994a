#pragma once
// Small helpers shared by the store tests: scratch directories and records.
#include "nasrank/common/error.h"
#include "nasrank/store/run.h"
#include "nasrank/store/store.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace nasrank::store::testing {

// A fresh directory under the system temp dir, removed at the end of the test.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    path_ = std::filesystem::temp_directory_path() /
            ("nasrank-store-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  static int& counter() {
    static int value = 0;
    return value;
  }
  std::filesystem::path path_;
};

// The message of the InputError `action` throws, or "(no InputError)".
inline std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A trained-looking run of benchmark cell `index` with curves over `epochs`
// epochs whose values depend on index and seed.
inline RunRecord sample_run(int index, std::int64_t seed, const std::string& dataset = "cifar10", int epochs = 3) {
  RunRecord r;
  r.space = "nb201";
  r.benchmark_index = index;
  r.dataset = dataset;
  r.protocol = "nb201";
  r.budget_epochs = epochs;
  r.seed = seed;
  r.learning_rate = 0.1;
  r.init = "principled";
  r.params_m = 0.1 + index * 1e-3;
  r.flops_m = 10.0 + index;
  r.wall_seconds = 100.5;
  r.images_per_second = 2500;
  r.config_json = R"({"lr":0.1,"epochs":)" + std::to_string(epochs) + "}";
  const double base = 50.0 + (index % 40) + seed * 1e-3;
  r.final_metrics["train"] = {base + 5, 0.5};
  r.final_metrics["ori-test"] = {base, 0.9};
  for (int e = 0; e < epochs; ++e) {
    r.curves.train_loss.push_back(2.0 - 0.1 * e);
    r.curves.train_accuracy.push_back(base - epochs + e);
    r.curves.learning_rate.push_back(0.1 * (1 + std::cos(3.141592653589793 * e / epochs)) / 2);
    r.curves.epoch_seconds.push_back(30 + e);
    r.curves.eval_accuracy["ori-test"].push_back(e + 1 == epochs ? base : std::nan(""));
    r.curves.eval_loss["ori-test"].push_back(e + 1 == epochs ? 0.9 : std::nan(""));
  }
  return r;
}

// A mean over seeds of benchmark cell `index` as a CSV import stores it.
inline RunRecord imported_mean(int index, const std::string& dataset, double accuracy) {
  RunRecord r;
  r.benchmark_index = index;
  r.dataset = dataset;
  r.protocol = "nb201";
  r.budget_epochs = 200;
  r.seed = kMeanOverSeeds;
  r.seeds_averaged = "777,888,999";
  r.final_metrics["x-test"].accuracy = accuracy;
  r.provenance.imported = true;
  r.provenance.source_path = "/data/table.csv";
  r.provenance.source_sha256 = std::string(64, 'a');
  r.provenance.source_size = 1234;
  r.provenance.source_mtime = "2024-01-01T00:00:00Z";
  r.provenance.source_format = "csv";
  r.provenance.source_split = "test";
  r.provenance.note = "column X -> " + dataset;
  return r;
}

// sample_run of cells 0..count-1.
inline std::vector<RunRecord> sample_runs(int count, std::int64_t seed, const std::string& dataset = "cifar10",
                                          int epochs = 3) {
  std::vector<RunRecord> runs;
  for (int i = 0; i < count; ++i) runs.push_back(sample_run(i, seed, dataset, epochs));
  return runs;
}

// The starting point of many tests: a store at `path` holding `runs`,
// committed by a writer that is closed again.
inline void write_store(const std::filesystem::path& path, std::vector<RunRecord> runs) {
  ResultStore store = ResultStore::open(path, OpenMode::Append);
  store.add(std::move(runs));
  store.commit();
}

}  // namespace nasrank::store::testing
