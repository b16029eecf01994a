#include "nasrank/rerank/rerank.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "nasrank/dataset/benchmark.h"
#include "nasrank/rerank/record.h"
#include "nasrank/store/store.h"
#include "nasrank/train/protocol.h"
#include "nasrank/train/rate_search.h"
#include "run_queue.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>

namespace nasrank::rerank {

RerankSummary run_rerank(const RerankOptions& options, const ProgressCallback& progress) {
  reset_stop();
  if (options.protocols.empty()) throw InputError("no protocol given: name at least one (e.g. cpu-small-benchmark)");

  // Everything that can be wrong with the input is checked before any work.
  const std::vector<std::string> datasets = dataset::benchmark_keys();
  if (std::find(datasets.begin(), datasets.end(), options.dataset) == datasets.end()) {
    std::string known;
    for (const std::string& key : datasets) known += (known.empty() ? "" : ", ") + key;
    throw InputError("dataset '" + options.dataset + "' is unknown (known: " + known + ")");
  }
  const std::vector<PlannedArchitecture> archs = select_architectures(options.selection);
  std::vector<train::Protocol> protocols;
  std::vector<ProtocolPlan> plans;
  for (const std::string& name : options.protocols) {
    train::Protocol p = train::load_protocol(name);
    if (options.calibration && p.learning_rate.kind == train::LearningRateRule::Kind::Scaler) {
      p.learning_rate.base_lr.reset();
      p.learning_rate.calibration = std::filesystem::absolute(*options.calibration).string();
    }
    if (options.seeds) p.seeds = *options.seeds;
    if (p.seeds.empty()) throw InputError("protocol '" + p.name + "' has no seeds");
    for (const auto& other : protocols)
      if (other.name == p.name) throw InputError("protocol '" + p.name + "' is given twice");
    plans.push_back({p.name, options.dataset, p.epochs, p.seeds});
    protocols.push_back(std::move(p));
  }
  const bool writes_report = !options.report_dir.empty() && options.shard.count == 1;
  if (writes_report && protocols.size() < 2 && !options.reference)
    throw InputError("the report compares two protocols, or the protocols with a reference store, but only protocol '" +
                     protocols.front().name +
                     "' is given: add another --protocol, a --reference STORE, or --no-report to only train");
  const RunQueueOptions queue =
      worker_queue(options.store, options.dataset, options.data_dir, options.execution, options.worker_binary);
  const std::vector<PlannedRun> runs = plan_runs(archs.size(), plans, options.shard);

  RerankSummary summary;
  for (const train::Protocol& p : protocols) {
    const std::string note = train::uncalibrated_base_note(p, options.dataset);
    // The reference's CIFAR-10 base used elsewhere is the silent mistake to
    // catch; a base a protocol sets on purpose is only in the runs' provenance.
    if (note.find("from CIFAR-10 (reference), not calibrated") != std::string::npos)
      summary.notes.push_back(p.name + ": " + note);
  }
  summary.architectures = archs.size();
  summary.planned = runs.size();
  const RunQueueCounts counts = run_queue(archs, protocols, runs, queue, progress);
  summary.already_stored = counts.already_stored;
  summary.trained = counts.trained;
  summary.diverged = counts.diverged;
  summary.disconnected = counts.disconnected;
  summary.failed = counts.failed;
  summary.interrupted = counts.interrupted;

  if (!summary.interrupted && writes_report) {
    ComparisonOptions comparison = options.comparison;
    comparison.dataset = options.dataset;
    const std::size_t stored = store::ResultStore::open(options.store, store::OpenMode::Read).count();
    // The runs are stored whatever happens here (e.g. every run of one
    // protocol diverged, leaving nothing to rank): report why, keep the summary.
    if (stored > 0) {
      try {
        summary.reports = write_store_reports(options.store, options.reference, options.reference_budget, "",
                                              comparison, options.report_dir);
      } catch (const std::exception& e) {
        summary.report_error = e.what();
      }
    }
  }
  return summary;
}

}  // namespace nasrank::rerank
