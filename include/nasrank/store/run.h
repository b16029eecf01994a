#pragma once
// One stored result: a (architecture, dataset, protocol, budget, seed)
// training run, or one imported benchmark entry. Plain data only; the HDF5
// layout that holds many of them is described in docs/store-format.md.
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nasrank::store {

inline constexpr double kNotMeasured = std::numeric_limits<double>::quiet_NaN();
// `seed` of a row that is itself a mean over several seeds (imported means).
inline constexpr std::int64_t kMeanOverSeeds = -1;

enum class RunStatus : std::uint8_t {
  Ok,
  Diverged,      // training produced non-finite loss; metrics are what was measured before
  Disconnected,  // the cell has no input-to-output path; the output is always zero
  Failed,        // no result; error_message says why
};
std::string_view status_name(RunStatus status);  // "ok", "diverged", "disconnected", "failed"
RunStatus parse_status(std::string_view text);   // InputError on anything else

// Split names follow the benchmark: "train", "x-valid", "x-test", "ori-test"
// (see resolve_split in query.h for what "test" and "valid" mean per dataset).
struct SplitMetrics {
  double accuracy = kNotMeasured;  // top-1, percent (0..100)
  double loss = kNotMeasured;      // mean cross-entropy per example (nats)
};

// Per-epoch series, position = epoch (0-based). A series is either empty (not
// recorded at all) or has one entry per epoch, NaN where that epoch was not
// measured (the benchmark evaluates some splits only after the last epoch).
struct EpochCurves {
  std::vector<double> train_loss;
  std::vector<double> train_accuracy;                        // percent, running average over the epoch
  std::map<std::string, std::vector<double>> eval_accuracy;  // split -> percent
  std::map<std::string, std::vector<double>> eval_loss;      // split -> loss
  std::vector<double> learning_rate;                         // the rate used during the epoch
  std::vector<double> epoch_seconds;                         // wall time of the epoch's training

  // Longest series (0 when nothing is recorded).
  std::size_t epochs() const;
};

// Where a row's numbers came from. Runs trained by nasrank leave the source
// fields empty; imports name the file exactly enough to detect a changed copy.
struct Provenance {
  bool imported = false;
  std::string source_path;        // absolute path of the source file
  std::string source_sha256;      // lowercase hex of the file's bytes, empty if not computed
  std::int64_t source_size = -1;  // bytes
  std::string source_mtime;       // ISO 8601 UTC modification time
  std::string source_format;      // "csv", "nats-tss-simple", ...
  std::string source_split;       // split as the source declared it ("test"), empty if per split
  std::string note;               // how the source was read (column mapping, budget inference)

  bool operator==(const Provenance& other) const;
  bool operator!=(const Provenance& other) const { return !(*this == other); }
};

struct RunRecord {
  std::string space = "nb201";  // "nb201" or "dag"
  int benchmark_index = -1;     // NAS-Bench-201 index 0..15624, -1 when not a benchmark cell
  std::string arch;             // arch string (nb201) or DAG code (dag)
  std::string unique_string;    // the benchmark's canonical string (zeros considered)
  std::string dataset;          // "cifar10-valid", "cifar10", "cifar100", "ImageNet16-120", ...
  std::string protocol;         // training protocol name, e.g. "nb201"
  int budget_epochs = 0;        // training budget in epochs (12, 200, ...)
  std::int64_t seed = kMeanOverSeeds;
  std::string seeds_averaged;  // when seed == kMeanOverSeeds: "777,888,999" or "unknown"
  RunStatus status = RunStatus::Ok;
  std::string error_message;                          // why the run failed or diverged
  std::map<std::string, SplitMetrics> final_metrics;  // split -> metrics after the last epoch
  EpochCurves curves;
  double learning_rate = kNotMeasured;      // initial (peak) learning rate
  std::string init;                         // "benchmark" or "principled"; empty if unknown
  double params_m = kNotMeasured;           // millions of parameters
  double flops_m = kNotMeasured;            // millions of FLOPs per image (multiply-adds, benchmark's count)
  double wall_seconds = kNotMeasured;       // whole run, seconds
  double images_per_second = kNotMeasured;  // training throughput
  std::string config_json;                  // the full resolved configuration (JSON text)
  std::string tool_version;                 // nasrank version that produced or imported the row
  Provenance provenance;
  std::string created_at;  // ISO 8601 UTC; the store fills it in when empty
};

// What identifies a run: two records with equal keys are the same run, and a
// store never holds both. A mean over seeds has seed == kMeanOverSeeds.
struct RunKey {
  std::string arch_key;  // "<space>:<canonical arch>", see arch_key()
  std::string dataset;
  std::string protocol;
  int budget_epochs = 0;
  std::int64_t seed = kMeanOverSeeds;

  std::string to_string() const;  // "nb201:|...| cifar10 nb201 200ep seed 777"
  bool operator==(const RunKey& other) const;
  bool operator!=(const RunKey& other) const { return !(*this == other); }
  bool operator<(const RunKey& other) const;
};

std::string arch_key(std::string_view space, std::string_view arch);
RunKey run_key(const RunRecord& record);

// Checks the architecture and fills the derived fields: the canonical arch
// text, benchmark_index and unique_string (nb201), status Disconnected when a
// cell has no path and no other status was set. Accepts an nb201 record that
// names only its index. Throws InputError naming the record when the arch does
// not parse, the index and the arch disagree, or a required field is empty.
void canonicalize(RunRecord& record);

// Same measured result: every number, curve, status, configuration and
// architecture field equal (NaN equals NaN). created_at, tool_version and the
// provenance are ignored, so re-importing the same file is "identical".
bool same_result(const RunRecord& a, const RunRecord& b);

}  // namespace nasrank::store
