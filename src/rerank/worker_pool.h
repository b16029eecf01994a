#pragma once
// Worker processes (the nasrank-torch executable in `worker` mode) that take
// JSON-line jobs on stdin and answer JSON-line events on stdout.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace nasrank::rerank {

struct WorkerEvent {
  int worker = 0;
  nlohmann::json event;  // as the worker sent it
  // The worker died; `event` is empty and `exit_description` says how
  // ("exited with code 3", "killed by signal 9").
  bool died = false;
  std::string exit_description;
};

class WorkerPool {
 public:
  // One worker per entry of `cuda_visible_devices`: the CUDA_VISIBLE_DEVICES
  // it (and its restarts) run with, or nullopt to inherit ours.
  WorkerPool(std::filesystem::path binary, std::vector<std::optional<std::string>> cuda_visible_devices, int threads,
             std::string device, std::filesystem::path log);
  ~WorkerPool();  // stops every worker
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()); }
  void send(int worker, const nlohmann::json& job);
  // Events available within `timeout_ms` (empty when none); a dead worker is
  // reported once and restarted.
  std::vector<WorkerEvent> poll(int timeout_ms);
  void stop_all();

 private:
  struct Worker {
    pid_t pid = -1;
    int to_worker = -1;
    int from_worker = -1;
    std::string buffer;
    std::optional<std::string> cuda_visible_devices;
  };
  void start(Worker& worker);
  void stop(Worker& worker);

  std::filesystem::path binary_;
  int threads_;
  std::string device_;
  std::filesystem::path log_;
  std::vector<Worker> workers_;
};

}  // namespace nasrank::rerank
