#include "run_queue.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "nasrank/rerank/record.h"
#include "nasrank/store/store.h"
#include "worker_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <thread>

namespace nasrank::rerank {
namespace {

std::atomic<bool> g_stop_requested{false};

struct Job {
  std::size_t architecture = 0;
  std::size_t protocol = 0;
  std::uint64_t seed = 0;
  std::string space;
  std::string arch;  // canonical text stored in the run (arch string or DAG code)
};

std::string arch_text(const PlannedArchitecture& a) {
  return a.graph.space() == cell::Space::Nb201 ? *cell::to_arch_string(a.graph)
                                               : cell::to_dag_code(a.graph).value_or("");
}

std::string short_name(const PlannedArchitecture& a) {
  return a.benchmark_index >= 0 ? "#" + std::to_string(a.benchmark_index) + " " + *cell::to_compact_code(a.graph)
                                : a.encoding;
}

}  // namespace

RunQueueOptions worker_queue(const std::filesystem::path& store, const std::string& dataset,
                             const std::string& data_dir, const ExecutionOptions& execution,
                             const std::filesystem::path& worker_binary) {
  if (!std::filesystem::exists(worker_binary))
    throw InputError("worker program '" + worker_binary.string() +
                     "' does not exist (build the nasrank-torch target, or set NASRANK_TORCH_BIN)");
  RunQueueOptions queue;
  queue.store = store;
  queue.dataset = dataset;
  queue.data_dir = data_dir;
  queue.placement = place_workers(execution, visible_gpus(), static_cast<int>(std::thread::hardware_concurrency()));
  queue.threads = execution.threads;
  queue.device = execution.device;
  queue.worker_binary = worker_binary;
  return queue;
}

void request_stop() { g_stop_requested.store(true); }
void reset_stop() { g_stop_requested.store(false); }

RunQueueCounts run_queue(const std::vector<PlannedArchitecture>& archs, const std::vector<train::Protocol>& protocols,
                         const std::vector<PlannedRun>& runs, const RunQueueOptions& options,
                         const ProgressCallback& progress) {
  RunQueueCounts counts;
  store::ResultStore store = store::ResultStore::open(options.store, store::OpenMode::Append);

  std::deque<Job> todo;
  for (const PlannedRun& run : runs) {
    const PlannedArchitecture& a = archs[run.architecture];
    Job job{run.architecture, run.protocol, run.seed, std::string(cell::space_name(a.graph.space())), arch_text(a)};
    const store::RunKey key{store::arch_key(job.space, job.arch), options.dataset, protocols[run.protocol].name,
                            protocols[run.protocol].epochs, static_cast<std::int64_t>(run.seed)};
    const auto existing = store.find(key, store::ReadOptions{false});
    // Failed runs are tried again; finished ones (ok, diverged, disconnected) never twice.
    if (existing && existing->status != store::RunStatus::Failed) {
      ++counts.already_stored;
      continue;
    }
    todo.push_back(std::move(job));
  }
  store.commit();  // creates the store file even before the first run finishes

  Progress state;
  state.total = todo.size();
  const auto started = std::chrono::steady_clock::now();
  auto report_progress = [&] {
    const double hours = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() / 3600.0;
    state.runs_per_hour = hours > 0 ? static_cast<double>(state.done) / hours : 0.0;
    state.eta_seconds =
        state.runs_per_hour > 0 ? static_cast<double>(state.total - state.done) / state.runs_per_hour * 3600.0 : 0.0;
    if (progress) progress(state);
    state.last_line.clear();
  };

  auto record = [&](store::RunRecord run, const Job& job, const std::string& line) {
    store.add({std::move(run)}, store::DuplicatePolicy::Replace);
    store.commit();  // durable before it is reported
    ++state.done;
    state.current = short_name(archs[job.architecture]);
    state.last_line = line;
    report_progress();
  };

  if (!todo.empty()) {
    const int hardware = std::max(1U, std::thread::hardware_concurrency());
    // No more workers than runs; round-robin placement keeps the first ones
    // spread over every GPU.
    std::vector<std::optional<std::string>> placed = options.placement.cuda_visible_devices;
    placed.resize(std::min(placed.size(), todo.size()));
    const int workers = static_cast<int>(placed.size());
    const int threads = options.threads > 0 ? options.threads : std::max(1, hardware / workers);
    WorkerPool pool(options.worker_binary, std::move(placed), threads, options.device,
                    options.store.string() + ".workers.log");
    std::map<int, std::pair<std::int64_t, Job>> in_flight;  // worker -> (job id, job)
    std::int64_t next_id = 0;
    report_progress();
    while ((!todo.empty() || !in_flight.empty()) && !g_stop_requested.load()) {
      for (int w = 0; w < pool.size() && !todo.empty(); ++w) {
        if (in_flight.count(w)) continue;
        Job job = std::move(todo.front());
        todo.pop_front();
        const PlannedArchitecture& a = archs[job.architecture];
        const train::Protocol& p = protocols[job.protocol];
        pool.send(w, nlohmann::json{{"id", next_id},
                                    {"architecture", a.encoding},
                                    {"protocol", train::to_json(p)},
                                    {"protocol_source", p.source},
                                    {"dataset", options.dataset},
                                    {"data_dir", options.data_dir},
                                    {"seed", job.seed}});
        in_flight[w] = {next_id++, std::move(job)};
      }
      for (WorkerEvent& e : pool.poll(250)) {
        auto flight = in_flight.find(e.worker);
        if (flight == in_flight.end()) continue;
        const Job& job = flight->second.second;
        const train::Protocol& p = protocols[job.protocol];
        const std::string who =
            short_name(archs[job.architecture]) + " " + p.name + " seed " + std::to_string(job.seed);
        if (e.died) {
          ++state.failed;
          ++counts.failed;
          record(failed_run_record(job.space, job.arch, options.dataset, p.name, p.epochs, job.seed,
                                   "worker process " + e.exit_description, train::to_json(p).dump()),
                 job, "FAILED " + who + ": worker " + e.exit_description);
          in_flight.erase(flight);
          continue;
        }
        if (e.event.value("id", std::int64_t{-1}) != flight->second.first) continue;
        const std::string kind = e.event.value("event", "");
        if (kind == "epoch" || kind == "started") {
          state.current = short_name(archs[job.architecture]) + " " + p.name +
                          (kind == "epoch" ? " epoch " + std::to_string(e.event.value("epoch", 0) + 1) + "/" +
                                                 std::to_string(e.event.value("epochs", 0))
                                           : "");
          report_progress();
        } else if (kind == "result") {
          const train::TrainResult result = train::train_result_from_json(e.event.at("result"), "worker result");
          store::RunRecord run = to_run_record(result);
          std::string line = who + ": " + std::string(train::run_status_name(result.status));
          if (result.status == train::RunStatus::Ok) ++counts.trained;
          if (result.status == train::RunStatus::Diverged) ++counts.diverged;
          if (result.status == train::RunStatus::Disconnected) ++counts.disconnected;
          for (const auto& [split, metrics] : result.final_metrics)
            if (split != "train") line += ", " + split + " " + std::to_string(metrics.accuracy).substr(0, 5) + "%";
          record(std::move(run), job, line);
          in_flight.erase(flight);
        } else if (kind == "error") {
          ++state.failed;
          ++counts.failed;
          const std::string message = e.event.value("message", "unknown error");
          record(failed_run_record(job.space, job.arch, options.dataset, p.name, p.epochs, job.seed, message,
                                   train::to_json(p).dump()),
                 job, "FAILED " + who + ": " + message);
          in_flight.erase(flight);
        }
      }
    }
    counts.interrupted = g_stop_requested.load();
    pool.stop_all();
  }
  return counts;
}

}  // namespace nasrank::rerank
