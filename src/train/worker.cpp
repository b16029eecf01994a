#include "nasrank/train/worker.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "nasrank/train/protocol.h"
#include "nasrank/train/trainer.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <map>
#include <memory>

namespace nasrank::train {
namespace {

void emit(std::ostream& out, const nlohmann::json& event) {
  out << event.dump() << '\n';
  out.flush();
}

// Datasets are loaded once per worker: every job of a re-rank usually shares
// one dataset and data budget, and loading dominates short runs.
std::string data_cache_key(const std::string& dataset, const std::string& data_dir, const Protocol& protocol) {
  return dataset + "\n" + data_dir + "\n" + std::to_string(protocol.data.holdout);
}

}  // namespace

int serve_training_jobs(std::istream& in, std::ostream& out, const WorkerOptions& options) {
  std::map<std::string, std::shared_ptr<const dataset::BenchmarkData>> data_cache;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    nlohmann::json job;
    std::int64_t id = -1;
    try {
      job = nlohmann::json::parse(line);
      id = job.at("id").get<std::int64_t>();
      emit(out, {{"id", id}, {"event", "started"}});
      TrainRequest request;
      request.architecture = job.at("architecture").get<std::string>();
      request.graph = cell::parse_encoding(request.architecture);
      request.protocol = protocol_from_json(job.at("protocol"), job.value("protocol_source", std::string("job")));
      request.protocol.source = job.value("protocol_source", std::string());
      request.seed = job.at("seed").get<std::uint64_t>();
      request.runtime.device = parse_device(options.device);
      request.on_epoch = [&](const EpochRecord& record, int epochs) {
        emit(out, {{"id", id},
                   {"event", "epoch"},
                   {"epoch", record.epoch},
                   {"epochs", epochs},
                   {"train_loss", record.train_loss},
                   {"train_accuracy", record.train_accuracy}});
      };
      const std::string dataset_key = job.at("dataset").get<std::string>();
      const std::string data_dir = job.value("data_dir", std::string());
      const std::string key = data_cache_key(dataset_key, data_dir, request.protocol);
      auto cached = data_cache.find(key);
      if (cached == data_cache.end()) {
        data_cache.clear();  // one dataset in memory at a time
        cached = data_cache
                     .emplace(key, std::make_shared<const dataset::BenchmarkData>(
                                       load_training_data(dataset_key, data_dir, request.protocol)))
                     .first;
      }
      const TrainResult result = train(request, *cached->second);
      emit(out, {{"id", id}, {"event", "result"}, {"result", to_json(result)}});
    } catch (const std::exception& e) {
      emit(out, {{"id", id}, {"event", "error"}, {"message", e.what()}});
    }
  }
  return 0;
}

}  // namespace nasrank::train
