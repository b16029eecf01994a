#include "worker_pool.h"

#include "child_process.h"
#include "nasrank/common/error.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

extern char** environ;  // the environment a worker starts from

namespace nasrank::rerank {

WorkerPool::WorkerPool(std::filesystem::path binary, std::vector<std::optional<std::string>> cuda_visible_devices,
                       int threads, std::string device, std::filesystem::path log)
    : binary_(std::move(binary)), threads_(threads), device_(std::move(device)), log_(std::move(log)) {
  if (!std::filesystem::exists(binary_))
    throw InputError("worker program '" + binary_.string() + "' does not exist (build the nasrank-torch target)");
  // A worker that dies must not kill us with SIGPIPE when we write its next job.
  signal(SIGPIPE, SIG_IGN);
  workers_.resize(cuda_visible_devices.size());
  for (std::size_t k = 0; k < workers_.size(); ++k) {
    workers_[k].cuda_visible_devices = std::move(cuda_visible_devices[k]);
    start(workers_[k]);
  }
}

WorkerPool::~WorkerPool() { stop_all(); }

void WorkerPool::start(Worker& w) {
  int to_child[2], from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(from_child, O_CLOEXEC) != 0)
    throw IoError(std::string("cannot create pipes for a worker: ") + std::strerror(errno));
  const int log_fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd >= 0 && w.cuda_visible_devices) {
    // Which GPU a worker's messages below came from.
    const std::string line = "nasrank: worker " + std::to_string(&w - workers_.data()) +
                             " starts with CUDA_VISIBLE_DEVICES=" + *w.cuda_visible_devices + "\n";
    if (write(log_fd, line.data(), line.size()) < 0) {
      // The log is diagnostics only; the worker runs without this line.
    }
  }
  // A GPU worker sees only its own GPU; a CPU worker inherits our environment.
  std::vector<std::string> environment;
  if (w.cuda_visible_devices) {
    for (char** entry = environ; *entry != nullptr; ++entry)
      if (std::strncmp(*entry, "CUDA_VISIBLE_DEVICES=", 21) != 0) environment.emplace_back(*entry);
    environment.push_back("CUDA_VISIBLE_DEVICES=" + *w.cuda_visible_devices);
  }
  ChildStreams streams;
  streams.in = to_child[0];
  streams.out = from_child[1];
  streams.err = log_fd;
  const pid_t pid = start_child(binary_, {"worker", "--threads", std::to_string(threads_), "--device", device_},
                                streams, "cannot start a worker: ", w.cuda_visible_devices ? &environment : nullptr);
  if (log_fd >= 0) close(log_fd);
  close(to_child[0]);
  close(from_child[1]);
  w.pid = pid;
  w.to_worker = to_child[1];
  w.from_worker = from_child[0];
  w.buffer.clear();
}

void WorkerPool::stop(Worker& w) {
  if (w.pid <= 0) return;
  if (w.to_worker >= 0) close(w.to_worker);
  kill(w.pid, SIGTERM);
  int status = 0;
  for (int k = 0; k < 50; ++k) {
    if (waitpid(w.pid, &status, WNOHANG) == w.pid) break;
    usleep(20000);
    if (k == 49) {
      kill(w.pid, SIGKILL);
      waitpid(w.pid, &status, 0);
    }
  }
  if (w.from_worker >= 0) close(w.from_worker);
  std::optional<std::string> gpu = std::move(w.cuda_visible_devices);
  w = Worker{};
  w.cuda_visible_devices = std::move(gpu);
}

void WorkerPool::stop_all() {
  for (Worker& w : workers_) stop(w);
}

void WorkerPool::send(int worker, const nlohmann::json& job) {
  Worker& w = workers_.at(static_cast<std::size_t>(worker));
  const std::string line = job.dump() + "\n";
  std::size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = write(w.to_worker, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the worker died; poll() reports it
    written += static_cast<std::size_t>(n);
  }
}

std::vector<WorkerEvent> WorkerPool::poll(int timeout_ms) {
  std::vector<pollfd> fds;
  for (const Worker& w : workers_) fds.push_back({w.from_worker, POLLIN, 0});
  std::vector<WorkerEvent> events;
  const int ready = ::poll(fds.data(), fds.size(), timeout_ms);
  if (ready <= 0) return events;
  for (std::size_t k = 0; k < workers_.size(); ++k) {
    if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    Worker& w = workers_[k];
    char chunk[65536];
    const ssize_t n = read(w.from_worker, chunk, sizeof chunk);
    if (n > 0) {
      w.buffer.append(chunk, static_cast<std::size_t>(n));
      std::size_t newline;
      while ((newline = w.buffer.find('\n')) != std::string::npos) {
        const std::string line = w.buffer.substr(0, newline);
        w.buffer.erase(0, newline + 1);
        WorkerEvent event;
        event.worker = static_cast<int>(k);
        event.event = nlohmann::json::parse(line, nullptr, false);
        if (!event.event.is_discarded()) events.push_back(std::move(event));
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    int status = 0;
    close(w.to_worker);
    close(w.from_worker);
    waitpid(w.pid, &status, 0);
    std::optional<std::string> gpu = std::move(w.cuda_visible_devices);
    w = Worker{};
    w.cuda_visible_devices = std::move(gpu);
    WorkerEvent died;
    died.worker = static_cast<int>(k);
    died.died = true;
    died.exit_description = describe_exit(status);
    events.push_back(std::move(died));
    start(w);
  }
  return events;
}

}  // namespace nasrank::rerank
